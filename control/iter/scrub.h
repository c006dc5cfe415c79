/*
 * Scrubbing of upstream responses and the TTL rules of what is cached.
 *
 * Every upstream answer passes through scrub_response before the iterator
 * looks at it: a server asked about zone Z may only speak for names inside Z
 * (bailiwick), and only records that belong to the question survive:
 *   answer      the CNAME chain from the question name and the RRset of the
 *               asked type at its end (owners inside Z); a DNAME (RFC 6672)
 *               owned by an ancestor of a name of the chain moves the chain
 *               on like a CNAME and is kept with it;
 *   authority   one NS RRset whose owner is an ancestor of the chain's end
 *               (a referral or the zone's own NS), SOA records above the end;
 *   additional  A/AAAA of the kept NS names (glue), inside Z.
 * Pure functions; any thread.
 */
#ifndef BOLTDNS_CONTROL_SCRUB_H
#define BOLTDNS_CONTROL_SCRUB_H

#include <stdbool.h>
#include <stdint.h>

#include "boltdns/wire.h"

/* Longest CNAME chain scrub_response follows inside one response. */
#define SCRUB_CHAIN_MAX 16

/*
 * Decide for each RR of m (m->rrcount entries) whether it is kept.
 * zone: the zone cut whose server was asked; qname/qtype: what was asked.
 * keep: caller's array of m->rrcount entries, filled. Returns the number of
 * RRs dropped.
 */
unsigned scrub_response(const struct bolt_msg *m, const uint8_t *zone, const uint8_t *qname,
                        uint16_t qtype, bool *keep);

/*
 * DNSSEC records of a response asked with DO=1, on top of scrub_response's
 * keep[]: in the answer section the RRSIGs (owner in zone) covering a kept
 * RRset; in the authority section NSEC, NSEC3 and DS records owned inside
 * zone and the RRSIGs covering a kept SOA, NS, DS, NSEC or NSEC3 RRset. The
 * iterator ignores them; the validator (dnssec.h) reads them. Returns the
 * number of RRs newly kept.
 */
unsigned scrub_dnssec(const struct bolt_msg *m, const uint8_t *zone, bool *keep);

/*
 * Negative-answer TTL (RFC 2308 section 5): min(SOA TTL, SOA MINIMUM),
 * bounded by max_neg. soa: a parsed SOA RR with decompressed RDATA.
 * Returns the TTL, or max_neg when the RDATA is too short to be an SOA.
 */
uint32_t neg_ttl(const struct bolt_rr *soa, uint32_t max_neg);

/*
 * DNAME substitution (RFC 6672 section 2.2): name, below owner, with owner
 * replaced by target. out >= BOLT_NAME_MAX. Returns the length, or
 * BOLT_ESPACE when the result would exceed 255 octets (the server then
 * owes a YXDOMAIN), or a negative code for a name not below owner.
 */
int dname_synth(const uint8_t *name, const uint8_t *owner, const uint8_t *target, uint8_t *out);

/* The name an NS/CNAME/DNAME RR points to (decompressed RDATA), its length
 * or a negative code. out >= BOLT_NAME_MAX. */
int rr_target(const struct bolt_rr *rr, uint8_t *out);

#endif
