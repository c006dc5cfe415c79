/*
 * control/rpz: reading IXFR/AXFR answers (ixfr.c) and applying them to a
 * zone's records (ixfr_set.c): difference sequences over two versions, up
 * to date, a newer SOA alone, AXFR-style, a broken serial chain, a deletion
 * of a record the zone does not hold, a cut answer, a whole zone larger
 * than the bound of an IXFR's changes; NOTIFY (notify.c) and
 * the TSIG of a request and of its response (tsig.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "boltdns/errcode.h"
#include "boltdns/wire_ctx.h"
#include "ixfr.h"
#include "notify.h"
#include "rpz.h"
#include "tsig.h"

static uint8_t origin[BOLT_NAME_MAX];
static const uint8_t dot[1] = { 0 };

static uint16_t soa_rdata(uint32_t serial, uint8_t *rd)
{
	int l1 = bolt_name_from_text("ns.rpz.test.", rd);
	int l2 = bolt_name_from_text("admin.rpz.test.", rd + l1);
	uint8_t *p = rd + l1 + l2;
	bolt_wire_put_u32(p, serial);
	bolt_wire_put_u32(p + 4, 3600);
	bolt_wire_put_u32(p + 8, 60);
	bolt_wire_put_u32(p + 12, 86400);
	bolt_wire_put_u32(p + 16, 60);
	return (uint16_t)(l1 + l2 + 20);
}

/* One record of a stream: "SOA n" or the owner (relative) of a CNAME . */
static int feed(struct rpz_ixfr *x, const char *rec)
{
	uint8_t n[BOLT_NAME_MAX], rd[128];
	const char *why = NULL;
	if (strncmp(rec, "SOA ", 4) == 0) {
		uint16_t l = soa_rdata((uint32_t)atoi(rec + 4), rd);
		return rpz_ixfr_feed(x, origin, BOLT_TYPE_SOA, 60, rd, l, &why);
	}
	char t[256];
	snprintf(t, sizeof(t), "%s.rpz.test.", rec);
	assert_true(bolt_name_from_text(t, n) > 0);
	int rc = rpz_ixfr_feed(x, n, BOLT_TYPE_CNAME, 60, dot, 1, &why);
	assert_true(rc >= 0 || why[0] != '\0');
	return rc;
}

/* Feed a whole stream; the return of the last record. */
static int feed_all(struct rpz_ixfr *x, const char *const *recs, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = feed(x, recs[i]);
	return rc;
}

static bool has(const struct rpz_zone *z, const char *owner)
{
	uint8_t n[BOLT_NAME_MAX];
	char t[256];
	/* The trigger of owner.rpz.test. is the name owner. */
	snprintf(t, sizeof(t), "%s.", owner);
	bolt_name_from_text(t, n);
	bolt_name_lower(n, (size_t)bolt_name_len(n, BOLT_NAME_MAX));
	struct rpz_hit h;
	return rpz_zone_match_qname(z, n, &h);
}

/* The store of a set (freed at the next call). */
static struct rpz_zone *base_zone_of(const struct rpz_rrset *s)
{
	static struct rpz_zone *z;
	rpz_zone_free(z);
	z = rpz_rrset_build(s, origin, NULL, NULL);
	return z;
}

static struct rpz_rrset *base_v1(void)
{
	static const char *const v1[] = { "SOA 1", "www.example", "a.example", "SOA 1" };
	struct rpz_ixfr x;
	struct rpz_rrset *s = NULL;
	const char *why;
	rpz_ixfr_init(&x, true, 0);
	assert_int_equal(feed_all(&x, v1, 4), 1);
	assert_int_equal(x.kind, RPZ_IXFR_FULL);
	assert_int_equal(rpz_ixfr_apply(&x, NULL, &s, &why), 0);
	rpz_ixfr_free(&x);
	assert_int_equal(rpz_rrset_count(s), 3);
	return s;
}

static void test_incremental(void **state)
{
	(void)state;
	struct rpz_rrset *base = base_v1();
	static const char *const st[] = {
		"SOA 3",
		"SOA 1", "www.example", "SOA 2", "new.example",
		"SOA 2", "a.example", "SOA 3", "x.example", "y.example",
		"SOA 3",
	};
	struct rpz_ixfr x;
	rpz_ixfr_init(&x, false, 1);
	assert_int_equal(feed_all(&x, st, 11), 1);
	assert_int_equal(x.kind, RPZ_IXFR_INCREMENTAL);
	assert_int_equal(x.versions, 2);
	assert_int_equal(x.dels, 2);
	assert_int_equal(x.adds, 3);
	/* Records after the end are not read. */
	assert_int_equal(feed(&x, "late.example"), 1);
	struct rpz_rrset *s = NULL;
	const char *why;
	assert_int_equal(rpz_ixfr_apply(&x, base, &s, &why), 0);
	uint16_t l;
	uint32_t serial;
	assert_non_null(rpz_rrset_soa(s, &l, &serial));
	assert_int_equal(serial, 3);
	struct rpz_zone *z = rpz_rrset_build(s, origin, NULL, NULL);
	assert_non_null(z);
	assert_true(has(z, "new.example") && has(z, "x.example") && has(z, "y.example"));
	assert_false(has(z, "www.example") || has(z, "a.example") || has(z, "late.example"));
	struct rpz_zone_stats zs;
	rpz_zone_get_stats(z, &zs);
	assert_int_equal(zs.serial, 3);
	/* The triggers it touched, without comparing the versions. */
	struct rpz_zone *d = rpz_ixfr_changed(&x, origin);
	assert_non_null(d);
	assert_int_equal(rpz_zone_rules(d), 5);
	assert_true(has(d, "www.example") && has(d, "a.example") && has(d, "new.example"));
	assert_false(has(d, "other.example"));
	struct rpz_zone *cmp = rpz_zone_diff(base_zone_of(base), z);
	assert_int_equal(rpz_zone_rules(cmp), 5);
	rpz_zone_free(cmp);
	rpz_zone_free(d);
	rpz_zone_free(z);
	/* The base is untouched. */
	assert_int_equal(rpz_rrset_count(base), 3);
	assert_non_null(rpz_rrset_soa(base, &l, &serial));
	assert_int_equal(serial, 1);
	rpz_rrset_free(s);
	rpz_ixfr_free(&x);
	rpz_rrset_free(base);
}

static void test_single_soa(void **state)
{
	(void)state;
	struct rpz_ixfr x;
	rpz_ixfr_init(&x, false, 5);
	assert_int_equal(feed(&x, "SOA 5"), 0);
	assert_int_equal(rpz_ixfr_message_end(&x), 1);
	assert_int_equal(x.kind, RPZ_IXFR_UPTODATE);
	rpz_ixfr_free(&x);
	rpz_ixfr_init(&x, false, 5);
	assert_int_equal(feed(&x, "SOA 6"), 0);
	assert_int_equal(rpz_ixfr_message_end(&x), 1);
	assert_int_equal(x.kind, RPZ_IXFR_NEED_AXFR);
	rpz_ixfr_free(&x);
	/* Serial arithmetic: 0xffffffff is older than 1. */
	rpz_ixfr_init(&x, false, 0xffffffffu);
	assert_int_equal(feed(&x, "SOA 1"), 0);
	assert_int_equal(rpz_ixfr_message_end(&x), 1);
	assert_int_equal(x.kind, RPZ_IXFR_NEED_AXFR);
	rpz_ixfr_free(&x);
	/* A first message of a longer answer is not "a single SOA". */
	rpz_ixfr_init(&x, false, 1);
	assert_int_equal(feed(&x, "SOA 2"), 0);
	assert_int_equal(feed(&x, "SOA 1"), 0);
	assert_int_equal(rpz_ixfr_message_end(&x), 0);
	rpz_ixfr_free(&x);
}

static void test_axfr_style(void **state)
{
	(void)state;
	struct rpz_rrset *base = base_v1();
	static const char *const st[] = { "SOA 9", "q.example", "r.example", "SOA 9" };
	struct rpz_ixfr x;
	rpz_ixfr_init(&x, false, 1);
	assert_int_equal(feed_all(&x, st, 4), 1);
	assert_int_equal(x.kind, RPZ_IXFR_FULL);
	struct rpz_rrset *s = NULL;
	const char *why;
	assert_int_equal(rpz_ixfr_apply(&x, base, &s, &why), 0);
	assert_int_equal(rpz_rrset_count(s), 3);
	assert_null(rpz_ixfr_changed(&x, origin));
	struct rpz_zone *z = rpz_rrset_build(s, origin, NULL, NULL);
	assert_true(has(z, "q.example") && !has(z, "www.example"));
	rpz_zone_free(z);
	rpz_rrset_free(s);
	rpz_ixfr_free(&x);
	/* An AXFR whose last SOA differs from its first. */
	static const char *const bad[] = { "SOA 9", "q.example", "SOA 8" };
	rpz_ixfr_init(&x, true, 0);
	assert_true(feed_all(&x, bad, 3) < 0);
	rpz_ixfr_free(&x);
	/* Not starting with a SOA. */
	rpz_ixfr_init(&x, false, 1);
	assert_true(feed(&x, "q.example") < 0);
	rpz_ixfr_free(&x);
	rpz_rrset_free(base);
}

static void test_broken(void **state)
{
	(void)state;
	struct rpz_rrset *base = base_v1();
	struct rpz_ixfr x;
	struct rpz_rrset *s = NULL;
	const char *why;
	/* A sequence that does not start where the last one ended. */
	static const char *const chain[] = { "SOA 3", "SOA 1", "SOA 2", "n.example", "SOA 1" };
	rpz_ixfr_init(&x, false, 1);
	assert_true(feed_all(&x, chain, 5) < 0);
	rpz_ixfr_free(&x);
	/* A deletion of a record the zone does not hold: transfer it whole. */
	static const char *const ghost[] = { "SOA 2", "SOA 1", "ghost.example", "SOA 2", "SOA 2" };
	rpz_ixfr_init(&x, false, 1);
	assert_int_equal(feed_all(&x, ghost, 5), 1);
	assert_int_equal(rpz_ixfr_apply(&x, base, &s, &why), BOLT_ENOENT);
	assert_null(s);
	assert_true(why[0] != '\0');
	rpz_ixfr_free(&x);
	/* A cut answer is never applied. */
	static const char *const cut[] = { "SOA 2", "SOA 1", "www.example", "SOA 2", "b.example" };
	rpz_ixfr_init(&x, false, 1);
	assert_int_equal(feed_all(&x, cut, 5), 0);
	assert_int_equal(rpz_ixfr_message_end(&x), 0);
	assert_int_equal(rpz_ixfr_apply(&x, base, &s, &why), BOLT_EMALF);
	assert_null(s);
	rpz_ixfr_free(&x);
	assert_int_equal(rpz_rrset_count(base), 3);
	/* Deleting and adding the same record, a record added twice. */
	uint8_t n[BOLT_NAME_MAX];
	bolt_name_from_text("WWW.Example.rpz.test.", n);
	assert_int_equal(rpz_rrset_add(base, n, BOLT_TYPE_CNAME, 30, dot, 1), 0);
	assert_int_equal(rpz_rrset_count(base), 3);
	assert_int_equal(rpz_rrset_del(base, n, BOLT_TYPE_CNAME, dot, 1), 0);
	assert_int_equal(rpz_rrset_del(base, n, BOLT_TYPE_CNAME, dot, 1), BOLT_ENOENT);
	assert_int_equal(rpz_rrset_count(base), 2);
	rpz_rrset_free(base);
}

static void test_many(void **state)
{
	(void)state;
	/* Growth with tombstones: add 5000, delete every other, add again. */
	struct rpz_rrset *s = rpz_rrset_new();
	uint8_t n[BOLT_NAME_MAX];
	char t[64];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5000; i++) {
			snprintf(t, sizeof(t), "n%d.rpz.test.", i);
			bolt_name_from_text(t, n);
			assert_int_equal(rpz_rrset_add(s, n, BOLT_TYPE_CNAME, 60, dot, 1), 0);
		}
		for (int i = 0; i < 5000; i += 2) {
			snprintf(t, sizeof(t), "n%d.rpz.test.", i);
			bolt_name_from_text(t, n);
			assert_int_equal(rpz_rrset_del(s, n, BOLT_TYPE_CNAME, dot, 1), 0);
		}
	}
	assert_int_equal(rpz_rrset_count(s), 2500);
	struct rpz_rrset *c = rpz_rrset_clone(s);
	assert_int_equal(rpz_rrset_count(c), 2500);
	struct rpz_zone *z = rpz_rrset_build(c, origin, NULL, NULL);
	assert_int_equal(rpz_zone_rules(z), 2500);
	rpz_zone_free(z);
	rpz_rrset_free(c);
	rpz_rrset_free(s);
}

/* An AXFR of a zone past the 64 MiB bound of an IXFR's changes (264 000
 * records of 256 bytes each, ~80 MiB) is read whole: the records of a
 * whole zone are the zone, as large as a text file of it may be. The
 * changes of an incremental answer keep their bound. */
static void test_big_zone(void **state)
{
	(void)state;
	enum { N = 264000 };
	uint8_t n[BOLT_NAME_MAX], rd[256], soa[128];
	const char *why = "";
	memset(rd, 'x', sizeof(rd));
	rd[0] = 255; /* one TXT string */
	uint16_t sl = soa_rdata(5, soa);
	struct rpz_ixfr x;
	rpz_ixfr_init(&x, true, 0);
	assert_int_equal(rpz_ixfr_feed(&x, origin, BOLT_TYPE_SOA, 60, soa, sl, &why), 0);
	int rc = 0;
	for (unsigned i = 0; i < N && rc == 0; i++) {
		char t[64];
		snprintf(t, sizeof(t), "n%u.example.rpz.test.", i);
		assert_true(bolt_name_from_text(t, n) > 0);
		rc = rpz_ixfr_feed(&x, n, BOLT_TYPE_TXT, 60, rd, sizeof(rd), &why);
	}
	assert_string_equal(why, "");
	assert_int_equal(rc, 0);
	assert_true(x.nops > (64u << 20));
	assert_int_equal(rpz_ixfr_feed(&x, origin, BOLT_TYPE_SOA, 60, soa, sl, &why), 1);
	assert_int_equal(x.kind, RPZ_IXFR_FULL);
	assert_int_equal(x.adds, N);
	rpz_ixfr_free(&x);
	/* The same records as additions of an IXFR: too many changes. */
	uint8_t old[128];
	uint16_t ol = soa_rdata(4, old);
	rpz_ixfr_init(&x, false, 4);
	assert_int_equal(rpz_ixfr_feed(&x, origin, BOLT_TYPE_SOA, 60, soa, sl, &why), 0);
	assert_int_equal(rpz_ixfr_feed(&x, origin, BOLT_TYPE_SOA, 60, old, ol, &why), 0);
	assert_int_equal(rpz_ixfr_feed(&x, origin, BOLT_TYPE_SOA, 60, soa, sl, &why), 0);
	rc = 0;
	for (unsigned i = 0; i < N && rc == 0; i++) {
		char t[64];
		snprintf(t, sizeof(t), "n%u.example.rpz.test.", i);
		assert_true(bolt_name_from_text(t, n) > 0);
		rc = rpz_ixfr_feed(&x, n, BOLT_TYPE_TXT, 60, rd, sizeof(rd), &why);
	}
	assert_int_equal(rc, BOLT_ELIMIT);
	assert_string_equal(why, "too many changes");
	rpz_ixfr_free(&x);
}

static void test_notify(void **state)
{
	(void)state;
	struct rpz_tsig_key k, other;
	assert_int_equal(rpz_tsig_key_parse("rpzkey:hmac-sha256:c2VjcmV0", &k), 0);
	assert_int_equal(rpz_tsig_key_parse("rpzkey:hmac-sha256:b3RoZXI=", &other), 0);
	uint8_t msg[512], copy[512], out[512], rd[128], mac[RPZ_TSIG_MAC_LEN],
		reqmac[RPZ_TSIG_MAC_LEN];
	struct bolt_build b;
	bolt_build_init(&b, msg, sizeof(msg), 0x1234, (uint16_t)(4 << 11 | BOLT_FLAG_AA));
	bolt_build_question(&b, origin, (size_t)bolt_name_len(origin, BOLT_NAME_MAX), BOLT_TYPE_SOA,
	                    BOLT_CLASS_IN);
	uint16_t rl = soa_rdata(77, rd);
	bolt_build_rr(&b, BOLT_SEC_ANSWER, origin, BOLT_TYPE_SOA, BOLT_CLASS_IN, 60, rd, rl);
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	assert_true(rpz_notify_is(msg, (size_t)len));
	struct rpz_notify n;
	assert_int_equal(rpz_notify_parse(msg, (size_t)len, &n), 0);
	assert_true(n.has_serial && n.serial == 77 && !n.is_signed);
	assert_true(bolt_name_equal(n.zone, origin));
	/* Unsigned: no TSIG to verify. */
	size_t ol;
	const char *why;
	memcpy(copy, msg, (size_t)len);
	assert_int_equal(rpz_tsig_verify_request(&k, copy, (size_t)len, 1000, &ol, mac, &why),
	                 BOLT_ENOENT);
	/* Signed: verifies with the key, not with another, not out of time. */
	int sl = rpz_tsig_sign(&k, msg, (size_t)len, sizeof(msg), 1000, reqmac);
	assert_true(sl > len);
	assert_int_equal(rpz_notify_parse(msg, (size_t)sl, &n), 0);
	assert_true(n.is_signed);
	memcpy(copy, msg, (size_t)sl);
	assert_int_equal(rpz_tsig_verify_request(&k, copy, (size_t)sl, 1100, &ol, mac, &why), 0);
	assert_int_equal(ol, (size_t)len);
	assert_memory_equal(mac, reqmac, RPZ_TSIG_MAC_LEN);
	memcpy(copy, msg, (size_t)sl);
	assert_true(rpz_tsig_verify_request(&other, copy, (size_t)sl, 1000, &ol, mac, &why) < 0);
	memcpy(copy, msg, (size_t)sl);
	assert_true(rpz_tsig_verify_request(&k, copy, (size_t)sl, 5000, &ol, mac, &why) < 0);
	memcpy(copy, msg, (size_t)sl);
	copy[len - 1] ^= 1;
	assert_true(rpz_tsig_verify_request(&k, copy, (size_t)sl, 1000, &ol, mac, &why) < 0);
	/* The signed answer verifies as the response to that request. */
	int al = rpz_notify_answer(&n, 0, &k, reqmac, out, sizeof(out));
	assert_true(al > BOLT_HDR_LEN);
	uint16_t fl = bolt_wire_get_u16(out + 2);
	assert_true((fl & BOLT_FLAG_QR) && BOLT_OPCODE(fl) == 4 && BOLT_RCODE(fl) == 0);
	struct rpz_tsig_stream ts;
	rpz_tsig_stream_init(&ts, &k, reqmac);
	assert_int_equal(rpz_tsig_verify(&ts, out, (size_t)al, (uint64_t)time(NULL), &ol, &why), 0);
	rpz_tsig_stream_free(&ts);
	/* Not a NOTIFY; malformed. */
	msg[2] = 0;
	assert_int_equal(rpz_notify_parse(msg, (size_t)len, &n), BOLT_ENOTIMP);
	assert_true(rpz_notify_parse(msg, 5, &n) < 0);
}

int main(void)
{
	bolt_name_from_text("rpz.test.", origin);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_single_soa),
		cmocka_unit_test(test_axfr_style),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_big_zone),
		cmocka_unit_test(test_notify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
