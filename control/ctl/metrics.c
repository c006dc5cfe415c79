/*
 * Prometheus /metrics over HTTP (libmicrohttpd, its own thread).
 *
 * The page is built on every scrape from the region's per-lcore counters
 * (read-only here: only the dataplane writes them), the cache counters and
 * the last snapshot of the control plane's hook statistics (refreshed by the
 * loop thread, handed over under a mutex: hooks never run on this thread).
 * Values are cumulative, as Prometheus expects; `stats` resets do not touch
 * them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "boltdns/wire.h"
#include "boltdns_config.h"
#include "ctl_internal.h"

static void family(struct sbuf *b, const char *name, const char *type, const char *help)
{
	ctl_sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t field(const struct bolt_lcore_stats *s, size_t off)
{
	uint64_t v;
	memcpy(&v, (const uint8_t *)s + off, sizeof(v));
	return v;
}

/* Escape a label value as the exposition format says (port names come from
 * the shared region and may hold anything). */
static void label_value(struct sbuf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			ctl_sbuf_put(b, "\\", 1);
		if (*v == '\n')
			ctl_sbuf_puts(b, "\\n");
		else
			ctl_sbuf_put(b, v, 1);
	}
}

static void render_region(struct bolt_region *region, struct sbuf *b);
static void render_hooks(const struct bolt_ctl_sink *hooks, struct sbuf *b);
static void render_ports(struct bolt_region *region, struct sbuf *b);

void ctl_metrics_render(struct bolt_region *region, const struct bolt_ctl_sink *hooks,
                        struct sbuf *b)
{
	family(b, "boltdns_build_info", "gauge", "Version of the running control plane");
	ctl_sbuf_printf(b, "boltdns_build_info{version=\"%s\"} 1\n", BOLTDNS_VERSION);
	family(b, "boltdns_region_attached", "gauge",
	       "1 when the control plane is attached to the shared region");
	ctl_sbuf_printf(b, "boltdns_region_attached %d\n", region != NULL);
	if (region)
		render_region(region, b);
	render_hooks(hooks, b);
}

static void render_region(struct bolt_region *region, struct sbuf *b)
{
	char name[128];
	struct bolt_lcore_stats *st = aligned_alloc(BOLT_CACHE_LINE,
	                                            sizeof(*st) * BOLT_MAX_LCORES);
	if (!st) {
		b->oom = true;
		return;
	}
	ctl_stats_read(region, st);
	unsigned nl = ctl_stats_lcores(region, st);

	family(b, "boltdns_dataplane_lcores", "gauge", "Dataplane lcores running");
	ctl_sbuf_printf(b, "boltdns_dataplane_lcores %u\n",
	                atomic_load_explicit(&region->hdr->dp_lcores, memory_order_relaxed));
	family(b, "boltdns_dataplane_heartbeat_seconds", "gauge",
	       "Unix time of the dataplane's last heartbeat");
	ctl_sbuf_printf(b, "boltdns_dataplane_heartbeat_seconds %llu\n",
	                (unsigned long long)atomic_load_explicit(&region->hdr->dp_heartbeat,
	                                                         memory_order_relaxed));

	for (unsigned f = 0; f < ctl_lcore_nfields; f++) {
		snprintf(name, sizeof(name), "boltdns_%s_total", ctl_lcore_fields[f].name);
		family(b, name, "counter", ctl_lcore_fields[f].help);
		for (unsigned l = 0; l < nl; l++)
			ctl_sbuf_printf(b, "%s{lcore=\"%u\"} %llu\n", name, l,
			                (unsigned long long)field(&st[l], ctl_lcore_fields[f].off));
	}
	family(b, "boltdns_responses_total", "counter", "Responses sent by the dataplane, by rcode");
	for (unsigned l = 0; l < nl; l++) {
		for (unsigned r = 0; r < 16; r++) {
			const char *rc = bolt_rcode_to_text((uint16_t)r);
			char buf[16];
			if (!rc || !rc[0] || strcmp(rc, "UNKNOWN") == 0 ||
			    strncmp(rc, "RCODE", 5) == 0) {
				if (!st[l].rcode[r])
					continue;
				snprintf(buf, sizeof(buf), "RCODE%u", r);
				rc = buf;
			}
			ctl_sbuf_printf(b, "boltdns_responses_total{lcore=\"%u\",rcode=\"", l);
			label_value(b, rc);
			ctl_sbuf_printf(b, "\"} %llu\n", (unsigned long long)st[l].rcode[r]);
		}
	}
	family(b, "boltdns_queries_by_type_total", "counter", "Queries parsed, by QTYPE");
	for (unsigned l = 0; l < nl; l++)
		for (unsigned q = 0; q < 8; q++)
			ctl_sbuf_printf(b, "boltdns_queries_by_type_total{lcore=\"%u\",qtype=\"%s\"} %llu\n",
			                l, ctl_qtype_names[q], (unsigned long long)st[l].qtype[q]);
	family(b, "boltdns_miss_ring_used", "gauge", "Misses waiting in each lcore's ring");
	for (unsigned l = 0; l < nl; l++) {
		/* every worker's ring of the lcore */
		unsigned used = 0;
		for (unsigned w = 0; w < region->hdr->cp_workers; w++) {
			struct bolt_ring *ring = bolt_region_worker_miss_ring(region, l, w);
			if (ring)
				used += bolt_ring_count(ring);
		}
		ctl_sbuf_printf(b, "boltdns_miss_ring_used{lcore=\"%u\"} %u\n", l, used);
	}
	free(st);
	ctl_workers_metrics(b, region);
	render_ports(region, b);

	struct bolt_cache_stats cs;
	bolt_cache_get_stats(region->cache, &cs);
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} cache_fields[] = {
		{ "boltdns_cache_entries", "gauge", "Entries in the cache",
		  offsetof(struct bolt_cache_stats, entries) },
		{ "boltdns_cache_bytes_used", "gauge", "Value bytes held by the cache",
		  offsetof(struct bolt_cache_stats, bytes_used) },
		{ "boltdns_cache_bytes_total", "gauge", "Value bytes the cache can hold",
		  offsetof(struct bolt_cache_stats, bytes_total) },
		{ "boltdns_cache_inserts_total", "counter", "Entries inserted",
		  offsetof(struct bolt_cache_stats, inserts) },
		{ "boltdns_cache_replaces_total", "counter", "Entries replaced",
		  offsetof(struct bolt_cache_stats, replaces) },
		{ "boltdns_cache_evictions_total", "counter", "Entries evicted for space",
		  offsetof(struct bolt_cache_stats, evictions) },
		{ "boltdns_cache_expirations_total", "counter", "Expired entries reclaimed",
		  offsetof(struct bolt_cache_stats, expirations) },
		{ "boltdns_cache_deletes_total", "counter", "Entries deleted by flushes",
		  offsetof(struct bolt_cache_stats, deletes) },
	};
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(cache_fields); i++) {
		uint64_t v;
		memcpy(&v, (const uint8_t *)&cs + cache_fields[i].off, sizeof(v));
		family(b, cache_fields[i].name, cache_fields[i].type, cache_fields[i].help);
		ctl_sbuf_printf(b, "%s %llu\n", cache_fields[i].name, (unsigned long long)v);
	}

}

/* One sample "NAME{port="PORT"} V". */
static void port_sample(struct sbuf *b, const char *name, const char *port, uint64_t v)
{
	ctl_sbuf_printf(b, "%s{port=\"", name);
	label_value(b, port);
	ctl_sbuf_printf(b, "\"} %llu\n", (unsigned long long)v);
}

/* The dataplane's ports (the region's port table): link state and speed as
 * gauges, the port's own counters (rte_eth_stats with io = dpdk) as counters
 * labelled by port name. Nothing is written when no dataplane has described
 * its ports. */
static void render_ports(struct bolt_region *region, struct sbuf *b)
{
	struct ctl_ports *ps = malloc(sizeof(*ps));
	if (!ps) {
		b->oom = true;
		return;
	}
	ctl_ports_read(region, ps);
	if (ps->n == 0) {
		free(ps);
		return;
	}
	family(b, "boltdns_port_link_up", "gauge", "1 when the port's link is up");
	for (unsigned i = 0; i < ps->n; i++)
		port_sample(b, "boltdns_port_link_up", ps->port[i].name, ps->port[i].link_up);
	family(b, "boltdns_port_link_speed_mbps", "gauge", "Link speed in Mb/s (0: unknown)");
	for (unsigned i = 0; i < ps->n; i++)
		port_sample(b, "boltdns_port_link_speed_mbps", ps->port[i].name,
		            ps->port[i].link_speed);
	char name[64];
	for (unsigned k = 0; k < CTL_PORT_NCTR; k++) {
		snprintf(name, sizeof(name), "boltdns_port_%s_total", ctl_port_ctr_names[k]);
		family(b, name, "counter", ctl_port_ctr_help[k]);
		for (unsigned i = 0; i < ps->n; i++)
			port_sample(b, name, ps->port[i].name, ps->port[i].ctr[k]);
	}
	free(ps);
}

static void render_hooks(const struct bolt_ctl_sink *hooks, struct sbuf *b)
{
	char name[128];
	for (unsigned i = 0; hooks && i < hooks->n; i++) {
		const struct ctl_stat_item *it = &hooks->item[i];
		switch (it->kind) {
		case CTL_STAT_COUNTER:
			snprintf(name, sizeof(name), "boltdns_cp_%s_total", it->name);
			family(b, name, "counter", it->help);
			ctl_sbuf_printf(b, "%s %llu\n", name, (unsigned long long)it->value);
			break;
		case CTL_STAT_GAUGE:
			snprintf(name, sizeof(name), "boltdns_cp_%s", it->name);
			family(b, name, "gauge", it->help);
			ctl_sbuf_printf(b, "%s %llu\n", name, (unsigned long long)it->value);
			break;
		case CTL_STAT_HIST:
			snprintf(name, sizeof(name), "boltdns_cp_%s", it->name);
			family(b, name, "histogram", it->help);
			for (unsigned k = 0; k < it->n; k++)
				ctl_sbuf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, it->le[k],
				                (unsigned long long)it->cum[k]);
			ctl_sbuf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
			                (unsigned long long)it->count);
			ctl_sbuf_printf(b, "%s_sum %.9g\n", name, it->sum);
			ctl_sbuf_printf(b, "%s_count %llu\n", name, (unsigned long long)it->count);
			break;
		default:
			break;
		}
	}
}

#if BOLTDNS_HAVE_MHD
#include <microhttpd.h>

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result;
#else
typedef int mhd_result;
#endif

struct ctl_metrics {
	struct MHD_Daemon *daemon;
	pthread_mutex_t region_mu;
	struct bolt_region *region;   /* under region_mu */
	pthread_mutex_t mu;
	struct bolt_ctl_sink hooks;   /* under mu */
};

static mhd_result handler(void *cls, struct MHD_Connection *conn, const char *url,
                          const char *method, const char *version, const char *upload,
                          size_t *upload_len, void **state)
{
	(void)version, (void)upload, (void)state;
	struct ctl_metrics *m = cls;
	struct MHD_Response *resp;
	unsigned code = MHD_HTTP_OK;
	mhd_result ret;

	if (*upload_len)
		return MHD_NO; /* a GET has no body: drop the connection */
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		static const char msg[] = "method not allowed\n";
		resp = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
		                                       MHD_RESPMEM_PERSISTENT);
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics") != 0) {
		static const char msg[] = "not found: try /metrics\n";
		resp = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
		                                       MHD_RESPMEM_PERSISTENT);
		code = MHD_HTTP_NOT_FOUND;
	} else {
		struct sbuf b;
		struct bolt_ctl_sink *snap = malloc(sizeof(*snap));
		if (!snap)
			return MHD_NO;
		pthread_mutex_lock(&m->mu);
		memcpy(snap, &m->hooks, sizeof(*snap));
		pthread_mutex_unlock(&m->mu);
		ctl_sbuf_init(&b);
		/* Held while the region is read: switching regions waits. */
		pthread_mutex_lock(&m->region_mu);
		ctl_metrics_render(m->region, snap, &b);
		pthread_mutex_unlock(&m->region_mu);
		free(snap);
		if (b.oom) {
			ctl_sbuf_free(&b);
			return MHD_NO;
		}
		size_t len;
		char *data = ctl_sbuf_take(&b, &len);
		if (!data)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(data);
	}
	if (!resp)
		return MHD_NO;
	if (code == MHD_HTTP_OK)
		MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct ctl_metrics *ctl_metrics_start(struct bolt_region *region,
                                      const struct bolt_sockaddr *addr, int *err)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (bolt_sockaddr_to_os(addr, addr->port, &ss, NULL) < 0) {
		*err = BOLT_ECONFIG;
		return NULL;
	}
	if (addr->family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (addr->port == 0) {
		*err = BOLT_ECONFIG;
		return NULL;
	}
	struct ctl_metrics *m = calloc(1, sizeof(*m));
	if (!m) {
		*err = -ENOMEM;
		return NULL;
	}
	m->region = region;
	pthread_mutex_init(&m->mu, NULL);
	pthread_mutex_init(&m->region_mu, NULL);
	m->daemon = MHD_start_daemon(flags, addr->port, NULL, NULL, handler, m,
	                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
	                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
	                             MHD_OPTION_END);
	if (!m->daemon) {
		pthread_mutex_destroy(&m->mu);
		pthread_mutex_destroy(&m->region_mu);
		free(m);
		*err = -EADDRNOTAVAIL;
		return NULL;
	}
	return m;
}

void ctl_metrics_set_hooks(struct ctl_metrics *m, const struct bolt_ctl_sink *s)
{
	pthread_mutex_lock(&m->mu);
	memcpy(&m->hooks, s, sizeof(*s));
	pthread_mutex_unlock(&m->mu);
}

void ctl_metrics_set_region(struct ctl_metrics *m, struct bolt_region *region)
{
	pthread_mutex_lock(&m->region_mu);
	m->region = region;
	pthread_mutex_unlock(&m->region_mu);
}

void ctl_metrics_stop(struct ctl_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->daemon);
	pthread_mutex_destroy(&m->mu);
	pthread_mutex_destroy(&m->region_mu);
	free(m);
}

#else /* !BOLTDNS_HAVE_MHD */

struct ctl_metrics *ctl_metrics_start(struct bolt_region *region,
                                      const struct bolt_sockaddr *addr, int *err)
{
	(void)region, (void)addr;
	/* Built without libmicrohttpd: say so rather than serve nothing. */
	*err = -ENOTSUP;
	return NULL;
}

void ctl_metrics_set_hooks(struct ctl_metrics *m, const struct bolt_ctl_sink *s)
{
	(void)m, (void)s;
}

void ctl_metrics_set_region(struct ctl_metrics *m, struct bolt_region *region)
{
	(void)m, (void)region;
}

void ctl_metrics_stop(struct ctl_metrics *m)
{
	(void)m;
}

#endif
