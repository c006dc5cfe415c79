/*
 * The shared region: creation, attachment, restart survival, wipe, the
 * /dev/shm fallback, rings, and refusal of bad files (magic, version,
 * checksum, geometry, truncation, random bytes) without crashing.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "boltdns/region.h"
#include "helpers.h"

#define SIZE (64ull << 20)

static char path[256];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-test-region-%d", (int)getpid());
	unlink(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static struct bolt_region *make(uint64_t size, bool wipe, int *err)
{
	struct bolt_region_params p = { .path = path, .size = size, .wipe = wipe };
	return bolt_region_create(&p, err);
}

static void put(struct bolt_cache *c, const char *name, uint32_t seed)
{
	struct bolt_cache_key k;
	uint8_t sec[300];
	test_hash_cache = c;
	test_key(&k, name, 1, 1, 0);
	struct bolt_cache_val v = test_val(300, 0, bolt_now() + 1000, 0);
	test_fill(sec, 300, seed);
	assert_int_equal(bolt_cache_insert(c, &k, &v, NULL, sec), 0);
}

static int get(struct bolt_cache *c, const char *name, uint32_t seed)
{
	struct bolt_cache_key k;
	uint8_t sec[300], want[300];
	struct bolt_cache_out o = { .sections = sec, .cap = 300 };
	test_hash_cache = c;
	test_key(&k, name, 1, 1, 0);
	int rc = bolt_cache_lookup(c, &k, bolt_now(), &o);
	if (rc == 0) {
		test_fill(want, 300, seed);
		assert_memory_equal(sec, want, 300);
	}
	return rc;
}

static void test_create_attach_restart(void **state)
{
	(void)state;
	int err = 1;
	struct bolt_region *r = make(SIZE, false, &err);
	assert_non_null(r);
	assert_int_equal(err, 0);
	assert_true(r->created);
	assert_string_equal(r->path, path);
	assert_int_equal(r->hdr->region_size, SIZE);
	assert_int_equal(r->hdr->layout_version, BOLT_REGION_LAYOUT_VERSION);
	assert_true(r->hdr->cache_off + r->hdr->cache_size == SIZE);
	put(r->cache, "keep.example", 11);

	/* a second mapping (the control plane) sees the entry at once */
	struct bolt_region *cp = bolt_region_attach(path, &err);
	assert_non_null(cp);
	assert_false(cp->created);
	assert_int_equal(get(cp->cache, "keep.example", 11), 0);
	put(cp->cache, "from.cp", 12);
	assert_int_equal(get(r->cache, "from.cp", 12), 0);

	/* restart: both gone, the file stays, a new mapping finds everything */
	bolt_region_detach(cp);
	bolt_region_detach(r);
	r = make(SIZE, false, &err);
	assert_non_null(r);
	assert_false(r->created);
	assert_int_equal(get(r->cache, "keep.example", 11), 0);
	assert_int_equal(get(r->cache, "from.cp", 12), 0);
	bolt_region_detach(r);

	/* wipe: a fresh region */
	r = make(SIZE, true, &err);
	assert_non_null(r);
	assert_true(r->created);
	assert_int_equal(get(r->cache, "keep.example", 11), BOLT_ENOENT);
	bolt_region_detach(r);

	/* a different size is not compatible: recreated */
	r = make(SIZE * 2, false, &err);
	assert_non_null(r);
	assert_true(r->created);
	assert_int_equal(r->hdr->region_size, SIZE * 2);
	bolt_region_detach(r);
}

static uint64_t hash_of(const struct bolt_cache *c, const char *name)
{
	struct bolt_cache_key k;
	test_hash_cache = c;
	test_key(&k, name, 1, 1, 0);
	return k.hash;
}

/* The hash secret is drawn at creation and kept in the region: a restarted
 * process (attach) hashes the same and finds every entry; another region,
 * or this one wiped, has another secret. */
static void test_hash_secret_kept(void **state)
{
	(void)state;
	int err;
	char path2[300];
	snprintf(path2, sizeof(path2), "%s-other", path);
	unlink(path2);

	struct bolt_region *r = make(SIZE, false, &err);
	assert_non_null(r);
	assert_true(r->created);
	uint64_t h = hash_of(r->cache, "secret.example");
	put(r->cache, "secret.example", 7);
	struct bolt_region *cp = bolt_region_attach(path, &err);
	assert_non_null(cp);
	assert_true(hash_of(cp->cache, "secret.example") == h);
	bolt_region_detach(cp);
	bolt_region_detach(r);

	r = make(SIZE, false, &err);
	assert_non_null(r);
	assert_false(r->created);
	assert_true(hash_of(r->cache, "secret.example") == h);
	assert_int_equal(get(r->cache, "secret.example", 7), 0);

	struct bolt_region_params p = { .path = path2, .size = SIZE, .wipe = true };
	struct bolt_region *other = bolt_region_create(&p, &err);
	assert_non_null(other);
	assert_true(other->created);
	assert_true(hash_of(other->cache, "secret.example") != h);
	assert_int_equal(get(other->cache, "secret.example", 7), BOLT_ENOENT);
	bolt_region_detach(other);
	unlink(path2);
	bolt_region_detach(r);

	r = make(SIZE, true, &err);
	assert_non_null(r);
	assert_true(r->created);
	assert_true(hash_of(r->cache, "secret.example") != h);
	bolt_region_detach(r);
}

static void test_wipe_keeps_old_mapping_valid(void **state)
{
	(void)state;
	int err;
	struct bolt_region *old = make(SIZE, false, &err);
	assert_non_null(old);
	put(old->cache, "old.example", 1);
	struct bolt_region *fresh = make(SIZE, true, &err);
	assert_non_null(fresh);
	/* the old mapping is a different (unlinked) file, still readable */
	assert_int_equal(get(old->cache, "old.example", 1), 0);
	assert_int_equal(get(fresh->cache, "old.example", 1), BOLT_ENOENT);
	bolt_region_detach(old);
	bolt_region_detach(fresh);
}

static void test_rings_and_stats(void **state)
{
	(void)state;
	int err;
	struct bolt_region *r = make(SIZE, false, &err);
	assert_non_null(r);
	assert_true((r->hdr->ring_slots & (r->hdr->ring_slots - 1)) == 0);
	for (unsigned i = 0; i < BOLT_MAX_LCORES; i++) {
		struct bolt_ring *m = bolt_region_miss_ring(r, i);
		struct bolt_ring *a = bolt_region_answer_ring(r, i);
		assert_non_null(m);
		assert_non_null(a);
		assert_int_equal(m->slot_size, BOLT_MISS_SLOT);
		assert_int_equal(a->slot_size, BOLT_ANSWER_SLOT);
		assert_int_equal((uintptr_t)m % BOLT_CACHE_LINE, 0);
		assert_int_equal((uintptr_t)a % BOLT_CACHE_LINE, 0);
		assert_true((uint8_t *)a + bolt_ring_bytes(a->slots, a->slot_size) <=
		            r->base + r->hdr->cache_off);
		assert_non_null(bolt_region_stats(r, i));
	}
	assert_null(bolt_region_stats(r, BOLT_MAX_LCORES));
	assert_null(bolt_region_miss_ring(r, BOLT_MAX_LCORES));
	assert_null(bolt_region_answer_ring(r, BOLT_MAX_LCORES));

	/* a message through miss ring 3 crosses to a second mapping */
	struct bolt_region *cp = bolt_region_attach(path, &err);
	assert_non_null(cp);
	struct bolt_miss_msg *msg = bolt_ring_reserve(bolt_region_miss_ring(r, 3));
	assert_non_null(msg);
	msg->id = 0x1234;
	bolt_ring_commit(bolt_region_miss_ring(r, 3));
	const struct bolt_miss_msg *got = bolt_ring_peek(bolt_region_miss_ring(cp, 3));
	assert_non_null(got);
	assert_int_equal(got->id, 0x1234);
	bolt_ring_release(bolt_region_miss_ring(cp, 3));
	assert_null(bolt_ring_peek(bolt_region_miss_ring(cp, 3)));

	bolt_region_stats(r, 2)->hits = 99;
	assert_int_equal(bolt_region_stats(cp, 2)->hits, 99);
	bolt_region_detach(cp);
	bolt_region_detach(r);
}

static void test_bad_params(void **state)
{
	(void)state;
	int err = 0;
	assert_null(make(BOLT_REGION_MIN_SIZE - 1, false, &err));
	assert_int_equal(err, BOLT_ECONFIG);
	struct bolt_region_params p = { .path = path, .size = SIZE, .shards = 3 };
	assert_null(bolt_region_create(&p, &err));
	assert_int_equal(err, BOLT_ECONFIG);
	p.shards = 0;
	p.ring_slots = 100;
	assert_null(bolt_region_create(&p, &err));
	assert_int_equal(err, BOLT_ECONFIG);
	p.ring_slots = 0;
	p.path = NULL;
	assert_null(bolt_region_create(&p, &err));
	assert_int_equal(err, -EINVAL);
	p.path = "/dev/shm/";
	assert_null(bolt_region_create(&p, &err));
	assert_int_equal(err, -EINVAL);
	/* the minimum works, with shrunken rings */
	struct bolt_region *r = make(BOLT_REGION_MIN_SIZE, false, &err);
	assert_non_null(r);
	assert_true(r->hdr->ring_slots < 4096);
	put(r->cache, "min.example", 3);
	assert_int_equal(get(r->cache, "min.example", 3), 0);
	bolt_region_detach(r);
	/* explicit shards are honoured and part of compatibility */
	p = (struct bolt_region_params){ .path = path, .size = SIZE, .shards = 2, .wipe = true };
	r = bolt_region_create(&p, &err);
	assert_non_null(r);
	struct bolt_cache_stats st;
	bolt_cache_get_stats(r->cache, &st);
	assert_int_equal(st.shards, 2);
	bolt_region_detach(r);
	p.wipe = false;
	p.shards = 4;
	r = bolt_region_create(&p, &err);
	assert_non_null(r);
	assert_true(r->created);
	bolt_region_detach(r);
}

static void test_attach_missing(void **state)
{
	(void)state;
	int err = 0;
	assert_null(bolt_region_attach(path, &err));
	assert_int_equal(err, -ENOENT);
	assert_null(bolt_region_attach("", &err));
	assert_int_equal(err, -EINVAL);
}

/* Patch bytes of the region file. */
static void patch(off_t off, const void *data, size_t n)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, n, off), (ssize_t)n);
	close(fd);
}

static void fix_checksum(void)
{
	struct bolt_region_hdr h;
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	h.checksum = XXH3_64bits(&h, offsetof(struct bolt_region_hdr, checksum));
	assert_int_equal(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	close(fd);
}

static int attach_err(void)
{
	int err = 0;
	struct bolt_region *r = bolt_region_attach(path, &err);
	if (r != NULL) {
		bolt_region_detach(r);
		return 0;
	}
	return err;
}

static void fresh(void)
{
	int err;
	struct bolt_region *r = make(SIZE, true, &err);
	assert_non_null(r);
	bolt_region_detach(r);
	assert_int_equal(attach_err(), 0);
}

static void test_bad_files(void **state)
{
	(void)state;
	uint64_t u64;
	uint32_t u32;

	fresh();
	u64 = 0x1122334455667788ull;
	patch(offsetof(struct bolt_region_hdr, magic), &u64, 8);
	assert_int_equal(attach_err(), BOLT_EMAGIC);

	fresh();
	u32 = BOLT_REGION_LAYOUT_VERSION + 1;
	patch(offsetof(struct bolt_region_hdr, layout_version), &u32, 4);
	assert_int_equal(attach_err(), BOLT_EVERSION);

	/* a changed geometry field: the checksum catches it */
	fresh();
	u64 = 4096;
	patch(offsetof(struct bolt_region_hdr, cache_off), &u64, 8);
	assert_int_equal(attach_err(), BOLT_EGEOMETRY);
	/* even with a matching checksum the layout must be what we compute */
	fix_checksum();
	assert_int_equal(attach_err(), BOLT_EGEOMETRY);

	fresh();
	u32 = 3;
	patch(offsetof(struct bolt_region_hdr, ring_slots), &u32, 4);
	fix_checksum();
	assert_int_equal(attach_err(), BOLT_EGEOMETRY);

	/* a ring header scribbled over */
	fresh();
	{
		struct bolt_region_hdr h;
		int fd = open(path, O_RDONLY);
		assert_int_equal(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
		close(fd);
		u32 = 7;
		patch((off_t)(h.answer_ring_off + 5 * h.answer_ring_stride), &u32, 4);
		assert_int_equal(attach_err(), BOLT_EGEOMETRY);
		/* the cache header scribbled over */
		fresh();
		u32 = 0xdeadbeef;
		patch((off_t)(h.cache_off + 24), &u32, 4);
		assert_int_equal(attach_err(), BOLT_EGEOMETRY);
		fresh();
		patch((off_t)h.cache_off, &u32, 4);
		assert_int_equal(attach_err(), BOLT_EMAGIC);
	}

	/* truncated: to half, to less than a header, to nothing */
	fresh();
	assert_int_equal(truncate(path, SIZE / 2), 0);
	assert_int_equal(attach_err(), BOLT_EGEOMETRY);
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(attach_err(), BOLT_EGEOMETRY);
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(attach_err(), BOLT_EGEOMETRY);
	/* create over a corrupted file recreates it */
	int err;
	struct bolt_region *r = make(SIZE, false, &err);
	assert_non_null(r);
	assert_true(r->created);
	bolt_region_detach(r);

	/* a directory is not a region */
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_not_equal(attach_err(), 0);
	rmdir(path);
}

static void test_random_files(void **state)
{
	(void)state;
	static uint8_t buf[1 << 16];
	for (unsigned i = 0; i < 200; i++) {
		uint32_t len = (i * 7919u) % sizeof(buf);
		test_fill(buf, len, i);
		if (i % 3 == 0 && len >= 8) {
			uint64_t m = BOLT_REGION_MAGIC;
			memcpy(buf, &m, 8);
		}
		if (i % 6 == 0 && len >= 12) {
			uint32_t v = BOLT_REGION_LAYOUT_VERSION;
			memcpy(buf + 8, &v, 4);
		}
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, buf, len), (ssize_t)len);
		close(fd);
		assert_int_not_equal(attach_err(), 0);
	}
}

static void test_fallback(void **state)
{
	(void)state;
	/* a directory on a disk filesystem: the region goes to /dev/shm */
	char dir[256], p[300], fb[300];
	snprintf(dir, sizeof(dir), "/var/tmp/boltdns-test-dir-%d", (int)getpid());
	snprintf(p, sizeof(p), "%s/boltdns-test-fb-%d", dir, (int)getpid());
	snprintf(fb, sizeof(fb), "/dev/shm/boltdns-test-fb-%d", (int)getpid());
	mkdir(dir, 0700);
	unlink(fb);

	struct stat st;
	int err;
	struct bolt_region_params prm = { .path = p, .size = SIZE };
	struct bolt_region *r = bolt_region_create(&prm, &err);
	assert_non_null(r);
	assert_true(r->created);
	assert_false(r->hugetlb);
	assert_string_equal(r->path, fb);
	assert_int_equal(stat(fb, &st), 0);
	put(r->cache, "fb.example", 5);

	/* attach by the configured path finds the fallback */
	struct bolt_region *cp = bolt_region_attach(p, &err);
	assert_non_null(cp);
	assert_string_equal(cp->path, fb);
	assert_int_equal(get(cp->cache, "fb.example", 5), 0);
	bolt_region_detach(cp);
	bolt_region_detach(r);

	/* and create without wipe re-attaches it */
	r = bolt_region_create(&prm, &err);
	assert_non_null(r);
	assert_false(r->created);
	assert_int_equal(get(r->cache, "fb.example", 5), 0);
	bolt_region_detach(r);

	/* a directory that does not exist falls back too */
	char p2[300];
	snprintf(p2, sizeof(p2), "/nonexistent-boltdns/boltdns-test-fb-%d", (int)getpid());
	prm.path = p2;
	prm.wipe = true;
	r = bolt_region_create(&prm, &err);
	assert_non_null(r);
	assert_string_equal(r->path, fb);
	bolt_region_detach(r);

	unlink(fb);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_attach_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wipe_keeps_old_mapping_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_secret_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rings_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
