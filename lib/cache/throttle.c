/*
 * Throttled zones in the region (see boltdns/throttle.h).
 *
 * Seqlock per slot: the writer makes seq odd, writes until/len/reason/name,
 * makes it even again; a reader reads seq, the fields, and seq again, and trusts
 * what it read only when both reads are the same even value. The name
 * bytes are copied with relaxed atomic loads (a data race is undefined in
 * C11 even when the seqlock discards what it read), then compared.
 *
 * Writers: every resolver worker ([resolver] workers) throttles zones, so a
 * slot may have several writers in several processes. A writer enters a
 * slot by turning its even seq odd with a compare-and-swap (the seqlock's
 * odd state is the writers' lock too); one that finds it odd starts over.
 * Writers read the slots like readers do. Two workers throttling different
 * zones at the same moment may pick the same free slot: the later one wins
 * it and the other zone is published again at its worker's next refusal.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

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

/* Read slot s consistently: its until, len, reason and name. False while
 * the writer is inside (the reader then treats the slot as not matching). */
static bool read_slot(const struct bolt_throttle_slot *s, uint32_t *until, unsigned *len,
                      uint8_t *reason, uint8_t *name)
{
	uint32_t q = atomic_load_explicit(&s->seq, memory_order_acquire);
	if (q & 1)
		return false;
	*until = atomic_load_explicit(&s->until, memory_order_relaxed);
	*len = __atomic_load_n(&s->len, __ATOMIC_RELAXED);
	*reason = __atomic_load_n(&s->reason, __ATOMIC_RELAXED);
	if (*len > BOLT_NAME_MAX)
		return false;
	copy_name(name, s->name, *len);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) == q;
}

static uint64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Whether zone is in a slot of t other than mine, or a slot other than
 * mine is being written (it may be getting the zone). */
static bool elsewhere(const struct bolt_throttle_table *t, const struct bolt_throttle_slot *mine,
                      const uint8_t *zone, unsigned len)
{
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++) {
		const struct bolt_throttle_slot *s = &t->slot[i];
		uint8_t name[BOLT_NAME_MAX], r;
		uint32_t u;
		unsigned l;
		if (s == mine)
			continue;
		if (!read_slot(s, &u, &l, &r, name) || (l == len && memcmp(name, zone, len) == 0))
			return true;
	}
	return false;
}

int bolt_throttle_set(struct bolt_throttle_table *t, const uint8_t *zone, uint32_t until,
                      enum bolt_throttle_reason reason)
{
	if (reason != BOLT_THROTTLE_RATE && reason != BOLT_THROTTLE_DOWN)
		return -EINVAL;
	int n = bolt_name_len(zone, BOLT_NAME_MAX);
	if (n <= 0)
		return BOLT_ENAME;
	unsigned len = (unsigned)n;
	struct bolt_throttle_slot *pick;
	uint32_t q;
	/* Optimistic: scan, pick a slot, and take it only if its seq is still
	 * what the scan read, i.e. nobody wrote it since; otherwise scan again.
	 * A slot another writer is inside makes the scan start over (it may be
	 * this very zone being written), for up to STUCK_MS: a writer is inside
	 * for a microsecond, so a slot still busy then belongs to a writer that
	 * died inside (odd for ever), and is skipped. */
	enum { STUCK_MS = 200 };
	uint64_t give_up = 0;
	for (;;) {
		pick = NULL;
		q = 0;
		uint32_t soonest = UINT32_MAX, want = until;
		bool busy = false, found = false;
		for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++) {
			struct bolt_throttle_slot *s = &t->slot[i];
			uint8_t name[BOLT_NAME_MAX], r;
			uint32_t u, sq = atomic_load_explicit(&s->seq, memory_order_acquire);
			unsigned l;
			if ((sq & 1) || !read_slot(s, &u, &l, &r, name) ||
			    atomic_load_explicit(&s->seq, memory_order_relaxed) != sq) {
				busy = true;
				continue;
			}
			if (l == len && memcmp(name, zone, len) == 0) {
				pick = s;
				q = sq;
				found = true;
				if (u > want)
					want = u;
				break;
			}
			if (l == 0 || u < soonest) {
				soonest = l == 0 ? 0 : u;
				pick = s;
				q = sq;
			}
		}
		/* patience runs from the first of consecutive busy scans */
		if (!busy)
			give_up = 0;
		else if (give_up == 0)
			give_up = ms_now() + STUCK_MS;
		bool patient = give_up == 0 || ms_now() < give_up;
		/* the zone may be in the slot being written: look again */
		if (!found && busy && patient) {
			sched_yield();
			continue;
		}
		if (pick == NULL) {
			if (!patient)
				return 0;  /* every slot stuck: nothing published this time */
			continue;
		}
		if (!atomic_compare_exchange_strong_explicit(&pick->seq, &q, q + 1,
		                                             memory_order_acquire,
		                                             memory_order_relaxed))
			continue;
		/* A new slot for the zone: another writer may have put the zone
		 * in a slot this scan had already passed. Look again while
		 * holding ours; if it is there (or a slot is being written), give
		 * ours back unchanged and start over. */
		if (!found && patient && elsewhere(t, pick, zone, len)) {
			atomic_store_explicit(&pick->seq, q + 2, memory_order_release);
			sched_yield();
			continue;
		}
		until = want;
		break;
	}
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&pick->until, until, memory_order_relaxed);
	__atomic_store_n(&pick->len, (uint8_t)len, __ATOMIC_RELAXED);
	__atomic_store_n(&pick->reason, (uint8_t)reason, __ATOMIC_RELAXED);
	store_name(pick->name, zone, len);
	atomic_store_explicit(&pick->seq, q + 2, memory_order_release);
	uint32_t m = atomic_load_explicit(&t->until_max, memory_order_relaxed);
	while (m < until && !atomic_compare_exchange_weak_explicit(&t->until_max, &m, until,
	                                                            memory_order_release,
	                                                            memory_order_relaxed))
		;
	return 0;
}

void bolt_throttle_clear(struct bolt_throttle_table *t, const uint8_t *zone)
{
	int n = bolt_name_len(zone, BOLT_NAME_MAX);
	if (n <= 0)
		return;
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++) {
		struct bolt_throttle_slot *s = &t->slot[i];
		uint8_t name[BOLT_NAME_MAX], r;
		uint32_t u;
		unsigned l;
		if (!read_slot(s, &u, &l, &r, name) || l != (unsigned)n || memcmp(name, zone, (size_t)n) != 0)
			continue;
		/* until alone: readers look at it before the seqlock, and a
		 * slot that has ended is free for the next zone */
		atomic_store_explicit(&s->until, 0, memory_order_release);
		return;
	}
}

enum bolt_throttle_reason bolt_throttle_match(const struct bolt_throttle_table *t,
                                              const uint8_t *name, unsigned name_len,
                                              uint32_t now, unsigned *zone_off)
{
	if (atomic_load_explicit(&t->until_max, memory_order_acquire) <= now)
		return BOLT_THROTTLE_NONE;
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS; i++) {
		const struct bolt_throttle_slot *s = &t->slot[i];
		uint8_t zone[BOLT_NAME_MAX], reason;
		uint32_t until;
		unsigned len;
		if (atomic_load_explicit(&s->until, memory_order_relaxed) <= now ||
		    !read_slot(s, &until, &len, &reason, zone) || until <= now || len == 0 ||
		    len > name_len || reason == BOLT_THROTTLE_NONE || reason >= BOLT_THROTTLE_REASONS)
			continue;
		/* name is at or below zone when zone is a suffix starting at a
		 * label boundary of name */
		unsigned off = 0;
		while (off < name_len && name_len - off > len)
			off += name[off] + 1u;
		if (off <= name_len && name_len - off == len && memcmp(name + off, zone, len) == 0) {
			if (zone_off != NULL)
				*zone_off = off;
			return (enum bolt_throttle_reason)reason;
		}
	}
	return BOLT_THROTTLE_NONE;
}

unsigned bolt_throttle_list(const struct bolt_throttle_table *t, uint32_t now,
                            uint8_t (*out)[BOLT_NAME_MAX], uint32_t *untils, uint8_t *reasons,
                            unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < BOLT_THROTTLE_SLOTS && n < max; i++) {
		uint32_t until;
		unsigned len;
		uint8_t reason;
		if (!read_slot(&t->slot[i], &until, &len, &reason, out[n]) || until <= now || len == 0)
			continue;
		if (untils != NULL)
			untils[n] = until;
		if (reasons != NULL)
			reasons[n] = reason;
		n++;
	}
	return n;
}
