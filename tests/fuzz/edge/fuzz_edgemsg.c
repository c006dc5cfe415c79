/*
 * Fuzz the edge's message helpers (edge/msg.c) over arbitrary bytes, as
 * they see boltdns-cp's answers and clients' queries: the record walk of
 * edge_msg_add_keepalive and edge_msg_min_ttl, and the OPT scan of
 * edge_msg_has_keepalive, the padding of edge_msg_add_padding. Checks: the keepalive append grows a message by
 * exactly EDGE_KEEPALIVE_LEN or leaves it byte for byte, and a grown
 * message has the same smallest TTL (UINT32_MAX: its only record is the
 * OPT).
 */
#include <stdlib.h>
#include <string.h>

#include "edge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[70000];
	if (size < 1 || size > 65535)
		return 0;
	size_t qlen = data[0];
	(void)edge_msg_has_keepalive(data + 1, size - 1, qlen);
	memcpy(buf, data + 1, size - 1);
	size_t len = size - 1;
	uint32_t ttl = edge_msg_min_ttl(buf, len);
	size_t n = edge_msg_add_keepalive(buf, len, sizeof(buf), 20);
	if (n == len) {
		if (memcmp(buf, data + 1, len) != 0)
			abort();
	} else {
		if (n != len + EDGE_KEEPALIVE_LEN || memcmp(buf + len, "\0\13\0\2\0\24", 6) != 0)
			abort();
		if (edge_msg_min_ttl(buf, n) != ttl)
			abort();
	}
	/* padding: a multiple of the block, or nothing changed */
	(void)edge_msg_has_padding(data + 1, size - 1, qlen);
	size_t block = (size_t)data[0] * 7 + 1;
	size_t p = edge_msg_add_padding(buf, n, sizeof(buf), block);
	if (p != n && (p % block != 0 || p < n + 4 || edge_msg_min_ttl(buf, p) != ttl))
		abort();
	return 0;
}
