/*
 * DNS Cookies: SipHash-2-4 and the RFC 9018 server cookie (boltdns/cookie.h).
 */
#include <string.h>

#include "boltdns/cookie.h"

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t rd64le(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
} while (0)

uint64_t bolt_siphash24(const uint8_t key[16], const uint8_t *msg, size_t len)
{
	uint64_t k0 = rd64le(key), k1 = rd64le(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	size_t full = len & ~(size_t)7;

	for (size_t i = 0; i < full; i += 8) {
		uint64_t m = rd64le(msg + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* The last block: the remaining bytes and the length in the top byte. */
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < (len & 7); i++)
		b |= (uint64_t)msg[full + i] << (8 * i);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The hash over client cookie | first 8 bytes of the server cookie | address,
 * written little-endian (the byte order of SipHash's output) to out. */
static void cookie_hash(uint8_t out[8], const uint8_t cc[BOLT_COOKIE_CLIENT_LEN],
                        const uint8_t head[8], const uint8_t *addr, size_t alen,
                        const uint8_t secret[BOLT_COOKIE_SECRET_LEN])
{
	uint8_t msg[BOLT_COOKIE_CLIENT_LEN + 8 + 16];
	if (alen > 16)
		alen = 16;
	memcpy(msg, cc, BOLT_COOKIE_CLIENT_LEN);
	memcpy(msg + BOLT_COOKIE_CLIENT_LEN, head, 8);
	memcpy(msg + BOLT_COOKIE_CLIENT_LEN + 8, addr, alen);
	uint64_t h = bolt_siphash24(secret, msg, BOLT_COOKIE_CLIENT_LEN + 8 + alen);
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(h >> (8 * i));
}

void bolt_cookie_make(uint8_t out[BOLT_COOKIE_SERVER_LEN], const uint8_t cc[BOLT_COOKIE_CLIENT_LEN],
                      const uint8_t *addr, size_t alen, uint32_t now,
                      const uint8_t secret[BOLT_COOKIE_SECRET_LEN])
{
	out[0] = 1;
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(now >> 24);
	out[5] = (uint8_t)(now >> 16);
	out[6] = (uint8_t)(now >> 8);
	out[7] = (uint8_t)now;
	cookie_hash(out + 8, cc, out, addr, alen, secret);
}

/* Constant time: how much of the hash matched must not leak. */
static bool same8(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;
	for (int i = 0; i < 8; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

bool bolt_cookie_valid(const uint8_t cc[BOLT_COOKIE_CLIENT_LEN], const uint8_t *sc, size_t sclen,
                       const uint8_t *addr, size_t alen, uint32_t now,
                       const uint8_t secret[BOLT_COOKIE_SECRET_LEN], const uint8_t *prev)
{
	if (sclen != BOLT_COOKIE_SERVER_LEN || sc[0] != 1)
		return false;
	uint32_t ts = (uint32_t)sc[4] << 24 | (uint32_t)sc[5] << 16 | (uint32_t)sc[6] << 8 | sc[7];
	/* Serial arithmetic (RFC 1982): age as a signed difference. */
	int32_t age = (int32_t)(now - ts);
	if (age > BOLT_COOKIE_MAX_AGE || age < -BOLT_COOKIE_MAX_AHEAD)
		return false;
	uint8_t h[8];
	cookie_hash(h, cc, sc, addr, alen, secret);
	if (same8(h, sc + 8))
		return true;
	if (!prev)
		return false;
	cookie_hash(h, cc, sc, addr, alen, prev);
	return same8(h, sc + 8);
}
