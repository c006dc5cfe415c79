/*
 * Throttled zones in the region (lib/cache/throttle.c): a name at or below
 * a throttled zone matches until the zone's time is up, nothing else does
 * (a label boundary, not a string suffix), a slot is refreshed in place,
 * the table recycles the slot that expires first when full, malformed
 * input is refused, and several writers (resolver workers) at once never
 * leave a torn slot nor a zone in two slots. Each slot carries its reason
 * (NXDOMAIN rate or zone down), which a match returns with the zone's place
 * in the name, and which the latest publish of the zone sets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
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

static int set(struct bolt_throttle_table *t, const char *zone, uint32_t until,
               enum bolt_throttle_reason why)
{
	return bolt_throttle_set(t, (const uint8_t *)zone, until, why);
}

static enum bolt_throttle_reason reason(const struct bolt_throttle_table *t, const char *wire,
                                        uint32_t now, unsigned *off)
{
	return bolt_throttle_match(t, (const uint8_t *)wire, (unsigned)strlen(wire) + 1, now, off);
}

static bool match(const struct bolt_throttle_table *t, const char *wire, uint32_t now)
{
	return bolt_throttle_match(t, (const uint8_t *)wire, (unsigned)strlen(wire) + 1, now, NULL) !=
	       BOLT_THROTTLE_NONE;
}

static void test_match(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	assert_false(match(t, "\1a\4bulk\7boltnet", 100));
	assert_int_equal(set(t, "\4bulk\7boltnet", 102, BOLT_THROTTLE_RATE), 0);
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
	assert_int_equal(bolt_throttle_set(t, z, 110, BOLT_THROTTLE_RATE), 0);
	assert_int_equal(bolt_throttle_set(t, z, 105, BOLT_THROTTLE_RATE), 0); /* never shortened */
	assert_int_equal(bolt_throttle_set(t, z, 120, BOLT_THROTTLE_RATE), 0);
	uint8_t out[4][BOLT_NAME_MAX];
	uint32_t until[4];
	assert_int_equal(bolt_throttle_list(t, 100, out, until, NULL, 4), 1);
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
	assert_int_equal(bolt_throttle_set(t, z, 110, BOLT_THROTTLE_RATE), 0);
	assert_int_equal(set(t, "\4bulk\7boltnet", 110, BOLT_THROTTLE_RATE), 0);
	assert_true(match(t, "\1a\4dead\7boltnet", 100));
	bolt_throttle_clear(t, z);
	assert_false(match(t, "\1a\4dead\7boltnet", 100));
	assert_true(match(t, "\1a\4bulk\7boltnet", 100));
	uint8_t out[4][BOLT_NAME_MAX];
	assert_int_equal(bolt_throttle_list(t, 100, out, NULL, NULL, 4), 1);
	/* a zone never set, a bad name: nothing happens */
	bolt_throttle_clear(t, (const uint8_t *)"\4none\7boltnet");
	uint8_t bad[300];
	memset(bad, 63, sizeof(bad));
	bolt_throttle_clear(t, bad);
	assert_true(match(t, "\1a\4bulk\7boltnet", 100));
	/* set again: throttled again */
	assert_int_equal(bolt_throttle_set(t, z, 120, BOLT_THROTTLE_RATE), 0);
	assert_true(match(t, "\1a\4dead\7boltnet", 115));
	free(t);
}

/* The slot's reason: returned by a match with the zone's offset in the
 * name, listed, replaced by the latest publish (until still only moves
 * forward), cleared with the slot; a reason that is not one is refused,
 * and a slot holding one (a region written by something else) never
 * matches. */
static void test_reason(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	unsigned off = 99;
	assert_int_equal(set(t, "\4dead\7boltnet", 110, BOLT_THROTTLE_DOWN), 0);
	assert_int_equal(set(t, "\4bulk\7boltnet", 110, BOLT_THROTTLE_RATE), 0);
	assert_int_equal(reason(t, "\1a\4dead\7boltnet", 100, &off), BOLT_THROTTLE_DOWN);
	assert_int_equal(off, 2);
	assert_int_equal(reason(t, "\4dead\7boltnet", 100, &off), BOLT_THROTTLE_DOWN);
	assert_int_equal(off, 0);
	assert_int_equal(reason(t, "\1x\1a\4bulk\7boltnet", 100, &off), BOLT_THROTTLE_RATE);
	assert_int_equal(off, 4);
	off = 99;
	assert_int_equal(reason(t, "\1a\4dom1\7boltnet", 100, &off), BOLT_THROTTLE_NONE);
	assert_int_equal(off, 99); /* untouched when nothing matches */
	assert_int_equal(reason(t, "\1a\4dead\7boltnet", 110, NULL), BOLT_THROTTLE_NONE);

	uint8_t out[4][BOLT_NAME_MAX], why[4];
	uint32_t until[4];
	assert_int_equal(bolt_throttle_list(t, 100, out, until, why, 4), 2);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(why[i], memcmp(out[i], "\4dead", 5) == 0 ? BOLT_THROTTLE_DOWN
		                                                           : BOLT_THROTTLE_RATE);

	/* the latest publish decides the reason; until never moves back */
	assert_int_equal(set(t, "\4bulk\7boltnet", 105, BOLT_THROTTLE_DOWN), 0);
	assert_int_equal(reason(t, "\1a\4bulk\7boltnet", 109, NULL), BOLT_THROTTLE_DOWN);
	assert_int_equal(set(t, "\4bulk\7boltnet", 112, BOLT_THROTTLE_RATE), 0);
	assert_int_equal(reason(t, "\1a\4bulk\7boltnet", 111, NULL), BOLT_THROTTLE_RATE);
	/* still one slot each */
	assert_int_equal(bolt_throttle_list(t, 100, out, NULL, NULL, 4), 2);

	/* cleared and set again for the other reason */
	bolt_throttle_clear(t, (const uint8_t *)"\4dead\7boltnet");
	assert_int_equal(reason(t, "\1a\4dead\7boltnet", 100, NULL), BOLT_THROTTLE_NONE);
	assert_int_equal(set(t, "\4dead\7boltnet", 120, BOLT_THROTTLE_RATE), 0);
	assert_int_equal(reason(t, "\1a\4dead\7boltnet", 100, NULL), BOLT_THROTTLE_RATE);

	/* not a reason to publish */
	assert_int_equal(set(t, "\4none\7boltnet", 120, BOLT_THROTTLE_NONE), -EINVAL);
	assert_int_equal(set(t, "\4none\7boltnet", 120, (enum bolt_throttle_reason)BOLT_THROTTLE_REASONS),
	                 -EINVAL);
	assert_int_equal(reason(t, "\1a\4none\7boltnet", 100, NULL), BOLT_THROTTLE_NONE);
	assert_int_equal(bolt_throttle_list(t, 100, out, NULL, NULL, 4), 2);

	/* a slot whose reason byte is out of range never matches */
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++)
		if (t->slot[i].len == 14 && memcmp(t->slot[i].name, "\4dead", 5) == 0)
			t->slot[i].reason = 7;
	assert_int_equal(reason(t, "\1a\4dead\7boltnet", 100, NULL), BOLT_THROTTLE_NONE);
	assert_int_equal(reason(t, "\1a\4bulk\7boltnet", 100, NULL), BOLT_THROTTLE_RATE);

	/* what the dataplane lets through: a down zone needs far fewer */
	assert_int_equal(bolt_throttle_let_through(BOLT_THROTTLE_RATE), 10);
	assert_int_equal(bolt_throttle_let_through(BOLT_THROTTLE_DOWN), 100);
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
		assert_int_equal(bolt_throttle_set(t, z, 200 + i, BOLT_THROTTLE_RATE), 0);
	}
	/* one more: takes the slot of z0, which expires first */
	assert_int_equal(set(t, "\4bulk\7boltnet", 300, BOLT_THROTTLE_RATE), 0);
	assert_true(match(t, "\1a\4bulk\7boltnet", 100));
	assert_false(match(t, "\1a\2z0\7boltnet", 100));
	assert_true(match(t, "\1a\2z1\7boltnet", 100));
	uint8_t out[BOLT_THROTTLE_SLOTS][BOLT_NAME_MAX];
	assert_int_equal(bolt_throttle_list(t, 100, out, NULL, NULL, BOLT_THROTTLE_SLOTS),
	                 BOLT_THROTTLE_SLOTS);
	free(t);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	uint8_t bad[300];
	memset(bad, 63, sizeof(bad)); /* no end within 255 bytes */
	assert_true(bolt_throttle_set(t, bad, 200, BOLT_THROTTLE_RATE) < 0);
	assert_int_equal(set(t, "\4bulk\7boltnet", 200, BOLT_THROTTLE_RATE), 0);
	/* a malformed name to match (a label running past its length) */
	const uint8_t odd[] = { 9, 'a', 4, 'b', 'u', 'l', 'k', 0 };
	assert_int_equal(bolt_throttle_match(t, odd, sizeof(odd), 100, NULL), BOLT_THROTTLE_NONE);
	free(t);
}

struct writer {
	struct bolt_throttle_table *t;
	const char *zone;
	enum bolt_throttle_reason why;
};

static void *write_loop(void *arg)
{
	struct writer *w = arg;
	for (uint32_t i = 0; i < 200000; i++)
		bolt_throttle_set(w->t, (const uint8_t *)w->zone, 1000 + (i & 7), w->why);
	return NULL;
}

/* Four writers, two of them on the same zone (for different reasons),
 * against a reader: each zone is found with its own reason, the shared zone
 * sits in one slot, no slot holds a torn name. */
static void test_writers(void **state)
{
	(void)state;
	struct bolt_throttle_table *t = table();
	struct writer w[4] = {
		{ t, "\5flood\3net", BOLT_THROTTLE_RATE },
		{ t, "\5flood\3net", BOLT_THROTTLE_DOWN },
		{ t, "\3abc\3org", BOLT_THROTTLE_DOWN },
		{ t, "\1x\2io", BOLT_THROTTLE_RATE },
	};
	pthread_t th[4];
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, write_loop, &w[i]), 0);
	unsigned seen = 0;
	for (unsigned n = 0; n < 200000; n++) {
		seen += match(t, "\3www\5flood\3net", 999);
		enum bolt_throttle_reason a = reason(t, "\1a\3abc\3org", 999, NULL),
		                          x = reason(t, "\1x\2io", 999, NULL);
		assert_true(a == BOLT_THROTTLE_NONE || a == BOLT_THROTTLE_DOWN);
		assert_true(x == BOLT_THROTTLE_NONE || x == BOLT_THROTTLE_RATE);
	}
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
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
