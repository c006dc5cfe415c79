/*
 * A cache of the unit tests in process memory (ut_cache.c, linked in through
 * unit_common_dep): 16 MiB, one shard, formatted afresh for each test; and
 * a look-up by name text in any cache.
 */
#ifndef BOLTDNS_TEST_UT_CACHE_H
#define BOLTDNS_TEST_UT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "boltdns/cache.h"

#define UT_CACHE_SIZE (16u << 20)

struct ut_cache {
	void *mem;             /* UT_CACHE_SIZE bytes, page-aligned */
	struct bolt_cache *c;
};

/* cmocka fixtures: *state becomes a struct ut_cache with an empty cache;
 * teardown frees it. */
int ut_cache_setup(void **state);
int ut_cache_teardown(void **state);

/* Look (name text, type, IN, do_bit) up in c at now, the name lower-cased:
 * bolt_cache_lookup's result, with out filled (its sections and TTL offsets
 * in static storage, overwritten by the next call). Fails the test when the
 * name does not parse. */
int ut_cache_find(struct bolt_cache *c, const char *name, uint16_t type, bool do_bit,
                  uint32_t now, struct bolt_cache_out *out);

#endif
