/*
 * bolt_msg_parse: sections, decompression of owners and RDATA names, RDATA
 * validation, OPT handling, count and length checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkt.h"

#define MAXRR 16

struct parsed {
	struct bolt_msg m;
	struct bolt_rr rrs[MAXRR];
	uint8_t scratch[4096];
};

static int parse(const struct tpkt *t, struct parsed *p)
{
	return bolt_msg_parse(t->b, t->n, &p->m, p->rrs, MAXRR, p->scratch, sizeof(p->scratch));
}

/* Response for example.com with a compressed A, MX, NS, SOA, CNAME, SRV. */
static void make_response(struct tpkt *t)
{
	tp_hdr(t, 0xbeef, BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA, 1, 3, 1, 2);
	tp_name(t, "Example.com");        /* 12 */
	tp_u16(t, BOLT_TYPE_MX);
	tp_u16(t, BOLT_CLASS_IN);
	/* answer: MX 10 mail.example.com */
	tp_ptr(t, 12);
	tp_rrhdr(t, BOLT_TYPE_MX, 1, 300, 9);
	tp_u16(t, 10);
	tp_bytes(t, "\4mail", 5);         /* 43 */
	tp_ptr(t, 12);
	/* answer: CNAME www -> mail */
	tp_bytes(t, "\3www", 4);
	tp_ptr(t, 12);
	tp_rrhdr(t, BOLT_TYPE_CNAME, 1, 60, 2);
	tp_ptr(t, 43);
	/* answer: SRV (uncompressed target, as RFC 2782 wants) */
	tp_ptr(t, 12);
	tp_rrhdr(t, BOLT_TYPE_SRV, 1, 60, 6 + 18);
	tp_u16(t, 1);
	tp_u16(t, 2);
	tp_u16(t, 53);
	tp_name(t, "mail.example.com");
	/* authority: SOA with both names compressed */
	tp_ptr(t, 12);
	tp_rrhdr(t, BOLT_TYPE_SOA, 1, 3600, 2 + 7 + 20);
	tp_ptr(t, 12);
	tp_bytes(t, "\4host", 5);
	tp_ptr(t, 12);
	for (int i = 1; i <= 5; i++)
		tp_u32(t, (uint32_t)i * 1000);
	/* additional: A for mail, then OPT */
	tp_ptr(t, 43);
	tp_rrhdr(t, BOLT_TYPE_A, 1, 300, 4);
	tp_bytes(t, "\xc6\x12\0\1", 4);
	tp_opt(t, 1232, 0, true);
}

static void test_full(void **state)
{
	(void)state;
	struct tpkt t;
	struct parsed p;
	make_response(&t);
	assert_int_equal(parse(&t, &p), 0);
	struct bolt_msg *m = &p.m;
	assert_int_equal(m->id, 0xbeef);
	assert_int_equal(m->qdcount, 1);
	assert_int_equal(m->ancount, 3);
	assert_int_equal(m->arcount, 2);
	assert_int_equal(m->qtype, BOLT_TYPE_MX);
	assert_int_equal(m->qname_len, 13);
	assert_memory_equal(m->qname, "\7Example\3com", 13);
	assert_true(m->has_edns);
	assert_true(m->do_bit);
	assert_int_equal(m->edns_udp_size, 1232);
	assert_int_equal(m->rrcount, 5); /* OPT excluded */
	assert_ptr_equal(m->rrs, p.rrs);

	struct bolt_rr *rr = &p.rrs[0];
	assert_int_equal(rr->section, BOLT_SEC_ANSWER);
	assert_int_equal(rr->type, BOLT_TYPE_MX);
	assert_int_equal(rr->ttl, 300);
	assert_int_equal(rr->owner_len, 13);
	assert_int_equal(rr->rdlen, 2 + 18);
	assert_memory_equal(rr->rdata, "\0\12\4mail\7Example\3com", 20);

	rr = &p.rrs[1];
	assert_int_equal(rr->type, BOLT_TYPE_CNAME);
	assert_memory_equal(rr->owner, "\3www\7Example\3com", 17);
	assert_int_equal(rr->rdlen, 18);
	assert_memory_equal(rr->rdata, "\4mail\7Example\3com", 18);

	rr = &p.rrs[2];
	assert_int_equal(rr->type, BOLT_TYPE_SRV);
	assert_int_equal(rr->rdlen, 24);
	assert_memory_equal(rr->rdata + 6, "\4mail\7example\3com", 18);
	/* Nothing compressed in it: it needs no scratch space. */
	assert_true(rr->rdata > t.b && rr->rdata < t.b + t.n);

	rr = &p.rrs[3];
	assert_int_equal(rr->section, BOLT_SEC_AUTHORITY);
	assert_int_equal(rr->type, BOLT_TYPE_SOA);
	assert_int_equal(rr->rdlen, 13 + 18 + 20);
	assert_memory_equal(rr->rdata, "\7Example\3com\0\4host\7Example\3com", 31);
	assert_int_equal(bolt_wire_get_u32(rr->rdata + 31 + 16), 5000);

	rr = &p.rrs[4];
	assert_int_equal(rr->section, BOLT_SEC_ADDITIONAL);
	assert_int_equal(rr->type, BOLT_TYPE_A);
	assert_memory_equal(rr->owner, "\4mail\7Example\3com", 18);
	assert_int_equal(rr->rdlen, 4);
	/* Uncompressed RDATA points into the packet. */
	assert_true(rr->rdata > t.b && rr->rdata < t.b + t.n);
}

static void test_every_prefix_fails(void **state)
{
	(void)state;
	struct tpkt t;
	struct parsed p;
	make_response(&t);
	for (size_t n = 0; n < t.n; n++)
		assert_int_not_equal(bolt_msg_parse(t.b, n, &p.m, p.rrs, MAXRR, p.scratch,
		                                     sizeof(p.scratch)), 0);
}

static void test_no_question(void **state)
{
	(void)state;
	struct tpkt t;
	struct parsed p;
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 1, 0, 0);
	tp_name(&t, "a.example");
	tp_rrhdr(&t, BOLT_TYPE_A, 1, 1, 4);
	tp_u32(&t, 0x7f000001);
	assert_int_equal(parse(&t, &p), 0);
	assert_int_equal(p.m.qname_len, 0);
	assert_int_equal(p.m.rrcount, 1);
	tp_set16(&t, 4, 2);
	assert_int_equal(parse(&t, &p), BOLT_EQDCOUNT);
}

static void test_count_bomb(void **state)
{
	(void)state;
	struct tpkt t;
	struct parsed p;
	make_response(&t);
	tp_set16(&t, 6, 0xffff);
	assert_int_equal(parse(&t, &p), BOLT_ECOUNT);
	/* Exactly at the bound: 11 bytes per RR is possible, so the count check
	 * passes and the records themselves decide. */
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 0, 0, 3);
	for (int i = 0; i < 3; i++) {
		tp_u8(&t, 0);
		tp_rrhdr(&t, 999, 1, 0, 0);
	}
	assert_int_equal(parse(&t, &p), 0);
	assert_int_equal(p.m.rrcount, 3);
	tp_set16(&t, 10, 4);
	assert_int_equal(parse(&t, &p), BOLT_ECOUNT);
}

static void test_rdlen_overflow(void **state)
{
	(void)state;
	struct tpkt t;
	struct parsed p;
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 1, 0, 0);
	tp_name(&t, "a.example");
	tp_rrhdr(&t, 999, 1, 1, 0xffff);
	tp_bytes(&t, "abcdefgh", 8);
	assert_int_equal(parse(&t, &p), BOLT_ETRUNC);
	/* RR header cut short. */
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 1, 0, 0);
	tp_name(&t, "a.example");
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	tp_bytes(&t, "abcd", 4);
	assert_int_equal(parse(&t, &p), BOLT_ETRUNC);
}

/* One answer RR of type with the given RDATA bytes, after a question. */
static void one_rr(struct tpkt *t, uint16_t type, const void *rd, uint16_t rdlen)
{
	tp_hdr(t, 1, BOLT_FLAG_QR, 1, 1, 0, 0);
	tp_name(t, "example.com");
	tp_u16(t, type);
	tp_u16(t, 1);
	tp_ptr(t, 12);
	tp_rrhdr(t, type, 1, 60, rdlen);
	tp_bytes(t, rd, rdlen);
}

static void test_rdata_checks(void **state)
{
	(void)state;
	struct tpkt t;
	struct parsed p;
	one_rr(&t, BOLT_TYPE_A, "\1\2\3\4\5", 5);
	assert_int_equal(parse(&t, &p), BOLT_ERDATA);
	one_rr(&t, BOLT_TYPE_AAAA, "\1\2\3\4", 4);
	assert_int_equal(parse(&t, &p), BOLT_ERDATA);
	/* MX: name does not exactly fill RDLENGTH (one byte left over). */
	one_rr(&t, BOLT_TYPE_MX, "\0\1\1a\0X", 6);
	assert_int_equal(parse(&t, &p), BOLT_ERDATA);
	/* MX: name runs past RDLENGTH. */
	one_rr(&t, BOLT_TYPE_MX, "\0\1\3ab", 5);
	assert_int_equal(parse(&t, &p), BOLT_ERDATA);
	/* MX: only the preference. */
	one_rr(&t, BOLT_TYPE_MX, "\0\1", 2);
	assert_int_equal(parse(&t, &p), BOLT_ERDATA);
	/* MX correct, with a pointer to the question. */
	one_rr(&t, BOLT_TYPE_MX, "\0\5\xc0\x0c", 4);
	assert_int_equal(parse(&t, &p), 0);
	assert_int_equal(p.rrs[0].rdlen, 15);
	/* NS with a forward pointer. */
	one_rr(&t, BOLT_TYPE_NS, "\xc0\x7f", 2);
	assert_int_equal(parse(&t, &p), BOLT_EPTR);
	/* NS: empty. */
	one_rr(&t, BOLT_TYPE_NS, "", 0);
	assert_int_equal(parse(&t, &p), BOLT_ERDATA);
	/* SOA: serial etc. one byte short. */
	uint8_t soa[2 + 2 + 19];
	memset(soa, 0, sizeof(soa));
	soa[0] = 0xc0;
	soa[1] = 12;
	soa[2] = 0xc0;
	soa[3] = 12;
	one_rr(&t, BOLT_TYPE_SOA, soa, sizeof(soa));
	assert_int_equal(parse(&t, &p), BOLT_ERDATA);
	/* TXT: string longer than the RDATA. */
	one_rr(&t, BOLT_TYPE_TXT, "\5abc", 4);
	assert_int_equal(parse(&t, &p), BOLT_ERDATA);
	one_rr(&t, BOLT_TYPE_TXT, "", 0);
	assert_int_equal(parse(&t, &p), BOLT_ERDATA);
	one_rr(&t, BOLT_TYPE_TXT, "\3abc\0", 5);
	assert_int_equal(parse(&t, &p), 0);
	/* Unknown types are not looked into. */
	one_rr(&t, 65280, "\xc0\x7f", 2);
	assert_int_equal(parse(&t, &p), 0);
	assert_int_equal(p.rrs[0].rdlen, 2);
}

static void test_owner_pointers(void **state)
{
	(void)state;
	struct tpkt t;
	struct parsed p;
	/* Owner pointing forward into its own RDATA. */
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 1, 0, 0);
	tp_ptr(&t, 24);
	tp_rrhdr(&t, 999, 1, 1, 3);
	tp_bytes(&t, "\1a\0", 3);
	assert_int_equal(parse(&t, &p), BOLT_EPTR);
	/* A loop between two owners. */
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 1, 0, 0);
	tp_bytes(&t, "\1a", 2);
	tp_ptr(&t, 12);
	tp_rrhdr(&t, 999, 1, 1, 0);
	assert_int_equal(parse(&t, &p), BOLT_EPTR);
}

static void test_opt_rules(void **state)
{
	(void)state;
	struct tpkt t;
	struct parsed p;
	/* OPT in the answer section. */
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 1, 0, 0);
	tp_opt(&t, 512, 0, false);
	assert_int_equal(parse(&t, &p), BOLT_EOPT);
	/* Two OPTs. */
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 0, 0, 2);
	tp_opt(&t, 512, 0, false);
	tp_opt(&t, 512, 0, false);
	assert_int_equal(parse(&t, &p), BOLT_EOPT);
	/* Non-root owner. */
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 0, 0, 1);
	tp_name(&t, "a");
	tp_rrhdr(&t, BOLT_TYPE_OPT, 512, 0, 0);
	assert_int_equal(parse(&t, &p), BOLT_EOPT);
	/* Extended rcode and version are reported, not rejected. */
	tp_hdr(&t, 1, BOLT_FLAG_QR | 0, 0, 0, 0, 1);
	tp_u8(&t, 0);
	tp_rrhdr(&t, BOLT_TYPE_OPT, 4000, 0x01010000, 0);
	assert_int_equal(parse(&t, &p), 0);
	assert_int_equal(p.m.ext_rcode, 1);
	assert_int_equal(p.m.edns_version, 1);
	assert_int_equal(p.m.edns_udp_size, 4000);
	assert_false(p.m.do_bit);
	assert_int_equal(p.m.rrcount, 0);
	/* Options overrunning the RDATA. */
	tp_hdr(&t, 1, BOLT_FLAG_QR, 0, 0, 0, 1);
	tp_u8(&t, 0);
	tp_rrhdr(&t, BOLT_TYPE_OPT, 4000, 0, 5);
	tp_bytes(&t, "\0\12\0\2a", 5);
	assert_int_equal(parse(&t, &p), BOLT_EOPT);
}

static void test_limits(void **state)
{
	(void)state;
	struct tpkt t;
	struct parsed p;
	make_response(&t);
	/* 5 RRs + OPT: 5 slots are enough, 4 are not. */
	assert_int_equal(bolt_msg_parse(t.b, t.n, &p.m, p.rrs, 5, p.scratch, sizeof(p.scratch)), 0);
	assert_int_equal(bolt_msg_parse(t.b, t.n, &p.m, p.rrs, 4, p.scratch, sizeof(p.scratch)),
	                 BOLT_ESPACE);
	/* Scratch too small for the decompressed names. */
	assert_int_equal(bolt_msg_parse(t.b, t.n, &p.m, p.rrs, MAXRR, p.scratch, 30), BOLT_ESPACE);
	assert_int_equal(bolt_msg_parse(t.b, t.n, &p.m, p.rrs, MAXRR, NULL, 0), BOLT_ESPACE);
	/* Exactly enough: MX 20 + CNAME 18 + SOA 51 bytes (SRV is uncompressed). */
	assert_int_equal(bolt_msg_parse(t.b, t.n, &p.m, p.rrs, MAXRR, p.scratch, 89), 0);
	assert_int_equal(bolt_msg_parse(t.b, t.n, &p.m, p.rrs, MAXRR, p.scratch, 88), BOLT_ESPACE);
	/* Twice the message size is enough for this one. */
	assert_int_equal(bolt_msg_parse(t.b, t.n, &p.m, p.rrs, MAXRR, p.scratch, 2 * t.n), 0);
	/* Trailing bytes. */
	tp_u8(&t, 0);
	assert_int_equal(parse(&t, &p), BOLT_ETRAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_every_prefix_fails),
		cmocka_unit_test(test_no_question),
		cmocka_unit_test(test_count_bomb),
		cmocka_unit_test(test_rdlen_overflow),
		cmocka_unit_test(test_rdata_checks),
		cmocka_unit_test(test_owner_pointers),
		cmocka_unit_test(test_opt_rules),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
