/*
 * The control socket, end to end inside one process (ctl_harness.c): the
 * request parser and the structured output, then every command but local
 * data and the port table through a real Unix socket connection, good and
 * bad input, idle and slow peers, a peer that leaves mid-reply, the region
 * going and coming back, the socket file's life. Local data:
 * test_ctl_local.c; ports and /metrics: test_ctl_metrics.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_harness.h"

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
	srv_start_without_hooks();
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_output),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_lifecycle, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
