/*
 * The INI configuration: every key good and bad, defaults, line numbers,
 * repeatable keys, long lines, files.
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

#include "boltdns/config.h"
#include "boltdns/region.h"

static struct bolt_config *cfg_new(void)
{
	struct bolt_config *c = malloc(sizeof(*c));
	assert_non_null(c);
	bolt_config_defaults(c);
	return c;
}

/* Load text that must be good. */
static struct bolt_config *load_ok(const char *text)
{
	struct bolt_config *c = cfg_new();
	char err[512];
	int ret = bolt_config_load_string(c, text, "t.conf", err, sizeof(err));
	if (ret != 0)
		fail_msg("refused (%d): %s\n--- text ---\n%s", ret, err, text);
	assert_string_equal(err, "");
	return c;
}

/* Load text that must be refused with "t.conf:LINE: ..." mentioning what. */
static void load_bad(const char *text, unsigned line, const char *what)
{
	struct bolt_config *c = cfg_new();
	struct bolt_config *orig = cfg_new();
	char err[512], prefix[32];
	int ret = bolt_config_load_string(c, text, "t.conf", err, sizeof(err));
	if (ret != BOLT_ECONFIG)
		fail_msg("accepted (%d)\n--- text ---\n%s", ret, text);
	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL)
		fail_msg("got '%s', wanted '%s...%s'\n--- text ---\n%s", err, prefix, what, text);
	/* a refused file leaves the caller's configuration as it was */
	assert_memory_equal(c, orig, sizeof(*c));
	free(c);
	free(orig);
}

/* One key in its section on line 2 must be refused on line 2. */
static void key_bad(const char *section, const char *kv, const char *what)
{
	char text[1024];
	snprintf(text, sizeof(text), "[%s]\n%s\n", section, kv);
	load_bad(text, 2, what);
}

static bool addr_is(const struct bolt_sockaddr *sa, const char *text)
{
	char buf[64];
	return bolt_sockaddr_format(sa, buf, sizeof(buf)) > 0 && strcmp(buf, text) == 0;
}

static void test_defaults(void **state)
{
	(void)state;
	struct bolt_config *c = cfg_new();

	assert_int_equal(c->io, BOLT_IO_DPDK);
	assert_string_equal(c->eal, "");
	assert_int_equal(c->naddress, 0);
	assert_int_equal(c->nlisten, 0);
	assert_int_equal(c->workers, 1);
	assert_int_equal(c->resolver_workers, 1);
	assert_int_equal(bolt_config_resolver_workers(c), 1);
	assert_int_equal(c->udp_max, 1232);
	assert_int_equal(c->idle_sleep_us, BOLT_IDLE_SLEEP_AUTO);
	assert_string_equal(c->exception, "");
	assert_string_equal(c->xdp_prog, "");
	assert_true(c->dp_cookies);

	assert_string_equal(c->cache_path, "/dev/hugepages/boltdns");
	assert_int_equal(c->cache_size, 1ull << 30);
	assert_int_equal(c->cache_shards, 0);
	assert_false(c->cache_wipe);
	assert_int_equal(c->ring_slots, 0);

	assert_string_equal(c->control_socket, "/run/boltdns/control.sock");
	assert_int_equal(c->socket_mode, 0660);
	assert_string_equal(c->socket_owner, "");
	assert_string_equal(c->socket_group, "");
	assert_int_equal(c->ntcp_listen, 0);
	assert_false(c->metrics_enabled);
	assert_int_equal(c->verbosity, 1);

	assert_string_equal(c->root_hints, "/usr/share/dns/root.hints");
	assert_true(c->qname_minimisation);
	assert_int_equal(c->edns_size, 1232);
	assert_int_equal(c->timeout_ms, 800);
	assert_int_equal(c->retries, 2);
	assert_int_equal(c->max_upstream, 64);
	assert_int_equal(c->max_inflight_zone, 100);
	assert_int_equal(c->zone_nxdomain_rate, 1000);
	assert_int_equal(c->max_inflight_server, 400);
	assert_true(c->nxdomain_cut);
	assert_int_equal(c->max_cname, 12);
	assert_int_equal(c->max_ns_chase, 6);
	assert_int_equal(c->max_depth, 4);
	assert_int_equal(c->servfail_ttl, 5);
	assert_int_equal(c->max_ttl, 86400);
	assert_int_equal(c->max_negative_ttl, 3600);
	assert_int_equal(c->infra_entries, 65536);
	assert_true(c->serve_stale);
	assert_int_equal(c->stale_max_age, 86400);
	assert_true(c->prefetch);
	assert_int_equal(c->noutgoing, 0);
	assert_int_equal(c->stale_answer_timeout_ms, 1800);
	assert_true(c->do_not_query_localhost);
	assert_int_equal(c->ndo_not_query, 5);
	uint8_t zero4[4] = { 0, 1, 2, 3 }, mc4[4] = { 224, 0, 0, 1 }, bc4[4] = { 255, 255, 255, 255 };
	uint8_t unspec6[16] = { 0 }, mc6[16] = { 0xff, 0x02 };
	bool hit[5] = { false };
	for (unsigned i = 0; i < c->ndo_not_query; i++) {
		hit[0] |= bolt_prefix_match(&c->do_not_query[i], AF_INET, zero4);
		hit[1] |= bolt_prefix_match(&c->do_not_query[i], AF_INET, mc4);
		hit[2] |= bolt_prefix_match(&c->do_not_query[i], AF_INET, bc4);
		hit[3] |= bolt_prefix_match(&c->do_not_query[i], AF_INET6, unspec6);
		hit[4] |= bolt_prefix_match(&c->do_not_query[i], AF_INET6, mc6);
		assert_false(bolt_prefix_match(&c->do_not_query[i], AF_INET, (uint8_t[4]){ 198, 18, 1, 1 }));
	}
	for (unsigned i = 0; i < 5; i++)
		assert_true(hit[i]);
	assert_int_equal(c->local_zones, BOLT_LOCAL_ZONES_DEFAULT);
	assert_int_equal(c->min_ttl, 0);

	assert_string_equal(c->hosts_file, "");
	assert_int_equal(c->nlocal_data, 0);

	assert_int_equal(c->nallow, 2);
	uint8_t any4[4] = { 203, 0, 113, 1 }, any6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	assert_true(bolt_prefix_match(&c->allow[0], AF_INET, any4));
	assert_true(bolt_prefix_match(&c->allow[1], AF_INET6, any6));
	assert_int_equal(c->acl_action, BOLT_ACL_REFUSE);

	assert_int_equal(c->rl_rate, 0);
	assert_int_equal(c->rl_slip, 2);
	assert_int_equal(c->rl_v4_prefix, 24);
	assert_int_equal(c->rl_v6_prefix, 56);

	/* an empty file gives the defaults, with the name recorded */
	struct bolt_config *e = load_ok("");
	strcpy(c->path, "t.conf");
	assert_memory_equal(c, e, sizeof(*c));
	free(e);
	free(c);
}

static void test_every_key_good(void **state)
{
	(void)state;
	struct bolt_config *c = load_ok(
		"[dataplane]\n"
		"io = socket\n"
		"eal = -l 0-1 -n 4 --file-prefix boltdns\n"
		"address = 198.18.0.53, 2001:db8::53\n"
		"listen = 198.18.0.53@5300, [2001:db8::53]@5300\n"
		"workers = 2\n"
		"udp-max = 4096\n"
		"idle-sleep = 250\n"
		"exception = dtap0\n"
		"xdp-prog = /usr/lib/boltdns/xdp.o\n"
		"cookies = no\n"
		"[cache]\n"
		"path = /dev/shm/boltdns\n"
		"size = 512M\n"
		"shards = 64\n"
		"wipe = yes\n"
		"ring-slots = 1024\n"
		"[control]\n"
		"socket = /run/boltdns/ctl.sock\n"
		"socket-mode = 0600\n"
		"socket-owner = bolt\n"
		"socket-group = bolt-admin\n"
		"tcp-listen = 198.18.0.53, [2001:db8::53]@5353\n"
		"metrics = 127.0.0.1@9100\n"
		"verbosity = 3\n"
		"[resolver]\n"
		"root-hints = /etc/boltdns/root.hints\n"
		"qname-minimisation = no\n"
		"edns-size = 1400\n"
		"timeout = 1500\n"
		"retries = 3\n"
		"max-upstream-queries = 100\n"
		"max-inflight-per-zone = 50\n"
		"max-inflight-per-server = 0\n"
		"nxdomain-cut = no\n"
		"max-cname = 8\n"
		"max-ns-chase = 3\n"
		"max-depth = 5\n"
		"servfail-ttl = 30\n"
		"max-ttl = 172800\n"
		"max-negative-ttl = 900\n"
		"infra-cache = 1024\n"
		"serve-stale = off\n"
		"stale-max-age = 3600\n"
		"prefetch = false\n"
		"outgoing = 198.18.0.60, 2001:db8::60\n"
		"stale-answer-timeout = 2s\n"
		"do-not-query-localhost = no\n"
		"do-not-query-address = 198.51.100.0/24\n"
		"do-not-query-address = 2001:db8:dead::/48\n"
		"local-zones = none\n"
		"min-ttl = 1m\n"
		"[local]\n"
		"hosts = /etc/boltdns/hosts\n"
		"data = router.lan. 300 A 198.18.0.1\n"
		"data = router.lan. 300 IN AAAA 2001:db8::1\n"
		"[acl]\n"
		"allow = 198.18.0.0/15, 2001:db8::/32\n"
		"action = drop\n"
		"[ratelimit]\n"
		"rate = 200\n"
		"slip = 3\n"
		"ipv4-prefix = 28\n"
		"ipv6-prefix = 64\n");

	assert_string_equal(c->path, "t.conf");
	assert_int_equal(c->io, BOLT_IO_SOCKET);
	assert_string_equal(c->eal, "-l 0-1 -n 4 --file-prefix boltdns");
	assert_int_equal(c->naddress, 2);
	/* addresses without a port get 53 */
	assert_true(addr_is(&c->address[0], "198.18.0.53@53"));
	assert_true(addr_is(&c->address[1], "[2001:db8::53]@53"));
	assert_int_equal(c->nlisten, 2);
	assert_true(addr_is(&c->listen[0], "198.18.0.53@5300"));
	assert_true(addr_is(&c->listen[1], "[2001:db8::53]@5300"));
	assert_int_equal(c->workers, 2);
	assert_int_equal(c->udp_max, 4096);
	assert_int_equal(c->idle_sleep_us, 250);
	assert_string_equal(c->exception, "dtap0");
	assert_string_equal(c->xdp_prog, "/usr/lib/boltdns/xdp.o");
	assert_false(c->dp_cookies);

	assert_string_equal(c->cache_path, "/dev/shm/boltdns");
	assert_int_equal(c->cache_size, 512ull << 20);
	assert_int_equal(c->cache_shards, 64);
	assert_true(c->cache_wipe);
	assert_int_equal(c->ring_slots, 1024);

	assert_string_equal(c->control_socket, "/run/boltdns/ctl.sock");
	assert_int_equal(c->socket_mode, 0600);
	assert_string_equal(c->socket_owner, "bolt");
	assert_string_equal(c->socket_group, "bolt-admin");
	assert_int_equal(c->ntcp_listen, 2);
	assert_true(addr_is(&c->tcp_listen[0], "198.18.0.53@53"));
	assert_true(addr_is(&c->tcp_listen[1], "[2001:db8::53]@5353"));
	assert_true(c->metrics_enabled);
	assert_true(addr_is(&c->metrics, "127.0.0.1@9100"));
	assert_int_equal(c->verbosity, 3);

	assert_string_equal(c->root_hints, "/etc/boltdns/root.hints");
	assert_false(c->qname_minimisation);
	assert_int_equal(c->edns_size, 1400);
	assert_int_equal(c->timeout_ms, 1500);
	assert_int_equal(c->retries, 3);
	assert_int_equal(c->max_upstream, 100);
	assert_int_equal(c->max_inflight_zone, 50);
	assert_int_equal(c->max_inflight_server, 0);
	assert_false(c->nxdomain_cut);
	assert_int_equal(c->max_cname, 8);
	assert_int_equal(c->max_ns_chase, 3);
	assert_int_equal(c->max_depth, 5);
	assert_int_equal(c->servfail_ttl, 30);
	assert_int_equal(c->max_ttl, 172800);
	assert_int_equal(c->max_negative_ttl, 900);
	assert_int_equal(c->infra_entries, 1024);
	assert_false(c->serve_stale);
	assert_int_equal(c->stale_max_age, 3600);
	assert_false(c->prefetch);
	assert_int_equal(c->noutgoing, 2);
	assert_true(addr_is(&c->outgoing[0], "198.18.0.60"));
	assert_true(addr_is(&c->outgoing[1], "2001:db8::60"));
	assert_int_equal(c->stale_answer_timeout_ms, 2000);
	assert_false(c->do_not_query_localhost);
	assert_int_equal(c->ndo_not_query, 2);
	assert_true(bolt_prefix_match(&c->do_not_query[0], AF_INET, (uint8_t[4]){ 198, 51, 100, 7 }));
	assert_int_equal(c->do_not_query[1].family, AF_INET6);
	assert_int_equal(c->do_not_query[1].len, 48);
	assert_int_equal(c->local_zones, BOLT_LOCAL_ZONES_NONE);
	assert_int_equal(c->min_ttl, 60);

	assert_string_equal(c->hosts_file, "/etc/boltdns/hosts");
	assert_int_equal(c->nlocal_data, 2);
	assert_string_equal(c->local_data[0], "router.lan. 300 A 198.18.0.1");
	assert_string_equal(c->local_data[1], "router.lan. 300 IN AAAA 2001:db8::1");

	assert_int_equal(c->nallow, 2);
	uint8_t in4[4] = { 198, 19, 1, 1 }, out4[4] = { 203, 0, 113, 1 };
	assert_true(bolt_prefix_match(&c->allow[0], AF_INET, in4));
	assert_false(bolt_prefix_match(&c->allow[0], AF_INET, out4));
	assert_int_equal(c->allow[1].family, AF_INET6);
	assert_int_equal(c->allow[1].len, 32);
	assert_int_equal(c->acl_action, BOLT_ACL_DROP);

	assert_int_equal(c->rl_rate, 200);
	assert_int_equal(c->rl_slip, 3);
	assert_int_equal(c->rl_v4_prefix, 28);
	assert_int_equal(c->rl_v6_prefix, 64);
	free(c);
}

static void test_every_key_bad(void **state)
{
	(void)state;
	key_bad("dataplane", "io = xdp", "not one of dpdk | socket");
	key_bad("dataplane", "io =", "empty value");
	key_bad("dataplane", "address = 198.18.0.300", "bad address '198.18.0.300'");
	key_bad("dataplane", "address = 198.18.0.1, , 198.18.0.2", "bad address ''");
	key_bad("dataplane", "address = 198.18.0.1@0", "bad address");
	key_bad("dataplane", "listen = 198.18.0.1@65536", "bad address");
	key_bad("dataplane", "listen = 2001:db8::1]@53", "bad address");
	key_bad("resolver", "workers = 0", "out of range 1..16");
	key_bad("resolver", "workers = 17", "out of range 1..16");
	key_bad("resolver", "workers = many", "not a number");
	key_bad("dataplane", "workers = 0", "out of range 1..16");
	key_bad("dataplane", "workers = 17", "out of range 1..16");
	key_bad("dataplane", "workers = two", "not a number");
	key_bad("dataplane", "workers = -1", "not a number");
	key_bad("dataplane", "workers = 1.5", "not a number");
	key_bad("dataplane", "udp-max = 511", "out of range 512..4096");
	key_bad("dataplane", "udp-max = 4097", "out of range");
	key_bad("dataplane", "idle-sleep = 10001", "out of range");
	key_bad("dataplane", "idle-sleep = -1", "");
	key_bad("dataplane", "idle-sleep = automatic", "");
	key_bad("dataplane", "exception = a-very-long-interface-name", "not an interface name");
	key_bad("dataplane", "exception = eth/0", "not an interface name");

	key_bad("cache", "path =", "empty value");
	key_bad("cache", "size = 1G1", "not a size");
	key_bad("cache", "size = 1X", "not a size");
	key_bad("cache", "size = G", "not a size");
	key_bad("cache", "size = -1G", "not a size");
	key_bad("cache", "size = 1023K", "out of range 32M..16T");
	key_bad("cache", "size = 31M", "out of range 32M..16T");
	key_bad("cache", "size = 17T", "out of range");
	key_bad("cache", "size = 99999999999999999999", "out of range");
	key_bad("cache", "size = 18014398509481984K", "out of range"); /* 2^54 K overflows 64 bits */
	key_bad("cache", "shards = 3", "not a power of two (or 0 for automatic)");
	key_bad("cache", "shards = 512", "out of range 1..256 (or 0 for automatic)");
	key_bad("cache", "shards = 256\nsize = 200M", "shards = 256 is too many for a");
	key_bad("cache", "wipe = maybe", "not yes/no");
	key_bad("dataplane", "cookies = sometimes", "not yes/no");
	key_bad("cache", "ring-slots = 1000", "not a power of two (or 0 for automatic)");
	key_bad("cache", "ring-slots = 8", "out of range 16..1048576 (or 0 for automatic)");
	key_bad("cache", "ring-slots = 2097152", "out of range");

	key_bad("control", "socket =", "empty value");
	key_bad("control", "socket = /run/boltdns/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock", "longer than 107");
	key_bad("control", "socket-mode = 0800", "not an octal mode");
	key_bad("control", "socket-mode = 1777", "not an octal mode");
	key_bad("control", "socket-mode = rw", "not an octal mode");
	key_bad("control", "socket-owner = bad user", "not a user or group name");
	key_bad("control", "socket-group = -g", "not a user or group name");
	key_bad("control", "socket-owner = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	        "not a user or group name");
	key_bad("control", "tcp-listen = localhost@53", "bad address 'localhost@53'");
	key_bad("control", "metrics = 127.0.0.1:9153", "bad address");
	key_bad("control", "verbosity = 5", "out of range 0..4");

	key_bad("resolver", "root-hints =", "empty value");
	key_bad("resolver", "qname-minimisation = 2", "not yes/no");
	key_bad("resolver", "edns-size = 4097", "out of range 512..4096");
	key_bad("resolver", "edns-size = 100", "out of range");
	key_bad("resolver", "timeout = 5", "out of range 10..60000");
	key_bad("resolver", "timeout = 61s", "out of range");
	key_bad("resolver", "timeout = 1m", "not a number (milliseconds");
	key_bad("resolver", "retries = 11", "out of range 0..10");
	key_bad("resolver", "max-upstream-queries = 0", "out of range 1..1000");
	key_bad("resolver", "max-inflight-per-zone = 100001", "out of range 0..100000");
	key_bad("resolver", "zone-nxdomain-rate = 10000001", "out of range 0..10000000");
	key_bad("resolver", "max-inflight-per-server = -1", "not a number");
	key_bad("resolver", "nxdomain-cut = 1x", "not yes/no");
	key_bad("resolver", "max-cname = 65", "out of range 0..64");
	key_bad("resolver", "max-ns-chase = 65", "out of range 0..64");
	key_bad("resolver", "max-depth = 0", "out of range 1..16");
	key_bad("resolver", "servfail-ttl = 2h", "out of range 0..3600");
	key_bad("resolver", "max-ttl = 0", "out of range 1..2147483647");
	key_bad("resolver", "max-ttl = 2147483648", "out of range");
	key_bad("resolver", "max-negative-ttl = 1y", "not a number (seconds");
	key_bad("resolver", "infra-cache = 10", "out of range 64..16777216");
	key_bad("resolver", "serve-stale = yess", "not yes/no");
	key_bad("resolver", "stale-max-age = 99999999999w", "out of range");
	key_bad("resolver", "prefetch = nope", "not yes/no");
	key_bad("resolver", "outgoing = 198.18.0.60@53", "a source address takes no port");
	key_bad("resolver", "outgoing = 198.18.0", "bad address");
	key_bad("resolver", "stale-answer-timeout = 61s", "out of range 0..60000");
	key_bad("resolver", "stale-answer-timeout = 1.8s", "not a number (milliseconds");
	key_bad("resolver", "stale-answer-timeout =", "empty value");
	key_bad("resolver", "do-not-query-localhost = maybe", "not yes/no");
	key_bad("resolver", "do-not-query-address = 127.0.0.1/8", "bits set beyond the prefix length");
	key_bad("resolver", "do-not-query-address = localhost", "bad prefix 'localhost'");
	key_bad("resolver", "do-not-query-address = 10.0.0.0/8, 300.1.1.1", "bad prefix '300.1.1.1'");
	key_bad("resolver", "local-zones = all", "not one of default | none");
	key_bad("resolver", "local-zones =", "empty value");
	key_bad("resolver", "min-ttl = 2d", "out of range 0..86400");
	key_bad("resolver", "min-ttl = -5", "not a number (seconds");

	key_bad("local", "data = router.lan. 300 A", "RDATA missing");
	key_bad("local", "data = router.lan.", "expected 'NAME TTL [IN] TYPE RDATA'");
	key_bad("local", "data = router.lan. x A 198.18.0.1", "TTL must be a number");
	key_bad("local", "data = router.lan. 2147483648 A 198.18.0.1", "TTL must be a number");
	key_bad("local", "data = router.lan. 300 CH A 198.18.0.1", "only class IN");
	key_bad("local", "data = router.lan. 300 IN IN 198.18.0.1", "only class IN");
	key_bad("local", "data = router.lan. 300 IN", "expected");
	key_bad("local", "data = router.lan. 300 A-RR 198.18.0.1", "unknown TYPE");
	key_bad("local", "data = router.lan. 300 A 198.18.0", "RDATA malformed");
	key_bad("local", "data = router.lan. 300 AAAA 198.18.0.1", "RDATA malformed");
	key_bad("local", "data = router.lan. 300 A 198.18.0.1 extra", "RDATA malformed");
	key_bad("local", "data = a..lan. 300 A 198.18.0.1", "NAME is not a domain name");
	key_bad("local", "data = router.lan. 300 HINFO x y", "no text form here");
	key_bad("local", "data = router.lan. 300 ANY 198.18.0.1", "not a record that can be served");
	key_bad("local", "data = t.lan. 300 TXT \"unterminated", "RDATA malformed");
	key_bad("local", "data =", "empty value");

	key_bad("acl", "allow = 198.18.0.1/15", "bits set beyond the prefix length");
	key_bad("acl", "allow = 198.18.0.0/33", "prefix length must be 0..32");
	key_bad("acl", "allow = 2001:db8::/129", "prefix length must be 0..128");
	key_bad("acl", "allow = everyone", "bad prefix 'everyone'");
	key_bad("acl", "allow =", "empty value");
	key_bad("acl", "action = deny", "not one of refuse | drop");

	key_bad("ratelimit", "rate = 10000001", "out of range 0..10000000");
	key_bad("ratelimit", "slip = 101", "out of range 0..100");
	key_bad("ratelimit", "ipv4-prefix = 33", "out of range 1..32");
	key_bad("ratelimit", "ipv4-prefix = 0", "out of range");
	key_bad("ratelimit", "ipv6-prefix = 129", "out of range 1..128");
}

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

static void test_cross_checks(void **state)
{
	(void)state;
	/* io = socket listens on the service addresses when listen is not given */
	struct bolt_config *c = load_ok("[dataplane]\nio = socket\naddress = 198.18.0.1@5300\n");
	assert_int_equal(c->nlisten, 1);
	assert_true(addr_is(&c->listen[0], "198.18.0.1@5300"));
	free(c);
	load_bad("\n[dataplane]\nio = socket\n", 3, "io = socket needs 'listen'");

	/* rings of 16 lcores x 4096 slots need about 288M */
	load_bad("[cache]\nring-slots = 4096\n\nsize = 64M\n", 4, "too small for ring-slots = 4096");
	load_bad("[cache]\nring-slots = 65536\n", 2, "too small for ring-slots = 65536");
	c = load_ok("[cache]\nsize = 32M\nring-slots = 128\n");
	free(c);
	/* automatic ring slots fit any size */
	c = load_ok("[cache]\nsize = 32M\nshards = 16\n");
	free(c);
	c = load_ok("[cache]\nsize = 16T\nshards = 256\nring-slots = 0\n");
	free(c);
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

/* bolt_config_print into a malloc'ed string. */
static char *print_cfg(const struct bolt_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(bolt_config_print(c, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* print -> load -> print gives the same text, and the loaded values equal the first. */
static void check_roundtrip(const struct bolt_config *c)
{
	char *text = print_cfg(c);
	struct bolt_config *back = load_ok(text);
	char *again = print_cfg(back);
	assert_string_equal(text, again);
	assert_int_equal(back->cache_size, c->cache_size);
	assert_int_equal(back->nlocal_data, c->nlocal_data);
	assert_int_equal(back->nallow, c->nallow);
	free(again);
	free(back);
	free(text);
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

/* The shipped files must load: argv gives their paths. */
static const char *const *files;
static int nfiles;

static void test_shipped_files(void **state)
{
	(void)state;
	for (int i = 0; i < nfiles; i++) {
		struct bolt_config *c = cfg_new();
		char err[512];
		int ret = bolt_config_load(c, files[i], err, sizeof(err));
		if (ret != 0)
			fail_msg("%s: %d %s", files[i], ret, err);
		if (strstr(files[i], "boltdns-test.conf") != NULL) {
			assert_int_equal(c->io, BOLT_IO_SOCKET);
			assert_int_equal(c->nlisten, 1);
			assert_true(addr_is(&c->listen[0], "127.0.0.1@5300"));
			assert_true(strncmp(c->cache_path, "/dev/shm/", 9) == 0);
			assert_true(strncmp(c->control_socket, "/run/boltdns/", 13) == 0);
		}
		if (strstr(files[i], "boltdns.conf.example") != NULL) {
			/* the example sets every section, so check a key of each */
			assert_true(c->naddress > 0);
			assert_true(c->nlocal_data > 0);
			assert_true(c->nallow > 0);
			assert_true(c->rl_rate > 0);
		}
		check_roundtrip(c);
		free(c);
	}
}

/* The configuration accepts exactly the [cache] geometries the region
 * accepts: each combination is loaded and also created for real in /dev/shm. */
static void test_geometry_agrees_with_region(void **state)
{
	(void)state;
	static const unsigned sizes_m[] = { 32, 40, 48, 64, 200 };
	static const unsigned slots[] = { 0, 64, 4096, 65536 };
	static const unsigned shards[] = { 0, 1, 16, 64, 256 };
	char path[64], text[256], err[512];
	snprintf(path, sizeof(path), "/dev/shm/boltdns-test-geometry-%d", (int)getpid());

	for (size_t a = 0; a < BOLT_ARRAY_SIZE(sizes_m); a++)
		for (size_t b = 0; b < BOLT_ARRAY_SIZE(slots); b++)
			for (size_t c = 0; c < BOLT_ARRAY_SIZE(shards); c++) {
				struct bolt_config *cfg = calloc(1, sizeof(*cfg));
				assert_non_null(cfg);
				snprintf(text, sizeof(text),
				         "[cache]\npath = %s\nsize = %uM\nring-slots = %u\nshards = %u\n",
				         path, sizes_m[a], slots[b], shards[c]);
				bool cfg_ok = bolt_config_load_string(cfg, text, "geo.conf", err,
				                                      sizeof(err)) == 0;
				free(cfg);
				struct bolt_region_params p = {
					.path = path, .size = (uint64_t)sizes_m[a] << 20,
					.shards = shards[c], .ring_slots = slots[b], .wipe = true,
				};
				int e = 0;
				struct bolt_region *r = bolt_region_create(&p, &e);
				if (cfg_ok != (r != NULL))
					fail_msg("size %uM ring-slots %u shards %u: config %s, region %s (%s)",
					         sizes_m[a], slots[b], shards[c], cfg_ok ? "ok" : err,
					         r ? "ok" : "refused", bolt_strerror(e));
				bolt_region_detach(r);
				unlink(path);
			}
}

/* [dnssec]: defaults, every key good and bad, the NTA list, printing. */
/* A full list of long names of escaped bytes prints and loads again: the
 * printed form (\DDD is four characters a byte) is far longer than any
 * one line may be (fuzz_config found one list on one line refused). */
static void test_nta_long_list(void **state)
{
	(void)state;
	char *text = malloc(BOLT_CFG_MAX_NTA * 128 + 64);
	assert_non_null(text);
	size_t n = (size_t)sprintf(text, "[dnssec]\n");
	for (unsigned i = 0; i < BOLT_CFG_MAX_NTA; i++)
		n += (size_t)sprintf(text + n, "negative-trust-anchors = n%u"
		                     "\\210\\210\\210\\210\\210\\210\\210\\210\\210\\210"
		                     "\\210\\210\\210\\210\\210\\210\\210\\210\\210\\210"
		                     ".example.\n", i);
	struct bolt_config *c = load_ok(text);
	assert_int_equal(c->nnta, BOLT_CFG_MAX_NTA);
	check_roundtrip(c);
	free(c);
	free(text);
}

static void test_dnssec(void **state)
{
	(void)state;
	struct bolt_config *c = cfg_new();
	assert_true(c->validation);
	assert_string_equal(c->trust_anchor_file, "/usr/share/dns/root.key");
	assert_string_equal(c->trust_anchor_state, BOLT_STATE_DIR "/root.key");
	assert_int_equal(c->nnta, 0);
	assert_false(c->permissive);
	assert_int_equal(c->val_clock_skew, 3600);
	assert_int_equal(c->max_nsec3_iterations, 50);
	assert_int_equal(c->bogus_ttl, 60);
	assert_true(c->aggressive_nsec);
	assert_int_equal(c->ta_hold_down, 30 * 86400);
	free(c);

	c = load_ok("[dnssec]\n"
	            "validation = no\n"
	            "trust-anchor-file = /etc/boltdns/root-anchors.xml\n"
	            "trust-anchor-state = /var/lib/boltdns/test.state\n"
	            "negative-trust-anchors = Example.COM, broken.test.\n"
	            "negative-trust-anchors = example.com., b\\.x.lan\n"
	            "permissive = yes\n"
	            "val-clock-skew = 10m\n"
	            "max-nsec3-iterations = 0\n"
	            "bogus-ttl = 2m\n"
	            "aggressive-nsec = no\n"
	            "trust-anchor-hold-down = 60\n");
	assert_false(c->validation);
	assert_string_equal(c->trust_anchor_file, "/etc/boltdns/root-anchors.xml");
	assert_string_equal(c->trust_anchor_state, "/var/lib/boltdns/test.state");
	/* lower-cased, absolute, repeats dropped, later lines add */
	assert_int_equal(c->nnta, 3);
	assert_memory_equal(c->nta[0], "\7example\3com\0", 13);
	assert_memory_equal(c->nta[1], "\6broken\4test\0", 13);
	assert_memory_equal(c->nta[2], "\3b.x\3lan\0", 10);
	assert_true(c->permissive);
	assert_int_equal(c->val_clock_skew, 600);
	assert_int_equal(c->max_nsec3_iterations, 0);
	assert_int_equal(c->bogus_ttl, 120);
	assert_false(c->aggressive_nsec);
	assert_int_equal(c->ta_hold_down, 60);
	char *text = print_cfg(c);
	assert_non_null(strstr(text, "\n[dnssec]\nvalidation = no\n"));
	/* one name a line: a long list of escaped names fits no single line */
	assert_non_null(strstr(text, "negative-trust-anchors = example.com.\n"
	                             "negative-trust-anchors = broken.test.\n"
	                             "negative-trust-anchors = b\\.x.lan.\n"));
	free(text);
	check_roundtrip(c);
	free(c);

	/* an empty list is allowed (no NTA), and empties what came before */
	c = load_ok("[dnssec]\nnegative-trust-anchors = a.test\nnegative-trust-anchors =\n");
	assert_int_equal(c->nnta, 0);
	check_roundtrip(c);
	free(c);

	key_bad("dnssec", "validation = maybe", "not yes/no");
	key_bad("dnssec", "trust-anchor-file =", "empty value");
	key_bad("dnssec", "trust-anchor-state =", "empty value");
	key_bad("dnssec", "negative-trust-anchors = a..b", "bad name 'a..b'");
	key_bad("dnssec", "negative-trust-anchors = ok.test, , x.test", "bad name ''");
	key_bad("dnssec", "negative-trust-anchors = "
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test", "bad name");
	key_bad("dnssec", "permissive = 2", "not yes/no");
	key_bad("dnssec", "val-clock-skew = 2d", "out of range 0..86400");
	key_bad("dnssec", "val-clock-skew = -1", "not a number (seconds");
	key_bad("dnssec", "max-nsec3-iterations = 65536", "out of range 0..65535");
	key_bad("dnssec", "max-nsec3-iterations = fifty", "not a number");
	key_bad("dnssec", "bogus-ttl = 86401", "out of range 0..86400");
	key_bad("dnssec", "bogus-ttl = 1y", "not a number (seconds");
	key_bad("dnssec", "aggressive-nsec = maybe", "not yes/no");
	key_bad("dnssec", "trust-anchor-hold-down = 0", "out of range 1..31536000");
	key_bad("dnssec", "unknown-key = 1", "unknown key 'unknown-key' in [dnssec]");
	load_bad("[dnssec]\nvalidation = yes\nvalidation = no\n", 3, "already set on line 2");
	load_bad("[dnsec]\nvalidation = yes\n", 1, "unknown section [dnsec]");

	/* more names than the table holds */
	char big[BOLT_CFG_MAX_NTA * 16 + 64];
	size_t n = (size_t)snprintf(big, sizeof(big), "[dnssec]\nnegative-trust-anchors = ");
	for (unsigned i = 0; i <= BOLT_CFG_MAX_NTA; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%sn%u.test", i ? ", " : "", i);
	load_bad(big, 2, "more than 64 names");
}

/* [tls] (boltdns-edge): defaults, every key, the certificate and key checks. */
static void test_tls(void **state)
{
	(void)state;
	struct bolt_config *c = cfg_new();
	assert_string_equal(c->tls_certificate, "");
	assert_int_equal(c->ndot_listen, 0);
	assert_int_equal(c->ndoh_listen, 0);
	assert_string_equal(c->doh_path, "/dns-query");
	assert_false(c->tls_resolver_set);
	assert_int_equal(c->tls_idle_ms, 10000);
	assert_int_equal(c->tls_max_conns, 4096);
	assert_int_equal(c->tls_max_client_conns, 32);
	assert_string_equal(c->tls_stats, "/run/boltdns/edge.stats");
	free(c);

	/* readable files: this test's own executable stands in for both */
	char cert[600], key[600];
	assert_non_null(realpath("/proc/self/exe", cert));
	strcpy(key, cert);
	char text[2048];
	snprintf(text, sizeof(text),
	         "[tls]\n"
	         "certificate = %s\n"
	         "key = %s\n"
	         "dot-listen = 127.0.0.1, [::1]@8853\n"
	         "doh-listen = 127.0.0.1\n"
	         "doh-path = /q\n"
	         "resolver = 127.0.0.1@5300\n"
	         "idle-timeout = 2s\n"
	         "max-connections = 100\n"
	         "max-connections-per-client = 4\n"
	         "ddr-name = dns.example.net\n"
	         "stats-file = /tmp/edge.stats\n", cert, key);
	c = load_ok(text);
	assert_int_equal(c->tls_certificate_line, 2);
	assert_int_equal(c->tls_key_line, 3);
	assert_int_equal(c->ndot_listen, 2);
	assert_true(addr_is(&c->dot_listen[0], "127.0.0.1@853"));
	assert_true(addr_is(&c->dot_listen[1], "[::1]@8853"));
	assert_true(addr_is(&c->doh_listen[0], "127.0.0.1@443"));
	assert_string_equal(c->doh_path, "/q");
	assert_true(c->tls_resolver_set);
	assert_true(addr_is(&c->tls_resolver, "127.0.0.1@5300"));
	assert_int_equal(c->tls_idle_ms, 2000);
	assert_int_equal(c->tls_max_conns, 100);
	assert_int_equal(c->tls_max_client_conns, 4);
	assert_string_equal(c->ddr_name, "dns.example.net");
	check_roundtrip(c);
	free(c);

	/* listeners without a certificate, a key, or with unreadable files */
	load_bad("[tls]\ndot-listen = 127.0.0.1\n", 2, "[tls] certificate: needed by dot-listen");
	snprintf(text, sizeof(text), "[tls]\ncertificate = %s\ndoh-listen = 127.0.0.1\n", cert);
	load_bad(text, 3, "[tls] key: needed");
	snprintf(text, sizeof(text),
	         "[tls]\ndot-listen = 127.0.0.1\ncertificate = /nonexistent/cert.pem\nkey = %s\n", key);
	load_bad(text, 3, "[tls] certificate: cannot read '/nonexistent/cert.pem'");
	snprintf(text, sizeof(text),
	         "[tls]\ncertificate = %s\n\nkey = /nonexistent/key.pem\ndot-listen = 127.0.0.1\n", cert);
	load_bad(text, 4, "[tls] key: cannot read '/nonexistent/key.pem'");
	/* without listeners nothing is needed (the example ships that way) */
	c = load_ok("[tls]\ncertificate = /nonexistent/cert.pem\n");
	free(c);
	key_bad("tls", "doh-path = dns-query", "not an absolute path");
	key_bad("tls", "doh-path = /dns-query?x=1", "not an absolute path");
	key_bad("tls", "dot-listen = 127.0.0.1@0", "");
	key_bad("tls", "idle-timeout = 10", "out of range");
	key_bad("tls", "max-connections-per-client = 0", "out of range");
	key_bad("tls", "resolver = nowhere", "");
	key_bad("tls", "ddr-name = a..b", "not a domain name");
	key_bad("tls", "unknown = 1", "unknown key 'unknown' in [tls]");
}

int main(int argc, char **argv)
{
	files = (const char *const *)argv + 1;
	nfiles = argc - 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_every_key_good),
		cmocka_unit_test(test_every_key_bad),
		cmocka_unit_test(test_value_syntax),
		cmocka_unit_test(test_repeatable),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_errbuf),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_shipped_files),
		cmocka_unit_test(test_geometry_agrees_with_region),
		cmocka_unit_test(test_dnssec),
		cmocka_unit_test(test_nta_long_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
