/*
 * Doorbell protocol (boltdns/ring.h "Doorbell"): no wake-up is ever lost.
 *
 * Producers push numbered messages on their own SPSC rings in small bursts
 * with pauses (so the consumer runs dry and sleeps often), kick the bell
 * after each burst and now and then wait for the consumer to take it; consumers drain, arm, look again and sleep on the futex
 * (or, as socket workers do, on an eventfd written by a waiter thread). A
 * consumer that sleeps through a published message is a lost wake-up: the
 * sleeps have a long timeout, and a timeout with a message waiting counts
 * as one (the test fails). Messages are checked for order and count.
 *
 * Three set-ups: producer threads and a consumer thread that waits on the
 * futex itself (the control plane's loop and its bell thread, in one);
 * a producer in a forked process (a shared futex across processes, as
 * between boltdns-dp and boltdns-cp); two consumers with a bit each, woken
 * through eventfds by one waiter thread (boltdns-dp's socket workers).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "boltdns/ring.h"

#define NPROD 3
#define SLOTS 64
#define SLOT 64
#define MSGS 20000u          /* per producer */
#define SLEEP_LIMIT_MS 5000  /* a sleep this long with a message waiting: lost */

struct shared {
	struct bolt_bell bell;
	_Alignas(BOLT_CACHE_LINE) uint8_t rings[NPROD][sizeof(struct bolt_ring) + SLOTS * SLOT];
};

static struct shared *sh;

static struct bolt_ring *ring(unsigned k)
{
	return (struct bolt_ring *)sh->rings[k];
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

static int setup(void **state)
{
	(void)state;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	bolt_bell_init(&sh->bell);
	for (unsigned k = 0; k < NPROD; k++)
		bolt_ring_init(ring(k), SLOTS, SLOT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(sh, sizeof(*sh));
	return 0;
}

/* Producer k: MSGS numbered messages, bursts of 1..8, a kick after each
 * burst (as a dataplane loop turn does), a pause now and then. bits: the
 * consumer(s) to kick. */
static void produce(unsigned k, uint32_t bits)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull * (k + 1);
	uint32_t next = 0;
	while (next < MSGS) {
		unsigned burst = 1 + rnd(&seed) % 8;
		for (unsigned i = 0; i < burst && next < MSGS; i++) {
			uint32_t *slot = bolt_ring_reserve(ring(k));
			if (slot == NULL)
				break; /* full: the consumer is awake and busy */
			slot[0] = next++;
			bolt_ring_commit(ring(k));
		}
		bolt_bell_kick(&sh->bell, bits);
		uint32_t r = rnd(&seed) % 16;
		if (r < 6) {
			struct timespec ts = { 0, (long)(rnd(&seed) % 50000) };
			nanosleep(&ts, NULL);
		} else if (r < 10) {
			sched_yield();
		} else if (r < 13) {
			/* Wait until the consumer took the burst: a consumer that
			 * slept through it is not rescued by the next kick, and its
			 * sleep times out (a lost wake-up). */
			while (bolt_ring_count(ring(k)) != 0) {
				struct timespec ts = { 0, 2000 };
				nanosleep(&ts, NULL);
			}
		}
	}
}

struct consumer_stats {
	uint32_t got[NPROD];
	unsigned sleeps, lost, bad;
};

/* Take everything on rings [first, first + n); checks the numbering. */
static unsigned drain(struct consumer_stats *cs, unsigned first, unsigned n)
{
	unsigned total = 0;
	for (unsigned k = first; k < first + n; k++) {
		const uint32_t *slot;
		while ((slot = bolt_ring_peek(ring(k))) != NULL) {
			if (*slot != cs->got[k])
				cs->bad++;
			cs->got[k] = *slot + 1;
			bolt_ring_release(ring(k));
			total++;
		}
	}
	return total;
}

static bool any_ready(unsigned first, unsigned n)
{
	for (unsigned k = first; k < first + n; k++)
		if (bolt_ring_ready(ring(k)))
			return true;
	return false;
}

static bool all_in(const struct consumer_stats *cs, unsigned first, unsigned n)
{
	for (unsigned k = first; k < first + n; k++)
		if (cs->got[k] < MSGS)
			return false;
	return true;
}

/* The consumer of rings [0, n) with bit 1, waiting on the futex itself. */
static void consume_futex(struct consumer_stats *cs, unsigned n)
{
	struct bolt_bell *b = &sh->bell;
	while (!all_in(cs, 0, n)) {
		if (drain(cs, 0, n) > 0)
			continue;
		bolt_bell_arm(b, 1);
		if (any_ready(0, n)) {
			bolt_bell_disarm(b, 1);
			continue;
		}
		uint32_t seq = bolt_bell_seq(b);
		if (bolt_bell_take(b) & 1)
			continue;
		cs->sleeps++;
		if (bolt_bell_wait(b, seq, SLEEP_LIMIT_MS) == -ETIMEDOUT && any_ready(0, n))
			cs->lost++;
		bolt_bell_disarm(b, 1);
		(void)bolt_bell_take(b);
	}
}

static void *producer_thread(void *arg)
{
	produce((unsigned)(uintptr_t)arg, 1);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	pthread_t t[NPROD];
	struct consumer_stats cs;
	memset(&cs, 0, sizeof(cs));
	for (unsigned k = 0; k < NPROD; k++)
		assert_int_equal(pthread_create(&t[k], NULL, producer_thread, (void *)(uintptr_t)k), 0);
	consume_futex(&cs, NPROD);
	for (unsigned k = 0; k < NPROD; k++)
		pthread_join(t[k], NULL);
	print_message("threads: %u sleeps, %u lost\n", cs.sleeps, cs.lost);
	assert_int_equal(cs.lost, 0);
	assert_int_equal(cs.bad, 0);
	for (unsigned k = 0; k < NPROD; k++)
		assert_int_equal(cs.got[k], MSGS);
	/* The consumer did sleep: the protocol was exercised, not bypassed. */
	assert_true(cs.sleeps > 0);
}

/* A producer in another process: the futex word is in a shared mapping. */
static void test_process(void **state)
{
	(void)state;
	struct consumer_stats cs;
	memset(&cs, 0, sizeof(cs));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		produce(0, 1);
		_exit(0);
	}
	consume_futex(&cs, 1);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	print_message("process: %u sleeps, %u lost\n", cs.sleeps, cs.lost);
	assert_int_equal(cs.lost, 0);
	assert_int_equal(cs.bad, 0);
	assert_int_equal(cs.got[0], MSGS);
	assert_true(cs.sleeps > 0);
}

/* Socket-worker model: consumer c (bit 1 << c) owns ring c and sleeps in
 * poll() on its eventfd; one waiter thread forwards kicks. */
struct worker {
	unsigned index;
	int efd;
	struct consumer_stats cs;
};

static struct worker workers[2];
static _Atomic bool waiter_stop;

static void *waiter_thread(void *arg)
{
	(void)arg;
	struct bolt_bell *b = &sh->bell;
	for (;;) {
		uint32_t seq = bolt_bell_seq(b);
		if (atomic_load(&waiter_stop))
			break;
		uint32_t m = bolt_bell_take(b);
		if (m == 0) {
			(void)bolt_bell_wait(b, seq, -1);
			continue;
		}
		for (unsigned c = 0; c < 2; c++) {
			if (m & (1u << c)) {
				uint64_t one = 1;
				(void)!write(workers[c].efd, &one, sizeof(one));
			}
		}
	}
	return NULL;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	uint32_t bit = 1u << w->index;
	struct pollfd pfd = { .fd = w->efd, .events = POLLIN };
	while (!all_in(&w->cs, w->index, 1)) {
		if (drain(&w->cs, w->index, 1) > 0)
			continue;
		bolt_bell_arm(&sh->bell, bit);
		if (!bolt_ring_ready(ring(w->index))) {
			w->cs.sleeps++;
			int r = poll(&pfd, 1, SLEEP_LIMIT_MS);
			if (r == 0 && bolt_ring_ready(ring(w->index)))
				w->cs.lost++;
			if (r > 0) {
				uint64_t v;
				(void)!read(w->efd, &v, sizeof(v));
			}
		}
		bolt_bell_disarm(&sh->bell, bit);
	}
	return NULL;
}

static void *producer_bit_thread(void *arg)
{
	unsigned k = (unsigned)(uintptr_t)arg;
	produce(k, 1u << k);
	return NULL;
}

static void test_waiter_eventfd(void **state)
{
	(void)state;
	pthread_t wt, ct[2], pt[2];
	atomic_store(&waiter_stop, false);
	assert_int_equal(pthread_create(&wt, NULL, waiter_thread, NULL), 0);
	for (unsigned c = 0; c < 2; c++) {
		memset(&workers[c], 0, sizeof(workers[c]));
		workers[c].index = c;
		workers[c].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(workers[c].efd >= 0);
	}
	for (unsigned c = 0; c < 2; c++) {
		assert_int_equal(pthread_create(&ct[c], NULL, worker_thread, &workers[c]), 0);
		assert_int_equal(pthread_create(&pt[c], NULL, producer_bit_thread,
		                                (void *)(uintptr_t)c), 0);
	}
	for (unsigned c = 0; c < 2; c++) {
		pthread_join(pt[c], NULL);
		pthread_join(ct[c], NULL);
	}
	atomic_store(&waiter_stop, true);
	bolt_bell_wake(&sh->bell);
	pthread_join(wt, NULL);
	for (unsigned c = 0; c < 2; c++) {
		struct worker *w = &workers[c];
		print_message("worker %u: %u sleeps, %u lost\n", c, w->cs.sleeps, w->cs.lost);
		assert_int_equal(w->cs.lost, 0);
		assert_int_equal(w->cs.bad, 0);
		assert_int_equal(w->cs.got[c], MSGS);
		assert_true(w->cs.sleeps > 0);
		close(w->efd);
	}
}

/* Kicks: only an armed consumer is kicked, once per arm, with its bit. */
static void test_kick_suppressed(void **state)
{
	(void)state;
	struct bolt_bell *b = &sh->bell;
	uint32_t seq = bolt_bell_seq(b);
	bolt_bell_kick(b, 1);
	assert_int_equal(bolt_bell_seq(b), seq);
	assert_int_equal(bolt_bell_take(b), 0);
	bolt_bell_arm(b, 2);
	bolt_bell_kick(b, 1);      /* another consumer's bit: nothing */
	assert_int_equal(bolt_bell_seq(b), seq);
	bolt_bell_kick(b, 2);
	assert_int_equal(bolt_bell_seq(b), seq + 1);
	bolt_bell_kick(b, 2);      /* already kicked: no second system call */
	assert_int_equal(bolt_bell_seq(b), seq + 1);
	assert_int_equal(bolt_bell_take(b), 2);
	assert_int_equal(bolt_bell_take(b), 0);
	/* seq moved since it was read: the wait returns at once. */
	assert_int_equal(bolt_bell_wait(b, seq, 1000), 0);
	assert_int_equal(bolt_bell_wait(b, seq + 1, 10), -ETIMEDOUT);
}

/* A waiter of a control bit (BOLT_BELL_CTL) only: the resolver worker's
 * bell thread, which also waits for its ring bits. */
struct post_waiter {
	uint32_t bits;
	_Atomic uint32_t got;
};

static void *post_waiter_thread(void *arg)
{
	struct post_waiter *pw = arg;
	struct bolt_bell *b = &sh->bell;
	for (int turn = 0; turn < 200; turn++) {
		uint32_t seq = bolt_bell_seq(b);
		uint32_t m = bolt_bell_take_bits(b, pw->bits);
		if (m != 0) {
			atomic_store(&pw->got, m);
			return NULL;
		}
		(void)bolt_bell_wait_bits(b, seq, pw->bits, 50);
	}
	return NULL;
}

/* Posts: taken whether or not the consumer armed, by the waiter of those
 * bits only; a post to other bits is not taken by it. */
static void test_post(void **state)
{
	(void)state;
	struct bolt_bell *b = &sh->bell;
	struct post_waiter pw = { .bits = 1u << 17 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, post_waiter_thread, &pw), 0);
	struct timespec ms = { 0, 100 * 1000000L };
	nanosleep(&ms, NULL);
	bolt_bell_post(b, 1u << 18);    /* another worker's control bit */
	nanosleep(&ms, NULL);
	assert_int_equal(atomic_load(&pw.got), 0);
	assert_int_equal(bolt_bell_take_bits(b, 1u << 18), 1u << 18);
	bolt_bell_post(b, 1u << 17);    /* never armed: still delivered */
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&pw.got), 1u << 17);
	assert_int_equal(bolt_bell_take_bits(b, ~0u), 0);
	bolt_bell_post(b, 0);           /* nothing to post: no change */
	uint32_t seq = bolt_bell_seq(b);
	bolt_bell_post(b, 0);
	assert_int_equal(bolt_bell_seq(b), seq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kick_suppressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waiter_eventfd, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
