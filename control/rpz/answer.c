/*
 * The answer a policy gives (see rpz_answer): built like any response, so
 * the control plane inserts it into the shared cache and the dataplane
 * answers the next query itself.
 */
#include <string.h>

#include "boltdns/cache.h"
#include "boltdns/errcode.h"
#include "internal.h"

/* `*.suffix` as a CNAME target: qname.suffix (BIND's and Unbound's
 * rewrite of a wildcard target). Returns the length or a negative code. */
static int expand_target(const uint8_t *qname, const uint8_t *t, size_t tl, uint8_t *out)
{
	int ql = bolt_name_len(qname, BOLT_NAME_MAX);
	if (ql <= 0)
		return BOLT_ENAME;
	/* qname without its root byte, then the suffix after `*`. */
	size_t sl = tl - 2;
	if ((size_t)ql - 1 + sl > BOLT_NAME_MAX)
		return BOLT_ENAME;
	memcpy(out, qname, (size_t)ql - 1);
	memcpy(out + ql - 1, t + 2, sl);
	return ql - 1 + (int)sl;
}

int rpz_answer(const struct rpz_hit *h, const uint8_t *qname, uint16_t qtype, uint8_t *buf,
               size_t cap, struct bolt_build *b, uint8_t *kind, uint32_t *ttl,
               uint8_t *target)
{
	const struct rpz_zone *z = h->zone;
	int ql = bolt_name_len(qname, BOLT_NAME_MAX);
	if (ql <= 0)
		return BOLT_ENAME;
	uint16_t rcode = h->action == RPZ_ACT_NXDOMAIN ? 3 : 0;
	/* AA as Unbound and BIND set it on policy answers: the resolver speaks
	 * for the policy zone. */
	if (bolt_build_init(b, buf, cap, 0, BOLT_FLAG_QR | BOLT_FLAG_AA | BOLT_FLAG_RA | rcode) < 0 ||
	    bolt_build_question(b, qname, (size_t)ql, qtype, BOLT_CLASS_IN) < 0)
		return BOLT_ESPACE;
	*ttl = h->ttl;
	switch (h->action) {
	case RPZ_ACT_NXDOMAIN:
		*kind = BOLT_CACHE_NXDOMAIN;
		return bolt_build_finish(b);
	case RPZ_ACT_NODATA:
		*kind = BOLT_CACHE_NODATA;
		return bolt_build_finish(b);
	case RPZ_ACT_LOCAL:
		break;
	default:
		return BOLT_EMALF;
	}
	/* Local data: the records of the type, else the CNAME, else NODATA. */
	uint16_t type, rdlen;
	uint32_t rttl;
	const uint8_t *rd;
	unsigned n = 0;
	uint32_t min_ttl = UINT32_MAX;
	for (unsigned i = 0; rpz_rule_rr(z, h->rule, i, &type, &rttl, &rd, &rdlen); i++) {
		if (type != qtype && qtype != BOLT_TYPE_ANY && type != BOLT_TYPE_CNAME)
			continue;
		uint8_t exp[BOLT_NAME_MAX];
		if (type == BOLT_TYPE_CNAME) {
			if (rdlen >= 3 && rd[0] == 1 && rd[1] == '*') {
				int el = expand_target(qname, rd, rdlen, exp);
				if (el < 0)
					return el;
				rd = exp;
				rdlen = (uint16_t)el;
			}
			if (target != NULL && qtype != BOLT_TYPE_CNAME)
				memcpy(target, rd, rdlen);
		}
		int rc = bolt_build_rr(b, BOLT_SEC_ANSWER, qname, type, BOLT_CLASS_IN, rttl, rd, rdlen);
		if (rc < 0)
			return rc;
		if (rttl < min_ttl)
			min_ttl = rttl;
		n++;
	}
	*kind = n > 0 ? BOLT_CACHE_POSITIVE : BOLT_CACHE_NODATA;
	if (n > 0)
		*ttl = min_ttl;
	return bolt_build_finish(b);
}
