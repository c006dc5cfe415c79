/*
 * Server selection (control/iter/select.c): per-question exclusions,
 * server-wide timeouts with backed-off probing, the EDNS fallback and its
 * expiry, do-not-query filtering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "boltdns/config.h"
#include "boltdns/errcode.h"
#include "iter/select.h"
#include "cp_helpers.h"

static struct bolt_config cfg;

static int setup(void **state)
{
	(void)state;
	bolt_config_defaults(&cfg);
	return 0;
}

/* Choose with a fixed random number that never explores. */
static int choose(struct sel_query *q, struct infra *t, const struct infra_addr *c, unsigned n,
                  uint32_t now, struct sel_choice *out)
{
	return sel_choose(q, t, &cfg, c, n, now, 1, out);
}

/* A bad answer excludes the server for this question only: the next
 * question (a new sel_query) asks it again, and nothing server-wide moved. */
static void test_exclusion_per_question(void **state)
{
	(void)state;
	struct infra *t = infra_new(64);
	struct infra_addr c[2] = { cp_v4("198.18.1.20"), cp_v4("198.18.1.21") };
	struct sel_query q;
	struct sel_choice ch;
	/* Make .20 the faster one. */
	infra_srv_rtt(t, &c[0], 1000, 5);
	infra_srv_rtt(t, &c[1], 1000, 50);

	sel_reset(&q);
	assert_int_equal(choose(&q, t, c, 2, 1000, &ch), 0);
	assert_memory_equal(&ch.a, &c[0], sizeof(c[0]));
	assert_true(ch.edns);
	sel_sent(&q, &ch.a);
	sel_report(&q, t, &ch.a, true, BOLT_TYPE_A, SEL_BAD_RCODE, 5, 1000);
	assert_int_equal(choose(&q, t, c, 2, 1000, &ch), 0);
	assert_memory_equal(&ch.a, &c[1], sizeof(c[1]));
	sel_report(&q, t, &ch.a, true, BOLT_TYPE_A, SEL_LAME, 50, 1000);
	assert_int_equal(choose(&q, t, c, 2, 1000, &ch), BOLT_ENOENT);
	assert_int_equal(q.count[SEL_BAD_RCODE], 1);
	assert_int_equal(q.count[SEL_LAME], 1);

	/* Another question: both usable again, the fast one first. */
	sel_reset(&q);
	assert_int_equal(choose(&q, t, c, 2, 1001, &ch), 0);
	assert_memory_equal(&ch.a, &c[0], sizeof(c[0]));
	struct infra_srv s;
	infra_srv_get(t, &c[0], 1001, &s);
	assert_int_equal(s.timeouts, 0);
	assert_int_equal(s.no_edns_until, 0);
	infra_free(t);
}

/* Timeouts are server-wide: after INFRA_DOWN_TIMEOUTS the server is down
 * for every question until its back-off passes, then probed, and the
 * back-off doubles with each further timeout. */
static void test_timeouts_server_wide(void **state)
{
	(void)state;
	struct infra *t = infra_new(64);
	struct infra_addr c[2] = { cp_v4("198.18.1.20"), cp_v4("198.18.1.99") };
	struct sel_query q;
	struct sel_choice ch;
	infra_srv_rtt(t, &c[0], 1000, 50);
	infra_srv_rtt(t, &c[1], 1000, 5);

	/* Per question: at most cfg.retries timeouts of one server. */
	cfg.retries = 2;
	sel_reset(&q);
	assert_int_equal(choose(&q, t, &c[1], 1, 1000, &ch), 0);
	sel_report(&q, t, &c[1], true, BOLT_TYPE_A, SEL_TIMEOUT, 0, 1000);
	assert_int_equal(choose(&q, t, &c[1], 1, 1000, &ch), 0);
	sel_report(&q, t, &c[1], true, BOLT_TYPE_A, SEL_TIMEOUT, 0, 1000);
	assert_int_equal(choose(&q, t, &c[1], 1, 1000, &ch), BOLT_ENOENT);
	assert_int_equal(q.count[SEL_TIMEOUT], 2);
	char text[128];
	assert_int_equal(sel_reason(&q, 0, "dom1.boltnet.", text, sizeof(text)),
	                 BOLT_EDE_NO_REACHABLE_AUTHORITY);
	assert_string_equal(text, "all servers for dom1.boltnet. timed out");

	/* A third timeout (another question): down for everyone. */
	sel_reset(&q);
	sel_report(&q, t, &c[1], true, BOLT_TYPE_A, SEL_TIMEOUT, 0, 1000);
	sel_reset(&q);
	assert_int_equal(choose(&q, t, c, 2, 1001, &ch), 0);
	assert_memory_equal(&ch.a, &c[0], sizeof(c[0]));
	assert_int_equal(choose(&q, t, &c[1], 1, 1001, &ch), BOLT_ENOENT);
	assert_int_equal(sel_reason(&q, 0, "dead.", text, sizeof(text)),
	                 BOLT_EDE_NO_REACHABLE_AUTHORITY);
	assert_string_equal(text, "all servers for dead. are down");
	/* Its back-off passed: probed again. */
	assert_int_equal(choose(&q, t, &c[1], 1, 1000 + INFRA_DOWN_SECS, &ch), 0);
	/* Another timeout doubles the wait. */
	sel_report(&q, t, &c[1], true, BOLT_TYPE_A, SEL_TIMEOUT, 0, 1100);
	sel_reset(&q);
	assert_int_equal(choose(&q, t, &c[1], 1, 1100 + INFRA_DOWN_SECS, &ch), BOLT_ENOENT);
	assert_int_equal(choose(&q, t, &c[1], 1, 1100 + 2 * INFRA_DOWN_SECS, &ch), 0);
	/* An answer brings it back at once. */
	sel_report(&q, t, &c[1], true, BOLT_TYPE_A, SEL_OK, 7, 1101);
	sel_reset(&q);
	assert_int_equal(choose(&q, t, c, 2, 1101, &ch), 0);
	assert_memory_equal(&ch.a, &c[1], sizeof(c[1]));

	/* A flood's hundred queries in flight time out together: the back-off
	 * is that of one timeout past the threshold, not of a hundred. */
	for (int i = 0; i < 100; i++)
		sel_report(&q, t, &c[1], true, BOLT_TYPE_A, SEL_TIMEOUT, 0, 1101);
	sel_reset(&q);
	assert_int_equal(choose(&q, t, &c[1], 1, 1101 + INFRA_DOWN_SECS - 1, &ch), BOLT_ENOENT);
	assert_int_equal(choose(&q, t, &c[1], 1, 1101 + INFRA_DOWN_SECS, &ch), 0);
	sel_report(&q, t, &c[1], true, BOLT_TYPE_A, SEL_OK, 7, 1101);

	/* A network error excludes the server for this question at once. */
	sel_reset(&q);
	assert_int_equal(sel_reason(&q, 0, "x.", text, sizeof(text)), BOLT_EDE_NONE);
	sel_report(&q, t, &c[1], true, BOLT_TYPE_A, SEL_NET_ERROR, 0, 1102);
	assert_int_equal(choose(&q, t, &c[1], 1, 1102, &ch), BOLT_ENOENT);
	assert_int_equal(sel_reason(&q, 0, "x.", text, sizeof(text)), BOLT_EDE_NETWORK_ERROR);
	infra_free(t);
}

/* EDNS: a complaint retries the same server without EDNS for this
 * question; only a good answer without EDNS makes it server-wide, for
 * SEL_NO_EDNS_SECS; an error for an unknown type (NOTIMP for HTTPS, with
 * and without EDNS) and meta types teach nothing server-wide. */
static void test_edns_fallback(void **state)
{
	(void)state;
	struct infra *t = infra_new(64);
	struct infra_addr a = cp_v4("198.18.1.20");
	struct sel_query q;
	struct sel_choice ch;
	struct infra_srv s;

	/* NOTIMP to HTTPS with EDNS, then without: excluded, not marked. */
	sel_reset(&q);
	assert_int_equal(choose(&q, t, &a, 1, 1000, &ch), 0);
	assert_true(ch.edns);
	sel_report(&q, t, &a, true, BOLT_TYPE_HTTPS, SEL_EDNS_FAIL, 5, 1000);
	assert_int_equal(choose(&q, t, &a, 1, 1000, &ch), 0);
	assert_false(ch.edns);
	sel_report(&q, t, &a, false, BOLT_TYPE_HTTPS, SEL_BAD_RCODE, 5, 1000);
	assert_int_equal(choose(&q, t, &a, 1, 1000, &ch), BOLT_ENOENT);
	infra_srv_get(t, &a, 1000, &s);
	assert_int_equal(s.no_edns_until, 0);
	/* The next question (A) goes with EDNS as before. */
	sel_reset(&q);
	assert_int_equal(choose(&q, t, &a, 1, 1000, &ch), 0);
	assert_true(ch.edns);

	/* A meta type answered without EDNS teaches nothing either. */
	sel_report(&q, t, &a, true, BOLT_TYPE_ANY, SEL_EDNS_FAIL, 5, 1000);
	sel_report(&q, t, &a, false, BOLT_TYPE_ANY, SEL_OK, 5, 1000);
	infra_srv_get(t, &a, 1000, &s);
	assert_int_equal(s.no_edns_until, 0);

	/* FORMERR to EDNS, a good answer without: no EDNS server-wide... */
	sel_reset(&q);
	sel_report(&q, t, &a, true, BOLT_TYPE_A, SEL_EDNS_FAIL, 5, 1000);
	assert_int_equal(choose(&q, t, &a, 1, 1000, &ch), 0);
	assert_false(ch.edns);
	sel_report(&q, t, &a, false, BOLT_TYPE_A, SEL_OK, 5, 1000);
	sel_reset(&q);
	assert_int_equal(choose(&q, t, &a, 1, 1001, &ch), 0);
	assert_false(ch.edns);
	/* ...until it expires: probed with EDNS again. */
	assert_int_equal(choose(&q, t, &a, 1, 1000 + SEL_NO_EDNS_SECS, &ch), 0);
	assert_true(ch.edns);
	infra_free(t);
}

static void test_do_not_query(void **state)
{
	(void)state;
	struct infra *t = infra_new(64);
	struct sel_query q;
	struct sel_choice ch;
	struct infra_addr lo = cp_v4("127.0.0.1"), lo6 = cp_v6("::1"), mapped = cp_v6("::ffff:127.0.0.53");
	struct infra_addr zero = cp_v4("0.1.2.3"), mc = cp_v4("224.0.0.1"), ok = cp_v4("198.18.1.1");
	struct infra_addr blocked = cp_v4("198.18.7.7");

	assert_true(cfg.do_not_query_localhost);
	assert_false(sel_allowed(&cfg, &lo));
	assert_false(sel_allowed(&cfg, &lo6));
	assert_false(sel_allowed(&cfg, &mapped));
	/* The default do-not-query-address list. */
	assert_false(sel_allowed(&cfg, &zero));
	assert_false(sel_allowed(&cfg, &mc));
	assert_true(sel_allowed(&cfg, &ok));
	struct infra_addr bad = ok;
	bad.family = 0;
	assert_false(sel_allowed(&cfg, &bad));

	/* Never chosen, even as the only candidates. */
	struct infra_addr c[3] = { lo, lo6, zero };
	sel_reset(&q);
	assert_int_equal(choose(&q, t, c, 3, 1000, &ch), BOLT_ENOENT);

	/* do-not-query-localhost = no lets loopback through (the tests' servers). */
	cfg.do_not_query_localhost = false;
	assert_true(sel_allowed(&cfg, &lo));
	assert_int_equal(choose(&q, t, c, 3, 1000, &ch), 0);
	assert_memory_equal(&ch.a, &lo, sizeof(lo));

	/* A configured prefix. */
	assert_true(sel_allowed(&cfg, &blocked));
	assert_int_equal(bolt_prefix_parse("198.18.7.0/24", &cfg.do_not_query[cfg.ndo_not_query++]),
	                 0);
	assert_false(sel_allowed(&cfg, &blocked));
	assert_true(sel_allowed(&cfg, &ok));
	infra_free(t);
}

/* IPv6 after IPv4 of equal standing; duplicates are one server. */
static void test_v6_after_v4(void **state)
{
	(void)state;
	struct infra *t = infra_new(64);
	struct sel_query q;
	struct sel_choice ch;
	struct infra_addr c[3] = { cp_v6("2001:db8::53"), cp_v4("198.18.1.20"), cp_v6("2001:db8::53") };
	sel_reset(&q);
	assert_int_equal(choose(&q, t, c, 3, 1000, &ch), 0);
	assert_int_equal(ch.a.family, AF_INET);
	sel_report(&q, t, &ch.a, true, BOLT_TYPE_A, SEL_BAD_RCODE, 5, 1000);
	assert_int_equal(choose(&q, t, c, 3, 1000, &ch), 0);
	assert_int_equal(ch.a.family, AF_INET6);
	sel_report(&q, t, &ch.a, true, BOLT_TYPE_A, SEL_BAD_RCODE, 5, 1000);
	assert_int_equal(choose(&q, t, c, 3, 1000, &ch), BOLT_ENOENT);
	infra_free(t);
}

/* Each server of a zone is measured once before the estimates decide: a
 * server never asked goes before one that answered, and the first answer
 * is the estimate, so the fast server wins whichever was asked first (the
 * slow one answering first used to keep the fast one unasked). */
static void test_unknown_first(void **state)
{
	(void)state;
	struct infra *t = infra_new(64);
	struct infra_addr c[2] = { cp_v4("198.18.1.20"), cp_v4("198.18.1.21") };
	struct sel_query q;
	struct sel_choice ch;
	for (int round = 0; round < 3; round++) {
		sel_reset(&q);
		assert_int_equal(choose(&q, t, c, 2, 1000, &ch), 0);
		uint32_t rtt = memcmp(&ch.a, &c[0], sizeof(c[0])) == 0 ? 40 : 2;
		sel_report(&q, t, &ch.a, true, BOLT_TYPE_A, SEL_OK, rtt, 1000);
	}
	/* Both measured: .21 (2 ms) from now on, though .20 was asked first. */
	for (int i = 0; i < 5; i++) {
		sel_reset(&q);
		assert_int_equal(choose(&q, t, c, 2, 1000, &ch), 0);
		assert_memory_equal(&ch.a, &c[1], sizeof(c[1]));
		sel_report(&q, t, &ch.a, true, BOLT_TYPE_A, SEL_OK, 2, 1000);
	}
	infra_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_exclusion_per_question, setup),
		cmocka_unit_test_setup(test_timeouts_server_wide, setup),
		cmocka_unit_test_setup(test_edns_fallback, setup),
		cmocka_unit_test_setup(test_do_not_query, setup),
		cmocka_unit_test_setup(test_v6_after_v4, setup),
		cmocka_unit_test_setup(test_unknown_first, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
