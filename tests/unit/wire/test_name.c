/*
 * Names: decompression rules (backward pointers only, chain cap, 255 limit)
 * and the comparison helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkt.h"

static void test_unpack_plain(void **state)
{
	(void)state;
	struct tpkt t;
	uint8_t out[BOLT_NAME_MAX];
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_name(&t, "Www.Example.com");
	size_t pos = 12;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), 17);
	assert_int_equal(pos, 29);
	assert_memory_equal(out, "\3Www\7Example\3com", 17);
}

static void test_unpack_compressed(void **state)
{
	(void)state;
	struct tpkt t;
	uint8_t out[BOLT_NAME_MAX];
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_name(&t, "example.com");  /* 12 */
	tp_bytes(&t, "\3www", 4);    /* 25 */
	tp_ptr(&t, 12);
	tp_bytes(&t, "\1a", 2);      /* 31 */
	tp_ptr(&t, 25);              /* a.www.example.com: a chain of two */
	size_t pos = 25;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), 17);
	assert_int_equal(pos, 31);
	assert_memory_equal(out, "\3www\7example\3com", 17);
	pos = 31;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), 19);
	assert_int_equal(pos, 35);
	assert_memory_equal(out, "\1a\3www\7example\3com", 19);
}

static void test_forward_pointer(void **state)
{
	(void)state;
	struct tpkt t;
	uint8_t out[BOLT_NAME_MAX];
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_ptr(&t, 14);  /* 12 -> 14: forward */
	tp_name(&t, "example.com");
	size_t pos = 12;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_EPTR);
	/* Pointing at itself. */
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_ptr(&t, 12);
	pos = 12;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_EPTR);
	/* Past the end of the message. */
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_name(&t, "a");
	tp_ptr(&t, 0x3fff);
	pos = 15;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_EPTR);
}

static void test_pointer_into_header(void **state)
{
	(void)state;
	struct tpkt t;
	uint8_t out[BOLT_NAME_MAX];
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_ptr(&t, 4);
	size_t pos = 12;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_EPTR);
}

static void test_pointer_loop(void **state)
{
	(void)state;
	struct tpkt t;
	uint8_t out[BOLT_NAME_MAX];
	/* "a" then a pointer back to the "a": strictly backwards from the
	 * pointer, but a loop; it must be caught. */
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_bytes(&t, "\1a", 2);  /* 12 */
	tp_ptr(&t, 12);          /* 14 */
	size_t pos = 12;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_EPTR);
	pos = 14;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_EPTR);
	/* Two pointers pointing at each other. */
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_ptr(&t, 14);
	tp_ptr(&t, 12);
	pos = 14;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_EPTR);
}

static void test_chain_cap(void **state)
{
	(void)state;
	struct tpkt t;
	uint8_t out[BOLT_NAME_MAX];
	/* root at 12, then pointers each to the previous: 33 of them. */
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_u8(&t, 0);
	for (int i = 0; i < BOLT_PTR_CHAIN_MAX + 1; i++)
		tp_ptr(&t, (uint16_t)(i == 0 ? 12 : 13 + 2 * (i - 1)));
	size_t pos = 13 + 2 * (BOLT_PTR_CHAIN_MAX - 1); /* 32 pointers to follow */
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), 1);
	pos = 13 + 2 * BOLT_PTR_CHAIN_MAX; /* 33 */
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_EPTR);
}

static void test_unpack_too_long(void **state)
{
	(void)state;
	struct tpkt t;
	uint8_t out[BOLT_NAME_MAX];
	uint8_t lab[64];
	lab[0] = 63;
	memset(lab + 1, 'x', 63);
	/* 4 x 64 bytes + root = 257 once decompressed, each part short. */
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_bytes(&t, lab, 64);   /* 12 */
	tp_u8(&t, 0);
	tp_bytes(&t, lab, 64);   /* 77 */
	tp_ptr(&t, 12);
	tp_bytes(&t, lab, 64);   /* 143 */
	tp_ptr(&t, 77);
	tp_bytes(&t, lab, 64);   /* 209 */
	tp_ptr(&t, 143);
	size_t pos = 143;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), 193);
	pos = 209;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_ENAME);
}

static void test_unpack_bad(void **state)
{
	(void)state;
	struct tpkt t;
	uint8_t out[BOLT_NAME_MAX];
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_bytes(&t, "\x40", 1);
	size_t pos = 12;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_ELABEL);
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_bytes(&t, "\3ab", 3);
	pos = 12;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_ETRUNC);
	tp_hdr(&t, 0, 0, 0, 0, 0, 0);
	tp_u8(&t, 0xc0); /* half a pointer */
	pos = 12;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_ETRUNC);
	pos = 13;
	assert_int_equal(bolt_name_unpack(t.b, t.n, &pos, out), BOLT_ETRUNC);
}

static void test_helpers(void **state)
{
	(void)state;
	uint8_t a[BOLT_NAME_MAX], b[BOLT_NAME_MAX], z[BOLT_NAME_MAX];
	bolt_name_from_text("WWW.Example.COM", a);
	bolt_name_from_text("www.example.com.", b);
	assert_true(bolt_name_equal(a, b));
	assert_int_equal(bolt_name_len(a, sizeof(a)), 17);
	assert_int_equal(bolt_name_len(a, 16), BOLT_ETRUNC);
	assert_int_equal(bolt_name_labels(a), 3);
	bolt_name_lower(a, 17);
	assert_memory_equal(a, "\3www\7example\3com", 17);

	bolt_name_from_text("Example.COM", z);
	assert_true(bolt_name_in_zone(a, z));
	assert_true(bolt_name_in_zone(z, z));
	bolt_name_from_text(".", z);
	assert_true(bolt_name_in_zone(a, z));
	assert_int_equal(bolt_name_labels(z), 0);
	bolt_name_from_text("ample.com", z);
	assert_false(bolt_name_in_zone(a, z));
	bolt_name_from_text("www.example.com.org", z);
	assert_false(bolt_name_in_zone(a, z));
	assert_false(bolt_name_equal(a, z));
	bolt_name_from_text("www.example.co", z);
	assert_false(bolt_name_equal(a, z));

	static const uint8_t ptr[] = { 1, 'a', 0xc0, 12 };
	assert_int_equal(bolt_name_len(ptr, sizeof(ptr)), BOLT_ECOMPR);
	static const uint8_t big[] = { 0x41, 'a' };
	assert_int_equal(bolt_name_len(big, sizeof(big)), BOLT_ELABEL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unpack_plain),
		cmocka_unit_test(test_unpack_compressed),
		cmocka_unit_test(test_forward_pointer),
		cmocka_unit_test(test_pointer_into_header),
		cmocka_unit_test(test_pointer_loop),
		cmocka_unit_test(test_chain_cap),
		cmocka_unit_test(test_unpack_too_long),
		cmocka_unit_test(test_unpack_bad),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
