/*
 * The fault guard (dataplane/faultguard.c): a SIGSEGV taken with the guard
 * armed comes back to the caller's sigsetjmp, with the address; the case it
 * exists for, another thread unmapping a ring that a thread polls (what
 * DPDK 22.11's net_memif does when its peer disconnects), is recovered; a
 * fault with the guard disarmed, or in another thread than the one armed,
 * still kills the process with SIGSEGV.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "faultguard.h"

static size_t pg;

static void *map_page(void)
{
	void *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	memset(p, 7, pg);
	return p;
}

/* Reads *p under the guard: 1 with *out the value, or 0 when it faulted. */
static __attribute__((noinline)) int guarded_read(const volatile uint8_t *p, uint8_t *out)
{
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0) == 0) {
		dp_faultguard_arm(&jb);
		*out = *p;
		dp_faultguard_disarm();
		return 1;
	}
	return 0;
}

static void test_no_fault(void **state)
{
	(void)state;
	/* cmocka puts its own handler in place for every test */
	assert_int_equal(dp_faultguard_install(), 0);
	uint8_t *p = map_page();
	uint8_t v = 0;
	assert_int_equal(guarded_read(p, &v), 1);
	assert_int_equal(v, 7);
	assert_null(dp_faultguard_jb);
	munmap(p, pg);
}

static void test_unmapped_recovered(void **state)
{
	(void)state;
	/* cmocka puts its own handler in place for every test */
	assert_int_equal(dp_faultguard_install(), 0);
	uint8_t *p = map_page();
	assert_int_equal(munmap(p, pg), 0);
	uint8_t v = 0;
	for (int i = 0; i < 3; i++) { /* again and again: the handler stays */
		assert_int_equal(guarded_read(p + 6, &v), 0);
		assert_ptr_equal(dp_faultguard_addr(), p + 6);
		assert_null(dp_faultguard_jb);
	}
	/* and the guard works as before after a recovery */
	uint8_t *q = map_page();
	assert_int_equal(guarded_read(q, &v), 1);
	munmap(q, pg);
}

/* The memif case: one thread polls a "ring" (the head of a page another
 * thread maps), the other unmaps it under the poller. */
struct poller {
	volatile uint16_t *head;
	volatile int started;
	int faulted;
	unsigned long polls;
};

static __attribute__((noinline)) int poll_guarded(struct poller *pl)
{
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0) == 0) {
		dp_faultguard_arm(&jb);
		uint16_t h = *pl->head;
		dp_faultguard_disarm();
		return h == 0xffff; /* never: the head stays 0x0707 */
	}
	return -1;
}

static void *poller_main(void *arg)
{
	struct poller *pl = arg;
	pl->started = 1;
	for (;;) {
		int r = poll_guarded(pl);
		pl->polls++;
		if (r < 0) {
			pl->faulted = 1;
			return NULL;
		}
	}
}

static void test_unmapped_by_other_thread(void **state)
{
	(void)state;
	/* cmocka puts its own handler in place for every test */
	assert_int_equal(dp_faultguard_install(), 0);
	struct poller pl = { .head = map_page() };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, poller_main, &pl), 0);
	while (!pl.started)
		sched_yield();
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	assert_int_equal(munmap((void *)pl.head, pg), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(pl.faulted, 1);
	assert_true(pl.polls > 0);
}

/* In a child: fault_kind 0 faults with the guard disarmed, 1 faults in the
 * main thread while another thread has its guard armed, 2 is sent SIGSEGV
 * (raise: what kill does) with its guard armed. */
static volatile int other_armed;
static void *arm_and_wait(void *arg)
{
	(void)arg;
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0) == 0) {
		dp_faultguard_arm(&jb);
		other_armed = 1;
		for (;;)
			pause();
	}
	_exit(3); /* the other thread's fault must not land here */
}

static int child_status(int fault_kind)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 }; /* no core file from this child */
		setrlimit(RLIMIT_CORE, &no_core);
		/* under the default action, not cmocka's handler */
		signal(SIGSEGV, SIG_DFL);
		if (dp_faultguard_install() != 0)
			_exit(4);
		if (fault_kind == 1) { /* first: its stack must not take the page back */
			pthread_t t;
			pthread_create(&t, NULL, arm_and_wait, NULL);
			while (!other_armed)
				sched_yield();
		}
		if (fault_kind == 2) { /* sent, not a fault, with a guard armed */
			sigjmp_buf jb;
			if (sigsetjmp(jb, 0) == 0) {
				dp_faultguard_arm(&jb);
				raise(SIGSEGV);
				dp_faultguard_disarm();
			}
			_exit(0);
		}
		uint8_t *p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(p, pg);
		volatile uint8_t v = *(volatile uint8_t *)p;
		(void)v;
		_exit(0);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_unguarded_fault_kills(void **state)
{
	(void)state;
	/* killed by SIGSEGV, or (under ASan, whose handler was there before
	 * ours) its report and exit status 1; never 0 (the fault or the
	 * signal swallowed) nor 3 (another thread's guard took it) */
	for (int kind = 0; kind < 3; kind++) {
		int st = child_status(kind);
		if (WIFSIGNALED(st))
			assert_int_equal(WTERMSIG(st), SIGSEGV);
		else
			assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	}
}

static int setup(void **state)
{
	(void)state;
	pg = (size_t)sysconf(_SC_PAGESIZE);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_fault),
		cmocka_unit_test(test_unmapped_recovered),
		cmocka_unit_test(test_unmapped_by_other_thread),
		cmocka_unit_test(test_unguarded_fault_kills),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
