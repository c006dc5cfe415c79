/*
 * The hit path's checksums without reading the response back: the partial
 * sum bolt_answer_from_cache_csum computes from the parts it writes (RFC
 * 1624 for the TTLs) and the frame checksums dp_frame_reply_dns_csum makes
 * from it, checked against full sums over the bytes for random answers,
 * questions (odd and even lengths), TTL ages, EDNS / DO / stale, IPv4 and
 * IPv6, with and without offload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <endian.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/wire.h"
#include "frame.h"

#include "test_rng.h"

static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

/* A random name of 1-4 labels, letters of both cases and digits. */
static int rnd_name(uint8_t *out)
{
	static const char cs[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
	unsigned labels = 1 + rnd(4), n = 0;
	for (unsigned l = 0; l < labels; l++) {
		unsigned ll = 1 + rnd(20);
		out[n++] = (uint8_t)ll;
		for (unsigned i = 0; i < ll; i++)
			out[n++] = (uint8_t)cs[rnd(sizeof(cs) - 1)];
	}
	out[n++] = 0;
	return (int)n;
}

/* The full checksum of a frame's layers: IPv4 header and UDP (with its
 * pseudo-header) each sum to 0xffff when right. */
static void check_frame(const uint8_t *fr, size_t len, int v6, bool csum_ip, bool csum_udp)
{
	size_t l3 = 14, l4 = l3 + (v6 ? 40 : 20);
	const uint8_t *ip = fr + l3, *udp = fr + l4;
	uint16_t ulen = (uint16_t)(len - l4);
	assert_int_equal(be16toh(*(const uint16_t *)(const void *)(udp + 4)), ulen);
	if (!v6 && csum_ip)
		assert_int_equal(dp_csum_fold(dp_csum_add(0, ip, 20)), 0xffff);
	uint64_t ps = dp_csum_add(0, v6 ? ip + 8 : ip + 12, v6 ? 32 : 8);
	uint8_t w[4] = { 0, 17, (uint8_t)(ulen >> 8), (uint8_t)ulen };
	ps = dp_csum_add(ps, w, 4);
	if (csum_udp) {
		assert_int_equal(dp_csum_fold(dp_csum_add(ps, udp, ulen)), 0xffff);
		assert_int_not_equal(*(const uint16_t *)(const void *)(udp + 6), 0);
	} else {
		uint16_t f = dp_csum_fold(ps);
		assert_memory_equal(udp + 6, &f, 2);
	}
}

static void test_csum_random(void **state)
{
	(void)state;
	unsigned computed = 0, rounds = 20000;

	for (unsigned round = 0; round < rounds; round++) {
		uint8_t qname[BOLT_NAME_MAX], lc[BOLT_NAME_MAX];
		int ql = rnd_name(qname);
		memcpy(lc, qname, (size_t)ql);
		bolt_name_lower(lc, (size_t)ql);

		/* The cached answer: A and TXT records of random sizes (odd
		 * RDATA lengths put later TTLs at odd offsets), random TTLs. */
		uint8_t msg[1024];
		struct bolt_build b;
		bolt_build_init(&b, msg, sizeof(msg), 0,
		                BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA | (rnd(2) ? BOLT_FLAG_AA : 0));
		bolt_build_question(&b, lc, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
		unsigned nrr = 1 + rnd(4);
		for (unsigned i = 0; i < nrr; i++) {
			uint8_t rd[64];
			uint32_t ttl = rnd(4) == 0 ? rnd(10) : rnd(1u << 31);
			for (unsigned j = 0; j < sizeof(rd); j++)
				rd[j] = (uint8_t)rnd(256);
			if (rnd(2)) {
				bolt_build_rr(&b, BOLT_SEC_ANSWER, lc, BOLT_TYPE_A, BOLT_CLASS_IN, ttl, rd, 4);
			} else {
				unsigned tl = 1 + rnd(40);
				rd[0] = (uint8_t)(tl - 1);
				bolt_build_rr(&b, rnd(3) ? BOLT_SEC_ANSWER : BOLT_SEC_ADDITIONAL, lc,
				              BOLT_TYPE_TXT, BOLT_CLASS_IN, ttl, rd, tl);
			}
		}
		int mlen = bolt_build_finish(&b);
		assert_true(mlen > 0);
		uint32_t inserted = 1000000 + rnd(1000);
		struct bolt_cache_val val;
		uint16_t rel[BOLT_BUILD_TTL_MAX];
		const uint8_t *sections;
		assert_int_equal(bolt_answer_to_cache(msg, (size_t)mlen, b.ttl_off, b.nttl, inserted,
		                                      3600, rnd(8) == 0 ? BOLT_CACHE_STATIC
		                                                        : BOLT_CACHE_POSITIVE,
		                                      &val, rel, &sections), 0);
		val.status = (uint8_t)(rnd(2) ? BOLT_SEC_SECURE : BOLT_SEC_UNCHECKED);

		/* The query: the name in its random case, random flags, EDNS
		 * or not (DO, UDP size). */
		uint8_t frame[2048];
		int v6 = (int)rnd(2);
		size_t l4 = 14 + (v6 ? 40 : 20), dns_off = l4 + 8;
		uint8_t *dns = frame + dns_off;
		uint16_t qflags = (uint16_t)(BOLT_FLAG_RD * rnd(2) | BOLT_FLAG_CD * rnd(2) |
		                             BOLT_FLAG_AD * rnd(2));
		bolt_build_init(&b, dns, 512, (uint16_t)rnd(65536), qflags);
		bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
		bool edns = rnd(4) != 0;
		if (edns)
			bolt_build_opt(&b, (uint16_t)(512 + rnd(4000)), 0, rnd(2));
		int dl = bolt_build_finish(&b);
		assert_true(dl > 0);
		struct bolt_query q;
		assert_int_equal(bolt_query_parse(dns, (size_t)dl, &q), 0);

		memset(frame, 0, 14);
		frame[12] = v6 ? 0x86 : 0x08;
		frame[13] = v6 ? 0xdd : 0x00;
		uint8_t *ip = frame + 14;
		for (unsigned j = 0; j < (v6 ? 40u : 20u); j++)
			ip[j] = (uint8_t)rnd(256);
		if (v6) {
			ip[0] = 0x60;
			put16(ip + 4, (uint16_t)(8 + dl));
			ip[6] = 17;
		} else {
			ip[0] = 0x45;
			put16(ip + 2, (uint16_t)(28 + dl));
			put16(ip + 6, rnd(2) ? 0x4000 : 0);
			ip[9] = 17;
		}
		uint8_t *udp = frame + l4;
		put16(udp, (uint16_t)rnd(65536));
		put16(udp + 2, 53);
		put16(udp + 4, (uint16_t)(8 + dl));
		put16(udp + 6, (uint16_t)rnd(65536));

		/* The cache copies the sections behind the question, or the
		 * answer code does (out->sections elsewhere). */
		struct bolt_cache_out out;
		uint16_t ttl_off[BOLT_BUILD_TTL_MAX];
		memcpy(ttl_off, rel, sizeof(rel));
		out.val = val;
		out.ttl_off = ttl_off;
		out.ttl_cap = BOLT_BUILD_TTL_MAX;
		size_t qend = BOLT_HDR_LEN + q.question_len;
		out.cap = (uint32_t)(sizeof(frame) - dns_off - qend);
		if (rnd(2)) {
			memcpy(dns + qend, sections, val.len);
			out.sections = dns + qend;
		} else {
			out.sections = (uint8_t *)(uintptr_t)sections;
		}
		uint32_t now = inserted + (rnd(3) == 0 ? rnd(20) : rnd(1u << 30));
		bool stale = rnd(10) == 0;
		size_t limit = rnd(10) == 0 ? 100 + rnd(100) : 4096;
		uint32_t sum = 0xdeadbeef;
		int len = bolt_answer_from_cache_csum(dns, sizeof(frame) - dns_off, limit, &q, &out,
		                                      now, stale, 1232, &sum);
		if (len == BOLT_ESPACE && limit < 4096)
			continue;     /* not even the question fits the small limit */
		assert_true(len > 0);
		if (sum != 0) {
			computed++;
			assert_int_equal(sum, dp_csum_fold(dp_csum_add(0, dns, (size_t)len)));
		}

		/* The frame: checksums right from scratch, and the same bytes as
		 * when the payload is summed in full. */
		uint8_t ref[2048];
		memcpy(ref, frame, sizeof(ref));
		struct dp_frame f;
		memset(&f, 0, sizeof(f));
		f.l3_off = 14;
		f.l4_off = (uint16_t)l4;
		f.dns_off = (uint16_t)dns_off;
		f.family = v6 ? AF_INET6 : AF_INET;

		bool ci = rnd(4) != 0, cu = rnd(4) != 0;
		size_t flen = dp_frame_reply_dns_csum(frame, &f, (size_t)len, ci, cu, sum);
		assert_int_equal(flen, dns_off + (size_t)len);
		check_frame(frame, flen, v6, ci, cu);
		/* Without the partial sum (the payload summed): same frame. */
		size_t rlen = dp_frame_reply_dns(ref, &f, (size_t)len, ci, cu);
		assert_int_equal(rlen, flen);
		assert_memory_equal(ref, frame, flen);
	}
	/* Most answers get the sum (not: stale with EDNS, truncated). */
	assert_true(computed > rounds / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
