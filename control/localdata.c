/*
 * Cache misses answered from local data (see localdata.h). The records and
 * the rules live with the control server's table (control/ctl/local.c),
 * which main.c hands over as cp->local; this file delivers its answers to
 * clients through their own delivery callbacks (respond.h), and for a local CNAME chain
 * that leaves local data resolves the target, appends the result and
 * inserts the whole answer with the resolved part's TTL.
 */
#include <stdlib.h>
#include <string.h>

#include "boltdns/answer.h"
#include "ctl.h"
#include "iter/resolve.h"
#include "localdata.h"
#include "log.h"
#include "respond.h"

/* A local chain waiting for the resolution of its target. */
struct chain_job {
	struct cp *cp;
	struct pend *p;
	struct bolt_local_answer a;
};

/* Working buffers: the process is single-threaded. */
static uint8_t ext_buf[BOLT_MSG_MAX];
static uint8_t full_buf[BOLT_MSG_MAX];
static uint8_t sect_buf[BOLT_MSG_MAX];
static uint16_t ttl_buf[BOLT_BUILD_TTL_MAX];
static struct bolt_local_answer *scratch;  /* one, allocated at first use */

/* The chain a completed with ext (the target's response, lifetime ttl,
 * kind): insert it, answer the waiters (list) or w. */
static void complete(struct cp *cp, const struct bolt_local_answer *a, bool do_bit,
                     const uint8_t *ext, int ext_len, uint32_t ttl, uint8_t kind,
                     const struct waiter *list, const struct waiter *w)
{
	struct bolt_build b;
	int len = ext_len >= 0 ? bolt_local_complete(a, ext, (size_t)ext_len, full_buf,
	                                             sizeof(full_buf), &b)
	                       : ext_len;
	if (len < 0) {
		cp_log(CP_LOG_INFO, "local CNAME chain: cannot complete: %s", bolt_strerror(len));
		for (const struct waiter *x = list; x != NULL; x = x->next)
			respond_error(cp, x, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER,
			              "cannot complete a local CNAME chain");
		if (w)
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER,
			              "cannot complete a local CNAME chain");
		return;
	}
	if (cp->region != NULL && cp->local != NULL)
		(void)bolt_local_insert_chain(cp->local, cp->region->cache, a, full_buf,
		                              (size_t)len, b.ttl_off, b.nttl, do_bit, bolt_now(), ttl,
		                              kind);
	for (const struct waiter *x = list; x != NULL; x = x->next)
		respond_msg(cp, x, full_buf, (size_t)len, b.ttl_off, b.nttl, ttl, kind, 0);
	if (w)
		respond_msg(cp, w, full_buf, (size_t)len, b.ttl_off, b.nttl, ttl, kind, 0);
}

static void chain_done(struct res *r, void *arg)
{
	struct chain_job *j = arg;
	struct cp *cp = j->cp;
	struct pend *p = j->p;
	struct bolt_build b;
	uint32_t ttl = 0;
	uint8_t kind = BOLT_CACHE_SERVFAIL;

	pend_remove(&cp->pend, p);
	int len = res_build_response(r, ext_buf, sizeof(ext_buf), &b, &ttl, &kind);
	complete(cp, &j->a, p->key.do_bit, ext_buf, len, ttl, kind, p->waiters, NULL);
	pend_free(p);
	free(j);
}

/* The target is in the cache, fresh: complete the chain with it now. */
static bool from_cached_target(struct cp *cp, const struct pkey *key, const struct waiter *w,
                               const struct bolt_local_answer *a)
{
	struct bolt_cache_key k;
	struct bolt_cache_out out;
	uint32_t now = bolt_now();

	memset(&k, 0, sizeof(k));
	memcpy(k.name, a->target, a->target_len);
	k.name_len = a->target_len;
	k.qtype = key->qtype;
	k.qclass = BOLT_CLASS_IN;
	k.do_bit = key->do_bit;
	bolt_cache_key_hash(cp->region->cache, &k);
	memset(&out, 0, sizeof(out));
	out.ttl_off = ttl_buf;
	out.ttl_cap = BOLT_BUILD_TTL_MAX;
	out.sections = sect_buf;
	out.cap = sizeof(sect_buf);
	if (bolt_cache_lookup(cp->region->cache, &k, now, &out) != 0 ||
	    out.val.kind == BOLT_CACHE_SERVFAIL || out.val.kind == BOLT_CACHE_STATIC ||
	    out.val.expires == BOLT_CACHE_EXPIRES_NEVER || out.val.expires <= now)
		return false;

	/* The target's response as a client asking for it would get it now. */
	struct bolt_query q;
	memset(&q, 0, sizeof(q));
	q.qtype = key->qtype;
	q.qclass = BOLT_CLASS_IN;
	q.qname_len = a->target_len;
	q.question_len = (uint16_t)(a->target_len + 4);
	memset(ext_buf, 0, BOLT_HDR_LEN);
	memcpy(ext_buf + BOLT_HDR_LEN, a->target, a->target_len);
	uint16_t v = htobe16(key->qtype);
	memcpy(ext_buf + BOLT_HDR_LEN + a->target_len, &v, 2);
	v = htobe16(BOLT_CLASS_IN);
	memcpy(ext_buf + BOLT_HDR_LEN + a->target_len + 2, &v, 2);
	int len = bolt_answer_from_cache(ext_buf, sizeof(ext_buf), sizeof(ext_buf), &q, &out, now,
	                                 false, 0);
	if (len < 0)
		return false;
	complete(cp, a, key->do_bit, ext_buf, len, out.val.expires - now, out.val.kind, NULL, w);
	return true;
}

/* Resolve the chain's target for key, coalesced with the same question. */
static void start_chain(struct cp *cp, const struct pkey *key, const struct waiter *w,
                        const struct bolt_local_answer *a)
{
	/* The stored copy holds a TCP connection open until answered. */
	struct waiter held;
	memset(&held, 0, sizeof(held));
	if (w)
		held = waiter_copy(w);
	struct pend *p = pend_find(&cp->pend, key);
	if (p != NULL) {
		if (w && pend_join(&cp->pend, p, &held) < 0) {
			cp->ctr.overload++;
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "overloaded");
		} else if (w) {
			waiter_hold(w);
			cp->ctr.coalesced++;
		}
		return;
	}
	struct chain_job *j = malloc(sizeof(*j));
	p = j ? pend_add(&cp->pend, key) : NULL;
	if (p == NULL || (w && pend_join(&cp->pend, p, &held) < 0)) {
		if (p != NULL) {
			pend_remove(&cp->pend, p);
			pend_free(p);
		}
		free(j);
		cp->ctr.overload++;
		if (w)
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "overloaded");
		return;
	}
	if (w)
		waiter_hold(w);
	j->cp = cp;
	j->p = p;
	memcpy(&j->a, a, sizeof(j->a));
	p->ctx = j;
	p->prefetch = w == NULL;
	/* res_start may call chain_done (freeing p and j) before it returns. */
	if (res_start(cp, j->a.target, key->qtype, BOLT_CLASS_IN, key->do_bit, chain_done, j) < 0) {
		pend_remove(&cp->pend, p);
		for (struct waiter *x = p->waiters; x != NULL; x = x->next)
			respond_error(cp, x, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "out of memory");
		pend_free(p);
		free(j);
	}
}

bool serve_local(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	struct ctl_local *l = cp->local;
	if (l == NULL || key->qclass != BOLT_CLASS_IN)
		return false;
	if (scratch == NULL && (scratch = malloc(sizeof(*scratch))) == NULL)
		return false;
	struct bolt_cache *cache = cp->region != NULL ? cp->region->cache : NULL;
	int r = bolt_local_query(l, cache, key->name, key->name_len, key->qtype, scratch);
	if (r == BOLT_LOCAL_NONE)
		return false;
	if (r < 0) {
		cp_log(CP_LOG_INFO, "local data answer failed: %s", bolt_strerror(r));
		if (w)
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "local data");
		return true;
	}
	if (r == BOLT_LOCAL_ANSWER) {
		if (w)
			respond_msg(cp, w, scratch->msg, scratch->len, scratch->ttl_off, scratch->nttl,
			            BOLT_CACHE_EXPIRES_NEVER, BOLT_CACHE_STATIC, 0);
		return true;
	}
	/* A refresh (no client) always resolves: the cached target may be as
	 * old as the entry being refreshed. */
	if (w && cache && from_cached_target(cp, key, w, scratch))
		return true;
	start_chain(cp, key, w, scratch);
	return true;
}
