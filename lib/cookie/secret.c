/*
 * The cookie secrets in the region header: rollover and consistent reads
 * under a seqlock (boltdns/cookie.h).
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>

#include "boltdns/cookie.h"
#include "boltdns/region.h"

int bolt_cookie_rotate(struct bolt_region_hdr *h, uint64_t now, uint32_t interval)
{
	uint64_t last = atomic_load_explicit(&h->cookie_rotated, memory_order_relaxed);
	if (last != 0 && now - last < interval && now >= last)
		return 0;
	uint64_t fresh[2];
	if (getrandom(fresh, sizeof(fresh), 0) != (ssize_t)sizeof(fresh))
		return -(errno ? errno : EIO);

	/* Enter the seqlock: even -> odd, or leave it to the writer inside,
	 * unless that writer has been inside for a minute past the due time
	 * (killed there): then take over (odd -> odd + 2). */
	uint64_t seq = atomic_load_explicit(&h->cookie_seq, memory_order_relaxed);
	uint64_t enter = seq + 1;
	if (seq & 1) {
		if (last != 0 && now - last < (uint64_t)interval + 60 && now >= last)
			return 0;
		enter = seq + 2;
	}
	if (!atomic_compare_exchange_strong_explicit(&h->cookie_seq, &seq, enter,
	                                             memory_order_acquire, memory_order_relaxed))
		return 0;
	seq = enter - 1;
	atomic_thread_fence(memory_order_release);
	bool first = atomic_load_explicit(&h->cookie_rotated, memory_order_relaxed) == 0;
	for (int i = 0; i < 2; i++) {
		uint64_t c = atomic_load_explicit(&h->cookie_secret[0][i], memory_order_relaxed);
		atomic_store_explicit(&h->cookie_secret[1][i], first ? fresh[i] : c,
		                      memory_order_relaxed);
		atomic_store_explicit(&h->cookie_secret[0][i], fresh[i], memory_order_relaxed);
	}
	atomic_store_explicit(&h->cookie_rotated, now ? now : 1, memory_order_relaxed);
	atomic_store_explicit(&h->cookie_seq, seq + 2, memory_order_release);
	memset(fresh, 0, sizeof(fresh));
	return 1;
}

uint64_t bolt_cookie_seq(const struct bolt_region_hdr *h)
{
	return atomic_load_explicit(&((struct bolt_region_hdr *)h)->cookie_seq, memory_order_acquire);
}

uint64_t bolt_cookie_secrets(const struct bolt_region_hdr *h, uint8_t cur[BOLT_COOKIE_SECRET_LEN],
                             uint8_t prev[BOLT_COOKIE_SECRET_LEN])
{
	/* The fields are atomic; a cast drops the const only for the loads. */
	struct bolt_region_hdr *m = (struct bolt_region_hdr *)h;
	/* A writer is inside for nanoseconds; one killed there must not hang
	 * the reader (no cookies until the next rollover takes over). */
	for (unsigned spins = 0; spins < 100000; spins++) {
		uint64_t s1 = atomic_load_explicit(&m->cookie_seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		uint64_t v[2][2];
		for (int k = 0; k < 2; k++)
			for (int i = 0; i < 2; i++)
				v[k][i] = atomic_load_explicit(&m->cookie_secret[k][i],
				                               memory_order_relaxed);
		bool set = atomic_load_explicit(&m->cookie_rotated, memory_order_relaxed) != 0;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&m->cookie_seq, memory_order_relaxed) != s1)
			continue;
		memcpy(cur, v[0], BOLT_COOKIE_SECRET_LEN);
		memcpy(prev, v[1], BOLT_COOKIE_SECRET_LEN);
		return set ? s1 : 0;
	}
	return 0;
}
