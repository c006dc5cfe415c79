/*
 * Coalescing table: identical questions share one entry, keys differ by
 * type, class and DO, bounds hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "boltdns/errcode.h"
#include "pending.h"

static void key(struct pkey *k, const char *name, uint16_t type, bool do_bit)
{
	uint8_t wire[BOLT_NAME_MAX];
	assert_true(bolt_name_from_text(name, wire) > 0);
	assert_int_equal(pkey_make(k, wire, type, BOLT_CLASS_IN, do_bit), 0);
}

static void test_coalesce(void **state)
{
	(void)state;
	struct pend_tab t;
	assert_int_equal(pend_init(&t, 16, 3), 0);
	struct pkey a, a_upper, a_aaaa, a_do;
	key(&a, "www.example.test.", BOLT_TYPE_A, false);
	key(&a_upper, "WWW.Example.TEST.", BOLT_TYPE_A, false);
	key(&a_aaaa, "www.example.test.", BOLT_TYPE_AAAA, false);
	key(&a_do, "www.example.test.", BOLT_TYPE_A, true);

	assert_null(pend_find(&t, &a));
	struct pend *p = pend_add(&t, &a);
	assert_non_null(p);
	/* Case does not matter; type and DO do. */
	assert_ptr_equal(pend_find(&t, &a_upper), p);
	assert_null(pend_find(&t, &a_aaaa));
	assert_null(pend_find(&t, &a_do));

	struct waiter w;
	memset(&w, 0, sizeof(w));
	for (uint16_t i = 0; i < 3; i++) {
		w.q.id = i;
		assert_int_equal(pend_join(&t, p, &w), 0);
	}
	w.q.id = 99;
	assert_int_equal(pend_join(&t, p, &w), BOLT_ELIMIT);
	assert_int_equal(p->nwaiters, 3);
	/* Arrival order is kept. */
	uint16_t expect = 0;
	for (struct waiter *x = p->waiters; x != NULL; x = x->next)
		assert_int_equal(x->q.id, expect++);

	pend_remove(&t, p);
	assert_null(pend_find(&t, &a));
	assert_int_equal(t.count, 0);
	pend_free(p);
	pend_destroy(&t);
}

static void test_bound(void **state)
{
	(void)state;
	struct pend_tab t;
	assert_int_equal(pend_init(&t, 4, 1), 0);
	char name[64];
	for (int i = 0; i < 4; i++) {
		struct pkey k;
		snprintf(name, sizeof(name), "n%d.test.", i);
		key(&k, name, BOLT_TYPE_A, false);
		assert_non_null(pend_add(&t, &k));
	}
	struct pkey k;
	key(&k, "n9.test.", BOLT_TYPE_A, false);
	assert_null(pend_add(&t, &k));
	/* Destroy frees entries still in the table (ASan checks). */
	pend_destroy(&t);
}

static void test_bad_name(void **state)
{
	(void)state;
	struct pkey k;
	uint8_t bad[BOLT_NAME_MAX];
	memset(bad, 63, sizeof(bad)); /* labels running past 255 bytes */
	assert_true(pkey_make(&k, bad, BOLT_TYPE_A, BOLT_CLASS_IN, false) < 0);
}

/* A transport's delivery callback, counting what it is handed. */
static unsigned delivered, held_released, held_taken;

static void t_deliver(const struct waiter *w, const uint8_t *msg, size_t len)
{
	(void)len;
	if (msg != NULL)
		delivered++;
	if (w->held)
		held_released++;
}

static void t_hold(const struct waiter *w)
{
	(void)w;
	held_taken++;
}

/* Each waiter is answered through its own callback; a stored copy holds its
 * transport exactly when the transport has a hold; taking the waiters off
 * a question leaves it empty and joinable again. */
static void test_delivery(void **state)
{
	(void)state;
	static const struct waiter_ops with_hold = { .deliver = t_deliver, .hold = t_hold };
	static const struct waiter_ops no_hold = { .deliver = t_deliver };
	struct pend_tab t;
	assert_int_equal(pend_init(&t, 4, 4), 0);
	struct pkey k;
	key(&k, "d.test.", BOLT_TYPE_A, false);
	struct pend *p = pend_add(&t, &k);
	struct waiter a, b, none;
	memset(&a, 0, sizeof(a));
	memset(&none, 0, sizeof(none));
	a.ops = &with_hold;
	b = a;
	b.ops = &no_hold;
	struct waiter ca = waiter_copy(&a), cb = waiter_copy(&b);
	assert_true(ca.held);
	assert_false(cb.held);
	assert_int_equal(pend_join(&t, p, &ca), 0);
	waiter_hold(&a);
	assert_int_equal(pend_join(&t, p, &cb), 0);
	waiter_hold(&b);
	assert_int_equal(held_taken, 1);
	uint8_t msg[12] = { 0 };
	for (struct waiter *w = p->waiters; w != NULL; w = w->next)
		waiter_deliver(w, msg, sizeof(msg));
	assert_int_equal(delivered, 2);
	assert_int_equal(held_released, 1);
	/* Nobody to answer: nothing happens. */
	waiter_deliver(&none, msg, sizeof(msg));
	assert_int_equal(delivered, 2);
	struct waiter *list = pend_take_waiters(p);
	assert_non_null(list);
	assert_null(p->waiters);
	assert_int_equal(p->nwaiters, 0);
	assert_int_equal(pend_join(&t, p, &cb), 0);
	assert_ptr_equal(p->waiters->ops, &no_hold);
	waiter_list_free(list);
	pend_remove(&t, p);
	pend_free(p);
	pend_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_delivery),
		cmocka_unit_test(test_bad_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
