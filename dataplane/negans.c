/*
 * Misses answered from published NSEC ranges (see negans.h).
 */
#include "boltdns/answer.h"
#include "boltdns/negrange.h"
#include "negans.h"

/* The slot of this lcore's last answer, looked at first (a flood's names
 * mostly fall in one range). */
static _Thread_local unsigned hint;

int dp_negrange_response(struct dp_worker *w, struct dp_pkt *p, const struct bolt_query *q,
                         const struct bolt_cache_key *k)
{
	/* Nothing published (the common case): one load. */
	if (w->hdr == NULL ||
	    (int32_t)(atomic_load_explicit(&w->hdr->negrange.until_max, memory_order_relaxed) -
	              w->now) <= 0)
		return -1;
	switch (k->qtype) {
	case BOLT_TYPE_ANY:   /* resolved as A by the control plane (RFC 8482) */
	case BOLT_TYPE_AXFR:
	case BOLT_TYPE_IXFR:
	case 253:             /* MAILB */
	case 254:             /* MAILA */
		return -1;
	default:
		break;
	}
	if (k->qclass != BOLT_CLASS_IN || !(q->flags & BOLT_FLAG_RD))
		return -1;
	size_t qend = BOLT_HDR_LEN + (size_t)q->question_len;
	if (p->cap <= qend)
		return -1;
	uint16_t ttl_off[BOLT_NEGRANGE_RRS];
	struct bolt_cache_out out = {
		.ttl_off = ttl_off,
		.ttl_cap = BOLT_NEGRANGE_RRS,
		.sections = p->dns + qend,
		.cap = (uint32_t)(p->cap - qend),
	};
	if (bolt_negrange_lookup(&w->hdr->negrange, k->name, k->name_len, w->now, k->do_bit, &out,
	                         &hint) != 0)
		return -1;
	out.val.qsize = q->question_len;
	size_t limit = bolt_udp_limit(q, w->udp_max);
	int len = bolt_answer_from_cache(p->dns, p->cap, limit, q, &out, w->now, false,
	                                 (uint16_t)w->udp_max);
	if (len <= 0)
		return -1;
	p->csum = 0;
	DP_STAT_INC(w->st, negrange_answered);
	return len;
}
