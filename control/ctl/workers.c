/*
 * Resolver workers as the control socket and /metrics show them: read from
 * the region (struct bolt_worker_info, the ring-set claims, the rings), so
 * that worker 0, which serves the control socket, reports all of them and
 * the figures of a worker that died stay visible until it is replaced.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_internal.h"

static const char *const wc_names[BOLT_WORKER_COUNTERS] = {
	[BOLT_WC_MISSES] = "misses",
	[BOLT_WC_ANSWERS] = "answers",
	[BOLT_WC_ANSWER_DROPS] = "answer_drops",
	[BOLT_WC_RESOLUTIONS] = "resolutions",
	[BOLT_WC_SERVFAIL] = "servfail",
	[BOLT_WC_COALESCED] = "coalesced",
	[BOLT_WC_UPSTREAM] = "upstream_queries",
	[BOLT_WC_CACHE_INSERTS] = "cache_inserts",
	[BOLT_WC_TCP_QUERIES] = "tcp_queries",
	[BOLT_WC_PREFETCHES] = "prefetches",
	[BOLT_WC_ADOPTED_MISSES] = "adopted_misses",
	[BOLT_WC_CTL_JOURNAL] = "ctl_journal",
};

static unsigned nworkers(const struct bolt_region *r)
{
	return r->hdr->cp_workers < BOLT_MAX_WORKERS ? r->hdr->cp_workers : BOLT_MAX_WORKERS;
}

/* Which worker consumes set w now: its own, or the one that adopted it
 * (-1: nobody). */
static int served_by(struct bolt_region *r, unsigned w)
{
	uint64_t tok = atomic_load(&r->hdr->owner[BOLT_REGION_WORKER(w)].token);
	if (tok == 0)
		return -1;
	int32_t pid = bolt_region_token_pid(tok);
	for (unsigned v = 0; v < nworkers(r); v++) {
		struct bolt_worker_info *wi = bolt_region_worker_info(r, v);
		if (atomic_load(&wi->pid) == pid &&
		    (v == w || (atomic_load(&wi->adopted) & (1u << w))))
			return (int)v;
	}
	return -1;
}

static uint64_t queued(struct bolt_region *r, unsigned w)
{
	uint64_t n = 0;
	unsigned nl = atomic_load(&r->hdr->dp_lcores);
	for (unsigned l = 0; l < nl && l < BOLT_MAX_LCORES; l++) {
		struct bolt_ring *ring = bolt_region_worker_miss_ring(r, l, w);
		if (ring)
			n += bolt_ring_count(ring);
	}
	return n;
}

void ctl_workers_out(struct ctl_out *o, struct bolt_region *r, uint64_t now)
{
	ctl_out_obj_begin(o, "workers");
	ctl_out_u64(o, "count", r->hdr->cp_workers);
	for (unsigned w = 0; w < nworkers(r); w++) {
		struct bolt_worker_info *wi = bolt_region_worker_info(r, w);
		char key[16], sets[64] = "";
		snprintf(key, sizeof(key), "%u", w);
		ctl_out_obj_begin(o, key);
		uint64_t tok = atomic_load(&r->hdr->owner[BOLT_REGION_WORKER(w)].token);
		int by = served_by(r, w);
		int32_t pid = atomic_load(&wi->pid);
		ctl_out_bool(o, "running", by == (int)w);
		ctl_out_i64(o, "pid", by == (int)w ? pid : 0);
		/* its rings: who reads them now and how many misses wait there */
		ctl_out_i64(o, "rings_served_by", by);
		ctl_out_i64(o, "rings_owner_pid", tok ? bolt_region_token_pid(tok) : 0);
		ctl_out_u64(o, "rings_queued", queued(r, w));
		uint32_t ad = atomic_load(&wi->adopted);
		size_t n = 0;
		for (unsigned v = 0; v < BOLT_MAX_WORKERS && n < sizeof(sets) - 4; v++)
			if (ad & (1u << v))
				n += (size_t)snprintf(sets + n, sizeof(sets) - n, "%s%u", n ? "," : "", v);
		ctl_out_str(o, "adopted", by == (int)w ? sets : "");
		ctl_out_u64(o, "in_flight", by == (int)w ? atomic_load(&wi->in_flight) : 0);
		ctl_out_dbl(o, "cpu_seconds", (double)atomic_load(&wi->cpu_us) / 1e6);
		uint64_t st = atomic_load(&wi->started);
		ctl_out_u64(o, "uptime", by == (int)w && st && st <= now ? now - st : 0);
		for (unsigned i = 0; i < BOLT_WORKER_COUNTERS; i++)
			if (wc_names[i] != NULL)
				ctl_out_u64(o, wc_names[i], atomic_load(&wi->ctr[i]));
		ctl_out_obj_end(o);
	}
	ctl_out_obj_end(o);
}

uint64_t ctl_workers_sum(struct bolt_region *r, unsigned counter, unsigned skip)
{
	uint64_t n = 0;
	if (r == NULL || counter >= BOLT_WORKER_COUNTERS)
		return 0;
	for (unsigned w = 0; w < nworkers(r); w++)
		if (w != skip)
			n += atomic_load(&bolt_region_worker_info(r, w)->ctr[counter]);
	return n;
}

void ctl_workers_metrics(struct sbuf *b, struct bolt_region *r)
{
	ctl_sbuf_printf(b, "# HELP boltdns_resolver_workers Resolver worker ring sets of the region\n"
	                   "# TYPE boltdns_resolver_workers gauge\nboltdns_resolver_workers %u\n",
	                r->hdr->cp_workers);
	ctl_sbuf_printf(b, "# HELP boltdns_worker_up Worker reads its own rings (0: dead, "
	                   "its rings adopted or waiting)\n# TYPE boltdns_worker_up gauge\n");
	for (unsigned w = 0; w < nworkers(r); w++)
		ctl_sbuf_printf(b, "boltdns_worker_up{worker=\"%u\"} %d\n", w, served_by(r, w) == (int)w);
	ctl_sbuf_printf(b, "# HELP boltdns_worker_cpu_seconds_total CPU time of each worker process\n"
	                   "# TYPE boltdns_worker_cpu_seconds_total counter\n");
	for (unsigned w = 0; w < nworkers(r); w++)
		ctl_sbuf_printf(b, "boltdns_worker_cpu_seconds_total{worker=\"%u\"} %.3f\n", w,
		                (double)atomic_load(&bolt_region_worker_info(r, w)->cpu_us) / 1e6);
	ctl_sbuf_printf(b, "# HELP boltdns_worker_in_flight Questions each worker is resolving\n"
	                   "# TYPE boltdns_worker_in_flight gauge\n");
	for (unsigned w = 0; w < nworkers(r); w++)
		ctl_sbuf_printf(b, "boltdns_worker_in_flight{worker=\"%u\"} %llu\n", w,
		                (unsigned long long)atomic_load(&bolt_region_worker_info(r, w)->in_flight));
	for (unsigned i = 0; i < BOLT_WORKER_COUNTERS; i++) {
		if (wc_names[i] == NULL)
			continue;
		if (i == BOLT_WC_CTL_JOURNAL)
			ctl_sbuf_printf(b, "# HELP boltdns_worker_%s_total Per resolver worker: the "
			                   "control journal's change it reached (worker 0: published)\n"
			                   "# TYPE boltdns_worker_%s_total counter\n",
			                wc_names[i], wc_names[i]);
		else
			ctl_sbuf_printf(b, "# HELP boltdns_worker_%s_total Per resolver worker (cp.%s is "
			                   "their sum)\n# TYPE boltdns_worker_%s_total counter\n",
			                wc_names[i], wc_names[i], wc_names[i]);
		for (unsigned w = 0; w < nworkers(r); w++)
			ctl_sbuf_printf(b, "boltdns_worker_%s_total{worker=\"%u\"} %llu\n", wc_names[i], w,
			                (unsigned long long)atomic_load(
			                        &bolt_region_worker_info(r, w)->ctr[i]));
	}
}

struct ctl_local *bolt_local_open(const struct bolt_config *cfg, struct bolt_cache *cache,
                                  char *err, size_t errlen)
{
	struct ctl_local *l = ctl_local_new(cache);
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ctl_local_load_config(l, cfg, err, errlen) < 0) {
		ctl_local_free(l);
		return NULL;
	}
	return l;
}

void bolt_local_close(struct ctl_local *l)
{
	ctl_local_free(l);
}

int bolt_local_follow(struct ctl_local *l, unsigned argc, char **argv, char *err,
                      size_t errlen)
{
	if (argc == 3 && strcmp(argv[0], "local_data") == 0 && strcmp(argv[1], "add") == 0)
		return ctl_local_add_text(l, argv[2], err, errlen);
	if ((argc == 3 || argc == 4) && strcmp(argv[0], "local_data") == 0 &&
	    strcmp(argv[1], "remove") == 0) {
		uint8_t name[BOLT_NAME_MAX];
		int len = bolt_name_from_text(argv[2], name);
		int type = argc == 4 ? bolt_type_from_text(argv[3]) : 0;
		if (len < 0 || type < 0) {
			snprintf(err, errlen, "bad local_data remove %.300s", argv[2]);
			return len < 0 ? len : type;
		}
		/* the worker that took the command found the name; this table
		 * holds the same records (nothing to remove is not an error) */
		int n = ctl_local_remove(l, name, (uint16_t)type);
		return n < 0 ? n : 0;
	}
	snprintf(err, errlen, "not a local_data change: %.300s", argv[0]);
	return BOLT_ESYNTAX;
}
