/*
 * boltdns-cp: the control plane. Attaches to the shared region the
 * dataplane created, takes its cache misses, resolves them iteratively and
 * fills the cache; serves DNS over TCP.
 *
 *   boltdns-cp -c FILE [-s STATS_FILE] [-v LEVEL]
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "anchor/anchor.h"
#include "boltdns/cache.h"
#include "boltdns/cookie.h"
#include "cp.h"
#include "ctl.h"
#include "ctlsync.h"
#include "iter/aggr.h"
#include "iter/dnssec.h"
#include "iter/inflight.h"
#include "iter/zonedown.h"
#include "iter/zonerate.h"
#include "iter/prime.h"
#include "iter/resolve.h"
#include "log.h"
#include "net/upstream.h"
#include "policy.h"
#include "prefetch.h"
#include "ringsvc.h"
#include "serve.h"
#include "stats.h"
#include "tap.h"
#include "tcpsrv.h"
#include "workers.h"
#include "zonectl.h"

struct main_state {
	struct cp cp;
	struct bolt_config cfg;
	const char *stats_path;
	uv_timer_t tick;
	uv_timer_t adopt;             /* a claim waiting for an adopter to give the set back
	                                 (runs only then, every WORKERS_ADOPT_MS) */
	struct pidwatch *watch;       /* the exit of the other workers' processes */
	uv_signal_t sigterm, sigint;
	int last_attach_err;
	uint64_t last_owner;          /* token of the other control plane we wait for */
	bool lost;                    /* another process took the region: exit 1 */
	char region_path[PATH_MAX];
	struct bolt_ctl *ctl;         /* control socket, while attached (worker 0) */
	struct ctl_local *wlocal;     /* local data of a worker without the socket */
	const char *conf_path;
	struct anchor_ctx anchors;    /* trust anchors and NTAs ([dnssec]) */
	struct ctlsync sync;          /* workers > 0: the control socket's changes applied */
};

static void ctl_start(struct main_state *s);
static void on_adopt(uv_timer_t *t);
static void workers_turn(struct main_state *s);

static void usage(FILE *f)
{
	fprintf(f, "usage: boltdns-cp -c FILE [-w INDEX] [-s STATS_FILE] [-v LEVEL]\n"
	           "  -c FILE        configuration (INI, see deploy/boltdns.conf.example)\n"
	           "  -w INDEX       resolver worker index, 0..[resolver] workers - 1 (default 0)\n"
	           "  -s STATS_FILE  write counters there every second (\"name value\" lines)\n"
	           "  -v LEVEL       verbosity 0..4 (overrides [control] verbosity)\n");
}

/* A start-up failure: "boltdns-cp: " and the message on stderr; returns 1
 * (the exit status). */
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("boltdns-cp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

/* The region file: the configured path, or the same name under /dev/shm
 * where the dataplane falls back when hugetlbfs is not available. */
static struct bolt_region *try_attach(struct main_state *s, int *err)
{
	const char *path = s->cfg.cache_path;
	struct bolt_region *r = bolt_region_attach(path, err);
	if (r != NULL) {
		snprintf(s->region_path, sizeof(s->region_path), "%s", path);
		return r;
	}
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	char alt[PATH_MAX];
	snprintf(alt, sizeof(alt), "/dev/shm/%s", base);
	if (strcmp(alt, path) == 0)
		return NULL;
	int err2;
	r = bolt_region_attach(alt, &err2);
	if (r != NULL) {
		snprintf(s->region_path, sizeof(s->region_path), "%s", alt);
		return r;
	}
	return NULL;
}

static void detach(struct main_state *s)
{
	struct cp *cp = &s->cp;
	if (cp->region == NULL)
		return;
	/* The control socket works on the region: it goes with it. */
	bolt_ctl_stop(s->ctl);
	s->ctl = NULL;
	bolt_local_close(s->wlocal);
	s->wlocal = NULL;
	cp->local = NULL;
	/* the table made anew on the next attach repeats the journal again */
	s->sync.journal = NULL;
	ring_svc_reset(cp);
	int32_t me = (int32_t)getpid();
	workers_release(cp);
	if (bolt_region_release(cp->region, BOLT_REGION_WORKER(cp->worker), cp->region_token) &&
	    cp->worker == 0)
		atomic_compare_exchange_strong(&cp->region->hdr->cp_pid, &me, 0);
	bolt_region_detach(cp->region);
	cp->region = NULL;
}

/* The dataplane may have recreated the region (wipe, new geometry): the
 * file we map is then no longer the one at the path. */
static bool region_replaced(struct main_state *s)
{
	struct stat a, b;
	if (stat(s->region_path, &a) != 0)
		return true;
	if (fstat(s->cp.region->fd, &b) != 0)
		return true;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/*
 * The miss rings have a single reader: two control planes on one region
 * would both consume them and corrupt their indices. Claim the region's
 * control-plane role with this process's token (region.h "Ownership"); a
 * live owner makes this one wait, retrying every second, and take over when
 * it is gone. Returns 0, or -EBUSY with the owner's token in *owner.
 */
static int claim_region(struct cp *cp, struct bolt_region *r, uint64_t *owner)
{
	int ret = workers_claim(cp, r, owner);
	if (ret == 0 && cp->worker == 0)
		atomic_store(&r->hdr->cp_pid, (int32_t)getpid());
	return ret;
}

/*
 * Every tick: still the owner? Another process holding the role means two
 * readers of the miss rings, so this one stops touching them at once (the
 * ring service checks the claim before every slot) and exits.
 */
static void check_owner(struct main_state *s)
{
	struct cp *cp = &s->cp;
	uint64_t owner = 0;
	if (cp->region == NULL || s->lost ||
	    bolt_region_beat(cp->region, BOLT_REGION_WORKER(cp->worker), cp->region_token,
	                     bolt_region_clock_ms(), &owner) == 0)
		return;
	s->lost = true;
	if (owner != 0)
		cp_log(CP_LOG_ERR, "lost region %s to another process (pid %d): stopping now, "
		       "the miss rings have a single reader", s->region_path,
		       (int)bolt_region_token_pid(owner));
	else
		cp_log(CP_LOG_ERR, "lost region %s: its control-plane claim was released by "
		       "another process: stopping now", s->region_path);
	uv_stop(cp->loop);
}

static void attach_step(struct main_state *s)
{
	struct cp *cp = &s->cp;
	if (cp->region != NULL && region_replaced(s)) {
		cp_log(CP_LOG_NOTICE, "region %s was replaced: re-attaching", s->region_path);
		detach(s);
	}
	if (cp->region != NULL)
		return;
	int err = 0;
	struct bolt_region *r = try_attach(s, &err);
	if (r == NULL) {
		/* Say it once per distinct reason, then keep retrying quietly. */
		if (err != s->last_attach_err)
			cp_log(CP_LOG_NOTICE, "cannot attach region %s: %s (retrying every second)",
			       s->cfg.cache_path, bolt_strerror(err));
		s->last_attach_err = err;
		return;
	}
	uint64_t owner = 0;
	err = claim_region(cp, r, &owner);
	if (err == -ERANGE) {
		if (err != s->last_attach_err)
			cp_log(CP_LOG_ERR, "region %s has rings for %u resolver workers ([resolver] "
			       "workers when the dataplane created it): no worker %u (retrying every "
			       "second)", s->region_path, r->hdr->cp_workers, cp->worker);
		s->last_attach_err = err;
		bolt_region_detach(r);
		return;
	}
	if (err < 0) {
		bolt_region_detach(r);
		/* Try again soon: the adopter gives the set back on its next turn. */
		if (err == -EBUSY && !uv_is_active((uv_handle_t *)&s->adopt))
			uv_timer_start(&s->adopt, on_adopt, WORKERS_ADOPT_MS, WORKERS_ADOPT_MS);
		if (err != s->last_attach_err || owner != s->last_owner)
			cp_log(CP_LOG_NOTICE, "region %s is in use by another boltdns-cp (pid %d) as "
			       "worker %u: waiting for it to exit or give the rings back",
			       s->region_path, (int)bolt_region_token_pid(owner), cp->worker);
		s->last_attach_err = err;
		s->last_owner = owner;
		return;
	}
	s->last_attach_err = 0;
	s->last_owner = 0;
	cp->region = r;
	cp->ctr.attaches++;
	/* The cache may be warm from before this process and its policy. */
	policy_attach(cp);
	uint64_t now = (uint64_t)time(NULL);
	atomic_store(&r->hdr->cp_started, now);
	atomic_store(&r->hdr->cp_heartbeat, now);
	cp_log(CP_LOG_NOTICE, "attached region %s as worker %u of %u (%u lcores running, "
	       "dataplane pid %d)", s->region_path, cp->worker, r->hdr->cp_workers,
	       (unsigned)atomic_load(&r->hdr->dp_lcores), (int)atomic_load(&r->hdr->dp_pid));
	workers_publish(cp);
	ctl_start(s);
}

/* ---- control socket hooks (control/ctl) ---- */

static void worker_local_start(struct main_state *s);

/*
 * boltctl reload reaches every worker: the one that took the command (worker
 * 0, the control socket's) bumps the region's reload generation; the others
 * see it move on their tick and reload too (reload_follow).
 */
static void reload_spread(struct main_state *s)
{
	struct bolt_region *r = s->cp.region;
	if (r == NULL)
		return;
	struct bolt_worker_info *wi = bolt_region_worker_info(r, s->cp.worker);
	if (s->cp.worker == 0) {
		uint64_t gen = atomic_fetch_add(&r->hdr->reload_gen, 1) + 1;
		atomic_store(&wi->reload_gen, gen);
		workers_post_control(&s->cp);
	} else {
		/* the table of a worker without the socket follows the file */
		bolt_local_close(s->wlocal);
		s->wlocal = NULL;
		s->cp.local = NULL;
		worker_local_start(s);
	}
}

static int hook_reload(void *arg, char *err, size_t errlen);

static void reload_follow(struct main_state *s)
{
	struct bolt_region *r = s->cp.region;
	if (r == NULL || s->cp.worker == 0)
		return;
	struct bolt_worker_info *wi = bolt_region_worker_info(r, s->cp.worker);
	uint64_t gen = atomic_load(&r->hdr->reload_gen);
	if (atomic_load(&wi->reload_gen) == gen)
		return;
	atomic_store(&wi->reload_gen, gen);
	char err[512] = "";
	if (hook_reload(s, err, sizeof(err)) < 0)
		cp_log(CP_LOG_ERR, "reload (asked through worker 0) failed: %s", err);
}

static int hook_reload(void *arg, char *err, size_t errlen)
{
	struct main_state *s = arg;
	struct bolt_config *fresh = malloc(sizeof(*fresh));
	if (fresh == NULL)
		return -ENOMEM;
	int ret = bolt_config_load(fresh, s->conf_path, err, errlen);
	struct root_hints *hints = NULL;
	if (ret == 0) {
		hints = malloc(sizeof(*hints));
		ret = hints == NULL ? -ENOMEM
		                    : hints_load(fresh->root_hints, s->cp.upstream_port, hints, err,
		                                 errlen);
	}
	if (ret == 0) {
		/* What may change without a restart: local data, verbosity and the
		 * resolver's policy. Sockets, the region and the infra cache size stay. */
		struct bolt_config *c = &s->cfg;
		memcpy(c->hosts_file, fresh->hosts_file, sizeof(c->hosts_file));
		memcpy(c->local_data, fresh->local_data, sizeof(c->local_data));
		c->nlocal_data = fresh->nlocal_data;
		c->verbosity = fresh->verbosity;
		memcpy(c->root_hints, fresh->root_hints, sizeof(c->root_hints));
		c->qname_minimisation = fresh->qname_minimisation;
		c->edns_size = fresh->edns_size;
		c->timeout_ms = fresh->timeout_ms;
		c->retries = fresh->retries;
		c->max_upstream = fresh->max_upstream;
		c->max_cname = fresh->max_cname;
		c->max_ns_chase = fresh->max_ns_chase;
		c->max_depth = fresh->max_depth;
		c->servfail_ttl = fresh->servfail_ttl;
		c->max_ttl = fresh->max_ttl;
		c->max_negative_ttl = fresh->max_negative_ttl;
		c->serve_stale = fresh->serve_stale;
		c->stale_max_age = fresh->stale_max_age;
		c->stale_answer_timeout_ms = fresh->stale_answer_timeout_ms;
		/* Turned off: no more synthesis (the store is kept for turning on). */
		c->aggressive_nsec = fresh->aggressive_nsec;
		/* and the dataplane answers from no more published ranges */
		if (!c->aggressive_nsec && s->cp.region != NULL)
			bolt_negrange_forget(&s->cp.region->hdr->negrange, NULL, true);
		s->cp.hints = *hints;
		/* NTAs follow the file; the anchors keep their RFC 5011 state */
		(void)nta_set_config(s->anchors.nta, (const uint8_t (*)[BOLT_NAME_MAX])fresh->nta,
		                     fresh->nnta);
		memcpy(c->nta, fresh->nta, sizeof(c->nta));
		c->nnta = fresh->nnta;
		/* Response policy zones: a file that cannot be read keeps its
		 * last good version; what changed is flushed. */
		char perr[512];
		(void)policy_load_config(&s->cp, fresh, true, perr, sizeof(perr));
		memcpy(c->rpz, fresh->rpz, sizeof(c->rpz));
		c->nrpz = fresh->nrpz;
		/* [zone]: changed zones are flushed from the caches */
		memcpy(c->zones, fresh->zones, sizeof(c->zones));
		c->nzones = fresh->nzones;
		zonectl_apply(&s->cp, c);
		/* a new [zone] or NTA may lie in a published range (negpub.c
		 * checks them before publishing): withdraw them all, a flood
		 * publishes again within a second */
		if (s->cp.region != NULL)
			bolt_negrange_forget(&s->cp.region->hdr->negrange, NULL, true);
		cp_log_verbosity = c->verbosity;
		cp_log(CP_LOG_NOTICE, "configuration reloaded from %s", s->conf_path);
		reload_spread(s);
	}
	free(hints);
	free(fresh);
	return ret;
}

static int hook_zones(void *arg, struct bolt_ctl_reply *r, char *err, size_t errlen)
{
	struct main_state *s = arg;
	(void)err, (void)errlen;
	return zonectl_report(&s->cp, r);
}

/* Changes the other workers repeat (ctlsync.h). */
static void hook_changed(void *arg, unsigned argc, const char *const *argv)
{
	struct main_state *s = arg;
	/* local data is answered before RFC 8198: ranges published to the
	 * dataplane would bypass it (negpub.h) */
	if (argc > 0 && strcmp(argv[0], "local_data") == 0 && s->cp.region != NULL)
		bolt_negrange_forget(&s->cp.region->hdr->negrange, NULL, true);
	ctlsync_publish(&s->cp, argc, argv);
}

/* A flush reaches what the control plane keeps apart from the cache: the
 * validated NSEC ranges (RFC 8198) would otherwise keep answering. */
static void hook_flushed(void *arg, const uint8_t *name, bool below)
{
	struct main_state *s = arg;
	aggr_forget(s->cp.aggr, name, below);
	dsec_keycache_forget(name, below);
	/* and the ranges published to the dataplane (negpub.h): the region is
	 * shared, so the worker that took the command withdraws them for all */
	if (s->cp.region != NULL)
		bolt_negrange_forget(&s->cp.region->hdr->negrange, name, below);
}

static int hook_verbosity(void *arg, int level)
{
	(void)arg;
	cp_log_verbosity = level;
	return 0;
}

static void hook_stats(void *arg, struct bolt_ctl_sink *k)
{
	struct main_state *s = arg;
	cp_stats_report(&s->cp, k);
}

static void hook_status(void *arg, struct bolt_ctl_sink *k)
{
	struct main_state *s = arg;
	bolt_ctl_sink_text(k, "root_hints", s->cfg.root_hints);
	bolt_ctl_sink_gauge(k, "root_servers", NULL, s->cp.hints.n);
	bolt_ctl_sink_gauge(k, "in_flight", NULL, s->cp.pend.count);
	bolt_ctl_sink_gauge(k, "verbosity", NULL, (uint64_t)cp_log_verbosity);
}

static int hook_dnssec(void *arg, unsigned argc, char **argv, struct bolt_ctl_reply *r,
                       char *err, size_t errlen)
{
	struct main_state *s = arg;
	return anchor_ctl_command(&s->anchors, argc, argv, r, (int64_t)time(NULL), err, errlen);
}

/*
 * [dnssec]: with validation on, the trust anchors must load (the RFC 5011
 * state file when it exists, else trust-anchor-file), or boltdns-cp does
 * not start: a validating resolver without its anchors would call every
 * signed answer bogus. The NTA table exists either way.
 */
static int anchors_start(struct main_state *s, char *err, size_t errlen)
{
	struct anchor_ctx *a = &s->anchors;
	const struct bolt_config *c = &s->cfg;
	memset(a, 0, sizeof(*a));
	a->validation = c->validation;
	a->permissive = c->permissive;
	snprintf(a->state_path, sizeof(a->state_path), "%s", c->trust_anchor_state);
	a->nta = malloc(sizeof(*a->nta));
	if (a->nta == NULL)
		return -ENOMEM;
	nta_init(a->nta);
	int ret = nta_set_config(a->nta, (const uint8_t (*)[BOLT_NAME_MAX])c->nta, c->nnta);
	if (ret < 0)
		return ret;
	anchor_set_active(a);
	if (!c->validation)
		return 0;
	a->set = malloc(sizeof(*a->set));
	if (a->set == NULL)
		return -ENOMEM;
	ret = ta_load_startup(a->set, c->trust_anchor_file, c->trust_anchor_state, c->ta_hold_down,
	                      (int64_t)time(NULL), err, errlen);
	if (ret < 0)
		return ret;
	unsigned keys = 0;
	for (unsigned i = 0; i < a->set->n; i++)
		keys += ta_point_trusted(&a->set->point[i]);
	cp_log(CP_LOG_NOTICE, "DNSSEC: %u trusted keys at %u trust points from %s%s, %u negative "
	       "trust anchors", keys, a->set->n, a->set->source,
	       a->set->from_state ? " (RFC 5011 state)" : "", a->nta->n);
	return 0;
}

/* A worker other than 0 answers from the configuration's local data too
 * (NODATA for other types, local CNAMEs): a table without the socket. */
static void worker_local_start(struct main_state *s)
{
	if (s->cp.worker == 0 || s->wlocal != NULL || s->cp.region == NULL)
		return;
	char err[512] = "";
	s->wlocal = bolt_local_open(&s->cfg, s->cp.region->cache, err, sizeof(err));
	if (s->wlocal == NULL)
		cp_log(CP_LOG_ERR, "local data: %s (resolving goes on without it)", err);
	s->cp.local = s->wlocal;
}

static void ctl_start(struct main_state *s)
{
	worker_local_start(s);
	/* One control socket (and /metrics) per region: worker 0's, which
	 * reports every worker from the region (struct bolt_worker_info). */
	if (s->ctl != NULL || s->cp.region == NULL || s->cfg.control_socket[0] == '\0' ||
	    s->cp.worker != 0)
		return;
	static const struct bolt_ctl_hooks hooks_tmpl = {
		.reload = hook_reload,
		.set_verbosity = hook_verbosity,
		.stats = hook_stats,
		.status = hook_status,
		.dnssec = hook_dnssec,
		.zones = hook_zones,
		.flushed = hook_flushed,
		.changed = hook_changed,
	};
	struct bolt_ctl_hooks hooks = hooks_tmpl;
	hooks.arg = s;
	ctlsync_begin(&s->cp);
	int err = 0;
	s->ctl = bolt_ctl_start(s->cp.loop, &s->cfg, s->cp.region, &hooks, &err);
	/* The serving side answers from the control server's local data, given
	 * here so that it never reaches into the control socket's module. */
	s->cp.local = s->ctl != NULL ? bolt_local_active() : NULL;
	if (s->ctl == NULL)
		cp_log(CP_LOG_ERR, "control socket %s: %s (resolving goes on without it)",
		       s->cfg.control_socket, bolt_strerror(err));
}

static void write_stats(struct main_state *s)
{
	if (s->stats_path == NULL)
		return;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->stats_path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return;
	cp_stats_write(&s->cp, f);
	if (fclose(f) == 0)
		rename(tmp, s->stats_path);
}

static void on_tick(uv_timer_t *t)
{
	struct main_state *s = t->data;
	check_owner(s);
	if (s->lost)
		return;
	attach_step(s);
	if (s->cp.region != NULL) {
		atomic_store(&s->cp.region->hdr->cp_heartbeat, (uint64_t)time(NULL));
		/* DNS Cookies: roll the dataplane's server-cookie secret over
		 * hourly (the previous one stays accepted until the next). */
		(void)bolt_cookie_rotate(s->cp.region->hdr, (uint64_t)time(NULL),
		                         BOLT_COOKIE_ROTATE_S);
		workers_publish(&s->cp);
	}
	/* The workers' turn also runs on control bits and exits; once a second
	 * keeps adopted sets' heartbeats and finds owners whose beat is stale. */
	workers_turn(s);
	reload_follow(s);
	ctlsync_follow(&s->sync, &s->cp, &s->anchors);
	serve_prefetch_tick(&s->cp);
	/* Policy zone files edited in place take effect within a second. */
	policy_tick(&s->cp);
	/* RFC 5011: probe a trust point's DNSKEY set when its timer says so. */
	res_anchor_tick(&s->cp);
	nta_expire(s->anchors.nta, (int64_t)time(NULL));
	write_stats(s);
}

/*
 * Questions in flight at most. Each holds an upstream socket (two while a
 * sub-resolution runs), so the bound follows the file descriptor limit,
 * raised to its hard maximum first; past it clients get SERVFAIL instead
 * of every resolution failing for want of sockets.
 */
static unsigned max_in_flight(void)
{
	struct rlimit rl = { .rlim_cur = 1024, .rlim_max = 1024 };
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	uint64_t fds = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : rl.rlim_cur;
	/* Keep room for TCP clients, the control socket and the region. */
	uint64_t n = fds > TCP_MAX_CONNS + 256 ? (fds - TCP_MAX_CONNS - 256) / 3 : 64;
	if (n < 64)
		n = 64;
	if (n > 20000)
		n = 20000;
	return (unsigned)n;
}

/* Adopt the sets of dead workers, give back those asked for, keep adopted
 * sets alive; then watch the owners of the sets we do not hold. */
static void workers_turn(struct main_state *s)
{
	if (s->lost || s->cp.region == NULL)
		return;
	uint32_t old = atomic_load(&s->cp.sets);
	if (workers_tick(&s->cp) > 0)
		ring_svc_sets_changed(&s->cp, old);
	workers_watch(&s->cp, s->watch);
}

/* A watched worker process exited: take its set over now. */
static void on_worker_exit(void *arg, unsigned slot)
{
	(void)slot;
	workers_turn(arg);
}

/* Another worker posted our control bit (ringsvc.h): worker 0's reloads
 * and run-time changes (ctlsync.h), NOTIFYs relayed by a worker that took
 * them over TCP (policy.h), a worker asking for its set back. */
static void on_control(void *arg)
{
	struct main_state *s = arg;
	if (s->lost || s->cp.region == NULL)
		return;
	workers_turn(s);
	reload_follow(s);
	ctlsync_follow(&s->sync, &s->cp, &s->anchors);
	policy_xfr_follow(&s->cp);
}

/* A claim waiting for an adopter to give this worker's set back: try again
 * every WORKERS_ADOPT_MS until it is ours (then the timer stops). */
static void on_adopt(uv_timer_t *t)
{
	struct main_state *s = t->data;
	if (!s->lost && s->cp.region == NULL && s->last_attach_err == -EBUSY)
		attach_step(s);
	if (s->lost || s->cp.region != NULL || s->last_attach_err != -EBUSY)
		uv_timer_stop(t);
}

static void on_signal(uv_signal_t *h, int signum)
{
	cp_log(CP_LOG_NOTICE, "signal %d: stopping", signum);
	uv_stop(h->loop);
}

int main(int argc, char **argv)
{
	static struct main_state s;
	const char *conf = NULL;
	s.conf_path = NULL;
	int verbosity = -1;
	int opt;
	long windex = 0;
	char *end;
	while ((opt = getopt(argc, argv, "c:s:v:w:h")) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'w':
			windex = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || windex < 0 || windex >= BOLT_MAX_WORKERS) {
				fprintf(stderr, "boltdns-cp: -w %s: a worker index 0..%u\n", optarg,
				        BOLT_MAX_WORKERS - 1);
				return 2;
			}
			break;
		case 's': s.stats_path = optarg; break;
		case 'v': verbosity = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (conf == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	s.conf_path = conf;
	char err[512];
	int ret = bolt_config_load(&s.cfg, conf, err, sizeof(err));
	if (ret < 0)
		return fail("%s", ret == BOLT_ECONFIG ? err : bolt_strerror(ret));
	cp_log_verbosity = verbosity >= 0 ? verbosity : s.cfg.verbosity;
	if ((ret = anchors_start(&s, err, sizeof(err))) < 0)
		return fail("trust anchors: %s", err[0] != '\0' ? err : bolt_strerror(ret));
	/* `boltctl dnssec status` shows the validator's verdict counts. */
	dsec_register();

	struct cp *cp = &s.cp;
	cp->cfg = &s.cfg;
	cp->worker = (unsigned)windex;
	if (cp->worker >= bolt_config_resolver_workers(&s.cfg))
		return fail("-w %u: [resolver] workers is %u in %s", cp->worker,
		            bolt_config_resolver_workers(&s.cfg), conf);
	cp->upstream_port = 53;
	ret = hints_load(s.cfg.root_hints, cp->upstream_port, &cp->hints, err, sizeof(err));
	if (ret < 0)
		return fail("root hints: %s", err);
	cp_log(CP_LOG_NOTICE, "%u root servers from %s", cp->hints.n, s.cfg.root_hints);
	if (policy_load_config(cp, &s.cfg, false, err, sizeof(err)) < 0)
		return fail("%s", err);
	cp->infra = infra_new(s.cfg.infra_entries > 0 ? s.cfg.infra_entries : 65536);
	/* RFC 8198: validated NSEC/NSEC3 ranges answer in their own right. */
	if (s.cfg.validation && s.cfg.aggressive_nsec &&
	    (cp->aggr = aggr_new(AGGR_DEFAULT_BYTES, (uint16_t)s.cfg.max_nsec3_iterations)) == NULL)
		return fail("out of memory");
	if (zonectl_apply(cp, &s.cfg) > 0)
		cp_log(CP_LOG_NOTICE, "%u forward and stub zones", s.cfg.nzones);
	if (s.cfg.prefetch && (cp->pf = prefetch_new()) == NULL)
		return fail("out of memory");
	unsigned inflight = max_in_flight();
	cp_log(CP_LOG_NOTICE, "at most %u questions in flight", inflight);
	if (cp->infra == NULL || pend_init(&cp->pend, inflight, 4096) < 0)
		return fail("out of memory");
	signal(SIGPIPE, SIG_IGN);
	if (tap_start(cp, &s.cfg) < 0)
		return 1;
	if ((ret = bolt_region_token_new(&cp->region_token)) < 0)
		return fail("no random for the region claim: %s", bolt_strerror(ret));
	cp->loop = uv_default_loop();

	uv_signal_init(cp->loop, &s.sigterm);
	uv_signal_init(cp->loop, &s.sigint);
	uv_signal_start(&s.sigterm, on_signal, SIGTERM);
	uv_signal_start(&s.sigint, on_signal, SIGINT);

	if ((ret = ring_svc_start(cp)) < 0 || (ret = tcp_srv_start(cp)) < 0 ||
	    (ret = policy_xfr_start(cp)) < 0) {
		cp_log(CP_LOG_ERR, "start-up failed: %s", bolt_strerror(ret));
		return 1;
	}
	ring_svc_on_control(cp, on_control, &s);
	uv_timer_init(cp->loop, &s.adopt);
	s.adopt.data = &s;
	if ((s.watch = pidwatch_new(cp->loop, on_worker_exit, &s)) == NULL)
		return fail("out of memory");
	attach_step(&s);
	workers_turn(&s);
	uv_timer_init(cp->loop, &s.tick);
	s.tick.data = &s;
	uv_timer_start(&s.tick, on_tick, 1000, 1000);
	write_stats(&s);
	cp_log(CP_LOG_NOTICE, "running (pid %d)", (int)getpid());
	/* RFC 8109: fetch the root's own NS set now; the hints only seed it. */
	prime_start(cp);

	uv_run(cp->loop, UV_RUN_DEFAULT);

	write_stats(&s);
	tap_stop(cp);
	/* Gives the claim (and cp_pid) up only if still ours. */
	detach(&s);
	pidwatch_close(s.watch);
	/* Let the control socket's handles finish closing (its file is removed). */
	uv_run(cp->loop, UV_RUN_NOWAIT);
	/* Resolutions in flight die with the process: the OS reclaims sockets. */
	if (s.lost) {
		cp_log(CP_LOG_ERR, "exiting: the region belongs to another control plane");
		return 1;
	}
	return 0;
}
