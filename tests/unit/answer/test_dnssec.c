/*
 * lib/answer and the cache with DNSSEC: every entry keeps its security
 * status; AD only on secure answers to queries with AD or DO (RFC 6840 5.7,
 * 5.8), CD or not; a bogus answer is a SERVFAIL (with EDE) for CD=0 queries
 * and its data, under the CD key, for CD=1 queries (RFC 4035 3.2.2); a DO=1
 * answer that does not fit the client's UDP size is TC=1 with no records at
 * all, never a part of the RRset and its signatures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/wire_ctx.h"
#include "ut_cache.h"

#define NOW 100000u

/* www.example.com A 198.18.0.1 (TTL 300), and for do_bit nsig RRSIGs of
 * siglen signature bytes each over it, as the resolver would put them in
 * a DO=1 entry. Returns the length. */
static int build_signed(uint8_t *buf, size_t cap, bool do_bit, unsigned nsig, size_t siglen,
                        struct bolt_build *b)
{
	uint8_t qn[BOLT_NAME_MAX], signer[BOLT_NAME_MAX], rd[1024];
	int ql = bolt_name_from_text("www.example.com", qn);
	int sl = bolt_name_from_text("example.com", signer);
	assert_true(ql > 0 && sl > 0 && 18 + (size_t)sl + siglen <= sizeof(rd));
	assert_int_equal(bolt_build_init(b, buf, cap, 0, BOLT_FLAG_QR | BOLT_FLAG_RA), 0);
	assert_int_equal(bolt_build_question(b, qn, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	assert_int_equal(bolt_build_rr(b, BOLT_SEC_ANSWER, qn, BOLT_TYPE_A, BOLT_CLASS_IN, 300,
	                               (const uint8_t *)"\xc6\x12\x00\x01", 4), 0);
	for (unsigned i = 0; do_bit && i < nsig; i++) {
		memset(rd, 0, sizeof(rd));
		bolt_wire_put_u16(rd, BOLT_TYPE_A);
		rd[2] = 13;                         /* ECDSAP256SHA256 */
		rd[3] = 3;                          /* labels */
		bolt_wire_put_u32(rd + 4, 300);
		bolt_wire_put_u32(rd + 8, NOW + 86400);
		bolt_wire_put_u32(rd + 12, NOW - 86400);
		bolt_wire_put_u16(rd + 16, (uint16_t)(1000 + i));
		memcpy(rd + 18, signer, (size_t)sl);
		memset(rd + 18 + sl, 0xa5, siglen);
		assert_int_equal(bolt_build_rr(b, BOLT_SEC_ANSWER, qn, BOLT_TYPE_RRSIG, BOLT_CLASS_IN,
		                               300, rd, (uint16_t)(18 + (size_t)sl + siglen)), 0);
	}
	int len = bolt_build_finish(b);
	assert_true(len > 0);
	return len;
}

/* Insert the answer for www.example.com A with status (both DO values). */
static void put(struct ut_cache *f, uint8_t status)
{
	uint8_t msg[2048];
	struct bolt_build b;
	for (int d = 0; d <= 1; d++) {
		int len = build_signed(msg, sizeof(msg), d, 1, 64, &b);
		assert_int_equal(bolt_answer_insert_status(f->c, msg, (size_t)len, b.ttl_off, b.nttl,
		                                           d, NOW, 300, BOLT_CACHE_POSITIVE, 0,
		                                           status), 0);
	}
}

/* Insert the bogus answer for www.example.com A (both DO values). */
static void put_bogus(struct ut_cache *f, uint32_t bogus_ttl)
{
	uint8_t msg[2048];
	struct bolt_build b;
	for (int d = 0; d <= 1; d++) {
		int len = build_signed(msg, sizeof(msg), d, 1, 64, &b);
		assert_int_equal(bolt_answer_insert_bogus(f->c, msg, (size_t)len, b.ttl_off, b.nttl,
		                                          d, NOW, 300, BOLT_CACHE_POSITIVE, bogus_ttl,
		                                          7, "signature expired"), 0);
	}
}

struct client {
	uint8_t q[512];
	int qlen;
	struct bolt_query pq;
	struct bolt_cache_out out;
	uint16_t ttl[64];
	uint8_t sec[4096];
	uint8_t resp[4096];
	int rlen;
	struct bolt_msg m;
	struct bolt_rr rrs[16];
	uint8_t scratch[4096];
};

/* A query with header flags (RD, AD, CD) and EDNS (udp 0: none, DO when
 * do_bit), looked up under key_flags (BOLT_CACHE_KEY_CD or 0) and answered
 * with limit udp_limit. Returns the lookup's code; c->rlen the builder's. */
static int ask(struct ut_cache *f, struct client *c, uint16_t flags, uint16_t udp, bool do_bit,
               uint8_t key_flags, uint32_t now)
{
	struct bolt_build b;
	uint8_t qn[BOLT_NAME_MAX];
	int ql = bolt_name_from_text("www.example.com", qn);
	assert_int_equal(bolt_build_init(&b, c->q, sizeof(c->q), 0x4242, flags), 0);
	assert_int_equal(bolt_build_question(&b, qn, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	if (udp)
		assert_int_equal(bolt_build_opt(&b, udp, 0, do_bit), 0);
	c->qlen = bolt_build_finish(&b);
	assert_true(c->qlen > 0);
	assert_int_equal(bolt_query_parse(c->q, (size_t)c->qlen, &c->pq), 0);

	struct bolt_cache_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.name, c->pq.qname_lc, c->pq.qname_len);
	k.name_len = (uint8_t)c->pq.qname_len;
	k.qtype = c->pq.qtype;
	k.qclass = c->pq.qclass;
	k.do_bit = (uint8_t)(c->pq.do_bit | key_flags);
	bolt_cache_key_hash(f->c, &k);
	c->out.ttl_off = c->ttl;
	c->out.ttl_cap = 64;
	c->out.sections = c->sec;
	c->out.cap = sizeof(c->sec);
	c->rlen = -1;
	int rc = bolt_cache_lookup(f->c, &k, now, &c->out);
	if (rc != 0 && rc != BOLT_EEXPIRED)
		return rc;
	memcpy(c->resp, c->q, (size_t)c->qlen);
	c->rlen = bolt_answer_from_cache(c->resp, sizeof(c->resp), bolt_udp_limit(&c->pq, 4096),
	                                 &c->pq, &c->out, now, rc == BOLT_EEXPIRED, 1232);
	if (c->rlen > 0)
		assert_int_equal(bolt_msg_parse(c->resp, (size_t)c->rlen, &c->m, c->rrs, 16,
		                                c->scratch, sizeof(c->scratch)), 0);
	return rc;
}

static unsigned count_type(const struct client *c, uint16_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->m.rrcount; i++)
		n += c->rrs[i].type == type && c->rrs[i].section == BOLT_SEC_ANSWER;
	return n;
}

/* AD for every status x AD x DO x CD: only secure, only with AD or DO. */
static void test_ad_matrix(void **state)
{
	struct ut_cache *f = *state;
	static const uint8_t statuses[] = { BOLT_SEC_UNCHECKED, BOLT_SEC_SECURE, BOLT_SEC_INSECURE,
	                                    BOLT_SEC_INDETERMINATE };
	struct client *c = calloc(1, sizeof(*c));
	for (unsigned s = 0; s < BOLT_ARRAY_SIZE(statuses); s++) {
		bolt_cache_flush(f->c);
		put(f, statuses[s]);
		for (unsigned bits = 0; bits < 8; bits++) {
			bool ad = bits & 1, dob = bits & 2, cd = bits & 4;
			uint16_t flags = (uint16_t)(BOLT_FLAG_RD | (ad ? BOLT_FLAG_AD : 0) |
			                            (cd ? BOLT_FLAG_CD : 0));
			assert_int_equal(ask(f, c, flags, 1232, dob, 0, NOW + 10), 0);
			assert_true(c->rlen > 0);
			assert_int_equal(c->out.val.status, statuses[s]);
			bool want = statuses[s] == BOLT_SEC_SECURE && (ad || dob);
			if (((c->m.flags & BOLT_FLAG_AD) != 0) != want)
				fail_msg("status %s AD=%d DO=%d CD=%d: AD %s",
				         bolt_sec_status_name(statuses[s]), ad, dob, cd,
				         want ? "missing" : "set");
			assert_int_equal(BOLT_RCODE(c->m.flags), BOLT_RCODE_NOERROR);
			assert_int_equal((c->m.flags & BOLT_FLAG_CD) != 0, cd);
			/* DO=1 entries carry the signatures, DO=0 entries do not. */
			assert_int_equal(count_type(c, BOLT_TYPE_RRSIG), dob ? 1 : 0);
			assert_int_equal(count_type(c, BOLT_TYPE_A), 1);
		}
		/* No EDNS at all, AD set: AD for a secure answer too. */
		assert_int_equal(ask(f, c, BOLT_FLAG_RD | BOLT_FLAG_AD, 0, false, 0, NOW + 10), 0);
		assert_int_equal((c->m.flags & BOLT_FLAG_AD) != 0, statuses[s] == BOLT_SEC_SECURE);
		/* A stale secure answer is not claimed authentic. */
		assert_int_equal(ask(f, c, BOLT_FLAG_RD | BOLT_FLAG_AD, 1232, true, 0, NOW + 400),
		                 BOLT_EEXPIRED);
		assert_true(c->rlen > 0);
		assert_false(c->m.flags & BOLT_FLAG_AD);
	}
	free(c);
}

/* The entry's own AD bit (a response built with AD) never reaches a client
 * on its own: only the status decides. */
static void test_ad_from_entry_ignored(void **state)
{
	struct ut_cache *f = *state;
	uint8_t msg[2048];
	struct bolt_build b;
	int len = build_signed(msg, sizeof(msg), true, 1, 64, &b);
	bolt_wire_put_u16(msg + 2, (uint16_t)(bolt_wire_get_u16(msg + 2) | BOLT_FLAG_AD));
	assert_int_equal(bolt_answer_insert(f->c, msg, (size_t)len, b.ttl_off, b.nttl, true, NOW,
	                                    300, BOLT_CACHE_POSITIVE), 0);
	struct client *c = calloc(1, sizeof(*c));
	assert_int_equal(ask(f, c, BOLT_FLAG_RD | BOLT_FLAG_AD, 1232, true, 0, NOW), 0);
	assert_int_equal(c->out.val.status, BOLT_SEC_UNCHECKED);
	assert_false(c->m.flags & BOLT_FLAG_AD);
	free(c);
}

/* A bogus answer: CD=0 gets SERVFAIL with the validator's EDE, CD=1 gets
 * the data (no AD), each under its own key. */
static void test_bogus_cd(void **state)
{
	struct ut_cache *f = *state;
	struct client *c = calloc(1, sizeof(*c));
	char text[64];
	put_bogus(f, 60);

	for (int dob = 0; dob <= 1; dob++) {
		/* CD=0: the SERVFAIL under the plain key, EDE inside the OPT. */
		assert_int_equal(ask(f, c, BOLT_FLAG_RD | BOLT_FLAG_AD, 1232, dob, 0, NOW + 1), 0);
		assert_int_equal(c->out.val.kind, BOLT_CACHE_SERVFAIL);
		assert_int_equal(c->out.val.status, BOLT_SEC_BOGUS);
		assert_int_equal(c->out.val.expires, NOW + 60);
		assert_int_equal(BOLT_RCODE(c->m.flags), BOLT_RCODE_SERVFAIL);
		assert_false(c->m.flags & BOLT_FLAG_AD);
		assert_true(c->m.flags & BOLT_FLAG_RA);
		assert_int_equal(c->m.ancount, 0);
		assert_int_equal(c->m.nscount, 0);
		const uint8_t *o = c->resp + c->rlen - c->out.val.ede_len;
		assert_int_equal(bolt_wire_get_u16(o), BOLT_OPT_EDE);
		assert_int_equal(bolt_wire_get_u16(o + 4), 7);
		size_t tl = c->out.val.ede_len - BOLT_EDE_HDR_LEN;
		memcpy(text, o + BOLT_EDE_HDR_LEN, tl);
		text[tl] = '\0';
		assert_string_equal(text, "signature expired");

		/* CD=1: the data under the CD key, with its RRSIG for DO=1, no
		 * AD, the bogus TTL as its lifetime. */
		assert_int_equal(ask(f, c, BOLT_FLAG_RD | BOLT_FLAG_CD | BOLT_FLAG_AD, 1232, dob,
		                     BOLT_CACHE_KEY_CD, NOW + 1), 0);
		assert_int_equal(c->out.val.kind, BOLT_CACHE_POSITIVE);
		assert_int_equal(c->out.val.status, BOLT_SEC_BOGUS);
		assert_int_equal(c->out.val.expires, NOW + 60);
		assert_int_equal(BOLT_RCODE(c->m.flags), BOLT_RCODE_NOERROR);
		assert_false(c->m.flags & BOLT_FLAG_AD);
		assert_true(c->m.flags & BOLT_FLAG_CD);
		assert_int_equal(count_type(c, BOLT_TYPE_A), 1);
		assert_int_equal(count_type(c, BOLT_TYPE_RRSIG), dob ? 1 : 0);
		/* Its records live no longer than the entry (300 cut to 60,
		 * aged by 1 s). */
		for (unsigned i = 0; i < c->m.rrcount; i++)
			assert_int_equal(c->rrs[i].ttl, 59);

		/* The data looked up for a CD=0 query is refused by the builder:
		 * bogus data never goes to a client that did not set CD. */
		assert_int_equal(ask(f, c, BOLT_FLAG_RD, 1232, dob, BOLT_CACHE_KEY_CD, NOW + 1), 0);
		assert_int_equal(c->rlen, BOLT_ENOENT);
	}

	/* A data TTL shorter than the bogus TTL is kept. */
	bolt_cache_flush(f->c);
	put_bogus(f, 3600);
	assert_int_equal(ask(f, c, BOLT_FLAG_RD | BOLT_FLAG_CD, 1232, true, BOLT_CACHE_KEY_CD,
	                     NOW + 1), 0);
	assert_int_equal(c->out.val.expires, NOW + 300);
	for (unsigned i = 0; i < c->m.rrcount; i++)
		assert_int_equal(c->rrs[i].ttl, 299);
	assert_int_equal(ask(f, c, BOLT_FLAG_RD, 1232, true, 0, NOW + 1), 0);
	assert_int_equal(c->out.val.expires, NOW + 3600);

	/* insert_status with BOGUS data files it under the CD key only. */
	bolt_cache_flush(f->c);
	put(f, BOLT_SEC_BOGUS);
	assert_int_equal(ask(f, c, BOLT_FLAG_RD | BOLT_FLAG_CD, 1232, true, 0, NOW), BOLT_ENOENT);
	assert_int_equal(ask(f, c, BOLT_FLAG_RD | BOLT_FLAG_CD, 1232, true, BOLT_CACHE_KEY_CD,
	                     NOW), 0);
	assert_int_equal(c->out.val.status, BOLT_SEC_BOGUS);

	/* Deleting the name takes the CD entries too. */
	put_bogus(f, 60);
	uint8_t qn[BOLT_NAME_MAX];
	int ql = bolt_name_from_text("www.example.com", qn);
	assert_int_equal(bolt_cache_delete(f->c, qn, (size_t)ql, BOLT_TYPE_A), 4);
	assert_int_equal(ask(f, c, BOLT_FLAG_RD | BOLT_FLAG_CD, 1232, true, BOLT_CACHE_KEY_CD,
	                     NOW), BOLT_ENOENT);
	free(c);
}

/* Bad arguments of the insert functions. */
static void test_insert_refused(void **state)
{
	struct ut_cache *f = *state;
	uint8_t msg[2048];
	struct bolt_build b;
	int len = build_signed(msg, sizeof(msg), true, 1, 64, &b);
	assert_int_equal(bolt_answer_insert_status(f->c, msg, (size_t)len, b.ttl_off, b.nttl, true,
	                                           NOW, 300, BOLT_CACHE_POSITIVE, 0, 5),
	                 BOLT_EMALF);
	assert_int_equal(bolt_answer_insert_bogus(f->c, msg, (size_t)len, b.ttl_off, b.nttl, true,
	                                          NOW, 300, BOLT_CACHE_SERVFAIL, 60, 6, NULL),
	                 BOLT_EMALF);
	assert_int_equal(bolt_answer_insert_bogus(f->c, msg, (size_t)len, b.ttl_off, b.nttl, true,
	                                          NOW, 300, BOLT_CACHE_STATIC, 60, 6, NULL),
	                 BOLT_EMALF);
	assert_int_equal(bolt_answer_insert_bogus(f->c, msg, 11, NULL, 0, true, NOW, 300,
	                                          BOLT_CACHE_POSITIVE, 60, 6, NULL), BOLT_ETRUNC);
	assert_int_equal(bolt_answer_insert_bogus(f->c, msg, 20, NULL, 0, true, NOW, 300,
	                                          BOLT_CACHE_POSITIVE, 60, 6, NULL) < 0, 1);
	struct bolt_cache_stats st;
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.entries, 0);

	/* No reason given: EDE 6 DNSSEC Bogus. */
	assert_int_equal(bolt_answer_insert_bogus(f->c, msg, (size_t)len, b.ttl_off, b.nttl, true,
	                                          NOW, 300, BOLT_CACHE_POSITIVE, 60,
	                                          BOLT_EDE_NONE, NULL), 0);
	struct client *c = calloc(1, sizeof(*c));
	assert_int_equal(ask(f, c, BOLT_FLAG_RD, 1232, true, 0, NOW), 0);
	assert_int_equal(c->out.val.ede_len, BOLT_EDE_HDR_LEN);
	assert_int_equal(bolt_wire_get_u16(c->resp + c->rlen - 2), 6);
	free(c);
}

/* A DO=1 answer larger than the client's UDP size: TC=1, no records at all
 * (not the A without its RRSIGs), no AD; over a larger size it is whole. */
static void test_tc_do(void **state)
{
	struct ut_cache *f = *state;
	uint8_t msg[4096];
	struct bolt_build b;
	/* One A and three 256-byte signatures: ~900 bytes. */
	int len = build_signed(msg, sizeof(msg), true, 3, 256, &b);
	assert_true(len > 800);
	assert_int_equal(bolt_answer_insert_status(f->c, msg, (size_t)len, b.ttl_off, b.nttl, true,
	                                           NOW, 300, BOLT_CACHE_POSITIVE, 0,
	                                           BOLT_SEC_SECURE), 0);
	struct client *c = calloc(1, sizeof(*c));

	/* EDNS 512 and 800: too small. */
	for (uint16_t udp = 512; udp <= 800; udp = (uint16_t)(udp + 288)) {
		assert_int_equal(ask(f, c, BOLT_FLAG_RD, udp, true, 0, NOW), 0);
		assert_true(c->rlen > 0 && c->rlen <= udp);
		assert_true(c->m.flags & BOLT_FLAG_TC);
		assert_false(c->m.flags & BOLT_FLAG_AD);
		assert_int_equal(c->m.ancount, 0);
		assert_int_equal(c->m.nscount, 0);
		assert_int_equal(c->m.arcount, 1);
		assert_true(c->m.has_edns && c->m.do_bit);
	}
	/* 1232: the whole RRset with every signature, AD. */
	assert_int_equal(ask(f, c, BOLT_FLAG_RD, 1232, true, 0, NOW), 0);
	assert_false(c->m.flags & BOLT_FLAG_TC);
	assert_true(c->m.flags & BOLT_FLAG_AD);
	assert_int_equal(count_type(c, BOLT_TYPE_A), 1);
	assert_int_equal(count_type(c, BOLT_TYPE_RRSIG), 3);
	free(c);
}

/* The status byte is the old reserved[0]: the value layout is unchanged, so
 * entries written before (reserved always 0) read as unchecked, and a key
 * with DO 0/1 and no CD is what it always was. */
static void test_layout(void **state)
{
	(void)state;
	_Static_assert(sizeof(struct bolt_cache_val) == 28, "cache value size unchanged");
	_Static_assert(offsetof(struct bolt_cache_val, status) ==
	               offsetof(struct bolt_cache_val, ede_len) + 1, "status is the old reserved[0]");
	_Static_assert(BOLT_SEC_UNCHECKED == 0, "old entries (status byte 0) read as unchecked");
	assert_string_equal(bolt_sec_status_name(BOLT_SEC_SECURE), "secure");
	assert_string_equal(bolt_sec_status_name(BOLT_SEC_UNCHECKED), "unchecked");
	assert_string_equal(bolt_sec_status_name(BOLT_SEC_INDETERMINATE), "indeterminate");
	assert_string_equal(bolt_sec_status_name(200), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ad_matrix, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_ad_from_entry_ignored, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_bogus_cd, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_insert_refused, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_tc_do, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test(test_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
