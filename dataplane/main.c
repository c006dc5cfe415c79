/*
 * boltdns-dp: the dataplane process. Reads the configuration, creates or
 * re-attaches the shared region, runs the configured I/O mode until SIGINT or
 * SIGTERM. The region file stays behind so a restart keeps the cache warm.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/config.h"
#include "boltdns/errcode.h"
#include "boltdns/region.h"
#include "boltdns_config.h"
#include "dp.h"
#include "log.h"

static struct dp_app app;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&app.stop, true);
}

void dp_heartbeat(struct dp_app *a)
{
	uint64_t owner = 0;
	if (bolt_region_beat(a->region, BOLT_REGION_DP, a->token, bolt_region_clock_ms(),
	                     &owner) < 0) {
		if (!atomic_exchange(&a->lost, true))
			dp_err("lost region %s to another process (pid %d): stopping now, a ring has "
			       "a single producer", a->region->path, (int)bolt_region_token_pid(owner));
		atomic_store(&a->stop, true);
		return;
	}
	atomic_store_explicit(&a->region->hdr->dp_heartbeat, (uint64_t)time(NULL),
	                      memory_order_relaxed);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: boltdns-dp -c FILE [-v LEVEL]\n"
	           "  -c FILE   configuration file (INI)\n"
	           "  -v LEVEL  log level 0 (errors) .. 4 (debug), overrides the file\n"
	           "  -V        print the version\n");
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int verbosity = -1, opt, ret = 1;
	char errbuf[512];

	while ((opt = getopt(argc, argv, "c:v:Vh")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			verbosity = atoi(optarg);
			break;
		case 'V':
			printf("boltdns-dp %s\n", BOLTDNS_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}

	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		fprintf(stderr, "boltdns-dp: out of memory\n");
		return 1;
	}
	int err = bolt_config_load(cfg, path, errbuf, sizeof(errbuf));
	if (err < 0) {
		if (err == BOLT_ECONFIG)
			fprintf(stderr, "boltdns-dp: %s\n", errbuf);
		else
			fprintf(stderr, "boltdns-dp: %s: %s\n", path, bolt_strerror(err));
		goto err_cfg;
	}
	/* verbosity 1 (the default) shows start-up notices. */
	dp_log_set_level(verbosity >= 0 ? verbosity : cfg->verbosity + 1);

	struct bolt_region_params rp = {
		.path = cfg->cache_path,
		.size = cfg->cache_size,
		.shards = cfg->cache_shards,
		.ring_slots = cfg->ring_slots,
		.workers = bolt_config_resolver_workers(cfg),
		.wipe = cfg->cache_wipe,
	};
	struct bolt_region *r = bolt_region_create(&rp, &err);
	if (!r) {
		dp_err("cannot create or attach region %s: %s", cfg->cache_path, bolt_strerror(err));
		goto err_cfg;
	}
	dp_notice("region %s: %zu bytes, %s", cfg->cache_path, r->size,
	          r->created ? "created" : "re-attached (cache kept)");

	app.cfg = cfg;
	app.region = r;
	/* One dataplane per region: a second one would be another producer on
	 * every miss ring (region.h "Ownership"). */
	uint64_t owner = 0;
	err = bolt_region_token_new(&app.token);
	if (err == 0)
		err = bolt_region_claim(r, BOLT_REGION_DP, app.token, bolt_region_clock_ms(), &owner);
	if (err == -EBUSY) {
		dp_err("region %s is in use by another boltdns-dp (pid %d): stop it first, or give "
		       "this one another [cache] path", r->path, (int)bolt_region_token_pid(owner));
		goto err_region;
	}
	if (err < 0) {
		dp_err("cannot claim region %s: %s", r->path, bolt_strerror(err));
		goto err_region;
	}
	dp_policy_from_config(&app.policy, cfg);
	atomic_store(&app.stop, false);
	atomic_store(&app.lost, false);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	uint64_t now = (uint64_t)time(NULL);
	atomic_store(&r->hdr->dp_pid, (int32_t)getpid());
	atomic_store(&r->hdr->dp_started, now);
	/* A dataplane that died left its ports behind: each I/O mode lists its own. */
	atomic_store(&bolt_region_ports(r)->nports, 0);
	dp_heartbeat(&app);

	if (cfg->io == BOLT_IO_SOCKET) {
		err = dp_socket_run(&app);
	} else {
#if BOLTDNS_HAVE_DPDK
		err = dp_dpdk_run(&app);
#else
		dp_err("io = dpdk: this boltdns-dp was built without DPDK (use io = socket)");
		err = BOLT_ECONFIG;
#endif
	}
	ret = err < 0 || atomic_load(&app.lost) ? 1 : 0;
	if (err < 0)
		dp_err("stopped: %s", bolt_strerror(err));
	else if (atomic_load(&app.lost))
		dp_err("stopped: the region belongs to another dataplane");
	else
		dp_notice("stopped");

	/* The live state is the new owner's if the region was lost. */
	if (bolt_region_release(r, BOLT_REGION_DP, app.token)) {
		atomic_store(&r->hdr->dp_lcores, 0);
		/* The ports listed are those of a running dataplane. */
		atomic_store(&bolt_region_ports(r)->nports, 0);
		atomic_store(&r->hdr->dp_pid, 0);
	}
err_region:
	bolt_region_detach(r);
err_cfg:
	free(cfg);
	return ret;
}
