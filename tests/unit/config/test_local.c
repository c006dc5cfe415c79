/*
 * [local] data lines to wire form: bolt_local_data_parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"

static void test_a(void **state)
{
	(void)state;
	struct bolt_local_rr rr;
	const char *why = "unset";
	static const uint8_t owner[] = "\6router\3lan\0";

	assert_int_equal(bolt_local_data_parse("router.lan. 300 A 198.18.0.1", &rr, &why), 0);
	assert_null(why);
	assert_int_equal(rr.owner_len, sizeof(owner) - 1);
	assert_memory_equal(rr.owner, owner, sizeof(owner) - 1);
	assert_int_equal(rr.ttl, 300);
	assert_int_equal(rr.type, BOLT_TYPE_A);
	assert_int_equal(rr.rdlen, 4);
	assert_memory_equal(rr.rdata, "\xc6\x12\x00\x01", 4);

	/* no final dot, blanks around, upper-case type */
	assert_int_equal(bolt_local_data_parse("  router.lan\t0  aaaa   2001:db8::1  ", &rr, NULL), 0);
	assert_memory_equal(rr.owner, owner, sizeof(owner) - 1);
	assert_int_equal(rr.ttl, 0);
	assert_int_equal(rr.type, BOLT_TYPE_AAAA);
	assert_int_equal(rr.rdlen, 16);
	assert_memory_equal(rr.rdata, "\x20\x01\x0d\xb8", 4);
}

static void test_other_types(void **state)
{
	(void)state;
	struct bolt_local_rr rr;

	assert_int_equal(bolt_local_data_parse("t.lan. 60 TXT \"hello world\" x", &rr, NULL), 0);
	assert_int_equal(rr.type, BOLT_TYPE_TXT);
	assert_int_equal(rr.rdlen, 1 + 11 + 1 + 1);
	assert_memory_equal(rr.rdata, "\x0bhello world\x01x", rr.rdlen);

	assert_int_equal(bolt_local_data_parse("lan. 60 MX 10 mail.lan.", &rr, NULL), 0);
	assert_int_equal(rr.type, BOLT_TYPE_MX);
	assert_memory_equal(rr.rdata, "\x00\x0a\4mail\3lan\0", rr.rdlen);

	assert_int_equal(bolt_local_data_parse("www.lan. 60 CNAME web.lan.", &rr, NULL), 0);
	assert_int_equal(rr.type, BOLT_TYPE_CNAME);

	/* any type in the RFC 3597 generic form */
	assert_int_equal(bolt_local_data_parse("x.lan. 60 TYPE65280 \\# 3 abcdef", &rr, NULL), 0);
	assert_int_equal(rr.type, 65280);
	assert_int_equal(rr.rdlen, 3);
	assert_memory_equal(rr.rdata, "\xab\xcd\xef", 3);

	/* an escaped blank in the owner stays in the name */
	assert_int_equal(bolt_local_data_parse("a\\ b.lan. 60 A 198.18.0.1", &rr, NULL), 0);
	assert_memory_equal(rr.owner, "\3a b\3lan\0", 9);
}

static void test_bad(void **state)
{
	(void)state;
	static const struct { const char *line; const char *why; } bad[] = {
		{ "", "expected" },
		{ "a.lan.", "expected" },
		{ "a.lan. 60", "expected" },
		{ "a.lan. 60 A", "RDATA missing" },
		{ "a.lan. 6x A 198.18.0.1", "TTL must be" },
		{ "a.lan. 2147483648 A 198.18.0.1", "TTL must be" },
		{ "a.lan. 99999999999999999999 A 198.18.0.1", "TTL must be" },
		{ "a.lan. 60 IN A 198.18.0.1", NULL },
		{ "a.lan. 60 in A 198.18.0.1", NULL },
		{ "a.lan. 60 CH A 198.18.0.1", "only class IN" },
		{ "a.lan. 60 IN", "expected" },
		{ "a.lan. 60 IN A", "RDATA missing" },
		{ "a.lan. 60 BOGUS 198.18.0.1", "unknown TYPE" },
		{ "a.lan. 60 OPT \\# 0", "not a record that can be served" },
		{ "a.lan. 60 A 198.18.0.256", "RDATA malformed" },
		{ "a.lan. 60 A \\# 5 0102030405", NULL }, /* generic form, length not checked per type */
		{ "a.lan. 60 TXT \"open", "RDATA malformed" },
		{ "a.lan. 60 A 198.18.0.1\x01", "control character" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.lan. 60 A 198.18.0.1",
		  "label longer than 63" },
	};
	struct bolt_local_rr rr;
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(bad); i++) {
		const char *why = NULL;
		int ret = bolt_local_data_parse(bad[i].line, &rr, &why);
		if (bad[i].why == NULL) {
			assert_int_equal(ret, 0);
			continue;
		}
		if (ret >= 0 || why == NULL || strstr(why, bad[i].why) == NULL)
			fail_msg("'%s': %d '%s', wanted '%s'", bad[i].line, ret, why ? why : "(null)",
			         bad[i].why);
	}
	assert_true(bolt_local_data_parse(NULL, &rr, NULL) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
