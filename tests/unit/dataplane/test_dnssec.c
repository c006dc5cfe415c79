/*
 * The dataplane's hits with DNSSEC (dataplane/process.c, lib/answer): AD only
 * for secure entries and clients that set AD or DO; a bogus answer is
 * SERVFAIL (with the validator's EDE) for CD=0 and its data for CD=1, which
 * the burst finds under the CD key (a miss when that is gone); DO=1 answers
 * too large for the client's UDP size are TC=1 with no records; entries
 * inserted without a status (as before) are unchecked and never get AD.
 * Against a real region and cache in /dev/shm, through dp_process_burst.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltdns/wire_ctx.h"
#include "process_fixture.h"

/* NAME A 198.18.9.1, and for do_bit nsig RRSIGs of siglen bytes each. */
static int build(uint8_t *msg, size_t cap, const char *name, bool do_bit, unsigned nsig,
                 size_t siglen, struct bolt_build *b)
{
	uint8_t qn[BOLT_NAME_MAX], signer[BOLT_NAME_MAX], rd[600];
	int ql = bolt_name_from_text(name, qn);
	int sl = bolt_name_from_text("example.", signer);
	assert_true(ql > 0 && sl > 0 && 18 + (size_t)sl + siglen <= sizeof(rd));
	assert_int_equal(bolt_build_init(b, msg, cap, 0, BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA),
	                 0);
	assert_int_equal(bolt_build_question(b, qn, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	assert_int_equal(bolt_build_rr(b, BOLT_SEC_ANSWER, qn, BOLT_TYPE_A, BOLT_CLASS_IN, 300,
	                               (const uint8_t *)"\xc6\x12\x09\x01", 4), 0);
	for (unsigned i = 0; do_bit && i < nsig; i++) {
		memset(rd, 0, sizeof(rd));
		bolt_wire_put_u16(rd, BOLT_TYPE_A);
		rd[2] = 13;
		rd[3] = 2;
		bolt_wire_put_u32(rd + 4, 300);
		bolt_wire_put_u32(rd + 8, bolt_now() + 86400);
		bolt_wire_put_u32(rd + 12, bolt_now() - 86400);
		bolt_wire_put_u16(rd + 16, (uint16_t)(7 + i));
		memcpy(rd + 18, signer, (size_t)sl);
		memset(rd + 18 + sl, 0x5a, siglen);
		assert_int_equal(bolt_build_rr(b, BOLT_SEC_ANSWER, qn, BOLT_TYPE_RRSIG, BOLT_CLASS_IN,
		                               300, rd, (uint16_t)(18 + (size_t)sl + siglen)), 0);
	}
	int len = bolt_build_finish(b);
	assert_true(len > 0);
	return len;
}

/* The answer for NAME under both DO values with status; nsig/siglen as build. */
static void put(struct fixture *f, const char *name, uint8_t status, unsigned nsig,
                size_t siglen)
{
	uint8_t msg[BUF];
	struct bolt_build b;
	for (int d = 0; d <= 1; d++) {
		int len = build(msg, sizeof(msg), name, d, nsig, siglen, &b);
		assert_int_equal(bolt_answer_insert_status(f->r->cache, msg, (size_t)len, b.ttl_off,
		                                           b.nttl, d, bolt_now(), 300,
		                                           BOLT_CACHE_POSITIVE, 0, status), 0);
	}
}

/* A query for NAME A into pkts[i]: header flags (RD, AD, CD), EDNS udp
 * (0: none) with DO. */
static void query(struct fixture *f, unsigned i, const char *name, uint16_t flags, uint16_t udp,
                  bool do_bit)
{
	uint8_t qn[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qn);
	assert_int_equal(bolt_build_init(&b, f->bufs[i], BUF, (uint16_t)(0x100 + i), flags), 0);
	assert_int_equal(bolt_build_question(&b, qn, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	if (udp)
		assert_int_equal(bolt_build_opt(&b, udp, 0, do_bit), 0);
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	f->pkts[i].dns = f->bufs[i];
	f->pkts[i].len = (uint16_t)len;
	f->pkts[i].cap = BUF;
	f->pkts[i].client = NULL;
}

/* Parse the response in pkts[i] into f->m. */
static void parse(struct fixture *f, unsigned i)
{
	assert_int_equal(f->pkts[i].verdict, DP_TX);
	assert_int_equal(bolt_msg_parse(f->pkts[i].dns, f->pkts[i].out_len, &f->m, f->rrs, 16,
	                                f->scratch, sizeof(f->scratch)), 0);
}

static unsigned count_type(const struct fixture *f, uint16_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < f->m.rrcount; i++)
		n += f->rrs[i].type == type && f->rrs[i].section == BOLT_SEC_ANSWER;
	return n;
}

/* One burst of the eight AD/DO/CD combinations against a secure and an
 * insecure name: AD exactly for secure with AD or DO. */
static void test_ad_burst(void **state)
{
	struct fixture *f = *state;
	put(f, "sec.example.", BOLT_SEC_SECURE, 1, 64);
	put(f, "insec.example.", BOLT_SEC_INSECURE, 1, 64);
	for (int s = 0; s <= 1; s++) {
		const char *name = s == 0 ? "sec.example." : "insec.example.";
		for (unsigned bits = 0; bits < 8; bits++)
			query(f, bits, name, (uint16_t)(BOLT_FLAG_RD | (bits & 1 ? BOLT_FLAG_AD : 0) |
			                                (bits & 4 ? BOLT_FLAG_CD : 0)),
			      1232, bits & 2);
		uint64_t hits = f->w->st->hits;
		assert_int_equal(dp_process_burst(f->w, f->pkts, 8), 8);
		assert_int_equal(f->w->st->hits, hits + 8);
		for (unsigned bits = 0; bits < 8; bits++) {
			parse(f, bits);
			bool want = s == 0 && (bits & 3) != 0;
			if (((f->m.flags & BOLT_FLAG_AD) != 0) != want)
				fail_msg("%s AD=%u DO=%u CD=%u: AD %s", name, bits & 1, (bits >> 1) & 1,
				         (bits >> 2) & 1, want ? "missing" : "set");
			assert_int_equal((f->m.flags & BOLT_FLAG_CD) != 0, (bits & 4) != 0);
			assert_int_equal(BOLT_RCODE(f->m.flags), BOLT_RCODE_NOERROR);
			assert_int_equal(count_type(f, BOLT_TYPE_RRSIG), bits & 2 ? 1 : 0);
			assert_int_equal(count_type(f, BOLT_TYPE_A), 1);
		}
	}
}

/* Entries inserted the old way (no status) are unchecked: no AD ever. */
static void test_unchecked(void **state)
{
	struct fixture *f = *state;
	uint8_t msg[BUF];
	struct bolt_build b;
	int len = build(msg, sizeof(msg), "old.example.", true, 1, 64, &b);
	assert_int_equal(bolt_answer_insert(f->r->cache, msg, (size_t)len, b.ttl_off, b.nttl, true,
	                                    bolt_now(), 300, BOLT_CACHE_POSITIVE), 0);
	query(f, 0, "old.example.", BOLT_FLAG_RD | BOLT_FLAG_AD, 1232, true);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	parse(f, 0);
	assert_false(f->m.flags & BOLT_FLAG_AD);
	assert_int_equal(count_type(f, BOLT_TYPE_RRSIG), 1);
}

/* A bogus answer: CD=0 SERVFAIL + EDE, CD=1 the data (no AD) through the
 * second lookup, in the same burst; CD=1 misses once its data is gone. */
static void test_bogus_cd(void **state)
{
	struct fixture *f = *state;
	uint8_t msg[BUF];
	struct bolt_build b;
	for (int d = 0; d <= 1; d++) {
		int len = build(msg, sizeof(msg), "bogus.example.", d, 1, 64, &b);
		assert_int_equal(bolt_answer_insert_bogus(f->r->cache, msg, (size_t)len, b.ttl_off,
		                                          b.nttl, d, bolt_now(), 300,
		                                          BOLT_CACHE_POSITIVE, 60, 10,
		                                          "RRSIGs missing"), 0);
	}
	query(f, 0, "bogus.example.", BOLT_FLAG_RD, 1232, true);
	query(f, 1, "bogus.example.", BOLT_FLAG_RD | BOLT_FLAG_CD, 1232, true);
	query(f, 2, "bogus.example.", BOLT_FLAG_RD | BOLT_FLAG_AD, 0, false);
	query(f, 3, "bogus.example.", BOLT_FLAG_RD | BOLT_FLAG_CD | BOLT_FLAG_AD, 0, false);
	uint64_t hits = f->w->st->hits;
	assert_int_equal(dp_process_burst(f->w, f->pkts, 4), 4);
	assert_int_equal(f->w->st->hits, hits + 4);

	for (unsigned i = 0; i <= 2; i += 2) {
		parse(f, i);
		assert_int_equal(BOLT_RCODE(f->m.flags), BOLT_RCODE_SERVFAIL);
		assert_int_equal(f->m.rrcount, 0);
		assert_false(f->m.flags & BOLT_FLAG_AD);
		assert_int_equal(f->m.has_edns, i == 0);
	}
	/* The EDE (10 RRSIGs Missing) inside the OPT of the EDNS client. */
	const uint8_t *resp = f->pkts[0].dns;
	size_t rl = f->pkts[0].out_len, el = BOLT_EDE_HDR_LEN + strlen("RRSIGs missing");
	assert_int_equal(bolt_wire_get_u16(resp + rl - el), BOLT_OPT_EDE);
	assert_int_equal(bolt_wire_get_u16(resp + rl - el + 4), 10);
	assert_memory_equal(resp + rl - el + BOLT_EDE_HDR_LEN, "RRSIGs missing", el - 6);

	for (unsigned i = 1; i <= 3; i += 2) {
		parse(f, i);
		assert_int_equal(BOLT_RCODE(f->m.flags), BOLT_RCODE_NOERROR);
		assert_true(f->m.flags & BOLT_FLAG_CD);
		assert_false(f->m.flags & BOLT_FLAG_AD);
		assert_int_equal(count_type(f, BOLT_TYPE_A), 1);
		assert_int_equal(count_type(f, BOLT_TYPE_RRSIG), i == 1 ? 1 : 0);
	}

	/* The CD=1 data gone (only the SERVFAIL left): a CD=1 query is a miss
	 * for the control plane, never the SERVFAIL; CD=0 still the SERVFAIL. */
	uint8_t qn[BOLT_NAME_MAX];
	int ql = bolt_name_from_text("bogus.example.", qn);
	assert_int_equal(bolt_cache_delete(f->r->cache, qn, (size_t)ql, BOLT_TYPE_A), 4);
	uint8_t sf[BUF];
	memcpy(sf, msg, BOLT_HDR_LEN + (size_t)ql + 4);
	bolt_wire_put_u16(sf + 2, BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_RCODE_SERVFAIL);
	bolt_wire_put_u16(sf + 6, 0);
	assert_int_equal(bolt_answer_insert_status(f->r->cache, sf, BOLT_HDR_LEN + (size_t)ql + 4,
	                                           NULL, 0, true, bolt_now(), 60,
	                                           BOLT_CACHE_SERVFAIL, 0, BOLT_SEC_BOGUS), 0);
	query(f, 0, "bogus.example.", BOLT_FLAG_RD | BOLT_FLAG_CD, 1232, true);
	query(f, 1, "bogus.example.", BOLT_FLAG_RD, 1232, true);
	uint64_t misses = f->w->st->misses;
	assert_int_equal(dp_process_burst(f->w, f->pkts, 2), 1);
	assert_int_equal(f->pkts[0].verdict, DP_MISS);
	assert_int_equal(f->w->st->misses, misses + 1);
	parse(f, 1);
	assert_int_equal(BOLT_RCODE(f->m.flags), BOLT_RCODE_SERVFAIL);
}

/* A DO=1 answer over the client's UDP size: TC=1, no records, no AD. */
static void test_tc_do(void **state)
{
	struct fixture *f = *state;
	/* One A, four 400-byte signatures: ~1.8 kB for DO=1. */
	put(f, "big.example.", BOLT_SEC_SECURE, 4, 400);
	query(f, 0, "big.example.", BOLT_FLAG_RD, 1232, true);
	query(f, 1, "big.example.", BOLT_FLAG_RD, 4096, true);
	query(f, 2, "big.example.", BOLT_FLAG_RD, 1232, false);
	query(f, 3, "big.example.", BOLT_FLAG_RD | BOLT_FLAG_AD, 0, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 4), 4);

	/* DO=1 at 1232: truncated, empty. */
	parse(f, 0);
	assert_true(f->pkts[0].out_len <= 1232);
	assert_true(f->m.flags & BOLT_FLAG_TC);
	assert_false(f->m.flags & BOLT_FLAG_AD);
	assert_int_equal(f->m.ancount + f->m.nscount, 0);
	assert_int_equal(f->m.arcount, 1);
	assert_true(f->m.do_bit);
	/* DO=1 at 4096 (the server's limit is 1232): truncated too. */
	parse(f, 1);
	assert_true(f->m.flags & BOLT_FLAG_TC);
	assert_int_equal(f->m.ancount, 0);
	/* DO=0 entries have no signatures: they fit. */
	parse(f, 2);
	assert_false(f->m.flags & BOLT_FLAG_TC);
	assert_false(f->m.flags & BOLT_FLAG_AD);
	assert_int_equal(count_type(f, BOLT_TYPE_A), 1);
	assert_int_equal(count_type(f, BOLT_TYPE_RRSIG), 0);
	parse(f, 3);
	assert_false(f->m.flags & BOLT_FLAG_TC);
	assert_true(f->m.flags & BOLT_FLAG_AD);

	/* A server limit large enough: the whole RRset with every signature. */
	f->w->udp_max = 4096;
	query(f, 0, "big.example.", BOLT_FLAG_RD, 4096, true);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	parse(f, 0);
	assert_false(f->m.flags & BOLT_FLAG_TC);
	assert_true(f->m.flags & BOLT_FLAG_AD);
	assert_int_equal(count_type(f, BOLT_TYPE_RRSIG), 4);
	f->w->udp_max = 1232;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ad_burst),
		cmocka_unit_test(test_unchecked),
		cmocka_unit_test(test_bogus_cd),
		cmocka_unit_test(test_tc_do),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
