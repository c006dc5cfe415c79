/*
 * Helpers of the INI configuration tests (test_config*.c): load text that
 * must be good or refused on a given line, print, and print-load-print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_helpers.h"

struct bolt_config *cfg_new(void)
{
	struct bolt_config *c = malloc(sizeof(*c));
	assert_non_null(c);
	bolt_config_defaults(c);
	return c;
}

struct bolt_config *cfg_load(const char *text, int *ret, char *err, size_t cap)
{
	struct bolt_config *c = cfg_new();
	*ret = bolt_config_load_string(c, text, "t.conf", err, cap);
	return c;
}

/* Load text that must be good. */
struct bolt_config *load_ok(const char *text)
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
void load_bad(const char *text, unsigned line, const char *what)
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
void key_bad(const char *section, const char *kv, const char *what)
{
	char text[1024];
	snprintf(text, sizeof(text), "[%s]\n%s\n", section, kv);
	load_bad(text, 2, what);
}

bool addr_is(const struct bolt_sockaddr *sa, const char *text)
{
	char buf[64];
	return bolt_sockaddr_format(sa, buf, sizeof(buf)) > 0 && strcmp(buf, text) == 0;
}

/* bolt_config_print into a malloc'ed string. */
char *print_cfg(const struct bolt_config *c)
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
void check_roundtrip(const struct bolt_config *c)
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
