/*
 * Zones the control plane throttles, published in the region so that the
 * dataplane refuses misses under them itself (SERVFAIL) instead of handing
 * each one to the control plane over a ring, only to have it fail there:
 * under a random-subdomain flood of tens of thousands of names per second,
 * that round trip is most of what the flood costs.
 *
 * Each published zone carries its reason, which decides the dataplane's
 * answer and how many misses it still hands on:
 *   BOLT_THROTTLE_RATE  the zone answers NXDOMAIN faster than its
 *       zone-nxdomain-rate (control/iter/zonerate.h): SERVFAIL, EDE 0 "zone
 *       throttled"; one miss in BOLT_THROTTLE_LET_THROUGH_RATE goes on, and
 *       the control plane needs them: they are what its NXDOMAIN rate
 *       measures, and the names of the zone that exist keep being resolved;
 *   BOLT_THROTTLE_DOWN  every server of the zone is down (control/iter/
 *       zonedown.h): SERVFAIL, EDE 22 "all servers for Z are down", as the
 *       control plane answers; one miss in BOLT_THROTTLE_LET_THROUGH_DOWN
 *       goes on. The control plane fails those at once too, except one every
 *       probe interval (a few seconds), its probe; they also refresh the
 *       publication. A hundred is enough for both at any flood rate worth
 *       throttling (at 1 000 qps, 10 a second still go on) and leaves the
 *       control plane 1 % of the flood.
 * The control plane publishes a zone for a few seconds at a time, and again
 * while the flood lasts. Cache hits are never throttled.
 *
 * A slot holds the zone's wire name (exact match, lower-case, no hash to
 * collide) and its reason under a per-slot seqlock: writers are the
 * resolver workers' loop threads (several processes with [resolver]
 * workers; a writer takes a slot by making its seq odd with a
 * compare-and-swap), any number of readers that never block them.
 */
#ifndef BOLTDNS_THROTTLE_H
#define BOLTDNS_THROTTLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "boltdns/common.h"
#include "boltdns/wire.h"

#define BOLT_THROTTLE_SLOTS 16

/* Why a zone is throttled (struct bolt_throttle_slot.reason). */
enum bolt_throttle_reason {
	BOLT_THROTTLE_NONE = 0,  /* not throttled (bolt_throttle_match) */
	BOLT_THROTTLE_RATE = 1,  /* over its zone-nxdomain-rate */
	BOLT_THROTTLE_DOWN = 2,  /* every server of the zone down */
};
#define BOLT_THROTTLE_REASONS 3

/*
 * The Extended DNS Error text (with EDE 22, No Reachable Authority) of a
 * SERVFAIL under a zone whose servers are all down, the same whoever
 * answers it (the control plane's iterator, iter/select.c and
 * iter/resguard.c; the dataplane's throttle): a printf format whose one %s
 * is the zone's name in text form. Short, so that a zone of up to 55
 * characters fits BOLT_EDE_TEXT_MAX.
 */
#define BOLT_EDE_ZONE_DOWN_FMT "all servers for %s are down"

/* The dataplane hands one miss in this many under a throttled zone on to
 * the control plane, by reason. */
#define BOLT_THROTTLE_LET_THROUGH_RATE 10
#define BOLT_THROTTLE_LET_THROUGH_DOWN 100

static inline unsigned bolt_throttle_let_through(enum bolt_throttle_reason r)
{
	return r == BOLT_THROTTLE_DOWN ? BOLT_THROTTLE_LET_THROUGH_DOWN
	                               : BOLT_THROTTLE_LET_THROUGH_RATE;
}

struct bolt_throttle_slot {
	_Atomic uint32_t seq;        /* odd while the writer is inside */
	_Atomic uint32_t until;      /* bolt_now() seconds; throttled while now < until */
	uint8_t len;                 /* wire length of name; 0: free */
	uint8_t reason;              /* enum bolt_throttle_reason, never NONE while len != 0 */
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
 * Throttle zone (lower-case wire name) until `until` (bolt_now() seconds)
 * for reason (BOLT_THROTTLE_RATE or BOLT_THROTTLE_DOWN): its slot if it
 * has one (until only moves forward; the reason becomes this one, the
 * latest word on the zone), else a free or expired slot, else the slot
 * that expires first. Returns 0, BOLT_ENAME for a name that is not a valid
 * wire name, or -EINVAL for another reason.
 * Thread: any resolver worker's loop thread (writers serialise per slot).
 */
BOLT_API int bolt_throttle_set(struct bolt_throttle_table *t, const uint8_t *zone, uint32_t until,
                               enum bolt_throttle_reason reason);

/*
 * Throttle zone no more (its slot, if it has one, ends now): the control
 * plane learnt that the reason is gone (a down zone answered again).
 * Thread: any resolver worker's loop thread.
 */
BOLT_API void bolt_throttle_clear(struct bolt_throttle_table *t, const uint8_t *zone);

/*
 * Is name (lower-case wire name of name_len bytes), or a name above it,
 * throttled at now? Returns the reason (BOLT_THROTTLE_NONE: not throttled)
 * and, when zone_off is not NULL and the name is throttled, the offset in
 * name of the throttled zone (name + *zone_off is its wire name). Reads
 * never block and never see a torn name or a reason of another zone.
 * Thread: any.
 */
BOLT_API enum bolt_throttle_reason bolt_throttle_match(const struct bolt_throttle_table *t,
                                                       const uint8_t *name, unsigned name_len,
                                                       uint32_t now, unsigned *zone_off);

/* Zones throttled at now, copied into out[0..max) as lower-case wire names
 * (each BOLT_NAME_MAX bytes) with their until in untils and their reason in
 * reasons (either may be NULL). Returns how many. Thread: any. */
BOLT_API unsigned bolt_throttle_list(const struct bolt_throttle_table *t, uint32_t now,
                                     uint8_t (*out)[BOLT_NAME_MAX], uint32_t *untils,
                                     uint8_t *reasons, unsigned max);

#endif
