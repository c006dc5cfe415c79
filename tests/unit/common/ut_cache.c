/*
 * A cache of the unit tests in process memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boltdns/wire.h"
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

int ut_cache_find(struct bolt_cache *c, const char *name, uint16_t type, bool do_bit,
                  uint32_t now, struct bolt_cache_out *out)
{
	static uint8_t sections[BOLT_MSG_MAX];
	static uint16_t ttl_off[4096];
	struct bolt_cache_key k;
	memset(&k, 0, sizeof(k));
	int l = bolt_name_from_text(name, k.name);
	assert_true(l > 0);
	bolt_name_lower(k.name, (size_t)l);
	k.name_len = (uint8_t)l;
	k.qtype = type;
	k.qclass = BOLT_CLASS_IN;
	k.do_bit = do_bit;
	bolt_cache_key_hash(c, &k);
	memset(out, 0, sizeof(*out));
	out->sections = sections;
	out->cap = sizeof(sections);
	out->ttl_off = ttl_off;
	out->ttl_cap = 4096;
	return bolt_cache_lookup(c, &k, now, out);
}
