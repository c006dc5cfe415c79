/*
 * The control plane's side of the forward and stub zones (iter/zones.h):
 * applying the [zone] sections of a (re)loaded configuration, with the
 * cache entries and delegations of every changed zone forgotten, and the
 * `boltctl zones` report. Loop thread.
 */
#ifndef BOLTDNS_CONTROL_ZONECTL_H
#define BOLTDNS_CONTROL_ZONECTL_H

#include "boltdns/config.h"
#include "cp.h"
#include "ctl.h"

/*
 * Make cfg's [zone] sections the resolver's zones. For each zone added,
 * removed or changed: the cache entries at and below its name are deleted
 * (when a region is attached), so are the delegations learnt and the
 * zone-down marks at and below it (infra cache) and the RFC 8020 NXDOMAIN cuts (all of them: one above
 * the zone would answer for its names). Returns how many zones changed.
 * At start-up nothing is in the process's caches yet; the shared cache may
 * hold answers of an earlier configuration, which a restart does not
 * flush (boltctl flush_zone does).
 */
unsigned zonectl_apply(struct cp *cp, const struct bolt_config *cfg);

/*
 * `boltctl zones`: per zone its name, type, options and counters, and per
 * server its address, state (up, down, unused), smoothed RTT, consecutive
 * timeouts and counters (see control/ctl/PROTOCOL.md). Returns 0.
 */
int zonectl_report(struct cp *cp, struct bolt_ctl_reply *r);

#endif
