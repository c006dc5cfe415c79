/*
 * ASCII lower-casing of a validated wire name into another buffer, and the
 * check of a question's QNAME before it, inline:
 * the query parser (lib/wire/query.c) and the dataplane's specialised hit
 * path (dataplane/fastpath.c) lower-case the QNAME straight into the cache
 * key with it. A length byte is <= 63, below 'A', so it passes unchanged.
 * Pure; any thread.
 */
#ifndef BOLTDNS_WIRE_LOWER_H
#define BOLTDNS_WIRE_LOWER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "boltdns/wire.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Lower-case the ASCII letters of 8 bytes at once (a byte's high bit,
 * after adding, says whether it lies in 'A'..'Z'). */
static inline uint64_t bolt_lower8(uint64_t x)
{
	const uint64_t h = 0x8080808080808080ull;
	uint64_t b = x & ~h;
	uint64_t ge_a = b + 0x3f3f3f3f3f3f3f3full;    /* >= 'A': 0x41 + 0x3f = 0x80 */
	uint64_t gt_z = b + 0x2525252525252525ull;    /* > 'Z': 0x5b + 0x25 = 0x80 */
	uint64_t upper = (ge_a & ~gt_z) & ~x & h;
	return x | (upper >> 2);
}

/* lc[0..n) = name[0..n) with 'A'..'Z' lower-cased; n <= 255, the buffers
 * do not overlap. */
static inline void bolt_wire_lower_into(uint8_t *lc, const uint8_t *name, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	if (n >= 16) {
		/* 16 bytes at a time, the last block overlapping the one
		 * before (lower-casing a byte twice gives the same byte) */
		const __m128i a_off = _mm_set1_epi8((char)(0x80 - 'A'));
		const __m128i lim26 = _mm_set1_epi8((char)(0x80 + 26));
		const __m128i bit = _mm_set1_epi8(0x20);
		for (;; i += 16) {
			if (i + 16 > n)
				i = n - 16;
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(name + i));
			/* x - 'A' < 26 unsigned, as a signed compare shifted by 0x80 */
			__m128i up = _mm_cmplt_epi8(_mm_add_epi8(x, a_off), lim26);
			_mm_storeu_si128((__m128i *)(void *)(lc + i),
			                 _mm_or_si128(x, _mm_and_si128(up, bit)));
			if (i + 16 >= n)
				break;
		}
		return;
	}
#endif
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, name + i, 8);
		w = bolt_lower8(w);
		memcpy(lc + i, &w, 8);
	}
	for (; i < n; i++)
		lc[i] = (uint8_t)(name[i] | ((uint8_t)(name[i] - 'A') < 26u) << 5);
}

/* The length of the uncompressed QNAME at name[0..avail) with its root
 * byte, checked as a question's name: labels of at most 63 bytes, 255 bytes
 * in all, within avail. Returns it (<= BOLT_NAME_MAX), or BOLT_ETRUNC (the
 * packet ends first), BOLT_ECOMPR (a pointer), BOLT_ELABEL, BOLT_ENAME.
 * The query parser (lib/wire/query.c) and the dataplane's specialised hit
 * path (dataplane/fastpath.c) take the name with it. */
static inline int bolt_wire_qname_scan(const uint8_t *name, size_t avail)
{
	size_t lim = avail < BOLT_NAME_MAX - 1 ? avail : BOLT_NAME_MAX - 1;
	size_t n = 0;
	for (;;) {
		if (bolt_unlikely(n >= avail))
			return BOLT_ETRUNC;
		uint8_t l = name[n];
		if (l == 0)
			break;
		if (bolt_unlikely(l > BOLT_LABEL_MAX))
			return (l & 0xc0) == 0xc0 ? BOLT_ECOMPR : BOLT_ELABEL;
		/* the label and the byte after it must fit the name's 255
		 * bytes (else BOLT_ENAME) and the packet (else BOLT_ETRUNC):
		 * one test for both while neither fails */
		if (bolt_unlikely(n + l >= lim))
			return n + 1 + l + 1 > BOLT_NAME_MAX ? BOLT_ENAME : BOLT_ETRUNC;
		n += (size_t)l + 1;
	}
	return (int)(n + 1);
}

#endif
