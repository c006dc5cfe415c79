/*
 * The control socket, end to end inside one process: a region in /dev/shm,
 * the server on a libuv loop in its own thread, and requests through a real
 * Unix socket connection. Every command, good and bad input, a peer that
 * leaves mid-reply.
 *
 * Shared state (cache entries, counters) is set up before the server thread
 * starts or written with atomic stores, so the test is clean under TSan too.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "boltdns_config.h"
#include "ctl.h"
#include "ctl_internal.h"

/* Under -fsanitize=undefined, undefined behaviour fails the run instead of
 * printing a line nobody reads (the sanitizer runtime calls this hook). */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}


#define REGION_SIZE BOLT_REGION_MIN_SIZE

static char region_path[128];
static char sock_dir[80];
static char sock_path[100]; /* fits sun_path */

struct hooks_state {
	int reloads;
	int reload_fail;       /* next reload fails with this code (atomic) */
	int reload_nlocal;     /* >= 0: a reload sets cfg.nlocal_data to it */
	int verbosity;
	int verbosity_calls;
	uint64_t upstream;     /* reported counter */
};

struct srv {
	uv_loop_t loop;
	uv_async_t stop;
	uv_async_t switch_region;  /* runs bolt_ctl_set_region(next) on the loop */
	uv_sem_t switched;
	struct bolt_region *next;
	struct bolt_region *use;   /* region given to bolt_ctl_start */
	uv_thread_t thr;
	struct bolt_ctl *ctl;
	struct bolt_config cfg;
	struct bolt_region *region;
	struct hooks_state hs;
};

static struct srv S;
/* When set, the server closes idle connections after this many ms. */
static uint64_t idle_override;

/* ---- hooks ---- */

static int h_reload(void *arg, char *err, size_t errlen)
{
	struct hooks_state *h = arg;
	int fail = __atomic_load_n(&h->reload_fail, __ATOMIC_RELAXED);
	if (fail) {
		snprintf(err, errlen, "config.conf:3: something is wrong");
		return fail;
	}
	/* As a control plane does: the configuration is updated in place. */
	if (h->reload_nlocal >= 0)
		S.cfg.nlocal_data = (unsigned)h->reload_nlocal;
	h->reloads++;
	return 0;
}

static int h_verbosity(void *arg, int level)
{
	struct hooks_state *h = arg;
	h->verbosity = level;
	h->verbosity_calls++;
	return 0;
}

static void h_stats(void *arg, struct bolt_ctl_sink *s)
{
	struct hooks_state *h = arg;
	static const double le[3] = { 0.001, 0.01, 0.1 };
	uint64_t up = __atomic_load_n(&h->upstream, __ATOMIC_RELAXED);
	uint64_t cum[3] = { up / 4, up / 2, up };
	bolt_ctl_sink_counter(s, "upstream_queries", "Queries sent upstream", up);
	bolt_ctl_sink_gauge(s, "in_flight", "Resolutions in flight", 7);
	bolt_ctl_sink_histogram(s, "resolution_seconds", "Resolution latency", le, cum, 3,
	                        0.5, h->upstream);
	/* Bad names are ignored, never shown. */
	bolt_ctl_sink_counter(s, "Bad Name!", "x", 1);
}

static void h_status(void *arg, struct bolt_ctl_sink *s)
{
	(void)arg;
	bolt_ctl_sink_text(s, "mode", "unit test");
}

/* ---- server in a thread ---- */

static void run_loop(void *arg)
{
	struct srv *s = arg;
	uv_run(&s->loop, UV_RUN_DEFAULT);
}

static void stop_cb(uv_async_t *a)
{
	struct srv *s = a->data;
	bolt_ctl_stop(s->ctl);
	uv_close((uv_handle_t *)&s->stop, NULL);
	uv_close((uv_handle_t *)&s->switch_region, NULL);
}

static void switch_cb(uv_async_t *a)
{
	struct srv *s = a->data;
	bolt_ctl_set_region(s->ctl, s->next);
	uv_sem_post(&s->switched);
}

/* Switch the server's region from the test thread, as the control plane
 * does when it detaches and attaches again. */
static void srv_set_region(struct bolt_region *r)
{
	S.next = r;
	uv_async_send(&S.switch_region);
	uv_sem_wait(&S.switched);
}

static void srv_start(void)
{
	int err = 0;
	struct bolt_ctl_hooks hooks = {
		.arg = &S.hs,
		.reload = h_reload,
		.set_verbosity = h_verbosity,
		.stats = h_stats,
		.status = h_status,
	};
	assert_int_equal(uv_loop_init(&S.loop), 0);
	S.ctl = bolt_ctl_start(&S.loop, &S.cfg, S.use, &hooks, &err);
	assert_non_null(S.ctl);
	if (idle_override)
		S.ctl->idle_ms = idle_override;
	assert_int_equal(uv_async_init(&S.loop, &S.stop, stop_cb), 0);
	S.stop.data = &S;
	assert_int_equal(uv_async_init(&S.loop, &S.switch_region, switch_cb), 0);
	S.switch_region.data = &S;
	assert_int_equal(uv_sem_init(&S.switched, 0), 0);
	assert_int_equal(uv_thread_create(&S.thr, run_loop, &S), 0);
}

static void srv_stop(void)
{
	uv_async_send(&S.stop);
	uv_thread_join(&S.thr);
	uv_sem_destroy(&S.switched);
	/* Every handle closed: nothing left behind by the server. */
	assert_int_equal(uv_loop_close(&S.loop), 0);
	struct stat st;
	assert_int_equal(stat(sock_path, &st), -1);
}

/* ---- client ---- */

static int cconnect(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		assert_true(n > 0);
		data += n;
		len -= (size_t)n;
	}
}

/* Read until the server closes; returns a malloc'd NUL-terminated string. */
static char *read_all(int fd)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		assert_int_equal(poll(&p, 1, 20000), 1); /* a hang fails, never blocks */
		if (len + 4096 + 1 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		/* A server hanging up on unread request bytes resets the
		 * connection once its reply has been read. */
		if (n < 0 && errno == ECONNRESET)
			break;
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/* One request, the whole reply (the server closes after it). */
static char *req(const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(line) - 1);
	line[n++] = '\n';
	int fd = cconnect();
	send_all(fd, line, (size_t)n);
	shutdown(fd, SHUT_WR);
	char *r = read_all(fd);
	close(fd);
	return r;
}

static bool ends_ok(const char *r)
{
	size_t l = strlen(r);
	return l >= 3 && strcmp(r + l - 3, "ok\n") == 0 && (l == 3 || r[l - 4] == '\n');
}

static bool is_error(const char *r)
{
	return strncmp(r, "error: ", 7) == 0 && strchr(r, '\n') == r + strlen(r) - 1;
}

static void expect_ok(const char *line, const char *contains)
{
	char *r = req("%s", line);
	bool ok = strncmp(line, "json ", 5) == 0 ? strncmp(r, "{\"ok\":true,", 11) == 0 : ends_ok(r);
	if (!ok || (contains && !strstr(r, contains)))
		fail_msg("'%s' replied:\n%s", line, r);
	free(r);
}

static void expect_error(const char *line, const char *contains)
{
	char *r = req("%s", line);
	if (!is_error(r) || (contains && !strstr(r, contains)))
		fail_msg("'%s' replied:\n%s", line, r);
	free(r);
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- cache content ---- */

static void put_entry(const char *name, uint16_t type, uint8_t kind, uint32_t ttl,
                      unsigned nrr, bool do_bit)
{
	uint8_t buf[8192], qn[BOLT_NAME_MAX], rd[256];
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qn);
	assert_true(ql > 0);
	uint16_t flags = BOLT_FLAG_QR | BOLT_FLAG_RA;
	if (kind == BOLT_CACHE_NXDOMAIN)
		flags |= BOLT_RCODE_NXDOMAIN;
	if (kind == BOLT_CACHE_SERVFAIL)
		flags |= BOLT_RCODE_SERVFAIL;
	assert_int_equal(bolt_build_init(&b, buf, sizeof(buf), 0, flags), 0);
	assert_int_equal(bolt_build_question(&b, qn, (size_t)ql, type, BOLT_CLASS_IN), 0);
	if (kind == BOLT_CACHE_POSITIVE) {
		for (unsigned i = 0; i < nrr; i++) {
			uint8_t a[4] = { 198, 18, (uint8_t)(i >> 8), (uint8_t)i };
			assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, qn, BOLT_TYPE_A,
			                               BOLT_CLASS_IN, ttl, a, 4), 0);
		}
	} else if (kind != BOLT_CACHE_SERVFAIL) {
		uint8_t zone[BOLT_NAME_MAX];
		int zl = bolt_name_from_text("example.", zone);
		assert_true(zl > 0);
		int rl = bolt_rdata_from_text(BOLT_TYPE_SOA, "ns.example. host.example. 1 2 3 4 5",
		                              rd, sizeof(rd));
		assert_true(rl > 0);
		assert_int_equal(bolt_build_rr(&b, BOLT_SEC_AUTHORITY, zone, BOLT_TYPE_SOA,
		                               BOLT_CLASS_IN, ttl, rd, (uint16_t)rl), 0);
	}
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	assert_int_equal(bolt_answer_insert(S.region->cache, buf, (size_t)len, b.ttl_off, b.nttl,
	                                    do_bit, bolt_now(), ttl, kind), 0);
}

static int cache_has(const char *name, uint16_t type, bool do_bit)
{
	static uint8_t sections[BOLT_MSG_MAX];
	static uint16_t ttl_off[4096];
	struct bolt_cache_key k;
	struct bolt_cache_out out = { .sections = sections, .cap = sizeof(sections),
	                              .ttl_off = ttl_off, .ttl_cap = 4096 };
	memset(&k, 0, sizeof(k));
	int l = bolt_name_from_text(name, k.name);
	assert_true(l > 0);
	bolt_name_lower(k.name, (size_t)l);
	k.name_len = (uint8_t)l;
	k.qtype = type;
	k.qclass = BOLT_CLASS_IN;
	k.do_bit = do_bit;
	bolt_cache_key_hash(S.region->cache, &k);
	int ret = bolt_cache_lookup(S.region->cache, &k, bolt_now(), &out);
	return ret == 0 || ret == BOLT_EEXPIRED;
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	(void)state;
	static int seq;
	int err;
	seq++;
	snprintf(region_path, sizeof(region_path), "/dev/shm/boltdns-ctl-test-%d-%d",
	         (int)getpid(), seq);
	/* Nested, not yet existing: the server creates the directory. */
	snprintf(sock_dir, sizeof(sock_dir), "/tmp/boltdns-ctl-test-%d-%d", (int)getpid(), seq);
	snprintf(sock_path, sizeof(sock_path), "%s/run/ctl.sock", sock_dir);
	memset(&S, 0, sizeof(S));
	S.hs.reload_nlocal = -1;
	struct bolt_region_params p = {
		.path = region_path, .size = REGION_SIZE, .ring_slots = 64, .wipe = true,
	};
	S.region = bolt_region_create(&p, &err);
	assert_non_null(S.region);
	S.use = S.region;
	bolt_config_defaults(&S.cfg);
	snprintf(S.cfg.control_socket, sizeof(S.cfg.control_socket), "%s", sock_path);
	S.cfg.socket_mode = 0600;
	S.cfg.metrics_enabled = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bolt_region_detach(S.region);
	unlink(region_path);
	char dir[200];
	snprintf(dir, sizeof(dir), "%s/run", sock_dir);
	rmdir(dir);
	rmdir(sock_dir);
	return 0;
}

/* ---- the request parser ---- */

static void test_parse(void **state)
{
	(void)state;
	static struct ctl_req r;
	const char *why = NULL;
	const char *l;

	l = "lookup www.example.com AAAA";
	assert_int_equal(ctl_req_parse(&r, l, strlen(l), &why), 0);
	assert_int_equal(r.argc, 3);
	assert_false(r.json);
	assert_string_equal(r.argv[0], "lookup");
	assert_string_equal(r.argv[2], "AAAA");

	l = "json  status \r";
	assert_int_equal(ctl_req_parse(&r, l, strlen(l), &why), 0);
	assert_true(r.json);
	assert_int_equal(r.argc, 1);
	assert_string_equal(r.argv[0], "status");

	l = "local_data add \"a.example. 60 TXT \\\"x y\\\" \\\\\"";
	assert_int_equal(ctl_req_parse(&r, l, strlen(l), &why), 0);
	assert_int_equal(r.argc, 3);
	assert_string_equal(r.argv[2], "a.example. 60 TXT \"x y\" \\");
	assert_string_equal(r.raw[2], "\"a.example. 60 TXT \\\"x y\\\" \\\\\"");

	l = "a \"\" b";
	assert_int_equal(ctl_req_parse(&r, l, strlen(l), &why), 0);
	assert_int_equal(r.argc, 3);
	assert_string_equal(r.argv[1], "");

	/* more tokens than CTL_ARGS_MAX: kept as the rest of the line */
	l = "a 1 2 3 4 5 6 7 8 9";
	assert_int_equal(ctl_req_parse(&r, l, strlen(l), &why), 0);
	assert_int_equal(r.argc, CTL_ARGS_MAX);
	assert_string_equal(r.more, "8 9");

	const char *bad[] = { "", "   ", "json", "a \"unterminated", "a \"x\"y", "a b\"c",
	                      ("a\x01" "b"), "a\x7f", "status\n" };
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(bad); i++) {
		why = NULL;
		assert_true(ctl_req_parse(&r, bad[i], strlen(bad[i]), &why) < 0);
		assert_non_null(why);
	}
	/* an embedded NUL is a control byte too */
	assert_true(ctl_req_parse(&r, "ab\0cd", 5, &why) < 0);

	static char longline[BOLT_CTL_LINE_MAX + 2];
	memset(longline, 'a', sizeof(longline));
	assert_int_equal(ctl_req_parse(&r, longline, BOLT_CTL_LINE_MAX, &why), 0);
	assert_true(ctl_req_parse(&r, longline, BOLT_CTL_LINE_MAX + 1, &why) < 0);
}

/* ---- commands ---- */

static void test_status(void **state)
{
	(void)state;
	srv_start();
	char *r = req("status");
	assert_true(ends_ok(r));
	assert_non_null(strstr(r, "version: " BOLTDNS_VERSION "\n"));
	assert_non_null(strstr(r, "dataplane.running: no\n"));
	assert_non_null(strstr(r, "region.ring_slots: 64\n"));
	assert_non_null(strstr(r, "cache.shards: "));
	assert_non_null(strstr(r, "extra.mode: unit test\n"));
	assert_non_null(strstr(r, "metrics: off\n"));
	free(r);

	r = req("json status");
	assert_true(strncmp(r, "{\"ok\":true,\"result\":{\"version\":", 31) == 0);
	assert_non_null(strstr(r, "\"dataplane\":{\"running\":false,"));
	assert_non_null(strstr(r, "\"extra\":{\"mode\":\"unit test\"}"));
	assert_int_equal(count(r, "\n"), 1);
	free(r);

	/* the socket has the configured mode */
	struct stat st;
	assert_int_equal(stat(sock_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	srv_stop();
}

static void set_counter(unsigned lcore, size_t off, uint64_t v)
{
	uint64_t *p = (uint64_t *)((uint8_t *)bolt_region_stats(S.region, lcore) + off);
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static void test_stats(void **state)
{
	(void)state;
	/* Counters before the start are not shown: stats counts from the
	 * server's start (or the last reset). */
	set_counter(0, offsetof(struct bolt_lcore_stats, queries), 1000);
	S.hs.upstream = 1000;
	srv_start();
	atomic_store(&S.region->hdr->dp_lcores, 2);
	set_counter(0, offsetof(struct bolt_lcore_stats, queries), 1100);
	set_counter(1, offsetof(struct bolt_lcore_stats, queries), 50);
	set_counter(1, offsetof(struct bolt_lcore_stats, ring_drops), 3);
	set_counter(0, offsetof(struct bolt_lcore_stats, rcode) + 3 * 8, 9);
	set_counter(1, offsetof(struct bolt_lcore_stats, qtype) + 1 * 8, 4);
	/* an lcore beyond dp_lcores with counts is still shown */
	set_counter(5, offsetof(struct bolt_lcore_stats, hits), 1);
	__atomic_store_n(&S.hs.upstream, 1040, __ATOMIC_RELAXED);

	char *r = req("stats_noreset");
	assert_true(ends_ok(r));
	assert_non_null(strstr(r, "total.queries: 150\n"));
	assert_non_null(strstr(r, "total.ring_drops: 3\n"));
	assert_non_null(strstr(r, "total.rcode.NXDOMAIN: 9\n"));
	assert_non_null(strstr(r, "total.qtype.AAAA: 4\n"));
	assert_non_null(strstr(r, "lcore.0.queries: 100\n"));
	assert_non_null(strstr(r, "lcore.1.queries: 50\n"));
	assert_non_null(strstr(r, "lcore.5.hits: 1\n"));
	assert_null(strstr(r, "lcore.6."));
	assert_non_null(strstr(r, "lcore.0.miss_ring_used: 0\n"));
	assert_non_null(strstr(r, "cache.entries: 0\n"));
	assert_non_null(strstr(r, "cp.upstream_queries: 40\n"));
	assert_non_null(strstr(r, "cp.in_flight: 7\n"));
	assert_non_null(strstr(r, "cp.resolution_seconds.le_0.01: 20\n"));
	assert_non_null(strstr(r, "cp.resolution_seconds.count: 40\n"));
	assert_non_null(strstr(r, "cp.resolution_seconds.sum: 0\n"));
	assert_null(strstr(r, "Bad Name"));
	free(r);

	/* stats shows the same and resets */
	r = req("stats");
	assert_non_null(strstr(r, "total.queries: 150\n"));
	free(r);
	set_counter(0, offsetof(struct bolt_lcore_stats, queries), 1110);
	r = req("stats_noreset");
	assert_non_null(strstr(r, "total.queries: 10\n"));
	assert_non_null(strstr(r, "lcore.1.queries: 0\n"));
	assert_non_null(strstr(r, "total.ring_drops: 0\n"));
	assert_non_null(strstr(r, "cp.upstream_queries: 0\n"));
	assert_non_null(strstr(r, "cp.in_flight: 7\n")); /* gauges never reset */
	assert_non_null(strstr(r, "cache.entries: 0\n"));
	assert_non_null(strstr(r, "cache.inserts: 0\n"));
	free(r);

	/* a counter that went backwards (region wiped) counts from zero */
	set_counter(0, offsetof(struct bolt_lcore_stats, queries), 5);
	r = req("json stats_noreset");
	assert_non_null(strstr(r, "\"total\":{\"rx_pkts\":0,"));
	assert_non_null(strstr(r, "\"queries\":5,"));
	assert_non_null(strstr(r, "\"lcore\":{\"0\":{"));
	free(r);
	expect_error("stats now", "usage: stats");
	srv_stop();
	atomic_store(&S.region->hdr->dp_lcores, 0);
}

static void test_lookup(void **state)
{
	(void)state;
	put_entry("www.example.", BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 300, 2, false);
	put_entry("www.example.", BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 300, 1, true);
	put_entry("nx.example.", BOLT_TYPE_AAAA, BOLT_CACHE_NXDOMAIN, 60, 0, false);
	srv_start();

	char *r = req("lookup WWW.Example.");
	assert_true(ends_ok(r));
	assert_non_null(strstr(r, ";; www.example. A do=0 positive NOERROR ttl="));
	assert_non_null(strstr(r, ";; www.example. A do=1 positive NOERROR ttl="));
	assert_int_equal(count(r, "\tIN\tA\t198.18.0."), 3);
	assert_non_null(strstr(r, "198.18.0.1\n"));
	free(r);

	r = req("lookup nx.example AAAA");
	assert_true(ends_ok(r));
	assert_non_null(strstr(r, "nxdomain NXDOMAIN"));
	assert_non_null(strstr(r, ";; authority\nexample.\t"));
	assert_non_null(strstr(r, "SOA\tns.example. host.example. 1 2 3 4 5\n"));
	free(r);

	r = req("json lookup www.example a");
	assert_true(strncmp(r, "{\"ok\":true,\"result\":{\"entries\":[{\"name\":\"www.example.\"", 54) == 0);
	assert_non_null(strstr(r, "\"kind\":\"positive\""));
	assert_non_null(strstr(r, "\"answer\":[\"www.example.\\t"));
	free(r);

	expect_error("lookup www.example. MX", "not in cache");
	expect_error("lookup nothing.example.", "not in cache");
	expect_error("lookup www.example. NOSUCHTYPE", "unknown type");
	expect_error("lookup a..b", "bad name");
	expect_error("lookup", "usage: lookup NAME [TYPE]");
	expect_error("lookup a b c", "usage");
	srv_stop();
}

static void test_flush(void **state)
{
	(void)state;
	put_entry("a.zone.example.", BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 300, 1, false);
	put_entry("a.zone.example.", BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 300, 1, true);
	put_entry("a.zone.example.", BOLT_TYPE_AAAA, BOLT_CACHE_NODATA, 300, 0, false);
	put_entry("b.zone.example.", BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 300, 1, false);
	put_entry("deep.b.zone.example.", BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 300, 1, false);
	put_entry("other.example.", BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 300, 1, false);
	put_entry("nx1.example.", BOLT_TYPE_A, BOLT_CACHE_NXDOMAIN, 300, 0, false);
	put_entry("sf.example.", BOLT_TYPE_A, BOLT_CACHE_SERVFAIL, 5, 0, false);
	srv_start();

	expect_ok("flush_type a.zone.example. AAAA", "deleted: 1\n");
	assert_true(cache_has("a.zone.example.", BOLT_TYPE_A, false));
	assert_false(cache_has("a.zone.example.", BOLT_TYPE_AAAA, false));
	expect_ok("flush a.zone.example.", "deleted: 2\n");
	assert_false(cache_has("a.zone.example.", BOLT_TYPE_A, true));
	expect_ok("flush a.zone.example.", "deleted: 0\n");
	expect_ok("flush_zone zone.example.", "deleted: 2\n");
	assert_false(cache_has("deep.b.zone.example.", BOLT_TYPE_A, false));
	assert_true(cache_has("other.example.", BOLT_TYPE_A, false));
	expect_ok("flush_negative", "deleted: 2\n");
	assert_false(cache_has("nx1.example.", BOLT_TYPE_A, false));
	assert_true(cache_has("other.example.", BOLT_TYPE_A, false));
	expect_ok("json flush_all", "{\"ok\":true,\"result\":{\"deleted\":1}}\n");
	assert_false(cache_has("other.example.", BOLT_TYPE_A, false));

	expect_error("flush", "usage: flush NAME");
	expect_error("flush_type a.example.", "usage: flush_type NAME TYPE");
	expect_error("flush_type a.example. BOGUS", "unknown type");
	expect_error("flush_zone " "a.example.\\", "bad name");
	expect_error("flush_all now", "usage: flush_all");
	srv_stop();
}

static void test_local_data(void **state)
{
	(void)state;
	srv_start();
	expect_ok("local_data add \"svc.example. 120 A 198.18.5.1\"", "records: 1\n");
	/* unquoted: the rest of the line, class IN accepted */
	expect_ok("local_data add svc.example. 120 IN A 198.18.5.2", "records: 2\n");
	/* same record twice is one record */
	expect_ok("local_data add svc.example. 120 A 198.18.5.2", "records: 2\n");
	expect_ok("local_data add \"txt.example. 60 TXT \\\"hello world\\\" two\"", NULL);
	/* more words than request arguments: SOA RDATA */
	expect_ok("local_data add soa.example. 60 IN SOA ns.example. h.example. 1 2 3 4 5", NULL);

	char *r = req("lookup svc.example.");
	assert_non_null(strstr(r, ";; svc.example. A do=0 static NOERROR ttl=static\n"));
	assert_non_null(strstr(r, ";; svc.example. A do=1 static"));
	assert_int_equal(count(r, "svc.example.\t120\tIN\tA\t198.18.5."), 4);
	free(r);
	expect_ok("lookup txt.example. TXT", "\"hello world\" \"two\"\n");
	expect_ok("lookup soa.example. SOA", "ns.example. h.example. 1 2 3 4 5\n");

	/* local data survives every flush */
	expect_ok("flush_all", NULL);
	assert_true(cache_has("svc.example.", BOLT_TYPE_A, false));
	assert_true(cache_has("svc.example.", BOLT_TYPE_A, true));
	expect_ok("flush svc.example.", "deleted: 2\n");
	assert_true(cache_has("svc.example.", BOLT_TYPE_A, false));
	expect_ok("flush_zone example.", NULL);
	assert_true(cache_has("txt.example.", BOLT_TYPE_TXT, true));

	expect_error("local_data remove svc.example. TXT", "no local data");
	/* an RRset of two records and a second type at the same name */
	expect_ok("local_data add \"svc.example. 120 AAAA 2001:db8::1\"", NULL);
	expect_ok("local_data remove svc.example.", "removed: 3\n");
	assert_false(cache_has("svc.example.", BOLT_TYPE_A, false));
	assert_false(cache_has("svc.example.", BOLT_TYPE_AAAA, true));
	assert_true(cache_has("txt.example.", BOLT_TYPE_TXT, false));
	srv_stop();
}

static void test_local_data_errors(void **state)
{
	(void)state;
	srv_start();
	expect_ok("local_data add \"svc.example. 120 A 198.18.5.1\"", NULL);
	expect_ok("local_data add \"svc.example. 120 AAAA 2001:db8::5\"", NULL);
	expect_ok("local_data remove SVC.example. AAAA", "removed: 1\n");
	assert_false(cache_has("svc.example.", BOLT_TYPE_AAAA, false));
	assert_true(cache_has("svc.example.", BOLT_TYPE_A, false));
	expect_ok("local_data remove svc.example.", "removed: 1\n");
	assert_false(cache_has("svc.example.", BOLT_TYPE_A, false));
	assert_false(cache_has("svc.example.", BOLT_TYPE_A, true));
	expect_error("local_data remove svc.example.", "no local data");

	expect_error("local_data add \"bad..example. 60 A 198.18.0.1\"", "bad name");
	expect_error("local_data add \"x.example. 99999999999 A 198.18.0.1\"", "bad TTL");
	expect_error("local_data add \"x.example. 6x A 198.18.0.1\"", "bad TTL");
	expect_error("local_data add \"x.example. 60 NOPE 198.18.0.1\"", "bad type");
	expect_error("local_data add \"x.example. 60 OPT 198.18.0.1\"", "bad type");
	expect_error("local_data add \"x.example. 60 A 198.18.0\"", "bad A RDATA");
	expect_error("local_data add \"x.example. 60 A\"", NULL);
	expect_error("local_data add \"x.example.\"", NULL);
	expect_error("local_data add", "usage");
	expect_error("local_data", "usage");
	expect_error("local_data frobnicate x", "usage");
	expect_error("local_data remove", "usage");
	expect_error("local_data remove x.example. A extra", "usage");
	expect_error("local_data remove x..example.", "bad name");
	expect_ok("local_data list", "records: 0\n");
	srv_stop();
}

/* Local data from the configuration: hosts file with PTRs, data lines. */
static void test_local_config(void **state)
{
	(void)state;
	char hosts[200];
	snprintf(hosts, sizeof(hosts), "%s.hosts", region_path);
	FILE *f = fopen(hosts, "w");
	assert_non_null(f);
	fputs("# comment\n198.18.7.1 gw.example gw\n198.18.7.1 alias.example\n"
	      "2001:db8::7 six.example\n", f);
	fclose(f);
	snprintf(S.cfg.hosts_file, sizeof(S.cfg.hosts_file), "%s", hosts);
	snprintf(S.cfg.local_data[0], sizeof(S.cfg.local_data[0]), "cfg.example. 30 A 198.18.8.8");
	snprintf(S.cfg.local_data[1], sizeof(S.cfg.local_data[1]),
	         "cfg.example. 30 MX 10 mail.example.");
	S.cfg.nlocal_data = 2;

	char err[256] = "";
	assert_int_equal(bolt_local_load(&S.cfg, S.region->cache, err, sizeof(err)), 0);
	assert_true(cache_has("gw.example.", BOLT_TYPE_A, false));
	assert_true(cache_has("gw.", BOLT_TYPE_A, true));
	assert_true(cache_has("six.example.", BOLT_TYPE_AAAA, false));
	assert_true(cache_has("1.7.18.198.in-addr.arpa.", BOLT_TYPE_PTR, false));
	assert_true(cache_has("7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
	                      BOLT_TYPE_PTR, true));
	assert_true(cache_has("cfg.example.", BOLT_TYPE_MX, false));

	/* the server loads the same and shows the PTR of the first name only */
	S.hs.reload_nlocal = 1;
	srv_start();
	char *r = req("lookup 1.7.18.198.in-addr.arpa. PTR");
	assert_int_equal(count(r, "\tPTR\tgw.example.\n"), 2);
	assert_null(strstr(r, "alias"));
	free(r);
	expect_ok("status", "cache.local_records: 8\n");

	/* reload: the hook runs (and drops the MX line from the configuration),
	 * then local data follows the configuration */
	expect_ok("reload", "local_records: 7\n");
	assert_false(cache_has("cfg.example.", BOLT_TYPE_MX, false));
	assert_true(cache_has("cfg.example.", BOLT_TYPE_A, false));
	srv_stop();
	assert_int_equal(S.hs.reloads, 1);

	/* a bad data line is reported with the configuration's name */
	snprintf(S.cfg.local_data[0], sizeof(S.cfg.local_data[0]), "bad 30 A 1.2.3");
	snprintf(S.cfg.path, sizeof(S.cfg.path), "test.conf");
	assert_true(bolt_local_load(&S.cfg, S.region->cache, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "test.conf: local data 'bad 30 A 1.2.3'"));
	/* and stops the server from starting */
	int e = 0;
	uv_loop_t loop;
	uv_loop_init(&loop);
	assert_null(bolt_ctl_start(&loop, &S.cfg, S.region, NULL, &e));
	assert_true(e < 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	/* a missing hosts file too */
	S.cfg.nlocal_data = 0;
	snprintf(S.cfg.hosts_file, sizeof(S.cfg.hosts_file), "/nonexistent/hosts");
	assert_true(bolt_local_load(&S.cfg, S.region->cache, err, sizeof(err)) < 0);
	unlink(hosts);
}

static void test_hooks(void **state)
{
	(void)state;
	srv_start();
	expect_ok("verbosity 4", "verbosity: 4\n");
	expect_ok("json verbosity 0", "{\"ok\":true,\"result\":{\"verbosity\":0}}\n");
	expect_error("verbosity 5", "0..4");
	expect_error("verbosity -1", "0..4");
	expect_error("verbosity 1x", "0..4");
	expect_error("verbosity", "usage");
	expect_ok("reload", NULL);
	__atomic_store_n(&S.hs.reload_fail, BOLT_ECONFIG, __ATOMIC_RELAXED);
	expect_error("reload", "config.conf:3: something is wrong");
	srv_stop();
	assert_int_equal(S.hs.verbosity, 0);
	assert_int_equal(S.hs.verbosity_calls, 2);
	assert_int_equal(S.hs.reloads, 1);

	/* without hooks: a clear error, not a crash */
	int err = 0;
	assert_int_equal(uv_loop_init(&S.loop), 0);
	S.ctl = bolt_ctl_start(&S.loop, &S.cfg, S.region, NULL, &err);
	assert_non_null(S.ctl);
	assert_int_equal(uv_async_init(&S.loop, &S.stop, stop_cb), 0);
	S.stop.data = &S;
	assert_int_equal(uv_async_init(&S.loop, &S.switch_region, switch_cb), 0);
	S.switch_region.data = &S;
	assert_int_equal(uv_sem_init(&S.switched, 0), 0);
	assert_int_equal(uv_thread_create(&S.thr, run_loop, &S), 0);
	expect_error("reload", "not supported");
	expect_error("verbosity 2", "not supported");
	expect_ok("stats", NULL);
	srv_stop();
}

static void test_bad_input(void **state)
{
	(void)state;
	srv_start();
	expect_error("frobnicate", "unknown command 'frobnicate'");
	expect_error("", "empty request");
	expect_error("json", "empty request");
	expect_error("lookup \"www", "unterminated");
	expect_error("status \x01", "control character");
	expect_error("status 1 2 3 4 5 6 7 8 9 10", "too many arguments");
	expect_ok("help", "lookup NAME [TYPE]\n");

	/* a JSON client gets JSON errors */
	char *r = req("json nope");
	assert_string_equal(r, "{\"ok\":false,\"error\":\"unknown command 'nope' (try help)\"}\n");
	free(r);
	r = req("json lookup \"x");
	assert_string_equal(r, "{\"ok\":false,\"error\":\"unterminated quoted argument\"}\n");
	free(r);

	/* a line longer than the limit: one error, then the server hangs up */
	size_t n = BOLT_CTL_LINE_MAX + 100;
	char *big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\n';
	int fd = cconnect();
	send_all(fd, big, n + 1);
	r = read_all(fd);
	assert_string_equal(r, "error: request line too long\n");
	free(r);
	close(fd);
	free(big);

	/* exactly the limit is fine (and an unknown command) */
	big = malloc(BOLT_CTL_LINE_MAX + 1);
	memset(big, 'y', BOLT_CTL_LINE_MAX);
	big[BOLT_CTL_LINE_MAX] = '\0';
	r = req("%s", big);
	assert_true(is_error(r));
	assert_non_null(strstr(r, "unknown command"));
	free(r);
	free(big);

	/* binary garbage */
	char junk[3000];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	fd = cconnect();
	send_all(fd, junk, sizeof(junk));
	shutdown(fd, SHUT_WR);
	r = read_all(fd);
	assert_true(strncmp(r, "error: ", 7) == 0);
	free(r);
	close(fd);

	/* pipelined requests on one connection, the last without newline,
	 * and CRLF line ends: answered in order */
	fd = cconnect();
	const char *many = "verbosity 1\r\nbogus\nverbosity 2\nhelp";
	send_all(fd, many, strlen(many));
	shutdown(fd, SHUT_WR);
	r = read_all(fd);
	const char *v1 = strstr(r, "verbosity: 1\nok\n");
	const char *e = strstr(r, "error: unknown command 'bogus'");
	const char *v2 = strstr(r, "verbosity: 2\nok\n");
	const char *h = strstr(r, "\nstatus\nstats\n");
	assert_true(v1 && e && v2 && h && v1 < e && e < v2 && v2 < h);
	free(r);
	close(fd);

	/* a client that connects and leaves at once */
	for (int i = 0; i < 20; i++)
		close(cconnect());
	/* a client that leaves before reading its reply */
	for (int i = 0; i < 20; i++) {
		fd = cconnect();
		send_all(fd, "help\nstatus\n", 12);
		close(fd);
	}
	expect_ok("status", NULL);
	srv_stop();
}

/* The control plane starts before the region exists, attaches, detaches
 * (with a dump running) and attaches again. */
static void test_region_switch(void **state)
{
	(void)state;
	char name[64];
	/* Enough text (~8 MB) that the dump cannot fit in socket buffers. */
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "h%u.switch.example.", i);
		put_entry(name, BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 3600, 8, false);
	}
	S.use = NULL;
	srv_start();
	expect_ok("status", "region.attached: no\n");
	expect_ok("status", "dataplane.running: no\n");
	expect_error("lookup h1.switch.example.", "no shared region");
	expect_error("stats", "no shared region");
	expect_error("dump_cache", "no shared region");
	expect_error("flush_all", "no shared region");
	/* local data waits for the region */
	expect_ok("local_data add \"pending.example. 60 A 198.18.6.6\"", "records: 1\n");
	expect_ok("verbosity 2", NULL);

	srv_set_region(S.region);
	expect_ok("status", "region.attached: yes\n");
	expect_ok("lookup pending.example.", "198.18.6.6\n");
	expect_ok("lookup h7.switch.example.", "198.18.0.7\n");

	/* a dump stalled on a peer that does not read, then the region goes */
	int fd = cconnect();
	send_all(fd, "dump_cache\n", 11);
	shutdown(fd, SHUT_WR);
	usleep(100000);
	srv_set_region(NULL);
	char *r = read_all(fd);
	close(fd);
	assert_non_null(strstr(r, ";; h"));
	const char *last = r + strlen(r);
	assert_true(last - r > 30);
	assert_string_equal(last - strlen("error: dump interrupted\n"), "error: dump interrupted\n");
	free(r);
	expect_error("lookup pending.example.", "no shared region");

	/* attached again (a new region would do the same) */
	srv_set_region(S.region);
	expect_ok("lookup pending.example.", "198.18.6.6\n");
	expect_ok("stats", "total.queries: 0\n");
	srv_stop();
}

/* Clients that connect and go quiet are disconnected; busy ones are not. */
static void test_idle(void **state)
{
	(void)state;
	idle_override = 300;
	srv_start();
	int quiet = cconnect();
	int partial = cconnect();
	send_all(partial, "stat", 4);
	/* the server hangs up on both: read_all sees the end, no reply */
	char *r = read_all(quiet);
	assert_string_equal(r, "");
	free(r);
	r = read_all(partial);
	assert_string_equal(r, "");
	free(r);
	close(quiet);
	close(partial);
	/* one that keeps asking stays connected */
	int busy = cconnect();
	for (int i = 0; i < 8; i++) {
		send_all(busy, "help\n", 5);
		usleep(100000);
	}
	shutdown(busy, SHUT_WR);
	r = read_all(busy);
	assert_int_equal(count(r, "\nok\n"), 8);
	free(r);
	close(busy);
	srv_stop();
	idle_override = 0;
}

/* Reads dump_cache slowly: the walker waits for the reader (bounded queue)
 * and every entry arrives once. */
static void test_dump(void **state)
{
	(void)state;
	char name[64];
	const unsigned n = 3000;
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "host%u.dump.example.", i);
		put_entry(name, BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 3600, 1 + i % 8, false);
	}
	put_entry("gone.dump.example.", BOLT_TYPE_A, BOLT_CACHE_POSITIVE, 0, 1, false);
	srv_start();

	int fd = cconnect();
	send_all(fd, "dump_cache\n", 11);
	shutdown(fd, SHUT_WR);
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		assert_int_equal(poll(&p, 1, 20000), 1);
		if (len + 2048 + 1 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		/* small reads with pauses: a slow peer */
		ssize_t got = read(fd, buf + len, 2048);
		assert_true(got >= 0);
		if (got == 0)
			break;
		len += (size_t)got;
		if (len % 64 == 0)
			usleep(100);
	}
	buf[len] = '\0';
	close(fd);
	assert_true(ends_ok(buf));
	char tail[64];
	snprintf(tail, sizeof(tail), ";; %u entries\nok\n", n + 1);
	assert_non_null(strstr(buf, tail));
	assert_int_equal(count(buf, " do=0 positive NOERROR ttl="), n + 1);
	assert_non_null(strstr(buf, ";; host2999.dump.example. A do=0"));
	assert_non_null(strstr(buf, ";; gone.dump.example. A do=0 positive NOERROR ttl=0 expired\n"));
	free(buf);

	char *r = req("json dump_cache");
	snprintf(tail, sizeof(tail), "{\"ok\":true,\"result\":{\"entries\":%u}}\n", n + 1);
	assert_non_null(strstr(r, tail));
	assert_int_equal(count(r, "{\"entry\":{"), n + 1);
	assert_int_equal(count(r, "\n"), n + 2);
	free(r);

	/* a request after the dump on the same connection is still served */
	fd = cconnect();
	send_all(fd, "dump_cache\nverbosity 3\n", 23);
	shutdown(fd, SHUT_WR);
	r = read_all(fd);
	assert_non_null(strstr(r, " entries\nok\nverbosity: 3\nok\n"));
	free(r);
	close(fd);

	/* peers that leave mid-dump: no crash, nothing leaked (ASan), and
	 * the server goes on */
	for (int i = 0; i < 10; i++) {
		fd = cconnect();
		send_all(fd, "dump_cache\n", 11);
		char small[1000];
		if (i % 2)
			assert_true(read(fd, small, sizeof(small)) > 0);
		close(fd);
	}
	expect_ok("status", "cache.entries: 3001\n");

	/* the server stops while a dump is stalled on a peer not reading */
	fd = cconnect();
	send_all(fd, "dump_cache\n", 11);
	usleep(100000);
	srv_stop();
	close(fd);
}

static void test_socket_lifecycle(void **state)
{
	(void)state;
	/* a stale socket file (no server) is replaced */
	srv_start();
	srv_stop();
	char dir[200];
	snprintf(dir, sizeof(dir), "%s/run", sock_dir);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	srv_start();
	expect_ok("status", NULL);

	/* a live server's socket is never taken over */
	uv_loop_t loop;
	int err = 0;
	uv_loop_init(&loop);
	assert_null(bolt_ctl_start(&loop, &S.cfg, S.region, NULL, &err));
	assert_int_equal(err, -EADDRINUSE);
	assert_int_equal(uv_loop_close(&loop), 0);
	expect_ok("status", NULL);
	srv_stop();

	/* a path that is not a socket is left alone */
	FILE *f = fopen(sock_path, "w");
	assert_non_null(f);
	fclose(f);
	uv_loop_init(&loop);
	assert_null(bolt_ctl_start(&loop, &S.cfg, S.region, NULL, &err));
	assert_int_equal(err, -EEXIST);
	assert_int_equal(uv_loop_close(&loop), 0);
	unlink(sock_path);

	/* an unknown owner is refused */
	snprintf(S.cfg.socket_owner, sizeof(S.cfg.socket_owner), "no-such-user-boltdns");
	uv_loop_init(&loop);
	assert_null(bolt_ctl_start(&loop, &S.cfg, S.region, NULL, &err));
	assert_int_equal(uv_loop_close(&loop), 0);
	S.cfg.socket_owner[0] = '\0';
	/* owner and group that exist are applied */
	snprintf(S.cfg.socket_owner, sizeof(S.cfg.socket_owner), "root");
	snprintf(S.cfg.socket_group, sizeof(S.cfg.socket_group), "root");
	srv_start();
	expect_ok("status", NULL);
	srv_stop();
	S.cfg.socket_owner[0] = S.cfg.socket_group[0] = '\0';
}

/* The Prometheus page, rendered directly (the HTTP side is tested by
 * tests/unit/ctl/boltctl-test.sh with curl). */
static void test_metrics_render(void **state)
{
	(void)state;
	atomic_store(&S.region->hdr->dp_lcores, 1);
	set_counter(0, offsetof(struct bolt_lcore_stats, hits), 12);
	set_counter(0, offsetof(struct bolt_lcore_stats, rcode) + 3 * 8, 2);
	static struct bolt_ctl_sink sink;
	S.hs.upstream = 8;
	h_stats(&S.hs, &sink);
	struct sbuf b;
	ctl_sbuf_init(&b);
	ctl_metrics_render(S.region, &sink, &b);
	assert_false(b.oom);
	const char *t = b.data;
	assert_non_null(strstr(t, "# TYPE boltdns_hits_total counter\nboltdns_hits_total{lcore=\"0\"} 12\n"));
	assert_non_null(strstr(t, "boltdns_responses_total{lcore=\"0\",rcode=\"NXDOMAIN\"} 2\n"));
	assert_non_null(strstr(t, "boltdns_queries_by_type_total{lcore=\"0\",qtype=\"A\"} 0\n"));
	assert_non_null(strstr(t, "# TYPE boltdns_cache_entries gauge\n"));
	assert_non_null(strstr(t, "boltdns_cp_upstream_queries_total 8\n"));
	assert_non_null(strstr(t, "# TYPE boltdns_cp_resolution_seconds histogram\n"));
	assert_non_null(strstr(t, "boltdns_cp_resolution_seconds_bucket{le=\"0.001\"} 2\n"));
	assert_non_null(strstr(t, "boltdns_cp_resolution_seconds_bucket{le=\"+Inf\"} 8\n"));
	assert_non_null(strstr(t, "boltdns_cp_resolution_seconds_count 8\n"));
	assert_null(strstr(t, "lcore=\"1\""));
	assert_null(strstr(t, "boltdns_port_")); /* no dataplane ports described yet */
	/* every line is a comment or "name{labels} value" */
	for (const char *l = t; *l; l = strchr(l, '\n') + 1) {
		assert_non_null(strchr(l, '\n'));
		if (*l == '#')
			continue;
		assert_true(strncmp(l, "boltdns_", 8) == 0);
		const char *sp = strchr(l, ' ');
		assert_true(sp && sp < strchr(l, '\n'));
	}
	ctl_sbuf_free(&b);
	atomic_store(&S.region->hdr->dp_lcores, 0);
}

/* The structured output in both forms. */
static void test_output(void **state)
{
	(void)state;
	struct sbuf b;
	struct ctl_out o;
	for (int json = 0; json <= 1; json++) {
		ctl_sbuf_init(&b);
		ctl_out_init(&o, &b, json);
		ctl_out_u64(&o, "a", 1);
		ctl_out_obj_begin(&o, "o");
		ctl_out_str(&o, "s", "x\"y\nz");
		ctl_out_bool(&o, "t", true);
		ctl_out_obj_begin(&o, "in");
		ctl_out_i64(&o, "n", -2);
		ctl_out_obj_end(&o);
		ctl_out_obj_end(&o);
		ctl_out_arr_begin(&o, "l");
		ctl_out_str(&o, NULL, "one");
		ctl_out_str(&o, NULL, "two");
		ctl_out_arr_end(&o);
		ctl_out_dbl(&o, "d", 0.25);
		if (json)
			assert_string_equal(b.data, "\"a\":1,\"o\":{\"s\":\"x\\\"y\\u000az\",\"t\":true,"
			                            "\"in\":{\"n\":-2}},\"l\":[\"one\",\"two\"],\"d\":0.25");
		else
			assert_string_equal(b.data, "a: 1\no.s: x\"y z\no.t: yes\no.in.n: -2\none\ntwo\n"
			                            "d: 0.25\n");
		ctl_sbuf_free(&b);
	}
}

/* ---- ports ---- */

/* A DPDK port table as the dataplane fills it. */
static void fill_ports(struct bolt_port_table *t)
{
	memset(t, 0, sizeof(*t));
	t->io = BOLT_PORT_IO_DPDK;
	t->workers = 2;
	t->nports_total = 1;
	atomic_store(&t->updated, 1000);
	t->worker_lcore[0] = 3;
	t->worker_lcore[1] = 5;
	t->worker_tid[0] = 4242;
	t->worker_tid[1] = 4243;
	struct bolt_port_info *p = &t->port[0];
	strcpy(p->name, "0000:3b:00.0");
	strcpy(p->args, "rxq_cqe_comp_en=0");
	strcpy(p->driver, "net_ice");
	memcpy(p->mac, "\x02\x00\x5e\x10\xab\xcd", 6);
	p->port_id = 0;
	p->rx_queues = 2;
	p->tx_queues = 2;
	for (unsigned q = 0; q < BOLT_MAX_LCORES; q++)
		p->queue_lcore[q] = q == 0 ? 3 : q == 1 ? 5 : BOLT_PORT_NO_LCORE;
	atomic_store(&p->link_up, 1);
	atomic_store(&p->link_speed, 25000);
	atomic_store(&p->ctr.ipackets, 100);
	atomic_store(&p->ctr.opackets, 90);
	atomic_store(&p->ctr.ibytes, 6400);
	atomic_store(&p->ctr.obytes, 9000);
	atomic_store(&p->ctr.imissed, 7);
	atomic_store(&p->ctr.ierrors, 1);
	atomic_store(&p->ctr.oerrors, 2);
	atomic_store(&p->ctr.rx_nombuf, 3);
	atomic_store(&t->nports, 1);
}

static char *ports_text(bool json, uint64_t now)
{
	struct ctl_ports *ps = malloc(sizeof(*ps));
	struct sbuf b;
	struct ctl_out o;
	assert_non_null(ps);
	ctl_ports_read(S.region, ps);
	ctl_sbuf_init(&b);
	ctl_out_init(&o, &b, json);
	ctl_out_obj_begin(&o, "dataplane");
	ctl_ports_out(&o, ps, now);
	ctl_out_obj_end(&o);
	free(ps);
	size_t len;
	return ctl_sbuf_take(&b, &len);
}

static void test_ports_format(void **state)
{
	(void)state;
	struct bolt_port_table *t = bolt_region_ports(S.region);
	fill_ports(t);

	char *s = ports_text(false, 1002);
	assert_string_equal(s,
		"dataplane.io: dpdk\n"
		"dataplane.workers: 2\n"
		"dataplane.ports_updated_age: 2\n"
		"dataplane.worker.0.lcore: 3\n"
		"dataplane.worker.0.tid: 4242\n"
		"dataplane.worker.1.lcore: 5\n"
		"dataplane.worker.1.tid: 4243\n"
		"dataplane.port.0.name: 0000:3b:00.0\n"
		"dataplane.port.0.driver: net_ice\n"
		"dataplane.port.0.port_id: 0\n"
		"dataplane.port.0.args: rxq_cqe_comp_en=0\n"
		"dataplane.port.0.mac: 02:00:5e:10:ab:cd\n"
		"dataplane.port.0.link: up\n"
		"dataplane.port.0.speed_mbps: 25000\n"
		"dataplane.port.0.rx_queues: 2\n"
		"dataplane.port.0.tx_queues: 2\n"
		"dataplane.port.0.queue.0.lcore: 3\n"
		"dataplane.port.0.queue.1.lcore: 5\n"
		"dataplane.port.0.ipackets: 100\n"
		"dataplane.port.0.opackets: 90\n"
		"dataplane.port.0.ibytes: 6400\n"
		"dataplane.port.0.obytes: 9000\n"
		"dataplane.port.0.imissed: 7\n"
		"dataplane.port.0.ierrors: 1\n"
		"dataplane.port.0.oerrors: 2\n"
		"dataplane.port.0.rx_nombuf: 3\n");
	free(s);

	s = ports_text(true, 1002);
	assert_string_equal(s,
		"\"dataplane\":{\"io\":\"dpdk\",\"workers\":2,\"ports_updated_age\":2,"
		"\"worker\":{\"0\":{\"lcore\":3,\"tid\":4242},\"1\":{\"lcore\":5,\"tid\":4243}},"
		"\"port\":{\"0\":{\"name\":\"0000:3b:00.0\",\"driver\":\"net_ice\",\"port_id\":0,"
		"\"args\":\"rxq_cqe_comp_en=0\",\"mac\":\"02:00:5e:10:ab:cd\",\"link\":\"up\","
		"\"speed_mbps\":25000,\"rx_queues\":2,\"tx_queues\":2,"
		"\"queue\":{\"0\":{\"lcore\":3},\"1\":{\"lcore\":5}},\"ipackets\":100,\"opackets\":90,"
		"\"ibytes\":6400,\"obytes\":9000,\"imissed\":7,\"ierrors\":1,\"oerrors\":2,"
		"\"rx_nombuf\":3}}}");
	free(s);

	/* io = socket: listen addresses and worker threads, no NIC fields */
	memset(t, 0, sizeof(*t));
	t->io = BOLT_PORT_IO_SOCKET;
	t->workers = 1;
	t->nports_total = 1;
	t->worker_tid[0] = 77;
	strcpy(t->port[0].name, "[::1]@53");
	strcpy(t->port[0].driver, "socket");
	t->port[0].rx_queues = 1;
	t->port[0].queue_lcore[0] = 0;
	atomic_store(&t->nports, 1);
	s = ports_text(false, 0);
	assert_string_equal(s,
		"dataplane.io: socket\n"
		"dataplane.workers: 1\n"
		"dataplane.ports_updated_age: 0\n"
		"dataplane.worker.0.tid: 77\n"
		"dataplane.port.0.name: [::1]@53\n"
		"dataplane.port.0.driver: socket\n"
		"dataplane.port.0.sockets: 1\n"
		"dataplane.port.0.socket.0.worker: 0\n");
	free(s);

	/* A damaged table: unterminated strings, counts out of range, a
	 * control character. Bounded, one line per value, never a crash. */
	fill_ports(t);
	memset(t->port[0].name, 'n', sizeof(t->port[0].name));
	memset(t->port[0].args, 'a', sizeof(t->port[0].args));
	memset(t->port[0].driver, 'd', sizeof(t->port[0].driver));
	t->port[0].driver[3] = '\n';
	t->port[0].rx_queues = 60000;
	t->workers = 1000;
	t->nports_total = 9;
	atomic_store(&t->nports, 500);
	s = ports_text(false, 1000);
	char want[80];
	memset(want, 'n', 64);
	want[64] = '\0';
	assert_non_null(strstr(s, want));
	assert_null(strstr(s, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"));
	assert_non_null(strstr(s, "dataplane.port.0.driver: ddd ddddd"));
	assert_non_null(strstr(s, "dataplane.port.7.name: "));
	assert_null(strstr(s, "dataplane.port.8."));
	assert_non_null(strstr(s, "dataplane.port.0.rx_queues: 16\n"));
	assert_non_null(strstr(s, "dataplane.worker.15.tid: "));
	assert_null(strstr(s, "dataplane.worker.16."));
	assert_non_null(strstr(s, "dataplane.ports_not_listed: 1\n"));
	free(s);

	/* through the server: status lists the port, stats shows the NIC
	 * counters relative to the last reset */
	fill_ports(t);
	srv_start();
	char *r = req("status");
	assert_true(ends_ok(r));
	assert_non_null(strstr(r, "dataplane.port.0.mac: 02:00:5e:10:ab:cd\n"));
	assert_non_null(strstr(r, "dataplane.port.0.link: up\n"));
	free(r);
	r = req("stats");
	assert_non_null(strstr(r, "port.0.name: 0000:3b:00.0\nport.0.ipackets: 100\n"));
	free(r);
	atomic_store(&t->port[0].ctr.ipackets, 130);
	atomic_store(&t->port[0].ctr.imissed, 10);
	r = req("stats_noreset");
	assert_non_null(strstr(r, "port.0.ipackets: 30\n"));
	assert_non_null(strstr(r, "port.0.imissed: 3\n"));
	free(r);
	r = req("json stats_noreset");
	assert_non_null(strstr(r, "\"port\":{\"0\":{\"name\":\"0000:3b:00.0\",\"ipackets\":30,"));
	free(r);
	srv_stop();
	atomic_store(&t->nports, 0);
}

/* ---- local data answers (the resolver's miss path) ---- */

/* The kind of the cache entry of (name, type, DO=0), -1 when absent. */
static int cache_kind(const char *name, uint16_t type, uint32_t *expires)
{
	static uint8_t sections[BOLT_MSG_MAX];
	static uint16_t ttl_off[4096];
	struct bolt_cache_key k;
	struct bolt_cache_out out = { .sections = sections, .cap = sizeof(sections),
	                              .ttl_off = ttl_off, .ttl_cap = 4096 };
	memset(&k, 0, sizeof(k));
	int l = bolt_name_from_text(name, k.name);
	assert_true(l > 0);
	bolt_name_lower(k.name, (size_t)l);
	k.name_len = (uint8_t)l;
	k.qtype = type;
	k.qclass = BOLT_CLASS_IN;
	bolt_cache_key_hash(S.region->cache, &k);
	if (bolt_cache_lookup(S.region->cache, &k, bolt_now(), &out) != 0)
		return -1;
	if (expires)
		*expires = out.val.expires;
	return out.val.kind;
}

/* Query name/type; parse the answer into m (rrs/scratch static). */
static int lquery(struct ctl_local *l, struct bolt_local_answer *a, const char *name,
                  uint16_t type, struct bolt_msg *m)
{
	static struct bolt_rr rrs[64];
	static uint8_t scratch[2 * BOLT_MSG_MAX];
	uint8_t wire[BOLT_NAME_MAX];
	int len = bolt_name_from_text(name, wire);
	assert_true(len > 0);
	int r = bolt_local_query(l, S.region->cache, wire, (size_t)len, type, a);
	if (r > 0)
		assert_int_equal(bolt_msg_parse(a->msg, a->len, m, rrs, 64, scratch, sizeof(scratch)),
		                 0);
	return r;
}

static void add(struct ctl_local *l, const char *text)
{
	char err[256] = "";
	assert_int_equal(ctl_local_add_text(l, text, err, sizeof(err)), 0);
}

static void test_local_answers(void **state)
{
	(void)state;
	struct bolt_local_answer *a = malloc(sizeof(*a));
	struct bolt_msg m;
	char err[256];
	assert_non_null(a);
	struct ctl_local *l = ctl_local_new(S.region->cache);
	assert_non_null(l);
	assert_ptr_equal(bolt_local_active(), l);
	add(l, "gw.example. 60 A 198.18.7.1");
	add(l, "alias.example. 60 CNAME GW.example.");
	add(l, "ext.example. 60 CNAME www.remote.example.");
	add(l, "l1.example. 60 CNAME l2.example.");
	add(l, "l2.example. 60 CNAME l1.example.");

	/* NODATA for another type of a local name: authoritative, empty,
	 * inserted static for both DO values */
	assert_int_equal(lquery(l, a, "GW.example.", BOLT_TYPE_AAAA, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(BOLT_RCODE(m.flags), 0);
	assert_true(m.flags & BOLT_FLAG_AA);
	assert_int_equal(m.rrcount, 0);
	assert_int_equal(cache_kind("gw.example.", BOLT_TYPE_AAAA, NULL), BOLT_CACHE_STATIC);
	assert_true(cache_has("gw.example.", BOLT_TYPE_AAAA, true));
	assert_int_equal(ctl_local_derived_count(l), 1);
	/* its own RRset; names below and elsewhere are not local */
	assert_int_equal(lquery(l, a, "gw.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 1);
	assert_int_equal(lquery(l, a, "sub.gw.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_NONE);
	assert_int_equal(lquery(l, a, "example.", BOLT_TYPE_A, &m), BOLT_LOCAL_NONE);

	/* a CNAME answers every type, followed through local data */
	assert_int_equal(lquery(l, a, "alias.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 2);
	assert_int_equal(m.rrs[0].type, BOLT_TYPE_CNAME);
	assert_int_equal(m.rrs[1].type, BOLT_TYPE_A);
	assert_int_equal(cache_kind("alias.example.", BOLT_TYPE_A, NULL), BOLT_CACHE_STATIC);
	assert_int_equal(lquery(l, a, "alias.example.", BOLT_TYPE_MX, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 1);
	assert_int_equal(lquery(l, a, "alias.example.", BOLT_TYPE_CNAME, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 1);
	/* a loop ends the chain: each CNAME once */
	assert_int_equal(lquery(l, a, "l1.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 2);
	assert_int_equal(BOLT_RCODE(m.flags), 0);
	/* ANY: every RRset of the name */
	add(l, "gw.example. 60 TXT \"x\"");
	assert_int_equal(lquery(l, a, "gw.example.", BOLT_TYPE_ANY, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 2);

	/* a chain that leaves local data: the target to resolve */
	assert_int_equal(lquery(l, a, "ext.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_CHAIN);
	assert_int_equal(a->target_len, 20);
	assert_memory_equal(a->target, "\x03www\x06remote\x07" "example", 20);
	assert_int_equal(cache_kind("ext.example.", BOLT_TYPE_A, NULL), -1);
	/* completed with the target's answer: not authoritative, not static,
	 * it lives as long as the resolved part */
	uint8_t *ext = malloc(BOLT_MSG_MAX), *out = malloc(BOLT_MSG_MAX);
	uint8_t tname[BOLT_NAME_MAX], rd[4] = { 198, 51, 100, 7 };
	struct bolt_build b;
	int tl = bolt_name_from_text("www.remote.example.", tname);
	assert_int_equal(bolt_build_init(&b, ext, BOLT_MSG_MAX, 0, BOLT_FLAG_QR | BOLT_FLAG_RA), 0);
	assert_int_equal(bolt_build_question(&b, tname, (size_t)tl, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, tname, BOLT_TYPE_A, BOLT_CLASS_IN, 30,
	                               rd, 4), 0);
	int elen = bolt_build_finish(&b);
	assert_true(elen > 0);
	int n = bolt_local_complete(a, ext, (size_t)elen, out, BOLT_MSG_MAX, &b);
	assert_true(n > 0);
	static struct bolt_rr rrs[8];
	static uint8_t scratch[2 * BOLT_MSG_MAX];
	assert_int_equal(bolt_msg_parse(out, (size_t)n, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(m.rrcount, 2);
	assert_false(m.flags & BOLT_FLAG_AA);
	assert_int_equal(m.qtype, BOLT_TYPE_A);
	assert_int_equal(m.rrs[0].type, BOLT_TYPE_CNAME);
	assert_int_equal(m.rrs[1].type, BOLT_TYPE_A);
	assert_int_equal(m.rrs[1].ttl, 30);
	uint32_t now = bolt_now(), expires = 0;
	assert_int_equal(bolt_local_insert_chain(l, S.region->cache, a, out, (size_t)n, b.ttl_off,
	                                         b.nttl, false, now, 30, BOLT_CACHE_POSITIVE), 0);
	assert_int_equal(cache_kind("ext.example.", BOLT_TYPE_A, &expires), BOLT_CACHE_POSITIVE);
	assert_true(expires >= now + 29 && expires <= now + 31);

	/* an NXDOMAIN target: its rcode and SOA come along */
	assert_int_equal(bolt_build_init(&b, ext, BOLT_MSG_MAX, 0,
	                                 BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_RCODE_NXDOMAIN), 0);
	assert_int_equal(bolt_build_question(&b, tname, (size_t)tl, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	uint8_t soa[64];
	int sl = bolt_rdata_from_text(BOLT_TYPE_SOA, "ns.remote.example. h.remote.example. 1 2 3 4 5",
	                              soa, sizeof(soa));
	assert_true(sl > 0);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_AUTHORITY, tname + 4, BOLT_TYPE_SOA,
	                               BOLT_CLASS_IN, 5, soa, (uint16_t)sl), 0);
	elen = bolt_build_finish(&b);
	n = bolt_local_complete(a, ext, (size_t)elen, out, BOLT_MSG_MAX, &b);
	assert_true(n > 0);
	assert_int_equal(bolt_msg_parse(out, (size_t)n, &m, rrs, 8, scratch, sizeof(scratch)), 0);
	assert_int_equal(BOLT_RCODE(m.flags), BOLT_RCODE_NXDOMAIN);
	assert_int_equal(m.rrcount, 2);
	assert_int_equal(m.rrs[1].section, BOLT_SEC_AUTHORITY);
	/* garbage from upstream: an error, never a crash */
	assert_true(bolt_local_complete(a, ext, 5, out, BOLT_MSG_MAX, &b) < 0);

	/* a change after the chain was made: its completion is not cached */
	uint64_t gen = a->gen;
	add(l, "unrelated.example. 60 A 198.18.7.9");
	assert_true(bolt_local_generation() != gen);
	assert_int_equal(bolt_local_insert_chain(l, S.region->cache, a, out, (size_t)n, b.ttl_off,
	                                         b.nttl, false, now, 30, BOLT_CACHE_NXDOMAIN),
	                 BOLT_ELIMIT);

	/* local data at the chain's target: the chain through it goes */
	add(l, "www.remote.example. 60 A 198.18.7.3");
	assert_int_equal(cache_kind("ext.example.", BOLT_TYPE_A, NULL), -1);
	assert_int_equal(lquery(l, a, "ext.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(m.rrcount, 2);

	/* removing a name takes its NODATA and the chains through it */
	size_t before = ctl_local_derived_count(l);
	assert_int_equal(ctl_local_remove(l, (const uint8_t *)"\x02gw\x07" "example", 0), 2);
	assert_int_equal(cache_kind("gw.example.", BOLT_TYPE_AAAA, NULL), -1);
	assert_int_equal(cache_kind("alias.example.", BOLT_TYPE_A, NULL), -1);
	assert_int_equal(cache_kind("alias.example.", BOLT_TYPE_MX, NULL), -1);
	assert_true(ctl_local_derived_count(l) < before);
	assert_int_equal(lquery(l, a, "gw.example.", BOLT_TYPE_AAAA, &m), BOLT_LOCAL_NONE);
	assert_int_equal(lquery(l, a, "alias.example.", BOLT_TYPE_A, &m), BOLT_LOCAL_CHAIN);

	/* a name new to local data takes over: what the cache held for it
	 * from elsewhere goes (a hosts name's AAAA is NODATA from now on) */
	uint8_t buf[512];
	uint8_t nname[BOLT_NAME_MAX];
	int nl = bolt_name_from_text("new.example.", nname);
	uint8_t six[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	assert_int_equal(bolt_build_init(&b, buf, sizeof(buf), 0, BOLT_FLAG_QR | BOLT_FLAG_RA), 0);
	assert_int_equal(bolt_build_question(&b, nname, (size_t)nl, BOLT_TYPE_AAAA, BOLT_CLASS_IN), 0);
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, nname, BOLT_TYPE_AAAA, BOLT_CLASS_IN,
	                               300, six, 16), 0);
	int blen = bolt_build_finish(&b);
	assert_int_equal(bolt_answer_insert(S.region->cache, buf, (size_t)blen, b.ttl_off, b.nttl,
	                                    false, bolt_now(), 300, BOLT_CACHE_POSITIVE), 0);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_AAAA, NULL), BOLT_CACHE_POSITIVE);
	add(l, "new.example. 60 A 198.18.7.4");
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_AAAA, NULL), -1);
	/* ... and so does a full reload of the configuration */
	ctl_local_clear(l);
	assert_int_equal(bolt_answer_insert(S.region->cache, buf, (size_t)blen, b.ttl_off, b.nttl,
	                                    false, bolt_now(), 300, BOLT_CACHE_POSITIVE), 0);
	snprintf(S.cfg.local_data[0], sizeof(S.cfg.local_data[0]), "new.example. 30 A 198.18.8.8");
	S.cfg.nlocal_data = 1;
	assert_int_equal(ctl_local_load_config(l, &S.cfg, err, sizeof(err)), 0);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_AAAA, NULL), -1);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_A, NULL), BOLT_CACHE_STATIC);
	/* clear: every derived answer goes, static or not */
	assert_int_equal(lquery(l, a, "new.example.", BOLT_TYPE_MX, &m), BOLT_LOCAL_ANSWER);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_MX, NULL), BOLT_CACHE_STATIC);
	ctl_local_clear(l);
	assert_int_equal(cache_kind("new.example.", BOLT_TYPE_MX, NULL), -1);
	assert_int_equal(ctl_local_derived_count(l), 0);

	/* bad input is not an answer */
	assert_int_equal(bolt_local_query(NULL, NULL, nname, (size_t)nl, BOLT_TYPE_A, a),
	                 BOLT_LOCAL_NONE);
	assert_int_equal(bolt_local_query(l, NULL, nname, 0, BOLT_TYPE_A, a), BOLT_LOCAL_NONE);
	assert_int_equal(bolt_local_query(l, NULL, nname, (size_t)nl, 0, a), BOLT_LOCAL_NONE);

	ctl_local_free(l);
	assert_null(bolt_local_active());
	free(ext);
	free(out);
	free(a);
}

/* /metrics carries the port table: link gauges and the NIC counters by
 * port name. */
static void test_metrics_ports(void **state)
{
	(void)state;
	struct bolt_port_table *t = bolt_region_ports(S.region);
	fill_ports(t);
	struct sbuf b;
	ctl_sbuf_init(&b);
	ctl_metrics_render(S.region, NULL, &b);
	assert_false(b.oom);
	const char *m = b.data;
	assert_non_null(strstr(m, "# TYPE boltdns_port_link_up gauge\n"
	                          "boltdns_port_link_up{port=\"0000:3b:00.0\"} 1\n"));
	assert_non_null(strstr(m, "boltdns_port_link_speed_mbps{port=\"0000:3b:00.0\"} 25000\n"));
	assert_non_null(strstr(m, "# TYPE boltdns_port_ipackets_total counter\n"
	                          "boltdns_port_ipackets_total{port=\"0000:3b:00.0\"} 100\n"));
	assert_non_null(strstr(m, "boltdns_port_imissed_total{port=\"0000:3b:00.0\"} 7\n"));
	assert_non_null(strstr(m, "boltdns_port_rx_nombuf_total{port=\"0000:3b:00.0\"} 3\n"));
	ctl_sbuf_free(&b);

	/* a name with a quote and a backslash is escaped as a label value */
	strcpy(t->port[0].name, "a\"b\\c");
	ctl_sbuf_init(&b);
	ctl_metrics_render(S.region, NULL, &b);
	assert_non_null(strstr(b.data, "boltdns_port_link_up{port=\"a\\\"b\\\\c\"} 1\n"));
	ctl_sbuf_free(&b);
	memset(t, 0, sizeof(*t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_output),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_data_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_render, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
