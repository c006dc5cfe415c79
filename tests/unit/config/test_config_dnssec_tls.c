/*
 * The INI configuration's [dnssec] section (defaults, every key good and bad,
 * the negative trust anchor list, printing) and [tls] of boltdns-edge
 * (defaults, every key, the certificate and key checks); helpers:
 * config_helpers.c.
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

/* [dnssec]: defaults, every key good and bad, the NTA list, printing. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_dnssec),
		cmocka_unit_test(test_nta_long_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
