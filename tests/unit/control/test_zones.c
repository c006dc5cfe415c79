/*
 * Forward and stub zones: the table (control/iter/zones.c: longest match,
 * label limits, what a reload changes, counters kept for unchanged zones)
 * and how answers of a recursive server are read (ans_classify with
 * recursive set: NXDOMAIN without AA, a chain settled by the forwarder,
 * NS records with and without an SOA).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"
#include "ut_build.h"
#include "iter/answer.h"
#include "iter/infra.h"
#include "iter/resolve.h"
#include "cp.h"
#include "iter/scrub.h"
#include "iter/zones.h"
#include "cp_helpers.h"

static void cfg_zone(struct bolt_cfg_zone *z, const char *zname, int type, const char *server)
{
	memset(z, 0, sizeof(*z));
	ut_name(zname, z->name);
	bolt_name_lower(z->name, (size_t)bolt_name_len(z->name, BOLT_NAME_MAX));
	z->type = type;
	assert_int_equal(bolt_sockaddr_parse(server, &z->servers[0]), 0);
	z->nservers = 1;
}

/* The zone matched for qname (text, "-" for none). */
static const char *match(const char *qname, int max_labels)
{
	static char text[1024];
	uint8_t q[BOLT_NAME_MAX];
	ut_name(qname, q);
	const struct zone *z = zones_match(q, max_labels, NULL);
	if (z == NULL)
		return "-";
	assert_true(bolt_name_to_text(z->name, text, sizeof(text)) > 0);
	return text;
}

static char changes[1024];

static void on_change(const uint8_t *n, void *arg)
{
	(void)arg;
	char text[1024];
	assert_true(bolt_name_to_text(n, text, sizeof(text)) > 0);
	strcat(changes, text);
	strcat(changes, " ");
}

static void test_longest_match(void **state)
{
	(void)state;
	struct bolt_cfg_zone z[4];
	cfg_zone(&z[0], "corp.example.", BOLT_ZONE_STUB, "198.18.1.20");
	cfg_zone(&z[1], "b.corp.example.", BOLT_ZONE_FORWARD, "198.18.1.21@5353");
	cfg_zone(&z[2], "10.in-addr.arpa.", BOLT_ZONE_FORWARD, "198.18.1.22");
	cfg_zone(&z[3], ".", BOLT_ZONE_FORWARD, "127.0.0.1@5300");
	zones_configure(z, 3, NULL, NULL);
	assert_int_equal(zones_count(), 3);
	assert_string_equal(match("www.corp.example.", -1), "corp.example.");
	assert_string_equal(match("corp.example.", -1), "corp.example.");
	assert_string_equal(match("a.b.corp.example.", -1), "b.corp.example.");
	assert_string_equal(match("b.corp.example.", -1), "b.corp.example.");
	assert_string_equal(match("xb.corp.example.", -1), "corp.example.");
	assert_string_equal(match("WWW.Corp.Example.", -1), "corp.example.");
	assert_string_equal(match("example.", -1), "-");
	assert_string_equal(match("1.0.0.10.in-addr.arpa.", -1), "10.in-addr.arpa.");
	/* DS of b.corp.example goes to the parent side: at most 2 labels */
	assert_string_equal(match("b.corp.example.", 2), "corp.example.");
	assert_string_equal(match("corp.example.", 1), "-");
	/* skip: forward-first gave up on the deepest one */
	uint8_t q[BOLT_NAME_MAX];
	ut_name("a.b.corp.example.", q);
	const struct zone *deep = zones_match(q, -1, NULL);
	const struct zone *next = zones_match(q, -1, deep);
	assert_non_null(next);
	assert_true(next->labels == 2 && next->type == BOLT_ZONE_STUB);
	/* ports: as written, 53 when not */
	assert_int_equal(deep->srv[0].a.port, 5353);
	assert_int_equal(next->srv[0].a.port, 53);
	/* a forward "." takes every other name */
	zones_configure(z, 4, NULL, NULL);
	assert_string_equal(match("www.example.", -1), ".");
	assert_string_equal(match("www.corp.example.", -1), "corp.example.");
	zones_configure(z, 0, NULL, NULL);
	assert_int_equal(zones_count(), 0);
	assert_string_equal(match("www.corp.example.", -1), "-");
}

static void test_reload_changes(void **state)
{
	(void)state;
	struct bolt_cfg_zone z[3];
	cfg_zone(&z[0], "a.example.", BOLT_ZONE_STUB, "198.18.1.20");
	cfg_zone(&z[1], "b.example.", BOLT_ZONE_FORWARD, "198.18.1.21");
	cfg_zone(&z[2], "c.example.", BOLT_ZONE_FORWARD, "198.18.1.22");
	zones_configure(NULL, 0, NULL, NULL);
	changes[0] = 0;
	assert_int_equal(zones_configure(z, 2, on_change, NULL), 2);
	assert_string_equal(changes, "a.example. b.example. ");
	unsigned gen = zones_generation();
	uint8_t q[BOLT_NAME_MAX];
	ut_name("www.a.example.", q);
	const struct zone *a = zones_match(q, -1, NULL);
	zones_note_question(a);
	zones_note_try(a, &a->srv[0].a, ZONE_TRY_SENT);
	zones_note_try(a, &a->srv[0].a, ZONE_TRY_ANSWER);
	/* the same configuration again: nothing changes, not even the generation */
	changes[0] = 0;
	assert_int_equal(zones_configure(z, 2, on_change, NULL), 0);
	assert_string_equal(changes, "");
	assert_int_equal(zones_generation(), gen);
	/* b gets another option, c comes, a stays (its counters too) */
	z[1].forward_first = true;
	assert_int_equal(zones_configure(z, 3, on_change, NULL), 2);
	assert_string_equal(changes, "b.example. c.example. ");
	assert_int_not_equal(zones_generation(), gen);
	a = zones_match(q, -1, NULL);
	assert_int_equal(a->questions, 1);
	assert_int_equal(a->srv[0].queries, 1);
	assert_int_equal(a->srv[0].answers, 1);
	/* another server for a; b removed */
	changes[0] = 0;
	assert_int_equal(bolt_sockaddr_parse("198.18.1.23", &z[0].servers[0]), 0);
	z[1] = z[2];
	assert_int_equal(zones_configure(z, 2, on_change, NULL), 2);
	assert_string_equal(changes, "a.example. b.example. ");
	a = zones_match(q, -1, NULL);
	assert_int_equal(a->questions, 0);
	/* a server that is not the zone's is not counted */
	struct infra_addr other = a->srv[0].a;
	other.port = 5300;
	zones_note_try(a, &other, ZONE_TRY_SENT);
	assert_int_equal(a->srv[0].queries, 0);
	zones_configure(NULL, 0, NULL, NULL);
}

/* A changed zone's delegations and zone-down marks go, at and below it only. */
static void test_infra_forget(void **state)
{
	(void)state;
	struct infra *t = infra_new(64);
	assert_non_null(t);
	struct infra_nsset ns = { .n = 1 };
	ut_name("ns1.example.", ns.name[0]);
	ns.len[0] = (uint8_t)bolt_name_len(ns.name[0], BOLT_NAME_MAX);
	const char *zones[] = { "corp.example.", "b.corp.example.", "xcorp.example.", "example." };
	for (unsigned i = 0; i < 4; i++) {
		uint8_t z[BOLT_NAME_MAX];
		ut_name(zones[i], z);
		assert_int_equal(infra_ns_put(t, z, &ns, 1000, 3600), 0);
	}
	uint8_t z[BOLT_NAME_MAX], down = 1;
	ut_name("corp.example.", z);
	assert_int_equal(infra_put(t, INFRA_ZONE_DOWN, z, (size_t)bolt_name_len(z, BOLT_NAME_MAX),
	                           &down, 1, 5000), 0);
	assert_int_equal(infra_zone_del_below(t, z), 3);
	struct infra_nsset got;
	assert_int_equal(infra_ns_get(t, z, 1000, &got), BOLT_ENOENT);
	ut_name("xcorp.example.", z);
	assert_int_equal(infra_ns_get(t, z, 1000, &got), 0);
	ut_name("example.", z);
	assert_int_equal(infra_ns_get(t, z, 1000, &got), 0);
	infra_free(t);
}

/* ---- answers of a recursive server ---- */

/* Classify p (asked qname A) as the iterator does for a forward zone
 * (bailiwick: the root) or, recursive false, for an authoritative server
 * of zone. */
static enum ans_kind classify(struct ut_pkt *p, const char *qname, const char *zone, bool recursive)
{
	p->len = bolt_build_finish(&p->b);
	assert_true(p->len > 0);
	assert_int_equal(bolt_msg_parse(p->buf, (size_t)p->len, &p->m, p->rrs, 64, p->scratch,
	                                sizeof(p->scratch)), 0);
	uint8_t z[BOLT_NAME_MAX], q[BOLT_NAME_MAX];
	ut_name(recursive ? "." : zone, z);
	ut_name(qname, q);
	scrub_response(&p->m, z, q, BOLT_TYPE_A, p->keep);
	struct ans_query aq = { .zone = z, .asked = q, .asked_type = BOLT_TYPE_A, .qname = q,
	                        .cur = q, .qtype = BOLT_TYPE_A, .max_cname = 8,
	                        .recursive = recursive };
	struct orr_list l = { 0 };
	struct ans_result res = { 0 };
	assert_int_equal(ans_classify(&p->m, p->keep, &aq, &l, &res), 0);
	orr_list_free(&l);
	return res.kind;
}

/* A record of the TTL every record here has. */
static void add(struct ut_pkt *p, uint8_t sec, const char *owner, uint16_t type,
                const char *rdata)
{
	ut_pkt_add(p, sec, owner, type, 300, rdata);
}

static void test_recursive_answers(void **state)
{
	(void)state;
	static struct ut_pkt p;
	/* NXDOMAIN without AA: a forwarder's answer, an interceptor's otherwise */
	for (int rec = 0; rec < 2; rec++) {
		ut_pkt_start(&p, "nx.corp.example.", BOLT_TYPE_A,
		             BOLT_FLAG_RD | BOLT_FLAG_RA | BOLT_RCODE_NXDOMAIN);
		add(&p, BOLT_SEC_AUTHORITY, "corp.example.", BOLT_TYPE_SOA,
		    "ns1.corp.example. h.corp.example. 1 3600 600 86400 300");
		assert_int_equal(classify(&p, "nx.corp.example.", "corp.example.", rec),
		                 rec ? ANS_NXDOMAIN : ANS_LAME);
	}
	/* a chain into another zone, settled by the forwarder: NODATA at its end */
	ut_pkt_start(&p, "a.corp.example.", BOLT_TYPE_A, BOLT_FLAG_RD | BOLT_FLAG_RA);
	add(&p, BOLT_SEC_ANSWER, "a.corp.example.", BOLT_TYPE_CNAME, "b.other.example.");
	add(&p, BOLT_SEC_AUTHORITY, "other.example.", BOLT_TYPE_SOA,
	    "ns1.other.example. h.other.example. 1 3600 600 86400 300");
	assert_int_equal(classify(&p, "a.corp.example.", "corp.example.", true), ANS_NODATA);
	/* and the whole chain with its data */
	ut_pkt_start(&p, "a.corp.example.", BOLT_TYPE_A, BOLT_FLAG_RD | BOLT_FLAG_RA);
	add(&p, BOLT_SEC_ANSWER, "a.corp.example.", BOLT_TYPE_CNAME, "b.other.example.");
	add(&p, BOLT_SEC_ANSWER, "b.other.example.", BOLT_TYPE_A, "198.19.0.1");
	assert_int_equal(classify(&p, "a.corp.example.", "corp.example.", true), ANS_DATA);
	/* NODATA with the zone's NS next to its SOA: not a referral */
	ut_pkt_start(&p, "www.corp.example.", BOLT_TYPE_A, BOLT_FLAG_RD | BOLT_FLAG_RA);
	add(&p, BOLT_SEC_AUTHORITY, "corp.example.", BOLT_TYPE_SOA,
	    "ns1.corp.example. h.corp.example. 1 3600 600 86400 300");
	add(&p, BOLT_SEC_AUTHORITY, "corp.example.", BOLT_TYPE_NS, "ns1.corp.example.");
	assert_int_equal(classify(&p, "www.corp.example.", "corp.example.", true), ANS_NODATA);
	/* NS without an SOA: an authoritative server's referral (the iterator
	 * counts it against the forwarder) */
	ut_pkt_start(&p, "www.sub.corp.example.", BOLT_TYPE_A, 0);
	add(&p, BOLT_SEC_AUTHORITY, "sub.corp.example.", BOLT_TYPE_NS, "ns1.sub.corp.example.");
	assert_int_equal(classify(&p, "www.sub.corp.example.", "corp.example.", true), ANS_REFERRAL);
}

/* ---- whole resolutions: a forwarder's answer through res_inject ---- */

struct outcome {
	bool done;
	uint8_t rcode;
	int ancount;
};

static void on_done(struct res *r, void *arg)
{
	struct outcome *o = arg;
	o->done = true;
	o->rcode = res_rcode(r);
	static uint8_t resp[4096];
	struct bolt_build b;
	uint32_t ttl;
	uint8_t kind;
	int len = res_build_response(r, resp, sizeof(resp), &b, &ttl, &kind);
	assert_true(len > 12);
	o->ancount = resp[6] << 8 | resp[7];
}

/* The same NXDOMAIN without AA (what a recursive server sends) is an answer
 * from a forward zone's server and a lame answer from a delegation's
 * (SERVFAIL here: offline, nothing else can be asked). */
static void test_forwarded_resolution(void **state)
{
	(void)state;
	static struct bolt_config cfg;
	static struct cp cp;
	cp_offline_init(&cp, &cfg);
	cfg.validation = false;
	struct bolt_cfg_zone z;
	cfg_zone(&z, "fwd.example.", BOLT_ZONE_FORWARD, "198.18.1.20");
	zones_configure(&z, 1, NULL, NULL);
	static struct ut_pkt p;
	uint8_t q[BOLT_NAME_MAX], zn[BOLT_NAME_MAX];
	ut_name("nx.fwd.example.", q);
	ut_name("fwd.example.", zn);
	struct infra_addr a = zones_get(0)->srv[0].a;
	for (int fwd = 0; fwd < 2; fwd++) {
		ut_pkt_start(&p, "nx.fwd.example.", BOLT_TYPE_A,
		             BOLT_FLAG_RD | BOLT_FLAG_RA | BOLT_RCODE_NXDOMAIN);
		add(&p, BOLT_SEC_AUTHORITY, "fwd.example.", BOLT_TYPE_SOA,
		    "ns1.fwd.example. h.fwd.example. 1 3600 600 86400 300");
		p.len = bolt_build_finish(&p.b);
		struct outcome o = { 0 };
		/* as a forwarder's answer, or as a root server's */
		if (fwd)
			assert_int_equal(res_inject(&cp, zn, &a, q, BOLT_TYPE_A, p.buf, (size_t)p.len,
			                            on_done, &o), 0);
		else
			assert_int_equal(res_inject(&cp, (const uint8_t *)"", &a, q, BOLT_TYPE_A, p.buf,
			                            (size_t)p.len, on_done, &o), 0);
		assert_true(o.done);
		assert_int_equal(o.rcode, fwd ? BOLT_RCODE_NXDOMAIN : BOLT_RCODE_SERVFAIL);
	}
	/* a forwarder's whole chain, data at its end outside the zone */
	ut_name("www.fwd.example.", q);
	ut_pkt_start(&p, "www.fwd.example.", BOLT_TYPE_A, BOLT_FLAG_RD | BOLT_FLAG_RA);
	add(&p, BOLT_SEC_ANSWER, "www.fwd.example.", BOLT_TYPE_CNAME, "cdn.other.example.");
	add(&p, BOLT_SEC_ANSWER, "cdn.other.example.", BOLT_TYPE_A, "198.19.0.1");
	p.len = bolt_build_finish(&p.b);
	struct outcome o = { 0 };
	assert_int_equal(res_inject(&cp, zn, &a, q, BOLT_TYPE_A, p.buf, (size_t)p.len, on_done, &o), 0);
	assert_true(o.done);
	assert_int_equal(o.rcode, BOLT_RCODE_NOERROR);
	assert_int_equal(o.ancount, 2);
	assert_int_equal(zones_get(0)->srv[0].answers, 2);
	assert_int_equal(res_alive(), 0);
	zones_configure(NULL, 0, NULL, NULL);
	infra_free(cp.infra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_match),
		cmocka_unit_test(test_reload_changes),
		cmocka_unit_test(test_infra_forget),
		cmocka_unit_test(test_recursive_answers),
		cmocka_unit_test(test_forwarded_resolution),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
