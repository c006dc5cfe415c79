/*
 * The NXDOMAIN cut table (RFC 8020, see nxcut.h).
 */
#include <stdbool.h>
#include <string.h>

#include "boltdns/wire.h"
#include "nxcut.h"

/* The SOA RDATA: two names and 20 bytes. */
#define SOA_RDATA_MAX (2 * BOLT_NAME_MAX + 20)
/* RRs parsed from a response worth keeping (SOA + NS set + a few). */
#define PARSE_RRS 32

struct nx_ent {
	uint32_t expires;           /* bolt_now() seconds; 0: empty */
	uint8_t name[BOLT_NAME_MAX];  /* the name denied (lower-case) */
	uint8_t soa_owner[BOLT_NAME_MAX];
	uint16_t soa_len;
	uint8_t soa[SOA_RDATA_MAX];
};

static struct nx_ent tab[NXCUT_SLOTS];

static uint32_t name_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ name[i]) * 16777619u;
	return h;
}

bool nxcut_note(const uint8_t *msg, size_t len, uint32_t ttl, uint32_t now)
{
	static struct bolt_rr rrs[PARSE_RRS];
	static uint8_t scratch[2 * BOLT_MSG_MAX + 16];
	struct bolt_msg m;
	if (ttl == 0 || len > BOLT_MSG_MAX ||
	    bolt_msg_parse(msg, len, &m, rrs, PARSE_RRS, scratch, sizeof(scratch)) < 0)
		return false;
	if (BOLT_RCODE(m.flags) != BOLT_RCODE_NXDOMAIN || m.ancount != 0 || m.qname_len == 0 ||
	    m.qname_len == 1)
		return false;
	const struct bolt_rr *soa = NULL;
	for (unsigned i = 0; i < m.rrcount && soa == NULL; i++)
		if (rrs[i].section == BOLT_SEC_AUTHORITY && rrs[i].type == BOLT_TYPE_SOA)
			soa = &rrs[i];
	/* Without its SOA the denial is not authoritative enough to cover a
	 * whole subtree (RFC 8020 section 2). */
	if (soa == NULL || soa->rdlen > SOA_RDATA_MAX)
		return false;
	uint8_t name[BOLT_NAME_MAX];
	memcpy(name, m.qname, m.qname_len);
	bolt_name_lower(name, m.qname_len);
	struct nx_ent *e = &tab[name_hash(name, m.qname_len) % NXCUT_SLOTS];
	memcpy(e->name, name, m.qname_len);
	memcpy(e->soa_owner, soa->owner, soa->owner_len);
	bolt_name_lower(e->soa_owner, soa->owner_len);
	memcpy(e->soa, soa->rdata, soa->rdlen);
	e->soa_len = soa->rdlen;
	e->expires = now + ttl;
	return true;
}

/* The live entry for exactly name (len bytes), or NULL. */
static const struct nx_ent *find(const uint8_t *name, size_t len, uint32_t now)
{
	const struct nx_ent *e = &tab[name_hash(name, len) % NXCUT_SLOTS];
	if (e->expires <= now || !bolt_name_equal(e->name, name))
		return NULL;
	return e;
}

int nxcut_answer(const uint8_t *qname, uint16_t qtype, uint32_t now, uint8_t *buf, size_t cap,
                 struct bolt_build *b, uint32_t *ttl)
{
	int qlen = bolt_name_len(qname, BOLT_NAME_MAX);
	if (qlen <= 1)
		return 0;
	/* The name itself, then each ancestor but the root. */
	const struct nx_ent *e = NULL;
	for (int off = 0; off < qlen - 1 && e == NULL; off += qname[off] + 1)
		e = find(qname + off, (size_t)(qlen - off), now);
	if (e == NULL)
		return 0;
	*ttl = e->expires - now;
	bolt_build_init(b, buf, cap, 0, BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_RCODE_NXDOMAIN);
	bolt_build_question(b, qname, (size_t)qlen, qtype, BOLT_CLASS_IN);
	int ret = bolt_build_rr(b, BOLT_SEC_AUTHORITY, e->soa_owner, BOLT_TYPE_SOA, BOLT_CLASS_IN,
	                        *ttl, e->soa, e->soa_len);
	if (ret < 0)
		return ret;
	return bolt_build_finish(b);
}

void nxcut_clear(void)
{
	memset(tab, 0, sizeof(tab));
}

unsigned nxcut_count(uint32_t now)
{
	unsigned n = 0;
	for (unsigned i = 0; i < NXCUT_SLOTS; i++)
		n += tab[i].expires > now;
	return n;
}
