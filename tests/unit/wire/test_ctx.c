/*
 * The bounds-checked cursor: reads and writes, and the sticky error that
 * turns every access after the first failure into a zeroing no-op.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "boltdns/wire_ctx.h"

static void test_reads(void **state)
{
	(void)state;
	static const uint8_t data[] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde };
	struct bolt_wire_ctx c;
	bolt_wire_init_const(&c, data, sizeof(data));
	assert_int_equal(bolt_wire_available(&c), 7);
	assert_int_equal(bolt_wire_peek_u8(&c), 0x12);
	assert_int_equal(bolt_wire_read_u8(&c), 0x12);
	assert_int_equal(bolt_wire_read_u16(&c), 0x3456);
	assert_int_equal(bolt_wire_read_u32(&c), 0x789abcde);
	assert_int_equal(c.err, 0);
	assert_int_equal(bolt_wire_available(&c), 0);
	bolt_wire_seek(&c, 1);
	assert_int_equal(bolt_wire_read_u32(&c), 0x3456789a);
	bolt_wire_seek(&c, 7);
	assert_int_equal(c.err, 0);
}

static void test_sticky(void **state)
{
	(void)state;
	static const uint8_t data[] = { 1, 2, 3 };
	struct bolt_wire_ctx c;
	bolt_wire_init_const(&c, data, sizeof(data));
	assert_int_equal(bolt_wire_read_u16(&c), 0x0102);
	/* Only one byte left: the read fails and returns 0. */
	assert_int_equal(bolt_wire_read_u16(&c), 0);
	assert_int_equal(c.err, BOLT_ETRUNC);
	assert_int_equal(c.pos, 2);
	/* Everything later is a no-op, even what would fit. */
	assert_int_equal(bolt_wire_read_u8(&c), 0);
	uint8_t out[4] = { 9, 9, 9, 9 };
	bolt_wire_read(&c, out, 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(bolt_wire_peek_u8(&c), 0);
	bolt_wire_skip(&c, 0);
	bolt_wire_seek(&c, 0);
	assert_int_equal(c.pos, 2);
	assert_int_equal(bolt_wire_available(&c), 0);
	assert_int_equal(c.err, BOLT_ETRUNC);

	/* A failed multi-byte read zeroes all of its output. */
	bolt_wire_init_const(&c, data, sizeof(data));
	memset(out, 9, sizeof(out));
	bolt_wire_read(&c, out, 4);
	assert_memory_equal(out, "\0\0\0\0", 4);
	/* Seeking past the end and skipping too far fail the same way. */
	bolt_wire_init_const(&c, data, sizeof(data));
	bolt_wire_seek(&c, 4);
	assert_int_equal(c.err, BOLT_ETRUNC);
	bolt_wire_init_const(&c, data, sizeof(data));
	bolt_wire_skip(&c, 4);
	assert_int_equal(c.err, BOLT_ETRUNC);
	/* Huge sizes cannot wrap the bounds check. */
	bolt_wire_init_const(&c, data, sizeof(data));
	bolt_wire_read_u8(&c);
	bolt_wire_skip(&c, SIZE_MAX);
	assert_int_equal(c.err, BOLT_ETRUNC);
}

static void test_writes(void **state)
{
	(void)state;
	uint8_t buf[7];
	struct bolt_wire_ctx c;
	memset(buf, 0xee, sizeof(buf));
	bolt_wire_init(&c, buf, sizeof(buf));
	bolt_wire_write_u8(&c, 0x01);
	bolt_wire_write_u16(&c, 0x0203);
	bolt_wire_write_u32(&c, 0x04050607);
	assert_int_equal(c.err, 0);
	assert_memory_equal(buf, "\1\2\3\4\5\6\7", 7);
	/* Full: ESPACE, nothing written, and sticky. */
	bolt_wire_write_u8(&c, 0xff);
	assert_int_equal(c.err, BOLT_ESPACE);
	assert_int_equal(c.pos, 7);

	memset(buf, 0xee, sizeof(buf));
	bolt_wire_init(&c, buf, 5);
	bolt_wire_write_u32(&c, 0x01020304);
	bolt_wire_write_u16(&c, 0x0506);  /* does not fit */
	bolt_wire_write_u8(&c, 0x07);     /* would fit, but the error is sticky */
	assert_int_equal(c.err, BOLT_ESPACE);
	assert_int_equal(c.pos, 4);
	assert_int_equal(buf[4], 0xee);
	bolt_wire_write(&c, NULL, 0);
	assert_int_equal(c.pos, 4);

	uint8_t p[4];
	bolt_wire_put_u16(p, 0xabcd);
	assert_int_equal(bolt_wire_get_u16(p), 0xabcd);
	assert_memory_equal(p, "\xab\xcd", 2);
	bolt_wire_put_u32(p, 0x01020304);
	assert_int_equal(bolt_wire_get_u32(p), 0x01020304);
	assert_memory_equal(p, "\1\2\3\4", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_sticky),
		cmocka_unit_test(test_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
