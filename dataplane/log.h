/*
 * Logging to stderr with levels, for boltdns-dp.
 * Levels follow [control] verbosity: 0 errors only .. 4 debug.
 * Thread-safe (one fprintf per line); never called on the hot path.
 */
#ifndef BOLTDNS_DP_LOG_H
#define BOLTDNS_DP_LOG_H

enum dp_log_level {
	DP_LOG_ERR = 0,
	DP_LOG_WARN = 1,
	DP_LOG_NOTICE = 2,
	DP_LOG_INFO = 3,
	DP_LOG_DEBUG = 4,
};

/* Messages above level are discarded. */
void dp_log_set_level(int level);

/* One line "time boltdns-dp LEVEL: message" on stderr. */
void dp_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define dp_err(...) dp_log(DP_LOG_ERR, __VA_ARGS__)
#define dp_warn(...) dp_log(DP_LOG_WARN, __VA_ARGS__)
#define dp_notice(...) dp_log(DP_LOG_NOTICE, __VA_ARGS__)
#define dp_info(...) dp_log(DP_LOG_INFO, __VA_ARGS__)
#define dp_debug(...) dp_log(DP_LOG_DEBUG, __VA_ARGS__)

#endif
