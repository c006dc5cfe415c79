/*
 * control/anchor: key tags, trust anchor files (zone format, RFC 7958 XML,
 * Debian's real root.key), closest-anchor look-up, negative trust anchors,
 * the RFC 5011 state machine through a whole KSK roll with a restart in the
 * middle, its timers, and the state file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "anchor.h"
#include "boltdns/errcode.h"
#include "ut_build.h"

#define ROOT_KEY "/usr/share/dns/root.key"
#define ROOT_DS "/usr/share/dns/root.ds"

/* The root's KSK-2017 (20326) and KSK-2024 (38696), as in root.key. */
static const char *const ksk2017 =
	"AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=";
static const char *const ksk2024 =
	"AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc=";

static const uint8_t root[] = { 0 };
/* 2026-01-01: after KSK-2024's validFrom */
static const int64_t NOW = 1767225600;

static struct ta_set *set_new(void)
{
	struct ta_set *s = malloc(sizeof(*s));
	assert_non_null(s);
	ta_set_init(s, 0);
	return s;
}

static struct ta_set *load_ok(const char *text)
{
	struct ta_set *s = set_new();
	char err[512];
	int ret = ta_load_text(s, text, strlen(text), "t.key", NOW, err, sizeof(err));
	if (ret != 0)
		fail_msg("refused (%d): %s\n--- text ---\n%s", ret, err, text);
	return s;
}

static void load_bad(const char *text, unsigned line, const char *what)
{
	struct ta_set *s = set_new();
	char err[512], prefix[32];
	int ret = ta_load_text(s, text, strlen(text), "t.key", NOW, err, sizeof(err));
	if (ret != BOLT_ECONFIG)
		fail_msg("accepted (%d)\n--- text ---\n%s", ret, text);
	snprintf(prefix, sizeof(prefix), "t.key:%u: ", line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL)
		fail_msg("got '%s', wanted '%s...%s'\n--- text ---\n%s", err, prefix, what, text);
	free(s);
}

/* DNSKEY RDATA of flags/alg 8 with the given base64 key. */
static size_t dnskey(uint16_t flags, const char *key64, uint8_t *out)
{
	char text[2048];
	snprintf(text, sizeof(text), ". DNSKEY %u 3 8 %s\n", flags, key64);
	struct ta_set *s = load_ok(text);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->point[0].nkeys, 1);
	size_t n = s->point[0].keys[0].rdlen;
	memcpy(out, s->point[0].keys[0].rdata, n);
	free(s);
	return n;
}

static void test_key_tag(void **state)
{
	(void)state;
	uint8_t k[TA_RDATA_MAX];
	size_t n = dnskey(257, ksk2017, k);
	assert_int_equal(ta_key_tag(k, n), 20326);
	n = dnskey(257, ksk2024, k);
	assert_int_equal(ta_key_tag(k, n), 38696);
	/* the REVOKE bit is part of the tag: 20326 revoked is 20454 */
	n = dnskey(385, ksk2017, k);
	assert_int_equal(ta_key_tag(k, n), 20454);
	/* algorithm 1: the modulus' last bits (RFC 4034 B.1) */
	uint8_t md5[] = { 1, 1, 3, 1, 0xaa, 0xbb, 0x12, 0x34, 0x56 };
	assert_int_equal(ta_key_tag(md5, sizeof(md5)), 0x1234);
	assert_int_equal(ta_key_tag(md5, 2), 0);
}

static void test_root_key_file(void **state)
{
	(void)state;
	if (access(ROOT_KEY, R_OK) != 0)
		skip();
	struct ta_set *s = set_new();
	char err[512];
	int ret = ta_load_file(s, ROOT_KEY, NOW, err, sizeof(err));
	if (ret != 0)
		fail_msg("%s", err);
	assert_string_equal(s->source, ROOT_KEY);
	assert_int_equal(s->n, 1);
	const struct ta_point *p = &s->point[0];
	assert_int_equal(p->name_len, 1);
	assert_true(p->nkeys >= 1);
	bool have20326 = false;
	for (unsigned i = 0; i < p->nkeys; i++) {
		assert_int_equal(p->keys[i].type, TA_TYPE_DNSKEY);
		assert_int_equal(p->keys[i].state, TA_VALID);
		assert_int_equal(p->keys[i].flags, 257);
		have20326 |= p->keys[i].tag == 20326;
		assert_true(ta_key_trusted(&p->keys[i]));
	}
	assert_true(have20326);
	assert_int_equal(ta_point_trusted(p), p->nkeys);
	uint8_t name[BOLT_NAME_MAX];
	ut_name("www.example.com.", name);
	assert_ptr_equal(ta_closest(s, name), p);

	/* root.ds holds the digests of the same keys */
	if (access(ROOT_DS, R_OK) == 0) {
		struct ta_set *d = set_new();
		ret = ta_load_file(d, ROOT_DS, NOW, err, sizeof(err));
		if (ret != 0)
			fail_msg("%s", err);
		const struct ta_point *dp = &d->point[0];
		unsigned matches = 0;
		for (unsigned i = 0; i < dp->nkeys; i++) {
			assert_int_equal(dp->keys[i].type, TA_TYPE_DS);
			for (unsigned j = 0; j < p->nkeys; j++)
				matches += ta_ds_matches(root, dp->keys[i].rdata, dp->keys[i].rdlen,
				                         p->keys[j].rdata, p->keys[j].rdlen);
		}
		assert_int_equal(matches, dp->nkeys);
		/* a corrupted digest matches nothing */
		uint8_t bad[TA_RDATA_MAX];
		memcpy(bad, dp->keys[0].rdata, dp->keys[0].rdlen);
		bad[10] ^= 1;
		for (unsigned j = 0; j < p->nkeys; j++)
			assert_false(ta_ds_matches(root, bad, dp->keys[0].rdlen, p->keys[j].rdata,
			                           p->keys[j].rdlen));
		free(d);
	}
	free(s);
}

static void test_zone_format(void **state)
{
	(void)state;
	char text[4096];
	/* BIND style: parentheses over lines, comments inside, TTL and class in either order */
	snprintf(text, sizeof(text),
	         "; the root's keys\n"
	         "$TTL 3600\n"
	         ".  172800 IN DNSKEY 257 3 RSASHA256 ( %.100s\n"
	         "      %s ; KSK\n"
	         "   ) ; keytag 20326\n"
	         "\n"
	         "example.com. IN 300 DS 12345 13 2 (\n"
	         "   e06d44b80b8f1d39a95c0b0d7c65d084\n"
	         "   58e880409bbc683457104237c7f8ec8d )\n"
	         "  DS 12346 13 4 %096d\n"
	         "$ORIGIN example.\n"
	         "sub DS 4 8 1 0123456789abcdef0123456789abcdef01234567\n"
	         "@ DS 5 8 1 0123456789abcdef0123456789abcdef01234567\n",
	         ksk2017, ksk2017 + 100, 0);
	struct ta_set *s = load_ok(text);
	assert_int_equal(s->n, 4);
	assert_int_equal(s->point[0].keys[0].tag, 20326);
	assert_int_equal(s->point[0].ttl, 172800);
	uint8_t n[BOLT_NAME_MAX];
	ut_name("example.com.", n);
	struct ta_point *p = ta_set_find(s, n);
	assert_non_null(p);
	assert_int_equal(p->nkeys, 2);
	assert_int_equal(p->ttl, 300);
	assert_int_equal(p->keys[0].tag, 12345);
	assert_int_equal(p->keys[0].alg, 13);
	assert_int_equal(p->keys[0].digest_type, 2);
	assert_int_equal(p->keys[0].rdlen, 4 + 32);
	/* a line starting with a blank keeps the owner */
	assert_int_equal(p->keys[1].tag, 12346);
	assert_int_equal(p->keys[1].rdlen, 4 + 48);
	ut_name("sub.example.", n);
	assert_non_null(ta_set_find(s, n));
	ut_name("example.", n);
	p = ta_set_find(s, n);
	assert_non_null(p);
	assert_int_equal(p->ttl, 3600);
	free(s);

	/* the same record twice is one anchor; upper-case owners are one point */
	s = load_ok("EXAMPLE. DS 1 8 2 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d\n"
	            "example. DS 1 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
	assert_int_equal(s->n, 1);
	assert_int_equal(s->point[0].nkeys, 1);
	assert_memory_equal(s->point[0].name, "\7example\0", 9);
	free(s);
}

static void test_zone_errors(void **state)
{
	(void)state;
	char text[2048];
	load_bad("", 1, "no DS or DNSKEY record");
	load_bad("; only a comment\n\n", 3, "no DS or DNSKEY record");
	load_bad(". IN A 192.0.2.1\n", 1, "only DS and DNSKEY records can be trust anchors");
	load_bad(". CH DS 1 8 2 00\n", 1, "trust anchors are class IN");
	load_bad(". IN DS 1 8 2 e06d\n", 1, "digest length does not match");
	load_bad(". IN DS 1 8 2 xyz0\n", 1, "bad digest");
	load_bad(". IN DS 70000 8 2 00\n", 1, "bad key tag");
	load_bad(". IN DS 1 NOSUCHALG 2 00\n", 1, "bad algorithm");
	load_bad(". IN DS 1 8\n", 1, "DS needs KEYTAG");
	load_bad(". IN DNSKEY 257 3 8 !!!!\n", 1, "bad public key (base64");
	load_bad(". IN DNSKEY 257 3 8 AwE\n", 1, "bad public key");
	load_bad(". IN DNSKEY 257 2 8 AwEAAQ==\n", 1, "protocol must be 3");
	load_bad(". IN DNSKEY 1 3 8 AwEAAQ==\n", 1, "not a zone key");
	load_bad("\n\n. IN DNSKEY 257 3 8 ( AwEAAQ==\n", 3, "'(' not closed");
	load_bad(". IN DS 1 8 2 00 )\n", 1, "')' without '('");
	load_bad("  IN DS 1 8 1 0123456789abcdef0123456789abcdef01234567\n", 1, "without an owner");
	load_bad("a..b. DS 1 8 1 0123456789abcdef0123456789abcdef01234567\n", 1, "bad owner name");
	load_bad(". IN\n", 1, "record without a type");
	load_bad("$INCLUDE other\n", 1, "unknown or malformed directive");
	load_bad("$ORIGIN relative\n", 1, "$ORIGIN needs an absolute name");
	/* the error is at the record's first line, after good ones */
	snprintf(text, sizeof(text), ". DNSKEY 257 3 8 %s\n\n. DS 1 8 2 (\n 00 )\n", ksk2017);
	load_bad(text, 3, "digest length");
	load_bad(". DS 1 8 2 \"unterminated\n", 1, "unterminated quoted string");
	/* a NUL inside the given length is refused, not a string end */
	struct ta_set *s = set_new();
	char err[256];
	assert_int_equal(ta_load_text(s, ". DS\0 1", 7, "t.key", NOW, err, sizeof(err)),
	                 BOLT_ECONFIG);
	assert_string_equal(err, "t.key:1: NUL byte");
	assert_int_equal(ta_load_text(s, "<x>\n\0", 5, "t.key", NOW, err, sizeof(err)),
	                 BOLT_ECONFIG);
	assert_string_equal(err, "t.key:2: NUL byte");
	free(s);
	/* files */
	s = set_new();
	int ret = ta_load_file(s, "/nonexistent/root.key", NOW, err, sizeof(err));
	assert_int_equal(ret, -ENOENT);
	assert_string_equal(err, "/nonexistent/root.key: No such file or directory");
	ret = ta_load_file(s, "/tmp", NOW, err, sizeof(err));
	assert_true(ret < 0);
	assert_non_null(strstr(err, "not a regular file"));
	free(s);
}

static const char xml_fmt[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<TrustAnchor id=\"6AB6B6CD\" source=\"http://data.iana.org/root-anchors/root-anchors.xml\">\n"
	"<Zone>.</Zone>\n"
	"<KeyDigest id=\"Kjqmt7v\" validFrom=\"2010-07-15T00:00:00+00:00\" validUntil=\"2019-01-11T00:00:00+00:00\">\n"
	"<KeyTag>19036</KeyTag>\n"
	"<Algorithm>8</Algorithm>\n"
	"<DigestType>2</DigestType>\n"
	"<Digest>49AAC11D7B6F6446702E54A1607371607A1A41855200FD2CE1CDDE32F24E8FB5</Digest>\n"
	"</KeyDigest>\n"
	"<KeyDigest id=\"Klajeyz\" validFrom=\"2017-02-02T00:00:00+00:00\">\n"
	"<KeyTag>20326</KeyTag>\n"
	"<Algorithm>8</Algorithm>\n"
	"<DigestType>2</DigestType>\n"
	"<Digest>E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D</Digest>\n"
	"<PublicKey>%s</PublicKey>\n"
	"<Flags>257</Flags>\n"
	"</KeyDigest>\n"
	"<KeyDigest id=\"Kmyv6jo\" validFrom=\"2024-07-18T00:00:00+00:00\">\n"
	"<KeyTag>38696</KeyTag>\n"
	"<Algorithm>8</Algorithm>\n"
	"<DigestType>2</DigestType>\n"
	"<Digest>683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16</Digest>\n"
	"</KeyDigest>\n"
	"</TrustAnchor>\n";

static void test_xml(void **state)
{
	(void)state;
	char text[4096];
	snprintf(text, sizeof(text), xml_fmt, ksk2017);
	struct ta_set *s = load_ok(text);
	assert_int_equal(s->n, 1);
	const struct ta_point *p = &s->point[0];
	/* 19036 expired in 2019; 20326 as DS and DNSKEY; 38696 as DS */
	assert_int_equal(p->nkeys, 3);
	assert_int_equal(p->keys[0].type, TA_TYPE_DS);
	assert_int_equal(p->keys[0].tag, 20326);
	assert_int_equal(p->keys[1].type, TA_TYPE_DNSKEY);
	assert_int_equal(p->keys[1].tag, 20326);
	assert_true(ta_ds_matches(root, p->keys[0].rdata, p->keys[0].rdlen, p->keys[1].rdata,
	                          p->keys[1].rdlen));
	assert_int_equal(p->keys[2].tag, 38696);
	free(s);

	/* in 2018 only 19036 and 20326 were valid; in 2016 only 19036 */
	s = set_new();
	char err[512];
	assert_int_equal(ta_load_text(s, text, strlen(text), "t.xml", 1514764800, err,
	                              sizeof(err)), 0);
	assert_int_equal(s->point[0].nkeys, 3);
	assert_int_equal(s->point[0].keys[0].tag, 19036);
	free(s);
	s = set_new();
	assert_int_equal(ta_load_text(s, text, strlen(text), "t.xml", 1451606400, err,
	                              sizeof(err)), 0);
	assert_int_equal(s->point[0].nkeys, 1);
	free(s);
	/* before 2010: nothing valid */
	s = set_new();
	assert_int_equal(ta_load_text(s, text, strlen(text), "t.xml", 1000000000, err,
	                              sizeof(err)), BOLT_ECONFIG);
	assert_non_null(strstr(err, "no <KeyDigest> valid now"));
	free(s);

	load_bad("<foo/>\n", 1, "without a <TrustAnchor>");
	load_bad("<TrustAnchor>\n<KeyDigest validFrom=\"2010-07-15T00:00:00+00:00\"></KeyDigest>\n"
	         "</TrustAnchor>", 1, "without a <Zone>");
	load_bad("<TrustAnchor><Zone>.</Zone>\n\n<KeyDigest validFrom=\"yesterday\">\n"
	         "</KeyDigest></TrustAnchor>", 3, "validFrom");
	load_bad("<TrustAnchor><Zone>.</Zone>\n<KeyDigest validFrom=\"2010-07-15T00:00:00Z\">\n"
	         "<KeyTag>1</KeyTag><Algorithm>8</Algorithm><DigestType>2</DigestType>\n"
	         "</KeyDigest></TrustAnchor>", 2, "needs KeyTag, Algorithm, DigestType and Digest");
	load_bad("<TrustAnchor><Zone>.</Zone>\n<KeyDigest validFrom=\"2010-07-15T00:00:00Z\">\n"
	         "<KeyTag>1</KeyTag><Algorithm>8</Algorithm><DigestType>2</DigestType>\n"
	         "<Digest>ZZ</Digest></KeyDigest></TrustAnchor>", 4, "bad <Digest>");
	load_bad("<TrustAnchor><Zone>.</Zone>\n<KeyDigest validFrom=\"2010-07-15T00:00:00Z\">\n"
	         "<KeyTag>1</KeyTag>", 2, "not closed");
	load_bad("<TrustAnchor><Zone>.</Zone></TrustAnchor>\n", 1, "no <KeyDigest>");
}

static void test_closest(void **state)
{
	(void)state;
	struct ta_set *s = load_ok(
		"example. DS 1 8 1 0123456789abcdef0123456789abcdef01234567\n"
		"sub.example. DS 2 8 1 0123456789abcdef0123456789abcdef01234567\n"
		"test. DS 3 8 1 0123456789abcdef0123456789abcdef01234567\n");
	uint8_t n[BOLT_NAME_MAX];
	ut_name("A.Sub.Example.", n);
	const struct ta_point *p = ta_closest(s, n);
	assert_non_null(p);
	assert_int_equal(p->keys[0].tag, 2);
	ut_name("other.example.", n);
	assert_int_equal(ta_closest(s, n)->keys[0].tag, 1);
	ut_name("example.", n);
	assert_int_equal(ta_closest(s, n)->keys[0].tag, 1);
	ut_name("xsub.example.", n);
	assert_int_equal(ta_closest(s, n)->keys[0].tag, 1);
	/* no root anchor: a name outside every island has none */
	ut_name("example.com.", n);
	assert_null(ta_closest(s, n));
	assert_null(ta_closest(s, root));
	free(s);
}

static void test_nta(void **state)
{
	(void)state;
	struct nta_table *t = malloc(sizeof(*t));
	assert_non_null(t);
	nta_init(t);
	uint8_t a[BOLT_NAME_MAX], b[BOLT_NAME_MAX], n[BOLT_NAME_MAX];
	ut_name("broken.example.", a);
	ut_name("Temp.Test.", b);
	assert_int_equal(nta_add(t, a, true, 0), 0);
	assert_int_equal(nta_add(t, b, false, NOW + 60), 0);
	assert_int_equal(t->n, 2);
	/* covers the name and below, not above or beside */
	ut_name("www.BROKEN.example.", n);
	assert_ptr_equal(nta_covers(t, n, NOW), &t->e[0]);
	ut_name("example.", n);
	assert_null(nta_covers(t, n, NOW));
	ut_name("notbroken.example.", n);
	assert_null(nta_covers(t, n, NOW));
	ut_name("x.temp.test.", n);
	assert_non_null(nta_covers(t, n, NOW + 59));
	/* expired: no longer covers, then dropped */
	assert_null(nta_covers(t, n, NOW + 60));
	assert_int_equal(nta_expire(t, NOW + 59), 0);
	assert_int_equal(nta_expire(t, NOW + 60), 1);
	assert_int_equal(t->n, 1);
	/* renewing a runtime one, the config one stays permanent */
	assert_int_equal(nta_add(t, b, false, NOW + 10), 0);
	assert_int_equal(nta_add(t, b, false, NOW + 100), 0);
	assert_int_equal(t->n, 2);
	assert_int_equal(t->e[1].expires, NOW + 100);
	assert_int_equal(nta_add(t, a, false, NOW + 5), 0);
	assert_int_equal(t->e[0].expires, 0);
	assert_true(t->e[0].from_config);
	/* the closest NTA wins */
	uint8_t c[BOLT_NAME_MAX];
	ut_name("deep.broken.example.", c);
	assert_int_equal(nta_add(t, c, false, NOW + 100), 0);
	ut_name("x.deep.broken.example.", n);
	assert_ptr_equal(nta_covers(t, n, NOW), &t->e[2]);
	/* remove: config ones refused, absent ones ENOENT */
	assert_int_equal(nta_remove(t, a), -EPERM);
	assert_int_equal(nta_remove(t, c), 0);
	assert_int_equal(nta_remove(t, c), BOLT_ENOENT);
	assert_int_equal(t->n, 2);
	/* full */
	for (unsigned i = 0; t->n < NTA_MAX; i++) {
		char text[32];
		snprintf(text, sizeof(text), "n%u.test.", i);
		ut_name(text, n);
		assert_int_equal(nta_add(t, n, false, NOW + 100), 0);
	}
	ut_name("one-too-many.test.", n);
	assert_int_equal(nta_add(t, n, false, NOW + 100), BOLT_ESPACE);
	free(t);
}

static void test_timers(void **state)
{
	(void)state;
	/* the root: TTL 2 days, signatures valid for 2 weeks */
	assert_int_equal(ta_5011_query_interval(172800, NOW + 14 * 86400, NOW), 86400);
	assert_int_equal(ta_5011_retry_interval(172800, NOW + 14 * 86400, NOW), 17280);
	/* floors and ceilings */
	assert_int_equal(ta_5011_query_interval(60, 0, NOW), 3600);
	assert_int_equal(ta_5011_retry_interval(60, 0, NOW), 3600);
	assert_int_equal(ta_5011_query_interval(100 * 86400, 0, NOW), 15 * 86400);
	assert_int_equal(ta_5011_retry_interval(100 * 86400, 0, NOW), 86400);
	/* signatures expiring soon shorten it; past expiry is ignored */
	assert_int_equal(ta_5011_query_interval(172800, NOW + 4 * 3600, NOW), 2 * 3600);
	assert_int_equal(ta_5011_query_interval(172800, NOW - 10, NOW), 86400);
}

struct roll {
	uint8_t k1[TA_RDATA_MAX], k1r[TA_RDATA_MAX], k2[TA_RDATA_MAX];
	size_t k1len, k2len;
};

static void roll_keys(struct roll *r)
{
	r->k1len = dnskey(257, ksk2017, r->k1);
	dnskey(385, ksk2017, r->k1r);
	r->k2len = dnskey(257, ksk2024, r->k2);
}

static struct ta_key *key_by_tag(struct ta_point *p, uint16_t tag)
{
	for (unsigned i = 0; i < p->nkeys; i++)
		if (p->keys[i].tag == tag)
			return &p->keys[i];
	return NULL;
}

static char tmpdir[64];

static void state_path(char *out, size_t cap, const char *leaf)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-anchor-XXXXXX");
		assert_non_null(mkdtemp(tmpdir));
	}
	snprintf(out, cap, "%s/%s", tmpdir, leaf);
}

/* A whole KSK roll: new key AddPend -> Valid after the hold-down (with a
 * restart in the middle, through the state file), old key revoked ->
 * Revoked -> Removed after another hold-down. */
static void test_ksk_roll(void **state)
{
	(void)state;
	struct roll r;
	roll_keys(&r);
	const uint32_t hold = 3600;
	char text[2048], path[128], err[512];
	snprintf(text, sizeof(text), ". 172800 IN DNSKEY 257 3 8 %s\n", ksk2017);
	struct ta_set *s = load_ok(text);
	s->hold_down = hold;
	struct ta_point *p = &s->point[0];
	bool changed;
	int64_t t = NOW;

	/* steady state: the same key again changes nothing */
	struct ta_dnskey_in one[] = { { r.k1, (uint16_t)r.k1len, true } };
	assert_int_equal(ta_5011_update(p, one, 1, true, 172800, t + 14 * 86400, t, hold, &changed), 1);
	assert_false(changed);
	assert_int_equal(p->next_probe, t + 86400);
	assert_int_equal(p->last_success, t);

	/* NewKey: K2 published -> AddPend, not trusted */
	t += 100;
	struct ta_dnskey_in both[] = { { r.k1, (uint16_t)r.k1len, true },
	                               { r.k2, (uint16_t)r.k2len, true } };
	assert_int_equal(ta_5011_update(p, both, 2, true, 172800, 0, t, hold, &changed), 1);
	assert_true(changed);
	struct ta_key *k2 = key_by_tag(p, 38696);
	assert_non_null(k2);
	assert_int_equal(k2->state, TA_ADDPEND);
	assert_int_equal(k2->added, t);
	assert_false(ta_key_trusted(k2));
	const int64_t k2_added = t;

	/* an unvalidated set changes no key, only the retry timer */
	assert_int_equal(ta_5011_update(p, one, 1, false, 172800, 0, t + 1, hold, &changed), 1);
	assert_false(changed);
	assert_int_equal(p->query_failed, 1);
	assert_int_equal(p->next_probe, t + 1 + 17280);
	assert_int_equal(key_by_tag(p, 38696)->state, TA_ADDPEND);

	/* half-way through the hold-down: still AddPend; restart here */
	t = k2_added + hold / 2;
	assert_int_equal(ta_5011_update(p, both, 2, true, 172800, 0, t, hold, &changed), 1);
	assert_false(changed);
	assert_int_equal(p->query_failed, 0);
	state_path(path, sizeof(path), "state/root.key");
	assert_int_equal(ta_state_save(s, path, err, sizeof(err)), 0);
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
	struct ta_set *s2 = set_new();
	int ret = ta_load_startup(s2, "/nonexistent/root.key", path, hold, t, err, sizeof(err));
	if (ret != 0)
		fail_msg("%s", err);
	assert_true(s2->from_state);
	assert_string_equal(s2->source, path);
	assert_int_equal(s2->n, 1);
	struct ta_point *p2 = &s2->point[0];
	assert_int_equal(p2->nkeys, 2);
	assert_int_equal(p2->last_success, t);
	assert_int_equal(p2->next_probe, p->next_probe);
	assert_int_equal(p2->ttl, 172800);
	k2 = key_by_tag(p2, 38696);
	assert_int_equal(k2->state, TA_ADDPEND);
	assert_int_equal(k2->added, k2_added);
	assert_int_equal(key_by_tag(p2, 20326)->state, TA_VALID);
	assert_memory_equal(k2->rdata, r.k2, r.k2len);
	free(s);
	s = s2;
	p = p2;

	/* AddTime: one second short, then at the hold-down -> Valid */
	t = k2_added + hold - 1;
	ta_5011_update(p, both, 2, true, 172800, 0, t, hold, &changed);
	assert_int_equal(key_by_tag(p, 38696)->state, TA_ADDPEND);
	t = k2_added + hold;
	assert_int_equal(ta_5011_update(p, both, 2, true, 172800, 0, t, hold, &changed), 2);
	assert_true(changed);
	assert_int_equal(key_by_tag(p, 38696)->state, TA_VALID);
	assert_true(ta_key_trusted(key_by_tag(p, 38696)));

	/* RevBit without the key's own signature: ignored */
	t += 100;
	struct ta_dnskey_in rev[] = { { r.k1r, (uint16_t)r.k1len, false },
	                              { r.k2, (uint16_t)r.k2len, true } };
	ta_5011_update(p, rev, 2, true, 172800, 0, t, hold, &changed);
	assert_false(changed);
	assert_int_equal(key_by_tag(p, 20326)->state, TA_VALID);
	/* RevBit, self-signed: Revoked, its tag now 20454, no longer trusted */
	rev[0].self_signed = true;
	assert_int_equal(ta_5011_update(p, rev, 2, true, 172800, 0, t, hold, &changed), 1);
	assert_true(changed);
	assert_null(key_by_tag(p, 20326));
	struct ta_key *k1 = key_by_tag(p, 20454);
	assert_non_null(k1);
	assert_int_equal(k1->state, TA_REVOKED);
	assert_false(ta_key_trusted(k1));
	const int64_t revoked_at = t;
	/* the revoked key published again without the bit does not come back */
	ta_5011_update(p, both, 2, true, 172800, 0, t + 10, hold, &changed);
	assert_int_equal(key_by_tag(p, 20454)->state, TA_REVOKED);

	/* save and reload in the middle of the removal hold-down */
	assert_int_equal(ta_state_save(s, path, err, sizeof(err)), 0);
	s2 = set_new();
	assert_int_equal(ta_load_startup(s2, ROOT_KEY, path, hold, t, err, sizeof(err)), 0);
	free(s);
	s = s2;
	p = &s->point[0];
	assert_int_equal(key_by_tag(p, 20454)->state, TA_REVOKED);
	assert_int_equal(key_by_tag(p, 20454)->changed, revoked_at);

	/* RemTime: the revoked key gone from the set, hold-down over -> Removed */
	struct ta_dnskey_in new_only[] = { { r.k2, (uint16_t)r.k2len, true } };
	ta_5011_update(p, new_only, 1, true, 172800, 0, revoked_at + hold - 1, hold, &changed);
	assert_int_equal(key_by_tag(p, 20454)->state, TA_REVOKED);
	assert_int_equal(ta_5011_update(p, new_only, 1, true, 172800, 0, revoked_at + hold, hold,
	                                &changed), 1);
	assert_true(changed);
	assert_int_equal(key_by_tag(p, 20454)->state, TA_REMOVED);
	assert_int_equal(ta_point_trusted(p), 1);
	/* no longer published: forgotten, so rollovers never fill the table */
	ta_5011_update(p, new_only, 1, true, 172800, 0, revoked_at + hold + 1, hold, &changed);
	assert_true(changed);
	assert_null(key_by_tag(p, 20454));
	assert_int_equal(p->nkeys, 1);
	free(s);
}

/* Other transitions: AddPend forgotten, Valid -> Missing -> Valid, ZSKs ignored. */
static void test_5011_other(void **state)
{
	(void)state;
	struct roll r;
	roll_keys(&r);
	char text[2048];
	snprintf(text, sizeof(text), ". DNSKEY 257 3 8 %s\n", ksk2017);
	struct ta_set *s = load_ok(text);
	struct ta_point *p = &s->point[0];
	bool changed;
	struct ta_dnskey_in both[] = { { r.k1, (uint16_t)r.k1len, false },
	                               { r.k2, (uint16_t)r.k2len, false } };
	ta_5011_update(p, both, 2, true, 3600, 0, NOW, 100, &changed);
	assert_int_equal(key_by_tag(p, 38696)->state, TA_ADDPEND);
	/* gone before the hold-down: forgotten (back to Start) */
	struct ta_dnskey_in one[] = { { r.k1, (uint16_t)r.k1len, false } };
	ta_5011_update(p, one, 1, true, 3600, 0, NOW + 50, 100, &changed);
	assert_true(changed);
	assert_null(key_by_tag(p, 38696));
	assert_int_equal(p->nkeys, 1);
	/* a trusted key missing from the set stays trusted as Missing, then comes back */
	struct ta_dnskey_in other[] = { { r.k2, (uint16_t)r.k2len, false } };
	assert_int_equal(ta_5011_update(p, other, 1, true, 3600, 0, NOW + 60, 100, &changed), 1);
	assert_int_equal(key_by_tag(p, 20326)->state, TA_MISSING);
	assert_true(ta_key_trusted(key_by_tag(p, 20326)));
	ta_5011_update(p, both, 2, true, 3600, 0, NOW + 70, 100, &changed);
	assert_int_equal(key_by_tag(p, 20326)->state, TA_VALID);
	/* a zone-signing key (flags 256) is no trust anchor */
	uint8_t zsk[TA_RDATA_MAX];
	size_t zlen = dnskey(256, ksk2024, zsk);
	struct ta_dnskey_in z[] = { { r.k1, (uint16_t)r.k1len, false }, { zsk, (uint16_t)zlen, false } };
	struct ta_set *s2 = load_ok(text);
	ta_5011_update(&s2->point[0], z, 2, true, 3600, 0, NOW, 100, &changed);
	assert_false(changed);
	assert_int_equal(s2->point[0].nkeys, 1);
	/* a revoked key we never knew is ignored */
	uint8_t r2[TA_RDATA_MAX];
	size_t r2len = dnskey(385, ksk2024, r2);
	struct ta_dnskey_in rv[] = { { r.k1, (uint16_t)r.k1len, false }, { r2, (uint16_t)r2len, true } };
	ta_5011_update(&s2->point[0], rv, 2, true, 3600, 0, NOW, 100, &changed);
	assert_false(changed);
	assert_int_equal(s2->point[0].nkeys, 1);
	free(s2);
	free(s);

	/* DS anchors: the matching keys of a validated set take their place */
	if (access(ROOT_DS, R_OK) == 0) {
		s = set_new();
		char err[256];
		assert_int_equal(ta_load_file(s, ROOT_DS, NOW, err, sizeof(err)), 0);
		p = &s->point[0];
		assert_int_equal(p->keys[0].type, TA_TYPE_DS);
		struct ta_dnskey_in three[] = { { r.k1, (uint16_t)r.k1len, false },
		                                { r.k2, (uint16_t)r.k2len, false },
		                                { zsk, (uint16_t)zlen, false } };
		assert_int_equal(ta_5011_update(p, three, 3, true, 3600, 0, NOW, 100, &changed), 2);
		assert_true(changed);
		assert_int_equal(p->nkeys, 2);
		for (unsigned i = 0; i < p->nkeys; i++) {
			assert_int_equal(p->keys[i].type, TA_TYPE_DNSKEY);
			assert_int_equal(p->keys[i].state, TA_VALID);
		}
		free(s);
	}
}

static void test_state_file(void **state)
{
	(void)state;
	char path[128], err[512];
	/* a plain anchor file is read as state (every key Valid) */
	state_path(path, sizeof(path), "plain.key");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, ". DNSKEY 257 3 8 %s\nexample. DS 1 8 1 0123456789ABCDEF0123456789ABCDEF01234567\n", ksk2017);
	fclose(f);
	struct ta_set *s = set_new();
	assert_int_equal(ta_state_load(s, path, err, sizeof(err)), 0);
	assert_int_equal(s->n, 2);
	/* round trip: saved and loaded back to the same set */
	s->point[0].next_probe = 12345;
	s->point[0].query_failed = 2;
	state_path(path, sizeof(path), "deep/er/state.key");
	assert_int_equal(ta_state_save(s, path, err, sizeof(err)), 0);
	struct ta_set *s2 = set_new();
	assert_int_equal(ta_state_load(s2, path, err, sizeof(err)), 0);
	assert_int_equal(s2->n, 2);
	for (unsigned i = 0; i < s->n; i++) {
		assert_int_equal(s2->point[i].nkeys, s->point[i].nkeys);
		assert_int_equal(s2->point[i].next_probe, s->point[i].next_probe);
		assert_int_equal(s2->point[i].query_failed, s->point[i].query_failed);
		for (unsigned k = 0; k < s->point[i].nkeys; k++) {
			assert_int_equal(s2->point[i].keys[k].rdlen, s->point[i].keys[k].rdlen);
			assert_memory_equal(s2->point[i].keys[k].rdata, s->point[i].keys[k].rdata,
			                    s->point[i].keys[k].rdlen);
		}
	}
	/* the state file is a trust anchor file too */
	struct ta_set *s3 = set_new();
	assert_int_equal(ta_load_file(s3, path, NOW, err, sizeof(err)), 0);
	assert_int_equal(s3->n, 2);
	free(s3);
	free(s2);

	/* state file precedence at start-up; without it, the anchor file */
	if (access(ROOT_KEY, R_OK) == 0) {
		s2 = set_new();
		assert_int_equal(ta_load_startup(s2, ROOT_KEY, path, 0, NOW, err, sizeof(err)), 0);
		assert_true(s2->from_state);
		assert_int_equal(s2->n, 2);
		assert_int_equal(s2->hold_down, TA_HOLD_DOWN_DEFAULT);
		state_path(path, sizeof(path), "none-yet.key");
		assert_int_equal(ta_load_startup(s2, ROOT_KEY, path, 0, NOW, err, sizeof(err)), 0);
		assert_false(s2->from_state);
		assert_string_equal(s2->source, ROOT_KEY);
		free(s2);
	}
	s2 = set_new();
	state_path(path, sizeof(path), "none-yet.key");
	assert_int_equal(ta_load_startup(s2, "/nonexistent/anchors", path, 0, NOW, err, sizeof(err)),
	                 -ENOENT);
	assert_string_equal(err, "/nonexistent/anchors: No such file or directory");
	free(s2);

	/* a name written with many \DDD escapes makes a long ";;point" line:
	 * it must read back (the fuzzer found a 255-byte comment buffer) */
	char lname[1100] = "";
	for (int l = 0; l < 4; l++) {
		for (int c = 0; c < 60; c++)
			strcat(lname, "\\237");
		strcat(lname, ".");
	}
	uint8_t lwire[BOLT_NAME_MAX];
	ut_name(lname, lwire);
	uint8_t ds[] = { 0, 1, 8, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	s2 = set_new();
	assert_int_equal(ta_set_add(s2, lwire, TA_TYPE_DS, ds, sizeof(ds), 60, TA_VALID, 0, 0, NULL), 0);
	s2->point[0].next_probe = 77;
	state_path(path, sizeof(path), "long.key");
	assert_int_equal(ta_state_save(s2, path, err, sizeof(err)), 0);
	s3 = set_new();
	if (ta_state_load(s3, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(s3->point[0].next_probe, 77);
	assert_true(bolt_name_equal(s3->point[0].name, lwire));
	free(s3);
	free(s2);

	/* bad state lines report their line */
	state_path(path, sizeof(path), "bad.key");
	f = fopen(path, "w");
	fprintf(f, ";;boltdns-ta-state 1\n. DNSKEY 257 3 8 %s ;;state=Sleeping added=0 changed=0\n",
	        ksk2017);
	fclose(f);
	s2 = set_new();
	assert_int_equal(ta_state_load(s2, path, err, sizeof(err)), BOLT_ECONFIG);
	assert_non_null(strstr(err, "bad.key:2: bad state="));
	free(s2);
	f = fopen(path, "w");
	fprintf(f, ";;point . ttl=x\n. DNSKEY 257 3 8 %s\n", ksk2017);
	fclose(f);
	s2 = set_new();
	assert_int_equal(ta_state_load(s2, path, err, sizeof(err)), BOLT_ECONFIG);
	assert_non_null(strstr(err, "bad.key:1: bad state comment"));
	free(s2);
	/* every key revoked: start-up refuses with a way out */
	f = fopen(path, "w");
	fprintf(f, ". DNSKEY 385 3 8 %s ;;state=Revoked added=0 changed=5\n", ksk2017);
	fclose(f);
	s2 = set_new();
	assert_int_equal(ta_load_startup(s2, ROOT_KEY, path, 0, NOW, err, sizeof(err)), BOLT_ECONFIG);
	assert_non_null(strstr(err, "no trusted key left"));
	assert_non_null(strstr(err, "delete it"));
	free(s2);

	/* an unwritable place: an error, nothing half-written */
	s->point[0].next_probe = 1;
	assert_true(ta_state_save(s, "/proc/no/such/dir/state.key", err, sizeof(err)) < 0);
	assert_true(err[0] != '\0');
	free(s);
}

/* The resolver's entry point: update, and the state file written on a change only. */
static void test_observe(void **state)
{
	(void)state;
	struct roll r;
	roll_keys(&r);
	char text[2048], path[128];
	snprintf(text, sizeof(text), ". DNSKEY 257 3 8 %s\nexample. DS 1 8 1 "
	         "0123456789abcdef0123456789abcdef01234567\n", ksk2017);
	struct anchor_ctx a;
	memset(&a, 0, sizeof(a));
	a.set = load_ok(text);
	a.set->hold_down = 10;
	state_path(path, sizeof(path), "observe/root.key");
	snprintf(a.state_path, sizeof(a.state_path), "%s", path);
	assert_int_equal(ta_5011_next_probe(a.set), 0);
	assert_ptr_equal(ta_5011_due(a.set, NOW), &a.set->point[0]);
	struct ta_dnskey_in one[] = { { r.k1, (uint16_t)r.k1len, true } };
	struct ta_dnskey_in both[] = { { r.k1, (uint16_t)r.k1len, true },
	                               { r.k2, (uint16_t)r.k2len, true } };
	bool changed;
	/* nothing changes: no file */
	assert_int_equal(anchor_5011_observe(&a, root, one, 1, true, 172800, 0, NOW, &changed), 1);
	assert_false(changed);
	assert_int_equal(access(path, F_OK), -1);
	/* the root probed, example. still due */
	assert_ptr_equal(ta_5011_due(a.set, NOW), &a.set->point[1]);
	assert_int_equal(ta_5011_next_probe(a.set), 0);
	/* a new key: written */
	assert_int_equal(anchor_5011_observe(&a, root, both, 2, true, 172800, 0, NOW + 1, &changed), 1);
	assert_true(changed);
	assert_int_equal(access(path, F_OK), 0);
	struct ta_set *back = set_new();
	char err[256];
	assert_int_equal(ta_state_load(back, path, err, sizeof(err)), 0);
	assert_int_equal(key_by_tag(&back->point[0], 38696)->state, TA_ADDPEND);
	free(back);
	/* after the hold-down: Valid, written again */
	assert_int_equal(anchor_5011_observe(&a, root, both, 2, true, 172800, 0, NOW + 11, &changed), 2);
	back = set_new();
	assert_int_equal(ta_state_load(back, path, err, sizeof(err)), 0);
	assert_int_equal(key_by_tag(&back->point[0], 38696)->state, TA_VALID);
	free(back);
	/* not a trust point; validation off */
	uint8_t n[BOLT_NAME_MAX];
	ut_name("other.", n);
	assert_int_equal(anchor_5011_observe(&a, n, one, 1, true, 60, 0, NOW, &changed), BOLT_ENOENT);
	/* a state file that cannot be written: the update stays in memory, the error is kept */
	snprintf(a.state_path, sizeof(a.state_path), "/proc/none/root.key");
	struct ta_dnskey_in k2only[] = { { r.k2, (uint16_t)r.k2len, true } };
	assert_true(anchor_5011_observe(&a, root, k2only, 1, true, 60, 0, NOW + 20, &changed) < 0);
	assert_true(changed);
	assert_int_equal(key_by_tag(&a.set->point[0], 20326)->state, TA_MISSING);
	assert_true(a.state_error[0] != '\0');
	free(a.set);
	a.set = NULL;
	assert_int_equal(anchor_5011_observe(&a, root, one, 1, true, 60, 0, NOW, &changed), -EINVAL);
}

static void test_counts_source(void **state)
{
	(void)state;
	struct anchor_ctx a;
	memset(&a, 0, sizeof(a));
	assert_null(a.counts);
	anchor_set_counts_source(&a, (anchor_counts_fn)(void (*)(void))abort, &a);
	assert_non_null(a.counts);
	assert_ptr_equal(a.counts_arg, &a);
	anchor_set_counts_source(&a, NULL, NULL);
	assert_null(a.counts);
	/* nothing to save without a set */
	assert_int_equal(anchor_save_state(&a), 0);
}

static int cleanup(void **state)
{
	(void)state;
	if (tmpdir[0] != '\0') {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_tag),
		cmocka_unit_test(test_root_key_file),
		cmocka_unit_test(test_zone_format),
		cmocka_unit_test(test_zone_errors),
		cmocka_unit_test(test_xml),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_nta),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_ksk_roll),
		cmocka_unit_test(test_5011_other),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_observe),
		cmocka_unit_test(test_counts_source),
	};
	return cmocka_run_group_tests(tests, NULL, cleanup);
}
