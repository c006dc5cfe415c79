/*
 * Limits on work in flight against one zone and one server, so that a
 * random-subdomain ("water torture") flood of one zone cannot take every
 * resolution slot and every socket (as Unbound's ratelimit per zone,
 * PowerDNS's and Knot Resolver's per-server limits):
 *   per zone cut  resolutions whose current cut is the zone (each struct res
 *                 holds at most one slot, for its cut, until it moves on or
 *                 ends; sub-resolutions count for their own cuts);
 *   per server    upstream queries in flight to one address.
 * Counts are exact (a hash table of the keys with a count above zero), so a
 * flooded zone never throttles another one.
 *
 * Loop thread only (one process-wide table, nothing locked).
 */
#ifndef BOLTDNS_CONTROL_INFLIGHT_H
#define BOLTDNS_CONTROL_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "infra.h"

/*
 * Take a slot of zone (wire name, lower-case) if fewer than max are taken
 * (max 0: no limit, always granted and counted; the root's limit is ten
 * times max). Returns true when taken;
 * the caller gives it back with lim_zone_leave. Also false on out of memory.
 */
bool lim_zone_enter(const uint8_t *zone, unsigned max);
void lim_zone_leave(const uint8_t *zone);

/* Queries in flight to a (0 when none). */
unsigned lim_server_count(const struct infra_addr *a);

/* Note a query sent to a / its end (answer, timeout, cancel). Returns 0 or
 * -ENOMEM (the query is then not counted: call no lim_server_done). */
int lim_server_sent(const struct infra_addr *a);
void lim_server_done(const struct infra_addr *a);

/* A question failed because every server of its cut was busy. */
void lim_server_refused(void);

/* Questions refused by the zone limit (lim_zone_enter false), and failed
 * because every server of their cut was busy, since start-up. */
uint64_t lim_zone_refusals(void);
uint64_t lim_server_refusals(void);

/* Zones and servers with something in flight (tests, stats). */
unsigned lim_zones_busy(void);
unsigned lim_servers_busy(void);

#endif
