/*
 * The control plane's counters (stats.h): one table, the stats file and the
 * control socket's sink written from it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "boltdns/region.h"
#include "cp.h"
#include "ctl.h"
#include "iter/aggr.h"
#include "negpub.h"
#include "iter/dnssec.h"
#include "iter/inflight.h"
#include "iter/prime.h"
#include "iter/resolve.h"
#include "iter/zonedown.h"
#include "iter/zonerate.h"
#include "net/upstream.h"
#include "policy.h"
#include "serve.h"
#include "stats.h"
#include "tap.h"
#include "workers.h"

/* Where a counter's value is. */
enum stat_src {
	SRC_CTR,   /* a uint64_t of cp->ctr */
	SRC_UPQ,   /* ... of upq_counters */
	SRC_DSEC,  /* ... of dsec_counters */
	SRC_FN0,   /* a function of nothing */
	SRC_FN,    /* a function of cp */
	SRC_TAP,   /* not a counter: dnstap's own (tap_report) go here */
};

struct cp_stat {
	const char *file;     /* name in the stats file, NULL: not there */
	const char *ctl;      /* name in boltctl stats and /metrics, NULL: not there */
	const char *help;     /* /metrics HELP */
	uint8_t src;          /* enum stat_src */
	bool gauge;           /* a gauge in /metrics (else a counter) */
	bool all;             /* boltctl stats, /metrics: plus the other workers' wc */
	uint8_t wc;           /* BOLT_WC_* */
	uint16_t off;         /* SRC_CTR, SRC_UPQ, SRC_DSEC: offset in the struct */
	uint64_t (*fn0)(void);
	uint64_t (*fn)(const struct cp *cp);
};

static struct aggr_stats aggr_of(const struct cp *cp)
{
	struct aggr_stats ag = { 0 };
	if (cp->aggr != NULL)
		aggr_stats(cp->aggr, &ag);
	return ag;
}

static uint64_t aggr_nxdomain(const struct cp *cp) { return aggr_of(cp).nxdomain; }
static uint64_t aggr_nodata(const struct cp *cp) { return aggr_of(cp).nodata; }
static uint64_t aggr_learned(const struct cp *cp) { return aggr_of(cp).learned; }
static uint64_t aggr_evicted(const struct cp *cp) { return aggr_of(cp).evicted; }
static uint64_t aggr_records(const struct cp *cp) { return aggr_of(cp).records; }
static uint64_t aggr_bytes(const struct cp *cp) { return aggr_of(cp).bytes; }
static uint64_t worker(const struct cp *cp) { return cp->worker; }
static uint64_t attached(const struct cp *cp) { return cp->region != NULL; }
static uint64_t in_flight(const struct cp *cp) { return cp->pend.count; }
static uint64_t infra_entries(const struct cp *cp) { return infra_count(cp->infra); }
static uint64_t infra_evictions_of(const struct cp *cp) { return infra_evictions(cp->infra); }
static uint64_t resolutions_alive(void) { return res_alive(); }
static uint64_t root_primings(void) { return prime_count(); }

/* Misses the dataplane dropped because a miss ring was full (all lcores):
 * the back-pressure the control plane puts on it, next to its own counters. */
static uint64_t dp_ring_drops(const struct cp *cp)
{
	struct bolt_region *r = cp->region;
	uint64_t n = 0;
	for (unsigned l = 0; r != NULL && l < r->hdr->max_lcores && l < BOLT_MAX_LCORES; l++) {
		const struct bolt_lcore_stats *st = bolt_region_stats(r, l);
		if (st != NULL)
			n += __atomic_load_n(&st->ring_drops, __ATOMIC_RELAXED);
	}
	return n;
}

#define SAME(name) name, name
#define CTR(f) .src = SRC_CTR, .off = offsetof(struct cp_counters, f)
#define UPQ(f) .src = SRC_UPQ, .off = offsetof(struct upq_counters, f)
#define DSEC(f) .src = SRC_DSEC, .off = offsetof(struct dsec_counters, f)
#define FN0(f) .src = SRC_FN0, .fn0 = f
#define FN(f) .src = SRC_FN, .fn = f
#define GAUGE .gauge = true
#define ALL(c) .all = true, .wc = c

/* In the order boltctl stats shows them; the file's own between. */
static const struct cp_stat stats[] = {
	{ SAME("upstream_queries"), "Upstream queries sent (all workers)",
	  UPQ(sent), ALL(BOLT_WC_UPSTREAM) },
	{ SAME("upstream_tcp"), "Upstream queries retried over TCP", UPQ(tcp) },
	{ SAME("upstream_timeouts"), "Upstream queries timed out", UPQ(timeouts) },
	{ SAME("upstream_errors"), "Upstream socket errors", UPQ(errors) },
	{ SAME("upstream_mismatched"), "Upstream responses ignored (ID or question)",
	  UPQ(mismatched) },
	{ "upstream_answers", NULL, NULL, UPQ(answers) },
	{ SAME("misses"), "Miss messages taken from the rings (all workers)",
	  CTR(misses), ALL(BOLT_WC_MISSES) },
	{ .src = SRC_TAP },  /* dnstap: this worker's own writer (tap.h) */
	{ SAME("bad_misses"), "Miss messages that did not parse", CTR(bad_misses) },
	{ SAME("stale_misses"), "Miss messages too old to answer", CTR(stale_misses) },
	{ "miss_hits", NULL, NULL, CTR(miss_hits) },
	{ SAME("coalesced"), "Clients joined to a question in flight (all workers)",
	  CTR(coalesced), ALL(BOLT_WC_COALESCED) },
	{ SAME("overload"), "Clients refused: too much in flight", CTR(overload) },
	{ SAME("resolutions"), "Resolutions finished (all workers)",
	  CTR(resolutions), ALL(BOLT_WC_RESOLUTIONS) },
	{ "noerror", "resolutions_noerror", "Positive answers", CTR(noerror) },
	{ "nxdomain", "resolutions_nxdomain", "NXDOMAIN answers", CTR(nxdomain) },
	{ "nodata", "resolutions_nodata", "NODATA answers", CTR(nodata) },
	{ "servfail", "resolutions_servfail", "Failed resolutions (all workers)",
	  CTR(servfail), ALL(BOLT_WC_SERVFAIL) },
	{ SAME("stale_answers"), "Failures answered from stale data", CTR(stale_answers) },
	{ SAME("stale_timer_answers"), "Clients answered stale while the resolution went on",
	  CTR(stale_timer_answers) },
	{ "kept_on_failure", NULL, NULL, CTR(kept_on_failure) },
	{ SAME("refused_meta"), "AXFR/IXFR and other classes refused", CTR(refused_meta) },
	{ SAME("refused_norec"), "RD=0 queries not in the cache, refused", CTR(refused_norec) },
	{ "any_queries", NULL, NULL, CTR(any_queries) },
	{ SAME("local_zone_answers"), "Answers from locally served zones",
	  CTR(local_zone_answers) },
	{ SAME("prefetches"), "Answers refreshed before expiry (all workers)",
	  CTR(prefetches), ALL(BOLT_WC_PREFETCHES) },
	{ SAME("prefetch_hints"), "Dataplane hits late in their TTL reported",
	  CTR(prefetch_hints) },
	{ SAME("prefetch_hint_skips"), "Prefetch hints not needing a refresh (in flight, fresh, or off)",
	  CTR(prefetch_hint_skips) },
	{ SAME("limit_hits"), "Resolutions stopped by a work limit", CTR(limit_hits) },
	{ SAME("zone_limit_hits"), "Questions failed at once: max-inflight-per-zone reached",
	  FN0(lim_zone_refusals) },
	{ SAME("zone_rate_hits"), "Questions failed at once: zone-nxdomain-rate reached",
	  FN0(zrate_refusals) },
	{ SAME("zone_down_hits"), "Questions failed at once: every server of the zone is down",
	  FN0(zdown_refusals) },
	{ SAME("zone_down_probes"), "Questions let through to probe a zone whose servers are down",
	  FN0(zdown_probes) },
	{ SAME("zone_down_marks"), "Zones found with every server down", FN0(zdown_marks) },
	{ SAME("server_limit_hits"),
	  "Questions failed: every server of the cut at max-inflight-per-server",
	  FN0(lim_server_refusals) },
	{ SAME("nxdomain_cut_answers"), "Answered NXDOMAIN below a known NXDOMAIN (RFC 8020)",
	  CTR(nxdomain_cut_answers) },
	{ "dp_ring_drops", NULL, NULL, FN(dp_ring_drops) },
	{ SAME("aggressive_nxdomain"), "NXDOMAIN synthesised from validated NSEC/NSEC3 (RFC 8198)",
	  FN(aggr_nxdomain) },
	{ SAME("aggressive_nodata"), "NODATA synthesised from validated NSEC/NSEC3 (RFC 8198)",
	  FN(aggr_nodata) },
	{ SAME("aggressive_learned"), "Validated NSEC/NSEC3 records stored", FN(aggr_learned) },
	{ SAME("aggressive_evicted"), "NSEC/NSEC3 records evicted for space", FN(aggr_evicted) },
	{ SAME("aggressive_records"), "NSEC/NSEC3 records held", FN(aggr_records), GAUGE },
	{ SAME("aggressive_bytes"), "Memory of the NSEC/NSEC3 store", FN(aggr_bytes), GAUGE },
	{ SAME("negrange_published"),
	  "NSEC ranges of flooded zones published to the dataplane (negpub.h)",
	  FN0(negpub_published) },
	{ SAME("negrange_skipped"),
	  "NSEC ranges of flooded zones not published (not provable there, no room)",
	  FN0(negpub_skipped) },
	{ SAME("rpz_qname_hits"), "Response policies applied on the question's name",
	  CTR(rpz_qname_hits) },
	{ SAME("rpz_ip_hits"), "Response policies applied on an answer's address",
	  CTR(rpz_ip_hits) },
	{ SAME("rpz_nsdname_hits"), "Response policies applied on a name server's name",
	  CTR(rpz_nsdname_hits) },
	{ SAME("rpz_nsip_hits"), "Response policies applied on a name server's address",
	  CTR(rpz_nsip_hits) },
	{ SAME("rpz_nxdomain"), "Policy answers NXDOMAIN", CTR(rpz_nxdomain) },
	{ SAME("rpz_nodata"), "Policy answers NODATA", CTR(rpz_nodata) },
	{ SAME("rpz_passthru"), "Policy PASSTHRU (resolved as usual)", CTR(rpz_passthru) },
	{ SAME("rpz_drop"), "Policy DROP (no answer)", CTR(rpz_drop) },
	{ SAME("rpz_tcp_only"), "Policy TCP-only (TC=1 over UDP)", CTR(rpz_tcp_only) },
	{ SAME("rpz_local_data"), "Policy answers from local data", CTR(rpz_local_data) },
	{ SAME("rpz_loads"), "Policy zone versions loaded", CTR(rpz_loads) },
	{ SAME("rpz_load_errors"), "Policy zone files that could not be loaded",
	  CTR(rpz_load_errors) },
	{ SAME("rpz_skipped"), "Policy zone records skipped (malformed)", CTR(rpz_skipped) },
	{ SAME("rpz_flushed"), "Cache entries deleted by a policy change", CTR(rpz_flushed) },
	{ SAME("rpz_rules"), "Policy rules loaded", FN(policy_rules), GAUGE },
	{ SAME("rpz_ixfr"), "Policy zone versions transferred by IXFR", CTR(rpz_ixfr) },
	{ SAME("rpz_axfr_fallbacks"), "Policy zone IXFRs not usable, transferred whole (AXFR)",
	  CTR(rpz_axfr_fallbacks) },
	{ SAME("rpz_xfr_failures"), "Policy zone transfers that failed", CTR(rpz_xfr_failures) },
	{ SAME("rpz_notify_accepted"), "NOTIFYs of policy zones accepted",
	  CTR(rpz_notify_accepted) },
	{ SAME("rpz_notify_refused"), "NOTIFYs refused (sender, TSIG, zone)",
	  CTR(rpz_notify_refused) },
	{ SAME("rpz_notify_coalesced"), "NOTIFYs accepted that started no check of their own "
	  "(one asked for already, within notify-min-interval, or the serial held)",
	  CTR(rpz_notify_coalesced) },
	{ SAME("rpz_notify_relayed"), "NOTIFYs another resolver worker took over TCP and passed on",
	  CTR(rpz_notify_relayed) },
	{ SAME("sub_resolutions"), "NS address look-ups", CTR(sub_resolutions) },
	{ SAME("scrubbed"), "Upstream records dropped by scrubbing", CTR(scrubbed) },
	{ SAME("cache_inserts"), "Answers inserted into the cache (all workers)",
	  CTR(cache_inserts), ALL(BOLT_WC_CACHE_INSERTS) },
	{ "cache_errors", NULL, NULL, CTR(cache_errors) },
	{ SAME("answers"), "Answers pushed on answer rings (all workers)",
	  CTR(answers), ALL(BOLT_WC_ANSWERS) },
	{ "adopted_misses", NULL, NULL, CTR(adopted_misses) },
	{ "adoptions", NULL, NULL, CTR(adoptions) },
	{ "worker", NULL, NULL, FN(worker) },
	{ "answer_retries", NULL, NULL, CTR(answer_retries) },
	{ SAME("answer_drops"), "Answers dropped: ring full (all workers)",
	  CTR(answer_drops), ALL(BOLT_WC_ANSWER_DROPS) },
	{ "tcp_conns", "tcp_connections", "Client TCP connections", CTR(tcp_conns) },
	{ "tcp_refused", NULL, NULL, CTR(tcp_refused) },
	{ SAME("tcp_queries"), "Client TCP queries (all workers)",
	  CTR(tcp_queries), ALL(BOLT_WC_TCP_QUERIES) },
	{ "tcp_hits", NULL, NULL, CTR(tcp_hits) },
	{ "tcp_formerr", NULL, NULL, CTR(tcp_formerr) },
	{ SAME("tcp_acl_refused"), "Client TCP queries refused by the ACL", CTR(tcp_acl_refused) },
	{ SAME("tcp_acl_dropped"), "Client TCP connections dropped by the ACL",
	  CTR(tcp_acl_dropped) },
	{ "attaches", NULL, NULL, CTR(attaches) },
	{ "attached", NULL, NULL, FN(attached) },
	{ SAME("dnssec_secure"), "Answers validated secure", DSEC(secure) },
	{ SAME("dnssec_insecure"), "Answers proven insecure (or under an NTA)", DSEC(insecure) },
	{ SAME("dnssec_bogus"), "Answers found bogus", DSEC(bogus) },
	{ SAME("dnssec_indeterminate"), "Answers with nothing to validate", DSEC(indeterminate) },
	{ SAME("dnssec_fetches"), "DS and DNSKEY look-ups for validation", DSEC(fetches) },
	{ SAME("dnssec_key_hits"), "Zone conclusions found in the key cache", DSEC(key_hits) },
	{ SAME("dnssec_sig_cache_hits"), "RRsets found verified already (no signature check)",
	  DSEC(sig_cache_hits) },
	{ SAME("dnssec_requeries"), "Bogus answers asked again (other servers, or TCP)",
	  DSEC(requeries) },
	{ SAME("dnssec_key_refetches"), "Bogus verdicts validated again with DNSKEY/DS fetched anew",
	  DSEC(key_refetches) },
	{ SAME("dnssec_bogus_sig"), "Bogus: signature or proof does not verify (EDE 6)",
	  DSEC(bogus_by_ede[6]) },
	{ SAME("dnssec_bogus_expired"), "Bogus: signature expired (EDE 7)", DSEC(bogus_by_ede[7]) },
	{ SAME("dnssec_bogus_not_yet_valid"), "Bogus: signature not yet valid (EDE 8)",
	  DSEC(bogus_by_ede[8]) },
	{ SAME("dnssec_bogus_dnskey_missing"), "Bogus: no DNSKEY matches the DS (EDE 9)",
	  DSEC(bogus_by_ede[9]) },
	{ SAME("dnssec_bogus_rrsigs_missing"), "Bogus: RRSIGs missing (EDE 10)",
	  DSEC(bogus_by_ede[10]) },
	{ SAME("dnssec_bogus_nsec_missing"), "Bogus: denial proof missing (EDE 12)",
	  DSEC(bogus_by_ede[12]) },
	{ NULL, "dnssec_bogus_other", "Bogus: other reasons (EDE 0, work limits)",
	  DSEC(bogus_by_ede[0]) },
	{ SAME("in_flight"), "Questions being resolved (this worker)", FN(in_flight), GAUGE },
	{ "resolutions_alive", NULL, NULL, FN0(resolutions_alive) },
	{ "root_primings", NULL, NULL, FN0(root_primings) },
	{ SAME("infra_entries"), "Infrastructure cache entries", FN(infra_entries), GAUGE },
	{ "infra_evictions", NULL, NULL, FN(infra_evictions_of) },
};

static uint64_t value(const struct cp *cp, const struct cp_stat *t)
{
	const void *base;
	switch ((enum stat_src)t->src) {
	case SRC_CTR: base = &cp->ctr; break;
	case SRC_UPQ: base = &upq_counters; break;
	case SRC_DSEC: base = &dsec_counters; break;
	case SRC_FN0: return t->fn0();
	case SRC_FN: return t->fn(cp);
	default: return 0;
	}
	uint64_t v;
	memcpy(&v, (const char *)base + t->off, sizeof(v));
	return v;
}

void cp_stats_write(const struct cp *cp, FILE *f)
{
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(stats); i++)
		if (stats[i].file != NULL)
			fprintf(f, "%s %llu\n", stats[i].file,
			        (unsigned long long)value(cp, &stats[i]));
	tap_write_stats(cp, f);
}

void cp_stats_report(const struct cp *cp, struct bolt_ctl_sink *k)
{
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(stats); i++) {
		const struct cp_stat *t = &stats[i];
		if (t->src == SRC_TAP) {
			tap_report(cp, k);
			continue;
		}
		if (t->ctl == NULL)
			continue;
		uint64_t v = value(cp, t);
		/* The counters every worker publishes are summed over the
		 * workers (this one serves the control socket for all). */
		if (t->all)
			v += workers_others(cp, t->wc);
		if (t->gauge)
			bolt_ctl_sink_gauge(k, t->ctl, t->help, v);
		else
			bolt_ctl_sink_counter(k, t->ctl, t->help, v);
	}
	bolt_ctl_sink_histogram(k, "resolution_seconds", "Time to resolve a question",
	                        serve_latency_le, cp->lat.cum, SERVE_LATENCY_BUCKETS,
	                        cp->lat.sum_ms / 1000.0, cp->lat.count);
}
