/*
 * State of the boltdns-cp process shared by its parts (ring service, TCP
 * server, iterator). Everything runs on one libuv loop thread, so none of
 * it is locked.
 */
#ifndef BOLTDNS_CONTROL_CP_H
#define BOLTDNS_CONTROL_CP_H

#include <uv.h>

#include "boltdns/config.h"
#include "boltdns/region.h"
#include "iter/hints.h"
#include "iter/infra.h"
#include "pending.h"

/* Counters of the control plane (written to the stats file). */
struct cp_counters {
	uint64_t misses;          /* miss messages taken from the rings */
	uint64_t bad_misses;      /* miss messages that did not parse */
	uint64_t stale_misses;    /* miss messages too old to answer */
	uint64_t miss_hits;       /* misses answered from the cache (raced an insert) */
	uint64_t coalesced;       /* clients that joined a question in flight */
	uint64_t overload;        /* clients answered SERVFAIL: too much in flight */
	uint64_t resolutions;     /* top-level resolutions finished */
	uint64_t noerror;
	uint64_t nxdomain;
	uint64_t nodata;
	uint64_t servfail;
	uint64_t stale_answers;   /* failed resolutions answered from stale data */
	uint64_t stale_timer_answers; /* clients answered stale by the client-response timer */
	uint64_t kept_on_failure; /* failed resolutions that left a usable entry in place */
	uint64_t refused_meta;    /* AXFR/IXFR and other meta types refused (EDE 21) */
	uint64_t refused_norec;   /* RD=0 queries the cache could not answer (EDE 20) */
	uint64_t any_queries;     /* ANY answered with a minimal answer (RFC 8482) */
	uint64_t local_zone_answers; /* answers from the locally served zones (RFC 6303) */
	uint64_t prefetches;      /* refreshes started by prefetch (both kinds) */
	uint64_t prefetch_hints;  /* dataplane hints: hits late in their TTL */
	uint64_t prefetch_hint_skips; /* hints not needing a refresh: one in flight,
	                                 already refreshed, or prefetch off */
	uint64_t limit_hits;      /* resolutions stopped by a work limit */
	uint64_t nxdomain_cut_answers; /* answered NXDOMAIN below a known NXDOMAIN (RFC 8020) */
	uint64_t sub_resolutions; /* NS address look-ups started */
	uint64_t scrubbed;        /* upstream RRs dropped by scrubbing */
	uint64_t cache_inserts;
	uint64_t cache_errors;
	uint64_t answers;         /* answers pushed on answer rings */
	uint64_t adopted_misses;  /* of misses: taken from adopted ring sets */
	uint64_t ctl_journal;     /* the control journal's change this worker has reached
	                             (worker 0: published; the others: applied, ctlsync.h) */
	uint64_t adoptions;       /* ring sets of dead workers taken over */
	uint64_t answer_retries;  /* pushes that found the ring full at first */
	uint64_t answer_drops;    /* answers dropped: ring full for too long */
	uint64_t tcp_conns;
	uint64_t tcp_refused;     /* connections refused: limit reached */
	uint64_t tcp_queries;
	uint64_t tcp_hits;
	uint64_t tcp_formerr;
	uint64_t tcp_acl_refused; /* TCP queries answered REFUSED: [acl] refuses the client */
	uint64_t tcp_acl_dropped; /* TCP connections closed at accept: [acl] action = drop */
	uint64_t attaches;        /* successful region attaches */
	uint64_t dnstap_samples;  /* dataplane hits sampled for dnstap ([dnstap] sample) */
	uint64_t dnstap_samples_gone; /* ... whose entry had left the cache: query logged only */
	/* Response policy (policy.c) */
	uint64_t rpz_qname_hits;  /* policies applied on the question's name */
	uint64_t rpz_ip_hits;     /* policies applied on an address of the answer */
	uint64_t rpz_nsdname_hits; /* ...on the name of a server of a zone cut used */
	uint64_t rpz_nsip_hits;   /* ...on the address of a server of a zone cut used */
	uint64_t rpz_nxdomain;    /* ...by action */
	uint64_t rpz_nodata;
	uint64_t rpz_passthru;
	uint64_t rpz_drop;
	uint64_t rpz_tcp_only;
	uint64_t rpz_local_data;
	uint64_t rpz_loads;       /* zone versions loaded */
	uint64_t rpz_load_errors; /* zone files that could not be loaded */
	uint64_t rpz_skipped;     /* malformed or unsupported records skipped */
	uint64_t rpz_flushed;     /* cache entries deleted by a policy change */
	uint64_t rpz_ixfr;        /* zone versions transferred incrementally (IXFR) */
	uint64_t rpz_axfr_fallbacks; /* IXFR not usable: the zone transferred whole */
	uint64_t rpz_xfr_failures;   /* transfers that failed (the version in use stays) */
	uint64_t rpz_notify_accepted;
	uint64_t rpz_notify_refused;
	uint64_t rpz_notify_coalesced;
	uint64_t rpz_notify_relayed;
};

/* Resolution latency histogram (cumulative buckets, see serve_latency_le). */
#define SERVE_LATENCY_BUCKETS 10
struct cp_latency {
	uint64_t cum[SERVE_LATENCY_BUCKETS];
	uint64_t count;
	uint64_t sum_ms;
};

struct ring_svc;
struct prefetch;
struct tcp_srv;
struct ctl_local;
struct aggr;
struct dnstap;
struct policy;
struct tap_policy;

struct cp {
	const struct bolt_config *cfg;
	uv_loop_t *loop;
	struct bolt_region *region;   /* NULL until attached */
	struct infra *infra;
	struct root_hints hints;
	struct pend_tab pend;
	struct cp_counters ctr;
	struct cp_latency lat;
	struct ring_svc *rings;
	struct tcp_srv *tcp;
	struct prefetch *pf;          /* NULL when [resolver] prefetch = no */
	struct aggr *aggr;            /* validated NSEC/NSEC3 ranges (RFC 8198); NULL when
	                                 [dnssec] validation or aggressive-nsec is off */
	struct ctl_local *local;      /* local data the serving side answers from (the
	                                 control server's table, set by main.c); NULL: none */
	struct policy *policy;        /* response policy zones (policy.h); NULL: none */
	uint16_t upstream_port;       /* port of every upstream server (53) */
	uint64_t region_token;        /* this process's claim of the rings (bolt_region_claim);
	                                 0: no check (tests) */
	unsigned worker;              /* resolver worker index (-w): its own ring set, the
	                                 answer rings it produces on (control/README.md
	                                 "Workers") */
	_Atomic uint32_t sets;        /* ring sets consumed, bit v for worker v's: its own
	                                 once claimed, plus adopted ones (workers.c) */
	bool offline;                 /* never send upstream (fuzzing): a query fails at once */
	struct dnstap *tap;           /* dnstap logging (tap.h), NULL: off */
	const struct tap_policy *tap_policy; /* the policy of the answers being delivered
	                                        (tap_policy_set), NULL: none */
};

#endif
