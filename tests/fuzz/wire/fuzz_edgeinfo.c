/*
 * libFuzzer target: the edge's client option (boltdns/edgeinfo.h) over an
 * arbitrary message, as boltdns-cp takes it from what a loopback TCP/53
 * peer sends and boltdns-edge adds it to what a client sent. Invariants: a
 * take that finds the option only shortens the message; an option the edge
 * added (IPv4 and IPv6, DoT and DoH) is found again by bolt_edge_client_present
 * and taken out to give back the message byte for byte, with the same
 * client; a message the add leaves alone is unchanged.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/edgeinfo.h"
#include "boltdns/wire.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const uint8_t *data, size_t size, const struct bolt_edge_client *ec)
{
	static uint8_t buf[BOLT_MSG_MAX + 64];
	memcpy(buf, data, size);
	size_t n = bolt_edge_client_add(buf, size, sizeof(buf), ec);
	if (n == size) {
		CHECK(memcmp(buf, data, size) == 0);
		return;
	}
	CHECK(n > size && n <= BOLT_MSG_MAX);
	CHECK(bolt_edge_client_present(buf, n));
	struct bolt_edge_client got;
	size_t m = bolt_edge_client_take(buf, n, &got);
	CHECK(m == size && memcmp(buf, data, size) == 0);
	CHECK(got.transport == ec->transport && got.peer.family == ec->peer.family);
	size_t alen = ec->peer.family == AF_INET ? 4 : 16;
	CHECK(memcmp(got.peer.client_addr, ec->peer.client_addr, alen) == 0);
	CHECK(memcmp(got.peer.server_addr, ec->peer.server_addr, alen) == 0);
	CHECK(got.peer.client_port == ec->peer.client_port);
	CHECK(got.peer.server_port == ec->peer.server_port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[BOLT_MSG_MAX];
	if (size > BOLT_MSG_MAX)
		return 0;
	(void)bolt_edge_client_present(data, size);
	memcpy(buf, data, size);
	struct bolt_edge_client ec;
	size_t n = bolt_edge_client_take(buf, size, &ec);
	if (ec.transport == BOLT_EDGE_NONE)
		CHECK(n == size && memcmp(buf, data, size) == 0);
	else
		CHECK(n < size && (ec.peer.family == AF_INET || ec.peer.family == AF_INET6));

	struct bolt_edge_client v4 = { .transport = BOLT_EDGE_DOT };
	v4.peer.family = AF_INET;
	memcpy(v4.peer.client_addr, "\xc0\x00\x02\x07", 4);
	memcpy(v4.peer.server_addr, "\x7f\x00\x00\x01", 4);
	v4.peer.client_port = 0x1234;
	v4.peer.server_port = 0x5522;
	roundtrip(data, size, &v4);
	struct bolt_edge_client v6 = { .transport = BOLT_EDGE_DOH };
	v6.peer.family = AF_INET6;
	memset(v6.peer.client_addr, 0x20, 16);
	v6.peer.server_addr[15] = 1;
	v6.peer.client_port = 0xffff;
	v6.peer.server_port = 0xbb01;
	roundtrip(data, size, &v6);
	return 0;
}
