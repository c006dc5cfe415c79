/*
 * Text helpers shared by the files of lib/config (not part of the API).
 */
#ifndef BOLTDNS_LIB_CONFIG_TEXT_H
#define BOLTDNS_LIB_CONFIG_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "boltdns/config.h"

/*
 * Decimal digits s[0..len) (no sign, no spaces) into *out, at most max.
 * Returns 0, BOLT_ESYNTAX (empty or not digits) or -ERANGE (above max).
 */
int bolt_text_uint(const char *s, size_t len, uint64_t max, uint64_t *out);

/* bolt_prefix_parse that also says, in *why (static string), what is wrong. */
int bolt_prefix_parse_why(const char *text, struct bolt_prefix *out, const char **why);

/*
 * Check a host name in presentation form: labels of 1..63 letters, digits,
 * '-' or '_', at most 253 characters without the optional final dot.
 * Returns NULL when good, or a static string saying what is wrong.
 */
const char *bolt_text_hostname_check(const char *name, size_t len);

#endif
