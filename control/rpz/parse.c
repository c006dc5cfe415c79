/*
 * Policy zones in master-file form (RFC 1035 5.1) into a store: records
 * are joined across parentheses, split into owner, TTL, class, type and
 * RDATA text, their names made absolute, and each handed to
 * rpz_zone_add_rr. A bad record is reported and skipped; the rest load.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boltdns/errcode.h"
#include "internal.h"

/* Longest logical record (its lines joined) that is read. */
#define LINE_MAX_BYTES 65536
/* Zone files larger than this are refused (a policy zone of 1 M triggers
 * is about 40 MiB). */
#define FILE_MAX_BYTES (2ull << 30)

struct parser {
	struct rpz_zone *z;
	const char *file;
	rpz_log_fn log;
	void *arg;
	unsigned line;            /* first line of the record being read */
	uint8_t owner[BOLT_NAME_MAX];
	bool have_owner;
	uint8_t origin[BOLT_NAME_MAX];  /* the last $ORIGIN; origin_len 0: the zone's */
	uint8_t origin_len;
	uint32_t last_ttl;
	bool have_last_ttl;
	char *buf;                /* the logical record */
	size_t len;
};

static void skip(struct parser *ps, const char *why)
{
	ps->z->st.skipped++;
	if (ps->log != NULL)
		ps->log(ps->arg, ps->file, ps->line, why);
}

/* A token of the logical record: s[0..len), quoted or not. */
struct tok {
	const char *s;
	size_t len;
};

static bool next_tok(const char **p, struct tok *t)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return false;
	t->s = s;
	if (*s == '"') {
		for (s++; *s != '\0' && *s != '"'; s++)
			if (*s == '\\' && s[1] != '\0')
				s++;
		if (*s == '"')
			s++;
	} else {
		while (*s != '\0' && *s != ' ' && *s != '\t') {
			if (*s == '\\' && s[1] != '\0')
				s++;
			s++;
		}
	}
	t->len = (size_t)(s - t->s);
	*p = s;
	return true;
}

static bool tok_is(const struct tok *t, const char *w)
{
	return t->len == strlen(w) && strncasecmp(t->s, w, t->len) == 0;
}

/* A TTL: seconds, or units (1h30m, 2d, 1w). Returns false when not one. */
static bool parse_ttl(const struct tok *t, uint32_t *out)
{
	uint64_t total = 0, cur = 0;
	bool digits = false, any = false;
	if (t->len == 0 || t->s[0] < '0' || t->s[0] > '9')
		return false;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->s[i];
		if (c >= '0' && c <= '9') {
			cur = cur * 10 + (uint64_t)(c - '0');
			digits = true;
			if (cur > UINT32_MAX)
				return false;
			continue;
		}
		uint64_t m;
		switch (c | 0x20) {
		case 's': m = 1; break;
		case 'm': m = 60; break;
		case 'h': m = 3600; break;
		case 'd': m = 86400; break;
		case 'w': m = 604800; break;
		default: return false;
		}
		if (!digits)
			return false;
		total += cur * m;
		cur = 0;
		digits = false;
		any = true;
	}
	if (digits)
		total += cur;
	else if (!any)
		return false;
	if (total > INT32_MAX)
		total = INT32_MAX;
	*out = (uint32_t)total;
	return true;
}

/*
 * The absolute wire name of token t: `@` is the origin, a name without a
 * final (unescaped) dot is relative to it. Returns the length or a
 * negative code.
 */
static int make_name(struct parser *ps, const struct tok *t, uint8_t *out)
{
	const uint8_t *origin = ps->origin_len > 0 ? ps->origin : ps->z->origin;
	size_t origin_len = ps->origin_len > 0 ? ps->origin_len : ps->z->origin_len;
	char text[1024];
	if (t->len == 0 || t->len >= sizeof(text) || t->s[0] == '"')
		return BOLT_ESYNTAX;
	if (t->len == 1 && t->s[0] == '@') {
		if (origin_len == 0)
			return BOLT_ESYNTAX;
		memcpy(out, origin, origin_len);
		return (int)origin_len;
	}
	memcpy(text, t->s, t->len);
	text[t->len] = '\0';
	size_t bs = 0;
	for (size_t i = t->len - 1; i > 0 && text[i - 1] == '\\'; i--)
		bs++;
	bool absolute = text[t->len - 1] == '.' && bs % 2 == 0;
	int l = bolt_name_from_text(text, out);
	if (l < 0 || absolute)
		return l;
	if (origin_len == 0)
		return BOLT_ESYNTAX;
	if ((size_t)l - 1 + origin_len > BOLT_NAME_MAX)
		return BOLT_ENAME;
	memcpy(out + l - 1, origin, origin_len);
	return l - 1 + (int)origin_len;
}

/* $ORIGIN, $TTL; others are reported and skipped. */
static void directive(struct parser *ps, const char *p)
{
	struct tok d, a;
	if (!next_tok(&p, &d))
		return;
	bool arg = next_tok(&p, &a);
	if (tok_is(&d, "$ORIGIN")) {
		uint8_t n[BOLT_NAME_MAX];
		struct tok abs = a;
		int l = arg ? make_name(ps, &abs, n) : BOLT_ESYNTAX;
		if (l < 0) {
			skip(ps, "bad $ORIGIN");
			return;
		}
		bolt_name_lower(n, (size_t)l);
		/* The zone's apex is fixed once known (the configured name, or
		 * the first $ORIGIN): a later $ORIGIN only shortens names below
		 * it. */
		if (ps->z->origin_len == 0) {
			memcpy(ps->z->origin, n, (size_t)l);
			ps->z->origin_len = (uint8_t)l;
		} else if (!bolt_name_in_zone(n, ps->z->origin)) {
			skip(ps, "$ORIGIN outside the zone");
			return;
		}
		/* Relative names below take this origin. */
		memcpy(ps->origin, n, (size_t)l);
		ps->origin_len = (uint8_t)l;
		return;
	}
	if (tok_is(&d, "$TTL")) {
		uint32_t ttl;
		if (!arg || !parse_ttl(&a, &ttl)) {
			skip(ps, "bad $TTL");
			return;
		}
		ps->z->default_ttl = ttl;
		ps->z->have_default_ttl = true;
		return;
	}
	skip(ps, tok_is(&d, "$INCLUDE") ? "$INCLUDE is not supported" : "unknown directive");
}

/* Replace the last token of rdata text (a name) by its absolute form. */
static int absolute_last(struct parser *ps, const char *rd, char *out, size_t cap)
{
	const char *p = rd, *start = NULL;
	struct tok t, last = { 0 };
	while (next_tok(&p, &t)) {
		last = t;
		start = t.s;
	}
	if (start == NULL)
		return BOLT_ESYNTAX;
	uint8_t wire[BOLT_NAME_MAX];
	int l = make_name(ps, &last, wire);
	if (l < 0)
		return l;
	char name[1024];
	if (bolt_name_to_text(wire, name, sizeof(name)) < 0)
		return BOLT_ESYNTAX;
	int n = snprintf(out, cap, "%.*s%s", (int)(start - rd), rd, name);
	return n < 0 || (size_t)n >= cap ? BOLT_ESPACE : 0;
}

static void record(struct parser *ps, const char *p, bool owner_given)
{
	struct tok t;
	uint8_t owner[BOLT_NAME_MAX];
	int olen;
	if (owner_given) {
		if (!next_tok(&p, &t))
			return;
		/* An SOA names the apex when no origin is known yet. */
		olen = make_name(ps, &t, owner);
		if (olen < 0 && ps->z->origin_len == 0 && t.len > 0 && t.s[t.len - 1] != '.') {
			skip(ps, "relative owner name before any origin");
			return;
		}
		if (olen < 0) {
			skip(ps, "bad owner name");
			return;
		}
		memcpy(ps->owner, owner, (size_t)olen);
		ps->have_owner = true;
	} else if (!ps->have_owner) {
		skip(ps, "no owner name");
		return;
	}
	memcpy(owner, ps->owner, BOLT_NAME_MAX);

	/* TTL and class in either order, then the type. */
	uint32_t ttl = 0;
	bool have_ttl = false;
	int type = -1;
	while (next_tok(&p, &t)) {
		if (!have_ttl && parse_ttl(&t, &ttl)) {
			have_ttl = true;
			continue;
		}
		if (tok_is(&t, "IN"))
			continue;
		if (tok_is(&t, "CH") || tok_is(&t, "HS") || tok_is(&t, "CS")) {
			skip(ps, "class other than IN");
			return;
		}
		char ty[32];
		if (t.len >= sizeof(ty))
			break;
		memcpy(ty, t.s, t.len);
		ty[t.len] = '\0';
		type = bolt_type_from_text(ty);
		break;
	}
	if (type < 0) {
		skip(ps, "bad or missing type");
		return;
	}
	if (!have_ttl)
		ttl = ps->z->have_default_ttl ? ps->z->default_ttl
		      : ps->have_last_ttl     ? ps->last_ttl
		                              : 3600;
	ps->last_ttl = ttl;
	ps->have_last_ttl = true;

	/* The apex's SOA gives the origin when none was configured. */
	if (ps->z->origin_len == 0) {
		if (type != BOLT_TYPE_SOA) {
			skip(ps, "record before the zone's SOA or $ORIGIN");
			return;
		}
		olen = bolt_name_len(owner, BOLT_NAME_MAX);
		memcpy(ps->z->origin, owner, (size_t)olen);
		bolt_name_lower(ps->z->origin, (size_t)olen);
		ps->z->origin_len = (uint8_t)olen;
	}

	while (*p == ' ' || *p == '\t')
		p++;
	uint8_t rdata[BOLT_MSG_MAX];
	int rl;
	if (type == BOLT_TYPE_CNAME || type == BOLT_TYPE_PTR || type == BOLT_TYPE_MX ||
	    type == BOLT_TYPE_SRV || type == BOLT_TYPE_NS) {
		/* Names in RDATA may be relative too. */
		char abs[2048];
		rl = absolute_last(ps, p, abs, sizeof(abs));
		if (rl == 0)
			rl = bolt_rdata_from_text((uint16_t)type, abs, rdata, sizeof(rdata));
	} else if (type == BOLT_TYPE_SOA) {
		/* Only serial and refresh matter: the names are not looked at. */
		struct tok f[7];
		int nf = 0;
		while (nf < 7 && next_tok(&p, &f[nf]))
			nf++;
		uint32_t v[5];
		rl = nf == 7 ? 0 : BOLT_ESYNTAX;
		for (int i = 0; i < 5 && rl == 0; i++)
			if (!parse_ttl(&f[2 + i], &v[i]))
				rl = BOLT_ESYNTAX;
		if (rl == 0) {
			rdata[0] = rdata[1] = 0;
			for (int i = 0; i < 5; i++) {
				rdata[2 + 4 * i] = (uint8_t)(v[i] >> 24);
				rdata[3 + 4 * i] = (uint8_t)(v[i] >> 16);
				rdata[4 + 4 * i] = (uint8_t)(v[i] >> 8);
				rdata[5 + 4 * i] = (uint8_t)v[i];
			}
			rl = 22;
		}
	} else {
		rl = bolt_rdata_from_text((uint16_t)type, p, rdata, sizeof(rdata));
	}
	if (rl < 0) {
		char why[96];
		snprintf(why, sizeof(why), "bad RDATA: %s", bolt_strerror(rl));
		skip(ps, why);
		return;
	}
	const char *why = NULL;
	if (rpz_zone_add_rr(ps->z, owner, (uint16_t)type, ttl, rdata, (size_t)rl, &why) < 0)
		skip(ps, why);
}

/* One logical record (lines joined, comments and parentheses gone). */
static void logical(struct parser *ps, bool owner_given)
{
	ps->buf[ps->len] = '\0';
	const char *p = ps->buf;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return;
	if (*p == '$' && owner_given) {
		directive(ps, p);
		return;
	}
	record(ps, ps->buf, owner_given);
}

int rpz_zone_parse(struct rpz_zone *z, const char *text, size_t len, const char *file,
                   rpz_log_fn log, void *arg)
{
	struct parser ps = { .z = z, .file = file != NULL ? file : "-", .log = log, .arg = arg };
	ps.buf = malloc(LINE_MAX_BYTES + 1);
	if (ps.buf == NULL)
		return -ENOMEM;
	unsigned line = 1;
	int depth = 0;
	bool quoted = false, comment = false, overflow = false, owner_given = false;
	ps.line = 1;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? text[i] : '\n';
		if (c == '\0')
			c = ' ';
		if (c == '\n') {
			line++;
			comment = false;
			if (quoted) {
				/* A string does not span lines: the record is broken. */
				quoted = false;
				overflow = true;
			}
			if (depth > 0) {
				if (ps.len < LINE_MAX_BYTES)
					ps.buf[ps.len++] = ' ';
				continue;
			}
			if (overflow)
				skip(&ps, "record too long or broken");
			else
				logical(&ps, owner_given);
			ps.len = 0;
			overflow = false;
			ps.line = line;
			continue;
		}
		if (comment)
			continue;
		if (ps.len == 0 && depth == 0 && !quoted) {
			/* First byte of a record: blank means "same owner". */
			owner_given = !(c == ' ' || c == '\t');
		}
		if (!quoted) {
			if (c == ';') {
				comment = true;
				continue;
			}
			if (c == '(' || c == ')') {
				depth += c == '(' ? 1 : -1;
				if (depth < 0) {
					depth = 0;
					overflow = true;
				}
				c = ' ';
			} else if (c == '"') {
				quoted = true;
			} else if (c == '\r') {
				c = ' ';
			}
		} else if (c == '\\' && i + 1 < len && text[i + 1] != '\n') {
			if (ps.len + 2 <= LINE_MAX_BYTES) {
				ps.buf[ps.len++] = c;
				ps.buf[ps.len++] = text[++i];
			} else {
				overflow = true;
			}
			continue;
		} else if (c == '"') {
			quoted = false;
		}
		if (ps.len < LINE_MAX_BYTES)
			ps.buf[ps.len++] = c;
		else
			overflow = true;
	}
	free(ps.buf);
	if (depth > 0)
		skip(&ps, "unbalanced parentheses at the end");
	if (z->origin_len == 0)
		return BOLT_ESYNTAX;
	return 0;
}

int rpz_zone_load_file(struct rpz_zone *z, const char *path, rpz_log_fn log, void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > FILE_MAX_BYTES) {
		close(fd);
		return -EINVAL;
	}
	size_t size = (size_t)sb.st_size;
	char *text = malloc(size + 1);
	if (text == NULL) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, text + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	int rc = rpz_zone_parse(z, text, got, path, log, arg);
	free(text);
	return rc;
}
