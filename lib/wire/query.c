/*
 * Client query parsing: the dataplane hot path. No allocation; the QNAME is
 * validated and lower-cased in one pass.
 *
 * Records after the question: a query may carry exactly one OPT RR, in the
 * additional section. Any other record (in any section, including TSIG or
 * SIG(0) in the additional section, which boltdns does not verify) makes the
 * query malformed (BOLT_EMALF -> FORMERR); an OPT in the answer or authority
 * section, a second OPT or an OPT with a non-root owner is BOLT_EOPT. Records
 * are taken in order, so the first offending record decides the code.
 */
#include <string.h>

#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"
#include "boltdns/wire_lower.h"
#include "internal.h"

#define WIRE_OPT_COOKIE 10 /* RFC 7873 (BOLT_OPT_COOKIE in boltdns/cookie.h) */

/* Skip an owner name without following pointers (a pointer ends it). */
static int skip_name(const uint8_t *pkt, size_t len, size_t *pos, bool *is_root)
{
	size_t p = *pos;
	*is_root = p < len && pkt[p] == 0;
	for (;;) {
		if (p >= len)
			return BOLT_ETRUNC;
		uint8_t l = pkt[p];
		if (l == 0) {
			p += 1;
			break;
		}
		if ((l & 0xc0) == 0xc0) {
			p += 2;
			break;
		}
		if (l > BOLT_LABEL_MAX)
			return BOLT_ELABEL;
		p += (size_t)l + 1;
	}
	if (p > len)
		return BOLT_ETRUNC;
	*pos = p;
	return 0;
}

/* The OPT's options: they must fill the RDATA exactly; the first COOKIE
 * option is copied into q. */
static int scan_options(const uint8_t *rd, size_t rdlen, struct bolt_query *q)
{
	size_t p = 0;
	while (p < rdlen) {
		if (rdlen - p < 4)
			return BOLT_EOPT;
		uint16_t code = bolt_wire_get_u16(rd + p);
		size_t olen = bolt_wire_get_u16(rd + p + 2);
		if (olen > rdlen - p - 4)
			return BOLT_EOPT;
		if (code == WIRE_OPT_COOKIE && q->cookie_len == 0) {
			if (olen != 8 && (olen < 16 || olen > 40))
				return BOLT_EOPT;
			memcpy(q->cookie, rd + p + 4, olen);
			q->cookie_len = (uint8_t)olen;
		}
		p += 4 + olen;
	}
	return 0;
}

int bolt_query_parse(const uint8_t *pkt, size_t len, struct bolt_query *q)
{
	return bolt_query_parse_into(pkt, len, q, q->qname_lc);
}

int bolt_query_parse_into(const uint8_t *pkt, size_t len, struct bolt_query *q, uint8_t *lc)
{
	if (bolt_unlikely(len < BOLT_HDR_LEN))
		return BOLT_ETRUNC;

	q->id = bolt_wire_get_u16(pkt);
	q->flags = bolt_wire_get_u16(pkt + 2);
	uint16_t qdcount = bolt_wire_get_u16(pkt + 4);
	uint16_t ancount = bolt_wire_get_u16(pkt + 6);
	uint16_t nscount = bolt_wire_get_u16(pkt + 8);
	uint16_t arcount = bolt_wire_get_u16(pkt + 10);
	q->qtype = 0;
	q->qclass = 0;
	q->qname_len = 0;
	q->question_len = 0;
	q->has_edns = false;
	q->do_bit = false;
	q->edns_version = 0;
	q->edns_udp_size = 0;
	q->cookie_len = 0;

	if (bolt_unlikely(q->flags & BOLT_FLAG_QR))
		return BOLT_EQR;
	if (bolt_unlikely(BOLT_OPCODE(q->flags) != 0))
		return BOLT_ENOTIMP;
	if (bolt_unlikely(qdcount != 1))
		return BOLT_EQDCOUNT;

	/* QNAME: validate the labels, then lower-case the whole name 8 bytes at
	 * a time into lc (a length byte is <= 63, below 'A', so it passes
	 * unchanged): one pass over the bytes, no per-label copy loop. */
	const uint8_t *name = pkt + BOLT_HDR_LEN;
	size_t avail = len - BOLT_HDR_LEN;
	int scanned = bolt_wire_qname_scan(name, avail);
	if (bolt_unlikely(scanned < 0))
		return scanned;
	size_t n = (size_t)scanned;
	/* n <= BOLT_NAME_MAX and name[0..n) lies in the packet. */
	bolt_wire_lower_into(lc, name, n);
	if (bolt_unlikely(avail - n < 4))
		return BOLT_ETRUNC;
	q->qname_len = (uint16_t)n;
	q->question_len = (uint16_t)(n + 4);
	q->qtype = bolt_wire_get_u16(name + n);
	q->qclass = bolt_wire_get_u16(name + n + 2);

	size_t pos = BOLT_HDR_LEN + n + 4;
	uint32_t nrr = (uint32_t)ancount + nscount + arcount;
	if (bolt_likely(nrr == 0))
		return pos == len ? 0 : BOLT_ETRAIL;
	if (nrr > (len - pos) / WIRE_RR_MIN)
		return BOLT_ECOUNT;

	bool badvers = false;
	for (uint32_t i = 0; i < nrr; i++) {
		bool root;
		int ret = skip_name(pkt, len, &pos, &root);
		if (ret != 0)
			return ret;
		if (len - pos < 10)
			return BOLT_ETRUNC;
		uint16_t type = bolt_wire_get_u16(pkt + pos);
		uint16_t rclass = bolt_wire_get_u16(pkt + pos + 2);
		uint32_t ttl = bolt_wire_get_u32(pkt + pos + 4);
		uint16_t rdlen = bolt_wire_get_u16(pkt + pos + 8);
		pos += 10;
		if (rdlen > len - pos)
			return BOLT_ETRUNC;
		if (type != BOLT_TYPE_OPT)
			return BOLT_EMALF;
		if (i < (uint32_t)ancount + nscount || !root || q->has_edns)
			return BOLT_EOPT;
		ret = scan_options(pkt + pos, rdlen, q);
		if (ret != 0)
			return ret;
		q->has_edns = true;
		q->edns_udp_size = rclass;
		q->edns_version = (uint8_t)(ttl >> 16);
		q->do_bit = (ttl & 0x8000) != 0;
		badvers = q->edns_version != 0;
		pos += rdlen;
	}
	if (pos != len)
		return BOLT_ETRAIL;
	/* Malformed beats BADVERS: only a well-formed query gets BADVERS. */
	return badvers ? BOLT_EBADVERS : 0;
}

size_t bolt_udp_limit(const struct bolt_query *q, size_t server_max)
{
	if (!q->has_edns)
		return BOLT_UDP_DEFAULT;
	size_t client = q->edns_udp_size < BOLT_UDP_DEFAULT ? BOLT_UDP_DEFAULT : q->edns_udp_size;
	return client < server_max ? client : server_max;
}
