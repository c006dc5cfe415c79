/*
 * boltdns-loadgen: the parts of the DPDK DNS load generator that do not need
 * DPDK (query files, frame templates, response matching, latency histogram),
 * so that they are unit-tested without a NIC.
 *
 * Everything here is single-threaded: the load generator runs one lcore.
 */
#ifndef BOLTDNS_BENCH_LOADGEN_H
#define BOLTDNS_BENCH_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_ETH_LEN 14
#define LG_IP4_LEN 20
#define LG_UDP_LEN 8
#define LG_HDRS_LEN (LG_ETH_LEN + LG_IP4_LEN + LG_UDP_LEN) /* DNS starts here */
#define LG_OFF_IP (LG_ETH_LEN)
#define LG_OFF_UDP (LG_ETH_LEN + LG_IP4_LEN)
#define LG_OFF_SPORT (LG_OFF_UDP)
#define LG_OFF_DNS (LG_HDRS_LEN)
#define LG_DNS_MAX 512 /* a query: header, one question, one OPT */
#define LG_FRAME_MAX (LG_HDRS_LEN + LG_DNS_MAX)

/* Options applied to every query of a file. */
struct lg_query_opts {
	bool rd;           /* recursion desired (a resolver benchmark: yes) */
	bool edns;         /* add an OPT record */
	bool do_bit;       /* DNSSEC OK in the OPT record */
	uint16_t edns_size;
};

struct lg_endpoints;

/*
 * The replayed queries as pre-built Ethernet/IPv4/UDP frames, packed one after
 * the other in one arena (a million-name file stays near 100 MB).
 */
struct lg_queries {
	uint8_t *arena;
	size_t arena_len;
	size_t arena_cap;
	uint64_t *off;     /* frame i starts at arena + off[i] */
	uint16_t *flen;    /* frame length */
	uint16_t *qlen;    /* question section length (name + type + class) */
	size_t n;
	size_t cap;
};

/*
 * Encode one line of a dnsperf query file ("name [TYPE]", '#' or ';'
 * comments, blank lines) into a DNS query with ID 0 in wire (>= LG_DNS_MAX
 * bytes). TYPE is a mnemonic (A, AAAA, MX, TXT, ...) or TYPEnnn; default A.
 * Returns 1 and sets *len (message) and *qlen (question section) when a query
 * was produced, 0 for a line that holds none, -1 when it is malformed.
 */
int lg_query_encode(const char *line, const struct lg_query_opts *opts, uint8_t *wire,
                    uint16_t *len, uint16_t *qlen);

/*
 * Load a whole query file and pre-build every frame for ep. On error returns
 * -1 and writes "FILE:LINE: why" to err. Free with lg_queries_free().
 */
int lg_queries_load(const char *path, const struct lg_query_opts *opts,
                    const struct lg_endpoints *ep, struct lg_queries *out, char *err, size_t errlen);

/* Append one query (DNS wire) as a frame for ep. Returns 0 or -1 (out of memory). */
int lg_queries_add(struct lg_queries *qs, const struct lg_endpoints *ep, const uint8_t *dns,
                   uint16_t len, uint16_t qlen);

void lg_queries_free(struct lg_queries *qs);

/* Addresses of both ends; IPs and port in network byte order. */
struct lg_endpoints {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t dst_port;
};

/*
 * Build the Ethernet/IPv4/UDP frame carrying the DNS message dns[0..len)
 * into buf (>= LG_FRAME_MAX).
 * The UDP source port and DNS ID are patched per send with
 * lg_frame_stamp(); the UDP checksum is 0 (allowed for IPv4) so that the
 * stamp does not need to recompute it. Returns the frame length.
 */
size_t lg_frame_build(uint8_t *buf, const struct lg_endpoints *ep, const uint8_t *dns, uint16_t len);

/* Write source port and DNS ID (host order) into a built frame. */
void lg_frame_stamp(uint8_t *frame, uint16_t sport, uint16_t id);

/* What a received frame turned out to be. */
enum lg_rx_kind {
	LG_RX_OTHER = 0,    /* not for us: ignore */
	LG_RX_DNS = 1,      /* a DNS response from the server to one of our ports */
	LG_RX_ARP_REQ = 2,  /* an ARP request for our IP: answer it */
};

/* A DNS response's fields used for matching and counting. */
struct lg_response {
	uint16_t dport;     /* host order: our source port of the query */
	uint16_t id;
	uint16_t flags;
	uint16_t dns_len;
	uint16_t ancount;   /* answer records the header announces */
	const uint8_t *dns; /* points into the frame */
};

/*
 * Classify a received frame against ep (bounds-checked; any length).
 * For LG_RX_DNS fills r. Frames that are truncated, fragmented, carry IP
 * options we do not expect, or a DNS message without QR are LG_RX_OTHER.
 */
enum lg_rx_kind lg_frame_classify(const uint8_t *frame, size_t len, const struct lg_endpoints *ep,
                                  struct lg_response *r);

/*
 * True when the IPv4 header checksum of a frame classified LG_RX_DNS is right
 * and its UDP checksum is either absent (0) or right over the pseudo-header,
 * header and payload. What a port without checksum offload (net_memif, a
 * virtual device) shows of the sender's software checksums.
 */
bool lg_frame_csum_ok(const uint8_t *frame, size_t len);

/*
 * Turn the ARP request in frame (classified LG_RX_ARP_REQ) into the reply in
 * place, answering with our_mac. Returns the reply length.
 */
size_t lg_arp_reply(uint8_t *frame, size_t len, const uint8_t our_mac[6]);

/*
 * True when the response's question section equals the one in the query
 * frame qframe (qlen bytes after the DNS header), ASCII case-insensitively.
 */
bool lg_response_matches(const struct lg_response *r, const uint8_t *qframe, uint16_t qlen);

/* IPv4 header checksum of hdr[0..len), returned in network byte order. */
uint16_t lg_ip_checksum(const uint8_t *hdr, size_t len);

/* Latency histogram with 1 us buckets up to LG_HIST_MAX_US (larger values go to the last). */
#define LG_HIST_MAX_US 2000000u
struct lg_hist {
	uint32_t *bucket;  /* LG_HIST_MAX_US + 1 entries */
	uint64_t n;
	double sum_us;
	uint32_t max_us;
};

int lg_hist_init(struct lg_hist *h);
void lg_hist_free(struct lg_hist *h);
void lg_hist_add(struct lg_hist *h, uint32_t us);
/* The latency in us at or below which a fraction p (0..1) of the samples lie; 0 if empty. */
uint32_t lg_hist_percentile(const struct lg_hist *h, double p);

/* Parse "aa:bb:cc:dd:ee:ff". Returns 0 or -1. */
int lg_parse_mac(const char *s, uint8_t mac[6]);

#endif
