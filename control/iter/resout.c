/*
 * What a resolution found, read by its owner in the done callback: rcode,
 * extended error, security status, and the response to cache and send.
 */
#include "res_int.h"


uint8_t res_rcode(const struct res *r)
{
	return r->rcode;
}

uint16_t res_ede(const struct res *r, const char **text)
{
	if (text != NULL)
		*text = r->ede != BOLT_EDE_NONE && r->ede_text[0] != 0 ? r->ede_text : NULL;
	return r->ede;
}

uint64_t res_elapsed_ms(const struct res *r)
{
	return uv_now(r->cp->loop) - r->started_ms;
}

unsigned res_upstream_used(const struct res *r)
{
	return r->budget->upstream;
}

uint8_t res_security(const struct res *r, uint16_t *ede, const char **text)
{
	if (ede != NULL)
		*ede = r->sec == BOLT_SEC_BOGUS ? r->sec_ede : BOLT_EDE_NONE;
	if (text != NULL)
		*text = r->sec == BOLT_SEC_BOGUS && r->sec_text[0] ? r->sec_text : NULL;
	return r->sec;
}


int res_build_response(const struct res *r, uint8_t *buf, size_t cap, struct bolt_build *b,
                       uint32_t *ttl, uint8_t *kind)
{
	const struct bolt_config *cfg = r->cp->cfg;
	uint16_t flags = BOLT_FLAG_QR | BOLT_FLAG_RA | (r->rcode & 0xf);
	int ret = bolt_build_init(b, buf, cap, 0, flags);
	if (ret < 0)
		return ret;
	ret = bolt_build_question(b, r->qname, (size_t)nlen(r->qname), r->qtype, r->qclass);
	if (ret < 0)
		return ret;
	uint32_t min = cfg->max_ttl;
	for (unsigned i = 0; i < r->answer.n; i++) {
		const struct orr *o = &r->answer.v[i];
		/* min-ttl raises short positive TTLs; max-ttl bounds them all. */
		uint32_t t = o->ttl < cfg->min_ttl ? cfg->min_ttl : o->ttl;
		if (t > cfg->max_ttl)
			t = cfg->max_ttl;
		if (t < min)
			min = t;
		if (bolt_build_rr(b, BOLT_SEC_ANSWER, o->owner, o->type, o->rclass, t, o->rdata,
		                  o->rdlen) < 0)
			break;
	}
	/* DO=1 clients get the RRSIGs and the denial proofs (RFC 4035 3.2.1);
	 * a DO=0 question is a cache entry of its own and gets none. */
	for (unsigned i = 0; r->do_bit && i < r->sigs.n; i++) {
		const struct orr *o = &r->sigs.v[i];
		uint32_t t = o->ttl < cfg->max_ttl ? o->ttl : cfg->max_ttl;
		if (bolt_build_rr(b, BOLT_SEC_ANSWER, o->owner, o->type, o->rclass, t, o->rdata,
		                  o->rdlen) < 0)
			break;
	}
	for (unsigned i = 0; i < r->authority.n; i++) {
		const struct orr *o = &r->authority.v[i];
		uint32_t t = o->ttl < cfg->max_ttl ? o->ttl : cfg->max_ttl;
		if (bolt_build_rr(b, BOLT_SEC_AUTHORITY, o->owner, o->type, o->rclass, t, o->rdata,
		                  o->rdlen) < 0)
			break;
	}
	for (unsigned i = 0; r->do_bit && i < r->proof.n; i++) {
		const struct orr *o = &r->proof.v[i];
		uint32_t t = o->ttl < cfg->max_ttl ? o->ttl : cfg->max_ttl;
		if (bolt_build_rr(b, BOLT_SEC_AUTHORITY, o->owner, o->type, o->rclass, t, o->rdata,
		                  o->rdlen) < 0)
			break;
	}
	if (r->rcode == BOLT_RCODE_SERVFAIL || (!r->negative && r->rcode != BOLT_RCODE_NOERROR)) {
		*kind = BOLT_CACHE_SERVFAIL;
		*ttl = cfg->servfail_ttl;
	} else if (r->negative) {
		*kind = r->rcode == BOLT_RCODE_NXDOMAIN ? BOLT_CACHE_NXDOMAIN : BOLT_CACHE_NODATA;
		/* The CNAMEs leading to the negative end bound its lifetime too; a
		 * negative answer without SOA is not cached (RFC 2308 section 5). */
		*ttl = r->neg_ttl < min ? r->neg_ttl : min;
	} else {
		*kind = BOLT_CACHE_POSITIVE;
		*ttl = min;
	}
	/* A validated answer lives no longer than its signatures (RFC 4035 5.3.3). */
	if (*kind != BOLT_CACHE_SERVFAIL && r->sec_ttl > 0 && *ttl > r->sec_ttl)
		*ttl = r->sec_ttl;
	return bolt_build_finish(b);
}


/* The records as struct bolt_rr pointing into o (valid while o is). */
static unsigned put_rrs(const struct orr_list *l, struct bolt_rr *out, unsigned n, unsigned max)
{
	for (unsigned i = 0; i < l->n && n < max; i++) {
		const struct orr *o = &l->v[i];
		int len = nlen(o->owner);
		if (len <= 0)
			continue;
		struct bolt_rr *rr = &out[n++];
		memset(rr, 0, sizeof(*rr));
		memcpy(rr->owner, o->owner, (size_t)len);
		rr->owner_len = (uint8_t)len;
		rr->section = BOLT_SEC_AUTHORITY;
		rr->type = o->type;
		rr->rclass = o->rclass;
		rr->ttl = o->ttl;
		rr->rdlen = o->rdlen;
		rr->rdata = o->rdata;
	}
	return n;
}

unsigned res_denial(const struct res *r, struct bolt_rr *out, unsigned max)
{
	/* The question itself denied (no CNAME chain before it), validated. */
	if (!r->negative || r->answer.n != 0 || r->sec != BOLT_SEC_SECURE ||
	    (r->rcode != BOLT_RCODE_NOERROR && r->rcode != BOLT_RCODE_NXDOMAIN))
		return 0;
	unsigned n = put_rrs(&r->authority, out, 0, max);
	return put_rrs(&r->proof, out, n, max);
}
