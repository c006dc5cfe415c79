/*
 * Validated NSEC ranges published in the region, so that the dataplane
 * answers a random-subdomain flood of a signed zone itself (NXDOMAIN, RFC
 * 8198) instead of handing each name to the control plane over a ring.
 *
 * The control plane synthesises NXDOMAIN from validated NSEC records
 * (control/iter/aggr.h); once a zone's synthesised NXDOMAINs pass its
 * zone-nxdomain-rate, it publishes the ranges it answers from here
 * (control/iter/negpub.h). Each published range (one slot) holds:
 *   - the zone (the signer), the covering NSEC's owner and next name
 *     (lower-case wire names);
 *   - the range's end of life (bolt_now() seconds: the least lifetime of the
 *     SOA and the NSEC records used, as the control plane's synthesised
 *     answer has) and the time it was published;
 *   - the authority section of the answer, prebuilt in wire format with
 *     uncompressed names, every TTL the lifetime at publication: the SOA
 *     first (all a DO=0 client gets), then the SOA's RRSIGs, the covering
 *     NSEC and its RRSIGs, the NSEC denying the wildcard *.zone and its
 *     RRSIGs (DO=1, RFC 4035 3.1.3.2).
 *
 * What a slot proves, and so what bolt_negrange_lookup answers: a name N
 * strictly below the zone with owner < N < next in canonical order (RFC
 * 4034 6.1; next at or before owner: the range wraps to the end of the
 * zone) and whose closest encloser is the zone apex, i.e. N shares no label
 * below the zone with owner nor with next (otherwise an ancestor of N may
 * exist as an empty non-terminal or a delegation and the wildcard to deny
 * is another; those names go on to the control plane). The publisher only
 * publishes a range for which the validator proved such a name NXDOMAIN,
 * with the wildcard *.zone denied by the second NSEC: the same records then
 * prove every name the lookup accepts (RFC 4035 5.4, RFC 8198 4.1).
 *
 * Concurrency: per-slot seqlock as boltdns/throttle.h: writers are the
 * resolver workers' loop threads (several processes), which take a slot by
 * turning its even seq odd with a compare-and-swap; readers (dataplane
 * lcores) never block and trust a copy only when seq was the same even
 * value before and after. Every field is read and written with relaxed
 * atomic accesses (TSan-clean). Two workers publishing the same range at
 * once may put it in two slots; both are correct and the later expires
 * first in line for reuse.
 */
#ifndef BOLTDNS_NEGRANGE_H
#define BOLTDNS_NEGRANGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "boltdns/cache.h"
#include "boltdns/common.h"
#include "boltdns/wire.h"

#define BOLT_NEGRANGE_SLOTS 64
/* Authority records of one range: SOA, up to 4 RRSIGs, two NSECs with up to
 * 4 RRSIGs each (RSA-4096 signatures are 512 bytes: two algorithms of
 * RSA-2048 during a rollover fit). A range whose records do not fit is not
 * published. */
#define BOLT_NEGRANGE_WIRE_MAX 3072
#define BOLT_NEGRANGE_RRS 16
#define BOLT_NEGRANGE_NAME_WORDS ((BOLT_NAME_MAX + 7) / 8)
#define BOLT_NEGRANGE_APEX 0xff

struct bolt_negrange_slot {
	_Atomic uint32_t seq;        /* odd while the writer is inside */
	_Atomic uint32_t until;      /* bolt_now() seconds; live while now < until */
	uint32_t inserted;           /* bolt_now() seconds at publication (TTLs as of then) */
	uint8_t zone_len, owner_len, next_len;
	/* What the lookup compares (bolt_negrange_lookup): the labels of owner
	 * and next directly under the zone, lower-case (BOLT_NEGRANGE_APEX: the
	 * name is the apex), and whether next is at or before owner (the range
	 * runs to the end of the zone). For a name whose closest encloser is
	 * the apex, its canonical order against owner and next is that of its
	 * own label under the zone against theirs. */
	uint8_t olab_len, nlab_len, wrap;
	uint64_t olab[8], nlab[8];
	uint8_t n0, n1;              /* records of the DO=0 part (the SOA) and in all */
	uint16_t len0, len1;         /* bytes of the DO=0 part and of all records */
	uint16_t ttl_off[BOLT_NEGRANGE_RRS]; /* offset of each record's TTL in wire */
	uint64_t zone[BOLT_NEGRANGE_NAME_WORDS];
	uint64_t owner[BOLT_NEGRANGE_NAME_WORDS];
	uint64_t next[BOLT_NEGRANGE_NAME_WORDS];
	uint64_t wire[BOLT_NEGRANGE_WIRE_MAX / 8];
};

/* In the region header (struct bolt_region_hdr.negrange). */
struct bolt_negrange_table {
	/* Latest until of any slot: one load tells a reader that nothing is
	 * published (the common case costs nothing more). */
	_Alignas(BOLT_CACHE_LINE) _Atomic uint32_t until_max;
	struct bolt_negrange_slot slot[BOLT_NEGRANGE_SLOTS];
};

/* One range as a writer builds it (bolt_negrange_entry_*), and publishes it. */
struct bolt_negrange_entry {
	uint8_t zone[BOLT_NAME_MAX], owner[BOLT_NAME_MAX], next[BOLT_NAME_MAX];
	uint32_t inserted, until;
	uint8_t n0, n1;
	uint16_t len0, len1;
	uint16_t ttl_off[BOLT_NEGRANGE_RRS];
	uint8_t wire[BOLT_NEGRANGE_WIRE_MAX];
};

/*
 * Canonical DNS name order (RFC 4034 6.1) of two wire names: labels
 * compared from the right, each as a lower-cased octet string, a shorter
 * one first when it is a prefix. <0, 0, >0. Any thread.
 */
BOLT_API int bolt_negrange_name_cmp(const uint8_t *a, const uint8_t *b);

/*
 * Does the range (zone, owner, next) prove that name does not exist, with
 * the zone apex as its closest encloser (see above)? Names are wire names
 * (case ignored). Any thread.
 */
BOLT_API bool bolt_negrange_covers(const uint8_t *zone, const uint8_t *owner, const uint8_t *next,
                                   const uint8_t *name);

/*
 * Start an entry: zone, owner and next of the covering NSEC (copied,
 * lower-cased), the publication time and end of life. Returns 0 or
 * BOLT_ENAME / -EINVAL (until <= inserted).
 */
BOLT_API int bolt_negrange_entry_init(struct bolt_negrange_entry *e, const uint8_t *zone,
                                      const uint8_t *owner, const uint8_t *next,
                                      uint32_t inserted, uint32_t until);

/*
 * Append one record (uncompressed, class IN, TTL ttl) to e's authority
 * records. The first one must be the zone's SOA (the DO=0 part); the rest
 * go to DO=1 clients only. Returns 0, BOLT_ESPACE (e is full) or BOLT_ENAME.
 */
BOLT_API int bolt_negrange_entry_add(struct bolt_negrange_entry *e, const uint8_t *owner,
                                     uint16_t type, uint32_t ttl, const uint8_t *rdata,
                                     uint16_t rdlen);

/*
 * Publish e: in the slot holding the same zone and owner if there is one,
 * else a free or expired slot, else the one that expires first. Returns 0,
 * -EINVAL (e has no SOA first, owner or next outside the zone, or until
 * not after inserted), or -EBUSY
 * (every slot is being written, or stuck with a dead writer: nothing
 * published this time). Thread: any resolver worker's loop thread.
 */
BOLT_API int bolt_negrange_publish(struct bolt_negrange_table *t,
                                   const struct bolt_negrange_entry *e);

/*
 * Withdraw what may deny name: every range of a zone at or above name and,
 * when below, of a zone below name too (boltctl flush, flush_zone). name
 * NULL: every range. Thread: any resolver worker's loop thread.
 */
BOLT_API void bolt_negrange_forget(struct bolt_negrange_table *t, const uint8_t *name, bool below);

/*
 * The published answer for name (lower-case wire name of name_len bytes)
 * at now: when a live range covers it (bolt_negrange_covers), its records
 * for dnssec (DO) or not are copied into out->sections (out->cap bytes) and
 * their TTL offsets into out->ttl_off (out->ttl_cap entries), and out->val
 * describes an NXDOMAIN (QR, RA), authority records only, kind
 * BOLT_CACHE_NXDOMAIN, status BOLT_SEC_SECURE, inserted at publication and
 * expiring with the range: bolt_answer_from_cache turns it into the
 * response (the caller sets out->val.qsize to the query's question length).
 * The slots are scanned from *hint (NULL: from the first), which gets the
 * slot that answered: a flood's names mostly fall in one range, found
 * first. Cost: ~40 ns for the answer, plus ~30 ns per live slot of the same
 * zone scanned before it.
 * Returns 0, BOLT_ENOENT (not covered, expired, or a writer was inside) or
 * BOLT_ESPACE (out too small). Reads never block. Thread: any.
 */
BOLT_API int bolt_negrange_lookup(const struct bolt_negrange_table *t, const uint8_t *name,
                                  unsigned name_len, uint32_t now, bool dnssec,
                                  struct bolt_cache_out *out, unsigned *hint);

/* Live ranges at now (for boltctl and tests): how many, and how many of
 * them belong to zone (NULL: not counted). Thread: any. */
BOLT_API unsigned bolt_negrange_count(const struct bolt_negrange_table *t, uint32_t now,
                                      const uint8_t *zone, unsigned *of_zone);

#endif
