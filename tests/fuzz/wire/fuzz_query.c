/*
 * libFuzzer target: bolt_query_parse. Invariants checked on every accepted
 * query: the lower-cased QNAME is the packet's QNAME lower-cased; a query
 * rebuilt from the parsed fields parses to the same fields; the error
 * response echoing the question parses as a message with that question.
 */
#include <stdlib.h>
#include <string.h>

#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bolt_query q;
	int ret = bolt_query_parse(data, size, &q);
	if (size >= BOLT_HDR_LEN) {
		CHECK(q.id == bolt_wire_get_u16(data));
		CHECK(q.flags == bolt_wire_get_u16(data + 2));
	}
	if (ret != 0 && ret != BOLT_EBADVERS)
		return 0;

	CHECK(q.qname_len >= 1 && q.qname_len <= BOLT_NAME_MAX);
	CHECK(q.question_len == q.qname_len + 4);
	CHECK(bolt_name_len(q.qname_lc, q.qname_len) == q.qname_len);
	uint8_t lc[BOLT_NAME_MAX];
	memcpy(lc, data + BOLT_HDR_LEN, q.qname_len);
	bolt_name_lower(lc, q.qname_len);
	CHECK(memcmp(lc, q.qname_lc, q.qname_len) == 0);
	CHECK(ret == 0 || (q.has_edns && q.edns_version != 0));
	if (ret != 0)
		return 0;

	/* Rebuild the query and parse it again. */
	uint8_t buf[600];
	struct bolt_build b;
	CHECK(bolt_build_init(&b, buf, sizeof(buf), q.id, q.flags) == 0);
	CHECK(bolt_build_question(&b, data + BOLT_HDR_LEN, q.qname_len, q.qtype, q.qclass) == 0);
	if (q.has_edns)
		CHECK(bolt_build_opt(&b, q.edns_udp_size, 0, q.do_bit) == 0);
	int len = bolt_build_finish(&b);
	CHECK(len > 0);
	struct bolt_query q2;
	CHECK(bolt_query_parse(buf, (size_t)len, &q2) == 0);
	CHECK(q2.id == q.id && q2.flags == q.flags && q2.qtype == q.qtype && q2.qclass == q.qclass);
	CHECK(q2.qname_len == q.qname_len && memcmp(q2.qname_lc, q.qname_lc, q.qname_len) == 0);
	CHECK(q2.has_edns == q.has_edns && q2.do_bit == q.do_bit);
	CHECK(q2.edns_udp_size == q.edns_udp_size);

	/* The error response echoes the client's question bytes. */
	len = bolt_build_error(buf, sizeof(buf), q.id, q.flags, data + BOLT_HDR_LEN, q.question_len,
	                       BOLT_RCODE_SERVFAIL, q.has_edns);
	CHECK(len > 0);
	struct bolt_msg m;
	struct bolt_rr rrs[1];
	CHECK(bolt_msg_parse(buf, (size_t)len, &m, rrs, 1, NULL, 0) == 0);
	CHECK(m.qname_len == q.qname_len && bolt_name_equal(m.qname, q.qname_lc));
	CHECK(memcmp(m.qname, data + BOLT_HDR_LEN, q.qname_len) == 0);
	CHECK(m.has_edns == q.has_edns);
	CHECK(BOLT_RCODE(m.flags) == BOLT_RCODE_SERVFAIL);
	return 0;
}
