/*
 * Ring service: takes misses from every dataplane lcore's miss ring and
 * pushes answers on the answer ring of the lcore the miss came from.
 *
 * Polling is adaptive: while misses keep arriving the loop polls on every
 * turn (uv_idle); after RING_IDLE_ROUNDS empty turns it falls back to a 1 ms
 * uv timer. An idle control plane therefore adds up to ~1 ms (the libuv
 * timer granularity) to the first miss of a burst, and nothing to the
 * misses that follow while it is busy.
 */
#ifndef BOLTDNS_CONTROL_RINGSVC_H
#define BOLTDNS_CONTROL_RINGSVC_H

#include "boltdns/msg.h"
#include "cp.h"

/* Start polling (does nothing until cp->region is set). 0 or negative. */
int ring_svc_start(struct cp *cp);

/* Stop polling (closes the libuv handles). */
void ring_svc_stop(struct cp *cp);

/* Free the service once the loop has run the handles' close callbacks. */
void ring_svc_free(struct cp *cp);

/* The region was replaced or detached: forget answers waiting for the old one. */
void ring_svc_reset(struct cp *cp);

/*
 * Queue one answer for lcore's answer ring. A full ring is retried every
 * millisecond for up to RING_RETRY_MS, then the answer is dropped (counted).
 */
void ring_push(struct cp *cp, unsigned lcore, const struct bolt_client *client,
               const uint8_t *payload, size_t len);

/* Handle one miss message from lcore (exposed for the fuzzer and tests). */
void ring_handle_miss(struct cp *cp, unsigned lcore, const struct bolt_miss_msg *m);

#endif
