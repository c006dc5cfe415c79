/*
 * lib/answer: a response turned into a cache value and back into a response
 * for another client: TTLs aged, stale TTL, static entries, the client's
 * question case kept, RD/CD echoed, OPT added, TC when it does not fit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/wire_ctx.h"

#define CACHE_SIZE (16u << 20)

struct fx {
	void *mem;
	struct bolt_cache *c;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->mem = aligned_alloc(4096, CACHE_SIZE);
	memset(f->mem, 0, CACHE_SIZE);
	int err = 0;
	f->c = bolt_cache_format(f->mem, CACHE_SIZE, 1, &err);
	if (f->c == NULL)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	free(f->mem);
	free(f);
	return 0;
}

/* A resolver's answer for www.example.com A: two A records (TTL 300 and
 * 100), an NS in authority (TTL 3600). Returns the length. */
static int build_answer(uint8_t *buf, size_t cap, const char *qtext, struct bolt_build *b)
{
	uint8_t qn[BOLT_NAME_MAX], owner[BOLT_NAME_MAX], ns[BOLT_NAME_MAX];
	int ql = bolt_name_from_text(qtext, qn);
	assert_true(ql > 0);
	bolt_name_from_text("www.example.com", owner);
	int nsl = bolt_name_from_text("ns1.example.com", ns);
	assert_int_equal(bolt_build_init(b, buf, cap, 0x1111, BOLT_FLAG_QR | BOLT_FLAG_RA), 0);
	assert_int_equal(bolt_build_question(b, qn, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	assert_int_equal(bolt_build_rr(b, BOLT_SEC_ANSWER, owner, BOLT_TYPE_A, 1, 300,
	                               (const uint8_t *)"\xc6\x12\x00\x01", 4), 0);
	assert_int_equal(bolt_build_rr(b, BOLT_SEC_ANSWER, owner, BOLT_TYPE_A, 1, 100,
	                               (const uint8_t *)"\xc6\x12\x00\x02", 4), 0);
	bolt_name_from_text("example.com", owner);
	assert_int_equal(bolt_build_rr(b, BOLT_SEC_AUTHORITY, owner, BOLT_TYPE_NS, 1, 3600,
	                               ns, (uint16_t)nsl), 0);
	int len = bolt_build_finish(b);
	assert_true(len > 0);
	return len;
}

/* A client query for qtext, optionally with EDNS; returns the length. */
static int build_query(uint8_t *buf, size_t cap, const char *qtext, uint16_t flags,
                       bool edns, bool do_bit, uint16_t udp)
{
	struct bolt_build b;
	uint8_t qn[BOLT_NAME_MAX];
	int ql = bolt_name_from_text(qtext, qn);
	assert_int_equal(bolt_build_init(&b, buf, cap, 0xbeef, flags), 0);
	assert_int_equal(bolt_build_question(&b, qn, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	if (edns)
		assert_int_equal(bolt_build_opt(&b, udp, 0, do_bit), 0);
	return bolt_build_finish(&b);
}

struct looked {
	struct bolt_cache_out out;
	uint16_t ttl[64];
	uint8_t sec[4096];
};

static int lookup(struct fx *f, const struct bolt_query *q, uint32_t now, struct looked *l)
{
	struct bolt_cache_key k;
	memcpy(k.name, q->qname_lc, q->qname_len);
	k.name_len = (uint8_t)q->qname_len;
	k.qtype = q->qtype;
	k.qclass = q->qclass;
	k.do_bit = q->do_bit;
	bolt_cache_key_hash(&k);
	l->out.ttl_off = l->ttl;
	l->out.ttl_cap = 64;
	l->out.sections = l->sec;
	l->out.cap = sizeof(l->sec);
	return bolt_cache_lookup(f->c, &k, now, &l->out);
}

static void test_to_cache_offsets(void **state)
{
	(void)state;
	uint8_t msg[512];
	struct bolt_build b;
	int len = build_answer(msg, sizeof(msg), "www.example.com", &b);
	struct bolt_cache_val v;
	uint16_t rel[8];
	const uint8_t *sec;
	assert_int_equal(bolt_answer_to_cache(msg, (size_t)len, b.ttl_off, b.nttl, 1000, 100,
	                                      BOLT_CACHE_POSITIVE, &v, rel, &sec), 0);
	assert_int_equal(v.qsize, 17 + 4);
	assert_ptr_equal(sec, msg + 12 + 21);
	assert_int_equal(v.len, (uint32_t)len - 33);
	assert_int_equal(v.ancount, 2);
	assert_int_equal(v.nscount, 1);
	assert_int_equal(v.arcount, 0);
	assert_int_equal(v.nttl, 3);
	assert_int_equal(v.expires, 1100);
	assert_int_equal(bolt_wire_get_u32(sec + rel[0]), 300);
	assert_int_equal(bolt_wire_get_u32(sec + rel[1]), 100);
	assert_int_equal(bolt_wire_get_u32(sec + rel[2]), 3600);

	/* A TTL offset inside the question or past the end is refused. */
	uint16_t bad = 14;
	assert_int_equal(bolt_answer_to_cache(msg, (size_t)len, &bad, 1, 1000, 100,
	                                      BOLT_CACHE_POSITIVE, &v, rel, &sec), BOLT_EMALF);
	bad = (uint16_t)(len - 2);
	assert_int_equal(bolt_answer_to_cache(msg, (size_t)len, &bad, 1, 1000, 100,
	                                      BOLT_CACHE_POSITIVE, &v, rel, &sec), BOLT_EMALF);
	/* No question, or a truncated one. */
	assert_int_equal(bolt_answer_to_cache(msg, 11, NULL, 0, 0, 1, 0, &v, rel, &sec) < 0, 1);
	assert_int_equal(bolt_answer_to_cache(msg, 20, NULL, 0, 0, 1, 0, &v, rel, &sec) < 0, 1);
}

static void test_roundtrip_aged(void **state)
{
	struct fx *f = *state;
	uint8_t msg[512], qbuf[512], resp[512];
	struct bolt_build b;
	int len = build_answer(msg, sizeof(msg), "www.example.com", &b);
	assert_int_equal(bolt_answer_insert(f->c, msg, (size_t)len, b.ttl_off, b.nttl, false,
	                                    1000, 100, BOLT_CACHE_POSITIVE), 0);

	/* Another client, other case, RD and CD set, no EDNS, 40 s later. */
	int ql = build_query(qbuf, sizeof(qbuf), "WwW.ExAmPlE.cOm",
	                     BOLT_FLAG_RD | BOLT_FLAG_CD, false, false, 0);
	struct bolt_query q;
	assert_int_equal(bolt_query_parse(qbuf, (size_t)ql, &q), 0);
	struct looked l;
	assert_int_equal(lookup(f, &q, 1040, &l), 0);
	memcpy(resp, qbuf, (size_t)ql);
	int rl = bolt_answer_from_cache(resp, sizeof(resp), bolt_udp_limit(&q, 1232), &q, &l.out,
	                                1040, false, 1232);
	assert_int_equal(rl, len);

	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_true(m.flags & BOLT_FLAG_QR);
	assert_true(m.flags & BOLT_FLAG_RD);
	assert_true(m.flags & BOLT_FLAG_CD);
	assert_true(m.flags & BOLT_FLAG_RA);
	assert_false(m.flags & BOLT_FLAG_TC);
	assert_false(m.has_edns);
	assert_int_equal(m.rrcount, 3);
	assert_int_equal(rrs[0].ttl, 260);
	assert_int_equal(rrs[1].ttl, 60);
	assert_int_equal(rrs[2].ttl, 3560);
	/* The question, and owners compressed against it, keep the client's case. */
	assert_memory_equal(resp + 12, qbuf + 12, q.question_len);
	assert_memory_equal(rrs[0].owner, qbuf + 12, q.qname_len);

	/* Past the entry's expiry the lookup says expired; serve-stale gives 30. */
	assert_int_equal(lookup(f, &q, 1200, &l), BOLT_EEXPIRED);
	memcpy(resp, qbuf, (size_t)ql);
	rl = bolt_answer_from_cache(resp, sizeof(resp), 512, &q, &l.out, 1200, true, 1232);
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(rrs[i].ttl, BOLT_STALE_TTL);
	/* Aged without stale: TTLs bottom out at 0, never wrap. */
	memcpy(resp, qbuf, (size_t)ql);
	rl = bolt_answer_from_cache(resp, sizeof(resp), 512, &q, &l.out, 1200, false, 1232);
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(rrs[1].ttl, 0);
	assert_int_equal(rrs[0].ttl, 100);
}

static void test_edns_and_tc(void **state)
{
	struct fx *f = *state;
	uint8_t msg[512], qbuf[512], resp[512];
	struct bolt_build b;
	int len = build_answer(msg, sizeof(msg), "www.example.com", &b);
	assert_int_equal(bolt_answer_insert(f->c, msg, (size_t)len, b.ttl_off, b.nttl, true,
	                                    1000, 100, BOLT_CACHE_POSITIVE), 0);
	int ql = build_query(qbuf, sizeof(qbuf), "www.example.com", BOLT_FLAG_RD, true, true, 4096);
	struct bolt_query q;
	assert_int_equal(bolt_query_parse(qbuf, (size_t)ql, &q), 0);
	struct looked l;
	assert_int_equal(lookup(f, &q, 1000, &l), 0);

	memcpy(resp, qbuf, (size_t)ql);
	int rl = bolt_answer_from_cache(resp, sizeof(resp), bolt_udp_limit(&q, 1232), &q, &l.out,
	                                1000, false, 1232);
	assert_int_equal(rl, len + 11);
	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_true(m.has_edns);
	assert_true(m.do_bit);
	assert_int_equal(m.edns_udp_size, 1232);
	assert_int_equal(m.arcount, 1);

	/* A limit too small for the sections: header + question + OPT, TC=1. */
	memcpy(resp, qbuf, (size_t)ql);
	rl = bolt_answer_from_cache(resp, sizeof(resp), 60, &q, &l.out, 1000, false, 1232);
	assert_int_equal(rl, 12 + q.question_len + 11);
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_true(m.flags & BOLT_FLAG_TC);
	assert_int_equal(m.ancount + m.nscount, 0);
	assert_true(m.has_edns);
	/* Not even the question fits: an error, nothing written past the limit. */
	assert_int_equal(bolt_answer_from_cache(resp, sizeof(resp), 30, &q, &l.out, 1000, false,
	                                        1232), BOLT_ESPACE);
}

static void test_static_and_mismatch(void **state)
{
	struct fx *f = *state;
	uint8_t msg[512], qbuf[512], resp[512];
	struct bolt_build b;
	int len = build_answer(msg, sizeof(msg), "www.example.com", &b);
	assert_int_equal(bolt_answer_insert(f->c, msg, (size_t)len, b.ttl_off, b.nttl, false,
	                                    1000, BOLT_CACHE_EXPIRES_NEVER, BOLT_CACHE_STATIC), 0);
	int ql = build_query(qbuf, sizeof(qbuf), "www.example.com", 0, false, false, 0);
	struct bolt_query q;
	assert_int_equal(bolt_query_parse(qbuf, (size_t)ql, &q), 0);
	struct looked l;
	/* Years later a static entry still hits with its TTLs untouched. */
	assert_int_equal(lookup(f, &q, 1000 + 100000000u, &l), 0);
	assert_int_equal(l.out.val.expires, BOLT_CACHE_EXPIRES_NEVER);
	memcpy(resp, qbuf, (size_t)ql);
	int rl = bolt_answer_from_cache(resp, sizeof(resp), 512, &q, &l.out, 1000 + 100000000u,
	                                false, 1232);
	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(rrs[0].ttl, 300);

	/* A value whose question size differs from the query's is refused. */
	l.out.val.qsize++;
	assert_int_equal(bolt_answer_from_cache(resp, sizeof(resp), 512, &q, &l.out, 1000, false,
	                                        1232), BOLT_EMALF);
	l.out.val.qsize--;
	/* A TTL offset outside the sections is refused, not followed. */
	l.out.ttl_off[0] = (uint16_t)l.out.val.len;
	memcpy(resp, qbuf, (size_t)ql);
	l.out.val.kind = BOLT_CACHE_POSITIVE;
	assert_int_equal(bolt_answer_from_cache(resp, sizeof(resp), 512, &q, &l.out, 1000, false,
	                                        1232), BOLT_EMALF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_cache_offsets),
		cmocka_unit_test_setup_teardown(test_roundtrip_aged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edns_and_tc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_static_and_mismatch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
