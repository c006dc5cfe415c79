/*
 * clockstep.so: for tests only (LD_PRELOAD). Shifts the wall clock seen by
 * the process by BOLT_TEST_CLOCK_STEP seconds (time(), gettimeofday(),
 * clock_gettime(CLOCK_REALTIME*)), as an NTP step or `date -s` would,
 * without touching the machine's clock. Monotonic and boot-time clocks are
 * left alone.
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The build hides symbols by default: these must interpose libc's. */
#define EXPORT __attribute__((visibility("default")))

static long step(void)
{
	const char *s = getenv("BOLT_TEST_CLOCK_STEP");
	return s != NULL ? strtol(s, NULL, 10) : 0;
}

EXPORT int clock_gettime(clockid_t clk, struct timespec *ts)
{
	long ret = syscall(SYS_clock_gettime, clk, ts);
	if (ret == 0 && (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE))
		ts->tv_sec += step();
	return (int)ret;
}

EXPORT time_t time(time_t *t)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	(void)tz;
	struct timespec ts;
	int ret = clock_gettime(CLOCK_REALTIME, &ts);
	if (ret == 0) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return ret;
}
