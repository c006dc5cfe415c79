/*
 * What the iterator makes of upstream answers: classification
 * (control/iter/answer.c) on real packets, and whole resolutions fed one
 * response through res_inject (offline: any further query fails at once).
 * Also DNAME substitution and the root priming check.
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
#include "iter/answer.h"
#include "iter/prime.h"
#include "iter/resolve.h"
#include "iter/scrub.h"
#include "iter/select.h"
#include "cp_helpers.h"

static struct bolt_config cfg;
static struct cp cp;

/* ---- whole resolutions through res_inject ---- */

struct outcome {
	bool done;
	uint8_t rcode;
	uint16_t ede;
	char ede_text[128];
	uint8_t kind;
	uint32_t ttl;
	uint8_t resp[4096];
	int len;
};

static void on_done(struct res *r, void *arg)
{
	struct outcome *o = arg;
	o->done = true;
	o->rcode = res_rcode(r);
	const char *text = NULL;
	o->ede = res_ede(r, &text);
	o->ede_text[0] = 0;
	if (text != NULL)
		snprintf(o->ede_text, sizeof(o->ede_text), "%s", text);
	struct bolt_build b;
	o->len = res_build_response(r, o->resp, sizeof(o->resp), &b, &o->ttl, &o->kind);
	assert_true(o->len > 0);
}

static int setup(void **state)
{
	(void)state;
	cp_offline_init(&cp, &cfg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cp_offline_fini(&cp);
	return 0;
}

static void inject(const char *zone, const char *qname, uint16_t qtype, struct ut_pkt *p,
                   struct outcome *o)
{
	uint8_t z[BOLT_NAME_MAX], q[BOLT_NAME_MAX];
	ut_name(zone, z);
	ut_name(qname, q);
	struct infra_addr a = cp_v4("198.18.1.20");
	memset(o, 0, sizeof(*o));
	assert_int_equal(res_inject(&cp, z, &a, q, qtype, p->buf, (size_t)p->len, on_done, o), 0);
	assert_true(o->done);
	assert_int_equal(res_alive(), 0);
}

/* Parse a built response again to look at its sections. */
static void parse_resp(const struct outcome *o, struct ut_pkt *p)
{
	assert_int_equal(bolt_msg_parse(o->resp, (size_t)o->len, &p->m, p->rrs, 64, p->scratch,
	                                sizeof(p->scratch)),
	                 0);
}

static unsigned count(const struct ut_pkt *p, uint8_t sec, uint16_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->m.rrcount; i++)
		if (p->rrs[i].section == sec && p->rrs[i].type == type)
			n++;
	return n;
}

/* An AAAA question answered with only an A record is NODATA, authoritative
 * or not, and without an SOA not cached (TTL 0) — it used to be a lame
 * server, then SERVFAIL. */
static void test_aaaa_with_only_a(void **state)
{
	(void)state;
	static struct ut_pkt p, r;
	struct outcome o;
	for (int aa = 0; aa < 2; aa++) {
		ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_AAAA, aa ? BOLT_FLAG_AA : 0);
		ut_pkt_add(&p, BOLT_SEC_ANSWER, "www.dom1.boltnet.", BOLT_TYPE_A, 300, "198.19.1.80");
		ut_pkt_finish(&p);
		inject("dom1.boltnet.", "www.dom1.boltnet.", BOLT_TYPE_AAAA, &p, &o);
		assert_int_equal(o.rcode, BOLT_RCODE_NOERROR);
		assert_int_equal(o.kind, BOLT_CACHE_NODATA);
		assert_int_equal(o.ttl, 0);
		parse_resp(&o, &r);
		assert_int_equal(count(&r, BOLT_SEC_ANSWER, BOLT_TYPE_A), 0);
	}
}

/* RFC 2181 section 8: a TTL of 2^31 or more counts as 0. */
static void test_ttl_2_31(void **state)
{
	(void)state;
	static struct ut_pkt p, r;
	struct outcome o;
	ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_A, BOLT_FLAG_AA);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "www.dom1.boltnet.", BOLT_TYPE_A, 0x80000000u, "198.19.1.80");
	ut_pkt_finish(&p);
	inject("dom1.boltnet.", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.rcode, BOLT_RCODE_NOERROR);
	assert_int_equal(o.kind, BOLT_CACHE_POSITIVE);
	assert_int_equal(o.ttl, 0);
	parse_resp(&o, &r);
	assert_int_equal(r.rrs[0].ttl, 0);
}

/* Glue with TTL 0 (or 2^31, which counts as 0) is gone from the infra
 * cache at once, but the resolution that got the referral still uses it:
 * here it tries to send (offline), instead of finding no address. */
static void test_glue_ttl_0_used(void **state)
{
	(void)state;
	static struct ut_pkt p;
	struct outcome o;
	for (int big = 0; big < 2; big++) {
		ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_A, 0);
		ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "boltnet.", BOLT_TYPE_NS, 3600, "ns1.nic.boltnet.");
		ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "ns1.nic.boltnet.", BOLT_TYPE_A, big ? 0x80000000u : 0,
		    "198.18.1.10");
		ut_pkt_finish(&p);
		inject(".", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
		assert_int_equal(o.rcode, BOLT_RCODE_SERVFAIL);
		assert_int_equal(o.ede, BOLT_EDE_NETWORK_ERROR);
		assert_string_equal(o.ede_text, "offline");
	}
}

/* min-ttl raises short positive TTLs. */
static void test_min_ttl(void **state)
{
	(void)state;
	static struct ut_pkt p, r;
	struct outcome o;
	cfg.min_ttl = 60;
	ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_A, BOLT_FLAG_AA);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "www.dom1.boltnet.", BOLT_TYPE_A, 5, "198.19.1.80");
	ut_pkt_finish(&p);
	inject("dom1.boltnet.", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.ttl, 60);
	parse_resp(&o, &r);
	assert_int_equal(r.rrs[0].ttl, 60);
}

/* NXDOMAIN without SOA: not cached (RFC 2308 section 5); with SOA and NS:
 * both in the authority section, the SOA at the negative TTL. */
static void test_negative_authority(void **state)
{
	(void)state;
	static struct ut_pkt p, r;
	struct outcome o;
	ut_pkt_start(&p, "nx.dom1.boltnet.", BOLT_TYPE_A, BOLT_FLAG_AA | BOLT_RCODE_NXDOMAIN);
	ut_pkt_finish(&p);
	inject("dom1.boltnet.", "nx.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.rcode, BOLT_RCODE_NXDOMAIN);
	assert_int_equal(o.kind, BOLT_CACHE_NXDOMAIN);
	assert_int_equal(o.ttl, 0);

	ut_pkt_start(&p, "nx.dom1.boltnet.", BOLT_TYPE_A, BOLT_FLAG_AA | BOLT_RCODE_NXDOMAIN);
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "dom1.boltnet.", BOLT_TYPE_SOA, 3600,
	    "ns1.dom1.boltnet. hostmaster.dom1.boltnet. 1 7200 3600 1209600 300");
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "dom1.boltnet.", BOLT_TYPE_NS, 3600, "ns1.dom1.boltnet.");
	ut_pkt_finish(&p);
	inject("dom1.boltnet.", "nx.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.rcode, BOLT_RCODE_NXDOMAIN);
	assert_int_equal(o.ttl, 300);
	parse_resp(&o, &r);
	assert_int_equal(count(&r, BOLT_SEC_AUTHORITY, BOLT_TYPE_SOA), 1);
	assert_int_equal(count(&r, BOLT_SEC_AUTHORITY, BOLT_TYPE_NS), 1);
}

/* NOTIMP to an HTTPS query (with EDNS, then without) loses that question
 * only: the server is not marked as speaking no EDNS, and its answer to an
 * A question afterwards is used as usual. */
static void test_notimp_https_isolated(void **state)
{
	(void)state;
	static struct ut_pkt p;
	struct outcome o;
	ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_HTTPS, BOLT_RCODE_NOTIMP);
	ut_pkt_finish(&p);
	inject("dom1.boltnet.", "www.dom1.boltnet.", BOLT_TYPE_HTTPS, &p, &o);
	assert_int_equal(o.rcode, BOLT_RCODE_SERVFAIL);
	struct infra_addr a = cp_v4("198.18.1.20");
	struct infra_srv s;
	infra_srv_get(cp.infra, &a, bolt_now(), &s);
	assert_int_equal(s.no_edns_until, 0);

	ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_A, BOLT_FLAG_AA);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "www.dom1.boltnet.", BOLT_TYPE_A, 300, "198.19.1.80");
	ut_pkt_finish(&p);
	inject("dom1.boltnet.", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.rcode, BOLT_RCODE_NOERROR);
}

/* The EDE of a failure names what the servers did. */
static void test_ede_reason(void **state)
{
	(void)state;
	static struct ut_pkt p;
	struct outcome o;
	ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_A, BOLT_RCODE_REFUSED);
	ut_pkt_finish(&p);
	inject(".", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.rcode, BOLT_RCODE_SERVFAIL);
	assert_int_equal(o.ede, BOLT_EDE_NOT_AUTHORITATIVE);
	assert_non_null(strstr(o.ede_text, "REFUSED"));

	ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_A, BOLT_RCODE_SERVFAIL);
	ut_pkt_finish(&p);
	inject(".", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.ede, BOLT_EDE_OTHER);
	assert_non_null(strstr(o.ede_text, "SERVFAIL"));

	/* An upward referral: lame. */
	ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_A, 0);
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, ".", BOLT_TYPE_NS, 300, "a.root.test.");
	ut_pkt_finish(&p);
	inject(".", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.ede, BOLT_EDE_NOT_AUTHORITATIVE);

	/* NXDOMAIN without AA (an interceptor's): not the zone speaking. */
	ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_A, BOLT_RCODE_NXDOMAIN);
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, ".", BOLT_TYPE_SOA, 3600,
	    "a.root.test. hostmaster.root.test. 1 7200 3600 1209600 300");
	ut_pkt_finish(&p);
	inject(".", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.rcode, BOLT_RCODE_SERVFAIL);
	assert_int_equal(o.ede, BOLT_EDE_NOT_AUTHORITATIVE);

	/* Garbage. */
	static const uint8_t junk[5] = { 0, 1, 0x80, 0, 0 };
	memcpy(p.buf, junk, sizeof(junk));
	p.len = sizeof(junk);
	inject(".", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.ede, BOLT_EDE_INVALID_DATA);

	/* Success has no EDE. */
	ut_pkt_start(&p, "www.dom1.boltnet.", BOLT_TYPE_A, BOLT_FLAG_AA);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "www.dom1.boltnet.", BOLT_TYPE_A, 300, "198.19.1.80");
	ut_pkt_finish(&p);
	inject("dom1.boltnet.", "www.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
	assert_int_equal(o.ede, BOLT_EDE_NONE);
}

/* DNAME (RFC 6672): the DNAME and the CNAME it gives are answered, the
 * chain is followed; a DNAME without the server's CNAME is synthesised. */
static void test_dname(void **state)
{
	(void)state;
	static struct ut_pkt p, r;
	struct outcome o;
	for (int with_cname = 0; with_cname < 2; with_cname++) {
		ut_pkt_start(&p, "www.old.dom1.boltnet.", BOLT_TYPE_A, BOLT_FLAG_AA);
		ut_pkt_add(&p, BOLT_SEC_ANSWER, "old.dom1.boltnet.", BOLT_TYPE_DNAME, 300, "new.dom1.boltnet.");
		if (with_cname)
			ut_pkt_add(&p, BOLT_SEC_ANSWER, "www.old.dom1.boltnet.", BOLT_TYPE_CNAME, 0,
			    "www.new.dom1.boltnet.");
		ut_pkt_add(&p, BOLT_SEC_ANSWER, "www.new.dom1.boltnet.", BOLT_TYPE_A, 300, "198.19.1.81");
		ut_pkt_finish(&p);
		inject("dom1.boltnet.", "www.old.dom1.boltnet.", BOLT_TYPE_A, &p, &o);
		assert_int_equal(o.rcode, BOLT_RCODE_NOERROR);
		assert_int_equal(o.kind, BOLT_CACHE_POSITIVE);
		parse_resp(&o, &r);
		assert_int_equal(count(&r, BOLT_SEC_ANSWER, BOLT_TYPE_DNAME), 1);
		assert_int_equal(count(&r, BOLT_SEC_ANSWER, BOLT_TYPE_CNAME), 1);
		assert_int_equal(count(&r, BOLT_SEC_ANSWER, BOLT_TYPE_A), 1);
		/* The synthesised CNAME carries the DNAME's TTL. */
		for (unsigned i = 0; i < r.m.rrcount; i++)
			if (r.rrs[i].type == BOLT_TYPE_CNAME)
				assert_int_equal(r.rrs[i].ttl, 300);
	}

	uint8_t n[BOLT_NAME_MAX], ow[BOLT_NAME_MAX], t[BOLT_NAME_MAX], out[BOLT_NAME_MAX], want[BOLT_NAME_MAX];
	ut_name("a.b.old.example.", n);
	ut_name("old.example.", ow);
	ut_name("new.example.net.", t);
	ut_name("a.b.new.example.net.", want);
	assert_int_equal(dname_synth(n, ow, t, out), bolt_name_len(want, 255));
	assert_true(bolt_name_equal(out, want));
	/* Not below the owner. */
	assert_true(dname_synth(ow, ow, t, out) < 0);
	/* Longer than 255 octets. */
	/* 4 labels of 60 octets: 247 octets, too long once 6 labels are added. */
	char longname[300];
	size_t pos = 0;
	for (int k = 0; k < 4; k++) {
		memset(longname + pos, 'a', 60);
		pos += 60;
		longname[pos++] = '.';
	}
	memcpy(longname + pos, "x.", 3);
	ut_name(longname, t);
	ut_name("a.b.c.d.e.f.x.", n);
	ut_name("x.", ow);
	assert_int_equal(dname_synth(n, ow, t, out), BOLT_ESPACE);
}

/* DS belongs to the parent: a referral to the cut itself is no answer to
 * DS at the cut. */
static void test_ds_not_a_referral(void **state)
{
	(void)state;
	static struct ut_pkt p;
	ut_pkt_start(&p, "dom1.boltnet.", BOLT_TYPE_DS, 0);
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "dom1.boltnet.", BOLT_TYPE_NS, 300, "ns1.dom1.boltnet.");
	ut_pkt_finish(&p);
	assert_int_equal(bolt_msg_parse(p.buf, (size_t)p.len, &p.m, p.rrs, 64, p.scratch,
	                                sizeof(p.scratch)),
	                 0);
	uint8_t z[BOLT_NAME_MAX], q[BOLT_NAME_MAX];
	ut_name("boltnet.", z);
	ut_name("dom1.boltnet.", q);
	scrub_response(&p.m, z, q, BOLT_TYPE_DS, p.keep);
	struct ans_query aq = { .zone = z, .asked = q, .asked_type = BOLT_TYPE_DS, .qname = q,
	                        .cur = q, .qtype = BOLT_TYPE_DS, .max_cname = 8 };
	struct orr_list l = { 0 };
	struct ans_result res = { 0 };
	assert_int_equal(ans_classify(&p.m, p.keep, &aq, &l, &res), 0);
	assert_int_not_equal(res.kind, ANS_REFERRAL);
	/* The same packet for A is a referral. */
	aq.asked_type = aq.qtype = BOLT_TYPE_A;
	scrub_response(&p.m, z, q, BOLT_TYPE_A, p.keep);
	assert_int_equal(ans_classify(&p.m, p.keep, &aq, &l, &res), 0);
	assert_int_equal(res.kind, ANS_REFERRAL);
	orr_list_free(&l);
}

/* RFC 8109: only the root's own NS set primes. */
static void test_prime_check(void **state)
{
	(void)state;
	static struct ut_pkt p;
	static struct prime_result res;
	const char *why;
	ut_pkt_start(&p, ".", BOLT_TYPE_NS, BOLT_FLAG_AA);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, ".", BOLT_TYPE_NS, 518400, "a.root.test.");
	ut_pkt_add(&p, BOLT_SEC_ANSWER, ".", BOLT_TYPE_NS, 518400, "b.root.test.");
	ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "a.root.test.", BOLT_TYPE_A, 518400, "198.18.1.1");
	ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "a.root.test.", BOLT_TYPE_AAAA, 518400, "2001:db8::1");
	ut_pkt_finish(&p);
	assert_int_equal(prime_check(p.buf, (size_t)p.len, 53, &res, &why), 0);
	assert_int_equal(res.ns.n, 2);
	assert_int_equal(res.ns_ttl, 518400);
	assert_int_equal(res.naddr[0], 2);
	assert_int_equal(res.naddr[1], 0);

	/* NS without any address in the additional section. */
	ut_pkt_start(&p, ".", BOLT_TYPE_NS, BOLT_FLAG_AA);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, ".", BOLT_TYPE_NS, 518400, "a.root.test.");
	ut_pkt_finish(&p);
	assert_true(prime_check(p.buf, (size_t)p.len, 53, &res, &why) < 0);
	assert_string_equal(why, "no addresses for the root's name servers");

	/* An interceptor: no AA. */
	ut_pkt_start(&p, ".", BOLT_TYPE_NS, 0);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, ".", BOLT_TYPE_NS, 518400, "a.root.test.");
	ut_pkt_finish(&p);
	assert_true(prime_check(p.buf, (size_t)p.len, 53, &res, &why) < 0);
	assert_string_equal(why, "no AA flag");
	/* NXDOMAIN for everything. */
	ut_pkt_start(&p, ".", BOLT_TYPE_NS, BOLT_FLAG_AA | BOLT_RCODE_NXDOMAIN);
	ut_pkt_finish(&p);
	assert_true(prime_check(p.buf, (size_t)p.len, 53, &res, &why) < 0);
	assert_string_equal(why, "rcode NXDOMAIN");
	/* No NS records; a wrong owner. */
	ut_pkt_start(&p, ".", BOLT_TYPE_NS, BOLT_FLAG_AA);
	ut_pkt_finish(&p);
	assert_true(prime_check(p.buf, (size_t)p.len, 53, &res, &why) < 0);
	assert_string_equal(why, "no NS records");
	ut_pkt_start(&p, ".", BOLT_TYPE_NS, BOLT_FLAG_AA);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "com.", BOLT_TYPE_NS, 518400, "a.root.test.");
	ut_pkt_finish(&p);
	assert_true(prime_check(p.buf, (size_t)p.len, 53, &res, &why) < 0);
	assert_string_equal(why, "NS records not owned by the root");
	/* Another question. */
	ut_pkt_start(&p, "com.", BOLT_TYPE_NS, BOLT_FLAG_AA);
	ut_pkt_finish(&p);
	assert_true(prime_check(p.buf, (size_t)p.len, 53, &res, &why) < 0);
	assert_true(prime_check(p.buf, 3, 53, &res, &why) < 0);
}

/* Zone transfers are never sent upstream. */
static void test_axfr_not_sent(void **state)
{
	(void)state;
	struct outcome o;
	uint8_t q[BOLT_NAME_MAX];
	ut_name("dom1.boltnet.", q);
	memset(&o, 0, sizeof(o));
	cp.offline = false; /* would send, if it tried */
	assert_int_equal(res_start(&cp, q, BOLT_TYPE_AXFR, BOLT_CLASS_IN, false, on_done, &o), 0);
	cp.offline = true;
	assert_true(o.done);
	assert_int_equal(o.rcode, BOLT_RCODE_NOTIMP);
	assert_int_equal(o.ede, BOLT_EDE_NOT_SUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aaaa_with_only_a, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl_2_31, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_ttl_0_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_authority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notimp_https_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ede_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ds_not_a_referral, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prime_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_axfr_not_sent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
