/*
 * The syntax of single values in the configuration: numbers with units,
 * booleans, octal modes, interface and user names, quoted text, lists.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/config.h"
#include "lib/config/internal.h"
#include "lib/config/text.h"

bool cfg_is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Digits followed by an optional unit; *mult gets the unit's factor. */
int cfg_number_unit(const char *v, uint64_t max, uint64_t *out,
                       const char *const *units, const uint64_t *mults)
{
	size_t digits = strspn(v, "0123456789");
	const char *unit = v + digits;
	uint64_t mult = 1, n;

	if (digits == 0)
		return BOLT_ESYNTAX;
	if (*unit != '\0') {
		size_t i;
		for (i = 0; units[i] != NULL; i++)
			if (strcasecmp(unit, units[i]) == 0)
				break;
		if (units[i] == NULL)
			return BOLT_ESYNTAX;
		mult = mults[i];
	}
	int ret = bolt_text_uint(v, digits, UINT64_MAX, &n);
	if (ret != 0)
		return ret;
	if (n > max / mult)
		return -ERANGE;
	*out = n * mult;
	return 0;
}

int cfg_parse_size(const char *v, uint64_t *out)
{
	static const char *const units[] = { "K", "M", "G", "T", "KB", "MB", "GB", "TB", NULL };
	static const uint64_t mults[] = { 1ull << 10, 1ull << 20, 1ull << 30, 1ull << 40,
	                                  1ull << 10, 1ull << 20, 1ull << 30, 1ull << 40 };
	return cfg_number_unit(v, UINT64_MAX, out, units, mults);
}

int cfg_parse_msec(const char *v, uint64_t *out)
{
	static const char *const units[] = { "ms", "s", NULL };
	static const uint64_t mults[] = { 1, 1000 };
	return cfg_number_unit(v, UINT64_MAX, out, units, mults);
}

int cfg_parse_secs(const char *v, uint64_t *out)
{
	static const char *const units[] = { "s", "m", "h", "d", "w", NULL };
	static const uint64_t mults[] = { 1, 60, 3600, 86400, 604800 };
	return cfg_number_unit(v, UINT64_MAX, out, units, mults);
}

int cfg_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < BOLT_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return BOLT_ESYNTAX;
}

int cfg_parse_octal(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (*v == '\0')
		return BOLT_ESYNTAX;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '7')
			return BOLT_ESYNTAX;
		n = n * 8 + (uint64_t)(*v - '0');
		if (n > max)
			return -ERANGE;
	}
	*out = n;
	return 0;
}

bool cfg_valid_ifname(const char *v)
{
	size_t len = strlen(v);

	/* IFNAMSIZ is 16 with the NUL; '/' and blanks cannot appear in an interface name */
	if (len == 0 || len > 15)
		return false;
	for (const char *p = v; *p != '\0'; p++)
		if (*p == '/' || *p == ':' || cfg_is_blank(*p) || (unsigned char)*p < 0x20)
			return false;
	return true;
}

bool cfg_valid_user(const char *v, size_t cap)
{
	size_t len = strlen(v);

	if (len == 0 || len >= cap || v[0] == '-')
		return false;
	for (const char *p = v; *p != '\0'; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '$'))
			return false;
	}
	return true;
}

/* Quoted values ("..."): strip one pair of outer quotes when they enclose everything. */
const char *cfg_unquote(const char *v, char *buf, size_t cap)
{
	size_t len = strlen(v);
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"' && memchr(v + 1, '"', len - 2) == NULL &&
	    len - 2 < cap) {
		memcpy(buf, v + 1, len - 2);
		buf[len - 2] = '\0';
		return buf;
	}
	return v;
}

/* Copy the next comma-separated item (trimmed) of *p into buf; false at the end. */
bool cfg_next_item(const char **p, char *buf, size_t cap, bool *too_long)
{
	const char *s = *p;

	*too_long = false;
	if (*s == '\0')
		return false;
	const char *end = strchr(s, ',');
	const char *next = end != NULL ? end + 1 : s + strlen(s);
	if (end == NULL)
		end = s + strlen(s);
	while (s < end && cfg_is_blank(*s))
		s++;
	while (end > s && cfg_is_blank(end[-1]))
		end--;
	size_t len = (size_t)(end - s);
	if (len >= cap) {
		*too_long = true;
		len = cap - 1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	*p = next;
	return true;
}
