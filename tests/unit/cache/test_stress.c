/*
 * Concurrency stress: one writer thread and two reader threads in this
 * process plus a writer in a forked second process, all on one region, for a
 * bounded time (argv[1] seconds, default 5). Every value carries its key
 * number, a generation and a checksum; readers check each hit and count any
 * value that is not exactly what some writer wrote (a torn read). Three phases:
 * many keys with small values; few keys with values up to 64 KiB in small
 * shards, where record memory is reused while readers copy it; one key with
 * same-size values, where a reused record looks like the one the reader
 * wanted (the version checks are all that stands in between). The forked
 * writer is killed with SIGKILL while it runs, possibly inside a shard lock:
 * the remaining writer must take over (never hang) and readers must still
 * never see a torn value.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "boltdns/region.h"
#include "helpers.h"

#define MAX_LEN 65535u
#define MAX_TTL (MAX_LEN / 100 + 1)
#define BUF_LEN 65536u /* per value buffer: keeps the next one aligned */

/* Phase parameters: many small values, then few large ones in small shards
 * (the log wraps every few dozen inserts, so memory is reused under readers
 * all the time). */
static uint32_t keys_n;
static uint32_t len_max;
static uint32_t len_fixed;     /* every value this long (0: lengths vary) */

static char path[256];
static double duration = 5.0;
static struct bolt_region *region;
static _Atomic bool stop;
static _Atomic uint64_t hits, misses, torn, writes;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

static uint32_t len_of(uint32_t i, uint32_t gen)
{
	if (len_fixed)
		return len_fixed;
	return 24 + (uint32_t)(XXH64(&gen, sizeof(gen), i) % (len_max - 24));
}

/* Value of key i, generation gen: [i][gen][pattern...][xxh64 of the rest]. */
static void make_value(uint32_t i, uint32_t gen, uint8_t *sec, uint16_t *ttl,
                       struct bolt_cache_val *v)
{
	uint32_t len = len_of(i, gen);
	memcpy(sec, &i, 4);
	memcpy(sec + 4, &gen, 4);
	test_fill(sec + 8, len - 16, i * 31 + gen);
	uint64_t sum = XXH64(sec, len - 8, 0);
	memcpy(sec + len - 8, &sum, 8);
	uint16_t nttl = (uint16_t)(len / 100);
	for (uint16_t j = 0; j < nttl; j++)
		ttl[j] = (uint16_t)(gen + j);
	*v = test_val(len, nttl, bolt_now() + 3600, BOLT_CACHE_POSITIVE);
	v->ancount = (uint16_t)gen;
}

static bool value_ok(uint32_t i, const struct bolt_cache_out *o)
{
	uint32_t ki, gen;
	uint64_t sum;
	if (o->val.len < 24 || o->val.len > len_max)
		return false;
	memcpy(&ki, o->sections, 4);
	memcpy(&gen, o->sections + 4, 4);
	memcpy(&sum, o->sections + o->val.len - 8, 8);
	if (ki != i || o->val.len != len_of(i, gen) || (uint16_t)gen != o->val.ancount)
		return false;
	if (sum != XXH64(o->sections, o->val.len - 8, 0))
		return false;
	if (o->val.nttl != o->val.len / 100)
		return false;
	for (uint16_t j = 0; j < o->val.nttl; j++)
		if (o->ttl_off[j] != (uint16_t)(gen + j))
			return false;
	return true;
}

/* Writes until stop (or forever in the child, which is killed). */
static void writer_loop(struct bolt_cache *c, uint64_t seed, uint32_t gen_base, bool child)
{
	uint8_t *sec = malloc(MAX_LEN);
	uint16_t *ttl = malloc(MAX_TTL * sizeof(uint16_t));
	struct bolt_cache_val v;
	struct bolt_cache_key k;
	uint32_t gen = gen_base;
	if (sec == NULL || ttl == NULL)
		abort();
	uint64_t n = 0;
	while (child || !atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint32_t i = rnd(&seed) % keys_n;
		test_key_n(&k, i, 1);
		if (++n % 1000 == 0) {
			bolt_cache_delete(c, k.name, k.name_len, 1);
			continue;
		}
		gen += 2;
		make_value(i, gen, sec, ttl, &v);
		if (bolt_cache_insert(c, &k, &v, ttl, sec) != 0)
			abort();
		if (!child)
			atomic_fetch_add_explicit(&writes, 1, memory_order_relaxed);
	}
	free(sec);
	free(ttl);
}

static void *writer_thread(void *arg)
{
	(void)arg;
	writer_loop(region->cache, 0x9e3779b97f4a7c15ull, 0, false);
	return NULL;
}

static void *reader_thread(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg * 0x2545F4914F6CDD1Dull + 1;
	uint8_t *mem = malloc(33 * ((size_t)BUF_LEN + MAX_TTL * sizeof(uint16_t)));
	if (mem == NULL)
		abort();
	struct bolt_cache_out o = { .ttl_off = (uint16_t *)(mem + 33 * (size_t)BUF_LEN),
		                    .ttl_cap = MAX_TTL, .sections = mem, .cap = MAX_LEN };
	struct bolt_cache_key keys[32];
	const struct bolt_cache_key *kp[32];
	struct bolt_cache_out outs[32];
	uint32_t bi[32];
	int rc[32];
	uint64_t h = 0, m = 0, t = 0;

	for (unsigned j = 0; j < 32; j++) {
		kp[j] = &keys[j];
		uint16_t *t0 = (uint16_t *)(mem + 33 * (size_t)BUF_LEN);
		outs[j] = (struct bolt_cache_out){ .ttl_off = t0 + (j + 1) * MAX_TTL,
			                           .ttl_cap = MAX_TTL,
			                           .sections = mem + (j + 1) * (size_t)BUF_LEN,
			                           .cap = MAX_LEN };
	}
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		/* single lookups */
		for (unsigned j = 0; j < 32; j++) {
			struct bolt_cache_key k;
			uint32_t i = rnd(&seed) % keys_n;
			test_key_n(&k, i, 1);
			int r = bolt_cache_lookup(region->cache, &k, bolt_now(), &o);
			if (r == 0) {
				h++;
				if (!value_ok(i, &o))
					t++;
			} else if (r == BOLT_ENOENT) {
				m++;
			} else {
				t++;
			}
		}
		/* a burst */
		for (unsigned j = 0; j < 32; j++) {
			bi[j] = rnd(&seed) % keys_n;
			test_key_n(&keys[j], bi[j], 1);
		}
		bolt_cache_lookup_burst(region->cache, kp, 32, bolt_now(), outs, rc);
		for (unsigned j = 0; j < 32; j++) {
			if (rc[j] == 0) {
				h++;
				if (!value_ok(bi[j], &outs[j]))
					t++;
			} else if (rc[j] == BOLT_ENOENT) {
				m++;
			} else {
				t++;
			}
		}
	}
	free(mem);
	atomic_fetch_add(&hits, h);
	atomic_fetch_add(&misses, m);
	atomic_fetch_add(&torn, t);
	return NULL;
}

struct walk_check {
	uint64_t seen, bad;
};

static int walk_cb(const struct bolt_cache_key *key, const struct bolt_cache_out *out, void *arg)
{
	struct walk_check *w = arg;
	unsigned i;
	w->seen++;
	if (sscanf((const char *)key->name + 2, "%u", &i) != 1 || !value_ok(i, out))
		w->bad++;
	return 0;
}

static void run_phase(uint32_t keys, uint32_t max_len, uint32_t shards, double seconds,
                      bool full)
{
	int err;
	keys_n = keys;
	len_max = max_len;
	atomic_store(&stop, false);
	atomic_store(&hits, 0);
	atomic_store(&misses, 0);
	atomic_store(&torn, 0);
	atomic_store(&writes, 0);
	snprintf(path, sizeof(path), "/dev/shm/boltdns-test-stress-%d", (int)getpid());
	/* 32 MiB: small enough that the writers evict constantly */
	struct bolt_region_params p = { .path = path, .size = 32u << 20, .shards = shards,
		                        .wipe = true };
	region = bolt_region_create(&p, &err);
	test_hash_cache = region ? region->cache : NULL;
	assert_non_null(region);

	/* start from a full cache (every key once, some already evicted when
	 * the keys do not fit) however slow the build is */
	{
		static uint8_t sec[MAX_LEN];
		static uint16_t ttl[MAX_TTL];
		struct bolt_cache_val v;
		struct bolt_cache_key k;
		for (uint32_t i = 0; i < keys; i++) {
			test_key_n(&k, i, 1);
			make_value(i, 3, sec, ttl, &v);
			assert_int_equal(bolt_cache_insert(region->cache, &k, &v, ttl, sec), 0);
		}
	}

	/* fork before any thread exists (sanitizers and fork+threads do not mix) */
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct bolt_region *r = bolt_region_attach(path, &err);
		if (r == NULL)
			_exit(2);
		writer_loop(r->cache, 0xdeadbeefcafef00dull, 1, true);
		_exit(0);
	}

	pthread_t w, r1, r2;
	assert_int_equal(pthread_create(&w, NULL, writer_thread, NULL), 0);
	assert_int_equal(pthread_create(&r1, NULL, reader_thread, (void *)1), 0);
	assert_int_equal(pthread_create(&r2, NULL, reader_thread, (void *)2), 0);

	double t0 = now_s();
	/* kill the other writer while it works, then go on without it */
	while (now_s() - t0 < seconds * 0.6)
		usleep(10000);
	int status = 0;
	assert_int_equal(waitpid(child, &status, WNOHANG), 0); /* still running */
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	uint64_t w_at_kill = atomic_load(&writes);
	while (now_s() - t0 < seconds)
		usleep(10000);
	atomic_store(&stop, true);
	pthread_join(w, NULL);
	pthread_join(r1, NULL);
	pthread_join(r2, NULL);

	struct bolt_cache_stats st;
	bolt_cache_get_stats(region->cache, &st);
	print_message("writes %llu (after kill %llu), hits %llu, misses %llu, torn %llu, "
	              "evictions %llu, entries %llu\n",
	              (unsigned long long)atomic_load(&writes),
	              (unsigned long long)(atomic_load(&writes) - w_at_kill),
	              (unsigned long long)atomic_load(&hits),
	              (unsigned long long)atomic_load(&misses),
	              (unsigned long long)atomic_load(&torn),
	              (unsigned long long)st.evictions, (unsigned long long)st.entries);
	assert_int_equal(atomic_load(&torn), 0);
	assert_true(atomic_load(&hits) > 0);
	if (full)
		assert_true(st.evictions > 0);
	else
		assert_true(st.replaces > 0);
	/* the surviving writer kept going after the kill */
	assert_true(atomic_load(&writes) > w_at_kill);

	/* every entry left is intact */
	struct walk_check wc = { 0, 0 };
	assert_int_equal(bolt_cache_walk(region->cache, walk_cb, &wc), 0);
	assert_int_equal(wc.bad, 0);
	/* (a single key may have been deleted last) */
	assert_true(wc.seen > 0 || keys == 1);

	/* and every shard still takes inserts */
	static uint8_t sec[MAX_LEN];
	static uint16_t ttl[MAX_TTL];
	struct bolt_cache_val v;
	struct bolt_cache_key k;
	for (uint32_t i = 0; i < keys && i < 1000; i++) {
		test_key_n(&k, i, 1);
		make_value(i, 7, sec, ttl, &v);
		assert_int_equal(bolt_cache_insert(region->cache, &k, &v, ttl, sec), 0);
	}
	bolt_region_detach(region);
	unlink(path);
}

static void test_small_values(void **state)
{
	(void)state;
	run_phase(40000, 1600, 0, duration / 2, true);
}

static void test_large_values(void **state)
{
	(void)state;
	/* 16 shards of ~1.6 MiB: each log wraps every few dozen inserts */
	run_phase(64, MAX_LEN, 16, duration / 2, false);
}

/*
 * Readers against record reuse at its worst: one key, every value 16 KiB, so
 * its shard's log is a fixed grid of records that wraps every hundred or so
 * inserts, and a stale ref always points at a newer record of the same key,
 * whose header matches while its body is being written. Only the version
 * checks keep those copies out: a burst lookup that skipped its re-check
 * served a dozen torn values here in two seconds.
 */
static void test_same_size_reuse(void **state)
{
	(void)state;
	len_fixed = 16384;
	run_phase(1, MAX_LEN, 16, duration / 2, false);
	len_fixed = 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		duration = atof(argv[1]);
	if (duration <= 0)
		duration = 5.0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_values),
		cmocka_unit_test(test_large_values),
		cmocka_unit_test(test_same_size_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
