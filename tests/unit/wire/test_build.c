/*
 * The response builder: round trips build -> parse, compression, TTL
 * offsets, truncation, OPT and error responses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "pkt.h"
#include "ut_build.h"

static uint8_t qname[BOLT_NAME_MAX];
static int qlen;

static int setup(void **state)
{
	(void)state;
	qlen = bolt_name_from_text("WWW.example.COM", qname);
	return qlen > 0 ? 0 : -1;
}

static void test_roundtrip(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct bolt_build b;
	uint8_t owner[BOLT_NAME_MAX], rd[BOLT_NAME_MAX + 32];
	assert_int_equal(bolt_build_init(&b, buf, sizeof(buf), 0x4242,
	                                 BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA), 0);
	bolt_build_reserve_opt(&b);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)qlen, BOLT_TYPE_A, 1), 0);
	ut_name("www.example.com", owner);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, owner, BOLT_TYPE_A, 1, 300,
	                               (const uint8_t *)"\xc6\x12\0\1", 4), 0);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, owner, BOLT_TYPE_A, 1, 300,
	                               (const uint8_t *)"\xc6\x12\0\2", 4), 0);
	int n = ut_name("ns1.example.com", rd);
	ut_name("example.com", owner);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_AUTHORITY, owner, BOLT_TYPE_NS, 1, 86400,
	                               rd, (uint16_t)n), 0);
	ut_name("ns1.example.com", owner);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ADDITIONAL, owner, BOLT_TYPE_AAAA, 1, 7,
	                               (const uint8_t *)"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1",
	                               16), 0);
	assert_int_equal(bolt_build_opt(&b, 1232, 0, true), 0);
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	assert_int_equal(b.nttl, 4);

	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.id, 0x4242);
	assert_int_equal(m.flags, BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA);
	assert_int_equal(m.ancount, 2);
	assert_int_equal(m.nscount, 1);
	assert_int_equal(m.arcount, 2);
	assert_true(m.has_edns);
	assert_true(m.do_bit);
	assert_int_equal(m.edns_udp_size, 1232);
	assert_int_equal(m.rrcount, 4);
	assert_memory_equal(m.qname, qname, (size_t)qlen);
	/* Owners compressed against the question show the question's case. */
	assert_memory_equal(rrs[0].owner, "\3WWW\7example\3COM", 17);
	assert_memory_equal(rrs[1].rdata, "\xc6\x12\0\2", 4);
	assert_int_equal(rrs[2].type, BOLT_TYPE_NS);
	assert_int_equal(rrs[2].ttl, 86400);
	assert_true(bolt_name_equal(rrs[2].rdata, rd));
	assert_int_equal(rrs[3].section, BOLT_SEC_ADDITIONAL);
	assert_int_equal(rrs[3].ttl, 7);
	/* Each recorded TTL offset holds that RR's TTL. */
	static const uint32_t ttls[] = { 300, 300, 86400, 7 };
	for (int i = 0; i < 4; i++)
		assert_int_equal(bolt_wire_get_u32(buf + b.ttl_off[i]), ttls[i]);
}

static void test_compression_bytes(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct bolt_build b;
	uint8_t owner[BOLT_NAME_MAX], rd[2 + BOLT_NAME_MAX];
	bolt_build_init(&b, buf, sizeof(buf), 1, BOLT_FLAG_QR);
	bolt_build_question(&b, qname, (size_t)qlen, BOLT_TYPE_MX, 1);  /* qname at 12 */
	size_t at = b.pos;
	/* Owner equal to the question (case differs): one pointer to 12. */
	ut_name("www.example.com", owner);
	rd[0] = 0;
	rd[1] = 10;
	int n = ut_name("mail.Example.com", rd + 2);
	assert_int_equal(bolt_build_rr(&b, 0, owner, BOLT_TYPE_MX, 1, 60, rd, (uint16_t)(n + 2)), 0);
	assert_memory_equal(buf + at, "\xc0\x0c", 2);
	/* MX RDATA: preference, "mail", pointer to "example.com" at 16. */
	size_t rdat = at + 2 + 10;
	assert_int_equal(bolt_wire_get_u16(buf + rdat - 2), 2 + 5 + 2);
	assert_memory_equal(buf + rdat, "\0\12\4mail\xc0\x10", 9);
	size_t mail_at = rdat + 2;

	/* Owner "mail.example.com" now matches the MX target entirely. */
	at = b.pos;
	ut_name("mail.example.com", owner);
	assert_int_equal(bolt_build_rr(&b, 0, owner, BOLT_TYPE_A, 1, 60,
	                               (const uint8_t *)"\1\2\3\4", 4), 0);
	assert_int_equal(bolt_wire_get_u16(buf + at), 0xc000 | mail_at);

	/* A sibling: only the common suffix is pointed to. */
	at = b.pos;
	ut_name("smtp.example.com", owner);
	bolt_build_rr(&b, 0, owner, BOLT_TYPE_A, 1, 60, (const uint8_t *)"\1\2\3\4", 4);
	assert_memory_equal(buf + at, "\4smtp\xc0\x10", 7);

	/* Unrelated name: written in full. */
	at = b.pos;
	size_t net_at = at;
	ut_name("example.net", owner);
	bolt_build_rr(&b, 0, owner, BOLT_TYPE_A, 1, 60, (const uint8_t *)"\1\2\3\4", 4);
	assert_memory_equal(buf + at, "\7example\3net\0", 13);

	/* SOA: both names compressed; SRV: never compressed (RFC 2782). */
	uint8_t soa[2 * BOLT_NAME_MAX + 20];
	int l1 = ut_name("ns1.example.net", soa);
	int l2 = ut_name("hostmaster.example.net", soa + l1);
	memset(soa + l1 + l2, 0x11, 20);
	at = b.pos;
	ut_name("example.net", owner);
	bolt_build_rr(&b, 1, owner, BOLT_TYPE_SOA, 1, 60, soa, (uint16_t)(l1 + l2 + 20));
	rdat = at + 2 + 10;
	uint8_t expect[64];
	memcpy(expect, "\3ns1\xc0\x00\12hostmaster\xc0\x00", 19);
	expect[4] = (uint8_t)(0xc0 | net_at >> 8);
	expect[5] = (uint8_t)net_at;
	expect[17] = (uint8_t)(0xc0 | net_at >> 8);
	expect[18] = (uint8_t)net_at;
	assert_memory_equal(buf + rdat, expect, 19);
	assert_int_equal(bolt_wire_get_u16(buf + rdat - 2), 19 + 20);

	uint8_t srv[6 + BOLT_NAME_MAX];
	memset(srv, 0, 6);
	n = ut_name("mail.example.com", srv + 6);
	at = b.pos;
	bolt_build_rr(&b, 2, owner, BOLT_TYPE_SRV, 1, 60, srv, (uint16_t)(n + 6));
	assert_memory_equal(buf + at + 2 + 10 + 6, "\4mail\7example\3com", 18);

	int len = bolt_build_finish(&b);
	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.rrcount, 6);
	assert_memory_equal(rrs[4].rdata, soa, (size_t)(l1 + l2 + 20));
	assert_true(bolt_name_equal(rrs[1].owner, owner) == false);
}

static void test_truncation(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct bolt_build b;
	uint8_t owner[BOLT_NAME_MAX];
	uint8_t txt[200];
	memset(txt, 'x', sizeof(txt));
	txt[0] = 199;
	/* Question 21 bytes; each TXT RR: 2 + 10 + 200 = 212 bytes. */
	bolt_build_init(&b, buf, 12 + 21 + 2 * 212 + 16, 9, BOLT_FLAG_QR);
	bolt_build_question(&b, qname, (size_t)qlen, BOLT_TYPE_TXT, 1);
	ut_name("www.example.com", owner);
	assert_int_equal(bolt_build_rr(&b, 0, owner, BOLT_TYPE_TXT, 1, 1, txt, 200), 0);
	assert_int_equal(bolt_build_rr(&b, 0, owner, BOLT_TYPE_TXT, 1, 1, txt, 200), 0);
	size_t pos = b.pos;
	uint16_t ncompr = b.ncompr;
	/* The third does not fit: nothing written, TC on finish. */
	uint8_t other[BOLT_NAME_MAX];
	ut_name("other.example.org", other);
	assert_int_equal(bolt_build_rr(&b, 0, other, BOLT_TYPE_TXT, 1, 1, txt, 200), BOLT_ESPACE);
	assert_true(b.truncated);
	assert_int_equal(b.pos, pos);
	assert_int_equal(b.ncompr, ncompr);
	assert_int_equal(b.nttl, 2);
	/* Not sticky: something small (2 + 10 + 4 bytes) still fits. */
	assert_int_equal(bolt_build_rr(&b, 2, owner, BOLT_TYPE_A, 1, 1,
	                               (const uint8_t *)"\1\2\3\4", 4), 0);
	assert_int_equal(bolt_build_rr(&b, 2, owner, BOLT_TYPE_A, 1, 1,
	                               (const uint8_t *)"\1\2\3\4", 4), BOLT_ESPACE);
	int len = bolt_build_finish(&b);
	assert_int_equal(len, (int)pos + 16);
	assert_true(bolt_wire_get_u16(buf + 2) & BOLT_FLAG_TC);
	assert_int_equal(bolt_wire_get_u16(buf + 6), 2);
	assert_int_equal(bolt_wire_get_u16(buf + 10), 1);

	/* The OPT reserve: an RR that would fill it is refused, OPT fits. */
	bolt_build_init(&b, buf, 12 + 21 + 212 + 11, 9, BOLT_FLAG_QR);
	bolt_build_reserve_opt(&b);
	bolt_build_question(&b, qname, (size_t)qlen, BOLT_TYPE_TXT, 1);
	assert_int_equal(bolt_build_rr(&b, 0, owner, BOLT_TYPE_TXT, 1, 1, txt, 200), 0);
	assert_int_equal(bolt_build_rr(&b, 2, owner, BOLT_TYPE_A, 1, 1,
	                               (const uint8_t *)"\1\2\3\4", 4), BOLT_ESPACE);
	assert_int_equal(bolt_build_opt(&b, 1232, 0, false), 0);
	len = bolt_build_finish(&b);
	assert_int_equal(len, 12 + 21 + 212 + 11);
	struct bolt_msg m;
	struct bolt_rr rrs[4];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 4, scratch, sizeof(scratch)), 0);
	assert_true(m.flags & BOLT_FLAG_TC);
	assert_true(m.has_edns);
	assert_int_equal(m.rrcount, 1);
}

static void test_rolled_back_names_not_used(void **state)
{
	(void)state;
	/* A name written by an RR that did not fit must not be pointed to. */
	uint8_t buf[128];
	struct bolt_build b;
	uint8_t owner[BOLT_NAME_MAX], big[100];
	memset(big, 0, sizeof(big));
	bolt_build_init(&b, buf, sizeof(buf), 1, BOLT_FLAG_QR);
	ut_name("long-unique-name.example.org", owner);
	assert_int_equal(bolt_build_rr(&b, 0, owner, 999, 1, 1, big, sizeof(big)), BOLT_ESPACE);
	size_t at = b.pos;
	assert_int_equal(bolt_build_rr(&b, 0, owner, 999, 1, 1, big, 4), 0);
	assert_int_equal(buf[at], 16); /* written in full, no pointer */
	int len = bolt_build_finish(&b);
	struct bolt_msg m;
	struct bolt_rr rrs[4];
	uint8_t scratch[512];
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 4, scratch, sizeof(scratch)), 0);
	assert_true(bolt_name_equal(rrs[0].owner, owner));
}

static void test_misuse(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct bolt_build b;
	uint8_t owner[BOLT_NAME_MAX];
	ut_name("a.example", owner);
	assert_int_equal(bolt_build_init(&b, buf, 11, 1, 0), BOLT_ESPACE);
	assert_int_equal(bolt_build_finish(&b), BOLT_ESPACE);

	bolt_build_init(&b, buf, sizeof(buf), 1, 0);
	assert_int_equal(bolt_build_rr(&b, 1, owner, 1, 1, 1, (const uint8_t *)"abcd", 4), 0);
	/* Sections go in order. */
	assert_int_equal(bolt_build_rr(&b, 0, owner, 1, 1, 1, (const uint8_t *)"abcd", 4), -EINVAL);
	assert_int_equal(bolt_build_rr(&b, 3, owner, 1, 1, 1, (const uint8_t *)"abcd", 4), -EINVAL);
	/* The question after RRs. */
	assert_int_equal(bolt_build_question(&b, qname, (size_t)qlen, 1, 1), -EINVAL);
	/* NS whose RDATA is not one name. */
	assert_int_equal(bolt_build_rr(&b, 1, owner, BOLT_TYPE_NS, 1, 1,
	                               (const uint8_t *)"\1a\0junk", 7), BOLT_ERDATA);
	assert_int_equal(bolt_build_rr(&b, 1, owner, BOLT_TYPE_MX, 1, 1,
	                               (const uint8_t *)"\0\1", 2), BOLT_ERDATA);

	/* A question that does not fit is sticky. */
	bolt_build_init(&b, buf, 20, 1, 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)qlen, 1, 1), BOLT_ESPACE);
	assert_int_equal(bolt_build_rr(&b, 0, owner, 1, 1, 1, (const uint8_t *)"abcd", 4),
	                 BOLT_ESPACE);
	assert_int_equal(bolt_build_finish(&b), BOLT_ESPACE);
	/* qname_len disagreeing with the name. */
	bolt_build_init(&b, buf, sizeof(buf), 1, 0);
	assert_true(bolt_build_question(&b, qname, (size_t)qlen - 1, 1, 1) < 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)qlen + 1, 1, 1), BOLT_EMALF);
}

static void test_error_response(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct bolt_msg m;
	struct bolt_rr rrs[2];
	uint8_t question[BOLT_NAME_MAX + 4];
	memcpy(question, qname, (size_t)qlen);
	bolt_wire_put_u16(question + qlen, BOLT_TYPE_A);
	bolt_wire_put_u16(question + qlen + 2, 1);

	int len = bolt_build_error(buf, sizeof(buf), 77, BOLT_FLAG_RD | BOLT_FLAG_CD | BOLT_FLAG_AA,
	                           NULL, 0, BOLT_RCODE_FORMERR, false);
	assert_int_equal(len, 12);
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 2, NULL, 0), 0);
	assert_int_equal(m.id, 77);
	assert_int_equal(m.flags, BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_FLAG_RD | BOLT_FLAG_CD |
	                          BOLT_RCODE_FORMERR);

	len = bolt_build_error(buf, sizeof(buf), 78, 0, question, (size_t)qlen + 4,
	                       BOLT_RCODE_REFUSED, true);
	assert_int_equal(len, 12 + qlen + 4 + 11);
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 2, NULL, 0), 0);
	assert_int_equal(m.qdcount, 1);
	assert_memory_equal(m.qname, qname, (size_t)qlen);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_REFUSED);
	assert_true(m.has_edns);
	assert_int_equal(m.edns_udp_size, BOLT_EDNS_DEFAULT);

	/* BADVERS needs the OPT even when not asked for. */
	len = bolt_build_error(buf, sizeof(buf), 79, 0, question, (size_t)qlen + 4,
	                       BOLT_RCODE_BADVERS, false);
	assert_true(len > 0);
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 2, NULL, 0), 0);
	assert_int_equal(BOLT_RCODE(m.flags), 0);
	assert_int_equal(m.ext_rcode, 1);
	assert_int_equal((m.ext_rcode << 4) | BOLT_RCODE(m.flags), BOLT_RCODE_BADVERS);

	/* Opcode is echoed. */
	len = bolt_build_error(buf, sizeof(buf), 80, 2 << 11, NULL, 0, BOLT_RCODE_NOTIMP, false);
	assert_int_equal(BOLT_OPCODE(bolt_wire_get_u16(buf + 2)), 2);

	/* Answering in place: the question is read from the buffer itself. */
	struct tpkt t;
	tp_hdr(&t, 81, BOLT_FLAG_RD, 1, 0, 0, 0);
	tp_bytes(&t, question, (size_t)qlen + 4);
	len = bolt_build_error(t.b, sizeof(t.b), 81, BOLT_FLAG_RD, t.b + 12, (size_t)qlen + 4,
	                       BOLT_RCODE_SERVFAIL, false);
	assert_int_equal(len, 12 + qlen + 4);
	assert_int_equal(bolt_msg_parse(t.b, (size_t)len, &m, rrs, 2, NULL, 0), 0);
	assert_memory_equal(m.qname, qname, (size_t)qlen);
	assert_int_equal(m.qtype, BOLT_TYPE_A);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_SERVFAIL);

	/* Errors: too small, bad question. */
	assert_int_equal(bolt_build_error(buf, 11, 1, 0, NULL, 0, 1, false), BOLT_ESPACE);
	assert_int_equal(bolt_build_error(buf, 20, 1, 0, question, (size_t)qlen + 4, 1, false),
	                 BOLT_ESPACE);
	assert_true(bolt_build_error(buf, sizeof(buf), 1, 0, question, 3, 1, false) < 0);
	assert_true(bolt_build_error(buf, sizeof(buf), 1, 0, question, (size_t)qlen + 3, 1,
	                             false) < 0);
}

static void test_many_rrs(void **state)
{
	(void)state;
	/* More RRs than TTL slots: the rest is refused as not fitting. */
	static uint8_t buf[BOLT_MSG_MAX];
	struct bolt_build b;
	bolt_build_init(&b, buf, sizeof(buf), 1, BOLT_FLAG_QR);
	bolt_build_question(&b, qname, (size_t)qlen, 1, 1);
	int ok = 0;
	for (int i = 0; i < BOLT_BUILD_TTL_MAX + 5; i++) {
		if (bolt_build_rr(&b, 0, qname, 1, 1, 1, (const uint8_t *)"abcd", 4) == 0)
			ok++;
	}
	assert_int_equal(ok, BOLT_BUILD_TTL_MAX);
	assert_true(b.truncated);
	int len = bolt_build_finish(&b);
	static struct bolt_rr rrs[BOLT_BUILD_TTL_MAX];
	struct bolt_msg m;
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, BOLT_BUILD_TTL_MAX, NULL, 0), 0);
	assert_int_equal(m.rrcount, BOLT_BUILD_TTL_MAX);
}

static void test_large_message(void **state)
{
	(void)state;
	/* Past offset 0x3fff no name can be pointed to; names written there
	 * still compress against earlier ones and everything parses back. */
	static uint8_t buf[BOLT_MSG_MAX];
	static struct bolt_rr rrs[BOLT_BUILD_TTL_MAX];
	static uint8_t scratch[4 * BOLT_MSG_MAX];
	struct bolt_build b;
	uint8_t owner[BOLT_NAME_MAX], rd[BOLT_NAME_MAX];
	char text[128];
	bolt_build_init(&b, buf, sizeof(buf), 1, BOLT_FLAG_QR);
	bolt_build_question(&b, qname, (size_t)qlen, BOLT_TYPE_NS, 1);
	int n = 0;
	while (b.pos < 0x3fff + 2000) {
		snprintf(text, sizeof(text), "host-%d-padding-padding-padding.sub-%d.example.com", n, n % 7);
		ut_name(text, owner);
		int rl = ut_name(text, rd);
		assert_int_equal(bolt_build_rr(&b, 0, owner, BOLT_TYPE_CNAME, 1, 60, rd,
		                               (uint16_t)rl), 0);
		n++;
	}
	int len = bolt_build_finish(&b);
	struct bolt_msg m;
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, BOLT_BUILD_TTL_MAX, scratch,
	                                 sizeof(scratch)), 0);
	assert_int_equal(m.rrcount, n);
	for (int i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "host-%d-padding-padding-padding.sub-%d.example.com", i, i % 7);
		ut_name(text, owner);
		assert_true(bolt_name_equal(rrs[i].owner, owner));
		assert_true(bolt_name_equal(rrs[i].rdata, owner));
		/* The CNAME target is the owner: always one pointer. */
		if (i > 0 && b.ttl_off[i] < 0x3fff)
			assert_int_equal(bolt_wire_get_u16(buf + b.ttl_off[i] + 4), 2);
	}
	/* The last RR is past 0x3fff: its owner cannot be pointed to, so its
	 * CNAME target is its first label plus a pointer to the suffix
	 * ".sub-N.example.com" written earlier. */
	assert_true(b.ttl_off[n - 1] > 0x3fff);
	size_t first = (size_t)rrs[n - 1].owner[0];
	assert_int_equal(bolt_wire_get_u16(buf + b.ttl_off[n - 1] + 4), 1 + first + 2);
}

static void test_more_misuse(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct bolt_build b;
	bolt_build_init(&b, buf, sizeof(buf), 1, 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)qlen, 1, 1), 0);
	/* A second question. */
	assert_int_equal(bolt_build_question(&b, qname, (size_t)qlen, 1, 1), -EINVAL);
	/* An OPT that does not fit: ESPACE and TC, not sticky. */
	bolt_build_init(&b, buf, 12 + 10, 1, 0);
	assert_int_equal(bolt_build_opt(&b, 1232, 0, false), BOLT_ESPACE);
	assert_true(b.truncated);
	assert_int_equal(bolt_build_finish(&b), 12);
	/* Rcodes beyond 12 bits cannot be expressed. */
	assert_int_equal(bolt_build_error(buf, sizeof(buf), 1, 0, NULL, 0, 0x1000, false), -EINVAL);
	/* A bad owner name. */
	bolt_build_init(&b, buf, sizeof(buf), 1, 0);
	assert_int_equal(bolt_build_rr(&b, 0, (const uint8_t *)"@", 1, 1, 1,
	                               (const uint8_t *)"abcd", 4), BOLT_ELABEL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_compression_bytes),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_rolled_back_names_not_used),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_error_response),
		cmocka_unit_test(test_many_rrs),
		cmocka_unit_test(test_large_message),
		cmocka_unit_test(test_more_misuse),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
