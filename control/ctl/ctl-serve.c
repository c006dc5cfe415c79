/*
 * ctl-serve: a TEST TOOL, not part of the product. It runs only the control
 * socket (and /metrics) of boltdns-cp over a region, without resolving
 * anything, so that boltctl and the metrics endpoint can be tested against
 * the real server library. Not installed.
 *
 *   ctl-serve -c FILE [-w]
 * creates or attaches to the region of [cache] path/size in FILE (-w: wipe
 * it), serves [control] socket until SIGTERM/SIGINT. Its hooks are real but
 * minimal: reload re-reads FILE, verbosity is remembered, and it reports
 * how many of each it has done as statistics.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltdns/config.h"
#include "boltdns/region.h"
#include "ctl.h"

/* Under -fsanitize=undefined, undefined behaviour fails the run instead of
 * printing a line nobody reads (the sanitizer runtime calls this hook). */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}


struct serve {
	struct bolt_config cfg;
	char path[BOLT_CFG_STR];
	int verbosity;
	uint64_t reloads;
	uint64_t verbosity_changes;
	struct bolt_ctl *ctl;
	uv_signal_t sigterm, sigint;
};

static int hook_reload(void *arg, char *err, size_t errlen)
{
	struct serve *s = arg;
	struct bolt_config *fresh = malloc(sizeof(*fresh));
	if (!fresh)
		return -12;
	int ret = bolt_config_load(fresh, s->path, err, errlen);
	if (ret == 0) {
		/* The socket and the region stay: only what a reload may change. */
		memcpy(s->cfg.hosts_file, fresh->hosts_file, sizeof(s->cfg.hosts_file));
		memcpy(s->cfg.local_data, fresh->local_data, sizeof(s->cfg.local_data));
		s->cfg.nlocal_data = fresh->nlocal_data;
		s->cfg.verbosity = fresh->verbosity;
		s->reloads++;
	}
	free(fresh);
	return ret;
}

static int hook_verbosity(void *arg, int level)
{
	struct serve *s = arg;
	s->verbosity = level;
	s->verbosity_changes++;
	return 0;
}

static void hook_stats(void *arg, struct bolt_ctl_sink *sink)
{
	struct serve *s = arg;
	bolt_ctl_sink_counter(sink, "reloads", "Successful reloads", s->reloads);
	bolt_ctl_sink_counter(sink, "verbosity_changes", "Verbosity changes",
	                      s->verbosity_changes);
	bolt_ctl_sink_gauge(sink, "verbosity", "Current verbosity", (uint64_t)s->verbosity);
}

static void hook_status(void *arg, struct bolt_ctl_sink *sink)
{
	struct serve *s = arg;
	bolt_ctl_sink_text(sink, "mode", "ctl-serve test daemon");
	bolt_ctl_sink_gauge(sink, "verbosity", NULL, (uint64_t)s->verbosity);
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	struct serve *s = h->data;
	bolt_ctl_stop(s->ctl);
	s->ctl = NULL;
	uv_close((uv_handle_t *)&s->sigterm, NULL);
	uv_close((uv_handle_t *)&s->sigint, NULL);
}

int main(int argc, char **argv)
{
	static struct serve s;
	char err[600];
	bool wipe = false;
	int opt, ret;

	while ((opt = getopt(argc, argv, "c:w")) != -1) {
		if (opt == 'c') {
			snprintf(s.path, sizeof(s.path), "%s", optarg);
		} else if (opt == 'w') {
			wipe = true;
		} else {
			fprintf(stderr, "usage: ctl-serve -c FILE [-w]\n");
			return 64;
		}
	}
	if (!s.path[0]) {
		fprintf(stderr, "usage: ctl-serve -c FILE [-w]\n");
		return 64;
	}
	if (bolt_config_load(&s.cfg, s.path, err, sizeof(err)) < 0) {
		fprintf(stderr, "ctl-serve: %s\n", err);
		return 1;
	}
	s.verbosity = s.cfg.verbosity;

	struct bolt_region_params p = {
		.path = s.cfg.cache_path,
		.size = s.cfg.cache_size,
		.shards = s.cfg.cache_shards,
		.ring_slots = s.cfg.ring_slots,
		.wipe = wipe || s.cfg.cache_wipe,
	};
	struct bolt_region *region = bolt_region_create(&p, &ret);
	if (!region) {
		fprintf(stderr, "ctl-serve: region %s: %s\n", s.cfg.cache_path, bolt_strerror(ret));
		return 1;
	}

	uv_loop_t *loop = uv_default_loop();
	struct bolt_ctl_hooks hooks = {
		.arg = &s,
		.reload = hook_reload,
		.set_verbosity = hook_verbosity,
		.stats = hook_stats,
		.status = hook_status,
	};
	s.ctl = bolt_ctl_start(loop, &s.cfg, region, &hooks, &ret);
	if (!s.ctl) {
		fprintf(stderr, "ctl-serve: cannot start the control socket: %s\n",
		        bolt_strerror(ret));
		uv_run(loop, UV_RUN_NOWAIT);
		bolt_region_detach(region);
		return 1;
	}
	uv_signal_init(loop, &s.sigterm);
	uv_signal_init(loop, &s.sigint);
	s.sigterm.data = s.sigint.data = &s;
	uv_signal_start(&s.sigterm, on_signal, SIGTERM);
	uv_signal_start(&s.sigint, on_signal, SIGINT);
	printf("ctl-serve: listening on %s\n", s.cfg.control_socket);
	fflush(stdout);

	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	bolt_region_detach(region);
	return 0;
}
