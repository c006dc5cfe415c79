/*
 * Response policy zone at scale: load time, memory and the cost of the
 * policy check on the miss path (control/rpz).
 *
 * Usage: bench_rpz ZONEFILE ORIGIN ROUNDS
 * Loads ZONEFILE (its triggers are hostN.example...) and prints, per round:
 * the load time, the store's bytes and the process's RSS growth, then the
 * nanoseconds of one QNAME policy check (the name copied into a hot buffer
 * first, as it is in the control plane) for names not in the zone (the miss
 * path: what every resolution pays), for names in it (hits), and, as the
 * reference measured in the same run, one XXH3 hash of the same names (what
 * the control plane already pays to key a question). One line per figure,
 * "name value", for the script to take medians of.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "boltdns/wire.h"
#include "rpz.h"

#define NAMES 200000
#define PASSES 10

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;
	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Names in wire form, NAMES of them, each BOLT_NAME_MAX bytes apart. */
static uint8_t *make_names(const char *fmt, unsigned salt)
{
	uint8_t *names = malloc((size_t)NAMES * BOLT_NAME_MAX);
	char text[300];
	srand(salt);
	for (unsigned i = 0; i < NAMES; i++) {
		snprintf(text, sizeof(text), fmt, (unsigned)rand() % 1000000u, (unsigned)rand());
		if (bolt_name_from_text(text, names + (size_t)i * BOLT_NAME_MAX) < 0)
			abort();
	}
	return names;
}

static volatile uint64_t sink;

/* The question's name is hot when the control plane checks it (it was just
 * parsed): each is copied into one buffer first, in the reference too. */
static uint8_t hot[BOLT_NAME_MAX];

static const uint8_t *warm(const uint8_t *name)
{
	memcpy(hot, name, 64);
	return hot;
}

static double check_ns(const struct rpz_zone *z, const uint8_t *names)
{
	struct rpz_hit h;
	double t0 = now_s();
	uint64_t n = 0;
	for (int p = 0; p < PASSES; p++)
		for (unsigned i = 0; i < NAMES; i++)
			n += rpz_zone_match_qname(z, warm(names + (size_t)i * BOLT_NAME_MAX), &h);
	sink += n;
	return (now_s() - t0) * 1e9 / ((double)PASSES * NAMES);
}

static double hash_ns(const uint8_t *names)
{
	double t0 = now_s();
	uint64_t x = 0;
	for (int p = 0; p < PASSES; p++)
		for (unsigned i = 0; i < NAMES; i++) {
			const uint8_t *n = warm(names + (size_t)i * BOLT_NAME_MAX);
			x ^= XXH3_64bits_withSeed(n, (size_t)bolt_name_len(n, BOLT_NAME_MAX), 7);
		}
	sink += x;
	return (now_s() - t0) * 1e9 / ((double)PASSES * NAMES);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s ZONEFILE ORIGIN ROUNDS\n", argv[0]);
		return 2;
	}
	uint8_t origin[BOLT_NAME_MAX];
	if (bolt_name_from_text(argv[2], origin) < 0)
		return 2;
	int rounds = atoi(argv[3]);
	/* Misses: names like the triggers' but not among them (other
	 * label), as a resolver's everyday questions are. */
	uint8_t *miss = make_names("www%u.site%u.example.", 1);
	uint8_t *hits = make_names("host%u.example.", 2);
	for (int r = 0; r < rounds; r++) {
		long rss0 = rss_kib();
		double t0 = now_s();
		struct rpz_zone *z = rpz_zone_new(origin);
		if (z == NULL || rpz_zone_load_file(z, argv[1], NULL, NULL) < 0) {
			fprintf(stderr, "cannot load %s\n", argv[1]);
			return 1;
		}
		double load = now_s() - t0;
		long rss1 = rss_kib();
		struct rpz_zone_stats st;
		rpz_zone_get_stats(z, &st);
		printf("round %d\n", r);
		printf("rules %llu\n", (unsigned long long)st.rules);
		printf("load_s %.3f\n", load);
		printf("store_mib %.1f\n", (double)st.bytes / 1048576.0);
		printf("rss_growth_mib %.1f\n", (double)(rss1 - rss0) / 1024.0);
		printf("bytes_per_rule %.1f\n", (double)st.bytes / (double)st.rules);
		double m = check_ns(z, miss), h = check_ns(z, hits), x = hash_ns(miss);
		printf("miss_check_ns %.1f\n", m);
		printf("hit_check_ns %.1f\n", h);
		printf("xxh3_ns %.1f\n", x);
		printf("miss_vs_xxh3 %.2f\n", m / x);
		fflush(stdout);
		rpz_zone_free(z);
	}
	free(miss);
	free(hits);
	return 0;
}
