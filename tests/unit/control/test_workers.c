/*
 * Resolver workers (control/workers.c) on a real region with three ring
 * sets: a worker claims its own set, adopts the set of a worker whose
 * process is gone and a free one, never a live worker's; a process started
 * for an adopted set asks for it (want) and the adopter gives it back on its
 * next turn; published counters are summed for the control socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boltdns/region.h"
#include "cp.h"
#include "workers.h"

static char path[128];
static struct bolt_region *R;

static uint64_t tok(pid_t pid, uint32_t rnd)
{
	return (uint64_t)(uint32_t)pid << 32 | rnd;
}

/* A pid that existed and is gone (reaped). */
static pid_t dead_pid(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static void worker(struct cp *c, unsigned w, uint64_t token)
{
	memset(c, 0, sizeof(*c));
	c->region = R;
	c->worker = w;
	c->region_token = token;
}

static void test_adopt_and_give_back(void **state)
{
	(void)state;
	struct cp a, b;
	uint64_t owner = 0;
	worker(&a, 0, tok(getpid(), 11));
	assert_int_equal(workers_claim(&a, R, &owner), 0);
	assert_int_equal(atomic_load(&a.sets), 1u);
	assert_int_equal(atomic_load(&bolt_region_worker_info(R, 0)->pid), getpid());

	/* worker 1 is held by a process that is gone, worker 2 by a live one
	 * (the parent: another pid than ours) that beats */
	uint64_t gone = tok(dead_pid(), 22), live = tok(getppid(), 33);
	uint64_t now = bolt_region_clock_ms();
	atomic_store(&R->hdr->owner[BOLT_REGION_WORKER(1)].token, gone);
	atomic_store(&R->hdr->owner[BOLT_REGION_WORKER(1)].heartbeat, now);
	atomic_store(&R->hdr->owner[BOLT_REGION_WORKER(2)].token, live);
	atomic_store(&R->hdr->owner[BOLT_REGION_WORKER(2)].heartbeat, now);
	assert_int_equal(workers_tick(&a), 1);
	assert_int_equal(atomic_load(&a.sets), 3u);
	assert_true(bolt_region_owns(R, BOLT_REGION_WORKER(1), a.region_token));
	assert_true(bolt_region_owns(R, BOLT_REGION_WORKER(2), live));
	assert_int_equal(atomic_load(&bolt_region_worker_info(R, 0)->adopted), 2u);
	assert_int_equal(a.ctr.adoptions, 1);
	/* nothing more to do on the next turn */
	assert_int_equal(workers_tick(&a), 0);

	/* a new worker 1 (another live pid) asks for its set: busy first */
	worker(&b, 1, tok(getppid(), 44));
	assert_int_equal(workers_claim(&b, R, &owner), -EBUSY);
	assert_int_equal(owner, a.region_token);
	assert_int_equal(atomic_load(&bolt_region_worker_info(R, 1)->want), b.region_token);
	/* the adopter gives it back, then the claim succeeds */
	assert_int_equal(workers_tick(&a), 1);
	assert_int_equal(atomic_load(&a.sets), 1u);
	assert_int_equal(atomic_load(&bolt_region_worker_info(R, 0)->adopted), 0u);
	assert_int_equal(workers_claim(&b, R, &owner), 0);
	assert_int_equal(atomic_load(&bolt_region_worker_info(R, 1)->want), 0);
	assert_true(bolt_region_owns(R, BOLT_REGION_WORKER(1), b.region_token));
	/* worker 1 is live now: not adopted again */
	assert_int_equal(workers_tick(&a), 0);
	assert_int_equal(atomic_load(&a.sets), 1u);

	/* a free set (released) is served by a live worker until its own
	 * process comes */
	assert_true(bolt_region_release(R, BOLT_REGION_WORKER(2), live));
	assert_int_equal(workers_tick(&a), 1);
	assert_int_equal(atomic_load(&a.sets), 5u);
	workers_release(&a);
	assert_int_equal(atomic_load(&R->hdr->owner[BOLT_REGION_WORKER(2)].token), 0);
	assert_true(bolt_region_owns(R, BOLT_REGION_WORKER(0), a.region_token));
}

static void test_claim_beyond_region(void **state)
{
	(void)state;
	struct cp c;
	uint64_t owner = 0;
	worker(&c, 3, tok(getpid(), 55));
	assert_int_equal(workers_claim(&c, R, &owner), -ERANGE);
}

static void test_counters_summed(void **state)
{
	(void)state;
	struct cp a, b;
	worker(&a, 0, tok(getpid(), 11));
	worker(&b, 1, tok(getppid(), 44));
	atomic_store(&R->hdr->owner[BOLT_REGION_WORKER(0)].token, a.region_token);
	atomic_store(&R->hdr->owner[BOLT_REGION_WORKER(1)].token, b.region_token);
	a.ctr.misses = 5;
	b.ctr.misses = 7;
	workers_publish(&a);
	workers_publish(&b);
	assert_int_equal(workers_others(&a, BOLT_WC_MISSES), 7);
	assert_int_equal(workers_others(&b, BOLT_WC_MISSES), 5);
	assert_int_equal(workers_others(&a, BOLT_WORKER_COUNTERS), 0);
}

/* A worker that has exited but is not reaped yet (a zombie: its parent has
 * not waited for it), its heartbeat fresh, is gone: adopted on the turn
 * its pidfd reports the exit (pidwatch.h). Before, kill(0) found the
 * zombie alive and the set waited for the parent's wait() or a stale beat
 * (30 s), while the pidfd, readable at once, woke the loop again and again
 * (a busy loop). */
static void test_zombie_adopted(void **state)
{
	(void)state;
	pid_t z = fork();
	if (z == 0)
		_exit(0);
	assert_true(z > 0);
	bool is_zombie = false;
	for (int i = 0; i < 200 && !is_zombie; i++) {
		char p[64], buf[256];
		snprintf(p, sizeof(p), "/proc/%d/stat", (int)z);
		FILE *f = fopen(p, "re");
		size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f != NULL)
			fclose(f);
		buf[n] = '\0';
		const char *rp = strrchr(buf, ')');
		is_zombie = rp != NULL && rp[1] == ' ' && rp[2] == 'Z';
		if (!is_zombie)
			usleep(5000);
	}
	assert_true(is_zombie);
	struct cp a;
	worker(&a, 0, tok(getpid(), 11));
	atomic_store(&a.sets, 1u);
	atomic_store(&R->hdr->owner[BOLT_REGION_WORKER(2)].token, tok(z, 77));
	atomic_store(&R->hdr->owner[BOLT_REGION_WORKER(2)].heartbeat, bolt_region_clock_ms());
	(void)workers_tick(&a);
	bool adopted = bolt_region_owns(R, BOLT_REGION_WORKER(2), a.region_token);
	waitpid(z, NULL, 0);
	assert_true(adopted);
	assert_true(bolt_region_release(R, BOLT_REGION_WORKER(2), a.region_token));
}

int main(void)
{
	snprintf(path, sizeof(path), "/dev/shm/boltdns-test-cp-workers-%d", (int)getpid());
	struct bolt_region_params p = { .path = path, .size = 32u << 20, .ring_slots = 16,
	                                .workers = 3, .wipe = true };
	int err = 0;
	R = bolt_region_create(&p, &err);
	if (R == NULL) {
		fprintf(stderr, "region: %s\n", bolt_strerror(err));
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adopt_and_give_back),
		cmocka_unit_test(test_claim_beyond_region),
		cmocka_unit_test(test_counters_summed),
		cmocka_unit_test(test_zombie_adopted),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	bolt_region_detach(R);
	unlink(path);
	return rc;
}
