/*
 * Growable text buffers and the structured output of control commands
 * (text lines or JSON from the same calls, so both forms always agree).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_internal.h"

void ctl_sbuf_init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void ctl_sbuf_free(struct sbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void ctl_sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

/* Make room for n more bytes plus a NUL. */
static bool grow(struct sbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void ctl_sbuf_put(struct sbuf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void ctl_sbuf_puts(struct sbuf *b, const char *s)
{
	ctl_sbuf_put(b, s, strlen(s));
}

void ctl_sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		ctl_sbuf_put(b, small, (size_t)n);
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void ctl_sbuf_json_str(struct sbuf *b, const char *s)
{
	ctl_sbuf_put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = { '\\', (char)*p };
			ctl_sbuf_put(b, esc, 2);
		} else if (*p == '\t') {
			ctl_sbuf_put(b, "\\t", 2);
		} else if (*p < 0x20 || *p >= 0x7f) {
			/* Names reach us escaped already; anything else non-ASCII is
			 * shown as its byte value so the output stays valid JSON. */
			ctl_sbuf_printf(b, "\\u%04x", *p);
		} else {
			ctl_sbuf_put(b, (const char *)p, 1);
		}
	}
	ctl_sbuf_put(b, "\"", 1);
}

char *ctl_sbuf_take(struct sbuf *b, size_t *len)
{
	if (!grow(b, 0)) {
		ctl_sbuf_free(b);
		*len = 0;
		return NULL;
	}
	char *p = b->data;
	*len = b->len;
	memset(b, 0, sizeof(*b));
	return p;
}

void ctl_out_init(struct ctl_out *o, struct sbuf *b, bool json)
{
	memset(o, 0, sizeof(*o));
	o->b = b;
	o->json = json;
	o->first[0] = true;
}

/* Before a member: JSON comma and key, or the text key with its prefix. */
static void member(struct ctl_out *o, const char *key)
{
	if (o->json) {
		if (!o->first[o->depth])
			ctl_sbuf_put(o->b, ",", 1);
		o->first[o->depth] = false;
		if (key && !o->array[o->depth]) {
			ctl_sbuf_json_str(o->b, key);
			ctl_sbuf_put(o->b, ":", 1);
		}
		return;
	}
	if (key && !o->array[o->depth]) {
		ctl_sbuf_put(o->b, o->prefix, o->plen[o->depth]);
		ctl_sbuf_puts(o->b, key);
		ctl_sbuf_put(o->b, ": ", 2);
	}
}

static void push(struct ctl_out *o, const char *key, bool array)
{
	/* Text shows containers only through the prefix of their members. */
	if (o->json) {
		member(o, key);
		ctl_sbuf_put(o->b, array ? "[" : "{", 1);
	}
	if (o->depth >= CTL_OUT_DEPTH)
		return; /* deeper nesting is a programming error; keep output sane */
	size_t pl = o->plen[o->depth];
	o->depth++;
	o->first[o->depth] = true;
	o->array[o->depth] = array;
	/* Text keys of nested objects read "outer.inner.key". */
	if (!o->json && key && !array) {
		size_t kl = strlen(key);
		if (pl + kl + 1 < sizeof(o->prefix)) {
			memcpy(o->prefix + pl, key, kl);
			o->prefix[pl + kl] = '.';
			pl += kl + 1;
		}
	}
	o->plen[o->depth] = pl;
}

static void pop(struct ctl_out *o, bool array)
{
	if (o->json)
		ctl_sbuf_put(o->b, array ? "]" : "}", 1);
	if (o->depth > 0)
		o->depth--;
}

void ctl_out_obj_begin(struct ctl_out *o, const char *key)
{
	push(o, key, false);
}

void ctl_out_obj_end(struct ctl_out *o)
{
	pop(o, false);
}

void ctl_out_arr_begin(struct ctl_out *o, const char *key)
{
	push(o, key, true);
}

void ctl_out_arr_end(struct ctl_out *o)
{
	pop(o, true);
}

void ctl_out_u64(struct ctl_out *o, const char *key, uint64_t v)
{
	member(o, key);
	ctl_sbuf_printf(o->b, o->json ? "%" PRIu64 : "%" PRIu64 "\n", v);
}

void ctl_out_i64(struct ctl_out *o, const char *key, int64_t v)
{
	member(o, key);
	ctl_sbuf_printf(o->b, o->json ? "%" PRId64 : "%" PRId64 "\n", v);
}

void ctl_out_dbl(struct ctl_out *o, const char *key, double v)
{
	member(o, key);
	ctl_sbuf_printf(o->b, o->json ? "%.6g" : "%.6g\n", v);
}

void ctl_out_bool(struct ctl_out *o, const char *key, bool v)
{
	member(o, key);
	if (o->json)
		ctl_sbuf_puts(o->b, v ? "true" : "false");
	else
		ctl_sbuf_puts(o->b, v ? "yes\n" : "no\n");
}

void ctl_out_str(struct ctl_out *o, const char *key, const char *s)
{
	member(o, key);
	if (o->json) {
		ctl_sbuf_json_str(o->b, s);
		return;
	}
	/* A text value never spans lines: the protocol is line based. */
	for (const char *p = s; *p; p++) {
		char c = (*p == '\n' || *p == '\r') ? ' ' : *p;
		ctl_sbuf_put(o->b, &c, 1);
	}
	ctl_sbuf_put(o->b, "\n", 1);
}

void ctl_out_raw(struct ctl_out *o, const char *key, const char *raw, size_t len)
{
	member(o, key);
	ctl_sbuf_put(o->b, raw, len);
}
