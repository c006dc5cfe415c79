/*
 * What an IXFR of a large policy zone costs (control/rpz/ixfr.c,
 * ixfr_set.c, and the flush's comparison in control/policy.c).
 *
 * Usage: bench_rpz_ixfr TRIGGERS CHANGES ROUNDS
 * A zone of TRIGGERS QNAME triggers (hostN.example CNAME .) is held as the
 * transfer thread holds it (its records); per round, an IXFR answer of one
 * difference sequence deleting CHANGES/2 triggers and adding CHANGES/2 is
 * read and applied (a copy of the records, then the changes), the new
 * policy store is built from the records, and the two stores are compared
 * (rpz_zone_diff: what the loop did before flushing), against the triggers
 * the IXFR touched (rpz_ixfr_changed: what the loop is given instead, the
 * comparison then skipped). The reference,
 * measured in the same run, is loading the same zone from master-file text
 * (what a reloaded file costs). Seconds, one line per figure, "name value".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"
#include "ixfr.h"
#include "rpz.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const uint8_t dot[1] = { 0 };
static uint8_t origin[BOLT_NAME_MAX];

static uint16_t soa(uint32_t serial, uint8_t *rd)
{
	int l1 = bolt_name_from_text("ns.rpz.bench.", rd);
	int l2 = bolt_name_from_text("admin.rpz.bench.", rd + l1);
	uint8_t *p = rd + l1 + l2;
	bolt_wire_put_u32(p, serial);
	bolt_wire_put_u32(p + 4, 3600);
	bolt_wire_put_u32(p + 8, 600);
	bolt_wire_put_u32(p + 12, 86400);
	bolt_wire_put_u32(p + 16, 60);
	return (uint16_t)(l1 + l2 + 20);
}

static void feed_soa(struct rpz_ixfr *x, uint32_t serial)
{
	uint8_t rd[128];
	const char *why;
	uint16_t l = soa(serial, rd);
	if (rpz_ixfr_feed(x, origin, BOLT_TYPE_SOA, 300, rd, l, &why) < 0)
		abort();
}

static void feed_host(struct rpz_ixfr *x, unsigned i)
{
	char t[64];
	uint8_t n[BOLT_NAME_MAX];
	const char *why;
	snprintf(t, sizeof(t), "host%u.example.rpz.bench.", i);
	if (bolt_name_from_text(t, n) <= 0 || rpz_ixfr_feed(x, n, BOLT_TYPE_CNAME, 300, dot, 1, &why) < 0)
		abort();
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s TRIGGERS CHANGES ROUNDS\n", argv[0]);
		return 2;
	}
	unsigned n = (unsigned)atoi(argv[1]), changes = (unsigned)atoi(argv[2]);
	int rounds = atoi(argv[3]);
	bolt_name_from_text("rpz.bench.", origin);
	/* The zone as an AXFR gives it. */
	struct rpz_ixfr x;
	rpz_ixfr_init(&x, true, 0);
	feed_soa(&x, 1);
	for (unsigned i = 0; i < n; i++)
		feed_host(&x, i);
	struct rpz_rrset *cur = NULL;
	const char *why;
	feed_soa(&x, 1);
	if (rpz_ixfr_apply(&x, NULL, &cur, &why) < 0)
		abort();
	rpz_ixfr_free(&x);
	struct rpz_zone *zcur = rpz_rrset_build(cur, origin, NULL, NULL);
	/* The same zone as text, for the reference. */
	size_t cap = (size_t)n * 40 + 256, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text, cap, "$TTL 300\n@ SOA ns admin 1 3600 600 86400 60\n");
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "host%u.example CNAME .\n", i);
	uint32_t serial = 1;
	unsigned next = n;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();
		rpz_ixfr_init(&x, false, serial);
		feed_soa(&x, serial + 1);
		feed_soa(&x, serial);
		for (unsigned i = 0; i < changes / 2; i++)
			feed_host(&x, (unsigned)r * (changes / 2) + i);
		feed_soa(&x, serial + 1);
		for (unsigned i = 0; i < changes - changes / 2; i++)
			feed_host(&x, next++);
		feed_soa(&x, serial + 1);
		struct rpz_rrset *s = NULL;
		if (x.kind != RPZ_IXFR_INCREMENTAL || rpz_ixfr_apply(&x, cur, &s, &why) < 0)
			abort();
		double t1 = now_s();
		struct rpz_zone *z = rpz_rrset_build(s, origin, NULL, NULL);
		double t2 = now_s();
		struct rpz_zone *d = rpz_zone_diff(zcur, z);
		double t3 = now_s();
		struct rpz_zone *dc = rpz_ixfr_changed(&x, origin);
		double t4 = now_s();
		if (dc == NULL || rpz_zone_rules(dc) != rpz_zone_rules(d))
			abort();
		rpz_zone_free(dc);
		double t5 = now_s();
		struct rpz_zone *zt = rpz_zone_new(origin);
		rpz_zone_parse(zt, text, len, "bench", NULL, NULL);
		double t6 = now_s();
		printf("round %d\n", r);
		printf("diff_rules %zu\n", rpz_zone_rules(d));
		printf("read_apply_s %.3f\n", t1 - t0);
		printf("build_s %.3f\n", t2 - t1);
		printf("compare_s %.3f\n", t3 - t2);
		printf("changed_s %.6f\n", t4 - t3);
		printf("text_load_s %.3f\n", t6 - t5);
		fflush(stdout);
		rpz_zone_free(zt);
		rpz_zone_free(d);
		rpz_zone_free(zcur);
		rpz_rrset_free(cur);
		rpz_ixfr_free(&x);
		zcur = z;
		cur = s;
		serial++;
	}
	rpz_zone_free(zcur);
	rpz_rrset_free(cur);
	free(text);
	return 0;
}
