/*
 * NXDOMAIN answers per second per zone (control/iter/zonerate.c): questions
 * are refused only once a zone's NXDOMAIN answers empty its bucket (rate per
 * second, ten seconds' burst), then one in ZRATE_LET_THROUGH still goes; the
 * bucket refills at the rate; answers that exist never count; other zones
 * are not affected; the root and TLDs get ten times the rate; 0 means no
 * limit; publishing to the dataplane is due once a second.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "iter/zonerate.h"

static const uint8_t bulk[] = "\4bulk\7boltnet";
static const uint8_t dom1[] = "\4dom1\7boltnet";
static const uint8_t tld[] = "\7boltnet";
static const uint8_t root[] = "";

static unsigned allowed(const uint8_t *zone, unsigned rate, unsigned tries, uint64_t now_ms)
{
	unsigned n = 0;
	for (unsigned i = 0; i < tries; i++)
		n += zrate_allow(zone, rate, now_ms);
	return n;
}

static void nx(const uint8_t *zone, unsigned rate, unsigned n, uint64_t now_ms)
{
	for (unsigned i = 0; i < n; i++)
		zrate_note_nxdomain(zone, rate, now_ms);
}

static void test_bucket_and_let_through(void **state)
{
	(void)state;
	zrate_reset();
	/* questions alone (names that exist) are never limited */
	assert_int_equal(allowed(bulk, 100, 100000, 5000), 100000);
	/* a burst of ten seconds' worth of NXDOMAIN is fine */
	nx(bulk, 100, 999, 5000);
	assert_true(zrate_allow(bulk, 100, 5000));
	/* the bucket empties: one in ten of the next 1000 questions */
	nx(bulk, 100, 1, 5000);
	assert_int_equal(allowed(bulk, 100, 1000, 5000), 100);
	assert_int_equal(zrate_refusals(), 900);
	/* another zone is not affected */
	assert_int_equal(allowed(dom1, 100, 100, 5000), 100);
	/* 10 ms later: one token back (100 a second) */
	assert_true(zrate_allow(bulk, 100, 5010));
	nx(bulk, 100, 1, 5010);
	assert_int_equal(allowed(bulk, 100, 10, 5010), 1);
	/* a sustained flood at ten times the rate stays refused */
	for (uint64_t t = 5020; t < 8000; t += 10) {
		nx(bulk, 100, 10, t);
		assert_int_equal(allowed(bulk, 100, 10, t), 1);
	}
	/* ten quiet seconds: full again */
	nx(bulk, 100, 999, 18000);
	assert_true(zrate_allow(bulk, 100, 18000));
}

static void test_publish_due(void **state)
{
	(void)state;
	zrate_reset();
	assert_true(zrate_publish_due(bulk, 1000));
	assert_false(zrate_publish_due(bulk, 1500));
	assert_true(zrate_publish_due(dom1, 1500));
	assert_true(zrate_publish_due(bulk, 2000));
	assert_false(zrate_publish_due(bulk, 2999));
	/* the bucket's use does not reset it, nor does tracking it start one */
	nx(bulk, 5, 3, 2999);
	assert_true(zrate_allow(bulk, 5, 2999));
	assert_false(zrate_publish_due(bulk, 2999));
}

static void test_top_zones(void **state)
{
	(void)state;
	zrate_reset();
	nx(tld, 10, 999, 1000);
	assert_true(zrate_allow(tld, 10, 1000));
	nx(tld, 10, 1, 1000);
	assert_false(zrate_allow(tld, 10, 1000));
	nx(root, 10, 999, 1000);
	assert_true(zrate_allow(root, 10, 1000));
	nx(root, 10, 1, 1000);
	assert_false(zrate_allow(root, 10, 1000));
}

static void test_no_limit(void **state)
{
	(void)state;
	zrate_reset();
	nx(bulk, 0, 100000, 1000);
	assert_int_equal(allowed(bulk, 0, 100000, 1000), 100000);
	assert_int_equal(zrate_refusals(), 0);
}

/* Many zones at once: a slot shared by two zones never refuses the second
 * for the first's answers (it may only under-count). */
static void test_many_zones(void **state)
{
	(void)state;
	zrate_reset();
	uint8_t z[32];
	for (unsigned i = 0; i < 3 * ZRATE_SLOTS; i++) {
		int n = snprintf((char *)z + 1, sizeof(z) - 1, "z%u", i);
		z[0] = (uint8_t)n;
		memcpy(z + 1 + n, "\7boltnet", 9);
		nx(z, 1, 9, 1000);
		assert_true(zrate_allow(z, 1, 1000));
	}
	assert_int_equal(zrate_refusals(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_and_let_through),
		cmocka_unit_test(test_publish_due),
		cmocka_unit_test(test_top_zones),
		cmocka_unit_test(test_no_limit),
		cmocka_unit_test(test_many_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
