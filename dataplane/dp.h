/*
 * boltdns-dp process state shared by main.c and the two I/O modes.
 */
#ifndef BOLTDNS_DP_H
#define BOLTDNS_DP_H

#include <stdatomic.h>
#include <stdbool.h>

#include "boltdns/config.h"
#include "boltdns/region.h"
#include "process.h"

struct dp_app {
	const struct bolt_config *cfg;
	struct bolt_region *region;
	atomic_bool stop;          /* set by SIGINT / SIGTERM, or when the region is lost */
	atomic_bool lost;          /* another boltdns-dp took the region's dataplane role */
	uint64_t token;            /* this process's claim (bolt_region_claim) */
	struct dp_policy policy;   /* [acl] and [ratelimit], shared read-only */
};

/* Write the dataplane heartbeat (unix seconds for operators, and the
 * claim's CLOCK_BOOTTIME beat) into the region header. A claim that is no
 * longer ours (another dataplane took the region: two producers on a ring)
 * sets stop and lost. Main lcore / main thread, at least once a second. */
void dp_heartbeat(struct dp_app *app);

/*
 * io = socket: one thread per worker, one SO_REUSEPORT socket per listen
 * address in each. Blocks until app->stop. Returns 0 or a negative code.
 */
int dp_socket_run(struct dp_app *app);

/*
 * io = dpdk: EAL from cfg->eal, every probed port, one queue pair per
 * lcore. Blocks until app->stop. Returns 0 or a negative code.
 */
int dp_dpdk_run(struct dp_app *app);

#endif
