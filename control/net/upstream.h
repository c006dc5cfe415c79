/*
 * One upstream query through the kernel: UDP first, TCP when the answer is
 * truncated.
 *
 * Every query gets a fresh UDP socket bound to an ephemeral port the kernel
 * picks at random, a query ID from getrandom() (RFC 5452, see upq_random),
 * and is connect()ed so only the queried address and port can answer. A response is accepted
 * only with the query's ID and question (name compared case-insensitively);
 * anything else is ignored and the query keeps waiting until its timeout.
 *
 * Runs on a libuv loop; callbacks come from that loop's thread.
 */
#ifndef BOLTDNS_CONTROL_UPSTREAM_H
#define BOLTDNS_CONTROL_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "../iter/infra.h"

/*
 * Completion: status 0 with the response pkt[0..len) (valid only during the
 * call), BOLT_ETIMEOUT, or a negative errno (e.g. -ECONNREFUSED from an ICMP
 * error). rtt_ms: time from send to answer. tcp: the answer came over TCP.
 */
typedef void (*upq_cb)(void *arg, int status, const uint8_t *pkt, size_t len, uint32_t rtt_ms,
                       bool tcp);

struct upq_params {
	const struct infra_addr *server;
	const struct infra_addr *source;  /* local address to bind, NULL = any */
	const uint8_t *qname;             /* wire form, sent as given */
	uint16_t qtype;
	uint16_t qclass;
	bool edns;                        /* add OPT advertising edns_size */
	uint16_t edns_size;
	unsigned timeout_ms;              /* UDP; TCP gets twice as long */
	bool tcp_only;                    /* skip UDP (the caller knows it is truncated) */
	bool dnssec_ok;                   /* with edns: DO=1, the server sends RRSIGs and
	                                     NSEC/NSEC3 (RFC 3225) for the validator */
	bool rd;                          /* RD=1: a recursive server (a forward zone's) */
	const uint8_t *zone;              /* the zone cut asked, wire form (dnstap's
	                                     query_zone); NULL: not known */
};

/* Counters of every upstream query of the process. */
struct upq_counters {
	uint64_t sent;          /* UDP queries sent */
	uint64_t tcp;           /* TCP queries (after TC=1) */
	uint64_t timeouts;
	uint64_t errors;        /* socket errors, ICMP unreachable */
	uint64_t mismatched;    /* responses ignored: wrong ID or question */
	uint64_t answers;
};
extern struct upq_counters upq_counters;

struct upq;

/*
 * Send a query. cb is called exactly once (never from inside upq_send)
 * unless upq_cancel is called first. Returns the query or NULL with *err.
 */
struct upq *upq_send(uv_loop_t *loop, const struct upq_params *p, upq_cb cb, void *arg,
                     int *err);

/* Stop a query; its callback is never called. The memory is released once
 * libuv has closed its handles. */
void upq_cancel(struct upq *q);

/*
 * Close the upstream machinery of loop (its poll and timer handles; queries
 * still in flight are cancelled). The handles are closed once the loop runs
 * again. For tests and orderly shutdown.
 */
void upq_shutdown(uv_loop_t *loop);

struct dnstap;

/*
 * Log every upstream query and response to t as dnstap RESOLVER_QUERY and
 * RESOLVER_RESPONSE (control/dnstap), or stop logging (NULL). Loop thread.
 */
void upq_set_tap(struct dnstap *t);

/*
 * Fill buf[0..len) with bytes from getrandom(), read in blocks of 512 bytes
 * (each byte is handed out once). 0 or a negative errno. Loop thread only.
 */
int upq_random(void *buf, size_t len);

/*
 * Build the wire query the way upq_send does (exposed for tests and fuzzing).
 * Returns its length or a negative code.
 */
int upq_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname, uint16_t qtype,
                    uint16_t qclass, bool edns, uint16_t edns_size);

/* upq_build_query with the OPT's DO bit set when dnssec_ok (and edns). */
int upq_build_query_do(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname,
                       uint16_t qtype, uint16_t qclass, bool edns, uint16_t edns_size,
                       bool dnssec_ok);

/*
 * Does resp[0..len) answer the query (id, qname, qtype, qclass)? A FORMERR
 * or NOTIMP without a question is accepted (servers that reject EDNS often
 * drop it). Exposed for tests.
 */
bool upq_response_matches(const uint8_t *resp, size_t len, uint16_t id, const uint8_t *qname,
                          uint16_t qtype, uint16_t qclass);

#endif
