/*
 * Repeatable sections of the INI configuration ([zone]): instances in file
 * order, keys per instance, the check of each instance with FILE:LINE, the
 * maximum count, printing that loads back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/wire.h"
#include "config_helpers.h"

static bool name_is(const uint8_t *wire, const char *text)
{
	char buf[1024];
	return bolt_name_to_text(wire, buf, sizeof(buf)) > 0 && strcmp(buf, text) == 0;
}

/* print -> load -> print gives the same text, and the loaded zones equal
 * the first (check_roundtrip of config_helpers.c and the [zone] sections). */
static void check_zones_roundtrip(const struct bolt_config *c)
{
	check_roundtrip(c);
	char *text = print_cfg(c);
	struct bolt_config *back = load_ok(text);
	assert_int_equal(back->nzones, c->nzones);
	assert_memory_equal(back->zones, c->zones, sizeof(c->zones[0]) * c->nzones);
	free(back);
	free(text);
}

static void test_none(void **state)
{
	(void)state;
	struct bolt_config *c = load_ok("[resolver]\nretries = 1\n");
	assert_int_equal(c->nzones, 0);
	char *text = print_cfg(c);
	assert_null(strstr(text, "[zone]"));
	free(text);
	free(c);
}

static void test_instances(void **state)
{
	(void)state;
	struct bolt_config *c = load_ok(
		"[zone]\n"
		"name = Corp.ISP.example\n"
		"type = forward\n"
		"servers = 198.18.0.1, 198.18.0.2@5353\n"
		"servers = [2001:db8::1]@53\n"
		"forward-first = yes\n"
		"[resolver]\n"
		"retries = 1\n"
		"[zone]\n"
		"name = 10.in-addr.arpa.\n"
		"type = stub\n"
		"servers = 198.18.1.22\n"
		"tcp = yes\n"
		"[zone]\n"
		"name = .\n"
		"servers = 127.0.0.1@5300\n");
	assert_int_equal(c->retries, 1);
	assert_int_equal(c->nzones, 3);
	const struct bolt_cfg_zone *z = &c->zones[0];
	assert_true(name_is(z->name, "corp.isp.example."));  /* stored lower-case */
	assert_int_equal(z->type, BOLT_ZONE_FORWARD);
	assert_int_equal(z->nservers, 3);
	assert_true(addr_is(&z->servers[0], "198.18.0.1@53"));
	assert_true(addr_is(&z->servers[1], "198.18.0.2@5353"));
	assert_true(addr_is(&z->servers[2], "[2001:db8::1]@53"));
	assert_true(z->forward_first);
	assert_false(z->tcp);
	z = &c->zones[1];
	assert_true(name_is(z->name, "10.in-addr.arpa."));
	assert_int_equal(z->type, BOLT_ZONE_STUB);
	assert_int_equal(z->nservers, 1);
	assert_false(z->forward_first);
	assert_true(z->tcp);
	/* defaults of an instance: forward, no fallback, UDP */
	z = &c->zones[2];
	assert_true(name_is(z->name, "."));
	assert_int_equal(z->type, BOLT_ZONE_FORWARD);
	assert_false(z->forward_first);
	assert_false(z->tcp);
	check_zones_roundtrip(c);
	free(c);
}

static void test_errors(void **state)
{
	(void)state;
	/* a key set twice in one instance, with the line of the first */
	load_bad("[zone]\nname = a.example\nservers = 198.18.0.1\nname = b.example\n", 4,
	         "[zone] name: already set on line 2");
	/* the same key in the next instance is that instance's own */
	struct bolt_config *c = load_ok("[zone]\nname = a.example\nservers = 198.18.0.1\n"
	                                "[zone]\nname = b.example\nservers = 198.18.0.2\n");
	assert_int_equal(c->nzones, 2);
	free(c);
	/* required keys: reported at the [zone] line, at the next section or the end */
	load_bad("[resolver]\nretries = 1\n[zone]\nservers = 198.18.0.1\n[resolver]\n", 3,
	         "[zone] without 'name'");
	load_bad("[zone]\nname = a.example\n", 1, "[zone] a.example. without 'servers'");
	load_bad("[zone]\nname = a.example\nservers = 198.18.0.1\n[zone]\n", 4,
	         "[zone] without 'name'");
	/* the same zone twice: at the second name */
	load_bad("[zone]\nname = a.example\nservers = 198.18.0.1\n\n[zone]\nservers = 198.18.0.2\n"
	         "name = A.example.\n", 7, "[zone] name: a.example. has a [zone] section already");
	/* values */
	load_bad("[zone]\nname = a..example\n", 2, "[zone] name: bad name 'a..example'");
	load_bad("[zone]\nname = a.example\ntype = hint\n", 3,
	         "[zone] type: 'hint' is not one of forward | stub");
	load_bad("[zone]\nname = a.example\nservers = 198.18.0.1@99999\n", 3,
	         "[zone] servers: bad address '198.18.0.1@99999'");
	load_bad("[zone]\nname = a.example\nservers =\n", 3, "[zone] servers: empty value");
	load_bad("[zone]\nname = a.example\nforward-first = maybe\n", 3, "[zone] forward-first:");
	load_bad("[zone]\nname = a.example\nrate = 5\n", 3, "unknown key 'rate' in [zone]");
	load_bad("[zones]\n", 1, "unknown section [zones] (known: dataplane, cache, control, "
	         "resolver, local, acl, ratelimit, dnssec, tls, dnstap, zone, rpz)");
	/* an error inside an instance wins over its missing keys */
	load_bad("[zone]\ntcp = perhaps\n", 2, "[zone] tcp:");
}

static void test_max(void **state)
{
	(void)state;
	size_t cap = (BOLT_CFG_MAX_ZONES + 1) * 64;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t len = 0;
	for (unsigned i = 0; i < BOLT_CFG_MAX_ZONES; i++)
		len += (size_t)snprintf(text + len, cap - len,
		                        "[zone]\nname = z%u.example\nservers = 198.18.0.%u\n", i, i % 250 + 1);
	struct bolt_config *c = load_ok(text);
	assert_int_equal(c->nzones, BOLT_CFG_MAX_ZONES);
	check_zones_roundtrip(c);
	free(c);
	snprintf(text + len, cap - len, "[zone]\nname = one.too.many\nservers = 198.18.0.1\n");
	load_bad(text, BOLT_CFG_MAX_ZONES * 3 + 1, "more than 64 [zone] sections");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
