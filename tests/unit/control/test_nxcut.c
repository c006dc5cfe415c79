/*
 * The NXDOMAIN cut (control/nxcut.c, RFC 8020): what is remembered, what is
 * answered below it, for how long.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "boltdns/wire.h"
#include "nxcut.h"

static const uint8_t zone[] = "\4bulk\7boltnet";
static const uint8_t gone[] = "\4gone\4bulk\7boltnet";
static const uint8_t soa_rdata[] = "\3ns1\4bulk\7boltnet\0\12hostmaster\4bulk\7boltnet\0"
                                   "\170\307\222\245\0\0\16\20\0\0\2\130\0\1\121\200\0\0\1\54";
#define SOA_RDLEN (sizeof(soa_rdata) - 1)

/* A response as res_build_response makes it: rcode, question, optional
 * CNAME answer, optional SOA in the authority section. */
static int response(uint8_t *buf, size_t cap, const uint8_t *qname, uint8_t rcode, bool cname,
                    bool soa)
{
	struct bolt_build b;
	bolt_build_init(&b, buf, cap, 0, BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_FLAG_AA | rcode);
	bolt_build_question(&b, qname, (size_t)bolt_name_len(qname, BOLT_NAME_MAX), BOLT_TYPE_A,
	                    BOLT_CLASS_IN);
	if (cname)
		bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_CNAME, BOLT_CLASS_IN, 300, gone,
		              sizeof(gone));
	if (soa)
		bolt_build_rr(&b, BOLT_SEC_AUTHORITY, zone, BOLT_TYPE_SOA, BOLT_CLASS_IN, 300,
		              soa_rdata, SOA_RDLEN);
	return bolt_build_finish(&b);
}

static int setup(void **state)
{
	(void)state;
	nxcut_clear();
	return 0;
}

static void test_below_answered(void **state)
{
	(void)state;
	uint8_t msg[512], out[512];
	struct bolt_build b;
	uint32_t ttl = 0;
	int len = response(msg, sizeof(msg), gone, BOLT_RCODE_NXDOMAIN, false, true);
	assert_true(len > 0);
	assert_true(nxcut_note(msg, (size_t)len, 300, 1000));
	assert_int_equal(nxcut_count(1000), 1);

	/* A name two labels below, another type, 100 s later. */
	static const uint8_t below[] = "\1x\1y\4gone\4bulk\7boltnet";
	int n = nxcut_answer(below, BOLT_TYPE_AAAA, 1100, out, sizeof(out), &b, &ttl);
	assert_true(n > 0);
	assert_int_equal(ttl, 200);
	struct bolt_rr rrs[4];
	uint8_t scratch[1024];
	struct bolt_msg m;
	assert_int_equal(bolt_msg_parse(out, (size_t)n, &m, rrs, 4, scratch, sizeof(scratch)), 0);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_NXDOMAIN);
	assert_true(m.flags & BOLT_FLAG_QR);
	assert_true(bolt_name_equal(m.qname, below));
	assert_int_equal(m.qtype, BOLT_TYPE_AAAA);
	assert_int_equal(m.ancount, 0);
	assert_int_equal(m.nscount, 1);
	assert_int_equal(rrs[0].type, BOLT_TYPE_SOA);
	assert_int_equal(rrs[0].ttl, 200);
	assert_true(bolt_name_equal(rrs[0].owner, zone));
	assert_int_equal(rrs[0].rdlen, SOA_RDLEN);
	assert_memory_equal(rrs[0].rdata, soa_rdata, SOA_RDLEN);
	assert_int_equal(b.nttl, 1);

	/* The name itself, for another type. */
	assert_true(nxcut_answer(gone, BOLT_TYPE_TXT, 1100, out, sizeof(out), &b, &ttl) > 0);
	/* Not its parent, not a sibling. */
	static const uint8_t sib[] = "\4here\4bulk\7boltnet";
	assert_int_equal(nxcut_answer(zone, BOLT_TYPE_A, 1100, out, sizeof(out), &b, &ttl), 0);
	assert_int_equal(nxcut_answer(sib, BOLT_TYPE_A, 1100, out, sizeof(out), &b, &ttl), 0);
	/* Not once the negative TTL has run out. */
	assert_int_equal(nxcut_answer(below, BOLT_TYPE_A, 1300, out, sizeof(out), &b, &ttl), 0);
	assert_int_equal(nxcut_count(1300), 0);
}

/* Only an NXDOMAIN for the question itself, with the SOA, is remembered. */
static void test_what_is_kept(void **state)
{
	(void)state;
	uint8_t msg[512];
	int len = response(msg, sizeof(msg), gone, BOLT_RCODE_NXDOMAIN, false, false);
	assert_false(nxcut_note(msg, (size_t)len, 300, 1000));
	len = response(msg, sizeof(msg), gone, BOLT_RCODE_NOERROR, false, true);
	assert_false(nxcut_note(msg, (size_t)len, 300, 1000));
	/* The NXDOMAIN is the CNAME target's, not the question's. */
	static const uint8_t alias[] = "\5alias\4dom1\7boltnet";
	len = response(msg, sizeof(msg), alias, BOLT_RCODE_NXDOMAIN, true, true);
	assert_false(nxcut_note(msg, (size_t)len, 300, 1000));
	len = response(msg, sizeof(msg), gone, BOLT_RCODE_NXDOMAIN, false, true);
	assert_false(nxcut_note(msg, (size_t)len, 0, 1000));
	assert_false(nxcut_note(msg, 5, 300, 1000));
	assert_int_equal(nxcut_count(1000), 0);
	/* Upper case in the question is remembered lower-case. */
	static const uint8_t upper[] = "\4GONE\4bulk\7boltnet";
	len = response(msg, sizeof(msg), upper, BOLT_RCODE_NXDOMAIN, false, true);
	assert_true(nxcut_note(msg, (size_t)len, 300, 1000));
	uint8_t out[512];
	struct bolt_build b;
	uint32_t ttl;
	static const uint8_t below[] = "\1z\4gone\4bulk\7boltnet";
	assert_true(nxcut_answer(below, BOLT_TYPE_A, 1000, out, sizeof(out), &b, &ttl) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_below_answered, setup),
		cmocka_unit_test_setup(test_what_is_kept, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
