/*
 * Levelled logging to stderr (journald adds the timestamps under systemd;
 * a wall-clock prefix keeps interactive runs readable).
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int cp_log_verbosity = CP_LOG_NOTICE;

static const char *const level_names[] = { "error", "notice", "info", "debug", "trace" };

void cp_log(int level, const char *fmt, ...)
{
	if (!cp_log_enabled(level))
		return;
	if (level < 0)
		level = 0;
	if (level > CP_LOG_TRACE)
		level = CP_LOG_TRACE;

	char line[1024];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld boltdns-cp[%d] %s: ", tm.tm_hour,
	                 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, (int)getpid(),
	                 level_names[level]);
	if (n < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	/* One write per line so concurrent writers (the dataplane) do not interleave. */
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}
