/*
 * A new query after a bogus answer (Unbound's validator does the same with
 * its val-max-restart and its blacklist of the servers that sent the bad
 * data).
 *
 * A forged answer that wins the race against the real one, or one server
 * of a zone serving broken signatures, must not turn a secure name into a
 * SERVFAIL: when a top-level resolution is validated bogus, the servers
 * whose answers it used (the final answer's and those of the validator's
 * DS/DNSKEY look-ups: the sources) are blamed for their zone (first those
 * that sent what failed: a zone's keys, or the records), and the
 * question is resolved again from its closest cut, at most RETRY_MAX
 * times. At each cut the servers not blamed are asked first; when every
 * server of the cut is blamed, the blamed ones are asked again over TCP (an
 * off-path forger cannot race a TCP answer); a server blamed over TCP too
 * comes last. An attempt that blames nobody new (the same servers, over the
 * same transport) ends the retries: asking again would only repeat it.
 *
 * Only the verdict of the last attempt is cached, so a bogus answer from
 * one server never is when another server gives a secure one. The key
 * cache conclusions the bogus attempt made are forgotten
 * (dsec_bogus_retry), and none is repeated that an earlier question found
 * bogus (that zone is bogus, not one server).
 *
 * Before that, once per question: an RRSIG naming a key that the zone's
 * DNSKEY set from the key cache does not hold (EDE 9) may be a key rolled
 * since the set was cached; the keys are fetched again and the same
 * records validated once more (retry_keys) before any server is blamed.
 *
 * Zones are kept as a 64-bit hash of their lower-case wire name: a
 * collision only makes a server look blamed for another zone.
 */
#include <errno.h>
#include <stdlib.h>

#include "../log.h"
#include "inflight.h"
#include "res_int.h"

static bool same_addr(const struct infra_addr *a, const struct infra_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

static struct retry_src *find(struct retry_src *v, unsigned n, uint64_t z,
                              const struct infra_addr *a)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i].zone == z && same_addr(&v[i].a, a))
			return &v[i];
	return NULL;
}

static struct retry_src *find_src(struct retry_src *v, unsigned n, uint64_t z,
                                  const struct infra_addr *a, uint64_t keys_of)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i].zone == z && v[i].keys_of == keys_of && same_addr(&v[i].a, a))
			return &v[i];
	return NULL;
}

static struct res *top_of(struct res *r)
{
	while (r->parent != NULL)
		r = r->parent;
	return r;
}

void retry_note_source(struct res *r, const uint8_t *zone, const struct infra_addr *a, bool tcp,
                       uint64_t keys_of)
{
	struct res *top = top_of(r);
	if (a->family != AF_INET && a->family != AF_INET6)
		return;
	uint64_t z = dsec_zone_key(zone);
	struct retry_src *s = find_src(top->src, top->nsrc, z, a, keys_of);
	if (s != NULL) {
		s->tcp = s->tcp && tcp;
		return;
	}
	if (top->nsrc >= RETRY_SRC_MAX)
		return;
	s = &top->src[top->nsrc++];
	s->zone = z;
	s->a = *a;
	s->tcp = tcp;
	s->keys_of = keys_of;
}

/* 0: not blamed, 1: blamed over UDP, 2: blamed over TCP too. */
static unsigned rank(const struct res *top, uint64_t z, const struct infra_addr *a)
{
	for (unsigned i = 0; i < top->nblame; i++)
		if (top->blame[i].zone == z && same_addr(&top->blame[i].a, a))
			return top->blame[i].tcp ? 2 : 1;
	return 0;
}

void retry_filter(struct res *r, struct infra_addr *cand, unsigned *n)
{
	r->cut_tcp = false;
	const struct res *top = top_of(r);
	if (top->nblame == 0 || *n == 0)
		return;
	uint64_t z = dsec_zone_key(r->zone);
	unsigned best = 2;
	for (unsigned i = 0; i < *n && best > 0; i++) {
		unsigned k = rank(top, z, &cand[i]);
		if (k < best)
			best = k;
	}
	unsigned m = 0;
	for (unsigned i = 0; i < *n; i++)
		if (rank(top, z, &cand[i]) == best)
			cand[m++] = cand[i];
	*n = m;
	r->cut_tcp = best > 0;
}

/* Blame the sources of the attempt that ended bogus; how many are new
 * (not blamed before, or blamed over UDP and now over TCP). First only
 * those that sent what the verdict names (key_zone's DNSKEY or DS set, or
 * with 0 the question's records): a server that sent good records must not
 * be passed over because another one sent a broken DNSKEY set. When that
 * blames nobody new (a DS that came with a referral, keys from an earlier
 * question), every source is blamed. */
static unsigned blame_sources(struct res *r, uint64_t key_zone)
{
	unsigned fresh = 0;
	for (int all = 0; all < 2 && fresh == 0; all++) {
		for (unsigned i = 0; i < r->nsrc; i++) {
			const struct retry_src *s = &r->src[i];
			if (!all && s->keys_of != key_zone)
				continue;
			struct retry_src *b = find(r->blame, r->nblame, s->zone, &s->a);
			if (b == NULL && r->nblame < RETRY_BLAME_MAX) {
				r->blame[r->nblame++] = *s;
				fresh++;
			} else if (b != NULL && s->tcp && !b->tcp) {
				b->tcp = true;
				fresh++;
			}
		}
	}
	return fresh;
}

/* Back to the state of a resolution that has not asked anything yet. */
static void reset(struct res *r)
{
	res_drop_records(r);
	if (r->zone_held)
		lim_zone_leave(r->zone);
	r->zone_held = false;
	name_copy(r->cur, r->qname);
	r->ncname = 0;
	r->have_cut = false;
	r->above = -1;
	r->refetched = false;
	r->qmin_count = 0;
	r->qmin_off = false;
	r->rcode = 0;
	r->last_rcode = 0;
	r->neg_ttl = 0;
	r->negative = false;
	r->ede = BOLT_EDE_NONE;
	r->child_ede = BOLT_EDE_NONE;
	r->ede_text[0] = 0;
	r->child_text[0] = 0;
	r->validated = false;
	r->nseg = 0;
	r->sec = BOLT_SEC_UNCHECKED;
	r->sec_ede = 0;
	r->sec_ttl = 0;
	r->sec_text[0] = 0;
	r->nsrc = 0;
}

bool retry_after_bogus(struct res *r, const struct dsec_verdict *vd)
{
	struct cp *cp = r->cp;
	if (r->parent != NULL || cp->cfg->permissive || r->restarts >= RETRY_MAX ||
	    r->val == NULL || uv_now(cp->loop) >= r->budget->deadline_ms ||
	    r->budget->upstream >= cp->cfg->max_upstream)
		return false;
	if (blame_sources(r, vd->key_zone) == 0 || !dsec_bogus_retry(r->val))
		return false;
	r->restarts++;
	dsec_counters.requeries++;
	if (cp_log_enabled(CP_LOG_INFO)) {
		char qn[1024], ty[16];
		name_text(r->qname, qn, sizeof(qn));
		bolt_type_to_text(r->qtype, ty, sizeof(ty));
		cp_log(CP_LOG_INFO, "DNSSEC: %s %s bogus (EDE %u: %s): asking again (%u of %u), "
		       "%u server(s) blamed", qn, ty, vd->ede, vd->text, r->restarts, RETRY_MAX,
		       r->nblame);
	}
	reset(r);
	return true;
}

bool retry_keys(struct res *r, const struct dsec_verdict *vd)
{
	/* EDE 9 DNSKEY Missing (RFC 8914): an RRSIG by a key the cached set
	 * does not hold, what a key rolled since it was cached looks like (a
	 * signature that does not verify with the key it names is blamed on
	 * the server instead: fetching keys again for every forgery would
	 * double its cost) */
	if (r->keys_refetched || r->val == NULL || vd->ede != 9)
		return false;
	r->keys_refetched = true;
	struct dsec_val *v = dsec_new(r->cp->cfg);
	if (v == NULL || !dsec_refetch_keys(r->val)) {
		dsec_free(v);
		return false;
	}
	dsec_counters.key_refetches++;
	if (cp_log_enabled(CP_LOG_INFO)) {
		char qn[1024], ty[16];
		name_text(r->qname, qn, sizeof(qn));
		bolt_type_to_text(r->qtype, ty, sizeof(ty));
		cp_log(CP_LOG_INFO, "DNSSEC: %s %s bogus with cached keys (EDE %u: %s): "
		       "fetching them again", qn, ty, vd->ede, vd->text);
	}
	dsec_free(r->val);
	r->val = v;
	return true;
}
