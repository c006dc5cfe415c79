/*
 * Misses answered from published NSEC ranges in the dataplane
 * (dataplane/negans.c, boltdns/negrange.h) through dp_process_burst: a
 * covered name gets NXDOMAIN with the SOA (DO=0) or the whole proof and AD
 * (DO=1), RD and CD echoed, counted in negrange_answered; ahead of the
 * throttle of the same zone; what the control plane must see stays a miss:
 * RD=0, ANY, class CH, a name outside the range, an expired range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "boltdns/config.h"
#include "boltdns/negrange.h"
#include "boltdns/region.h"
#include "boltdns/throttle.h"
#include "boltdns/wire.h"
#include "process.h"

#define BUF 2048

static char path[128];
static struct bolt_region *R;
static struct dp_worker W;
static struct dp_policy pol;
static uint8_t buf[BUF];
static struct dp_pkt pkt;
static uint32_t published_at;

static const uint8_t *N(const char *text)
{
	static uint8_t names[4][BOLT_NAME_MAX];
	static unsigned next;
	uint8_t *n = names[next++ % 4];
	assert_true(bolt_name_from_text(text, n) > 0);
	return n;
}

static int setup(void **state)
{
	(void)state;
	int err;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-ut-dpnegans-%d", (int)getpid());
	struct bolt_region_params p = {
		.path = path, .size = 32u << 20, .ring_slots = 16, .wipe = true,
	};
	R = bolt_region_create(&p, &err);
	if (R == NULL || dp_worker_init(&W, R, 1, 1232) != 0)
		return -1;
	static struct bolt_config cfg;
	bolt_config_defaults(&cfg);
	dp_policy_from_config(&pol, &cfg);
	if (dp_worker_set_policy(&W, &pol) != 0)
		return -1;
	/* bulk.boltnet: apex -> h0001, 300 s; the zone also throttled */
	static struct bolt_negrange_entry e;
	static const uint8_t soa[22];
	uint8_t sig[100], nsec[64];
	memset(sig, 7, sizeof(sig));
	published_at = bolt_now() - 10;
	const uint8_t *apex = N("bulk.boltnet."), *next = N("h0001.bulk.boltnet.");
	int nl = bolt_name_len(next, BOLT_NAME_MAX);
	memcpy(nsec, next, (size_t)nl);
	memcpy(nsec + nl, "\0\6\x62\1\0\0\0\3", 8);
	if (bolt_negrange_entry_init(&e, apex, apex, next, published_at, published_at + 300) != 0 ||
	    bolt_negrange_entry_add(&e, apex, BOLT_TYPE_SOA, 300, soa, sizeof(soa)) != 0 ||
	    bolt_negrange_entry_add(&e, apex, BOLT_TYPE_RRSIG, 300, sig, sizeof(sig)) != 0 ||
	    bolt_negrange_entry_add(&e, apex, 47, 300, nsec, (uint16_t)(nl + 8)) != 0 ||
	    bolt_negrange_entry_add(&e, apex, BOLT_TYPE_RRSIG, 300, sig, sizeof(sig)) != 0 ||
	    bolt_negrange_publish(&R->hdr->negrange, &e) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bolt_region_detach(R);
	unlink(path);
	return 0;
}

/* Process one query; the verdict. */
static int ask(const char *name, uint16_t qtype, uint16_t qclass, uint16_t flags, bool edns,
               bool dnssec)
{
	struct bolt_build b;
	assert_int_equal(bolt_build_init(&b, buf, BUF, 0x4242, flags), 0);
	assert_int_equal(bolt_build_question(&b, N(name), (size_t)bolt_name_len(N(name), 255), qtype,
	                                     qclass), 0);
	if (edns)
		assert_int_equal(bolt_build_opt(&b, 1232, 0, dnssec), 0);
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	memset(&pkt, 0, sizeof(pkt));
	pkt.dns = buf;
	pkt.len = (uint16_t)len;
	pkt.cap = BUF;
	(void)dp_process_burst(&W, &pkt, 1);
	return pkt.verdict;
}

static void test_answered(void **state)
{
	(void)state;
	uint64_t n0 = W.st->negrange_answered;
	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[4096];

	/* DO=0 with EDNS: the SOA, NXDOMAIN, no AD, RD echoed */
	assert_int_equal(ask("abc.bulk.boltnet.", BOLT_TYPE_A, BOLT_CLASS_IN, BOLT_FLAG_RD, true, false),
	                 DP_TX);
	assert_int_equal(bolt_msg_parse(buf, pkt.out_len, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.flags & 0xf, BOLT_RCODE_NXDOMAIN);
	assert_true((m.flags & (BOLT_FLAG_RD | BOLT_FLAG_RA | BOLT_FLAG_QR)) ==
	            (BOLT_FLAG_RD | BOLT_FLAG_RA | BOLT_FLAG_QR));
	assert_false(m.flags & BOLT_FLAG_AD);
	assert_int_equal(m.nscount, 1);
	assert_int_equal(rrs[0].type, BOLT_TYPE_SOA);
	assert_true(rrs[0].ttl <= 290 && rrs[0].ttl >= 288);
	/* no EDNS, AD asked: AD set (RFC 6840 5.7), SOA only */
	assert_int_equal(ask("abd.bulk.boltnet.", BOLT_TYPE_AAAA, BOLT_CLASS_IN,
	                     BOLT_FLAG_RD | BOLT_FLAG_AD, false, false), DP_TX);
	assert_int_equal(bolt_msg_parse(buf, pkt.out_len, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	if (!(m.flags & BOLT_FLAG_AD))
		fail_msg("flags %04x", m.flags);
	assert_false(m.has_edns);
	assert_int_equal(m.nscount, 1);
	/* DO=1, CD=1: the proof, AD, CD echoed */
	assert_int_equal(ask("x.abc.bulk.boltnet.", BOLT_TYPE_MX, BOLT_CLASS_IN,
	                     BOLT_FLAG_RD | BOLT_FLAG_CD, true, true), DP_TX);
	assert_int_equal(bolt_msg_parse(buf, pkt.out_len, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_true(m.flags & BOLT_FLAG_AD);
	assert_true(m.flags & BOLT_FLAG_CD);
	assert_true(m.do_bit);
	assert_int_equal(m.nscount, 4);
	assert_int_equal(rrs[2].type, 47);
	assert_int_equal(W.st->negrange_answered - n0, 3);
}

static void test_left_to_the_control_plane(void **state)
{
	(void)state;
	uint64_t n0 = W.st->negrange_answered, th0 = W.st->throttled;
	/* RD=0, ANY, CH, AXFR: the control plane's to answer (a miss) */
	assert_int_equal(ask("abc.bulk.boltnet.", BOLT_TYPE_A, BOLT_CLASS_IN, 0, true, false), DP_MISS);
	assert_int_equal(ask("abc.bulk.boltnet.", BOLT_TYPE_ANY, BOLT_CLASS_IN, BOLT_FLAG_RD, true,
	                     false) == DP_TX && (buf[3] & 0xf) == BOLT_RCODE_NXDOMAIN, false);
	assert_int_equal(W.st->negrange_answered, n0);
	/* outside the range: the throttle of the zone answers, as before,
	 * and it comes after the ranges: a covered name is still NXDOMAIN */
	assert_int_equal(bolt_throttle_set(&R->hdr->throttle, N("bulk.boltnet."), bolt_now() + 600,
	                                   BOLT_THROTTLE_RATE), 0);
	uint64_t th1 = W.st->throttled;
	(void)th0;
	assert_int_equal(ask("abc.bulk.boltnet.", BOLT_TYPE_A, BOLT_CLASS_IN, BOLT_FLAG_RD, true, false),
	                 DP_TX);
	assert_int_equal(buf[3] & 0xf, BOLT_RCODE_NXDOMAIN);
	assert_int_equal(W.st->negrange_answered, ++n0);
	for (unsigned i = 0; i < 4; i++)
		(void)ask("h0500.bulk.boltnet.", BOLT_TYPE_A, BOLT_CLASS_IN, BOLT_FLAG_RD, true, false);
	assert_true(W.st->throttled > th1);
	assert_int_equal(W.st->negrange_answered, n0);
	/* another zone: a miss */
	assert_int_equal(ask("abc.dom1.boltnet.", BOLT_TYPE_A, BOLT_CLASS_IN, BOLT_FLAG_RD, true, false),
	                 DP_MISS);
	/* the range withdrawn: the throttle again, or a miss */
	bolt_negrange_forget(&R->hdr->negrange, N("bulk.boltnet."), true);
	(void)ask("abc.bulk.boltnet.", BOLT_TYPE_A, BOLT_CLASS_IN, BOLT_FLAG_RD, true, false);
	assert_int_equal(W.st->negrange_answered, n0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answered),
		cmocka_unit_test(test_left_to_the_control_plane),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
