/*
 * Helpers of the INI configuration tests (test_config.c,
 * test_config_syntax.c, test_config_dnssec_tls.c; config_helpers.c). Each
 * returned configuration is malloc'd: the caller frees it.
 */
#ifndef BOLTDNS_TEST_CONFIG_HELPERS_H
#define BOLTDNS_TEST_CONFIG_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "boltdns/config.h"

/* A configuration with the defaults. */
struct bolt_config *cfg_new(void);
/* Load text (as "t.conf") into a configuration with the defaults, whatever
 * comes of it: *ret is bolt_config_load_string's result, err its message. */
struct bolt_config *cfg_load(const char *text, int *ret, char *err, size_t cap);
/* Load text (as "t.conf") that must be good. */
struct bolt_config *load_ok(const char *text);
/* Load text that must be refused with "t.conf:LINE: ..." mentioning what,
 * leaving the configuration it was loaded into as it was. */
void load_bad(const char *text, unsigned line, const char *what);
/* One key in its section on line 2 must be refused on line 2. */
void key_bad(const char *section, const char *kv, const char *what);
/* The address formats as text. */
bool addr_is(const struct bolt_sockaddr *sa, const char *text);
/* bolt_config_print into a malloc'ed string. */
char *print_cfg(const struct bolt_config *c);
/* print -> load -> print gives the same text, and the loaded values equal
 * the first. */
void check_roundtrip(const struct bolt_config *c);

#endif
