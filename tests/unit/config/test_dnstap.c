/*
 * [dnstap] keys (lib/config): values, defaults, "1/N" sampling, the checks
 * across keys with their lines, and print -> load -> print.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_helpers.h"

static void load_refused(const char *text, const char *want)
{
	char err[512];
	int ret;
	struct bolt_config *c = cfg_load(text, &ret, err, sizeof(err));
	if (ret == 0 || strstr(err, want) == NULL)
		fail_msg("got %d '%s', wanted '%s'", ret, err, want);
	free(c);
}

static void test_defaults(void **state)
{
	(void)state;
	struct bolt_config *c = malloc(sizeof(*c));
	bolt_config_defaults(c);
	assert_string_equal(c->dnstap_socket, "");
	assert_string_equal(c->dnstap_file, "");
	assert_true(c->dnstap_client_query && c->dnstap_client_response);
	assert_true(c->dnstap_resolver_query && c->dnstap_resolver_response);
	assert_int_equal(c->dnstap_sample, 0);
	assert_int_equal(c->dnstap_queue, 4096);
	free(c);
}

static void test_values(void **state)
{
	(void)state;
	char err[512];
	int ret;
	struct bolt_config *c = cfg_load("[dnstap]\n"
	                                 "socket = /run/boltdns/dnstap.sock\n"
	                                 "client-query = no\n"
	                                 "resolver-response = no\n"
	                                 "sample = 1/100\n"
	                                 "identity = ns1.isp.example\n"
	                                 "version = test 1\n"
	                                 "queue-size = 64\n", &ret, err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_string_equal(c->dnstap_socket, "/run/boltdns/dnstap.sock");
	assert_false(c->dnstap_client_query);
	assert_true(c->dnstap_client_response);
	assert_false(c->dnstap_resolver_response);
	assert_int_equal(c->dnstap_sample, 100);
	assert_string_equal(c->dnstap_identity, "ns1.isp.example");
	assert_string_equal(c->dnstap_version, "test 1");
	assert_int_equal(c->dnstap_queue, 64);

	/* print -> load gives the same values ("1/100" prints as 100) */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(bolt_config_print(c, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "[dnstap]\nsocket = /run/boltdns/dnstap.sock\n"));
	assert_non_null(strstr(buf, "sample = 100\n"));
	struct bolt_config *back = cfg_load(buf, &ret, err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_int_equal(back->dnstap_sample, 100);
	assert_false(back->dnstap_client_query);
	free(back);
	free(buf);
	free(c);

	c = cfg_load("[dnstap]\nfile = /tmp/x.fstrm\nsample = 7\n", &ret, err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_int_equal(c->dnstap_sample, 7);
	free(c);
}

static void test_bad(void **state)
{
	(void)state;
	load_refused("[dnstap]\nsocket = /a\n\nfile = /b\n",
	             "t.conf:4: [dnstap] socket and file: set one of them, not both");
	load_refused("[dnstap]\nsample = 10\n", "t.conf:2: [dnstap] sample: needs socket or file");
	load_refused("[dnstap]\nfile = /b\nsample = 1/\n", "t.conf:3: [dnstap] sample");
	load_refused("[dnstap]\nfile = /b\nsample = 2/10\n", "t.conf:3: [dnstap] sample");
	load_refused("[dnstap]\nfile = /b\nsample = -1\n", "t.conf:3: [dnstap] sample");
	load_refused("[dnstap]\nfile = /b\nqueue-size = 8\n", "t.conf:3: [dnstap] queue-size");
	load_refused("[dnstap]\nclient-query = maybe\n", "t.conf:2: [dnstap] client-query");
	load_refused("[dnstap]\nsocket = /"
	             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "t.conf:2: [dnstap] socket");
	load_refused("[dnstap]\nnope = 1\n", "t.conf:2:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
