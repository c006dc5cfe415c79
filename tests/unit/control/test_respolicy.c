/*
 * RPZ name server triggers in the iterator (control/iter/respolicy.c):
 * whole resolutions fed a referral through res_inject (offline: nothing
 * more can be asked). A referral to a zone whose server's name or glue
 * address has a rule stops the resolution with the hit (res_policy_hit);
 * zones in order, NSDNAME before NSIP in a zone, a QNAME rule decides
 * alone, TCP-only and PASSTHRU let the resolution go on, a CNAME chain
 * into such a zone keeps its CNAMEs, no zones or another zone: no hit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "boltdns/cache.h"
#include "boltdns/config.h"
#include "boltdns/wire.h"
#include "ut_build.h"
#include "cp.h"
#include "iter/hints.h"
#include "iter/infra.h"
#include "iter/resolve.h"
#include "iter/respolicy.h"
#include "rpz.h"
#include "cp_helpers.h"

static struct bolt_config cfg;
static struct cp cp;
static struct rpz_zone *zones[2];

struct outcome {
	bool done;
	bool hit;
	struct rpz_hit h;
	uint8_t value[BOLT_NAME_MAX];     /* what matched */
	uint8_t vlen;
	uint8_t rcode;
	char ede_text[128];
	unsigned ancount;
};

static void on_done(struct res *r, void *arg)
{
	struct outcome *o = arg;
	o->done = true;
	o->rcode = res_rcode(r);
	const char *text = NULL;
	(void)res_ede(r, &text);
	snprintf(o->ede_text, sizeof(o->ede_text), "%s", text != NULL ? text : "");
	const struct res_pol *h = res_policy_hit(r);
	o->hit = h != NULL;
	if (h != NULL) {
		o->h = h->hit;
		memcpy(o->value, h->value, h->vlen);
		o->vlen = h->vlen;
	}
	uint8_t resp[4096];
	struct bolt_build b;
	uint32_t ttl;
	uint8_t kind;
	int len = res_build_response(r, resp, sizeof(resp), &b, &ttl, &kind);
	assert_true(len > 0);
	o->ancount = (unsigned)(resp[6] << 8 | resp[7]);
}

/* The policy zones: texts[0..n) (NULL: none). */
static void policy(const char *const *texts, unsigned n)
{
	for (unsigned i = 0; i < 2; i++) {
		rpz_zone_free(zones[i]);
		zones[i] = NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t origin[BOLT_NAME_MAX];
		ut_name(i == 0 ? "one.test." : "two.test.", origin);
		zones[i] = rpz_zone_new(origin);
		assert_non_null(zones[i]);
		assert_int_equal(rpz_zone_parse(zones[i], texts[i], strlen(texts[i]), "t", NULL, NULL), 0);
		rpz_zone_set_policy(zones[i], RPZ_ACT_GIVEN, RPZ_EDE_NONE, false,
		                    i == 0 ? "one.test" : "two.test");
	}
	respol_configure((const struct rpz_zone *const *)zones, n);
}

static int setup(void **state)
{
	(void)state;
	cp_offline_init(&cp, &cfg);
	cfg.validation = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	policy(NULL, 0);
	infra_free(cp.infra);
	return 0;
}

/* A record of the TTL every record here has. */
static void add(struct ut_pkt *p, uint8_t sec, const char *owner, uint16_t type,
                const char *rdata)
{
	ut_pkt_add(p, sec, owner, type, 3600, rdata);
}

/* www.bad.example A asked of a root server, which refers to bad.example:
 * NS ns1.evil.example (glue 192.0.2.53) and ns.bad.example (glue 192.0.2.54). */
static void referral(struct outcome *o, const char *qname)
{
	static struct ut_pkt p;
	ut_pkt_start(&p, qname, BOLT_TYPE_A, 0);
	add(&p, BOLT_SEC_AUTHORITY, "bad.example.", BOLT_TYPE_NS, "ns1.evil.example.");
	add(&p, BOLT_SEC_AUTHORITY, "bad.example.", BOLT_TYPE_NS, "ns.bad.example.");
	add(&p, BOLT_SEC_ADDITIONAL, "ns1.evil.example.", BOLT_TYPE_A, "192.0.2.53");
	add(&p, BOLT_SEC_ADDITIONAL, "ns.bad.example.", BOLT_TYPE_A, "192.0.2.54");
	p.len = bolt_build_finish(&p.b);
	assert_true(p.len > 0);
	uint8_t q[BOLT_NAME_MAX];
	ut_name(qname, q);
	struct infra_addr a = cp_v4("127.0.0.1");
	memset(o, 0, sizeof(*o));
	assert_int_equal(res_inject(&cp, (const uint8_t *)"", &a, q, BOLT_TYPE_A, p.buf,
	                            (size_t)p.len, on_done, o), 0);
	assert_true(o->done);
	assert_int_equal(res_alive(), 0);
}

static const char soa[] = "@ SOA ns.test. h.test. 1 3600 600 86400 60\n";

static void test_no_rule(void **state)
{
	(void)state;
	struct outcome o;
	policy(NULL, 0);
	referral(&o, "www.bad.example.");
	assert_false(o.hit);
	assert_int_equal(o.rcode, BOLT_RCODE_SERVFAIL);   /* offline */
	/* rules for other servers only */
	const char *other[] = { "$TTL 60\n@ SOA ns.test. h.test. 1 3600 600 86400 60\n"
	                        "ns1.good.example.rpz-nsdname CNAME .\n"
	                        "32.1.2.0.192.rpz-nsip CNAME .\n" };
	policy(other, 1);
	referral(&o, "www.bad.example.");
	assert_false(o.hit);
	assert_string_not_equal(o.ede_text, "stopped by a response policy");
}

static void test_nsdname(void **state)
{
	(void)state;
	char text[256];
	snprintf(text, sizeof(text), "%sns1.evil.example.rpz-nsdname CNAME .\n", soa);
	const char *t[] = { text };
	policy(t, 1);
	struct outcome o;
	referral(&o, "www.bad.example.");
	assert_true(o.hit);
	assert_int_equal(o.h.trigger, RPZ_TRIG_NSDNAME);
	assert_int_equal(o.h.action, RPZ_ACT_NXDOMAIN);
	uint8_t ns[BOLT_NAME_MAX];
	ut_name("ns1.evil.example.", ns);
	assert_int_equal(o.vlen, bolt_name_len(ns, BOLT_NAME_MAX));
	assert_memory_equal(o.value, ns, o.vlen);
	assert_int_equal(o.rcode, BOLT_RCODE_SERVFAIL);
	assert_string_equal(o.ede_text, "stopped by a response policy");
	/* wildcard */
	snprintf(text, sizeof(text), "%s*.evil.example.rpz-nsdname CNAME *.\n", soa);
	policy(t, 1);
	referral(&o, "www.bad.example.");
	assert_true(o.hit);
	assert_int_equal(o.h.trigger, RPZ_TRIG_NSDNAME_WILD);
	assert_int_equal(o.h.action, RPZ_ACT_NODATA);
	/* a QNAME rule of any zone decides alone (here PASSTHRU) */
	const char *two[] = { text, "$TTL 60\n@ SOA ns.test. h.test. 1 3600 600 86400 60\n"
	                            "www.bad.example CNAME rpz-passthru.\n" };
	policy(two, 2);
	referral(&o, "www.bad.example.");
	assert_false(o.hit);
	referral(&o, "other.bad.example.");
	assert_true(o.hit);
}

static void test_nsip_and_order(void **state)
{
	(void)state;
	char t1[256], t2[256];
	/* glue of the second server */
	snprintf(t1, sizeof(t1), "%s32.54.2.0.192.rpz-nsip A 192.0.2.80\n", soa);
	const char *one[] = { t1 };
	policy(one, 1);
	struct outcome o;
	referral(&o, "www.bad.example.");
	assert_true(o.hit);
	assert_int_equal(o.h.trigger, RPZ_TRIG_NSIP);
	assert_int_equal(o.h.action, RPZ_ACT_LOCAL);
	assert_int_equal(o.vlen, 4);
	assert_memory_equal(o.value, "\xc0\x00\x02\x36", 4);
	/* NSDNAME before NSIP within a zone */
	snprintf(t1, sizeof(t1), "%s24.0.2.0.192.rpz-nsip CNAME .\nns.bad.example.rpz-nsdname CNAME *.\n",
	         soa);
	policy(one, 1);
	referral(&o, "www.bad.example.");
	assert_true(o.hit);
	assert_int_equal(o.h.trigger, RPZ_TRIG_NSDNAME);
	/* zones in order: the first zone's NSIP before the second's NSDNAME */
	snprintf(t1, sizeof(t1), "%s32.53.2.0.192.rpz-nsip CNAME rpz-drop.\n", soa);
	snprintf(t2, sizeof(t2), "%sns1.evil.example.rpz-nsdname CNAME .\n", soa);
	const char *two[] = { t1, t2 };
	policy(two, 2);
	referral(&o, "www.bad.example.");
	assert_true(o.hit);
	assert_ptr_equal(o.h.zone, zones[0]);
	assert_int_equal(o.h.action, RPZ_ACT_DROP);
	const char *rev[] = { t2, t1 };
	policy(rev, 2);
	referral(&o, "www.bad.example.");
	assert_true(o.hit);
	assert_int_equal(o.h.trigger, RPZ_TRIG_NSDNAME);
}

/* TCP-only and PASSTHRU: the hit is kept, the resolution goes on. */
static void test_going_on(void **state)
{
	(void)state;
	char t[256];
	snprintf(t, sizeof(t), "%sns1.evil.example.rpz-nsdname CNAME rpz-tcp-only.\n", soa);
	const char *one[] = { t };
	policy(one, 1);
	struct outcome o;
	referral(&o, "www.bad.example.");
	assert_true(o.hit);
	assert_int_equal(o.h.action, RPZ_ACT_TCP_ONLY);
	assert_string_not_equal(o.ede_text, "stopped by a response policy");
	snprintf(t, sizeof(t), "%sns1.evil.example.rpz-nsdname CNAME rpz-passthru.\n", soa);
	policy(one, 1);
	referral(&o, "www.bad.example.");
	assert_true(o.hit);
	assert_int_equal(o.h.action, RPZ_ACT_PASSTHRU);
	assert_string_not_equal(o.ede_text, "stopped by a response policy");
}

/* A CNAME into the zone whose server has a rule: stopped at its cut (the
 * delegation learnt before), the CNAME kept. */
static void test_cname_chain(void **state)
{
	(void)state;
	char t[256];
	snprintf(t, sizeof(t), "%sns1.evil.example.rpz-nsdname CNAME .\n", soa);
	const char *one[] = { t };
	policy(one, 1);
	struct outcome o;
	referral(&o, "www.bad.example.");   /* bad.example's NS set into the infra cache */
	static struct ut_pkt p;
	ut_pkt_start(&p, "www.good.example.", BOLT_TYPE_A, BOLT_FLAG_AA);
	add(&p, BOLT_SEC_ANSWER, "www.good.example.", BOLT_TYPE_CNAME, "www.bad.example.");
	p.len = bolt_build_finish(&p.b);
	uint8_t q[BOLT_NAME_MAX];
	ut_name("www.good.example.", q);
	struct infra_addr a = cp_v4("127.0.0.1");
	memset(&o, 0, sizeof(o));
	assert_int_equal(res_inject(&cp, (const uint8_t *)"", &a, q, BOLT_TYPE_A, p.buf,
	                            (size_t)p.len, on_done, &o), 0);
	assert_true(o.done);
	assert_true(o.hit);
	assert_int_equal(o.h.action, RPZ_ACT_NXDOMAIN);
	assert_int_equal(o.ancount, 1);   /* the CNAME */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nsdname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nsip_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_going_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cname_chain, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
