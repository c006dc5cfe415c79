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

#endif
