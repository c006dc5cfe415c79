/*
 * Throttled zones in the region (see boltdns/throttle.h).
 *
 * Seqlock per slot: the writer makes seq odd, writes until/len/name, makes
 * it even again; a reader reads seq, the fields, and seq again, and trusts
 * what it read only when both reads are the same even value. The name
 * bytes are copied with relaxed atomic loads (a data race is undefined in
 * C11 even when the seqlock discards what it read), then compared.
 */
#include <string.h>

#include "boltdns/throttle.h"

static void copy_name(uint8_t *dst, const uint8_t *src, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

static void store_name(uint8_t *dst, const uint8_t *src, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
}

/* Read slot s consistently: its until, len and name. False while the
 * writer is inside (the reader then treats the slot as not matching). */
static bool read_slot(const struct bolt_throttle_slot *s, uint32_t *until, unsigned *len,
                      uint8_t *name)
{
	uint32_t q = atomic_load_explicit(&s->seq, memory_order_acquire);
	if (q & 1)
		return false;
	*until = atomic_load_explicit(&s->until, memory_order_relaxed);
	*len = __atomic_load_n(&s->len, __ATOMIC_RELAXED);
	if (*len > BOLT_NAME_MAX)
		return false;
	copy_name(name, s->name, *len);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) == q;
}

int bolt_throttle_set(struct bolt_throttle_table *t, const uint8_t *zone, uint32_t until)
{
	int n = bolt_name_len(zone, BOLT_NAME_MAX);
	if (n <= 0)
		return BOLT_ENAME;
	unsigned len = (unsigned)n;
	struct bolt_throttle_slot *pick = NULL;
	uint32_t soonest = UINT32_MAX;
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++) {
		struct bolt_throttle_slot *s = &t->slot[i];
		/* the only writer: no seqlock needed to read its own slots */
		uint32_t u = atomic_load_explicit(&s->until, memory_order_relaxed);
		if (s->len == len && memcmp(s->name, zone, len) == 0) {
			pick = s;
			if (u > until)
				until = u;
			break;
		}
		if (s->len == 0 || u < soonest) {
			soonest = s->len == 0 ? 0 : u;
			pick = s;
		}
	}
	uint32_t q = atomic_load_explicit(&pick->seq, memory_order_relaxed);
	atomic_store_explicit(&pick->seq, q + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&pick->until, until, memory_order_relaxed);
	__atomic_store_n(&pick->len, (uint8_t)len, __ATOMIC_RELAXED);
	store_name(pick->name, zone, len);
	atomic_store_explicit(&pick->seq, q + 2, memory_order_release);
	if (atomic_load_explicit(&t->until_max, memory_order_relaxed) < until)
		atomic_store_explicit(&t->until_max, until, memory_order_release);
	return 0;
}

void bolt_throttle_clear(struct bolt_throttle_table *t, const uint8_t *zone)
{
	int n = bolt_name_len(zone, BOLT_NAME_MAX);
	if (n <= 0)
		return;
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++) {
		struct bolt_throttle_slot *s = &t->slot[i];
		if (s->len != (unsigned)n || memcmp(s->name, zone, (size_t)n) != 0)
			continue;
		/* until alone: readers look at it before the seqlock, and a
		 * slot that has ended is free for the next zone */
		atomic_store_explicit(&s->until, 0, memory_order_release);
		return;
	}
}

bool bolt_throttle_match(const struct bolt_throttle_table *t, const uint8_t *name,
                         unsigned name_len, uint32_t now)
{
	if (atomic_load_explicit(&t->until_max, memory_order_acquire) <= now)
		return false;
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++) {
		const struct bolt_throttle_slot *s = &t->slot[i];
		uint8_t zone[BOLT_NAME_MAX];
		uint32_t until;
		unsigned len;
		if (atomic_load_explicit(&s->until, memory_order_relaxed) <= now ||
		    !read_slot(s, &until, &len, zone) || until <= now || len == 0 || len > name_len)
			continue;
		/* name is at or below zone when zone is a suffix starting at a
		 * label boundary of name */
		unsigned off = 0;
		while (off < name_len && name_len - off > len)
			off += name[off] + 1u;
		if (off <= name_len && name_len - off == len && memcmp(name + off, zone, len) == 0)
			return true;
	}
	return false;
}

unsigned bolt_throttle_list(const struct bolt_throttle_table *t, uint32_t now,
                            uint8_t (*out)[BOLT_NAME_MAX], uint32_t *untils, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS && n < max; i++) {
		uint32_t until;
		unsigned len;
		if (!read_slot(&t->slot[i], &until, &len, out[n]) || until <= now || len == 0)
			continue;
		if (untils != NULL)
			untils[n] = until;
		n++;
	}
	return n;
}
