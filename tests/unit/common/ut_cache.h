/*
 * A cache of the unit tests in process memory (ut_cache.c, linked in through
 * unit_common_dep): 16 MiB, one shard, formatted afresh for each test.
 */
#ifndef BOLTDNS_TEST_UT_CACHE_H
#define BOLTDNS_TEST_UT_CACHE_H

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

#endif
