/*
 * Inside the shared cache (lib/cache): the layout in the region (header,
 * shards, buckets, records), shared-memory access under ThreadSanitizer,
 * geometry and key helpers. cache.c holds the readers and the formatting,
 * cache_write.c the writers; both follow the design described at the top of
 * cache.c. Not an API outside lib/cache.
 */
#ifndef BOLTDNS_LIB_CACHE_INT_H
#define BOLTDNS_LIB_CACHE_INT_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "boltdns/cache.h"

#if defined(__SANITIZE_THREAD__)
#define CACHE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CACHE_TSAN 1
#endif
#endif
#ifndef CACHE_TSAN
#define CACHE_TSAN 0
#endif

#define CACHE_MAGIC 0x48434143544c4f42ULL /* "BOLTCACH" */
#define CACHE_VERSION 6u        /* 4: 64-bit lock token; 5: hash secret; 6: buckets of
                                   8 slots, 16-bit tags in one vector; type fields
                                   mixed into the hash by one multiply */
#define SLOTS 8
#define REC_ALIGN 8u
#define MAX_SHARDS 256u
#define MIN_ARENA (1u << 20)      /* two largest records fit */
#define MAX_ARENA ((uint64_t)UINT32_MAX * REC_ALIGN - REC_ALIGN)
#define READ_TRIES 64             /* then a lookup gives up: a miss */
#define LOCK_SPINS 128            /* busy spins before yielding the CPU */
#define MAX_SECTIONS 65535u
/* Bucket sizing: one slot per 40 arena bytes. A small record is ~90 bytes,
 * so a full arena loads buckets to ~45%, where an 8-slot bucket overflows
 * into its partner for ~1% of buckets (Poisson; 7 slots: ~1.5%). */
#define BYTES_PER_SLOT 40u

/* A bucket: 8 slots, slot i being (tag[i], lines[i], ref[i]). The tags are
 * one aligned 16-byte vector, so a lookup matches all eight with one compare;
 * lines says how many cache lines the slot's record touches (capped at 255),
 * so a burst prefetches exactly those. */
struct bucket {
	_Alignas(BOLT_CACHE_LINE) _Atomic uint32_t seq;
	_Atomic uint32_t spill;       /* entries homed here, stored in the partner */
	_Atomic uint8_t lines[SLOTS];
	_Alignas(16) _Atomic uint16_t tag[SLOTS]; /* hash_tag() */
	_Atomic uint32_t ref[SLOTS];  /* (offset / REC_ALIGN) + 1; 0 = empty */
};
_Static_assert(offsetof(struct bucket, tag) == 16 && offsetof(struct bucket, ref) == 32,
               "bucket layout");
_Static_assert(sizeof(struct bucket) == BOLT_CACHE_LINE, "bucket is one cache line");

/* Per-shard writer state. Counters are read without the lock (stats), hence
 * relaxed atomics; they are only modified under the lock. */
struct shard {
	_Alignas(BOLT_CACHE_LINE) _Atomic uint64_t lock; /* owner token, 0 = free */
	_Alignas(BOLT_CACHE_LINE) uint64_t head;        /* next append offset */
	uint64_t tail;                                  /* oldest record */
	uint64_t wrap;                                  /* end of data before the head wrapped */
	uint64_t used;                                  /* bytes of records in the log */
	_Atomic uint64_t entries;
	_Atomic uint64_t bytes_used;
	_Atomic uint64_t inserts;
	_Atomic uint64_t replaces;
	_Atomic uint64_t evictions;
	_Atomic uint64_t expirations;
	_Atomic uint64_t deletes;
	_Atomic uint64_t steals;
};

/* the lock is shared between processes: it must not hide a mutex */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics are lock-free");

/* Record header in the arena; followed by ttl_off[nttl], name[name_len],
 * sections[len]; padded to REC_ALIGN. */
struct rec {
	uint64_t hash;
	uint32_t size;                /* bytes of the whole record */
	uint16_t qtype;
	uint16_t qclass;
	uint8_t do_bit;               /* 0/1, | BOLT_CACHE_KEY_CD (key_do_cd) */
	uint8_t name_len;
	uint8_t pad[2];
	struct bolt_cache_val val;
};
_Static_assert(sizeof(struct rec) == 48, "record header size");
_Static_assert(sizeof(struct rec) % REC_ALIGN == 0, "record header alignment");

struct bolt_cache {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint64_t size;                /* bytes given to the cache */
	uint32_t shards;              /* power of two */
	uint32_t shard_mask;
	uint32_t buckets;             /* per shard */
	uint32_t reserved;
	uint64_t shard_off;           /* first shard, from the cache start */
	uint64_t shard_stride;
	uint64_t bucket_off;          /* bucket array, from the shard start */
	uint64_t arena_off;           /* arena, from the shard start */
	uint64_t arena_size;
	/* Keys of the key hash, random per cache (per region), so names that
	 * collide cannot be computed from outside; kept with the cache, so a
	 * restarted process computes the same hashes. */
	uint64_t type_key;            /* mixed with qtype, qclass, DO */
	uint8_t secret[XXH3_SECRET_DEFAULT_SIZE]; /* XXH3 secret for the name */
	uint64_t checksum;            /* over the fields above */
};

/* ---- shared-memory access (see ThreadSanitizer above) ---- */

static inline void shm_read(void *dst, const void *src, size_t n)
{
#if CACHE_TSAN
	for (size_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = __atomic_load_n((const uint8_t *)src + i, __ATOMIC_RELAXED);
#else
	memcpy(dst, src, n);
#endif
}

static inline void shm_write(void *dst, const void *src, size_t n)
{
#if CACHE_TSAN
	for (size_t i = 0; i < n; i++)
		__atomic_store_n((uint8_t *)dst + i, ((const uint8_t *)src)[i], __ATOMIC_RELAXED);
#else
	memcpy(dst, src, n);
#endif
}

static inline bool shm_equal(const void *shm, const void *local, size_t n)
{
#if CACHE_TSAN
	for (size_t i = 0; i < n; i++)
		if (__atomic_load_n((const uint8_t *)shm + i, __ATOMIC_RELAXED) !=
		    ((const uint8_t *)local)[i])
			return false;
	return true;
#else
	return memcmp(shm, local, n) == 0;
#endif
}

/*
 * Fences of the seqlock. ThreadSanitizer does not model standalone fences
 * (gcc warns with -Wtsan); in TSan builds every shared access is an atomic
 * anyway, and the fences become seq_cst accesses of the version word, which
 * order the same way on the hardware the sanitizer runs on.
 */
#if CACHE_TSAN
#define fence_release() ((void)0)
#define fence_acquire() ((void)0)
#define VERSION_ODD_ORDER memory_order_seq_cst
#define VERSION_RECHECK_ORDER memory_order_seq_cst
#else
#define fence_release() atomic_thread_fence(memory_order_release)
#define fence_acquire() atomic_thread_fence(memory_order_acquire)
#define VERSION_ODD_ORDER memory_order_relaxed
#define VERSION_RECHECK_ORDER memory_order_relaxed
#endif

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/* ---- geometry ---- */

static inline uint8_t *shard_base(const struct bolt_cache *c, uint32_t i)
{
	return (uint8_t *)c + c->shard_off + (uint64_t)i * c->shard_stride;
}

static inline struct shard *shard_at(const struct bolt_cache *c, uint32_t i)
{
	return (struct shard *)shard_base(c, i);
}

static inline struct bucket *bucket_at(const struct bolt_cache *c, uint8_t *sbase, uint32_t b)
{
	return (struct bucket *)(sbase + c->bucket_off) + b;
}

/* The partner of bucket b: the other line of its 128-byte pair. */
static inline uint32_t partner_of(const struct bolt_cache *c, uint32_t b)
{
	uint32_t p = b ^ 1u;
	return p < c->buckets ? p : b - 1; /* odd bucket count: the last one */
}

static inline uint8_t *arena_of(const struct bolt_cache *c, uint8_t *sbase)
{
	return sbase + c->arena_off;
}

static inline uint32_t hash_shard(const struct bolt_cache *c, uint64_t h)
{
	return (uint32_t)(h >> 56) & c->shard_mask;
}

static inline uint32_t hash_bucket(const struct bolt_cache *c, uint64_t h)
{
	return (uint32_t)(((uint64_t)(uint32_t)h * c->buckets) >> 32);
}

/* Bits 32..47 of the hash: independent of the bucket (low 32) and of the
 * shard (top 8). */
static inline uint16_t hash_tag(uint64_t h)
{
	return (uint16_t)(h >> 32);
}

/* How many cache lines (capped at 255) the record at arena offset off of size
 * bytes touches (the arena starts on a line). */
static inline uint8_t rec_lines(uint64_t off, uint64_t size)
{
	uint64_t lines = (off + size - 1) / BOLT_CACHE_LINE - off / BOLT_CACHE_LINE + 1;
	return (uint8_t)(lines > 255 ? 255 : lines);
}

static inline uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline uint64_t rec_bytes(uint32_t len, uint16_t nttl, uint8_t name_len)
{
	return align_up(sizeof(struct rec) + 2u * nttl + name_len + (uint64_t)len, REC_ALIGN);
}

static inline uint64_t pow2_floor(uint64_t v)
{
	uint64_t p = 1;
	while (p <= v / 2)
		p <<= 1;
	return p;
}

static inline bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static inline uint64_t hdr_checksum(const struct bolt_cache *c)
{
	return XXH3_64bits(c, offsetof(struct bolt_cache, checksum));
}


/* The 128-bit product of a and b, its halves xored: XXH3's mixing step. */
static inline uint64_t mul_fold64(uint64_t a, uint64_t b)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* The do_bit byte of a key as records hold it: DO as 0/1 (any other
 * non-zero value but CD counts as DO, as it always did), CD as
 * BOLT_CACHE_KEY_CD; so keys with DO 0/1 and no CD hash and compare exactly
 * as before CD existed and entries from before are still found. */
static inline uint8_t key_do_cd(uint8_t d)
{
	return (uint8_t)((d & BOLT_CACHE_KEY_CD) | ((d & ~BOLT_CACHE_KEY_CD) != 0));
}

static inline bool rec_expired(const struct rec *r, uint32_t now)
{
	return r->val.expires != BOLT_CACHE_EXPIRES_NEVER && r->val.expires <= now;
}

/* A key with a name (the hash is the caller's business). */
static inline bool key_ok(const struct bolt_cache_key *k)
{
	return k->name_len > 0;
}

#endif
