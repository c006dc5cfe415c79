/*
 * The answer a response policy gives (policy_answer.h): the message of a
 * hit, built as a cache value.
 */
#include <string.h>

#include "boltdns/answer.h"
#include "boltdns/wire_ctx.h"
#include "policy_answer.h"

/* Working buffers: the process is single-threaded. */
static uint8_t pol_buf[BOLT_MSG_MAX];
static uint16_t pol_rel[BOLT_BUILD_TTL_MAX];

/* Parsing a resolved answer (ip_local): single-threaded working memory. */
#define IP_RR_MAX 256
static struct bolt_rr ip_rrs[IP_RR_MAX];
static uint8_t ip_scratch[2 * BOLT_MSG_MAX];

/*
 * A response-IP policy's local data as Unbound's respip module gives it:
 * the resolved answer (msg) keeps its CNAMEs (and their signatures), its
 * addresses are replaced by the rule's records of the question's type,
 * owned by the name that had the addresses. A name server's policy (the
 * resolution stopped at a cut of the CNAME chain's end, msg holding the
 * CNAMEs followed so far) as Unbound's and BIND's: the CNAMEs, then the
 * action for the chain's end (NXDOMAIN, NODATA, or the rule's records
 * owned by it). Built in pol_buf through b.
 */
static int ip_local(const struct rpz_hit *h, const struct pkey *key, const uint8_t *msg,
                    size_t len, struct bolt_build *b, uint8_t *kind, uint32_t *ttl)
{
	struct bolt_msg m;
	int rc = bolt_msg_parse(msg, len, &m, ip_rrs, IP_RR_MAX, ip_scratch, sizeof(ip_scratch));
	if (rc < 0)
		return rc;
	bool ns = h->trigger != RPZ_TRIG_IP;
	uint16_t rcode = ns && h->action == RPZ_ACT_NXDOMAIN ? BOLT_RCODE_NXDOMAIN : 0;
	if (bolt_build_init(b, pol_buf, sizeof(pol_buf), 0, BOLT_FLAG_QR | BOLT_FLAG_RA | rcode) < 0 ||
	    bolt_build_question(b, key->name, key->name_len, key->qtype, BOLT_CLASS_IN) < 0)
		return BOLT_ESPACE;
	const uint8_t *owner = NULL;
	unsigned n = 0;
	for (unsigned i = 0; i < m.rrcount; i++) {
		const struct bolt_rr *r = &m.rrs[i];
		if (r->section != BOLT_SEC_ANSWER)
			continue;
		uint16_t covered = r->type == BOLT_TYPE_RRSIG && r->rdlen >= 2
		                   ? bolt_wire_get_u16(r->rdata) : 0;
		if (r->type == BOLT_TYPE_A || r->type == BOLT_TYPE_AAAA || covered == BOLT_TYPE_A ||
		    covered == BOLT_TYPE_AAAA) {
			if (owner == NULL && r->type != BOLT_TYPE_RRSIG)
				owner = r->owner;
			continue;
		}
		if ((rc = bolt_build_rr(b, BOLT_SEC_ANSWER, r->owner, r->type, r->rclass, r->ttl,
		                        r->rdata, r->rdlen)) < 0)
			return rc;
		if (ns && r->type == BOLT_TYPE_CNAME)
			owner = r->rdata;  /* the chain's end so far */
		n++;
	}
	if (owner == NULL)
		owner = key->name;
	uint16_t type, rdlen;
	uint32_t rttl;
	const uint8_t *rd;
	*ttl = h->ttl;
	unsigned chain = n;
	for (unsigned i = 0; h->action == RPZ_ACT_LOCAL &&
	                     rpz_rule_rr(h->zone, h->rule, i, &type, &rttl, &rd, &rdlen); i++) {
		/* A name server's rule may alias the chain's end elsewhere (a
		 * CNAME of its own, not one of `*.` to expand), as Unbound's. */
		bool alias = ns && type == BOLT_TYPE_CNAME && !(rdlen >= 3 && rd[0] == 1 && rd[1] == '*');
		if (type != key->qtype && !alias)
			continue;
		if ((rc = bolt_build_rr(b, BOLT_SEC_ANSWER, owner, type, BOLT_CLASS_IN, rttl, rd,
		                        rdlen)) < 0)
			return rc;
		*ttl = rttl < *ttl ? rttl : *ttl;
		n++;
	}
	*kind = n > 0 ? BOLT_CACHE_POSITIVE : BOLT_CACHE_NODATA;
	if (ns)
		*kind = rcode != 0 ? BOLT_CACHE_NXDOMAIN
		        : n > chain ? BOLT_CACHE_POSITIVE : BOLT_CACHE_NODATA;
	return bolt_build_finish(b);
}

/* Append the zone's EDE to the message pol_buf[0..len); the new length. */
static int append_ede(const struct rpz_hit *h, int len)
{
	uint16_t ede = rpz_zone_ede(h->zone);
	if (ede == RPZ_EDE_NONE)
		return len;
	int n = bolt_answer_put_ede(pol_buf + len, sizeof(pol_buf) - (size_t)len, ede, NULL);
	return n > 0 ? len + n : len;
}

/* What made a cache entry, by the trigger of the hit. */
static uint8_t policy_tag(uint8_t trigger)
{
	switch (trigger) {
	case RPZ_TRIG_IP: return BOLT_CACHE_POLICY_IP;
	case RPZ_TRIG_NSDNAME:
	case RPZ_TRIG_NSDNAME_WILD:
	case RPZ_TRIG_NSIP: return BOLT_CACHE_POLICY_NS;
	default: return BOLT_CACHE_POLICY_QNAME;
	}
}

/* Clear AA in a built message: an answer about a resolved name is the
 * resolver's, not the policy zone's (as Unbound's respip answers). */
static void clear_aa(uint8_t *msg)
{
	bolt_wire_put_u16(msg + 2, (uint16_t)(bolt_wire_get_u16(msg + 2) & ~BOLT_FLAG_AA));
}

int policy_answer_build(const struct rpz_hit *h, const struct pkey *key, uint32_t now,
                        const uint8_t *resolved, size_t rlen, uint8_t *target,
                        struct bolt_cache_out *out)
{
	struct bolt_build b;
	uint8_t kind = BOLT_CACHE_NXDOMAIN;
	uint32_t ttl = h->ttl;
	int len;
	if (target != NULL)
		target[0] = 0xff;
	bool ns = h->trigger != RPZ_TRIG_IP && h->trigger != RPZ_TRIG_QNAME &&
	          h->trigger != RPZ_TRIG_QNAME_WILD;
	if (resolved != NULL && (h->action == RPZ_ACT_LOCAL ||
	                         (ns && (h->action == RPZ_ACT_NXDOMAIN ||
	                                 h->action == RPZ_ACT_NODATA)))) {
		len = ip_local(h, key, resolved, rlen, &b, &kind, &ttl);
	} else if (h->action == RPZ_ACT_DROP || h->action == RPZ_ACT_TCP_ONLY) {
		/* A marker: the question and nothing else. */
		kind = h->action == RPZ_ACT_DROP ? BOLT_CACHE_DROP : BOLT_CACHE_TCP_ONLY;
		bolt_build_init(&b, pol_buf, sizeof(pol_buf), 0, BOLT_FLAG_QR | BOLT_FLAG_RA);
		bolt_build_question(&b, key->name, key->name_len, key->qtype, BOLT_CLASS_IN);
		len = bolt_build_finish(&b);
	} else {
		len = rpz_answer(h, key->name, key->qtype, pol_buf, sizeof(pol_buf), &b, &kind, &ttl,
		                 target);
		if (len > 0 && resolved != NULL)
			clear_aa(pol_buf);
	}
	if (len < 0)
		return len;
	/* The zone's EDE on what the policy answers (not on markers). */
	int full = kind == BOLT_CACHE_DROP || kind == BOLT_CACHE_TCP_ONLY ? len : append_ede(h, len);
	const uint8_t *sections = NULL;
	memset(out, 0, sizeof(*out));
	int rc = bolt_answer_to_cache_ede(pol_buf, (size_t)full, b.ttl_off, b.nttl, now, ttl, kind,
	                                  (uint8_t)(full - len), &out->val, pol_rel, &sections);
	if (rc < 0)
		return rc;
	out->val.policy = policy_tag(h->trigger);
	out->ttl_off = pol_rel;
	out->ttl_cap = BOLT_BUILD_TTL_MAX;
	out->sections = (uint8_t *)(uintptr_t)sections;
	out->cap = out->val.len;
	return 0;
}
