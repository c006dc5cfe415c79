/*
 * Throttled zones in the region (lib/cache/throttle.c): a name at or below
 * a throttled zone matches until the zone's time is up, nothing else does
 * (a label boundary, not a string suffix), a slot is refreshed in place,
 * the table recycles the slot that expires first when full, malformed
 * input is refused, and several writers (resolver workers) at once never
 * leave a torn slot nor a zone in two slots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/throttle.h"

static struct bolt_throttle_table *table(void)
{
	struct bolt_throttle_table *t = aligned_alloc(BOLT_CACHE_LINE, sizeof(*t));
	assert_non_null(t);
	memset(t, 0, sizeof(*t));
	return t;
}

static bool match(const struct bolt_throttle_table *t, const char *wire, uint32_t now)
{
	return bolt_throttle_match(t, (const uint8_t *)wire, (unsigned)strlen(wire) + 1, now);
}

static void test_match(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	assert_false(match(t, "\1a\4bulk\7boltnet", 100));
	assert_int_equal(bolt_throttle_set(t, (const uint8_t *)"\4bulk\7boltnet", 102), 0);
	assert_true(match(t, "\4bulk\7boltnet", 100));
	assert_true(match(t, "\1a\4bulk\7boltnet", 100));
	assert_true(match(t, "\1x\1a\4bulk\7boltnet", 101));
	/* a string suffix that is not a label boundary, another zone, the parent */
	assert_false(match(t, "\5xbulk\7boltnet", 100));
	assert_false(match(t, "\1a\4dom1\7boltnet", 100));
	assert_false(match(t, "\7boltnet", 100));
	assert_false(match(t, "", 100));
	/* time is up */
	assert_false(match(t, "\1a\4bulk\7boltnet", 102));
	free(t);
}

static void test_refresh_and_list(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	const uint8_t *z = (const uint8_t *)"\4bulk\7boltnet";
	assert_int_equal(bolt_throttle_set(t, z, 110), 0);
	assert_int_equal(bolt_throttle_set(t, z, 105), 0); /* never shortened */
	assert_int_equal(bolt_throttle_set(t, z, 120), 0);
	uint8_t out[4][BOLT_NAME_MAX];
	uint32_t until[4];
	assert_int_equal(bolt_throttle_list(t, 100, out, until, 4), 1);
	assert_int_equal(until[0], 120);
	assert_memory_equal(out[0], z, 14);
	assert_true(match(t, "\1a\4bulk\7boltnet", 119));
	free(t);
}

/* A zone whose reason is gone (a down zone answered again) is cleared at
 * once; the others stay; setting it again later works. */
static void test_clear(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	const uint8_t *z = (const uint8_t *)"\4dead\7boltnet";
	assert_int_equal(bolt_throttle_set(t, z, 110), 0);
	assert_int_equal(bolt_throttle_set(t, (const uint8_t *)"\4bulk\7boltnet", 110), 0);
	assert_true(match(t, "\1a\4dead\7boltnet", 100));
	bolt_throttle_clear(t, z);
	assert_false(match(t, "\1a\4dead\7boltnet", 100));
	assert_true(match(t, "\1a\4bulk\7boltnet", 100));
	uint8_t out[4][BOLT_NAME_MAX];
	assert_int_equal(bolt_throttle_list(t, 100, out, NULL, 4), 1);
	/* a zone never set, a bad name: nothing happens */
	bolt_throttle_clear(t, (const uint8_t *)"\4none\7boltnet");
	uint8_t bad[300];
	memset(bad, 63, sizeof(bad));
	bolt_throttle_clear(t, bad);
	assert_true(match(t, "\1a\4bulk\7boltnet", 100));
	/* set again: throttled again */
	assert_int_equal(bolt_throttle_set(t, z, 120), 0);
	assert_true(match(t, "\1a\4dead\7boltnet", 115));
	free(t);
}

static void test_full_table(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	uint8_t z[32];
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++) {
		int n = snprintf((char *)z + 1, sizeof(z) - 1, "z%u", i);
		z[0] = (uint8_t)n;
		memcpy(z + 1 + n, "\7boltnet", 9);
		assert_int_equal(bolt_throttle_set(t, z, 200 + i), 0);
	}
	/* one more: takes the slot of z0, which expires first */
	assert_int_equal(bolt_throttle_set(t, (const uint8_t *)"\4bulk\7boltnet", 300), 0);
	assert_true(match(t, "\1a\4bulk\7boltnet", 100));
	assert_false(match(t, "\1a\2z0\7boltnet", 100));
	assert_true(match(t, "\1a\2z1\7boltnet", 100));
	uint8_t out[BOLT_THROTTLE_SLOTS][BOLT_NAME_MAX];
	assert_int_equal(bolt_throttle_list(t, 100, out, NULL, BOLT_THROTTLE_SLOTS),
	                 BOLT_THROTTLE_SLOTS);
	free(t);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	uint8_t bad[300];
	memset(bad, 63, sizeof(bad)); /* no end within 255 bytes */
	assert_true(bolt_throttle_set(t, bad, 200) < 0);
	assert_int_equal(bolt_throttle_set(t, (const uint8_t *)"\4bulk\7boltnet", 200), 0);
	/* a malformed name to match (a label running past its length) */
	const uint8_t odd[] = { 9, 'a', 4, 'b', 'u', 'l', 'k', 0 };
	assert_false(bolt_throttle_match(t, odd, sizeof(odd), 100));
	free(t);
}

struct writer {
	struct bolt_throttle_table *t;
	const char *zone;
};

static void *write_loop(void *arg)
{
	struct writer *w = arg;
	for (uint32_t i = 0; i < 200000; i++)
		bolt_throttle_set(w->t, (const uint8_t *)w->zone, 1000 + (i & 7));
	return NULL;
}

/* Four writers, two of them on the same zone, against a reader: each zone
 * is found, the shared zone sits in one slot, no slot holds a torn name. */
static void test_writers(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	struct writer w[4] = {
		{ t, "\5flood\3net" }, { t, "\5flood\3net" }, { t, "\3abc\3org" }, { t, "\1x\2io" },
	};
	pthread_t th[4];
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, write_loop, &w[i]), 0);
	unsigned seen = 0;
	for (unsigned n = 0; n < 200000; n++)
		seen += match(t, "\3www\5flood\3net", 999);
	for (unsigned i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	(void)seen;
	assert_true(match(t, "\3www\5flood\3net", 999));
	assert_true(match(t, "\3abc\3org", 999));
	assert_true(match(t, "\1a\1x\2io", 999));
	unsigned copies = 0;
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++) {
		assert_int_equal(atomic_load(&t->slot[i].seq) & 1, 0);
		if (t->slot[i].len == 11 && memcmp(t->slot[i].name, "\5flood\3net", 11) == 0)
			copies++;
		else if (t->slot[i].len != 0)
			assert_true((t->slot[i].len == 9 && memcmp(t->slot[i].name, "\3abc\3org", 9) == 0) ||
			            (t->slot[i].len == 6 && memcmp(t->slot[i].name, "\1x\2io", 6) == 0));
	}
	assert_int_equal(copies, 1);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_refresh_and_list),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
