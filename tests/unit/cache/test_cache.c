/*
 * Cache operations on a cache formatted in ordinary memory: insert, lookup,
 * burst lookup, replace, expiry, eviction at capacity, deletes, walk, stats,
 * large values, header validation, recovery from a dead lock owner.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <xxhash.h>

#include "boltdns/cache.h"
#include "helpers.h"

struct fixture {
	void *mem;
	uint64_t size;
	struct bolt_cache *c;
	uint8_t sec[65536];
	uint16_t ttl[4096];
	uint8_t buf[65536];
	uint16_t tbuf[4096];
};

static struct fixture *fixture_new(uint64_t size, uint32_t shards)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->size = size;
	f->mem = aligned_alloc(4096, size);
	assert_non_null(f->mem);
	memset(f->mem, 0, size);
	int err = 1;
	f->c = bolt_cache_format(f->mem, size, shards, &err);
	assert_non_null(f->c);
	test_hash_cache = f->c;
	assert_int_equal(err, 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	free(f->mem);
	free(f);
}

static int setup(void **state)
{
	*state = fixture_new(16u << 20, 4);
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

static struct bolt_cache_out out_of(struct fixture *f)
{
	struct bolt_cache_out o = { .ttl_off = f->tbuf, .ttl_cap = 4096, .sections = f->buf,
	                            .cap = sizeof(f->buf) };
	return o;
}

static void put(struct fixture *f, const struct bolt_cache_key *k, uint32_t len, uint16_t nttl,
                uint32_t expires, uint8_t kind, uint32_t seed)
{
	struct bolt_cache_val v = test_val(len, nttl, expires, kind);
	test_fill(f->sec, len, seed);
	for (uint16_t i = 0; i < nttl; i++)
		f->ttl[i] = (uint16_t)(i * 16 + seed % 7);
	assert_int_equal(bolt_cache_insert(f->c, k, &v, f->ttl, f->sec), 0);
}

/* Look k up and check the value has the pattern of seed. */
static int get_check(struct fixture *f, const struct bolt_cache_key *k, uint32_t len,
                     uint16_t nttl, uint32_t seed)
{
	struct bolt_cache_out o = out_of(f);
	int rc = bolt_cache_lookup(f->c, k, bolt_now(), &o);
	if (rc == 0 || rc == BOLT_EEXPIRED) {
		uint8_t want[65536];
		test_fill(want, len, seed);
		assert_int_equal(o.val.len, len);
		assert_int_equal(o.val.nttl, nttl);
		assert_memory_equal(o.sections, want, len);
		for (uint16_t i = 0; i < nttl; i++)
			assert_int_equal(o.ttl_off[i], (uint16_t)(i * 16 + seed % 7));
	}
	return rc;
}

static void test_insert_lookup(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	uint32_t now = bolt_now();
	test_key(&k, "www.example.com", 1, 1, 0);
	put(f, &k, 100, 3, now + 300, BOLT_CACHE_POSITIVE, 42);
	assert_int_equal(get_check(f, &k, 100, 3, 42), 0);

	struct bolt_cache_out o = out_of(f);
	assert_int_equal(bolt_cache_lookup(f->c, &k, now, &o), 0);
	assert_int_equal(o.val.flags, 0x8180);
	assert_int_equal(o.val.qsize, 17);
	assert_int_equal(o.val.expires, now + 300);
	assert_true(o.val.inserted >= now && o.val.inserted <= bolt_now());
	assert_int_equal(o.val.kind, BOLT_CACHE_POSITIVE);
}

static void test_miss_other_keys(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k, m;
	uint32_t now = bolt_now();
	test_key(&k, "www.example.com", 1, 1, 0);
	put(f, &k, 40, 1, now + 300, BOLT_CACHE_POSITIVE, 1);

	struct bolt_cache_out o = out_of(f);
	test_key(&m, "www.example.com", 28, 1, 0);
	assert_int_equal(bolt_cache_lookup(f->c, &m, now, &o), BOLT_ENOENT);
	test_key(&m, "www.example.com", 1, 3, 0);
	assert_int_equal(bolt_cache_lookup(f->c, &m, now, &o), BOLT_ENOENT);
	test_key(&m, "www.example.com", 1, 1, 1);
	assert_int_equal(bolt_cache_lookup(f->c, &m, now, &o), BOLT_ENOENT);
	test_key(&m, "ww.example.com", 1, 1, 0);
	assert_int_equal(bolt_cache_lookup(f->c, &m, now, &o), BOLT_ENOENT);
	/* same hash, different name: the full key decides, not the hash */
	m = k;
	m.name[1] = 'x';
	assert_int_equal(bolt_cache_lookup(f->c, &m, now, &o), BOLT_ENOENT);
	/* an empty name is never a hit */
	memset(&m, 0, sizeof(m));
	assert_int_equal(bolt_cache_lookup(f->c, &m, now, &o), BOLT_ENOENT);
}

static void test_replace(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	struct bolt_cache_stats st;
	uint32_t now = bolt_now();
	test_key(&k, "example.org", 15, 1, 1);
	put(f, &k, 10, 0, now + 60, BOLT_CACHE_POSITIVE, 5);
	put(f, &k, 500, 7, now + 600, BOLT_CACHE_POSITIVE, 6);
	assert_int_equal(get_check(f, &k, 500, 7, 6), 0);
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.inserts, 2);
	assert_int_equal(st.replaces, 1);
}

static void test_expiry(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k, s;
	uint32_t now = bolt_now();
	test_key(&k, "old.example", 1, 1, 0);
	put(f, &k, 30, 1, now - 1, BOLT_CACHE_POSITIVE, 9);
	/* expired: a miss, but the data comes along for serve-stale */
	assert_int_equal(get_check(f, &k, 30, 1, 9), BOLT_EEXPIRED);

	struct bolt_cache_out o = out_of(f);
	test_key(&k, "soon.example", 1, 1, 0);
	put(f, &k, 30, 1, now + 10, BOLT_CACHE_POSITIVE, 9);
	assert_int_equal(bolt_cache_lookup(f->c, &k, now, &o), 0);
	assert_int_equal(bolt_cache_lookup(f->c, &k, now + 10, &o), BOLT_EEXPIRED);
	assert_int_equal(bolt_cache_lookup(f->c, &k, now + 1000, &o), BOLT_EEXPIRED);

	test_key(&s, "static.example", 1, 1, 0);
	put(f, &s, 30, 1, BOLT_CACHE_EXPIRES_NEVER, BOLT_CACHE_STATIC, 3);
	assert_int_equal(bolt_cache_lookup(f->c, &s, UINT32_MAX - 1, &o), 0);
}

static void test_espace(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	test_key(&k, "big.example", 16, 1, 0);
	put(f, &k, 1000, 20, bolt_now() + 100, BOLT_CACHE_POSITIVE, 1);
	struct bolt_cache_out o = out_of(f);
	o.cap = 999;
	assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o), BOLT_ESPACE);
	assert_int_equal(o.val.len, 1000); /* tells the caller what it needs */
	o = out_of(f);
	o.ttl_cap = 19;
	assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o), BOLT_ESPACE);
	o.ttl_cap = 20;
	assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o), 0);
}

static void test_bad_insert(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	struct bolt_cache_val v = test_val(10, 0, bolt_now() + 10, 0);
	memset(&k, 0, sizeof(k));
	assert_int_equal(bolt_cache_insert(f->c, &k, &v, NULL, f->sec), -EINVAL);
	test_key(&k, "a.example", 1, 1, 0);
	assert_int_equal(bolt_cache_insert(f->c, &k, &v, NULL, NULL), -EINVAL);
	v.nttl = 1;
	assert_int_equal(bolt_cache_insert(f->c, &k, &v, NULL, f->sec), -EINVAL);
	v = test_val(65536, 0, bolt_now() + 10, 0);
	uint8_t *big = calloc(1, 65536);
	assert_int_equal(bolt_cache_insert(f->c, &k, &v, NULL, big), BOLT_ETOOBIG);
	free(big);
}

static void test_64k_value(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	test_key(&k, "huge.example", 255, 1, 1);
	put(f, &k, 65535, 4000, bolt_now() + 100, BOLT_CACHE_POSITIVE, 77);
	assert_int_equal(get_check(f, &k, 65535, 4000, 77), 0);
}

static void test_delete(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	uint32_t exp = bolt_now() + 100;
	uint8_t name[256];
	size_t nl = test_wire_name("d.example", name);

	test_key(&k, "d.example", 1, 1, 0);
	put(f, &k, 8, 0, exp, 0, 1);
	test_key(&k, "d.example", 1, 1, 1);
	put(f, &k, 8, 0, exp, 0, 1);
	test_key(&k, "d.example", 1, 3, 0);
	put(f, &k, 8, 0, exp, 0, 1);
	test_key(&k, "d.example", 28, 1, 0);
	put(f, &k, 8, 0, exp, 0, 1);
	test_key(&k, "x.d.example", 1, 1, 0);
	put(f, &k, 8, 0, exp, 0, 1);

	/* type 1 in every class and DO value */
	assert_int_equal(bolt_cache_delete(f->c, name, nl, 1), 3);
	struct bolt_cache_out o = out_of(f);
	test_key(&k, "d.example", 1, 1, 0);
	assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o), BOLT_ENOENT);
	test_key(&k, "d.example", 28, 1, 0);
	assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o), 0);
	/* type 0: every type; the child name stays */
	assert_int_equal(bolt_cache_delete(f->c, name, nl, 0), 1);
	assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o), BOLT_ENOENT);
	test_key(&k, "x.d.example", 1, 1, 0);
	assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o), 0);
	assert_int_equal(bolt_cache_delete(f->c, name, nl, 0), 0);
	assert_int_equal(bolt_cache_delete(f->c, name, 0, 0), -EINVAL);

	struct bolt_cache_stats st;
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.deletes, 4);
}

static void test_delete_zone(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	uint32_t exp = bolt_now() + 100;
	const char *names[] = { "example.com", "www.example.com", "a.b.example.com",
		                "xexample.com", "example.net", "com" };
	for (unsigned i = 0; i < BOLT_ARRAY_SIZE(names); i++) {
		test_key(&k, names[i], 1, 1, 0);
		put(f, &k, 8, 0, exp, 0, i);
	}
	uint8_t zone[256];
	size_t zl = test_wire_name("example.com", zone);
	assert_int_equal(bolt_cache_delete_zone(f->c, zone, zl), 3);
	struct bolt_cache_out o = out_of(f);
	for (unsigned i = 0; i < BOLT_ARRAY_SIZE(names); i++) {
		test_key(&k, names[i], 1, 1, 0);
		assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o),
		                 i < 3 ? BOLT_ENOENT : 0);
	}
	zl = test_wire_name(".", zone);
	assert_int_equal(bolt_cache_delete_zone(f->c, zone, zl), 3);
	struct bolt_cache_stats st;
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.entries, 0);
}

static void test_delete_kind_flush(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	uint32_t exp = bolt_now() + 100;
	for (unsigned i = 0; i < 300; i++) {
		test_key_n(&k, i, 1);
		put(f, &k, 20, 1, exp, (uint8_t)(i % 3), i);
	}
	assert_int_equal(bolt_cache_delete_kind(f->c, BOLT_CACHE_NXDOMAIN), 100);
	struct bolt_cache_out o = out_of(f);
	for (unsigned i = 0; i < 300; i++) {
		test_key_n(&k, i, 1);
		assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o),
		                 i % 3 == BOLT_CACHE_NXDOMAIN ? BOLT_ENOENT : 0);
	}
	bolt_cache_flush(f->c);
	struct bolt_cache_stats st;
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes_used, 0);
	for (unsigned i = 0; i < 300; i++) {
		test_key_n(&k, i, 1);
		assert_int_equal(bolt_cache_lookup(f->c, &k, bolt_now(), &o), BOLT_ENOENT);
	}
	/* still usable after a flush */
	test_key_n(&k, 1, 1);
	put(f, &k, 20, 1, exp, 0, 1);
	assert_int_equal(get_check(f, &k, 20, 1, 1), 0);
}

struct walk_state {
	unsigned seen;
	unsigned bad;
	unsigned stop_after;
};

static int walk_cb(const struct bolt_cache_key *key, const struct bolt_cache_out *out, void *arg)
{
	struct walk_state *w = arg;
	uint8_t want[64];
	unsigned i;
	/* the pattern seed is the number in the name "h<i>" */
	if (sscanf((const char *)key->name + 2, "%u", &i) != 1 || out->val.len != 20)
		w->bad++;
	test_fill(want, 20, i);
	if (memcmp(want, out->sections, 20) != 0)
		w->bad++;
	struct bolt_cache_key k;
	test_key_n(&k, i, 1);
	if (k.hash != key->hash)
		w->bad++;
	w->seen++;
	return w->stop_after && w->seen == w->stop_after ? 7 : 0;
}

static void test_walk(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	for (unsigned i = 0; i < 1000; i++) {
		test_key_n(&k, i, 1);
		put(f, &k, 20, 1, bolt_now() + 100, 0, i);
	}
	struct walk_state w = { 0, 0, 0 };
	assert_int_equal(bolt_cache_walk(f->c, walk_cb, &w), 0);
	assert_int_equal(w.seen, 1000);
	assert_int_equal(w.bad, 0);
	w = (struct walk_state){ 0, 0, 10 };
	assert_int_equal(bolt_cache_walk(f->c, walk_cb, &w), 7);
	assert_int_equal(w.seen, 10);
}

static void test_burst(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key keys[64];
	const struct bolt_cache_key *kp[64];
	struct bolt_cache_out outs[64];
	static uint8_t bufs[64][256];
	static uint16_t tbufs[64][8];
	int rc[64];
	uint32_t now = bolt_now();

	for (unsigned i = 0; i < 64; i++) {
		test_key_n(&keys[i], i, 1);
		kp[i] = &keys[i];
		outs[i] = (struct bolt_cache_out){ .ttl_off = tbufs[i], .ttl_cap = 8,
			                           .sections = bufs[i], .cap = 256 };
		if (i % 2 == 0)
			put(f, &keys[i], 100 + i, 2, now + 100, 0, i);
		else if (i % 4 == 1)
			put(f, &keys[i], 10, 0, now - 5, 0, i);
	}
	unsigned hits = bolt_cache_lookup_burst(f->c, kp, 64, now, outs, rc);
	assert_int_equal(hits, 32);
	for (unsigned i = 0; i < 64; i++) {
		if (i % 2 == 0) {
			uint8_t want[256];
			test_fill(want, 100 + i, i);
			assert_int_equal(rc[i], 0);
			assert_int_equal(outs[i].val.len, 100 + i);
			assert_memory_equal(outs[i].sections, want, 100 + i);
		} else {
			assert_int_equal(rc[i], i % 4 == 1 ? BOLT_EEXPIRED : BOLT_ENOENT);
		}
		struct bolt_cache_out o = out_of(f);
		assert_int_equal(bolt_cache_lookup(f->c, &keys[i], now, &o), rc[i]);
	}
	/* n above 64 is clamped, n = 0 is nothing */
	assert_int_equal(bolt_cache_lookup_burst(f->c, kp, 0, now, outs, rc), 0);
}

/*
 * Keys that share a hash (so a tag, a bucket and the record's hash field) but
 * differ in one name byte, at every name length and at the first, a middle
 * and the last byte: each lookup finds its own entry and nothing else, single
 * and in a burst (the name compare is word-wise with an overlapping tail).
 */
static void test_same_hash_names(void **state)
{
	struct fixture *f = *state;
	uint32_t now = bolt_now();
	static uint8_t bufs[3][256];
	static uint16_t tbufs[3][8];

	for (unsigned len = 1; len <= 255; len++) {
		struct bolt_cache_key a, b, absent;
		memset(&a, 0, sizeof(a));
		for (unsigned i = 0; i < len; i++)
			a.name[i] = (uint8_t)('a' + (len + i) % 26);
		a.name_len = (uint8_t)len;
		a.qtype = 1;
		a.qclass = 1;
		bolt_cache_key_hash(f->c, &a);
		unsigned pos[3] = { 0, len / 2, len - 1 };
		for (unsigned j = 0; j < 3; j++) {
			b = a;
			b.name[pos[j]] ^= 0x20;
			absent = a;
			absent.name[pos[j]] ^= 0x01;
			put(f, &a, 20, 1, now + 100, 0, len);
			put(f, &b, 30, 1, now + 100, 0, len + 1000);
			assert_int_equal(get_check(f, &a, 20, 1, len), 0);
			assert_int_equal(get_check(f, &b, 30, 1, len + 1000), 0);
			assert_int_equal(get_check(f, &absent, 0, 0, 0), BOLT_ENOENT);

			const struct bolt_cache_key *kp[3] = { &absent, &b, &a };
			struct bolt_cache_out outs[3];
			int rc[3];
			for (unsigned i = 0; i < 3; i++)
				outs[i] = (struct bolt_cache_out){ .ttl_off = tbufs[i], .ttl_cap = 8,
					                           .sections = bufs[i], .cap = 256 };
			assert_int_equal(bolt_cache_lookup_burst(f->c, kp, 3, now, outs, rc), 2);
			assert_int_equal(rc[0], BOLT_ENOENT);
			assert_int_equal(rc[1], 0);
			assert_int_equal(outs[1].val.len, 30);
			assert_int_equal(rc[2], 0);
			assert_int_equal(outs[2].val.len, 20);
			assert_int_equal(bolt_cache_delete(f->c, a.name, len, 0), 1);
			assert_int_equal(bolt_cache_delete(f->c, b.name, len, 0), 1);
		}
	}
}

/*
 * Values of every length from 0 to 600 bytes with 0 to 40 TTL offsets, looked
 * up in bursts: each copy is exact and writes nothing past the value's length
 * in the caller's buffers (small values are copied with overlapping moves).
 */
static void test_value_lengths(void **state)
{
	struct fixture *f = *state;
	uint32_t now = bolt_now();
	enum { N = 601, BURST = 32, GUARD = 0xa5 };
	static struct bolt_cache_key keys[N];
	static uint8_t bufs[BURST][700];
	static uint16_t tbufs[BURST][48];

	for (unsigned i = 0; i < N; i++) {
		test_key_n(&keys[i], i, 1);
		put(f, &keys[i], i, (uint16_t)(i % 41), now + 100, 0, i);
	}
	for (unsigned base = 0; base < N; base += BURST) {
		unsigned n = N - base < BURST ? N - base : BURST;
		const struct bolt_cache_key *kp[BURST];
		struct bolt_cache_out outs[BURST];
		int rc[BURST];
		memset(bufs, GUARD, sizeof(bufs));
		memset(tbufs, GUARD, sizeof(tbufs));
		for (unsigned j = 0; j < n; j++) {
			kp[j] = &keys[base + j];
			outs[j] = (struct bolt_cache_out){ .ttl_off = tbufs[j], .ttl_cap = 48,
				                           .sections = bufs[j], .cap = 700 };
		}
		assert_int_equal(bolt_cache_lookup_burst(f->c, kp, n, now, outs, rc), n);
		for (unsigned j = 0; j < n; j++) {
			unsigned i = base + j;
			uint8_t want[700];
			test_fill(want, i, i);
			assert_int_equal(rc[j], 0);
			assert_int_equal(outs[j].val.len, i);
			assert_int_equal(outs[j].val.nttl, i % 41);
			assert_memory_equal(bufs[j], want, i);
			for (unsigned b = i; b < sizeof(bufs[j]); b++)
				assert_int_equal(bufs[j][b], GUARD);
			for (unsigned t = 0; t < i % 41; t++)
				assert_int_equal(tbufs[j][t], (uint16_t)(t * 16 + i % 7));
			const uint8_t *tb = (const uint8_t *)tbufs[j];
			for (unsigned b = 2 * (i % 41); b < sizeof(tbufs[j]); b++)
				assert_int_equal(tb[b], GUARD);
		}
	}
}

static void test_eviction_at_capacity(void **state)
{
	(void)state;
	/* a small cache filled ~40 times over */
	struct fixture *f = fixture_new(4u << 20, 2);
	struct bolt_cache_key k;
	struct bolt_cache_stats st;
	uint32_t exp = bolt_now() + 1000;
	const unsigned total = 200000;
	for (unsigned i = 0; i < total; i++) {
		test_key_n(&k, i, 1);
		put(f, &k, 200 + i % 300, 2, exp, 0, i);
	}
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.inserts, total);
	assert_true(st.evictions > 0);
	assert_true(st.entries < total);
	assert_int_equal(st.entries + st.evictions, total);
	assert_true(st.bytes_used <= st.bytes_total);
	/* the most recent entries are all present and intact */
	for (unsigned i = total - 500; i < total; i++) {
		test_key_n(&k, i, 1);
		assert_int_equal(get_check(f, &k, 200 + i % 300, 2, i), 0);
	}
	/* the oldest are gone */
	test_key_n(&k, 0, 1);
	assert_int_equal(get_check(f, &k, 200, 2, 0), BOLT_ENOENT);
	/* walk agrees with the counter */
	struct walk_state w = { 0, 0, 0 };
	bolt_cache_walk(f->c, walk_cb, &w);
	assert_int_equal(w.seen, st.entries);
	fixture_free(f);
}

static void test_expired_reclaimed(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(4u << 20, 1);
	struct bolt_cache_key k;
	struct bolt_cache_stats st;
	uint32_t now = bolt_now();
	for (unsigned i = 0; i < 100000; i++) {
		test_key_n(&k, i, 1);
		put(f, &k, 100, 1, now - 1, 0, i);
	}
	bolt_cache_get_stats(f->c, &st);
	assert_true(st.expirations > 0);
	assert_int_equal(st.evictions, 0);
	assert_int_equal(st.entries + st.expirations, 100000);
	fixture_free(f);
}

static void test_many_values_mixed(void **state)
{
	struct fixture *f = *state;
	struct bolt_cache_key k;
	uint32_t exp = bolt_now() + 1000;
	/* sizes from empty to large, all retrievable while the cache has room */
	for (unsigned i = 0; i < 200; i++) {
		test_key_n(&k, i, 16);
		put(f, &k, (i * 331) % 9000, (uint16_t)(i % 50), exp, 0, i);
	}
	for (unsigned i = 0; i < 200; i++) {
		test_key_n(&k, i, 16);
		assert_int_equal(get_check(f, &k, (i * 331) % 9000, (uint16_t)(i % 50), i), 0);
	}
}

/* Keys whose home bucket is the same: the layout's bucket formula (low 32
 * hash bits scaled to the bucket count) with a single shard. */
static unsigned same_bucket_keys(struct bolt_cache *c, struct bolt_cache_key *out, unsigned want)
{
	struct bolt_cache_stats st;
	bolt_cache_get_stats(c, &st);
	assert_int_equal(st.shards, 1);
	uint32_t target = UINT32_MAX;
	unsigned n = 0;
	/* the bucket of key 0 gets company eventually */
	for (unsigned i = 0; n < want && i < 10000000; i++) {
		struct bolt_cache_key k;
		test_key_n(&k, i, 1);
		uint32_t b = (uint32_t)(((uint64_t)(uint32_t)k.hash * st.buckets) >> 32);
		if (target == UINT32_MAX)
			target = b;
		if (b == target)
			out[n++] = k;
	}
	return n;
}

/* Slots in a bucket (lib/cache/cache_int.h: SLOTS); a pair holds twice as many. */
#define BUCKET_SLOTS 8u

static void test_full_bucket_spills_to_partner(void **state)
{
	(void)state;
	enum { S = BUCKET_SLOTS, P = 2 * BUCKET_SLOTS };
	struct fixture *f = fixture_new(2u << 20, 1);
	struct bolt_cache_key keys[P + 2];
	struct bolt_cache_stats st;
	uint32_t now = bolt_now();
	assert_int_equal(same_bucket_keys(f->c, keys, P + 2), P + 2);

	/* 2S keys of one bucket: S at home, S in the partner, all found */
	for (unsigned i = 0; i < P; i++)
		put(f, &keys[i], 50, 1, now + 1000 + i, 0, i);
	for (unsigned i = 0; i < P; i++)
		assert_int_equal(get_check(f, &keys[i], 50, 1, i), 0);
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.entries, P);
	assert_int_equal(st.evictions, 0);

	/* the burst path finds spilled entries too */
	const struct bolt_cache_key *kp[P];
	struct bolt_cache_out outs[P];
	static uint8_t bufs[P][64];
	static uint16_t tb[P][2];
	int rc[P];
	for (unsigned i = 0; i < P; i++) {
		kp[i] = &keys[i];
		outs[i] = (struct bolt_cache_out){ .ttl_off = tb[i], .ttl_cap = 2,
			                           .sections = bufs[i], .cap = 64 };
	}
	assert_int_equal(bolt_cache_lookup_burst(f->c, kp, P, now, outs, rc), P);

	/* replacing a spilled entry keeps it where it is */
	put(f, &keys[P - 2], 60, 1, now + 2000, 0, 99);
	assert_int_equal(get_check(f, &keys[P - 2], 60, 1, 99), 0);
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.entries, P);

	/* both full: the home entry expiring soonest (keys[0]) makes room */
	put(f, &keys[P], 50, 1, now + 5000, 0, P);
	assert_int_equal(get_check(f, &keys[P], 50, 1, P), 0);
	assert_int_equal(get_check(f, &keys[0], 50, 1, 0), BOLT_ENOENT);
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.evictions, 1);

	/* deleting spilled entries, then inserting again, still works */
	for (unsigned i = S; i < P; i++)
		assert_int_equal(bolt_cache_delete(f->c, keys[i].name, keys[i].name_len, 1), 1);
	put(f, &keys[P + 1], 50, 1, now + 5000, 0, P + 1);
	assert_int_equal(get_check(f, &keys[P + 1], 50, 1, P + 1), 0);
	for (unsigned i = 1; i < S; i++)
		assert_int_equal(get_check(f, &keys[i], 50, 1, i), 0);
	/* the only spilled entry, replaced twice, stays reachable */
	put(f, &keys[P + 1], 70, 1, now + 5000, 0, 1000);
	put(f, &keys[P + 1], 80, 1, now + 5000, 0, 1001);
	assert_int_equal(get_check(f, &keys[P + 1], 80, 1, 1001), 0);
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.entries, S + 1);
	fixture_free(f);
}

/*
 * Tags are 16 bits (hash bits 32..47), and an empty slot's tag is 0: a key
 * whose tag is 0 matches every empty slot of its bucket, whose ref (0) is no
 * record. Such keys, and keys sharing one tag and one bucket, are found
 * single and in a burst, wherever their slot is, and nothing else is.
 */
static void test_tag_collisions(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(2u << 20, 1);
	uint32_t now = bolt_now();
	struct bolt_cache_key keys[BUCKET_SLOTS], absent;
	assert_int_equal(same_bucket_keys(f->c, keys, BUCKET_SLOTS), BUCKET_SLOTS);
	for (unsigned tag = 0; tag < 2; tag++) {
		/* same bucket bits (low 32), tag forced, top bits kept distinct */
		for (unsigned i = 0; i < BUCKET_SLOTS; i++)
			keys[i].hash = (keys[i].hash & 0xffff0000ffffffffull) |
			               (uint64_t)(tag * 0x1234u) << 32;
		absent = keys[BUCKET_SLOTS - 1];
		absent.name[1] ^= 0x01;
		/* a bucket with empty slots, filled one slot at a time */
		for (unsigned n = 1; n <= BUCKET_SLOTS; n++) {
			put(f, &keys[n - 1], 20 + n, 1, now + 100, 0, n);
			const struct bolt_cache_key *kp[BUCKET_SLOTS + 1];
			struct bolt_cache_out outs[BUCKET_SLOTS + 1];
			static uint8_t bufs[BUCKET_SLOTS + 1][64];
			static uint16_t tb[BUCKET_SLOTS + 1][2];
			int rc[BUCKET_SLOTS + 1];
			for (unsigned i = 0; i < n; i++)
				assert_int_equal(get_check(f, &keys[i], 20 + i + 1, 1, i + 1), 0);
			assert_int_equal(get_check(f, &absent, 0, 0, 0), BOLT_ENOENT);
			/* newest first, the absent one last */
			for (unsigned i = 0; i < n; i++)
				kp[i] = &keys[n - 1 - i];
			kp[n] = &absent;
			for (unsigned i = 0; i <= n; i++)
				outs[i] = (struct bolt_cache_out){ .ttl_off = tb[i], .ttl_cap = 2,
					                           .sections = bufs[i], .cap = 64 };
			assert_int_equal(bolt_cache_lookup_burst(f->c, kp, n + 1, now, outs, rc), n);
			for (unsigned i = 0; i < n; i++) {
				assert_int_equal(rc[i], 0);
				assert_int_equal(outs[i].val.len, 20 + (n - i));
			}
			assert_int_equal(rc[n], BOLT_ENOENT);
		}
		bolt_cache_flush(f->c);
	}
	fixture_free(f);
}

static void test_format_open(void **state)
{
	(void)state;
	uint64_t size = 8u << 20;
	uint8_t *mem = aligned_alloc(4096, size);
	int err = 0;
	memset(mem, 0, size);
	assert_null(bolt_cache_open(mem, size, &err));
	assert_int_equal(err, BOLT_EMAGIC);
	struct bolt_cache *c = bolt_cache_format(mem, size, 2, &err);
	assert_non_null(c);
	assert_ptr_equal(bolt_cache_open(mem, size, &err), c);
	assert_int_equal(err, 0);
	/* a different size than stored */
	assert_null(bolt_cache_open(mem, size - 4096, &err));
	assert_int_equal(err, BOLT_EGEOMETRY);
	/* a flipped geometry byte */
	mem[24] ^= 0x10;
	assert_null(bolt_cache_open(mem, size, &err));
	assert_int_equal(err, BOLT_EGEOMETRY);
	mem[24] ^= 0x10;
	/* a different version */
	mem[8] ^= 0x01;
	assert_null(bolt_cache_open(mem, size, &err));
	assert_int_equal(err, BOLT_EVERSION);
	mem[8] ^= 0x01;
	assert_non_null(bolt_cache_open(mem, size, &err));
	/* too small, bad shard counts */
	assert_null(bolt_cache_format(mem, 4096, 1, &err));
	assert_int_equal(err, BOLT_EGEOMETRY);
	assert_null(bolt_cache_format(mem, size, 3, &err));
	assert_int_equal(err, BOLT_EGEOMETRY);
	assert_null(bolt_cache_format(mem, size, 64, &err)); /* shards too small */
	assert_int_equal(err, BOLT_EGEOMETRY);
	free(mem);
}

/*
 * Hash flooding. The key hash used to be XXH3 seeded with (qtype, qclass,
 * DO) only: anyone could search offline for names landing in one bucket
 * pair, and FLOOD_NAMES of them evicted one another (and any victim there)
 * from a pair that holds 2 * BUCKET_SLOTS. Under the cache's random secret the same
 * names
 * spread like random keys: every one is kept, no bucket pair holds many.
 */
#define FLOOD_NAMES 256

static uint64_t old_fixed_hash(const struct bolt_cache_key *k)
{
	uint64_t seed = (uint64_t)k->qtype | ((uint64_t)k->qclass << 16) |
	                ((uint64_t)(k->do_bit ? 1 : 0) << 32);
	return XXH3_64bits_withSeed(k->name, k->name_len, seed);
}

static uint32_t home_bucket(uint64_t h, uint32_t buckets)
{
	return (uint32_t)(((uint64_t)(uint32_t)h * buckets) >> 32);
}

static void test_hash_flood_spread(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(8u << 20, 1);
	struct bolt_cache_stats st;
	bolt_cache_get_stats(f->c, &st);
	uint32_t pairs = st.buckets / 2;
	assert_true(pairs > 4 * FLOOD_NAMES);

	/* the attacker's offline search: names whose fixed-seed hash lands in
	 * the bucket pair of the first one */
	static struct bolt_cache_key keys[FLOOD_NAMES];
	unsigned n = 0;
	uint32_t target = UINT32_MAX;
	for (unsigned i = 0; n < FLOOD_NAMES; i++) {
		struct bolt_cache_key k;
		char name[64];
		memset(&k, 0, sizeof(k));
		snprintf(name, sizeof(name), "x%u.victim.example", i);
		k.name_len = (uint8_t)test_wire_name(name, k.name);
		k.qtype = 1;
		k.qclass = 1;
		uint32_t pair = home_bucket(old_fixed_hash(&k), st.buckets) / 2;
		if (target == UINT32_MAX)
			target = pair;
		if (pair == target)
			keys[n++] = k;
	}

	/* with the old hash they all fight for one pair's slots */
	struct fixture *old = fixture_new(8u << 20, 1);
	uint32_t now = bolt_now();
	for (unsigned i = 0; i < FLOOD_NAMES; i++) {
		struct bolt_cache_key k = keys[i];
		k.hash = old_fixed_hash(&k);
		put(old, &k, 20, 0, now + 100, 0, i);
	}
	struct bolt_cache_stats ost;
	bolt_cache_get_stats(old->c, &ost);
	assert_true(ost.entries <= 2 * BUCKET_SLOTS);
	assert_true(ost.evictions >= FLOOD_NAMES - 2 * BUCKET_SLOTS);
	fixture_free(old);

	/* with the cache's secret: spread, all kept */
	static uint16_t load[1u << 20];
	assert_true(pairs <= sizeof(load) / sizeof(load[0]));
	memset(load, 0, sizeof(load));
	unsigned distinct = 0, max = 0;
	test_hash_cache = f->c;
	for (unsigned i = 0; i < FLOOD_NAMES; i++) {
		bolt_cache_key_hash(f->c, &keys[i]);
		uint32_t pair = home_bucket(keys[i].hash, st.buckets) / 2;
		if (load[pair]++ == 0)
			distinct++;
		if (load[pair] > max)
			max = load[pair];
		put(f, &keys[i], 20, 0, now + 100, 0, i);
	}
	/* 256 random keys in > 1024 pairs: a pair holding 5 has odds ~1e-5 */
	assert_true(max <= 4);
	assert_true(distinct >= FLOOD_NAMES * 3 / 4);
	bolt_cache_get_stats(f->c, &st);
	assert_int_equal(st.entries, FLOOD_NAMES);
	assert_int_equal(st.evictions, 0);
	for (unsigned i = 0; i < FLOOD_NAMES; i++)
		assert_int_equal(get_check(f, &keys[i], 20, 0, i), 0);
	fixture_free(f);
}

/* Each cache draws its own secret; it lives in the cache's memory, so the
 * same bytes opened again (another process, another address) hash alike. */
static void test_hash_secret_per_cache(void **state)
{
	(void)state;
	struct fixture *a = fixture_new(4u << 20, 1);
	struct fixture *b = fixture_new(4u << 20, 1);
	struct bolt_cache_key ka, kb;
	for (unsigned i = 0; i < 16; i++) {
		test_hash_cache = a->c;
		test_key_n(&ka, i, 1);
		test_hash_cache = b->c;
		test_key_n(&kb, i, 1);
		assert_true(ka.hash != kb.hash);
	}
	test_hash_cache = a->c;
	test_key(&ka, "kept.example", 1, 1, 0);
	put(a, &ka, 30, 0, bolt_now() + 100, 0, 5);

	/* a copy of the memory at another address, opened as an attach does */
	struct fixture *copy = calloc(1, sizeof(*copy));
	assert_non_null(copy);
	copy->size = a->size;
	copy->mem = aligned_alloc(4096, a->size);
	assert_non_null(copy->mem);
	memcpy(copy->mem, a->mem, a->size);
	int err = 1;
	copy->c = bolt_cache_open(copy->mem, copy->size, &err);
	assert_non_null(copy->c);
	assert_int_equal(err, 0);
	test_key(&kb, "kept.example", 1, 1, 0);
	bolt_cache_key_hash(copy->c, &kb);
	assert_true(kb.hash == ka.hash);
	assert_int_equal(get_check(copy, &kb, 30, 0, 5), 0);

	/* the secret is covered by the header checksum */
	((uint8_t *)copy->mem)[100] ^= 1;
	assert_null(bolt_cache_open(copy->mem, copy->size, &err));
	assert_int_equal(err, BOLT_EGEOMETRY);
	fixture_free(copy);
	fixture_free(a);
	fixture_free(b);
}

/* The per-process seed of the control plane's private tables: drawn in
 * each process (two children that draw it get different seeds), stable
 * within one, never 0. Nothing in this binary draws it before this test. */
static void test_process_hash_seed(void **state)
{
	(void)state;
	uint64_t got[2];
	for (unsigned i = 0; i < 2; i++) {
		int fd[2];
		assert_int_equal(pipe(fd), 0);
		pid_t child = fork();
		assert_true(child >= 0);
		if (child == 0) {
			uint64_t s = bolt_hash_seed();
			_exit(write(fd[1], &s, sizeof(s)) == (ssize_t)sizeof(s) ? 0 : 1);
		}
		int status;
		assert_int_equal(waitpid(child, &status, 0), child);
		assert_int_equal(read(fd[0], &got[i], sizeof(got[i])), sizeof(got[i]));
		close(fd[0]);
		close(fd[1]);
	}
	assert_true(got[0] != got[1]);
	uint64_t s = bolt_hash_seed();
	assert_true(s != 0);
	assert_true(bolt_hash_seed() == s);
}

static void test_dead_lock_owner(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(8u << 20, 1);
	struct bolt_cache_key k;
	test_key(&k, "before.example", 1, 1, 0);
	put(f, &k, 10, 0, bolt_now() + 100, 0, 1);

	/* a process that has exited: its pid is free */
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);

	/* the shard lock is the first word of shard 0, after the line-aligned
	 * header (geometry and hash secret: 5 lines); pretend the dead child
	 * holds it (a token's pid is its low half) */
	int32_t dead = (int32_t)child;
	memcpy((uint8_t *)f->c + 320, &dead, sizeof(dead));
	test_key(&k, "after.example", 1, 1, 0);
	put(f, &k, 10, 0, bolt_now() + 100, 0, 2);
	assert_int_equal(get_check(f, &k, 10, 0, 2), 0);
	/* the shard was reset: the dead writer may have left it half-changed */
	test_key(&k, "before.example", 1, 1, 0);
	assert_int_equal(get_check(f, &k, 10, 0, 1), BOLT_ENOENT);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_miss_other_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_espace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_insert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_64k_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_kind_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_values_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_hash_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_lengths, setup, teardown),
		cmocka_unit_test(test_eviction_at_capacity),
		cmocka_unit_test(test_expired_reclaimed),
		cmocka_unit_test(test_full_bucket_spills_to_partner),
		cmocka_unit_test(test_tag_collisions),
		cmocka_unit_test(test_format_open),
		cmocka_unit_test(test_dead_lock_owner),
		cmocka_unit_test(test_hash_flood_spread),
		cmocka_unit_test(test_hash_secret_per_cache),
		cmocka_unit_test(test_process_hash_seed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
