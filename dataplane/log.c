/*
 * stderr logging for boltdns-dp (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static int max_level = DP_LOG_NOTICE;

static const char *const names[] = { "error", "warning", "notice", "info", "debug" };

void dp_log_set_level(int level)
{
	max_level = level;
}

void dp_log(int level, const char *fmt, ...)
{
	if (level > max_level)
		return;
	char msg[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (level < 0)
		level = 0;
	if (level > DP_LOG_DEBUG)
		level = DP_LOG_DEBUG;
	/* One call per line so lines of different threads never interleave. */
	fprintf(stderr, "%s.%03ldZ boltdns-dp %s: %s\n", stamp, ts.tv_nsec / 1000000L,
	        names[level], msg);
}
