/*
 * control/rpz: the zone-file parser (directives, relative names, owners
 * carried over, parentheses, TTL units), every trigger (exact and wildcard
 * QNAME, rpz-ip v4/v6 with longest prefix, nsdname, nsip), every action,
 * local data answers, skipped records with their line numbers, the zone's
 * override, differences between two versions, and a large zone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "boltdns/cache.h"
#include "boltdns/errcode.h"
#include "rpz.h"
#include "tsig.h"
#include "ut_build.h"

static const char zone_text[] =
	"$TTL 300\n"
	"@ IN SOA ns.rpz.test. admin.rpz.test. ( 42 ; serial\n"
	"   3600 600 86400 60 )\n"
	"  IN NS ns.rpz.test.\n"
	"BAD.Example      CNAME .\n"
	"*.bad.example    CNAME .\n"
	"nodata.example   CNAME *.\n"
	"ok.bad.example   CNAME rpz-passthru.\n"
	"drop.example     CNAME rpz-drop.\n"
	"tcp.example      CNAME rpz-tcp-only.\n"
	"garden.example   60 IN A 192.0.2.80\n"
	"                 IN A 192.0.2.81\n"
	"                 AAAA 2001:db8::80\n"
	"garden.example   TXT \"blocked; see policy\"\n"
	"redir.example    CNAME walled.garden.test.\n"
	"rel.example      CNAME walled\n"
	"*.wild.example   CNAME *.garden.test.\n"
	"24.0.2.0.192.rpz-ip     CNAME .\n"
	"32.7.2.0.192.rpz-ip     CNAME rpz-passthru.\n"
	"32.9.2.0.192.rpz-ip     A 192.0.2.99\n"
	"48.zz.db8.2001.rpz-ip   CNAME *.\n"
	"ns1.evil.example.rpz-nsdname CNAME .\n"
	"*.evil.example.rpz-nsdname   CNAME .\n"
	"32.53.2.0.192.rpz-nsip  CNAME .\n"
	"; broken records below\n"
	"badip1.rpz-ip CNAME .\n"          /* line 26 */
	"23.0.3.0.192.rpz-ip CNAME .\n"    /* bits past the prefix */
	"x.example MX 10\n"                /* bad RDATA */
	"y.example HINFO a b\n"            /* unsupported type */
	"bad.example A 192.0.2.1\n"        /* conflicts with the CNAME . */
	"z.example.other. A 192.0.2.1\n"   /* outside the zone */
	"24.0.2.0.192.rpz-client-ip CNAME .\n"
	"last.example CNAME .\n";

struct logged {
	unsigned n;
	unsigned lines[16];
	char msg[16][96];
};

static void log_cb(void *arg, const char *file, unsigned line, const char *msg)
{
	struct logged *l = arg;
	assert_string_equal(file, "test.rpz");
	if (l->n < 16) {
		l->lines[l->n] = line;
		snprintf(l->msg[l->n], sizeof(l->msg[0]), "%s", msg);
	}
	l->n++;
}

static struct rpz_zone *load(struct logged *lg)
{
	uint8_t origin[BOLT_NAME_MAX];
	ut_name("rpz.test.", origin);
	struct rpz_zone *z = rpz_zone_new(origin);
	assert_non_null(z);
	assert_int_equal(rpz_zone_parse(z, zone_text, sizeof(zone_text) - 1, "test.rpz", log_cb, lg),
	                 0);
	return z;
}

static uint8_t qname_action(const struct rpz_zone *z, const char *name, uint8_t *trig)
{
	uint8_t n[BOLT_NAME_MAX];
	ut_name(name, n);
	struct rpz_hit h;
	if (!rpz_zone_match_qname(z, n, &h))
		return RPZ_ACT_NONE;
	if (trig)
		*trig = h.trigger;
	return h.action;
}

static void test_parse_and_qname(void **state)
{
	(void)state;
	struct logged lg = { 0 };
	struct rpz_zone *z = load(&lg);
	struct rpz_zone_stats st;
	rpz_zone_get_stats(z, &st);
	assert_true(st.have_soa);
	assert_int_equal(st.serial, 42);
	assert_int_equal(st.refresh, 3600);
	assert_int_equal(st.skipped, 7);
	assert_int_equal(lg.n, 7);
	assert_int_equal(lg.lines[0], 26);
	assert_int_equal(lg.lines[6], 32);
	assert_non_null(strstr(lg.msg[1], "beyond the prefix"));
	assert_non_null(strstr(lg.msg[6], "rpz-client-ip"));

	uint8_t trig = 0;
	assert_int_equal(qname_action(z, "bad.example.", &trig), RPZ_ACT_NXDOMAIN);
	assert_int_equal(trig, RPZ_TRIG_QNAME);
	assert_int_equal(qname_action(z, "a.b.bad.example.", &trig), RPZ_ACT_NXDOMAIN);
	assert_int_equal(trig, RPZ_TRIG_QNAME_WILD);
	/* The exact trigger wins over the wildcard above it. */
	assert_int_equal(qname_action(z, "ok.bad.example.", NULL), RPZ_ACT_PASSTHRU);
	assert_int_equal(qname_action(z, "x.ok.bad.example.", NULL), RPZ_ACT_NXDOMAIN);
	assert_int_equal(qname_action(z, "example.", NULL), RPZ_ACT_NONE);
	assert_int_equal(qname_action(z, "wild.example.", NULL), RPZ_ACT_NONE);
	assert_int_equal(qname_action(z, "nodata.example.", NULL), RPZ_ACT_NODATA);
	assert_int_equal(qname_action(z, "drop.example.", NULL), RPZ_ACT_DROP);
	assert_int_equal(qname_action(z, "tcp.example.", NULL), RPZ_ACT_TCP_ONLY);
	assert_int_equal(qname_action(z, "garden.example.", NULL), RPZ_ACT_LOCAL);
	assert_int_equal(qname_action(z, "last.example.", NULL), RPZ_ACT_NXDOMAIN);
	/* The apex and triggers of other kinds are not QNAME triggers. */
	assert_int_equal(qname_action(z, "rpz.test.", NULL), RPZ_ACT_NONE);
	assert_int_equal(qname_action(z, "ns1.evil.example.", NULL), RPZ_ACT_NONE);
	rpz_zone_free(z);
}

static uint8_t addr_action(const struct rpz_zone *z, uint8_t trig, const char *a)
{
	uint8_t addr[16];
	int family = strchr(a, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(family, a, addr), 1);
	struct rpz_hit h;
	return rpz_zone_match_addr(z, trig, family, addr, &h) ? h.action : RPZ_ACT_NONE;
}

static void test_addresses(void **state)
{
	(void)state;
	struct logged lg = { 0 };
	struct rpz_zone *z = load(&lg);
	assert_int_equal(addr_action(z, RPZ_TRIG_IP, "192.0.2.1"), RPZ_ACT_NXDOMAIN);
	assert_int_equal(addr_action(z, RPZ_TRIG_IP, "192.0.2.7"), RPZ_ACT_PASSTHRU);
	assert_int_equal(addr_action(z, RPZ_TRIG_IP, "192.0.2.9"), RPZ_ACT_LOCAL);
	assert_int_equal(addr_action(z, RPZ_TRIG_IP, "192.0.3.1"), RPZ_ACT_NONE);
	assert_int_equal(addr_action(z, RPZ_TRIG_IP, "2001:db8::1"), RPZ_ACT_NODATA);
	assert_int_equal(addr_action(z, RPZ_TRIG_IP, "2001:db8:1::1"), RPZ_ACT_NONE);
	assert_int_equal(addr_action(z, RPZ_TRIG_NSIP, "192.0.2.53"), RPZ_ACT_NXDOMAIN);
	assert_int_equal(addr_action(z, RPZ_TRIG_NSIP, "192.0.2.1"), RPZ_ACT_NONE);
	uint8_t n[BOLT_NAME_MAX];
	struct rpz_hit h;
	ut_name("ns1.evil.example.", n);
	assert_true(rpz_zone_match_nsdname(z, n, &h));
	ut_name("ns9.evil.example.", n);
	assert_true(rpz_zone_match_nsdname(z, n, &h));
	ut_name("evil.example.", n);
	assert_false(rpz_zone_match_nsdname(z, n, &h));
	char text[64];
	assert_true(rpz_rule_text(z, h.rule, text, sizeof(text)) > 0);
	rpz_zone_free(z);
}

/* Name server triggers: their kinds, IPv6 NSIP with `zz`, wildcard NSDNAME
 * below a name only, no overlap with QNAME rules, text, malformed ones. */
static void test_ns_triggers(void **state)
{
	(void)state;
	static const char text[] =
		"$TTL 60\n"
		"@ SOA ns.rpz.test. admin.rpz.test. 1 3600 600 86400 60\n"
		"ns.bad.example.rpz-nsdname       CNAME .\n"
		"*.evil.example.rpz-nsdname       CNAME *.\n"
		"128.53.zz.db8.2001.rpz-nsip      A 192.0.2.80\n"
		"16.0.0.0.10.rpz-nsip             CNAME rpz-drop.\n"
		"33.1.2.0.192.rpz-nsip            CNAME .\n"     /* line 7: prefix too long */
		"rpz-nsdname                      CNAME .\n";    /* line 8: no name */
	uint8_t origin[BOLT_NAME_MAX];
	ut_name("rpz.test.", origin);
	struct rpz_zone *z = rpz_zone_new(origin);
	assert_non_null(z);
	struct logged lg = { 0 };
	assert_int_equal(rpz_zone_parse(z, text, sizeof(text) - 1, "test.rpz", log_cb, &lg), 0);
	assert_int_equal(lg.n, 2);
	assert_int_equal(lg.lines[0], 7);
	assert_int_equal(lg.lines[1], 8);
	assert_true(rpz_zone_has(z, RPZ_TRIG_NSDNAME));
	assert_true(rpz_zone_has(z, RPZ_TRIG_NSIP));
	assert_false(rpz_zone_has(z, RPZ_TRIG_IP));
	assert_false(rpz_zone_has(z, RPZ_TRIG_QNAME));
	uint8_t n[BOLT_NAME_MAX];
	struct rpz_hit h;
	char t[64];
	ut_name("NS.Bad.Example.", n);
	bolt_name_lower(n, (size_t)bolt_name_len(n, BOLT_NAME_MAX));
	assert_true(rpz_zone_match_nsdname(z, n, &h));
	assert_int_equal(h.trigger, RPZ_TRIG_NSDNAME);
	assert_int_equal(h.action, RPZ_ACT_NXDOMAIN);
	assert_false(rpz_zone_match_qname(z, n, &h));   /* not a QNAME rule */
	ut_name("a.b.evil.example.", n);
	assert_true(rpz_zone_match_nsdname(z, n, &h));
	assert_int_equal(h.trigger, RPZ_TRIG_NSDNAME_WILD);
	assert_int_equal(h.action, RPZ_ACT_NODATA);
	assert_true(rpz_rule_text(z, h.rule, t, sizeof(t)) > 0);
	assert_string_equal(t, "*.evil.example.");
	ut_name("evil.example.", n);
	assert_false(rpz_zone_match_nsdname(z, n, &h));
	ut_name("ns.bad.example.other.", n);
	assert_false(rpz_zone_match_nsdname(z, n, &h));
	uint8_t a6[16], a4[4];
	inet_pton(AF_INET6, "2001:db8::53", a6);
	assert_true(rpz_zone_match_addr(z, RPZ_TRIG_NSIP, AF_INET6, a6, &h));
	assert_int_equal(h.action, RPZ_ACT_LOCAL);
	assert_true(rpz_rule_text(z, h.rule, t, sizeof(t)) > 0);
	assert_string_equal(t, "2001:db8::53/128");
	assert_false(rpz_zone_match_addr(z, RPZ_TRIG_IP, AF_INET6, a6, &h));
	inet_pton(AF_INET, "10.0.200.1", a4);
	assert_true(rpz_zone_match_addr(z, RPZ_TRIG_NSIP, AF_INET, a4, &h));
	assert_int_equal(h.action, RPZ_ACT_DROP);
	assert_string_equal(rpz_trigger_name(h.trigger), "nsip");
	inet_pton(AF_INET, "10.1.0.1", a4);
	assert_false(rpz_zone_match_addr(z, RPZ_TRIG_NSIP, AF_INET, a4, &h));
	/* a change of a name server rule shows in the difference */
	struct rpz_zone *z2 = rpz_zone_new(origin);
	assert_non_null(z2);
	assert_int_equal(rpz_zone_parse(z2, text, sizeof(text) - 1, "test.rpz", NULL, NULL), 0);
	ut_name("ns2.bad.example.rpz-nsdname.rpz.test.", n);
	uint8_t dot[1] = { 0 };
	const char *why;
	assert_int_equal(rpz_zone_add_rr(z2, n, BOLT_TYPE_CNAME, 60, dot, 1, &why), 0);
	struct rpz_zone *d = rpz_zone_diff(z, z2);
	assert_non_null(d);
	assert_int_equal(rpz_zone_rules(d), 1);
	assert_true(rpz_zone_has(d, RPZ_TRIG_NSDNAME));
	rpz_zone_free(d);
	rpz_zone_free(z2);
	rpz_zone_free(z);
}

/* The answer of name/type, parsed back. */
static int answer(const struct rpz_zone *z, const char *name, uint16_t qtype, struct bolt_msg *m,
                  struct bolt_rr *rrs, uint8_t *kind)
{
	static uint8_t buf[4096], scratch[8192];
	uint8_t n[BOLT_NAME_MAX];
	ut_name(name, n);
	struct rpz_hit h;
	assert_true(rpz_zone_match_qname(z, n, &h));
	struct bolt_build b;
	uint32_t ttl;
	uint8_t target[BOLT_NAME_MAX];
	int len = rpz_answer(&h, n, qtype, buf, sizeof(buf), &b, kind, &ttl, target);
	assert_true(len > 0);
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, m, rrs, 16, scratch, sizeof(scratch)), 0);
	return (int)ttl;
}

static void test_answers(void **state)
{
	(void)state;
	struct logged lg = { 0 };
	struct rpz_zone *z = load(&lg);
	struct bolt_msg m;
	struct bolt_rr rrs[16];
	uint8_t kind;

	answer(z, "x.bad.example.", BOLT_TYPE_A, &m, rrs, &kind);
	assert_int_equal(BOLT_RCODE(m.flags), 3);
	assert_int_equal(kind, BOLT_CACHE_NXDOMAIN);
	assert_int_equal(m.ancount, 0);

	answer(z, "nodata.example.", BOLT_TYPE_A, &m, rrs, &kind);
	assert_int_equal(BOLT_RCODE(m.flags), 0);
	assert_int_equal(kind, BOLT_CACHE_NODATA);

	int ttl = answer(z, "garden.example.", BOLT_TYPE_A, &m, rrs, &kind);
	assert_int_equal(kind, BOLT_CACHE_POSITIVE);
	assert_int_equal(m.ancount, 2);
	assert_int_equal(ttl, 60);
	assert_int_equal(rrs[0].type, BOLT_TYPE_A);
	assert_int_equal(rrs[1].rdata[3], 81);
	answer(z, "garden.example.", BOLT_TYPE_AAAA, &m, rrs, &kind);
	assert_int_equal(m.ancount, 1);
	answer(z, "garden.example.", BOLT_TYPE_TXT, &m, rrs, &kind);
	assert_int_equal(m.ancount, 1);
	answer(z, "garden.example.", BOLT_TYPE_MX, &m, rrs, &kind);
	assert_int_equal(kind, BOLT_CACHE_NODATA);

	answer(z, "redir.example.", BOLT_TYPE_A, &m, rrs, &kind);
	assert_int_equal(m.ancount, 1);
	assert_int_equal(rrs[0].type, BOLT_TYPE_CNAME);
	uint8_t want[BOLT_NAME_MAX];
	ut_name("walled.garden.test.", want);
	assert_true(bolt_name_equal(rrs[0].rdata, want));
	/* A relative target is below the zone's origin. */
	answer(z, "rel.example.", BOLT_TYPE_A, &m, rrs, &kind);
	ut_name("walled.rpz.test.", want);
	assert_true(bolt_name_equal(rrs[0].rdata, want));
	/* `*.suffix` targets take the query name. */
	answer(z, "host.wild.example.", BOLT_TYPE_A, &m, rrs, &kind);
	ut_name("host.wild.example.garden.test.", want);
	assert_true(bolt_name_equal(rrs[0].rdata, want));
	rpz_zone_free(z);
}

static void test_override_and_diff(void **state)
{
	(void)state;
	struct logged lg = { 0 };
	struct rpz_zone *a = load(&lg);
	rpz_zone_set_policy(a, RPZ_ACT_NODATA, RPZ_EDE_BLOCKED, true, "test");
	assert_int_equal(qname_action(a, "bad.example.", NULL), RPZ_ACT_NODATA);
	assert_int_equal(qname_action(a, "garden.example.", NULL), RPZ_ACT_NODATA);
	assert_int_equal(rpz_zone_ede(a), RPZ_EDE_BLOCKED);

	uint8_t origin[BOLT_NAME_MAX];
	ut_name("rpz.test.", origin);
	struct rpz_zone *b = rpz_zone_new(origin);
	static const char v2[] =
		"bad.example CNAME .\n"
		"garden.example 60 A 192.0.2.80\n"     /* 192.0.2.81 gone */
		"new.example CNAME rpz-drop.\n"
		"24.0.2.0.192.rpz-ip CNAME *.\n";      /* action changed */
	assert_int_equal(rpz_zone_parse(b, v2, sizeof(v2) - 1, "v2", NULL, NULL), 0);
	struct rpz_zone *d = rpz_zone_diff(a, b);
	assert_non_null(d);
	assert_int_equal(qname_action(d, "bad.example.", NULL), RPZ_ACT_NONE);
	assert_int_equal(qname_action(d, "garden.example.", NULL), RPZ_ACT_PASSTHRU);
	assert_int_equal(qname_action(d, "new.example.", NULL), RPZ_ACT_PASSTHRU);
	assert_int_equal(qname_action(d, "x.bad.example.", NULL), RPZ_ACT_PASSTHRU);
	assert_int_equal(qname_action(d, "drop.example.", NULL), RPZ_ACT_PASSTHRU);
	assert_int_equal(addr_action(d, RPZ_TRIG_IP, "192.0.2.1"), RPZ_ACT_PASSTHRU);
	rpz_zone_free(d);
	d = rpz_zone_diff(b, b);
	assert_int_equal(rpz_zone_rules(d), 0);
	rpz_zone_free(d);
	rpz_zone_free(a);
	rpz_zone_free(b);
}

static void test_origin_from_soa(void **state)
{
	(void)state;
	static const char t[] =
		"; no origin configured\n"
		"rpz.example. 3600 SOA ns. admin. 7 60 60 60 60\n"
		"$ORIGIN sub.rpz.example.\n"
		"a CNAME .\n"
		"b.example.rpz.example. 1h2m CNAME rpz-drop.\n"
		"\"quoted\" A 192.0.2.1\n"
		"(\n";
	struct rpz_zone *z = rpz_zone_new(NULL);
	struct logged lg = { 0 };
	assert_int_equal(rpz_zone_parse(z, t, sizeof(t) - 1, "test.rpz", log_cb, &lg), 0);
	assert_int_equal(qname_action(z, "a.sub.", NULL), RPZ_ACT_NXDOMAIN);
	uint8_t n[BOLT_NAME_MAX];
	struct rpz_hit h;
	ut_name("b.example.", n);
	assert_true(rpz_zone_match_qname(z, n, &h));
	assert_int_equal(h.ttl, 3720);
	assert_int_equal(lg.n, 2);
	rpz_zone_free(z);

	/* No origin anywhere: nothing loads. */
	z = rpz_zone_new(NULL);
	static const char bad[] = "a CNAME .\n";
	assert_true(rpz_zone_parse(z, bad, sizeof(bad) - 1, "test.rpz", NULL, NULL) < 0);
	rpz_zone_free(z);
}

static void test_large(void **state)
{
	(void)state;
	uint8_t origin[BOLT_NAME_MAX];
	ut_name("rpz.test.", origin);
	struct rpz_zone *z = rpz_zone_new(origin);
	size_t cap = 200000 * 40;
	char *t = malloc(cap);
	size_t len = 0;
	for (int i = 0; i < 200000; i++)
		len += (size_t)snprintf(t + len, cap - len, "host%d.example CNAME .\n", i);
	assert_int_equal(rpz_zone_parse(z, t, len, "big", NULL, NULL), 0);
	assert_int_equal(rpz_zone_rules(z), 200000);
	assert_int_equal(qname_action(z, "host199999.example.", NULL), RPZ_ACT_NXDOMAIN);
	assert_int_equal(qname_action(z, "host200000.example.", NULL), RPZ_ACT_NONE);
	struct rpz_zone_stats st;
	rpz_zone_get_stats(z, &st);
	/* Proportional to the zone: well under 100 bytes per trigger. */
	assert_true(st.bytes < 200000ull * 100);
	free(t);
	rpz_zone_free(z);
}

/* TSIG: a message signed as a primary signs its answer (the digest over the
 * request's MAC) verifies; a changed byte, another key, a time outside the
 * fudge and an unsigned first message do not. */
static int sign_answer(const struct rpz_tsig_key *k, const uint8_t *req_mac, uint8_t *msg,
                       size_t len, uint64_t t)
{
	/* As a primary does it: prior MAC, message, full variables. The
	 * verifier's own sign + stream code is used through a request with a
	 * zero-length body: simpler to build by hand here. */
	uint8_t d[4096];
	size_t n = 0;
	d[n++] = 0;
	d[n++] = RPZ_TSIG_MAC_LEN;
	memcpy(d + n, req_mac, RPZ_TSIG_MAC_LEN);
	n += RPZ_TSIG_MAC_LEN;
	memcpy(d + n, msg, len);
	n += len;
	/* variables: name, class ANY, TTL 0, algorithm, time, fudge, error, other */
	memcpy(d + n, k->name, k->name_len);
	n += k->name_len;
	static const uint8_t mid[] = { 0, 255, 0, 0, 0, 0, 11, 'h', 'm', 'a', 'c', '-', 's', 'h',
	                               'a', '2', '5', '6', 0 };
	memcpy(d + n, mid, sizeof(mid));
	n += sizeof(mid);
	for (int i = 5; i >= 0; i--)
		d[n++] = (uint8_t)(t >> (8 * i));
	d[n++] = 1;
	d[n++] = 44;            /* fudge 300 */
	d[n++] = 0; d[n++] = 0; /* error */
	d[n++] = 0; d[n++] = 0; /* other length */
	/* Reuse rpz_tsig_sign for the record layout: it signs msg[0..len)
	 * with the request's form; then put the answer's MAC in its place. */
	uint8_t mac[RPZ_TSIG_MAC_LEN], unused[RPZ_TSIG_MAC_LEN];
	unsigned ml = 0;
	assert_non_null(HMAC(EVP_sha256(), k->secret, (int)k->secret_len, d, n, mac, &ml));
	int l = rpz_tsig_sign(k, msg, len, 4096, t, unused);
	assert_true(l > 0);
	/* The MAC sits 6 bytes before the end (ID, error, other length). */
	memcpy(msg + l - 6 - RPZ_TSIG_MAC_LEN, mac, RPZ_TSIG_MAC_LEN);
	return l;
}

static void test_tsig(void **state)
{
	(void)state;
	struct rpz_tsig_key k, other;
	assert_int_equal(rpz_tsig_key_parse("rpzkey:hmac-sha256:c2VjcmV0LXNlY3JldC1zZWNyZXQ=", &k), 0);
	assert_int_equal(k.secret_len, 20);
	assert_int_equal(rpz_tsig_key_parse("rpzkey:hmac-sha256:b3RoZXI=", &other), 0);
	assert_int_equal(rpz_tsig_key_parse("rpzkey:hmac-md5:b3RoZXI=", &other), BOLT_ESYNTAX);
	assert_int_equal(rpz_tsig_key_parse("rpzkey:hmac-sha256:", &other), BOLT_ESYNTAX);
	assert_int_equal(rpz_tsig_key_parse("rpzkey:hmac-sha256:b3RoZXI=", &other), 0);

	uint8_t req[4096], ans[4096], copy[4096];
	struct bolt_build b;
	uint8_t zone[BOLT_NAME_MAX];
	int zl = bolt_name_from_text("rpz.test.", zone);
	bolt_build_init(&b, req, sizeof(req), 0x1234, 0);
	bolt_build_question(&b, zone, (size_t)zl, BOLT_TYPE_AXFR, BOLT_CLASS_IN);
	int rl = bolt_build_finish(&b);
	uint8_t mac[RPZ_TSIG_MAC_LEN];
	const uint64_t now = 1767225600;
	rl = rpz_tsig_sign(&k, req, (size_t)rl, sizeof(req), now, mac);
	assert_true(rl > 0);
	assert_int_equal(req[11], 1);   /* ARCOUNT: the TSIG */

	bolt_build_init(&b, ans, sizeof(ans), 0x1234, BOLT_FLAG_QR | BOLT_FLAG_AA);
	bolt_build_question(&b, zone, (size_t)zl, BOLT_TYPE_AXFR, BOLT_CLASS_IN);
	static const uint8_t soa[22] = { 0, 0, 0, 0, 0, 7 };
	bolt_build_rr(&b, BOLT_SEC_ANSWER, zone, BOLT_TYPE_SOA, BOLT_CLASS_IN, 60, soa, sizeof(soa));
	int al = bolt_build_finish(&b);
	al = sign_answer(&k, mac, ans, (size_t)al, now);

	struct rpz_tsig_stream s;
	size_t out;
	const char *why = NULL;
	memcpy(copy, ans, (size_t)al);
	rpz_tsig_stream_init(&s, &k, mac);
	assert_int_equal(rpz_tsig_verify(&s, copy, (size_t)al, now + 10, &out, &why), 0);
	assert_true(rpz_tsig_stream_clean(&s));
	assert_int_equal(copy[11], 0);  /* the TSIG taken off */
	rpz_tsig_stream_free(&s);

	/* a byte changed */
	memcpy(copy, ans, (size_t)al);
	copy[20] ^= 1;
	rpz_tsig_stream_init(&s, &k, mac);
	assert_true(rpz_tsig_verify(&s, copy, (size_t)al, now, &out, &why) < 0);
	rpz_tsig_stream_free(&s);
	/* another key */
	memcpy(copy, ans, (size_t)al);
	rpz_tsig_stream_init(&s, &other, mac);
	assert_true(rpz_tsig_verify(&s, copy, (size_t)al, now, &out, &why) < 0);
	rpz_tsig_stream_free(&s);
	/* outside the fudge */
	memcpy(copy, ans, (size_t)al);
	rpz_tsig_stream_init(&s, &k, mac);
	assert_true(rpz_tsig_verify(&s, copy, (size_t)al, now + 301, &out, &why) < 0);
	assert_non_null(strstr(why, "fudge"));
	rpz_tsig_stream_free(&s);
	/* an unsigned first message */
	rpz_tsig_stream_init(&s, &k, mac);
	bolt_build_init(&b, copy, sizeof(copy), 0x1234, BOLT_FLAG_QR);
	bolt_build_question(&b, zone, (size_t)zl, BOLT_TYPE_AXFR, BOLT_CLASS_IN);
	int ul = bolt_build_finish(&b);
	assert_true(rpz_tsig_verify(&s, copy, (size_t)ul, now, &out, &why) < 0);
	rpz_tsig_stream_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_qname),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_ns_triggers),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_override_and_diff),
		cmocka_unit_test(test_origin_from_soa),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_tsig),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
