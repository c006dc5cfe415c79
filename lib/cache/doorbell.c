/*
 * Doorbells between the processes of a region: the system-call half of
 * struct bolt_bell (boltdns/ring.h), a futex word in shared memory.
 *
 * Shared futexes (no FUTEX_PRIVATE_FLAG): the word is in a MAP_SHARED file
 * mapping, which the kernel keys by inode and offset, so a wake from one
 * process reaches a waiter in another that mapped the same file anywhere.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/ring.h"

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)word, op, val, ts, NULL, 0);
}

static long futex_bits(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts,
                       uint32_t bits)
{
	return syscall(SYS_futex, (uint32_t *)word, op, val, ts, NULL, bits);
}

void bolt_bell_wake(struct bolt_bell *b)
{
	atomic_fetch_add_explicit(&b->seq, 1, memory_order_release);
	(void)futex(&b->seq, FUTEX_WAKE, INT_MAX, NULL);
}

void bolt_bell_ring(struct bolt_bell *b, uint32_t bits)
{
	/* Only the producer that clears an armed bit kicks for it: one system
	 * call per sleep of a consumer, however many producers saw it armed. */
	uint32_t m = atomic_fetch_and_explicit(&b->armed, ~bits, memory_order_seq_cst) & bits;
	if (m == 0)
		return;
	atomic_fetch_or_explicit(&b->kicked, m, memory_order_release);
	/* Wake only the waiters that sleep for these bits (a waiter of
	 * bolt_bell_wait waits for every bit): with several resolver workers
	 * on one bell, a kick for one does not wake them all. */
	atomic_fetch_add_explicit(&b->seq, 1, memory_order_release);
	(void)futex_bits(&b->seq, FUTEX_WAKE_BITSET, INT_MAX, NULL, m);
}

void bolt_bell_post(struct bolt_bell *b, uint32_t bits)
{
	if (bits == 0)
		return;
	atomic_fetch_or_explicit(&b->kicked, bits, memory_order_release);
	atomic_fetch_add_explicit(&b->seq, 1, memory_order_release);
	(void)futex_bits(&b->seq, FUTEX_WAKE_BITSET, INT_MAX, NULL, bits);
}

int bolt_bell_wait(struct bolt_bell *b, uint32_t seen, int timeout_ms)
{
	struct timespec ts, *tsp = NULL;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	if (futex(&b->seq, FUTEX_WAIT, seen, tsp) == 0)
		return 0;
	/* EAGAIN: seq moved before we slept, which is a wake-up too. */
	if (errno == EAGAIN)
		return 0;
	return -errno;
}

int bolt_bell_wait_bits(struct bolt_bell *b, uint32_t seen, uint32_t bits, int timeout_ms)
{
	struct timespec ts, *tsp = NULL;
	if (bits == 0)
		bits = FUTEX_BITSET_MATCH_ANY;
	if (timeout_ms >= 0) {
		/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		tsp = &ts;
	}
	if (futex_bits(&b->seq, FUTEX_WAIT_BITSET, seen, tsp, bits) == 0)
		return 0;
	if (errno == EAGAIN)
		return 0;
	return -errno;
}
