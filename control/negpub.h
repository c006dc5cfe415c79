/*
 * A random-subdomain flood of a signed zone, once the control plane answers
 * it from validated NSEC records (RFC 8198, iter/aggr.h), is handed to the
 * dataplane: the zone's synthesised NXDOMAIN answers are counted per zone
 * against zone-nxdomain-rate (a token bucket: rate a second, bursts of
 * NEGPUB_BURST_MS' worth where ranges are published, of ZRATE_BURST_SECS
 * seconds' worth where the throttle takes over, as iter/zonerate.h), and
 * while a zone is over it (flooded):
 *   - NSEC zones: each range answered from is published in the region
 *     (boltdns/negrange.h) with its records, and the dataplane answers the
 *     names it covers itself, NXDOMAIN, as the control plane would have;
 *   - NSEC3 zones (hashed ranges are not published): the synthesised
 *     NXDOMAINs also count towards the zone's zone-nxdomain-rate, and the
 *     zone is published to the dataplane throttle (boltdns/throttle.h), which
 *     answers SERVFAIL to most of its misses, as for a flood sent upstream;
 *     The same for an NSEC zone while the control plane has local data or
 *     response policy rules (answered before RFC 8198 there; the dataplane
 *     knows neither);
 *   - either way, the synthesised answers of a flooded zone are not inserted
 *     into the cache (each random name is asked once: they would only evict
 *     answers that are asked again).
 * zone-nxdomain-rate = 0 turns all of this off, as it turns off the rate.
 *
 * Loop thread only (one table per process, nothing locked).
 */
#ifndef BOLTDNS_CONTROL_NEGPUB_H
#define BOLTDNS_CONTROL_NEGPUB_H

#include <stdbool.h>
#include <stdint.h>

#include "cp.h"

/* Zones counted at once (the least recently counted one gives its slot). */
#define NEGPUB_ZONES 64
/* The bucket of a zone whose ranges are published: one second's worth of
 * synthesised NXDOMAINs at the rate. A published range answers as the
 * control plane would, so there is no reason to let a flood cross the
 * rings for the ten seconds' worth the throttle (SERVFAIL) waits for: with
 * those, a flood of 20 000 names a second kept the control plane busy for
 * its first half second (~10 500 answers at ~15 us, with the ordinary
 * misses waiting behind them); with this, ~50 ms (~1 000 answers). */
#define NEGPUB_BURST_MS 1000
/* Publications tried per second at most (each builds a DO=1 answer and
 * parses it: bounded for names whose range can never be published). */
#define NEGPUB_TRIES_PER_SEC 200

/*
 * The control plane synthesised an NXDOMAIN for qname (lower-case wire
 * name) from cp->aggr at now (bolt_now() seconds): count it, and when its
 * zone is flooded publish as above. Returns true when the zone is flooded
 * (the caller then does not insert the answer into the cache).
 */
bool negpub_synthesised(struct cp *cp, const uint8_t *qname, uint32_t now);

/* Ranges published and publications refused since start-up (metrics), and
 * forget the zones counted (tests). */
uint64_t negpub_published(void);
uint64_t negpub_skipped(void);
void negpub_reset(void);

#endif
