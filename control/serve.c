/*
 * Serving clients from the cache or from resolutions (see serve.h).
 */
#include <stdlib.h>
#include <string.h>

#include "boltdns/answer.h"
#include "boltdns/wire_ctx.h"
#include "iter/aggr.h"
#include "iter/dnssec.h"
#include "iter/resolve.h"
#include "iter/respolicy.h"
#include "localdata.h"
#include "localzones.h"
#include "log.h"
#include "negpub.h"
#include "nxcut.h"
#include "policy.h"
#include "iter/zones.h"
#include "prefetch.h"
#include "respond.h"
#include "serve.h"

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
static uint8_t any_buf[BOLT_MSG_MAX];
static uint16_t rel_buf[BOLT_BUILD_TTL_MAX];

bool serve_from_cache(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	/* CD=1 (RFC 4035 3.2.2): the data of a bogus answer is under a key of
	 * its own; the SERVFAIL under the plain key is for CD=0 only. */
	if (w->q.flags & BOLT_FLAG_CD) {
		struct pkey cd = *key;
		cd.do_bit = (uint8_t)(key->do_bit | BOLT_CACHE_KEY_CD);
		if (respond_lookup(cp, &cd, &out, now) == 0) {
			respond_cached(cp, w, &out, now, false);
			return true;
		}
	}
	if (respond_lookup(cp, key, &out, now) != 0)
		return false;
	if ((w->q.flags & BOLT_FLAG_CD) && out.val.status == BOLT_SEC_BOGUS)
		return false;
	/* A policy's TCP-only entry: a stream client is resolved. */
	if (out.val.kind == BOLT_CACHE_TCP_ONLY && w->stream)
		return false;
	respond_cached(cp, w, &out, now, false);
	return true;
}

/* ---- ANY (RFC 8482) ---- */

/*
 * The answer to (name, ANY) made from msg[0..len), the response to
 * (name, A) of kind and lifetime ttl: the same sections under an ANY
 * question, or, when the name exists without an A record and without a
 * CNAME, the synthesised HINFO "RFC8482" "" of RFC 8482 4.2 with the
 * negative answer's lifetime. Built in any_buf through b. Returns the
 * length or a negative code.
 */
static int any_response(const uint8_t *msg, size_t len, const uint16_t *ttl_off, uint16_t nttl,
                        uint8_t kind, uint32_t ttl, struct bolt_build *b)
{
	if (len < BOLT_HDR_LEN)
		return BOLT_EMALF;
	int ql = bolt_name_len(msg + BOLT_HDR_LEN, len - BOLT_HDR_LEN);
	if (ql < 0 || BOLT_HDR_LEN + (size_t)ql + 4 > len || nttl > BOLT_BUILD_TTL_MAX)
		return BOLT_EMALF;
	if (kind == BOLT_CACHE_NODATA && bolt_wire_get_u16(msg + 6) == 0) {
		static const uint8_t hinfo[] = { 7, 'R', 'F', 'C', '8', '4', '8', '2', 0 };
		bolt_build_init(b, any_buf, sizeof(any_buf), 0, BOLT_FLAG_QR | BOLT_FLAG_RA);
		bolt_build_question(b, msg + BOLT_HDR_LEN, (size_t)ql, BOLT_TYPE_ANY, BOLT_CLASS_IN);
		bolt_build_rr(b, BOLT_SEC_ANSWER, msg + BOLT_HDR_LEN, BOLT_TYPE_HINFO, BOLT_CLASS_IN,
		              ttl, hinfo, sizeof(hinfo));
		return bolt_build_finish(b);
	}
	memcpy(any_buf, msg, len);
	bolt_wire_put_u16(any_buf + BOLT_HDR_LEN + ql, BOLT_TYPE_ANY);
	memcpy(b->ttl_off, ttl_off, nttl * sizeof(*ttl_off));
	b->nttl = nttl;
	return (int)len;
}

/* Answer w with the ANY response any_buf[0..len) of DNSSEC status sec. */
static void any_reply(struct cp *cp, const struct waiter *w, size_t len,
                      const uint16_t *ttl_off, uint16_t nttl, uint32_t ttl, uint8_t kind,
                      uint8_t sec)
{
	if (respond_msg_status(cp, w, any_buf, len, ttl_off, nttl, bolt_now(), ttl, kind, 0, sec) < 0)
		respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "cannot render the answer");
}

/* Answer the ANY waiters of list (others are skipped) from the A response
 * msg (kind, ttl, DNSSEC status sec), and cache that answer under (name,
 * ANY, do_bit) so the dataplane answers the next one. The synthesised
 * HINFO of RFC 8482 is signed by nobody: never secure. */
static void any_answer(struct cp *cp, const struct waiter *list, const struct waiter *one,
                       const uint8_t *msg, size_t len, const uint16_t *ttl_off, uint16_t nttl,
                       uint8_t kind, uint32_t ttl, bool do_bit, uint8_t sec)
{
	struct bolt_build b;
	int al = any_response(msg, len, ttl_off, nttl, kind, ttl, &b);
	if (al < 0) {
		for (const struct waiter *w = list; w != NULL; w = w->next)
			if (w->q.qtype == BOLT_TYPE_ANY)
				respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "ANY");
		if (one != NULL)
			respond_error(cp, one, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "ANY");
		return;
	}
	uint8_t akind = kind == BOLT_CACHE_NODATA && bolt_wire_get_u16(any_buf + 6) > 0
	                ? BOLT_CACHE_POSITIVE : kind;
	if (akind != kind && sec == BOLT_SEC_SECURE)
		sec = BOLT_SEC_INSECURE;
	if (cp->region != NULL &&
	    bolt_answer_insert_status(cp->region->cache, any_buf, (size_t)al, b.ttl_off, b.nttl,
	                              do_bit, bolt_now(), ttl, akind, 0, sec) == 0)
		cp->ctr.cache_inserts++;
	for (const struct waiter *w = list; w != NULL; w = w->next) {
		if (w->q.qtype != BOLT_TYPE_ANY)
			continue;
		any_reply(cp, w, (size_t)al, b.ttl_off, b.nttl, ttl, akind, sec);
		cp->ctr.any_queries++;
	}
	if (one != NULL) {
		any_reply(cp, one, (size_t)al, b.ttl_off, b.nttl, ttl, akind, sec);
		cp->ctr.any_queries++;
	}
}

/* ANY for w when the name's A answer is in the cache, fresh: answered now. */
static bool any_from_cache(struct cp *cp, const struct pkey *akey, const struct waiter *w)
{
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	if (respond_lookup(cp, akey, &out, now) != 0 || out.val.kind == BOLT_CACHE_SERVFAIL ||
	    out.val.kind == BOLT_CACHE_STATIC || out.val.expires == BOLT_CACHE_EXPIRES_NEVER)
		return false;
	/* The A response as a client without EDNS would get it now (aged
	 * TTLs), then turned into the ANY answer. */
	struct bolt_query q;
	memset(&q, 0, sizeof(q));
	q.qtype = BOLT_TYPE_A;
	q.qclass = BOLT_CLASS_IN;
	q.qname_len = akey->name_len;
	q.question_len = (uint16_t)(akey->name_len + 4);
	memset(resp_buf, 0, BOLT_HDR_LEN);
	memcpy(resp_buf + BOLT_HDR_LEN, akey->name, akey->name_len);
	bolt_wire_put_u16(resp_buf + BOLT_HDR_LEN + akey->name_len, BOLT_TYPE_A);
	bolt_wire_put_u16(resp_buf + BOLT_HDR_LEN + akey->name_len + 2, BOLT_CLASS_IN);
	int len = bolt_answer_from_cache(resp_buf, sizeof(resp_buf), sizeof(resp_buf), &q, &out,
	                                 now, false, 0);
	if (len < 0)
		return false;
	size_t qend = BOLT_HDR_LEN + q.question_len;
	for (uint16_t i = 0; i < out.val.nttl; i++)
		rel_buf[i] = (uint16_t)(out.ttl_off[i] + qend);
	any_answer(cp, NULL, w, resp_buf, (size_t)len, rel_buf, out.val.nttl,
	           out.val.kind, out.val.expires - now, akey->do_bit, out.val.status);
	return true;
}

/* ---- the client-response timer (RFC 8767) ---- */

struct stale_timer {
	uv_timer_t h;
	struct cp *cp;
	struct pend *p;   /* NULL once the question ended */
};

static void on_timer_closed(uv_handle_t *h)
{
	free(h->data);
}

/* Stop p's timer (the question ended or the timer fired). */
static void timer_stop(struct pend *p)
{
	struct stale_timer *st = p->timer;
	if (st == NULL)
		return;
	p->timer = NULL;
	st->p = NULL;
	uv_timer_stop(&st->h);
	uv_close((uv_handle_t *)&st->h, on_timer_closed);
}

/* The resolution of p is still running after stale-answer-timeout: answer
 * its waiters with the expired entry (it goes on for the cache's sake). */
static void on_stale_timer(uv_timer_t *h)
{
	struct stale_timer *st = h->data;
	struct pend *p = st->p;
	struct cp *cp = st->cp;
	if (p == NULL)
		return;
	timer_stop(p);
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	int rc = respond_lookup(cp, &p->key, &out, now);
	if (!respond_stale_usable(cp, rc, &out, now))
		return;
	p->stale_sent = 1;
	struct waiter *list = pend_take_waiters(p);
	for (struct waiter *w = list; w != NULL; w = w->next) {
		respond_cached(cp, w, &out, now, true);
		cp->ctr.stale_timer_answers++;
	}
	waiter_list_free(list);
}

/* Arm p's client-response timer when an expired entry could answer its
 * waiters (RFC 8767 section 5: 1.8 s by default). */
static void timer_arm(struct cp *cp, struct pend *p)
{
	if (p->timer != NULL || p->stale_sent || p->waiters == NULL || !cp->cfg->serve_stale ||
	    cp->cfg->stale_answer_timeout_ms == 0)
		return;
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	if (!respond_stale_usable(cp, respond_lookup(cp, &p->key, &out, now), &out, now))
		return;
	struct stale_timer *st = malloc(sizeof(*st));
	if (st == NULL)
		return;
	st->cp = cp;
	st->p = p;
	uv_timer_init(cp->loop, &st->h);
	st->h.data = st;
	p->timer = st;
	uv_timer_start(&st->h, on_stale_timer, cp->cfg->stale_answer_timeout_ms, 0);
}

/* A client joining a question whose waiters were answered stale already:
 * the resolution has run past the timer, so it is answered stale at once.
 * Returns true when w was answered. */
static bool stale_now(struct cp *cp, const struct pend *p, const struct waiter *w)
{
	if (!p->stale_sent)
		return false;
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	if (!respond_stale_usable(cp, respond_lookup(cp, &p->key, &out, now), &out, now))
		return false;
	respond_cached(cp, w, &out, now, true);
	cp->ctr.stale_timer_answers++;
	return true;
}

/* ---- the failure recheck timer (RFC 8767 section 4) ---- */

/* Questions whose resolution failed recently while a stale entry could
 * answer: for FAILURE_RECHECK_S seconds clients get that entry at once
 * instead of a new resolution each (and its wait for the client-response
 * timer). Direct-mapped by key hash: a collision only costs a resolution. */
#define FAILURE_RECHECK_S 30
#define RECHECK_SLOTS 1024

static struct {
	uint64_t hash;
	uint32_t until;
} recheck[RECHECK_SLOTS];

static void recheck_note(const struct pkey *key, uint32_t now)
{
	uint64_t h = pkey_hash(key);
	recheck[h % RECHECK_SLOTS].hash = h;
	recheck[h % RECHECK_SLOTS].until = now + FAILURE_RECHECK_S;
}

/* Answer w stale at once when key failed within the recheck time. */
static bool recheck_stale(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	uint64_t h = pkey_hash(key);
	uint32_t now = bolt_now();
	if (recheck[h % RECHECK_SLOTS].hash != h || recheck[h % RECHECK_SLOTS].until <= now)
		return false;
	struct bolt_cache_out out;
	if (!respond_stale_usable(cp, respond_lookup(cp, key, &out, now), &out, now))
		return false;
	respond_cached(cp, w, &out, now, true);
	cp->ctr.stale_answers++;
	return true;
}

/* ---- the end of a resolution ---- */

/* Answer every waiter of p from out (stale or not). */
static void answer_all(struct cp *cp, struct pend *p, const struct bolt_cache_out *out,
                       uint32_t now, bool stale)
{
	for (struct waiter *w = p->waiters; w != NULL; w = w->next)
		respond_cached(cp, w, out, now, stale);
}

/*
 * The resolution of p failed. A usable entry stays in the cache instead of
 * the SERVFAIL (RFC 8767 section 4: a failed refresh or prefetch never
 * throws good data away): a fresh one answers the waiters as it is, an
 * expired one within stale-max-age answers them stale. Returns true when
 * the entry was kept (and the waiters answered).
 */
static bool keep_usable(struct cp *cp, struct pend *p, uint32_t now)
{
	struct bolt_cache_out out;
	int rc = respond_lookup(cp, &p->key, &out, now);
	if (rc == 0 && out.val.kind != BOLT_CACHE_SERVFAIL) {
		answer_all(cp, p, &out, now, false);
	} else if (respond_stale_usable(cp, rc, &out, now)) {
		answer_all(cp, p, &out, now, true);
		if (p->waiters != NULL)
			cp->ctr.stale_answers++;
		recheck_note(&p->key, now);
	} else {
		return false;
	}
	cp->ctr.kept_on_failure++;
	return true;
}

static bool has_any_waiter(const struct pend *p)
{
	for (const struct waiter *w = p->waiters; w != NULL; w = w->next)
		if (w->q.qtype == BOLT_TYPE_ANY)
			return true;
	return false;
}

/* NXDOMAINs of the NXDOMAIN cut that validated secure (direct-mapped by
 * name: a collision only costs the AD bit of an inferred answer). A name
 * below a name proven not to exist does not exist either, and the proof
 * that denied the ancestor covers it (RFC 8020 2, RFC 8198 5). */
#define SECCUT_SLOTS 1024
static struct {
	uint8_t name[BOLT_NAME_MAX];
	uint32_t until;
} seccut[SECCUT_SLOTS];

static unsigned seccut_slot(const uint8_t *name)
{
	struct pkey k;
	if (pkey_make(&k, name, 0, 0, false) < 0)
		return 0;
	return (unsigned)(pkey_hash(&k) % SECCUT_SLOTS);
}

static void seccut_note(const uint8_t *name, uint32_t until)
{
	unsigned i = seccut_slot(name);
	int l = bolt_name_len(name, BOLT_NAME_MAX);
	if (l <= 0)
		return;
	memcpy(seccut[i].name, name, (size_t)l);
	seccut[i].until = until;
}

/* Is name or an ancestor a secure NXDOMAIN of the cut at now? */
static bool seccut_covers(const uint8_t *name, uint32_t now)
{
	for (const uint8_t *n = name; *n != 0; n += 1 + *n) {
		unsigned i = seccut_slot(n);
		if (seccut[i].until > now && bolt_name_equal(seccut[i].name, n))
			return true;
	}
	return false;
}

/*
 * A bogus answer (RFC 4035 5.5): cached as a SERVFAIL with the validator's
 * EDE for bogus-ttl, and its data under the CD key for CD=1 queries (RFC
 * 4035 3.2.2); CD=0 waiters get the SERVFAIL, CD=1 waiters the data without
 * AD. val/sections describe resp_buf (status BOGUS). Frees p.
 */
static void bogus_answer(struct cp *cp, struct pend *p, const struct bolt_cache_val *val,
                         const uint8_t *sections, size_t len, uint8_t kind, uint32_t ttl,
                         uint16_t ede, const char *text, const struct bolt_build *b,
                         uint32_t now)
{
	uint16_t code = ede != BOLT_EDE_NONE ? ede : 6;
	if (cp->region != NULL) {
		int ret = bolt_answer_insert_bogus(cp->region->cache, resp_buf, len, b->ttl_off,
		                                   b->nttl, p->key.do_bit, now, ttl, kind,
		                                   cp->cfg->bogus_ttl > 0 ? cp->cfg->bogus_ttl : 60,
		                                   code, text);
		if (ret < 0) {
			cp->ctr.cache_errors++;
			cp_log(CP_LOG_INFO, "cache insert failed: %s", bolt_strerror(ret));
		} else {
			cp->ctr.cache_inserts++;
		}
	}
	struct bolt_cache_out out = {
		.val = *val,
		.ttl_off = rel_buf,
		.ttl_cap = BOLT_BUILD_TTL_MAX,
		.sections = (uint8_t *)(uintptr_t)sections,
		.cap = val->len,
	};
	for (struct waiter *w = p->waiters; w != NULL; w = w->next) {
		if (w->q.flags & BOLT_FLAG_CD)
			respond_cached(cp, w, &out, now, false);
		else
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, code, text);
	}
	pend_free(p);
}

static void on_resolved(struct res *r, void *arg)
{
	struct pend *p = arg;
	struct cp *cp = p->ctx;
	pend_remove(&cp->pend, p);
	timer_stop(p);

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
	default:
		/* not a failure when a name server's policy stopped it (policy.c) */
		if (res_policy_hit(r) == NULL || res_policy_hit(r)->hit.action == RPZ_ACT_TCP_ONLY ||
		    res_policy_hit(r)->hit.action == RPZ_ACT_PASSTHRU)
			cp->ctr.servfail++;
		break;
	}

	/* Response policy (RPZ) on the name or the answer's addresses: its
	 * own answer goes into the cache and to the waiters instead. */
	if (len >= 0 &&
	    policy_response(cp, p, resp_buf, (size_t)len, &b, ttl, kind, res_policy_hit(r))) {
		pend_free(p);
		return;
	}
	/* A SERVFAIL says why (RFC 8914), in the cache too, so the dataplane
	 * repeats the reason to the clients it answers from there. */
	uint8_t ede_len = 0;
	if (len >= 0 && kind == BOLT_CACHE_SERVFAIL) {
		const char *text = NULL;
		uint16_t code = res_ede(r, &text);
		int n = bolt_answer_put_ede(resp_buf + len, sizeof(resp_buf) - (size_t)len,
		                            code != BOLT_EDE_NONE ? code : BOLT_EDE_OTHER, text);
		if (n > 0) {
			ede_len = (uint8_t)n;
			len += n;
		}
	}

	struct bolt_cache_val val;
	const uint8_t *sections = NULL;
	int ret = len;
	if (len >= 0)
		ret = bolt_answer_to_cache_ede(resp_buf, (size_t)len, b.ttl_off, b.nttl, now, ttl, kind,
		                               ede_len, &val, rel_buf, &sections);
	if (ret < 0) {
		cp_log(CP_LOG_ERR, "cannot build a response: %s", bolt_strerror(ret));
		for (struct waiter *w = p->waiters; w != NULL; w = w->next)
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER,
			              "cannot build the response");
		pend_free(p);
		return;
	}
	if (kind == BOLT_CACHE_SERVFAIL && keep_usable(cp, p, now)) {
		pend_free(p);
		return;
	}
	uint16_t sec_ede = BOLT_EDE_NONE;
	const char *sec_text = NULL;
	uint8_t sec = kind == BOLT_CACHE_SERVFAIL ? BOLT_SEC_UNCHECKED
	                                          : res_security(r, &sec_ede, &sec_text);
	val.status = sec;
	if (sec == BOLT_SEC_BOGUS) {
		bogus_answer(cp, p, &val, sections, (size_t)len, kind, ttl, sec_ede, sec_text, &b, now);
		return;
	}
	/* an answer that began before a reload changed [zone]s is not cached */
	bool keep = !res_zones_changed(r);
	if (cp->region != NULL && keep) {
		ret = bolt_answer_insert_status(cp->region->cache, resp_buf, (size_t)len, b.ttl_off,
		                                b.nttl, p->key.do_bit, now, ttl, kind, ede_len, sec);
		if (ret < 0) {
			cp->ctr.cache_errors++;
			cp_log(CP_LOG_INFO, "cache insert failed: %s", bolt_strerror(ret));
		} else {
			cp->ctr.cache_inserts++;
		}
	}
	/* RFC 8198: its NSEC/NSEC3 ranges answer later questions in them. */
	if (sec == BOLT_SEC_SECURE && cp->aggr != NULL &&
	    (kind == BOLT_CACHE_NXDOMAIN || kind == BOLT_CACHE_NODATA)) {
		static struct bolt_rr rrs[AGGR_LEARN_MAX];
		unsigned n = res_denial(r, rrs, AGGR_LEARN_MAX);
		if (n > 0)
			(void)aggr_learn(cp->aggr, rrs, n, ttl, now);
	}
	/* RFC 8020: the names below an NXDOMAIN are answered from it; a
	 * validated one is remembered as secure too (see nxcut_serve). */
	if (kind == BOLT_CACHE_NXDOMAIN && cp->cfg->nxdomain_cut && keep &&
	    nxcut_note(resp_buf, (size_t)len, ttl, now) && sec == BOLT_SEC_SECURE)
		seccut_note(p->key.name, now + ttl);
	struct bolt_cache_out out = {
		.val = val,
		.ttl_off = rel_buf,
		.ttl_cap = BOLT_BUILD_TTL_MAX,
		.sections = (uint8_t *)(uintptr_t)sections,
		.cap = val.len,
	};
	bool any = kind != BOLT_CACHE_SERVFAIL && has_any_waiter(p);
	for (struct waiter *w = p->waiters; w != NULL; w = w->next)
		if (!any || w->q.qtype != BOLT_TYPE_ANY)
			respond_cached(cp, w, &out, now, false);
	/* Last: any_answer reuses the buffers out points into. */
	if (any)
		any_answer(cp, p->waiters, NULL, resp_buf, (size_t)len, b.ttl_off, b.nttl, kind, ttl,
		           p->key.do_bit, sec);
	pend_free(p);
}

/* A name at or below a known NXDOMAIN (RFC 8020): answered NXDOMAIN now,
 * and inserted into the cache, so the dataplane answers the next one.
 * Under a trust anchor it is secure when the NXDOMAIN was; a DO=1 client
 * then needs the denial proof, which this answer has not: its question is
 * resolved. Returns true when w was answered. */
static bool nxcut_serve(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	struct bolt_build b;
	uint32_t ttl = 0;
	uint32_t now = bolt_now();
	if (!cp->cfg->nxdomain_cut || w->q.qtype == BOLT_TYPE_ANY)
		return false;
	/* A [zone]'s names are its servers' to deny: an NXDOMAIN cut above the
	 * zone (a public "internal." NXDOMAIN) says nothing about them. */
	if (zones_match(key->name, -1, NULL) != NULL)
		return false;
	uint8_t sec = BOLT_SEC_UNCHECKED;
	if (dsec_wanted(key->name)) {
		bool secure = seccut_covers(key->name, now);
		if (secure && key->do_bit)
			return false;
		sec = secure ? BOLT_SEC_SECURE : dsec_off_status(key->name);
	}
	int len = nxcut_answer(key->name, key->qtype, now, resp_buf, sizeof(resp_buf), &b, &ttl);
	if (len <= 0)
		return false;
	if (cp->region != NULL &&
	    bolt_answer_insert_status(cp->region->cache, resp_buf, (size_t)len, b.ttl_off, b.nttl,
	                              key->do_bit, now, ttl, BOLT_CACHE_NXDOMAIN, 0, sec) == 0)
		cp->ctr.cache_inserts++;
	if (respond_msg_status(cp, w, resp_buf, (size_t)len, b.ttl_off, b.nttl, now, ttl,
	                       BOLT_CACHE_NXDOMAIN, 0, sec) < 0)
		return false;
	cp->ctr.nxdomain_cut_answers++;
	return true;
}

/* A name in a range that validated NSEC/NSEC3 records prove empty (RFC
 * 8198): answered NXDOMAIN or NODATA now, secure, with the proof for a DO=1
 * client, and inserted into the cache so the dataplane answers the next
 * one. Returns true when w was answered. */
static bool aggr_serve(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	struct bolt_build b;
	uint32_t ttl = 0;
	uint8_t kind = 0;
	uint32_t now = bolt_now();
	if (cp->aggr == NULL || !cp->cfg->aggressive_nsec || w->q.qtype == BOLT_TYPE_ANY ||
	    !dsec_wanted(key->name) || dsec_nta(key->name))
		return false;
	/* a [zone]'s names are its servers' (see nxcut_serve) */
	if (zones_match(key->name, -1, NULL) != NULL)
		return false;
	int len = aggr_answer(cp->aggr, key->name, key->qtype, key->do_bit, now, resp_buf,
	                      sizeof(resp_buf), &b, &ttl, &kind);
	if (len <= 0 || ttl == 0)
		return false;
	/* A flooded zone's names go to the dataplane (negpub.h), not into
	 * the cache: each random name is asked once. */
	bool flooded = kind == BOLT_CACHE_NXDOMAIN && negpub_synthesised(cp, key->name, now);
	if (cp->region != NULL && !flooded &&
	    bolt_answer_insert_status(cp->region->cache, resp_buf, (size_t)len, b.ttl_off, b.nttl,
	                              key->do_bit, now, ttl, kind, 0, BOLT_SEC_SECURE) == 0)
		cp->ctr.cache_inserts++;
	return respond_msg_status(cp, w, resp_buf, (size_t)len, b.ttl_off, b.nttl, now, ttl, kind,
	                          0, BOLT_SEC_SECURE) == 0;
}

/* Refused locally, never sent upstream: other classes and the meta types
 * a resolver does not serve (zone transfers, MAILA/MAILB). */
static bool not_supported(const struct pkey *key)
{
	if (key->qclass != BOLT_CLASS_IN)
		return true;
	switch (key->qtype) {
	case BOLT_TYPE_IXFR:
	case BOLT_TYPE_AXFR:
	case 253: /* MAILB */
	case 254: /* MAILA */
		return true;
	default:
		return false;
	}
}

void serve_resolve(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	/* The iterator speaks for class IN only (CHAOS and HESIOD have no public
	 * tree to walk), and a resolver transfers no zones: refuse rather than
	 * bother the authoritative servers. */
	if (not_supported(key)) {
		cp->ctr.refused_meta++;
		respond_error(cp, w, BOLT_RCODE_REFUSED, BOLT_EDE_NOT_SUPPORTED,
		              key->qclass != BOLT_CLASS_IN ? "only class IN is resolved"
		                                           : "zone transfers are not served here");
		return;
	}
	/* The operator's local data first, then the zones every resolver
	 * answers itself (RFC 6303, RFC 6761, RFC 7686). */
	if (serve_local(cp, key, w))
		return;
	if (localzones_answer(cp, key, w))
		return;
	/* Response policy on the name (RPZ), whatever RD says: its answer
	 * needs no recursion. */
	if (policy_qname(cp, key, w))
		return;
	/* RD=0: the cache was the only source (the client asked it already). */
	if (!(w->q.flags & BOLT_FLAG_RD)) {
		cp->ctr.refused_norec++;
		respond_error(cp, w, BOLT_RCODE_REFUSED, BOLT_EDE_NOT_AUTHORITATIVE,
		              "recursion not desired and not cached");
		return;
	}
	/* ANY is resolved as A (RFC 8482): one question upstream that every
	 * server answers, shared with the A clients of the name. */
	struct pkey akey;
	if (key->qtype == BOLT_TYPE_ANY) {
		akey = *key;
		akey.qtype = BOLT_TYPE_A;
		key = &akey;
		if (any_from_cache(cp, key, w))
			return;
	}
	/* It failed a moment ago: the stale entry, without asking again. */
	if (recheck_stale(cp, key, w))
		return;
	if (nxcut_serve(cp, key, w) || aggr_serve(cp, key, w))
		return;
	/* The stored copy holds its transport (e.g. a TCP connection) until answered. */
	struct waiter held = waiter_copy(w);
	struct pend *p = pend_find(&cp->pend, key);
	if (p != NULL) {
		if (stale_now(cp, p, w))
			return;
		if (pend_join(&cp->pend, p, &held) < 0) {
			cp->ctr.overload++;
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "overloaded");
			return;
		}
		waiter_hold(w);
		cp->ctr.coalesced++;
		/* A prefetch had nobody waiting: the first client starts the clock. */
		timer_arm(cp, p);
		return;
	}
	p = pend_add(&cp->pend, key);
	if (p == NULL || pend_join(&cp->pend, p, &held) < 0) {
		if (p != NULL) {
			pend_remove(&cp->pend, p);
			pend_free(p);
		}
		cp->ctr.overload++;
		respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "overloaded");
		return;
	}
	waiter_hold(w);
	p->ctx = cp;
	timer_arm(cp, p);
	/* res_start may call on_resolved (freeing p) before it returns. */
	int ret = res_start(cp, key->name, key->qtype, key->qclass, key->do_bit, on_resolved, p);
	if (ret < 0) {
		pend_remove(&cp->pend, p);
		timer_stop(p);
		for (struct waiter *x = p->waiters; x != NULL; x = x->next)
			respond_error(cp, x, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "out of memory");
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
	/* A name of local data or of a local zone is refreshed from it, never
	 * asked upstream. */
	if (serve_local(cp, key, NULL) || localzones_answer(cp, key, NULL) ||
	    policy_qname(cp, key, NULL))
		return true;
	struct pend *p = pend_add(&cp->pend, key);
	if (p == NULL) {
		/* Too busy: drop the series rather than leave it running. */
		if (cp->pf != NULL)
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
		if (cp->pf != NULL)
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
	    key->qtype == BOLT_TYPE_ANY || pend_find(&cp->pend, key) != NULL) {
		cp->ctr.prefetch_hint_skips++;
		return;
	}
	/* Every lcore hints on its own: the first hint's refresh may have
	 * landed already. An entry gone or expired is refreshed all the same
	 * (it was popular a moment ago). */
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	if (respond_lookup(cp, key, &out, now) == 0 &&
	    (out.val.kind == BOLT_CACHE_STATIC || out.val.expires == BOLT_CACHE_EXPIRES_NEVER ||
	     (uint64_t)(out.val.expires - now) * 10 > (uint64_t)(out.val.expires - out.val.inserted))) {
		cp->ctr.prefetch_hint_skips++;
		return;
	}
	start_refresh(cp, key, now);
}
