/*
 * Zones whose servers are all down (control/iter/zonedown.c): a marked zone
 * fails questions at once, lets one probe through every probe_secs, is
 * published to the dataplane only under a flood (ZDOWN_PUBLISH_MIN a
 * second, once a second, never the root) and kept published while that
 * holds by the sample of the flood the dataplane hands on, is lifted by an
 * answer, and ends ZDOWN_TTL after the latest mark; other zones are never affected; the
 * marks live in the bounded infra cache.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "iter/infra.h"
#include "iter/zonedown.h"

static const uint8_t dead[] = "\4dead\7boltnet";
static const uint8_t bulk[] = "\4bulk\7boltnet";
static const uint8_t root[] = "";

static void test_mark_fail_probe_clear(void **state)
{
	(void)state;
	zdown_reset_counters();
	struct infra *t = infra_new(64);
	assert_non_null(t);
	assert_int_equal(zdown_check(t, dead, 1000, 2, NULL), ZDOWN_UP);
	assert_false(zdown_clear(t, dead, 1000));

	zdown_mark(t, dead, 1000, 2);
	assert_int_equal(zdown_marks(), 1);
	/* failed at once until the probe is due */
	for (int i = 0; i < 100; i++)
		assert_int_equal(zdown_check(t, dead, 1001, 2, NULL), ZDOWN_FAIL);
	assert_int_equal(zdown_refusals(), 100);
	/* another zone is not affected */
	assert_int_equal(zdown_check(t, bulk, 1001, 2, NULL), ZDOWN_UP);
	/* one probe, then failures again for probe_secs */
	assert_int_equal(zdown_check(t, dead, 1002, 2, NULL), ZDOWN_PROBE);
	assert_int_equal(zdown_check(t, dead, 1002, 2, NULL), ZDOWN_FAIL);
	assert_int_equal(zdown_check(t, dead, 1003, 2, NULL), ZDOWN_FAIL);
	/* the probe failed too: still down, the next probe after probe_secs */
	zdown_mark(t, dead, 1003, 2);
	assert_int_equal(zdown_marks(), 1);
	assert_int_equal(zdown_check(t, dead, 1004, 2, NULL), ZDOWN_FAIL);
	assert_int_equal(zdown_check(t, dead, 1005, 2, NULL), ZDOWN_PROBE);
	assert_int_equal(zdown_probes(), 2);
	/* the probe got an answer: up */
	assert_true(zdown_clear(t, dead, 1005));
	assert_int_equal(zdown_recoveries(), 1);
	assert_int_equal(zdown_check(t, dead, 1005, 2, NULL), ZDOWN_UP);
	assert_false(zdown_clear(t, dead, 1005));
	/* down again later: a new mark */
	zdown_mark(t, dead, 1100, 2);
	assert_int_equal(zdown_marks(), 2);
	assert_int_equal(zdown_check(t, dead, 1100, 2, NULL), ZDOWN_FAIL);
	infra_free(t);
}

/* A probe let through keeps its window: a question that fails meanwhile
 * (it had started before the mark) does not let a second one go. */
static void test_probe_window(void **state)
{
	(void)state;
	zdown_reset_counters();
	struct infra *t = infra_new(64);
	zdown_mark(t, dead, 1000, 1);
	assert_int_equal(zdown_check(t, dead, 1001, 5, NULL), ZDOWN_PROBE);
	zdown_mark(t, dead, 1001, 1);
	for (uint32_t now = 1001; now < 1006; now++)
		assert_int_equal(zdown_check(t, dead, now, 5, NULL), ZDOWN_FAIL);
	assert_int_equal(zdown_check(t, dead, 1006, 5, NULL), ZDOWN_PROBE);
	/* probe_secs 0 counts as 1 */
	zdown_mark(t, bulk, 2000, 0);
	assert_int_equal(zdown_check(t, bulk, 2000, 0, NULL), ZDOWN_FAIL);
	assert_int_equal(zdown_check(t, bulk, 2001, 0, NULL), ZDOWN_PROBE);
	infra_free(t);
}

static unsigned published(struct infra *t, const uint8_t *zone, uint32_t now, unsigned n)
{
	unsigned p = 0;
	for (unsigned i = 0; i < n; i++) {
		bool pub = true;
		assert_int_equal(zdown_check(t, zone, now, 100, &pub), ZDOWN_FAIL);
		p += pub;
	}
	return p;
}

static void test_publish(void **state)
{
	(void)state;
	zdown_reset_counters();
	struct infra *t = infra_new(64);
	zdown_mark(t, dead, 1000, 100);
	/* a client's retries: never published */
	assert_int_equal(published(t, dead, 1000, ZDOWN_PUBLISH_MIN - 1), 0);
	assert_int_equal(published(t, dead, 1001, ZDOWN_PUBLISH_MIN - 1), 0);
	/* a flood: once in the second it reaches the count */
	assert_int_equal(published(t, dead, 1002, ZDOWN_PUBLISH_MIN - 1), 0);
	assert_int_equal(published(t, dead, 1002, 1), 1);
	assert_int_equal(published(t, dead, 1002, 1000), 0);
	assert_int_equal(published(t, dead, 1003, 1000), 1);
	/* published, the dataplane hands on one question in a hundred: the
	 * first failure of each second keeps the zone published ... */
	assert_int_equal(published(t, dead, 1004, 1), 1);
	assert_int_equal(published(t, dead, 1004, 1), 0);
	assert_int_equal(published(t, dead, 1005, 1), 1);
	/* ... as long as the publish holds (ZDOWN_PUBLISH_SECS); after a gap
	 * it takes a flood again */
	assert_int_equal(published(t, dead, 1005 + ZDOWN_PUBLISH_SECS, ZDOWN_PUBLISH_MIN - 1), 0);
	assert_int_equal(published(t, dead, 1005 + ZDOWN_PUBLISH_SECS, 1), 1);
	/* the root: never (the control plane's answer keeps its reason) */
	zdown_mark(t, root, 1000, 100);
	assert_int_equal(published(t, root, 1001, 1000), 0);
	infra_free(t);
}

/* A mark nobody refreshes ends ZDOWN_TTL after it; the marks are infra
 * entries, bounded and evicted like the others. */
static void test_expiry_and_bound(void **state)
{
	(void)state;
	zdown_reset_counters();
	struct infra *t = infra_new(4);
	zdown_mark(t, dead, 1000, 2);
	assert_int_equal(zdown_check(t, dead, 1000 + ZDOWN_TTL - 1, 2, NULL), ZDOWN_PROBE);
	zdown_mark(t, dead, 1000 + ZDOWN_TTL - 1, 2);
	/* refreshed by the mark: still down a TTL after the first one */
	assert_int_equal(zdown_check(t, dead, 1000 + ZDOWN_TTL, 2, NULL), ZDOWN_FAIL);
	assert_int_equal(zdown_check(t, dead, 1000 + 3 * ZDOWN_TTL, 2, NULL), ZDOWN_UP);
	/* many zones down: the table holds 4 entries, the oldest go */
	uint8_t z[32];
	for (unsigned i = 0; i < 10; i++) {
		memcpy(z, "\2zX\7boltnet", 12);
		z[2] = (uint8_t)('a' + i);
		zdown_mark(t, z, 5000, 2);
	}
	assert_true(infra_count(t) <= 4);
	assert_int_equal(zdown_check(t, z, 5000, 2, NULL), ZDOWN_FAIL);
	z[2] = 'a';
	assert_int_equal(zdown_check(t, z, 5000, 2, NULL), ZDOWN_UP);
	infra_free(t);
}

/* Names that are not wire names are never marked, checked or cleared. */
static void test_bad_names(void **state)
{
	(void)state;
	zdown_reset_counters();
	struct infra *t = infra_new(8);
	uint8_t bad[300];
	memset(bad, 63, sizeof(bad));
	zdown_mark(t, bad, 1000, 2);
	assert_int_equal(zdown_marks(), 0);
	zdown_mark(t, dead, 1000, 2);
	assert_int_equal(zdown_check(t, bad, 1000, 2, NULL), ZDOWN_UP);
	assert_false(zdown_clear(t, bad, 1000));
	infra_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mark_fail_probe_clear),
		cmocka_unit_test(test_probe_window),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_expiry_and_bound),
		cmocka_unit_test(test_bad_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
