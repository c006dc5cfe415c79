/*
 * Ring service: takes misses from every dataplane lcore's miss ring and
 * pushes answers on the answer ring of the lcore the miss came from.
 *
 * Polling never spins: the rings are looked at after every wake-up of the
 * loop (a uv_check handle: upstream answers, TCP, timers) and by a timer
 * due 1 ms after the last look, so a loop woken by its own traffic never
 * wakes for the timer. A loop busy with resolutions picks misses up within one wake-up;
 * a quiet one within ~1 ms (the libuv timer granularity). A busy-polling
 * loop (uv_idle) would answer the first miss sooner, but burns a whole CPU
 * for as long as misses keep coming, which is most of the miss path's cost
 * at moderate rates.
 */
#ifndef BOLTDNS_CONTROL_RINGSVC_H
#define BOLTDNS_CONTROL_RINGSVC_H

#include "boltdns/msg.h"
#include "cp.h"
#include "pending.h"

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

/*
 * Make w a client of lcore's answer ring: its answers are pushed there for
 * client (copied; NULL: zeroed). The query fields are left to the caller.
 */
void ring_waiter_init(struct waiter *w, struct cp *cp, unsigned lcore,
                      const struct bolt_client *client);

/* Handle one miss message from lcore (exposed for the fuzzer and tests). */
void ring_handle_miss(struct cp *cp, unsigned lcore, const struct bolt_miss_msg *m);

#endif
