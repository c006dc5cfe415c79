/*
 * Small reads of /proc and /sys (lib/util/procfs.c), which the region's
 * owner check, the resolver workers' liveness and the dataplane's CPU
 * checks rely on: a file read whole or cut at the buffer, a missing file,
 * and the state of a running, a zombie and a reaped process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/procfs.h"

static void test_read_small_file(void **state)
{
	(void)state;
	char path[] = "/tmp/boltdns-procfs-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0-1,3\n", 6), 6);
	close(fd);
	char buf[16];
	assert_int_equal(bolt_read_small_file(path, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "0-1,3\n");
	/* cut at cap - 1, always NUL-terminated */
	char small[4];
	assert_int_equal(bolt_read_small_file(path, small, sizeof(small)), 3);
	assert_string_equal(small, "0-1");
	unlink(path);
	strcpy(buf, "stale");
	assert_int_equal(bolt_read_small_file(path, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
}

static void test_proc_state(void **state)
{
	(void)state;
	char st = bolt_proc_state(getpid());
	assert_true(st == 'R' || st == 'S');
	assert_int_equal(bolt_proc_state(0), 0);
	assert_int_equal(bolt_proc_state(-5), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	/* not reaped yet: a zombie once it has exited */
	char cs = 0;
	for (int i = 0; i < 2000 && (cs = bolt_proc_state(child)) != 'Z'; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	assert_int_equal(cs, 'Z');
	assert_int_equal(waitpid(child, NULL, 0), child);
	/* reaped: no such process (unless the pid was reused at once) */
	cs = bolt_proc_state(child);
	assert_true(cs == 0 || cs != 'Z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_small_file),
		cmocka_unit_test(test_proc_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
