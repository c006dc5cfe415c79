/*
 * Internals shared by the files of the control-socket library. Not
 * installed; nothing here is part of the API of ctl.h.
 */
#ifndef BOLTDNS_CTL_INTERNAL_H
#define BOLTDNS_CTL_INTERNAL_H

#include <stdarg.h>

#include "boltdns/cache.h"
#include "boltdns/config.h"
#include "boltdns/region.h"
#include "ctl.h"

/* ---- growable text buffer ---- */

/* A byte buffer that grows on demand; after an allocation failure every
 * append is a no-op and oom stays set (checked once at the end). */
struct sbuf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;
};

void ctl_sbuf_init(struct sbuf *b);
void ctl_sbuf_free(struct sbuf *b);
void ctl_sbuf_reset(struct sbuf *b);
void ctl_sbuf_put(struct sbuf *b, const char *s, size_t n);
void ctl_sbuf_puts(struct sbuf *b, const char *s);
void ctl_sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (quotes included). */
void ctl_sbuf_json_str(struct sbuf *b, const char *s);
/* Detach the data (NUL-terminated, caller frees); the buffer is left empty. */
char *ctl_sbuf_take(struct sbuf *b, size_t *len);

/* ---- structured output: "key: value" lines or one JSON object ---- */

#define CTL_OUT_DEPTH 8

/* Writes values either as text lines ("a.b.key: value"; strings inside an
 * array as bare lines) or as JSON members of an object already opened by
 * the caller. */
struct ctl_out {
	struct sbuf *b;
	bool json;
	int depth;
	bool first[CTL_OUT_DEPTH + 1];
	bool array[CTL_OUT_DEPTH + 1];
	size_t plen[CTL_OUT_DEPTH + 1];
	char prefix[256];
};

void ctl_out_init(struct ctl_out *o, struct sbuf *b, bool json);
void ctl_out_obj_begin(struct ctl_out *o, const char *key);
void ctl_out_obj_end(struct ctl_out *o);
void ctl_out_arr_begin(struct ctl_out *o, const char *key);
void ctl_out_arr_end(struct ctl_out *o);
void ctl_out_u64(struct ctl_out *o, const char *key, uint64_t v);
void ctl_out_i64(struct ctl_out *o, const char *key, int64_t v);
void ctl_out_dbl(struct ctl_out *o, const char *key, double v);
void ctl_out_bool(struct ctl_out *o, const char *key, bool v);
void ctl_out_str(struct ctl_out *o, const char *key, const char *s);
/* A member whose value is JSON (json mode) or text lines (text mode) made
 * by the caller. */
void ctl_out_raw(struct ctl_out *o, const char *key, const char *raw, size_t len);

/* What a command hook writes into (struct bolt_ctl_reply of ctl.h). */
struct bolt_ctl_reply {
	struct ctl_out *o;
};

/* ---- request lines ---- */

#define CTL_ARGS_MAX 8

/* One parsed request: argv[0] is the command. Tokens are separated by
 * blanks; a token starting with '"' runs to the closing quote, with \" and
 * \\ escapes. raw[i] is where token i starts in the original line, for
 * commands that take the rest of the line verbatim; those alone accept a
 * line with more than CTL_ARGS_MAX tokens (more is then set). */
struct ctl_req {
	bool json;
	unsigned argc;
	char *argv[CTL_ARGS_MAX];
	const char *raw[CTL_ARGS_MAX];
	const char *more;      /* text left after CTL_ARGS_MAX tokens, or NULL */
	char buf[BOLT_CTL_LINE_MAX + 1];
	char orig[BOLT_CTL_LINE_MAX + 1];
};

/*
 * Parse line[0..len) (without its newline; a trailing '\r' is dropped).
 * Returns 0, or a negative code with *why set to a static reason.
 */
int ctl_req_parse(struct ctl_req *r, const char *line, size_t len, const char **why);

/* ---- local data ---- */

struct ctl_local;

/* cache may be NULL (no region yet): records are kept, inserted later. */
struct ctl_local *ctl_local_new(struct bolt_cache *cache);
/* Switch to another cache (or none); the caller reapplies. */
void ctl_local_set_cache(struct ctl_local *l, struct bolt_cache *cache);
void ctl_local_free(struct ctl_local *l);
/* Add boltdns-edge's counters ([tls] stats-file, when fresh) to s as
 * edge_* counters and gauges (control/ctl/edge.c). Loop thread. */
void ctl_edge_stats(const struct bolt_config *cfg, struct bolt_ctl_sink *s);

/* Add the [local] data of cfg (hosts file and data lines) and insert it. */
int ctl_local_load_config(struct ctl_local *l, const struct bolt_config *cfg,
                          char *err, size_t errlen);
/* Add one "NAME TTL [IN] TYPE RDATA" record and re-insert its RRset. */
int ctl_local_add_text(struct ctl_local *l, const char *text, char *err, size_t errlen);
/* Remove the records of name (wire, any case) of type (0 = every type) and
 * delete their cache entries. Returns the number of records removed. */
int ctl_local_remove(struct ctl_local *l, const uint8_t *name, uint16_t type);
/* Remove every record and its cache entries. */
void ctl_local_clear(struct ctl_local *l);
/* Insert every RRset again (after a flush): all of them (name NULL), those
 * of name, or (zone) those at or below name. Returns the first error or 0. */
int ctl_local_reapply(struct ctl_local *l, const uint8_t *name, bool zone);
size_t ctl_local_count(const struct ctl_local *l);
/* Cache entries answered from local data on a miss (NODATA, chains) that
 * are remembered for deletion. */
size_t ctl_local_derived_count(const struct ctl_local *l);

/* ddr.c: the DDR SVCB records (RFC 9462) of the [tls] endpoints, each handed
 * to add as a [local] data line ("NAME TTL IN TYPE64 \\# LEN HEX"); none when
 * ddr-name or both listeners are unset. 0, or the first negative error of add
 * or of ddr-name (err says which). */
typedef int (*ctl_ddr_add_fn)(void *arg, const char *line, char *why, size_t whylen);
int ctl_ddr_records(const struct bolt_config *cfg, ctl_ddr_add_fn add, void *arg, char *err,
                    size_t errlen);

/* ---- statistics ---- */

enum { CTL_STAT_COUNTER, CTL_STAT_GAUGE, CTL_STAT_HIST, CTL_STAT_TEXT };

#define CTL_SINK_MAX 128
#define CTL_HIST_MAX 32

struct ctl_stat_item {
	char name[64];
	char help[128];
	char text[128];
	int kind;
	uint64_t value;
	unsigned n;
	double le[CTL_HIST_MAX];
	uint64_t cum[CTL_HIST_MAX];
	double sum;
	uint64_t count;
};

struct bolt_ctl_sink {
	unsigned n;
	struct ctl_stat_item item[CTL_SINK_MAX];
};

/* A scalar field of struct bolt_lcore_stats. */
struct ctl_lcore_field {
	const char *name;
	const char *help;
	size_t off;
};

extern const struct ctl_lcore_field ctl_lcore_fields[];
extern const unsigned ctl_lcore_nfields;
extern const char *const ctl_qtype_names[8];

/* Copy every lcore's counters out of the region (relaxed atomic loads: the
 * dataplane writes them without locks). out has BOLT_MAX_LCORES entries. */
void ctl_stats_read(struct bolt_region *r, struct bolt_lcore_stats *out);
/* Number of lcores worth showing: those running plus any with counts. */
unsigned ctl_stats_lcores(struct bolt_region *r, const struct bolt_lcore_stats *cur);
/* cur -= base field by field (a counter below its base counts from 0). */
void ctl_stats_sub(struct bolt_lcore_stats *cur, const struct bolt_lcore_stats *base);

/* ---- ports (the region's port table) ---- */

#define CTL_PORT_NCTR 8   /* the counters of struct bolt_port_counters */
/* Their names (as in rte_eth_stats) and one-line descriptions, in order. */
extern const char *const ctl_port_ctr_names[CTL_PORT_NCTR];
extern const char *const ctl_port_ctr_help[CTL_PORT_NCTR];

/* A copy of one port entry, safe to format (strings terminated). */
struct ctl_port {
	char name[65];
	char args[193];
	char driver[33];
	uint8_t mac[6];
	uint16_t port_id;
	uint16_t rx_queues;        /* at most BOLT_MAX_LCORES */
	uint16_t tx_queues;
	uint16_t queue_lcore[BOLT_MAX_LCORES];
	bool link_up;
	uint32_t link_speed;
	uint64_t ctr[CTL_PORT_NCTR];
};

/* A copy of the port table. */
struct ctl_ports {
	unsigned n;
	uint32_t io;               /* enum bolt_port_io */
	unsigned workers;          /* at most BOLT_MAX_LCORES */
	unsigned total;
	uint64_t updated;
	uint16_t worker_lcore[BOLT_MAX_LCORES];
	int32_t worker_tid[BOLT_MAX_LCORES];
	struct ctl_port port[BOLT_MAX_PORTS];
};

/* Copy the region's port table (acquire on nports, relaxed counters). */
void ctl_ports_read(struct bolt_region *r, struct ctl_ports *out);
/* Show the table as status members: io, workers, ports_updated_age,
 * worker.W.{lcore,tid}, port.I.{name,driver,...,queue.Q.lcore,counters}
 * (now: unix seconds, for the age). */
void ctl_ports_out(struct ctl_out *o, const struct ctl_ports *ps, uint64_t now);
/* The counters of p as members, each minus base[k] (base may be NULL). */
void ctl_ports_counters(struct ctl_out *o, const struct ctl_port *p, const uint64_t *base);

/* ---- cache entries as text ---- */

struct ctl_fmt;
struct ctl_fmt *ctl_fmt_new(void);
void ctl_fmt_free(struct ctl_fmt *f);
/*
 * Show one cache entry: text (a ";;" header line, then one line per RR) or
 * one JSON object (no trailing newline: the caller frames it).
 */
void ctl_fmt_entry(struct ctl_fmt *f, struct sbuf *b, bool json,
                   const struct bolt_cache_key *k, const struct bolt_cache_out *out,
                   uint32_t now);
/* The lookup buffers of f, for bolt_cache_lookup. */
void ctl_fmt_out(struct ctl_fmt *f, struct bolt_cache_out *out);

/* ---- metrics ---- */

struct ctl_metrics;
/* Start /metrics on addr (region may be NULL); returns NULL with *err set. */
struct ctl_metrics *ctl_metrics_start(struct bolt_region *region,
                                      const struct bolt_sockaddr *addr, int *err);
/* Switch the region /metrics reads; returns once no scrape uses the old one. */
void ctl_metrics_set_region(struct ctl_metrics *m, struct bolt_region *region);
/* Replace the hook statistics snapshot served by /metrics. */
void ctl_metrics_set_hooks(struct ctl_metrics *m, const struct bolt_ctl_sink *s);
void ctl_metrics_stop(struct ctl_metrics *m);
/* Render every metric in the Prometheus text format into b (region may be
 * NULL: only what does not come from it). */
void ctl_metrics_render(struct bolt_region *region, const struct bolt_ctl_sink *hooks,
                        struct sbuf *b);

/* ---- the server ---- */

struct conn;
struct dump;

struct bolt_ctl {
	/* Baselines of `stats` (first: it needs cache-line alignment). */
	struct bolt_lcore_stats base[BOLT_MAX_LCORES];
	struct bolt_lcore_stats cur[BOLT_MAX_LCORES];
	struct bolt_cache_stats cache_base;
	uint64_t port_base[BOLT_MAX_PORTS][CTL_PORT_NCTR]; /* port counters at the last reset */
	struct bolt_ctl_sink hook_base;
	struct bolt_ctl_sink sink;     /* scratch for hook calls */
	uint64_t reset_at;             /* unix seconds of the last reset */

	uv_loop_t *loop;
	const struct bolt_config *cfg;
	struct bolt_region *region;
	struct bolt_ctl_hooks hooks;
	uv_pipe_t listener;
	uv_timer_t timer;
	char path[BOLT_CFG_STR];
	struct conn *conns;
	unsigned nconns;
	int handles;                   /* open handles; freed at 0 after stop */
	uint64_t idle_ms;              /* idle connections are closed after this */
	bool stopping;
	uint64_t started;
	struct ctl_local *local;
	struct ctl_fmt *fmt;
	struct ctl_metrics *metrics;
	char metrics_state[160];       /* "off", "http://.../metrics", "failed: ..." */
};

/* Result of a command that answers later by itself (dump_cache). */
#define CTL_CMD_ASYNC 1

/*
 * Run the request r of connection c: writes the result members into o and
 * returns 0, or returns a negative code with a one-line reason in err, or
 * CTL_CMD_ASYNC when the command has taken over the reply.
 */
int ctl_command(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r, struct ctl_out *o,
                char *err, size_t errlen);

/* Start streaming the cache to c (dump_cache). */
int ctl_dump_start(struct bolt_ctl *ctl, struct conn *c, bool json, char *err, size_t errlen);

/* ---- resolver workers (workers.c), read from the region ---- */

/* boltctl status: the "workers" object, one entry per ring set: running,
 * pid, who serves its rings, misses queued, adopted sets, in-flight, CPU
 * time, uptime and the published counters. */
void ctl_workers_out(struct ctl_out *o, struct bolt_region *r, uint64_t now);

/* The sum of one enum bolt_worker_counter over every worker but skip. */
uint64_t ctl_workers_sum(struct bolt_region *r, unsigned counter, unsigned skip);

/* /metrics: boltdns_resolver_workers, boltdns_worker_*{worker="w"}. */
void ctl_workers_metrics(struct sbuf *b, struct bolt_region *r);

#endif
