/*
 * Levelled logging of boltdns-cp to stderr.
 *
 * Levels follow [control] verbosity: 0 errors, 1 notices (start-up, attach),
 * 2 info (one line per resolution), 3 debug (upstream traffic), 4 trace.
 * Single-threaded use (the libuv loop thread); tests may call it too.
 */
#ifndef BOLTDNS_CONTROL_LOG_H
#define BOLTDNS_CONTROL_LOG_H

enum cp_log_level {
	CP_LOG_ERR = 0,
	CP_LOG_NOTICE = 1,
	CP_LOG_INFO = 2,
	CP_LOG_DEBUG = 3,
	CP_LOG_TRACE = 4,
};

/* Messages with a level above this are not printed. */
extern int cp_log_verbosity;

/* True when a message of this level would be printed (to skip formatting work). */
#define cp_log_enabled(lvl) ((lvl) <= cp_log_verbosity)

/* Print one line "boltdns-cp[pid] LEVEL: message" to stderr. */
void cp_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
