/*
 * One's complement sums (RFC 1071) for the hit path's checksums, inline so
 * that the answer builder (lib/answer) and the dataplane's specialised hit
 * path (dataplane/fastpath.c) compute them the same way, with no call per
 * packet.
 *
 * A partial sum is a 64-bit accumulator with end-around carry over bytes
 * in memory order; bolt_csum_fold folds it to 16 bits (still in memory
 * order). All functions are pure; any thread.
 */
#ifndef BOLTDNS_CSUM_H
#define BOLTDNS_CSUM_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One 8-byte word of p added to sum. */
static inline uint64_t bolt_csum_word(uint64_t sum, const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	sum += w;
	return sum + (sum < w);
}

/* sum + the bytes p[0..n): 32 a turn, then what is left by the bits of its
 * length (no loop turn per word for the few dozen bytes of a question or
 * an answer's records). */
static inline uint64_t bolt_csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	for (; n >= 32; p += 32, n -= 32) {
		sum = bolt_csum_word(sum, p);
		sum = bolt_csum_word(sum, p + 8);
		sum = bolt_csum_word(sum, p + 16);
		sum = bolt_csum_word(sum, p + 24);
	}
	if (n & 16) {
		sum = bolt_csum_word(sum, p);
		sum = bolt_csum_word(sum, p + 8);
		p += 16;
	}
	if (n & 8) {
		sum = bolt_csum_word(sum, p);
		p += 8;
	}
	uint64_t t = 0;
	if (n & 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		t += w;
		p += 4;
	}
	if (n & 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		t += w;
		p += 2;
	}
	if (n & 1) {
		/* An odd last byte is the first byte of a word padded with 0. */
		uint8_t tmp[2] = { p[0], 0 };
		uint16_t w;
		memcpy(&w, tmp, 2);
		t += w;
	}
	sum += t;
	return sum + (sum < t);
}

/* a + b with the end-around carry. */
static inline uint64_t bolt_csum_plus(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

/* sum + a 16-bit value given in host order (as it would sit in memory). */
static inline uint64_t bolt_csum_add16(uint64_t sum, uint16_t host)
{
	uint16_t w = htobe16(host);
	sum += w;
	return sum + (sum < w);
}

/* The 16-bit fold of a partial sum (memory order; 0 only for a sum of 0). */
static inline uint16_t bolt_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The sum times 2^8 (mod 2^64 - 1, a multiple of 0xffff): what folding it
 * would give, byte-swapped (RFC 1071 2.B), without folding. */
static inline uint64_t bolt_csum_rol8(uint64_t sum)
{
	return sum << 8 | sum >> 56;
}

/* The memory-order sum of bytes that sit at offset off, given their sum as
 * if at an even one: the same sum byte-swapped when off is odd. */
static inline uint64_t bolt_csum_at(uint64_t sum, size_t off)
{
	return (off & 1) ? bolt_csum_rol8(sum) : sum;
}

/* Memory-order sum of 16-bit values given in host order (header fields);
 * value_sum < 2^56. */
static inline uint64_t bolt_csum_val(uint64_t value_sum)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return bolt_csum_rol8(value_sum);
#else
	return value_sum;
#endif
}

#endif
