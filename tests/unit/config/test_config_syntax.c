/*
 * The INI configuration's syntax: values (booleans, sizes, durations),
 * repeatable keys, structure errors, line numbers, long lines, the error
 * buffer, files, and printing that loads back (helpers: config_helpers.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boltdns/region.h"
#include "config_helpers.h"

static void test_value_syntax(void **state)
{
	(void)state;
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True", "On" };
	static const char *const no[] = { "no", "false", "off", "0", "NO", "False", "OFF" };
	char text[128];

	for (size_t i = 0; i < BOLT_ARRAY_SIZE(yes); i++) {
		snprintf(text, sizeof(text), "[cache]\nwipe = %s\n[resolver]\nprefetch = %s\n",
		         yes[i], no[i]);
		struct bolt_config *c = load_ok(text);
		assert_true(c->cache_wipe);
		assert_false(c->prefetch);
		free(c);
	}

	static const struct { const char *text; uint64_t bytes; } sizes[] = {
		{ "33554432", 32ull << 20 }, { "32768K", 32ull << 20 }, { "32768k", 32ull << 20 },
		{ "64M", 64ull << 20 }, { "64MB", 64ull << 20 }, { "2G", 2ull << 30 },
		{ "2g", 2ull << 30 }, { "1T", 1ull << 40 }, { "16T", 16ull << 40 },
	};
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(sizes); i++) {
		snprintf(text, sizeof(text), "[cache]\nsize = %s\nring-slots = 16\n", sizes[i].text);
		struct bolt_config *c = load_ok(text);
		assert_int_equal(c->cache_size, sizes[i].bytes);
		free(c);
	}

	struct bolt_config *c = load_ok("[resolver]\ntimeout = 2s\nmax-ttl = 2d\n"
	                                "max-negative-ttl = 15m\nstale-max-age = 1w\n"
	                                "servfail-ttl = 1h\n");
	assert_int_equal(c->timeout_ms, 2000);
	assert_int_equal(c->max_ttl, 2 * 86400);
	assert_int_equal(c->max_negative_ttl, 900);
	assert_int_equal(c->stale_max_age, 7 * 86400);
	assert_int_equal(c->servfail_ttl, 3600);
	free(c);
	c = load_ok("[resolver]\nworkers = 3\n");
	assert_int_equal(bolt_config_resolver_workers(c), 3);
	free(c);
	/* auto: the CPUs the dataplane leaves, at least one */
	c = load_ok("[dataplane]\nworkers = 16\n[resolver]\nworkers = auto\n");
	assert_int_equal(c->resolver_workers, BOLT_WORKERS_AUTO);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	assert_int_equal(bolt_config_resolver_workers(c), cpus > 17 ? cpus - 16 : 1);
	free(c);
	c = load_ok("[resolver]\ntimeout = 250ms\n");
	assert_int_equal(c->timeout_ms, 250);
	free(c);

	/* upper bounds are accepted */
	c = load_ok("[resolver]\nmax-ttl = 2147483647\n[control]\nsocket-mode = 777\n"
	            "[cache]\nshards = 256\n");
	assert_int_equal(c->max_ttl, 2147483647u);
	assert_int_equal(c->socket_mode, 0777);
	assert_int_equal(c->cache_shards, 256);
	free(c);

	/* spelling: '_' for '-', quotes, inline comments, blanks, "key: value" */
	c = load_ok("  [resolver]  \n"
	            "\tmax_cname=3   ; inline comment\n"
	            "root-hints = \"/etc/a file.hints\"\n"
	            "[dataplane]\n"
	            "eal: \"-l 0\"\n");
	assert_int_equal(c->max_cname, 3);
	assert_string_equal(c->root_hints, "/etc/a file.hints");
	assert_string_equal(c->eal, "-l 0");
	free(c);

	/* empty values that mean "none" */
	c = load_ok("[control]\nmetrics =\nsocket-owner =\n[dataplane]\nexception =\nxdp-prog =\n");
	assert_false(c->metrics_enabled);
	free(c);
	c = load_ok("[control]\nmetrics = [::1]\n");
	assert_true(c->metrics_enabled);
	/* the metrics port defaults to 9153 */
	assert_true(addr_is(&c->metrics, "[::1]@9153"));
	free(c);
}

static void test_repeatable(void **state)
{
	(void)state;
	struct bolt_config *c = load_ok(
		"[local]\n"
		"data = a.lan. 60 A 198.18.0.1\n"
		"data = a.lan. 60 AAAA 2001:db8::1\n"
		"data = \"t.lan. 60 TXT hello\"\n"
		"data = t.lan. 60 TXT \"quoted words\"\n"
		"[acl]\n"
		"allow = 198.18.0.0/16\n"
		"allow = 198.19.0.0/16, 2001:db8::/48\n"
		"[dataplane]\n"
		"address = 198.18.0.1\n"
		"address = 198.18.0.2,198.18.0.3\n");
	assert_int_equal(c->nlocal_data, 4);
	assert_string_equal(c->local_data[1], "a.lan. 60 AAAA 2001:db8::1");
	assert_string_equal(c->local_data[2], "t.lan. 60 TXT hello");
	assert_string_equal(c->local_data[3], "t.lan. 60 TXT \"quoted words\"");
	/* the first allow line replaced the default "everyone" */
	assert_int_equal(c->nallow, 3);
	/* an empty do-not-query-address clears the default list; a later line adds */
	struct bolt_config *d = load_ok("[resolver]\ndo-not-query-address =\n");
	assert_int_equal(d->ndo_not_query, 0);
	free(d);
	d = load_ok("[resolver]\ndo-not-query-address =\ndo-not-query-address = 192.0.2.0/24\n");
	assert_int_equal(d->ndo_not_query, 1);
	free(d);
	assert_int_equal(c->allow[0].len, 16);
	assert_int_equal(c->allow[2].family, AF_INET6);
	assert_int_equal(c->naddress, 3);
	assert_true(addr_is(&c->address[2], "198.18.0.3@53"));
	free(c);

	/* an empty list line clears: tcp-listen = (TCP off) */
	c = load_ok("[control]\ntcp-listen = 198.18.0.1\ntcp-listen =\n");
	assert_int_equal(c->ntcp_listen, 0);
	free(c);

	/* scalar keys may appear once */
	load_bad("[cache]\nsize = 2G\n\nsize = 4G\n", 4, "already set on line 2");
	load_bad("[cache]\nsize = 2G\n[cache]\nsize = 4G\n", 4, "already set on line 2");

	/* list limits */
	char text[16384];
	size_t n = (size_t)snprintf(text, sizeof(text), "[dataplane]\n");
	for (int i = 0; i < BOLT_CFG_MAX_ADDRS + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "address = 198.18.1.%d\n", i);
	load_bad(text, BOLT_CFG_MAX_ADDRS + 2, "more than 16 addresses");

	n = (size_t)snprintf(text, sizeof(text), "[acl]\nallow = 198.18.0.0/15");
	for (int i = 0; i < BOLT_CFG_MAX_PREFIXES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, ",10.%d.0.0/16", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	load_bad(text, 2, "more than 64 prefixes");

	char *big = malloc(BOLT_CFG_MAX_LOCAL * 40 + 64);
	assert_non_null(big);
	n = (size_t)sprintf(big, "[local]\n");
	for (int i = 0; i < BOLT_CFG_MAX_LOCAL; i++)
		n += (size_t)sprintf(big + n, "data = h%d.lan. 60 A 198.18.2.1\n", i);
	c = load_ok(big);
	assert_int_equal(c->nlocal_data, BOLT_CFG_MAX_LOCAL);
	free(c);
	sprintf(big + n, "data = one.more. 60 A 198.18.2.1\n");
	load_bad(big, BOLT_CFG_MAX_LOCAL + 2, "more than 256 lines");
	free(big);
}

static void test_structure_errors(void **state)
{
	(void)state;
	load_bad("[nosuch]\nkey = 1\n", 1, "unknown section [nosuch]");
	load_bad("# c\n\n[cache]\nsize = 2G\n[Cache]\n", 5, "unknown section [Cache]");
	load_bad("[cache]\nsize = 2G\n[nosuch]\n", 3, "unknown section");
	load_bad("[cache] junk\n", 1, "unexpected text after [cache]");
	load_bad("\xEF\xBB\xBF[nosuch]\n", 1, "unknown section [nosuch]");
	struct bolt_config *c = load_ok("\xEF\xBB\xBF[cache]\r\nwipe = on\r\n");
	assert_true(c->cache_wipe);
	free(c);
	load_bad("size = 2G\n", 1, "'size' outside any [section]");
	load_bad("[cache]\nsise = 2G\n", 2, "unknown key 'sise' in [cache]");
	load_bad("[cache]\nworkers = 2\n", 2, "unknown key 'workers' in [cache]");
	/* inih's own syntax errors keep their line */
	load_bad("[cache]\nsize = 2G\njust words\n", 3, "expected 'key = value'");
	load_bad("[cache\nsize = 2G\n", 1, "expected 'key = value'");
	/* the first error wins, whichever kind it is */
	load_bad("[cache]\nwords\nsize = x\n", 2, "expected");
	load_bad("[cache]\nsize = x\nwords\n", 2, "not a size");
	load_bad("[cache]\n\n\n\nshards = 5\n\n[resolver]\nmax-cname = x\n", 5, "power of two");
}

static void test_line_numbers(void **state)
{
	(void)state;
	/* comments, blanks, CRLF, indentation and a long line before the error */
	char text[4096];
	char eal[600];
	memset(eal, 'x', 400);
	eal[400] = '\0';
	snprintf(text, sizeof(text),
	         "; comment\r\n"
	         "# comment\r\n"
	         "\r\n"
	         "[dataplane]\r\n"
	         "    io = dpdk\r\n"
	         "eal = %s\r\n"
	         "\t\r\n"
	         "   ; indented comment\n"
	         "  workers = many\n", eal);
	load_bad(text, 9, "[dataplane] workers: 'many' is not a number");

	/* an indented line is a key of its own, not a continuation of the line above */
	load_bad("[dataplane]\neal = -l 0\n    -n 4\n", 3, "expected 'key = value'");
	load_bad("[dataplane]\neal = -l 0\n    workers = 1\nworkers = 2\n", 4, "already set on line 3");
}

static void test_long_lines(void **state)
{
	(void)state;
	char text[8192], val[1024];

	/* around inih's 200-byte line buffer, and beyond it */
	static const size_t lens[] = { 180, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200,
	                               201, 250, 500, BOLT_CFG_STR - 1 };
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(lens); i++) {
		for (size_t j = 0; j < lens[i]; j++)
			val[j] = (char)('a' + j % 26);
		val[lens[i]] = '\0';
		snprintf(text, sizeof(text), "[dataplane]\neal = %s   ; comment\nworkers = 3\n", val);
		struct bolt_config *c = load_ok(text);
		assert_string_equal(c->eal, val);
		assert_int_equal(c->workers, 3);
		free(c);

		snprintf(text, sizeof(text), "[dataplane]\neal   :   \"%s\"\n", val);
		c = load_ok(text);
		assert_string_equal(c->eal, val);
		free(c);
	}

	/* a long data line (TXT of two strings; one string holds at most 255) */
	memset(val, 'y', 150);
	val[150] = '\0';
	snprintf(text, sizeof(text), "[local]\ndata = long.lan. 60 TXT \"%s\" \"%s\"\n", val, val);
	struct bolt_config *c = load_ok(text);
	assert_int_equal(strlen(c->local_data[0]), 300 + strlen("long.lan. 60 TXT \"\" \"\""));
	free(c);
	memset(val, 'y', 256);
	val[256] = '\0';
	snprintf(text, sizeof(text), "[local]\ndata = long.lan. 60 TXT \"%s\"\n", val);
	load_bad(text, 2, "RDATA malformed");

	/* a long value that is wrong is reported on its line */
	memset(val, '9', 300);
	val[300] = '\0';
	snprintf(text, sizeof(text), "[cache]\n\nsize = %s\n", val);
	load_bad(text, 3, "out of range");

	/* longer than a string field */
	memset(val, 'z', 512);
	val[512] = '\0';
	snprintf(text, sizeof(text), "[dataplane]\neal = %s\n", val);
	load_bad(text, 2, "longer than 511 characters");

	/* a very long comment is fine; a very long key line is not */
	static char huge[20000];
	memset(huge, 'c', 19990);
	huge[0] = '#';
	strcpy(huge + 19990, "\n[cache]\n");
	c = load_ok(huge);
	free(c);
	memcpy(huge, "[cache]\neal=", 12);
	strcpy(huge + 19990, "\n");
	load_bad(huge, 2, "line longer than 4096 bytes");
	/* a long line with no '=' */
	memset(huge, 'w', 19990);
	memcpy(huge, "[cache]\n", 8);
	load_bad(huge, 2, "line longer than");
	memset(huge + 8, 'w', 300);
	strcpy(huge + 308, "\n");
	load_bad(huge, 2, "expected 'key = value'");
	/* a long section line */
	memcpy(huge, "[cache]\n[", 9);
	huge[250] = ']';
	strcpy(huge + 251, "\n");
	load_bad(huge, 2, "unknown section");
}

static void test_errbuf(void **state)
{
	(void)state;
	struct bolt_config *c = cfg_new();
	char err[10];
	assert_int_equal(bolt_config_load_string(c, "[x]\n", "a-long-name.conf", err, sizeof(err)),
	                 BOLT_ECONFIG);
	assert_string_equal(err, "a-long-na");
	assert_int_equal(bolt_config_load_string(c, "[x]\n", NULL, NULL, 0), BOLT_ECONFIG);
	assert_int_equal(bolt_config_load_string(c, "[cache]\nsize = 1G\n", NULL, NULL, 0), 0);
	assert_string_equal(c->path, "<string>");
	assert_int_equal(bolt_config_load_string(NULL, "", NULL, NULL, 0), -EINVAL);
	assert_int_equal(bolt_config_load_string(c, NULL, NULL, NULL, 0), -EINVAL);
	free(c);
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/boltdns-conf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char text[] = "[cache]\nsize = 256M\nring-slots = 256\n[control]\nverbosity = 9\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);

	struct bolt_config *c = cfg_new();
	char err[512], want[512];
	assert_int_equal(bolt_config_load(c, path, err, sizeof(err)), BOLT_ECONFIG);
	snprintf(want, sizeof(want), "%s:5: [control] verbosity: '9' out of range 0..4", path);
	assert_string_equal(err, want);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	static const char good[] = "[cache]\nsize = 256M\nring-slots = 256\n";
	assert_int_equal(write(fd, good, sizeof(good) - 1), (ssize_t)(sizeof(good) - 1));
	close(fd);
	assert_int_equal(bolt_config_load(c, path, err, sizeof(err)), 0);
	assert_int_equal(c->cache_size, 256ull << 20);
	assert_string_equal(c->path, path);

	/* a NUL byte is refused on its line */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[cache]\n\nsize = 1G\0\n", 20), 20);
	close(fd);
	assert_int_equal(bolt_config_load(c, path, err, sizeof(err)), BOLT_ECONFIG);
	snprintf(want, sizeof(want), "%s:3: NUL byte", path);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	unlink(path);

	assert_int_equal(bolt_config_load(c, "/nonexistent/boltdns.conf", err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/boltdns.conf: No such file or directory");
	assert_int_equal(bolt_config_load(c, "/tmp", err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "/tmp"));
	free(c);
}

static void test_print(void **state)
{
	(void)state;
	struct bolt_config *c = cfg_new();
	char *text = print_cfg(c);
	/* every section and a few keys, in the documented spelling */
	assert_non_null(strstr(text, "[dataplane]\nio = dpdk\n"));
	assert_non_null(strstr(text, "\n[ratelimit]\n"));
	assert_non_null(strstr(text, "size = 1073741824\n"));
	assert_non_null(strstr(text, "socket-mode = 0660\n"));
	assert_non_null(strstr(text, "allow = 0.0.0.0/0, ::/0\n"));
	assert_non_null(strstr(text, "metrics = \n"));
	/* idle-sleep not set: automatic, printed so that it loads back */
	assert_non_null(strstr(text, "idle-sleep = auto\n"));
	free(text);
	check_roundtrip(c);
	free(c);

	c = load_ok("[dataplane]\nidle-sleep = auto\n");
	assert_int_equal(c->idle_sleep_us, BOLT_IDLE_SLEEP_AUTO);
	free(c);
	c = load_ok("[dataplane]\nidle-sleep = 0\n");
	assert_int_equal(c->idle_sleep_us, 0);
	check_roundtrip(c);
	free(c);

	c = load_ok("[dataplane]\nio = socket\neal = \"  blanks at both ends  \"\n"
	            "address = 198.18.0.1@5300, [2001:db8::1]\n"
	            "[control]\nmetrics = [::1]@9100\ntcp-listen =\n"
	            "[resolver]\noutgoing = 198.18.0.9\ntimeout = 2s\n"
	            "[local]\ndata = a.lan. 60 TXT \"x \\059 y\"\ndata = b.lan. 60 A 198.18.0.2\n"
	            "[acl]\nallow = 198.18.0.0/15, 2001:db8::/32\naction = drop\n");
	assert_string_equal(c->eal, "  blanks at both ends  ");
	check_roundtrip(c);
	free(c);

	/* a value may start with ';' when no blank comes before it (inih's rule), long or not */
	load_bad("[cache]\npath = ;comment only\n", 2, "empty value");
	c = load_ok("[dataplane]\neal =;x\n");
	assert_string_equal(c->eal, ";x");
	check_roundtrip(c);
	free(c);
	char ltext[1024] = "[dataplane]\neal =;";
	memset(ltext + strlen(ltext), 'l', 300);
	c = load_ok(ltext);
	assert_int_equal(strlen(c->eal), 301);
	check_roundtrip(c);
	free(c);
	snprintf(ltext, sizeof(ltext), "[cache]\npath = ;%0300d\n", 7);
	load_bad(ltext, 2, "empty value");
	snprintf(ltext, sizeof(ltext), "[dataplane]\neal = %0300d ;comment\n", 7);
	c = load_ok(ltext);
	assert_int_equal(strlen(c->eal), 300);
	free(c);

	/* " ;" starts a comment even inside quotes (inih's rule): a TXT ';' is written \059 */
	load_bad("[local]\ndata = a.lan. 60 TXT \"x ; y\"\n", 2, "RDATA malformed");
	c = load_ok("[local]\ndata = a.lan. 60 TXT \"x;y\"\n");
	assert_string_equal(c->local_data[0], "a.lan. 60 TXT \"x;y\"");
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_syntax),
		cmocka_unit_test(test_repeatable),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_errbuf),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
