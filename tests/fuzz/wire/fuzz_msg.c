/*
 * libFuzzer target: bolt_msg_parse. Every accepted message is rebuilt with
 * the builder (compressing differently) and parsed again: the two parses
 * must agree on the header, question, EDNS fields and every RR, names
 * compared case-insensitively because compression is.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/wire.h"
#include "internal.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)
#define MAXRR 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bolt_rr rrs1[MAXRR], rrs2[MAXRR];
static uint8_t scratch1[20 * BOLT_MSG_MAX], scratch2[20 * BOLT_MSG_MAX];
static uint8_t buf[BOLT_MSG_MAX];

/* RDATA of types whose names may have been compressed: compare ignoring
 * case (a byte of a fixed field may then differ in bit 5 only, which is
 * accepted as a small blind spot). */
static bool rdata_same(const struct bolt_rr *a, const struct bolt_rr *b)
{
	if (a->rdlen != b->rdlen)
		return false;
	bool names = a->type == BOLT_TYPE_NS || a->type == BOLT_TYPE_CNAME ||
	             a->type == BOLT_TYPE_PTR || a->type == BOLT_TYPE_MX ||
	             a->type == BOLT_TYPE_SOA;
	for (size_t i = 0; i < a->rdlen; i++) {
		uint8_t x = a->rdata[i], y = b->rdata[i];
		if (names ? wire_lower(x) != wire_lower(y) : x != y)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bolt_msg m1, m2;
	if (bolt_msg_parse(data, size, &m1, rrs1, MAXRR, scratch1, sizeof(scratch1)) != 0)
		return 0;
	CHECK(m1.rrcount <= (uint32_t)m1.ancount + m1.nscount + m1.arcount);
	CHECK(m1.rrcount + (m1.has_edns ? 1 : 0) == (uint32_t)m1.ancount + m1.nscount + m1.arcount);
	for (size_t i = 0; i < m1.rrcount; i++) {
		CHECK(bolt_name_len(rrs1[i].owner, BOLT_NAME_MAX) == rrs1[i].owner_len);
		CHECK(i == 0 || rrs1[i].section >= rrs1[i - 1].section);
	}

	struct bolt_build b;
	CHECK(bolt_build_init(&b, buf, sizeof(buf), m1.id, m1.flags & ~BOLT_FLAG_TC) == 0);
	if (m1.qdcount == 1)
		CHECK(bolt_build_question(&b, m1.qname, m1.qname_len, m1.qtype, m1.qclass) == 0);
	if (m1.has_edns)
		bolt_build_reserve_opt(&b);
	for (size_t i = 0; i < m1.rrcount; i++) {
		const struct bolt_rr *rr = &rrs1[i];
		int ret = bolt_build_rr(&b, rr->section, rr->owner, rr->type, rr->rclass, rr->ttl,
		                        rr->rdata, rr->rdlen);
		if (ret == BOLT_ESPACE)
			return 0; /* the rebuilt form is larger than 64 KiB: nothing to compare */
		CHECK(ret == 0);
	}
	if (m1.has_edns)
		CHECK(bolt_build_opt(&b, m1.edns_udp_size, m1.ext_rcode, m1.do_bit) == 0);
	int len = bolt_build_finish(&b);
	CHECK(len > 0);
	CHECK(b.nttl == m1.rrcount);

	CHECK(bolt_msg_parse(buf, (size_t)len, &m2, rrs2, MAXRR, scratch2, sizeof(scratch2)) == 0);
	CHECK(m2.id == m1.id && m2.flags == (m1.flags & ~BOLT_FLAG_TC));
	CHECK(m2.qdcount == m1.qdcount && m2.ancount == m1.ancount);
	CHECK(m2.nscount == m1.nscount && m2.arcount == m1.arcount);
	CHECK(m2.qname_len == m1.qname_len && memcmp(m2.qname, m1.qname, m1.qname_len) == 0);
	CHECK(m2.qtype == m1.qtype && m2.qclass == m1.qclass);
	CHECK(m2.has_edns == m1.has_edns && m2.do_bit == m1.do_bit);
	CHECK(m2.edns_udp_size == m1.edns_udp_size && m2.ext_rcode == m1.ext_rcode);
	CHECK(m2.rrcount == m1.rrcount);
	for (size_t i = 0; i < m1.rrcount; i++) {
		const struct bolt_rr *a = &rrs1[i], *c = &rrs2[i];
		CHECK(a->section == c->section && a->type == c->type);
		CHECK(a->rclass == c->rclass && a->ttl == c->ttl);
		CHECK(a->owner_len == c->owner_len && bolt_name_equal(a->owner, c->owner));
		CHECK(rdata_same(a, c));
		/* Every recorded TTL offset points at this RR's TTL. */
		uint32_t ttl;
		memcpy(&ttl, buf + b.ttl_off[i], 4);
		CHECK(be32toh(ttl) == a->ttl);
		/* Text rendering never fails with a big enough buffer. */
		static char text[4 * BOLT_MSG_MAX];
		CHECK(bolt_rr_to_text(a, text, sizeof(text)) > 0);
	}
	return 0;
}
