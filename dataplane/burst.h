/*
 * The per-burst frame handler of the DPDK dataplane, over plain frame
 * buffers so that boltdns-dp, the fuzz target and the benchmark run the very
 * same code (dpdk.c only maps rte_mbufs to and from struct dp_frame_pkt).
 *
 * For each frame: classify (frame.c); DNS queries of the whole burst go
 * through dp_process_burst together; hits and error responses become the
 * response frame in place; misses are queued with their client tuple;
 * ARP / neighbour solicitations / echo requests for the service addresses
 * are answered in place; other frames are marked for the exception path
 * (when the port has one) or dropped. Counters: arp, not_dns, dropped_bad,
 * exception (rx/tx are the I/O layer's).
 *
 * Thread: the worker's own thread.
 */
#ifndef BOLTDNS_DP_BURST_H
#define BOLTDNS_DP_BURST_H

#include "frame.h"
#include "process.h"

enum dp_action {
	DP_ACT_DROP = 0,       /* free it */
	DP_ACT_TX = 1,         /* send data[0..out_len) back out of the port */
	DP_ACT_EXC = 2,        /* hand to the exception path unchanged */
};

/* One received frame. */
struct dp_frame_pkt {
	uint8_t *data;         /* frame start */
	uint16_t len;          /* frame length */
	uint16_t room;         /* bytes writable from data */
	uint16_t out_len;      /* DP_ACT_TX: response frame length */
	uint8_t action;        /* enum dp_action */
	uint8_t family;        /* DP_ACT_TX of DNS: AF_INET/AF_INET6 (offload), else 0 */
	uint16_t l2_len;       /* DP_ACT_TX of DNS: Ethernet (+VLAN) header length */
	uint16_t l3_len;       /* DP_ACT_TX of DNS: IP header length */
};

/* The port a burst came from. */
struct dp_port_ctx {
	const struct dp_svc *svc;
	bool ol_ip;            /* IPv4 header checksum left to the NIC */
	bool ol_udp;           /* UDP checksum left to the NIC (pseudo-header sum written) */
	bool have_exc;         /* an exception path exists for this worker */
	uint8_t port_index;    /* bolt_client.port_id of misses */
	uint16_t queue;        /* bolt_client.queue_id of misses */
};

/* A query the specialised hit path took (fastpath.c), between its parse and
 * its answer. */
struct dp_fast_q {
	uint64_t opt_tail;     /* the query's OPT from its CLASS on (8 bytes, memory
	                          order): put back when the general path takes it */
	uint16_t id;
	uint16_t flags;
	uint16_t qend;         /* 12 + question length */
	uint16_t limit;        /* UDP response limit (bolt_udp_limit, buffer cap) */
	uint16_t dns_len;      /* UDP payload length */
	uint8_t dns_off;       /* UDP payload offset in the frame (IPv4 42, IPv6 62) */
	uint8_t v6;            /* IPv6 (else IPv4) */
	uint8_t idx;           /* frame index in the burst */
	uint8_t edns;          /* an OPT (without options) ends the query */
	uint8_t do_bit;
	uint8_t kj;            /* its burst lookup's index, or a packet-cache hit
	                          (fastpath.c KJ_PKC) or candidate (KJ_CAND, stages
	                          1b-1c only) or not the common query (KJ_NONE) */
	uint64_t pkh;          /* hash of its bytes after the ID (dp_pkc_hash); 0: the
	                          packet cache is off or they do not fit it */
	struct dp_pkc_slot *pk; /* its packet-cache entry (KJ_PKC, KJ_CAND) */
	uint64_t csum;         /* answered by the fast path, to keep in the packet
	                          cache: its response's partial sum */
	uint16_t out_len;      /* and length */
};

/* Scratch for one burst (per worker, so nothing is on the stack). */
struct dp_burst_scratch {
	struct dp_frame fr[DP_BURST_MAX];
	struct dp_pkt pkts[DP_BURST_MAX];
	uint8_t idx[DP_BURST_MAX];
	struct dp_fast_q fq[DP_BURST_MAX];
	/* Frames the fast path parsed but left to the general path (bit i:
	 * frame i, an untagged IPv4 (no options) or IPv6 (no extension
	 * header) UDP DNS frame, its UDP payload fast_dns_len[i] bytes): no
	 * second frame parse. Each is a well-formed query (bolt_query_parse
	 * gives 0) from a client the ACL allows, its hashed cache key in
	 * w->key[i]: no second DNS parse or key hash either (known_key). */
	uint64_t fast_parsed;
	uint64_t fast_miss;    /* of those, the ones its lookup missed (BOLT_ENOENT) */
	uint64_t fast_v6;      /* of those, the IPv6 ones */
	uint64_t fast_rl;      /* of those, hits it took the rate limit's decision
	                          for and found over the limit (dp_rl_over) */
	uint64_t fast_slip;    /* of those, the ones to slip (TC=1) */
	uint16_t fast_dns_len[DP_BURST_MAX];
};

/*
 * Handle n (<= DP_BURST_MAX) frames received on port p: sets each frame's
 * action (and out_len etc. for DP_ACT_TX). Returns the number to transmit.
 */
unsigned dp_burst_handle(struct dp_worker *w, struct dp_burst_scratch *s,
                         const struct dp_port_ctx *p, struct dp_frame_pkt *f, unsigned n);

#endif
