/*
 * The hosts-format reader.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "boltdns/hosts.h"

struct seen {
	unsigned n;
	unsigned stop_after;     /* 0 = never stop */
	char names[16][260];
	int family[16];
	uint8_t addr[16][16];
};

static int collect(const char *name, int family, const uint8_t *addr, void *arg)
{
	struct seen *s = arg;
	if (s->n < 16) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
		s->family[s->n] = family;
		memcpy(s->addr[s->n], addr, family == AF_INET ? 4 : 16);
	}
	s->n++;
	if (s->stop_after != 0 && s->n == s->stop_after)
		return -ECANCELED;
	return 0;
}

static void check_v4(const struct seen *s, unsigned i, const char *name, const char *addr)
{
	uint8_t a[4];
	assert_int_equal(inet_pton(AF_INET, addr, a), 1);
	assert_string_equal(s->names[i], name);
	assert_int_equal(s->family[i], AF_INET);
	assert_memory_equal(s->addr[i], a, 4);
}

static void check_v6(const struct seen *s, unsigned i, const char *name, const char *addr)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	assert_string_equal(s->names[i], name);
	assert_int_equal(s->family[i], AF_INET6);
	assert_memory_equal(s->addr[i], a, 16);
}

static void test_good(void **state)
{
	(void)state;
	static const char text[] =
		"# a comment\n"
		"\n"
		"198.18.0.1\tgw gw.example.net.   # trailing comment\n"
		"   \t  \n"
		"  2001:db8::53  ns1.example.net ns1\r\n"
		"198.18.0.2 under_score.example x-1.example\n"
		"#198.18.0.3 commented.example\n"
		"198.18.0.4 last.example";   /* no final newline */
	struct seen s = { 0 };
	char err[256];

	assert_int_equal(bolt_hosts_parse_string(text, "h", collect, &s, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(s.n, 7);
	check_v4(&s, 0, "gw", "198.18.0.1");
	check_v4(&s, 1, "gw.example.net", "198.18.0.1");
	check_v6(&s, 2, "ns1.example.net", "2001:db8::53");
	check_v6(&s, 3, "ns1", "2001:db8::53");
	check_v4(&s, 4, "under_score.example", "198.18.0.2");
	check_v4(&s, 5, "x-1.example", "198.18.0.2");
	check_v4(&s, 6, "last.example", "198.18.0.4");
}

static void test_empty(void **state)
{
	(void)state;
	struct seen s = { 0 };
	char err[64];
	assert_int_equal(bolt_hosts_parse_string("", "h", collect, &s, err, sizeof(err)), 0);
	assert_int_equal(bolt_hosts_parse_string("\n\n# x\n", "h", collect, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
}

static void expect_bad(const char *text, const char *prefix, const char *what)
{
	struct seen s = { 0 };
	char err[256];
	int ret = bolt_hosts_parse_string(text, "hosts", collect, &s, err, sizeof(err));
	if (ret != BOLT_ECONFIG)
		fail_msg("'%s' gave %d", text, ret);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL)
		fail_msg("'%s' gave '%s', wanted '%s...%s'", text, err, prefix, what);
}

static void test_bad(void **state)
{
	(void)state;
	char longname[300], longlabel[80];

	expect_bad("198.18.0.1\n", "hosts:1: ", "without a name");
	expect_bad("# ok\n198.18.0.1 ok\nnot-an-address x\n", "hosts:3: ", "bad address 'not-an-address'");
	expect_bad("\n\n\n198.18.0.256 x\n", "hosts:4: ", "bad address");
	expect_bad("fe80::1%eth0 x\n", "hosts:1: ", "scope IDs");
	expect_bad("198.18.0.1 a..b\n", "hosts:1: ", "empty label");
	expect_bad("198.18.0.1 .a\n", "hosts:1: ", "empty label");
	expect_bad("198.18.0.1 ok bad!name\n", "hosts:1: ", "bad name 'bad!name'");
	expect_bad("198.18.0.1 ok\n198.18.0.2 x/y\n", "hosts:2: ", "bad name");

	memset(longlabel, 'a', 64);
	longlabel[64] = '\0';
	char line[400];
	snprintf(line, sizeof(line), "198.18.0.1 %s.example\n", longlabel);
	expect_bad(line, "hosts:1: ", "label longer than 63");
	longlabel[63] = '\0';
	snprintf(line, sizeof(line), "198.18.0.1 %s.example\n", longlabel);
	struct seen s = { 0 };
	assert_int_equal(bolt_hosts_parse_string(line, "h", collect, &s, NULL, 0), 0);

	/* 253 characters is the longest name; 254 is one too many */
	for (int i = 0; i < 254; i++)
		longname[i] = (i % 2) ? '.' : 'a';
	longname[253] = '\0';
	snprintf(line, sizeof(line), "198.18.0.1 %s\n", longname);
	memset(&s, 0, sizeof(s));
	assert_int_equal(bolt_hosts_parse_string(line, "h", collect, &s, NULL, 0), 0);
	longname[253] = 'b';
	longname[254] = '\0';
	snprintf(line, sizeof(line), "198.18.0.1 %s\n", longname);
	expect_bad(line, "hosts:1: ", "longer than 253");
}

static void test_bad_line_adds_nothing(void **state)
{
	(void)state;
	struct seen s = { 0 };
	char err[256];
	int ret = bolt_hosts_parse_string("198.18.0.1 a\n198.18.0.2 b c! d\n", "h", collect, &s,
	                                  err, sizeof(err));
	assert_int_equal(ret, BOLT_ECONFIG);
	/* only the good first line was reported */
	assert_int_equal(s.n, 1);
}

static void test_callback_stops(void **state)
{
	(void)state;
	struct seen s = { .stop_after = 2 };
	int ret = bolt_hosts_parse_string("198.18.0.1 a b c\n198.18.0.2 d\n", "h", collect, &s,
	                                  NULL, 0);
	assert_int_equal(ret, -ECANCELED);
	assert_int_equal(s.n, 2);
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/boltdns-hosts-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char text[] = "198.18.0.9 file.example\n\n2001:db8::9 file.example\n"
	                           "198.18.0.10 bad!\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);

	struct seen s = { 0 };
	char err[512], want[512];
	assert_int_equal(bolt_hosts_parse(path, collect, &s, err, sizeof(err)), BOLT_ECONFIG);
	snprintf(want, sizeof(want), "%s:4: ", path);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	assert_int_equal(s.n, 2);
	check_v4(&s, 0, "file.example", "198.18.0.9");
	check_v6(&s, 1, "file.example", "2001:db8::9");

	/* a NUL byte inside a file line is refused, not silently cut */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "198.18.0.1 a\0b\n", 15), 15);
	close(fd);
	assert_int_equal(bolt_hosts_parse(path, collect, &s, err, sizeof(err)), BOLT_ECONFIG);
	assert_non_null(strstr(err, ":1: NUL byte"));
	unlink(path);

	assert_int_equal(bolt_hosts_parse("/nonexistent/hosts", collect, &s, err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/hosts"));
	assert_int_equal(bolt_hosts_parse("/tmp", collect, &s, err, sizeof(err)), -EISDIR);
}

static void test_truncated_errbuf(void **state)
{
	(void)state;
	char err[8];
	struct seen s = { 0 };
	assert_int_equal(bolt_hosts_parse_string("x y\n", "a-long-file-name", collect, &s, err,
	                                         sizeof(err)), BOLT_ECONFIG);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bad_line_adds_nothing),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_truncated_errbuf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
