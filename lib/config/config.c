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

/* A physical line longer than this is refused whole (no value needs more). */
#define LINE_MAX_BYTES 4096
/* Stands for a value that did not fit inih's line buffer. */
#define LONG_VALUE_MARK "\x01"

enum kind {
	K_STR,      /* text; max = longest length */
	K_UINT,     /* unsigned decimal in [min, max] */
	K_SIZE,     /* bytes with K/M/G/T suffix (uint64_t) */
	K_BOOL,
	K_MSEC,     /* milliseconds: "800", "800ms", "2s" */
	K_SECS,     /* seconds: "300", "5m", "1h", "1d", "1w" */
	K_OCTAL,
	K_ENUM,     /* one of choices[], stored as its index (int) */
	K_ADDRS,    /* list of bolt_sockaddr; port = default port */
	K_ADDR_OPT, /* one bolt_sockaddr or "" (off) */
	K_PREFIXES, /* list of bolt_prefix */
	K_DATA,     /* "NAME TTL TYPE RDATA" (repeatable) */
	K_IFNAME,
	K_USER,     /* user or group name */
	K_NAMES,    /* list of domain names (stored lower-case, absolute, as text) */
};

enum {
	F_EMPTY_OK = 1 << 0, /* "" is a valid value */
	F_POW2 = 1 << 1,     /* power of two */
	F_NO_PORT = 1 << 2,  /* addresses without @port */
	F_REPEAT = 1 << 3,   /* may appear several times (lists append) */
	F_ZERO_AUTO = 1 << 4, /* 0 (automatic) besides [min, max] */
	F_AUTO_WORD = 1 << 5, /* "auto" (stored as 0xffffffff) besides [min, max] */
};

struct key {
	const char *section;
	const char *name;
	uint8_t kind;
	uint8_t flags;
	uint16_t port;        /* default port for addresses */
	size_t off;           /* field in struct bolt_config */
	size_t size;          /* field size (strings, arrays) */
	size_t count_off;     /* list count field */
	size_t aux_off;       /* K_ADDR_OPT: the bool "enabled" field */
	uint64_t min, max;
	const char *const *choices;
};

#define FIELD(f) .off = offsetof(struct bolt_config, f), .size = sizeof(((struct bolt_config *)0)->f)
#define COUNT(f) .count_off = offsetof(struct bolt_config, f)

static const char *const io_choices[] = { "dpdk", "socket", NULL };
static const char *const action_choices[] = { "refuse", "drop", NULL };
static const char *const local_zones_choices[] = { "default", "none", NULL };

/* The largest signed 32-bit TTL (RFC 2181 section 8). */
#define TTL_MAX 2147483647u

static const struct key keys[] = {
	{ "dataplane", "io", K_ENUM, 0, 0, FIELD(io), .choices = io_choices },
	{ "dataplane", "eal", K_STR, F_EMPTY_OK, 0, FIELD(eal), .max = BOLT_CFG_STR - 1 },
	{ "dataplane", "address", K_ADDRS, F_REPEAT | F_EMPTY_OK, 53, FIELD(address), COUNT(naddress) },
	{ "dataplane", "listen", K_ADDRS, F_REPEAT | F_EMPTY_OK, 53, FIELD(listen), COUNT(nlisten) },
	/* each worker uses one lcore's pair of rings */
	{ "dataplane", "workers", K_UINT, 0, 0, FIELD(workers), .min = 1, .max = BOLT_MAX_LCORES },
	/* responses travel through answer slots of BOLT_ANSWER_PAYLOAD_MAX bytes */
	{ "dataplane", "udp-max", K_UINT, 0, 0, FIELD(udp_max), .min = 512, .max = BOLT_ANSWER_PAYLOAD_MAX },
	{ "dataplane", "cookies", K_BOOL, 0, 0, FIELD(dp_cookies) },
	/* an idle lcore naps at most this long (us); 0 = pure busy polling */
	{ "dataplane", "idle-sleep", K_UINT, F_AUTO_WORD, 0, FIELD(idle_sleep_us), .min = 0, .max = 10000 },
	{ "dataplane", "exception", K_IFNAME, F_EMPTY_OK, 0, FIELD(exception) },
	{ "dataplane", "xdp-prog", K_STR, F_EMPTY_OK, 0, FIELD(xdp_prog), .max = BOLT_CFG_STR - 1 },

	{ "cache", "path", K_STR, 0, 0, FIELD(cache_path), .max = BOLT_CFG_STR - 1 },
	{ "cache", "size", K_SIZE, 0, 0, FIELD(cache_size), .min = BOLT_REGION_MIN_SIZE, .max = 1ull << 44 },
	/* the limits bolt_region_create enforces (lib/cache: MAX_SHARDS, MAX_RING_SLOTS) */
	{ "cache", "shards", K_UINT, F_POW2 | F_ZERO_AUTO, 0, FIELD(cache_shards), .min = 1, .max = 256 },
	{ "cache", "wipe", K_BOOL, 0, 0, FIELD(cache_wipe) },
	{ "cache", "ring-slots", K_UINT, F_POW2 | F_ZERO_AUTO, 0, FIELD(ring_slots), .min = 16,
	  .max = 1u << 20 },

	/* a unix socket path must fit sun_path with its NUL */
	{ "control", "socket", K_STR, 0, 0, FIELD(control_socket),
	  .max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1 },
	{ "control", "socket-mode", K_OCTAL, 0, 0, FIELD(socket_mode), .max = 0777 },
	{ "control", "socket-owner", K_USER, F_EMPTY_OK, 0, FIELD(socket_owner) },
	{ "control", "socket-group", K_USER, F_EMPTY_OK, 0, FIELD(socket_group) },
	{ "control", "tcp-listen", K_ADDRS, F_REPEAT | F_EMPTY_OK, 53, FIELD(tcp_listen), COUNT(ntcp_listen) },
	{ "control", "metrics", K_ADDR_OPT, F_EMPTY_OK, 9153, FIELD(metrics),
	  .aux_off = offsetof(struct bolt_config, metrics_enabled) },
	{ "control", "verbosity", K_UINT, 0, 0, FIELD(verbosity), .min = 0, .max = 4 },

	{ "resolver", "root-hints", K_STR, 0, 0, FIELD(root_hints), .max = BOLT_CFG_STR - 1 },
	{ "resolver", "qname-minimisation", K_BOOL, 0, 0, FIELD(qname_minimisation) },
	{ "resolver", "edns-size", K_UINT, 0, 0, FIELD(edns_size), .min = 512, .max = 4096 },
	{ "resolver", "timeout", K_MSEC, 0, 0, FIELD(timeout_ms), .min = 10, .max = 60000 },
	{ "resolver", "retries", K_UINT, 0, 0, FIELD(retries), .min = 0, .max = 10 },
	{ "resolver", "max-upstream-queries", K_UINT, 0, 0, FIELD(max_upstream), .min = 1, .max = 1000 },
	{ "resolver", "max-inflight-per-zone", K_UINT, 0, 0, FIELD(max_inflight_zone), .min = 0, .max = 100000 },
	{ "resolver", "max-inflight-per-server", K_UINT, 0, 0, FIELD(max_inflight_server), .min = 0, .max = 100000 },
	{ "resolver", "zone-nxdomain-rate", K_UINT, 0, 0, FIELD(zone_nxdomain_rate), .min = 0, .max = 10000000 },
	{ "resolver", "nxdomain-cut", K_BOOL, 0, 0, FIELD(nxdomain_cut) },
	{ "resolver", "max-cname", K_UINT, 0, 0, FIELD(max_cname), .min = 0, .max = 64 },
	{ "resolver", "max-ns-chase", K_UINT, 0, 0, FIELD(max_ns_chase), .min = 0, .max = 64 },
	{ "resolver", "max-depth", K_UINT, 0, 0, FIELD(max_depth), .min = 1, .max = 16 },
	{ "resolver", "servfail-ttl", K_SECS, 0, 0, FIELD(servfail_ttl), .min = 0, .max = 3600 },
	{ "resolver", "max-ttl", K_SECS, 0, 0, FIELD(max_ttl), .min = 1, .max = TTL_MAX },
	{ "resolver", "max-negative-ttl", K_SECS, 0, 0, FIELD(max_negative_ttl), .min = 0, .max = TTL_MAX },
	{ "resolver", "infra-cache", K_UINT, 0, 0, FIELD(infra_entries), .min = 64, .max = 1u << 24 },
	{ "resolver", "serve-stale", K_BOOL, 0, 0, FIELD(serve_stale) },
	{ "resolver", "stale-max-age", K_SECS, 0, 0, FIELD(stale_max_age), .min = 0, .max = TTL_MAX },
	{ "resolver", "prefetch", K_BOOL, 0, 0, FIELD(prefetch) },
	{ "resolver", "outgoing", K_ADDRS, F_REPEAT | F_NO_PORT, 0, FIELD(outgoing), COUNT(noutgoing) },
	/* RFC 8767 suggests 1.8 s; 0 turns the timer off (stale only after a failure) */
	{ "resolver", "stale-answer-timeout", K_MSEC, 0, 0, FIELD(stale_answer_timeout_ms), .min = 0,
	  .max = 60000 },
	{ "resolver", "do-not-query-localhost", K_BOOL, 0, 0, FIELD(do_not_query_localhost) },
	{ "resolver", "do-not-query-address", K_PREFIXES, F_REPEAT | F_EMPTY_OK, 0, FIELD(do_not_query),
	  COUNT(ndo_not_query) },
	{ "resolver", "local-zones", K_ENUM, 0, 0, FIELD(local_zones), .choices = local_zones_choices },
	/* above a day a record would outlive any operator's idea of a change */
	{ "resolver", "min-ttl", K_SECS, 0, 0, FIELD(min_ttl), .min = 0, .max = 86400 },

	{ "local", "hosts", K_STR, F_EMPTY_OK, 0, FIELD(hosts_file), .max = BOLT_CFG_STR - 1 },
	{ "local", "data", K_DATA, F_REPEAT, 0, FIELD(local_data), COUNT(nlocal_data) },

	{ "acl", "allow", K_PREFIXES, F_REPEAT, 0, FIELD(allow), COUNT(nallow) },
	{ "acl", "action", K_ENUM, 0, 0, FIELD(acl_action), .choices = action_choices },

	{ "ratelimit", "rate", K_UINT, 0, 0, FIELD(rl_rate), .min = 0, .max = 10000000 },
	{ "ratelimit", "slip", K_UINT, 0, 0, FIELD(rl_slip), .min = 0, .max = 100 },
	{ "ratelimit", "ipv4-prefix", K_UINT, 0, 0, FIELD(rl_v4_prefix), .min = 1, .max = 32 },
	{ "ratelimit", "ipv6-prefix", K_UINT, 0, 0, FIELD(rl_v6_prefix), .min = 1, .max = 128 },

	{ "dnssec", "validation", K_BOOL, 0, 0, FIELD(validation) },
	{ "dnssec", "trust-anchor-file", K_STR, 0, 0, FIELD(trust_anchor_file), .max = BOLT_CFG_STR - 1 },
	{ "dnssec", "trust-anchor-state", K_STR, 0, 0, FIELD(trust_anchor_state),
	  .max = BOLT_CFG_STR - 8 /* room for the ".tmp" of the atomic write */ },
	{ "dnssec", "negative-trust-anchors", K_NAMES, F_REPEAT | F_EMPTY_OK, 0, FIELD(nta), COUNT(nnta) },
	{ "dnssec", "permissive", K_BOOL, 0, 0, FIELD(permissive) },
	/* Unbound's val-sig-skew-max is a day too: more would accept replayed signatures */
	{ "dnssec", "val-clock-skew", K_SECS, 0, 0, FIELD(val_clock_skew), .min = 0, .max = 86400 },
	/* the NSEC3 iterations field is 16 bits */
	{ "dnssec", "max-nsec3-iterations", K_UINT, 0, 0, FIELD(max_nsec3_iterations), .min = 0,
	  .max = 65535 },
	{ "dnssec", "bogus-ttl", K_SECS, 0, 0, FIELD(bogus_ttl), .min = 0, .max = 86400 },
	/* RFC 5011 wants 30 days; shorter only makes sense in a test */
	{ "dnssec", "trust-anchor-hold-down", K_SECS, 0, 0, FIELD(ta_hold_down), .min = 1,
	  .max = 365 * 86400 },

	{ "tls", "certificate", K_STR, F_EMPTY_OK, 0, FIELD(tls_certificate), .max = BOLT_CFG_STR - 1 },
	{ "tls", "key", K_STR, F_EMPTY_OK, 0, FIELD(tls_key), .max = BOLT_CFG_STR - 1 },
	{ "tls", "dot-listen", K_ADDRS, F_REPEAT | F_EMPTY_OK, 853, FIELD(dot_listen), COUNT(ndot_listen) },
	{ "tls", "doh-listen", K_ADDRS, F_REPEAT | F_EMPTY_OK, 443, FIELD(doh_listen), COUNT(ndoh_listen) },
	{ "tls", "doh-path", K_STR, 0, 0, FIELD(doh_path), .max = 255 },
	{ "tls", "resolver", K_ADDR_OPT, F_EMPTY_OK, 53, FIELD(tls_resolver),
	  .aux_off = offsetof(struct bolt_config, tls_resolver_set) },
	/* RFC 7766 6.2.3 suggests seconds, not minutes, for an idle connection */
	{ "tls", "idle-timeout", K_MSEC, 0, 0, FIELD(tls_idle_ms), .min = 100, .max = 3600000 },
	{ "tls", "max-connections", K_UINT, 0, 0, FIELD(tls_max_conns), .min = 1, .max = 1000000 },
	{ "tls", "max-connections-per-client", K_UINT, 0, 0, FIELD(tls_max_client_conns), .min = 1,
	  .max = 100000 },
	{ "tls", "ddr-name", K_STR, F_EMPTY_OK, 0, FIELD(ddr_name), .max = 253 },
	{ "tls", "stats-file", K_STR, F_EMPTY_OK, 0, FIELD(tls_stats), .max = BOLT_CFG_STR - 1 },
};

#define NKEYS BOLT_ARRAY_SIZE(keys)

static const char *const sections[] = {
	"dataplane", "cache", "control", "resolver", "local", "acl", "ratelimit", "dnssec", "tls",
};

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
	unsigned seen[NKEYS];
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

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
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(sections); i++)
		if (strlen(sections[i]) == len && memcmp(sections[i], s, len) == 0)
			return true;
	return false;
}

/* "[name]" lines: inih would accept any name and ignore text after ']'. */
static void check_section(struct state *st, const char *s)
{
	const char *close = strchr(s, ']');
	if (close == NULL)
		return; /* inih reports it as a syntax error on this line */
	const char *a = s + 1, *b = close;
	while (a < b && is_blank(*a))
		a++;
	while (b > a && is_blank(b[-1]))
		b--;
	if (!known_section(a, (size_t)(b - a))) {
		fail(st, "unknown section [%.*s] (known: dataplane, cache, control, resolver, "
		         "local, acl, ratelimit, dnssec, tls)", (int)(b - a > 64 ? 64 : b - a), a);
		return;
	}
	const char *t = close + 1;
	while (is_blank(*t))
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
	while (klen > 0 && is_blank(s[klen - 1]))
		klen--;
	if (klen + sizeof(LONG_VALUE_MARK) + 2 > cap) {
		fail(st, "key name too long");
		return false;
	}
	/* inih's inline comment rule: ';' after a blank, looked for before the value's
	 * leading blanks are skipped (so "key = ;x" is empty but "key =;x" is ";x") */
	for (char *p = value; *p != '\0'; p++) {
		if (*p == ';' && p > value && is_blank(p[-1])) {
			*p = '\0';
			break;
		}
	}
	while (is_blank(*value))
		value++;
	size_t vlen = strlen(value);
	while (vlen > 0 && is_blank(value[vlen - 1]))
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
	while (is_blank(*s))
		s++;
	size_t len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
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

/* ---------------------------------------------------------------- */
/* Values.                                                          */
/* ---------------------------------------------------------------- */

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Digits followed by an optional unit; *mult gets the unit's factor. */
static int number_unit(const char *v, uint64_t max, uint64_t *out,
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

static int parse_size(const char *v, uint64_t *out)
{
	static const char *const units[] = { "K", "M", "G", "T", "KB", "MB", "GB", "TB", NULL };
	static const uint64_t mults[] = { 1ull << 10, 1ull << 20, 1ull << 30, 1ull << 40,
	                                  1ull << 10, 1ull << 20, 1ull << 30, 1ull << 40 };
	return number_unit(v, UINT64_MAX, out, units, mults);
}

static int parse_msec(const char *v, uint64_t *out)
{
	static const char *const units[] = { "ms", "s", NULL };
	static const uint64_t mults[] = { 1, 1000 };
	return number_unit(v, UINT64_MAX, out, units, mults);
}

static int parse_secs(const char *v, uint64_t *out)
{
	static const char *const units[] = { "s", "m", "h", "d", "w", NULL };
	static const uint64_t mults[] = { 1, 60, 3600, 86400, 604800 };
	return number_unit(v, UINT64_MAX, out, units, mults);
}

static int parse_bool(const char *v, bool *out)
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

static int parse_octal(const char *v, uint64_t max, uint64_t *out)
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

static bool valid_ifname(const char *v)
{
	size_t len = strlen(v);

	/* IFNAMSIZ is 16 with the NUL; '/' and blanks cannot appear in an interface name */
	if (len == 0 || len > 15)
		return false;
	for (const char *p = v; *p != '\0'; p++)
		if (*p == '/' || *p == ':' || is_blank(*p) || (unsigned char)*p < 0x20)
			return false;
	return true;
}

static bool valid_user(const char *v, size_t cap)
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
static const char *unquote(const char *v, char *buf, size_t cap)
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
static bool next_item(const char **p, char *buf, size_t cap, bool *too_long)
{
	const char *s = *p;

	*too_long = false;
	if (*s == '\0')
		return false;
	const char *end = strchr(s, ',');
	const char *next = end != NULL ? end + 1 : s + strlen(s);
	if (end == NULL)
		end = s + strlen(s);
	while (s < end && is_blank(*s))
		s++;
	while (end > s && is_blank(end[-1]))
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

#define AT(cfg, k, type) ((type *)(void *)((char *)(cfg) + (k)->off))
#define COUNT_AT(cfg, k) ((unsigned *)(void *)((char *)(cfg) + (k)->count_off))
#define CAT(cfg, k, type) ((const type *)(const void *)((const char *)(cfg) + (k)->off))
#define CCOUNT_AT(cfg, k) ((const unsigned *)(const void *)((const char *)(cfg) + (k)->count_off))

static void set_addrs(struct state *st, const struct key *k, const char *v, bool first)
{
	struct bolt_sockaddr *arr = AT(st->cfg, k, struct bolt_sockaddr);
	unsigned *count = COUNT_AT(st->cfg, k);
	unsigned cap = (unsigned)(k->size / sizeof(*arr));
	const char *p = v;
	char item[128];
	bool too_long;

	/* the first line of a list replaces the default, later lines add; "" empties it */
	if (first || *v == '\0')
		*count = 0;
	while (next_item(&p, item, sizeof(item), &too_long)) {
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

static void set_prefixes(struct state *st, const struct key *k, const char *v, bool first)
{
	struct bolt_prefix *arr = AT(st->cfg, k, struct bolt_prefix);
	unsigned *count = COUNT_AT(st->cfg, k);
	unsigned cap = (unsigned)(k->size / sizeof(*arr));
	const char *p = v;
	char item[128];
	bool too_long;

	if (first)
		*count = 0;
	while (next_item(&p, item, sizeof(item), &too_long)) {
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
static void set_names(struct state *st, const struct key *k, const char *v, bool first)
{
	uint8_t (*arr)[BOLT_CFG_NAME_WIRE] = (uint8_t (*)[BOLT_CFG_NAME_WIRE])(void *)AT(st->cfg, k, uint8_t);
	unsigned *count = COUNT_AT(st->cfg, k);
	unsigned cap = (unsigned)(k->size / sizeof(*arr));
	const char *p = v;
	char item[1024];    /* a 255-octet name with every octet written \DDD */
	bool too_long;

	if (first || *v == '\0')
		*count = 0;
	while (next_item(&p, item, sizeof(item), &too_long)) {
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

static void set_value(struct state *st, const struct key *k, const char *raw, bool first)
{
	struct bolt_config *cfg = st->cfg;
	char qbuf[LINE_MAX_BYTES + 1];
	const char *v = unquote(raw, qbuf, sizeof(qbuf));
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
		ret = bolt_text_uint(v, strlen(v), UINT64_MAX, &n);
		goto number;
	case K_MSEC:
		ret = parse_msec(v, &n);
		goto number;
	case K_SECS:
		ret = parse_secs(v, &n);
		goto number;
	case K_OCTAL:
		ret = parse_octal(v, k->max, &n);
		if (ret != 0) {
			fail(st, "[%s] %s: '%.64s' is not an octal mode 0..0777", k->section, k->name, v);
			return;
		}
		*AT(cfg, k, unsigned) = (unsigned)n;
		return;
	case K_SIZE:
		ret = parse_size(v, &n);
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
		if (parse_bool(v, AT(cfg, k, bool)) != 0)
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
		fail(st, "[%s] %s: '%.64s' is not one of %s | %s", k->section, k->name, v,
		     k->choices[0], k->choices[1]);
		return;
	case K_ADDRS:
		set_addrs(st, k, v, first);
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
		set_prefixes(st, k, v, first);
		return;
	case K_NAMES:
		set_names(st, k, v, first);
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
		snprintf(cfg->local_data[(*count)++], BOLT_CFG_STR, "%s", v);
		return;
	}
	case K_IFNAME:
		if (*v != '\0' && !valid_ifname(v)) {
			fail(st, "[%s] %s: '%.64s' is not an interface name (1..15 characters)",
			     k->section, k->name, v);
			return;
		}
		snprintf(AT(cfg, k, char), k->size, "%s", v);
		return;
	case K_USER:
		if (*v != '\0' && !valid_user(v, k->size)) {
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
	bool zero_auto = (k->flags & F_ZERO_AUTO) && ret == 0 && n == 0;
	if (!zero_auto && (ret != 0 || n < k->min || n > k->max)) {
		fail(st, "[%s] %s: '%.64s' out of range %llu..%llu%s", k->section, k->name, v,
		     (unsigned long long)k->min, (unsigned long long)k->max,
		     (k->flags & F_ZERO_AUTO) ? " (or 0 for automatic)"
		     : (k->flags & F_AUTO_WORD) ? " (or auto)" : "");
		return;
	}
	if (!zero_auto && (k->flags & F_POW2) && !is_pow2(n)) {
		fail(st, "[%s] %s: %s is not a power of two%s", k->section, k->name, v,
		     (k->flags & F_ZERO_AUTO) ? " (or 0 for automatic)" : "");
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
	size_t i;
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && key_equal(keys[i].name, name))
			break;
	if (i == NKEYS) {
		fail(st, "unknown key '%.64s' in [%.64s]", name, section);
		return 1;
	}
	const struct key *k = &keys[i];
	bool first = st->seen[i] == 0;
	if (!first && !(k->flags & F_REPEAT)) {
		fail(st, "[%s] %s: already set on line %u", k->section, k->name, st->seen[i]);
		return 1;
	}
	if (first)
		st->seen[i] = st->lineno;
	set_value(st, k, value, first);
	return 1;
}

/* ---------------------------------------------------------------- */
/* Checks across keys.                                              */
/* ---------------------------------------------------------------- */

static unsigned seen_line(const struct state *st, const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
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

	/* The region's own rules (lib/cache), so a size it would refuse is
	 * reported here with its line. */
	struct bolt_region_geometry g;
	unsigned size_line = seen_line(st, "cache", "size");
	int ret = bolt_region_geometry(cfg->cache_size, cfg->ring_slots, &g);
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
/* Printing.                                                        */
/* ---------------------------------------------------------------- */

/*
 * "name = value" that reads back the same: quoted when blanks at its ends
 * would be trimmed, no blank before a leading ';'. A loaded value never holds a blank followed by ';'
 * (inih cut it there) nor starts and ends with '"' around no other '"'
 * (unquote stripped those), so nothing else needs care.
 */
static void print_str(FILE *f, const char *name, const char *v)
{
	size_t len = strlen(v);
	if (len > 0 && (is_blank(v[0]) || is_blank(v[len - 1])))
		fprintf(f, "%s = \"%s\"\n", name, v);
	else if (v[0] == ';')
		fprintf(f, "%s =%s\n", name, v); /* " ;" would start a comment */
	else
		fprintf(f, "%s = %s\n", name, v);
}

static void print_addr(FILE *f, const struct bolt_sockaddr *sa)
{
	char buf[64];
	if (bolt_sockaddr_format(sa, buf, sizeof(buf)) > 0)
		fputs(buf, f);
}

static void print_prefix(FILE *f, const struct bolt_prefix *p)
{
	char buf[64];
	if (inet_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->addr, buf, sizeof(buf)) != NULL)
		fprintf(f, "%s/%u", buf, (unsigned)p->len);
}

static void print_key(FILE *f, const struct bolt_config *cfg, const struct key *k)
{
	unsigned count = k->count_off != 0 ? *CCOUNT_AT(cfg, k) : 0;

	switch ((enum kind)k->kind) {
	case K_STR:
	case K_IFNAME:
	case K_USER:
		print_str(f, k->name, CAT(cfg, k, char));
		return;
	case K_UINT:
	case K_MSEC:
	case K_SECS:
		if ((k->flags & F_AUTO_WORD) && *CAT(cfg, k, unsigned) == 0xffffffffu) {
			fprintf(f, "%s = auto\n", k->name);
			return;
		}
		fprintf(f, "%s = %u\n", k->name, *CAT(cfg, k, unsigned));
		return;
	case K_SIZE:
		fprintf(f, "%s = %llu\n", k->name, (unsigned long long)*CAT(cfg, k, uint64_t));
		return;
	case K_BOOL:
		fprintf(f, "%s = %s\n", k->name, *CAT(cfg, k, bool) ? "yes" : "no");
		return;
	case K_OCTAL:
		fprintf(f, "%s = %04o\n", k->name, *CAT(cfg, k, unsigned));
		return;
	case K_ENUM: {
		int v = *CAT(cfg, k, int);
		fprintf(f, "%s = %s\n", k->name, v == 1 ? k->choices[1] : k->choices[0]);
		return;
	}
	case K_ADDRS:
		if (count == 0 && !(k->flags & F_EMPTY_OK))
			return;
		fprintf(f, "%s = ", k->name);
		for (unsigned i = 0; i < count; i++) {
			if (i > 0)
				fputs(", ", f);
			print_addr(f, CAT(cfg, k, struct bolt_sockaddr) + i);
		}
		fputc('\n', f);
		return;
	case K_ADDR_OPT:
		fprintf(f, "%s = ", k->name);
		if (*(const bool *)(const void *)((const char *)cfg + k->aux_off))
			print_addr(f, CAT(cfg, k, struct bolt_sockaddr));
		fputc('\n', f);
		return;
	case K_PREFIXES:
		if (count == 0 && !(k->flags & F_EMPTY_OK))
			return;
		fprintf(f, "%s = ", k->name);
		for (unsigned i = 0; i < count; i++) {
			if (i > 0)
				fputs(", ", f);
			print_prefix(f, CAT(cfg, k, struct bolt_prefix) + i);
		}
		fputc('\n', f);
		return;
	case K_NAMES: {
		const uint8_t (*names)[BOLT_CFG_NAME_WIRE] =
			(const uint8_t (*)[BOLT_CFG_NAME_WIRE])(const void *)CAT(cfg, k, uint8_t);
		char text[1024];
		/* one name a line (the key repeats): escaped names (\DDD) of a
		 * long list would not fit one line of LINE_MAX_BYTES */
		if (count == 0)
			fprintf(f, "%s = \n", k->name);
		for (unsigned i = 0; i < count && i < BOLT_CFG_MAX_NTA; i++)
			if (bolt_name_to_text(names[i], text, sizeof(text)) > 0)
				fprintf(f, "%s = %s\n", k->name, text);
		return;
	}
	case K_DATA:
		for (unsigned i = 0; i < count && i < BOLT_CFG_MAX_LOCAL; i++) {
			print_str(f, k->name, cfg->local_data[i]);
		}
		return;
	}
}

int bolt_config_print(const struct bolt_config *cfg, FILE *f)
{
	const char *section = "";

	if (cfg == NULL || f == NULL)
		return -EINVAL;
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(section, keys[i].section) != 0) {
			section = keys[i].section;
			fprintf(f, "%s[%s]\n", i == 0 ? "" : "\n", section);
		}
		print_key(f, cfg, &keys[i]);
	}
	return ferror(f) ? -EIO : 0;
}

/* ---------------------------------------------------------------- */
/* API.                                                             */
/* ---------------------------------------------------------------- */

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
	cfg->ta_hold_down = 30 * 86400;

	snprintf(cfg->doh_path, sizeof(cfg->doh_path), "/dns-query");
	cfg->tls_idle_ms = 10000;
	cfg->tls_max_conns = 4096;
	cfg->tls_max_client_conns = 32;
	snprintf(cfg->tls_stats, sizeof(cfg->tls_stats), "/run/boltdns/edge.stats");
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
