/*
 * Limits on work in flight (control/iter/inflight.c) and their use by
 * server selection: a zone's slots are bounded and given back, other zones
 * are not affected, a busy server is passed over and a cut whose servers
 * are all busy fails with its own reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "boltdns/cache.h"
#include "boltdns/config.h"
#include "boltdns/errcode.h"
#include "cp.h"
#include "iter/inflight.h"
#include "iter/resolve.h"
#include "iter/select.h"
#include "cp_helpers.h"

static const uint8_t bulk[] = "\4bulk\7boltnet";
static const uint8_t dom1[] = "\4dom1\7boltnet";

static void test_zone_limit(void **state)
{
	(void)state;
	uint64_t refused = lim_zone_refusals();
	for (int i = 0; i < 3; i++)
		assert_true(lim_zone_enter(bulk, 3));
	/* The fourth question for the zone is refused, another zone is not. */
	assert_false(lim_zone_enter(bulk, 3));
	assert_int_equal(lim_zone_refusals(), refused + 1);
	assert_true(lim_zone_enter(dom1, 3));
	assert_int_equal(lim_zones_busy(), 2);
	/* A slot given back is free again. */
	lim_zone_leave(bulk);
	assert_true(lim_zone_enter(bulk, 3));
	for (int i = 0; i < 3; i++)
		lim_zone_leave(bulk);
	lim_zone_leave(dom1);
	assert_int_equal(lim_zones_busy(), 0);
	/* 0: no limit, but still counted. */
	for (int i = 0; i < 1000; i++)
		assert_true(lim_zone_enter(bulk, 0));
	for (int i = 0; i < 1000; i++)
		lim_zone_leave(bulk);
	assert_int_equal(lim_zones_busy(), 0);
	/* The root, where every question of a cold cache starts: ten times. */
	static const uint8_t root[1] = { 0 };
	for (int i = 0; i < 30; i++)
		assert_true(lim_zone_enter(root, 3));
	assert_false(lim_zone_enter(root, 3));
	for (int i = 0; i < 30; i++)
		lim_zone_leave(root);
	/* Leaving a zone never entered changes nothing. */
	lim_zone_leave(dom1);
	assert_int_equal(lim_zones_busy(), 0);
}

static void test_server_counts(void **state)
{
	(void)state;
	struct infra_addr a = cp_v4("198.18.1.20"), b = cp_v4("198.18.1.21");
	assert_int_equal(lim_server_count(&a), 0);
	assert_int_equal(lim_server_sent(&a), 0);
	assert_int_equal(lim_server_sent(&a), 0);
	assert_int_equal(lim_server_count(&a), 2);
	assert_int_equal(lim_server_count(&b), 0);
	/* The port and padding bytes do not make another server. */
	struct infra_addr a2 = a;
	a2.port = 5353;
	assert_int_equal(lim_server_count(&a2), 2);
	lim_server_done(&a);
	lim_server_done(&a);
	assert_int_equal(lim_server_count(&a), 0);
	assert_int_equal(lim_servers_busy(), 0);
}

/* Selection passes a busy server over for a free one; when every server is
 * busy, nothing is chosen and the reason says why. */
static void test_select_busy(void **state)
{
	(void)state;
	struct bolt_config cfg;
	bolt_config_defaults(&cfg);
	cfg.do_not_query_localhost = false;
	cfg.max_inflight_server = 2;
	struct infra *t = infra_new(64);
	struct infra_addr c[2] = { cp_v4("198.18.1.20"), cp_v4("198.18.1.21") };
	/* .20 is faster, so chosen first while it is free. */
	infra_srv_rtt(t, &c[0], 100, 5);
	infra_srv_rtt(t, &c[1], 100, 50);
	struct sel_query q;
	struct sel_choice ch;
	sel_reset(&q);
	assert_int_equal(sel_choose(&q, t, &cfg, c, 2, 100, 1, &ch), 0);
	assert_memory_equal(ch.a.addr, c[0].addr, 4);
	lim_server_sent(&c[0]);
	lim_server_sent(&c[0]);
	assert_int_equal(sel_choose(&q, t, &cfg, c, 2, 100, 1, &ch), 0);
	assert_memory_equal(ch.a.addr, c[1].addr, 4);
	lim_server_sent(&c[1]);
	lim_server_sent(&c[1]);
	assert_int_equal(sel_choose(&q, t, &cfg, c, 2, 100, 1, &ch), BOLT_ENOENT);
	assert_int_equal(q.busy, 2);
	char text[128];
	uint64_t before = lim_server_refusals();
	assert_int_equal(sel_reason(&q, 0, "bulk.boltnet.", text, sizeof(text)), BOLT_EDE_OTHER);
	assert_non_null(strstr(text, "too many queries in flight"));
	assert_int_equal(lim_server_refusals(), before + 1);
	/* No limit: busy servers are chosen as usual. */
	cfg.max_inflight_server = 0;
	assert_int_equal(sel_choose(&q, t, &cfg, c, 2, 100, 1, &ch), 0);
	for (int i = 0; i < 2; i++) {
		lim_server_done(&c[0]);
		lim_server_done(&c[1]);
	}
	infra_free(t);
}

struct outcome {
	bool done;
	uint8_t rcode;
	uint16_t ede;
	char text[128];
};

static void on_done(struct res *r, void *arg)
{
	struct outcome *o = arg;
	const char *text = NULL;
	o->done = true;
	o->rcode = res_rcode(r);
	o->ede = res_ede(r, &text);
	snprintf(o->text, sizeof(o->text), "%s", text != NULL ? text : "");
}

/* A question reaching a cut whose slots are all taken fails at once with
 * its reason; once a slot is free it goes on (offline: it fails trying to
 * send), and a finished resolution gives its slot back. */
static void test_resolution_refused(void **state)
{
	(void)state;
	struct bolt_config cfg;
	bolt_config_defaults(&cfg);
	cfg.max_inflight_zone = 2;
	cfg.do_not_query_localhost = false;
	struct cp cp;
	memset(&cp, 0, sizeof(cp));
	cp.cfg = &cfg;
	cp.loop = uv_default_loop();
	cp.offline = true;
	cp.upstream_port = 53;
	cp.infra = infra_new(256);
	uint32_t now = bolt_now();
	static const uint8_t ns1[] = "\3ns1\4bulk\7boltnet";
	struct infra_nsset ns;
	memset(&ns, 0, sizeof(ns));
	ns.n = 1;
	ns.len[0] = sizeof(ns1);
	memcpy(ns.name[0], ns1, sizeof(ns1));
	assert_int_equal(infra_ns_put(cp.infra, bulk, &ns, now, 3600), 0);
	struct infra_addr a = cp_v4("198.18.1.20");
	assert_int_equal(infra_addr_put(cp.infra, ns1, INFRA_SRC_GLUE, &a, 1, now, 3600), 0);

	static const uint8_t q[] = "\1x\4bulk\7boltnet";
	assert_true(lim_zone_enter(bulk, 2));
	assert_true(lim_zone_enter(bulk, 2));
	struct outcome o = { 0 };
	assert_int_equal(res_start(&cp, q, BOLT_TYPE_A, BOLT_CLASS_IN, false, on_done, &o), 0);
	assert_true(o.done);
	assert_int_equal(o.rcode, BOLT_RCODE_SERVFAIL);
	assert_int_equal(o.ede, BOLT_EDE_OTHER);
	assert_non_null(strstr(o.text, "too many questions in flight for bulk.boltnet"));
	lim_zone_leave(bulk);
	memset(&o, 0, sizeof(o));
	assert_int_equal(res_start(&cp, q, BOLT_TYPE_A, BOLT_CLASS_IN, false, on_done, &o), 0);
	assert_true(o.done);
	assert_string_equal(o.text, "offline");
	lim_zone_leave(bulk);
	assert_int_equal(lim_zones_busy(), 0);
	assert_int_equal(res_alive(), 0);
	infra_free(cp.infra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_limit),
		cmocka_unit_test(test_server_counts),
		cmocka_unit_test(test_select_busy),
		cmocka_unit_test(test_resolution_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
