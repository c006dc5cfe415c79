/*
 * Unit tests of the edge's client option (lib/wire/edgeinfo.c): added to a
 * query with and without EDNS, IPv4 and IPv6, and taken out again to give
 * the query back byte for byte, and bolt_query_parse's view of both; what is
 * left alone (an OPT that is not last, a message that does not walk, no
 * room); what a take refuses (another option last, a bad version, family
 * or length, an added OPT holding more).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "boltdns/edgeinfo.h"
#include "boltdns/wire.h"

/* A query for www.example. A: EDNS 0 none, 1 an OPT with no option, 2 an
 * OPT with a padding option. */
static size_t query(uint8_t *m, int edns)
{
	static const uint8_t head[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	                                3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
	                                0, 1, 0, 1 };
	memcpy(m, head, sizeof(head));
	size_t n = sizeof(head);
	if (edns == 0)
		return n;
	m[11] = 1;
	static const uint8_t opt[] = { 0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0 };
	memcpy(m + n, opt, sizeof(opt));
	n += sizeof(opt);
	size_t rdlen = edns == 2 ? 8 : 0;
	m[n++] = 0;
	m[n++] = (uint8_t)rdlen;
	if (edns == 2) {
		static const uint8_t pad[] = { 0, 12, 0, 4, 0, 0, 0, 0 };
		memcpy(m + n, pad, sizeof(pad));
		n += sizeof(pad);
	}
	return n;
}

static struct bolt_edge_client client(int family)
{
	struct bolt_edge_client ec;
	memset(&ec, 0, sizeof(ec));
	ec.transport = family == AF_INET ? BOLT_EDGE_DOT : BOLT_EDGE_DOH;
	ec.peer.family = (uint8_t)family;
	memset(ec.peer.client_addr, 0xc0, family == AF_INET ? 4 : 16);
	memset(ec.peer.server_addr, 0x7f, family == AF_INET ? 4 : 16);
	ec.peer.client_port = 0x3412;
	ec.peer.server_port = 0xb521;
	return ec;
}

static void roundtrip(int edns, int family)
{
	uint8_t m[600], orig[600];
	size_t len = query(m, edns);
	memcpy(orig, m, len);
	struct bolt_query q0, q1;
	assert_int_equal(bolt_query_parse(m, len, &q0), 0);
	assert_false(bolt_edge_client_present(m, len));
	struct bolt_edge_client ec = client(family), got;
	size_t n = bolt_edge_client_add(m, len, sizeof(m), &ec);
	size_t alen = family == AF_INET ? 4 : 16;
	assert_int_equal(n, len + 4 + 8 + 2 * alen + (edns == 0 ? 11 : 0));
	assert_true(bolt_edge_client_present(m, n));
	/* still a query that parses, EDNS now in any case */
	assert_int_equal(bolt_query_parse(m, n, &q1), 0);
	assert_true(q1.has_edns);
	assert_int_equal(bolt_edge_client_take(m, n, &got), len);
	assert_memory_equal(m, orig, len);
	assert_int_equal(got.transport, ec.transport);
	assert_int_equal(got.peer.family, family);
	assert_memory_equal(got.peer.client_addr, ec.peer.client_addr, alen);
	assert_memory_equal(got.peer.server_addr, ec.peer.server_addr, alen);
	assert_int_equal(got.peer.client_port, ec.peer.client_port);
	assert_int_equal(got.peer.server_port, ec.peer.server_port);
}

static void test_roundtrip(void **state)
{
	(void)state;
	for (int edns = 0; edns <= 2; edns++) {
		roundtrip(edns, AF_INET);
		roundtrip(edns, AF_INET6);
	}
}

static void test_left_alone(void **state)
{
	(void)state;
	uint8_t m[600], orig[600];
	struct bolt_edge_client ec = client(AF_INET), got;
	/* no room */
	size_t len = query(m, 1);
	assert_int_equal(bolt_edge_client_add(m, len, len + 10, &ec), len);
	/* a family that is neither */
	ec.peer.family = 99;
	assert_int_equal(bolt_edge_client_add(m, len, sizeof(m), &ec), len);
	ec.peer.family = AF_INET;
	/* an OPT followed by another record */
	len = query(m, 1);
	static const uint8_t txt[] = { 0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 1, 0 };
	memcpy(m + len, txt, sizeof(txt));
	len += sizeof(txt);
	m[11] = 2;
	memcpy(orig, m, len);
	assert_int_equal(bolt_edge_client_add(m, len, sizeof(m), &ec), len);
	assert_memory_equal(m, orig, len);
	/* trailing bytes: does not walk */
	len = query(m, 0);
	m[len++] = 0;
	assert_int_equal(bolt_edge_client_add(m, len, sizeof(m), &ec), len);
	assert_int_equal(bolt_edge_client_take(m, len, &got), len);
	assert_int_equal(got.transport, BOLT_EDGE_NONE);
}

static void test_take_refuses(void **state)
{
	(void)state;
	uint8_t m[600], orig[600];
	struct bolt_edge_client ec = client(AF_INET), got;
	size_t len = query(m, 1);
	size_t n = bolt_edge_client_add(m, len, sizeof(m), &ec);
	size_t opt = n - 20;          /* the option: code, length, 16 bytes of data */
	/* each byte that must hold: version, transport, family, length */
	static const struct { size_t at; uint8_t v; } bad[] = {
		{ 4, 2 }, { 6, 0 }, { 6, 3 }, { 7, 5 }, { 3, 17 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(orig, m, n);
		orig[opt + bad[i].at] = bad[i].v;
		assert_int_equal(bolt_edge_client_take(orig, n, &got), n);
		assert_int_equal(got.transport, BOLT_EDGE_NONE);
	}
	/* the OPT says the edge added it, but it holds another option first */
	len = query(m, 2);
	n = bolt_edge_client_add(m, len, sizeof(m), &ec);
	m[n - 20 + 5] = 1;
	assert_int_equal(bolt_edge_client_take(m, n, &got), n);
	/* another option after ours: not the last, not taken, but present */
	len = query(m, 1);
	n = bolt_edge_client_add(m, len, sizeof(m), &ec);
	static const uint8_t pad[] = { 0, 12, 0, 0 };
	memcpy(m + n, pad, sizeof(pad));
	m[len - 1] = (uint8_t)(m[len - 1] + 4);
	n += 4;
	assert_true(bolt_edge_client_present(m, n));
	assert_int_equal(bolt_edge_client_take(m, n, &got), n);
	assert_int_equal(got.transport, BOLT_EDGE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_left_alone),
		cmocka_unit_test(test_take_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
