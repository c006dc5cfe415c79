/*
 * The dataplane unit tests' random numbers: xorshift64 from a fixed seed,
 * so a failing run repeats. A test that wants its own sequence defines
 * TEST_RNG_SEED before including this.
 */
#ifndef BOLTDNS_TEST_RNG_H
#define BOLTDNS_TEST_RNG_H

#include <stdint.h>

#ifndef TEST_RNG_SEED
#define TEST_RNG_SEED 0x9e3779b97f4a7c15ull
#endif

static uint64_t rng = TEST_RNG_SEED;

/* A number in 0..n-1 (n > 0). */
static inline uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32) % n;
}

#endif
