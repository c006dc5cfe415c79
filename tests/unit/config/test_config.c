/*
 * The INI configuration: defaults, every key good and bad, the checks across
 * keys, the shipped files, the [cache] geometries the region accepts. The
 * syntax, line numbers, files and printing: test_config_syntax.c; [dnssec]
 * and [tls]: test_config_dnssec_tls.c (helpers: config_helpers.c).
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
	assert_int_equal(c->dp_pkc_slots, 16384);

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
		"packet-cache-size = 0\n"
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
	assert_int_equal(c->dp_pkc_slots, 0);

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
	key_bad("dataplane", "packet-cache-size = 1000", "not a power of two (or 0 for off)");
	key_bad("dataplane", "packet-cache-size = 8", "out of range 16..1048576 (or 0 for off)");
	key_bad("dataplane", "packet-cache-size = 2097152", "out of range");
	key_bad("dataplane", "packet-cache-size = lots", "not a number");
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

int main(int argc, char **argv)
{
	files = (const char *const *)argv + 1;
	nfiles = argc - 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key_good),
		cmocka_unit_test(test_every_key_bad),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_shipped_files),
		cmocka_unit_test(test_geometry_agrees_with_region),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
