/*
 * The commands of the control socket (PROTOCOL.md). Each one checks its
 * arguments completely before touching anything, then writes its result
 * through struct ctl_out so that text and JSON replies carry the same data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boltdns/wire.h"
#include "boltdns_config.h"
#include "ctl_internal.h"

/* A dataplane whose heartbeat is older than this is reported as down. */
#define DP_HEARTBEAT_MAX 5

typedef int (*cmd_fn)(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                      struct ctl_out *o, char *err, size_t errlen);

struct cmd {
	const char *name;
	unsigned min_args;
	unsigned max_args;
	cmd_fn fn;
	const char *usage;
	bool region;           /* needs the shared region */
};

static int parse_name(const char *text, uint8_t *name, char *err, size_t errlen)
{
	int len = bolt_name_from_text(text, name);
	if (len < 0) {
		snprintf(err, errlen, "bad name '%.300s': %s", text, bolt_strerror(len));
		return len;
	}
	bolt_name_lower(name, (size_t)len);
	return len;
}

static int parse_type(const char *text, char *err, size_t errlen)
{
	int t = bolt_type_from_text(text);
	if (t <= 0 || t == BOLT_TYPE_OPT) {
		snprintf(err, errlen, "unknown type '%.100s'", text);
		return t < 0 ? t : BOLT_ETYPE;
	}
	return t;
}

/* A change every resolver worker repeats (the changed hook). */
static void changed(struct bolt_ctl *ctl, unsigned argc, const char *const *argv)
{
	if (ctl->hooks.changed)
		ctl->hooks.changed(ctl->hooks.arg, argc, argv);
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

/* ---- status ---- */

static void status_extra(struct bolt_ctl *ctl, struct ctl_out *o);

static int cmd_status(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                      struct ctl_out *o, char *err, size_t errlen)
{
	(void)c, (void)r, (void)err, (void)errlen;
	struct bolt_cache_stats cs;
	uint64_t now = now_s();

	ctl_out_str(o, "version", BOLTDNS_VERSION);
	ctl_out_u64(o, "uptime", now - ctl->started);
	ctl_out_str(o, "metrics", ctl->metrics_state);
	if (!ctl->region) {
		/* The control plane runs, the dataplane has not made the region. */
		ctl_out_obj_begin(o, "dataplane");
		ctl_out_bool(o, "running", false);
		ctl_out_obj_end(o);
		ctl_out_obj_begin(o, "region");
		ctl_out_bool(o, "attached", false);
		ctl_out_obj_end(o);
		ctl_out_obj_begin(o, "cache");
		ctl_out_u64(o, "local_records", ctl_local_count(ctl->local));
		ctl_out_obj_end(o);
		status_extra(ctl, o);
		return 0;
	}
	struct bolt_region_hdr *h = ctl->region->hdr;
	bolt_cache_get_stats(ctl->region->cache, &cs);

	int32_t dp_pid = atomic_load(&h->dp_pid);
	uint64_t hb = atomic_load(&h->dp_heartbeat);
	uint64_t dp_started = atomic_load(&h->dp_started);
	/* Alive: a recent heartbeat. Not kill(pid, 0): the two processes may
	 * run in different PID namespaces (containers), where the pid means
	 * nothing here, and a wrong "down" withdraws an anycast route. */
	bool alive = dp_pid > 0 && hb + DP_HEARTBEAT_MAX >= now;
	ctl_out_obj_begin(o, "dataplane");
	ctl_out_bool(o, "running", alive);
	ctl_out_i64(o, "pid", dp_pid);
	ctl_out_u64(o, "lcores", atomic_load(&h->dp_lcores));
	ctl_out_u64(o, "uptime", dp_started && dp_started <= now ? now - dp_started : 0);
	ctl_out_u64(o, "heartbeat_age", hb && hb <= now ? now - hb : 0);
	struct ctl_ports *ports = malloc(sizeof(*ports));
	if (ports) {
		ctl_ports_read(ctl->region, ports);
		ctl_ports_out(o, ports, now);
		free(ports);
	}
	ctl_out_obj_end(o);

	ctl_out_obj_begin(o, "controlplane");
	ctl_out_i64(o, "pid", atomic_load(&h->cp_pid));
	uint64_t cp_started = atomic_load(&h->cp_started);
	ctl_out_u64(o, "uptime", cp_started && cp_started <= now ? now - cp_started : 0);
	ctl_out_obj_end(o);
	ctl_workers_out(o, ctl->region, now);

	ctl_out_obj_begin(o, "region");
	ctl_out_bool(o, "attached", true);
	ctl_out_u64(o, "layout_version", h->layout_version);
	ctl_out_u64(o, "size", h->region_size);
	ctl_out_u64(o, "created", h->created);
	ctl_out_u64(o, "max_lcores", h->max_lcores);
	ctl_out_u64(o, "ring_slots", h->ring_slots);
	ctl_out_obj_end(o);

	ctl_out_obj_begin(o, "cache");
	ctl_out_u64(o, "shards", cs.shards);
	ctl_out_u64(o, "buckets_per_shard", cs.buckets);
	ctl_out_u64(o, "bytes_total", cs.bytes_total);
	ctl_out_u64(o, "bytes_used", cs.bytes_used);
	ctl_out_u64(o, "entries", cs.entries);
	ctl_out_u64(o, "local_records", ctl_local_count(ctl->local));
	ctl_out_u64(o, "local_derived", ctl_local_derived_count(ctl->local));
	ctl_out_obj_end(o);

	status_extra(ctl, o);
	return 0;
}

static void status_extra(struct bolt_ctl *ctl, struct ctl_out *o)
{
	if (ctl->hooks.status) {
		ctl->sink.n = 0;
		ctl->hooks.status(ctl->hooks.arg, &ctl->sink);
		ctl_out_obj_begin(o, "extra");
		for (unsigned i = 0; i < ctl->sink.n; i++) {
			const struct ctl_stat_item *it = &ctl->sink.item[i];
			if (it->kind == CTL_STAT_TEXT)
				ctl_out_str(o, it->name, it->text);
			else if (it->kind != CTL_STAT_HIST)
				ctl_out_u64(o, it->name, it->value);
		}
		ctl_out_obj_end(o);
	}
}

/* ---- stats ---- */

static void lcore_counters(struct ctl_out *o, const struct bolt_lcore_stats *s)
{
	for (unsigned i = 0; i < ctl_lcore_nfields; i++) {
		uint64_t v;
		memcpy(&v, (const uint8_t *)s + ctl_lcore_fields[i].off, sizeof(v));
		ctl_out_u64(o, ctl_lcore_fields[i].name, v);
	}
	ctl_out_obj_begin(o, "rcode");
	for (unsigned i = 0; i < 16; i++) {
		const char *name = bolt_rcode_to_text((uint16_t)i);
		char buf[16];
		/* Unassigned rcodes have no mnemonic worth a key of its own. */
		if (!name || !name[0] || strcmp(name, "UNKNOWN") == 0 ||
		    strncmp(name, "RCODE", 5) == 0) {
			if (!s->rcode[i])
				continue;
			snprintf(buf, sizeof(buf), "RCODE%u", i);
			name = buf;
		}
		ctl_out_u64(o, name, s->rcode[i]);
	}
	ctl_out_obj_end(o);
	ctl_out_obj_begin(o, "qtype");
	for (unsigned i = 0; i < 8; i++)
		ctl_out_u64(o, ctl_qtype_names[i], s->qtype[i]);
	ctl_out_obj_end(o);
}

static const struct ctl_stat_item *find_item(const struct bolt_ctl_sink *s, const char *name,
                                             int kind)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->item[i].kind == kind && strcmp(s->item[i].name, name) == 0)
			return &s->item[i];
	return NULL;
}

static uint64_t since(uint64_t v, uint64_t base)
{
	return v >= base ? v - base : v;
}

static int do_stats(struct bolt_ctl *ctl, struct ctl_out *o, bool reset)
{
	struct bolt_lcore_stats *cur = ctl->cur;
	struct bolt_lcore_stats total;
	struct bolt_cache_stats cs;
	uint64_t now = now_s();

	ctl_stats_read(ctl->region, cur);
	bolt_cache_get_stats(ctl->region->cache, &cs);
	ctl->sink.n = 0;
	if (ctl->hooks.stats)
		ctl->hooks.stats(ctl->hooks.arg, &ctl->sink);
	ctl_edge_stats(ctl->cfg, &ctl->sink);

	/* Relative values first, then (stats) the new baseline. */
	struct bolt_lcore_stats *rel = malloc(sizeof(struct bolt_lcore_stats) * BOLT_MAX_LCORES + BOLT_CACHE_LINE);
	if (!rel)
		return -ENOMEM;
	struct bolt_lcore_stats *d = (struct bolt_lcore_stats *)(((uintptr_t)rel + BOLT_CACHE_LINE - 1) &
	                                                         ~(uintptr_t)(BOLT_CACHE_LINE - 1));
	memcpy(d, cur, sizeof(*d) * BOLT_MAX_LCORES);
	ctl_stats_sub(d, ctl->base);
	unsigned nl = ctl_stats_lcores(ctl->region, cur);

	memset(&total, 0, sizeof(total));
	for (unsigned l = 0; l < BOLT_MAX_LCORES; l++) {
		uint64_t *t = (uint64_t *)&total;
		const uint64_t *s = (const uint64_t *)&d[l];
		for (size_t i = 0; i < BOLT_LCORE_NCOUNTERS; i++)
			t[i] += s[i];
	}

	ctl_out_u64(o, "elapsed", now >= ctl->reset_at ? now - ctl->reset_at : 0);
	ctl_out_obj_begin(o, "total");
	lcore_counters(o, &total);
	ctl_out_obj_end(o);
	ctl_out_obj_begin(o, "lcore");
	for (unsigned l = 0; l < nl; l++) {
		char key[16];
		snprintf(key, sizeof(key), "%u", l);
		ctl_out_obj_begin(o, key);
		lcore_counters(o, &d[l]);
		/* misses waiting in this lcore's rings of every worker */
		uint64_t used = 0;
		for (unsigned w = 0; w < ctl->region->hdr->cp_workers; w++) {
			struct bolt_ring *ring = bolt_region_worker_miss_ring(ctl->region, l, w);
			if (ring)
				used += bolt_ring_count(ring);
		}
		ctl_out_u64(o, "miss_ring_used", used);
		ctl_out_obj_end(o);
	}
	ctl_out_obj_end(o);

	struct ctl_ports *ports = malloc(sizeof(*ports));
	if (!ports) {
		free(rel);
		return -ENOMEM;
	}
	ctl_ports_read(ctl->region, ports);
	if (ports->io == BOLT_PORT_IO_DPDK) {
		/* The NIC's own view: what it received, sent and dropped. */
		ctl_out_obj_begin(o, "port");
		for (unsigned i = 0; i < ports->n; i++) {
			char key[16];
			snprintf(key, sizeof(key), "%u", i);
			ctl_out_obj_begin(o, key);
			ctl_out_str(o, "name", ports->port[i].name);
			ctl_ports_counters(o, &ports->port[i], ctl->port_base[i]);
			ctl_out_obj_end(o);
		}
		ctl_out_obj_end(o);
	}

	ctl_out_obj_begin(o, "cache");
	ctl_out_u64(o, "entries", cs.entries);
	ctl_out_u64(o, "bytes_used", cs.bytes_used);
	ctl_out_u64(o, "bytes_total", cs.bytes_total);
	ctl_out_u64(o, "inserts", since(cs.inserts, ctl->cache_base.inserts));
	ctl_out_u64(o, "replaces", since(cs.replaces, ctl->cache_base.replaces));
	ctl_out_u64(o, "evictions", since(cs.evictions, ctl->cache_base.evictions));
	ctl_out_u64(o, "expirations", since(cs.expirations, ctl->cache_base.expirations));
	ctl_out_u64(o, "deletes", since(cs.deletes, ctl->cache_base.deletes));
	ctl_out_obj_end(o);

	if (ctl->sink.n) {
		ctl_out_obj_begin(o, "cp");
		for (unsigned i = 0; i < ctl->sink.n; i++) {
			const struct ctl_stat_item *it = &ctl->sink.item[i];
			const struct ctl_stat_item *b = find_item(&ctl->hook_base, it->name, it->kind);
			if (it->kind == CTL_STAT_COUNTER) {
				ctl_out_u64(o, it->name, since(it->value, b ? b->value : 0));
			} else if (it->kind == CTL_STAT_GAUGE) {
				ctl_out_u64(o, it->name, it->value);
			} else if (it->kind == CTL_STAT_HIST) {
				bool same = b && b->n == it->n;
				ctl_out_obj_begin(o, it->name);
				for (unsigned k = 0; k < it->n; k++) {
					char key[48];
					snprintf(key, sizeof(key), "le_%g", it->le[k]);
					ctl_out_u64(o, key, since(it->cum[k], same ? b->cum[k] : 0));
				}
				ctl_out_u64(o, "count", since(it->count, same ? b->count : 0));
				ctl_out_dbl(o, "sum", same && it->sum >= b->sum ? it->sum - b->sum : it->sum);
				ctl_out_obj_end(o);
			}
		}
		ctl_out_obj_end(o);
	}
	free(rel);

	if (reset) {
		memcpy(ctl->base, cur, sizeof(ctl->base));
		ctl->cache_base = cs;
		memset(ctl->port_base, 0, sizeof(ctl->port_base));
		for (unsigned i = 0; i < ports->n; i++)
			memcpy(ctl->port_base[i], ports->port[i].ctr, sizeof(ctl->port_base[i]));
		ctl->hook_base = ctl->sink;
		ctl->reset_at = now;
	}
	free(ports);
	return 0;
}

static int cmd_stats(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                     struct ctl_out *o, char *err, size_t errlen)
{
	(void)c, (void)err, (void)errlen;
	return do_stats(ctl, o, strcmp(r->argv[0], "stats") == 0);
}

/* ---- lookup ---- */

static int cmd_lookup(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                      struct ctl_out *o, char *err, size_t errlen)
{
	(void)c;
	struct bolt_cache_key k;
	uint8_t name[BOLT_NAME_MAX];
	int len = parse_name(r->argv[1], name, err, errlen);
	if (len < 0)
		return len;
	int type = BOLT_TYPE_A;
	if (r->argc > 2 && (type = parse_type(r->argv[2], err, errlen)) < 0)
		return type;

	uint32_t now = bolt_now();
	unsigned found = 0;
	struct sbuf one;
	ctl_sbuf_init(&one);
	ctl_out_arr_begin(o, "entries");
	/* DO clear and set, then the CD=1 copies of bogus answers. */
	for (int do_bit = 0; do_bit <= (BOLT_CACHE_KEY_DO | BOLT_CACHE_KEY_CD); do_bit++) {
		struct bolt_cache_out out;
		memset(&k, 0, sizeof(k));
		memcpy(k.name, name, (size_t)len);
		k.name_len = (uint8_t)len;
		k.qtype = (uint16_t)type;
		k.qclass = BOLT_CLASS_IN;
		k.do_bit = (uint8_t)do_bit;
		bolt_cache_key_hash(ctl->region->cache, &k);
		ctl_fmt_out(ctl->fmt, &out);
		int ret = bolt_cache_lookup(ctl->region->cache, &k, now, &out);
		if (ret != 0 && ret != BOLT_EEXPIRED)
			continue;
		found++;
		ctl_sbuf_reset(&one);
		ctl_fmt_entry(ctl->fmt, &one, o->json, &k, &out, now);
		ctl_out_raw(o, NULL, one.data ? one.data : "", one.len);
	}
	ctl_out_arr_end(o);
	ctl_sbuf_free(&one);
	if (!found) {
		char tname[32];
		bolt_type_to_text((uint16_t)type, tname, sizeof(tname));
		snprintf(err, errlen, "%.300s %s not in cache", r->argv[1], tname);
		return BOLT_ENOENT;
	}
	return 0;
}

/* ---- flushes ---- */

static int cmd_flush(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                     struct ctl_out *o, char *err, size_t errlen)
{
	(void)c;
	uint8_t name[BOLT_NAME_MAX];
	const char *cmd = r->argv[0];
	int n;

	if (strcmp(cmd, "flush_all") == 0) {
		struct bolt_cache_stats cs;
		bolt_cache_get_stats(ctl->region->cache, &cs);
		bolt_cache_flush(ctl->region->cache);
		n = (int)cs.entries;
		ctl_local_reapply(ctl->local, NULL, false);
	} else if (strcmp(cmd, "flush_negative") == 0) {
		n = bolt_cache_delete_kind(ctl->region->cache, BOLT_CACHE_NXDOMAIN);
		n += bolt_cache_delete_kind(ctl->region->cache, BOLT_CACHE_NODATA);
		n += bolt_cache_delete_kind(ctl->region->cache, BOLT_CACHE_SERVFAIL);
	} else {
		int len = parse_name(r->argv[1], name, err, errlen);
		if (len < 0)
			return len;
		if (strcmp(cmd, "flush_zone") == 0) {
			n = bolt_cache_delete_zone(ctl->region->cache, name, (size_t)len);
			ctl_local_reapply(ctl->local, name, true);
		} else {
			int type = 0;
			if (strcmp(cmd, "flush_type") == 0 &&
			    (type = parse_type(r->argv[2], err, errlen)) < 0)
				return type;
			n = bolt_cache_delete(ctl->region->cache, name, (size_t)len, (uint16_t)type);
			ctl_local_reapply(ctl->local, name, false);
		}
	}
	if (n < 0) {
		snprintf(err, errlen, "flush failed: %s", bolt_strerror(n));
		return n;
	}
	if (ctl->hooks.flushed) {
		bool all = strcmp(cmd, "flush_all") == 0 || strcmp(cmd, "flush_negative") == 0;
		ctl->hooks.flushed(ctl->hooks.arg, all ? NULL : name, strcmp(cmd, "flush_zone") == 0);
	}
	changed(ctl, r->argc, (const char *const *)r->argv);
	/* Local data survives flushes: it is configuration, not cache. */
	ctl_out_u64(o, "deleted", (uint64_t)n);
	return 0;
}

/* ---- dump_cache ---- */

static int cmd_dump(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                    struct ctl_out *o, char *err, size_t errlen)
{
	(void)o;
	return ctl_dump_start(ctl, c, r->json, err, errlen);
}

/* ---- local data ---- */

static int cmd_local(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                     struct ctl_out *o, char *err, size_t errlen)
{
	(void)c;
	if (strcmp(r->argv[1], "add") == 0 && r->argc >= 3) {
		/* One quoted argument, or the rest of the line as it was sent. */
		const char *text = r->argc == 3 && !r->more ? r->argv[2] : r->raw[2];
		int ret = ctl_local_add_text(ctl->local, text, err, errlen);
		if (ret < 0)
			return ret;
		const char *words[3] = { "local_data", "add", text };
		changed(ctl, 3, words);
		ctl_out_u64(o, "records", ctl_local_count(ctl->local));
		return 0;
	}
	if (strcmp(r->argv[1], "remove") == 0 && r->argc >= 3) {
		uint8_t name[BOLT_NAME_MAX];
		int type = 0;
		if (r->argc > 4) {
			snprintf(err, errlen, "usage: local_data remove NAME [TYPE]");
			return BOLT_ESYNTAX;
		}
		int len = parse_name(r->argv[2], name, err, errlen);
		if (len < 0)
			return len;
		if (r->argc == 4 && (type = parse_type(r->argv[3], err, errlen)) < 0)
			return type;
		int n = ctl_local_remove(ctl->local, name, (uint16_t)type);
		if (n <= 0) {
			snprintf(err, errlen, "no local data for %.300s", r->argv[2]);
			return BOLT_ENOENT;
		}
		changed(ctl, r->argc, (const char *const *)r->argv);
		ctl_out_u64(o, "removed", (uint64_t)n);
		return 0;
	}
	if (strcmp(r->argv[1], "list") == 0 && r->argc == 2) {
		ctl_out_u64(o, "records", ctl_local_count(ctl->local));
		return 0;
	}
	snprintf(err, errlen, "usage: local_data add \"NAME TTL TYPE RDATA\" | local_data remove NAME [TYPE]");
	return BOLT_ESYNTAX;
}

/* ---- hooks ---- */

static int cmd_reload(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                      struct ctl_out *o, char *err, size_t errlen)
{
	(void)c, (void)r;
	if (!ctl->hooks.reload) {
		snprintf(err, errlen, "reload not supported");
		return -ENOTSUP;
	}
	int ret = ctl->hooks.reload(ctl->hooks.arg, err, errlen);
	if (ret < 0) {
		if (!err[0])
			snprintf(err, errlen, "reload failed: %s", bolt_strerror(ret));
		return ret;
	}
	/* The hook has updated the configuration: local data follows it. */
	ctl_local_clear(ctl->local);
	ret = ctl_local_load_config(ctl->local, ctl->cfg, err, errlen);
	if (ret < 0)
		return ret;
	ctl_out_u64(o, "local_records", ctl_local_count(ctl->local));
	/* the other resolver workers follow within a second (reload_gen) */
	if (ctl->region != NULL)
		ctl_out_u64(o, "workers", ctl->region->hdr->cp_workers);
	return 0;
}

static int cmd_verbosity(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                         struct ctl_out *o, char *err, size_t errlen)
{
	(void)c;
	const char *t = r->argv[1];
	if (!(t[0] >= '0' && t[0] <= '4') || t[1] != '\0') {
		snprintf(err, errlen, "verbosity must be 0..4");
		return BOLT_ESYNTAX;
	}
	if (!ctl->hooks.set_verbosity) {
		snprintf(err, errlen, "verbosity not supported");
		return -ENOTSUP;
	}
	int ret = ctl->hooks.set_verbosity(ctl->hooks.arg, t[0] - '0');
	if (ret < 0) {
		snprintf(err, errlen, "cannot set verbosity: %s", bolt_strerror(ret));
		return ret;
	}
	ctl_out_u64(o, "verbosity", (uint64_t)(t[0] - '0'));
	return 0;
}

/* ---- DNSSEC (trust anchors, NTAs: the control plane's hook) ---- */

static int cmd_dnssec(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                      struct ctl_out *o, char *err, size_t errlen)
{
	(void)c;
	if (!ctl->hooks.dnssec) {
		snprintf(err, errlen, "DNSSEC is not available in this control plane");
		return -ENOTSUP;
	}
	bool nta = strcmp(r->argv[0], "nta") == 0;
	const char *sub = r->argv[1];
	bool ok_words = nta ? (strcmp(sub, "add") == 0 && (r->argc == 3 || r->argc == 4)) ||
	                      (strcmp(sub, "remove") == 0 && r->argc == 3) ||
	                      (strcmp(sub, "list") == 0 && r->argc == 2)
	                    : strcmp(sub, "status") == 0 && r->argc == 2;
	if (!ok_words) {
		snprintf(err, errlen, "usage: %s", nta ? "nta add NAME [SECONDS] | nta remove NAME | nta list"
		                                       : "dnssec status");
		return BOLT_ESYNTAX;
	}
	/* Checked here too, so that the flush below never sees a bad name. */
	uint8_t name[BOLT_NAME_MAX];
	int len = 0;
	if (nta && r->argc >= 3 && (len = parse_name(r->argv[2], name, err, errlen)) < 0)
		return len;
	struct bolt_ctl_reply rep = { .o = o };
	int ret = ctl->hooks.dnssec(ctl->hooks.arg, r->argc, r->argv, &rep, err, errlen);
	if (ret < 0) {
		if (!err[0])
			snprintf(err, errlen, "%s failed: %s", r->argv[0], bolt_strerror(ret));
		return ret;
	}
	/* Answers cached under the name were validated (or found bogus) with
	 * the other setting: they go, local data stays (RFC 7646 section 2). */
	if (nta && len > 0)
		changed(ctl, r->argc, (const char *const *)r->argv);
	if (nta && len > 0 && ctl->region) {
		int n = bolt_cache_delete_zone(ctl->region->cache, name, (size_t)len);
		/* and what else answers as secure under it: the NSEC ranges
		 * (RFC 8198) and those published to the dataplane */
		if (ctl->hooks.flushed && strcmp(sub, "add") == 0)
			ctl->hooks.flushed(ctl->hooks.arg, name, true);
		ctl_local_reapply(ctl->local, name, true);
		ctl_out_u64(o, "flushed", n > 0 ? (uint64_t)n : 0);
	}
	return 0;
}

/* ---- forward and stub zones (the control plane's hook) ---- */

static int cmd_zones(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                     struct ctl_out *o, char *err, size_t errlen)
{
	(void)c, (void)r;
	if (!ctl->hooks.zones) {
		snprintf(err, errlen, "zones are not available in this control plane");
		return -ENOTSUP;
	}
	struct bolt_ctl_reply rep = { .o = o };
	int ret = ctl->hooks.zones(ctl->hooks.arg, &rep, err, errlen);
	if (ret < 0 && !err[0])
		snprintf(err, errlen, "zones failed: %s", bolt_strerror(ret));
	return ret;
}

static int cmd_help(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                    struct ctl_out *o, char *err, size_t errlen);

static const struct cmd commands[] = {
	{ "status", 0, 0, cmd_status, "status", false },
	{ "stats", 0, 0, cmd_stats, "stats", true },
	{ "stats_noreset", 0, 0, cmd_stats, "stats_noreset", true },
	{ "lookup", 1, 2, cmd_lookup, "lookup NAME [TYPE]", true },
	{ "flush", 1, 1, cmd_flush, "flush NAME", true },
	{ "flush_type", 2, 2, cmd_flush, "flush_type NAME TYPE", true },
	{ "flush_zone", 1, 1, cmd_flush, "flush_zone NAME", true },
	{ "flush_all", 0, 0, cmd_flush, "flush_all", true },
	{ "flush_negative", 0, 0, cmd_flush, "flush_negative", true },
	{ "dump_cache", 0, 0, cmd_dump, "dump_cache", true },
	{ "local_data", 1, 7, cmd_local,
	  "local_data add \"NAME TTL TYPE RDATA\" | local_data remove NAME [TYPE]", false },
	{ "reload", 0, 0, cmd_reload, "reload", false },
	{ "verbosity", 1, 1, cmd_verbosity, "verbosity N", false },
	{ "dnssec", 1, 1, cmd_dnssec, "dnssec status", false },
	{ "nta", 1, 3, cmd_dnssec, "nta add NAME [SECONDS] | nta remove NAME | nta list", false },
	{ "zones", 0, 0, cmd_zones, "zones", false },
	{ "help", 0, 0, cmd_help, "help", false },
};

static int cmd_help(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r,
                    struct ctl_out *o, char *err, size_t errlen)
{
	(void)ctl, (void)c, (void)r, (void)err, (void)errlen;
	ctl_out_arr_begin(o, "commands");
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(commands); i++)
		ctl_out_str(o, NULL, commands[i].usage);
	ctl_out_arr_end(o);
	return 0;
}

int ctl_command(struct bolt_ctl *ctl, struct conn *c, struct ctl_req *r, struct ctl_out *o,
                char *err, size_t errlen)
{
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(commands); i++) {
		const struct cmd *cmd = &commands[i];
		if (strcmp(r->argv[0], cmd->name) != 0)
			continue;
		unsigned nargs = r->argc - 1;
		bool rest = cmd->fn == cmd_local && r->argc >= 3 && strcmp(r->argv[1], "add") == 0;
		if (r->more && !rest) {
			snprintf(err, errlen, "too many arguments");
			return BOLT_ESYNTAX;
		}
		if (nargs < cmd->min_args || nargs > cmd->max_args) {
			snprintf(err, errlen, "usage: %s", cmd->usage);
			return BOLT_ESYNTAX;
		}
		if (cmd->region && !ctl->region) {
			snprintf(err, errlen, "no shared region: the dataplane has not created it yet");
			return BOLT_ENOENT;
		}
		return cmd->fn(ctl, c, r, o, err, errlen);
	}
	snprintf(err, errlen, "unknown command '%.100s' (try help)", r->argv[0]);
	return BOLT_ESYNTAX;
}
