/*
 * Message helpers of the edge: EDNS TCP keepalive (RFC 7828) in and out,
 * the smallest TTL for DoH's Cache-Control. Pure functions over bytes that
 * came from a client or from boltdns-cp: every read is bounds-checked.
 */
#include <string.h>

#include "edge.h"

#define OPT_KEEPALIVE 11
#define OPT_PADDING 12

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Offset just past the (possibly compressed) name at pos, or 0 when it runs
 * past len or is not a name. */
static size_t skip_name(const uint8_t *msg, size_t len, size_t pos)
{
	for (unsigned labels = 0; pos < len && labels < 128; labels++) {
		uint8_t l = msg[pos];
		if (l == 0)
			return pos + 1;
		if ((l & 0xc0) == 0xc0)
			return pos + 2 <= len ? pos + 2 : 0;
		if (l & 0xc0)
			return 0;
		pos += 1u + l;
	}
	return 0;
}

/* Walk the records after the question: calls back with the offset of each
 * record's type field. Returns false when the message is malformed. */
struct walk {
	size_t last_type_off;   /* type field of the last record, 0: none */
	uint32_t min_ttl;
};

static bool walk(const uint8_t *msg, size_t len, struct walk *w)
{
	w->last_type_off = 0;
	w->min_ttl = UINT32_MAX;
	if (len < BOLT_HDR_LEN || rd16(msg + 4) != 1)
		return false;
	size_t pos = skip_name(msg, len, BOLT_HDR_LEN);
	if (pos == 0 || pos + 4 > len)
		return false;
	pos += 4;
	unsigned n = (unsigned)rd16(msg + 6) + rd16(msg + 8) + rd16(msg + 10);
	for (unsigned i = 0; i < n; i++) {
		pos = skip_name(msg, len, pos);
		if (pos == 0 || pos + 10 > len)
			return false;
		uint16_t type = rd16(msg + pos);
		uint32_t ttl = rd32(msg + pos + 4);
		size_t rdlen = rd16(msg + pos + 8);
		if (pos + 10 + rdlen > len)
			return false;
		if (type != BOLT_TYPE_OPT && ttl < w->min_ttl)
			w->min_ttl = ttl;
		w->last_type_off = pos;
		pos += 10 + rdlen;
	}
	return pos == len;
}

/* Whether the query's OPT (right after the question) carries option code. */
static bool has_option(const uint8_t *msg, size_t len, size_t question_len, uint16_t want)
{
	/* bolt_query_parse accepted it: the only record is an OPT right after
	 * the question (root owner, one byte). */
	size_t pos = BOLT_HDR_LEN + question_len;
	if (len < pos + 11 || msg[pos] != 0 || rd16(msg + pos + 1) != BOLT_TYPE_OPT)
		return false;
	size_t end = pos + 11 + rd16(msg + pos + 9);
	if (end > len)
		return false;
	for (size_t o = pos + 11; o + 4 <= end;) {
		uint16_t code = rd16(msg + o), olen = rd16(msg + o + 2);
		if (code == want)
			return true;
		o += 4u + olen;
	}
	return false;
}

bool edge_msg_has_keepalive(const uint8_t *msg, size_t len, size_t question_len)
{
	return has_option(msg, len, question_len, OPT_KEEPALIVE);
}

bool edge_msg_has_padding(const uint8_t *msg, size_t len, size_t question_len)
{
	return has_option(msg, len, question_len, OPT_PADDING);
}

/* Append option (code, data of dlen bytes, NULL: zeros) to the OPT RR of
 * msg when it is the last record; returns the new length, or len. */
static size_t add_option(uint8_t *msg, size_t len, size_t cap, uint16_t code, const uint8_t *data,
                         size_t dlen)
{
	struct walk w;
	if (dlen > 0xffff - 4 || len + 4 + dlen > cap || len + 4 + dlen > BOLT_MSG_MAX ||
	    !walk(msg, len, &w) || w.last_type_off == 0 ||
	    rd16(msg + w.last_type_off) != BOLT_TYPE_OPT)
		return len;
	size_t rdl_off = w.last_type_off + 8;
	size_t rdlen = rd16(msg + rdl_off) + 4 + dlen;
	if (rdlen > 0xffff)
		return len;
	uint8_t *p = msg + len;
	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	p[2] = (uint8_t)(dlen >> 8);
	p[3] = (uint8_t)dlen;
	if (data != NULL)
		memcpy(p + 4, data, dlen);
	else
		memset(p + 4, 0, dlen);
	msg[rdl_off] = (uint8_t)(rdlen >> 8);
	msg[rdl_off + 1] = (uint8_t)rdlen;
	return len + 4 + dlen;
}

size_t edge_msg_add_keepalive(uint8_t *msg, size_t len, size_t cap, uint16_t timeout)
{
	uint8_t t[2] = { (uint8_t)(timeout >> 8), (uint8_t)timeout };
	return add_option(msg, len, cap, OPT_KEEPALIVE, t, 2);
}

size_t edge_msg_add_padding(uint8_t *msg, size_t len, size_t cap, size_t block)
{
	if (block == 0)
		return len;
	/* RFC 8467 4.1: the whole message a multiple of block, with the 4 bytes
	 * of the option's own header counted. */
	size_t total = (len + 4 + block - 1) / block * block;
	return add_option(msg, len, cap, OPT_PADDING, NULL, total - len - 4);
}

uint32_t edge_msg_min_ttl(const uint8_t *msg, size_t len)
{
	struct walk w;
	if (!walk(msg, len, &w))
		return UINT32_MAX;
	return w.min_ttl;
}
