/*
 * The control socket of boltdns-cp: a Unix stream socket speaking the line
 * protocol of control/ctl/PROTOCOL.md (boltctl is its client), plus the
 * Prometheus /metrics endpoint.
 *
 * The server runs on the control plane's libuv loop: every callback, hook
 * included, is called on the loop's thread. The only other threads are the
 * one that walks the cache for dump_cache (it never calls a hook) and the
 * libmicrohttpd thread of /metrics (it reads the region's counters and a
 * snapshot of the hook statistics refreshed by the loop once a second).
 *
 * Implementation: control/ctl/server.c and its neighbours.
 */
#ifndef BOLTDNS_CTL_H
#define BOLTDNS_CTL_H

#include <uv.h>

#include "boltdns/cache.h"
#include "boltdns/common.h"
#include "boltdns/config.h"
#include "boltdns/errcode.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"

/* Longest request line accepted, without its newline. */
#define BOLT_CTL_LINE_MAX 4096

/* Where a hook reports statistics or status fields (opaque). */
struct bolt_ctl_sink;

/* Where a command hook writes its reply (opaque; see bolt_ctl_reply_*). */
struct bolt_ctl_reply;

/*
 * Callbacks into the control plane. Any of them may be NULL: the command
 * then answers "error: not supported" (reload, verbosity) or shows nothing
 * extra (stats, status). All are called on the loop's thread.
 */
struct bolt_ctl_hooks {
	void *arg;
	/* Re-read the configuration. Return 0, or a negative code with a
	 * one-line reason written into err[0..errlen). After success the
	 * server reloads local data from the bolt_config given to
	 * bolt_ctl_start, so update that structure in place. */
	int (*reload)(void *arg, char *err, size_t errlen);
	/* Set the log verbosity (0..4 checked by the server). Return 0 or a
	 * negative code. */
	int (*set_verbosity)(void *arg, int level);
	/* Report the control plane's counters, gauges and histograms with
	 * bolt_ctl_sink_counter/_gauge/_histogram (upstream queries, timeouts,
	 * resolutions in flight, resolution latency...). */
	void (*stats)(void *arg, struct bolt_ctl_sink *sink);
	/* Report extra status fields with bolt_ctl_sink_text/_gauge. */
	void (*status)(void *arg, struct bolt_ctl_sink *sink);
	/* The DNSSEC commands: `dnssec status`, `nta add NAME [SECONDS]`,
	 * `nta remove NAME`, `nta list` (argv[0] is "dnssec" or "nta"; the
	 * server has checked the number of words only). Write the result with
	 * bolt_ctl_reply_* and return 0, or return a negative code with a
	 * one-line reason in err. After a successful `nta add` or `nta remove`
	 * the server deletes the cache entries at and below NAME. */
	int (*dnssec)(void *arg, unsigned argc, char **argv, struct bolt_ctl_reply *r,
	              char *err, size_t errlen);
	/* `zones`: the forward and stub zones with their servers' state,
	 * written with bolt_ctl_reply_*. Return 0, or a negative code with a
	 * one-line reason in err. */
	int (*zones)(void *arg, struct bolt_ctl_reply *r, char *err, size_t errlen);
	/* After a successful flush, so that what the control plane keeps apart
	 * from the cache (the validated NSEC ranges of RFC 8198) goes too:
	 * name NULL for flush_all and flush_negative, else the lower-case wire
	 * name of flush/flush_type (below false) or flush_zone (below true). */
	void (*flushed)(void *arg, const uint8_t *name, bool below);
	/* After a successful command that changes what each resolver worker
	 * keeps in its own memory (local_data add and remove, the flushes, nta
	 * add and remove): its words, for the other workers to repeat
	 * (control/ctlsync.h). local_data add comes as three words, the record
	 * whole as the third. */
	void (*changed)(void *arg, unsigned argc, const char *const *argv);
};

/*
 * Reply members of a command hook, shown as "a.b.key: value" lines or as
 * JSON (the same data either way). Objects nest up to 8 deep; keys are
 * [a-z0-9_]+ (an index is fine). Thread: the loop's, during the hook call.
 */
BOLT_API void bolt_ctl_reply_str(struct bolt_ctl_reply *r, const char *key, const char *value);
BOLT_API void bolt_ctl_reply_u64(struct bolt_ctl_reply *r, const char *key, uint64_t value);
BOLT_API void bolt_ctl_reply_i64(struct bolt_ctl_reply *r, const char *key, int64_t value);
BOLT_API void bolt_ctl_reply_bool(struct bolt_ctl_reply *r, const char *key, bool value);
BOLT_API void bolt_ctl_reply_obj_begin(struct bolt_ctl_reply *r, const char *key);
BOLT_API void bolt_ctl_reply_obj_end(struct bolt_ctl_reply *r);
/* A reply that writes nothing, for repeating a command without a client
 * (a resolver worker applying a change of the control journal). */
BOLT_API struct bolt_ctl_reply *bolt_ctl_reply_none(void);

/*
 * Report a monotonically increasing counter. name: [a-z0-9_]+, shown as is
 * by stats and as boltdns_cp_<name>_total by /metrics. help: one line.
 * `stats` shows counters relative to the last reset.
 */
BOLT_API void bolt_ctl_sink_counter(struct bolt_ctl_sink *s, const char *name,
                                    const char *help, uint64_t value);

/* Report a value that goes up and down (never reset). */
BOLT_API void bolt_ctl_sink_gauge(struct bolt_ctl_sink *s, const char *name,
                                  const char *help, uint64_t value);

/*
 * Report a histogram: n buckets with upper bounds le[i] (seconds, strictly
 * increasing; the +Inf bucket is implied by count) and cumulative counts
 * cum[i] (observations <= le[i]), the sum of all observations in seconds
 * and their number. n <= 32. Shown as name_le_<bound> lines by stats and as
 * a Prometheus histogram boltdns_cp_<name> by /metrics.
 */
BOLT_API void bolt_ctl_sink_histogram(struct bolt_ctl_sink *s, const char *name,
                                      const char *help, const double *le,
                                      const uint64_t *cum, unsigned n, double sum,
                                      uint64_t count);

/* Report a text status field (status command only). */
BOLT_API void bolt_ctl_sink_text(struct bolt_ctl_sink *s, const char *name, const char *value);

struct bolt_ctl;

/*
 * Start the control socket at cfg->control_socket (its directory is created,
 * mode cfg->socket_mode, owner/group cfg->socket_owner/socket_group when
 * set; a stale socket file is replaced) and, when cfg->metrics_enabled,
 * /metrics on cfg->metrics (when that fails, e.g. built without
 * libmicrohttpd, the reason goes to stderr and `status`; the rest runs). Local data
 * of cfg ([local] hosts and data) is (re)inserted into the region's cache
 * and kept so that flushes never lose it.
 * region may be NULL when the control plane has not attached yet (see
 * bolt_ctl_set_region). cfg, region and hooks must stay valid until
 * bolt_ctl_stop or bolt_ctl_set_region (hooks is copied; cfg is read again
 * after a successful reload).
 * SIGPIPE is ignored (when it had its default action) and blocked in the
 * calling thread: libuv writes to a departed peer must fail, not kill.
 * Returns the server, or NULL with *err set (a negative code; the details,
 * such as a bad local data line, are written to stderr). Thread: the loop's
 * thread.
 */
BOLT_API struct bolt_ctl *bolt_ctl_start(uv_loop_t *loop, const struct bolt_config *cfg,
                                         struct bolt_region *region,
                                         const struct bolt_ctl_hooks *hooks, int *err);

/*
 * Tell the server which region to use: NULL before the control plane unmaps
 * its region (running dump_cache walks are stopped and /metrics stops
 * reading it before this returns), the new one after it attached again
 * (local data is inserted into it, the `stats` baseline starts over).
 * Without a region, commands that need the cache answer "error: no shared
 * region"; status, local_data, reload and verbosity work. Thread: the
 * loop's thread.
 */
BOLT_API void bolt_ctl_set_region(struct bolt_ctl *ctl, struct bolt_region *region);

/*
 * Close every connection and the listening socket (its file is removed),
 * stop /metrics, wait for a running dump_cache walk to stop, free
 * everything. The loop must run once more (uv_run) for the handles to
 * finish closing; the memory is released by their close callbacks. NULL is
 * accepted. Thread: the loop's thread.
 */
BOLT_API void bolt_ctl_stop(struct bolt_ctl *ctl);

/*
 * Load the local data of cfg (the [local] hosts file: A/AAAA records and
 * their PTR records under in-addr.arpa / ip6.arpa; the data = lines) into
 * cache as static entries, for DO=0 and DO=1 queries. Writes a one-line
 * reason into err and returns a negative code on the first bad entry
 * (entries before it stay loaded). bolt_ctl_start does the same; this is for
 * a control plane that runs without the control socket. Thread: any.
 */
BOLT_API int bolt_local_load(const struct bolt_config *cfg, struct bolt_cache *cache,
                             char *err, size_t errlen);

/*
 * A table of cfg's local data for a resolver worker that runs no control
 * socket (boltdns-cp -w N, N > 0): loaded like bolt_ctl_start's and, while
 * open, the one bolt_local_active returns. NULL with a reason in err on a
 * bad entry or no memory. Changes made with boltctl local_data on worker
 * 0's socket are repeated on it with bolt_local_follow (control/ctlsync.h).
 * Thread: the loop's thread.
 */
BOLT_API struct ctl_local *bolt_local_open(const struct bolt_config *cfg,
                                           struct bolt_cache *cache, char *err,
                                           size_t errlen);

/* Free a table of bolt_local_open (NULL is fine). */
BOLT_API void bolt_local_close(struct ctl_local *l);

/*
 * Repeat on table l (of bolt_local_open) a local_data change the control
 * socket made: argv as the changed hook gave it ("local_data" "add" RECORD,
 * or "local_data" "remove" NAME [TYPE]). The same records, derived answers
 * and cache entries follow as on the socket's table; removing a name the
 * table does not hold is not an error. Returns 0, or a negative code with
 * a reason in err. Thread: the loop's thread.
 */
BOLT_API int bolt_local_follow(struct ctl_local *l, unsigned argc, char **argv, char *err,
                               size_t errlen);

/* ---- answering from local data (the resolver's miss path) ---- */

/* A table of local data (the control server's; opaque). */
struct ctl_local;

/* What bolt_local_query found. */
enum bolt_local_result {
	BOLT_LOCAL_NONE = 0,   /* the name has no local data: resolve as usual */
	BOLT_LOCAL_ANSWER = 1, /* msg is the whole answer (authoritative, static) */
	BOLT_LOCAL_CHAIN = 2,  /* msg holds a local CNAME chain that leaves local data
	                          at target: resolve (target, qtype) and complete it */
};

/* Local CNAMEs followed at most in one answer. */
#define BOLT_LOCAL_CHAIN_MAX 8

/* An answer from local data (large: allocate it, don't put it on a stack). */
struct bolt_local_answer {
	uint64_t gen;                 /* bolt_local_generation() when made */
	size_t len;                   /* msg[0..len): QR AA RA, NOERROR, ID 0 */
	uint16_t nttl;
	uint16_t ttl_off[BOLT_BUILD_TTL_MAX];
	uint8_t target[BOLT_NAME_MAX];/* BOLT_LOCAL_CHAIN: lower-case wire name */
	uint8_t target_len;
	uint8_t ncname;               /* CNAMEs in the chain */
	uint16_t deps_len;
	uint8_t deps[(BOLT_LOCAL_CHAIN_MAX + 1) * BOLT_NAME_MAX]; /* names consulted */
	uint8_t msg[BOLT_MSG_MAX];
};

/*
 * The local data the resolver consults: that of the running control server
 * (bolt_ctl_start), NULL when there is none. Thread: the loop's thread.
 */
BOLT_API struct ctl_local *bolt_local_active(void);

/* A number that changes whenever any local data changes. */
BOLT_API uint64_t bolt_local_generation(void);

/*
 * Answer (qname, qtype, class IN) from local data as Unbound's transparent
 * local zone does: the name's RRset of qtype; else, when the name has a
 * CNAME, the chain followed through local data (up to BOLT_LOCAL_CHAIN_MAX,
 * a loop ends it: the answer is the chain so far); else NODATA (NOERROR, no
 * record). ANY gets every RRset of the name. Names without local data of
 * their own (below a local name, too) are BOLT_LOCAL_NONE. With cache set,
 * a BOLT_LOCAL_ANSWER is inserted as a static entry for DO=0 and DO=1 and
 * remembered, so that a change of the local data it came from deletes it.
 * Returns an enum bolt_local_result or a negative code. Loop thread.
 */
BOLT_API int bolt_local_query(struct ctl_local *l, struct bolt_cache *cache,
                              const uint8_t *qname, size_t qname_len, uint16_t qtype,
                              struct bolt_local_answer *a);

/*
 * Complete a BOLT_LOCAL_CHAIN answer with ext[0..ext_len), the response to
 * (a->target, qtype): the chain, then ext's answer, authority and additional
 * records, ext's rcode (SERVFAIL: no records), not authoritative. Built in
 * out[0..cap) through b (its TTL offsets are for bolt_answer_insert).
 * Returns the length or a negative code. Any thread.
 */
BOLT_API int bolt_local_complete(const struct bolt_local_answer *a, const uint8_t *ext,
                                 size_t ext_len, uint8_t *out, size_t cap,
                                 struct bolt_build *b);

/*
 * Insert a completed chain msg[0..len) into cache for do_bit with ttl and
 * kind (the resolved part's: the entry expires with it, never static) and
 * remember it like a derived answer. Refused (BOLT_ELIMIT) when the local
 * data changed since a was made. Loop thread.
 */
BOLT_API int bolt_local_insert_chain(struct ctl_local *l, struct bolt_cache *cache,
                                     const struct bolt_local_answer *a, const uint8_t *msg,
                                     size_t len, const uint16_t *ttl_off, uint16_t nttl,
                                     bool do_bit, uint32_t now, uint32_t ttl, uint8_t kind);

#endif
