/*
 * Trust anchor files: zone-file DS/DNSKEY lines (Debian's dns-root-data
 * root.key and root.ds, Unbound's and BIND's anchor files) and IANA's
 * RFC 7958 root-anchors.xml.
 *
 * The zone-file reader gathers one record at a time (its owner, TTL, class,
 * type and RDATA tokens, across lines while a '(' is open) and hands it to
 * a callback with the comment of its last line; the state file (state.c)
 * uses the same reader and keeps its RFC 5011 fields in those comments.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "anchor.h"
#include "boltdns/errcode.h"
#include "tafile.h"

/* Tokens in one record at most (a DNSKEY split into 64-character chunks has ~15). */
#define MAX_TOKENS 256
/* Bytes of one file at most: the root's file is 1 KB, a big one a few. */
#define FILE_MAX (1u << 20)

static void ferr(struct zp *z, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ferr(struct zp *z, unsigned line, const char *fmt, ...)
{
	if (z->failed)
		return;
	z->failed = true;
	int n = snprintf(z->err, z->errlen, "%s:%u: ", z->name, line);
	if (n < 0 || (size_t)n >= z->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(z->err + n, z->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- numbers, base64 (hex: bolt_hex_decode) ---- */

static bool parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static int b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 with '=' padding (RFC 4648 section 4). Returns the length or -1. */
int ta_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t o = 0, pad = 0;
	uint32_t acc = 0;
	unsigned bits = 0, n = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64_val(c);
		if (v < 0 || pad > 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		n++;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* whole quanta only: 2 or 3 symbols before padding, padding to 4 */
	if ((n + pad) % 4 != 0 || pad > 2 || (n % 4 == 1))
		return -1;
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (int)o;
}

/* Algorithm numbers or their mnemonics (RFC 4034 Appendix A.1, IANA). */
static bool parse_alg(const char *s, uint8_t *out)
{
	static const struct { const char *name; uint8_t num; } algs[] = {
		{ "RSAMD5", 1 }, { "DH", 2 }, { "DSA", 3 }, { "RSASHA1", 5 },
		{ "DSA-NSEC3-SHA1", 6 }, { "RSASHA1-NSEC3-SHA1", 7 }, { "RSASHA256", 8 },
		{ "RSASHA512", 10 }, { "ECC-GOST", 12 }, { "ECDSAP256SHA256", 13 },
		{ "ECDSAP384SHA384", 14 }, { "ED25519", 15 }, { "ED448", 16 },
	};
	uint32_t v;
	if (parse_u32(s, 255, &v)) {
		*out = (uint8_t)v;
		return true;
	}
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(algs); i++)
		if (strcasecmp(s, algs[i].name) == 0) {
			*out = algs[i].num;
			return true;
		}
	return false;
}

/* Concatenate tokens [from, n) (base64 and hex may be split by blanks). */
static char *join(char **tok, unsigned from, unsigned n, size_t *len)
{
	size_t total = 0;
	for (unsigned i = from; i < n; i++)
		total += strlen(tok[i]);
	char *s = malloc(total + 1);
	if (s == NULL)
		return NULL;
	size_t o = 0;
	for (unsigned i = from; i < n; i++) {
		size_t l = strlen(tok[i]);
		memcpy(s + o, tok[i], l);
		o += l;
	}
	s[o] = '\0';
	*len = o;
	return s;
}

/* RDATA of a DS or DNSKEY from its tokens. Returns the length or -1 with *why. */
static int rdata_from_tokens(uint16_t type, char **tok, unsigned n, uint8_t *out, size_t cap,
                             const char **why)
{
	uint32_t a, c;
	uint8_t alg;
	if (n < 4) {
		*why = type == TA_TYPE_DS ? "DS needs KEYTAG ALGORITHM DIGESTTYPE DIGEST"
		                            : "DNSKEY needs FLAGS PROTOCOL ALGORITHM PUBLICKEY";
		return -1;
	}
	if (!parse_u32(tok[0], 65535, &a)) {
		*why = type == TA_TYPE_DS ? "bad key tag (0..65535)" : "bad flags (0..65535)";
		return -1;
	}
	if (type == TA_TYPE_DS) {
		if (!parse_alg(tok[1], &alg)) {
			*why = "bad algorithm";
			return -1;
		}
		if (!parse_u32(tok[2], 255, &c)) {
			*why = "bad digest type (0..255)";
			return -1;
		}
	} else {
		if (!parse_u32(tok[1], 255, &c)) {
			*why = "bad protocol (0..255)";
			return -1;
		}
		if (!parse_alg(tok[2], &alg)) {
			*why = "bad algorithm";
			return -1;
		}
	}
	size_t len;
	char *s = join(tok, 3, n, &len);
	if (s == NULL) {
		*why = "out of memory";
		return -1;
	}
	out[0] = (uint8_t)(a >> 8);
	out[1] = (uint8_t)a;
	out[2] = (uint8_t)(type == TA_TYPE_DS ? alg : c);
	out[3] = (uint8_t)(type == TA_TYPE_DS ? c : alg);
	int l = type == TA_TYPE_DS ? bolt_hex_decode(s, len, out + 4, cap - 4)
	                             : ta_base64_decode(s, len, out + 4, cap - 4);
	free(s);
	if (l <= 0) {
		*why = type == TA_TYPE_DS ? "bad digest (hexadecimal digits expected)"
		                            : "bad public key (base64 expected)";
		return -1;
	}
	return 4 + l;
}

/* ---- the zone-file reader ---- */

/* Owner text to a wire name: "@" is the origin, a name without a final dot is relative to it. */
static int owner_name(struct zp *z, const char *text, uint8_t *out)
{
	if (strcmp(text, "@") == 0) {
		memcpy(out, z->origin, z->origin_len);
		return z->origin_len;
	}
	int len = bolt_name_from_text(text, out);
	if (len < 0)
		return len;
	size_t tl = strlen(text);
	bool absolute = tl > 0 && text[tl - 1] == '.' && (tl < 2 || text[tl - 2] != '\\');
	if (absolute || z->origin_len <= 1)
		return len;
	/* relative: the labels, then the origin */
	if ((size_t)len - 1 + z->origin_len > BOLT_NAME_MAX)
		return BOLT_ENAME;
	memcpy(out + len - 1, z->origin, z->origin_len);
	return len - 1 + z->origin_len;
}

static bool is_class(const char *t)
{
	return strcasecmp(t, "IN") == 0 || strcasecmp(t, "CH") == 0 || strcasecmp(t, "HS") == 0 ||
	       strncasecmp(t, "CLASS", 5) == 0;
}

/* One gathered record: tokens (owner first unless it was omitted). */
static void record(struct zp *z, char **tok, unsigned n, bool owner_given, unsigned line,
                   const char *comment)
{
	unsigned i = 0;
	uint8_t owner[BOLT_NAME_MAX];
	int olen;

	if (n == 0)
		return;
	if (tok[0][0] == '$' && owner_given) {
		if (strcasecmp(tok[0], "$ORIGIN") == 0 && n == 2) {
			uint8_t o[BOLT_NAME_MAX];
			size_t tl = strlen(tok[1]);
			int len = bolt_name_from_text(tok[1], o);
			if (len < 0 || tok[1][tl - 1] != '.') {
				ferr(z, line, "$ORIGIN needs an absolute name");
				return;
			}
			memcpy(z->origin, o, (size_t)len);
			z->origin_len = (uint8_t)len;
			return;
		}
		if (strcasecmp(tok[0], "$TTL") == 0 && n == 2) {
			if (!parse_u32(tok[1], 2147483647u, &z->default_ttl))
				ferr(z, line, "$TTL needs a number of seconds");
			return;
		}
		ferr(z, line, "unknown or malformed directive '%.32s'", tok[0]);
		return;
	}
	if (owner_given) {
		olen = owner_name(z, tok[0], owner);
		if (olen < 0) {
			ferr(z, line, "bad owner name '%.64s': %s", tok[0], bolt_strerror(olen));
			return;
		}
		memcpy(z->last_owner, owner, (size_t)olen);
		z->last_owner_len = (uint8_t)olen;
		i = 1;
	} else {
		if (z->last_owner_len == 0) {
			ferr(z, line, "record without an owner name (line starts with a blank)");
			return;
		}
		olen = z->last_owner_len;
		memcpy(owner, z->last_owner, (size_t)olen);
	}
	uint32_t ttl = z->default_ttl;
	bool have_ttl = false, have_class = false;
	for (; i < n; i++) {
		uint32_t v;
		if (!have_ttl && parse_u32(tok[i], 2147483647u, &v)) {
			ttl = v;
			have_ttl = true;
		} else if (!have_class && is_class(tok[i])) {
			if (strcasecmp(tok[i], "IN") != 0) {
				ferr(z, line, "class %.16s: trust anchors are class IN", tok[i]);
				return;
			}
			have_class = true;
		} else {
			break;
		}
	}
	if (i >= n) {
		ferr(z, line, "record without a type");
		return;
	}
	uint16_t type;
	if (strcasecmp(tok[i], "DS") == 0) {
		type = TA_TYPE_DS;
	} else if (strcasecmp(tok[i], "DNSKEY") == 0) {
		type = TA_TYPE_DNSKEY;
	} else {
		ferr(z, line, "type '%.32s': only DS and DNSKEY records can be trust anchors", tok[i]);
		return;
	}
	i++;
	uint8_t rdata[TA_RDATA_MAX + 64];
	const char *why = "malformed";
	int rdlen = rdata_from_tokens(type, tok + i, n - i, rdata, sizeof(rdata), &why);
	if (rdlen < 0) {
		ferr(z, line, "%s", why);
		return;
	}
	struct zp_rr rr = {
		.owner = owner, .owner_len = (uint8_t)olen, .ttl = ttl, .type = type,
		.rdata = rdata, .rdlen = (uint16_t)rdlen,
	};
	why = NULL;
	if (z->on_rr(z->arg, &rr, comment, &why) < 0)
		ferr(z, line, "%s", why != NULL ? why : "bad record");
}

int zp_run(struct zp *z, const char *text, size_t len)
{
	char *buf = malloc(len + 1);
	char **tok = calloc(MAX_TOKENS, sizeof(*tok));
	if (buf == NULL || tok == NULL) {
		free(buf);
		free(tok);
		snprintf(z->err, z->errlen, "%s: out of memory", z->name);
		return -ENOMEM;
	}
	if (z->origin_len == 0) {
		z->origin[0] = 0;
		z->origin_len = 1;
	}
	/* Tokens are NUL-terminated copies in buf, which is as large as the text. */
	size_t bo = 0;
	unsigned ntok = 0, line = 1, rec_line = 1, depth = 0;
	bool owner_given = false, at_start = true;
	/* a ";;point" line holds a name of up to 1004 characters (\DDD escapes) and its timers */
	char comment[2048] = "";
	size_t i = 0;

	while (i <= len && !z->failed) {
		char c = i < len ? text[i] : '\n';
		if (c == '\0') {
			ferr(z, line, "NUL byte");
			break;
		}
		if (c == '\n' || c == ';') {
			if (c == ';') {
				/* the comment runs to the end of the line */
				size_t e = i;
				while (e < len && text[e] != '\n')
					e++;
				size_t cl = e - i - 1;
				if (cl >= sizeof(comment))
					cl = sizeof(comment) - 1;
				memcpy(comment, text + i + 1, cl);
				comment[cl] = '\0';
				if (ntok == 0 && depth == 0 && z->on_comment != NULL &&
				    z->on_comment(z->arg, comment) < 0)
					ferr(z, line, "bad state comment");
				i = e;
				continue;
			}
			if (depth == 0) {
				if (ntok > 0)
					record(z, tok, ntok, owner_given, rec_line, comment);
				ntok = 0;
				bo = 0;
			}
			comment[0] = '\0';
			line++;
			i++;
			at_start = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			at_start = false;
			i++;
			continue;
		}
		if (c == '(') {
			depth++;
			i++;
			at_start = false;
			continue;
		}
		if (c == ')') {
			if (depth == 0) {
				ferr(z, line, "')' without '('");
				break;
			}
			depth--;
			i++;
			continue;
		}
		/* a token */
		if (ntok == 0) {
			owner_given = at_start;
			rec_line = line;
		}
		at_start = false;
		if (ntok >= MAX_TOKENS) {
			ferr(z, line, "record too long");
			break;
		}
		tok[ntok++] = buf + bo;
		if (c == '"') {
			i++;
			while (i < len && text[i] != '"' && text[i] != '\n')
				buf[bo++] = text[i++];
			if (i >= len || text[i] != '"') {
				ferr(z, line, "unterminated quoted string");
				break;
			}
			i++;
		} else {
			while (i < len && !strchr(" \t\r\n;()\"", text[i]) && text[i] != '\0') {
				/* an escaped character belongs to the token (names) */
				if (text[i] == '\\' && i + 1 < len && text[i + 1] != '\n')
					buf[bo++] = text[i++];
				buf[bo++] = text[i++];
			}
		}
		buf[bo++] = '\0';
	}
	if (!z->failed && depth > 0)
		ferr(z, rec_line, "'(' not closed");
	free(buf);
	free(tok);
	return z->failed ? BOLT_ECONFIG : 0;
}

/* ---- loading into a set ---- */

struct load_ctx {
	struct ta_set *s;
	unsigned added;
};

static int add_rr(void *arg, const struct zp_rr *rr, const char *comment, const char **why)
{
	(void)comment;
	struct load_ctx *l = arg;
	int ret = ta_set_add(l->s, rr->owner, rr->type, rr->rdata, rr->rdlen, rr->ttl, TA_VALID, 0,
	                     0, why);
	if (ret == 0)
		l->added++;
	return ret;
}

static unsigned line_of(const char *text, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

/* ---- RFC 7958 XML ---- */

/* Text of the first <tag>...</tag> in [from, end), trimmed; NULL when absent. */
static const char *xml_elem(const char *from, const char *end, const char *tag, size_t *len,
                            const char **after)
{
	char open[48], close[48];
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	const char *a = memmem(from, (size_t)(end - from), open, strlen(open));
	if (a == NULL)
		return NULL;
	a += strlen(open);
	const char *b = memmem(a, (size_t)(end - a), close, strlen(close));
	if (b == NULL)
		return NULL;
	if (after != NULL)
		*after = b + strlen(close);
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	*len = (size_t)(b - a);
	return a;
}

/* The value of attr="..." inside the start tag [tag, tag_end); false when absent. */
static bool xml_attr(const char *tag, const char *tag_end, const char *attr, char *out, size_t cap)
{
	char pat[48];
	snprintf(pat, sizeof(pat), " %s=\"", attr);
	const char *a = memmem(tag, (size_t)(tag_end - tag), pat, strlen(pat));
	if (a == NULL) {
		/* attributes may be separated by a newline or tab too */
		snprintf(pat, sizeof(pat), "%s=\"", attr);
		a = memmem(tag, (size_t)(tag_end - tag), pat, strlen(pat));
		if (a == NULL || a == tag || !isspace((unsigned char)a[-1]))
			return false;
		a += strlen(pat);
	} else {
		a += strlen(pat);
	}
	const char *b = memchr(a, '"', (size_t)(tag_end - a));
	if (b == NULL || (size_t)(b - a) >= cap)
		return false;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
	return true;
}

/* "2024-07-18T00:00:00+00:00" (xsd:dateTime, RFC 7958 section 2.1) to unix seconds. */
static bool xml_time(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return false;
	const char *p = s + n;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	int64_t off = 0;
	if (*p == '+' || *p == '-') {
		int oh, om;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p) != 6)
			return false;
		off = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
	} else if (!(*p == 'Z' && p[1] == '\0') && *p != '\0') {
		return false;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
	                 .tm_min = mi, .tm_sec = sec };
	*out = (int64_t)timegm(&tm) - off;
	return true;
}

/* One element's text as a number in [0, max]. */
static bool xml_num(const char *from, const char *end, const char *tag, uint32_t max,
                    uint32_t *out)
{
	size_t len;
	const char *v = xml_elem(from, end, tag, &len, NULL);
	char buf[16];
	if (v == NULL || len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return parse_u32(buf, max, out);
}

static int load_xml(struct ta_set *s, const char *text, size_t len, const char *name, int64_t now,
                    char *err, size_t errlen)
{
	const char *end = text + len;
	struct zp z = { .name = name, .err = err, .errlen = errlen };
	size_t zlen;
	const char *ta = memmem(text, len, "<TrustAnchor", 12);
	if (ta == NULL) {
		ferr(&z, line_of(text, 0), "XML without a <TrustAnchor> element (RFC 7958)");
		return BOLT_ECONFIG;
	}
	const char *zone = xml_elem(ta, end, "Zone", &zlen, NULL);
	char zname[1100];
	uint8_t owner[BOLT_NAME_MAX];
	int olen;
	if (zone == NULL || zlen == 0 || zlen >= sizeof(zname)) {
		ferr(&z, line_of(text, (size_t)(ta - text)), "<TrustAnchor> without a <Zone>");
		return BOLT_ECONFIG;
	}
	memcpy(zname, zone, zlen);
	zname[zlen] = '\0';
	if ((olen = bolt_name_from_text(zname, owner)) < 0) {
		ferr(&z, line_of(text, (size_t)(zone - text)), "bad zone name '%.64s'", zname);
		return BOLT_ECONFIG;
	}
	unsigned added = 0, seen = 0;
	const char *p = ta;
	for (;;) {
		const char *kd = memmem(p, (size_t)(end - p), "<KeyDigest", 10);
		if (kd == NULL)
			break;
		unsigned line = line_of(text, (size_t)(kd - text));
		const char *tag_end = memchr(kd, '>', (size_t)(end - kd));
		const char *kd_end = tag_end != NULL ? memmem(tag_end, (size_t)(end - tag_end),
		                                               "</KeyDigest>", 12) : NULL;
		if (kd_end == NULL) {
			ferr(&z, line, "<KeyDigest> not closed");
			return BOLT_ECONFIG;
		}
		p = kd_end + 12;
		seen++;
		char from[64], until[64];
		int64_t t_from = 0, t_until = 0;
		if (!xml_attr(kd, tag_end, "validFrom", from, sizeof(from)) ||
		    !xml_time(from, &t_from)) {
			ferr(&z, line, "<KeyDigest> without a valid validFrom date");
			return BOLT_ECONFIG;
		}
		bool has_until = xml_attr(kd, tag_end, "validUntil", until, sizeof(until));
		if (has_until && !xml_time(until, &t_until)) {
			ferr(&z, line, "<KeyDigest> with a bad validUntil date '%.32s'", until);
			return BOLT_ECONFIG;
		}
		uint32_t tag, alg, dtype, flags;
		size_t dlen;
		const char *digest = xml_elem(tag_end, kd_end, "Digest", &dlen, NULL);
		if (!xml_num(tag_end, kd_end, "KeyTag", 65535, &tag) ||
		    !xml_num(tag_end, kd_end, "Algorithm", 255, &alg) ||
		    !xml_num(tag_end, kd_end, "DigestType", 255, &dtype) || digest == NULL) {
			ferr(&z, line, "<KeyDigest> needs KeyTag, Algorithm, DigestType and Digest");
			return BOLT_ECONFIG;
		}
		/* RFC 7958 section 2.3: only digests valid now are anchors */
		if (t_from > now || (has_until && t_until <= now))
			continue;
		uint8_t rd[TA_RDATA_MAX];
		rd[0] = (uint8_t)(tag >> 8);
		rd[1] = (uint8_t)tag;
		rd[2] = (uint8_t)alg;
		rd[3] = (uint8_t)dtype;
		int hl = bolt_hex_decode(digest, dlen, rd + 4, sizeof(rd) - 4);
		if (hl <= 0) {
			ferr(&z, line_of(text, (size_t)(digest - text)),
			     "bad <Digest> (hexadecimal digits expected)");
			return BOLT_ECONFIG;
		}
		const char *why = "bad DS";
		if (ta_set_add(s, owner, TA_TYPE_DS, rd, 4 + (size_t)hl, 172800, TA_VALID, 0, 0,
		               &why) < 0) {
			ferr(&z, line, "%s", why);
			return BOLT_ECONFIG;
		}
		added++;
		/* The 2024 edition also carries the key itself (PublicKey, Flags). */
		size_t klen;
		const char *key = xml_elem(tag_end, kd_end, "PublicKey", &klen, NULL);
		if (key != NULL) {
			if (!xml_num(tag_end, kd_end, "Flags", 65535, &flags)) {
				ferr(&z, line, "<PublicKey> without <Flags>");
				return BOLT_ECONFIG;
			}
			/* base64 in XML may be wrapped: drop blanks */
			char *k64 = malloc(klen + 1);
			size_t kl = 0;
			if (k64 == NULL)
				return -ENOMEM;
			for (size_t i = 0; i < klen; i++)
				if (!isspace((unsigned char)key[i]))
					k64[kl++] = key[i];
			rd[0] = (uint8_t)(flags >> 8);
			rd[1] = (uint8_t)flags;
			rd[2] = 3;
			rd[3] = (uint8_t)alg;
			int bl = ta_base64_decode(k64, kl, rd + 4, sizeof(rd) - 4);
			free(k64);
			if (bl <= 0) {
				ferr(&z, line_of(text, (size_t)(key - text)),
				     "bad <PublicKey> (base64 expected)");
				return BOLT_ECONFIG;
			}
			if (ta_set_add(s, owner, TA_TYPE_DNSKEY, rd, 4 + (size_t)bl, 172800,
			               TA_VALID, 0, 0, &why) < 0) {
				ferr(&z, line, "%s", why);
				return BOLT_ECONFIG;
			}
		}
	}
	if (added == 0) {
		ferr(&z, line_of(text, (size_t)(ta - text)), seen == 0 ? "no <KeyDigest> in the file"
		                                       : "no <KeyDigest> valid now (validFrom / validUntil)");
		return BOLT_ECONFIG;
	}
	return 0;
}

int ta_load_text(struct ta_set *s, const char *text, size_t len, const char *name, int64_t now,
                 char *err, size_t errlen)
{
	char dummy[8];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	size_t i = 0;
	/* a UTF-8 byte order mark, then blanks */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i < len && text[i] == '<') {
		if (memchr(text, '\0', len) != NULL) {
			snprintf(err, errlen, "%s:%u: NUL byte", name, line_of(text, (size_t)((const char *)memchr(text, '\0', len) - text)));
			return BOLT_ECONFIG;
		}
		return load_xml(s, text, len, name, now, err, errlen);
	}
	struct load_ctx l = { .s = s };
	struct zp z = { .name = name, .err = err, .errlen = errlen, .on_rr = add_rr, .arg = &l };
	int ret = zp_run(&z, text, len);
	if (ret < 0)
		return ret;
	if (l.added == 0) {
		snprintf(err, errlen, "%s:%u: no DS or DNSKEY record: not a trust anchor file", name,
		         line_of(text, len));
		return BOLT_ECONFIG;
	}
	return 0;
}

int ta_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most 1 MiB", path);
		close(fd);
		return -EINVAL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	size_t have = 0;
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			snprintf(err, errlen, "%s: read: %s", path, strerror(e));
			free(buf);
			close(fd);
			return -e;
		}
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	*text = buf;
	*len = have;
	return 0;
}

int ta_load_file(struct ta_set *s, const char *path, int64_t now, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int ret = ta_read_file(path, &text, &len, err, errlen);
	if (ret < 0)
		return ret;
	ret = ta_load_text(s, text, len, path, now, err, errlen);
	free(text);
	if (ret == 0)
		snprintf(s->source, sizeof(s->source), "%s", path);
	return ret;
}
