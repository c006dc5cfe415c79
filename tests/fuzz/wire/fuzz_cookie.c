/*
 * libFuzzer target: the EDNS options of a query, the COOKIE option parser
 * (bolt_query_parse) and the server-cookie check (bolt_cookie_valid). The
 * input is the OPT RDATA of a fixed query. Invariants: a cookie taken is 8 or
 * 16..40 bytes and is the first COOKIE option found by an independent walk;
 * a query with a malformed first COOKIE is refused; a server cookie made for
 * the parsed client cookie is valid, the one the client sent never crashes
 * the check and is valid only if it is exactly 16 bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "boltdns/cookie.h"
#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t head[] = {
	0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 'a', 0, 0, 1, 0, 1,
	0, 0, 41, 4, 0xd0, 0, 0, 0, 0,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[sizeof(head) + 2 + 65535];
	if (size > 65535)
		return 0;
	memcpy(pkt, head, sizeof(head));
	bolt_wire_put_u16(pkt + sizeof(head), (uint16_t)size);
	memcpy(pkt + sizeof(head) + 2, data, size);
	struct bolt_query q;
	int ret = bolt_query_parse(pkt, sizeof(head) + 2 + size, &q);

	/* The first COOKIE option, walking the options independently. */
	size_t p = 0;
	const uint8_t *first = NULL;
	size_t first_len = 0;
	bool well_formed = true;
	while (p < size) {
		if (size - p < 4) {
			well_formed = false;
			break;
		}
		size_t olen = (size_t)data[p + 2] << 8 | data[p + 3];
		if (olen > size - p - 4) {
			well_formed = false;
			break;
		}
		if (!first && data[p] == 0 && data[p + 1] == BOLT_OPT_COOKIE) {
			first = data + p + 4;
			first_len = olen;
		}
		p += 4 + olen;
	}
	bool cookie_ok = !first || first_len == 8 || (first_len >= 16 && first_len <= 40);
	if (!well_formed) {
		CHECK(ret == BOLT_EOPT);
		return 0;
	}
	if (!cookie_ok) {
		CHECK(ret == BOLT_EOPT);
		return 0;
	}
	CHECK(ret == 0);
	CHECK(q.cookie_len == first_len);
	if (!first)
		return 0;
	CHECK(memcmp(q.cookie, first, first_len) == 0);

	static const uint8_t secret[16] = { 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	static const uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint32_t now = 1700000000u;
	bool v = bolt_cookie_valid(q.cookie, q.cookie + 8, q.cookie_len - 8u, addr, 16, now, secret,
	                           secret);
	CHECK(!v || q.cookie_len == 8 + BOLT_COOKIE_SERVER_LEN);
	uint8_t sc[BOLT_COOKIE_SERVER_LEN];
	bolt_cookie_make(sc, q.cookie, addr, 4, now, secret);
	CHECK(bolt_cookie_valid(q.cookie, sc, sizeof(sc), addr, 4, now + 3600, secret, NULL));
	CHECK(!bolt_cookie_valid(q.cookie, sc, sizeof(sc), addr, 4, now + 3601, secret, NULL));
	return 0;
}
