/*
 * boltdns-edge's counters (DoT / DoH: connections, queries, hits, TLS
 * handshakes, resumptions...) in `boltctl stats` and /metrics. The edge is
 * a process of its own; it rewrites [tls] stats-file once a second ("name
 * value" lines, renamed into place), and this reads it when asked, so the
 * control plane needs no connection to the edge and either may restart.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl_internal.h"

/* A file not rewritten for this long belongs to an edge that stopped. */
#define EDGE_STATS_STALE_S 10

void ctl_edge_stats(const struct bolt_config *cfg, struct bolt_ctl_sink *s)
{
	if (cfg == NULL || cfg->tls_stats[0] == '\0' ||
	    (cfg->ndot_listen == 0 && cfg->ndoh_listen == 0))
		return;
	FILE *f = fopen(cfg->tls_stats, "re");
	if (f == NULL)
		return;
	char names[64][48];
	unsigned long long vals[64];
	unsigned n = 0;
	unsigned long long updated = 0;
	char line[160];
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[48];
		unsigned long long v;
		if (sscanf(line, "%47s %llu", name, &v) != 2)
			continue;
		if (strcmp(name, "updated") == 0) {
			updated = v;
			continue;
		}
		if (n < 64) {
			memcpy(names[n], name, sizeof(name));
			vals[n++] = v;
		}
	}
	fclose(f);
	unsigned long long now = (unsigned long long)time(NULL);
	if (updated == 0 || updated + EDGE_STATS_STALE_S < now)
		return;
	for (unsigned i = 0; i < n; i++) {
		char full[64], help[128];
		snprintf(full, sizeof(full), "edge_%.40s", names[i]);
		snprintf(help, sizeof(help), "boltdns-edge (DoT/DoH): %.40s", names[i]);
		bool gauge = strstr(names[i], "conns_open") != NULL || strcmp(names[i], "attached") == 0;
		if (gauge)
			bolt_ctl_sink_gauge(s, full, help, vals[i]);
		else
			bolt_ctl_sink_counter(s, full, help, vals[i]);
	}
}
