/*
 * Addresses and prefixes: bolt_sockaddr_parse/format, bolt_prefix_parse/match.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "boltdns/config.h"

static void test_sockaddr_good(void **state)
{
	(void)state;
	struct bolt_sockaddr sa;
	uint8_t v4[4] = { 198, 18, 0, 1 };
	uint8_t v6[16];
	inet_pton(AF_INET6, "2001:db8::1", v6);

	assert_int_equal(bolt_sockaddr_parse("198.18.0.1", &sa), 0);
	assert_int_equal(sa.family, AF_INET);
	assert_int_equal(sa.port, 0);
	assert_memory_equal(sa.addr, v4, 4);

	assert_int_equal(bolt_sockaddr_parse("198.18.0.1@5300", &sa), 0);
	assert_int_equal(sa.family, AF_INET);
	assert_int_equal(sa.port, 5300);
	assert_memory_equal(sa.addr, v4, 4);

	assert_int_equal(bolt_sockaddr_parse("2001:db8::1", &sa), 0);
	assert_int_equal(sa.family, AF_INET6);
	assert_int_equal(sa.port, 0);
	assert_memory_equal(sa.addr, v6, 16);

	assert_int_equal(bolt_sockaddr_parse("[2001:db8::1]@53", &sa), 0);
	assert_int_equal(sa.family, AF_INET6);
	assert_int_equal(sa.port, 53);
	assert_memory_equal(sa.addr, v6, 16);

	assert_int_equal(bolt_sockaddr_parse("[2001:db8::1]", &sa), 0);
	assert_int_equal(sa.port, 0);

	/* '@' cannot be part of an IPv6 address, so brackets are optional */
	assert_int_equal(bolt_sockaddr_parse("2001:db8::1@853", &sa), 0);
	assert_int_equal(sa.family, AF_INET6);
	assert_int_equal(sa.port, 853);

	assert_int_equal(bolt_sockaddr_parse("::@65535", &sa), 0);
	assert_int_equal(sa.port, 65535);
}

static void test_sockaddr_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "@53", "198.18.0", "198.18.0.256", "198.18.0.1@", "198.18.0.1@0",
		"198.18.0.1@65536", "198.18.0.1@99999999999999999999", "198.18.0.1@-1",
		"198.18.0.1@+53", "198.18.0.1@53x", " 198.18.0.1", "198.18.0.1 ",
		"[198.18.0.1]@53", "[2001:db8::1", "[2001:db8::1]53", "[2001:db8::1]@",
		"[2001:db8::1]x@53", "2001:db8::1::2", "fe80::1%eth0", "example.com",
		"198.18.0.1@53@53", "[]", "[]@53",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd",
	};
	struct bolt_sockaddr sa, orig;
	memset(&orig, 0xa5, sizeof(orig));
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(bad); i++) {
		sa = orig;
		if (bolt_sockaddr_parse(bad[i], &sa) != BOLT_ESYNTAX)
			fail_msg("accepted '%s'", bad[i]);
		/* the output is not touched by a failed parse */
		assert_memory_equal(&sa, &orig, sizeof(sa));
	}
	assert_int_equal(bolt_sockaddr_parse(NULL, &sa), BOLT_ESYNTAX);
}

static void test_sockaddr_format(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"198.18.0.1", "198.18.0.1@5300", "2001:db8::1", "[2001:db8::1]@53", "[::]@1",
	};
	char buf[64];
	struct bolt_sockaddr sa, back;

	for (size_t i = 0; i < BOLT_ARRAY_SIZE(texts); i++) {
		assert_int_equal(bolt_sockaddr_parse(texts[i], &sa), 0);
		int n = bolt_sockaddr_format(&sa, buf, sizeof(buf));
		assert_int_equal(n, (int)strlen(texts[i]));
		assert_string_equal(buf, texts[i]);
		assert_int_equal(bolt_sockaddr_parse(buf, &back), 0);
		assert_memory_equal(&sa, &back, sizeof(sa));
	}
	assert_int_equal(bolt_sockaddr_parse("198.18.0.1@5300", &sa), 0);
	assert_int_equal(bolt_sockaddr_format(&sa, buf, 5), BOLT_ESPACE);
	assert_int_equal(bolt_sockaddr_format(&sa, buf, 0), BOLT_ESPACE);
}

static void test_sockaddr_to_os(void **state)
{
	(void)state;
	struct bolt_sockaddr a;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	assert_int_equal(bolt_sockaddr_parse("198.18.0.7", &a), 0);
	assert_int_equal(bolt_sockaddr_to_os(&a, 853, &ss, &len), 0);
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
	assert_int_equal(len, sizeof(*s4));
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 853);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0xc6120007u);
	/* a written port wins over the default */
	assert_int_equal(bolt_sockaddr_parse("[2001:db8::1]@5353", &a), 0);
	assert_int_equal(bolt_sockaddr_to_os(&a, 53, &ss, &len), 0);
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
	assert_int_equal(len, sizeof(*s6));
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 5353);
	assert_int_equal(s6->sin6_addr.s6_addr[0], 0x20);
	assert_int_equal(s6->sin6_addr.s6_addr[15], 0x01);
	a.family = 0;
	assert_int_equal(bolt_sockaddr_to_os(&a, 53, &ss, NULL), -EAFNOSUPPORT);
}

static void test_prefix_parse(void **state)
{
	(void)state;
	struct bolt_prefix p;

	assert_int_equal(bolt_prefix_parse("198.18.0.0/15", &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 15);
	assert_int_equal(p.addr[0], 198);
	assert_int_equal(p.addr[1], 18);

	assert_int_equal(bolt_prefix_parse("198.18.0.7", &p), 0);
	assert_int_equal(p.len, 32);

	assert_int_equal(bolt_prefix_parse("2001:db8::/32", &p), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.len, 32);

	assert_int_equal(bolt_prefix_parse("2001:db8::1", &p), 0);
	assert_int_equal(p.len, 128);

	assert_int_equal(bolt_prefix_parse("0.0.0.0/0", &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(bolt_prefix_parse("::/0", &p), 0);
	assert_int_equal(p.family, AF_INET6);

	static const char *const bad[] = {
		"", "/8", "198.18.0.0/", "198.18.0.0/33", "2001:db8::/129", "198.18.0.0/-1",
		"198.18.0.0/8x", "198.18.0.1/15", "2001:db8::1/64", "10.0.0.0/8/8",
		"198.18.0.0/99999999999999999999", "host/24", "198.18.0.0 /15",
	};
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(bad); i++)
		if (bolt_prefix_parse(bad[i], &p) != BOLT_ESYNTAX)
			fail_msg("accepted '%s'", bad[i]);
}

static bool match(const char *prefix, const char *addr)
{
	struct bolt_prefix p;
	uint8_t a[16];
	int family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;

	assert_int_equal(bolt_prefix_parse(prefix, &p), 0);
	assert_int_equal(inet_pton(family, addr, a), 1);
	return bolt_prefix_match(&p, (uint8_t)family, a);
}

static void test_prefix_match(void **state)
{
	(void)state;
	assert_true(match("198.18.0.0/15", "198.18.0.1"));
	assert_true(match("198.18.0.0/15", "198.19.255.255"));
	assert_false(match("198.18.0.0/15", "198.20.0.0"));
	assert_false(match("198.18.0.0/15", "198.17.255.255"));
	assert_true(match("0.0.0.0/0", "203.0.113.9"));
	assert_true(match("198.18.0.7", "198.18.0.7"));
	assert_false(match("198.18.0.7", "198.18.0.6"));
	assert_true(match("198.18.0.128/25", "198.18.0.200"));
	assert_false(match("198.18.0.128/25", "198.18.0.127"));

	assert_true(match("2001:db8::/32", "2001:db8:1::1"));
	assert_false(match("2001:db8::/32", "2001:db9::1"));
	assert_true(match("2001:db8::/33", "2001:db8:7fff::1"));
	assert_false(match("2001:db8::/33", "2001:db8:8000::1"));
	assert_true(match("::/0", "2001:db8::1"));
	assert_true(match("2001:db8::1", "2001:db8::1"));
	assert_false(match("2001:db8::1", "2001:db8::2"));

	/* families never mix, except IPv4-mapped IPv6 against IPv4 prefixes */
	assert_false(match("0.0.0.0/0", "2001:db8::1"));
	assert_false(match("::/0", "198.18.0.1"));
	assert_true(match("198.18.0.0/15", "::ffff:198.18.3.4"));
	assert_false(match("198.18.0.0/15", "::ffff:198.20.3.4"));
	assert_true(match("::ffff:0:0/96", "::ffff:198.18.3.4"));

	assert_false(bolt_prefix_match(NULL, AF_INET, (const uint8_t *)"\1\2\3\4"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockaddr_good),
		cmocka_unit_test(test_sockaddr_bad),
		cmocka_unit_test(test_sockaddr_format),
		cmocka_unit_test(test_sockaddr_to_os),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_prefix_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
