/*
 * dnsperf-format query files ("name TYPE" per line) to DNS wire queries.
 */
#include "loadgen.h"

#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	uint16_t type;
} types[] = {
	{"A", 1},      {"NS", 2},     {"CNAME", 5},  {"SOA", 6},    {"PTR", 12},  {"HINFO", 13},
	{"MX", 15},    {"TXT", 16},   {"AAAA", 28},  {"SRV", 33},   {"NAPTR", 35}, {"DS", 43},
	{"RRSIG", 46}, {"NSEC", 47},  {"DNSKEY", 48}, {"TLSA", 52}, {"SVCB", 64}, {"HTTPS", 65},
	{"CAA", 257},  {"ANY", 255},
};

static int parse_type(const char *s, uint16_t *type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcasecmp(s, types[i].name) == 0) {
			*type = types[i].type;
			return 0;
		}
	}
	if (strncasecmp(s, "TYPE", 4) == 0 && isdigit((unsigned char)s[4])) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(s + 4, &end, 10);
		if (errno == 0 && *end == '\0' && v <= 65535) {
			*type = (uint16_t)v;
			return 0;
		}
	}
	return -1;
}

/* Presentation name (with \X and \DDD escapes) to uncompressed wire form. */
static int encode_name(const char *s, uint8_t *out, size_t cap)
{
	size_t pos = 0;
	if (strcmp(s, ".") == 0) {
		if (cap < 1)
			return -1;
		out[0] = 0;
		return 1;
	}
	while (*s != '\0') {
		size_t lenpos = pos++;
		size_t label = 0;
		while (*s != '\0' && *s != '.') {
			unsigned c = (unsigned char)*s++;
			if (c == '\\') {
				if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
				    isdigit((unsigned char)s[2])) {
					c = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 +
					    (unsigned)(s[2] - '0');
					if (c > 255)
						return -1;
					s += 3;
				} else if (*s != '\0') {
					c = (unsigned char)*s++;
				} else {
					return -1;
				}
			}
			if (pos >= cap || label >= 63)
				return -1;
			out[pos++] = (uint8_t)c;
			label++;
		}
		if (label == 0)
			return -1; /* empty label: "a..b" or a leading dot */
		out[lenpos] = (uint8_t)label;
		if (*s == '.')
			s++;
	}
	if (pos >= cap || pos + 1 > 255)
		return -1;
	out[pos++] = 0;
	return (int)pos;
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

int lg_query_encode(const char *line, const struct lg_query_opts *opts, uint8_t *wire,
                    uint16_t *len, uint16_t *qlen)
{
	char name[1024], type[64];
	type[0] = '\0';
	const char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#' || *p == ';')
		return 0;
	int n = sscanf(p, "%1023s %63s", name, type);
	if (n < 1)
		return -1;
	uint16_t qtype = 1;
	if (n == 2 && parse_type(type, &qtype) != 0)
		return -1;

	memset(wire, 0, 12);
	/* header: ID 0 (stamped per send), flags, QDCOUNT 1, ARCOUNT 0 or 1 */
	put16(wire + 2, opts->rd ? 0x0100 : 0);
	put16(wire + 4, 1);
	put16(wire + 10, opts->edns ? 1 : 0);
	size_t pos = 12;
	int nl = encode_name(name, wire + pos, 256);
	if (nl < 0)
		return -1;
	pos += (size_t)nl;
	put16(wire + pos, qtype);
	put16(wire + pos + 2, 1); /* IN */
	pos += 4;
	*qlen = (uint16_t)(pos - 12);
	if (opts->edns) {
		wire[pos] = 0; /* root owner */
		put16(wire + pos + 1, 41);
		put16(wire + pos + 3, opts->edns_size);
		wire[pos + 5] = 0; /* extended rcode */
		wire[pos + 6] = 0; /* version */
		put16(wire + pos + 7, opts->do_bit ? 0x8000 : 0);
		put16(wire + pos + 9, 0); /* rdlen */
		pos += 11;
	}
	*len = (uint16_t)pos;
	return 1;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 1024;
	while (ncap < need)
		ncap *= 2;
	void *np = realloc(*p, ncap * elem);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

int lg_queries_add(struct lg_queries *qs, const struct lg_endpoints *ep, const uint8_t *dns,
                   uint16_t len, uint16_t qlen)
{
	if (qs->n == qs->cap) {
		size_t ncap = qs->cap ? qs->cap * 2 : 1024;
		uint64_t *off = realloc(qs->off, ncap * sizeof(*off));
		if (off == NULL)
			return -1;
		qs->off = off;
		uint16_t *flen = realloc(qs->flen, ncap * sizeof(*flen));
		if (flen == NULL)
			return -1;
		qs->flen = flen;
		uint16_t *ql = realloc(qs->qlen, ncap * sizeof(*ql));
		if (ql == NULL)
			return -1;
		qs->qlen = ql;
		qs->cap = ncap;
	}
	if (grow((void **)&qs->arena, &qs->arena_cap, qs->arena_len + LG_FRAME_MAX, 1) != 0)
		return -1;
	size_t fl = lg_frame_build(qs->arena + qs->arena_len, ep, dns, len);
	qs->off[qs->n] = qs->arena_len;
	qs->flen[qs->n] = (uint16_t)fl;
	qs->qlen[qs->n] = qlen;
	qs->arena_len += fl;
	qs->n++;
	return 0;
}

int lg_queries_load(const char *path, const struct lg_query_opts *opts,
                    const struct lg_endpoints *ep, struct lg_queries *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t linecap = 0;
	unsigned long lineno = 0;
	int rc = 0;
	uint8_t wire[LG_DNS_MAX];
	while (getline(&line, &linecap, f) >= 0) {
		lineno++;
		uint16_t len, qlen;
		int r = lg_query_encode(line, opts, wire, &len, &qlen);
		if (r < 0) {
			snprintf(err, errlen, "%s:%lu: malformed query line", path, lineno);
			rc = -1;
			break;
		}
		if (r == 0)
			continue;
		if (lg_queries_add(out, ep, wire, len, qlen) != 0) {
			snprintf(err, errlen, "%s:%lu: out of memory", path, lineno);
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc == 0 && out->n == 0) {
		snprintf(err, errlen, "%s: no queries", path);
		rc = -1;
	}
	if (rc != 0)
		lg_queries_free(out);
	return rc;
}

void lg_queries_free(struct lg_queries *qs)
{
	free(qs->arena);
	free(qs->off);
	free(qs->flen);
	free(qs->qlen);
	memset(qs, 0, sizeof(*qs));
}
