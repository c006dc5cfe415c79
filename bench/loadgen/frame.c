/*
 * Ethernet/IPv4/UDP frames for the load generator and the reflector: build
 * query templates, classify received frames, answer ARP.
 */
#include "loadgen.h"

#include <ctype.h>
#include <endian.h>
#include <stdio.h>
#include <string.h>

#define ETH_P_IP4 0x0800
#define ETH_P_ARP_ 0x0806

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return be16toh(v);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

uint16_t lg_ip_checksum(const uint8_t *hdr, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(hdr + i);
	if (len & 1)
		sum += (uint32_t)hdr[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htobe16((uint16_t)~sum);
}

size_t lg_frame_build(uint8_t *buf, const struct lg_endpoints *ep, const uint8_t *dns, uint16_t len)
{
	if (len > LG_DNS_MAX)
		len = LG_DNS_MAX;
	memcpy(buf, ep->dst_mac, 6);
	memcpy(buf + 6, ep->src_mac, 6);
	put16(buf + 12, ETH_P_IP4);

	uint8_t *ip = buf + LG_OFF_IP;
	ip[0] = 0x45; /* v4, 20-byte header */
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(LG_IP4_LEN + LG_UDP_LEN + len));
	put16(ip + 4, 0);
	put16(ip + 6, 0x4000); /* DF: a query is never fragmented */
	ip[8] = 64;
	ip[9] = 17; /* UDP */
	put16(ip + 10, 0);
	memcpy(ip + 12, &ep->src_ip, 4);
	memcpy(ip + 16, &ep->dst_ip, 4);
	uint16_t csum = lg_ip_checksum(ip, LG_IP4_LEN);
	memcpy(ip + 10, &csum, 2);

	uint8_t *udp = buf + LG_OFF_UDP;
	put16(udp, 0); /* source port: stamped per send */
	memcpy(udp + 2, &ep->dst_port, 2);
	put16(udp + 4, (uint16_t)(LG_UDP_LEN + len));
	put16(udp + 6, 0); /* no checksum (IPv4), so stamping needs no fix-up */

	memcpy(buf + LG_OFF_DNS, dns, len);
	return LG_HDRS_LEN + (size_t)len;
}

void lg_frame_stamp(uint8_t *frame, uint16_t sport, uint16_t id)
{
	put16(frame + LG_OFF_SPORT, sport);
	put16(frame + LG_OFF_DNS, id);
}

enum lg_rx_kind lg_frame_classify(const uint8_t *f, size_t len, const struct lg_endpoints *ep,
                                  struct lg_response *r)
{
	if (len < LG_ETH_LEN)
		return LG_RX_OTHER;
	uint16_t et = get16(f + 12);
	if (et == ETH_P_ARP_) {
		/* Ethernet/IPv4 ARP request (opcode 1) whose target IP is ours */
		if (len < LG_ETH_LEN + 28)
			return LG_RX_OTHER;
		const uint8_t *a = f + LG_ETH_LEN;
		if (get16(a) != 1 || get16(a + 2) != ETH_P_IP4 || a[4] != 6 || a[5] != 4 ||
		    get16(a + 6) != 1)
			return LG_RX_OTHER;
		return memcmp(a + 24, &ep->src_ip, 4) == 0 ? LG_RX_ARP_REQ : LG_RX_OTHER;
	}
	if (et != ETH_P_IP4 || len < LG_HDRS_LEN)
		return LG_RX_OTHER;
	const uint8_t *ip = f + LG_OFF_IP;
	if (ip[0] != 0x45 || ip[9] != 17)
		return LG_RX_OTHER; /* options or not UDP: never sent by a DNS server to us here */
	if ((get16(ip + 6) & 0x3fff) != 0)
		return LG_RX_OTHER; /* a fragment: the server's answer would not fit; not counted */
	if (memcmp(ip + 12, &ep->dst_ip, 4) != 0 || memcmp(ip + 16, &ep->src_ip, 4) != 0)
		return LG_RX_OTHER;
	size_t iplen = get16(ip + 2);
	if (iplen < LG_IP4_LEN + LG_UDP_LEN || LG_ETH_LEN + iplen > len)
		return LG_RX_OTHER;
	const uint8_t *udp = f + LG_OFF_UDP;
	if (memcmp(udp, &ep->dst_port, 2) != 0)
		return LG_RX_OTHER;
	size_t ulen = get16(udp + 4);
	if (ulen < LG_UDP_LEN + 12 || ulen > iplen - LG_IP4_LEN)
		return LG_RX_OTHER;
	const uint8_t *dns = f + LG_OFF_DNS;
	uint16_t flags = get16(dns + 2);
	if (!(flags & 0x8000))
		return LG_RX_OTHER;
	r->dport = get16(udp + 2);
	r->id = get16(dns);
	r->flags = flags;
	r->dns = dns;
	r->dns_len = (uint16_t)(ulen - LG_UDP_LEN);
	r->ancount = get16(dns + 6);
	return LG_RX_DNS;
}

/* One's-complement sum of p[0..len) added to sum (not folded). */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

bool lg_frame_csum_ok(const uint8_t *f, size_t len)
{
	if (len < LG_HDRS_LEN)
		return false;
	const uint8_t *ip = f + LG_OFF_IP;
	if (lg_ip_checksum(ip, LG_IP4_LEN) != 0)
		return false;
	const uint8_t *udp = f + LG_OFF_UDP;
	size_t ulen = get16(udp + 4);
	if (ulen < LG_UDP_LEN || LG_OFF_UDP + ulen > len)
		return false;
	if (get16(udp + 6) == 0)
		return true; /* no UDP checksum: allowed over IPv4 */
	uint32_t sum = sum16(0, ip + 12, 8); /* source and destination addresses */
	sum += 17 + (uint32_t)ulen;
	sum = sum16(sum, udp, ulen);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

size_t lg_arp_reply(uint8_t *f, size_t len, const uint8_t our_mac[6])
{
	if (len < LG_ETH_LEN + 28)
		return 0;
	uint8_t *a = f + LG_ETH_LEN;
	uint8_t sha[6], spa[4], tpa[4];
	memcpy(sha, a + 8, 6);
	memcpy(spa, a + 14, 4);
	memcpy(tpa, a + 24, 4);
	put16(a + 6, 2); /* reply */
	memcpy(a + 8, our_mac, 6);
	memcpy(a + 14, tpa, 4);
	memcpy(a + 18, sha, 6);
	memcpy(a + 24, spa, 4);
	memcpy(f, sha, 6);
	memcpy(f + 6, our_mac, 6);
	return LG_ETH_LEN + 28;
}

bool lg_response_matches(const struct lg_response *r, const uint8_t *qframe, uint16_t qlen)
{
	if (r->dns_len < 12u + qlen)
		return false;
	if (get16(r->dns + 4) != 1)
		return false; /* QDCOUNT */
	const uint8_t *a = r->dns + 12;
	const uint8_t *b = qframe + LG_OFF_DNS + 12;
	for (uint16_t i = 0; i < qlen; i++) {
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	}
	return true;
}

int lg_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}
