/*
 * Prefetch table: a question becomes popular when asked again after its
 * answer expired; refreshes come at 90% of the TTL for a bounded series.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "boltdns/cache.h"
#include "prefetch.h"

static void key(struct pkey *k, const char *name)
{
	uint8_t wire[BOLT_NAME_MAX];
	assert_true(bolt_name_from_text(name, wire) > 0);
	assert_int_equal(pkey_make(k, wire, BOLT_TYPE_A, BOLT_CLASS_IN, false), 0);
}

static void test_series(void **state)
{
	(void)state;
	struct prefetch *pf = prefetch_new();
	assert_non_null(pf);
	struct pkey k, got;
	key(&k, "www.example.test.");

	/* Seen once: nothing scheduled. */
	assert_false(prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 100, false, 1000));
	assert_false(prefetch_due(pf, 5000, &got));
	/* Asked again (after expiry): refresh at 90% of the TTL. */
	assert_true(prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 100, false, 1101));
	assert_int_equal(prefetch_scheduled(pf), 1);
	assert_false(prefetch_due(pf, 1190, &got));
	assert_true(prefetch_due(pf, 1191, &got));
	assert_memory_equal(got.name, k.name, k.name_len);
	/* Running: not handed out twice. */
	assert_false(prefetch_due(pf, 1191, &got));
	/* PREFETCH_ROUNDS refreshes in all, then the series stops. */
	uint32_t now = 1191;
	unsigned refreshes = 1;
	while (prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 100, true, now)) {
		now += 90;
		assert_true(prefetch_due(pf, now, &got));
		refreshes++;
		assert_true(refreshes <= PREFETCH_ROUNDS);
	}
	assert_int_equal(refreshes, PREFETCH_ROUNDS);
	assert_int_equal(prefetch_scheduled(pf), 0);
	/* The next client miss starts a new series. */
	assert_true(prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 100, false, now + 200));
	prefetch_free(pf);
}

static void test_not_worth_it(void **state)
{
	(void)state;
	struct prefetch *pf = prefetch_new();
	struct pkey k, got;
	key(&k, "short.example.test.");
	/* Short TTLs and failures are never refreshed. */
	prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 2, false, 1000);
	assert_false(prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 2, false, 1003));
	prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 100, false, 1000);
	assert_true(prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 100, false, 1101));
	/* A failed refresh ends the series. */
	assert_true(prefetch_due(pf, 1200, &got));
	assert_false(prefetch_note(pf, &k, BOLT_CACHE_SERVFAIL, 5, true, 1200));
	assert_int_equal(prefetch_scheduled(pf), 0);
	/* A refresh report for a question the table does not hold is ignored. */
	struct pkey other;
	key(&other, "other.example.test.");
	assert_false(prefetch_note(pf, &other, BOLT_CACHE_POSITIVE, 100, true, 1200));
	prefetch_free(pf);
}

static void test_bounded(void **state)
{
	(void)state;
	struct prefetch *pf = prefetch_new();
	char name[64];
	struct pkey k;
	/* Far more questions than slots: the table never grows, nothing breaks. */
	for (int i = 0; i < 3 * PREFETCH_SLOTS; i++) {
		snprintf(name, sizeof(name), "n%d.example.test.", i);
		key(&k, name);
		prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 100, false, 1000);
		prefetch_note(pf, &k, BOLT_CACHE_POSITIVE, 100, false, 1101);
	}
	assert_true(prefetch_scheduled(pf) <= PREFETCH_SLOTS);
	assert_true(prefetch_scheduled(pf) > 0);
	prefetch_free(pf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_not_worth_it),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
