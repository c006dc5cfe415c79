/*
 * Single-producer single-consumer ring of fixed-size slots in shared memory.
 *
 * One ring per (dataplane lcore, direction): lcore k is the only producer of
 * miss ring k and the only consumer of answer ring k; the control plane's
 * ring thread is the only consumer of every miss ring and the only producer
 * of every answer ring. With one writer per index no compare-and-swap is
 * needed: the producer publishes a slot with a release store of head, the
 * consumer frees it with a release store of tail. head and tail live on
 * separate cache lines so the two sides never write the same line.
 *
 * Position independent: slots follow the struct in memory.
 *
 * Doorbells (struct bolt_bell, below) wake a consumer that sleeps instead of
 * polling: nothing here waits or wakes by itself.
 */
#ifndef BOLTDNS_RING_H
#define BOLTDNS_RING_H

#include <stdatomic.h>
#include <string.h>

#include "boltdns/common.h"

struct bolt_ring {
	uint32_t slots;          /* power of two */
	uint32_t slot_size;      /* bytes per slot, multiple of 64 */
	uint32_t mask;
	uint32_t reserved;
	_Alignas(BOLT_CACHE_LINE) _Atomic uint32_t head; /* next slot the producer writes */
	_Alignas(BOLT_CACHE_LINE) _Atomic uint32_t tail; /* next slot the consumer reads */
	_Alignas(BOLT_CACHE_LINE) uint8_t data[];
};

/* Bytes a ring with these dimensions takes (header + slots). */
static inline size_t bolt_ring_bytes(uint32_t slots, uint32_t slot_size)
{
	return sizeof(struct bolt_ring) + (size_t)slots * slot_size;
}

/* Initialise a ring in place (creator only, before anyone attaches). */
static inline void bolt_ring_init(struct bolt_ring *r, uint32_t slots, uint32_t slot_size)
{
	r->slots = slots;
	r->slot_size = slot_size;
	r->mask = slots - 1;
	r->reserved = 0;
	atomic_store_explicit(&r->head, 0, memory_order_relaxed);
	atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
}

/* Producer: pointer to the next free slot, or NULL when the ring is full. */
static inline void *bolt_ring_reserve(struct bolt_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail >= r->slots)
		return NULL;
	return r->data + (size_t)(head & r->mask) * r->slot_size;
}

/* Producer: publish the slot returned by bolt_ring_reserve. */
static inline void bolt_ring_commit(struct bolt_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

/* Consumer: pointer to the oldest published slot, or NULL when empty. */
static inline const void *bolt_ring_peek(struct bolt_ring *r)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (head == tail)
		return NULL;
	return r->data + (size_t)(tail & r->mask) * r->slot_size;
}

/* Consumer: release the slot returned by bolt_ring_peek. */
static inline void bolt_ring_release(struct bolt_ring *r)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}

/* Slots in use (approximate when called by neither side). */
static inline uint32_t bolt_ring_count(struct bolt_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}

/*
 * Doorbell: wakes consumers that sleep instead of polling their rings, with
 * virtio's event suppression. A bell lives in shared memory (the region
 * header) and works between unrelated processes: its futex word is waited
 * on and woken without FUTEX_PRIVATE_FLAG, and a futex on a MAP_SHARED file
 * mapping is keyed by the file, not by the process. No file descriptor has
 * to be passed, and either process may restart without setting anything up
 * again.
 *
 * One bell serves up to 32 consumers, one bit each (resolver worker w is
 * bit w of the miss bell; socket worker k is bit k of the answer bell).
 * A waiter thread sleeps on the futex and forwards kicks (to a libuv loop
 * with uv_async_send, to a worker's eventfd): one for the whole bell
 * (bolt_bell_wait, bolt_bell_take), or one per consumer set when the
 * consumers are separate processes (bolt_bell_wait_bits,
 * bolt_bell_take_bits: a kick wakes only the waiters of its bits).
 *
 * Protocol, for a consumer with bit b (no wake-up is ever lost):
 *   consumer, before sleeping: bolt_bell_arm(b) ("I am asleep, kick me"),
 *     then look at its rings again; anything there: bolt_bell_disarm(b) and
 *     work. Otherwise sleep until its waiter reports b in bolt_bell_take.
 *   consumer, awake: bolt_bell_disarm(b), so producers stop kicking.
 *   producer, after bolt_ring_commit: bolt_bell_kick(b). Kicks only a
 *     consumer that armed (so at most once per sleep, and only when its
 *     rings were all empty: the empty to non-empty transition); the first
 *     producer to clear the armed bit does the system call.
 * Arm and kick each put a sequentially consistent fence between their store
 * and their load (arm: armed, then head; kick: head, then armed), so either
 * the consumer sees the new slot or the producer sees the armed bit (the
 * Dekker pattern): a consumer never sleeps on a published slot unkicked.
 *
 * Waiter: seq = bolt_bell_seq(); m = bolt_bell_take(); if m is 0,
 * bolt_bell_wait(seq) (returns at once if a kick bumped seq meanwhile).
 * Implementation of the out-of-line parts: lib/cache/doorbell.c.
 */
struct bolt_bell {
	_Alignas(BOLT_CACHE_LINE) _Atomic uint32_t seq; /* futex word: bumped by every kick */
	_Atomic uint32_t armed;   /* consumers asleep that want a kick, one bit each */
	_Atomic uint32_t kicked;  /* consumers kicked since their waiter last took them */
	uint32_t reserved;
};

/* Kick bits of bell that are armed: clear them, record them in kicked, bump
 * seq and wake the waiter (FUTEX_WAKE). Producer side, any thread. */
BOLT_API void bolt_bell_ring(struct bolt_bell *b, uint32_t bits);

/* Waiter: sleep until seq differs from seen (FUTEX_WAIT), at most
 * timeout_ms (negative: no limit). Returns 0 (woken, or seq had already
 * changed), -ETIMEDOUT or -EINTR. */
BOLT_API int bolt_bell_wait(struct bolt_bell *b, uint32_t seen, int timeout_ms);

/* Waiter of some consumers' bits only (several waiter threads, or
 * processes, on one bell): sleep like bolt_bell_wait, woken only by kicks of
 * bits (0: any) and by bolt_bell_wake. */
BOLT_API int bolt_bell_wait_bits(struct bolt_bell *b, uint32_t seen, uint32_t bits,
                                 int timeout_ms);

/* Post bits whether or not their consumers armed them: record them in
 * kicked, bump seq and wake their waiters (one system call every time: for
 * rare events, such as control changes, that a consumer must see without
 * arming for them). Any thread. */
BOLT_API void bolt_bell_post(struct bolt_bell *b, uint32_t bits);

/* Waiter: wake the bell's waiter whatever the armed bits say (shutdown). */
BOLT_API void bolt_bell_wake(struct bolt_bell *b);

/* Zero a bell (creator only, before anyone attaches). */
static inline void bolt_bell_init(struct bolt_bell *b)
{
	atomic_store_explicit(&b->seq, 0, memory_order_relaxed);
	atomic_store_explicit(&b->armed, 0, memory_order_relaxed);
	atomic_store_explicit(&b->kicked, 0, memory_order_relaxed);
	b->reserved = 0;
}

/* Producer, after committing slots: kick the consumers in bits if they sleep.
 * One fence and one load when nobody sleeps. */
static inline void bolt_bell_kick(struct bolt_bell *b, uint32_t bits)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&b->armed, memory_order_relaxed) & bits)
		bolt_bell_ring(b, bits);
}

/* Consumer: about to sleep; look at the rings again after this. */
static inline void bolt_bell_arm(struct bolt_bell *b, uint32_t bits)
{
	atomic_fetch_or_explicit(&b->armed, bits, memory_order_seq_cst);
	atomic_thread_fence(memory_order_seq_cst);
}

/* Consumer: awake (or not going to sleep after all). */
static inline void bolt_bell_disarm(struct bolt_bell *b, uint32_t bits)
{
	if (atomic_load_explicit(&b->armed, memory_order_relaxed) & bits)
		atomic_fetch_and_explicit(&b->armed, ~bits, memory_order_relaxed);
}

/* Waiter: the futex word, read before bolt_bell_take. */
static inline uint32_t bolt_bell_seq(struct bolt_bell *b)
{
	return atomic_load_explicit(&b->seq, memory_order_acquire);
}

/* Waiter: the consumers kicked since the last call (and forget them). */
static inline uint32_t bolt_bell_take(struct bolt_bell *b)
{
	if (atomic_load_explicit(&b->kicked, memory_order_relaxed) == 0)
		return 0;
	return atomic_exchange_explicit(&b->kicked, 0, memory_order_acq_rel);
}

/* Waiter of some bits among others': the consumers of bits kicked since
 * the last call (and forget them, leaving the other waiters' bits). */
static inline uint32_t bolt_bell_take_bits(struct bolt_bell *b, uint32_t bits)
{
	if ((atomic_load_explicit(&b->kicked, memory_order_relaxed) & bits) == 0)
		return 0;
	return atomic_fetch_and_explicit(&b->kicked, ~bits, memory_order_acq_rel) & bits;
}

/* Producer: whether slots were committed since *mark (and move the mark).
 * The producer alone writes head, so this is a plain load of its own line:
 * a loop can call it every turn and kick only when it returns true. */
static inline bool bolt_ring_published(struct bolt_ring *r, uint32_t *mark)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (head == *mark)
		return false;
	*mark = head;
	return true;
}

/* Consumer: whether the ring holds a published slot. */
static inline bool bolt_ring_ready(struct bolt_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) !=
	       atomic_load_explicit(&r->tail, memory_order_relaxed);
}

#endif
