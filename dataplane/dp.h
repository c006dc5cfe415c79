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
	atomic_bool stop;          /* set by SIGINT / SIGTERM */
	struct dp_policy policy;   /* [acl] and [ratelimit], shared read-only */
};

/* Write the dataplane heartbeat (unix seconds) into the region header. */
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
