/*
 * The serving side against a real region, offline (every resolution fails
 * at once): answers reach the client through its own delivery callback;
 * AXFR/IXFR and other classes are REFUSED with EDE 21, RD=0 misses with
 * EDE 20, without being resolved; ANY is answered from the name's A answer
 * or with the RFC 8482 HINFO; a failed resolution carries its EDE into the
 * cache, and never replaces a usable entry (a fresh one refreshed by
 * prefetch, an expired one served stale with EDE 3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boltdns/answer.h"
#include "boltdns/region.h"
#include "boltdns/wire_ctx.h"
#include "cp.h"
#include "prefetch.h"
#include "serve.h"
#include "ut_cache.h"

static struct bolt_config cfg;
static struct cp cp;
static char path[128];

/* The test's transport: remembers what was delivered. */
static uint8_t got[8][4096];
static size_t got_len[8];
static unsigned ngot, holds, releases;

static void mock_deliver(const struct waiter *w, const uint8_t *msg, size_t len)
{
	if (w->held)
		releases++;
	if (msg == NULL || ngot >= 8 || len > sizeof(got[0]))
		return;
	memcpy(got[ngot], msg, len);
	got_len[ngot++] = len;
}

static void mock_hold(const struct waiter *w)
{
	(void)w;
	holds++;
}

static const struct waiter_ops mock_ops = { .deliver = mock_deliver, .hold = mock_hold };

static int setup(void **state)
{
	(void)state;
	memset(&cp, 0, sizeof(cp));
	bolt_config_defaults(&cfg);
	cp.cfg = &cfg;
	cp.loop = uv_default_loop();
	cp.offline = true;
	cp.infra = infra_new(64);
	assert_int_equal(pend_init(&cp.pend, 16, 4), 0);
	snprintf(path, sizeof(path), "/dev/shm/boltdns-test-cp-serve-%d", (int)getpid());
	struct bolt_region_params p = { .path = path, .size = 32u << 20, .ring_slots = 16, .wipe = true };
	int err = 0;
	cp.region = bolt_region_create(&p, &err);
	assert_non_null(cp.region);
	ngot = holds = releases = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 20; i++)
		uv_run(cp.loop, UV_RUN_NOWAIT);
	bolt_region_detach(cp.region);
	unlink(path);
	pend_destroy(&cp.pend);
	infra_free(cp.infra);
	prefetch_free(cp.pf);
	cp.pf = NULL;
	return 0;
}

/* A client query for (name, qtype), rd, with EDNS or not, into w and key. */
static void client(struct waiter *w, struct pkey *key, const char *name, uint16_t qtype,
                   uint16_t qclass, bool rd, bool edns)
{
	memset(w, 0, sizeof(*w));
	w->ops = &mock_ops;
	int ql = bolt_name_from_text(name, w->question);
	assert_true(ql > 0);
	bolt_wire_put_u16(w->question + ql, qtype);
	bolt_wire_put_u16(w->question + ql + 2, qclass);
	w->q.id = 0x4242;
	w->q.flags = rd ? BOLT_FLAG_RD : 0;
	w->q.qtype = qtype;
	w->q.qclass = qclass;
	w->q.qname_len = (uint16_t)ql;
	w->q.question_len = (uint16_t)(ql + 4);
	w->q.has_edns = edns;
	w->q.edns_udp_size = edns ? 1232 : 0;
	assert_int_equal(pkey_make(key, w->question, qtype, qclass, false), 0);
	memcpy(w->q.qname_lc, key->name, key->name_len);
}

/* Let offline resolutions end (they may finish on the loop). */
static void settle(void)
{
	for (int i = 0; i < 20 && cp.pend.count > 0; i++)
		uv_run(cp.loop, UV_RUN_NOWAIT);
	assert_int_equal(cp.pend.count, 0);
}

/* Insert name A 192.0.2.1 (ttl) inserted at `when`, kind, or NODATA. */
static void put(const char *name, uint32_t ttl, uint32_t when, uint8_t kind)
{
	uint8_t msg[512], qname[BOLT_NAME_MAX];
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	bolt_build_init(&b, msg, sizeof(msg), 0,
	                BOLT_FLAG_QR | BOLT_FLAG_RA |
	                (kind == BOLT_CACHE_NXDOMAIN ? BOLT_RCODE_NXDOMAIN : 0));
	bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
	if (kind == BOLT_CACHE_POSITIVE)
		bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN, ttl, a, 4);
	int len = bolt_build_finish(&b);
	assert_int_equal(bolt_answer_insert(cp.region->cache, msg, (size_t)len, b.ttl_off, b.nttl,
	                                    false, when, ttl, kind), 0);
}

/* The cache entry of (name, qtype): its kind, or -1 when there is none. */
static int cached_kind(const char *name, uint16_t qtype, struct bolt_cache_val *val)
{
	struct bolt_cache_out out;
	int rc = ut_cache_find(cp.region->cache, name, qtype, false, bolt_now(), &out);
	if (rc != 0 && rc != BOLT_EEXPIRED)
		return -1;
	if (val != NULL)
		*val = out.val;
	return out.val.kind;
}

/* The EDE info code in a delivered response (OPT last), or -1. */
static int ede_of(unsigned i)
{
	const uint8_t *r = got[i];
	size_t len = got_len[i];
	for (size_t p = BOLT_HDR_LEN; p + 11 <= len; p++) {
		if (r[p] != 0 || bolt_wire_get_u16(r + p + 1) != BOLT_TYPE_OPT)
			continue;
		size_t rdlen = bolt_wire_get_u16(r + p + 9);
		if (p + 11 + rdlen != len)
			continue;
		if (rdlen < 6 || bolt_wire_get_u16(r + p + 11) != BOLT_OPT_EDE)
			return -1;
		return bolt_wire_get_u16(r + p + 15);
	}
	return -1;
}

static struct bolt_msg m;
static struct bolt_rr rrs[16];
static uint8_t scratch[8192];

static void parse(unsigned i)
{
	assert_true(i < ngot);
	assert_int_equal(bolt_msg_parse(got[i], got_len[i], &m, rrs, 16, scratch, sizeof(scratch)),
	                 0);
	assert_int_equal(m.id, 0x4242);
}

static void test_meta_types_refused(void **state)
{
	(void)state;
	struct waiter w;
	struct pkey key;
	const uint16_t types[] = { BOLT_TYPE_AXFR, BOLT_TYPE_IXFR, 253, 254 };
	for (unsigned i = 0; i < 4; i++) {
		client(&w, &key, "example.test.", types[i], BOLT_CLASS_IN, true, true);
		serve_resolve(&cp, &key, &w);
		parse(i);
		assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_REFUSED);
		assert_int_equal(m.qtype, types[i]);
		assert_int_equal(ede_of(i), BOLT_EDE_NOT_SUPPORTED);
	}
	/* Class CH: refused the same way. */
	client(&w, &key, "version.bind.", BOLT_TYPE_TXT, 3, true, true);
	serve_resolve(&cp, &key, &w);
	parse(4);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_REFUSED);
	assert_int_equal(ede_of(4), BOLT_EDE_NOT_SUPPORTED);
	/* Without EDNS: the plain REFUSED. */
	client(&w, &key, "example.test.", BOLT_TYPE_AXFR, BOLT_CLASS_IN, true, false);
	serve_resolve(&cp, &key, &w);
	parse(5);
	assert_false(m.has_edns);
	/* Nothing was resolved, nothing held. */
	assert_int_equal(cp.ctr.resolutions, 0);
	assert_int_equal(cp.pend.count, 0);
	assert_int_equal(cp.ctr.refused_meta, 6);
	assert_int_equal(holds, 0);
}

static void test_norec(void **state)
{
	(void)state;
	struct waiter w;
	struct pkey key;
	/* A miss with RD=0: REFUSED, EDE 20, never resolved (as Unbound). */
	client(&w, &key, "miss.example.test.", BOLT_TYPE_A, BOLT_CLASS_IN, false, true);
	assert_false(serve_from_cache(&cp, &key, &w));
	serve_resolve(&cp, &key, &w);
	parse(0);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_REFUSED);
	assert_false(m.flags & BOLT_FLAG_RD);
	assert_int_equal(ede_of(0), BOLT_EDE_NOT_AUTHORITATIVE);
	assert_int_equal(cp.ctr.resolutions, 0);
	assert_int_equal(cp.pend.count, 0);
	/* A hit with RD=0 is answered from the cache. */
	put("hit.example.test.", 300, bolt_now(), BOLT_CACHE_POSITIVE);
	client(&w, &key, "hit.example.test.", BOLT_TYPE_A, BOLT_CLASS_IN, false, false);
	assert_true(serve_from_cache(&cp, &key, &w));
	parse(1);
	assert_int_equal(m.ancount, 1);
	/* Locally served zones answer RD=0 too. */
	client(&w, &key, "localhost.", BOLT_TYPE_A, BOLT_CLASS_IN, false, false);
	serve_resolve(&cp, &key, &w);
	parse(2);
	assert_int_equal(m.ancount, 1);
	assert_int_equal(rrs[0].rdata[0], 127);
}

static void test_any(void **state)
{
	(void)state;
	struct waiter w;
	struct pkey key;
	/* The name's A answer in the cache stands for ANY. */
	put("a.example.test.", 300, bolt_now(), BOLT_CACHE_POSITIVE);
	client(&w, &key, "A.example.test.", BOLT_TYPE_ANY, BOLT_CLASS_IN, true, true);
	assert_false(serve_from_cache(&cp, &key, &w));
	serve_resolve(&cp, &key, &w);
	parse(0);
	assert_int_equal(m.qtype, BOLT_TYPE_ANY);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_NOERROR);
	assert_int_equal(m.ancount, 1);
	assert_int_equal(rrs[0].type, BOLT_TYPE_A);
	/* The client's case is kept in the question. */
	assert_memory_equal(got[0] + 12, w.question, w.q.question_len);
	/* ... and cached under ANY for the dataplane. */
	assert_int_equal(cached_kind("a.example.test.", BOLT_TYPE_ANY, NULL), BOLT_CACHE_POSITIVE);
	assert_true(serve_from_cache(&cp, &key, &w));
	parse(1);
	assert_int_equal(rrs[0].type, BOLT_TYPE_A);
	/* A name without an A record: the RFC 8482 HINFO. */
	put("nodata.example.test.", 300, bolt_now(), BOLT_CACHE_NODATA);
	client(&w, &key, "nodata.example.test.", BOLT_TYPE_ANY, BOLT_CLASS_IN, true, false);
	serve_resolve(&cp, &key, &w);
	parse(2);
	assert_int_equal(m.ancount, 1);
	assert_int_equal(rrs[0].type, BOLT_TYPE_HINFO);
	assert_memory_equal(rrs[0].rdata, "\x07RFC8482\x00", 9);
	/* A name that does not exist: NXDOMAIN. */
	put("nx.example.test.", 300, bolt_now(), BOLT_CACHE_NXDOMAIN);
	client(&w, &key, "nx.example.test.", BOLT_TYPE_ANY, BOLT_CLASS_IN, true, false);
	serve_resolve(&cp, &key, &w);
	parse(3);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_NXDOMAIN);
	/* Not cached: resolved as A (offline: SERVFAIL), never as ANY. */
	client(&w, &key, "new.example.test.", BOLT_TYPE_ANY, BOLT_CLASS_IN, true, true);
	serve_resolve(&cp, &key, &w);
	settle();
	parse(4);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_SERVFAIL);
	assert_int_equal(m.qtype, BOLT_TYPE_ANY);
	assert_int_equal(cached_kind("new.example.test.", BOLT_TYPE_A, NULL), BOLT_CACHE_SERVFAIL);
	assert_int_equal(cached_kind("new.example.test.", BOLT_TYPE_ANY, NULL), -1);
}

/* A failed resolution: SERVFAIL with an EDE, in the answer and in the
 * cache (so the dataplane repeats it); the held transport is released. */
static void test_servfail_ede(void **state)
{
	(void)state;
	struct waiter w;
	struct pkey key;
	client(&w, &key, "fail.example.test.", BOLT_TYPE_A, BOLT_CLASS_IN, true, true);
	serve_resolve(&cp, &key, &w);
	settle();
	parse(0);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_SERVFAIL);
	assert_true(ede_of(0) >= 0);
	assert_int_equal(holds, 1);
	assert_int_equal(releases, 1);
	struct bolt_cache_val v;
	assert_int_equal(cached_kind("fail.example.test.", BOLT_TYPE_A, &v), BOLT_CACHE_SERVFAIL);
	assert_true(v.ede_len >= BOLT_EDE_HDR_LEN);
	/* The next client gets it from the cache, EDE included. */
	assert_true(serve_from_cache(&cp, &key, &w));
	assert_int_equal(ede_of(1), ede_of(0));
}

/* Serve-stale after a failure: the expired entry answers (TTL 30, EDE 3)
 * and stays in the cache instead of the SERVFAIL. */
static void test_stale_on_failure(void **state)
{
	(void)state;
	struct waiter w;
	struct pkey key;
	uint32_t now = bolt_now();
	put("old.example.test.", 10, now - 100, BOLT_CACHE_POSITIVE);
	client(&w, &key, "old.example.test.", BOLT_TYPE_A, BOLT_CLASS_IN, true, true);
	assert_false(serve_from_cache(&cp, &key, &w));
	serve_resolve(&cp, &key, &w);
	settle();
	parse(0);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_NOERROR);
	assert_int_equal(m.ancount, 1);
	assert_int_equal(rrs[0].ttl, BOLT_STALE_TTL);
	assert_int_equal(ede_of(0), BOLT_EDE_STALE_ANSWER);
	assert_int_equal(cached_kind("old.example.test.", BOLT_TYPE_A, NULL), BOLT_CACHE_POSITIVE);
	assert_int_equal(cp.ctr.stale_answers, 1);
	/* Within the failure recheck time: stale at once, nothing resolved. */
	uint64_t res = cp.ctr.resolutions;
	serve_resolve(&cp, &key, &w);
	assert_int_equal(cp.pend.count, 0);
	assert_int_equal(cp.ctr.resolutions, res);
	assert_int_equal(ngot, 2);
	assert_int_equal(ede_of(1), BOLT_EDE_STALE_ANSWER);
	ngot = 1;
	/* A stale NXDOMAIN says 19. */
	put("oldnx.example.test.", 10, now - 100, BOLT_CACHE_NXDOMAIN);
	client(&w, &key, "oldnx.example.test.", BOLT_TYPE_A, BOLT_CLASS_IN, true, true);
	serve_resolve(&cp, &key, &w);
	settle();
	parse(1);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_NXDOMAIN);
	assert_int_equal(ede_of(1), BOLT_EDE_STALE_NXDOMAIN);
	/* Older than stale-max-age: not usable, the SERVFAIL replaces it. */
	put("ancient.example.test.", 10, now - cfg.stale_max_age - 100, BOLT_CACHE_POSITIVE);
	client(&w, &key, "ancient.example.test.", BOLT_TYPE_A, BOLT_CLASS_IN, true, true);
	serve_resolve(&cp, &key, &w);
	settle();
	parse(2);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_SERVFAIL);
	assert_int_equal(cached_kind("ancient.example.test.", BOLT_TYPE_A, NULL),
	                 BOLT_CACHE_SERVFAIL);
}

/* A prefetch refresh that fails leaves the fresh entry alone (it used to
 * be replaced by the SERVFAIL, so every client got SERVFAIL until it
 * expired). */
static void test_failed_prefetch_keeps_entry(void **state)
{
	(void)state;
	cp.pf = prefetch_new();
	assert_non_null(cp.pf);
	uint32_t now = bolt_now();
	/* Late in its TTL: a dataplane hint starts a refresh. */
	put("pf.example.test.", 100, now - 95, BOLT_CACHE_POSITIVE);
	struct waiter w;
	struct pkey key;
	client(&w, &key, "pf.example.test.", BOLT_TYPE_A, BOLT_CLASS_IN, true, false);
	serve_prefetch_hint(&cp, &key);
	assert_int_equal(cp.ctr.prefetches, 1);
	settle();
	assert_int_equal(cp.ctr.servfail, 1);
	assert_int_equal(cached_kind("pf.example.test.", BOLT_TYPE_A, NULL), BOLT_CACHE_POSITIVE);
	assert_int_equal(cp.ctr.kept_on_failure, 1);
	assert_int_equal(ngot, 0);
	/* Expired but within stale-max-age: kept too (serve-stale). */
	put("pf2.example.test.", 100, now - 200, BOLT_CACHE_NODATA);
	client(&w, &key, "pf2.example.test.", BOLT_TYPE_A, BOLT_CLASS_IN, true, false);
	serve_prefetch_hint(&cp, &key);
	settle();
	assert_int_equal(cached_kind("pf2.example.test.", BOLT_TYPE_A, NULL), BOLT_CACHE_NODATA);
}

/* The operator's local data goes first: handed over as cp->local (main.c),
 * never looked up in the control socket's module. Without it, local zones. */
static void test_local_zone_via_resolve(void **state)
{
	(void)state;
	struct waiter w;
	struct pkey key;
	client(&w, &key, "1.0.168.192.in-addr.arpa.", BOLT_TYPE_PTR, BOLT_CLASS_IN, true, true);
	serve_resolve(&cp, &key, &w);
	parse(0);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_NXDOMAIN);
	assert_int_equal(m.nscount, 1);
	assert_int_equal(rrs[0].type, BOLT_TYPE_SOA);
	assert_int_equal(cp.ctr.resolutions, 0);
	/* local-zones = none: resolved (offline: SERVFAIL). */
	cfg.local_zones = BOLT_LOCAL_ZONES_NONE;
	client(&w, &key, "2.0.168.192.in-addr.arpa.", BOLT_TYPE_PTR, BOLT_CLASS_IN, true, true);
	serve_resolve(&cp, &key, &w);
	settle();
	parse(1);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_SERVFAIL);
	assert_int_equal(cp.ctr.resolutions, 1);
	cfg.local_zones = BOLT_LOCAL_ZONES_DEFAULT;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_meta_types_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_norec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any, setup, teardown),
		cmocka_unit_test_setup_teardown(test_servfail_ede, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_on_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_prefetch_keeps_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_zone_via_resolve, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
