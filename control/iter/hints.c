/*
 * Root hints parser. The format is a tiny zone-file subset, so a small
 * tokenizer is enough: no parentheses or multi-line records appear in any
 * published hints file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "boltdns/errcode.h"
#include "hints.h"

#define TOK_MAX 8

/* Split line into whitespace-separated tokens, stopping at ';'. */
static int tokenize(char *line, char **tok)
{
	int n = 0;
	char *p = line;
	while (*p != '\0' && n < TOK_MAX) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == ';')
			break;
		tok[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != ';')
			p++;
		if (*p == ';') {
			*p = '\0';
			break;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

static bool is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static struct hint_server *find_or_add(struct root_hints *h, const uint8_t *name, int len)
{
	for (unsigned i = 0; i < h->n; i++)
		if (bolt_name_equal(h->s[i].name, name))
			return &h->s[i];
	if (h->n >= HINTS_MAX)
		return NULL;
	struct hint_server *s = &h->s[h->n++];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name, (size_t)len);
	s->name_len = (uint8_t)len;
	return s;
}

/* Addresses seen before their NS record are parked here. */
struct pending_addr {
	uint8_t name[BOLT_NAME_MAX];
	struct infra_addr a;
};

int hints_parse(const char *text, const char *name, uint16_t port, struct root_hints *h,
                char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	size_t cap = 64, npend = 0;
	struct pending_addr *pend = malloc(cap * sizeof(*pend));
	if (pend == NULL)
		return -ENOMEM;
	int ret = 0;
	unsigned lineno = 0;
	const char *p = text;
	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t ll = eol != NULL ? (size_t)(eol - p) : strlen(p);
		char line[1024];
		lineno++;
		if (ll >= sizeof(line)) {
			snprintf(err, errlen, "%s:%u: line too long", name, lineno);
			ret = BOLT_ESYNTAX;
			goto out;
		}
		memcpy(line, p, ll);
		line[ll] = '\0';
		p = eol != NULL ? eol + 1 : p + ll;

		char *tok[TOK_MAX];
		int nt = tokenize(line, tok);
		if (nt == 0 || tok[0][0] == '$')
			continue;
		/* NAME [TTL] [IN] TYPE RDATA, TTL and class in either order. */
		int i = 1;
		for (int k = 0; k < 2 && i < nt; k++) {
			if (is_number(tok[i]) || strcasecmp(tok[i], "IN") == 0)
				i++;
		}
		if (nt - i != 2) {
			snprintf(err, errlen, "%s:%u: expected NAME [TTL] [IN] TYPE RDATA", name, lineno);
			ret = BOLT_ESYNTAX;
			goto out;
		}
		uint8_t owner[BOLT_NAME_MAX];
		int ol = bolt_name_from_text(tok[0], owner);
		if (ol < 0) {
			snprintf(err, errlen, "%s:%u: bad owner name '%s'", name, lineno, tok[0]);
			ret = BOLT_ESYNTAX;
			goto out;
		}
		bolt_name_lower(owner, (size_t)ol);
		const char *type = tok[i], *rdata = tok[i + 1];
		if (strcasecmp(type, "NS") == 0) {
			if (ol != 1)
				continue; /* only the root's NS set matters */
			uint8_t ns[BOLT_NAME_MAX];
			int nl = bolt_name_from_text(rdata, ns);
			if (nl < 0) {
				snprintf(err, errlen, "%s:%u: bad NS name '%s'", name, lineno, rdata);
				ret = BOLT_ESYNTAX;
				goto out;
			}
			bolt_name_lower(ns, (size_t)nl);
			if (find_or_add(h, ns, nl) == NULL) {
				snprintf(err, errlen, "%s:%u: more than %d root servers", name, lineno,
				         HINTS_MAX);
				ret = BOLT_ESYNTAX;
				goto out;
			}
		} else if (strcasecmp(type, "A") == 0 || strcasecmp(type, "AAAA") == 0) {
			struct infra_addr a;
			memset(&a, 0, sizeof(a));
			bool v6 = strcasecmp(type, "AAAA") == 0;
			a.family = v6 ? AF_INET6 : AF_INET;
			a.port = port;
			if (inet_pton(a.family, rdata, a.addr) != 1) {
				snprintf(err, errlen, "%s:%u: bad address '%s'", name, lineno, rdata);
				ret = BOLT_ESYNTAX;
				goto out;
			}
			if (npend == cap) {
				struct pending_addr *np = realloc(pend, 2 * cap * sizeof(*pend));
				if (np == NULL) {
					ret = -ENOMEM;
					goto out;
				}
				pend = np;
				cap *= 2;
			}
			memcpy(pend[npend].name, owner, (size_t)ol);
			pend[npend].a = a;
			npend++;
		}
		/* Other types (DS, ...) are legal in hints and not needed. */
	}
	/* Attach addresses to the NS names they belong to. */
	for (size_t k = 0; k < npend; k++) {
		for (unsigned s = 0; s < h->n; s++) {
			if (bolt_name_equal(h->s[s].name, pend[k].name) &&
			    h->s[s].naddr < INFRA_ADDR_MAX)
				h->s[s].addr[h->s[s].naddr++] = pend[k].a;
		}
	}
	ret = BOLT_ENOENT;
	for (unsigned s = 0; s < h->n; s++)
		if (h->s[s].naddr > 0)
			ret = 0;
	if (ret != 0)
		snprintf(err, errlen, "%s: no root NS with an address", name);
out:
	free(pend);
	return ret;
}

int hints_load(const char *path, uint16_t port, struct root_hints *h, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	/* Hints files are a few kB; 1 MiB bounds a wrong path pointing at a big file. */
	size_t cap = 1 << 20;
	char *buf = malloc(cap + 1);
	if (buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	buf[n] = '\0';
	int ret = hints_parse(buf, path, port, h, err, errlen);
	free(buf);
	return ret;
}
