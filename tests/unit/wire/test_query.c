/*
 * bolt_query_parse: the accept path and every reject rule of wire.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkt.h"

/* A query for name/type with RD, optionally with OPT. */
static void make_query(struct tpkt *t, const char *name, uint16_t type, bool edns)
{
	tp_hdr(t, 0x1234, BOLT_FLAG_RD, 1, 0, 0, edns ? 1 : 0);
	tp_name(t, name);
	tp_u16(t, type);
	tp_u16(t, BOLT_CLASS_IN);
	if (edns)
		tp_opt(t, 4096, 0, true);
}

static void test_simple(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "WwW.ExAmple.COM.", BOLT_TYPE_AAAA, false);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.flags, BOLT_FLAG_RD);
	assert_int_equal(q.qtype, BOLT_TYPE_AAAA);
	assert_int_equal(q.qclass, BOLT_CLASS_IN);
	assert_int_equal(q.qname_len, 17);
	assert_int_equal(q.question_len, 21);
	assert_memory_equal(q.qname_lc, "\3www\7example\3com", 17);
	assert_false(q.has_edns);
	assert_int_equal(q.edns_udp_size, 0);
	/* The packet keeps the client's case. */
	assert_memory_equal(t.b + 12, "\3WwW\7ExAmple\3COM", 17);
}

static void test_root_name(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, ".", BOLT_TYPE_NS, false);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
	assert_int_equal(q.qname_len, 1);
	assert_int_equal(q.qname_lc[0], 0);
}

static void test_edns(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, true);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
	assert_true(q.has_edns);
	assert_true(q.do_bit);
	assert_int_equal(q.edns_version, 0);
	assert_int_equal(q.edns_udp_size, 4096);
}

static void test_edns_options(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	tp_hdr(&t, 1, 0, 1, 0, 0, 1);
	tp_name(&t, "example.org");
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	tp_u8(&t, 0);
	tp_rrhdr(&t, BOLT_TYPE_OPT, 1232, 0, 12);
	tp_u16(&t, 10); /* COOKIE */
	tp_u16(&t, 8);
	tp_bytes(&t, "abcdefgh", 8);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
	assert_int_equal(q.edns_udp_size, 1232);
	assert_false(q.do_bit);

	/* An option claiming more than the RDATA holds. */
	tp_set16(&t, t.n - 10, 9);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EOPT);
	/* RDATA too short for an option header. */
	tp_hdr(&t, 1, 0, 1, 0, 0, 1);
	tp_name(&t, "example.org");
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	tp_u8(&t, 0);
	tp_rrhdr(&t, BOLT_TYPE_OPT, 1232, 0, 3);
	tp_bytes(&t, "\0\12\0", 3);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EOPT);
}

/* A query whose OPT holds the given options (code, length, data bytes). */
static void query_with_cookies(struct tpkt *t, const uint8_t *opts, size_t optlen)
{
	tp_hdr(t, 7, 0, 1, 0, 0, 1);
	tp_name(t, "example.org");
	tp_u16(t, 1);
	tp_u16(t, 1);
	tp_u8(t, 0);
	tp_rrhdr(t, BOLT_TYPE_OPT, 1232, 0, (uint16_t)optlen);
	tp_bytes(t, opts, optlen);
}

/* COOKIE (RFC 7873): client cookie alone or with a server cookie of 8..32
 * bytes is copied; any other length is FORMERR (BOLT_EOPT); only the first
 * COOKIE option counts. */
static void test_cookie_option(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	uint8_t o[128];
	for (unsigned len = 0; len <= 48; len++) {
		o[0] = 0;
		o[1] = 10;
		o[2] = 0;
		o[3] = (uint8_t)len;
		for (unsigned i = 0; i < len; i++)
			o[4 + i] = (uint8_t)(0xa0 + i);
		query_with_cookies(&t, o, 4 + len);
		int rc = bolt_query_parse(t.b, t.n, &q);
		bool ok = len == 8 || (len >= 16 && len <= 40);
		if (ok) {
			assert_int_equal(rc, 0);
			assert_int_equal(q.cookie_len, len);
			assert_memory_equal(q.cookie, o + 4, len);
		} else {
			assert_int_equal(rc, BOLT_EOPT);
		}
	}
	/* Without a COOKIE option: none. */
	make_query(&t, "example.org", BOLT_TYPE_A, true);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
	assert_int_equal(q.cookie_len, 0);
	/* Another option first, then two COOKIEs: the first counts, the
	 * second (malformed) is ignored. */
	static const uint8_t two[] = {
		0, 12, 0, 2, 0, 0,                      /* padding */
		0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8,    /* COOKIE, client only */
		0, 10, 0, 3, 9, 9, 9,                   /* COOKIE, malformed */
	};
	query_with_cookies(&t, two, sizeof(two));
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
	assert_int_equal(q.cookie_len, 8);
	assert_memory_equal(q.cookie, "\1\2\3\4\5\6\7\10", 8);
	/* A COOKIE running past the RDATA. */
	static const uint8_t past[] = { 0, 10, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8 };
	query_with_cookies(&t, past, sizeof(past));
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EOPT);
}

static void test_truncated_header(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, false);
	assert_int_equal(bolt_query_parse(t.b, 11, &q), BOLT_ETRUNC);
	assert_int_equal(bolt_query_parse(t.b, 0, &q), BOLT_ETRUNC);
	/* Header only, QDCOUNT 1: the question is missing. */
	q.id = 0;
	assert_int_equal(bolt_query_parse(t.b, 12, &q), BOLT_ETRUNC);
	assert_int_equal(q.id, 0x1234);
}

static void test_every_prefix_fails(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "a.example.org", BOLT_TYPE_A, true);
	for (size_t n = 0; n < t.n; n++)
		assert_int_not_equal(bolt_query_parse(t.b, n, &q), 0);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
}

static void test_qr_set(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, false);
	tp_set16(&t, 2, BOLT_FLAG_QR | BOLT_FLAG_RD);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EQR);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.flags, BOLT_FLAG_QR | BOLT_FLAG_RD);
}

static void test_opcode(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, false);
	tp_set16(&t, 2, 2 << 11); /* STATUS */
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ENOTIMP);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(BOLT_OPCODE(q.flags), 2);
}

static void test_qdcount(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, false);
	tp_set16(&t, 4, 0);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EQDCOUNT);
	tp_set16(&t, 4, 2);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EQDCOUNT);
	/* Two real questions. */
	tp_name(&t, "example.net");
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EQDCOUNT);
}

static void test_label_64(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	uint8_t label[65];
	tp_hdr(&t, 1, 0, 1, 0, 0, 0);
	label[0] = 64;
	memset(label + 1, 'a', 64);
	tp_bytes(&t, label, sizeof(label));
	tp_u8(&t, 0);
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ELABEL);
	/* 0x80: obsolete extended label type. */
	t.b[12] = 0x80;
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ELABEL);
	/* 63 is fine. */
	tp_hdr(&t, 1, 0, 1, 0, 0, 0);
	label[0] = 63;
	tp_bytes(&t, label, 64);
	tp_u8(&t, 0);
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
	assert_int_equal(q.qname_len, 65);
}

/* A name of exactly total wire bytes: labels of 63 then a shorter one. */
static void put_long_name(struct tpkt *t, size_t total)
{
	size_t left = total - 1;
	while (left > 0) {
		size_t l = left - 1 > 63 ? 63 : left - 1;
		uint8_t lab[64];
		lab[0] = (uint8_t)l;
		memset(lab + 1, 'X', l);
		tp_bytes(t, lab, l + 1);
		left -= l + 1;
	}
	tp_u8(t, 0);
}

static void test_name_256(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	tp_hdr(&t, 1, 0, 1, 0, 0, 0);
	put_long_name(&t, 255);
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
	assert_int_equal(q.qname_len, 255);
	assert_int_equal(q.qname_lc[1], 'x');

	tp_hdr(&t, 1, 0, 1, 0, 0, 0);
	put_long_name(&t, 256);
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ENAME);
}

/* Names of every length from 1 to 255 bytes (but 2: none has it), labels of random bytes (all
 * 256 values, so letters, the bytes next to 'A'..'Z' and high bytes): the
 * lower-cased name is each byte lower-cased alone, whatever the length (the
 * parser lower-cases 16 or 8 bytes at a time, the last block overlapping). */
static void test_lower_every_length(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	uint32_t r = 12345;
	for (size_t total = 1; total <= BOLT_NAME_MAX; total += total == 1 ? 2 : 1) {
		for (unsigned rep = 0; rep < 4; rep++) {
			uint8_t name[BOLT_NAME_MAX];
			size_t left = total - 1, pos = 0;
			while (left > 0) {
				size_t l = left - 1 > 63 ? 63 : left - 1;
				if (l > 1 && rep > 0)
					l = 1 + (r >> 7) % l; /* labels of random lengths */
				/* never leave one byte: no label fits it */
				if (left - l - 1 == 1)
					l = l < 63 ? l + 1 : l - 1;
				r = r * 1103515245u + 12345u;
				name[pos++] = (uint8_t)l;
				for (size_t j = 0; j < l; j++) {
					r = r * 1103515245u + 12345u;
					uint8_t c = (uint8_t)(r >> 16);
					/* half of the bytes near the letters */
					name[pos++] = (r & 0x100) ? c : (uint8_t)(0x3f + c % 0x24);
				}
				left -= l + 1;
			}
			name[pos++] = 0;
			tp_hdr(&t, 1, 0, 1, 0, 0, 0);
			tp_bytes(&t, name, pos);
			tp_u16(&t, 1);
			tp_u16(&t, 1);
			assert_int_equal(bolt_query_parse(t.b, t.n, &q), 0);
			assert_int_equal(q.qname_len, total);
			for (size_t j = 0; j < total; j++) {
				uint8_t c = name[j];
				uint8_t want = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
				assert_int_equal(q.qname_lc[j], want);
			}
			/* the packet keeps the client's bytes */
			assert_memory_equal(t.b + 12, name, total);
		}
	}
}

static void test_compressed_question(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	tp_hdr(&t, 1, 0, 1, 0, 0, 0);
	tp_bytes(&t, "\3www", 4);
	tp_ptr(&t, 12);
	tp_u16(&t, 1);
	tp_u16(&t, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ECOMPR);
}

static void test_truncated_question(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	/* Label runs past the end. */
	tp_hdr(&t, 1, 0, 1, 0, 0, 0);
	tp_bytes(&t, "\7exam", 5);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ETRUNC);
	/* No root label. */
	tp_hdr(&t, 1, 0, 1, 0, 0, 0);
	tp_bytes(&t, "\7example", 8);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ETRUNC);
	/* QCLASS missing. */
	tp_hdr(&t, 1, 0, 1, 0, 0, 0);
	tp_name(&t, "example");
	tp_u16(&t, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ETRUNC);
}

static void test_two_opts(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, true);
	tp_set16(&t, 10, 2);
	tp_opt(&t, 1232, 0, false);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EOPT);
}

static void test_opt_in_answer(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, true);
	tp_set16(&t, 10, 0);
	tp_set16(&t, 6, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EOPT);
	/* ... or in the authority section. */
	tp_set16(&t, 6, 0);
	tp_set16(&t, 8, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EOPT);
}

static void test_opt_owner(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, false);
	tp_set16(&t, 10, 1);
	tp_name(&t, "org");
	tp_rrhdr(&t, BOLT_TYPE_OPT, 1232, 0, 0);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EOPT);
	/* A compressed non-root owner is just as wrong. */
	make_query(&t, "example.org", BOLT_TYPE_A, false);
	tp_set16(&t, 10, 1);
	tp_ptr(&t, 12);
	tp_rrhdr(&t, BOLT_TYPE_OPT, 1232, 0, 0);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EOPT);
}

static void test_edns_version(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	tp_hdr(&t, 7, BOLT_FLAG_RD, 1, 0, 0, 1);
	tp_name(&t, "Example.org");
	tp_u16(&t, BOLT_TYPE_MX);
	tp_u16(&t, 1);
	tp_opt(&t, 1400, 1, true);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EBADVERS);
	/* The rest is filled so the caller can answer BADVERS. */
	assert_int_equal(q.id, 7);
	assert_true(q.has_edns);
	assert_int_equal(q.edns_version, 1);
	assert_int_equal(q.edns_udp_size, 1400);
	assert_true(q.do_bit);
	assert_int_equal(q.qtype, BOLT_TYPE_MX);
	assert_memory_equal(q.qname_lc, "\7example\3org", 13);
	/* A malformed query with a bad version is FORMERR, not BADVERS. */
	tp_u8(&t, 0);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ETRAIL);
}

static void test_trailing(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, false);
	tp_u8(&t, 0);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ETRAIL);
	make_query(&t, "example.org", BOLT_TYPE_A, true);
	tp_bytes(&t, "junk", 4);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ETRAIL);
}

static void test_other_records(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	/* An A record in the additional section. */
	make_query(&t, "example.org", BOLT_TYPE_A, false);
	tp_set16(&t, 10, 1);
	tp_ptr(&t, 12);
	tp_rrhdr(&t, BOLT_TYPE_A, 1, 60, 4);
	tp_bytes(&t, "\1\2\3\4", 4);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EMALF);
	/* ... in the answer section. */
	tp_set16(&t, 10, 0);
	tp_set16(&t, 6, 1);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_EMALF);
	/* RDLENGTH past the end of the packet. */
	make_query(&t, "example.org", BOLT_TYPE_A, false);
	tp_set16(&t, 10, 1);
	tp_u8(&t, 0);
	tp_rrhdr(&t, BOLT_TYPE_OPT, 1232, 0, 20);
	tp_bytes(&t, "\0\12\0\4abcd", 8);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ETRUNC);
}

static void test_count_bomb(void **state)
{
	(void)state;
	struct tpkt t;
	struct bolt_query q;
	make_query(&t, "example.org", BOLT_TYPE_A, true);
	tp_set16(&t, 10, 0xffff);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ECOUNT);
	tp_set16(&t, 10, 1);
	tp_set16(&t, 6, 0xffff);
	tp_set16(&t, 8, 0xffff);
	assert_int_equal(bolt_query_parse(t.b, t.n, &q), BOLT_ECOUNT);
}

static void test_udp_limit(void **state)
{
	(void)state;
	struct bolt_query q = { 0 };
	assert_int_equal(bolt_udp_limit(&q, 1232), 512);
	q.has_edns = true;
	q.edns_udp_size = 100;
	assert_int_equal(bolt_udp_limit(&q, 1232), 512);
	q.edns_udp_size = 4096;
	assert_int_equal(bolt_udp_limit(&q, 1232), 1232);
	q.edns_udp_size = 1400;
	assert_int_equal(bolt_udp_limit(&q, 4096), 1400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_root_name),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_edns_options),
		cmocka_unit_test(test_cookie_option),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_every_prefix_fails),
		cmocka_unit_test(test_qr_set),
		cmocka_unit_test(test_opcode),
		cmocka_unit_test(test_qdcount),
		cmocka_unit_test(test_label_64),
		cmocka_unit_test(test_name_256),
		cmocka_unit_test(test_lower_every_length),
		cmocka_unit_test(test_compressed_question),
		cmocka_unit_test(test_truncated_question),
		cmocka_unit_test(test_two_opts),
		cmocka_unit_test(test_opt_in_answer),
		cmocka_unit_test(test_opt_owner),
		cmocka_unit_test(test_edns_version),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_other_records),
		cmocka_unit_test(test_count_bomb),
		cmocka_unit_test(test_udp_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
