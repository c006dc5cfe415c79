/*
 * Resolver workers: several boltdns-cp processes on one region
 * ([resolver] workers, control/README.md "Workers").
 *
 * Worker w (boltdns-cp -w w) consumes the miss rings (k, w) of every
 * dataplane lcore k, the set its role BOLT_REGION_WORKER(w) names, and
 * produces on the answer rings (k, w). A worker whose own set is claimed
 * also adopts the set of a worker that is gone (its role free, or its
 * owner dead by the hardened claim's rules, region.h "Ownership"), so the
 * misses queued there and arriving later are resolved by a live worker
 * as soon as its owner exits (a pidfd watch, workers_watch) or within a
 * tick (1 s) of its heartbeat going stale; it answers them on its own
 * answer rings. A process started for an adopted set asks for it back
 * (want, and the adopter's control bit posted) and the adopter gives it
 * up on that turn. No periodic timer of its own: an idle worker wakes for
 * its 1 s tick only. Every worker publishes its state
 * and main counters in the region (struct bolt_worker_info) for boltctl
 * status and /metrics.
 *
 * Thread: the loop thread of boltdns-cp.
 */
#ifndef BOLTDNS_CONTROL_WORKERS_H
#define BOLTDNS_CONTROL_WORKERS_H

#include "cp.h"
#include "pidwatch.h"

/* How often a process waiting for its own set (held by an adopter) tries
 * to claim it again (ms). */
#define WORKERS_ADOPT_MS 200

/*
 * Claim this worker's own set (cp->worker) on region r. On success cp->sets
 * holds its bit and its info records this process. -EBUSY (owner token in
 * *owner): a live process holds it; when that process only adopted it,
 * this call asks for it back and a later call gets it. -ERANGE: the region
 * has no set cp->worker (fewer [resolver] workers when it was created).
 */
int workers_claim(struct cp *cp, struct bolt_region *r, uint64_t *owner);

/*
 * Once claimed, on every tick (1 s), when another worker posts our control
 * bit (a process asking for its set back posts it) and when a watched
 * owner exits (workers_watch): keep adopted sets alive (heartbeat), give
 * back those whose worker asked, adopt sets whose owner is gone.
 * Returns the number of sets taken or given back (the bell follows).
 */
unsigned workers_tick(struct cp *cp);

/* Publish this worker's state and counters (about once a second). */
void workers_publish(struct cp *cp);

/* The sum of one enum bolt_worker_counter over the other workers, as they
 * last published it (0 without a region): what worker 0 adds to its own
 * counters for the control socket and /metrics. */
uint64_t workers_others(const struct cp *cp, unsigned counter);

/*
 * Watch, in pw's slot v, the process that holds worker v's set when it is
 * another process (the slot is emptied otherwise), so that its exit runs
 * the caller's callback (workers_tick there adopts the set at once); to be
 * called after every workers_tick. Without a region: no watch.
 */
void workers_watch(struct cp *cp, struct pidwatch *pw);

/*
 * Post the control bit (BOLT_BELL_CTL) of every resolver worker of cp's
 * region but cp's own: the region has a change they must follow (control
 * journal, reload, relayed NOTIFY); their bell threads wake their loops
 * (ringsvc.h ring_svc_on_control). Any thread; nothing without a region.
 */
void workers_post_control(struct cp *cp);

/* Give up the adopted sets (exit, detach); the caller releases its own. */
void workers_release(struct cp *cp);

#endif
