/*
 * boltdns-region-stats: print the dataplane's per-lcore counters of a
 * region, summed over lcores, as "name value" lines (one lcore with -l N).
 *
 *   boltdns-region-stats PATH [-l LCORE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/cache.h"
#include "boltdns/region.h"

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0) {
		fprintf(stderr, "usage: boltdns-region-stats REGION_PATH [-l LCORE]\n");
		return 2;
	}
	int only = -1;
	if (argc == 4 && strcmp(argv[2], "-l") == 0)
		only = atoi(argv[3]);
	int err = 0;
	struct bolt_region *r = bolt_region_attach(argv[1], &err);
	if (r == NULL) {
		fprintf(stderr, "boltdns-region-stats: %s: %s\n", argv[1], bolt_strerror(err));
		return 1;
	}
	struct bolt_lcore_stats sum;
	memset(&sum, 0, sizeof(sum));
	unsigned n = r->hdr->max_lcores < BOLT_MAX_LCORES ? r->hdr->max_lcores : BOLT_MAX_LCORES;
	for (unsigned k = 0; k < n; k++) {
		if (only >= 0 && (unsigned)only != k)
			continue;
		const struct bolt_lcore_stats *s = bolt_region_stats(r, k);
		/* The struct is all uint64_t counters: add them field by field. */
		const uint64_t *src = (const uint64_t *)s;
		uint64_t *dst = (uint64_t *)&sum;
		for (size_t i = 0; i < sizeof(sum) / sizeof(uint64_t); i++)
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
#define P(f) printf(#f " %llu\n", (unsigned long long)sum.f)
	P(rx_pkts); P(tx_pkts); P(tx_drops); P(queries); P(hits); P(misses); P(expired);
	P(formerr); P(notimp); P(refused); P(dropped_bad); P(not_dns); P(ring_drops);
	P(answers_sent); P(truncated);
#undef P
	printf("dp_lcores %u\n", (unsigned)atomic_load(&r->hdr->dp_lcores));
	printf("dp_pid %d\n", (int)atomic_load(&r->hdr->dp_pid));
	printf("cp_pid %d\n", (int)atomic_load(&r->hdr->cp_pid));
	struct bolt_cache_stats cs;
	bolt_cache_get_stats(r->cache, &cs);
	printf("cache_entries %llu\n", (unsigned long long)cs.entries);
	printf("cache_inserts %llu\n", (unsigned long long)cs.inserts);
	bolt_region_detach(r);
	return 0;
}
