/*
 * Messages on the shared rings between the dataplane and the control plane.
 * Fixed-size slots; defined once here and covered by
 * BOLT_REGION_LAYOUT_VERSION (boltdns/region.h).
 */
#ifndef BOLTDNS_MSG_H
#define BOLTDNS_MSG_H

#include "boltdns/common.h"

/* Where a query came from and where its answer must go. Addresses in
 * network byte order as on the wire; MACs and VLAN for DPDK ports. */
struct bolt_client {
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t port_id;         /* dataplane port (DPDK port id or socket index) */
	uint16_t queue_id;       /* RX/TX queue of the lcore */
	uint16_t vlan_tci;       /* 0 = untagged */
	uint16_t client_port;    /* network order */
	uint16_t server_port;    /* network order */
	uint8_t client_mac[6];
	uint8_t server_mac[6];
	uint8_t client_addr[16]; /* IPv4 in the first 4 bytes */
	uint8_t server_addr[16];
};

#define BOLT_MISS_QUESTION_MAX 260   /* 255 name + 4 + slack */

/* Dataplane lcore -> control plane: a query the cache could not answer. */
struct bolt_miss_msg {
	struct bolt_client client;
	uint16_t id;
	uint16_t qflags;          /* the query's header flags word (RD, CD, ...) */
	uint16_t qtype;
	uint16_t qclass;
	uint16_t edns_udp_size;   /* 0 without EDNS */
	uint8_t has_edns;
	uint8_t do_bit;
	uint16_t question_len;    /* bytes used in question */
	uint16_t flags;           /* BOLT_MISS_F_*; 0 for a client's miss */
	uint32_t received;        /* unix seconds at the dataplane */
	uint8_t question[BOLT_MISS_QUESTION_MAX]; /* client's original bytes */
};

/* Not a miss but a prefetch hint: the entry was hit in the last 10% of its
 * TTL. No client waits: the control plane refreshes the entry and answers
 * nobody (client, id, qflags and EDNS fields are zero). */
#define BOLT_MISS_F_PREFETCH 0x0001u

/* Not a miss but a dataplane hit sampled for dnstap ([dnstap] sample): the
 * client and query fields are filled as for a miss; the control plane logs
 * it and answers nobody (the dataplane did). Sent only while the ring is
 * less than half full, so samples never take a miss's slot. */
#define BOLT_MISS_F_TAP 0x0002u

/* Not a miss but a NOTIFY (RFC 1996, opcode 4) for the control plane's
 * policy zones: question[0..question_len) holds the whole message, header
 * included (at most BOLT_MISS_QUESTION_MAX bytes: a longer one gets NOTIMP
 * from the dataplane, and goes over TCP). Every resolver worker gets one;
 * the copies other than ring 0's carry BOLT_MISS_F_COPY: acted on, answered
 * by nobody. */
#define BOLT_MISS_F_NOTIFY 0x0004u
#define BOLT_MISS_F_COPY 0x0008u

#define BOLT_MISS_SLOT 384
_Static_assert(sizeof(struct bolt_miss_msg) <= BOLT_MISS_SLOT, "miss slot too small");

#define BOLT_ANSWER_PAYLOAD_MAX 4096

/* Control plane -> dataplane lcore: a finished DNS payload to send. */
struct bolt_answer_msg {
	struct bolt_client client;
	uint16_t len;             /* bytes of payload */
	uint16_t reserved[3];
	uint8_t payload[BOLT_ANSWER_PAYLOAD_MAX];
};

#define BOLT_ANSWER_SLOT (BOLT_ANSWER_PAYLOAD_MAX + 128)
_Static_assert(sizeof(struct bolt_answer_msg) <= BOLT_ANSWER_SLOT, "answer slot too small");

#endif
