/*
 * Unit tests of the dataplane's frame parser and response builder
 * (dataplane/frame.c) on real frame bytes built here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <endian.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "frame.h"

static const uint8_t SVC4[4] = { 198, 18, 0, 1 };
static const uint8_t CLI4[4] = { 198, 18, 0, 2 };
static const uint8_t SVC6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t CLI6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t SVC_MAC[6] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t CLI_MAC[6] = { 0x02, 0, 0, 0, 0, 2 };

/* A DNS query for "a.example." A, 27 bytes. */
static const uint8_t QUERY[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
};

static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return be16toh(v);
}

static void svc_init(struct dp_svc *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->mac, SVC_MAC, 6);
	memcpy(s->v4[s->n4++], SVC4, 4);
	memcpy(s->v6[s->n6++], SVC6, 16);
	s->dns_port = 53;
}

static size_t eth(uint8_t *b, uint16_t type, int vlan)
{
	memcpy(b, SVC_MAC, 6);
	memcpy(b + 6, CLI_MAC, 6);
	if (vlan >= 0) {
		put16(b + 12, 0x8100);
		put16(b + 14, (uint16_t)vlan);
		put16(b + 16, type);
		return 18;
	}
	put16(b + 12, type);
	return 14;
}

/* Ethernet + IPv4 + UDP (client -> service port dport) + payload. */
static size_t udp4(uint8_t *b, int vlan, uint16_t dport, const uint8_t *pl, size_t plen)
{
	size_t o = eth(b, 0x0800, vlan);
	uint8_t *ip = b + o;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + plen));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, CLI4, 4);
	memcpy(ip + 16, SVC4, 4);
	uint8_t *u = ip + 20;
	put16(u, 40000);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + plen));
	put16(u + 6, 0);
	memcpy(u + 8, pl, plen);
	return o + 28 + plen;
}

static size_t udp6(uint8_t *b, uint16_t dport, const uint8_t *pl, size_t plen)
{
	size_t o = eth(b, 0x86dd, -1);
	uint8_t *ip = b + o;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)(8 + plen));
	ip[6] = 17;
	ip[7] = 64;
	memcpy(ip + 8, CLI6, 16);
	memcpy(ip + 24, SVC6, 16);
	uint8_t *u = ip + 40;
	put16(u, 40000);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + plen));
	memcpy(u + 8, pl, plen);
	return o + 48 + plen;
}

/* True when the one's complement sum over the region (plus pseudo) is 0xffff. */
static int csum_ok(uint64_t pseudo, const uint8_t *p, size_t len)
{
	return dp_csum_fold(dp_csum_add(pseudo, p, len)) == 0xffff;
}

static uint64_t pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
                       uint16_t len)
{
	uint8_t t[4] = { 0, proto, (uint8_t)(len >> 8), (uint8_t)len };
	uint64_t s = dp_csum_add(0, src, alen);
	s = dp_csum_add(s, dst, alen);
	return dp_csum_add(s, t, 4);
}

static void test_csum_rfc1071(void **state)
{
	(void)state;
	/* RFC 1071 section 3 example: sum of these words is 0xddf2. */
	const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t f = dp_csum_fold(dp_csum_add(0, d, sizeof(d)));
	uint8_t out[2];
	memcpy(out, &f, 2);
	assert_int_equal(get16(out), 0xddf2);
	/* Odd length: trailing byte is the high byte of a padded word. */
	const uint8_t o[] = { 0x01, 0x02, 0x03 };
	f = dp_csum_fold(dp_csum_add(0, o, 3));
	memcpy(out, &f, 2);
	assert_int_equal(get16(out), 0x0102 + 0x0300);
}

static void test_parse_ipv4(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[256];
	svc_init(&s);
	size_t len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
	assert_int_equal(f.family, AF_INET);
	assert_int_equal(f.l3_off, 14);
	assert_int_equal(f.l4_off, 34);
	assert_int_equal(f.dns_off, 42);
	assert_int_equal(f.dns_len, sizeof(QUERY));
	assert_int_equal(f.vlan, 0);
	assert_memory_equal(b + f.dns_off, QUERY, sizeof(QUERY));

	/* Ethernet padding after the IP packet is ignored. */
	memset(b + len, 0xee, 20);
	assert_int_equal(dp_frame_parse(b, len + 20, &s, &f), DP_FRAME_DNS);
	assert_int_equal(f.dns_len, sizeof(QUERY));
}

static void test_parse_vlan(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[256];
	svc_init(&s);
	size_t len = udp4(b, 0x2064, 53, QUERY, sizeof(QUERY));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
	assert_int_equal(f.vlan, 1);
	assert_int_equal(f.vlan_tci, 0x2064);
	assert_int_equal(f.l3_off, 18);
	assert_int_equal(f.dns_off, 46);

	struct bolt_client c;
	dp_frame_client(b, &f, &c);
	assert_int_equal(c.vlan_tci, 0x2064);
	assert_int_equal(c.family, AF_INET);
	assert_memory_equal(c.client_addr, CLI4, 4);
	assert_memory_equal(c.server_addr, SVC4, 4);
	assert_memory_equal(c.client_mac, CLI_MAC, 6);
	assert_memory_equal(c.server_mac, SVC_MAC, 6);
	assert_int_equal(be16toh(c.client_port), 40000);
	assert_int_equal(be16toh(c.server_port), 53);
}

static void test_parse_ipv6(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[256];
	svc_init(&s);
	size_t len = udp6(b, 53, QUERY, sizeof(QUERY));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
	assert_int_equal(f.family, AF_INET6);
	assert_int_equal(f.l4_off, 54);
	assert_int_equal(f.dns_off, 62);
	assert_int_equal(f.dns_len, sizeof(QUERY));
	/* Fragment header: slow path. */
	b[14 + 6] = 44;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_SLOW);
	/* Wrong version nibble. */
	len = udp6(b, 53, QUERY, sizeof(QUERY));
	b[14] = 0x40;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_BAD);
	/* Payload length beyond the frame. */
	len = udp6(b, 53, QUERY, sizeof(QUERY));
	put16(b + 14 + 4, 200);
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_BAD);
}

static void test_truncated(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[256];
	svc_init(&s);
	size_t len = udp4(b, 7, 53, QUERY, sizeof(QUERY));
	/* Every cut before the end of the UDP payload is rejected. */
	for (size_t cut = 0; cut < len; cut++) {
		int k = dp_frame_parse(b, cut, &s, &f);
		assert_true(k == DP_FRAME_BAD || k == DP_FRAME_OTHER);
		assert_int_not_equal(k, DP_FRAME_DNS);
	}
	len = udp6(b, 53, QUERY, sizeof(QUERY));
	for (size_t cut = 0; cut < len; cut++)
		assert_int_not_equal(dp_frame_parse(b, cut, &s, &f), DP_FRAME_DNS);
}

static void test_bad_ipv4(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[256];
	svc_init(&s);
	size_t len;

	/* IP total length larger than the frame. */
	len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	put16(b + 16, (uint16_t)(len));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_BAD);
	/* Total length shorter than the header. */
	put16(b + 16, 19);
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_BAD);
	/* IHL below 5. */
	len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	b[14] = 0x44;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_BAD);
	/* Version 6 in an IPv4 ethertype. */
	b[14] = 0x65;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_BAD);
	/* UDP length beyond the IP packet, and below the UDP header. */
	len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	put16(b + 38, (uint16_t)(8 + sizeof(QUERY) + 1));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_BAD);
	put16(b + 38, 7);
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_BAD);
	/* More fragments, and a fragment offset. */
	len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	put16(b + 20, 0x2000);
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_SLOW);
	put16(b + 20, 0x0010);
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_SLOW);
	/* Don't-fragment alone is fine. */
	put16(b + 20, 0x4000);
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
	/* IP options (IHL 6): slow path. */
	uint8_t pl[64];
	memcpy(pl, QUERY, sizeof(QUERY));
	len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	memmove(b + 38, b + 34, len - 34);
	memset(b + 34, 1, 4);   /* four NOP options */
	b[14] = 0x46;
	put16(b + 16, (uint16_t)(24 + 8 + sizeof(QUERY)));
	assert_int_equal(dp_frame_parse(b, len + 4, &s, &f), DP_FRAME_SLOW);
}

static void test_not_for_us(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[256];
	svc_init(&s);
	size_t len = udp4(b, -1, 5353, QUERY, sizeof(QUERY));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_OTHER);
	len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	b[14 + 19] = 99;   /* another destination address */
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_OTHER);
	/* ... unless no address is configured. */
	s.any_addr = true;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
	s.any_addr = false;
	/* TCP to port 53 is the control plane's. */
	len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	b[14 + 9] = 6;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_OTHER);
	/* Unknown ethertypes (LLDP). */
	len = eth(b, 0x88cc, -1);
	memset(b + len, 0, 40);
	assert_int_equal(dp_frame_parse(b, len + 40, &s, &f), DP_FRAME_OTHER);
}

static void check_reply4(uint8_t *b, size_t flen, size_t dns_len, size_t l3)
{
	uint8_t *ip = b + l3;
	uint8_t *u = ip + 20;
	assert_int_equal(flen, l3 + 28 + dns_len);
	assert_memory_equal(b, CLI_MAC, 6);
	assert_memory_equal(b + 6, SVC_MAC, 6);
	assert_memory_equal(ip + 12, SVC4, 4);
	assert_memory_equal(ip + 16, CLI4, 4);
	assert_int_equal(get16(ip + 2), 28 + dns_len);
	assert_true(csum_ok(0, ip, 20));
	assert_int_equal(get16(u), 53);
	assert_int_equal(get16(u + 2), 40000);
	assert_int_equal(get16(u + 4), 8 + dns_len);
	assert_int_not_equal(get16(u + 6), 0);
	assert_true(csum_ok(pseudo(ip + 12, ip + 16, 4, 17, (uint16_t)(8 + dns_len)), u, 8 + dns_len));
}

static void test_reply_ipv4(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[2048];
	svc_init(&s);
	size_t len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
	/* A response of odd length exercises the padded checksum word. */
	uint8_t *dns = b + f.dns_off;
	dns[2] |= 0x80;
	memset(dns + sizeof(QUERY), 0x5a, 100);
	size_t dns_len = sizeof(QUERY) + 101;
	size_t flen = dp_frame_reply_dns(b, &f, dns_len, true, true);
	check_reply4(b, flen, dns_len, 14);

	/* With a VLAN tag, the tag stays. */
	len = udp4(b, 0x0005, 53, QUERY, sizeof(QUERY));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
	flen = dp_frame_reply_dns(b, &f, sizeof(QUERY), true, true);
	check_reply4(b, flen, sizeof(QUERY), 18);
	assert_int_equal(get16(b + 12), 0x8100);
	assert_int_equal(get16(b + 14), 5);

	/* Offloaded: IP checksum left 0, UDP field holds the pseudo-header sum. */
	len = udp4(b, -1, 53, QUERY, sizeof(QUERY));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
	flen = dp_frame_reply_dns(b, &f, sizeof(QUERY), false, false);
	assert_int_equal(get16(b + 24), 0);
	uint16_t ph = dp_csum_fold(pseudo(b + 26, b + 30, 4, 17, (uint16_t)(8 + sizeof(QUERY))));
	uint16_t field;
	memcpy(&field, b + 34 + 6, 2);
	assert_int_equal(field, ph);
}

static void test_reply_ipv6(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[2048];
	svc_init(&s);
	size_t len = udp6(b, 53, QUERY, sizeof(QUERY));
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
	size_t dns_len = 333;
	memset(b + f.dns_off + sizeof(QUERY), 0xa5, dns_len - sizeof(QUERY));
	size_t flen = dp_frame_reply_dns(b, &f, dns_len, true, true);
	uint8_t *ip = b + 14, *u = ip + 40;
	assert_int_equal(flen, 14 + 48 + dns_len);
	assert_memory_equal(ip + 8, SVC6, 16);
	assert_memory_equal(ip + 24, CLI6, 16);
	assert_int_equal(get16(ip + 4), 8 + dns_len);
	assert_true(csum_ok(pseudo(ip + 8, ip + 24, 16, 17, (uint16_t)(8 + dns_len)), u, 8 + dns_len));
}

static void test_arp(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[128];
	svc_init(&s);
	size_t o = eth(b, 0x0806, -1);
	memset(b, 0xff, 6);
	uint8_t *a = b + o;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, CLI_MAC, 6);
	memcpy(a + 14, CLI4, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, SVC4, 4);
	size_t len = o + 28;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_ARP);
	size_t out = dp_frame_reply_arp(b, sizeof(b), &f, &s);
	assert_int_equal(out, 60);
	assert_memory_equal(b, CLI_MAC, 6);
	assert_memory_equal(b + 6, SVC_MAC, 6);
	assert_int_equal(get16(a + 6), 2);
	assert_memory_equal(a + 8, SVC_MAC, 6);
	assert_memory_equal(a + 14, SVC4, 4);
	assert_memory_equal(a + 18, CLI_MAC, 6);
	assert_memory_equal(a + 24, CLI4, 4);

	/* A request for someone else's address, a reply, a short ARP. */
	len = o + 28;
	put16(a + 6, 1);
	a[27] = 77;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_OTHER);
	memcpy(a + 24, SVC4, 4);
	put16(a + 6, 2);
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_OTHER);
	assert_int_equal(dp_frame_parse(b, len - 1, &s, &f), DP_FRAME_BAD);
}

static void test_nd(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[256];
	svc_init(&s);
	size_t o = eth(b, 0x86dd, -1);
	uint8_t *ip = b + o, *ic = ip + 40;
	memset(ip, 0, 40 + 32);
	ip[0] = 0x60;
	put16(ip + 4, 32);
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, CLI6, 16);
	/* Solicited-node multicast of SVC6. */
	static const uint8_t snm[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1 };
	memcpy(ip + 24, snm, 16);
	ic[0] = 135;
	memcpy(ic + 8, SVC6, 16);
	ic[24] = 1;
	ic[25] = 1;
	memcpy(ic + 26, CLI_MAC, 6);
	size_t len = o + 40 + 32;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_ND);
	size_t out = dp_frame_reply_nd(b, sizeof(b), &f, &s);
	assert_int_equal(out, o + 40 + 32);
	assert_int_equal(ic[0], 136);
	assert_int_equal(ic[4], 0x60);
	assert_memory_equal(ip + 8, SVC6, 16);
	assert_memory_equal(ip + 24, CLI6, 16);
	assert_memory_equal(ic + 8, SVC6, 16);
	assert_int_equal(ic[24], 2);
	assert_memory_equal(ic + 26, SVC_MAC, 6);
	assert_memory_equal(b, CLI_MAC, 6);
	assert_true(csum_ok(pseudo(ip + 8, ip + 24, 16, 58, 32), ic, 32));

	/* Hop limit other than 255 means it crossed a router: ignored. */
	ip[7] = 64;
	ic[0] = 135;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_OTHER);
	/* No room for the answer. */
	ip[7] = 255;
	memcpy(ic + 8, SVC6, 16);
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_ND);
	assert_int_equal(dp_frame_reply_nd(b, o + 40 + 20, &f, &s), 0);
}

static void test_echo(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	uint8_t b[256];
	svc_init(&s);
	size_t o = eth(b, 0x0800, -1);
	uint8_t *ip = b + o, *ic = ip + 20;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 8 + 13);
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, CLI4, 4);
	memcpy(ip + 16, SVC4, 4);
	ic[0] = 8;
	ic[1] = 0;
	put16(ic + 4, 0x1234);
	put16(ic + 6, 1);
	memset(ic + 8, 0x33, 13);
	size_t len = o + 41;
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_ECHO);
	size_t out = dp_frame_reply_echo(b, &f);
	assert_int_equal(out, len);
	assert_int_equal(ic[0], 0);
	assert_memory_equal(ip + 12, SVC4, 4);
	assert_memory_equal(ip + 16, CLI4, 4);
	assert_true(csum_ok(0, ip, 20));
	assert_true(csum_ok(0, ic, 21));
	/* An echo reply is not answered. */
	assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_OTHER);
}

static void test_build_roundtrip(void **state)
{
	(void)state;
	struct dp_svc s;
	struct dp_frame f;
	struct bolt_client c;
	uint8_t b[2048], out[2048];
	svc_init(&s);
	for (int v6 = 0; v6 < 2; v6++) {
		for (int vlan = 0; vlan < 2; vlan++) {
			size_t len = v6 ? udp6(b, 53, QUERY, sizeof(QUERY))
			                : udp4(b, vlan ? 12 : -1, 53, QUERY, sizeof(QUERY));
			assert_int_equal(dp_frame_parse(b, len, &s, &f), DP_FRAME_DNS);
			dp_frame_client(b, &f, &c);
			uint16_t l2, l3;
			size_t n = dp_frame_build(out, sizeof(out), &c, QUERY, sizeof(QUERY), true, true,
			                          &l2, &l3);
			/* Built by the server side: the same bytes as a reply. */
			size_t m = dp_frame_reply_dns(b, &f, sizeof(QUERY), true, true);
			assert_int_equal(n, m);
			assert_int_equal(l2, f.l3_off);
			assert_int_equal(l3, v6 ? 40 : 20);
			if (!v6) {
				/* IP ID/flags differ (DF); compare everything else. */
				assert_memory_equal(out, b, f.l3_off + 4);
				assert_true(csum_ok(0, out + l2, 20));
				assert_memory_equal(out + l2 + 12, b + l2 + 12, n - l2 - 12);
			} else {
				assert_memory_equal(out, b, n);
			}
		}
	}
	/* Too small a buffer, unknown family. */
	assert_int_equal(dp_frame_build(out, 40, &c, QUERY, sizeof(QUERY), true, true, NULL, NULL), 0);
	c.family = 0;
	assert_int_equal(dp_frame_build(out, sizeof(out), &c, QUERY, sizeof(QUERY), true, true, NULL,
	                                NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071),
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_vlan),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_ipv4),
		cmocka_unit_test(test_not_for_us),
		cmocka_unit_test(test_reply_ipv4),
		cmocka_unit_test(test_reply_ipv6),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_nd),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_build_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
