/*
 * The shared-memory region: creation, attachment, validation, layout.
 *
 * A region is created under a temporary name and renamed into place only
 * once fully formatted, so an attaching process sees either the old file or
 * a complete new one, and a process still mapping a replaced (wiped) region
 * keeps a valid mapping instead of taking SIGBUS from a truncation.
 *
 * Attachment never trusts the file: its size is checked before the header is
 * read (with pread, before any mmap), the header's magic, layout version and
 * checksum are checked, and the whole layout is recomputed from the stored
 * size and ring slots and must match field for field; ring headers and the
 * cache header are then validated too.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "boltdns/cache.h"
#include "boltdns/procfs.h"
#include "boltdns/region.h"

#define DEFAULT_RING_SLOTS 4096u
#define MIN_AUTO_RING_SLOTS 64u
#define MAX_RING_SLOTS (1u << 20)
#define MIN_CACHE_SIZE (8ull << 20)
#define SIZE_ALIGN (2ull << 20)       /* the common hugepage size */

struct layout {
	uint64_t stats_off;
	uint64_t ports_off;
	uint64_t miss_off;
	uint64_t miss_stride;
	uint64_t answer_off;
	uint64_t answer_stride;
	uint64_t cache_off;
	uint64_t cache_size;
	uint64_t worker_info_off;
	uint64_t journal_off;
	uint32_t workers;
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static uint64_t rings_bytes(uint32_t slots, uint32_t workers)
{
	return (uint64_t)BOLT_MAX_LCORES * workers *
	       (align_up(bolt_ring_bytes(slots, BOLT_MISS_SLOT), BOLT_CACHE_LINE) +
	        align_up(bolt_ring_bytes(slots, BOLT_ANSWER_SLOT), BOLT_CACHE_LINE));
}

/* Where everything goes in a region of size bytes with slots-slot rings,
 * workers ring sets per lcore. Ring (k, w) is ring k * workers + w. */
static int plan(uint64_t size, uint32_t slots, uint32_t workers, struct layout *l)
{
	if (!is_pow2(slots) || slots > MAX_RING_SLOTS || workers == 0 ||
	    workers > BOLT_MAX_WORKERS)
		return BOLT_EGEOMETRY;
	l->workers = workers;
	l->stats_off = align_up(sizeof(struct bolt_region_hdr), BOLT_CACHE_LINE);
	l->ports_off = align_up(l->stats_off + BOLT_MAX_LCORES * sizeof(struct bolt_lcore_stats),
	                        BOLT_CACHE_LINE);
	l->worker_info_off = align_up(l->ports_off + sizeof(struct bolt_port_table),
	                              BOLT_CACHE_LINE);
	l->journal_off = align_up(l->worker_info_off +
	                          BOLT_MAX_WORKERS * sizeof(struct bolt_worker_info), BOLT_CACHE_LINE);
	l->miss_off = align_up(l->journal_off + sizeof(struct bolt_ctl_journal), BOLT_CACHE_LINE);
	l->miss_stride = align_up(bolt_ring_bytes(slots, BOLT_MISS_SLOT), BOLT_CACHE_LINE);
	l->answer_off = l->miss_off + (uint64_t)BOLT_MAX_LCORES * workers * l->miss_stride;
	l->answer_stride = align_up(bolt_ring_bytes(slots, BOLT_ANSWER_SLOT), BOLT_CACHE_LINE);
	/* page-aligned so the cache's hot lines never share a page with rings */
	l->cache_off = align_up(l->answer_off +
	                        (uint64_t)BOLT_MAX_LCORES * workers * l->answer_stride, 4096);
	if (size < l->cache_off + MIN_CACHE_SIZE)
		return BOLT_EGEOMETRY;
	l->cache_size = size - l->cache_off;
	return 0;
}

static uint64_t hdr_checksum(const struct bolt_region_hdr *h)
{
	return XXH3_64bits(h, offsetof(struct bolt_region_hdr, checksum));
}

/* Filesystem of the directory holding path: hugetlbfs (with its page size),
 * tmpfs, or something else (a disk: not acceptable for a hot region). */
enum fs_kind { FS_OTHER, FS_HUGETLB, FS_TMPFS };

static enum fs_kind dir_kind(const char *path, uint64_t *page)
{
	char buf[PATH_MAX];
	struct statfs sf;
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return FS_OTHER;
	if (statfs(dirname(buf), &sf) != 0)
		return FS_OTHER;
	if ((unsigned long)sf.f_type == (unsigned long)HUGETLBFS_MAGIC) {
		*page = (uint64_t)sf.f_bsize;
		return FS_HUGETLB;
	}
	*page = 4096;
	return (unsigned long)sf.f_type == (unsigned long)TMPFS_MAGIC ? FS_TMPFS : FS_OTHER;
}

static int fallback_path(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	if (snprintf(out, cap, "%s/%s", BOLT_REGION_FALLBACK_DIR, base) >= (int)cap)
		return -ENAMETOOLONG;
	return 0;
}

static uint64_t round_size(uint64_t size, uint64_t page)
{
	uint64_t a = page > SIZE_ALIGN ? page : SIZE_ALIGN;
	return align_up(size, a);
}

/* Validate a header read from a file of file_size bytes. */
static int check_hdr(const struct bolt_region_hdr *h, uint64_t file_size, struct layout *l)
{
	if (h->magic != BOLT_REGION_MAGIC)
		return BOLT_EMAGIC;
	if (h->layout_version != BOLT_REGION_LAYOUT_VERSION)
		return BOLT_EVERSION;
	if (h->hdr_size != sizeof(*h) || h->checksum != hdr_checksum(h))
		return BOLT_EGEOMETRY;
	if (h->region_size != file_size || h->max_lcores != BOLT_MAX_LCORES)
		return BOLT_EGEOMETRY;
	if (plan(h->region_size, h->ring_slots, h->cp_workers, l) != 0)
		return BOLT_EGEOMETRY;
	if (h->stats_off != l->stats_off || h->ports_off != l->ports_off ||
	    h->miss_ring_off != l->miss_off ||
	    h->miss_ring_stride != l->miss_stride || h->answer_ring_off != l->answer_off ||
	    h->answer_ring_stride != l->answer_stride || h->cache_off != l->cache_off ||
	    h->cache_size != l->cache_size || h->worker_info_off != l->worker_info_off)
		return BOLT_EGEOMETRY;
	return 0;
}

static bool ring_ok(const struct bolt_ring *r, uint32_t slots, uint32_t slot_size)
{
	return r->slots == slots && r->slot_size == slot_size && r->mask == slots - 1;
}

static void region_free(struct bolt_region *r)
{
	if (r == NULL)
		return;
	if (r->base != NULL && r->base != MAP_FAILED)
		munmap(r->base, r->size);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* Map and validate the region file at path. */
static struct bolt_region *attach_path(const char *path, int *err)
{
	struct bolt_region *r = calloc(1, sizeof(*r));
	struct bolt_region_hdr h;
	struct layout l;
	struct stat st;
	int e = 0;

	if (r == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	r->fd = -1;
	if (snprintf(r->path, sizeof(r->path), "%s", path) >= (int)sizeof(r->path)) {
		e = -ENAMETOOLONG;
		goto err;
	}
	r->fd = open(path, O_RDWR | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) != 0) {
		e = -errno;
		goto err;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(h)) {
		e = BOLT_EGEOMETRY;  /* truncated, or not a region at all */
		goto err;
	}
	if (pread(r->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		e = BOLT_EGEOMETRY;
		goto err;
	}
	e = check_hdr(&h, (uint64_t)st.st_size, &l);
	if (e != 0)
		goto err;
	/* Whoever can write the region can answer for the cache and put
	 * messages on the rings: a file another user could have planted (the
	 * fallback /dev/shm is world-writable) or may write is not ours. */
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		e = -EPERM;
		goto err;
	}

	uint64_t page = 4096;
	r->hugetlb = dir_kind(path, &page) == FS_HUGETLB;
	r->size = (size_t)st.st_size;
	r->base = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, 0);
	if (r->base == MAP_FAILED) {
		e = -errno;
		r->base = NULL;
		goto err;
	}
	r->hdr = (struct bolt_region_hdr *)r->base;
	/* the file may have changed between pread and mmap: check the mapping */
	e = check_hdr(r->hdr, r->size, &l);
	if (e != 0)
		goto err;
	for (unsigned i = 0; i < BOLT_MAX_LCORES; i++) {
		for (unsigned w = 0; w < h.cp_workers; w++) {
			if (!ring_ok(bolt_region_worker_miss_ring(r, i, w), h.ring_slots,
			             BOLT_MISS_SLOT) ||
			    !ring_ok(bolt_region_worker_answer_ring(r, i, w), h.ring_slots,
			             BOLT_ANSWER_SLOT)) {
				e = BOLT_EGEOMETRY;
				goto err;
			}
		}
	}
	r->cache = bolt_cache_open(r->base + l.cache_off, l.cache_size, &e);
	if (r->cache == NULL)
		goto err;
	r->created = false;
	*err = 0;
	return r;
err:
	region_free(r);
	*err = e;
	return NULL;
}

/* Create, format and publish a region at path. */
static struct bolt_region *create_path(const char *path, uint64_t size, uint32_t slots,
                                       uint32_t workers, uint32_t shards, bool hugetlb,
                                       int *err)
{
	char tmp[PATH_MAX + 32];
	struct bolt_region *r = calloc(1, sizeof(*r));
	struct layout l;
	int e = 0;

	if (r == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	r->fd = -1;
	if (snprintf(r->path, sizeof(r->path), "%s", path) >= (int)sizeof(r->path) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		e = -ENAMETOOLONG;
		goto err;
	}
	e = plan(size, slots, workers, &l);
	if (e != 0)
		goto err;
	unlink(tmp);
	r->fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (r->fd < 0) {
		e = -errno;
		goto err;
	}
	if (ftruncate(r->fd, (off_t)size) != 0) {
		e = -errno;
		goto err_unlink;
	}
	/* reserve the memory now: a short tmpfs or hugepage pool must fail
	 * here with ENOSPC, not later with SIGBUS on first touch */
	if (fallocate(r->fd, 0, 0, (off_t)size) != 0 && errno != EOPNOTSUPP && errno != ENOSYS) {
		e = -errno;
		goto err_unlink;
	}
	r->size = (size_t)size;
	r->base = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, 0);
	if (r->base == MAP_FAILED) {
		e = -errno;
		r->base = NULL;
		goto err_unlink;
	}
	r->hugetlb = hugetlb;
	r->hdr = (struct bolt_region_hdr *)r->base;

	struct bolt_region_hdr *h = r->hdr;
	h->layout_version = BOLT_REGION_LAYOUT_VERSION;
	h->hdr_size = sizeof(*h);
	h->region_size = size;
	h->created = (uint64_t)time(NULL);
	h->max_lcores = BOLT_MAX_LCORES;
	h->ring_slots = slots;
	h->stats_off = l.stats_off;
	h->ports_off = l.ports_off;
	h->miss_ring_off = l.miss_off;
	h->miss_ring_stride = l.miss_stride;
	h->answer_ring_off = l.answer_off;
	h->answer_ring_stride = l.answer_stride;
	h->cache_off = l.cache_off;
	h->cache_size = l.cache_size;
	h->cp_workers = workers;
	h->worker_info_off = l.worker_info_off;
	memset(r->base + l.stats_off, 0, BOLT_MAX_LCORES * sizeof(struct bolt_lcore_stats));
	memset(r->base + l.ports_off, 0, sizeof(struct bolt_port_table));
	memset(r->base + l.worker_info_off, 0, BOLT_MAX_WORKERS * sizeof(struct bolt_worker_info));
	memset(r->base + l.journal_off, 0, sizeof(struct bolt_ctl_journal));
	bolt_bell_init(&h->miss_bell);
	bolt_bell_init(&h->answer_bell);
	for (unsigned i = 0; i < BOLT_MAX_LCORES; i++) {
		for (unsigned w = 0; w < workers; w++) {
			bolt_ring_init(bolt_region_worker_miss_ring(r, i, w), slots, BOLT_MISS_SLOT);
			bolt_ring_init(bolt_region_worker_answer_ring(r, i, w), slots,
			               BOLT_ANSWER_SLOT);
		}
	}
	r->cache = bolt_cache_format(r->base + l.cache_off, l.cache_size, shards, &e);
	if (r->cache == NULL)
		goto err_unlink;
	h->magic = BOLT_REGION_MAGIC;
	h->checksum = hdr_checksum(h);
	if (rename(tmp, path) != 0) {
		e = -errno;
		goto err_unlink;
	}
	r->created = true;
	*err = 0;
	return r;
err_unlink:
	unlink(tmp);
err:
	region_free(r);
	*err = e;
	return NULL;
}

/* Does an attached region match what the caller asks for? */
static bool compatible(const struct bolt_region *r, const struct bolt_region_params *p,
                       uint64_t size)
{
	struct bolt_cache_stats st;
	if (r->hdr->region_size != size)
		return false;
	if (p->ring_slots != 0 && r->hdr->ring_slots != p->ring_slots)
		return false;
	if (r->hdr->cp_workers != (p->workers != 0 ? p->workers : 1u))
		return false;
	bolt_cache_get_stats(r->cache, &st);
	return p->shards == 0 || st.shards == p->shards;
}

static uint32_t choose_slots(const struct bolt_region_params *p, uint64_t size)
{
	if (p->ring_slots != 0)
		return p->ring_slots;
	uint32_t slots = DEFAULT_RING_SLOTS;
	/* small regions keep most of their memory for the cache */
	uint32_t workers = p->workers != 0 ? p->workers : 1u;
	while (slots > MIN_AUTO_RING_SLOTS && rings_bytes(slots, workers) > size / 4)
		slots /= 2;
	return slots;
}

int bolt_region_geometry(uint64_t size, uint32_t ring_slots, struct bolt_region_geometry *g)
{
	return bolt_region_geometry_workers(size, ring_slots, 1, g);
}

int bolt_region_geometry_workers(uint64_t size, uint32_t ring_slots, uint32_t workers,
                                 struct bolt_region_geometry *g)
{
	struct bolt_region_params p = { .size = size, .ring_slots = ring_slots,
	                                .workers = workers };
	struct layout l;

	memset(g, 0, sizeof(*g));
	if (workers == 0)
		workers = 1;
	if ((ring_slots != 0 && (!is_pow2(ring_slots) || ring_slots > MAX_RING_SLOTS)) ||
	    workers > BOLT_MAX_WORKERS)
		return BOLT_ECONFIG;
	size = round_size(size, 4096);
	g->ring_slots = choose_slots(&p, size);
	g->rings_bytes = rings_bytes(g->ring_slots, workers);
	/* everything before the cache, plus the cache's minimum */
	if (plan(UINT64_MAX / 2, g->ring_slots, workers, &l) != 0)
		return BOLT_EGEOMETRY;
	g->min_size = l.cache_off + MIN_CACHE_SIZE;
	if (plan(size, g->ring_slots, workers, &l) != 0)
		return BOLT_EGEOMETRY;
	g->cache_size = l.cache_size;
	for (uint32_t s = 256; s >= 1; s /= 2) {
		if (bolt_cache_fits(g->cache_size, s)) {
			g->max_shards = s;
			break;
		}
	}
	return 0;
}

struct bolt_region *bolt_region_create(const struct bolt_region_params *p, int *err)
{
	char fb[PATH_MAX];
	int e = 0, dummy;

	if (err == NULL)
		err = &dummy;
	if (p == NULL || p->path == NULL || p->path[0] == '\0') {
		*err = -EINVAL;
		return NULL;
	}
	if (p->size < BOLT_REGION_MIN_SIZE ||
	    (p->shards != 0 && (!is_pow2(p->shards) || p->shards > 256)) ||
	    (p->ring_slots != 0 && (!is_pow2(p->ring_slots) || p->ring_slots > MAX_RING_SLOTS)) ||
	    p->workers > BOLT_MAX_WORKERS) {
		*err = BOLT_ECONFIG;
		return NULL;
	}
	e = fallback_path(p->path, fb, sizeof(fb));
	if (e != 0) {
		*err = e;
		return NULL;
	}
	bool same = strcmp(fb, p->path) == 0;
	uint64_t page = 4096;
	enum fs_kind kind = dir_kind(p->path, &page);
	uint64_t size = round_size(p->size, kind == FS_HUGETLB ? page : 4096);
	uint64_t fb_size = round_size(p->size, 4096);
	uint32_t slots = choose_slots(p, size);
	uint32_t workers = p->workers != 0 ? p->workers : 1u;

	if (!p->wipe) {
		const char *cand[2] = { p->path, fb };
		uint64_t sz[2] = { size, fb_size };
		for (unsigned i = 0; i < (same ? 1u : 2u); i++) {
			struct bolt_region *r = attach_path(cand[i], &e);
			if (r != NULL && compatible(r, p, sz[i])) {
				*err = 0;
				return r;
			}
			region_free(r);
		}
	}

	struct bolt_region *r = NULL;
	if (kind != FS_OTHER && !same) {
		r = create_path(p->path, size, slots, workers, p->shards, kind == FS_HUGETLB, &e);
		if (r != NULL) {
			/* a stale fallback would only waste memory */
			unlink(fb);
			*err = 0;
			return r;
		}
	}
	r = create_path(fb, fb_size, choose_slots(p, fb_size), workers, p->shards, false, &e);
	if (r == NULL) {
		*err = e;
		return NULL;
	}
	/* attachers try the path first: a stale region there would shadow ours */
	if (!same)
		unlink(p->path);
	*err = 0;
	return r;
}

struct bolt_region *bolt_region_attach(const char *path, int *err)
{
	char fb[PATH_MAX];
	int e, dummy;

	if (err == NULL)
		err = &dummy;
	if (path == NULL || path[0] == '\0') {
		*err = -EINVAL;
		return NULL;
	}
	struct bolt_region *r = attach_path(path, &e);
	if (r == NULL && e == -ENOENT && fallback_path(path, fb, sizeof(fb)) == 0 &&
	    strcmp(fb, path) != 0)
		r = attach_path(fb, &e);
	*err = e;
	return r;
}

void bolt_region_detach(struct bolt_region *r)
{
	region_free(r);
}

struct bolt_port_table *bolt_region_ports(struct bolt_region *r)
{
	if (r == NULL)
		return NULL;
	return (struct bolt_port_table *)(r->base + r->hdr->ports_off);
}

struct bolt_lcore_stats *bolt_region_stats(struct bolt_region *r, unsigned lcore)
{
	if (r == NULL || lcore >= BOLT_MAX_LCORES)
		return NULL;
	return (struct bolt_lcore_stats *)(r->base + r->hdr->stats_off) + lcore;
}

struct bolt_ring *bolt_region_worker_miss_ring(struct bolt_region *r, unsigned lcore,
                                               unsigned worker)
{
	if (r == NULL || lcore >= BOLT_MAX_LCORES || worker >= r->hdr->cp_workers)
		return NULL;
	uint64_t i = (uint64_t)lcore * r->hdr->cp_workers + worker;
	return (struct bolt_ring *)(r->base + r->hdr->miss_ring_off +
	                            i * r->hdr->miss_ring_stride);
}

struct bolt_ring *bolt_region_worker_answer_ring(struct bolt_region *r, unsigned lcore,
                                                 unsigned worker)
{
	if (r == NULL || lcore >= BOLT_MAX_LCORES || worker >= r->hdr->cp_workers)
		return NULL;
	uint64_t i = (uint64_t)lcore * r->hdr->cp_workers + worker;
	return (struct bolt_ring *)(r->base + r->hdr->answer_ring_off +
	                            i * r->hdr->answer_ring_stride);
}

struct bolt_ring *bolt_region_miss_ring(struct bolt_region *r, unsigned lcore)
{
	return bolt_region_worker_miss_ring(r, lcore, 0);
}

struct bolt_ring *bolt_region_answer_ring(struct bolt_region *r, unsigned lcore)
{
	return bolt_region_worker_answer_ring(r, lcore, 0);
}

struct bolt_worker_info *bolt_region_worker_info(struct bolt_region *r, unsigned w)
{
	if (r == NULL || w >= BOLT_MAX_WORKERS)
		return NULL;
	return (struct bolt_worker_info *)(r->base + r->hdr->worker_info_off) + w;
}

struct bolt_ctl_journal *bolt_region_journal(struct bolt_region *r)
{
	if (r == NULL)
		return NULL;
	uint64_t off = align_up(r->hdr->worker_info_off +
	                        BOLT_MAX_WORKERS * sizeof(struct bolt_worker_info), BOLT_CACHE_LINE);
	return (struct bolt_ctl_journal *)(r->base + off);
}

/* ---- ownership (region.h "Ownership") ---- */

int bolt_region_token_new(uint64_t *token)
{
	uint32_t rnd = 0;
	do {
		ssize_t n = getrandom(&rnd, sizeof(rnd), 0);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n >= 0 && n != (ssize_t)sizeof(rnd))
			rnd = 0;
	} while (rnd == 0);
	*token = (uint64_t)(uint32_t)getpid() << 32 | rnd;
	return 0;
}

uint64_t bolt_region_clock_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Whether pid names a live process (not a zombie) in our pid namespace. */
static bool pid_alive(int32_t pid)
{
	char st = bolt_proc_state(pid);
	return st != 0 && st != 'Z' && st != 'X';
}

/* Whether the owner holding cur (not ours, not 0) is still there. */
static bool owner_alive(const struct bolt_region_owner *o, uint64_t cur, uint64_t token,
                        uint64_t now_ms)
{
	int32_t pid = bolt_region_token_pid(cur);
	/* Our pid with another token: an earlier incarnation of this process. */
	if (pid == bolt_region_token_pid(token) || !pid_alive(pid))
		return false;
	uint64_t hb = atomic_load_explicit(&o->heartbeat, memory_order_acquire);
	/* A beat far "in the future" (a clock of another time namespace) is as
	 * stale as an old one. */
	uint64_t age = now_ms >= hb ? now_ms - hb : hb - now_ms;
	return age < BOLT_REGION_OWNER_STALE_MS;
}

/* A role this region has: the dataplane's, or one of its cp_workers sets. */
static bool role_ok(const struct bolt_region *r, unsigned role)
{
	return r != NULL && role < BOLT_REGION_ROLES && role <= r->hdr->cp_workers;
}

int bolt_region_claim(struct bolt_region *r, unsigned role, uint64_t token, uint64_t now_ms,
                      uint64_t *owner)
{
	if (!role_ok(r, role) || token == 0)
		return -EINVAL;
	struct bolt_region_owner *o = &r->hdr->owner[role];
	uint64_t cur = atomic_load_explicit(&o->token, memory_order_acquire);
	for (;;) {
		if (cur == token) {
			atomic_store_explicit(&o->heartbeat, now_ms, memory_order_release);
			return 0;
		}
		if (cur != 0 && owner_alive(o, cur, token, now_ms)) {
			if (owner != NULL)
				*owner = cur;
			return -EBUSY;
		}
		/* Beat before the swap: whoever wins it finds a fresh heartbeat
		 * behind its token, so a third claimant never takes the new owner
		 * for a stale one in between. */
		atomic_store_explicit(&o->heartbeat, now_ms, memory_order_release);
		if (atomic_compare_exchange_strong_explicit(&o->token, &cur, token,
		                                            memory_order_acq_rel,
		                                            memory_order_acquire))
			return 0;
	}
}

int bolt_region_beat(struct bolt_region *r, unsigned role, uint64_t token, uint64_t now_ms,
                     uint64_t *owner)
{
	if (!role_ok(r, role) || token == 0)
		return -EINVAL;
	struct bolt_region_owner *o = &r->hdr->owner[role];
	uint64_t cur = atomic_load_explicit(&o->token, memory_order_acquire);
	if (cur != token) {
		if (owner != NULL)
			*owner = cur;
		return -EOWNERDEAD;
	}
	atomic_store_explicit(&o->heartbeat, now_ms, memory_order_release);
	return 0;
}

bool bolt_region_release(struct bolt_region *r, unsigned role, uint64_t token)
{
	if (!role_ok(r, role) || token == 0)
		return false;
	return atomic_compare_exchange_strong(&r->hdr->owner[role].token, &token, 0);
}
