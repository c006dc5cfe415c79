/*
 * The control socket test harness shared by test_ctl*.c: a region in
 * /dev/shm, the server on a libuv loop in its own thread, a client on a real
 * Unix socket connection, and cache entries put in directly.
 *
 * Shared state (cache entries, counters) is set up before the server thread
 * starts or written with atomic stores, so the tests are clean under TSan too.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_harness.h"
#include "ut_cache.h"

/* Under -fsanitize=undefined, undefined behaviour fails the run instead of
 * printing a line nobody reads (the sanitizer runtime calls this hook). */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

#define REGION_SIZE BOLT_REGION_MIN_SIZE

char region_path[128];
char sock_dir[80];
char sock_path[100]; /* fits sun_path */
struct srv S;
uint64_t idle_override;

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

void h_stats(void *arg, struct bolt_ctl_sink *s)
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
void srv_set_region(struct bolt_region *r)
{
	S.next = r;
	uv_async_send(&S.switch_region);
	uv_sem_wait(&S.switched);
}

/* Start the server on S.use with hooks (NULL: none) in its own thread. */
static void srv_start_with(const struct bolt_ctl_hooks *hooks)
{
	int err = 0;
	assert_int_equal(uv_loop_init(&S.loop), 0);
	S.ctl = bolt_ctl_start(&S.loop, &S.cfg, S.use, hooks, &err);
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

void srv_start(void)
{
	struct bolt_ctl_hooks hooks = {
		.arg = &S.hs,
		.reload = h_reload,
		.set_verbosity = h_verbosity,
		.stats = h_stats,
		.status = h_status,
	};
	srv_start_with(&hooks);
}

void srv_start_without_hooks(void)
{
	srv_start_with(NULL);
}

void srv_stop(void)
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

int cconnect(void)
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

void send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		assert_true(n > 0);
		data += n;
		len -= (size_t)n;
	}
}

/* Read until the server closes; returns a malloc'd NUL-terminated string. */
char *read_all(int fd)
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
char *req(const char *fmt, ...)
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

bool ends_ok(const char *r)
{
	size_t l = strlen(r);
	return l >= 3 && strcmp(r + l - 3, "ok\n") == 0 && (l == 3 || r[l - 4] == '\n');
}

bool is_error(const char *r)
{
	return strncmp(r, "error: ", 7) == 0 && strchr(r, '\n') == r + strlen(r) - 1;
}

void expect_ok(const char *line, const char *contains)
{
	char *r = req("%s", line);
	bool ok = strncmp(line, "json ", 5) == 0 ? strncmp(r, "{\"ok\":true,", 11) == 0 : ends_ok(r);
	if (!ok || (contains && !strstr(r, contains)))
		fail_msg("'%s' replied:\n%s", line, r);
	free(r);
}

void expect_error(const char *line, const char *contains)
{
	char *r = req("%s", line);
	if (!is_error(r) || (contains && !strstr(r, contains)))
		fail_msg("'%s' replied:\n%s", line, r);
	free(r);
}

unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- cache content ---- */

void put_entry(const char *name, uint16_t type, uint8_t kind, uint32_t ttl,
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

int cache_has(const char *name, uint16_t type, bool do_bit)
{
	struct bolt_cache_out out;
	int ret = ut_cache_find(S.region->cache, name, type, do_bit, bolt_now(), &out);
	return ret == 0 || ret == BOLT_EEXPIRED;
}

void set_counter(unsigned lcore, size_t off, uint64_t v)
{
	uint64_t *p = (uint64_t *)((uint8_t *)bolt_region_stats(S.region, lcore) + off);
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

int setup(void **state)
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

int teardown(void **state)
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
