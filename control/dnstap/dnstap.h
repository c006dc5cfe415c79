/*
 * dnstap logging (https://dnstap.info): DNS messages as the dnstap protobuf
 * schema (dnstap.proto beside this file, encoded with protobuf-c) over Frame
 * Streams (libfstrm's writer: the handshake, control frames and framing) to
 * a collector's unix socket or to a file.
 *
 * Logging never stalls resolution. The loop thread encodes a message and
 * hands the frame to a bounded queue (single producer, single consumer);
 * a writer thread of our own takes frames off it and writes them through an
 * fstrm_writer. When the collector is slow the queue fills and new frames
 * are dropped at once; when it is gone (not listening, closed the socket,
 * never finishes the handshake) the writer thread drops what it takes and
 * tries to reconnect once a second. Every frame is counted exactly once:
 * written, dropped because the queue was full, or dropped because the output
 * was closed or failed. (fstrm's own I/O thread, fstrm_iothr, would do the
 * queueing too, but it discards frames silently while its output is closed,
 * so those losses could not be counted.)
 *
 * One dnstap per process; dnstap_log and dnstap_wants are called by one
 * thread (the loop thread), dnstap_get_stats by any.
 */
#ifndef BOLTDNS_CONTROL_DNSTAP_H
#define BOLTDNS_CONTROL_DNSTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message types, with the schema's values (Message.Type). */
enum dnstap_type {
	DNSTAP_RESOLVER_QUERY = 3,    /* boltdns-cp -> authoritative server */
	DNSTAP_RESOLVER_RESPONSE = 4, /* authoritative server -> boltdns-cp */
	DNSTAP_CLIENT_QUERY = 5,      /* client -> boltdns */
	DNSTAP_CLIENT_RESPONSE = 6,   /* boltdns -> client */
	DNSTAP_FORWARDER_QUERY = 7,   /* boltdns-cp -> a forward zone's recursive server (RD=1) */
	DNSTAP_FORWARDER_RESPONSE = 8,
};

/* Transports, with the schema's values (SocketProtocol). */
enum dnstap_proto {
	DNSTAP_UDP = 1,
	DNSTAP_TCP = 2,
	DNSTAP_DOT = 3,
	DNSTAP_DOH = 4,
};

/* HTTP versions of DoH, with the schema's values (HttpProtocol). */
enum dnstap_http {
	DNSTAP_HTTP_NONE = 0,         /* not HTTP: the field is left out */
	DNSTAP_HTTP1 = 1,
	DNSTAP_HTTP2 = 2,
	DNSTAP_HTTP3 = 3,
};

/* What triggered a policy (Policy.Match). */
enum dnstap_policy_match {
	DNSTAP_MATCH_QNAME = 1,
	DNSTAP_MATCH_CLIENT_IP = 2,
	DNSTAP_MATCH_RESPONSE_IP = 3,
	DNSTAP_MATCH_NS_NAME = 4,
	DNSTAP_MATCH_NS_IP = 5,
};

/* What a policy did (Policy.Action). */
enum dnstap_policy_action {
	DNSTAP_ACTION_NXDOMAIN = 1,
	DNSTAP_ACTION_NODATA = 2,
	DNSTAP_ACTION_PASS = 3,
	DNSTAP_ACTION_DROP = 4,
	DNSTAP_ACTION_TRUNCATE = 5,
	DNSTAP_ACTION_LOCAL_DATA = 6,
};

/* The operator's policy applied to a message (the schema's Policy). A NULL
 * pointer or a 0 leaves its field out. */
struct dnstap_policy {
	const char *type;             /* "RPZ" */
	const uint8_t *rule;          /* the rule: in an RPZ, its owner name (wire form) */
	size_t rule_len;
	enum dnstap_policy_action action;
	enum dnstap_policy_match match;
	const uint8_t *value;         /* what matched: a wire name, or a 4 or 16 byte address */
	size_t value_len;
};

/*
 * One message to log. Every pointer may be NULL (the field is left out);
 * nothing is kept after the call.
 */
struct dnstap_msg {
	enum dnstap_type type;
	enum dnstap_proto proto;
	uint8_t family;               /* AF_INET or AF_INET6 (0: no addresses or ports) */
	const uint8_t *query_addr;    /* the initiator's address: 4 or 16 bytes by family */
	uint16_t query_port;          /* host order, 0: absent */
	const uint8_t *response_addr; /* the responder's */
	uint16_t response_port;
	uint64_t query_ns;            /* CLOCK_REALTIME ns of the query, 0: absent */
	uint64_t response_ns;         /* of the response, 0: absent */
	const uint8_t *query;         /* the query message in wire form */
	size_t query_len;
	const uint8_t *response;      /* the response message in wire form */
	size_t response_len;
	const uint8_t *zone;          /* RESOLVER_*: the zone asked (wire name) */
	size_t zone_len;
	const struct dnstap_policy *policy; /* CLIENT_RESPONSE: the policy applied, or NULL */
	enum dnstap_http http;        /* DoH: the HTTP version */
};

/* Bits of struct dnstap_opts.types. */
#define DNSTAP_BIT(type) (1u << (unsigned)(type))

struct dnstap_opts {
	const char *socket_path;      /* the collector's unix socket, or NULL */
	const char *file_path;        /* a file to write instead ("-": stdout), or NULL */
	uint32_t types;               /* DNSTAP_BIT of each type to log */
	unsigned queue;               /* frames the queue holds (rounded up to a power of two) */
	const char *identity;         /* NULL or "": the host name */
	const char *version;          /* NULL or "": "boltdns" */
};

/* Counters; each frame ends in exactly one of written, drop_full, drop_output
 * (or is still queued). */
struct dnstap_stats {
	uint64_t messages;     /* dnstap_log calls for wanted types */
	uint64_t written;      /* frames written to the output */
	uint64_t drop_full;    /* dropped: the queue was full (collector slow) */
	uint64_t drop_output;  /* dropped: output closed or a write failed (collector gone) */
	uint64_t drop_encode;  /* not encoded (out of memory) */
	uint64_t queued;       /* frames waiting for the writer thread now */
	uint64_t reconnects;   /* outputs opened (the first open included) */
	bool connected;        /* the output is open now */
};

/*
 * Start logging: opens nothing yet (the writer thread connects, and keeps
 * trying once a second while the collector is not there), so a missing
 * collector never stops start-up. Exactly one of socket_path and file_path.
 * Returns NULL with *err: -EINVAL (no output or both, path too long),
 * -ENOMEM, or the thread's -errno.
 * Thread: any, once.
 */
struct dnstap *dnstap_open(const struct dnstap_opts *o, int *err);

/* Whether messages of type are logged (false when t is NULL): callers test
 * it before building anything. Loop thread. */
bool dnstap_wants(const struct dnstap *t, enum dnstap_type type);

/* Encode m and queue it for the writer; never blocks (a full queue drops and
 * counts it). Types not wanted are ignored. Loop thread. */
void dnstap_log(struct dnstap *t, const struct dnstap_msg *m);

/* Counters (t may be NULL: all zero). Any thread. */
void dnstap_get_stats(const struct dnstap *t, struct dnstap_stats *st);

/* Stop the writer thread, writing what is queued if the output is open (for
 * at most about a second: a collector that stopped reading does not hold up
 * the exit), and free t (NULL is fine). Loop thread. */
void dnstap_close(struct dnstap *t);

/* CLOCK_REALTIME in nanoseconds (the schema's times are wall-clock). */
uint64_t dnstap_now_ns(void);

/*
 * Encode m as one Dnstap frame (identity and version as given, may be NULL)
 * into a malloc'ed buffer: *out (the caller frees it) and *len. Returns 0,
 * -EINVAL (bad family or address) or -ENOMEM. Any thread. Exposed for the
 * unit test, which decodes it back with protobuf-c.
 */
int dnstap_encode(const struct dnstap_msg *m, const char *identity, const char *version,
                  uint8_t **out, size_t *len);

#endif
