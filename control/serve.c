/*
 * Serving clients from the cache or from resolutions.
 */
#include <string.h>

#include "boltdns/answer.h"
#include "iter/resolve.h"
#include "localdata.h"
#include "log.h"
#include "prefetch.h"
#include "ringsvc.h"
#include "serve.h"
#include "tcpsrv.h"

const double serve_latency_le[SERVE_LATENCY_BUCKETS] = {
	0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
};

static void record_latency(struct cp *cp, uint64_t ms)
{
	cp->lat.count++;
	cp->lat.sum_ms += ms;
	for (unsigned i = 0; i < SERVE_LATENCY_BUCKETS; i++)
		if ((double)ms / 1000.0 <= serve_latency_le[i])
			cp->lat.cum[i]++;
}

/* Working buffers: the process is single-threaded. */
static uint8_t resp_buf[BOLT_MSG_MAX];
static uint8_t sect_buf[BOLT_MSG_MAX];
static uint16_t ttl_buf[BOLT_BUILD_TTL_MAX];
static uint8_t out_buf[BOLT_MSG_MAX];

static size_t limit_for(const struct cp *cp, const struct waiter *w, size_t *cap)
{
	if (w->kind == WAITER_TCP) {
		*cap = BOLT_MSG_MAX;
		return BOLT_MSG_MAX;
	}
	size_t server = cp->cfg->udp_max > 0 ? cp->cfg->udp_max : BOLT_EDNS_DEFAULT;
	if (server > BOLT_ANSWER_PAYLOAD_MAX)
		server = BOLT_ANSWER_PAYLOAD_MAX;
	*cap = BOLT_ANSWER_PAYLOAD_MAX;
	return bolt_udp_limit(&w->q, server);
}

static void deliver(struct cp *cp, const struct waiter *w, const uint8_t *msg, size_t len)
{
	if (w->kind == WAITER_TCP)
		tcp_conn_deliver(w->conn, msg, len, w->held);
	else if (msg != NULL)
		ring_push(cp, w->lcore, &w->client, msg, len);
}

void serve_error(struct cp *cp, const struct waiter *w, uint16_t rcode)
{
	bool opt = w->q.has_edns || rcode == BOLT_RCODE_BADVERS;
	int len = bolt_build_error(out_buf, sizeof(out_buf), w->q.id, w->q.flags, w->question,
	                           w->q.question_len, rcode, opt);
	if (len < 0)
		len = bolt_build_error(out_buf, sizeof(out_buf), w->q.id, w->q.flags, NULL, 0, rcode,
		                       opt);
	deliver(cp, w, len > 0 ? out_buf : NULL, len > 0 ? (size_t)len : 0);
}

int serve_render(struct cp *cp, const struct waiter *w, const struct bolt_cache_out *out,
                 uint32_t now, bool stale, uint8_t *buf, size_t cap, size_t limit)
{
	size_t qend = BOLT_HDR_LEN + (size_t)w->q.question_len;
	if (qend > cap)
		return BOLT_ESPACE;
	memset(buf, 0, BOLT_HDR_LEN);
	memcpy(buf + BOLT_HDR_LEN, w->question, w->q.question_len);
	uint16_t server_udp = (uint16_t)(cp->cfg->udp_max > 0 ? cp->cfg->udp_max : BOLT_EDNS_DEFAULT);
	return bolt_answer_from_cache(buf, cap, limit, &w->q, out, now, stale, server_udp);
}

static void answer_from(struct cp *cp, const struct waiter *w, const struct bolt_cache_out *out,
                        uint32_t now, bool stale)
{
	size_t cap;
	size_t limit = limit_for(cp, w, &cap);
	int len = serve_render(cp, w, out, now, stale, out_buf, cap, limit);
	if (len < 0) {
		serve_error(cp, w, BOLT_RCODE_SERVFAIL);
		return;
	}
	deliver(cp, w, out_buf, (size_t)len);
}

/* Look key up; 0 (fresh), BOLT_EEXPIRED (out filled), or a miss code. */
static int lookup(struct cp *cp, const struct pkey *key, struct bolt_cache_out *out,
                  uint32_t now)
{
	struct bolt_cache_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.name, key->name, key->name_len);
	k.name_len = key->name_len;
	k.qtype = key->qtype;
	k.qclass = key->qclass;
	k.do_bit = key->do_bit;
	bolt_cache_key_hash(&k);
	out->ttl_off = ttl_buf;
	out->ttl_cap = BOLT_BUILD_TTL_MAX;
	out->sections = sect_buf;
	out->cap = sizeof(sect_buf);
	return bolt_cache_lookup(cp->region->cache, &k, now, out);
}

bool serve_from_cache(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	if (cp->region == NULL)
		return false;
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	if (lookup(cp, key, &out, now) != 0)
		return false;
	answer_from(cp, w, &out, now, false);
	return true;
}

/*
 * Serve-stale (RFC 8767): the resolution failed, but an expired positive or
 * negative answer younger than stale-max-age is still in the cache. Answer
 * every waiter with it (TTL BOLT_STALE_TTL) and keep it in the cache instead
 * of overwriting it with the SERVFAIL. Returns true when the waiters were
 * answered.
 */
static bool serve_stale(struct cp *cp, struct pend *p, uint32_t now)
{
	if (!cp->cfg->serve_stale || cp->region == NULL)
		return false;
	struct bolt_cache_out out;
	if (lookup(cp, &p->key, &out, now) != BOLT_EEXPIRED || out.val.kind == BOLT_CACHE_SERVFAIL ||
	    out.val.expires == BOLT_CACHE_EXPIRES_NEVER ||
	    now - out.val.expires > cp->cfg->stale_max_age)
		return false;
	for (struct waiter *w = p->waiters; w != NULL; w = w->next)
		answer_from(cp, w, &out, now, true);
	cp->ctr.stale_answers++;
	return true;
}

static void on_resolved(struct res *r, void *arg)
{
	struct pend *p = arg;
	struct cp *cp = p->ctx;
	pend_remove(&cp->pend, p);

	struct bolt_build b;
	uint32_t ttl = 0;
	uint8_t kind = BOLT_CACHE_SERVFAIL;
	uint32_t now = bolt_now();
	int len = res_build_response(r, resp_buf, sizeof(resp_buf), &b, &ttl, &kind);

	if (cp->pf != NULL && len >= 0)
		prefetch_note(cp->pf, &p->key, kind, ttl, p->prefetch != 0, now);
	if (!p->prefetch) {
		cp->ctr.resolutions++;
		record_latency(cp, res_elapsed_ms(r));
	}
	switch (kind) {
	case BOLT_CACHE_POSITIVE: cp->ctr.noerror++; break;
	case BOLT_CACHE_NXDOMAIN: cp->ctr.nxdomain++; break;
	case BOLT_CACHE_NODATA: cp->ctr.nodata++; break;
	default: cp->ctr.servfail++; break;
	}

	struct bolt_cache_val val;
	static uint16_t rel[BOLT_BUILD_TTL_MAX];
	const uint8_t *sections = NULL;
	int ret = len;
	if (len >= 0)
		ret = bolt_answer_to_cache(resp_buf, (size_t)len, b.ttl_off, b.nttl, now, ttl, kind,
		                           &val, rel, &sections);
	if (ret < 0) {
		cp_log(CP_LOG_ERR, "cannot build a response: %s", bolt_strerror(ret));
		for (struct waiter *w = p->waiters; w != NULL; w = w->next)
			serve_error(cp, w, BOLT_RCODE_SERVFAIL);
		pend_free(p);
		return;
	}
	if (kind == BOLT_CACHE_SERVFAIL && serve_stale(cp, p, now)) {
		pend_free(p);
		return;
	}
	if (cp->region != NULL) {
		ret = bolt_answer_insert(cp->region->cache, resp_buf, (size_t)len, b.ttl_off, b.nttl,
		                         p->key.do_bit, now, ttl, kind);
		if (ret < 0) {
			cp->ctr.cache_errors++;
			cp_log(CP_LOG_INFO, "cache insert failed: %s", bolt_strerror(ret));
		} else {
			cp->ctr.cache_inserts++;
		}
	}
	struct bolt_cache_out out = {
		.val = val,
		.ttl_off = rel,
		.ttl_cap = BOLT_BUILD_TTL_MAX,
		.sections = (uint8_t *)(uintptr_t)sections,
		.cap = val.len,
	};
	for (struct waiter *w = p->waiters; w != NULL; w = w->next)
		answer_from(cp, w, &out, now, false);
	pend_free(p);
}

void serve_resolve(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	/* The iterator speaks for class IN only (CHAOS and HESIOD have no public
	 * tree to walk): refuse rather than bother the root servers. */
	if (key->qclass != BOLT_CLASS_IN) {
		serve_error(cp, w, BOLT_RCODE_REFUSED);
		return;
	}
	/* Local data answers its names before anything is resolved. */
	if (serve_local(cp, key, w))
		return;
	/* The stored copy holds a TCP connection open (as memory) until answered. */
	struct waiter held = *w;
	held.held = w->kind == WAITER_TCP;
	struct pend *p = pend_find(&cp->pend, key);
	if (p != NULL) {
		if (pend_join(&cp->pend, p, &held) < 0) {
			cp->ctr.overload++;
			serve_error(cp, w, BOLT_RCODE_SERVFAIL);
			return;
		}
		if (held.held)
			tcp_conn_hold(w->conn);
		cp->ctr.coalesced++;
		return;
	}
	p = pend_add(&cp->pend, key);
	if (p == NULL || pend_join(&cp->pend, p, &held) < 0) {
		if (p != NULL) {
			pend_remove(&cp->pend, p);
			pend_free(p);
		}
		cp->ctr.overload++;
		serve_error(cp, w, BOLT_RCODE_SERVFAIL);
		return;
	}
	if (held.held)
		tcp_conn_hold(w->conn);
	p->ctx = cp;
	/* res_start may call on_resolved (freeing p) before it returns. */
	int ret = res_start(cp, key->name, key->qtype, key->qclass, key->do_bit, on_resolved, p);
	if (ret < 0) {
		pend_remove(&cp->pend, p);
		for (struct waiter *x = p->waiters; x != NULL; x = x->next)
			serve_error(cp, x, BOLT_RCODE_SERVFAIL);
		pend_free(p);
	}
}

void serve_inject(struct cp *cp, const struct pkey *key, const struct waiter *w,
                  const uint8_t *zone, const struct infra_addr *server, const uint8_t *pkt,
                  size_t len)
{
	if (pend_find(&cp->pend, key) != NULL)
		return;
	struct pend *p = pend_add(&cp->pend, key);
	if (p == NULL)
		return;
	if (pend_join(&cp->pend, p, w) < 0) {
		pend_remove(&cp->pend, p);
		pend_free(p);
		return;
	}
	p->ctx = cp;
	if (res_inject(cp, zone, server, key->name, key->qtype, pkt, len, on_resolved, p) < 0) {
		pend_remove(&cp->pend, p);
		pend_free(p);
	}
}

/* Refreshes started per tick at most, so a wave of expiries is spread out. */
#define PREFETCH_PER_TICK 512

/* Start a refresh of key, which has no resolution in flight. Returns false
 * when it could not be started (the prefetch table is told). */
static bool start_refresh(struct cp *cp, const struct pkey *key, uint32_t now)
{
	/* A name of local data is refreshed from it, never asked upstream. */
	if (serve_local(cp, key, NULL))
		return true;
	struct pend *p = pend_add(&cp->pend, key);
	if (p == NULL) {
		/* Too busy: drop the series rather than leave it running. */
		prefetch_note(cp->pf, key, BOLT_CACHE_SERVFAIL, 0, true, now);
		return false;
	}
	p->prefetch = 1;
	p->ctx = cp;
	cp->ctr.prefetches++;
	/* res_start may call on_resolved (freeing p) before it returns. */
	if (res_start(cp, key->name, key->qtype, key->qclass, key->do_bit, on_resolved, p) < 0) {
		pend_remove(&cp->pend, p);
		pend_free(p);
		prefetch_note(cp->pf, key, BOLT_CACHE_SERVFAIL, 0, true, now);
	}
	return true;
}

void serve_prefetch_tick(struct cp *cp)
{
	if (cp->pf == NULL)
		return;
	uint32_t now = bolt_now();
	struct pkey key;
	for (unsigned n = 0; n < PREFETCH_PER_TICK && prefetch_due(cp->pf, now, &key); n++) {
		/* A client's resolution in flight will refresh it anyway (and
		 * report to the prefetch table when it ends). */
		if (pend_find(&cp->pend, &key) != NULL)
			continue;
		if (!start_refresh(cp, &key, now))
			return;
	}
}

void serve_prefetch_hint(struct cp *cp, const struct pkey *key)
{
	if (cp->pf == NULL || cp->region == NULL || key->qclass != BOLT_CLASS_IN ||
	    pend_find(&cp->pend, key) != NULL) {
		cp->ctr.prefetch_hint_skips++;
		return;
	}
	/* Every lcore hints on its own: the first hint's refresh may have
	 * landed already. An entry gone or expired is refreshed all the same
	 * (it was popular a moment ago). */
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	if (lookup(cp, key, &out, now) == 0 &&
	    (out.val.kind == BOLT_CACHE_STATIC || out.val.expires == BOLT_CACHE_EXPIRES_NEVER ||
	     (uint64_t)(out.val.expires - now) * 10 > (uint64_t)(out.val.expires - out.val.inserted))) {
		cp->ctr.prefetch_hint_skips++;
		return;
	}
	start_refresh(cp, key, now);
}
