/*
 * Published NSEC ranges (lib/cache/negrange.c, boltdns/negrange.h):
 * canonical name order (RFC 4034 6.1's own example), what a range proves
 * (strictly inside, the wrap to the apex, never a name that shares a label
 * below the apex with owner or next, never the apex or another zone), the
 * answer's wire (SOA alone for DO=0, the whole proof for DO=1, TTLs counted
 * down since publication, NXDOMAIN, AD as the cache sets it) through
 * bolt_answer_from_cache, expiry, refresh in place, flush, and two writer
 * threads (two resolver workers) against a reader (no torn answer; run
 * under TSan in CI).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/answer.h"
#include "boltdns/negrange.h"
#include "boltdns/wire.h"

static const uint8_t *N(const char *text)
{
	static _Thread_local uint8_t names[16][BOLT_NAME_MAX];
	static _Thread_local unsigned next;
	uint8_t *n = names[next++ % 16];
	assert_true(bolt_name_from_text(text, n) > 0);
	return n;
}

static struct bolt_negrange_table *table(void)
{
	struct bolt_negrange_table *t = aligned_alloc(BOLT_CACHE_LINE, sizeof(*t));
	assert_non_null(t);
	memset(t, 0, sizeof(*t));
	return t;
}

static void test_canonical_order(void **state)
{
	(void)state;
	/* RFC 4034 6.1, in order */
	static const char *const order[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	for (unsigned i = 0; i < BOLT_ARRAY_SIZE(order); i++)
		for (unsigned j = 0; j < BOLT_ARRAY_SIZE(order); j++) {
			int c = bolt_negrange_name_cmp(N(order[i]), N(order[j]));
			int want = i < j ? -1 : i > j ? 1 : 0;
			if ((c > 0) - (c < 0) != want)
				fail_msg("%s vs %s: %d, want %d", order[i], order[j], c, want);
		}
	assert_int_equal(bolt_negrange_name_cmp(N("A.Example."), N("a.example.")), 0);
	assert_true(bolt_negrange_name_cmp(N("."), N("example.")) < 0);
}

static void test_covers(void **state)
{
	(void)state;
	const uint8_t *z = N("bulk.boltnet.");
	/* apex -> h0001: every label before "h0001" */
	assert_true(bolt_negrange_covers(z, N("bulk.boltnet."), N("h0001.bulk.boltnet."),
	                                 N("abc-1.bulk.boltnet.")));
	assert_true(bolt_negrange_covers(z, N("bulk.boltnet."), N("h0001.bulk.boltnet."),
	                                 N("H0000.BULK.boltnet.")));
	/* two labels, neither shared with owner or next: the apex encloses */
	assert_true(bolt_negrange_covers(z, N("bulk.boltnet."), N("h0001.bulk.boltnet."),
	                                 N("x.abc.bulk.boltnet.")));
	/* not inside: the owner, the next name, past next, the apex, elsewhere */
	assert_false(bolt_negrange_covers(z, N("bulk.boltnet."), N("h0001.bulk.boltnet."),
	                                  N("h0001.bulk.boltnet.")));
	assert_false(bolt_negrange_covers(z, N("bulk.boltnet."), N("h0001.bulk.boltnet."),
	                                  N("h0002.bulk.boltnet.")));
	assert_false(bolt_negrange_covers(z, N("bulk.boltnet."), N("h0001.bulk.boltnet."),
	                                  N("bulk.boltnet.")));
	assert_false(bolt_negrange_covers(z, N("bulk.boltnet."), N("h0001.bulk.boltnet."),
	                                  N("abc.dom1.boltnet.")));
	/* below next (an ancestor of the name exists): another closest encloser */
	assert_false(bolt_negrange_covers(z, N("bulk.boltnet."), N("h0001.bulk.boltnet."),
	                                  N("a.h0001.bulk.boltnet.")));
	/* below owner (may be a delegation), and the empty non-terminal case:
	 * b.zone exists as an ENT when next is c.b.zone */
	assert_false(bolt_negrange_covers(z, N("m.bulk.boltnet."), N("zz.bulk.boltnet."),
	                                  N("x.m.bulk.boltnet.")));
	assert_false(bolt_negrange_covers(z, N("a.bulk.boltnet."), N("c.b.bulk.boltnet."),
	                                  N("a.b.bulk.boltnet.")));
	/* the last NSEC wraps to the apex: everything after its owner */
	assert_true(bolt_negrange_covers(z, N("ns1.bulk.boltnet."), N("bulk.boltnet."),
	                                 N("zzz.bulk.boltnet.")));
	assert_false(bolt_negrange_covers(z, N("ns1.bulk.boltnet."), N("bulk.boltnet."),
	                                  N("abc.bulk.boltnet.")));
	/* owner or next outside the zone: nothing */
	assert_false(bolt_negrange_covers(z, N("boltnet."), N("h0001.bulk.boltnet."),
	                                  N("abc.bulk.boltnet.")));
}

/* A range of bulk.boltnet (apex -> h0001) published at `at` for life
 * seconds, with a fake SOA, two RRSIGs and two NSECs. */
static void entry(struct bolt_negrange_entry *e, uint32_t at, uint32_t life)
{
	static const uint8_t soa[] = "\3ns1\4bulk\7boltnet\0\12hostmaster\4bulk\7boltnet\0"
	                             "\x78\xc3\x6b\x25\0\0\x0e\x10\0\0\x02\x58\0\1\x51\x80\0\0\1\x2c";
	uint8_t sig[120], nsec[64];
	memset(sig, 0x5a, sizeof(sig));
	const uint8_t *apex = N("bulk.boltnet."), *next = N("h0001.bulk.boltnet.");
	assert_int_equal(bolt_negrange_entry_init(e, apex, apex, next, at, at + life), 0);
	assert_int_equal(bolt_negrange_entry_add(e, apex, BOLT_TYPE_SOA, life, soa, sizeof(soa) - 1), 0);
	assert_int_equal(bolt_negrange_entry_add(e, apex, BOLT_TYPE_RRSIG, life, sig, sizeof(sig)), 0);
	int nl = bolt_name_len(next, BOLT_NAME_MAX);
	memcpy(nsec, next, (size_t)nl);
	memcpy(nsec + nl, "\0\6\x62\1\0\0\0\3", 8);
	assert_int_equal(bolt_negrange_entry_add(e, apex, 47, life, nsec, (uint16_t)(nl + 8)), 0);
	assert_int_equal(bolt_negrange_entry_add(e, apex, BOLT_TYPE_RRSIG, life, sig, sizeof(sig)), 0);
	assert_int_equal(e->n0, 1);
	assert_int_equal(e->n1, 4);
}

/* Look name up at now for DO=dnssec and render it as the dataplane does;
 * the response length (0: not covered). */
static int answer(const struct bolt_negrange_table *t, const char *name, uint32_t now,
                  bool dnssec, uint8_t *buf, size_t cap)
{
	uint8_t qn[BOLT_NAME_MAX];
	int ql = bolt_name_from_text(name, qn);
	assert_true(ql > 0);
	struct bolt_build b;
	assert_int_equal(bolt_build_init(&b, buf, cap, 0x1234, BOLT_FLAG_RD), 0);
	assert_int_equal(bolt_build_question(&b, qn, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	assert_int_equal(bolt_build_opt(&b, 1232, 0, dnssec), 0);
	int qlen = bolt_build_finish(&b);
	assert_true(qlen > 0);
	struct bolt_query q;
	uint8_t key[BOLT_NAME_MAX];
	assert_int_equal(bolt_query_parse_into(buf, (size_t)qlen, &q, key), 0);
	uint16_t toff[BOLT_NEGRANGE_RRS];
	size_t qend = BOLT_HDR_LEN + q.question_len;
	struct bolt_cache_out o = { .ttl_off = toff, .ttl_cap = BOLT_NEGRANGE_RRS,
	                            .sections = buf + qend, .cap = (uint32_t)(cap - qend) };
	int rc = bolt_negrange_lookup(t, key, q.qname_len, now, dnssec, &o, NULL);
	if (rc == BOLT_ENOENT)
		return 0;
	assert_int_equal(rc, 0);
	o.val.qsize = q.question_len;
	int len = bolt_answer_from_cache(buf, cap, 1232, &q, &o, now, false, 1232);
	assert_true(len > 0);
	return len;
}

static void test_answer_wire(void **state)
{
	(void)state;
	struct bolt_negrange_table *t = table();
	static struct bolt_negrange_entry e;
	uint32_t now = 100000;
	entry(&e, now, 300);
	assert_int_equal(bolt_negrange_publish(t, &e), 0);
	uint8_t buf[4096];
	struct bolt_msg m;
	struct bolt_rr rrs[16];
	uint8_t scratch[8192];

	/* DO=0, 10 s later: the SOA alone, TTL 290, NXDOMAIN, no AD */
	int len = answer(t, "Abc-42.bulk.boltnet.", now + 10, false, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 16, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.flags & 0xf, BOLT_RCODE_NXDOMAIN);
	assert_true(m.flags & BOLT_FLAG_QR);
	assert_true(m.flags & BOLT_FLAG_RD);
	assert_true(m.flags & BOLT_FLAG_RA);
	assert_false(m.flags & BOLT_FLAG_AD);
	assert_int_equal(m.ancount, 0);
	assert_int_equal(m.nscount, 1);
	assert_true(m.has_edns);
	assert_false(m.do_bit);
	assert_int_equal(rrs[0].type, BOLT_TYPE_SOA);
	assert_int_equal(rrs[0].ttl, 290);
	assert_true(bolt_name_equal(rrs[0].owner, N("bulk.boltnet.")));
	/* the client's question as it sent it */
	assert_true(bolt_name_equal(m.qname, N("abc-42.bulk.boltnet.")));
	assert_int_equal(memcmp(m.qname, "\6Abc-42", 7), 0);

	/* DO=1: the proof, every TTL 250 at +50, AD (RFC 6840 5.8) */
	len = answer(t, "zz.abc.bulk.boltnet.", now + 50, true, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 16, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.flags & 0xf, BOLT_RCODE_NXDOMAIN);
	assert_true(m.flags & BOLT_FLAG_AD);
	assert_true(m.do_bit);
	assert_int_equal(m.nscount, 4);
	static const uint16_t types[] = { BOLT_TYPE_SOA, BOLT_TYPE_RRSIG, 47, BOLT_TYPE_RRSIG };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(rrs[i].type, types[i]);
		assert_int_equal(rrs[i].ttl, 250);
		assert_int_equal(rrs[i].section, BOLT_SEC_AUTHORITY);
	}
	assert_true(bolt_name_equal(rrs[2].rdata, N("h0001.bulk.boltnet.")));

	/* not covered: go on to the control plane */
	assert_int_equal(answer(t, "h0001.bulk.boltnet.", now, true, buf, sizeof(buf)), 0);
	assert_int_equal(answer(t, "h0005.bulk.boltnet.", now, false, buf, sizeof(buf)), 0);
	assert_int_equal(answer(t, "a.h0001.bulk.boltnet.", now, false, buf, sizeof(buf)), 0);
	assert_int_equal(answer(t, "bulk.boltnet.", now, false, buf, sizeof(buf)), 0);
	assert_int_equal(answer(t, "abc.dom1.boltnet.", now, false, buf, sizeof(buf)), 0);
	/* expired: at its end of life and after */
	assert_true(answer(t, "abc.bulk.boltnet.", now + 299, false, buf, sizeof(buf)) > 0);
	assert_int_equal(answer(t, "abc.bulk.boltnet.", now + 300, false, buf, sizeof(buf)), 0);
	assert_int_equal(answer(t, "abc.bulk.boltnet.", now + 9999, false, buf, sizeof(buf)), 0);
	/* a buffer too small for the proof */
	uint16_t toff[BOLT_NEGRANGE_RRS];
	uint8_t small[16];
	struct bolt_cache_out o = { .ttl_off = toff, .ttl_cap = BOLT_NEGRANGE_RRS,
	                            .sections = small, .cap = sizeof(small) };
	const uint8_t *qn = N("abc.bulk.boltnet.");
	unsigned qlen = (unsigned)bolt_name_len(qn, 255);
	assert_int_equal(bolt_negrange_lookup(t, qn, qlen, now, true, &o, NULL), BOLT_ESPACE);
	free(t);
}

static void test_publish_refresh_forget(void **state)
{
	(void)state;
	struct bolt_negrange_table *t = table();
	static struct bolt_negrange_entry e;
	uint32_t now = 5000;
	uint8_t buf[4096];
	unsigned z = 0;
	entry(&e, now, 100);
	assert_int_equal(bolt_negrange_publish(t, &e), 0);
	/* the same range again: refreshed in place, one slot */
	entry(&e, now + 50, 100);
	assert_int_equal(bolt_negrange_publish(t, &e), 0);
	assert_int_equal(bolt_negrange_count(t, now + 50, N("bulk.boltnet."), &z), 1);
	assert_int_equal(z, 1);
	assert_true(answer(t, "abc.bulk.boltnet.", now + 120, false, buf, sizeof(buf)) > 0);
	/* a flush of another zone leaves it; of a name in it, or above, ends it */
	bolt_negrange_forget(t, N("dom1.boltnet."), true);
	assert_int_equal(bolt_negrange_count(t, now + 50, NULL, NULL), 1);
	bolt_negrange_forget(t, N("x.bulk.boltnet."), false);
	assert_int_equal(bolt_negrange_count(t, now + 50, NULL, NULL), 0);
	assert_int_equal(answer(t, "abc.bulk.boltnet.", now + 60, false, buf, sizeof(buf)), 0);
	assert_int_equal(bolt_negrange_publish(t, &e), 0);
	bolt_negrange_forget(t, N("boltnet."), true);
	assert_int_equal(bolt_negrange_count(t, now + 50, NULL, NULL), 0);
	/* a full table reuses the slot that expires first */
	for (unsigned i = 0; i < BOLT_NEGRANGE_SLOTS + 8; i++) {
		char owner[64];
		snprintf(owner, sizeof(owner), "h%04u.bulk.boltnet.", i + 1);
		const uint8_t *apex = N("bulk.boltnet.");
		assert_int_equal(bolt_negrange_entry_init(&e, apex, N(owner), apex, now, now + 100 + i), 0);
		assert_int_equal(bolt_negrange_entry_add(&e, apex, BOLT_TYPE_SOA, 100, (const uint8_t *)"\0\0"
		                                         "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22), 0);
		assert_int_equal(bolt_negrange_publish(t, &e), 0);
	}
	assert_int_equal(bolt_negrange_count(t, now, NULL, NULL), BOLT_NEGRANGE_SLOTS);
	/* bad entries */
	memset(&e, 0, sizeof(e));
	assert_int_equal(bolt_negrange_publish(t, &e), -EINVAL);
	assert_int_equal(bolt_negrange_entry_init(&e, N("a."), N("a."), N("a."), now, now), -EINVAL);
	free(t);
}

/* The lookup compares labels under the zone, not whole names: it must say
 * what bolt_negrange_covers says, for ranges of every shape (owner or next
 * the apex, deeper owner and next, the wrap) and names of one to three
 * labels under the zone, made of few letters so that they often share
 * labels with owner and next. */
static void test_lookup_is_covers(void **state)
{
	(void)state;
	static const char *const ranges[][2] = {
		{ "z.", "b.z." }, { "b.z.", "d.z." }, { "b.z.", "a.c.z." }, { "a.b.z.", "c.z." },
		{ "c.b.z.", "d.z." }, { "d.z.", "z." }, { "bb.z.", "bc.z." }, { "d.z.", "b.z." },
		{ "z.", "z." }, { "-.z.", "\\000.z." },
	};
	static const char *const labels[] = { "a", "b", "bb", "bc", "c", "d", "e", "*", "B", "ba" };
	const unsigned nl = BOLT_ARRAY_SIZE(labels);
	static struct bolt_negrange_entry e;
	uint8_t buf[4096];
	unsigned yes = 0, no = 0;
	for (unsigned r = 0; r < BOLT_ARRAY_SIZE(ranges); r++) {
		struct bolt_negrange_table *t = table();
		uint8_t zone[BOLT_NAME_MAX], owner[BOLT_NAME_MAX], next[BOLT_NAME_MAX];
		assert_true(bolt_name_from_text("z.", zone) > 0);
		assert_true(bolt_name_from_text(ranges[r][0], owner) > 0);
		assert_true(bolt_name_from_text(ranges[r][1], next) > 0);
		assert_int_equal(bolt_negrange_entry_init(&e, zone, owner, next, 100, 200), 0);
		assert_int_equal(bolt_negrange_entry_add(&e, zone, BOLT_TYPE_SOA, 100,
		                                         (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0"
		                                         "\0\0\0\0\0\0\0\0\0\0\0", 22), 0);
		assert_int_equal(bolt_negrange_publish(t, &e), 0);
		for (unsigned i = 0; i < nl * nl * nl + nl * nl + nl; i++) {
			char text[64];
			unsigned a = i % nl, b = (i / nl) % nl, c = i / (nl * nl);
			if (i < nl)
				snprintf(text, sizeof(text), "%s.z.", labels[a]);
			else if (i < nl + nl * nl)
				snprintf(text, sizeof(text), "%s.%s.z.", labels[a], labels[b]);
			else
				snprintf(text, sizeof(text), "%s.%s.%s.z.", labels[a], labels[b], labels[c % nl]);
			uint8_t name[BOLT_NAME_MAX];
			assert_true(bolt_name_from_text(text, name) > 0);
			bool want = bolt_negrange_covers(zone, owner, next, name);
			bool got = answer(t, text, 150, false, buf, sizeof(buf)) > 0;
			if (want != got)
				fail_msg("range %s -> %s, name %s: covers %d, lookup %d", ranges[r][0],
				         ranges[r][1], text, want, got);
			want ? yes++ : no++;
		}
		free(t);
	}
	printf("%u names covered, %u not, lookup agreeing\n", yes, no);
	assert_true(yes > 100 && no > 100);
}

/* A writer republishing two shapes of one range (TTL-stamped so a reader
 * can tell them apart) while readers look it up: every answer is one of the
 * two whole, never a mix. */
struct rw {
	struct bolt_negrange_table *t;
	_Atomic int stop;
	_Atomic unsigned long answers;
};

static void *writer(void *arg)
{
	struct rw *rw = arg;
	static struct bolt_negrange_entry e[2];
	entry(&e[0], 1000, 300);
	entry(&e[1], 1000, 600);
	/* until the reader has seen a thousand answers (it may get little of
	 * the CPU), within bounds */
	for (unsigned i = 0; (i < 200000 || atomic_load(&rw->answers) < 1000) && i < 50000000; i++)
		assert_int_equal(bolt_negrange_publish(rw->t, &e[i & 1]), 0);
	atomic_store(&rw->stop, 1);
	return NULL;
}

static void *reader(void *arg)
{
	struct rw *rw = arg;
	uint8_t buf[4096], scratch[8192];
	struct bolt_msg m;
	struct bolt_rr rrs[16];
	while (!atomic_load(&rw->stop)) {
		int len = answer(rw->t, "abc.bulk.boltnet.", 1000, true, buf, sizeof(buf));
		if (len == 0)
			continue;
		assert_int_equal(bolt_msg_parse(buf, (size_t)len, &m, rrs, 16, scratch, sizeof(scratch)), 0);
		assert_int_equal(m.nscount, 4);
		for (unsigned i = 1; i < 4; i++)
			assert_int_equal(rrs[i].ttl, rrs[0].ttl);
		assert_true(rrs[0].ttl == 300 || rrs[0].ttl == 600);
		atomic_fetch_add(&rw->answers, 1);
	}
	return NULL;
}

/* A second writer (another resolver worker) publishing other ranges of
 * the zone at the same time: slots taken by compare-and-swap. */
static void *writer2(void *arg)
{
	struct rw *rw = arg;
	static struct bolt_negrange_entry e;
	const uint8_t *apex = N("bulk.boltnet.");
	static const uint8_t soa[22];
	for (unsigned i = 0; !atomic_load(&rw->stop); i++) {
		char owner[64], next[64];
		uint8_t o[BOLT_NAME_MAX], n[BOLT_NAME_MAX];
		snprintf(owner, sizeof(owner), "h%04u.bulk.boltnet.", 1 + i % 200);
		snprintf(next, sizeof(next), "h%04u.bulk.boltnet.", 2 + i % 200);
		assert_true(bolt_name_from_text(owner, o) > 0);
		assert_true(bolt_name_from_text(next, n) > 0);
		assert_int_equal(bolt_negrange_entry_init(&e, apex, o, n, 1000, 1100), 0);
		assert_int_equal(bolt_negrange_entry_add(&e, apex, BOLT_TYPE_SOA, 100, soa, sizeof(soa)), 0);
		int rc = bolt_negrange_publish(rw->t, &e);
		assert_true(rc == 0 || rc == -EBUSY);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	(void)state;
	struct rw rw = { .t = table() };
	pthread_t w, w2, r;
	assert_int_equal(pthread_create(&r, NULL, reader, &rw), 0);
	assert_int_equal(pthread_create(&w2, NULL, writer2, &rw), 0);
	assert_int_equal(pthread_create(&w, NULL, writer, &rw), 0);
	pthread_join(w, NULL);
	pthread_join(w2, NULL);
	pthread_join(r, NULL);
	printf("reader: %lu whole answers\n", atomic_load(&rw.answers));
	assert_true(atomic_load(&rw.answers) > 0);
	free(rw.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_order),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_answer_wire),
		cmocka_unit_test(test_publish_refresh_forget),
		cmocka_unit_test(test_lookup_is_covers),
		cmocka_unit_test(test_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
