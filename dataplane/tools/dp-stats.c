/*
 * dp-stats: print the dataplane counters of a region, summed over lcores
 * (or of one lcore with -l), one "name value" per line, plus the liveness
 * fields of the header. For tests and for a quick look without the control
 * plane.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "boltdns/region.h"

#define F(name) { #name, offsetof(struct bolt_lcore_stats, name) }

static const struct {
	const char *name;
	size_t off;
} fields[] = {
	F(rx_pkts), F(tx_pkts), F(tx_drops), F(queries), F(hits), F(misses), F(expired),
	F(formerr), F(notimp), F(refused), F(dropped_bad), F(not_dns), F(ring_drops),
	F(answers_sent), F(truncated), F(arp), F(exception), F(rl_dropped), F(rl_slipped),
	F(prefetch_hints), F(prefetch_hint_drops),
};

int main(int argc, char **argv)
{
	int lcore = -1, opt, err;
	while ((opt = getopt(argc, argv, "l:")) != -1) {
		if (opt != 'l')
			goto usage;
		lcore = atoi(optarg);
	}
	if (argc - optind != 1)
		goto usage;
	struct bolt_region *r = bolt_region_attach(argv[optind], &err);
	if (!r) {
		fprintf(stderr, "dp-stats: %s: %s\n", argv[optind], bolt_strerror(err));
		return 1;
	}
	uint64_t sum[sizeof(fields) / sizeof(fields[0])] = { 0 }, rcode[16] = { 0 };
	for (unsigned l = 0; l < r->hdr->max_lcores; l++) {
		if (lcore >= 0 && (unsigned)lcore != l)
			continue;
		const struct bolt_lcore_stats *st = bolt_region_stats(r, l);
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			uint64_t v;
			__atomic_load((const uint64_t *)((const uint8_t *)st + fields[i].off), &v,
			              __ATOMIC_RELAXED);
			sum[i] += v;
		}
		for (unsigned i = 0; i < 16; i++)
			rcode[i] += __atomic_load_n(&st->rcode[i], __ATOMIC_RELAXED);
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		printf("%s %" PRIu64 "\n", fields[i].name, sum[i]);
	for (unsigned i = 0; i < 16; i++)
		printf("rcode%u %" PRIu64 "\n", i, rcode[i]);
	printf("dp_lcores %u\n", (unsigned)atomic_load(&r->hdr->dp_lcores));
	printf("dp_pid %d\n", (int)atomic_load(&r->hdr->dp_pid));
	printf("dp_heartbeat %" PRIu64 "\n", (uint64_t)atomic_load(&r->hdr->dp_heartbeat));
	bolt_region_detach(r);
	return 0;
usage:
	fprintf(stderr, "usage: dp-stats [-l LCORE] REGION\n");
	return 2;
}
