/*
 * Ownership of the region's ring roles (region.h "Ownership"): tokens,
 * claims against live, dead, zombie, stale and same-pid owners, the beat
 * that notices a lost claim, release, a race of processes with one winner,
 * a wall-clock step that must not hand a role over, and no attaching to a
 * region file that another user may write.
 *
 * The wall clock is injected: this executable defines time() and
 * clock_gettime(), so the library's calls land here and CLOCK_REALTIME can
 * be stepped without touching the machine's clock.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "boltdns/region.h"

#define SIZE (64ull << 20)
#define STALE BOLT_REGION_OWNER_STALE_MS

static char path[256];
static struct bolt_region *R;

/* ---- injected wall clock ---- */

static time_t wall_step;   /* seconds added to CLOCK_REALTIME */

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	long ret = syscall(SYS_clock_gettime, clk, ts);
	if (ret == 0 && clk == CLOCK_REALTIME)
		ts->tv_sec += wall_step;
	return (int)ret;
}

time_t time(time_t *t)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	(void)state;
	int err;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-test-owner-%d", (int)getpid());
	unlink(path);
	struct bolt_region_params p = { .path = path, .size = SIZE, .wipe = true };
	R = bolt_region_create(&p, &err);
	assert_non_null(R);
	wall_step = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bolt_region_detach(R);
	R = NULL;
	unlink(path);
	return 0;
}

static uint64_t tok(pid_t pid, uint32_t rnd)
{
	return (uint64_t)(uint32_t)pid << 32 | rnd;
}

/* A pid that existed and is gone (reaped). */
static pid_t dead_pid(void)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

/* ---- tests ---- */

static void test_token(void **state)
{
	(void)state;
	uint64_t a = 0, b = 0;
	assert_int_equal(bolt_region_token_new(&a), 0);
	assert_int_equal(bolt_region_token_new(&b), 0);
	assert_int_equal(bolt_region_token_pid(a), getpid());
	assert_int_equal(bolt_region_token_pid(b), getpid());
	assert_true((uint32_t)a != 0 && (uint32_t)b != 0);
	/* never a bare pid: two tokens of one pid differ (2^-32 to fail) */
	assert_true(a != b);
}

static void test_fresh_region_free(void **state)
{
	(void)state;
	for (unsigned role = 0; role < BOLT_REGION_ROLES; role++)
		assert_int_equal(atomic_load(&R->hdr->owner[role].token), 0);
	assert_int_equal(R->hdr->layout_version, BOLT_REGION_LAYOUT_VERSION);
}

static void test_live_owner_keeps_role(void **state)
{
	(void)state;
	/* the owner: our parent (alive while we run); the claimant: us */
	uint64_t a = tok(getppid(), 7), b = tok(getpid(), 9), owner = 0;
	uint64_t t0 = 1000000;
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, a, t0, NULL), 0);
	assert_true(bolt_region_owns(R, BOLT_REGION_CP, a));
	/* claiming again is idempotent */
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, a, t0 + 5, NULL), 0);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, b, t0 + 5, &owner), -EBUSY);
	assert_int_equal(owner, a);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, b, t0 + 5 + STALE - 1, &owner), -EBUSY);
	/* the other role is independent */
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_DP, b, t0, NULL), 0);
	assert_true(bolt_region_owns(R, BOLT_REGION_DP, b));
	assert_false(bolt_region_owns(R, BOLT_REGION_CP, b));
	/* beats keep it: still busy long after the claim */
	for (uint64_t t = t0; t < t0 + 5 * STALE; t += 1000)
		assert_int_equal(bolt_region_beat(R, BOLT_REGION_CP, a, t, NULL), 0);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, b, t0 + 5 * STALE, &owner), -EBUSY);
}

static void test_stale_owner_taken_over(void **state)
{
	(void)state;
	uint64_t a = tok(getppid(), 7), b = tok(getpid(), 9), owner = 0;
	uint64_t t0 = 1000000;
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, a, t0, NULL), 0);
	/* a live pid that stopped beating (hung, or the pid was reused) */
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, b, t0 + STALE, &owner), 0);
	assert_true(bolt_region_owns(R, BOLT_REGION_CP, b));
	/* the old owner's next beat finds out, writes nothing, names the new one */
	uint64_t hb = atomic_load(&R->hdr->owner[BOLT_REGION_CP].heartbeat);
	assert_int_equal(bolt_region_beat(R, BOLT_REGION_CP, a, t0 + STALE + 1, &owner), -EOWNERDEAD);
	assert_int_equal(owner, b);
	assert_int_equal(atomic_load(&R->hdr->owner[BOLT_REGION_CP].heartbeat), hb);
	/* and cannot release what is no longer its own */
	assert_false(bolt_region_release(R, BOLT_REGION_CP, a));
	assert_true(bolt_region_owns(R, BOLT_REGION_CP, b));
	/* a heartbeat far in the future (another time namespace) is stale too */
	atomic_store(&R->hdr->owner[BOLT_REGION_CP].token, a);
	atomic_store(&R->hdr->owner[BOLT_REGION_CP].heartbeat, t0 + 10 * STALE);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, b, t0, NULL), 0);
}

static void test_dead_owner_taken_over_at_once(void **state)
{
	(void)state;
	uint64_t b = tok(getpid(), 9);
	uint64_t t0 = 1000000;
	/* owner's pid gone: no need to wait for its heartbeat to age */
	uint64_t a = tok(dead_pid(), 7);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, a, t0, NULL), 0);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, b, t0 + 1, NULL), 0);
	assert_true(bolt_region_owns(R, BOLT_REGION_CP, b));

	/* a zombie (exited, not reaped) is dead too */
	pid_t z = fork();
	assert_true(z >= 0);
	if (z == 0)
		_exit(0);
	usleep(100000);
	uint64_t zt = tok(z, 3);
	atomic_store(&R->hdr->owner[BOLT_REGION_DP].token, zt);
	atomic_store(&R->hdr->owner[BOLT_REGION_DP].heartbeat, t0);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_DP, b, t0 + 1, NULL), 0);
	waitpid(z, NULL, 0);
}

static void test_same_pid_restart(void **state)
{
	(void)state;
	/* PID 1 of a container, killed and restarted: same pid, new token.
	 * Its heartbeat is fresh and the pid exists (it is us), yet the claim
	 * is an earlier incarnation's and must not make us wait. */
	uint64_t old = tok(getpid(), 1), now = tok(getpid(), 2);
	uint64_t t0 = 1000000;
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, old, t0, NULL), 0);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, now, t0 + 1, NULL), 0);
	assert_true(bolt_region_owns(R, BOLT_REGION_CP, now));
}

static void test_release_and_bad_input(void **state)
{
	(void)state;
	uint64_t a = tok(getpid(), 5), owner = 99;
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_DP, a, 5, NULL), 0);
	assert_true(bolt_region_release(R, BOLT_REGION_DP, a));
	assert_false(bolt_region_release(R, BOLT_REGION_DP, a));
	assert_int_equal(atomic_load(&R->hdr->owner[BOLT_REGION_DP].token), 0);
	assert_int_equal(bolt_region_beat(R, BOLT_REGION_DP, a, 6, &owner), -EOWNERDEAD);
	assert_int_equal(owner, 0);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_ROLES, a, 5, NULL), -EINVAL);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_DP, 0, 5, NULL), -EINVAL);
	assert_int_equal(bolt_region_claim(NULL, BOLT_REGION_DP, a, 5, NULL), -EINVAL);
	assert_int_equal(bolt_region_beat(R, 7, a, 5, NULL), -EINVAL);
	assert_false(bolt_region_release(R, 7, a));
	assert_false(bolt_region_owns(R, 7, a));
}

/* Many processes claim a free role at the same moment: exactly one wins,
 * and every loser names the winner. */
static void test_race_one_winner(void **state)
{
	(void)state;
	enum { N = 8 };
	int go[2], res[2], done[2];
	pid_t kids[N];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(res), 0);
	assert_int_equal(pipe(done), 0);
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			char c;
			uint64_t t, owner = 0;
			close(go[1]);
			close(done[1]);
			if (bolt_region_token_new(&t) != 0)
				_exit(2);
			(void)!read(go[0], &c, 1);  /* EOF: the start signal */
			int rc = bolt_region_claim(R, BOLT_REGION_CP, t, bolt_region_clock_ms(), &owner);
			uint64_t msg[2] = { rc == 0 ? t : 0, rc == 0 ? 0 : owner };
			(void)!write(res[1], msg, sizeof(msg));
			(void)!read(done[0], &c, 1); /* stay alive until all have claimed */
			_exit(0);
		}
	}
	close(go[0]);
	close(res[1]);
	close(done[0]);
	close(go[1]);
	uint64_t winner = 0, named[N];
	int wins = 0, losers = 0;
	for (int i = 0; i < N; i++) {
		uint64_t msg[2];
		assert_int_equal(read(res[0], msg, sizeof(msg)), (ssize_t)sizeof(msg));
		if (msg[0] != 0) {
			wins++;
			winner = msg[0];
		} else {
			named[losers++] = msg[1];
		}
	}
	close(done[1]);
	for (int i = 0; i < N; i++)
		waitpid(kids[i], NULL, 0);
	close(res[0]);
	assert_int_equal(wins, 1);
	for (int i = 0; i < losers; i++)
		assert_int_equal(named[i], winner);
	assert_true(bolt_region_owns(R, BOLT_REGION_CP, winner));
}

/*
 * A wall-clock step must not hand a role over. The heartbeat is on
 * CLOCK_BOOTTIME: stepping CLOCK_REALTIME an hour forward (as an NTP step
 * or an operator's `date -s` does) leaves the owner alive. The old rule
 * (unix seconds, stale after 30 s) would have given the role away here.
 */
static void test_wall_clock_step(void **state)
{
	(void)state;
	uint64_t a = tok(getppid(), 7), b = tok(getpid(), 9), owner = 0;
	time_t wall0 = time(NULL);
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, a, bolt_region_clock_ms(), NULL), 0);
	assert_int_equal(bolt_region_beat(R, BOLT_REGION_CP, a, bolt_region_clock_ms(), NULL), 0);

	wall_step = 3600;
	assert_true(time(NULL) >= wall0 + 3600);  /* the injection works */
	assert_true((uint64_t)wall0 + 30 < (uint64_t)time(NULL)); /* old rule: stale */
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, b, bolt_region_clock_ms(), &owner),
	                 -EBUSY);
	assert_int_equal(owner, a);
	/* and backwards */
	wall_step = -3600;
	assert_int_equal(bolt_region_claim(R, BOLT_REGION_CP, b, bolt_region_clock_ms(), &owner),
	                 -EBUSY);
	assert_int_equal(bolt_region_beat(R, BOLT_REGION_CP, a, bolt_region_clock_ms(), NULL), 0);
	wall_step = 0;
}

/* Only a file that no other user can write (and that is root's or ours) is
 * attached: anyone who can write the region can fake cache entries and ring
 * messages. */
static void test_attach_refuses_writable_by_others(void **state)
{
	(void)state;
	int err;
	bolt_region_detach(R);
	R = NULL;
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);  /* as created */

	static const mode_t bad[] = { 0666, 0620, 0602, 0660 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(path, bad[i]), 0);
		assert_null(bolt_region_attach(path, &err));
		assert_int_equal(err, -EPERM);
	}
	assert_int_equal(chmod(path, 0644), 0);  /* others may read the counters */
	struct bolt_region *r = bolt_region_attach(path, &err);
	assert_non_null(r);
	bolt_region_detach(r);
	if (geteuid() == 0) {
		/* planted by another user */
		assert_int_equal(chown(path, 4242, 4242), 0);
		assert_null(bolt_region_attach(path, &err));
		assert_int_equal(err, -EPERM);
		assert_int_equal(chown(path, 0, 0), 0);
	}
	/* the dataplane does not reuse a planted file: it makes its own */
	assert_int_equal(chmod(path, 0666), 0);
	struct bolt_region_params p = { .path = path, .size = SIZE };
	R = bolt_region_create(&p, &err);
	assert_non_null(R);
	assert_true(R->created);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test_setup_teardown(test_fresh_region_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_owner_keeps_role, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_owner_taken_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_owner_taken_over_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_pid_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_and_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_race_one_winner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wall_clock_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_refuses_writable_by_others, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
