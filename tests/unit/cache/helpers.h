/*
 * Helpers shared by the cache tests: keys from dotted names, values with a
 * recognisable pattern.
 */
#ifndef BOLTDNS_TEST_CACHE_HELPERS_H
#define BOLTDNS_TEST_CACHE_HELPERS_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/cache.h"

/* Dotted name ("www.example.com" or "." for the root) to lower-case wire form. */
static inline size_t test_wire_name(const char *dotted, uint8_t *out)
{
	size_t pos = 0;
	if (strcmp(dotted, ".") != 0) {
		const char *p = dotted;
		while (*p) {
			const char *dot = strchr(p, '.');
			size_t l = dot ? (size_t)(dot - p) : strlen(p);
			out[pos++] = (uint8_t)l;
			for (size_t i = 0; i < l; i++)
				out[pos++] = (uint8_t)tolower((unsigned char)p[i]);
			p += l;
			if (*p == '.')
				p++;
		}
	}
	out[pos++] = 0;
	return pos;
}

/* The cache whose secret test_key hashes with: set it where a cache is
 * created or attached (a hash is only valid for its cache). */
static const struct bolt_cache *test_hash_cache;

static inline void test_key(struct bolt_cache_key *k, const char *dotted, uint16_t qtype,
                            uint16_t qclass, uint8_t do_bit)
{
	memset(k, 0, sizeof(*k));
	k->name_len = (uint8_t)test_wire_name(dotted, k->name);
	k->qtype = qtype;
	k->qclass = qclass;
	k->do_bit = do_bit;
	bolt_cache_key_hash(test_hash_cache, k);
}

/* Key number i: "h<i>.test." */
static inline void test_key_n(struct bolt_cache_key *k, unsigned i, uint16_t qtype)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "h%u.test", i);
	test_key(k, buf, qtype, 1, 0);
}

/* Value of len bytes filled with a pattern derived from seed. */
static inline void test_fill(uint8_t *buf, uint32_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	for (uint32_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

static inline struct bolt_cache_val test_val(uint32_t len, uint16_t nttl, uint32_t expires,
                                             uint8_t kind)
{
	struct bolt_cache_val v;
	memset(&v, 0, sizeof(v));
	v.flags = 0x8180;
	v.ancount = 1;
	v.qsize = 17;
	v.nttl = nttl;
	v.len = len;
	v.expires = expires;
	v.kind = kind;
	return v;
}

#endif
