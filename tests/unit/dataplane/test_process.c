/*
 * Unit tests of the dataplane's DNS burst processing (dataplane/process.c)
 * against a real region and cache in /dev/shm (process_fixture.c): hits,
 * misses and the rings, bad queries, truncation, cached SERVFAIL with EDE,
 * prefetch hints, routing to resolver workers. ACL and rate limiting:
 * test_process_limits.c; DNS Cookies: test_process_cookie.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/socket.h>

#include "process_fixture.h"

static void test_hit(void **state)
{
	struct fixture *f = *state;
	uint64_t hits = f->w->st->hits;
	put_a(f, "www.example.com.", 2, 300, bolt_now() - 10, false);
	uint16_t qlen = mk_query(f, 0, 0xbeef, "WWW.Example.COM.", BOLT_TYPE_A, 1232, false);
	uint8_t question[300];
	memcpy(question, f->bufs[0] + 12, qlen - 12 - 11);

	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	assert_int_equal(f->pkts[0].verdict, DP_TX);
	assert_int_equal(f->w->st->hits, hits + 1);

	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[2 * BUF];
	const uint8_t *resp = f->pkts[0].dns;
	assert_int_equal(bolt_msg_parse(resp, f->pkts[0].out_len, &m, rrs, 8, scratch,
	                                sizeof(scratch)), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_true(m.flags & BOLT_FLAG_QR);
	assert_true(m.flags & BOLT_FLAG_RD);
	assert_true(m.flags & BOLT_FLAG_RA);
	assert_int_equal(BOLT_RCODE(m.flags), 0);
	assert_int_equal(m.ancount, 2);
	assert_true(m.has_edns);
	assert_int_equal(m.edns_udp_size, 1232);
	/* The question comes back exactly as the client wrote it. */
	assert_memory_equal(resp + 12, question, (size_t)(qlen - 12 - 11));
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(rrs[i].type, BOLT_TYPE_A);
		/* Inserted 10 s ago with 300: 290 left (289 if a second ticked). */
		assert_true(rrs[i].ttl == 290 || rrs[i].ttl == 289);
		uint8_t want[4] = { 198, 18, 1, (uint8_t)i };
		assert_memory_equal(rrs[i].rdata, want, 4);
	}
}

static void test_miss_and_ring(void **state)
{
	struct fixture *f = *state;
	struct bolt_ring *ring = bolt_region_miss_ring(f->r, 3);
	uint64_t misses = f->w->st->misses;
	uint16_t qlen = mk_query(f, 0, 77, "nothere.example.", BOLT_TYPE_AAAA, 4096, true);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 0);
	assert_int_equal(f->pkts[0].verdict, DP_MISS);
	assert_int_equal(f->w->st->misses, misses + 1);

	struct bolt_client c;
	memset(&c, 0, sizeof(c));
	c.family = AF_INET;
	c.client_port = htobe16(40000);
	c.client_addr[0] = 198;
	assert_int_equal(dp_miss_push(f->w, 0, &f->pkts[0], &c), 0);
	const struct bolt_miss_msg *m = bolt_ring_peek(ring);
	assert_non_null(m);
	assert_int_equal(m->id, 77);
	assert_int_equal(m->qtype, BOLT_TYPE_AAAA);
	assert_int_equal(m->qclass, BOLT_CLASS_IN);
	assert_int_equal(m->has_edns, 1);
	assert_int_equal(m->do_bit, 1);
	assert_int_equal(m->edns_udp_size, 4096);
	assert_true(m->qflags & BOLT_FLAG_RD);
	assert_int_equal(m->question_len, qlen - 12 - 11);
	assert_memory_equal(m->question, f->bufs[0] + 12, m->question_len);
	assert_int_equal(m->client.client_port, htobe16(40000));
	bolt_ring_release(ring);
	assert_null(bolt_ring_peek(ring));

	/* Fill the ring: the next miss is dropped and counted. */
	uint64_t drops = f->w->st->ring_drops;
	for (unsigned i = 0; i < RING_SLOTS; i++)
		assert_int_equal(dp_miss_push(f->w, 0, &f->pkts[0], &c), 0);
	assert_int_equal(dp_miss_push(f->w, 0, &f->pkts[0], &c), BOLT_ERING);
	assert_int_equal(f->w->st->ring_drops, drops + 1);
	while (bolt_ring_peek(ring))
		bolt_ring_release(ring);
}

static void test_do_bit_keyed(void **state)
{
	struct fixture *f = *state;
	put_a(f, "do.example.", 1, 60, bolt_now(), false);
	mk_query(f, 0, 1, "do.example.", BOLT_TYPE_A, 1232, true);
	mk_query(f, 1, 2, "do.example.", BOLT_TYPE_A, 1232, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 2), 1);
	assert_int_equal(f->pkts[0].verdict, DP_MISS);
	assert_int_equal(f->pkts[1].verdict, DP_TX);
}

static void test_expired(void **state)
{
	struct fixture *f = *state;
	uint64_t expired = f->w->st->expired;
	put_a(f, "old.example.", 1, 60, bolt_now() - 1000, false);
	mk_query(f, 0, 1, "old.example.", BOLT_TYPE_A, -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 0);
	assert_int_equal(f->pkts[0].verdict, DP_MISS);
	assert_int_equal(f->w->st->expired, expired + 1);
}

static void test_bad_queries(void **state)
{
	struct fixture *f = *state;
	uint64_t formerr = f->w->st->formerr, notimp = f->w->st->notimp;
	uint64_t bad = f->w->st->dropped_bad;

	/* Compression pointer as the question name. */
	const uint8_t compr[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1 };
	raw(f, 0, compr, sizeof(compr));
	/* A 64-byte label. */
	uint8_t huge[12 + 1 + 64 + 1 + 4] = { 0, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64 };
	memset(huge + 13, 'a', 64);
	huge[12 + 1 + 64 + 1 + 1] = 1;
	huge[12 + 1 + 64 + 1 + 3] = 1;
	raw(f, 1, huge, sizeof(huge));
	/* QDCOUNT 2 with one question. */
	uint8_t two[sizeof(compr)];
	memcpy(two, compr, sizeof(compr));
	two[1] = 3;
	two[5] = 2;
	two[12] = 0;
	two[13] = 0;
	raw(f, 2, two, sizeof(two) - 1);
	/* Opcode STATUS (2). */
	const uint8_t status[] = { 0, 4, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	raw(f, 3, status, sizeof(status));
	/* Shorter than a header. */
	raw(f, 4, status, 11);
	/* A response (QR set). */
	const uint8_t resp[] = { 0, 6, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0 };
	raw(f, 5, resp, sizeof(resp));
	/* Trailing garbage after the question. */
	uint16_t l = mk_query(f, 6, 7, "trail.example.", BOLT_TYPE_A, -1, false);
	f->bufs[6][l] = 0xff;
	f->pkts[6].len = (uint16_t)(l + 1);

	assert_int_equal(dp_process_burst(f->w, f->pkts, 7), 5);
	expect_rcode(f, 0, 1, BOLT_RCODE_FORMERR);
	expect_rcode(f, 1, 2, BOLT_RCODE_FORMERR);
	expect_rcode(f, 2, 3, BOLT_RCODE_FORMERR);
	expect_rcode(f, 3, 4, BOLT_RCODE_NOTIMP);
	assert_int_equal(f->pkts[4].verdict, DP_DROP);
	assert_int_equal(f->pkts[5].verdict, DP_DROP);
	expect_rcode(f, 6, 7, BOLT_RCODE_FORMERR);
	/* Error responses echo no question. */
	assert_int_equal(get16(f->pkts[0].dns + 4), 0);
	assert_int_equal(f->w->st->formerr, formerr + 4);
	assert_int_equal(f->w->st->notimp, notimp + 1);
	assert_int_equal(f->w->st->dropped_bad, bad + 2);
}

static void test_badvers(void **state)
{
	struct fixture *f = *state;
	uint16_t len = mk_query(f, 0, 9, "v1.example.", BOLT_TYPE_A, 1232, false);
	/* OPT: owner(1) type(2) class(2) ext-rcode(1) version(1) ... */
	f->bufs[0][len - 11 + 6] = 1;
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	struct bolt_msg m;
	struct bolt_rr rrs[4];
	uint8_t scratch[2 * BUF];
	assert_int_equal(bolt_msg_parse(f->pkts[0].dns, f->pkts[0].out_len, &m, rrs, 4, scratch,
	                                sizeof(scratch)), 0);
	assert_int_equal(m.id, 9);
	assert_true(m.has_edns);
	/* BADVERS = 16: upper bits 1 in OPT, lower bits 0 in the header. */
	assert_int_equal(m.ext_rcode, 1);
	assert_int_equal(BOLT_RCODE(m.flags), 0);
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.qtype, BOLT_TYPE_A);
}

static void test_truncation(void **state)
{
	struct fixture *f = *state;
	/* 40 A records: 12 + 17 + 40 * 16 > 512, fits 1232. */
	put_a(f, "big.example.", 40, 60, bolt_now(), false);
	mk_query(f, 0, 1, "big.example.", BOLT_TYPE_A, -1, false);
	mk_query(f, 1, 2, "big.example.", BOLT_TYPE_A, 1232, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 2), 2);
	assert_true(get16(f->pkts[0].dns + 2) & BOLT_FLAG_TC);
	assert_int_equal(get16(f->pkts[0].dns + 6), 0);
	assert_true(f->pkts[0].out_len <= 512);
	assert_false(get16(f->pkts[1].dns + 2) & BOLT_FLAG_TC);
	assert_int_equal(get16(f->pkts[1].dns + 6), 40);

	/* A buffer too small for the cached sections: TC, never an overflow. */
	mk_query(f, 0, 3, "big.example.", BOLT_TYPE_A, 1232, false);
	f->pkts[0].cap = 200;
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	assert_true(f->pkts[0].out_len <= 200);
	assert_true(get16(f->pkts[0].dns + 2) & BOLT_FLAG_TC);
	assert_int_equal(get16(f->pkts[0].dns), 3);
}

static void test_full_burst(void **state)
{
	struct fixture *f = *state;
	put_a(f, "burst.example.", 1, 60, bolt_now(), false);
	for (unsigned i = 0; i < DP_BURST_MAX; i++)
		mk_query(f, i, (uint16_t)i, i % 2 ? "burst.example." : "nope.example.", BOLT_TYPE_A,
		         -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, DP_BURST_MAX), DP_BURST_MAX / 2);
	for (unsigned i = 0; i < DP_BURST_MAX; i++) {
		assert_int_equal(f->pkts[i].verdict, i % 2 ? DP_TX : DP_MISS);
		if (i % 2)
			assert_int_equal(get16(f->pkts[i].dns), i);
	}
}

static void test_answer_ring(void **state)
{
	struct fixture *f = *state;
	struct bolt_ring *ring = bolt_region_answer_ring(f->r, 3);
	assert_null(dp_answer_next(f->w));
	struct bolt_answer_msg *a = bolt_ring_reserve(ring);
	assert_non_null(a);
	a->len = 12;
	bolt_ring_commit(ring);
	const struct bolt_answer_msg *got = dp_answer_next(f->w);
	assert_ptr_equal(got, a);
	dp_answer_done(f->w);
	assert_null(dp_answer_next(f->w));
	/* A corrupted length is skipped, never read past the slot. */
	a = bolt_ring_reserve(ring);
	a->len = BOLT_ANSWER_PAYLOAD_MAX + 1;
	bolt_ring_commit(ring);
	assert_null(dp_answer_next(f->w));
	assert_int_equal(bolt_ring_count(ring), 0);
}

/* A SERVFAIL the control plane cached with its EDE: the dataplane answers
 * it from the cache with the EDE inside the OPT, and without EDNS plainly. */
static void test_cached_servfail_ede(void **state)
{
	struct fixture *f = *state;
	uint8_t msg[BUF], qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text("sf.example.", qname);
	assert_int_equal(bolt_build_init(&b, msg, sizeof(msg), 0,
	                                 BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_RCODE_SERVFAIL), 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	int len = bolt_build_finish(&b);
	int n = bolt_answer_put_ede(msg + len, sizeof(msg) - (size_t)len,
	                            BOLT_EDE_NO_REACHABLE_AUTHORITY, "timeout");
	assert_int_equal(bolt_answer_insert_ede(f->r->cache, msg, (size_t)(len + n), b.ttl_off,
	                                        b.nttl, false, bolt_now(), 30, BOLT_CACHE_SERVFAIL,
	                                        (uint8_t)n), 0);
	uint16_t qlen = mk_query(f, 0, 7, "sf.example.", BOLT_TYPE_A, 1232, false);
	uint16_t plain = mk_query(f, 1, 8, "SF.example.", BOLT_TYPE_A, -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 2), 2);
	expect_rcode(f, 0, 7, BOLT_RCODE_SERVFAIL);
	expect_rcode(f, 1, 8, BOLT_RCODE_SERVFAIL);
	assert_int_equal(f->pkts[0].out_len, qlen + n);
	const uint8_t *o = f->pkts[0].dns + qlen - 11;
	assert_int_equal(get16(o + 1), BOLT_TYPE_OPT);
	assert_int_equal(get16(o + 9), n);
	assert_int_equal(get16(o + 11), BOLT_OPT_EDE);
	assert_int_equal(get16(o + 15), BOLT_EDE_NO_REACHABLE_AUTHORITY);
	assert_memory_equal(o + 17, "timeout", 7);
	/* Not a byte of the option without EDNS. */
	assert_int_equal(f->pkts[1].out_len, plain);
	assert_int_equal(get16(f->pkts[1].dns + 10), 0);
}

/* One hit in the last 10% of the TTL: expect exactly one hint for name. */
static void expect_hint(struct fixture *f, const char *lc_name)
{
	struct bolt_ring *ring = bolt_region_miss_ring(f->r, 3);
	const struct bolt_miss_msg *m = bolt_ring_peek(ring);
	uint8_t qname[BOLT_NAME_MAX];
	int ql = bolt_name_from_text(lc_name, qname);
	assert_true(ql > 0);
	assert_non_null(m);
	assert_true(m->flags & BOLT_MISS_F_PREFETCH);
	assert_int_equal(m->qtype, BOLT_TYPE_A);
	assert_int_equal(m->qclass, BOLT_CLASS_IN);
	assert_int_equal(m->do_bit, 0);
	assert_int_equal(m->id, 0);
	assert_int_equal(m->client.family, 0);
	assert_int_equal(m->question_len, ql + 4);
	/* The lower-cased name, then type and class: a question the control
	 * plane parses like a client's. */
	assert_memory_equal(m->question, qname, (size_t)ql);
	assert_int_equal(get16(m->question + ql), BOLT_TYPE_A);
	assert_int_equal(get16(m->question + ql + 2), BOLT_CLASS_IN);
	bolt_ring_release(ring);
	assert_null(bolt_ring_peek(ring));
}

static void test_prefetch_hint(void **state)
{
	struct fixture *f = *state;
	uint32_t now = bolt_now();
	uint64_t hints = f->w->st->prefetch_hints, misses = f->w->st->misses;
	drain(f);

	/* 5 s left of 100: in the last 10%. The client is answered (a hit)
	 * and the control plane gets one hint. */
	put_a(f, "late.example.", 1, 100, now - 95, false);
	mk_query(f, 0, 1, "LATE.Example.", BOLT_TYPE_A, -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	assert_int_equal(f->pkts[0].verdict, DP_TX);
	assert_int_equal(f->w->st->prefetch_hints, hints + 1);
	assert_int_equal(f->w->st->misses, misses);
	expect_hint(f, "late.example.");

	/* Asked again at once, also in one burst of 8: rate-limited, no hint. */
	for (unsigned i = 0; i < 8; i++)
		mk_query(f, i, (uint16_t)i, "late.example.", BOLT_TYPE_A, -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 8), 8);
	assert_int_equal(f->w->st->prefetch_hints, hints + 1);
	assert_int_equal(drain(f), 0);

	/* Once the interval has passed (the table's clock moved back), the
	 * next hit hints again. */
	for (unsigned i = 0; i < DP_PF_SLOTS; i++)
		if (f->w->pf[i].at != 0)
			f->w->pf[i].at -= DP_PF_INTERVAL;
	mk_query(f, 0, 2, "late.example.", BOLT_TYPE_A, -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	assert_int_equal(f->w->st->prefetch_hints, hints + 2);
	expect_hint(f, "late.example.");

	/* 89 s of 100 left: no hint. */
	put_a(f, "early.example.", 1, 100, now - 11, false);
	mk_query(f, 0, 3, "early.example.", BOLT_TYPE_A, -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	assert_int_equal(f->w->st->prefetch_hints, hints + 2);
	assert_int_equal(drain(f), 0);

	/* Miss ring full: the hint is dropped and counted, the client still
	 * answered, nothing blocks. */
	struct bolt_client c;
	memset(&c, 0, sizeof(c));
	c.family = AF_INET;
	mk_query(f, 0, 4, "filler.example.", BOLT_TYPE_A, -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 0);
	for (unsigned i = 0; i < RING_SLOTS; i++)
		assert_int_equal(dp_miss_push(f->w, 0, &f->pkts[0], &c), 0);
	uint64_t drops = f->w->st->prefetch_hint_drops;
	put_a(f, "late2.example.", 1, 100, now - 98, false);
	mk_query(f, 0, 5, "late2.example.", BOLT_TYPE_A, -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	assert_int_equal(f->pkts[0].verdict, DP_TX);
	assert_int_equal(f->w->st->prefetch_hint_drops, drops + 1);
	assert_int_equal(f->w->st->prefetch_hints, hints + 2);
	assert_int_equal(drain(f), RING_SLOTS);
	/* Not remembered as hinted: with room again, the next hit hints. */
	mk_query(f, 0, 6, "late2.example.", BOLT_TYPE_A, -1, false);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	assert_int_equal(f->w->st->prefetch_hints, hints + 3);
	expect_hint(f, "late2.example.");
}

/* [resolver] workers = 2: a miss goes to the ring set of the worker its
 * question hashes to, the same from every lcore (so identical questions
 * meet in one worker); different names spread over both; answers are
 * taken from every worker's answer ring of the lcore. */
static void test_worker_routing(void **state)
{
	struct fixture *f = *state;
	static struct fixture g;
	char path[128];
	int err;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-ut-dpw-%d", (int)getpid());
	struct bolt_region_params p = {
		.path = path, .size = 32u << 20, .ring_slots = RING_SLOTS, .workers = 2, .wipe = true,
	};
	struct bolt_region *r = bolt_region_create(&p, &err);
	assert_non_null(r);
	assert_int_equal(r->hdr->cp_workers, 2);
	static struct dp_worker w0, w1;
	assert_int_equal(dp_worker_init(&w0, r, 0, 1232), 0);
	assert_int_equal(dp_worker_init(&w1, r, 1, 1232), 0);
	struct bolt_client c;
	memset(&c, 0, sizeof(c));
	c.family = AF_INET;
	unsigned per_set[2] = { 0, 0 };
	char name[64];
	for (unsigned n = 0; n < 8; n++) {
		snprintf(name, sizeof(name), "w%u.example.", n);
		int set[2];
		struct dp_worker *ws[2] = { &w0, &w1 };
		for (unsigned l = 0; l < 2; l++) {
			mk_query(&g, 0, (uint16_t)n, name, BOLT_TYPE_A, -1, false);
			assert_int_equal(dp_process_burst(ws[l], g.pkts, 1), 0);
			assert_int_equal(g.pkts[0].verdict, DP_MISS);
			assert_int_equal(dp_miss_push(ws[l], 0, &g.pkts[0], &c), 0);
			set[l] = -1;
			for (unsigned v = 0; v < 2; v++) {
				struct bolt_ring *ring = bolt_region_worker_miss_ring(r, l, v);
				if (bolt_ring_peek(ring) != NULL) {
					assert_int_equal(set[l], -1);
					set[l] = (int)v;
					bolt_ring_release(ring);
				}
			}
			assert_true(set[l] >= 0);
		}
		/* the same question from lcore 0 and lcore 1: one worker */
		assert_int_equal(set[0], set[1]);
		per_set[set[0]]++;
	}
	/* 8 names on two workers all in one: 2^-7 by chance */
	assert_true(per_set[0] > 0 && per_set[1] > 0);
	/* a miss doorbell kick names the worker whose ring got the slot */
	struct bolt_bell *b = &r->hdr->miss_bell;
	dp_miss_kick(&w0, b);  /* the loop's pushes: nobody was asleep */
	(void)bolt_bell_take(b);
	bolt_bell_arm(b, 3);
	mk_query(&g, 0, 1, "w0.example.", BOLT_TYPE_A, -1, false);
	dp_process_burst(&w0, g.pkts, 1);
	assert_int_equal(dp_miss_push(&w0, 0, &g.pkts[0], &c), 0);
	dp_miss_kick(&w0, b);
	uint32_t kicked = bolt_bell_take(b);
	assert_int_equal(__builtin_popcount(kicked), 1);
	assert_non_null(bolt_ring_peek(bolt_region_worker_miss_ring(r, 0,
	                                                              (unsigned)__builtin_ctz(kicked))));
	/* answers from both workers' rings of lcore 1 */
	for (unsigned v = 0; v < 2; v++) {
		struct bolt_ring *ring = bolt_region_worker_answer_ring(r, 1, v);
		struct bolt_answer_msg *a = bolt_ring_reserve(ring);
		assert_non_null(a);
		memset(a, 0, sizeof(*a));
		a->len = (uint16_t)(12 + v);
		bolt_ring_commit(ring);
	}
	assert_true(dp_answer_ready(&w1));
	assert_false(dp_answer_ready(&w0));
	unsigned seen = 0;
	const struct bolt_answer_msg *a;
	while ((a = dp_answer_next(&w1)) != NULL) {
		seen |= 1u << (a->len - 12);
		dp_answer_done(&w1);
	}
	assert_int_equal(seen, 3);
	assert_false(dp_answer_ready(&w1));
	(void)f;
	bolt_region_detach(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit),
		cmocka_unit_test(test_miss_and_ring),
		cmocka_unit_test(test_do_bit_keyed),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_bad_queries),
		cmocka_unit_test(test_badvers),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_full_burst),
		cmocka_unit_test(test_answer_ring),
		cmocka_unit_test(test_cached_servfail_ede),
		cmocka_unit_test(test_prefetch_hint),
		cmocka_unit_test(test_worker_routing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
