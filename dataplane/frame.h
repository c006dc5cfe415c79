/*
 * Ethernet / IPv4 / IPv6 / UDP framing for the DPDK dataplane, on plain
 * byte buffers so that the same code is unit-tested and fuzzed without a NIC.
 *
 * Classifies a received frame (DNS query to a service address, ARP request,
 * IPv6 neighbour solicitation, ICMP echo, anything else, malformed), turns a
 * query frame into its response frame in place (swap MACs, addresses, ports;
 * lengths; checksums), answers ARP / ND / echo in place, and builds a frame
 * from a client tuple (answers coming back from the control plane).
 *
 * Every function is pure and thread-safe: it touches only the buffers given.
 */
#ifndef BOLTDNS_DP_FRAME_H
#define BOLTDNS_DP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "boltdns/common.h"
#include "boltdns/csum.h"
#include "boltdns/msg.h"

#define DP_ETH_HLEN 14
#define DP_VLAN_HLEN 4
#define DP_IP4_HLEN 20
#define DP_IP6_HLEN 40
#define DP_UDP_HLEN 8
#define DP_DNS_PORT 53
#define DP_MAX_SVC 16
#define DP_REPLY_TTL 64         /* IP TTL / hop limit of what the dataplane sends */

/* The service addresses a port answers for, and its MAC. */
struct dp_svc {
	uint8_t mac[6];
	uint8_t n4;
	uint8_t n6;
	bool any_addr;                 /* no address configured: DNS to any address */
	uint8_t v4[DP_MAX_SVC][4];
	uint8_t v6[DP_MAX_SVC][16];
	uint16_t dns_port;             /* host order, normally 53 */
};

enum dp_frame_kind {
	DP_FRAME_DNS = 0,      /* UDP to a service address and the DNS port */
	DP_FRAME_ARP,          /* ARP request for a service IPv4 address */
	DP_FRAME_ND,           /* neighbour solicitation for a service IPv6 address */
	DP_FRAME_ECHO,         /* ICMP / ICMPv6 echo request to a service address */
	DP_FRAME_OTHER,        /* well-formed, not for the dataplane (exception path) */
	DP_FRAME_SLOW,         /* IPv4 with options or fragmented: not handled here */
	DP_FRAME_BAD,          /* malformed: lengths, versions, truncation */
};

/* Where the layers of a parsed frame are. */
struct dp_frame {
	uint16_t l3_off;       /* IP (or ARP) header */
	uint16_t l4_off;       /* UDP / ICMP header */
	uint16_t dns_off;      /* UDP payload */
	uint16_t dns_len;      /* UDP payload length from the UDP header */
	uint16_t vlan_tci;     /* host order; 0 = untagged */
	uint8_t family;        /* AF_INET / AF_INET6 (0 for ARP) */
	uint8_t vlan;          /* 1 when tagged */
};

/*
 * Classify frame[0..len) for a port whose service is svc. On DP_FRAME_DNS,
 * DP_FRAME_ARP, DP_FRAME_ND and DP_FRAME_ECHO, f is filled. Bytes after the
 * IP packet (Ethernet padding) are ignored.
 */
int dp_frame_parse(const uint8_t *frame, size_t len, const struct dp_svc *svc,
                   struct dp_frame *f);

/*
 * Turn a DNS query frame (parsed as f) whose UDP payload was replaced by a
 * response of dns_len bytes into the response frame: MACs, addresses and
 * ports swapped, IP and UDP lengths set, IPv4 header checksum and UDP
 * checksum computed (unless the caller offloads them: csum_ip / csum_udp
 * false leave those fields for the NIC; with UDP offload the pseudo-header
 * sum is written as NICs expect). Returns the frame length.
 */
size_t dp_frame_reply_dns(uint8_t *frame, const struct dp_frame *f, size_t dns_len,
                          bool csum_ip, bool csum_udp);

/*
 * dp_frame_reply_dns for a response whose DNS payload's checksum partial sum
 * (memory-order one's complement sum, folded: bolt_answer_from_cache_csum)
 * is dns_sum: the UDP checksum is then made from it, the addresses and ports
 * (summed before the swap) and the lengths, without reading the payload.
 * dns_sum 0: not known, the payload is summed. The IPv4 header checksum is
 * always made from the received header and what changes (RFC 1624).
 */
size_t dp_frame_reply_dns_csum(uint8_t *frame, const struct dp_frame *f, size_t dns_len,
                               bool csum_ip, bool csum_udp, uint32_t dns_sum);

/* Answer an ARP request (parsed as f) in place with svc's MAC.
 * Returns the frame length (never shorter than 60 bytes). */
/*
 * The IPv4 part of dp_frame_reply_dns_csum, inline for the specialised hit
 * path (fastpath.c): the IPv4 (no options) / UDP query whose IP header is
 * at frame + l3_off becomes the response of dns_len bytes, with dns_sum
 * the DNS payload's partial sum (boltdns/csum.h, folded or not; non-zero).
 * Returns the frame length.
 */
static inline size_t dp_frame_reply_dns4(uint8_t *frame, size_t l3_off, size_t dns_len,
                                         bool csum_ip, bool csum_udp, uint64_t dns_sum)
{
	uint8_t *ip = frame + l3_off;
	uint8_t *udp = ip + DP_IP4_HLEN;
	uint16_t ulen = (uint16_t)(DP_UDP_HLEN + dns_len);

	/* Swapping addresses and ports changes no sum: sum them (and the
	 * header, RFC 1624 for what changes) from the query, before anything
	 * is written, as reading back fields just stored would stall. */
	uint64_t addr = bolt_csum_word(0, ip + 12);
	uint32_t ports;
	memcpy(&ports, udp, 4);
	uint16_t ip_sum = 0;
	if (csum_ip) {
		/* Words 0-3 as received but the total length, then TTL and
		 * protocol as sent, the addresses; the checksum word is 0. */
		uint16_t old_len;
		memcpy(&old_len, ip + 2, 2);
		uint64_t h = bolt_csum_word(addr, ip) + (uint16_t)~old_len;
		h = bolt_csum_add16(h, (uint16_t)(DP_IP4_HLEN + ulen));
		h = bolt_csum_add16(h, (uint16_t)(DP_REPLY_TTL << 8 | ip[9]));
		ip_sum = bolt_csum_fold(h);
	}

	uint8_t mac[6];
	memcpy(mac, frame, 6);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, mac, 6);
	uint32_t sp = ports >> 16 | ports << 16;
	memcpy(udp, &sp, 4);
	uint16_t be = htobe16(ulen);
	memcpy(udp + 4, &be, 2);
	uint64_t a;
	memcpy(&a, ip + 12, 8);
	a = a >> 32 | a << 32;
	memcpy(ip + 12, &a, 8);
	be = htobe16((uint16_t)(DP_IP4_HLEN + ulen));
	memcpy(ip + 2, &be, 2);
	ip[8] = DP_REPLY_TTL;
	uint16_t c = csum_ip ? (uint16_t)~ip_sum : 0;
	memcpy(ip + 10, &c, 2);

	uint64_t u = bolt_csum_add16(addr, 17 /* UDP */);
	u = bolt_csum_add16(u, ulen);
	if (!csum_udp) {
		/* The pseudo-header sum NICs complete. */
		c = bolt_csum_fold(u);
	} else {
		u = bolt_csum_plus(u, (uint64_t)ports + htobe16(ulen));
		u = bolt_csum_plus(u, dns_sum);
		c = (uint16_t)~bolt_csum_fold(u);
		/* 0 means "no checksum" in UDP: send its one's complement twin. */
		if (c == 0)
			c = 0xffff;
	}
	memcpy(udp + 6, &c, 2);
	return l3_off + DP_IP4_HLEN + ulen;
}

size_t dp_frame_reply_arp(uint8_t *frame, size_t cap, const struct dp_frame *f,
                          const struct dp_svc *svc);

/* Answer an IPv6 neighbour solicitation in place with a neighbour
 * advertisement (solicited, override, target link-layer address option).
 * cap: bytes writable at frame. Returns the frame length or 0 (no room). */
size_t dp_frame_reply_nd(uint8_t *frame, size_t cap, const struct dp_frame *f,
                         const struct dp_svc *svc);

/* Answer an ICMP or ICMPv6 echo request in place. Returns the frame length. */
size_t dp_frame_reply_echo(uint8_t *frame, const struct dp_frame *f);

/* Fill the client tuple of a parsed DNS frame (port/queue left to the caller). */
void dp_frame_client(const uint8_t *frame, const struct dp_frame *f, struct bolt_client *c);

/*
 * Build a whole Ethernet/IP/UDP frame to client c carrying payload[0..len)
 * into buf[0..cap) (source = c's server side). Checksums as in
 * dp_frame_reply_dns. Returns the frame length, 0 when it does not fit or
 * the family is unknown. *l3_len gets the IP header length (offload metadata).
 */
size_t dp_frame_build(uint8_t *buf, size_t cap, const struct bolt_client *c,
                      const uint8_t *payload, size_t len, bool csum_ip, bool csum_udp,
                      uint16_t *l2_len, uint16_t *l3_len);

/* Internet checksum helpers (RFC 1071), exposed for tests and offload set-up. */
/* The sums are kept in memory byte order: store the folded, complemented
 * result with memcpy and it is in network order. */
uint64_t dp_csum_add(uint64_t sum, const uint8_t *p, size_t len);
uint16_t dp_csum_fold(uint64_t sum);

#endif
