/*
 * lib/answer: a response turned into a cache value and back into a response
 * for another client: TTLs aged, stale TTL, static entries, the client's
 * question case kept, RD/CD echoed, OPT added, TC when it does not fit;
 * Extended DNS Errors carried by the entry or added for stale answers, only
 * inside an OPT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/wire_ctx.h"
#include "ut_cache.h"

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

static int lookup(struct ut_cache *f, const struct bolt_query *q, uint32_t now, struct looked *l)
{
	struct bolt_cache_key k;
	memcpy(k.name, q->qname_lc, q->qname_len);
	k.name_len = (uint8_t)q->qname_len;
	k.qtype = q->qtype;
	k.qclass = q->qclass;
	k.do_bit = q->do_bit;
	bolt_cache_key_hash(f->c, &k);
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
	struct ut_cache *f = *state;
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
	struct ut_cache *f = *state;
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

/* Response policy markers: a DROP entry is never rendered (BOLT_EDROP), a
 * TCP-only entry is TC=1 over UDP and a miss (BOLT_ENOENT) for a stream
 * transport, which must resolve the question. */
static void test_policy_markers(void **state)
{
	struct ut_cache *f = *state;
	uint8_t msg[512], qbuf[512], resp[512];
	struct bolt_build b;
	uint8_t qn[BOLT_NAME_MAX];
	int nl = bolt_name_from_text("www.example.com", qn);
	int ql = build_query(qbuf, sizeof(qbuf), "www.example.com", BOLT_FLAG_RD, true, false, 4096);
	struct bolt_query q;
	assert_int_equal(bolt_query_parse(qbuf, (size_t)ql, &q), 0);
	static const uint8_t kinds[] = { BOLT_CACHE_DROP, BOLT_CACHE_TCP_ONLY };
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RA), 0);
		assert_int_equal(bolt_build_question(&b, qn, (size_t)nl, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
		int len = bolt_build_finish(&b);
		assert_int_equal(bolt_answer_insert(f->c, msg, (size_t)len, b.ttl_off, b.nttl, false,
		                                    1000, 60, kinds[i]), 0);
		struct looked l;
		assert_int_equal(lookup(f, &q, 1000, &l), 0);
		assert_int_equal(l.out.val.kind, kinds[i]);
		memcpy(resp, qbuf, (size_t)ql);
		int rl = bolt_answer_from_cache(resp, sizeof(resp), bolt_udp_limit(&q, 1232), &q,
		                                &l.out, 1000, false, 1232);
		if (kinds[i] == BOLT_CACHE_DROP) {
			assert_int_equal(rl, BOLT_EDROP);
			/* nothing written: the query is still there */
			assert_memory_equal(resp, qbuf, (size_t)ql);
		} else {
			assert_int_equal(rl, 12 + q.question_len + 11);
			assert_true(bolt_wire_get_u16(resp + 2) & BOLT_FLAG_TC);
			assert_int_equal(bolt_wire_get_u16(resp + 6), 0);
		}
		memcpy(resp, qbuf, (size_t)ql);
		rl = bolt_answer_from_cache(resp, sizeof(resp), BOLT_MSG_MAX, &q, &l.out, 1000, false,
		                            1232);
		assert_int_equal(rl, kinds[i] == BOLT_CACHE_DROP ? BOLT_EDROP : BOLT_ENOENT);
	}
}

static void test_static_and_mismatch(void **state)
{
	struct ut_cache *f = *state;
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

/* The EDE option of a response whose OPT is its last record: code and text
 * (NUL-terminated into text), or -1 when there is no OPT or no EDE. */
static int ede_of(const uint8_t *resp, size_t len, char *text, size_t tcap)
{
	for (size_t p = BOLT_HDR_LEN; p + 11 <= len; p++) {
		if (resp[p] != 0 || bolt_wire_get_u16(resp + p + 1) != BOLT_TYPE_OPT)
			continue;
		size_t rdlen = bolt_wire_get_u16(resp + p + 9);
		if (p + 11 + rdlen != len)
			continue;
		const uint8_t *o = resp + p + 11;
		if (rdlen < 6 || bolt_wire_get_u16(o) != BOLT_OPT_EDE ||
		    bolt_wire_get_u16(o + 2) + 4u != rdlen)
			return -1;
		size_t tl = rdlen - 6 < tcap - 1 ? rdlen - 6 : tcap - 1;
		memcpy(text, o + 6, tl);
		text[tl] = '\0';
		return bolt_wire_get_u16(o + 4);
	}
	return -1;
}

/* A SERVFAIL for www.example.com A (question only) followed by an EDE
 * option, as the control plane caches it. Returns the length, *ede_len the
 * option's size. */
static int build_servfail(uint8_t *buf, size_t cap, struct bolt_build *b, uint8_t *ede_len)
{
	uint8_t qn[BOLT_NAME_MAX];
	int ql = bolt_name_from_text("www.example.com", qn);
	assert_int_equal(bolt_build_init(b, buf, cap, 0, BOLT_FLAG_QR | BOLT_FLAG_RA |
	                                 BOLT_RCODE_SERVFAIL), 0);
	assert_int_equal(bolt_build_question(b, qn, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	int len = bolt_build_finish(b);
	int n = bolt_answer_put_ede(buf + len, cap - (size_t)len,
	                            BOLT_EDE_NO_REACHABLE_AUTHORITY, "no server answered");
	assert_int_equal(n, 6 + 18);
	*ede_len = (uint8_t)n;
	return len + n;
}

static void test_ede_cached_servfail(void **state)
{
	struct ut_cache *f = *state;
	uint8_t msg[512], qbuf[512], resp[512];
	struct bolt_build b;
	uint8_t el;
	int len = build_servfail(msg, sizeof(msg), &b, &el);
	assert_int_equal(bolt_answer_insert_ede(f->c, msg, (size_t)len, b.ttl_off, b.nttl, false,
	                                        1000, 5, BOLT_CACHE_SERVFAIL, el), 0);
	char text[128];

	/* A client with EDNS gets the option inside its OPT. */
	int ql = build_query(qbuf, sizeof(qbuf), "www.example.com", BOLT_FLAG_RD, true, false, 1232);
	struct bolt_query q;
	assert_int_equal(bolt_query_parse(qbuf, (size_t)ql, &q), 0);
	struct looked l;
	assert_int_equal(lookup(f, &q, 1001, &l), 0);
	assert_int_equal(l.out.val.ede_len, el);
	memcpy(resp, qbuf, (size_t)ql);
	int rl = bolt_answer_from_cache(resp, sizeof(resp), 1232, &q, &l.out, 1001, false, 1232);
	assert_int_equal(rl, 12 + q.question_len + 11 + el);
	assert_int_equal(ede_of(resp, (size_t)rl, text, sizeof(text)),
	                 BOLT_EDE_NO_REACHABLE_AUTHORITY);
	assert_string_equal(text, "no server answered");
	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_SERVFAIL);
	assert_int_equal(m.rrcount, 0);
	assert_true(m.has_edns);

	/* The dataplane's way: the lookup copies the sections behind the
	 * question of the very buffer the response is built in. */
	memcpy(resp, qbuf, (size_t)ql);
	l.out.sections = resp + 12 + q.question_len;
	l.out.cap = (uint32_t)(sizeof(resp) - 12 - q.question_len);
	assert_int_equal(lookup(f, &q, 1001, &l), 0);
	rl = bolt_answer_from_cache(resp, sizeof(resp), 1232, &q, &l.out, 1001, false, 1232);
	assert_int_equal(ede_of(resp, (size_t)rl, text, sizeof(text)),
	                 BOLT_EDE_NO_REACHABLE_AUTHORITY);
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);

	/* Without EDNS: no OPT, so no EDE, and not a byte of the option. */
	ql = build_query(qbuf, sizeof(qbuf), "www.example.com", BOLT_FLAG_RD, false, false, 0);
	assert_int_equal(bolt_query_parse(qbuf, (size_t)ql, &q), 0);
	assert_int_equal(lookup(f, &q, 1001, &l), 0);
	memcpy(resp, qbuf, (size_t)ql);
	rl = bolt_answer_from_cache(resp, sizeof(resp), 512, &q, &l.out, 1001, false, 1232);
	assert_int_equal(rl, 12 + q.question_len);
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_false(m.has_edns);
	assert_int_equal(m.arcount, 0);

	/* A bad option length is refused at caching time. */
	struct bolt_cache_val v;
	uint16_t rel[4];
	const uint8_t *sec;
	assert_int_equal(bolt_answer_to_cache_ede(msg, (size_t)len, NULL, 0, 1000, 5,
	                                          BOLT_CACHE_SERVFAIL, (uint8_t)(el - 1), &v, rel,
	                                          &sec), BOLT_EMALF);
	assert_int_equal(bolt_answer_to_cache_ede(msg, (size_t)len, NULL, 0, 1000, 5,
	                                          BOLT_CACHE_SERVFAIL, 3, &v, rel, &sec),
	                 BOLT_EMALF);
	/* A stored ede_len larger than the sections is refused at rendering. */
	assert_int_equal(lookup(f, &q, 1001, &l), 0);
	l.out.val.ede_len = (uint8_t)(l.out.val.len + 1);
	assert_int_equal(bolt_answer_from_cache(resp, sizeof(resp), 512, &q, &l.out, 1001, false,
	                                        1232), BOLT_EMALF);
}

static void test_ede_tc(void **state)
{
	struct ut_cache *f = *state;
	uint8_t msg[512], qbuf[512], resp[512];
	struct bolt_build b;
	int len = build_answer(msg, sizeof(msg), "www.example.com", &b);
	/* A positive answer carrying an EDE (as a stale-refreshed one could). */
	int n = bolt_answer_put_ede(msg + len, sizeof(msg) - (size_t)len, BOLT_EDE_OTHER, "x");
	assert_int_equal(n, 7);
	assert_int_equal(bolt_answer_insert_ede(f->c, msg, (size_t)(len + n), b.ttl_off, b.nttl,
	                                        false, 1000, 100, BOLT_CACHE_POSITIVE, (uint8_t)n),
	                 0);
	int ql = build_query(qbuf, sizeof(qbuf), "www.example.com", 0, true, false, 512);
	struct bolt_query q;
	assert_int_equal(bolt_query_parse(qbuf, (size_t)ql, &q), 0);
	struct looked l;
	char text[32];
	assert_int_equal(lookup(f, &q, 1000, &l), 0);
	/* Fits: the records, then OPT with the option. */
	memcpy(resp, qbuf, (size_t)ql);
	int rl = bolt_answer_from_cache(resp, sizeof(resp), 512, &q, &l.out, 1000, false, 1232);
	assert_int_equal(rl, len + 11 + n);
	assert_int_equal(ede_of(resp, (size_t)rl, text, sizeof(text)), BOLT_EDE_OTHER);
	assert_string_equal(text, "x");
	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.rrcount, 3);
	/* The records do not fit: TC, and the EDE still rides in the OPT. */
	memcpy(resp, qbuf, (size_t)ql);
	rl = bolt_answer_from_cache(resp, sizeof(resp), 70, &q, &l.out, 1000, false, 1232);
	assert_int_equal(rl, 12 + q.question_len + 11 + n);
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_true(m.flags & BOLT_FLAG_TC);
	assert_int_equal(ede_of(resp, (size_t)rl, text, sizeof(text)), BOLT_EDE_OTHER);
	/* Room for the OPT but not the option: TC, OPT without it. */
	memcpy(resp, qbuf, (size_t)ql);
	rl = bolt_answer_from_cache(resp, sizeof(resp), 12 + q.question_len + 11 + 2, &q, &l.out,
	                            1000, false, 1232);
	assert_int_equal(rl, 12 + q.question_len + 11);
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_true(m.has_edns);
}

static void test_ede_stale(void **state)
{
	struct ut_cache *f = *state;
	uint8_t msg[512], qbuf[512], resp[512];
	struct bolt_build b;
	int len = build_answer(msg, sizeof(msg), "www.example.com", &b);
	assert_int_equal(bolt_answer_insert(f->c, msg, (size_t)len, b.ttl_off, b.nttl, false,
	                                    1000, 100, BOLT_CACHE_POSITIVE), 0);
	int ql = build_query(qbuf, sizeof(qbuf), "www.example.com", BOLT_FLAG_RD, true, false, 1232);
	struct bolt_query q;
	assert_int_equal(bolt_query_parse(qbuf, (size_t)ql, &q), 0);
	struct looked l;
	char text[32];
	assert_int_equal(lookup(f, &q, 2000, &l), BOLT_EEXPIRED);
	memcpy(resp, qbuf, (size_t)ql);
	int rl = bolt_answer_from_cache(resp, sizeof(resp), 1232, &q, &l.out, 2000, true, 1232);
	assert_int_equal(rl, len + 11 + 6);
	assert_int_equal(ede_of(resp, (size_t)rl, text, sizeof(text)), BOLT_EDE_STALE_ANSWER);
	struct bolt_msg m;
	struct bolt_rr rrs[8];
	uint8_t scratch[1024];
	assert_int_equal(bolt_msg_parse(resp, (size_t)rl, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(rrs[0].ttl, BOLT_STALE_TTL);
	/* Fresh: no EDE at all. */
	memcpy(resp, qbuf, (size_t)ql);
	rl = bolt_answer_from_cache(resp, sizeof(resp), 1232, &q, &l.out, 2000, false, 1232);
	assert_int_equal(ede_of(resp, (size_t)rl, text, sizeof(text)), -1);

	/* A stale NXDOMAIN says 19, replacing any EDE the entry had. */
	uint8_t qn[BOLT_NAME_MAX];
	int qnl = bolt_name_from_text("nx.example.com", qn);
	bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_RCODE_NXDOMAIN);
	bolt_build_question(&b, qn, (size_t)qnl, BOLT_TYPE_A, BOLT_CLASS_IN);
	len = bolt_build_finish(&b);
	int n = bolt_answer_put_ede(msg + len, sizeof(msg) - (size_t)len, BOLT_EDE_OTHER, "old");
	assert_int_equal(bolt_answer_insert_ede(f->c, msg, (size_t)(len + n), b.ttl_off, b.nttl,
	                                        false, 1000, 100, BOLT_CACHE_NXDOMAIN, (uint8_t)n),
	                 0);
	ql = build_query(qbuf, sizeof(qbuf), "nx.example.com", BOLT_FLAG_RD, true, false, 1232);
	assert_int_equal(bolt_query_parse(qbuf, (size_t)ql, &q), 0);
	assert_int_equal(lookup(f, &q, 2000, &l), BOLT_EEXPIRED);
	memcpy(resp, qbuf, (size_t)ql);
	rl = bolt_answer_from_cache(resp, sizeof(resp), 1232, &q, &l.out, 2000, true, 1232);
	assert_int_equal(ede_of(resp, (size_t)rl, text, sizeof(text)), BOLT_EDE_STALE_NXDOMAIN);
	assert_string_equal(text, "");
	assert_int_equal(rl, 12 + q.question_len + 11 + 6);
}

static void test_ede_error(void **state)
{
	(void)state;
	uint8_t buf[512], q[64];
	int ql = bolt_name_from_text("axfr.example", q);
	q[ql] = 0;
	q[ql + 1] = BOLT_TYPE_AXFR;
	q[ql + 2] = 0;
	q[ql + 3] = BOLT_CLASS_IN;
	char text[32];
	int len = bolt_answer_error(buf, sizeof(buf), 7, BOLT_FLAG_RD, q, (size_t)ql + 4,
	                            BOLT_RCODE_REFUSED, true, BOLT_EDE_NOT_SUPPORTED, "zone transfer");
	assert_true(len > 0);
	assert_int_equal(ede_of(buf, (size_t)len, text, sizeof(text)), BOLT_EDE_NOT_SUPPORTED);
	assert_string_equal(text, "zone transfer");
	struct bolt_msg m;
	struct bolt_rr rrs[4];
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 4, NULL, 0), 0);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_REFUSED);
	assert_true(m.has_edns);
	assert_int_equal(m.qtype, BOLT_TYPE_AXFR);
	/* Without EDNS, or with no code: the plain error. */
	int plain = bolt_build_error(buf, sizeof(buf), 7, 0, q, (size_t)ql + 4,
	                             BOLT_RCODE_REFUSED, false);
	assert_int_equal(bolt_answer_error(buf, sizeof(buf), 7, 0, q, (size_t)ql + 4,
	                                   BOLT_RCODE_REFUSED, false, BOLT_EDE_NOT_SUPPORTED, NULL),
	                 plain);
	assert_int_equal(bolt_answer_error(buf, sizeof(buf), 7, 0, q, (size_t)ql + 4,
	                                   BOLT_RCODE_REFUSED, true, BOLT_EDE_NONE, NULL),
	                 plain + 11);
	/* Text is cut at BOLT_EDE_TEXT_MAX; no room is an error, not an overflow. */
	char longtext[200];
	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	assert_int_equal(bolt_answer_put_ede(buf, sizeof(buf), 1, longtext),
	                 6 + BOLT_EDE_TEXT_MAX);
	assert_int_equal(bolt_answer_put_ede(buf, 5, 1, NULL), BOLT_ESPACE);
	assert_int_equal(bolt_answer_put_ede(buf, 0, BOLT_EDE_NONE, NULL), 0);
	/* An error that does not fit the EDE still goes out, without it. */
	len = bolt_answer_error(buf, (size_t)ql + 4 + 12 + 11 + 2, 7, 0, q, (size_t)ql + 4,
	                        BOLT_RCODE_REFUSED, true, BOLT_EDE_NOT_SUPPORTED, NULL);
	assert_int_equal(len, ql + 4 + 12 + 11);
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 4, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_cache_offsets),
		cmocka_unit_test_setup_teardown(test_roundtrip_aged, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_edns_and_tc, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_static_and_mismatch, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_policy_markers, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_ede_cached_servfail, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_ede_tc, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test_setup_teardown(test_ede_stale, ut_cache_setup, ut_cache_teardown),
		cmocka_unit_test(test_ede_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
