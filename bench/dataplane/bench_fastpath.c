/*
 * In-memory fast-path benchmark of the DPDK dataplane, no NIC: pre-built
 * Ethernet/IPv4/UDP query frames go through the very burst handler the
 * polling loop runs (dataplane/burst.c: classify, parse, key + hash, prefetch,
 * cache lookup copying the sections into the frame, TTL rewrite, address
 * swap, checksums), 32 frames a burst, on one core, against a cache in a
 * /dev/shm region. Frame buffers are laid out like mbufs (128 bytes of
 * headroom, 2048 of room).
 *
 * Compared with, in the same harness:
 *   restore    - copying the query bytes back into the buffers (every mode
 *                pays this: the previous response overwrote the query)
 *   reflector  - restore + swap MACs, addresses and ports (no DNS at all)
 *   fastpath   - restore + dp_burst_handle, every query a cache hit
 *   fastpath-miss - restore + dp_burst_handle, every query a miss (queued
 *                on the miss ring, which is drained by the same thread)
 *   fastpath-cookie - fastpath-hit, every query with a client cookie (RFC
 *                7873): the answer gets a fresh server cookie (one SipHash)
 *   fastpath-cookie-valid - every query also presents a valid server cookie
 *                (one SipHash more to check it)
 *   scale      - fastpath-hit on 1 thread, then on THREADS threads at once
 *                (each pinned to its own CPU, its own worker, queue of frames
 *                and buffers, as lcores with separate queues; one shared
 *                cache): the aggregate rate and its ratio to one thread.
 * Reports Mpps and ns per packet of thread CPU time; asserts nothing.
 *
 *   bench_dp_fastpath [SECONDS_PER_MODE] [NAMES] [MODES] [THREADS]
 * MODES: comma-separated subset of the labels above (default: all but scale).
 * BENCH_DP_QNAMES=N: the frames ask N distinct questions in turn (default
 * 4096, one per frame buffer) spread over the NAMES cached, so that the
 * buckets and records a pass touches outgrow the CPU caches.
 * BENCH_DP_RL_RATE=N: a policy as dp_policy_from_config makes it with
 * [ratelimit] rate = N (an ACL allowing everyone; all frames come from one
 * prefix, so N above the packets per second never limits: 1000000000) on
 * the single-thread modes' worker.
 * BENCH_DP_PKC=N: each worker's packet cache (dataplane/pktcache.h) of N
 * slots, 0 = off (default DP_PKC_DEFAULT, as [dataplane] packet-cache-size
 * gives boltdns-dp), for an A/B in one build.
 * BENCH_DP_ZIPF=S: the BENCH_DP_QNAMES templates ask names drawn with Zipf(S)
 * popularity over the NAMES cached (rank k has weight 1/k^S; S > 0, e.g. 0.9
 * or 1.1), as resolver traffic is, instead of the fixed cycle: a fixed-seed
 * PRNG (same templates every run), rank -> name by a fixed permutation (the
 * popular names are not neighbours), all drawn before timing starts. The
 * header's second line gives the distinct names among the templates and the
 * share of the templates that ask the top 1 % and the top 100 names. Unset:
 * the fixed cycle, the same frames in the same order as before. The scale
 * mode takes the first 4096 templates either way.
 */
#include <endian.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/cookie.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "burst.h"

#define NFRAMES 4096
#define BURST 32
#define HEADROOM 128
#define ROOM 2048

static uint8_t (*bufs)[HEADROOM + ROOM];
/* Query templates: NFRAMES by default; BENCH_DP_QNAMES=N (a multiple of
 * NFRAMES) distinct questions, the frame buffers taking them in turn, so
 * that the names a pass touches are more than the CPU caches hold. */
static unsigned ntpl = NFRAMES;
static uint8_t (*tpl)[256];
static uint16_t *tpl_len;
static struct dp_frame_pkt fp[NFRAMES];
/* The cached name (hostN) template i asks: tpl_name[i] = N. */
static uint32_t *tpl_name;

static const uint8_t SVC4[4] = { 198, 18, 0, 1 };
static const uint8_t CLI4[4] = { 198, 18, 0, 2 };

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rates are per second of this thread's CPU time: on a shared machine the
 * wall clock also counts the time other processes had the core. */
static double now_s(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

/* The COOKIE option data frames carry (cookie_len: 0 none, 8, 24). */
static unsigned cookie_len;
static uint8_t cookie_data[24];

static size_t mk_frame(uint8_t *b, const char *name, uint16_t id)
{
	uint8_t qname[BOLT_NAME_MAX];
	struct bolt_build bb;
	uint8_t *dns = b + 42;
	int ql = bolt_name_from_text(name, qname);
	bolt_build_init(&bb, dns, 200, id, BOLT_FLAG_RD);
	bolt_build_question(&bb, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
	bolt_build_opt(&bb, 1232, 0, false);
	int dl = bolt_build_finish(&bb);
	if (cookie_len) {
		/* The OPT is last: grow its RDATA by the option. */
		put16(dns + dl, BOLT_OPT_COOKIE);
		put16(dns + dl + 2, (uint16_t)cookie_len);
		memcpy(dns + dl + 4, cookie_data, cookie_len);
		put16(dns + dl - 2, (uint16_t)(4 + cookie_len));
		dl += 4 + (int)cookie_len;
	}
	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	uint8_t *ip = b + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + dl));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, CLI4, 4);
	memcpy(ip + 16, SVC4, 4);
	uint8_t *u = ip + 20;
	put16(u, (uint16_t)(1024 + id % 60000));
	put16(u + 2, 53);
	put16(u + 4, (uint16_t)(8 + dl));
	put16(u + 6, 0);
	return 42 + (size_t)dl;
}

/* A records per cached answer (BENCH_DP_RRS, 1..16; 2 by default). */
static unsigned n_rrs = 2;

static void put_a(struct bolt_region *r, const char *name)
{
	uint8_t msg[512], qname[BOLT_NAME_MAX];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA);
	bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
	for (uint8_t i = 1; i <= n_rrs; i++) {
		uint8_t rd[4] = { 198, 18, 7, i };
		bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN, 3600, rd, 4);
	}
	int len = bolt_build_finish(&b);
	bolt_answer_insert(r->cache, msg, (size_t)len, b.ttl_off, b.nttl, false, bolt_now(), 3600,
	                   BOLT_CACHE_POSITIVE);
}

/* splitmix64: a fixed-seed PRNG, so every run draws the same templates. */
static uint64_t rng_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* tpl_name[] for the fixed cycle: a multiplicative hash spreads the
 * templates over the whole name set, so bucket accesses miss the CPU caches
 * as they would. */
static void names_cycle(unsigned names)
{
	for (unsigned i = 0; i < ntpl; i++)
		tpl_name[i] = (uint32_t)(((uint64_t)i * 2654435761u) % names);
}

/* tpl_name[] drawn with Zipf(s) popularity over names ranks (inverse CDF,
 * binary search), rank -> name by a fixed Fisher-Yates permutation. Prints
 * the workload. Returns 0 or -1 (no memory). */
static int names_zipf(unsigned names, double s)
{
	double *cdf = malloc(sizeof(*cdf) * names);
	uint32_t *perm = malloc(sizeof(*perm) * names);
	uint8_t *seen = calloc(names, 1);
	if (!cdf || !perm || !seen) {
		free(cdf);
		free(perm);
		free(seen);
		return -1;
	}
	double sum = 0;
	for (unsigned k = 0; k < names; k++)
		cdf[k] = sum += pow((double)k + 1, -s);
	uint64_t x = 0x5eed2026u;
	for (unsigned k = 0; k < names; k++)
		perm[k] = k;
	for (unsigned k = names - 1; k > 0; k--) {
		unsigned j = (unsigned)(rng_next(&x) % ((uint64_t)k + 1));
		uint32_t t = perm[k];
		perm[k] = perm[j];
		perm[j] = t;
	}
	unsigned top1 = names / 100 ? names / 100 : 1, distinct = 0, in_top1 = 0, in_top100 = 0;
	for (unsigned i = 0; i < ntpl; i++) {
		double u = (double)(rng_next(&x) >> 11) * 0x1p-53 * sum;
		unsigned lo = 0, hi = names - 1;
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			if (cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		tpl_name[i] = perm[lo];
		distinct += !seen[lo];
		seen[lo] = 1;
		in_top1 += lo < top1;
		in_top100 += lo < 100;
	}
	printf("zipf s=%.2f over %u names: %u templates, %u distinct names, top 1 %% (%u names) "
	       "%.1f %% of the templates, top 100 names %.1f %%\n", s, names, ntpl, distinct, top1,
	       100.0 * in_top1 / ntpl, 100.0 * in_top100 / ntpl);
	free(cdf);
	free(perm);
	free(seen);
	return 0;
}

/* (Re)build every template from tpl_name[] (cookie_len as set). */
static void fill_templates(void)
{
	char name[64];
	for (unsigned i = 0; i < ntpl; i++) {
		snprintf(name, sizeof(name), "host%u.bench.example.", tpl_name[i]);
		tpl_len[i] = (uint16_t)mk_frame(tpl[i], name, (uint16_t)i);
	}
}

static inline void restore(unsigned first, unsigned base)
{
	for (unsigned i = first; i < first + BURST; i++) {
		memcpy(fp[i].data, tpl[base + i], tpl_len[base + i]);
		fp[i].len = tpl_len[base + i];
	}
}

static inline void swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[6];
	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

enum mode { M_RESTORE, M_REFLECT, M_FAST, M_FAST_MISS };

static const char *only;

#define CHUNKS_MAX (1u << 16)
static double chunk_ns[CHUNKS_MAX];

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One thread of the scale mode: a worker of its own (index = its number:
 * own counters and rings in the region), its own frame buffers. */
struct scale_thr {
	pthread_t tid;
	unsigned idx;
	int cpu;
	double secs;
	struct bolt_region *r;
	const struct dp_port_ctx *pc;
	struct dp_worker *w;
	struct dp_burst_scratch *s;
	uint8_t (*bufs)[HEADROOM + ROOM];
	struct dp_frame_pkt *fp;
	uint64_t pkts;
	double cpu_s, wall_s;
	pthread_barrier_t *start;
};

static void *scale_main(void *arg)
{
	struct scale_thr *t = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* First touch of the thread's own state on its own CPU (its NUMA
	 * node on a machine with several), as an lcore does. */
	memset(t->bufs, 0, sizeof(*t->bufs) * NFRAMES);
	for (unsigned i = 0; i < NFRAMES; i++) {
		t->fp[i].data = t->bufs[i] + HEADROOM;
		t->fp[i].room = ROOM;
	}
	pthread_barrier_wait(t->start);
	double t0 = now_s(), t1, w0 = clock_s(CLOCK_MONOTONIC);
	uint64_t pkts = 0;
	do {
		for (unsigned rep = 0; rep < 16; rep++) {
			for (unsigned first = 0; first < NFRAMES; first += BURST) {
				for (unsigned i = first; i < first + BURST; i++) {
					memcpy(t->fp[i].data, tpl[i], tpl_len[i]);
					t->fp[i].len = tpl_len[i];
				}
				dp_burst_handle(t->w, t->s, t->pc, t->fp + first, BURST);
				pkts += BURST;
			}
		}
		t1 = now_s();
	} while (clock_s(CLOCK_MONOTONIC) - w0 < t->secs);
	t->pkts = pkts;
	t->cpu_s = t1 - t0;
	t->wall_s = clock_s(CLOCK_MONOTONIC) - w0;
	return NULL;
}

/* n threads at once for secs of wall time; prints per-thread and aggregate
 * rates; returns the aggregate per CPU second (sum of each thread's rate). */
static double scale_run(struct scale_thr *th, unsigned n, double secs)
{
	pthread_barrier_t b;
	pthread_barrier_init(&b, NULL, n);
	for (unsigned i = 0; i < n; i++) {
		th[i].secs = secs;
		th[i].start = &b;
		pthread_create(&th[i].tid, NULL, scale_main, &th[i]);
	}
	double agg_cpu = 0, agg_wall = 0;
	for (unsigned i = 0; i < n; i++) {
		pthread_join(th[i].tid, NULL);
		double cpu_rate = (double)th[i].pkts / th[i].cpu_s / 1e6;
		double wall_rate = (double)th[i].pkts / th[i].wall_s / 1e6;
		agg_cpu += cpu_rate;
		agg_wall += wall_rate;
		printf("  thread %u on cpu %d: %8.2f Mpps per CPU second (%.1f ns/pkt), %8.2f Mpps "
		       "wall (%.2f s CPU of %.2f s)\n", i, th[i].cpu, cpu_rate, 1e3 / cpu_rate,
		       wall_rate, th[i].cpu_s, th[i].wall_s);
	}
	pthread_barrier_destroy(&b);
	printf("scale-%u         %8.2f Mpps  (sum of per-CPU-second rates; wall-clock sum %.2f "
	       "Mpps)\n", n, agg_cpu, agg_wall);
	fflush(stdout);
	return agg_cpu;
}

static void run(const char *label, enum mode mode, double secs, struct dp_worker *w,
                struct dp_burst_scratch *s, const struct dp_port_ctx *pc, struct bolt_region *r)
{
	if (only ? !strstr(only, label) : strcmp(label, "scale") == 0)
		return;
	uint64_t pkts = 0, tx = 0;
	struct bolt_ring *ring = bolt_region_miss_ring(r, 0);
	unsigned nch = 0;
	double t0 = now_s(), t1, w0 = clock_s(CLOCK_MONOTONIC), tc = t0;
	unsigned base = 0;
	do {
		for (unsigned rep = 0; rep < 64; rep++) {
			for (unsigned first = 0; first < NFRAMES; first += BURST) {
				restore(first, base);
				if (mode == M_REFLECT) {
					for (unsigned i = first; i < first + BURST; i++) {
						uint8_t *d = fp[i].data;
						swap(d, d + 6, 6);
						swap(d + 26, d + 30, 4);
						swap(d + 34, d + 36, 2);
					}
					tx += BURST;
				} else if (mode != M_RESTORE) {
					tx += dp_burst_handle(w, s, pc, fp + first, BURST);
				}
				pkts += BURST;
			}
			/* (dnstap samples go on the miss ring too) */
			if (mode == M_FAST_MISS || w->tap_every != 0)
				while (bolt_ring_peek(ring))
					bolt_ring_release(ring);
			/* Each pass over the frames timed alone: on a shared
			 * machine the passes a context switch hit (cold caches
			 * after another process ran) are the slow tail, and the
			 * median pass is the path's own speed. */
			double tn = now_s();
			if (nch < CHUNKS_MAX)
				chunk_ns[nch++] = (tn - tc) * 1e9 / NFRAMES;
			tc = tn;
			base = (base + NFRAMES) % ntpl;
		}
		t1 = tc;
	} while (t1 - t0 < secs);
	double el = t1 - t0, wall = clock_s(CLOCK_MONOTONIC) - w0;
	printf("%-14s %8.2f Mpps  %7.1f ns/pkt  (%llu packets, %llu answered, %.2f s CPU, "
	       "%.2f s wall)\n", label, (double)pkts / el / 1e6, el * 1e9 / (double)pkts,
	       (unsigned long long)pkts, (unsigned long long)tx, el, wall);
	qsort(chunk_ns, nch, sizeof(chunk_ns[0]), cmp_double);
	double med = chunk_ns[nch / 2];
	printf("  passes of %d frames: median %.1f ns/pkt (%.2f Mpps), min %.1f, p90 %.1f\n", NFRAMES,
	       med, 1e3 / med, chunk_ns[0], chunk_ns[nch * 9 / 10]);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	unsigned names = argc > 2 ? (unsigned)atoi(argv[2]) : 100000;
	char path[4096], name[64]; /* path: as large as bolt_region.path */
	int err;

	only = argc > 3 ? argv[3] : NULL;
	if (names == 0)
		names = 1;
	/* BENCH_DP_REGION_DIR: a hugetlbfs mount, as boltdns-dp uses in a
	 * deployment ([cache] path); default /dev/shm (4 KB pages: a TLB miss
	 * per bucket and record). BENCH_DP_REGION_MB: its size (512). */
	const char *zipf = getenv("BENCH_DP_ZIPF");
	if (zipf != NULL && *zipf == '\0')
		zipf = NULL; /* set empty, as unset */
	if (zipf != NULL && !(atof(zipf) > 0 && atof(zipf) <= 10)) {
		fprintf(stderr, "BENCH_DP_ZIPF=%s: not an exponent in (0, 10]\n", zipf);
		return 1;
	}
	const char *rrs = getenv("BENCH_DP_RRS");
	if (rrs != NULL && atoi(rrs) >= 1 && atoi(rrs) <= 16)
		n_rrs = (unsigned)atoi(rrs);
	const char *rdir = getenv("BENCH_DP_REGION_DIR");
	const char *rmb = getenv("BENCH_DP_REGION_MB");
	snprintf(path, sizeof(path), "%s/boltdns-bench-dp-%d", rdir ? rdir : "/dev/shm",
	         (int)getpid());
	struct bolt_region_params p = { .path = path, .size = 256u << 20, .ring_slots = 4096,
	                                .wipe = true };
	p.size = (uint64_t)(rmb ? atoi(rmb) : 512) << 20;
	struct bolt_region *r = bolt_region_create(&p, &err);
	if (!r) {
		fprintf(stderr, "region: %s\n", bolt_strerror(err));
		return 1;
	}
	/* The file actually mapped: bolt_region_create falls back to /dev/shm
	 * when the hugetlbfs mount has no pages free (the header says so, and
	 * the fallback is what gets unlinked at the end). */
	if (strcmp(r->path, path) != 0) {
		fprintf(stderr, "region: %s not created, fell back to %s\n", path, r->path);
		snprintf(path, sizeof(path), "%s", r->path);
	}
	static struct dp_worker w;
	static struct dp_burst_scratch s;
	dp_worker_init(&w, r, 0, 1232);
	/* BENCH_DP_SAMPLE=N: [dnstap] sample = N (every Nth hit onto the ring),
	 * set as dp_worker_set_policy would, without a policy's ACL check. */
	/* BENCH_DP_GENERAL=1: the specialised hit path off (dataplane/fastpath.h),
	 * every frame the general way, for an A/B in one build. */
	const char *gen = getenv("BENCH_DP_GENERAL");
	if (gen != NULL && atoi(gen) != 0)
		w.fast_off = true;
	const char *rlr = getenv("BENCH_DP_RL_RATE");
	if (rlr != NULL && atol(rlr) > 0) {
		static struct bolt_config cfg;
		static struct dp_policy pol;
		bolt_config_defaults(&cfg);
		cfg.nallow = 1;
		if (bolt_prefix_parse("0.0.0.0/0", &cfg.allow[0]) != 0)
			return 1;
		cfg.rl_rate = (unsigned)atol(rlr);
		dp_policy_from_config(&pol, &cfg);
		dp_worker_set_policy(&w, &pol);
	}
	const char *pkcs = getenv("BENCH_DP_PKC");
	unsigned pkc_slots = pkcs != NULL ? (unsigned)atol(pkcs) : DP_PKC_DEFAULT;
	if (dp_pkc_init(&w.pkc, pkc_slots) != 0) {
		fprintf(stderr, "BENCH_DP_PKC=%u: not a packet cache size\n", pkc_slots);
		return 1;
	}
	const char *samp = getenv("BENCH_DP_SAMPLE");
	if (samp != NULL)
		w.tap_every = w.tap_left = (uint32_t)atoi(samp);

	const char *qn = getenv("BENCH_DP_QNAMES");
	if (qn != NULL && atoi(qn) > NFRAMES)
		ntpl = ((unsigned)atoi(qn) + NFRAMES - 1) / NFRAMES * NFRAMES;
	bufs = aligned_alloc(64, sizeof(*bufs) * NFRAMES);
	tpl = aligned_alloc(64, sizeof(*tpl) * ntpl);
	tpl_len = calloc(ntpl, sizeof(*tpl_len));
	tpl_name = calloc(ntpl, sizeof(*tpl_name));
	if (!bufs || !tpl || !tpl_len || !tpl_name)
		return 1;
	for (unsigned i = 0; i < names; i++) {
		snprintf(name, sizeof(name), "host%u.bench.example.", i);
		put_a(r, name);
	}
	for (unsigned i = 0; i < NFRAMES; i++) {
		fp[i].data = bufs[i] + HEADROOM;
		fp[i].room = ROOM;
	}

	struct dp_svc svc;
	memset(&svc, 0, sizeof(svc));
	svc.dns_port = 53;
	memcpy(svc.v4[svc.n4++], SVC4, 4);
	struct dp_port_ctx pc = { .svc = &svc };

	struct bolt_cache_stats cs;
	bolt_cache_get_stats(r->cache, &cs);
	printf("dataplane fast path, 1 core, bursts of %d, %u frames in rotation over %u %s, %llu "
	       "names cached (%u shards), region %s\n", BURST, NFRAMES, ntpl,
	       zipf ? "question templates" : "distinct questions", (unsigned long long)cs.entries,
	       cs.shards, path);
	if (zipf == NULL) {
		names_cycle(names);
	} else if (names_zipf(names, atof(zipf)) != 0) {
		fprintf(stderr, "BENCH_DP_ZIPF: no memory for %u names\n", names);
		bolt_region_detach(r);
		unlink(path);
		return 1;
	}
	fill_templates();
	run("restore", M_RESTORE, secs, &w, &s, &pc, r);
	run("reflector", M_REFLECT, secs, &w, &s, &pc, r);
	run("fastpath-hit", M_FAST, secs, &w, &s, &pc, r);
	printf("  hits %llu, misses %llu; packet cache (%u slots): hits %llu, stores %llu, "
	       "stale %llu, probes %llu, set full %llu\n", (unsigned long long)w.st->hits,
	       (unsigned long long)w.st->misses, pkc_slots, (unsigned long long)w.pkc.hits,
	       (unsigned long long)w.pkc.stores, (unsigned long long)w.pkc.stale,
	       (unsigned long long)w.pkc.probes, (unsigned long long)w.pkc.full);

	/* Scaling: one thread, then THREADS threads, same frames, one cache. */
	unsigned nthr = argc > 4 ? (unsigned)atoi(argv[4]) : 2;
	if (only && strstr(only, "scale") && nthr >= 1 && nthr <= 16) {
		struct scale_thr th[16];
		memset(th, 0, sizeof(th));
		for (unsigned i = 0; i < nthr; i++) {
			th[i].idx = i;
			th[i].cpu = (int)i;
			th[i].r = r;
			th[i].pc = &pc;
			th[i].w = aligned_alloc(64, sizeof(struct dp_worker));
			th[i].s = aligned_alloc(64, sizeof(struct dp_burst_scratch));
			th[i].bufs = aligned_alloc(64, sizeof(*bufs) * NFRAMES);
			th[i].fp = calloc(NFRAMES, sizeof(struct dp_frame_pkt));
			if (!th[i].w || !th[i].s || !th[i].bufs || !th[i].fp ||
			    dp_worker_init(th[i].w, r, i, 1232) != 0 ||
			    dp_pkc_init(&th[i].w->pkc, pkc_slots) != 0) {
				fprintf(stderr, "scale: no memory or no lcore %u in the region\n", i);
				return 1;
			}
		}
		printf("scaling, %u threads on CPUs 0..%u, %.1f s wall each\n", nthr, nthr - 1, secs);
		double one = scale_run(th, 1, secs);
		double all = scale_run(th, nthr, secs);
		printf("scale-ratio     %8.2f x  (%u threads / 1, per CPU second)\n", all / one, nthr);
		for (unsigned i = 0; i < nthr; i++) {
			dp_pkc_fini(&th[i].w->pkc);
			free(th[i].w);
			free(th[i].s);
			free(th[i].bufs);
			free(th[i].fp);
		}
	}

	/* The hit frames again, with a client cookie, then also with a valid
	 * server cookie. */
	static const uint8_t cc[8] = { 0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57 };
	uint8_t cur[BOLT_COOKIE_SECRET_LEN], prev[BOLT_COOKIE_SECRET_LEN];
	bolt_cookie_secrets(r->hdr, cur, prev);
	memcpy(cookie_data, cc, 8);
	bolt_cookie_make(cookie_data + 8, cc, CLI4, 4, bolt_now(), cur);
	for (unsigned len = 8; len <= 24; len += 16) {
		cookie_len = len;
		fill_templates();
		uint64_t sent = w.st->cookies_sent, valid = w.st->cookies_valid;
		run(len == 8 ? "fastpath-cookie" : "fastpath-cookie-valid", M_FAST, secs, &w, &s, &pc,
		    r);
		printf("  cookies sent %llu, valid %llu\n",
		       (unsigned long long)(w.st->cookies_sent - sent),
		       (unsigned long long)(w.st->cookies_valid - valid));
	}
	cookie_len = 0;

	/* Same frames, a name suffix nothing is cached under. */
	for (unsigned i = 0; i < ntpl; i++) {
		snprintf(name, sizeof(name), "miss%u.bench.example.", i);
		tpl_len[i] = (uint16_t)mk_frame(tpl[i], name, (uint16_t)i);
	}
	run("fastpath-miss", M_FAST_MISS, secs, &w, &s, &pc, r);
	printf("  misses %llu, ring drops %llu\n", (unsigned long long)w.st->misses,
	       (unsigned long long)w.st->ring_drops);
	if (w.tap_every != 0)
		printf("  dnstap samples %llu, sample drops %llu\n",
		       (unsigned long long)w.st->tap_samples, (unsigned long long)w.st->tap_sample_drops);

	bolt_region_detach(r);
	unlink(path);
	free(bufs);
	free(tpl);
	free(tpl_len);
	free(tpl_name);
	return 0;
}
