/*
 * NOTIFY for policy zones (see notify.h).
 */
#include <string.h>
#include <time.h>

#include "boltdns/errcode.h"
#include "boltdns/wire_ctx.h"
#include "notify.h"

/* Records a NOTIFY may carry: a SOA, a TSIG, an OPT, a few more. */
#define NOTIFY_RR_MAX 8

bool rpz_notify_is(const uint8_t *msg, size_t len)
{
	if (len < BOLT_HDR_LEN)
		return false;
	uint16_t flags = bolt_wire_get_u16(msg + 2);
	return BOLT_OPCODE(flags) == RPZ_OPCODE_NOTIFY && !(flags & BOLT_FLAG_QR);
}

int rpz_notify_parse(const uint8_t *msg, size_t len, struct rpz_notify *n)
{
	memset(n, 0, sizeof(*n));
	if (len < BOLT_HDR_LEN)
		return BOLT_ETRUNC;
	n->id = bolt_wire_get_u16(msg);
	n->flags = bolt_wire_get_u16(msg + 2);
	if (!rpz_notify_is(msg, len))
		return BOLT_ENOTIMP;
	if (len > RPZ_NOTIFY_MAX)
		return BOLT_ETOOBIG;
	struct bolt_rr rrs[NOTIFY_RR_MAX];
	uint8_t scratch[2 * RPZ_NOTIFY_MAX];
	struct bolt_msg m;
	int rc = bolt_msg_parse(msg, len, &m, rrs, NOTIFY_RR_MAX, scratch, sizeof(scratch));
	if (rc < 0)
		return rc;
	if (m.qdcount != 1 || m.qname_len == 0)
		return BOLT_EQDCOUNT;
	memcpy(n->zone, m.qname, m.qname_len);
	bolt_name_lower(n->zone, m.qname_len);
	n->zone_len = m.qname_len;
	if (m.qtype != BOLT_TYPE_SOA || m.qclass != BOLT_CLASS_IN)
		return BOLT_EMALF;
	for (unsigned i = 0; i < m.rrcount; i++) {
		const struct bolt_rr *r = &m.rrs[i];
		if (r->section != BOLT_SEC_ANSWER || r->type != BOLT_TYPE_SOA ||
		    !bolt_name_equal(r->owner, n->zone))
			continue;
		/* The serial follows the two names of the RDATA. */
		size_t p = 0;
		int l1 = bolt_name_len(r->rdata, r->rdlen);
		if (l1 <= 0)
			continue;
		p = (size_t)l1;
		int l2 = bolt_name_len(r->rdata + p, r->rdlen - p);
		if (l2 <= 0 || p + (size_t)l2 + 20 != r->rdlen)
			continue;
		n->serial = bolt_wire_get_u32(r->rdata + p + (size_t)l2);
		n->has_serial = true;
	}
	n->is_signed = m.rrcount > 0 && m.rrs[m.rrcount - 1].type == 250 /* TSIG */;
	return 0;
}

int rpz_notify_answer(const struct rpz_notify *n, uint16_t rcode, const struct rpz_tsig_key *key,
                      const uint8_t *req_mac, uint8_t *out, size_t cap)
{
	struct bolt_build b;
	uint16_t flags = (uint16_t)(BOLT_FLAG_QR | BOLT_FLAG_AA | (RPZ_OPCODE_NOTIFY << 11) |
	                            (rcode & 0xf));
	if (bolt_build_init(&b, out, cap, n->id, flags) < 0)
		return BOLT_ESPACE;
	if (n->zone_len > 0)
		bolt_build_question(&b, n->zone, n->zone_len, BOLT_TYPE_SOA, BOLT_CLASS_IN);
	int len = bolt_build_finish(&b);
	if (len < 0 || key == NULL || req_mac == NULL)
		return len;
	return rpz_tsig_sign_response(key, out, (size_t)len, cap, (uint64_t)time(NULL), req_mac);
}
