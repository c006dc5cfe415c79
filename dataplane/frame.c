/*
 * Ethernet / IP / UDP framing on byte buffers (see frame.h).
 *
 * Every read is checked against the frame length before it happens; integers
 * move through memcpy and be16toh/htobe16.
 */
#include <endian.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/wire_ctx.h"
#include "frame.h"

#define ETH_P_IP4 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_VLAN 0x8100
#define ETH_P_IP6 0x86dd
#define PROTO_ICMP 1
#define PROTO_UDP 17
#define PROTO_FRAG6 44
#define PROTO_ICMP6 58
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO 8
#define ICMP6_ECHO 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_NS 135
#define ICMP6_NA 136
#define ARP_HLEN 28
#define ND_NS_LEN 24            /* type, code, csum, reserved, target */
#define ND_NA_LEN 32            /* NA + target link-layer address option */
#define ETH_MIN_FRAME 60        /* without FCS */
#define REPLY_TTL DP_REPLY_TTL

static inline void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];
	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

uint64_t dp_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	/* A 64-bit one's complement accumulator (end-around carry): eight
	 * bytes per add. The sum is independent of byte order as long as it is
	 * folded the same way, so words are loaded in memory order. */
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		sum += w;
		sum += sum < w;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		sum += w;
		sum += sum < w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		sum += w;
		sum += sum < w;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* Odd final byte: the high byte of a word padded with zero. */
		uint8_t tmp[2] = { p[0], 0 };
		uint16_t w;
		memcpy(&w, tmp, 2);
		sum += w;
		sum += sum < w;
	}
	return sum;
}

uint16_t dp_csum_fold(uint64_t sum)
{
	/* 2^32 and 2^16 are both 1 modulo 2^16 - 1: fold the halves. */
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Add a 16-bit value given in host order to a memory-order sum. */
static inline uint64_t csum_add16(uint64_t sum, uint16_t host)
{
	uint16_t w = htobe16(host);
	sum += w;
	return sum + (sum < w);
}

static inline void put_csum(uint8_t *field, uint16_t folded)
{
	uint16_t c = (uint16_t)~folded;
	memcpy(field, &c, 2);
}

/* Pseudo-header sum for UDP / ICMPv6 over addresses src/dst of alen bytes. */
static uint64_t pseudo_sum(const uint8_t *src, const uint8_t *dst, size_t alen,
                           uint8_t proto, uint32_t l4_len)
{
	uint64_t s = dp_csum_add(0, src, alen);
	s = dp_csum_add(s, dst, alen);
	s = csum_add16(s, proto);
	s = csum_add16(s, (uint16_t)(l4_len >> 16));
	return csum_add16(s, (uint16_t)l4_len);
}

/* Sum of n (even) bytes read 16 bits at a time. For bytes just written
 * field by field: a wider load spanning several narrower stores cannot be
 * forwarded from the store buffer and stalls the pipeline. */
static inline uint64_t sum16(uint64_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2) {
		uint16_t w;
		memcpy(&w, p + i, 2);
		sum += w;
	}
	return sum;
}

static void ip4_csum(uint8_t *ip)
{
	memset(ip + 10, 0, 2);
	put_csum(ip + 10, dp_csum_fold(sum16(0, ip, DP_IP4_HLEN)));
}

/* UDP checksum: full in software, or the pseudo-header sum NICs complete. */
static void udp_csum(uint8_t *udp, const uint8_t *src, const uint8_t *dst, size_t alen,
                     uint16_t udp_len, bool full)
{
	uint64_t s = pseudo_sum(src, dst, alen, PROTO_UDP, udp_len);
	memset(udp + 6, 0, 2);
	if (!full) {
		uint16_t f = dp_csum_fold(s);
		memcpy(udp + 6, &f, 2);
		return;
	}
	/* The UDP and DNS headers were just rewritten field by field. */
	size_t head = udp_len >= DP_UDP_HLEN + 12 ? DP_UDP_HLEN + 12 : 0;
	s = sum16(s, udp, head);
	uint16_t f = (uint16_t)~dp_csum_fold(dp_csum_add(s, udp + head, udp_len - head));
	/* 0 means "no checksum" in UDP: send its one's complement twin. */
	if (f == 0)
		f = 0xffff;
	memcpy(udp + 6, &f, 2);
}

static bool svc_has_v4(const struct dp_svc *svc, const uint8_t *a)
{
	for (unsigned i = 0; i < svc->n4; i++)
		if (memcmp(svc->v4[i], a, 4) == 0)
			return true;
	return false;
}

static bool svc_has_v6(const struct dp_svc *svc, const uint8_t *a)
{
	for (unsigned i = 0; i < svc->n6; i++)
		if (memcmp(svc->v6[i], a, 16) == 0)
			return true;
	return false;
}

static int parse_udp(const uint8_t *frame, size_t l4, size_t l3_end,
                     const struct dp_svc *svc, struct dp_frame *f)
{
	if (l4 + DP_UDP_HLEN > l3_end)
		return DP_FRAME_BAD;
	uint16_t ulen = bolt_wire_get_u16(frame + l4 + 4);
	if (ulen < DP_UDP_HLEN || l4 + ulen > l3_end)
		return DP_FRAME_BAD;
	if (bolt_wire_get_u16(frame + l4 + 2) != svc->dns_port)
		return DP_FRAME_OTHER;
	f->l4_off = (uint16_t)l4;
	f->dns_off = (uint16_t)(l4 + DP_UDP_HLEN);
	f->dns_len = (uint16_t)(ulen - DP_UDP_HLEN);
	return DP_FRAME_DNS;
}

static int parse_arp(const uint8_t *frame, size_t len, size_t off,
                     const struct dp_svc *svc, struct dp_frame *f)
{
	if (off + ARP_HLEN > len)
		return DP_FRAME_BAD;
	const uint8_t *a = frame + off;
	if (bolt_wire_get_u16(a) != 1 || bolt_wire_get_u16(a + 2) != ETH_P_IP4 || a[4] != 6 || a[5] != 4)
		return DP_FRAME_OTHER;
	if (bolt_wire_get_u16(a + 6) != 1 || !svc_has_v4(svc, a + 24))
		return DP_FRAME_OTHER;
	f->l3_off = (uint16_t)off;
	f->family = 0;
	return DP_FRAME_ARP;
}

static int parse_ip4(const uint8_t *frame, size_t len, size_t off,
                     const struct dp_svc *svc, struct dp_frame *f)
{
	if (off + DP_IP4_HLEN > len)
		return DP_FRAME_BAD;
	const uint8_t *ip = frame + off;
	if ((ip[0] >> 4) != 4)
		return DP_FRAME_BAD;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	size_t total = bolt_wire_get_u16(ip + 2);
	if (ihl < DP_IP4_HLEN || total < ihl || off + total > len)
		return DP_FRAME_BAD;
	if (!svc->any_addr && !svc_has_v4(svc, ip + 16))
		return DP_FRAME_OTHER;
	/* Options and fragments are rare for DNS and need reassembly or
	 * rewriting the fast path does not do. */
	if (ihl != DP_IP4_HLEN || (bolt_wire_get_u16(ip + 6) & 0x3fff) != 0)
		return DP_FRAME_SLOW;
	f->l3_off = (uint16_t)off;
	f->family = AF_INET;
	size_t l4 = off + ihl, end = off + total;
	if (ip[9] == PROTO_UDP)
		return parse_udp(frame, l4, end, svc, f);
	if (ip[9] == PROTO_ICMP) {
		if (l4 + 8 > end)
			return DP_FRAME_BAD;
		if (frame[l4] != ICMP_ECHO || frame[l4 + 1] != 0 || svc->any_addr)
			return DP_FRAME_OTHER;
		f->l4_off = (uint16_t)l4;
		return DP_FRAME_ECHO;
	}
	return DP_FRAME_OTHER;
}

static int parse_ip6(const uint8_t *frame, size_t len, size_t off,
                     const struct dp_svc *svc, struct dp_frame *f)
{
	if (off + DP_IP6_HLEN > len)
		return DP_FRAME_BAD;
	const uint8_t *ip = frame + off;
	if ((ip[0] >> 4) != 6)
		return DP_FRAME_BAD;
	size_t plen = bolt_wire_get_u16(ip + 4);
	size_t l4 = off + DP_IP6_HLEN, end = l4 + plen;
	if (end > len)
		return DP_FRAME_BAD;
	f->l3_off = (uint16_t)off;
	f->family = AF_INET6;
	uint8_t nh = ip[6];
	if (nh == PROTO_ICMP6) {
		if (l4 + 4 > end)
			return DP_FRAME_BAD;
		uint8_t type = frame[l4];
		if (type == ICMP6_NS) {
			if (l4 + ND_NS_LEN > end)
				return DP_FRAME_BAD;
			/* RFC 4861 7.1.1: a solicitation that crossed a router is invalid. */
			if (ip[7] != 255 || frame[l4 + 1] != 0 || !svc_has_v6(svc, frame + l4 + 8))
				return DP_FRAME_OTHER;
			f->l4_off = (uint16_t)l4;
			return DP_FRAME_ND;
		}
		if (type == ICMP6_ECHO && svc_has_v6(svc, ip + 24)) {
			if (l4 + 8 > end)
				return DP_FRAME_BAD;
			f->l4_off = (uint16_t)l4;
			return DP_FRAME_ECHO;
		}
		return DP_FRAME_OTHER;
	}
	if (!svc->any_addr && !svc_has_v6(svc, ip + 24))
		return DP_FRAME_OTHER;
	if (nh == PROTO_UDP)
		return parse_udp(frame, l4, end, svc, f);
	/* Extension headers (fragments above all) go the slow way. */
	if (nh == PROTO_FRAG6 || nh == 0 || nh == 43 || nh == 60)
		return DP_FRAME_SLOW;
	return DP_FRAME_OTHER;
}

int dp_frame_parse(const uint8_t *frame, size_t len, const struct dp_svc *svc,
                   struct dp_frame *f)
{
	memset(f, 0, sizeof(*f));
	if (len < DP_ETH_HLEN)
		return DP_FRAME_BAD;
	uint16_t et = bolt_wire_get_u16(frame + 12);
	size_t off = DP_ETH_HLEN;
	if (et == ETH_P_VLAN) {
		if (len < DP_ETH_HLEN + DP_VLAN_HLEN)
			return DP_FRAME_BAD;
		f->vlan = 1;
		f->vlan_tci = bolt_wire_get_u16(frame + 14);
		et = bolt_wire_get_u16(frame + 16);
		off += DP_VLAN_HLEN;
	}
	switch (et) {
	case ETH_P_IP4:
		return parse_ip4(frame, len, off, svc, f);
	case ETH_P_IP6:
		return parse_ip6(frame, len, off, svc, f);
	case ETH_P_ARP:
		return parse_arp(frame, len, off, svc, f);
	default:
		return DP_FRAME_OTHER;
	}
}

size_t dp_frame_reply_dns_csum(uint8_t *frame, const struct dp_frame *f, size_t dns_len,
                               bool csum_ip, bool csum_udp, uint32_t dns_sum)
{
	bool v4 = f->family == AF_INET;
	if (v4 && (dns_sum != 0 || !csum_udp))
		return dp_frame_reply_dns4(frame, f->l3_off, dns_len, csum_ip, csum_udp, dns_sum);
	uint8_t *ip = frame + f->l3_off;
	uint8_t *udp = frame + f->l4_off;
	uint16_t ulen = (uint16_t)(DP_UDP_HLEN + dns_len);
	size_t alen = v4 ? 4 : 16;
	uint8_t *src = v4 ? ip + 12 : ip + 8;

	/* Swapping addresses and ports changes no sum: sum them (and the IPv4
	 * header, RFC 1624 for what changes) from the query, before anything
	 * is written, as reading back fields just stored would stall. */
	uint64_t addr = dp_csum_add(0, src, 2 * alen);
	uint32_t ports;
	memcpy(&ports, udp, 4);
	uint16_t ip_sum = 0;
	if (v4 && csum_ip) {
		/* Words 0-3 as received but the total length, then TTL and
		 * protocol as sent, the addresses; the checksum word is 0. */
		uint16_t old_len;
		memcpy(&old_len, ip + 2, 2);
		uint64_t h = dp_csum_add(addr, ip, 8) + (uint16_t)~old_len;
		h = csum_add16(h, (uint16_t)(DP_IP4_HLEN + ulen));
		h = csum_add16(h, (uint16_t)(REPLY_TTL << 8 | ip[9]));
		ip_sum = dp_csum_fold(h);
	}

	swap_bytes(frame, frame + 6, 6);
	swap_bytes(udp, udp + 2, 2);
	bolt_wire_put_u16(udp + 4, ulen);
	if (v4) {
		swap_bytes(ip + 12, ip + 16, 4);
		bolt_wire_put_u16(ip + 2, (uint16_t)(DP_IP4_HLEN + ulen));
		ip[8] = REPLY_TTL;
		if (csum_ip)
			put_csum(ip + 10, ip_sum);
		else
			memset(ip + 10, 0, 2);
	} else {
		swap_bytes(ip + 8, ip + 24, 16);
		bolt_wire_put_u16(ip + 4, ulen);
		ip[7] = REPLY_TTL;
	}
	if (csum_udp && dns_sum == 0) {
		udp_csum(udp, src, src + alen, alen, ulen, true);
	} else {
		uint64_t u = csum_add16(addr, PROTO_UDP);
		u = csum_add16(u, ulen);
		if (!csum_udp) {
			/* The pseudo-header sum NICs complete. */
			uint16_t ps = dp_csum_fold(u);
			memcpy(udp + 6, &ps, 2);
		} else {
			u += (ports & 0xffff) + (ports >> 16);
			u = csum_add16(u, ulen);
			u += dns_sum;
			uint16_t c = (uint16_t)~dp_csum_fold(u);
			/* 0 means "no checksum" in UDP: send its one's complement twin. */
			if (c == 0)
				c = 0xffff;
			memcpy(udp + 6, &c, 2);
		}
	}
	return (size_t)f->dns_off + dns_len;
}

size_t dp_frame_reply_dns(uint8_t *frame, const struct dp_frame *f, size_t dns_len,
                          bool csum_ip, bool csum_udp)
{
	return dp_frame_reply_dns_csum(frame, f, dns_len, csum_ip, csum_udp, 0);
}

size_t dp_frame_reply_arp(uint8_t *frame, size_t cap, const struct dp_frame *f,
                          const struct dp_svc *svc)
{
	uint8_t *a = frame + f->l3_off;
	uint8_t spa[4], tpa[4];

	memcpy(spa, a + 14, 4);
	memcpy(tpa, a + 24, 4);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, svc->mac, 6);
	bolt_wire_put_u16(a + 6, 2);
	memcpy(a + 18, a + 8, 6);     /* target hw = requester */
	memcpy(a + 24, spa, 4);
	memcpy(a + 8, svc->mac, 6);
	memcpy(a + 14, tpa, 4);
	size_t len = (size_t)f->l3_off + ARP_HLEN;
	if (len < ETH_MIN_FRAME && cap >= ETH_MIN_FRAME) {
		memset(frame + len, 0, ETH_MIN_FRAME - len);
		len = ETH_MIN_FRAME;
	}
	return len;
}

size_t dp_frame_reply_nd(uint8_t *frame, size_t cap, const struct dp_frame *f,
                         const struct dp_svc *svc)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t unspec[16];
	uint8_t *ip = frame + f->l3_off;
	uint8_t *icmp = frame + f->l4_off;
	uint8_t target[16];

	if ((size_t)f->l4_off + ND_NA_LEN > cap)
		return 0;
	memcpy(target, icmp + 8, 16);
	/* A solicitation from the unspecified address (duplicate address
	 * detection) is answered to all nodes, unsolicited (RFC 4861 7.2.4). */
	bool dad = memcmp(ip + 8, unspec, 16) == 0;
	if (dad) {
		memcpy(ip + 24, all_nodes, 16);
		static const uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };
		memcpy(frame, mc, 6);
	} else {
		memcpy(ip + 24, ip + 8, 16);
		memcpy(frame, frame + 6, 6);
	}
	memcpy(frame + 6, svc->mac, 6);
	memcpy(ip + 8, target, 16);
	bolt_wire_put_u16(ip + 4, ND_NA_LEN);
	ip[6] = PROTO_ICMP6;
	ip[7] = 255;
	memset(icmp, 0, ND_NA_LEN);
	icmp[0] = ICMP6_NA;
	icmp[4] = dad ? 0x20 : 0x60; /* (S)olicited unless DAD, (O)verride */
	memcpy(icmp + 8, target, 16);
	icmp[24] = 2;                  /* target link-layer address option */
	icmp[25] = 1;                  /* length in units of 8 bytes */
	memcpy(icmp + 26, svc->mac, 6);
	uint64_t s = pseudo_sum(ip + 8, ip + 24, 16, PROTO_ICMP6, ND_NA_LEN);
	put_csum(icmp + 2, dp_csum_fold(dp_csum_add(s, icmp, ND_NA_LEN)));
	return (size_t)f->l4_off + ND_NA_LEN;
}

size_t dp_frame_reply_echo(uint8_t *frame, const struct dp_frame *f)
{
	uint8_t *ip = frame + f->l3_off;
	uint8_t *icmp = frame + f->l4_off;

	swap_bytes(frame, frame + 6, 6);
	if (f->family == AF_INET) {
		size_t ilen = bolt_wire_get_u16(ip + 2) - DP_IP4_HLEN;
		swap_bytes(ip + 12, ip + 16, 4);
		ip[8] = REPLY_TTL;
		ip4_csum(ip);
		icmp[0] = ICMP_ECHO_REPLY;
		memset(icmp + 2, 0, 2);
		put_csum(icmp + 2, dp_csum_fold(dp_csum_add(0, icmp, ilen)));
		return (size_t)f->l4_off + ilen;
	}
	size_t plen = bolt_wire_get_u16(ip + 4);
	swap_bytes(ip + 8, ip + 24, 16);
	ip[7] = REPLY_TTL;
	icmp[0] = ICMP6_ECHO_REPLY;
	memset(icmp + 2, 0, 2);
	uint64_t s = pseudo_sum(ip + 8, ip + 24, 16, PROTO_ICMP6, (uint32_t)plen);
	put_csum(icmp + 2, dp_csum_fold(dp_csum_add(s, icmp, plen)));
	return (size_t)f->l4_off + plen;
}

void dp_frame_client(const uint8_t *frame, const struct dp_frame *f, struct bolt_client *c)
{
	const uint8_t *ip = frame + f->l3_off;
	const uint8_t *udp = frame + f->l4_off;

	memset(c, 0, sizeof(*c));
	c->family = f->family;
	c->vlan_tci = f->vlan ? f->vlan_tci : 0;
	memcpy(&c->client_port, udp, 2);
	memcpy(&c->server_port, udp + 2, 2);
	memcpy(c->client_mac, frame + 6, 6);
	memcpy(c->server_mac, frame, 6);
	if (f->family == AF_INET) {
		memcpy(c->client_addr, ip + 12, 4);
		memcpy(c->server_addr, ip + 16, 4);
	} else {
		memcpy(c->client_addr, ip + 8, 16);
		memcpy(c->server_addr, ip + 24, 16);
	}
}

size_t dp_frame_build(uint8_t *buf, size_t cap, const struct bolt_client *c,
                      const uint8_t *payload, size_t len, bool csum_ip, bool csum_udp,
                      uint16_t *l2_len, uint16_t *l3_len)
{
	size_t l2 = DP_ETH_HLEN + (c->vlan_tci ? DP_VLAN_HLEN : 0);
	size_t l3 = c->family == AF_INET ? DP_IP4_HLEN : DP_IP6_HLEN;
	size_t ulen = DP_UDP_HLEN + len;

	if ((c->family != AF_INET && c->family != AF_INET6) || ulen > UINT16_MAX - l3 ||
	    l2 + l3 + ulen > cap)
		return 0;
	memcpy(buf, c->client_mac, 6);
	memcpy(buf + 6, c->server_mac, 6);
	if (c->vlan_tci) {
		bolt_wire_put_u16(buf + 12, ETH_P_VLAN);
		bolt_wire_put_u16(buf + 14, c->vlan_tci);
	}
	bolt_wire_put_u16(buf + l2 - 2, c->family == AF_INET ? ETH_P_IP4 : ETH_P_IP6);
	uint8_t *ip = buf + l2;
	uint8_t *udp = ip + l3;
	memcpy(udp, &c->server_port, 2);
	memcpy(udp + 2, &c->client_port, 2);
	bolt_wire_put_u16(udp + 4, (uint16_t)ulen);
	memcpy(udp + DP_UDP_HLEN, payload, len);
	if (c->family == AF_INET) {
		ip[0] = 0x45;
		ip[1] = 0;
		bolt_wire_put_u16(ip + 2, (uint16_t)(l3 + ulen));
		bolt_wire_put_u16(ip + 4, 0);
		bolt_wire_put_u16(ip + 6, 0x4000);  /* don't fragment */
		ip[8] = REPLY_TTL;
		ip[9] = PROTO_UDP;
		memcpy(ip + 12, c->server_addr, 4);
		memcpy(ip + 16, c->client_addr, 4);
		if (csum_ip)
			ip4_csum(ip);
		else
			memset(ip + 10, 0, 2);
		udp_csum(udp, ip + 12, ip + 16, 4, (uint16_t)ulen, csum_udp);
	} else {
		memset(ip, 0, 4);
		ip[0] = 0x60;
		bolt_wire_put_u16(ip + 4, (uint16_t)ulen);
		ip[6] = PROTO_UDP;
		ip[7] = REPLY_TTL;
		memcpy(ip + 8, c->server_addr, 16);
		memcpy(ip + 24, c->client_addr, 16);
		udp_csum(udp, ip + 8, ip + 24, 16, (uint16_t)ulen, csum_udp);
	}
	if (l2_len)
		*l2_len = (uint16_t)l2;
	if (l3_len)
		*l3_len = (uint16_t)l3;
	return l2 + l3 + ulen;
}
