/*
 * Unit tests of the dataplane's DNS burst processing (dataplane/process.c)
 * against a real region and cache in /dev/shm.
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

#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/cookie.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "process.h"

#define BUF 4096
#define RING_SLOTS 16

struct fixture {
	char path[128];
	struct bolt_region *r;
	struct dp_worker *w;
	uint8_t bufs[DP_BURST_MAX][BUF];
	struct dp_pkt pkts[DP_BURST_MAX];
};

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return be16toh(v);
}


static int setup(void **state)
{
	static struct fixture fx;
	struct fixture *f = &fx;
	int err;
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/dev/shm/boltdns-ut-dp-%d", (int)getpid());
	struct bolt_region_params p = {
		.path = f->path, .size = 32u << 20, .shards = 0, .ring_slots = RING_SLOTS, .wipe = true,
	};
	f->r = bolt_region_create(&p, &err);
	if (!f->r) {
		fprintf(stderr, "region: %s\n", bolt_strerror(err));
		return -1;
	}
	static struct dp_worker w;
	f->w = &w;
	if (dp_worker_init(f->w, f->r, 3, 1232) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	bolt_region_detach(f->r);
	unlink(f->path);
	return 0;
}

/* Insert NAME A with n addresses 198.18.1.i, ttl, inserted at `when`. */
static void put_a(struct fixture *f, const char *name, unsigned n, uint32_t ttl, uint32_t when,
                  bool do_bit)
{
	uint8_t msg[BUF], qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	assert_true(ql > 0);
	assert_int_equal(bolt_build_init(&b, msg, sizeof(msg), 0,
	                                 BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA), 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t rd[4] = { 198, 18, 1, (uint8_t)i };
		assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN,
		                               ttl, rd, 4), 0);
	}
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	assert_int_equal(bolt_answer_insert(f->r->cache, msg, (size_t)len, b.ttl_off, b.nttl, do_bit,
	                                    when, ttl, BOLT_CACHE_POSITIVE), 0);
}

/* A query into pkts[i]; edns < 0: none. Returns its length. */
static uint16_t mk_query(struct fixture *f, unsigned i, uint16_t id, const char *name,
                         uint16_t qtype, int edns, bool do_bit)
{
	uint8_t qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	assert_true(ql > 0);
	assert_int_equal(bolt_build_init(&b, f->bufs[i], BUF, id, BOLT_FLAG_RD), 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)ql, qtype, BOLT_CLASS_IN), 0);
	if (edns >= 0)
		assert_int_equal(bolt_build_opt(&b, (uint16_t)edns, 0, do_bit), 0);
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	f->pkts[i].dns = f->bufs[i];
	f->pkts[i].len = (uint16_t)len;
	f->pkts[i].cap = BUF;
	return (uint16_t)len;
}

static void raw(struct fixture *f, unsigned i, const uint8_t *bytes, size_t len)
{
	memcpy(f->bufs[i], bytes, len);
	f->pkts[i].dns = f->bufs[i];
	f->pkts[i].len = (uint16_t)len;
	f->pkts[i].cap = BUF;
}

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

static void expect_rcode(struct fixture *f, unsigned i, uint16_t id, unsigned rcode)
{
	assert_int_equal(f->pkts[i].verdict, DP_TX);
	const uint8_t *r = f->pkts[i].dns;
	assert_true(f->pkts[i].out_len >= 12);
	assert_int_equal(get16(r), id);
	assert_true(get16(r + 2) & BOLT_FLAG_QR);
	assert_int_equal(BOLT_RCODE(get16(r + 2)), rcode);
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

static void set_client(struct fixture *f, unsigned i, const uint8_t *a4)
{
	f->pkts[i].family = AF_INET;
	f->pkts[i].client = a4;
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

static void test_acl(void **state)
{
	struct fixture *f = *state;
	static const uint8_t inside[4] = { 10, 1, 2, 3 }, outside[4] = { 198, 18, 0, 2 };
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->nallow = 1;
	assert_int_equal(bolt_prefix_parse("10.0.0.0/8", &cfg->allow[0]), 0);
	dp_policy_from_config(&pol, cfg);
	assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
	put_a(f, "acl.example.", 1, 60, bolt_now(), false);
	uint64_t refused = f->w->st->refused, misses = f->w->st->misses;

	mk_query(f, 0, 1, "acl.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 0, inside);
	uint16_t qlen = mk_query(f, 1, 2, "acl.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 1, outside);
	mk_query(f, 2, 3, "elsewhere.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 2, outside);
	/* Garbage from outside gets REFUSED too, not FORMERR. */
	const uint8_t junk[] = { 0, 4, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0 };
	raw(f, 3, junk, sizeof(junk));
	set_client(f, 3, outside);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 4), 4);
	expect_rcode(f, 0, 1, BOLT_RCODE_NOERROR);
	expect_rcode(f, 1, 2, BOLT_RCODE_REFUSED);
	/* The question is echoed. */
	assert_int_equal(get16(f->pkts[1].dns + 4), 1);
	assert_int_equal(f->pkts[1].out_len, qlen);
	expect_rcode(f, 2, 3, BOLT_RCODE_REFUSED);
	expect_rcode(f, 3, 4, BOLT_RCODE_REFUSED);
	assert_int_equal(f->w->st->refused, refused + 3);
	/* Denied clients never reach the control plane. */
	assert_int_equal(f->w->st->misses, misses);

	/* With EDNS the REFUSED says why: EDE 18 Prohibited (RFC 8914). */
	qlen = mk_query(f, 0, 5, "acl.example.", BOLT_TYPE_A, 1232, false);
	set_client(f, 0, outside);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	expect_rcode(f, 0, 5, BOLT_RCODE_REFUSED);
	assert_int_equal(f->pkts[0].out_len, qlen + 6);
	const uint8_t *o = f->pkts[0].dns + qlen - 11;
	assert_int_equal(get16(o + 1), BOLT_TYPE_OPT);
	assert_int_equal(get16(o + 9), 6);
	assert_int_equal(get16(o + 11), BOLT_OPT_EDE);
	assert_int_equal(get16(o + 13), 2);
	assert_int_equal(get16(o + 15), BOLT_EDE_PROHIBITED);

	/* action = drop: nothing at all. */
	cfg->acl_action = BOLT_ACL_DROP;
	dp_policy_from_config(&pol, cfg);
	mk_query(f, 0, 1, "acl.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 0, outside);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 0);
	assert_int_equal(f->pkts[0].verdict, DP_DROP);

	/* No client address (an internal caller): no ACL. */
	mk_query(f, 0, 1, "acl.example.", BOLT_TYPE_A, -1, false);
	f->pkts[0].client = NULL;
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	dp_worker_fini(f->w);
	dp_worker_set_policy(f->w, NULL);
	for (unsigned i = 0; i < 4; i++)
		f->pkts[i].client = NULL;
	free(cfg);
}

static void test_ratelimit(void **state)
{
	struct fixture *f = *state;
	static const uint8_t a[4] = { 198, 18, 0, 2 }, b[4] = { 198, 18, 0, 77 };
	static const uint8_t other[4] = { 198, 18, 9, 2 };
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->rl_rate = 3;
	cfg->rl_slip = 2;
	dp_policy_from_config(&pol, cfg);
	assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
	put_a(f, "rl.example.", 1, 60, bolt_now(), false);
	uint64_t dropped = f->w->st->rl_dropped, slipped = f->w->st->rl_slipped;

	/* Ten from one /24 (two addresses), then one from another /24. */
	for (unsigned i = 0; i < 10; i++) {
		mk_query(f, i, (uint16_t)i, "rl.example.", BOLT_TYPE_A, -1, false);
		set_client(f, i, i % 2 ? a : b);
	}
	mk_query(f, 10, 10, "rl.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 10, other);
	unsigned tx = dp_process_burst(f->w, f->pkts, 11);
	/* 3 within the rate; of the 7 over it every 2nd slips: 3 TC, 4 dropped. */
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(f->pkts[i].verdict, DP_TX);
		assert_false(get16(f->pkts[i].dns + 2) & BOLT_FLAG_TC);
	}
	unsigned tc = 0, drop = 0;
	for (unsigned i = 3; i < 10; i++) {
		if (f->pkts[i].verdict == DP_DROP)
			drop++;
		else if (get16(f->pkts[i].dns + 2) & BOLT_FLAG_TC)
			tc++;
	}
	assert_int_equal(tc, 3);
	assert_int_equal(drop, 4);
	assert_int_equal(f->pkts[10].verdict, DP_TX);
	assert_false(get16(f->pkts[10].dns + 2) & BOLT_FLAG_TC);
	assert_int_equal(tx, 3 + 3 + 1);
	assert_int_equal(f->w->st->rl_dropped, dropped + 4);
	assert_int_equal(f->w->st->rl_slipped, slipped + 3);
	dp_worker_fini(f->w);
	dp_worker_set_policy(f->w, NULL);
	for (unsigned i = 0; i < 11; i++)
		f->pkts[i].client = NULL;
	free(cfg);
}

/* Count the answers (not TC) and TC slips among pkts[from, from + n). */
static void rl_tally(struct fixture *f, unsigned from, unsigned n, unsigned *ans, unsigned *tc)
{
	for (unsigned i = from; i < from + n; i++) {
		if (f->pkts[i].verdict != DP_TX)
			continue;
		if (get16(f->pkts[i].dns + 2) & BOLT_FLAG_TC)
			(*tc)++;
		else
			(*ans)++;
	}
}

/* One prefix whose queries two workers (two lcores, RSS spreading its
 * flows) share: `rate` answers per second in all, not rate per worker. */
static void test_ratelimit_shared(void **state)
{
	struct fixture *f = *state;
	static const uint8_t a[4] = { 198, 18, 7, 2 }, b[4] = { 198, 18, 7, 9 };
	static struct dp_worker w2;
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->rl_rate = 3;
	cfg->rl_slip = 2;
	put_a(f, "rls.example.", 1, 60, bolt_now(), false);
	assert_int_equal(dp_worker_init(&w2, f->r, 2, 1232), 0);
	/* A second boundary between the two bursts grants a new budget
	 * legitimately: try again then. */
	unsigned ans = 0, tc = 0;
	for (int attempt = 0; attempt < 5; attempt++) {
		dp_policy_from_config(&pol, cfg);
		assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
		assert_int_equal(dp_worker_set_policy(&w2, &pol), 0);
		uint32_t t0 = bolt_now();
		for (unsigned i = 0; i < 16; i++) {
			mk_query(f, i, (uint16_t)i, "rls.example.", BOLT_TYPE_A, -1, false);
			set_client(f, i, i % 2 ? a : b);
		}
		ans = tc = 0;
		/* Eight queries on each worker, alternating. */
		for (unsigned k = 0; k < 4; k++) {
			dp_process_burst(f->w, f->pkts + 4 * k, 2);
			dp_process_burst(&w2, f->pkts + 4 * k + 2, 2);
		}
		if (bolt_now() != t0)
			continue;
		rl_tally(f, 0, 16, &ans, &tc);
		break;
	}
	/* 3 answers; of the 13 over the limit every 2nd slips: 6 TC. */
	assert_int_equal(ans, 3);
	assert_int_equal(tc, 6);
	dp_worker_fini(&w2);
	dp_worker_fini(f->w);
	dp_worker_set_policy(f->w, NULL);
	for (unsigned i = 0; i < 16; i++)
		f->pkts[i].client = NULL;
	free(cfg);
}

/* Two workers on two threads at once, one prefix: the shared table's
 * compare-and-swap keeps the total at `rate` answers a second. */
struct rl_thread {
	struct dp_worker w;
	uint8_t bufs[DP_BURST_MAX][512];
	struct dp_pkt pkts[DP_BURST_MAX];
	unsigned answered;
	uint32_t t0, t1;
};

static void *rl_thread_run(void *arg)
{
	struct rl_thread *t = arg;
	static const uint8_t client[4] = { 198, 18, 99, 1 };
	uint8_t qname[BOLT_NAME_MAX];
	int ql = bolt_name_from_text("rlt.example.", qname);
	t->t0 = bolt_now();
	for (unsigned round = 0; round < 20; round++) {
		for (unsigned i = 0; i < DP_BURST_MAX; i++) {
			struct bolt_build b;
			bolt_build_init(&b, t->bufs[i], sizeof(t->bufs[i]), (uint16_t)i, BOLT_FLAG_RD);
			bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
			int len = bolt_build_finish(&b);
			t->pkts[i].dns = t->bufs[i];
			t->pkts[i].len = (uint16_t)len;
			t->pkts[i].cap = sizeof(t->bufs[i]);
			t->pkts[i].family = AF_INET;
			t->pkts[i].client = client;
		}
		dp_process_burst(&t->w, t->pkts, DP_BURST_MAX);
		for (unsigned i = 0; i < DP_BURST_MAX; i++)
			if (t->pkts[i].verdict == DP_TX && !(get16(t->bufs[i] + 2) & BOLT_FLAG_TC))
				t->answered++;
	}
	t->t1 = bolt_now();
	return NULL;
}

static void test_ratelimit_threads(void **state)
{
	struct fixture *f = *state;
	static struct rl_thread th[2];
	static struct dp_policy pol;
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->rl_rate = 100;
	cfg->rl_slip = 0;
	put_a(f, "rlt.example.", 1, 60, bolt_now(), false);
	for (int attempt = 0; attempt < 5; attempt++) {
		dp_policy_from_config(&pol, cfg);
		pthread_t tid[2];
		for (unsigned k = 0; k < 2; k++) {
			memset(&th[k], 0, sizeof(th[k]));
			assert_int_equal(dp_worker_init(&th[k].w, f->r, k, 1232), 0);
			assert_int_equal(dp_worker_set_policy(&th[k].w, &pol), 0);
		}
		for (unsigned k = 0; k < 2; k++)
			assert_int_equal(pthread_create(&tid[k], NULL, rl_thread_run, &th[k]), 0);
		for (unsigned k = 0; k < 2; k++)
			assert_int_equal(pthread_join(tid[k], NULL), 0);
		/* 2 x 1280 queries; a second boundary inside grants a new
		 * budget: try again then. */
		if (th[0].t0 != th[1].t1 || th[1].t0 != th[0].t1 || th[0].t0 != th[0].t1)
			continue;
		assert_int_equal(th[0].answered + th[1].answered, 100);
		break;
	}
	for (unsigned k = 0; k < 2; k++)
		dp_worker_fini(&th[k].w);
	free(cfg);
}

/* Prefixes that hash to one bucket: taking turns never resets the other's
 * budget, and when every slot of the bucket is taken this second, a further
 * prefix shares a budget instead of getting a fresh one. */
static void test_ratelimit_collision(void **state)
{
	struct fixture *f = *state;
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	static uint8_t pfx[DP_RL_WAYS + 1][4];
	static uint16_t seen[DP_RL_BUCKETS];
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->rl_rate = 3;
	cfg->rl_slip = 0;
	dp_policy_from_config(&pol, cfg);
	put_a(f, "rlc.example.", 1, 60, bolt_now(), false);

	/* /24s 10.x.y.0: the first bucket that DP_RL_WAYS + 1 of them share. */
	uint32_t tag;
	unsigned want = 0;
	bool found = false;
	memset(seen, 0, sizeof(seen));
	for (uint32_t n = 0; n < 65536 && !found; n++) {
		uint8_t addr[4] = { 10, (uint8_t)(n >> 8), (uint8_t)n, 1 };
		unsigned bk = dp_rl_bucket_of(&pol, AF_INET, addr, &tag);
		if (++seen[bk] == DP_RL_WAYS + 1) {
			want = bk;
			found = true;
		}
	}
	assert_true(found);
	unsigned np = 0;
	for (uint32_t n = 0; n < 65536 && np < DP_RL_WAYS + 1; n++) {
		uint8_t addr[4] = { 10, (uint8_t)(n >> 8), (uint8_t)n, 1 };
		if (dp_rl_bucket_of(&pol, AF_INET, addr, &tag) == want)
			memcpy(pfx[np++], addr, 4);
	}
	assert_int_equal(np, DP_RL_WAYS + 1);

	for (int attempt = 0; attempt < 5; attempt++) {
		dp_policy_from_config(&pol, cfg);
		assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
		uint32_t t0 = bolt_now();
		/* Two colliding prefixes taking turns, five queries each. */
		for (unsigned i = 0; i < 10; i++) {
			mk_query(f, i, (uint16_t)i, "rlc.example.", BOLT_TYPE_A, -1, false);
			set_client(f, i, pfx[i % 2]);
		}
		dp_process_burst(f->w, f->pkts, 10);
		unsigned ans0 = 0, ans1 = 0, tc = 0;
		for (unsigned i = 0; i < 10; i++)
			rl_tally(f, i, 1, i % 2 ? &ans1 : &ans0, &tc);
		/* The bucket's other slots, one query each; then the ninth
		 * prefix, which finds every slot taken this second. */
		for (unsigned i = 0; i < DP_RL_WAYS - 2; i++) {
			mk_query(f, i, (uint16_t)i, "rlc.example.", BOLT_TYPE_A, -1, false);
			set_client(f, i, pfx[2 + i]);
		}
		dp_process_burst(f->w, f->pkts, DP_RL_WAYS - 2);
		for (unsigned i = 0; i < 10; i++) {
			mk_query(f, i, (uint16_t)i, "rlc.example.", BOLT_TYPE_A, -1, false);
			set_client(f, i, pfx[DP_RL_WAYS]);
		}
		dp_process_burst(f->w, f->pkts, 10);
		unsigned ans9 = 0;
		rl_tally(f, 0, 10, &ans9, &tc);
		if (bolt_now() != t0)
			continue;
		assert_int_equal(ans0, 3);
		assert_int_equal(ans1, 3);
		/* At most what is left of the budget it shares (3 - 1 or
		 * 3 - 3): never a fresh 3. */
		assert_true(ans9 <= 2);
		assert_int_equal(tc, 0);
		break;
	}
	dp_worker_fini(f->w);
	dp_worker_set_policy(f->w, NULL);
	for (unsigned i = 0; i < 10; i++)
		f->pkts[i].client = NULL;
	free(cfg);
}

/* Append a COOKIE option (data[0..len)) to the OPT that ends pkts[i]. */
static void add_qcookie(struct fixture *f, unsigned i, const uint8_t *data, uint16_t len)
{
	uint8_t *d = f->pkts[i].dns;
	uint16_t n = f->pkts[i].len;
	uint16_t rdlen = get16(d + n - 2);
	assert_int_equal(rdlen, 0);
	d[n] = 0;
	d[n + 1] = BOLT_OPT_COOKIE;
	d[n + 2] = (uint8_t)(len >> 8);
	d[n + 3] = (uint8_t)len;
	memcpy(d + n + 4, data, len);
	d[n - 2] = (uint8_t)((len + 4) >> 8);
	d[n - 1] = (uint8_t)(len + 4);
	f->pkts[i].len = (uint16_t)(n + 4 + len);
}

/* The COOKIE option that ends response i: its 24 bytes, or NULL. */
static const uint8_t *resp_cookie(struct fixture *f, unsigned i)
{
	const uint8_t *d = f->pkts[i].dns;
	uint16_t n = f->pkts[i].out_len;
	if (f->pkts[i].verdict != DP_TX || n < 28 || get16(d + n - 28) != BOLT_OPT_COOKIE ||
	    get16(d + n - 26) != 24)
		return NULL;
	return d + n - 24;
}

/* DNS Cookies in the dataplane (RFC 7873, RFC 9018 server cookies). */
static void test_cookies(void **state)
{
	struct fixture *f = *state;
	static const uint8_t client[4] = { 198, 18, 44, 5 };
	static const uint8_t cc[8] = { 0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57 };
	uint8_t cur[16], prev[16], full[24];
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	assert_non_null(cfg);
	/* dp_worker_init gave the region its first secret. */
	assert_true(bolt_cookie_secrets(f->r->hdr, cur, prev) != 0);
	put_a(f, "ck.example.", 1, 60, bolt_now(), false);

	/* A client cookie alone: the answer carries it back with a server
	 * cookie of ours, valid for this address, and the OPT grew by it. */
	uint16_t qlen = mk_query(f, 0, 1, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, cc, 8);
	set_client(f, 0, client);
	/* Without EDNS there is no option to answer (and none was sent). */
	mk_query(f, 1, 2, "ck.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 1, client);
	uint64_t sent = f->w->st->cookies_sent;
	assert_int_equal(dp_process_burst(f->w, f->pkts, 2), 2);
	expect_rcode(f, 0, 1, BOLT_RCODE_NOERROR);
	const uint8_t *c = resp_cookie(f, 0);
	assert_non_null(c);
	assert_memory_equal(c, cc, 8);
	assert_int_equal(c[8], 1);
	assert_true(bolt_cookie_valid(cc, c + 8, 16, client, 4, bolt_now(), cur, NULL));
	assert_int_equal(get16(f->pkts[0].dns + f->pkts[0].out_len - 28 - 2), 28);
	assert_true(f->pkts[0].out_len > qlen);
	assert_null(resp_cookie(f, 1));
	assert_int_equal(f->w->st->cookies_sent, sent + 1);
	memcpy(full, c, 24);

	/* Rate 1, no slip: the prefix gets one answer a second, but queries
	 * with the valid server cookie are not counted or limited. An invalid
	 * server cookie is a client cookie alone: answered (no BADCOOKIE), with
	 * a fresh cookie, and limited. */
	bolt_config_defaults(cfg);
	cfg->rl_rate = 1;
	cfg->rl_slip = 0;
	unsigned vouched_ok = 0, plain_ok = 0, bad_ok = 0, bad_cookie = 0;
	for (int attempt = 0; attempt < 5; attempt++) {
		dp_policy_from_config(&pol, cfg);
		assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
		uint32_t t0 = bolt_now();
		uint8_t bad[24];
		memcpy(bad, full, 24);
		bad[23] ^= 0x40;
		for (unsigned i = 0; i < 12; i++) {
			mk_query(f, i, (uint16_t)(100 + i), "ck.example.", BOLT_TYPE_A, 1232, false);
			if (i % 3 == 0)
				add_qcookie(f, i, full, 24);
			else if (i % 3 == 1)
				add_qcookie(f, i, cc, 8);
			else
				add_qcookie(f, i, bad, 24);
			set_client(f, i, client);
		}
		uint64_t valid = f->w->st->cookies_valid;
		dp_process_burst(f->w, f->pkts, 12);
		if (bolt_now() != t0)
			continue;
		vouched_ok = plain_ok = bad_ok = bad_cookie = 0;
		for (unsigned i = 0; i < 12; i++) {
			if (f->pkts[i].verdict != DP_TX)
				continue;
			assert_int_equal(BOLT_RCODE(get16(f->pkts[i].dns + 2)), BOLT_RCODE_NOERROR);
			*(i % 3 == 0 ? &vouched_ok : i % 3 == 1 ? &plain_ok : &bad_ok) += 1;
			c = resp_cookie(f, i);
			assert_non_null(c);
			if (i % 3 == 2 && bolt_cookie_valid(cc, c + 8, 16, client, 4, bolt_now(), cur,
			                                    NULL))
				bad_cookie++;
		}
		assert_int_equal(f->w->st->cookies_valid, valid + 4);
		break;
	}
	assert_int_equal(vouched_ok, 4);
	assert_int_equal(plain_ok + bad_ok, 1);
	assert_int_equal(bad_cookie, bad_ok);
	dp_worker_fini(f->w);
	dp_worker_set_policy(f->w, NULL);

	/* A malformed COOKIE (9 bytes): FORMERR. */
	mk_query(f, 0, 7, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, full, 9);
	set_client(f, 0, client);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	expect_rcode(f, 0, 7, BOLT_RCODE_FORMERR);

	/* After a rollover the cookie made with the old secret is still
	 * accepted (previous secret), after a second one it is not. */
	uint64_t seq = bolt_cookie_seq(f->r->hdr);
	assert_int_equal(bolt_cookie_rotate(f->r->hdr, bolt_now() + BOLT_COOKIE_ROTATE_S,
	                                    BOLT_COOKIE_ROTATE_S), 1);
	assert_true(bolt_cookie_seq(f->r->hdr) != seq);
	uint64_t valid = f->w->st->cookies_valid;
	mk_query(f, 0, 8, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, full, 24);
	set_client(f, 0, client);
	dp_process_burst(f->w, f->pkts, 1);
	assert_int_equal(f->w->st->cookies_valid, valid + 1);
	/* The fresh cookie is made with the new secret. */
	uint8_t ncur[16], nprev[16];
	bolt_cookie_secrets(f->r->hdr, ncur, nprev);
	assert_memory_equal(nprev, cur, 16);
	c = resp_cookie(f, 0);
	assert_non_null(c);
	assert_true(bolt_cookie_valid(cc, c + 8, 16, client, 4, bolt_now(), ncur, NULL));
	assert_int_equal(bolt_cookie_rotate(f->r->hdr, bolt_now() + 2 * BOLT_COOKIE_ROTATE_S,
	                                    BOLT_COOKIE_ROTATE_S), 1);
	mk_query(f, 0, 9, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, full, 24);
	set_client(f, 0, client);
	dp_process_burst(f->w, f->pkts, 1);
	assert_int_equal(f->w->st->cookies_valid, valid + 1);

	/* [dataplane] cookies = no: the option is ignored (no cookie back). */
	bolt_config_defaults(cfg);
	cfg->dp_cookies = false;
	dp_policy_from_config(&pol, cfg);
	assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
	mk_query(f, 0, 10, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, cc, 8);
	set_client(f, 0, client);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	expect_rcode(f, 0, 10, BOLT_RCODE_NOERROR);
	assert_null(resp_cookie(f, 0));
	dp_worker_fini(f->w);
	dp_worker_set_policy(f->w, NULL);

	for (unsigned i = 0; i < 12; i++)
		f->pkts[i].client = NULL;
	free(cfg);
}

/* Drain the miss ring of worker 3; returns the number of messages taken. */
static unsigned drain(struct fixture *f)
{
	struct bolt_ring *ring = bolt_region_miss_ring(f->r, 3);
	unsigned n = 0;
	while (bolt_ring_peek(ring)) {
		bolt_ring_release(ring);
		n++;
	}
	return n;
}

/* A miss with a client cookie: the control plane's answer leaves with a
 * server cookie for that client (once), other answers as they are. */
static void test_cookie_miss_answer(void **state)
{
	struct fixture *f = *state;
	static const uint8_t client[4] = { 198, 18, 45, 6 };
	static const uint8_t cc[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t cur[16], prev[16], qname[BOLT_NAME_MAX];
	assert_true(bolt_cookie_secrets(f->r->hdr, cur, prev) != 0);
	drain(f);
	mk_query(f, 0, 0x4242, "ckmiss.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, cc, 8);
	set_client(f, 0, client);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 0);
	assert_int_equal(f->pkts[0].verdict, DP_MISS);
	static struct bolt_answer_msg a;
	memset(&a, 0, sizeof(a));
	a.client.family = AF_INET;
	a.client.client_port = htobe16(40001);
	memcpy(a.client.client_addr, client, 4);
	assert_int_equal(dp_miss_push(f->w, 0, &f->pkts[0], &a.client), 0);
	assert_int_equal(drain(f), 1);

	/* The control plane's answer (SERVFAIL with OPT, as it would build it). */
	int ql = bolt_name_from_text("ckmiss.example.", qname);
	int len = bolt_build_error(a.payload, sizeof(a.payload), 0x4242, BOLT_FLAG_RD, NULL, 0,
	                           BOLT_RCODE_SERVFAIL, true);
	assert_true(len > 0 && ql > 0);
	a.len = (uint16_t)len;
	static uint8_t out[BOLT_ANSWER_PAYLOAD_MAX + 64];
	/* Another port, another ID: not that query's answer. */
	a.client.client_port = htobe16(40002);
	assert_int_equal(dp_answer_cookie(f->w, &a, out, sizeof(out)), 0);
	a.client.client_port = htobe16(40001);
	a.payload[1] ^= 1;
	assert_int_equal(dp_answer_cookie(f->w, &a, out, sizeof(out)), 0);
	a.payload[1] ^= 1;
	size_t n = dp_answer_cookie(f->w, &a, out, sizeof(out));
	assert_int_equal(n, (size_t)len + 28);
	assert_memory_equal(out, a.payload, 10);
	assert_int_equal(get16(out + n - 28), BOLT_OPT_COOKIE);
	assert_int_equal(get16(out + n - 26), 24);
	assert_memory_equal(out + n - 24, cc, 8);
	assert_true(bolt_cookie_valid(cc, out + n - 16, 16, client, 4, bolt_now(), cur, NULL));
	/* The OPT's RDATA grew by the option. */
	assert_int_equal(get16(out + len - 2), 28);
	/* Once per miss. */
	assert_int_equal(dp_answer_cookie(f->w, &a, out, sizeof(out)), 0);
	f->pkts[0].client = NULL;
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
		cmocka_unit_test(test_acl),
		cmocka_unit_test(test_cached_servfail_ede),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_ratelimit_shared),
		cmocka_unit_test(test_ratelimit_threads),
		cmocka_unit_test(test_ratelimit_collision),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_cookie_miss_answer),
		cmocka_unit_test(test_prefetch_hint),
		cmocka_unit_test(test_worker_routing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
