/*
 * Aggressive use of the DNSSEC-validated cache (RFC 8198): the NSEC and
 * NSEC3 records of validated negative answers, kept by zone in canonical
 * (NSEC) or hash (NSEC3) order, answer later questions that fall in the
 * ranges they prove empty, without asking upstream:
 * - NXDOMAIN when an NSEC covers the name and an NSEC covers the wildcard
 *   at its closest encloser (RFC 4035 5.4), or, for NSEC3, a closest
 *   encloser proof (a matching NSEC3 for the encloser, a covering one for
 *   the next closer name) and a cover of the wildcard (RFC 5155 8.4);
 *   opt-out covers prove nothing here (RFC 8198 4.1);
 * - NODATA from an NSEC/NSEC3 at the name whose bitmap lacks the type and
 *   CNAME, from an NSEC showing the name is an empty non-terminal, and the
 *   wildcard NODATA case (the wildcard exists without the type).
 * Each proof is checked by the validator's own denial functions
 * (control/validator) on the records picked, so a synthesised answer holds
 * only what a validated upstream answer would have held. An NSEC above a
 * delegation or DNAME never denies names below it (RFC 6840 4.1).
 *
 * Only records of answers the validator found secure may be given to
 * aggr_learn (the caller's duty); their RRSIGs and the zone's SOA (with
 * its RRSIGs) are kept, so that the synthesised answer carries the proof
 * for DO=1 clients (RFC 8198 5.5). Lifetime of a record: the least of its
 * TTL, the SOA MINIMUM (RFC 8198 5.4, RFC 9077), the caller's bound (the
 * negative answer's cache lifetime) and its RRSIGs' expiration.
 *
 * Memory: bounded by bytes (records, signatures, SOAs and indexes); the
 * least recently used records are evicted first, and a zone goes with its
 * last record.
 *
 * Loop thread only: nothing is locked. One store per process (struct cp).
 */
#ifndef BOLTDNS_CONTROL_AGGR_H
#define BOLTDNS_CONTROL_AGGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/wire.h"

/* Default memory bound of the store (bytes). */
#define AGGR_DEFAULT_BYTES (8u << 20)
/* Records a caller hands to aggr_learn at most (a negative answer's SOA,
 * NS set, up to three NSEC3 with RRSIGs: far fewer). */
#define AGGR_LEARN_MAX 64
/* RRSIGs kept per record (two algorithms during a rollover, and spare). */
#define AGGR_SIGS_MAX 4

struct aggr;

/*
 * A store of at most max_bytes (at least a few kilobytes are needed for
 * anything to be kept); NSEC3 zones with more than max_nsec3_iterations are
 * never learnt (their answers are insecure anyway, RFC 9276). NULL on
 * ENOMEM.
 */
struct aggr *aggr_new(size_t max_bytes, uint16_t max_nsec3_iterations);
void aggr_free(struct aggr *a);

/* Forget every record and zone (flushes, tests). Counters stay. */
void aggr_clear(struct aggr *a);

/*
 * Forget what may deny name (a flush of it): the zone holding it (the
 * deepest zone at or above it) and, when below, every zone at or below it
 * too (a flush of a whole zone). name NULL: everything (aggr_clear).
 */
void aggr_forget(struct aggr *a, const uint8_t *name, bool below);

/*
 * Learn from the records of one validated (secure) negative answer: rrs is
 * its authority section and proof (the SOA, NSEC or NSEC3 records, their
 * RRSIGs and the SOA's), in any order; records and RDATA are copied. The
 * zone is the signer of the first RRSIG covering an NSEC or NSEC3; records
 * outside it, without an RRSIG of that signer, malformed, or NSEC3 with an
 * unknown hash, unknown flags or too many iterations are skipped. When the
 * zone has NSEC3 records, its NSEC ones are ignored (the validator reads
 * the same); new NSEC3 parameters replace the zone's records. ttl bounds
 * every lifetime (seconds, the answer's cache lifetime); now: bolt_now().
 * Returns the number of records kept (0: nothing usable, e.g. no SOA of
 * the zone) or -ENOMEM.
 */
int aggr_learn(struct aggr *a, const struct bolt_rr *rrs, size_t n, uint32_t ttl,
               uint32_t now);

/*
 * Synthesise the answer to (qname, qtype, IN) when the records held prove
 * it: NXDOMAIN or NODATA, written into buf[0..cap) through b like a
 * resolved answer (res_build_response): QR|RA|rcode, the question as given,
 * the zone's SOA in the authority section and, when dnssec, the SOA's
 * RRSIGs and each NSEC/NSEC3 used followed by its RRSIGs. Every TTL is the
 * answer's lifetime (*ttl: the least remaining lifetime of the records
 * used and of the SOA). *kind: BOLT_CACHE_NXDOMAIN or BOLT_CACHE_NODATA.
 * DS questions are looked up in the zone above qname (the parent side).
 * Returns the length, 0 when nothing held proves an answer, or a negative
 * code (the message did not fit).
 */
int aggr_answer(struct aggr *a, const uint8_t *qname, uint16_t qtype, bool dnssec,
                uint32_t now, uint8_t *buf, size_t cap, struct bolt_build *b, uint32_t *ttl,
                uint8_t *kind);

/*
 * The NXDOMAIN answer a DO=1 client would get for qname (aggr_answer with
 * qtype A), for publishing its proof elsewhere (control/negpub.h): not
 * counted in the store's statistics. Returns its length, 0 when the
 * records held do not prove qname nonexistent, or a negative code.
 */
int aggr_nxdomain_proof(struct aggr *a, const uint8_t *qname, uint32_t now, uint8_t *buf,
                        size_t cap, struct bolt_build *b, uint32_t *ttl);

/*
 * The zone whose records would answer qname (the deepest zone held at or
 * above it): its lower-case wire name into zone (BOLT_NAME_MAX bytes) and
 * whether it is an NSEC3 zone. False when no zone held is above qname.
 */
bool aggr_zone_of(const struct aggr *a, const uint8_t *qname, uint8_t *zone, bool *nsec3);

/* What the store holds and did (for /metrics and boltctl stats). */
struct aggr_stats {
	uint64_t nxdomain;         /* NXDOMAIN answers synthesised */
	uint64_t nodata;           /* NODATA answers synthesised */
	uint64_t learned;          /* records stored or refreshed */
	uint64_t evicted;          /* records dropped for space */
	uint64_t expired;          /* records dropped when found expired */
	unsigned records;          /* records held now */
	unsigned zones;            /* zones held now */
	size_t bytes;              /* memory held now */
};
void aggr_stats(const struct aggr *a, struct aggr_stats *out);

#endif
