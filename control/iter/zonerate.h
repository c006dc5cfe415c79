/*
 * NXDOMAIN answers per second from one zone (a random-subdomain, "water
 * torture", flood shows as a stream of NXDOMAIN from the victim's servers).
 * Such a flood of a zone whose servers answer at once is not held back by
 * max-inflight-per-zone (each question is over in a millisecond), so it
 * would have the resolver send the flood on at full rate, with every CPU it
 * has. A zone whose NXDOMAIN answers exceed the rate (a token bucket: rate
 * per second, bursts of ZRATE_BURST_SECS seconds' worth) has new questions
 * that need its servers fail at once (SERVFAIL, EDE 0), except one in
 * ZRATE_LET_THROUGH, so that a popular name of the zone still gets through
 * now and then. Answers that exist (NOERROR) never count: a zone with many
 * names asked for the first time (a CDN, a warm-up) is never limited. A
 * refused zone is also published to the dataplane (boltdns/throttle.h,
 * once a second: zrate_publish_due), which then refuses the flood itself,
 * without a round trip through the rings.
 *
 * State is per zone cut (wire name, lower-case) in a fixed table of
 * ZRATE_SLOTS entries indexed by a keyed hash (a per-process random seed,
 * so names cannot be chosen to collide). A zone whose slot is held by
 * another zone counts nothing: a collision can only under-count, never
 * limit a zone for another's answers; the slot changes hands once its
 * holder's bucket is full again.
 *
 * Loop thread only (one process-wide table, nothing locked).
 */
#ifndef BOLTDNS_CONTROL_ZONERATE_H
#define BOLTDNS_CONTROL_ZONERATE_H

#include <stdbool.h>
#include <stdint.h>

#define ZRATE_SLOTS 4096
#define ZRATE_BURST_SECS 10     /* bucket size: this many seconds at the rate */
#define ZRATE_LET_THROUGH 10    /* one question in this many past the rate still goes */
#define ZRATE_THROTTLE_SECS 2   /* a refused zone is published to the dataplane this long */
#define ZRATE_TOP_FACTOR 10     /* the root's and a TLD's rate: ten times the rate */

/*
 * A question is about to send a query to a server of zone (wire name,
 * lower-case) at now_ms (monotonic). rate: NXDOMAIN answers per second
 * allowed (0: no limit). Returns false when the zone's bucket is empty
 * (and this is not the one question in ZRATE_LET_THROUGH that still goes).
 */
bool zrate_allow(const uint8_t *zone, unsigned rate, uint64_t now_ms);

/* zone's servers answered NXDOMAIN at now_ms: take a token. */
void zrate_note_nxdomain(const uint8_t *zone, unsigned rate, uint64_t now_ms);

/*
 * Should zone (refused by this rate at now_ms) be published to the
 * dataplane now? True once per
 * second and zone, so the region is written once a second, not for every
 * refused question of a flood.
 */
bool zrate_publish_due(const uint8_t *zone, uint64_t now_ms);

/* Questions refused by the rate since start-up (metrics). */
uint64_t zrate_refusals(void);

/* Forget everything (tests). */
void zrate_reset(void);

#endif
