/*
 * [rpz] sections: zones in file order with their keys, the defaults, and
 * the errors of a bad section (FILE:LINE): no name, neither file nor
 * primary or both, a duplicate name, a TSIG key without primary or of
 * another algorithm, a bad policy or ede value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_helpers.h"
#include "boltdns/wire.h"

static void bad(const char *text, const char *want)
{
	char err[512];
	int ret;
	struct bolt_config *c = cfg_load(text, &ret, err, sizeof(err));
	if (ret != BOLT_ECONFIG || strncmp(err, want, strlen(want)) != 0)
		fail_msg("got %d '%s', wanted '%s'", ret, err, want);
	free(c);
}

static void test_zones(void **state)
{
	(void)state;
	char err[512], name[300];
	int ret;
	struct bolt_config *c = cfg_load("[rpz]\nname = rpz.example\nfile = /etc/a.zone\n"
	                                 "policy = nxdomain\nede = blocked\nlog = yes\n"
	                                 "[rpz]\nname = two.example.\nfile = /etc/b.zone\n",
	                                 &ret, err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_int_equal(c->nrpz, 2);
	assert_true(bolt_name_to_text(c->rpz[0].name, name, sizeof(name)) > 0);
	assert_string_equal(name, "rpz.example.");
	assert_string_equal(c->rpz[0].file, "/etc/a.zone");
	assert_int_equal(c->rpz[0].policy, BOLT_RPZ_NXDOMAIN);
	assert_int_equal(c->rpz[0].ede, BOLT_RPZ_EDE_BLOCKED);
	assert_true(c->rpz[0].log);
	assert_int_equal(c->rpz[1].policy, BOLT_RPZ_GIVEN);
	assert_int_equal(c->rpz[1].ede, BOLT_RPZ_EDE_NONE);
	assert_false(c->rpz[1].log);
	assert_false(c->rpz[1].has_primary);
	struct bolt_config *p = cfg_load("[rpz]\nname = x.example\nprimary = 192.0.2.1@5353\n"
	                                 "tsig-key = k.example:hmac-sha256:AAAA\n",
	                                 &ret, err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_true(p->rpz[0].has_primary);
	assert_int_equal(p->rpz[0].primary.port, 5353);
	assert_string_equal(p->rpz[0].tsig_key, "k.example:hmac-sha256:AAAA");
	assert_int_equal(p->rpz[0].notify_interval_ms, BOLT_RPZ_NOTIFY_INTERVAL_MS);
	struct bolt_config *q = cfg_load("[rpz]\nname = x.example\nprimary = 192.0.2.1\n"
	                                 "notify-min-interval = 2500ms\n[rpz]\nname = y.example\n"
	                                 "primary = 192.0.2.1\nnotify-min-interval = 0\n",
	                                 &ret, err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_int_equal(q->rpz[0].notify_interval_ms, 2500);
	assert_int_equal(q->rpz[1].notify_interval_ms, 0);
	free(q);
	/* Printed (with "file = " empty), it loads back the same: fuzz_config
	 * found the printed empty file refused. */
	char *ptext = NULL;
	size_t plen = 0;
	FILE *pf = open_memstream(&ptext, &plen);
	assert_non_null(pf);
	assert_int_equal(bolt_config_print(p, pf), 0);
	fclose(pf);
	struct bolt_config *pback = cfg_load(ptext, &ret, err, sizeof(err));
	if (ret != 0)
		fail_msg("printed configuration refused: %s", err);
	assert_memory_equal(pback->rpz, p->rpz, sizeof(p->rpz));
	free(pback);
	free(ptext);
	free(p);
	/* Printed, it loads back the same. */
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	assert_non_null(f);
	assert_int_equal(bolt_config_print(c, f), 0);
	fclose(f);
	struct bolt_config *back = cfg_load(text, &ret, err, sizeof(err));
	if (ret != 0)
		fail_msg("printed configuration refused: %s\n%s", err, text);
	assert_int_equal(back->nrpz, 2);
	assert_memory_equal(back->rpz, c->rpz, sizeof(c->rpz));
	free(back);
	free(text);
	free(c);
}

static void test_errors(void **state)
{
	(void)state;
	bad("[rpz]\nfile = /a\n", "t.conf:1: [rpz] without 'name'");
	bad("[rpz]\nname = a.example\n", "t.conf:1: [rpz] a.example. without 'file' or 'primary'");
	bad("[rpz]\nname = a.example\nfile = /a\n[rpz]\nname = a.example\nfile = /b\n",
	    "t.conf:5: [rpz] name: a.example. has an [rpz] section already");
	bad("[rpz]\nname = a.example\nfile = /a\nprimary = 192.0.2.1\n",
	    "t.conf:4: [rpz] a.example.: 'file' and 'primary' exclude each other");
	bad("[rpz]\nname = a.example\nfile = /a\ntsig-key = k:hmac-sha256:AAAA\n",
	    "t.conf:4: [rpz] a.example.: tsig-key needs 'primary'");
	bad("[rpz]\nname = a.example\nprimary = 192.0.2.1\ntsig-key = k:hmac-md5:AAAA\n",
	    "t.conf:4: [rpz] a.example.: tsig-key must be NAME:hmac-sha256:BASE64");
	bad("[rpz]\nname = a.example\nfile = /a\npolicy = block\n", "t.conf:4: ");
	bad("[rpz]\nname = a.example\nfile = /a\nede = 15\n", "t.conf:4: ");
	bad("[rpz]\nname = a.example\nfile = /a\nfile = /b\n", "t.conf:4: ");
	bad("[rpz]\nname = a.example\nprimary = 192.0.2.1\nnotify-min-interval = 2h\n",
	    "t.conf:4: [rpz] notify-min-interval: '2h' is not a number");
	bad("[rpz]\nname = a.example\nprimary = 192.0.2.1\nnotify-min-interval = 3601s\n",
	    "t.conf:4: [rpz] notify-min-interval: '3601s' out of range 0..3600000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
