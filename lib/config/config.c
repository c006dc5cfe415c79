/*
 * The INI configuration: keys, their syntax, defaults and checks.
 *
 * libinih splits lines into section/key/value, but its handler is not told
 * the line number (Debian builds it without INI_HANDLER_LINENO) and its line
 * buffer is short (200 bytes). So lines reach inih through our own reader,
 * which counts physical lines (the handler runs before the next line is read,
 * so the reader's count is the handler's line), strips leading blanks (which
 * also turns off inih's indented continuation lines, a surprise in a daemon's
 * config) and hands long "key = value" lines over in two parts: inih sees
 * "key=<marker>", the handler takes the value from the reader.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "boltdns/config.h"
#include "boltdns/msg.h"
#include "boltdns/region.h"
#include "boltdns/ring.h"
#include "boltdns/wire.h"
#include "lib/config/text.h"
#include "lib/config/internal.h"

/* Stands for a value that did not fit inih's line buffer. */
#define LONG_VALUE_MARK "\x01"


struct state {
	struct bolt_config *cfg;
	const char *name;          /* file name in messages */
	/* line source: a FILE or a string */
	FILE *f;
	const char *text;
	size_t pos;
	char *line;                /* current physical line */
	unsigned lineno;
	const char *stash;         /* value of a long line (inside line) */
	unsigned stash_line;
	int io_err;                /* -errno of a read error */
	/* first error found by the reader or the handler */
	unsigned err_line;
	char err[384];
	/* line where each key was first set (0 = not set) */
	unsigned seen[CFG_KEYS_MAX];
	/* the instance of a repeatable section being read ([zone], ...) */
	struct cfg_multi_cur multi;
};

static void fail(struct state *st, const char *fmt, ...)
{
	if (st->err_line != 0)
		return;
	st->err_line = st->lineno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- */
/* Line source.                                                     */
/* ---------------------------------------------------------------- */

/*
 * Read the next physical line into st->line (without the newline). Returns
 * its length, or -1 at the end / on a read error. Longer lines are consumed
 * to their end but reported as LINE_MAX_BYTES + 1 so that the caller refuses
 * them: a config line can never grow memory without bound.
 */
static long next_line(struct state *st, bool *nul)
{
	size_t n = 0;
	bool any = false;

	*nul = false;
	errno = 0;
	if (st->f != NULL) {
		int c;
		while ((c = getc(st->f)) != EOF) {
			any = true;
			if (c == '\n')
				break;
			if (c == '\0')
				*nul = true;
			if (n < LINE_MAX_BYTES + 1)
				st->line[n++] = (char)c;
		}
		if (c == EOF && ferror(st->f)) {
			st->io_err = errno != 0 ? -errno : -EIO;
			return -1;
		}
	} else {
		const char *s = st->text + st->pos;
		while (*s != '\0') {
			any = true;
			char c = *s++;
			if (c == '\n')
				break;
			if (n < LINE_MAX_BYTES + 1)
				st->line[n++] = c;
		}
		st->pos = (size_t)(s - st->text);
	}
	if (!any)
		return -1;
	st->line[n] = '\0';
	return (long)n;
}

static bool known_section(const char *s, size_t len)
{
	for (size_t i = 0; i < cfg_nsections; i++)
		if (strlen(cfg_sections[i]) == len && memcmp(cfg_sections[i], s, len) == 0)
			return true;
	return cfg_multi_find(s, len) != NULL;
}

static void fail_at(struct state *st, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The instance of a repeatable section being read ends: check it. */
static void end_instance(struct state *st)
{
	char buf[256];
	unsigned line;
	const char *why = cfg_multi_end(&st->multi, st->cfg, &line, buf, sizeof(buf));
	if (why != NULL)
		fail_at(st, line, "%s", why);
}

/* "[name]" lines: inih would accept any name and ignore text after ']'. */
static void check_section(struct state *st, const char *s)
{
	const char *close = strchr(s, ']');
	if (close == NULL)
		return; /* inih reports it as a syntax error on this line */
	const char *a = s + 1, *b = close;
	while (a < b && cfg_is_blank(*a))
		a++;
	while (b > a && cfg_is_blank(b[-1]))
		b--;
	/* a section line ends the instance of a repeatable section before it */
	end_instance(st);
	if (!known_section(a, (size_t)(b - a))) {
		char known[256];
		size_t kl = 0;
		known[0] = '\0';
		for (size_t i = 0; i < cfg_nsections + cfg_nmultis && kl < sizeof(known); i++)
			kl += (size_t)snprintf(known + kl, sizeof(known) - kl, "%s%s", i > 0 ? ", " : "",
			                       i < cfg_nsections ? cfg_sections[i]
			                                         : cfg_multis[i - cfg_nsections]->name);
		fail(st, "unknown section [%.*s] (known: %s)", (int)(b - a > 64 ? 64 : b - a), a, known);
		return;
	}
	const struct cfg_multi *multi = cfg_multi_find(a, (size_t)(b - a));
	if (multi != NULL) {
		char buf[128];
		const char *why = cfg_multi_begin(&st->multi, st->cfg, multi, st->lineno, buf,
		                                  sizeof(buf));
		if (why != NULL) {
			fail(st, "%s", why);
			return;
		}
	}
	const char *t = close + 1;
	while (cfg_is_blank(*t))
		t++;
	if (*t != '\0' && *t != ';' && *t != '#')
		fail(st, "unexpected text after [%.*s]", (int)(b - a), a);
}

/* Split a long "key = value" line: write "key=MARK" into out, keep the value. */
static bool split_long(struct state *st, char *s, char *out, size_t cap)
{
	size_t klen = strcspn(s, "=:");
	if (s[klen] == '\0') {
		fail(st, "expected 'key = value' or '[section]'");
		return false;
	}
	char *value = s + klen + 1;
	while (klen > 0 && cfg_is_blank(s[klen - 1]))
		klen--;
	if (klen + sizeof(LONG_VALUE_MARK) + 2 > cap) {
		fail(st, "key name too long");
		return false;
	}
	/* inih's inline comment rule: ';' after a blank, looked for before the value's
	 * leading blanks are skipped (so "key = ;x" is empty but "key =;x" is ";x") */
	for (char *p = value; *p != '\0'; p++) {
		if (*p == ';' && p > value && cfg_is_blank(p[-1])) {
			*p = '\0';
			break;
		}
	}
	while (cfg_is_blank(*value))
		value++;
	size_t vlen = strlen(value);
	while (vlen > 0 && cfg_is_blank(value[vlen - 1]))
		value[--vlen] = '\0';
	memcpy(out, s, klen);
	snprintf(out + klen, cap - klen, "=%s\n", LONG_VALUE_MARK);
	st->stash = value;
	st->stash_line = st->lineno;
	return true;
}

/* inih's reader: one physical line per call, so inih's line count is ours. */
static char *reader(char *str, int num, void *stream)
{
	struct state *st = stream;
	bool nul;

	if (num < 8)
		return NULL;
	long n = next_line(st, &nul);
	if (n < 0)
		return NULL;
	st->lineno++;
	st->stash = NULL;

	char *s = st->line;
	/* a UTF-8 byte order mark (some editors write one) would hide a first "[section]" */
	if (st->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (cfg_is_blank(*s))
		s++;
	size_t len = strlen(s);
	while (len > 0 && cfg_is_blank(s[len - 1]))
		s[--len] = '\0';

	/* whatever is wrong with the line, inih gets an empty one so the counts stay equal */
	str[0] = '\n';
	str[1] = '\0';
	if (nul) {
		fail(st, "NUL byte in line");
		return str;
	}
	/* comments may be of any length */
	if (s[0] == ';' || s[0] == '#')
		return str;
	if (n > LINE_MAX_BYTES) {
		fail(st, "line longer than %d bytes", LINE_MAX_BYTES);
		return str;
	}
	if (s[0] == '[')
		check_section(st, s);
	/* room for the text, a newline (so inih never thinks the line was cut) and NUL */
	if (len + 2 <= (size_t)num) {
		memcpy(str, s, len);
		str[len] = '\n';
		str[len + 1] = '\0';
		return str;
	}
	if (s[0] == '[') {
		fail(st, "section line too long");
		return str;
	}
	if (!split_long(st, s, str, (size_t)num)) {
		str[0] = '\n';
		str[1] = '\0';
	}
	return str;
}


static void set_addrs(struct state *st, const struct key *k, void *base, const char *v, bool first)
{
	struct bolt_sockaddr *arr = AT(base, k, struct bolt_sockaddr);
	unsigned *count = COUNT_AT(base, k);
	unsigned cap = (unsigned)(k->size / sizeof(*arr));
	const char *p = v;
	char item[128];
	bool too_long;

	/* the first line of a list replaces the default, later lines add; "" empties it */
	if (first || *v == '\0')
		*count = 0;
	while (cfg_next_item(&p, item, sizeof(item), &too_long)) {
		struct bolt_sockaddr sa;
		if (too_long || item[0] == '\0' || bolt_sockaddr_parse(item, &sa) != 0) {
			fail(st, "[%s] %s: bad address '%.64s' (expected 198.18.0.1, 198.18.0.1@53, "
			         "2001:db8::1 or [2001:db8::1]@53)", k->section, k->name, item);
			return;
		}
		if ((k->flags & F_NO_PORT) && sa.port != 0) {
			fail(st, "[%s] %s: '%s': a source address takes no port", k->section, k->name, item);
			return;
		}
		if (sa.port == 0)
			sa.port = k->port;
		if (*count >= cap) {
			fail(st, "[%s] %s: more than %u addresses", k->section, k->name, cap);
			return;
		}
		arr[(*count)++] = sa;
	}
}

static void set_prefixes(struct state *st, const struct key *k, void *base, const char *v,
                         bool first)
{
	struct bolt_prefix *arr = AT(base, k, struct bolt_prefix);
	unsigned *count = COUNT_AT(base, k);
	unsigned cap = (unsigned)(k->size / sizeof(*arr));
	const char *p = v;
	char item[128];
	bool too_long;

	if (first)
		*count = 0;
	while (cfg_next_item(&p, item, sizeof(item), &too_long)) {
		struct bolt_prefix pf;
		const char *why = "not an address or prefix";
		if (too_long || item[0] == '\0' || bolt_prefix_parse_why(item, &pf, &why) != 0) {
			fail(st, "[%s] %s: bad prefix '%.64s': %s", k->section, k->name, item, why);
			return;
		}
		if (*count >= cap) {
			fail(st, "[%s] %s: more than %u prefixes", k->section, k->name, cap);
			return;
		}
		arr[(*count)++] = pf;
	}
}

/* Names as comma-separated items: each must parse; kept lower-case in wire form. */
static void set_names(struct state *st, const struct key *k, void *base, const char *v, bool first)
{
	uint8_t (*arr)[BOLT_CFG_NAME_WIRE] = (uint8_t (*)[BOLT_CFG_NAME_WIRE])(void *)AT(base, k, uint8_t);
	unsigned *count = COUNT_AT(base, k);
	unsigned cap = (unsigned)(k->size / sizeof(*arr));
	const char *p = v;
	char item[1024];    /* a 255-octet name with every octet written \DDD */
	bool too_long;

	if (first || *v == '\0')
		*count = 0;
	while (cfg_next_item(&p, item, sizeof(item), &too_long)) {
		uint8_t wire[BOLT_NAME_MAX];
		int len = too_long || item[0] == '\0' ? BOLT_ESYNTAX : bolt_name_from_text(item, wire);
		if (len < 0) {
			fail(st, "[%s] %s: bad name '%.64s': %s", k->section, k->name, item,
			     bolt_strerror(len));
			return;
		}
		bolt_name_lower(wire, (size_t)len);
		/* a name listed twice is one anchor: keep the list free of repeats */
		bool dup = false;
		for (unsigned i = 0; i < *count; i++)
			dup = dup || bolt_name_equal(arr[i], wire);
		if (dup)
			continue;
		if (*count >= cap) {
			fail(st, "[%s] %s: more than %u names", k->section, k->name, cap);
			return;
		}
		memcpy(arr[(*count)++], wire, (size_t)len);
	}
}

/* One domain name, lower-case wire form. */
static void set_name(struct state *st, const struct key *k, void *base, const char *v)
{
	uint8_t wire[BOLT_NAME_MAX];
	int len = bolt_name_from_text(v, wire);
	if (len < 0) {
		fail(st, "[%s] %s: bad name '%.64s': %s", k->section, k->name, v, bolt_strerror(len));
		return;
	}
	bolt_name_lower(wire, (size_t)len);
	memcpy(AT(base, k, uint8_t), wire, (size_t)len);
}

/* Set key k of the struct at base (struct bolt_config, or an instance of a
 * repeatable section) from the value raw; first: its first line there. */
static void set_value(struct state *st, const struct key *k, void *base, const char *raw,
                      bool first)
{
	void *cfg = base;
	char qbuf[LINE_MAX_BYTES + 1];
	const char *v = cfg_unquote(raw, qbuf, sizeof(qbuf));
	uint64_t n = 0;
	int ret;

	if (*v == '\0' && !(k->flags & F_EMPTY_OK)) {
		fail(st, "[%s] %s: empty value", k->section, k->name);
		return;
	}
	switch ((enum kind)k->kind) {
	case K_STR:
		if (strlen(v) > k->max) {
			fail(st, "[%s] %s: longer than %u characters", k->section, k->name,
			     (unsigned)k->max);
			return;
		}
		snprintf(AT(cfg, k, char), k->size, "%s", v);
		return;
	case K_UINT:
		if ((k->flags & F_AUTO_WORD) && strcmp(v, "auto") == 0) {
			*AT(cfg, k, unsigned) = 0xffffffffu;
			return;
		}
		if ((k->flags & F_ONE_IN) && strncmp(v, "1/", 2) == 0)
			v += 2;
		ret = bolt_text_uint(v, strlen(v), UINT64_MAX, &n);
		goto number;
	case K_MSEC:
		ret = cfg_parse_msec(v, &n);
		goto number;
	case K_SECS:
		ret = cfg_parse_secs(v, &n);
		goto number;
	case K_OCTAL:
		ret = cfg_parse_octal(v, k->max, &n);
		if (ret != 0) {
			fail(st, "[%s] %s: '%.64s' is not an octal mode 0..0777", k->section, k->name, v);
			return;
		}
		*AT(cfg, k, unsigned) = (unsigned)n;
		return;
	case K_SIZE:
		ret = cfg_parse_size(v, &n);
		if (ret == BOLT_ESYNTAX) {
			fail(st, "[%s] %s: '%.64s' is not a size (bytes, or a number with K, M, G or T)",
			     k->section, k->name, v);
			return;
		}
		if (ret != 0 || n < k->min || n > k->max) {
			fail(st, "[%s] %s: '%.64s' out of range %lluM..%lluT", k->section, k->name, v,
			     (unsigned long long)(k->min >> 20), (unsigned long long)(k->max >> 40));
			return;
		}
		*AT(cfg, k, uint64_t) = n;
		return;
	case K_BOOL:
		if (cfg_parse_bool(v, AT(cfg, k, bool)) != 0)
			fail(st, "[%s] %s: '%.64s' is not yes/no/true/false/on/off/1/0",
			     k->section, k->name, v);
		return;
	case K_ENUM:
		for (int i = 0; k->choices[i] != NULL; i++) {
			if (strcasecmp(v, k->choices[i]) == 0) {
				*AT(cfg, k, int) = i;
				return;
			}
		}
		{
			char list[256];
			size_t ll = 0;
			list[0] = '\0';
			for (int i = 0; k->choices[i] != NULL && ll < sizeof(list); i++)
				ll += (size_t)snprintf(list + ll, sizeof(list) - ll, "%s%s",
				                       i > 0 ? " | " : "", k->choices[i]);
			fail(st, "[%s] %s: '%.64s' is not one of %s", k->section, k->name, v, list);
		}
		return;
	case K_ADDRS:
		set_addrs(st, k, base, v, first);
		return;
	case K_ADDR_OPT: {
		bool *enabled = (bool *)(void *)((char *)cfg + k->aux_off);
		struct bolt_sockaddr sa;
		if (*v == '\0') {
			*enabled = false;
			return;
		}
		if (bolt_sockaddr_parse(v, &sa) != 0) {
			fail(st, "[%s] %s: bad address '%.64s' (expected 127.0.0.1@9153 or "
			         "[::1]@9153, or nothing to turn it off)", k->section, k->name, v);
			return;
		}
		if (sa.port == 0)
			sa.port = k->port;
		*AT(cfg, k, struct bolt_sockaddr) = sa;
		*enabled = true;
		return;
	}
	case K_PREFIXES:
		set_prefixes(st, k, base, v, first);
		return;
	case K_NAMES:
		set_names(st, k, base, v, first);
		return;
	case K_NAME:
		set_name(st, k, base, v);
		return;
	case K_DATA: {
		unsigned *count = COUNT_AT(cfg, k);
		struct bolt_local_rr rr;
		const char *why;
		if (bolt_local_data_parse(v, &rr, &why) != 0) {
			fail(st, "[%s] %s: %s", k->section, k->name, why);
			return;
		}
		if (strlen(v) >= BOLT_CFG_STR) {
			fail(st, "[%s] %s: longer than %d characters", k->section, k->name,
			     BOLT_CFG_STR - 1);
			return;
		}
		if (*count >= BOLT_CFG_MAX_LOCAL) {
			fail(st, "[%s] %s: more than %d lines (use 'hosts =' for bulk data)",
			     k->section, k->name, BOLT_CFG_MAX_LOCAL);
			return;
		}
		snprintf(AT(cfg, k, char) + (size_t)(*count)++ * BOLT_CFG_STR, BOLT_CFG_STR, "%s", v);
		return;
	}
	case K_IFNAME:
		if (*v != '\0' && !cfg_valid_ifname(v)) {
			fail(st, "[%s] %s: '%.64s' is not an interface name (1..15 characters)",
			     k->section, k->name, v);
			return;
		}
		snprintf(AT(cfg, k, char), k->size, "%s", v);
		return;
	case K_USER:
		if (*v != '\0' && !cfg_valid_user(v, k->size)) {
			fail(st, "[%s] %s: '%.64s' is not a user or group name", k->section, k->name, v);
			return;
		}
		snprintf(AT(cfg, k, char), k->size, "%s", v);
		return;
	}
	return;

number:
	if (ret == BOLT_ESYNTAX) {
		fail(st, "[%s] %s: '%.64s' is not a number%s", k->section, k->name, v,
		     k->kind == K_MSEC ? " (milliseconds, or with ms / s)"
		     : k->kind == K_SECS ? " (seconds, or with s / m / h / d / w)" : "");
		return;
	}
	bool zero_ok = (k->flags & (F_ZERO_AUTO | F_ZERO_OFF)) && ret == 0 && n == 0;
	const char *zero = (k->flags & F_ZERO_AUTO) ? " (or 0 for automatic)"
	                   : (k->flags & F_ZERO_OFF) ? " (or 0 for off)" : "";
	if (!zero_ok && (ret != 0 || n < k->min || n > k->max)) {
		fail(st, "[%s] %s: '%.64s' out of range %llu..%llu%s", k->section, k->name, v,
		     (unsigned long long)k->min, (unsigned long long)k->max,
		     *zero ? zero : (k->flags & F_AUTO_WORD) ? " (or auto)" : "");
		return;
	}
	if (!zero_ok && (k->flags & F_POW2) && !cfg_is_pow2(n)) {
		fail(st, "[%s] %s: %s is not a power of two%s", k->section, k->name, v, zero);
		return;
	}
	*AT(cfg, k, unsigned) = (unsigned)n;
}

/* Keys are written with '-'; '_' is accepted too since both appear in other resolvers' files. */
static bool key_equal(const char *table, const char *name)
{
	for (; *table != '\0' && *name != '\0'; table++, name++) {
		char c = *name == '_' ? '-' : *name;
		if (*table != c)
			return false;
	}
	return *table == *name;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct state *st = user;

	/* a section start (if inih calls for it), or anything after the first error */
	if (name == NULL || value == NULL || st->err_line != 0)
		return 1;
	if (st->stash != NULL && st->stash_line == st->lineno && strcmp(value, LONG_VALUE_MARK) == 0)
		value = st->stash;
	if (section[0] == '\0') {
		fail(st, "'%.64s' outside any [section]", name);
		return 1;
	}
	/* a key of a repeatable section sets the instance its "[name]" line began */
	const struct key *keys = cfg_keys;
	size_t nkeys = cfg_nkeys;
	unsigned *seen = st->seen;
	void *base = st->cfg;
	const struct cfg_multi *multi = st->multi.sec;
	if (multi != NULL && strcmp(multi->name, section) == 0) {
		keys = multi->keys;
		nkeys = multi->nkeys;
		seen = st->multi.seen;
		base = st->multi.inst;
	}
	size_t i;
	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].section, section) == 0 && key_equal(keys[i].name, name))
			break;
	if (i == nkeys) {
		fail(st, "unknown key '%.64s' in [%.64s]", name, section);
		return 1;
	}
	const struct key *k = &keys[i];
	bool first = seen[i] == 0;
	if (!first && !(k->flags & F_REPEAT)) {
		fail(st, "[%s] %s: already set on line %u", k->section, k->name, seen[i]);
		return 1;
	}
	if (first)
		seen[i] = st->lineno;
	set_value(st, k, base, value, first);
	return 1;
}

/* ---------------------------------------------------------------- */
/* Checks across keys.                                              */
/* ---------------------------------------------------------------- */

static unsigned seen_line(const struct state *st, const char *section, const char *name)
{
	for (size_t i = 0; i < cfg_nkeys; i++)
		if (strcmp(cfg_keys[i].section, section) == 0 && strcmp(cfg_keys[i].name, name) == 0)
			return st->seen[i];
	return 0;
}

static void fail_at(struct state *st, unsigned line, const char *fmt, ...)
{
	if (st->err_line != 0)
		return;
	st->err_line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

/* [tls]: listeners need a certificate and its key, both readable now, so
 * that a typo stops start-up with its line instead of every handshake
 * failing later (their contents are checked by boltdns-edge, which loads
 * them, with the same lines). */
static void check_tls(struct state *st)
{
	struct bolt_config *cfg = st->cfg;
	static const struct { const char *name; size_t off; } files[] = {
		{ "certificate", offsetof(struct bolt_config, tls_certificate) },
		{ "key", offsetof(struct bolt_config, tls_key) },
	};
	cfg->tls_certificate_line = seen_line(st, "tls", "certificate");
	cfg->tls_key_line = seen_line(st, "tls", "key");
	const char *p = cfg->doh_path;
	if (p[0] != '/' || strpbrk(p, "?# \t") != NULL) {
		fail_at(st, seen_line(st, "tls", "doh-path"),
		        "[tls] doh-path: '%.64s' is not an absolute path without a query", p);
		return;
	}
	uint8_t wire[BOLT_NAME_MAX];
	if (cfg->ddr_name[0] != '\0' && bolt_name_from_text(cfg->ddr_name, wire) < 0) {
		fail_at(st, seen_line(st, "tls", "ddr-name"), "[tls] ddr-name: '%.64s' is not a domain name",
		        cfg->ddr_name);
		return;
	}
	if (cfg->ndot_listen == 0 && cfg->ndoh_listen == 0)
		return;
	unsigned lline = seen_line(st, "tls", cfg->ndot_listen > 0 ? "dot-listen" : "doh-listen");
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(files); i++) {
		const char *path = (const char *)cfg + files[i].off;
		unsigned line = seen_line(st, "tls", files[i].name);
		if (path[0] == '\0') {
			fail_at(st, line != 0 ? line : lline,
			        "[tls] %s: needed by dot-listen and doh-listen, and not set",
			        files[i].name);
			return;
		}
		if (access(path, R_OK) != 0) {
			fail_at(st, line, "[tls] %s: cannot read '%.200s': %s", files[i].name, path,
			        strerror(errno));
			return;
		}
	}
}

/* [dnstap]: one output at most; sampling needs one. */
static void check_dnstap(struct state *st)
{
	struct bolt_config *cfg = st->cfg;
	if (cfg->dnstap_socket[0] != '\0' && cfg->dnstap_file[0] != '\0') {
		fail_at(st, seen_line(st, "dnstap", "file"),
		        "[dnstap] socket and file: set one of them, not both");
		return;
	}
	if (cfg->dnstap_sample != 0 && cfg->dnstap_socket[0] == '\0' && cfg->dnstap_file[0] == '\0')
		fail_at(st, seen_line(st, "dnstap", "sample"),
		        "[dnstap] sample: needs socket or file (where the samples go)");
}

static void check_all(struct state *st)
{
	struct bolt_config *cfg = st->cfg;

	if (cfg->io == BOLT_IO_SOCKET && cfg->nlisten == 0) {
		/* with socket io the service addresses are where to listen */
		for (unsigned i = 0; i < cfg->naddress; i++)
			cfg->listen[cfg->nlisten++] = cfg->address[i];
		if (cfg->nlisten == 0)
			fail_at(st, seen_line(st, "dataplane", "io"),
			        "[dataplane] io = socket needs 'listen' (or 'address')");
	}

	check_tls(st);
	check_dnstap(st);

	/* The region's own rules (lib/cache), so a size it would refuse is
	 * reported here with its line. */
	struct bolt_region_geometry g;
	unsigned size_line = seen_line(st, "cache", "size");
	int ret = bolt_region_geometry_workers(cfg->cache_size, cfg->ring_slots,
	                                       bolt_config_resolver_workers(cfg), &g);
	if (ret == BOLT_EGEOMETRY) {
		unsigned line = size_line != 0 ? size_line : seen_line(st, "cache", "ring-slots");
		fail_at(st, line, "[cache] size = %llu bytes is too small for ring-slots = %u: "
		        "the rings take %lluM, size must be at least %lluM",
		        (unsigned long long)cfg->cache_size, g.ring_slots,
		        (unsigned long long)(g.rings_bytes >> 20),
		        (unsigned long long)((g.min_size + (1ull << 20) - 1) >> 20));
		return;
	}
	if (ret == 0 && cfg->cache_shards != 0 && cfg->cache_shards > g.max_shards) {
		unsigned line = seen_line(st, "cache", "shards");
		fail_at(st, line, "[cache] shards = %u is too many for a %lluM cache "
		        "(each shard needs about 1.25M; at most %u)", cfg->cache_shards,
		        (unsigned long long)(g.cache_size >> 20), g.max_shards);
	}
}

/* ---------------------------------------------------------------- */
/* API.                                                             */
/* ---------------------------------------------------------------- */

unsigned bolt_config_resolver_workers(const struct bolt_config *cfg)
{
	if (cfg->resolver_workers != BOLT_WORKERS_AUTO)
		return cfg->resolver_workers == 0 ? 1u : cfg->resolver_workers;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long n = cpus - (long)cfg->workers;
	if (n < 1)
		n = 1;
	if (n > BOLT_MAX_WORKERS)
		n = BOLT_MAX_WORKERS;
	return (unsigned)n;
}

void bolt_config_defaults(struct bolt_config *cfg)
{
	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));

	cfg->io = BOLT_IO_DPDK;
	cfg->workers = 1;
	cfg->udp_max = 1232;
	cfg->idle_sleep_us = BOLT_IDLE_SLEEP_AUTO;
	cfg->dp_cookies = true;
	cfg->dp_pkc_slots = 16384;      /* DP_PKC_DEFAULT (dataplane/pktcache.h) */

	snprintf(cfg->cache_path, sizeof(cfg->cache_path), "/dev/hugepages/boltdns");
	cfg->cache_size = 1ull << 30;
	cfg->cache_shards = 0;
	cfg->cache_wipe = false;
	cfg->ring_slots = 0;

	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "/run/boltdns/control.sock");
	cfg->socket_mode = 0660;
	cfg->metrics_enabled = false;
	cfg->verbosity = 1;

	snprintf(cfg->root_hints, sizeof(cfg->root_hints), "/usr/share/dns/root.hints");
	cfg->qname_minimisation = true;
	cfg->edns_size = 1232;
	cfg->timeout_ms = 800;
	cfg->retries = 2;
	cfg->max_upstream = 64;
	cfg->max_inflight_zone = 100;
	cfg->max_inflight_server = 400;
	cfg->zone_nxdomain_rate = 1000;
	cfg->nxdomain_cut = true;
	cfg->max_cname = 12;
	cfg->max_ns_chase = 6;
	cfg->max_depth = 4;
	cfg->servfail_ttl = 5;
	cfg->max_ttl = 86400;
	cfg->max_negative_ttl = 3600;
	cfg->infra_entries = 65536;
	cfg->resolver_workers = 1;
	cfg->serve_stale = true;
	cfg->stale_max_age = 86400;
	cfg->prefetch = true;
	cfg->stale_answer_timeout_ms = 1800;
	cfg->do_not_query_localhost = true;
	/* addresses no name server can have (Unbound's defaults) */
	static const char *const dnq[] = { "0.0.0.0/8", "::/128", "224.0.0.0/4",
	                                    "255.255.255.255/32", "ff00::/8" };
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(dnq); i++)
		bolt_prefix_parse(dnq[i], &cfg->do_not_query[cfg->ndo_not_query++]);
	cfg->local_zones = BOLT_LOCAL_ZONES_DEFAULT;
	cfg->min_ttl = 0;

	/* everyone may ask until [acl] allow says otherwise */
	bolt_prefix_parse("0.0.0.0/0", &cfg->allow[0]);
	bolt_prefix_parse("::/0", &cfg->allow[1]);
	cfg->nallow = 2;
	cfg->acl_action = BOLT_ACL_REFUSE;

	cfg->rl_rate = 0;
	cfg->rl_slip = 2;
	cfg->rl_v4_prefix = 24;
	cfg->rl_v6_prefix = 56;

	cfg->validation = true;
	/* Debian's dns-root-data (the root's KSKs as DNSKEY lines) */
	snprintf(cfg->trust_anchor_file, sizeof(cfg->trust_anchor_file), "/usr/share/dns/root.key");
	snprintf(cfg->trust_anchor_state, sizeof(cfg->trust_anchor_state), "%s/root.key",
	         BOLT_STATE_DIR);
	cfg->nnta = 0;
	cfg->permissive = false;
	cfg->val_clock_skew = 3600;
	cfg->max_nsec3_iterations = 50;
	cfg->bogus_ttl = 60;
	cfg->aggressive_nsec = true;
	cfg->ta_hold_down = 30 * 86400;

	snprintf(cfg->doh_path, sizeof(cfg->doh_path), "/dns-query");
	cfg->tls_idle_ms = 10000;
	cfg->tls_max_conns = 4096;
	cfg->tls_max_client_conns = 32;
	snprintf(cfg->tls_stats, sizeof(cfg->tls_stats), "/run/boltdns/edge.stats");

	cfg->dnstap_client_query = true;
	cfg->dnstap_client_response = true;
	cfg->dnstap_resolver_query = true;
	cfg->dnstap_resolver_response = true;
	cfg->dnstap_queue = 4096;
}

/*
 * Loads parse into this copy so that a failed reload leaves the caller's
 * configuration as it was. It is static, not malloc'ed, because the struct is
 * over 128K, which every allocator serves with mmap/munmap per call; loads
 * are rare, so serialising them costs nothing.
 */
static struct bolt_config scratch;
static pthread_mutex_t scratch_lock = PTHREAD_MUTEX_INITIALIZER;

static int run(struct bolt_config *cfg, struct state *st, char *errbuf, size_t errlen)
{
	struct bolt_config *tmp = &scratch;
	char *line = malloc(LINE_MAX_BYTES + 2);
	int ret = 0;

	if (line == NULL) {
		ret = -ENOMEM;
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: out of memory", st->name);
		goto out;
	}
	bolt_config_defaults(tmp);
	snprintf(tmp->path, sizeof(tmp->path), "%s", st->name);
	st->cfg = tmp;
	st->line = line;

	int r = ini_parse_stream(reader, st, handler, st);
	if (st->io_err != 0) {
		ret = st->io_err;
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s:%u: read error: %s", st->name, st->lineno + 1,
			         strerror(-ret));
		goto out;
	}
	if (r < 0) {
		ret = -ENOMEM;
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: out of memory", st->name);
		goto out;
	}
	/* the last instance of a repeatable section ends with the file */
	end_instance(st);
	/* inih's own error (a line that is neither [section] nor key = value) may come first */
	if (r > 0 && (st->err_line == 0 || (unsigned)r < st->err_line)) {
		st->err_line = (unsigned)r;
		snprintf(st->err, sizeof(st->err), "expected 'key = value' or '[section]'");
	}
	if (st->err_line == 0)
		check_all(st);
	if (st->err_line != 0 || st->err[0] != '\0') {
		if (errbuf != NULL && errlen > 0) {
			if (st->err_line != 0)
				snprintf(errbuf, errlen, "%s:%u: %s", st->name, st->err_line, st->err);
			else
				snprintf(errbuf, errlen, "%s: %s", st->name, st->err);
		}
		ret = BOLT_ECONFIG;
		goto out;
	}
	memcpy(cfg, tmp, sizeof(*cfg));
out:
	free(line);
	return ret;
}

static int run_locked(struct bolt_config *cfg, struct state *st, char *errbuf, size_t errlen)
{
	pthread_mutex_lock(&scratch_lock);
	int ret = run(cfg, st, errbuf, errlen);
	pthread_mutex_unlock(&scratch_lock);
	return ret;
}

int bolt_config_load(struct bolt_config *cfg, const char *path, char *errbuf, size_t errlen)
{
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (cfg == NULL || path == NULL)
		return -EINVAL;
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		int ret = -errno;
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	struct state *st = calloc(1, sizeof(*st));
	if (st == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	st->name = path;
	st->f = f;
	int ret = run_locked(cfg, st, errbuf, errlen);
	free(st);
	fclose(f);
	return ret;
}

int bolt_config_load_string(struct bolt_config *cfg, const char *text, const char *name,
                            char *errbuf, size_t errlen)
{
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (cfg == NULL || text == NULL)
		return -EINVAL;
	struct state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->name = name != NULL ? name : "<string>";
	st->text = text;
	int ret = run_locked(cfg, st, errbuf, errlen);
	free(st);
	return ret;
}
