/*
 * Serving clients: a question either joins one in flight or starts a
 * resolution; when it ends, the answer is inserted into the shared cache
 * once and rendered for every waiting client from its own query (ID, RD/CD,
 * EDNS/DO echo, TC over its UDP limit), then delivered on the client's
 * answer ring or TCP connection.
 */
#ifndef BOLTDNS_CONTROL_SERVE_H
#define BOLTDNS_CONTROL_SERVE_H

#include "boltdns/cache.h"
#include "cp.h"
#include "pending.h"

/* Upper bounds (seconds) of the resolution latency buckets of cp->lat. */
extern const double serve_latency_le[SERVE_LATENCY_BUCKETS];

/* Resolve key for the client w (copied): coalesce or start a resolution.
 * On overload the client gets SERVFAIL at once. A failed resolution answers
 * from an expired entry when serve-stale allows (RFC 8767) and leaves that
 * entry in the cache instead of a SERVFAIL. */
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

/* Answer w with a header-only error (SERVFAIL, FORMERR, ...). */
void serve_error(struct cp *cp, const struct waiter *w, uint16_t rcode);

/*
 * Render the response to w's query from a cache value into buf[0..cap),
 * within limit bytes; stale: every TTL becomes BOLT_STALE_TTL. Returns the
 * length or a negative code.
 */
int serve_render(struct cp *cp, const struct waiter *w, const struct bolt_cache_out *out,
                 uint32_t now, bool stale, uint8_t *buf, size_t cap, size_t limit);

#endif
