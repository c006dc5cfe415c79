/*
 * Upstream query building and the RFC 5452 acceptance check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "boltdns/wire.h"
#include "net/upstream.h"

static void test_build_and_match(void **state)
{
	(void)state;
	uint8_t name[BOLT_NAME_MAX], upper[BOLT_NAME_MAX], other[BOLT_NAME_MAX];
	bolt_name_from_text("www.example.test.", name);
	bolt_name_from_text("WWW.Example.TEST.", upper);
	bolt_name_from_text("www.example.evil.", other);
	uint8_t q[512];
	int len = upq_build_query(q, sizeof(q), 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN, true, 1232);
	assert_true(len > 12);

	struct bolt_msg m;
	struct bolt_rr rrs[4];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(q, (size_t)len, &m, rrs, 4, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_int_equal(m.flags & BOLT_FLAG_RD, 0);   /* iterative: no recursion desired */
	assert_true(m.has_edns);
	assert_int_equal(m.edns_udp_size, 1232);

	/* A response: same bytes with QR set, question in another case. */
	uint8_t r[512];
	struct bolt_build b;
	bolt_build_init(&b, r, sizeof(r), 0xbeef, BOLT_FLAG_QR | BOLT_FLAG_AA);
	bolt_build_question(&b, upper, (size_t)bolt_name_len(upper, 255), BOLT_TYPE_A, BOLT_CLASS_IN);
	int rl = bolt_build_finish(&b);
	assert_true(upq_response_matches(r, (size_t)rl, 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	/* Wrong ID, type, class, name: rejected. */
	assert_false(upq_response_matches(r, (size_t)rl, 0xbeee, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	assert_false(upq_response_matches(r, (size_t)rl, 0xbeef, name, BOLT_TYPE_AAAA, BOLT_CLASS_IN));
	assert_false(upq_response_matches(r, (size_t)rl, 0xbeef, name, BOLT_TYPE_A, 3));
	assert_false(upq_response_matches(r, (size_t)rl, 0xbeef, other, BOLT_TYPE_A, BOLT_CLASS_IN));
	/* Truncated or a query (QR clear): rejected. */
	assert_false(upq_response_matches(r, 11, 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	assert_false(upq_response_matches(r, (size_t)rl - 2, 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	assert_false(upq_response_matches(q, (size_t)len, 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));

	/* FORMERR without a question is accepted (EDNS fallback), NOERROR is not. */
	uint8_t e[12] = { 0xbe, 0xef, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_true(upq_response_matches(e, sizeof(e), 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
	e[3] = 0x00;
	assert_false(upq_response_matches(e, sizeof(e), 0xbeef, name, BOLT_TYPE_A, BOLT_CLASS_IN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_and_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
