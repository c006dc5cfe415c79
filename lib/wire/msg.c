/*
 * Full message parsing for the control plane: every section, names
 * decompressed, RDATA of well-known types validated.
 */
#include <string.h>

#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"
#include "internal.h"

/* Where decompressed RDATA is assembled. */
struct scratch {
	uint8_t *buf;
	size_t cap;
	size_t used;
};

/*
 * Decompress one name of RDATA at *pos (which must lie before rd_end) and
 * append it to the RDATA being built in tmp[*tlen]. Reads beyond rd_end are
 * malformed RDATA: a name may not spill out of its record.
 */
static int rdata_name(const uint8_t *pkt, size_t rd_end, size_t *pos,
                      uint8_t *tmp, size_t *tlen)
{
	int ret = bolt_name_unpack(pkt, rd_end, pos, tmp + *tlen);
	if (ret < 0)
		return ret == BOLT_ETRUNC ? BOLT_ERDATA : ret;
	*tlen += (size_t)ret;
	return 0;
}

/* Validate RDATA of type and, for types with names, decompress it into s.
 * Sets rr->rdata / rr->rdlen. */
static int parse_rdata(const uint8_t *pkt, size_t rd_start, size_t rdlen,
                       struct bolt_rr *rr, struct scratch *s)
{
	size_t rd_end = rd_start + rdlen;
	size_t pos = rd_start;
	/* Largest decompressed RDATA we build: SOA = two names + 20 bytes. */
	uint8_t tmp[2 * BOLT_NAME_MAX + 20];
	size_t tlen = 0;
	size_t fixed = 0; /* bytes copied verbatim before/after the names */
	int ret;

	switch (rr->type) {
	case BOLT_TYPE_A:
	case BOLT_TYPE_AAAA:
		if (rdlen != (rr->type == BOLT_TYPE_A ? 4u : 16u))
			return BOLT_ERDATA;
		rr->rdata = pkt + rd_start;
		rr->rdlen = (uint16_t)rdlen;
		return 0;
	case BOLT_TYPE_TXT: {
		/* One or more <character-string>s exactly filling RDLENGTH. */
		if (rdlen == 0)
			return BOLT_ERDATA;
		size_t p = rd_start;
		while (p < rd_end)
			p += (size_t)pkt[p] + 1;
		if (p != rd_end)
			return BOLT_ERDATA;
		rr->rdata = pkt + rd_start;
		rr->rdlen = (uint16_t)rdlen;
		return 0;
	}
	case BOLT_TYPE_NS:
	case BOLT_TYPE_CNAME:
	case BOLT_TYPE_PTR:
		ret = rdata_name(pkt, rd_end, &pos, tmp, &tlen);
		break;
	case BOLT_TYPE_MX:
	case BOLT_TYPE_SRV:
		fixed = rr->type == BOLT_TYPE_MX ? 2 : 6;
		if (rdlen < fixed + 1)
			return BOLT_ERDATA;
		memcpy(tmp, pkt + pos, fixed);
		tlen = fixed;
		pos += fixed;
		ret = rdata_name(pkt, rd_end, &pos, tmp, &tlen);
		break;
	case BOLT_TYPE_SOA:
		ret = rdata_name(pkt, rd_end, &pos, tmp, &tlen);
		if (ret == 0)
			ret = rdata_name(pkt, rd_end, &pos, tmp, &tlen);
		if (ret == 0) {
			if (rd_end - pos != 20)
				return BOLT_ERDATA;
			memcpy(tmp + tlen, pkt + pos, 20);
			tlen += 20;
			pos += 20;
		}
		break;
	default:
		rr->rdata = pkt + rd_start;
		rr->rdlen = (uint16_t)rdlen;
		return 0;
	}
	if (ret != 0)
		return ret;
	/* The names (and fixed fields) must exactly fill RDLENGTH. */
	if (pos != rd_end)
		return BOLT_ERDATA;
	/* Nothing was compressed: use the packet's bytes and spare the scratch
	 * space for RDATA that needs it. */
	if (tlen == rdlen && memcmp(tmp, pkt + rd_start, rdlen) == 0) {
		rr->rdata = pkt + rd_start;
		rr->rdlen = (uint16_t)rdlen;
		return 0;
	}
	if (tlen > s->cap - s->used)
		return BOLT_ESPACE;
	memcpy(s->buf + s->used, tmp, tlen);
	rr->rdata = s->buf + s->used;
	rr->rdlen = (uint16_t)tlen;
	s->used += tlen;
	return 0;
}

int bolt_msg_parse(const uint8_t *pkt, size_t len, struct bolt_msg *m,
                   struct bolt_rr *rrs, size_t max_rrs,
                   uint8_t *scratch, size_t scratch_len)
{
	memset(m, 0, sizeof(*m));
	m->rrs = rrs;
	if (len < BOLT_HDR_LEN)
		return BOLT_ETRUNC;
	if (len > BOLT_MSG_MAX)
		return BOLT_EMALF;

	struct bolt_wire_ctx c;
	bolt_wire_init_const(&c, pkt, len);
	m->id = bolt_wire_read_u16(&c);
	m->flags = bolt_wire_read_u16(&c);
	m->qdcount = bolt_wire_read_u16(&c);
	m->ancount = bolt_wire_read_u16(&c);
	m->nscount = bolt_wire_read_u16(&c);
	m->arcount = bolt_wire_read_u16(&c);
	if (m->qdcount > 1)
		return BOLT_EQDCOUNT;

	size_t pos = BOLT_HDR_LEN;
	if (m->qdcount == 1) {
		int ret = bolt_name_unpack(pkt, len, &pos, m->qname);
		if (ret < 0)
			return ret;
		m->qname_len = (uint8_t)ret;
		bolt_wire_seek(&c, pos);
		m->qtype = bolt_wire_read_u16(&c);
		m->qclass = bolt_wire_read_u16(&c);
		if (c.err != 0)
			return c.err;
		pos = c.pos;
	}

	/* Counts are checked against the size before anything loops. */
	uint32_t nrr = (uint32_t)m->ancount + m->nscount + m->arcount;
	if (nrr > (len - pos) / WIRE_RR_MIN)
		return BOLT_ECOUNT;

	struct scratch s = { .buf = scratch, .cap = scratch != NULL ? scratch_len : 0, .used = 0 };
	struct bolt_rr spare; /* parse target once rrs is full (an OPT may follow) */
	size_t n = 0;
	for (uint32_t i = 0; i < nrr; i++) {
		uint8_t section = i < m->ancount ? BOLT_SEC_ANSWER
		                : i < (uint32_t)m->ancount + m->nscount ? BOLT_SEC_AUTHORITY
		                : BOLT_SEC_ADDITIONAL;
		struct bolt_rr *rr = n < max_rrs ? &rrs[n] : &spare;
		int ret = bolt_name_unpack(pkt, len, &pos, rr->owner);
		if (ret < 0)
			return ret;
		rr->owner_len = (uint8_t)ret;
		rr->section = section;
		bolt_wire_seek(&c, pos);
		rr->type = bolt_wire_read_u16(&c);
		rr->rclass = bolt_wire_read_u16(&c);
		rr->ttl = bolt_wire_read_u32(&c);
		uint16_t rdlen = bolt_wire_read_u16(&c);
		if (c.err != 0)
			return c.err;
		pos = c.pos;
		if (rdlen > len - pos)
			return BOLT_ETRUNC;

		if (rr->type == BOLT_TYPE_OPT) {
			if (section != BOLT_SEC_ADDITIONAL || rr->owner_len != 1 || m->has_edns)
				return BOLT_EOPT;
			if (!wire_opt_options_ok(pkt + pos, rdlen))
				return BOLT_EOPT;
			m->has_edns = true;
			m->edns_udp_size = rr->rclass;
			m->ext_rcode = (uint8_t)(rr->ttl >> 24);
			m->edns_version = (uint8_t)(rr->ttl >> 16);
			m->do_bit = (rr->ttl & 0x8000) != 0;
			pos += rdlen;
			continue;
		}
		if (n >= max_rrs)
			return BOLT_ESPACE;
		ret = parse_rdata(pkt, pos, rdlen, rr, &s);
		if (ret != 0)
			return ret;
		pos += rdlen;
		n++;
	}
	if (pos != len)
		return BOLT_ETRAIL;
	m->rrcount = (uint16_t)n;
	return 0;
}
