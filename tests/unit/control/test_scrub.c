/*
 * Scrubbing decisions on real packets built with bolt_build_* and parsed
 * with bolt_msg_parse, and the RFC 2308 negative TTL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "boltdns/wire.h"
#include "ut_build.h"
#include "iter/scrub.h"

/* Finish, parse, scrub; returns the number dropped. */
static unsigned scrub(struct ut_pkt *p, const char *zone, const char *qname, uint16_t qtype)
{
	int len = bolt_build_finish(&p->b);
	assert_true(len > 0);
	assert_int_equal(bolt_msg_parse(p->buf, (size_t)len, &p->m, p->rrs, 64, p->scratch,
	                                sizeof(p->scratch)),
	                 0);
	uint8_t z[BOLT_NAME_MAX], q[BOLT_NAME_MAX];
	ut_name(zone, z);
	ut_name(qname, q);
	return scrub_response(&p->m, z, q, qtype, p->keep);
}

/* Was the RR with this owner and type kept? (fails if absent) */
static bool kept(struct ut_pkt *p, const char *owner, uint16_t type, uint8_t sec)
{
	uint8_t o[BOLT_NAME_MAX];
	ut_name(owner, o);
	for (unsigned i = 0; i < p->m.rrcount; i++)
		if (p->rrs[i].type == type && p->rrs[i].section == sec &&
		    bolt_name_equal(p->rrs[i].owner, o))
			return p->keep[i];
	fail_msg("no %s type %u in section %u", owner, type, sec);
	return false;
}

static void test_referral_with_glue(void **state)
{
	(void)state;
	static struct ut_pkt p;
	ut_pkt_start(&p, "dom1.boltnet.", BOLT_TYPE_A, 0);
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "boltnet.", BOLT_TYPE_NS, 172800, "ns1.nic.boltnet.");
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "boltorg.", BOLT_TYPE_NS, 172800, "ns1.nic.boltorg.");
	ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "ns1.nic.boltnet.", BOLT_TYPE_A, 172800, "198.18.1.10");
	ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "ns1.nic.boltorg.", BOLT_TYPE_A, 172800, "198.18.1.11");
	ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "www.example.", BOLT_TYPE_A, 172800, "192.0.2.1");
	assert_int_equal(scrub(&p, ".", "dom1.boltnet.", BOLT_TYPE_A), 3);
	assert_true(kept(&p, "boltnet.", BOLT_TYPE_NS, BOLT_SEC_AUTHORITY));
	assert_true(kept(&p, "ns1.nic.boltnet.", BOLT_TYPE_A, BOLT_SEC_ADDITIONAL));
	/* An NS set that is no ancestor of the question, and its glue. */
	assert_false(kept(&p, "boltorg.", BOLT_TYPE_NS, BOLT_SEC_AUTHORITY));
	assert_false(kept(&p, "ns1.nic.boltorg.", BOLT_TYPE_A, BOLT_SEC_ADDITIONAL));
	assert_false(kept(&p, "www.example.", BOLT_TYPE_A, BOLT_SEC_ADDITIONAL));
}

static void test_out_of_bailiwick_glue(void **state)
{
	(void)state;
	/* The boltnet. server refers dom4.boltnet. to a name in boltorg. with
	 * "glue": it may not vouch for boltorg. addresses. */
	static struct ut_pkt p;
	ut_pkt_start(&p, "www.dom4.boltnet.", BOLT_TYPE_A, 0);
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "dom4.boltnet.", BOLT_TYPE_NS, 3600, "ns.dom1.boltorg.");
	ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "ns.dom1.boltorg.", BOLT_TYPE_A, 3600, "198.19.66.53");
	assert_int_equal(scrub(&p, "boltnet.", "www.dom4.boltnet.", BOLT_TYPE_A), 1);
	assert_true(kept(&p, "dom4.boltnet.", BOLT_TYPE_NS, BOLT_SEC_AUTHORITY));
	assert_false(kept(&p, "ns.dom1.boltorg.", BOLT_TYPE_A, BOLT_SEC_ADDITIONAL));
}

static void test_forged_records(void **state)
{
	(void)state;
	/* What the hierarchy's "evil" server sends for www.evil.boltorg. */
	static struct ut_pkt p;
	ut_pkt_start(&p, "www.evil.boltorg.", BOLT_TYPE_A, BOLT_FLAG_AA);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "www.evil.boltorg.", BOLT_TYPE_A, 3600, "198.19.66.80");
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "www.dom1.boltnet.", BOLT_TYPE_A, 3600, "198.19.66.66");
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "dom1.boltnet.", BOLT_TYPE_NS, 3600, "ns.evil.boltorg.");
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "evil.boltorg.", BOLT_TYPE_NS, 3600, "ns.evil.boltorg.");
	ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "www.dom2.boltorg.", BOLT_TYPE_A, 3600, "198.19.66.66");
	ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "ns1.dom1.boltnet.", BOLT_TYPE_A, 3600, "198.19.66.53");
	ut_pkt_add(&p, BOLT_SEC_ADDITIONAL, "ns.evil.boltorg.", BOLT_TYPE_A, 3600, "198.18.1.66");
	assert_int_equal(scrub(&p, "evil.boltorg.", "www.evil.boltorg.", BOLT_TYPE_A), 4);
	assert_true(kept(&p, "www.evil.boltorg.", BOLT_TYPE_A, BOLT_SEC_ANSWER));
	assert_false(kept(&p, "www.dom1.boltnet.", BOLT_TYPE_A, BOLT_SEC_ANSWER));
	assert_false(kept(&p, "dom1.boltnet.", BOLT_TYPE_NS, BOLT_SEC_AUTHORITY));
	assert_true(kept(&p, "evil.boltorg.", BOLT_TYPE_NS, BOLT_SEC_AUTHORITY));
	assert_false(kept(&p, "www.dom2.boltorg.", BOLT_TYPE_A, BOLT_SEC_ADDITIONAL));
	assert_false(kept(&p, "ns1.dom1.boltnet.", BOLT_TYPE_A, BOLT_SEC_ADDITIONAL));
	assert_true(kept(&p, "ns.evil.boltorg.", BOLT_TYPE_A, BOLT_SEC_ADDITIONAL));
}

static void test_cname_chain(void **state)
{
	(void)state;
	static struct ut_pkt p;
	ut_pkt_start(&p, "a.dom1.boltnet.", BOLT_TYPE_A, BOLT_FLAG_AA);
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "a.dom1.boltnet.", BOLT_TYPE_CNAME, 3600, "alias.dom1.boltnet.");
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "alias.dom1.boltnet.", BOLT_TYPE_CNAME, 3600, "b.dom2.boltorg.");
	/* The chain leaves the zone: the server cannot speak for b.dom2.boltorg. */
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "b.dom2.boltorg.", BOLT_TYPE_A, 3600, "198.19.66.66");
	/* In the zone, but not on the chain. */
	ut_pkt_add(&p, BOLT_SEC_ANSWER, "mail.dom1.boltnet.", BOLT_TYPE_A, 3600, "198.19.1.25");
	assert_int_equal(scrub(&p, "dom1.boltnet.", "a.dom1.boltnet.", BOLT_TYPE_A), 2);
	assert_true(kept(&p, "a.dom1.boltnet.", BOLT_TYPE_CNAME, BOLT_SEC_ANSWER));
	assert_true(kept(&p, "alias.dom1.boltnet.", BOLT_TYPE_CNAME, BOLT_SEC_ANSWER));
	assert_false(kept(&p, "b.dom2.boltorg.", BOLT_TYPE_A, BOLT_SEC_ANSWER));
	assert_false(kept(&p, "mail.dom1.boltnet.", BOLT_TYPE_A, BOLT_SEC_ANSWER));

	/* A question for the CNAME itself keeps just it. */
	static struct ut_pkt c;
	ut_pkt_start(&c, "a.dom1.boltnet.", BOLT_TYPE_CNAME, BOLT_FLAG_AA);
	ut_pkt_add(&c, BOLT_SEC_ANSWER, "a.dom1.boltnet.", BOLT_TYPE_CNAME, 3600, "www.dom1.boltnet.");
	ut_pkt_add(&c, BOLT_SEC_ANSWER, "www.dom1.boltnet.", BOLT_TYPE_A, 3600, "198.19.1.80");
	assert_int_equal(scrub(&c, "dom1.boltnet.", "a.dom1.boltnet.", BOLT_TYPE_CNAME), 1);
	assert_true(kept(&c, "a.dom1.boltnet.", BOLT_TYPE_CNAME, BOLT_SEC_ANSWER));
}

static void test_negative(void **state)
{
	(void)state;
	static struct ut_pkt p;
	ut_pkt_start(&p, "nx.dom1.boltnet.", BOLT_TYPE_A, BOLT_FLAG_AA | BOLT_RCODE_NXDOMAIN);
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "dom1.boltnet.", BOLT_TYPE_SOA, 3600,
	    "ns1.dom1.boltnet. hostmaster.dom1.boltnet. 1 3600 600 86400 300");
	/* An SOA of a zone the name is not in. */
	ut_pkt_add(&p, BOLT_SEC_AUTHORITY, "other.dom1.boltnet.", BOLT_TYPE_SOA, 3600,
	    "ns1.dom1.boltnet. hostmaster.dom1.boltnet. 1 3600 600 86400 1");
	assert_int_equal(scrub(&p, "dom1.boltnet.", "nx.dom1.boltnet.", BOLT_TYPE_A), 1);
	assert_true(kept(&p, "dom1.boltnet.", BOLT_TYPE_SOA, BOLT_SEC_AUTHORITY));
	assert_false(kept(&p, "other.dom1.boltnet.", BOLT_TYPE_SOA, BOLT_SEC_AUTHORITY));

	/* RFC 2308: min(SOA TTL, MINIMUM), bounded. */
	assert_int_equal(neg_ttl(&p.rrs[0], 3600), 300);
	assert_int_equal(neg_ttl(&p.rrs[0], 100), 100);
	struct bolt_rr soa = p.rrs[0];
	soa.ttl = 60;
	assert_int_equal(neg_ttl(&soa, 3600), 60);
	soa.rdlen = 10;
	assert_int_equal(neg_ttl(&soa, 3600), 3600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_referral_with_glue),
		cmocka_unit_test(test_out_of_bailiwick_glue),
		cmocka_unit_test(test_forged_records),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_negative),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
