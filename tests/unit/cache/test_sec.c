/*
 * The cache with DNSSEC: the status byte is stored and read back, the byte
 * after it stays zero whatever a writer passes; a value written without a
 * status (zeroed, as every entry before) reads as unchecked, also through a
 * region detached and attached again; the CD key bit is a key of its own,
 * while a do_bit of 0/1 (or any other non-zero value without CD, as before)
 * is the key it always was; walks report the CD bit; deletes take CD
 * entries too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "boltdns/cache.h"
#include "boltdns/region.h"

struct fixture {
	char path[128];
	struct bolt_region *r;
	uint8_t sections[256];
	uint16_t ttl[4];
};

static int setup(void **state)
{
	static struct fixture fx;
	struct fixture *f = &fx;
	int err;
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/dev/shm/boltdns-ut-cachesec-%d", (int)getpid());
	struct bolt_region_params p = { .path = f->path, .size = 32u << 20, .ring_slots = 16,
	                                .wipe = true };
	f->r = bolt_region_create(&p, &err);
	if (!f->r) {
		fprintf(stderr, "region: %s\n", bolt_strerror(err));
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->r)
		bolt_region_detach(f->r);
	unlink(f->path);
	return 0;
}

static void key(struct bolt_cache *c, struct bolt_cache_key *k, uint8_t do_bit)
{
	static const uint8_t name[] = "\3www\7example\3com";
	memset(k, 0, sizeof(*k));
	memcpy(k->name, name, sizeof(name));
	k->name_len = sizeof(name);
	k->qtype = 1;
	k->qclass = 1;
	k->do_bit = do_bit;
	bolt_cache_key_hash(c, k);
}

/* Insert a 10-byte value whose first byte is tag, with status and the
 * spare byte set to junk. */
static void put(struct fixture *f, uint8_t do_bit, uint8_t tag, uint8_t status)
{
	struct bolt_cache_key k;
	struct bolt_cache_val v;
	uint8_t sec[10] = { tag };
	memset(&v, 0, sizeof(v));
	v.flags = 0x8180;
	v.qsize = 21;
	v.len = sizeof(sec);
	v.expires = bolt_now() + 300;
	v.status = status;
	v.policy = BOLT_CACHE_POLICY_IP;
	key(f->r->cache, &k, do_bit);
	assert_int_equal(bolt_cache_insert(f->r->cache, &k, &v, NULL, sec), 0);
}

/* Look up under do_bit; returns the code, *tag the value's first byte. */
static int get(struct fixture *f, uint8_t do_bit, struct bolt_cache_out *o, uint8_t *tag)
{
	struct bolt_cache_key k;
	key(f->r->cache, &k, do_bit);
	memset(o, 0, sizeof(*o));
	o->sections = f->sections;
	o->cap = sizeof(f->sections);
	o->ttl_off = f->ttl;
	o->ttl_cap = 4;
	int rc = bolt_cache_lookup(f->r->cache, &k, bolt_now(), o);
	*tag = f->sections[0];
	return rc;
}

static void test_status_stored(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_out o;
	uint8_t tag;
	static const uint8_t st[] = { BOLT_SEC_UNCHECKED, BOLT_SEC_SECURE, BOLT_SEC_INSECURE,
	                              BOLT_SEC_BOGUS, BOLT_SEC_INDETERMINATE };
	for (unsigned i = 0; i < sizeof(st); i++) {
		put(f, 1, (uint8_t)i, st[i]);
		assert_int_equal(get(f, 1, &o, &tag), 0);
		assert_int_equal(tag, i);
		assert_int_equal(o.val.status, st[i]);
		assert_int_equal(o.val.policy, BOLT_CACHE_POLICY_IP);
	}
}

/* A zeroed status (what every writer before the status wrote) is
 * unchecked, also after the region is attached again by a new process. */
static void test_old_entry_unchecked(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_out o;
	uint8_t tag;
	put(f, 0, 9, 0);
	put(f, 1, 10, BOLT_SEC_SECURE);
	bolt_region_detach(f->r);
	int err;
	f->r = bolt_region_attach(f->path, &err);
	assert_non_null(f->r);
	assert_int_equal(get(f, 0, &o, &tag), 0);
	assert_int_equal(tag, 9);
	assert_int_equal(o.val.status, BOLT_SEC_UNCHECKED);
	assert_int_equal(get(f, 1, &o, &tag), 0);
	assert_int_equal(tag, 10);
	assert_int_equal(o.val.status, BOLT_SEC_SECURE);
}

static int walk_cb(const struct bolt_cache_key *k, const struct bolt_cache_out *o, void *arg)
{
	unsigned *seen = arg;
	assert_true(k->do_bit <= (BOLT_CACHE_KEY_DO | BOLT_CACHE_KEY_CD));
	seen[k->do_bit] += 1;
	assert_int_equal(o->sections[0], 20 + k->do_bit);
	return 0;
}

/* Four keys from DO x CD; do_bit values other than 0/1 without CD are DO. */
static void test_cd_key(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_out o;
	uint8_t tag;
	for (uint8_t d = 0; d < 4; d++)
		put(f, d, (uint8_t)(20 + d), d & BOLT_CACHE_KEY_CD ? BOLT_SEC_BOGUS : BOLT_SEC_SECURE);
	for (uint8_t d = 0; d < 4; d++) {
		assert_int_equal(get(f, d, &o, &tag), 0);
		assert_int_equal(tag, 20 + d);
	}
	/* The old normalisation of DO: any non-zero value is DO=1. */
	struct bolt_cache_key a, b;
	key(f->r->cache, &a, 1);
	key(f->r->cache, &b, 0x80);
	assert_true(a.hash == b.hash);
	assert_int_equal(get(f, 0x80, &o, &tag), 0);
	assert_int_equal(tag, 21);
	assert_int_equal(get(f, 0xfd, &o, &tag), 0); /* 0xfd: DO, no CD */
	assert_int_equal(tag, 21);
	key(f->r->cache, &b, BOLT_CACHE_KEY_CD);
	assert_true(a.hash != b.hash);

	unsigned seen[4] = { 0 };
	assert_int_equal(bolt_cache_walk(f->r->cache, walk_cb, seen), 0);
	for (unsigned d = 0; d < 4; d++)
		assert_int_equal(seen[d], 1);

	assert_int_equal(bolt_cache_delete(f->r->cache, a.name, a.name_len, 1), 4);
	for (uint8_t d = 0; d < 4; d++)
		assert_int_equal(get(f, d, &o, &tag), BOLT_ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_entry_unchecked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cd_key, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
