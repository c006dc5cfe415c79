/*
 * Serving clients: a question is answered locally (meta types refused,
 * local data, locally served zones), from the cache, or joins a resolution
 * in flight or starts one; when it ends, the answer is inserted into the
 * shared cache once and rendered for every waiting client from its own
 * query (ID, RD/CD, EDNS/DO echo, TC over its UDP limit), then handed to
 * that client's own delivery callback (struct waiter_ops): this file never
 * knows which transport asked.
 *
 * Serve-stale (RFC 8767): a client waiting on the resolution of an expired
 * entry gets that entry (EDE 3 Stale Answer, 19 for NXDOMAIN) once
 * [resolver] stale-answer-timeout passes; the resolution goes on and its
 * result lands in the cache. A failed resolution (a client's, a refresh's or
 * a prefetch's) never replaces a usable entry - fresh, or stale within
 * stale-max-age - with its SERVFAIL; after a failure answered stale, clients
 * get the stale entry at once for 30 s (the failure recheck timer) instead
 * of starting a resolution each.
 */
#ifndef BOLTDNS_CONTROL_SERVE_H
#define BOLTDNS_CONTROL_SERVE_H

#include "boltdns/cache.h"
#include "cp.h"
#include "pending.h"

/* Upper bounds (seconds) of the resolution latency buckets of cp->lat. */
extern const double serve_latency_le[SERVE_LATENCY_BUCKETS];

/*
 * Answer the client w (copied) for key, which missed the cache:
 * - class other than IN, AXFR, IXFR, MAILA, MAILB: REFUSED with EDE 21
 *   Not Supported (never sent upstream);
 * - names of local data, then of the locally served zones: answered here;
 * - RD=0: the cache was all there was: REFUSED with EDE 20 Not
 *   Authoritative, as Unbound answers (never recursed);
 * - ANY (RFC 8482): the name's A answer stands for it (the A RRset or the
 *   CNAME chain, NXDOMAIN), a synthesised HINFO "RFC8482" when the name
 *   exists without an A; never asked upstream as ANY;
 * - otherwise coalesced with or starts a resolution. On overload the client
 *   gets SERVFAIL at once.
 */
void serve_resolve(struct cp *cp, const struct pkey *key, const struct waiter *w);

/*
 * Resolve key for w from one injected upstream response (see res_inject):
 * the whole answer path (scrub, cache insert, rendering, delivery) without
 * the network. For fuzzing and tests.
 */
void serve_inject(struct cp *cp, const struct pkey *key, const struct waiter *w,
                  const uint8_t *zone, const struct infra_addr *server, const uint8_t *pkt,
                  size_t len);

/* Start the prefetch refreshes that are due (called once a second). */
void serve_prefetch_tick(struct cp *cp);

/* A dataplane hint: key was hit in the last 10% of its TTL. Starts a refresh
 * (no waiter: nobody is answered, the cache gets the fresh answer) unless
 * prefetch is off, a resolution of key is in flight, or the entry was already
 * refreshed. */
void serve_prefetch_hint(struct cp *cp, const struct pkey *key);

/*
 * Look key up in the shared cache and, on a fresh hit, answer w from it.
 * Returns true when w was answered.
 */
bool serve_from_cache(struct cp *cp, const struct pkey *key, const struct waiter *w);

#endif
