/*
 * Fuzz the DoH request decoder (edge/dohreq.c): input = method byte, the
 * :path up to the first '\n', the content-type up to the next '\n', the
 * rest the POST body. Checks: a 200 gives a message of 12..cap bytes that
 * is, for POST, the body itself; any other status writes no length; and
 * base64url of the input decodes back to the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dohreq.h"

static void b64url(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = a[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	out[o] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65535];
	if (size < 1)
		return 0;
	int method = data[0] % 3;
	const char *p = (const char *)data + 1;
	size_t left = size - 1;
	const char *nl = memchr(p, '\n', left);
	size_t plen = nl ? (size_t)(nl - p) : left;
	const char *rest = nl ? nl + 1 : p + left;
	size_t rleft = (size_t)((const char *)data + size - rest);
	const char *nl2 = memchr(rest, '\n', rleft);
	char ctype[256];
	size_t clen = nl2 ? (size_t)(nl2 - rest) : 0;
	if (clen > sizeof(ctype) - 1)
		clen = sizeof(ctype) - 1;
	memcpy(ctype, rest, clen);
	ctype[clen] = '\0';
	const uint8_t *body = nl2 ? (const uint8_t *)nl2 + 1 : (const uint8_t *)rest;
	size_t blen = (size_t)(data + size - body);
	/* small cap too, so the 413 paths run */
	size_t cap = data[0] & 0x80 ? 64 : sizeof(out);
	size_t olen = 12345;
	int st = doh_req_decode(method, p, plen, "/dns-query", nl2 ? ctype : NULL, body, blen, out,
	                        cap, &olen);
	if (st == 200) {
		if (olen < DOH_MSG_MIN || olen > cap)
			abort();
		if (method == DOH_METHOD_POST && (olen != blen || memcmp(out, body, blen) != 0))
			abort();
	} else if (olen != 0 || (st != 400 && st != 404 && st != 405 && st != 413 && st != 415)) {
		abort();
	}
	/* base64url round trip of the whole input */
	if (size <= 4096) {
		static char enc[4096 / 3 * 4 + 8];
		static uint8_t dec[4096];
		b64url(data, size, enc);
		long n = doh_base64url_decode(enc, strlen(enc), dec, sizeof(dec));
		if (n != (long)size || memcmp(dec, data, size) != 0)
			abort();
	}
	return 0;
}
