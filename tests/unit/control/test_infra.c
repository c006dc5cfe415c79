/*
 * Infrastructure cache: bound and LRU eviction, expiry, the typed helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "boltdns/errcode.h"
#include "iter/infra.h"

static void test_bound_lru(void **state)
{
	(void)state;
	struct infra *t = infra_new(8);
	assert_non_null(t);
	uint32_t v = 7;
	for (uint8_t i = 0; i < 8; i++)
		assert_int_equal(infra_put(t, INFRA_SRV, &i, 1, &v, sizeof(v), 1000), 0);
	assert_int_equal(infra_count(t), 8);
	/* Touch key 0 so key 1 is now the least recently used. */
	assert_non_null(infra_get(t, INFRA_SRV, (const uint8_t *)"\0", 1, 10, NULL));
	for (uint8_t i = 100; i < 104; i++)
		assert_int_equal(infra_put(t, INFRA_SRV, &i, 1, &v, sizeof(v), 1000), 0);
	assert_int_equal(infra_count(t), 8);
	assert_int_equal(infra_evictions(t), 4);
	uint8_t k0 = 0, k1 = 1, k5 = 5;
	assert_non_null(infra_get(t, INFRA_SRV, &k0, 1, 10, NULL));
	assert_null(infra_get(t, INFRA_SRV, &k1, 1, 10, NULL));
	assert_non_null(infra_get(t, INFRA_SRV, &k5, 1, 10, NULL));
	/* Many more inserts never grow it. */
	for (uint32_t i = 0; i < 10000; i++)
		infra_put(t, INFRA_ADDR, (const uint8_t *)&i, sizeof(i), &v, sizeof(v), 1000);
	assert_int_equal(infra_count(t), 8);
	infra_free(t);
}

static void test_expiry_and_kinds(void **state)
{
	(void)state;
	struct infra *t = infra_new(16);
	uint8_t k = 1;
	uint32_t v = 1, w = 2;
	infra_put(t, INFRA_NS, &k, 1, &v, sizeof(v), 100);
	infra_put(t, INFRA_ADDR, &k, 1, &w, sizeof(w), 100);
	size_t len;
	const uint32_t *got = infra_get(t, INFRA_NS, &k, 1, 99, &len);
	assert_non_null(got);
	assert_int_equal(len, sizeof(v));
	assert_int_equal(*got, 1);
	got = infra_get(t, INFRA_ADDR, &k, 1, 99, &len);
	assert_int_equal(*got, 2);
	/* Expired at 100: gone, and reclaimed. */
	assert_null(infra_get(t, INFRA_NS, &k, 1, 100, NULL));
	assert_int_equal(infra_count(t), 1);
	/* Replacing keeps one entry. */
	infra_put(t, INFRA_ADDR, &k, 1, &v, sizeof(v), 500);
	assert_int_equal(infra_count(t), 1);
	got = infra_get(t, INFRA_ADDR, &k, 1, 200, NULL);
	assert_int_equal(*got, 1);
	infra_del(t, INFRA_ADDR, &k, 1);
	assert_int_equal(infra_count(t), 0);
	infra_free(t);
}

static void test_typed(void **state)
{
	(void)state;
	struct infra *t = infra_new(64);
	uint8_t zone[BOLT_NAME_MAX], host[BOLT_NAME_MAX];
	bolt_name_from_text("example.test.", zone);
	bolt_name_from_text("ns1.example.test.", host);

	struct infra_nsset ns, out;
	memset(&ns, 0, sizeof(ns));
	ns.n = 2;
	ns.len[0] = (uint8_t)bolt_name_from_text("ns1.example.test.", ns.name[0]);
	ns.len[1] = (uint8_t)bolt_name_from_text("ns2.other.test.", ns.name[1]);
	assert_int_equal(infra_ns_put(t, zone, &ns, 1000, 60), 0);
	assert_int_equal(infra_ns_get(t, zone, 1059, &out), 0);
	assert_int_equal(out.n, 2);
	assert_memory_equal(out.name[1], ns.name[1], ns.len[1]);
	assert_int_equal(infra_ns_get(t, zone, 1060, &out), BOLT_ENOENT);

	struct infra_addr a[2], got[INFRA_ADDR_MAX];
	memset(a, 0, sizeof(a));
	a[0].family = AF_INET;
	a[0].port = 53;
	inet_pton(AF_INET, "198.18.1.1", a[0].addr);
	a[1] = a[0];
	a[1].addr[3] = 2;
	assert_int_equal(infra_addr_put(t, host, INFRA_SRC_GLUE, a, 2, 1000, 60), 0);
	assert_int_equal(infra_addr_get(t, host, INFRA_SRC_GLUE, 1000, got, INFRA_ADDR_MAX), 2);
	assert_memory_equal(&got[1], &a[1], sizeof(a[1]));
	/* A cached failure is 0 addresses, not "unknown". */
	assert_int_equal(infra_addr_put(t, zone, INFRA_SRC_A, a, 0, 1000, 30), 0);
	assert_int_equal(infra_addr_get(t, zone, INFRA_SRC_A, 1000, got, INFRA_ADDR_MAX), 0);

	/* RFC 2181 5.4.1: glue and the host's own answers are kept apart; a
	 * failed look-up does not hide the glue, glue does not overwrite an
	 * answer. */
	assert_int_equal(infra_addr_get(t, host, INFRA_SRC_A, 1000, got, INFRA_ADDR_MAX),
	                 BOLT_ENOENT);
	assert_int_equal(infra_addr_put(t, host, INFRA_SRC_A, a, 0, 1000, 30), 0);
	assert_int_equal(infra_addr_get(t, host, INFRA_SRC_GLUE, 1000, got, INFRA_ADDR_MAX), 2);
	assert_int_equal(infra_addr_put(t, host, INFRA_SRC_A, &a[1], 1, 1000, 300), 0);
	assert_int_equal(infra_addr_put(t, host, INFRA_SRC_GLUE, a, 1, 1000, 60), 0);
	assert_int_equal(infra_addr_get(t, host, INFRA_SRC_A, 1000, got, INFRA_ADDR_MAX), 1);
	assert_memory_equal(&got[0], &a[1], sizeof(a[1]));
	assert_int_equal(infra_addr_get(t, host, INFRA_SRC_AAAA, 1000, got, INFRA_ADDR_MAX),
	                 BOLT_ENOENT);

	/* RTT: initial, smoothed, backed off on timeout, capped. */
	struct infra_srv s;
	assert_false(infra_srv_get(t, &a[0], 1000, &s));
	assert_int_equal(s.srtt_ms, INFRA_SRTT_INITIAL);
	/* The first answer is the estimate, later ones are smoothed in. */
	infra_srv_rtt(t, &a[0], 1000, 10);
	assert_true(infra_srv_get(t, &a[0], 1000, &s));
	assert_int_equal(s.srtt_ms, 10);
	infra_srv_rtt(t, &a[0], 1000, 20);
	infra_srv_get(t, &a[0], 1000, &s);
	assert_int_equal(s.srtt_ms, (10 * 7 + 20 * 3) / 10);
	for (int i = 0; i < 40; i++)
		infra_srv_timeout(t, &a[0], 1000);
	infra_srv_get(t, &a[0], 1000, &s);
	assert_int_equal(s.srtt_ms, INFRA_SRTT_MAX);
	/* 40 in one second (queries in flight together): down, but counted
	 * once past the threshold, so the back-off is the shortest */
	assert_int_equal(s.timeouts, INFRA_DOWN_TIMEOUTS);
	assert_int_equal(s.last_timeout, 1000);
	infra_srv_timeout(t, &a[0], 1001);
	infra_srv_timeout(t, &a[0], 1001);
	infra_srv_get(t, &a[0], 1001, &s);
	assert_int_equal(s.timeouts, INFRA_DOWN_TIMEOUTS + 1);
	assert_int_equal(s.last_timeout, 1001);
	infra_srv_rtt(t, &a[0], 1000, 5);
	infra_srv_get(t, &a[0], 1000, &s);
	assert_int_equal(s.timeouts, 0);
	/* Back from a timeout streak: the estimate starts afresh. */
	assert_int_equal(s.srtt_ms, 5);
	assert_int_equal(s.no_edns_until, 0);
	infra_srv_no_edns(t, &a[0], 1000, 600);
	infra_srv_get(t, &a[0], 1000, &s);
	assert_int_equal(s.no_edns_until, 1600);
	infra_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound_lru),
		cmocka_unit_test(test_expiry_and_kinds),
		cmocka_unit_test(test_typed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
