/*
 * The packet cache's table (dataplane/pktcache.c) on its own: random
 * responses stored and served to queries with the same bytes after the ID
 * and another ID, the response's bytes and its one's complement sum (the
 * stored sum without the ID, the new ID added: RFC 1071 / 1624) against a
 * full sum of the bytes served; no entry for other bytes, another second,
 * after a clear, or for what does not fit a slot; eight queries of one set
 * kept side by side, a full set giving up an entry of an earlier second
 * first, a dropped entry gone; the bypass of a table whose probes mostly
 * miss.
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "boltdns/csum.h"
#include "boltdns/wire.h"
#include "pktcache.h"

#include "test_rng.h"

/* A query at q: random ID and flags, QD 1, AR edns, a question of qn random
 * bytes, the OPT (no options) with random tail; returns its length. */
static size_t mk_query(uint8_t *q, size_t qn, bool edns, uint16_t *flags, uint64_t *opt_tail)
{
	for (size_t i = 0; i < 12 + qn + 11; i++)
		q[i] = (uint8_t)rnd(256);
	*flags = (uint16_t)(q[2] << 8 | q[3]);
	memset(q + 4, 0, 8);
	q[5] = 1;
	q[11] = edns ? 1 : 0;
	size_t len = 12 + qn;
	if (edns) {
		q[len] = 0;
		q[len + 1] = 0;
		q[len + 2] = 41;
		memcpy(opt_tail, q + len + 3, 8);
		len += 11;
	}
	return len;
}

static void test_store_answer(void **state)
{
	(void)state;
	struct dp_pkc c = { 0 };
	assert_int_equal(dp_pkc_init(&c, 64), 0);
	uint8_t q[256], r[512], q2[256];
	unsigned served = 0, skipped = 0;
	for (unsigned it = 0; it < 20000; it++) {
		bool edns = rnd(4) != 0;
		size_t qn = 5 + rnd(60);
		uint16_t qflags;
		uint64_t opt_tail = 0;
		size_t ql = mk_query(q, qn, edns, &qflags, &opt_tail);
		/* the response: the query's ID and question, random header
		 * words and tail (odd and even lengths) */
		size_t qend = 12 + qn, tl = rnd(90);
		memcpy(r, q, qend);
		for (size_t i = 2; i < 12; i++)
			r[i] = (uint8_t)rnd(256);
		r[4] = 0;
		r[5] = 1;
		for (size_t i = 0; i < tl; i++)
			r[qend + i] = (uint8_t)rnd(256);
		size_t rl = qend + tl;
		uint32_t now = 1000 + it;      /* (a set full of this second's takes no more) */
		struct dp_pkc_build b = {
			.dns = r, .qend = qend, .len = rl, .csum = bolt_csum_add(0, r, rl),
			.opt_tail = opt_tail, .qflags = qflags, .edns = edns, .qslot = 1,
			.bref = 1 + rnd(100), .bver = rnd(1000) * 2,
		};
		uint64_t h = dp_pkc_hash(&c, q + 2, ql - 2);
		uint64_t st0 = c.stores;
		dp_pkc_store(&c, h, now, &b);
		bool fits = (ql - 2) + tl <= DP_PKC_DATA;
		assert_int_equal(c.stores - st0, fits ? 1 : 0);
		if (!fits) {
			assert_null(dp_pkc_find(&c, h, q + 2, ql - 2, now));
			skipped++;
			continue;
		}
		/* the same query with another ID */
		memcpy(q2, q, ql);
		q2[0] = (uint8_t)rnd(256);
		q2[1] = (uint8_t)rnd(256);
		assert_null(dp_pkc_find(&c, h, q2 + 2, ql - 2, now + 1));
		struct dp_pkc_slot *e = dp_pkc_find(&c, h, q2 + 2, ql - 2, now);
		assert_non_null(e);
		assert_int_equal(e->bref, b.bref);
		assert_int_equal(e->bver, b.bver);
		uint64_t sum = 0;
		size_t al = dp_pkc_answer(e, q2, &sum);
		assert_int_equal(al, rl);
		assert_memory_equal(q2 + 2, r + 2, rl - 2);
		assert_true(sum != 0);
		assert_int_equal(bolt_csum_fold(sum), bolt_csum_fold(bolt_csum_add(0, q2, rl)));
		served++;
		/* one byte of the query other: not the entry */
		memcpy(q2, q, ql);
		q2[2 + rnd((uint32_t)ql - 2)] ^= (uint8_t)(1 + rnd(255));
		assert_null(dp_pkc_find(&c, h, q2 + 2, ql - 2, now));
	}
	assert_true(served > 5000);
	assert_true(skipped > 1000);
	dp_pkc_clear(&c);
	/* nothing left after a clear */
	uint16_t qflags;
	uint64_t opt_tail = 0;
	size_t ql = mk_query(q, 10, true, &qflags, &opt_tail);
	assert_null(dp_pkc_find(&c, dp_pkc_hash(&c, q + 2, ql - 2), q + 2, ql - 2, 1000));
	dp_pkc_fini(&c);
}

/* Whether the page at p is in memory (mincore). */
static int resident(const void *p)
{
	unsigned char v = 0;
	assert_int_equal(mincore((void *)p, 4096, &v), 0);
	return v & 1;
}

static void test_sizes(void **state)
{
	(void)state;
	struct dp_pkc c = { 0 };
	assert_int_equal(dp_pkc_init(&c, 0), 0);
	assert_null(c.slot);
	assert_int_equal(dp_pkc_init(&c, 100), -EINVAL);
	assert_int_equal(dp_pkc_init(&c, 8), -EINVAL);
	assert_int_equal(dp_pkc_init(&c, DP_PKC_MAX * 2), -EINVAL);
	assert_int_equal(dp_pkc_init(&c, 16), 0);
	assert_int_equal(dp_pkc_size(&c), 16);
	assert_int_equal(c.mask, 16 / DP_PKC_WAYS - 1);
	/* a re-size frees the old table (LeakSanitizer) */
	assert_int_equal(dp_pkc_init(&c, DP_PKC_DEFAULT), 0);
	/* not touched by the thread that sizes it: the first bind (the
	 * worker's first burst, on its lcore) touches it */
	assert_int_equal(resident(c.set), 0);
	int pol;
	dp_pkc_bind(&c, 1232, &pol);
	assert_int_equal(resident(c.set), 1);
	dp_pkc_fini(&c);
	assert_null(c.slot);
}

/* Store the response "query bytes + 4 bytes" for query q (ql bytes, hash
 * h) in the second now. */
static void store_q(struct dp_pkc *c, const uint8_t *q, size_t ql, uint64_t h, uint32_t now)
{
	uint8_t r[256];
	size_t qend = ql - 11;  /* mk_query with edns */
	memcpy(r, q, qend);
	memset(r + qend, 0xab, 4);
	uint64_t opt_tail;
	memcpy(&opt_tail, q + qend + 3, 8);
	struct dp_pkc_build b = {
		.dns = r, .qend = qend, .len = qend + 4, .csum = bolt_csum_add(0, r, qend + 4),
		.opt_tail = opt_tail, .qflags = (uint16_t)(q[2] << 8 | q[3]), .edns = true,
		.qslot = 1, .bref = 1, .bver = 2,
	};
	dp_pkc_store(c, h, now, &b);
}

/* The ways of a set: DP_PKC_WAYS queries whose hashes pick the same set
 * are all kept; one more in the same second is not stored (the set's
 * entries stay for the second); in a later second, a new one takes an
 * entry of the earlier second, never one of this second; a dropped entry
 * is not found again, and a query stored again takes its own way, not the
 * one the drop freed. In set 0 and in set 1. */
static void ways_of_set(uint32_t target)
{
	struct dp_pkc c = { 0 };
	assert_int_equal(dp_pkc_init(&c, 16), 0);       /* 2 sets */
	enum { N = DP_PKC_WAYS + 2 };
	uint8_t q[N][256];
	size_t ql[N];
	uint64_t h[N];
	unsigned n = 0;
	while (n < N) {
		uint16_t fl;
		uint64_t ot;
		ql[n] = mk_query(q[n], 12, true, &fl, &ot);
		h[n] = dp_pkc_hash(&c, q[n] + 2, ql[n] - 2);
		if ((h[n] & c.mask) == target)
			n++;
	}
	for (unsigned i = 0; i < DP_PKC_WAYS; i++)
		store_q(&c, q[i], ql[i], h[i], 500);
	for (unsigned i = 0; i < DP_PKC_WAYS; i++)
		assert_non_null(dp_pkc_find(&c, h[i], q[i] + 2, ql[i] - 2, 500));
	/* a ninth in the same second: not stored, the eight stay */
	uint64_t st = c.stores;
	store_q(&c, q[DP_PKC_WAYS], ql[DP_PKC_WAYS], h[DP_PKC_WAYS], 500);
	assert_int_equal(c.stores, st);
	assert_int_equal(c.full, 1);
	assert_null(dp_pkc_find(&c, h[DP_PKC_WAYS], q[DP_PKC_WAYS] + 2, ql[DP_PKC_WAYS] - 2, 500));
	for (unsigned i = 0; i < DP_PKC_WAYS; i++)
		assert_non_null(dp_pkc_find(&c, h[i], q[i] + 2, ql[i] - 2, 500));
	/* the next second: seven stored again, then the tenth takes the way
	 * of the eighth entry of the earlier second, not one of the seven */
	for (unsigned i = 0; i < DP_PKC_WAYS - 1; i++)
		store_q(&c, q[i], ql[i], h[i], 501);
	store_q(&c, q[N - 1], ql[N - 1], h[N - 1], 501);
	for (unsigned i = 0; i < DP_PKC_WAYS - 1; i++)
		assert_non_null(dp_pkc_find(&c, h[i], q[i] + 2, ql[i] - 2, 501));
	struct dp_pkc_slot *e = dp_pkc_find(&c, h[N - 1], q[N - 1] + 2, ql[N - 1] - 2, 501);
	assert_non_null(e);
	/* dropped (its bucket changed): gone, the others stay */
	uint64_t sl = c.stale;
	dp_pkc_drop(&c, e);
	assert_int_equal(c.stale, sl + 1);
	assert_null(dp_pkc_find(&c, h[N - 1], q[N - 1] + 2, ql[N - 1] - 2, 501));
	for (unsigned i = 0; i < DP_PKC_WAYS - 1; i++)
		assert_non_null(dp_pkc_find(&c, h[i], q[i] + 2, ql[i] - 2, 501));
	/* a query stored again takes its own way, not the one just freed */
	struct dp_pkc_slot *own = dp_pkc_find(&c, h[DP_PKC_WAYS - 2], q[DP_PKC_WAYS - 2] + 2,
	                                      ql[DP_PKC_WAYS - 2] - 2, 501);
	store_q(&c, q[DP_PKC_WAYS - 2], ql[DP_PKC_WAYS - 2], h[DP_PKC_WAYS - 2], 501);
	assert_ptr_equal(dp_pkc_find(&c, h[DP_PKC_WAYS - 2], q[DP_PKC_WAYS - 2] + 2,
	                             ql[DP_PKC_WAYS - 2] - 2, 501), own);
	assert_int_equal(c.set[target].tag[e - &c.slot[target * DP_PKC_WAYS]], 0);
	dp_pkc_fini(&c);
}

static void test_ways(void **state)
{
	(void)state;
	ways_of_set(0);
	ways_of_set(1);
}

/* A second in which most probes missed: the next uses the table in one
 * burst of DP_PKC_SAMPLE; one in which they hit again: every burst. */
static void test_bypass(void **state)
{
	(void)state;
	struct dp_pkc c = { 0 };
	assert_int_equal(dp_pkc_init(&c, 16), 0);
	assert_true(dp_pkc_burst(&c, 100));
	/* few probes: no decision */
	c.probes += DP_PKC_MIN_PROBES - 1;
	assert_true(dp_pkc_burst(&c, 101));
	assert_false(c.bypass);
	/* enough, a third hit */
	c.probes += 3000;
	c.hits += 1000;
	unsigned used = 0;
	for (unsigned i = 0; i < 4 * DP_PKC_SAMPLE; i++)
		used += dp_pkc_burst(&c, 102);
	assert_true(c.bypass);
	assert_int_equal(used, 4);
	/* the sampled bursts hit: every burst again */
	c.probes += 2000;
	c.hits += 1500;
	assert_true(dp_pkc_burst(&c, 103));
	assert_true(dp_pkc_burst(&c, 103));
	assert_false(c.bypass);
	/* half of them hit: kept */
	c.probes += 2000;
	c.hits += 1000;
	assert_true(dp_pkc_burst(&c, 104));
	assert_false(c.bypass);
	/* a window of DP_PKC_WINDOW probes within the second, none hit */
	c.probes += DP_PKC_WINDOW;
	(void)dp_pkc_burst(&c, 104);
	assert_true(c.bypass);
	dp_pkc_fini(&c);
}

/* dp_pkc_equal compares every byte of every length a slot can hold: one
 * byte changed anywhere is told apart, bytes past n are not looked at. */
static void test_equal(void **state)
{
	(void)state;
	uint8_t a[DP_PKC_DATA + 16], b[DP_PKC_DATA + 16];
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)rnd(256);
	for (size_t n = 8; n <= DP_PKC_DATA; n++) {
		memcpy(b, a, sizeof(b));
		b[n] ^= 0x5a;   /* past the end: ignored */
		assert_true(dp_pkc_equal(a, b, n));
		for (size_t k = 0; k < n; k++) {
			memcpy(b, a, sizeof(b));
			b[k] ^= (uint8_t)(1u << (k & 7));
			assert_false(dp_pkc_equal(a, b, n));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_answer),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_ways),
		cmocka_unit_test(test_bypass),
		cmocka_unit_test(test_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
