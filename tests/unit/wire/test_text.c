/*
 * Presentation format: names with escapes, types, rcodes, RRs as dig prints
 * them, RDATA from text, and text round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "pkt.h"

static void test_name_to_text(void **state)
{
	(void)state;
	char out[1100];
	assert_int_equal(bolt_name_to_text((const uint8_t *)"\3www\7Example\3com", out, sizeof(out)),
	                 16);
	assert_string_equal(out, "www.Example.com.");
	assert_int_equal(bolt_name_to_text((const uint8_t *)"", out, sizeof(out)), 1);
	assert_string_equal(out, ".");
	bolt_name_to_text((const uint8_t *)"\3a.b\2\\\"\0", out, sizeof(out));
	assert_string_equal(out, "a\\.b.\\\\\\\".");
	bolt_name_to_text((const uint8_t *)"\4a b\377\1@", out, sizeof(out));
	assert_string_equal(out, "a\\032b\\255.\\@.");
	/* Too small: ESPACE, never an overrun. */
	assert_int_equal(bolt_name_to_text((const uint8_t *)"\3www\0", out, 4), BOLT_ESPACE);
	assert_int_equal(bolt_name_to_text((const uint8_t *)"\3www\0", out, 5), 4);
	assert_int_equal(bolt_name_to_text((const uint8_t *)"\0", out, 0), BOLT_ESPACE);
}

static void test_name_from_text(void **state)
{
	(void)state;
	uint8_t w[BOLT_NAME_MAX];
	assert_int_equal(bolt_name_from_text("www.example.com.", w), 17);
	assert_memory_equal(w, "\3www\7example\3com", 17);
	assert_int_equal(bolt_name_from_text("www.example.com", w), 17);
	assert_int_equal(bolt_name_from_text(".", w), 1);
	assert_int_equal(w[0], 0);
	assert_int_equal(bolt_name_from_text("a\\.b.\\065\\\\", w), 8);
	assert_memory_equal(w, "\3a.b\2A\\", 8);
	assert_int_equal(bolt_name_from_text("", w), BOLT_ESYNTAX);
	assert_int_equal(bolt_name_from_text("a..b", w), BOLT_ESYNTAX);
	assert_int_equal(bolt_name_from_text(".a", w), BOLT_ESYNTAX);
	assert_int_equal(bolt_name_from_text("a.b..", w), BOLT_ESYNTAX);
	assert_int_equal(bolt_name_from_text("a\\256", w), BOLT_ESYNTAX);
	assert_int_equal(bolt_name_from_text("a\\12", w), BOLT_ESYNTAX);
	assert_int_equal(bolt_name_from_text("a\\", w), BOLT_ESYNTAX);
	assert_int_equal(bolt_name_from_text("a b", w), BOLT_ESYNTAX);

	char text[600];
	memset(text, 'a', 64);
	text[64] = '\0';
	assert_int_equal(bolt_name_from_text(text, w), BOLT_ELABEL);
	text[63] = '\0';
	assert_int_equal(bolt_name_from_text(text, w), 65);
	/* 4 labels of 63 = 256 wire bytes with the root. */
	for (int i = 0; i < 4; i++) {
		memset(text + 64 * i, 'b', 63);
		text[64 * i + 63] = '.';
	}
	text[255] = '\0';
	assert_int_equal(bolt_name_from_text(text, w), BOLT_ENAME);
	/* Three labels of 63 and one of 61: exactly 255. */
	text[64 * 3 + 61] = '\0';
	assert_int_equal(bolt_name_from_text(text, w), 255);
	/* Escaped bytes count once. */
	char esc[300] = "";
	for (int i = 0; i < 63; i++)
		strcat(esc, "\\000");
	assert_int_equal(bolt_name_from_text(esc, w), 65);
}

static void test_name_roundtrip(void **state)
{
	(void)state;
	/* Every byte value in a label survives wire -> text -> wire. */
	uint8_t w[BOLT_NAME_MAX], back[BOLT_NAME_MAX];
	char text[1100];
	for (int start = 0; start < 256; start += 50) {
		size_t p = 0;
		for (int l = 0; l < 3; l++) {
			w[p++] = 50;
			for (int i = 0; i < 50; i++)
				w[p++] = (uint8_t)(start + l * 50 + i);
		}
		w[p++] = 0;
		assert_true(bolt_name_to_text(w, text, sizeof(text)) > 0);
		assert_int_equal(bolt_name_from_text(text, back), (int)p);
		assert_memory_equal(w, back, p);
	}
}

static void test_types(void **state)
{
	(void)state;
	char out[32];
	assert_int_equal(bolt_type_to_text(BOLT_TYPE_AAAA, out, sizeof(out)), 4);
	assert_string_equal(out, "AAAA");
	bolt_type_to_text(65280, out, sizeof(out));
	assert_string_equal(out, "TYPE65280");
	assert_int_equal(bolt_type_to_text(65280, out, 5), BOLT_ESPACE);
	assert_int_equal(bolt_type_from_text("aaaa"), BOLT_TYPE_AAAA);
	assert_int_equal(bolt_type_from_text("A"), BOLT_TYPE_A);
	assert_int_equal(bolt_type_from_text("https"), 65);
	assert_int_equal(bolt_type_from_text("TYPE123"), 123);
	assert_int_equal(bolt_type_from_text("type65535"), 65535);
	assert_int_equal(bolt_type_from_text("TYPE65536"), BOLT_ETYPE);
	assert_int_equal(bolt_type_from_text("TYPE"), BOLT_ETYPE);
	assert_int_equal(bolt_type_from_text("TYPE1x"), BOLT_ETYPE);
	assert_int_equal(bolt_type_from_text("NOPE"), BOLT_ETYPE);
	assert_string_equal(bolt_rcode_to_text(0), "NOERROR");
	assert_string_equal(bolt_rcode_to_text(3), "NXDOMAIN");
	assert_string_equal(bolt_rcode_to_text(BOLT_RCODE_BADVERS), "BADVERS");
	assert_int_equal(bolt_rcode_from_text("nxdomain"), BOLT_RCODE_NXDOMAIN);
	assert_int_equal(bolt_rcode_from_text("REFUSED"), BOLT_RCODE_REFUSED);
	assert_int_equal(bolt_rcode_from_text("BADVERS"), BOLT_RCODE_BADVERS);
	assert_int_equal(bolt_rcode_from_text("2"), BOLT_RCODE_SERVFAIL);
	assert_int_equal(bolt_rcode_from_text("4095"), 4095);
	assert_int_equal(bolt_rcode_from_text("4096"), BOLT_ESYNTAX);
	assert_int_equal(bolt_rcode_from_text("2x"), BOLT_ESYNTAX);
	assert_int_equal(bolt_rcode_from_text("UNKNOWN"), BOLT_ESYNTAX);
	assert_int_equal(bolt_rcode_from_text("nosuch"), BOLT_ESYNTAX);
	assert_int_equal(bolt_rcode_from_text(""), BOLT_ESYNTAX);
	assert_string_equal(bolt_rcode_to_text(4000), "UNKNOWN");
}

/* RR text of type with RDATA given as text (through bolt_rdata_from_text). */
static const char *rr_text(const char *owner, uint16_t type, const char *rdtext)
{
	static char out[2048];
	static uint8_t rd[1024];
	struct bolt_rr rr;
	memset(&rr, 0, sizeof(rr));
	int n = bolt_name_from_text(owner, rr.owner);
	assert_true(n > 0);
	rr.owner_len = (uint8_t)n;
	rr.type = type;
	rr.rclass = BOLT_CLASS_IN;
	rr.ttl = 3600;
	int rl = bolt_rdata_from_text(type, rdtext, rd, sizeof(rd));
	assert_true(rl >= 0);
	rr.rdata = rd;
	rr.rdlen = (uint16_t)rl;
	assert_true(bolt_rr_to_text(&rr, out, sizeof(out)) > 0);
	return out;
}

static void test_rr_to_text(void **state)
{
	(void)state;
	assert_string_equal(rr_text("a.example", BOLT_TYPE_A, "192.0.2.1"),
	                    "a.example.\t3600\tIN\tA\t192.0.2.1");
	assert_string_equal(rr_text("a.example", BOLT_TYPE_AAAA, "2001:DB8::1"),
	                    "a.example.\t3600\tIN\tAAAA\t2001:db8::1");
	assert_string_equal(rr_text("example", BOLT_TYPE_NS, "ns1.example"),
	                    "example.\t3600\tIN\tNS\tns1.example.");
	assert_string_equal(rr_text("www.example", BOLT_TYPE_CNAME, "Host.example."),
	                    "www.example.\t3600\tIN\tCNAME\tHost.example.");
	assert_string_equal(rr_text("1.2.0.192.in-addr.arpa", BOLT_TYPE_PTR, "h.example"),
	                    "1.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\th.example.");
	assert_string_equal(rr_text("example", BOLT_TYPE_MX, "10 mail.example."),
	                    "example.\t3600\tIN\tMX\t10 mail.example.");
	assert_string_equal(rr_text("example", BOLT_TYPE_TXT, "\"v=spf1 -all\" plain \"q\\\"\\\\\\007\""),
	                    "example.\t3600\tIN\tTXT\t\"v=spf1 -all\" \"plain\" \"q\\\"\\\\\\007\"");
	assert_string_equal(rr_text("example", BOLT_TYPE_TXT, "\"\""),
	                    "example.\t3600\tIN\tTXT\t\"\"");
	assert_string_equal(rr_text("example", BOLT_TYPE_SOA,
	                            "ns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300"),
	                    "example.\t3600\tIN\tSOA\tns1.example. hostmaster.example. "
	                    "2024010101 7200 3600 1209600 300");
	assert_string_equal(rr_text("_dns._udp.example", BOLT_TYPE_SRV, "0 5 53 ns1.example."),
	                    "_dns._udp.example.\t3600\tIN\tSRV\t0 5 53 ns1.example.");
	assert_string_equal(rr_text("example", 65280, "\\# 4 0a000001"),
	                    "example.\t3600\tIN\tTYPE65280\t\\# 4 0A000001");
	assert_string_equal(rr_text("example", BOLT_TYPE_DS, "\\# 0"),
	                    "example.\t3600\tIN\tDS\t\\# 0");
	/* Known type, RDATA of the wrong shape: the generic form. */
	assert_string_equal(rr_text("example", BOLT_TYPE_A, "\\# 3 0a0000"),
	                    "example.\t3600\tIN\tA\t\\# 3 0A0000");
	assert_string_equal(rr_text("example", BOLT_TYPE_MX, "\\# 4 000a 0000"),
	                    "example.\t3600\tIN\tMX\t\\# 4 000A0000");
	/* Generic form of a well-formed known type prints the real form. */
	assert_string_equal(rr_text("example", BOLT_TYPE_A, "\\# 4 C0000201"),
	                    "example.\t3600\tIN\tA\t192.0.2.1");

	struct bolt_rr rr;
	memset(&rr, 0, sizeof(rr));
	rr.rclass = 3;
	rr.type = BOLT_TYPE_TXT;
	rr.rdata = (const uint8_t *)"\5hello";
	rr.rdlen = 6;
	char out[64];
	assert_int_equal(bolt_rr_to_text(&rr, out, sizeof(out)), 18);
	assert_string_equal(out, ".\t0\tCH\tTXT\t\"hello\"");
	assert_int_equal(bolt_rr_to_text(&rr, out, 18), BOLT_ESPACE);
	assert_int_equal(bolt_rr_to_text(&rr, out, 19), 18);
	rr.rclass = 42;
	bolt_rr_to_text(&rr, out, sizeof(out));
	assert_string_equal(out, ".\t0\tCLASS42\tTXT\t\"hello\"");
}

static void test_rdata_from_text(void **state)
{
	(void)state;
	uint8_t rd[600];
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_A, " 10.1.2.3 ", rd, sizeof(rd)), 4);
	assert_memory_equal(rd, "\12\1\2\3", 4);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_AAAA, "::1", rd, sizeof(rd)), 16);
	assert_int_equal(rd[15], 1);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_MX, "5 mx", rd, sizeof(rd)), 6);
	assert_memory_equal(rd, "\0\5\2mx\0", 6);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_TXT, "a \"b c\"", rd, sizeof(rd)), 6);
	assert_memory_equal(rd, "\1a\3b c", 6);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_SOA, "a. b. 1 2 3 4 4294967295", rd,
	                                      sizeof(rd)), 3 + 3 + 20);
	assert_int_equal(bolt_wire_get_u32(rd + 6 + 16), 4294967295u);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_RRSIG, "\\# 2 ab CD", rd, sizeof(rd)), 2);
	assert_memory_equal(rd, "\xab\xcd", 2);

	/* Errors. */
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_A, "10.1.2", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_A, "10.1.2.3 x", rd, sizeof(rd)),
	                 BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_A, "", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_AAAA, "1.2.3.4", rd, sizeof(rd)),
	                 BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_MX, "65536 mx", rd, sizeof(rd)),
	                 BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_MX, "10", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_MX, "-1 mx", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_NS, "a..b", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_NS, "\"a.b\"", rd, sizeof(rd)),
	                 BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_SOA, "a. b. 1 2 3 4", rd, sizeof(rd)),
	                 BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_SOA, "a. b. 1 2 3 4 4294967296", rd,
	                                      sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_TXT, "\"open", rd, sizeof(rd)),
	                 BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_TXT, "", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_DS, "1 2 3 abcd", rd, sizeof(rd)),
	                 BOLT_ETYPE);
	assert_int_equal(bolt_rdata_from_text(1, "\\# 3 abcd", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(1, "\\# 2 abc", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(1, "\\# 2 abxy", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(1, "\\# x", rd, sizeof(rd)), BOLT_ESYNTAX);
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_A, "10.1.2.3", rd, 3), BOLT_ESPACE);

	/* A TXT string of 255 bytes is fine, 256 is not. */
	char text[300];
	memset(text, 'z', 255);
	text[255] = '\0';
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_TXT, text, rd, sizeof(rd)), 256);
	memset(text, 'z', 256);
	text[256] = '\0';
	assert_int_equal(bolt_rdata_from_text(BOLT_TYPE_TXT, text, rd, sizeof(rd)), BOLT_ESYNTAX);
}

/* RDATA -> RR text -> RDATA gives the same bytes. */
static void text_roundtrip(uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	struct bolt_rr rr;
	char text[2048];
	uint8_t back[1024];
	memset(&rr, 0, sizeof(rr));
	rr.type = type;
	rr.rclass = 1;
	rr.rdata = rd;
	rr.rdlen = rdlen;
	assert_true(bolt_rr_to_text(&rr, text, sizeof(text)) > 0);
	/* The RDATA is the fifth tab-separated field. */
	const char *p = text;
	for (int i = 0; i < 4; i++) {
		p = strchr(p, '\t');
		assert_non_null(p);
		p++;
	}
	int n = bolt_rdata_from_text(type, p, back, sizeof(back));
	assert_int_equal(n, rdlen);
	assert_memory_equal(back, rd, rdlen);
}

static void test_text_roundtrips(void **state)
{
	(void)state;
	uint8_t txt[256 + 64];
	size_t p = 0;
	for (int i = 0; i < 256; i += 64) {
		txt[p++] = 63;
		for (int j = 0; j < 63; j++)
			txt[p++] = (uint8_t)(i + j);
	}
	text_roundtrip(BOLT_TYPE_TXT, txt, (uint16_t)p);
	text_roundtrip(BOLT_TYPE_A, (const uint8_t *)"\xff\0\1\2", 4);
	text_roundtrip(BOLT_TYPE_MX, (const uint8_t *)"\xff\xff\3a.b\1\\\0", 10);
	text_roundtrip(BOLT_TYPE_SOA, (const uint8_t *)"\1a\0\1b\0"
	               "\x80\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\xff\xff\xff\xff", 26);
	text_roundtrip(BOLT_TYPE_NS, (const uint8_t *)"\2(a\1)\0", 6);
	text_roundtrip(BOLT_TYPE_SRV, (const uint8_t *)"\0\1\0\2\0\3\0", 7);
	text_roundtrip(BOLT_TYPE_RRSIG, (const uint8_t *)"\0\1\2\3", 4);
	text_roundtrip(BOLT_TYPE_CNAME, (const uint8_t *)"\1a", 2); /* malformed: generic */
	text_roundtrip(BOLT_TYPE_TXT, (const uint8_t *)"", 0);
}

/* bolt_hex_decode: both cases, and what it refuses. */
static void test_hex_decode(void **state)
{
	(void)state;
	uint8_t out[4];
	assert_int_equal(bolt_hex_decode("00fFa9", 6, out, sizeof(out)), 3);
	assert_memory_equal(out, "\x00\xff\xa9", 3);
	assert_int_equal(bolt_hex_decode("", 0, out, sizeof(out)), 0);
	assert_int_equal(bolt_hex_decode("abc", 3, out, sizeof(out)), BOLT_ESYNTAX);
	assert_int_equal(bolt_hex_decode("0g", 2, out, sizeof(out)), BOLT_ESYNTAX);
	assert_int_equal(bolt_hex_decode("0 ", 2, out, sizeof(out)), BOLT_ESYNTAX);
	assert_int_equal(bolt_hex_decode("0011223344", 10, out, sizeof(out)), BOLT_ESPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_to_text),
		cmocka_unit_test(test_name_from_text),
		cmocka_unit_test(test_name_roundtrip),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_rr_to_text),
		cmocka_unit_test(test_rdata_from_text),
		cmocka_unit_test(test_text_roundtrips),
		cmocka_unit_test(test_hex_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
