/*
 * The edge's client option (boltdns/edgeinfo.h): added by boltdns-edge to
 * the queries it forwards, taken out by boltdns-cp.
 */
#include <string.h>
#include <sys/socket.h>

#include "boltdns/edgeinfo.h"
#include "boltdns/wire.h"

#define VERSION 1
#define FLAG_OPT_ADDED 1u
#define OPT_RR_LEN 11    /* root owner, type, class, TTL, RDLENGTH */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The last record of a message that walks to its end exactly: where it
 * starts (its owner; 0 when there is no record) and its type; *opts: the
 * OPT records in it. */
static bool last_record(const uint8_t *msg, size_t len, size_t *start, uint16_t *type,
                        unsigned *opts)
{
	*start = 0;
	*type = 0;
	*opts = 0;
	if (len < BOLT_HDR_LEN || rd16(msg + 4) != 1)
		return false;
	size_t pos = BOLT_HDR_LEN;
	if (!bolt_name_skip(msg, len, &pos) || pos + 4 > len)
		return false;
	pos += 4;
	unsigned n = (unsigned)rd16(msg + 6) + rd16(msg + 8) + rd16(msg + 10);
	for (unsigned i = 0; i < n; i++) {
		size_t owner = pos;
		if (!bolt_name_skip(msg, len, &pos) || pos + 10 > len)
			return false;
		size_t rdlen = rd16(msg + pos + 8);
		if (pos + 10 + rdlen > len)
			return false;
		*start = owner;
		*type = rd16(msg + pos);
		*opts += *type == BOLT_TYPE_OPT;
		pos += 10 + rdlen;
	}
	return pos == len;
}

/* The OPT of msg when it is its last record: where its RDATA starts and
 * how long it is. An OPT's owner is the root: one byte. */
static bool find_opt(const uint8_t *msg, size_t len, size_t *start, size_t *rdata, size_t *rdlen)
{
	uint16_t type;
	unsigned opts;
	if (!last_record(msg, len, start, &type, &opts) || *start == 0 || type != BOLT_TYPE_OPT ||
	    opts != 1 || msg[*start] != 0)
		return false;
	*rdata = *start + OPT_RR_LEN;
	*rdlen = rd16(msg + *start + 9);
	return *rdata + *rdlen == len;
}

/* The options of an OPT's RDATA: the offset of the last one (0: none), and
 * whether one has the edge's code. False when they do not fill it exactly. */
static bool scan_options(const uint8_t *msg, size_t rdata, size_t rdlen, size_t *last, bool *ours)
{
	size_t pos = rdata, end = rdata + rdlen;
	*last = 0;
	*ours = false;
	while (pos < end) {
		if (end - pos < 4 || end - pos - 4 < rd16(msg + pos + 2))
			return false;
		if (rd16(msg + pos) == BOLT_OPT_EDGE_CLIENT)
			*ours = true;
		*last = pos;
		pos += 4 + rd16(msg + pos + 2);
	}
	return true;
}

size_t bolt_edge_client_add(uint8_t *msg, size_t len, size_t cap, const struct bolt_edge_client *ec)
{
	size_t alen = ec->peer.family == AF_INET ? 4 : ec->peer.family == AF_INET6 ? 16 : 0;
	if (alen == 0)
		return len;
	size_t dlen = 8 + 2 * alen, olen = 4 + dlen;
	size_t start, rdata, rdlen;
	uint16_t type;
	unsigned opts;
	if (!last_record(msg, len, &start, &type, &opts) || opts > 1 ||
	    (opts == 1 && type != BOLT_TYPE_OPT))
		return len;  /* an OPT that is not last (e.g. TSIG after it), or two */
	bool have = find_opt(msg, len, &start, &rdata, &rdlen);
	if (opts == 1 && !have)
		return len;
	size_t last;
	bool ours;
	if (have && !scan_options(msg, rdata, rdlen, &last, &ours))
		return len;  /* options that do not fill the OPT: it would not be found */
	size_t need = len + olen + (have ? 0 : OPT_RR_LEN);
	if (need > cap || need > BOLT_MSG_MAX || (have && rdlen + olen > 0xffff))
		return len;
	uint8_t *p = msg + len;
	if (!have) {
		unsigned ar = rd16(msg + 10);
		if (ar == 0xffff)
			return len;
		wr16(msg + 10, ar + 1);
		p[0] = 0;
		wr16(p + 1, BOLT_TYPE_OPT);
		wr16(p + 3, BOLT_EDNS_DEFAULT);
		memset(p + 5, 0, 4);
		wr16(p + 9, olen);
		p += OPT_RR_LEN;
	} else {
		wr16(msg + start + 9, rdlen + olen);
	}
	wr16(p, BOLT_OPT_EDGE_CLIENT);
	wr16(p + 2, dlen);
	p[4] = VERSION;
	p[5] = have ? 0 : FLAG_OPT_ADDED;
	p[6] = ec->transport;
	p[7] = alen == 4 ? 4 : 6;
	memcpy(p + 8, &ec->peer.client_port, 2);
	memcpy(p + 10, &ec->peer.server_port, 2);
	memcpy(p + 12, ec->peer.client_addr, alen);
	memcpy(p + 12 + alen, ec->peer.server_addr, alen);
	return need;
}

bool bolt_edge_client_present(const uint8_t *msg, size_t len)
{
	size_t start, rdata, rdlen, last;
	bool ours;
	return find_opt(msg, len, &start, &rdata, &rdlen) &&
	       scan_options(msg, rdata, rdlen, &last, &ours) && ours;
}

size_t bolt_edge_client_take(uint8_t *msg, size_t len, struct bolt_edge_client *ec)
{
	memset(ec, 0, sizeof(*ec));
	size_t start, rdata, rdlen, last;
	bool ours;
	if (!find_opt(msg, len, &start, &rdata, &rdlen) ||
	    !scan_options(msg, rdata, rdlen, &last, &ours) || last == 0 ||
	    rd16(msg + last) != BOLT_OPT_EDGE_CLIENT)
		return len;
	const uint8_t *d = msg + last + 4;
	size_t dlen = rd16(msg + last + 2);
	size_t alen = dlen >= 8 && d[3] == 4 ? 4 : dlen >= 8 && d[3] == 6 ? 16 : 0;
	if (alen == 0 || dlen != 8 + 2 * alen || d[0] != VERSION ||
	    (d[2] != BOLT_EDGE_DOT && d[2] != BOLT_EDGE_DOH))
		return len;
	bool added = (d[1] & FLAG_OPT_ADDED) != 0;
	/* an added OPT holds this option alone */
	if (added && (last != rdata || rd16(msg + 10) == 0))
		return len;
	ec->transport = d[2];
	ec->peer.family = alen == 4 ? AF_INET : AF_INET6;
	memcpy(&ec->peer.client_port, d + 4, 2);
	memcpy(&ec->peer.server_port, d + 6, 2);
	memcpy(ec->peer.client_addr, d + 8, alen);
	memcpy(ec->peer.server_addr, d + 8 + alen, alen);
	if (added) {
		wr16(msg + 10, rd16(msg + 10) - 1u);
		return start;
	}
	wr16(msg + start + 9, rdlen - 4 - dlen);
	return last;
}
