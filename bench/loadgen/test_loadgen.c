/*
 * Unit tests of the load generator's DPDK-free parts: query lines, frame
 * templates, response classification and matching, ARP, the histogram.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen.h"

static const struct lg_query_opts plain = {.rd = true};

static void make_ep(struct lg_endpoints *ep)
{
	memset(ep, 0, sizeof(*ep));
	static const uint8_t smac[6] = {2, 0, 0, 0, 0, 2}, dmac[6] = {2, 0, 0, 0, 0, 1};
	memcpy(ep->src_mac, smac, 6);
	memcpy(ep->dst_mac, dmac, 6);
	inet_pton(AF_INET, "198.19.200.3", &ep->src_ip);
	inet_pton(AF_INET, "198.19.200.1", &ep->dst_ip);
	ep->dst_port = htons(53);
}

static void test_encode_basic(void **state)
{
	(void)state;
	uint8_t w[LG_DNS_MAX];
	uint16_t len, qlen;
	assert_int_equal(lg_query_encode("www.Example.com A\n", &plain, w, &len, &qlen), 1);
	static const uint8_t want[] = {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 7, 'E', 'x',
	                               'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
	assert_int_equal(len, sizeof(want));
	assert_int_equal(qlen, sizeof(want) - 12);
	assert_memory_equal(w, want, sizeof(want));

	/* trailing dot, default type A, TYPEnnn, mnemonics in any case */
	assert_int_equal(lg_query_encode("a.b.", &plain, w, &len, &qlen), 1);
	assert_int_equal(len, 12 + 5 + 4);
	assert_int_equal(w[12 + 5 + 1], 1);
	assert_int_equal(lg_query_encode("a.b TYPE65", &plain, w, &len, &qlen), 1);
	assert_int_equal(w[len - 3], 65);
	assert_int_equal(lg_query_encode("a.b aaaa", &plain, w, &len, &qlen), 1);
	assert_int_equal(w[len - 3], 28);
	assert_int_equal(lg_query_encode(". NS", &plain, w, &len, &qlen), 1);
	assert_int_equal(len, 12 + 1 + 4);
	/* escapes: \. inside a label and \DDD */
	assert_int_equal(lg_query_encode("a\\.b.c\\065 TXT", &plain, w, &len, &qlen), 1);
	assert_int_equal(w[12], 3);
	assert_memory_equal(w + 13, "a.b", 3);
	assert_int_equal(w[16], 2);
	assert_memory_equal(w + 17, "cA", 2);
}

static void test_encode_skip_and_reject(void **state)
{
	(void)state;
	uint8_t w[LG_DNS_MAX];
	uint16_t len, qlen;
	assert_int_equal(lg_query_encode("\n", &plain, w, &len, &qlen), 0);
	assert_int_equal(lg_query_encode("   ", &plain, w, &len, &qlen), 0);
	assert_int_equal(lg_query_encode("# comment", &plain, w, &len, &qlen), 0);
	assert_int_equal(lg_query_encode("; comment", &plain, w, &len, &qlen), 0);
	assert_int_equal(lg_query_encode("a.b NOSUCHTYPE", &plain, w, &len, &qlen), -1);
	assert_int_equal(lg_query_encode("a.b TYPE70000", &plain, w, &len, &qlen), -1);
	assert_int_equal(lg_query_encode("a..b A", &plain, w, &len, &qlen), -1);
	assert_int_equal(lg_query_encode(".a A", &plain, w, &len, &qlen), -1);
	assert_int_equal(lg_query_encode("a\\ A", &plain, w, &len, &qlen), -1); /* dangling escape */
	assert_int_equal(lg_query_encode("a\\999 A", &plain, w, &len, &qlen), -1);

	char line[1200];
	memset(line, 'x', 64); /* label of 64 */
	strcpy(line + 64, ".com A");
	assert_int_equal(lg_query_encode(line, &plain, w, &len, &qlen), -1);
	/* 4 x (63 + 1) = 256 bytes plus the root label: over 255 */
	size_t p = 0;
	for (int i = 0; i < 4; i++) {
		memset(line + p, 'y', 63);
		p += 63;
		line[p++] = '.';
	}
	strcpy(line + p, " A");
	assert_int_equal(lg_query_encode(line, &plain, w, &len, &qlen), -1);
	/* 3 x 64 + 62 + 1 = 255: the longest legal name */
	p = 0;
	for (int i = 0; i < 3; i++) {
		memset(line + p, 'y', 63);
		p += 63;
		line[p++] = '.';
	}
	memset(line + p, 'z', 61);
	strcpy(line + p + 61, " A");
	assert_int_equal(lg_query_encode(line, &plain, w, &len, &qlen), 1);
	assert_int_equal(qlen, 255 + 4);
}

static void test_encode_edns(void **state)
{
	(void)state;
	uint8_t w[LG_DNS_MAX];
	uint16_t len, qlen;
	struct lg_query_opts o = {.rd = false, .edns = true, .do_bit = true, .edns_size = 1232};
	assert_int_equal(lg_query_encode("a.b MX", &o, w, &len, &qlen), 1);
	assert_int_equal(qlen, 5 + 4);
	assert_int_equal(len, 12 + qlen + 11);
	assert_int_equal(w[2], 0);  /* no RD */
	assert_int_equal(w[11], 1); /* ARCOUNT */
	const uint8_t *opt = w + 12 + qlen;
	assert_int_equal(opt[0], 0);
	assert_int_equal(opt[2], 41);
	assert_int_equal((opt[3] << 8) | opt[4], 1232);
	assert_int_equal(opt[7], 0x80); /* DO */
}

static size_t make_frame(uint8_t *f, const struct lg_endpoints *ep, const char *line, uint16_t *qlen)
{
	uint8_t w[LG_DNS_MAX];
	uint16_t len;
	assert_int_equal(lg_query_encode(line, &plain, w, &len, qlen), 1);
	return lg_frame_build(f, ep, w, len);
}

/* The reply a server would send: addresses swapped, QR set, rcode. */
static void to_response(uint8_t *f, uint8_t rcode)
{
	uint8_t t[6];
	memcpy(t, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, t, 6);
	memcpy(t, f + 26, 4);
	memcpy(f + 26, f + 30, 4);
	memcpy(f + 30, t, 4);
	memcpy(t, f + 34, 2);
	memcpy(f + 34, f + 36, 2);
	memcpy(f + 36, t, 2);
	f[LG_OFF_DNS + 2] |= 0x80;
	f[LG_OFF_DNS + 3] = (uint8_t)(0x80 | rcode);
}

static void test_frame_build_and_classify(void **state)
{
	(void)state;
	struct lg_endpoints ep;
	make_ep(&ep);
	uint8_t f[LG_FRAME_MAX];
	uint16_t qlen;
	size_t fl = make_frame(f, &ep, "www.example.com A", &qlen);
	assert_int_equal(fl, LG_HDRS_LEN + 33);
	assert_int_equal(f[12], 0x08);
	assert_int_equal((f[16] << 8) | f[17], 20 + 8 + 33); /* IP total length */
	assert_int_equal((f[38] << 8) | f[39], 8 + 33);      /* UDP length */
	/* a header with a correct checksum sums to zero */
	assert_int_equal(lg_ip_checksum(f + LG_OFF_IP, LG_IP4_LEN), 0);
	lg_frame_stamp(f, 20005, 0xbeef);
	assert_int_equal((f[34] << 8) | f[35], 20005);
	assert_int_equal((f[42] << 8) | f[43], 0xbeef);

	/* our own query is not a response (wrong direction, no QR) */
	struct lg_response r;
	assert_int_equal(lg_frame_classify(f, fl, &ep, &r), LG_RX_OTHER);

	uint8_t resp[LG_FRAME_MAX];
	memcpy(resp, f, fl);
	to_response(resp, 3);
	assert_int_equal(lg_frame_classify(resp, fl, &ep, &r), LG_RX_DNS);
	assert_int_equal(r.dport, 20005);
	assert_int_equal(r.id, 0xbeef);
	assert_int_equal(r.flags & 0xf, 3);
	assert_true(lg_response_matches(&r, f, qlen));

	/* case differences in the echoed question are accepted (0x20 randomisation) */
	resp[LG_OFF_DNS + 13] = 'W';
	assert_true(lg_response_matches(&r, f, qlen));
	resp[LG_OFF_DNS + 13] = 'x';
	assert_false(lg_response_matches(&r, f, qlen));
	resp[LG_OFF_DNS + 13] = 'w';

	/* every truncation is rejected, without reading past the end */
	for (size_t l = 0; l < fl; l++) {
		uint8_t *cut = malloc(l ? l : 1);
		memcpy(cut, resp, l);
		assert_int_equal(lg_frame_classify(cut, l, &ep, &r), LG_RX_OTHER);
		free(cut);
	}

	/* from another address, or another port: not ours */
	uint8_t other[LG_FRAME_MAX];
	memcpy(other, resp, fl);
	other[29] ^= 1;
	assert_int_equal(lg_frame_classify(other, fl, &ep, &r), LG_RX_OTHER);
	memcpy(other, resp, fl);
	other[35] ^= 1;
	assert_int_equal(lg_frame_classify(other, fl, &ep, &r), LG_RX_OTHER);
	/* a fragment */
	memcpy(other, resp, fl);
	other[20] = 0x20;
	assert_int_equal(lg_frame_classify(other, fl, &ep, &r), LG_RX_OTHER);
}

/* Fill in the UDP checksum of frame f: the sum over pseudo-header + UDP
 * datagram laid out in one buffer, with lg_ip_checksum as the adder. */
static void put_udp_csum(uint8_t *f)
{
	uint8_t buf[12 + LG_FRAME_MAX];
	size_t ulen = (size_t)(f[38] << 8 | f[39]);
	f[40] = f[41] = 0;
	memcpy(buf, f + 26, 8);
	buf[8] = 0;
	buf[9] = 17;
	buf[10] = (uint8_t)(ulen >> 8);
	buf[11] = (uint8_t)ulen;
	memcpy(buf + 12, f + LG_OFF_UDP, ulen);
	uint16_t c = lg_ip_checksum(buf, 12 + ulen);
	memcpy(f + 40, &c, 2);
	if (c == 0)
		f[40] = f[41] = 0xff;
}

static void test_frame_csum(void **state)
{
	(void)state;
	struct lg_endpoints ep;
	make_ep(&ep);
	uint8_t f[LG_FRAME_MAX];
	uint16_t qlen;
	size_t fl = make_frame(f, &ep, "odd.example.org TXT", &qlen);
	to_response(f, 0);
	f[LG_OFF_DNS + 7] = 2; /* ANCOUNT 2 */
	struct lg_response r;
	assert_int_equal(lg_frame_classify(f, fl, &ep, &r), LG_RX_DNS);
	assert_int_equal(r.ancount, 2);
	/* no UDP checksum (what the templates send) */
	assert_true(lg_frame_csum_ok(f, fl));
	put_udp_csum(f);
	assert_true(f[40] != 0 || f[41] != 0);
	assert_true(lg_frame_csum_ok(f, fl));
	/* any flipped payload or address byte breaks it */
	for (size_t i = 26; i < fl; i++) {
		if (i == 40 || i == 41)
			continue;
		f[i] ^= 0x10;
		assert_false(lg_frame_csum_ok(f, fl));
		f[i] ^= 0x10;
	}
	/* a broken IP header checksum, a UDP length past the frame, a short frame */
	f[24] ^= 1;
	assert_false(lg_frame_csum_ok(f, fl));
	f[24] ^= 1;
	f[39] += 1;
	assert_false(lg_frame_csum_ok(f, fl));
	f[39] -= 1;
	assert_false(lg_frame_csum_ok(f, LG_HDRS_LEN - 1));
	assert_true(lg_frame_csum_ok(f, fl));
}

static void test_arp(void **state)
{
	(void)state;
	struct lg_endpoints ep;
	make_ep(&ep);
	uint8_t f[64];
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	static const uint8_t peer[6] = {2, 0, 0, 0, 0, 9};
	memcpy(f + 6, peer, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	memcpy(f + 14, hdr, 8);
	memcpy(f + 22, peer, 6);
	inet_pton(AF_INET, "198.19.200.1", f + 28);
	memcpy(f + 38, &ep.src_ip, 4);
	struct lg_response r;
	assert_int_equal(lg_frame_classify(f, 42, &ep, &r), LG_RX_ARP_REQ);
	assert_int_equal(lg_frame_classify(f, 41, &ep, &r), LG_RX_OTHER);
	assert_int_equal(lg_arp_reply(f, 42, ep.src_mac), 42);
	assert_memory_equal(f, peer, 6);
	assert_int_equal(f[21], 2); /* reply */
	assert_memory_equal(f + 22, ep.src_mac, 6);
	assert_memory_equal(f + 28, &ep.src_ip, 4);
	assert_memory_equal(f + 32, peer, 6);
	/* a request for somebody else */
	f[21] = 1;
	f[41] ^= 1;
	assert_int_equal(lg_frame_classify(f, 42, &ep, &r), LG_RX_OTHER);
}

static void test_hist(void **state)
{
	(void)state;
	struct lg_hist h;
	assert_int_equal(lg_hist_init(&h), 0);
	assert_int_equal(lg_hist_percentile(&h, 0.5), 0);
	for (uint32_t i = 1; i <= 100; i++)
		lg_hist_add(&h, i);
	assert_int_equal(lg_hist_percentile(&h, 0.5), 50);
	assert_int_equal(lg_hist_percentile(&h, 0.99), 99);
	assert_int_equal(lg_hist_percentile(&h, 1.0), 100);
	assert_int_equal(lg_hist_percentile(&h, 0.0), 1);
	lg_hist_add(&h, LG_HIST_MAX_US + 5);
	assert_int_equal(h.max_us, LG_HIST_MAX_US + 5);
	assert_int_equal(lg_hist_percentile(&h, 1.0), LG_HIST_MAX_US);
	lg_hist_free(&h);
}

static void test_load_file(void **state)
{
	(void)state;
	struct lg_endpoints ep;
	make_ep(&ep);
	char path[] = "/tmp/lgtestXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("# header\na.b A\n\nc.d AAAA\ne.f MX\n", f);
	fclose(f);
	struct lg_queries qs;
	char err[256];
	assert_int_equal(lg_queries_load(path, &plain, &ep, &qs, err, sizeof(err)), 0);
	assert_int_equal(qs.n, 3);
	assert_int_equal(qs.flen[1], LG_HDRS_LEN + 12 + 5 + 4);
	assert_int_equal(qs.arena[qs.off[1] + LG_OFF_DNS + 12 + 1], 'c');
	lg_queries_free(&qs);

	f = fopen(path, "w");
	fputs("a.b A\nbad..name A\n", f);
	fclose(f);
	assert_int_equal(lg_queries_load(path, &plain, &ep, &qs, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2:"));
	f = fopen(path, "w");
	fputs("# nothing\n", f);
	fclose(f);
	assert_int_equal(lg_queries_load(path, &plain, &ep, &qs, err, sizeof(err)), -1);
	unlink(path);
	assert_int_equal(lg_queries_load(path, &plain, &ep, &qs, err, sizeof(err)), -1);
}

static void test_parse_mac(void **state)
{
	(void)state;
	uint8_t m[6];
	assert_int_equal(lg_parse_mac("02:0a:FF:00:01:10", m), 0);
	assert_int_equal(m[1], 0x0a);
	assert_int_equal(m[2], 0xff);
	assert_int_equal(lg_parse_mac("02:0a:FF:00:01", m), -1);
	assert_int_equal(lg_parse_mac("02:0a:FF:00:01:100", m), -1);
	assert_int_equal(lg_parse_mac("02:0a:FF:00:01:10x", m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_basic),
		cmocka_unit_test(test_encode_skip_and_reject),
		cmocka_unit_test(test_encode_edns),
		cmocka_unit_test(test_frame_build_and_classify),
		cmocka_unit_test(test_frame_csum),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_parse_mac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
