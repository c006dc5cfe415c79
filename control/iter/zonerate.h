/*
 * Upstream queries per second to one zone (as Unbound's ratelimit): a
 * random-subdomain flood of a zone whose servers answer at once is not
 * held back by max-inflight-per-zone (each question is over in a
 * millisecond), so it would have the resolver send the flood on at full
 * rate, with every CPU it has. Past the rate, a question that needs to ask
 * the zone's servers fails at once (SERVFAIL, EDE 0), except one in
 * ZRATE_LET_THROUGH, so that a popular name of the zone still gets through
 * now and then. A refused zone is published to the dataplane
 * (boltdns/throttle.h, once a second: zrate_publish_due), which then
 * refuses the flood itself, without a round trip through the rings.
 *
 * Counts are per zone cut (wire name, lower-case) in fixed one-second
 * windows, in a fixed table of ZRATE_SLOTS entries indexed by a keyed hash
 * (a per-process random seed, so names cannot be chosen to collide). A zone
 * whose slot is held by another zone with queries in the current window is
 * not counted in that window: a collision can only under-count, never
 * throttle a zone for another's traffic.
 *
 * Loop thread only (one process-wide table, nothing locked).
 */
#ifndef BOLTDNS_CONTROL_ZONERATE_H
#define BOLTDNS_CONTROL_ZONERATE_H

#include <stdbool.h>
#include <stdint.h>

#define ZRATE_SLOTS 4096
#define ZRATE_LET_THROUGH 10    /* one question in this many over the rate still goes */
#define ZRATE_THROTTLE_SECS 2   /* a zone over its rate is published to the dataplane this long */
#define ZRATE_TOP_FACTOR 10     /* the root's and a TLD's rate: ten times the rate */

/*
 * A question is about to send a query to a server of zone (wire name,
 * lower-case) at now_ms (monotonic). rate: queries per second allowed
 * (0: no limit, always true and nothing counted). Returns true and counts
 * the query when under the rate (or let through), false when over it.
 */
bool zrate_allow(const uint8_t *zone, unsigned rate, uint64_t now_ms);

/*
 * Should zone (refused by a limit at now_ms: this rate, or
 * max-inflight-per-zone) be published to the dataplane now? True once per
 * window and zone, so the region is written once a second, not for every
 * refused question of a flood.
 */
bool zrate_publish_due(const uint8_t *zone, uint64_t now_ms);

/* Questions refused by the rate since start-up (metrics). */
uint64_t zrate_refusals(void);

/* Forget everything (tests). */
void zrate_reset(void);

#endif
