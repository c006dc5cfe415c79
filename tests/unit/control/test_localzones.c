/*
 * Locally served zones: RFC 6303 reverse zones NXDOMAIN with their SOA,
 * NODATA and SOA/NS at apexes, localhost's addresses at and below the
 * apex, invalid. and onion., test. and ordinary names not local; answered
 * into the cache, off with local-zones = none.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boltdns/answer.h"
#include "boltdns/region.h"
#include "localzones.h"

struct parsed {
	struct bolt_msg m;
	struct bolt_rr rrs[16];
	uint8_t scratch[4096];
	uint8_t buf[4096];
	uint8_t kind;
	int len;
};

/* Build the local answer for (text, qtype) and parse it; returns the length. */
static int build(struct parsed *p, const char *text, uint16_t qtype)
{
	uint8_t qn[BOLT_NAME_MAX];
	int ql = bolt_name_from_text(text, qn);
	assert_true(ql > 0);
	bolt_name_lower(qn, (size_t)ql);
	struct bolt_build b;
	p->len = localzones_build(qn, (size_t)ql, qtype, p->buf, sizeof(p->buf), &b, &p->kind);
	if (p->len > 0)
		assert_int_equal(bolt_msg_parse(p->buf, (size_t)p->len, &p->m, p->rrs, 16, p->scratch,
		                                sizeof(p->scratch)), 0);
	return p->len;
}

static void name_is(const uint8_t *wire, const char *text)
{
	char t[BOLT_NAME_MAX * 4];
	assert_true(bolt_name_to_text(wire, t, sizeof(t)) > 0);
	assert_string_equal(t, text);
}

static void test_reverse_nxdomain(void **state)
{
	(void)state;
	static struct parsed p;
	const char *names[] = {
		"1.0.168.192.in-addr.arpa.", "4.3.2.10.in-addr.arpa.", "9.9.20.172.in-addr.arpa.",
		"1.0.0.127.in-addr.arpa.", "5.5.254.169.in-addr.arpa.", "255.255.255.255.in-addr.arpa.",
		"1.2.0.192.in-addr.arpa.", "x.0.in-addr.arpa.",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.",
		"1.1.9.e.f.ip6.arpa.", "foo.onion.", "a.b.invalid.",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_true(build(&p, names[i], BOLT_TYPE_PTR) > 0);
		assert_int_equal(p.kind, names[i][0] == '2' ? BOLT_CACHE_NODATA : BOLT_CACHE_NXDOMAIN);
		assert_true(p.m.flags & BOLT_FLAG_AA);
		assert_int_equal(p.m.ancount, 0);
		assert_int_equal(p.m.nscount, 1);
		assert_int_equal(p.rrs[0].type, BOLT_TYPE_SOA);
		assert_int_equal(p.rrs[0].ttl, LOCALZONES_TTL);
	}
	/* The SOA is the zone's. */
	build(&p, "1.0.168.192.in-addr.arpa.", BOLT_TYPE_PTR);
	assert_int_equal(BOLT_RCODE(p.m.flags), BOLT_RCODE_NXDOMAIN);
	name_is(p.rrs[0].owner, "168.192.in-addr.arpa.");
	build(&p, "3.2.1.16.172.in-addr.arpa.", BOLT_TYPE_PTR);
	name_is(p.rrs[0].owner, "16.172.in-addr.arpa.");
	/* ::1 and :: have zones of their own. */
	build(&p, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	      BOLT_TYPE_PTR);
	assert_int_equal(p.kind, BOLT_CACHE_NODATA);
	build(&p, "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	      BOLT_TYPE_PTR);
	assert_int_equal(p.kind, BOLT_CACHE_NODATA);
}

static void test_apex(void **state)
{
	(void)state;
	static struct parsed p;
	build(&p, "10.in-addr.arpa.", BOLT_TYPE_NS);
	assert_int_equal(p.kind, BOLT_CACHE_POSITIVE);
	assert_int_equal(p.m.ancount, 1);
	assert_int_equal(p.rrs[0].type, BOLT_TYPE_NS);
	name_is(p.rrs[0].rdata, "localhost.");
	build(&p, "onion.", BOLT_TYPE_SOA);
	assert_int_equal(p.kind, BOLT_CACHE_POSITIVE);
	assert_int_equal(p.rrs[0].type, BOLT_TYPE_SOA);
	build(&p, "Invalid.", BOLT_TYPE_A);
	assert_int_equal(p.kind, BOLT_CACHE_NODATA);
	assert_int_equal(BOLT_RCODE(p.m.flags), BOLT_RCODE_NOERROR);
	assert_int_equal(p.rrs[0].section, BOLT_SEC_AUTHORITY);
}

static void test_localhost(void **state)
{
	(void)state;
	static struct parsed p;
	static const uint8_t lo4[4] = { 127, 0, 0, 1 }, lo6[16] = { [15] = 1 };
	const char *names[] = { "localhost.", "www.localhost.", "a.b.LOCALHOST." };
	for (size_t i = 0; i < 3; i++) {
		build(&p, names[i], BOLT_TYPE_A);
		assert_int_equal(p.kind, BOLT_CACHE_POSITIVE);
		assert_int_equal(p.m.ancount, 1);
		assert_int_equal(p.rrs[0].type, BOLT_TYPE_A);
		assert_memory_equal(p.rrs[0].rdata, lo4, 4);
		build(&p, names[i], BOLT_TYPE_AAAA);
		assert_int_equal(p.rrs[0].type, BOLT_TYPE_AAAA);
		assert_memory_equal(p.rrs[0].rdata, lo6, 16);
		build(&p, names[i], BOLT_TYPE_MX);
		assert_int_equal(p.kind, BOLT_CACHE_NODATA);
	}
	build(&p, "localhost.", BOLT_TYPE_ANY);
	assert_int_equal(p.m.ancount, 4);
}

static void test_not_local(void **state)
{
	(void)state;
	static struct parsed p;
	const char *names[] = {
		"test.", "www.test.", "example.com.", "1.0.18.198.in-addr.arpa.", "32.172.in-addr.arpa.",
		"1.15.172.in-addr.arpa.", "in-addr.arpa.", "ip6.arpa.", "localhost.example.",
		"c.e.f.ip6.arpa.", "onionx.", ".",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(build(&p, names[i], BOLT_TYPE_A), 0);
}

/* Answered into the cache (so the dataplane answers the next time), and
 * not at all with local-zones = none. */
static void test_answer_and_none(void **state)
{
	(void)state;
	static struct bolt_config cfg;
	static struct cp cp;
	char path[128];
	memset(&cp, 0, sizeof(cp));
	bolt_config_defaults(&cfg);
	cp.cfg = &cfg;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-test-lz-%d", (int)getpid());
	struct bolt_region_params rp = { .path = path, .size = 32u << 20, .ring_slots = 16,
	                                 .wipe = true };
	int err = 0;
	cp.region = bolt_region_create(&rp, &err);
	assert_non_null(cp.region);
	struct pkey key;
	uint8_t qn[BOLT_NAME_MAX];
	bolt_name_from_text("1.0.168.192.in-addr.arpa.", qn);
	assert_int_equal(pkey_make(&key, qn, BOLT_TYPE_PTR, BOLT_CLASS_IN, false), 0);
	assert_true(localzones_answer(&cp, &key, NULL));
	assert_int_equal(cp.ctr.local_zone_answers, 1);
	struct bolt_cache_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.name, key.name, key.name_len);
	k.name_len = key.name_len;
	k.qtype = BOLT_TYPE_PTR;
	k.qclass = BOLT_CLASS_IN;
	bolt_cache_key_hash(cp.region->cache, &k);
	static uint8_t sec[4096];
	uint16_t ttl[16];
	struct bolt_cache_out out = { .ttl_off = ttl, .ttl_cap = 16, .sections = sec,
	                              .cap = sizeof(sec) };
	assert_int_equal(bolt_cache_lookup(cp.region->cache, &k, bolt_now(), &out), 0);
	assert_int_equal(out.val.kind, BOLT_CACHE_NXDOMAIN);
	assert_true(out.val.flags & BOLT_FLAG_AA);
	/* Another class is not ours to answer. */
	key.qclass = 3;
	assert_false(localzones_answer(&cp, &key, NULL));
	key.qclass = BOLT_CLASS_IN;
	cfg.local_zones = BOLT_LOCAL_ZONES_NONE;
	assert_false(localzones_answer(&cp, &key, NULL));
	bolt_region_detach(cp.region);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reverse_nxdomain),
		cmocka_unit_test(test_apex),
		cmocka_unit_test(test_localhost),
		cmocka_unit_test(test_not_local),
		cmocka_unit_test(test_answer_and_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
