/*
 * DoH request decoding (see dohreq.h).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "dohreq.h"

static int b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '-')
		return 62;
	if (ch == '_')
		return 63;
	return -1;
}

long doh_base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	while (len > 0 && in[len - 1] == '=')
		len--;
	/* 4n+1 characters carry 6 bits of a byte: no encoder writes that. */
	if (len % 4 == 1)
		return -1;
	size_t need = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	if (need > cap)
		return -2;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64val((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (long)o;
}

/* The value of parameter name in query[0..len) ("a=1&dns=..."), or NULL. */
static const char *param(const char *query, size_t len, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && query[end] != '&')
			end++;
		if (end - i > nl && memcmp(query + i, name, nl) == 0 && query[i + nl] == '=') {
			*vlen = end - i - nl - 1;
			return query + i + nl + 1;
		}
		i = end + 1;
	}
	return NULL;
}

/* Whether content-type names application/dns-message (parameters after ';'
 * ignored, case-insensitive, RFC 9110 8.3.1). */
static bool is_dns_message(const char *ctype)
{
	static const char want[] = "application/dns-message";
	if (ctype == NULL)
		return false;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	size_t wl = sizeof(want) - 1;
	if (strncasecmp(ctype, want, wl) != 0)
		return false;
	const char *t = ctype + wl;
	while (*t == ' ' || *t == '\t')
		t++;
	return *t == '\0' || *t == ';';
}

int doh_req_decode(int method, const char *path, size_t path_len, const char *doh_path,
                   const char *ctype, const uint8_t *body, size_t body_len, uint8_t *out,
                   size_t cap, size_t *out_len)
{
	*out_len = 0;
	if (path == NULL || path_len > DOH_PATH_MAX)
		return 404;
	size_t plen = 0;
	while (plen < path_len && path[plen] != '?' && path[plen] != '#')
		plen++;
	if (plen != strlen(doh_path) || memcmp(path, doh_path, plen) != 0)
		return 404;
	if (method == DOH_METHOD_GET) {
		if (plen == path_len || path[plen] != '?')
			return 400;
		const char *q = path + plen + 1;
		size_t qlen = path_len - plen - 1;
		for (size_t i = 0; i < qlen; i++)
			if (q[i] == '#') {
				qlen = i;
				break;
			}
		size_t vlen = 0;
		const char *v = param(q, qlen, "dns", &vlen);
		if (v == NULL)
			return 400;
		long n = doh_base64url_decode(v, vlen, out, cap);
		if (n == -2)
			return 413;
		if (n < DOH_MSG_MIN)
			return 400;
		*out_len = (size_t)n;
		return 200;
	}
	if (method == DOH_METHOD_POST) {
		if (!is_dns_message(ctype))
			return 415;
		if (body_len > cap)
			return 413;
		if (body_len < DOH_MSG_MIN)
			return 400;
		memcpy(out, body, body_len);
		*out_len = body_len;
		return 200;
	}
	return 405;
}
