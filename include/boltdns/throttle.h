/*
 * Zones the control plane throttles, published in the region so that the
 * dataplane refuses misses under them itself (SERVFAIL, EDE 0) instead of
 * handing each one to the control plane over a ring, only to have it fail
 * there: under a random-subdomain flood of tens of thousands of names per
 * second, that round trip is most of what the flood costs.
 *
 * The control plane throttles a zone when it is asked faster than its
 * zone-nxdomain-rate (control/iter/zonerate.h), for a few seconds at a time,
 * and publishes it again while the flood lasts. While a zone is throttled
 * the dataplane still hands one miss in BOLT_THROTTLE_LET_THROUGH under it
 * to the control plane (which applies its rate), so that names of the zone
 * that are not cached keep being resolved now and then, and the control
 * plane sees that the flood goes on. Cache hits are never throttled.
 *
 * A slot holds the zone's wire name (exact match, lower-case, no hash to
 * collide) under a per-slot seqlock: writers are the resolver workers' loop
 * threads (several processes with [resolver] workers; a writer takes a slot
 * by making its seq odd with a compare-and-swap), any number of readers that
 * never block them.
 */
#ifndef BOLTDNS_THROTTLE_H
#define BOLTDNS_THROTTLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "boltdns/common.h"
#include "boltdns/wire.h"

#define BOLT_THROTTLE_SLOTS 16
#define BOLT_THROTTLE_LET_THROUGH 10

struct bolt_throttle_slot {
	_Atomic uint32_t seq;        /* odd while the writer is inside */
	_Atomic uint32_t until;      /* bolt_now() seconds; throttled while now < until */
	uint8_t len;                 /* wire length of name; 0: free */
	uint8_t name[BOLT_NAME_MAX]; /* lower-case wire name of the zone */
};

/* In the region header (struct bolt_region_hdr.throttle). */
struct bolt_throttle_table {
	/* Latest until of any slot: one load tells a reader that nothing is
	 * throttled (the common case costs nothing more). */
	_Alignas(BOLT_CACHE_LINE) _Atomic uint32_t until_max;
	struct bolt_throttle_slot slot[BOLT_THROTTLE_SLOTS];
};

/*
 * Throttle zone (lower-case wire name) until `until` (bolt_now() seconds):
 * its slot if it has one (until only moves forward), else a free or
 * expired slot, else the slot that expires first. Returns 0, or
 * BOLT_ENAME for a name that is not a valid wire name.
 * Thread: any resolver worker's loop thread (writers serialise per slot).
 */
BOLT_API int bolt_throttle_set(struct bolt_throttle_table *t, const uint8_t *zone, uint32_t until);

/*
 * Throttle zone no more (its slot, if it has one, ends now): the control
 * plane learnt that the reason is gone (a down zone answered again).
 * Thread: any resolver worker's loop thread.
 */
BOLT_API void bolt_throttle_clear(struct bolt_throttle_table *t, const uint8_t *zone);

/*
 * Is name (lower-case wire name of name_len bytes), or a name above it,
 * throttled at now? Reads never block and never see a torn name.
 * Thread: any.
 */
BOLT_API bool bolt_throttle_match(const struct bolt_throttle_table *t, const uint8_t *name,
                                  unsigned name_len, uint32_t now);

/* Zones throttled at now, copied into out[0..max) as lower-case wire names
 * (each BOLT_NAME_MAX bytes) with their until in untils (may be NULL).
 * Returns how many. Thread: any. */
BOLT_API unsigned bolt_throttle_list(const struct bolt_throttle_table *t, uint32_t now,
                                     uint8_t (*out)[BOLT_NAME_MAX], uint32_t *untils,
                                     unsigned max);

#endif
