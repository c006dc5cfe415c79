/*
 * Presentation format: names, types, rcodes, RRs as dig prints them and
 * RDATA from text. Not on any hot path: clarity over speed.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"
#include "internal.h"

/* ------------------------------------------------------------------ */
/* Output buffer with a sticky overflow flag.                           */
/* ------------------------------------------------------------------ */

struct out {
	char *buf;
	size_t cap;
	size_t len;
	bool full;
};

static void out_init(struct out *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	o->full = cap == 0;
	if (cap > 0)
		buf[0] = '\0';
}

static void out_ch(struct out *o, char ch)
{
	/* One byte always stays free for the terminating NUL. */
	if (o->full || o->len + 1 >= o->cap) {
		o->full = true;
		return;
	}
	o->buf[o->len++] = ch;
	o->buf[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	while (*s != '\0')
		out_ch(o, *s++);
}

__attribute__((format(printf, 2, 3)))
static void out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->full = true;
		return;
	}
	out_str(o, tmp);
}

static int out_done(struct out *o)
{
	return o->full ? BOLT_ESPACE : (int)o->len;
}

/* Escape a byte as dig does: \DDD outside printable ASCII, a backslash
 * before characters that mean something in master files. */
static void out_escaped(struct out *o, uint8_t ch, const char *special)
{
	if (ch <= 0x20 || ch >= 0x7f) {
		out_ch(o, '\\');
		out_ch(o, (char)('0' + ch / 100));
		out_ch(o, (char)('0' + ch / 10 % 10));
		out_ch(o, (char)('0' + ch % 10));
		return;
	}
	if (strchr(special, ch) != NULL)
		out_ch(o, '\\');
	out_ch(o, (char)ch);
}

/* Name in text; the name must be a valid uncompressed name. */
static int out_name(struct out *o, const uint8_t *name)
{
	if (name[0] == 0) {
		out_ch(o, '.');
		return 0;
	}
	size_t p = 0;
	while (name[p] != 0) {
		uint8_t l = name[p];
		if (l > BOLT_LABEL_MAX)
			return BOLT_ELABEL;
		if (p + 1 + l + 1 > BOLT_NAME_MAX)
			return BOLT_ENAME;
		for (size_t i = 1; i <= l; i++)
			out_escaped(o, name[p + i], ".\\\"()@;$");
		out_ch(o, '.');
		p += (size_t)l + 1;
	}
	return 0;
}

int bolt_name_to_text(const uint8_t *name, char *out, size_t cap)
{
	struct out o;
	out_init(&o, out, cap);
	int ret = out_name(&o, name);
	if (ret != 0)
		return ret;
	return out_done(&o);
}

/* ------------------------------------------------------------------ */
/* Names from text.                                                     */
/* ------------------------------------------------------------------ */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decode one character of text at *s, which may be an escape (\DDD or \X).
 * Returns the byte or -1 on a bad escape. */
static int decode_char(const char **s, const char *end)
{
	const char *p = *s;
	if (*p != '\\') {
		*s = p + 1;
		return (uint8_t)*p;
	}
	p++;
	if (p >= end)
		return -1;
	if (is_digit(p[0])) {
		if (end - p < 3 || !is_digit(p[1]) || !is_digit(p[2]))
			return -1;
		int v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (v > 255)
			return -1;
		*s = p + 3;
		return v;
	}
	*s = p + 1;
	return (uint8_t)*p;
}

/* Name from text[0..tlen). */
static int name_from_span(const char *text, size_t tlen, uint8_t *out)
{
	const char *s = text, *end = text + tlen;
	if (tlen == 0)
		return BOLT_ESYNTAX;
	if (tlen == 1 && text[0] == '.') {
		out[0] = 0;
		return 1;
	}
	size_t lpos = 0;  /* where the current label's length byte goes */
	size_t w = 1;     /* next byte to write */
	size_t llen = 0;
	while (s < end) {
		if (*s == '.') {
			if (llen == 0)
				return BOLT_ESYNTAX; /* empty label */
			out[lpos] = (uint8_t)llen;
			lpos = w;
			w = lpos + 1;
			llen = 0;
			s++;
			continue;
		}
		if ((uint8_t)*s <= 0x20 || *s == 0x7f)
			return BOLT_ESYNTAX; /* must be escaped */
		int ch = decode_char(&s, end);
		if (ch < 0)
			return BOLT_ESYNTAX;
		if (llen == BOLT_LABEL_MAX)
			return BOLT_ELABEL;
		/* This byte plus the root label must fit in 255. */
		if (w + 1 >= BOLT_NAME_MAX)
			return BOLT_ENAME;
		out[w++] = (uint8_t)ch;
		llen++;
	}
	if (llen > 0) {
		out[lpos] = (uint8_t)llen;
		lpos = w;
	}
	out[lpos] = 0;
	return (int)lpos + 1;
}

int bolt_name_from_text(const char *text, uint8_t *out)
{
	return name_from_span(text, strlen(text), out);
}

/* ------------------------------------------------------------------ */
/* Types, classes, rcodes.                                              */
/* ------------------------------------------------------------------ */

static const struct {
	uint16_t type;
	const char *name;
} types[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
	{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" },
	{ 24, "SIG" }, { 25, "KEY" }, { 28, "AAAA" }, { 29, "LOC" }, { 33, "SRV" },
	{ 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 39, "DNAME" }, { 41, "OPT" },
	{ 42, "APL" }, { 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" },
	{ 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
	{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
	{ 59, "CDS" }, { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" },
	{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
	{ 108, "EUI48" }, { 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" },
	{ 251, "IXFR" }, { 252, "AXFR" }, { 255, "ANY" }, { 256, "URI" }, { 257, "CAA" },
};

int bolt_type_to_text(uint16_t type, char *out, size_t cap)
{
	struct out o;
	out_init(&o, out, cap);
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(types); i++) {
		if (types[i].type == type) {
			out_str(&o, types[i].name);
			return out_done(&o);
		}
	}
	out_fmt(&o, "TYPE%u", type);
	return out_done(&o);
}

/* Decimal number of at most max from s[0..len); -1 if not one. */
static long parse_num(const char *s, size_t len, unsigned long max)
{
	if (len == 0 || len > 10)
		return -1;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v > max ? -1 : (long)v;
}

int bolt_type_from_text(const char *text)
{
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(types); i++) {
		if (strcasecmp(text, types[i].name) == 0)
			return types[i].type;
	}
	if (strncasecmp(text, "TYPE", 4) == 0) {
		long v = parse_num(text + 4, strlen(text + 4), UINT16_MAX);
		if (v >= 0)
			return (int)v;
	}
	return BOLT_ETYPE;
}

const char *bolt_rcode_to_text(uint16_t rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};
	if (rcode < BOLT_ARRAY_SIZE(names))
		return names[rcode];
	if (rcode == BOLT_RCODE_BADVERS)
		return "BADVERS";
	return "UNKNOWN";
}

int bolt_rcode_from_text(const char *text)
{
	if (text == NULL || *text == '\0')
		return BOLT_ESYNTAX;
	if (*text >= '0' && *text <= '9') {
		unsigned v = 0;
		for (const char *p = text; *p; p++) {
			if (*p < '0' || *p > '9')
				return BOLT_ESYNTAX;
			v = v * 10 + (unsigned)(*p - '0');
			if (v > 4095) /* 12 bits with the EDNS extension */
				return BOLT_ESYNTAX;
		}
		return (int)v;
	}
	for (uint16_t r = 0; r <= BOLT_RCODE_BADVERS; r++) {
		const char *name = bolt_rcode_to_text(r);
		if (strcmp(name, "UNKNOWN") != 0 && strcasecmp(text, name) == 0)
			return r;
	}
	return BOLT_ESYNTAX;
}

static void out_class(struct out *o, uint16_t rclass)
{
	switch (rclass) {
	case 1: out_str(o, "IN"); break;
	case 3: out_str(o, "CH"); break;
	case 4: out_str(o, "HS"); break;
	case 254: out_str(o, "NONE"); break;
	case 255: out_str(o, "ANY"); break;
	default: out_fmt(o, "CLASS%u", rclass); break;
	}
}

/* ------------------------------------------------------------------ */
/* RR to text.                                                          */
/* ------------------------------------------------------------------ */

/* Length of a valid name at rd[0..len), or -1. */
static int rd_name(const uint8_t *rd, size_t len)
{
	int l = bolt_name_len(rd, len);
	return l < 0 ? -1 : l;
}

static void out_generic(struct out *o, const uint8_t *rd, size_t len)
{
	out_fmt(o, "\\# %zu", len);
	if (len > 0)
		out_ch(o, ' ');
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		out_ch(o, hex[rd[i] >> 4]);
		out_ch(o, hex[rd[i] & 0xf]);
	}
}

/* Known-type RDATA; returns false when it does not have the type's shape
 * (the caller then prints the generic form). */
static bool out_rdata(struct out *o, uint16_t type, const uint8_t *rd, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int l1, l2;
	switch (type) {
	case BOLT_TYPE_A:
		if (len != 4 || inet_ntop(AF_INET, rd, addr, sizeof(addr)) == NULL)
			return false;
		out_str(o, addr);
		return true;
	case BOLT_TYPE_AAAA:
		if (len != 16 || inet_ntop(AF_INET6, rd, addr, sizeof(addr)) == NULL)
			return false;
		out_str(o, addr);
		return true;
	case BOLT_TYPE_NS:
	case BOLT_TYPE_CNAME:
	case BOLT_TYPE_PTR:
		if (rd_name(rd, len) != (int)len)
			return false;
		return out_name(o, rd) == 0;
	case BOLT_TYPE_MX:
		if (len < 3 || rd_name(rd + 2, len - 2) != (int)len - 2)
			return false;
		out_fmt(o, "%u ", bolt_wire_get_u16(rd));
		return out_name(o, rd + 2) == 0;
	case BOLT_TYPE_SRV:
		if (len < 7 || rd_name(rd + 6, len - 6) != (int)len - 6)
			return false;
		out_fmt(o, "%u %u %u ", bolt_wire_get_u16(rd), bolt_wire_get_u16(rd + 2),
		        bolt_wire_get_u16(rd + 4));
		return out_name(o, rd + 6) == 0;
	case BOLT_TYPE_SOA:
		l1 = rd_name(rd, len);
		if (l1 < 0)
			return false;
		l2 = rd_name(rd + l1, len - (size_t)l1);
		if (l2 < 0 || (size_t)l1 + l2 + 20 != len)
			return false;
		out_name(o, rd);
		out_ch(o, ' ');
		out_name(o, rd + l1);
		for (int i = 0; i < 5; i++)
			out_fmt(o, " %u", bolt_wire_get_u32(rd + l1 + l2 + 4 * i));
		return true;
	case BOLT_TYPE_TXT: {
		size_t p = 0;
		if (len == 0)
			return false;
		while (p < len)
			p += (size_t)rd[p] + 1;
		if (p != len)
			return false;
		for (p = 0; p < len; p += (size_t)rd[p] + 1) {
			if (p > 0)
				out_ch(o, ' ');
			out_ch(o, '"');
			for (size_t i = 1; i <= rd[p]; i++) {
				uint8_t ch = rd[p + i];
				/* Space is fine inside quotes. */
				if (ch == ' ')
					out_ch(o, ' ');
				else
					out_escaped(o, ch, "\"\\");
			}
			out_ch(o, '"');
		}
		return true;
	}
	default:
		return false;
	}
}

int bolt_rr_to_text(const struct bolt_rr *rr, char *out, size_t cap)
{
	struct out o;
	out_init(&o, out, cap);
	int ret = out_name(&o, rr->owner);
	if (ret != 0)
		return ret;
	out_fmt(&o, "\t%u\t", rr->ttl);
	out_class(&o, rr->rclass);
	out_ch(&o, '\t');
	char tname[16];
	bolt_type_to_text(rr->type, tname, sizeof(tname));
	out_str(&o, tname);
	out_ch(&o, '\t');
	size_t mark = o.len;
	if (!out_rdata(&o, rr->type, rr->rdata, rr->rdlen)) {
		/* Start again from the RDATA column in the generic form. */
		if (!o.full) {
			o.len = mark;
			o.buf[mark] = '\0';
		}
		out_generic(&o, rr->rdata, rr->rdlen);
	}
	return out_done(&o);
}

/* ------------------------------------------------------------------ */
/* RDATA from text.                                                     */
/* ------------------------------------------------------------------ */

/* A token of the RDATA text: a quoted string (without its quotes) or a run
 * of non-blank characters; escapes are left in place. */
struct tok {
	const char *s;
	size_t len;
	bool quoted;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Next token from *p; returns 1, 0 at the end, or BOLT_ESYNTAX. */
static int next_tok(const char **p, struct tok *t)
{
	const char *s = *p;
	while (is_blank(*s))
		s++;
	if (*s == '\0') {
		*p = s;
		return 0;
	}
	t->quoted = *s == '"';
	if (t->quoted) {
		s++;
		t->s = s;
		while (*s != '"') {
			if (*s == '\0')
				return BOLT_ESYNTAX;
			if (*s == '\\') {
				s++;
				if (*s == '\0')
					return BOLT_ESYNTAX;
			}
			s++;
		}
		t->len = (size_t)(s - t->s);
		*p = s + 1;
		return 1;
	}
	t->s = s;
	while (*s != '\0' && !is_blank(*s)) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		s++;
	}
	t->len = (size_t)(s - t->s);
	*p = s;
	return 1;
}

/* Unquoted token expected: returns BOLT_ESYNTAX when missing or quoted. */
static int want_tok(const char **p, struct tok *t)
{
	int ret = next_tok(p, t);
	if (ret < 0)
		return ret;
	return ret == 1 && !t->quoted ? 0 : BOLT_ESYNTAX;
}

static int want_end(const char **p)
{
	struct tok t;
	int ret = next_tok(p, &t);
	return ret == 0 ? 0 : BOLT_ESYNTAX;
}

/* Writer into the caller's RDATA buffer. */
struct rdw {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

static void rdw_put(struct rdw *w, const void *src, size_t n)
{
	if (w->err != 0)
		return;
	if (n > w->cap - w->len) {
		w->err = BOLT_ESPACE;
		return;
	}
	memcpy(w->buf + w->len, src, n);
	w->len += n;
}

static void rdw_u16(struct rdw *w, uint16_t v)
{
	uint8_t b[2];
	bolt_wire_put_u16(b, v);
	rdw_put(w, b, 2);
}

static void rdw_u32(struct rdw *w, uint32_t v)
{
	uint8_t b[4];
	bolt_wire_put_u32(b, v);
	rdw_put(w, b, 4);
}

static int rd_name_tok(const char **p, struct rdw *w)
{
	struct tok t;
	int ret = want_tok(p, &t);
	if (ret != 0)
		return ret;
	uint8_t name[BOLT_NAME_MAX];
	ret = name_from_span(t.s, t.len, name);
	if (ret < 0)
		return ret;
	rdw_put(w, name, (size_t)ret);
	return 0;
}

static int rd_num_tok(const char **p, unsigned long max, unsigned long *v)
{
	struct tok t;
	int ret = want_tok(p, &t);
	if (ret != 0)
		return ret;
	long n = parse_num(t.s, t.len, max);
	if (n < 0)
		return BOLT_ESYNTAX;
	*v = (unsigned long)n;
	return 0;
}

static int rd_addr(int af, const char **p, struct rdw *w)
{
	struct tok t;
	int ret = want_tok(p, &t);
	if (ret != 0)
		return ret;
	char tmp[INET6_ADDRSTRLEN + 1];
	uint8_t addr[16];
	if (t.len >= sizeof(tmp))
		return BOLT_ESYNTAX;
	memcpy(tmp, t.s, t.len);
	tmp[t.len] = '\0';
	if (inet_pton(af, tmp, addr) != 1)
		return BOLT_ESYNTAX;
	rdw_put(w, addr, af == AF_INET ? 4 : 16);
	return 0;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int bolt_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	if (len % 2 != 0)
		return BOLT_ESYNTAX;
	if (len / 2 > cap)
		return BOLT_ESPACE;
	for (size_t i = 0; i < len; i += 2) {
		int a = hex_val(s[i]), b = hex_val(s[i + 1]);
		if (a < 0 || b < 0)
			return BOLT_ESYNTAX;
		out[i / 2] = (uint8_t)(a << 4 | b);
	}
	return (int)(len / 2);
}

/* RFC 3597: "\# len hex..." (hex may be split by blanks). The "\#" token
 * has been consumed. */
static int rd_generic(const char **p, struct rdw *w)
{
	unsigned long n;
	int ret = rd_num_tok(p, UINT16_MAX, &n);
	if (ret != 0)
		return ret;
	size_t got = 0;
	int hi = -1;
	struct tok t;
	while ((ret = next_tok(p, &t)) == 1) {
		if (t.quoted)
			return BOLT_ESYNTAX;
		for (size_t i = 0; i < t.len; i++) {
			int v = hex_val(t.s[i]);
			if (v < 0)
				return BOLT_ESYNTAX;
			if (hi < 0) {
				hi = v;
				continue;
			}
			uint8_t byte = (uint8_t)(hi << 4 | v);
			hi = -1;
			rdw_put(w, &byte, 1);
			got++;
		}
	}
	if (ret < 0 || hi >= 0 || got != n)
		return BOLT_ESYNTAX;
	return 0;
}

/* TXT: one or more character-strings, quoted or not, each <= 255 bytes. */
static int rd_txt(const char **p, struct rdw *w)
{
	struct tok t;
	int ret;
	int count = 0;
	while ((ret = next_tok(p, &t)) == 1) {
		uint8_t str[256];
		size_t n = 0;
		const char *s = t.s, *end = t.s + t.len;
		while (s < end) {
			int ch = decode_char(&s, end);
			if (ch < 0 || n == 255)
				return BOLT_ESYNTAX;
			str[1 + n++] = (uint8_t)ch;
		}
		str[0] = (uint8_t)n;
		rdw_put(w, str, n + 1);
		count++;
	}
	if (ret < 0 || count == 0)
		return BOLT_ESYNTAX;
	return 0;
}

int bolt_rdata_from_text(uint16_t type, const char *text, uint8_t *out, size_t cap)
{
	struct rdw w = { .buf = out, .cap = cap, .len = 0, .err = 0 };
	const char *p = text;
	unsigned long v[5];
	int ret;

	/* The generic form is accepted for every type. */
	const char *peek = p;
	struct tok t;
	if (next_tok(&peek, &t) == 1 && !t.quoted && t.len == 2 && memcmp(t.s, "\\#", 2) == 0) {
		ret = rd_generic(&peek, &w);
		goto done;
	}

	switch (type) {
	case BOLT_TYPE_A:
		ret = rd_addr(AF_INET, &p, &w);
		break;
	case BOLT_TYPE_AAAA:
		ret = rd_addr(AF_INET6, &p, &w);
		break;
	case BOLT_TYPE_NS:
	case BOLT_TYPE_CNAME:
	case BOLT_TYPE_PTR:
		ret = rd_name_tok(&p, &w);
		break;
	case BOLT_TYPE_MX:
		ret = rd_num_tok(&p, UINT16_MAX, &v[0]);
		if (ret == 0) {
			rdw_u16(&w, (uint16_t)v[0]);
			ret = rd_name_tok(&p, &w);
		}
		break;
	case BOLT_TYPE_SRV:
		ret = 0;
		for (int i = 0; i < 3 && ret == 0; i++) {
			ret = rd_num_tok(&p, UINT16_MAX, &v[i]);
			if (ret == 0)
				rdw_u16(&w, (uint16_t)v[i]);
		}
		if (ret == 0)
			ret = rd_name_tok(&p, &w);
		break;
	case BOLT_TYPE_SOA:
		ret = rd_name_tok(&p, &w);
		if (ret == 0)
			ret = rd_name_tok(&p, &w);
		for (int i = 0; i < 5 && ret == 0; i++) {
			ret = rd_num_tok(&p, UINT32_MAX, &v[i]);
			if (ret == 0)
				rdw_u32(&w, (uint32_t)v[i]);
		}
		break;
	case BOLT_TYPE_TXT:
		ret = rd_txt(&p, &w);
		break;
	default:
		return BOLT_ETYPE;
	}
	if (ret == 0)
		ret = want_end(&p);
done:
	if (ret != 0)
		return ret;
	if (w.err != 0)
		return w.err;
	if (w.len > UINT16_MAX)
		return BOLT_ESPACE;
	return (int)w.len;
}
