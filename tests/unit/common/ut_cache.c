/*
 * A cache of the unit tests in process memory.
 */
#include <stdlib.h>
#include <string.h>

#include "ut_cache.h"

int ut_cache_setup(void **state)
{
	struct ut_cache *f = calloc(1, sizeof(*f));
	f->mem = aligned_alloc(4096, UT_CACHE_SIZE);
	memset(f->mem, 0, UT_CACHE_SIZE);
	int err = 0;
	f->c = bolt_cache_format(f->mem, UT_CACHE_SIZE, 1, &err);
	if (f->c == NULL)
		return -1;
	*state = f;
	return 0;
}

int ut_cache_teardown(void **state)
{
	struct ut_cache *f = *state;
	free(f->mem);
	free(f);
	return 0;
}
