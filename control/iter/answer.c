/*
 * Classification of scrubbed upstream responses (see answer.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "scrub.h"

void orr_list_free(struct orr_list *l)
{
	for (unsigned i = 0; i < l->n; i++)
		free(l->v[i].rdata);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int orr_add(struct orr_list *l, const uint8_t *owner, uint16_t type, uint16_t rclass,
            uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	int ol = bolt_name_len(owner, BOLT_NAME_MAX);
	if (ol <= 0)
		return BOLT_EMALF;
	if (l->n == l->cap) {
		unsigned nc = l->cap ? l->cap * 2 : 8;
		struct orr *nv = realloc(l->v, nc * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	struct orr *o = &l->v[l->n];
	o->rdata = malloc(rdlen > 0 ? rdlen : 1);
	if (o->rdata == NULL)
		return -ENOMEM;
	if (rdlen > 0)
		memcpy(o->rdata, rdata, rdlen);
	memcpy(o->owner, owner, (size_t)ol);
	o->type = type;
	o->rclass = rclass;
	o->ttl = ttl;
	o->rdlen = rdlen;
	l->n++;
	return 0;
}

static int add_rr(struct orr_list *l, const struct bolt_rr *rr)
{
	return orr_add(l, rr->owner, rr->type, rr->rclass, rr->ttl, rr->rdata, rr->rdlen);
}

void ans_fix_ttls(struct bolt_msg *m)
{
	for (unsigned i = 0; i < m->rrcount; i++)
		if (m->rrs[i].ttl >= 0x80000000u)
			m->rrs[i].ttl = 0;
}

static bool kept_in(const struct bolt_msg *m, const bool *keep, uint8_t section, uint16_t type)
{
	for (unsigned i = 0; i < m->rrcount; i++)
		if (keep[i] && m->rrs[i].section == section &&
		    (type == 0 || m->rrs[i].type == type))
			return true;
	return false;
}

/* Is name the client's name or the owner of a CNAME already in the chain? */
static bool chain_has(const struct orr_list *answer, const uint8_t *qname, const uint8_t *name)
{
	if (bolt_name_equal(qname, name))
		return true;
	for (unsigned i = 0; i < answer->n; i++)
		if (answer->v[i].type == BOLT_TYPE_CNAME && bolt_name_equal(answer->v[i].owner, name))
			return true;
	return false;
}

static bool list_has(const struct orr_list *l, const struct bolt_rr *rr)
{
	for (unsigned i = 0; i < l->n; i++) {
		const struct orr *o = &l->v[i];
		if (o->type == rr->type && o->rdlen == rr->rdlen && bolt_name_equal(o->owner, rr->owner) &&
		    memcmp(o->rdata, rr->rdata, rr->rdlen) == 0)
			return true;
	}
	return false;
}

/* The delegation in a referral: a kept NS RRset strictly below the zone
 * asked, at or above the name asked (not for DS at the cut itself: the
 * parent answers DS, RFC 4035 section 3.1.4.1). */
static const uint8_t *find_referral(const struct bolt_msg *m, const bool *keep,
                                    const struct ans_query *q)
{
	int zl = bolt_name_labels(q->zone);
	for (unsigned i = 0; i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_AUTHORITY || rr->type != BOLT_TYPE_NS ||
		    bolt_name_labels(rr->owner) <= zl || !bolt_name_in_zone(q->asked, rr->owner))
			continue;
		if (q->asked_type == BOLT_TYPE_DS && bolt_name_equal(rr->owner, q->asked))
			continue;
		return rr->owner;
	}
	return NULL;
}

/* One step along the chain at x: the RRset of the asked type (*found), or
 * the name x moves on to (*moved, next) through a DNAME above x (RFC 6672:
 * the DNAME and the CNAME synthesised from it) or a CNAME at x. */
static int chain_step(const struct bolt_msg *m, const bool *keep, const struct ans_query *q,
                      const uint8_t *x, struct orr_list *answer, bool *found, bool *moved,
                      uint8_t *next)
{
	*found = *moved = false;
	for (unsigned i = 0; i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_ANSWER || !bolt_name_equal(rr->owner, x))
			continue;
		if (rr->type == q->qtype || q->qtype == BOLT_TYPE_ANY) {
			if (add_rr(answer, rr) < 0)
				return -ENOMEM;
			*found = true;
		}
	}
	if (*found)
		return 0;
	for (unsigned i = 0; i < m->rrcount && q->qtype != BOLT_TYPE_DNAME; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		uint8_t target[BOLT_NAME_MAX];
		if (!keep[i] || rr->section != BOLT_SEC_ANSWER || rr->type != BOLT_TYPE_DNAME ||
		    bolt_name_equal(rr->owner, x) || !bolt_name_in_zone(x, rr->owner) ||
		    rr_target(rr, target) <= 0)
			continue;
		int nl = dname_synth(x, rr->owner, target, next);
		if (nl == BOLT_ESPACE)
			return BOLT_ESPACE;
		if (nl <= 0)
			continue;
		if (!list_has(answer, rr) && add_rr(answer, rr) < 0)
			return -ENOMEM;
		/* The CNAME is ours, with the DNAME's TTL (RFC 6672 section 3.4). */
		if (orr_add(answer, x, BOLT_TYPE_CNAME, rr->rclass, rr->ttl, next, (uint16_t)nl) < 0)
			return -ENOMEM;
		*moved = true;
		return 0;
	}
	for (unsigned i = 0; i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_ANSWER || rr->type != BOLT_TYPE_CNAME ||
		    !bolt_name_equal(rr->owner, x) || rr_target(rr, next) <= 0)
			continue;
		if (add_rr(answer, rr) < 0)
			return -ENOMEM;
		*moved = true;
		return 0;
	}
	return 0;
}

int ans_classify(const struct bolt_msg *m, const bool *keep, const struct ans_query *q,
                 struct orr_list *answer, struct ans_result *out)
{
	uint8_t rcode = BOLT_RCODE(m->flags);
	/* A recursive server never sets AA on what it resolved. */
	bool aa = (m->flags & BOLT_FLAG_AA) != 0 || q->recursive;
	bool any_answer = kept_in(m, keep, BOLT_SEC_ANSWER, 0);
	bool soa = kept_in(m, keep, BOLT_SEC_AUTHORITY, BOLT_TYPE_SOA);
	out->has_soa = soa;
	out->next[0] = 0;

	if (!any_answer && rcode == BOLT_RCODE_NOERROR && !(q->recursive && soa)) {
		const uint8_t *ref = find_referral(m, keep, q);
		if (ref != NULL) {
			int rl = bolt_name_len(ref, BOLT_NAME_MAX);
			memcpy(out->ref, ref, (size_t)rl);
			bolt_name_lower(out->ref, (size_t)rl);
			out->kind = ANS_REFERRAL;
			return 0;
		}
	}

	/* Did the server say anything about the name asked, of any type? An A
	 * record in answer to AAAA is not an answer, but it says the name
	 * exists: NODATA (uncached without an SOA), not a lame server. */
	bool spoke = false;
	for (unsigned i = 0; i < m->rrcount && !spoke; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		spoke = rr->section == BOLT_SEC_ANSWER && bolt_name_in_zone(rr->owner, q->zone) &&
		        bolt_name_equal(rr->owner, q->asked);
	}
	if (rcode == BOLT_RCODE_NOERROR && !any_answer && !aa && !soa && !spoke) {
		out->kind = ANS_LAME;
		return 0;
	}
	/* Only a zone's own servers may say a name does not exist: NXDOMAIN
	 * without AA is what an interceptor or a confused cache sends. */
	if (rcode == BOLT_RCODE_NXDOMAIN && !aa) {
		out->kind = ANS_LAME;
		return 0;
	}
	if (q->minimised) {
		out->kind = rcode == BOLT_RCODE_NXDOMAIN ? ANS_NXDOMAIN : ANS_NODATA;
		return 0;
	}

	/* Full question: follow the chain through the kept answer records. */
	uint8_t x[BOLT_NAME_MAX];
	memcpy(x, q->cur, (size_t)bolt_name_len(q->cur, BOLT_NAME_MAX));
	for (;;) {
		bool found, moved;
		uint8_t next[BOLT_NAME_MAX];
		int ret = chain_step(m, keep, q, x, answer, &found, &moved, next);
		if (ret == BOLT_ESPACE) {
			out->kind = ANS_TOO_LONG;
			return 0;
		}
		if (ret < 0)
			return ret;
		if (found) {
			out->kind = ANS_DATA;
			memcpy(out->next, x, (size_t)bolt_name_len(x, BOLT_NAME_MAX));
			return 0;
		}
		if (!moved)
			break;
		if (++out->ncname > q->max_cname) {
			out->kind = ANS_TOO_LONG;
			return 0;
		}
		/* The CNAME just added owns x: a loop shows as next already owning one. */
		if (bolt_name_equal(next, x) || chain_has(answer, q->qname, next)) {
			out->kind = ANS_LOOP;
			return 0;
		}
		memcpy(x, next, (size_t)bolt_name_len(next, BOLT_NAME_MAX));
	}
	memcpy(out->next, x, (size_t)bolt_name_len(x, BOLT_NAME_MAX));

	if (!bolt_name_equal(x, q->cur)) {
		/* The chain moved on; the same server may have settled its end. */
		if (bolt_name_in_zone(x, q->zone) && soa && (rcode == BOLT_RCODE_NXDOMAIN || aa))
			out->kind = rcode == BOLT_RCODE_NXDOMAIN ? ANS_NXDOMAIN : ANS_NODATA;
		else
			out->kind = ANS_CNAME;
		return 0;
	}
	out->kind = rcode == BOLT_RCODE_NXDOMAIN ? ANS_NXDOMAIN : ANS_NODATA;
	return 0;
}

int ans_negative(const struct bolt_msg *m, const bool *keep, uint32_t max_neg,
                 struct orr_list *authority, uint32_t *ttl)
{
	*ttl = 0;
	for (unsigned i = 0; i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_AUTHORITY || rr->type != BOLT_TYPE_SOA)
			continue;
		*ttl = neg_ttl(rr, max_neg);
		if (orr_add(authority, rr->owner, rr->type, rr->rclass, *ttl, rr->rdata, rr->rdlen) < 0)
			return -ENOMEM;
		break;
	}
	/* The NS RRset as the server sent it along (scrubbing kept one owner). */
	for (unsigned i = 0; i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_AUTHORITY || rr->type != BOLT_TYPE_NS)
			continue;
		if (add_rr(authority, rr) < 0)
			return -ENOMEM;
	}
	return 0;
}

void ans_referral_ns(const struct bolt_msg *m, const bool *keep, const uint8_t *owner,
                     struct infra_nsset *ns, uint32_t *ttl, uint32_t cap)
{
	memset(ns, 0, sizeof(*ns));
	*ttl = cap;
	for (unsigned i = 0; i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_AUTHORITY || rr->type != BOLT_TYPE_NS ||
		    !bolt_name_equal(rr->owner, owner))
			continue;
		if (rr->ttl < *ttl)
			*ttl = rr->ttl;
		if (ns->n >= INFRA_NS_MAX)
			continue;
		int tl = rr_target(rr, ns->name[ns->n]);
		if (tl <= 0)
			continue;
		bolt_name_lower(ns->name[ns->n], (size_t)tl);
		bool dup = false;
		for (unsigned k = 0; k < ns->n; k++)
			dup |= bolt_name_equal(ns->name[k], ns->name[ns->n]);
		if (dup)
			continue;
		ns->len[ns->n] = (uint8_t)tl;
		ns->n++;
	}
}

unsigned ans_glue(const struct bolt_msg *m, const bool *keep, const uint8_t *host, uint16_t port,
                  struct infra_addr *a, unsigned max, uint32_t *ttl, uint32_t cap)
{
	unsigned n = 0;
	*ttl = cap;
	for (unsigned i = 0; i < m->rrcount && n < max; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_ADDITIONAL || !bolt_name_equal(rr->owner, host))
			continue;
		memset(&a[n], 0, sizeof(a[n]));
		if (rr->type == BOLT_TYPE_A && rr->rdlen == 4) {
			a[n].family = AF_INET;
			memcpy(a[n].addr, rr->rdata, 4);
		} else if (rr->type == BOLT_TYPE_AAAA && rr->rdlen == 16) {
			a[n].family = AF_INET6;
			memcpy(a[n].addr, rr->rdata, 16);
		} else {
			continue;
		}
		a[n].port = port;
		if (rr->ttl < *ttl)
			*ttl = rr->ttl;
		n++;
	}
	return n;
}
