/*
 * Upstream queries per second per zone (control/iter/zonerate.c): a zone
 * past its rate is refused except one in ZRATE_LET_THROUGH, a new second
 * starts afresh, other zones are not affected, the root and TLDs get ten
 * times the rate, and 0 means no limit.
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

static void test_rate_and_let_through(void **state)
{
	(void)state;
	zrate_reset();
	/* 100 within the rate, then one in ten of the next 1000 */
	assert_int_equal(allowed(bulk, 100, 100, 5000), 100);
	assert_int_equal(allowed(bulk, 100, 1000, 5100), 100);
	assert_int_equal(zrate_refusals(), 900);
	/* another zone in the same second is not affected */
	assert_int_equal(allowed(dom1, 100, 100, 5200), 100);
	/* the next second starts afresh */
	assert_int_equal(allowed(bulk, 100, 100, 6000), 100);
	assert_false(zrate_allow(bulk, 100, 6999));
}

/* Publishing is due once per window and zone. */
static void test_publish_due(void **state)
{
	(void)state;
	zrate_reset();
	assert_true(zrate_publish_due(bulk, 1000));
	assert_false(zrate_publish_due(bulk, 1500));
	assert_true(zrate_publish_due(dom1, 1500));
	assert_true(zrate_publish_due(bulk, 2000));
	assert_false(zrate_publish_due(bulk, 2999));
	/* counting in the window does not reset it */
	assert_true(zrate_allow(bulk, 5, 2999));
	assert_false(zrate_publish_due(bulk, 2999));
}

static void test_top_zones(void **state)
{
	(void)state;
	zrate_reset();
	assert_int_equal(allowed(tld, 10, 100, 1000), 100);
	assert_false(zrate_allow(tld, 10, 1000));
	assert_int_equal(allowed(root, 10, 100, 1000), 100);
	assert_false(zrate_allow(root, 10, 1000));
}

static void test_no_limit(void **state)
{
	(void)state;
	zrate_reset();
	assert_int_equal(allowed(bulk, 0, 100000, 1000), 100000);
	assert_int_equal(zrate_refusals(), 0);
}

/* Many zones at once: a slot shared by two zones never refuses the second
 * for the first's traffic (it may only under-count). */
static void test_many_zones(void **state)
{
	(void)state;
	zrate_reset();
	uint8_t z[32];
	for (unsigned i = 0; i < 3 * ZRATE_SLOTS; i++) {
		int n = snprintf((char *)z + 1, sizeof(z) - 1, "z%u", i);
		z[0] = (uint8_t)n;
		memcpy(z + 1 + n, "\7boltnet", 9);
		assert_true(zrate_allow(z, 1, 1000));
	}
	assert_int_equal(zrate_refusals(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_let_through),
		cmocka_unit_test(test_publish_due),
		cmocka_unit_test(test_top_zones),
		cmocka_unit_test(test_no_limit),
		cmocka_unit_test(test_many_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
