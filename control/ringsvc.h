/*
 * Ring service: takes misses from every dataplane lcore's miss ring and
 * pushes answers on the answer ring of the lcore the miss came from.
 *
 * Nothing polls: the rings are looked at after every wake-up of the loop
 * (a uv_check handle: upstream answers, TCP, timers), and a loop about to
 * sleep arms the region's miss doorbell (boltdns/ring.h "Doorbell") and
 * looks once more; a dataplane lcore that then fills an empty miss ring
 * kicks it, and a helper thread sleeping on the bell's futex wakes the loop
 * (uv_async_send). An idle control plane wakes for nothing but its own 1 s
 * tick; a miss at low load waits for two thread wake-ups, not a timer.
 * Every answer pushed kicks the answer doorbell of its lcore's socket
 * worker if that worker sleeps.
 */
#ifndef BOLTDNS_CONTROL_RINGSVC_H
#define BOLTDNS_CONTROL_RINGSVC_H

#include "boltdns/msg.h"
#include "cp.h"
#include "pending.h"

/* Start the service (does nothing until cp->region is set; the bell thread
 * starts with the first loop turn on an owned region). 0 or negative. */
int ring_svc_start(struct cp *cp);

/* Stop (joins the bell thread, closes the libuv handles). */
void ring_svc_stop(struct cp *cp);

/* Free the service once the loop has run the handles' close callbacks. */
void ring_svc_free(struct cp *cp);

/* The region is about to be replaced or detached: stop the bell thread
 * (it sleeps in the old mapping) and forget answers waiting for the old one. */
void ring_svc_reset(struct cp *cp);

/*
 * Queue one answer for lcore's answer ring (and kick its worker if it
 * sleeps). A full ring is retried every millisecond for up to
 * RING_RETRY_MS, then the answer is dropped (counted).
 */
void ring_push(struct cp *cp, unsigned lcore, const struct bolt_client *client,
               const uint8_t *payload, size_t len);

/*
 * Make w a client of lcore's answer ring: its answers are pushed there for
 * client (copied; NULL: zeroed). The query fields are left to the caller.
 */
void ring_waiter_init(struct waiter *w, struct cp *cp, unsigned lcore,
                      const struct bolt_client *client);

/* cp->sets changed (a set adopted or given back): the bell thread waits
 * for the new bits from now on. Loop thread. */
void ring_svc_sets_changed(struct cp *cp, uint32_t old_sets);

/*
 * Call fn(arg) on the loop thread whenever another process posts this
 * worker's control bit of the miss bell (BOLT_BELL_CTL: a control journal
 * change, a reload, a NOTIFY relayed by another worker), and once after
 * every attach (what was posted while no bell thread waited;
 * workers_post_control posts it). One hook;
 * NULL: none. Loop thread.
 */
void ring_svc_on_control(struct cp *cp, void (*fn)(void *arg), void *arg);

/* Handle one miss message from lcore (exposed for the fuzzer and tests). */
void ring_handle_miss(struct cp *cp, unsigned lcore, const struct bolt_miss_msg *m);

#endif
