/*
 * dp-stats: print the dataplane counters of a region, summed over lcores
 * (or of one lcore with -l), one "name value" per line, plus the liveness
 * fields of the header. For tests and for a quick look without the control
 * plane. -p prints the port table instead ("port.I.key value" lines).
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
	F(prefetch_hints), F(prefetch_hint_drops), F(throttled), F(tap_samples), F(tap_sample_drops),
	F(throttle_passed), F(negrange_answered), F(pkc_hits),
};

/* The region's port table, one "port.I.key value" per line. */
static void print_ports(struct bolt_region *r)
{
	const struct bolt_port_table *t = bolt_region_ports(r);
	unsigned n = atomic_load_explicit(&t->nports, memory_order_acquire);
	if (n > BOLT_MAX_PORTS)
		n = BOLT_MAX_PORTS;
	printf("ports %u\nio %u\nworkers %u\n", n, t->io, t->workers);
	for (unsigned i = 0; i < n; i++) {
		const struct bolt_port_info *p = &t->port[i];
		printf("port.%u.name %.*s\n", i, (int)sizeof(p->name), p->name);
		printf("port.%u.driver %.*s\n", i, (int)sizeof(p->driver), p->driver);
		printf("port.%u.mac %02x:%02x:%02x:%02x:%02x:%02x\n", i, p->mac[0], p->mac[1],
		       p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
		printf("port.%u.link %s\n", i,
		       atomic_load_explicit(&p->link_up, memory_order_relaxed) ? "up" : "down");
		printf("port.%u.rx_queues %u\n", i, p->rx_queues);
		printf("port.%u.ipackets %" PRIu64 "\n", i,
		       (uint64_t)atomic_load_explicit(&p->ctr.ipackets, memory_order_relaxed));
		printf("port.%u.opackets %" PRIu64 "\n", i,
		       (uint64_t)atomic_load_explicit(&p->ctr.opackets, memory_order_relaxed));
	}
}

int main(int argc, char **argv)
{
	int lcore = -1, opt, err;
	bool ports = false;
	while ((opt = getopt(argc, argv, "l:p")) != -1) {
		if (opt == 'p')
			ports = true;
		else if (opt == 'l')
			lcore = atoi(optarg);
		else
			goto usage;
	}
	if (argc - optind != 1)
		goto usage;
	struct bolt_region *r = bolt_region_attach(argv[optind], &err);
	if (!r) {
		fprintf(stderr, "dp-stats: %s: %s\n", argv[optind], bolt_strerror(err));
		return 1;
	}
	if (ports) {
		print_ports(r);
		bolt_region_detach(r);
		return 0;
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
	/* Who holds each side of the rings (0: nobody) and how long ago it beat. */
	/* Roles: dp, cp (worker 0), cp1, cp2... (the other resolver workers). */
	uint64_t now_ms = bolt_region_clock_ms();
	printf("cp_workers %u\n", r->hdr->cp_workers);
	for (unsigned i = 0; i < 1 + r->hdr->cp_workers && i < BOLT_REGION_ROLES; i++) {
		char role[16];
		if (i <= BOLT_REGION_CP)
			snprintf(role, sizeof(role), "%s", i == BOLT_REGION_DP ? "dp" : "cp");
		else
			snprintf(role, sizeof(role), "cp%u", i - BOLT_REGION_CP);
		uint64_t tok = atomic_load(&r->hdr->owner[i].token);
		uint64_t hb = atomic_load(&r->hdr->owner[i].heartbeat);
		printf("%s_owner_pid %d\n", role, tok ? (int)bolt_region_token_pid(tok) : 0);
		printf("%s_owner_beat_age_ms %" PRIu64 "\n", role,
		       tok && now_ms >= hb ? now_ms - hb : 0);
	}
	bolt_region_detach(r);
	return 0;
usage:
	fprintf(stderr, "usage: dp-stats [-l LCORE | -p] REGION\n");
	return 2;
}
