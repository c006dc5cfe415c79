/*
 * The iterative resolver: one struct res per question being resolved from
 * the root down (zone cuts, referrals, glue, CNAME chains across zones,
 * negative answers), with sub-resolutions for NS names that came without
 * glue. Work limits (upstream queries, NS chases, depth, CNAME length, a
 * wall-clock deadline) are shared by a question and all its sub-resolutions,
 * so NXNS-style referrals and cyclic delegations end in SERVFAIL quickly.
 *
 * Runs on the libuv loop thread of struct cp.
 */
#ifndef BOLTDNS_CONTROL_RESOLVE_H
#define BOLTDNS_CONTROL_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#include "boltdns/wire.h"
#include "../cp.h"

struct res;

/* Called once when the resolution ends; r is freed right after it returns. */
typedef void (*res_done_cb)(struct res *r, void *arg);

/*
 * Resolve (qname, qtype, qclass) for a client; do_bit only tags the result.
 * cb may run before res_start returns (e.g. no server usable): the caller
 * must not touch anything cb frees after calling res_start.
 * Returns 0 or -ENOMEM (cb is then never called).
 */
int res_start(struct cp *cp, const uint8_t *qname, uint16_t qtype, uint16_t qclass,
              bool do_bit, res_done_cb cb, void *arg);

/*
 * Feed one upstream response to a new resolution as if it had been asked
 * (qname, qtype) of server, a server of zone, and had just answered pkt
 * (fuzzing and tests; normally only upstream I/O calls this path). What
 * follows runs as usual: with cp->offline set, any further query fails at
 * once, so the resolution always ends before res_inject returns. When zone
 * is a configured forward or stub zone (zones.h), the response is read as
 * its server's (a forwarder's: RD=1 answers).
 * Returns 0 or -ENOMEM.
 */
int res_inject(struct cp *cp, const uint8_t *zone, const struct infra_addr *server,
               const uint8_t *qname, uint16_t qtype, const uint8_t *pkt, size_t len,
               res_done_cb cb, void *arg);

/*
 * RFC 5011 active refresh: when a trust point's probe is due (the anchor
 * module's timers), resolve its DNSKEY RRset; the validation hands the set
 * over. One probe at a time. Call once a second (loop thread).
 */
void res_anchor_tick(struct cp *cp);

/* Outcome of a finished resolution (valid inside the callback). */
uint8_t res_rcode(const struct res *r);

/*
 * Why a finished resolution failed, as an Extended DNS Error info code
 * (enum bolt_ede; BOLT_EDE_NONE when it did not fail): 22 No Reachable
 * Authority (every server timed out, or none had an address), 23 Network
 * Error (send or ICMP errors), 20 Not Authoritative (lame servers, REFUSED),
 * 24 Invalid Data (malformed answers), 21 Not Supported (zone transfer
 * types, answered NOTIMP), 0 Other (error rcodes, CNAME loops, work
 * limits). *text (may be NULL): a short explanation for the EXTRA-TEXT
 * field ("all servers for dom1.boltnet. timed out"), owned by r and valid
 * until the callback returns, or NULL.
 */
uint16_t res_ede(const struct res *r, const char **text);

/*
 * DNSSEC status of a finished resolution (enum bolt_sec_status): UNCHECKED
 * when validation is off or the resolution failed, INSECURE for names no
 * trust anchor covers (or under a negative trust anchor), else the
 * validator's verdict (dnssec.h; a bogus answer under permissive = yes is
 * INSECURE). For BOGUS, *ede (may be NULL) gets the Extended DNS Error code
 * (6-10, 12) and *text the reason, owned by r (valid in the callback); the
 * answer's records are still there (res_build_response) for CD=1 clients.
 */
uint8_t res_security(const struct res *r, uint16_t *ede, const char **text);

/*
 * Build the response for the finished resolution into buf[0..cap): flags
 * QR|RA|rcode, the question (lower-case), the answer chain, the authority
 * (SOA and NS set of negative answers as the server sent them, the SOA's
 * TTL lowered to the negative TTL), no OPT; when the question had DO=1,
 * the RRSIGs of the answer and the NSEC/NSEC3 proofs (with their RRSIGs)
 * in the authority section too. b receives the builder (its
 * ttl_off and nttl locate the TTLs). *ttl: the cache lifetime (min TTL of
 * the records, each raised to min-ttl and bounded by max-ttl; negative:
 * min(SOA TTL, SOA MINIMUM) bounded by max-negative-ttl, 0 without an SOA,
 * which is then not to be cached; SERVFAIL and NOTIMP: servfail-ttl);
 * *kind: enum bolt_cache_kind. Returns the length or a negative code.
 */
int res_build_response(const struct res *r, uint8_t *buf, size_t cap, struct bolt_build *b,
                       uint32_t *ttl, uint8_t *kind);

/*
 * Aggressive use of NSEC (RFC 8198, aggr.h): the records of a finished
 * secure negative answer to the question itself (no CNAME chain before the
 * denial): its authority section (the SOA) and its NSEC/NSEC3 proof with
 * the RRSIGs, at most max of them into out. Each points into r (valid inside
 * the callback). Returns the count, 0 for any other answer.
 */
unsigned res_denial(const struct res *r, struct bolt_rr *out, unsigned max);

/*
 * Did the forward and stub zones change (a reload) while r ran? Its answer
 * may then come from what the configuration no longer says: the waiters
 * get it, the cache does not (the reload flushed what the zones cover).
 */
bool res_zones_changed(const struct res *r);

/* Milliseconds since the resolution started (loop time). */
uint64_t res_elapsed_ms(const struct res *r);

/* Upstream queries the resolution (with its sub-resolutions) sent. */
unsigned res_upstream_used(const struct res *r);

/* Resolutions alive now (top-level and sub-resolutions). */
unsigned res_alive(void);

#endif
