/*
 * The control plane's counters, one table for every place that shows them:
 * the stats file (`-s`, "name value" lines), `boltctl stats` and
 * `/metrics` (through the control socket's sink). A counter has a name in
 * each (the file keeps a few older names: noerror, servfail, tcp_conns...)
 * and a help text for /metrics; those the workers publish are summed over
 * the workers in boltctl stats and /metrics, the file has this worker's.
 *
 * Loop thread only.
 */
#ifndef BOLTDNS_CONTROL_STATS_H
#define BOLTDNS_CONTROL_STATS_H

#include <stdio.h>

struct cp;
struct bolt_ctl_sink;

/* The counters as "name value" lines into f (dnstap's last). */
void cp_stats_write(const struct cp *cp, FILE *f);

/* The counters, dnstap's and the resolution latency histogram into k. */
void cp_stats_report(const struct cp *cp, struct bolt_ctl_sink *k);

#endif
