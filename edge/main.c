/*
 * boltdns-edge: DNS over TLS and DNS over HTTPS for clients, next to
 * boltdns-dp and boltdns-cp (see edge/README.md).
 *
 *   boltdns-edge -c FILE [-s STATS_FILE] [-v LEVEL] [-t]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "edge.h"

static int verbosity = 1;

void edge_log(int level, const char *fmt, ...)
{
	if (level > verbosity)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	static const char *const names[] = { "error", "notice", "info", "debug" };
	fprintf(stderr, "boltdns-edge: %s: %s\n", names[level < 4 ? level : 3], line);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: boltdns-edge -c FILE [-s STATS_FILE] [-v LEVEL] [-t]\n"
	           "  -c FILE        configuration (INI, see deploy/boltdns.conf.example, [tls])\n"
	           "  -s STATS_FILE  write counters there every second (default [tls] stats-file)\n"
	           "  -v LEVEL       verbosity 0..3\n"
	           "  -t             check the configuration, certificate and key, then exit\n");
}

/* ---- the shared region ---- */

static uint64_t inode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Attach (again) when the dataplane has made a region, or made a new one
 * in place of ours (wipe = yes renames a fresh file into place). Without a
 * region every query is a miss and goes to boltdns-cp. */
static void region_refresh(struct edge *e)
{
	if (e->region != NULL) {
		if (inode_of(e->region->path) == e->region_ino)
			return;
		edge_log(EDGE_LOG_NOTICE, "region %s was replaced: attaching again", e->region->path);
		bolt_region_detach(e->region);
		e->region = NULL;
	}
	int err = 0;
	struct bolt_region *r = bolt_region_attach(e->cfg.cache_path, &err);
	if (r == NULL)
		return;
	struct stat st;
	e->region_ino = fstat(r->fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
	e->region = r;
	edge_log(EDGE_LOG_NOTICE, "attached to the shared region %s", r->path);
}

/* ---- counters ---- */

static void write_stats(struct edge *e)
{
	const char *path = e->stats_path != NULL ? e->stats_path : e->cfg.tls_stats;
	if (path == NULL || path[0] == '\0')
		return;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return;
	const struct edge_ctr *c = &e->ctr;
	static const char *const kn[EDGE_KINDS] = { "dot", "doh" };
#define W(name, v) fprintf(f, "%s %llu\n", name, (unsigned long long)(v))
#define WK(name, arr) \
	for (unsigned k = 0; k < EDGE_KINDS; k++) \
		fprintf(f, "%s_%s %llu\n", kn[k], name, (unsigned long long)(arr)[k])
	WK("conns", c->conns);
	WK("conns_open", e->conns_open);
	WK("conns_limited", c->conns_limited);
	WK("handshakes", c->handshakes);
	WK("handshake_failures", c->handshake_fail);
	WK("resumptions", c->resumed);
	WK("tls13", c->tls13);
	WK("queries", c->queries);
	WK("hits", c->hits);
	WK("misses", c->misses);
	WK("formerr", c->formerr);
	WK("bad_input", c->bad_input);
	WK("idle_closed", c->idle_closed);
	W("acl_refused", c->acl_refused);
	W("acl_dropped", c->acl_dropped);
	W("doh_bad_request", c->doh_bad_request);
	W("doh_too_large", c->doh_too_large);
	W("upstream_fail", c->upstream_fail);
	W("overload", c->overload);
	W("cert_reloads", c->cert_reloads);
	W("cert_reload_failures", c->cert_reload_fail);
	W("attached", e->region != NULL);
	W("updated", (uint64_t)time(NULL));
#undef W
#undef WK
	if (fclose(f) == 0)
		rename(tmp, path);
}

/* ---- certificate reload ---- */

/* New connections get a context from the files as they are now; open ones
 * keep theirs. A bad new file is logged and the old context kept. */
static void cert_reload(struct edge *e, const char *why)
{
	char err[2400];
	SSL_CTX *ctx = edge_tls_ctx(&e->cfg, err, sizeof(err));
	e->cert_stamp = edge_tls_stamp(&e->cfg);
	if (ctx == NULL) {
		e->ctr.cert_reload_fail++;
		edge_log(EDGE_LOG_ERR, "certificate reload (%s) failed, keeping the old one: %s", why,
		         err);
		return;
	}
	SSL_CTX_free(e->ssl_ctx);
	e->ssl_ctx = ctx;
	e->ctr.cert_reloads++;
	edge_log(EDGE_LOG_NOTICE, "certificate reloaded (%s)", why);
}

static void conf_reload(struct edge *e, const char *why);

static uint64_t conf_stamp(const struct edge *e)
{
	struct stat st;
	if (stat(e->conf_path, &st) != 0)
		return 0;
	return (uint64_t)st.st_mtim.tv_sec * 1000000007ull + (uint64_t)st.st_mtim.tv_nsec +
	       ((uint64_t)st.st_ino << 20) + (uint64_t)st.st_size;
}

static void on_tick(uv_timer_t *t)
{
	struct edge *e = t->data;
	region_refresh(e);
	upstream_tick(e);
	/* An edited configuration (new certificate paths, then `boltctl
	 * reload` for the others), a renewal in place (certbot's deploy hook):
	 * either is seen within a second, no signal needed. */
	uint64_t cs = conf_stamp(e);
	if (cs != e->conf_stamp) {
		e->conf_stamp = cs;
		conf_reload(e, "the configuration changed");
	} else if (edge_tls_stamp(&e->cfg) != e->cert_stamp) {
		cert_reload(e, "the files changed");
	}
	write_stats(e);
}

/* Re-read the configuration's certificate and key paths, then the files. */
static void conf_reload(struct edge *e, const char *why)
{
	char err[1024];
	struct bolt_config *n = malloc(sizeof(*n));
	if (n != NULL && bolt_config_load(n, e->conf_path, err, sizeof(err)) == 0) {
		/* Only the certificate and key follow a reload; listeners and
		 * limits need a restart. */
		memcpy(e->cfg.tls_certificate, n->tls_certificate, sizeof(e->cfg.tls_certificate));
		memcpy(e->cfg.tls_key, n->tls_key, sizeof(e->cfg.tls_key));
		e->cfg.tls_certificate_line = n->tls_certificate_line;
		e->cfg.tls_key_line = n->tls_key_line;
	} else if (n != NULL) {
		edge_log(EDGE_LOG_ERR, "reload: %s (keeping the running configuration)", err);
	}
	free(n);
	cert_reload(e, why);
}

static void on_sighup(uv_signal_t *h, int sig)
{
	(void)sig;
	conf_reload(h->data, "SIGHUP");
}

static void on_stop(uv_signal_t *h, int sig)
{
	struct edge *e = h->data;
	edge_log(EDGE_LOG_NOTICE, "signal %d: stopping", sig);
	uv_stop(e->loop);
}

int main(int argc, char **argv)
{
	static struct edge e; /* large (the configuration): not on the stack */
	const char *conf = NULL;
	bool check_only = false;
	int vopt = -1, opt;
	while ((opt = getopt(argc, argv, "c:s:v:th")) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 's': e.stats_path = optarg; break;
		case 'v': vopt = atoi(optarg); break;
		case 't': check_only = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (conf == NULL) {
		usage(stderr);
		return 2;
	}
	char err[2400];
	int ret = bolt_config_load(&e.cfg, conf, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	e.conf_path = conf;
	verbosity = vopt >= 0 ? vopt : e.cfg.verbosity;
	if (e.cfg.ndot_listen == 0 && e.cfg.ndoh_listen == 0) {
		fprintf(stderr, "%s: [tls] has neither dot-listen nor doh-listen: nothing to serve\n",
		        conf);
		return 1;
	}
	e.ssl_ctx = edge_tls_ctx(&e.cfg, err, sizeof(err));
	if (e.ssl_ctx == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	e.cert_stamp = edge_tls_stamp(&e.cfg);
	e.conf_stamp = conf_stamp(&e);
	if (check_only) {
		printf("%s: ok\n", conf);
		SSL_CTX_free(e.ssl_ctx);
		return 0;
	}
	if (!e.cfg.tls_resolver_set) {
		/* boltdns-cp's first TCP/53 listener, else the loopback */
		if (e.cfg.ntcp_listen > 0) {
			e.cfg.tls_resolver = e.cfg.tcp_listen[0];
		} else {
			e.cfg.tls_resolver.family = AF_INET;
			e.cfg.tls_resolver.addr[0] = 127;
			e.cfg.tls_resolver.addr[3] = 1;
		}
	}
	bolt_acl_init(&e.acl, &e.cfg);
	signal(SIGPIPE, SIG_IGN);
	e.loop = uv_default_loop();
	if ((ret = edge_listen_start(&e)) < 0)
		return 1;
	region_refresh(&e);
	if (e.region == NULL)
		edge_log(EDGE_LOG_NOTICE, "no shared region at %s yet: every query goes to the "
		         "resolver until the dataplane makes it", e.cfg.cache_path);
	uv_timer_init(e.loop, &e.tick);
	e.tick.data = &e;
	uv_timer_start(&e.tick, on_tick, 1000, 1000);
	uv_signal_init(e.loop, &e.sigterm);
	uv_signal_init(e.loop, &e.sigint);
	uv_signal_init(e.loop, &e.sighup);
	e.sigterm.data = e.sigint.data = e.sighup.data = &e;
	uv_signal_start(&e.sigterm, on_stop, SIGTERM);
	uv_signal_start(&e.sigint, on_stop, SIGINT);
	uv_signal_start(&e.sighup, on_sighup, SIGHUP);
	write_stats(&e);
	edge_log(EDGE_LOG_NOTICE, "serving (misses to boltdns-cp over TCP/53)");
	uv_run(e.loop, UV_RUN_DEFAULT);
	write_stats(&e);
	/* Clients see their connections close with the process; the region
	 * stays for the others. */
	edge_listen_stop(&e);
	upstream_close_all(&e);
	bolt_region_detach(e.region);
	return 0;
}
