/*
 * Root hints parser: the standard format, its variants, and bad input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltdns/errcode.h"
#include "iter/hints.h"

static const char standard[] =
	";       This file holds the information on root name servers\n"
	"; formerly NS.INTERNIC.NET\n"
	";\n"
	".                        3600000      NS    A.ROOT-SERVERS.NET.\n"
	"A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4\n"
	"A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30\n"
	";\n"
	".                        3600000      NS    B.ROOT-SERVERS.NET.\n"
	"B.ROOT-SERVERS.NET.      3600000      A     170.247.170.2\n"
	"; End of file";

static void test_standard(void **state)
{
	(void)state;
	struct root_hints h;
	char err[256];
	assert_int_equal(hints_parse(standard, "t", 53, &h, err, sizeof(err)), 0);
	assert_int_equal(h.n, 2);
	/* Names are stored lower-case. */
	uint8_t a[BOLT_NAME_MAX];
	bolt_name_from_text("a.root-servers.net.", a);
	assert_memory_equal(h.s[0].name, a, h.s[0].name_len);
	assert_int_equal(h.s[0].naddr, 2);
	assert_int_equal(h.s[0].addr[0].family, AF_INET);
	assert_int_equal(h.s[0].addr[0].port, 53);
	uint8_t v4[4] = { 198, 41, 0, 4 };
	assert_memory_equal(h.s[0].addr[0].addr, v4, 4);
	assert_int_equal(h.s[0].addr[1].family, AF_INET6);
	assert_int_equal(h.s[1].naddr, 1);
}

static void test_variants(void **state)
{
	(void)state;
	/* Class and TTL optional and in either order, addresses before their NS,
	 * CRLF line ends, comments after records, $-directives ignored. */
	const char *text = "$TTL 3600\r\n"
	                   "ns1.test. IN 3600 A 198.18.1.1 ; first\r\n"
	                   ". IN NS ns1.test.\r\n"
	                   ". NS ns2.test.\n"
	                   "ns2.test. A 198.18.1.2\n"
	                   "ns3.test. A 198.18.1.3\n"          /* not a root NS: ignored */
	                   "test. 3600 IN NS ns1.test.\n";     /* not the root: ignored */
	struct root_hints h;
	char err[256];
	assert_int_equal(hints_parse(text, "t", 5353, &h, err, sizeof(err)), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.s[0].naddr, 1);
	assert_int_equal(h.s[1].naddr, 1);
	assert_int_equal(h.s[1].addr[0].port, 5353);
}

static void test_errors(void **state)
{
	(void)state;
	struct root_hints h;
	char err[256];
	assert_int_equal(hints_parse(". NS a.test.\na.test. A 300.1.1.1\n", "f", 53, &h, err,
	                             sizeof(err)),
	                 BOLT_ESYNTAX);
	assert_non_null(strstr(err, "f:2:"));
	assert_int_equal(hints_parse(". NS\n", "f", 53, &h, err, sizeof(err)), BOLT_ESYNTAX);
	assert_non_null(strstr(err, "f:1:"));
	assert_int_equal(hints_parse(". NS a..b.\n", "f", 53, &h, err, sizeof(err)), BOLT_ESYNTAX);
	/* Nothing usable. */
	assert_int_equal(hints_parse("; empty\n", "f", 53, &h, err, sizeof(err)), BOLT_ENOENT);
	assert_int_equal(hints_parse(". NS a.test.\n", "f", 53, &h, err, sizeof(err)), BOLT_ENOENT);
	assert_int_equal(hints_parse("", "f", 53, &h, err, sizeof(err)), BOLT_ENOENT);
	/* A very long line is refused, not overflowed. */
	char big[3000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(hints_parse(big, "f", 53, &h, err, sizeof(err)), BOLT_ESYNTAX);
}

static void test_load(void **state)
{
	(void)state;
	char path[] = "/tmp/test_cp_hints.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, standard, strlen(standard)), (ssize_t)strlen(standard));
	close(fd);
	struct root_hints h;
	char err[256];
	assert_int_equal(hints_load(path, 53, &h, err, sizeof(err)), 0);
	assert_int_equal(h.n, 2);
	unlink(path);
	assert_true(hints_load(path, 53, &h, err, sizeof(err)) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
