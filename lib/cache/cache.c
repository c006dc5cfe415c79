/*
 * The shared answer cache: shards -> buckets of one cache line -> records in
 * a per-shard circular log.
 *
 * Layout (offsets only, the region may sit at different addresses in the
 * two processes):
 *   struct bolt_cache            geometry and hash secret, read-only after formatting
 *   shard[0 .. shards)           each shard_stride bytes:
 *     struct shard               writer lock (own line), log state, counters
 *     struct bucket[buckets]     64 bytes: version, spill count, 7 (tag, ref) slots
 *     arena                      records, appended at head, reclaimed at tail
 *
 * Hash: XXH3 of the name with a 192-byte secret, xor a 64-bit finalizer of
 * (qtype, qclass, DO, CD: BOLT_CACHE_KEY_CD) xor a key; secret and key are drawn from getrandom
 * when the cache is formatted and kept in its header, so nobody outside can
 * compute names that share a bucket (hash flooding), and a restarted
 * process (same secret) finds every entry. A hash is therefore only valid
 * for the cache it was computed for. About 0.5 ns a key more than the
 * fixed-seed XXH3 it replaces (bench/results/2026-12-05-hash-secret.md).
 *
 * Hash bits: shard = top 8 bits, bucket = low 32 bits scaled to the bucket
 * count (multiply-shift, so the count need not be a power of two and the
 * bucket array can be sized exactly), tag = bits 32..55 (independent of
 * both). A slot holds ref = (record offset / 8) + 1 (0 = empty) and a word
 * with the tag in its low 24 bits and, in its top 8, how many cache lines
 * the record spans; so a lookup reads one line, touches a record only when
 * the tag matches, and a burst lookup prefetches exactly the record's lines
 * before it reads any of them.
 *
 * Why a reader never serves a torn value (seqlock per bucket):
 *   A writer changes a bucket only between two increments of its version:
 *   first to an odd value (then a release fence), last to the next even value
 *   (release store). A reader loads the version (acquire), skips an odd one,
 *   copies the slots and the record into its own memory, issues an acquire
 *   fence and loads the version again; only if both loads are equal is the
 *   copy returned. If any byte the reader copied was written after the first
 *   increment, the fence pairing makes the second load see that increment, so
 *   the copy is discarded and retried (a bounded number of times, then the
 *   lookup is a miss: a reader never waits on a writer).
 *
 * Why reusing record memory is safe:
 *   Record memory is only ever overwritten after the record has been unlinked
 *   from its bucket, and unlinking is a bucket change (version bumped). All
 *   writes to one shard's arena happen under that shard's lock, so the unlink
 *   (and its fence) happens before every later write to the same bytes. A
 *   reader that still holds the old ref and copies overwritten bytes therefore
 *   sees its bucket version changed and retries. Lengths and offsets read from
 *   a record that may be torn are clamped to the record's own size and to the
 *   arena before anything is copied, so a torn read is wasted work, never an
 *   out-of-bounds access. Nothing is ever unmapped: the arena is fixed.
 *
 * Writers: one lock per shard, an atomic word holding the owner's token:
 *   its pid in the low 32 bits and a random per-process nonce in the high 32
 *   (drawn at the first lock, again in a forked child), so it works across
 *   processes and a pid is never mistaken for its owner. A writer that finds
 *   the lock held spins briefly, then yields, checking before each yield
 *   whether the owner is alive: a token carrying this process's pid but not
 *   its nonce belongs to an earlier process with the same pid (PID 1 of a
 *   restarted container), which is gone; any other pid is asked with
 *   kill(pid, 0). If the owner is dead (or the word is garbage) the writer
 *   steals the lock and resets the shard (every bucket cleared, log emptied),
 *   because the dead writer may have left the shard half-changed and a lost
 *   shard of cache is cheap next to a wrong answer. (A recycled pid makes the
 *   stealer wait on as if the owner were alive: it never steals from a live
 *   process. Writers sharing a region must share a PID namespace, which
 *   kill() assumes anyway.)
 *
 * Full buckets: an entry whose home bucket is full goes to the partner
 *   bucket (the other line of the same 128-byte pair) if that has room, and
 *   the home bucket counts it in its spill counter; lookups read the partner
 *   only when the home bucket's counter is non-zero, so a miss normally costs
 *   one line. A spilled entry can be missed for an instant while it is being
 *   linked (a miss is always safe: the control plane answers it).
 *
 * Storage and eviction: each shard's arena is a circular log (no malloc, no
 *   size classes, so no calcification). An insert appends the record at the
 *   head; when the head reaches the tail, the oldest records are reclaimed at
 *   the tail: live ones are unlinked (counted as evictions, or expirations if
 *   already expired), replaced or deleted ones were unlinked already. This is
 *   FIFO by insertion time: readers must not write (no reference bits, no hit
 *   counters), so recency of use is unknowable, and insertion order is what a
 *   resolver has: every re-resolution or prefetch of a popular name re-inserts
 *   it at the head. When both the home and the partner bucket are full, the
 *   victim is the home bucket's entry expiring soonest (expired ones first).
 *   An insert therefore never fails for lack of space. Expired entries stay
 *   readable (BOLT_EEXPIRED, for serve-stale) until a writer reclaims them: at
 *   the tail, or when their bucket needs a slot and has no empty one.
 *
 * Costs: deletes by name, zone or kind scan every bucket of every shard
 *   (one shard locked at a time): control-socket operations, not per query.
 *   A walk is a reader: it takes no lock.
 *
 * ThreadSanitizer: the seqlock's racy copies are formally data races in C11.
 *   Under TSan every access to shared record bytes is a relaxed atomic (byte
 *   by byte), which is what the algorithm assumes anyway; normal builds use
 *   memcpy and word compares on the same bytes, and match a bucket's tags with
 *   one vector load of its line (SSE2), where TSan builds load each tag.
 *
 * Reading in bursts (bolt_cache_lookup_burst): hash all, prefetch all home
 *   buckets; match the tags of each and prefetch the candidate record's lines
 *   (each slot says how many); then compare and copy each, validating the
 *   version read when the tags were matched. A burst of 32 hits with their
 *   values copied costs ~11 % more than DPDK's rte_hash bulk lookup returning
 *   positions only (both prehashed), less when both hash their keys, and
 *   less than rte_hash returning data pointers plus the same copy
 *   (bench/README.md).
 */
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
#define CACHE_VERSION 5u        /* 4: 64-bit lock token; 5: hash secret */
#define SLOTS 7
#define REC_ALIGN 8u
#define MAX_SHARDS 256u
#define MIN_ARENA (1u << 20)      /* two largest records fit */
#define MAX_ARENA ((uint64_t)UINT32_MAX * REC_ALIGN - REC_ALIGN)
#define READ_TRIES 64             /* then a lookup gives up: a miss */
#define LOCK_SPINS 128            /* busy spins before yielding the CPU */
#define MAX_SECTIONS 65535u
/* Bucket sizing: one slot per 40 arena bytes. A small record is ~90 bytes,
 * so a full arena loads buckets to ~45%, where a 7-slot bucket overflows
 * (forcing an early eviction) for ~2% of buckets. */
#define BYTES_PER_SLOT 40u

struct slot {
	_Atomic uint32_t tag;         /* hash_tag() | record lines << TAG_LINES_SHIFT */
	_Atomic uint32_t ref;         /* (offset / REC_ALIGN) + 1; 0 = empty */
};

struct bucket {
	_Alignas(BOLT_CACHE_LINE) _Atomic uint32_t seq;
	_Atomic uint32_t spill;       /* entries homed here, stored in the partner */
	struct slot s[SLOTS];
};
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

uint64_t bolt_cache_shard_offset(const struct bolt_cache *c)
{
	return c->shard_off;
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

#define TAG_MASK 0x00ffffffu
#define TAG_LINES_SHIFT 24

static inline uint32_t hash_tag(uint64_t h)
{
	return (uint32_t)(h >> 32) & TAG_MASK;
}

/* A slot's tag word: the key's tag and the number of cache lines (capped at
 * 255) that the record at arena offset off of size bytes touches (the arena
 * starts on a line). */
static inline uint32_t slot_tag(uint64_t h, uint64_t off, uint64_t size)
{
	uint64_t lines = (off + size - 1) / BOLT_CACHE_LINE - off / BOLT_CACHE_LINE + 1;
	return hash_tag(h) | (uint32_t)(lines > 255 ? 255 : lines) << TAG_LINES_SHIFT;
}

static inline uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline uint64_t rec_bytes(uint32_t len, uint16_t nttl, uint8_t name_len)
{
	return align_up(sizeof(struct rec) + 2u * nttl + name_len + (uint64_t)len, REC_ALIGN);
}

static uint64_t pow2_floor(uint64_t v)
{
	uint64_t p = 1;
	while (p <= v / 2)
		p <<= 1;
	return p;
}

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static uint64_t hdr_checksum(const struct bolt_cache *c)
{
	return XXH3_64bits(c, offsetof(struct bolt_cache, checksum));
}

/* ---- clock, pid ---- */

uint32_t bolt_now(void)
{
	struct timespec ts;
	/* coarse is a vDSO read of the last tick: seconds do not need better */
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (uint32_t)ts.tv_sec;
}

/* This process's lock token (see Writers above); 0 until first needed. */
static _Atomic uint64_t cached_token;
static pthread_once_t token_once = PTHREAD_ONCE_INIT;

static void token_forget(void)
{
	atomic_store_explicit(&cached_token, 0, memory_order_relaxed);
}

static void token_init(void)
{
	/* a forked child must not take locks under its parent's token */
	pthread_atfork(NULL, NULL, token_forget);
}

static uint32_t token_nonce(void)
{
	uint32_t n = 0;
	if (getrandom(&n, sizeof(n), GRND_NONBLOCK) != (ssize_t)sizeof(n)) {
		/* no entropy yet (early boot): the clock and the stack address
		 * still differ between two incarnations of one pid */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		n = (uint32_t)XXH3_64bits_withSeed(&ts, sizeof(ts), (uint64_t)(uintptr_t)&ts);
	}
	return n != 0 ? n : 1;
}

static uint64_t self_token(void)
{
	uint64_t t = atomic_load_explicit(&cached_token, memory_order_relaxed);
	if (bolt_likely(t != 0))
		return t;
	pthread_once(&token_once, token_init);
	uint64_t mine = (uint64_t)token_nonce() << 32 | (uint32_t)getpid();
	/* threads racing here must agree on one token, or one would steal
	 * from another */
	if (atomic_compare_exchange_strong_explicit(&cached_token, &t, mine,
	                                            memory_order_relaxed,
	                                            memory_order_relaxed))
		return mine;
	return t;
}

static inline int32_t token_pid(uint64_t t)
{
	return (int32_t)(uint32_t)t;
}

/* Is the writer holding token owner (not ours) gone? */
static bool owner_dead(uint64_t owner, uint64_t me)
{
	int32_t pid = token_pid(owner);
	/* a non-positive pid is garbage (and kill() would address a process
	 * group): never a live writer */
	if (pid <= 0)
		return true;
	/* our pid with another nonce: an earlier process that had our pid */
	if (pid == token_pid(me))
		return true;
	return kill(pid, 0) != 0 && errno == ESRCH;
}

/* ---- keys ---- */

/* MurmurHash3's 64-bit finalizer: every input bit reaches every output bit. */
static inline uint64_t fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The do_bit byte of a key as records hold it: DO as 0/1 (any other
 * non-zero value but CD counts as DO, as it always did), CD as
 * BOLT_CACHE_KEY_CD; so keys with DO 0/1 and no CD hash and compare exactly
 * as before CD existed and entries from before are still found. */
static inline uint8_t key_do_cd(uint8_t d)
{
	return (uint8_t)((d & BOLT_CACHE_KEY_CD) | ((d & ~BOLT_CACHE_KEY_CD) != 0));
}

void bolt_cache_key_hash(const struct bolt_cache *c, struct bolt_cache_key *k)
{
	/* The name through XXH3 with a random secret rather than a random
	 * seed: with the default secret, fixed pairs of names collide for one
	 * seed in ~2^10.5 (xxHash issue #1127), with a random secret for one in
	 * ~2^27. The other fields are mixed in from registers, independently
	 * of the name's hash: hashing them from memory along with the name
	 * reads bytes the caller has just stored piecewise, and the failed
	 * store forwarding tripled the cost (6 ns a key). */
	uint64_t t = (uint64_t)k->qtype | ((uint64_t)k->qclass << 16) |
	             ((uint64_t)key_do_cd(k->do_bit) << 32);
	k->hash = XXH3_64bits_withSecret(k->name, k->name_len, c->secret, sizeof(c->secret)) ^
	          fmix64(t ^ c->type_key);
}

const char *bolt_sec_status_name(uint8_t status)
{
	static const char *const names[] = { "unchecked", "secure", "insecure", "bogus",
	                                     "indeterminate" };
	return status < BOLT_ARRAY_SIZE(names) ? names[status] : "unknown";
}

static _Atomic uint64_t process_seed;

uint64_t bolt_hash_seed(void)
{
	uint64_t s = atomic_load_explicit(&process_seed, memory_order_relaxed);
	if (bolt_likely(s != 0))
		return s;
	uint64_t mine = 0;
	if (getrandom(&mine, sizeof(mine), 0) != (ssize_t)sizeof(mine)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		mine = XXH3_64bits_withSeed(&ts, sizeof(ts), (uint64_t)(uintptr_t)&ts);
	}
	mine |= 1; /* 0 means not drawn yet */
	/* every thread must see the same seed */
	if (atomic_compare_exchange_strong_explicit(&process_seed, &s, mine, memory_order_relaxed,
	                                            memory_order_relaxed))
		return mine;
	return s;
}

/* ---- seqlock, writer side ---- */

static inline uint32_t write_begin(struct bucket *b)
{
	uint32_t s = atomic_load_explicit(&b->seq, memory_order_relaxed);
	atomic_store_explicit(&b->seq, s + 1, VERSION_ODD_ORDER);
	/* the odd version must be visible before any byte it protects changes */
	fence_release();
	return s;
}

static inline void write_end(struct bucket *b, uint32_t s)
{
	atomic_store_explicit(&b->seq, s + 2, memory_order_release);
}

static inline void slot_set(struct slot *s, uint32_t tag, uint32_t ref)
{
	atomic_store_explicit(&s->tag, tag, memory_order_relaxed);
	atomic_store_explicit(&s->ref, ref, memory_order_relaxed);
}

static inline uint32_t slot_ref(const struct slot *s)
{
	return atomic_load_explicit(&s->ref, memory_order_relaxed);
}

static inline void cnt_add(_Atomic uint64_t *c, int64_t v)
{
	/* only ever changed under the shard lock: no read-modify-write needed */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + (uint64_t)v,
	                      memory_order_relaxed);
}

/* Writer: the record a ref points at, or NULL if the ref is out of range. */
static inline struct rec *wrec(const struct bolt_cache *c, uint8_t *arena, uint32_t ref)
{
	uint64_t off = (uint64_t)(ref - 1) * REC_ALIGN;
	if (ref == 0 || off > c->arena_size - sizeof(struct rec))
		return NULL;
	return (struct rec *)(arena + off);
}

static inline bool rec_expired(const struct rec *r, uint32_t now)
{
	return r->val.expires != BOLT_CACHE_EXPIRES_NEVER && r->val.expires <= now;
}

/* Unlink slot i of b (lock held); counts in the given counter. */
/* Count the removal of the entry in slot i of bucket bi (lock held); if it
 * was spilled there from its home bucket, the home's counter drops. */
static void account_drop(const struct bolt_cache *c, uint8_t *sbase, uint32_t bi, unsigned i,
                         _Atomic uint64_t *counter)
{
	struct shard *sh = (struct shard *)sbase;
	struct bucket *b = bucket_at(c, sbase, bi);
	struct rec *r = wrec(c, arena_of(c, sbase), slot_ref(&b->s[i]));
	cnt_add(&sh->entries, -1);
	if (counter != NULL)
		cnt_add(counter, 1);
	if (r == NULL || r->size > c->arena_size)
		return;
	cnt_add(&sh->bytes_used, -(int64_t)r->size);
	uint32_t home = hash_bucket(c, r->hash);
	if (home != bi) {
		struct bucket *hb = bucket_at(c, sbase, home);
		uint32_t n = atomic_load_explicit(&hb->spill, memory_order_relaxed);
		if (n > 0)
			atomic_store_explicit(&hb->spill, n - 1, memory_order_relaxed);
	}
}

static void unlink_slot(const struct bolt_cache *c, uint8_t *sbase, uint32_t bi, unsigned i,
                        _Atomic uint64_t *counter)
{
	struct bucket *b = bucket_at(c, sbase, bi);
	account_drop(c, sbase, bi, i, counter);
	uint32_t s = write_begin(b);
	slot_set(&b->s[i], 0, 0);
	write_end(b, s);
}

/* Empty the shard (lock held): every bucket cleared, log reset. */
static void shard_reset(const struct bolt_cache *c, uint8_t *sbase)
{
	struct shard *sh = (struct shard *)sbase;
	for (uint32_t i = 0; i < c->buckets; i++) {
		struct bucket *b = bucket_at(c, sbase, i);
		uint32_t s = atomic_load_explicit(&b->seq, memory_order_relaxed);
		/* a dead writer may have left it odd: make it odd, then even again */
		s |= 1u;
		atomic_store_explicit(&b->seq, s, VERSION_ODD_ORDER);
		fence_release();
		for (unsigned j = 0; j < SLOTS; j++)
			slot_set(&b->s[j], 0, 0);
		atomic_store_explicit(&b->spill, 0, memory_order_relaxed);
		atomic_store_explicit(&b->seq, s + 1, memory_order_release);
	}
	sh->head = 0;
	sh->tail = 0;
	sh->wrap = c->arena_size;
	sh->used = 0;
	atomic_store_explicit(&sh->entries, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->bytes_used, 0, memory_order_relaxed);
}

/* The log state is only changed under the lock, but a corrupted file or a
 * writer that died mid-change can leave it inconsistent: check cheaply. */
static bool shard_sane(const struct bolt_cache *c, const struct shard *sh)
{
	uint64_t a = c->arena_size;
	if (sh->head > a || sh->tail > a || sh->wrap > a || sh->used > a)
		return false;
	if (sh->head % REC_ALIGN || sh->tail % REC_ALIGN || sh->wrap % REC_ALIGN)
		return false;
	return true;
}

static void shard_lock(const struct bolt_cache *c, uint8_t *sbase)
{
	struct shard *sh = (struct shard *)sbase;
	uint64_t me = self_token();
	unsigned spins = 0;

	for (;;) {
		uint64_t owner = 0;
		if (atomic_compare_exchange_weak_explicit(&sh->lock, &owner, me,
		                                          memory_order_acquire,
		                                          memory_order_relaxed))
			break;
		if (owner == 0)
			continue;
		/* critical sections are short: spin a little, then give the CPU
		 * away, since the owner may be descheduled on this very core */
		if (++spins < LOCK_SPINS) {
			cpu_relax();
			continue;
		}
		/* a yield can cost a whole time slice when the CPUs are busy, so
		 * the (cheap) liveness check runs before every one; owner == me
		 * is another thread of this process */
		if (owner != me && owner_dead(owner, me) &&
		    atomic_compare_exchange_strong_explicit(&sh->lock, &owner, me,
		                                            memory_order_acquire,
		                                            memory_order_relaxed)) {
			/* the owner died inside its critical section */
			shard_reset(c, sbase);
			cnt_add(&sh->steals, 1);
			return;
		}
		sched_yield();
	}
	if (bolt_unlikely(!shard_sane(c, sh)))
		shard_reset(c, sbase);
}

static void shard_unlock(uint8_t *sbase)
{
	struct shard *sh = (struct shard *)sbase;
	atomic_store_explicit(&sh->lock, 0, memory_order_release);
}

/* Reclaim the record at the tail (lock held). Returns false if the log is
 * corrupt (the caller resets the shard). */
static bool reclaim_tail(const struct bolt_cache *c, uint8_t *sbase, uint32_t now)
{
	struct shard *sh = (struct shard *)sbase;
	uint8_t *arena = arena_of(c, sbase);

	if (sh->tail >= sh->wrap) {
		sh->tail = 0;
		sh->wrap = c->arena_size;
		return true;
	}
	if (sh->wrap - sh->tail < sizeof(struct rec))
		return false;
	struct rec *r = (struct rec *)(arena + sh->tail);
	uint32_t size = r->size;
	if (size < sizeof(struct rec) || size % REC_ALIGN || size > sh->wrap - sh->tail ||
	    size > sh->used)
		return false;

	/* live iff its home or partner bucket still points at it */
	uint32_t ref = (uint32_t)(sh->tail / REC_ALIGN) + 1;
	uint32_t home = hash_bucket(c, r->hash);
	uint32_t where[2] = { home, partner_of(c, home) };
	_Atomic uint64_t *why = rec_expired(r, now) ? &sh->expirations : &sh->evictions;
	bool found = false;
	for (unsigned w = 0; w < 2 && !found; w++) {
		struct bucket *b = bucket_at(c, sbase, where[w]);
		for (unsigned i = 0; i < SLOTS; i++) {
			if (slot_ref(&b->s[i]) == ref) {
				unlink_slot(c, sbase, where[w], i, why);
				found = true;
				break;
			}
		}
	}
	sh->tail += size;
	sh->used -= size;
	if (sh->tail >= sh->wrap) {
		sh->tail = 0;
		sh->wrap = c->arena_size;
	}
	return true;
}

/* Reserve n bytes at the head of the log, reclaiming at the tail as needed
 * (lock held). n <= arena_size / 2. */
static uint64_t log_alloc(const struct bolt_cache *c, uint8_t *sbase, uint64_t n, uint32_t now)
{
	struct shard *sh = (struct shard *)sbase;
	/* bounded: every pass reclaims, wraps, or allocates; a corrupt log
	 * cannot make it spin forever */
	for (uint64_t guard = 0;; guard++) {
		if (sh->used == 0 || guard > c->arena_size) {
			if (sh->used != 0)
				shard_reset(c, sbase);
			sh->head = 0;
			sh->tail = 0;
			sh->wrap = c->arena_size;
		}
		if (sh->head > sh->tail || sh->used == 0) {
			/* data in [tail, head): free space after head, then before tail */
			if (c->arena_size - sh->head >= n)
				break;
			sh->wrap = sh->head;
			sh->head = 0;
			continue;
		}
		/* wrapped: data in [tail, wrap) and [0, head); free in [head, tail) */
		if (sh->tail - sh->head >= n)
			break;
		if (!reclaim_tail(c, sbase, now))
			shard_reset(c, sbase);
	}
	uint64_t off = sh->head;
	sh->head += n;
	sh->used += n;
	return off;
}

/* ---- reader ---- */

/*
 * Slot matching. A bucket line read as 16 dwords is seq, spill, then (tag,
 * ref) for slot 0..6, so slot i's tag is dword 2 + 2i. Matches are returned
 * as a bitmap in that dword numbering (bit 2 + 2i = slot i): one compare per
 * line instead of a loop with a branch per slot, whose outcome (which slot
 * holds the key) is random and mispredicts on every lookup.
 */
#define TAG_BITS 0x5554u
/* At most this many lines of a record are prefetched (a 512-byte answer):
 * more would fill the line-fill buffers with one key's lines. */
#define PREFETCH_LINES 8u
#define SLOT_OF_BIT(bit) (((bit) >> 1) - 1u)

static inline uint32_t tag_matches(const struct bucket *b, uint32_t tag)
{
#if defined(__SSE2__) && !CACHE_TSAN
	/* a plain load of the line: the version check that follows every
	 * lookup covers these bytes like the record bytes it copies */
	const __m128i *v = (const __m128i *)(const void *)b;
	__m128i t = _mm_set1_epi32((int)tag);
	__m128i mask = _mm_set1_epi32((int)TAG_MASK);
#define CMP4(x) ((uint32_t)_mm_movemask_ps(_mm_castsi128_ps( \
		_mm_cmpeq_epi32(_mm_and_si128((x), mask), t))))
	uint32_t m = CMP4(v[0]) | CMP4(v[1]) << 4 | CMP4(v[2]) << 8 | CMP4(v[3]) << 12;
#undef CMP4
	return m & TAG_BITS;
#else
	uint32_t m = 0;
	for (unsigned i = 0; i < SLOTS; i++)
		m |= (uint32_t)((atomic_load_explicit(&b->s[i].tag, memory_order_relaxed) &
		                 TAG_MASK) == tag)
		     << (2u + 2u * i);
	return m;
#endif
}

/* The key's qtype, qclass, DO and name length as the 8 record bytes from
 * qtype to the end of the padding hold them (the padding is always zero), so
 * one compare checks them all. */
static inline uint64_t key_word(const struct bolt_cache_key *k)
{
	struct {
		uint16_t qtype, qclass;
		uint8_t do_bit, name_len, pad[2];
	} w = { k->qtype, k->qclass, key_do_cd(k->do_bit), k->name_len, { 0, 0 } };
	uint64_t v;
	_Static_assert(sizeof(w) == 8, "key word");
	_Static_assert(offsetof(struct rec, pad) + sizeof(((struct rec *)0)->pad) -
	               offsetof(struct rec, qtype) == 8, "record key word");
	memcpy(&v, &w, sizeof(v));
	return v;
}

static inline uint64_t rec_key_word(const struct rec *h)
{
	uint64_t v;
	memcpy(&v, (const uint8_t *)h + offsetof(struct rec, qtype), sizeof(v));
	return v;
}

#if !CACHE_TSAN
static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}
#endif

/* Copy n bytes out of the region. Values and TTL offset lists are mostly a
 * few dozen bytes: up to 32 are copied inline (two overlapping moves, never
 * a byte outside [src, src + n)), the rest with memcpy. */
static inline void copy_out(uint8_t *dst, const uint8_t *src, size_t n)
{
#if !CACHE_TSAN
	if (n <= 32) {
		if (n >= 16) {
			uint8_t a[16], b[16];
			memcpy(a, src, 16);
			memcpy(b, src + n - 16, 16);
			memcpy(dst, a, 16);
			memcpy(dst + n - 16, b, 16);
		} else if (n >= 8) {
			uint64_t a = load64(src), b = load64(src + n - 8);
			memcpy(dst, &a, 8);
			memcpy(dst + n - 8, &b, 8);
		} else if (n >= 4) {
			uint32_t a = load32(src), b = load32(src + n - 4);
			memcpy(dst, &a, 4);
			memcpy(dst + n - 4, &b, 4);
		} else if (n > 0) {
			uint8_t a = src[0], b = src[n / 2], c = src[n - 1];
			dst[0] = a;
			dst[n / 2] = b;
			dst[n - 1] = c;
		}
		return;
	}
#endif
	shm_read(dst, src, n);
}

/* Compare n (1..255) bytes of a record's name with the key's. Names are a few
 * dozen bytes and nearly always equal once the hash matched: whole words, the
 * last one overlapping the one before, and no call to memcmp. */
static inline bool name_equal(const uint8_t *shm, const uint8_t *key, size_t n)
{
#if CACHE_TSAN
	return shm_equal(shm, key, n);
#else
	if (bolt_likely(n >= 8)) {
		uint64_t d = load64(shm + n - 8) ^ load64(key + n - 8);
		for (size_t i = 0; i + 8 < n; i += 8)
			d |= load64(shm + i) ^ load64(key + i);
		return d == 0;
	}
	if (n >= 4)
		return ((load32(shm) ^ load32(key)) | (load32(shm + n - 4) ^ load32(key + n - 4))) ==
		       0;
	return shm_equal(shm, key, n);
#endif
}

/* Copy the value of a record that matches k (kw = key_word(k)). Returns 1 on
 * a match (rc set), 0 when the record is not k's or looks torn. */
/* (always inlined: in the burst loop a call per key costs more than the
 * memory stall it would hide behind) */
static inline __attribute__((always_inline)) int
read_rec(const struct bolt_cache *c, const uint8_t *arena, uint32_t ref,
         const struct bolt_cache_key *k, uint64_t kw, uint32_t now, struct bolt_cache_out *out,
         int *rc)
{
	uint64_t off = (uint64_t)(ref - 1) * REC_ALIGN;
	if (bolt_unlikely(ref == 0 || off > c->arena_size - sizeof(struct rec)))
		return 0;
	const uint8_t *p = arena + off;
	struct rec h;
	shm_read(&h, p, sizeof(h));
	if (h.hash != k->hash || rec_key_word(&h) != kw)
		return 0;
	/* clamp everything a torn header could make up */
	uint64_t need = sizeof(h) + 2u * (uint64_t)h.val.nttl + h.name_len + (uint64_t)h.val.len;
	if (bolt_unlikely(h.size > c->arena_size - off || need > h.size))
		return 0;
	const uint8_t *ttl = p + sizeof(h);
	const uint8_t *name = ttl + 2u * h.val.nttl;
	if (!name_equal(name, k->name, h.name_len))
		return 0;
	out->val = h.val;
	if (bolt_unlikely(h.val.len > out->cap || h.val.nttl > out->ttl_cap)) {
		*rc = BOLT_ESPACE;
		return 1;
	}
	if (h.val.nttl)
		copy_out((uint8_t *)out->ttl_off, ttl, 2u * h.val.nttl);
	if (h.val.len)
		copy_out(out->sections, name + h.name_len, h.val.len);
	*rc = rec_expired(&h, now) ? BOLT_EEXPIRED : 0;
	return 1;
}

/* Try the slots of b whose tags matched (bitmap m), in slot order, until one
 * holds k. Unvalidated: the caller checks b's version afterwards. */
static inline __attribute__((always_inline)) int
probe_slots(const struct bolt_cache *c, const struct bucket *b, const uint8_t *arena, uint32_t m,
            const struct bolt_cache_key *k, uint64_t kw, uint32_t now, struct bolt_cache_out *out)
{
	int rc = BOLT_ENOENT;
	for (; m != 0; m &= m - 1) {
		unsigned i = SLOT_OF_BIT((unsigned)__builtin_ctz(m));
		uint32_t ref = atomic_load_explicit(&b->s[i].ref, memory_order_relaxed);
		if (read_rec(c, arena, ref, k, kw, now, out, &rc))
			break;
	}
	return rc;
}

/* Look k up in one bucket; *spill gets the bucket's spill counter as read in
 * the same consistent snapshot. */
static int lookup_bucket(const struct bolt_cache *c, const struct bucket *b,
                         const uint8_t *arena, const struct bolt_cache_key *k, uint32_t now,
                         struct bolt_cache_out *out, uint32_t *spill)
{
	uint32_t tag = hash_tag(k->hash);
	uint64_t kw = key_word(k);
	*spill = 0;
	for (unsigned tries = 0; tries < READ_TRIES; tries++) {
		uint32_t s1 = atomic_load_explicit(&b->seq, memory_order_acquire);
		if (bolt_unlikely(s1 & 1u)) {
			cpu_relax();
			continue;
		}
		uint32_t sp = atomic_load_explicit(&b->spill, memory_order_relaxed);
		int rc = probe_slots(c, b, arena, tag_matches(b, tag), k, kw, now, out);
		/* everything copied above must be read before the version re-check */
		fence_acquire();
		if (atomic_load_explicit(&b->seq, VERSION_RECHECK_ORDER) == s1) {
			*spill = sp;
			return rc;
		}
	}
	return BOLT_ENOENT;
}

/* Home bucket first; the partner only if the home has spilled entries. */
static inline int lookup_home(const struct bolt_cache *c, uint8_t *sbase, uint32_t hi,
                              const struct bolt_cache_key *k, uint32_t now,
                              struct bolt_cache_out *out)
{
	uint32_t spill;
	const uint8_t *arena = arena_of(c, sbase);
	int rc = lookup_bucket(c, bucket_at(c, sbase, hi), arena, k, now, out, &spill);
	if (rc != BOLT_ENOENT || bolt_likely(spill == 0))
		return rc;
	return lookup_bucket(c, bucket_at(c, sbase, partner_of(c, hi)), arena, k, now, out,
	                     &spill);
}

static inline bool key_ok(const struct bolt_cache_key *k)
{
	return k->name_len > 0;
}

int bolt_cache_lookup(const struct bolt_cache *c, const struct bolt_cache_key *k, uint32_t now,
                      struct bolt_cache_out *out)
{
	if (bolt_unlikely(!key_ok(k)))
		return BOLT_ENOENT;
	uint8_t *sbase = shard_base(c, hash_shard(c, k->hash));
	return lookup_home(c, sbase, hash_bucket(c, k->hash), k, now, out);
}

void bolt_cache_prefetch(const struct bolt_cache *c, const struct bolt_cache_key *k)
{
	uint8_t *sbase = shard_base(c, hash_shard(c, k->hash));
	__builtin_prefetch(bucket_at(c, sbase, hash_bucket(c, k->hash)), 0, 3);
}

/* What the second stage of a burst found in one key's home bucket. */
struct probe {
	const struct bucket *b;
	uint8_t *sbase;
	uint32_t bi;
	uint32_t seq;                 /* version the tags were read at (odd: retry) */
	uint32_t match;               /* tag_matches() */
	uint32_t spill;
};

/*
 * A burst is a pipeline over all its keys, so the memory latency of one key
 * overlaps with the others': (1) locate and prefetch every home bucket;
 * (2) read each bucket's version, match its tags and prefetch every line of
 * the first candidate record (the slot says how many); (3) compare and copy
 * each candidate, then re-check the version read in (2). The version load in
 * (2) opens the same read section that the re-check in (3) closes, so each
 * bucket's line and record are read once, under one validation; only a key
 * whose bucket changed in between (or whose home has spilled entries, for a
 * miss) goes through lookup_bucket. Measured on a memory-bound table, the
 * time goes to waiting for line-fill buffers, so what matters is the number
 * of lines per key (one bucket line, the record's own lines, nothing else);
 * interleaving stage (3) of earlier keys with stage (2) of later ones was
 * slower (bench/README.md).
 */
unsigned bolt_cache_lookup_burst(const struct bolt_cache *c,
                                 const struct bolt_cache_key *const *keys, unsigned n,
                                 uint32_t now, struct bolt_cache_out *outs, int *rc)
{
	struct probe pr[64];
	unsigned hits = 0;

	if (n > 64)
		n = 64;
	for (unsigned i = 0; i < n; i++) {
		uint64_t h = keys[i]->hash;
		pr[i].sbase = shard_base(c, hash_shard(c, h));
		pr[i].bi = hash_bucket(c, h);
		pr[i].b = bucket_at(c, pr[i].sbase, pr[i].bi);
		__builtin_prefetch(pr[i].b, 0, 3);
	}
	for (unsigned i = 0; i < n; i++) {
		const struct bucket *b = pr[i].b;
		pr[i].seq = atomic_load_explicit(&b->seq, memory_order_acquire);
		pr[i].spill = atomic_load_explicit(&b->spill, memory_order_relaxed);
		uint32_t m = tag_matches(b, hash_tag(keys[i]->hash));
		pr[i].match = m;
		if (m == 0)
			continue;
		/* a hint only: the read in stage 3 is validated */
		const struct slot *sl = &b->s[SLOT_OF_BIT((unsigned)__builtin_ctz(m))];
		uint32_t ref = atomic_load_explicit(&sl->ref, memory_order_relaxed);
		uint32_t lines = atomic_load_explicit(&sl->tag, memory_order_relaxed) >>
		                 TAG_LINES_SHIFT;
		uint64_t off = (uint64_t)(ref - 1) * REC_ALIGN;
		if (ref != 0 && off < c->arena_size) {
			/* the record's lines (from the slot), up to a
			 * typical answer's */
			const uint8_t *r = arena_of(c, pr[i].sbase) +
			                   (off & ~(uint64_t)(BOLT_CACHE_LINE - 1));
			if (lines > PREFETCH_LINES)
				lines = PREFETCH_LINES;
			for (uint32_t l = 0; l < lines; l++)
				__builtin_prefetch(r + l * BOLT_CACHE_LINE, 0, 3);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct bolt_cache_key *k = keys[i];
		const struct probe *p = &pr[i];
		const uint8_t *arena = arena_of(c, p->sbase);
		uint32_t spill;
		int r = BOLT_ENOENT;
		if (bolt_unlikely(!key_ok(k))) {
			rc[i] = BOLT_ENOENT;
			continue;
		}
		bool valid = false;
		if (bolt_likely(!(p->seq & 1u))) {
			r = probe_slots(c, p->b, arena, p->match, k, key_word(k), now, &outs[i]);
			fence_acquire();
			valid = atomic_load_explicit(&p->b->seq, VERSION_RECHECK_ORDER) == p->seq;
		}
		if (bolt_unlikely(!valid))
			r = lookup_home(c, p->sbase, p->bi, k, now, &outs[i]);
		else if (bolt_unlikely(r == BOLT_ENOENT && p->spill != 0))
			r = lookup_bucket(c, bucket_at(c, p->sbase, partner_of(c, p->bi)), arena, k,
			                  now, &outs[i], &spill);
		rc[i] = r;
		hits += r == 0;
	}
	return hits;
}

/* ---- writer ---- */

static bool rec_is_key(const struct rec *r, const uint8_t *name, const struct bolt_cache_key *k)
{
	return r->hash == k->hash && r->qtype == k->qtype && r->qclass == k->qclass &&
	       r->do_bit == key_do_cd(k->do_bit) && r->name_len == k->name_len &&
	       memcmp(name, k->name, k->name_len) == 0;
}

static inline const uint8_t *rec_name(const struct rec *r)
{
	return (const uint8_t *)(r + 1) + 2u * r->val.nttl;
}

/* A record reached through a slot is sane enough for a writer to parse. */
static bool rec_valid(const struct bolt_cache *c, const uint8_t *arena, const struct rec *r)
{
	uint64_t off = (uint64_t)((const uint8_t *)r - arena);
	return r->size >= sizeof(*r) && r->size <= c->arena_size - off &&
	       rec_bytes(r->val.len, r->val.nttl, r->name_len) <= r->size;
}

/* What an insert can use in one bucket (lock held). */
struct scan {
	int same, empty, expired, victim;
};

static void scan_bucket(const struct bolt_cache *c, uint8_t *arena, const struct bucket *b,
                        const struct bolt_cache_key *k, uint32_t now, struct scan *sc)
{
	uint32_t victim_exp = 0;
	sc->same = sc->empty = sc->expired = sc->victim = -1;
	for (unsigned i = 0; i < SLOTS; i++) {
		uint32_t ref = slot_ref(&b->s[i]);
		struct rec *r = ref ? wrec(c, arena, ref) : NULL;
		if (r == NULL || !rec_valid(c, arena, r)) {
			if (sc->empty < 0)
				sc->empty = (int)i;
			continue;
		}
		if (rec_is_key(r, rec_name(r), k)) {
			sc->same = (int)i;
			return;
		}
		if (rec_expired(r, now)) {
			if (sc->expired < 0)
				sc->expired = (int)i;
		} else if (sc->victim < 0 || r->val.expires < victim_exp) {
			sc->victim = (int)i;
			victim_exp = r->val.expires;
		}
	}
}

int bolt_cache_insert(struct bolt_cache *c, const struct bolt_cache_key *k,
                      const struct bolt_cache_val *val, const uint16_t *ttl_off,
                      const uint8_t *sections)
{
	if (c == NULL || k == NULL || val == NULL || !key_ok(k))
		return -EINVAL;
	if ((val->len && sections == NULL) || (val->nttl && ttl_off == NULL))
		return -EINVAL;
	if (val->len > MAX_SECTIONS)
		return BOLT_ETOOBIG;
	uint64_t size = rec_bytes(val->len, val->nttl, k->name_len);
	if (size > c->arena_size / 2)
		return BOLT_ETOOBIG;

	uint32_t now = bolt_now();
	uint32_t sidx = hash_shard(c, k->hash);
	uint8_t *sbase = shard_base(c, sidx);
	struct shard *sh = (struct shard *)sbase;
	uint8_t *arena = arena_of(c, sbase);

	shard_lock(c, sbase);

	/* reclaiming at the tail may change our bucket, so allocate first */
	uint64_t off = log_alloc(c, sbase, size, now);
	struct rec h;
	memset(&h, 0, sizeof(h));
	h.hash = k->hash;
	h.size = (uint32_t)size;
	h.qtype = k->qtype;
	h.qclass = k->qclass;
	h.do_bit = key_do_cd(k->do_bit);
	h.name_len = k->name_len;
	h.val = *val;
	if (h.val.inserted == 0)
		h.val.inserted = now;
	/* The status is kept (the byte was reserved, always 0: old entries
	 * read as unchecked); what is still reserved stays 0. */
	memset(h.val.reserved, 0, sizeof(h.val.reserved));
	/* the bytes are unreachable until linked below: no version needed */
	uint8_t *p = arena + off;
	shm_write(p, &h, sizeof(h));
	p += sizeof(h);
	if (val->nttl)
		shm_write(p, ttl_off, 2u * val->nttl);
	p += 2u * val->nttl;
	shm_write(p, k->name, k->name_len);
	p += k->name_len;
	if (val->len)
		shm_write(p, sections, val->len);

	/* choose the slot: same key (home or partner) > empty home > expired
	 * home > empty partner > expired partner > home entry expiring soonest */
	uint32_t hi = hash_bucket(c, k->hash);
	uint32_t pi = partner_of(c, hi);
	struct bucket *hb = bucket_at(c, sbase, hi);
	struct scan sc_home, sc_part;
	scan_bucket(c, arena, hb, k, now, &sc_home);
	bool part_scanned = false;
	if (sc_home.same < 0 &&
	    (atomic_load_explicit(&hb->spill, memory_order_relaxed) > 0 || sc_home.empty < 0)) {
		scan_bucket(c, arena, bucket_at(c, sbase, pi), k, now, &sc_part);
		part_scanned = true;
	}
	uint32_t bi = hi;
	int pick;
	_Atomic uint64_t *why = NULL;
	if (sc_home.same >= 0) {
		pick = sc_home.same;
		why = &sh->replaces;
	} else if (part_scanned && sc_part.same >= 0) {
		bi = pi;
		pick = sc_part.same;
		why = &sh->replaces;
	} else if (sc_home.empty >= 0) {
		pick = sc_home.empty;
	} else if (sc_home.expired >= 0) {
		pick = sc_home.expired;
		why = &sh->expirations;
	} else if (part_scanned && sc_part.empty >= 0) {
		bi = pi;
		pick = sc_part.empty;
	} else if (part_scanned && sc_part.expired >= 0) {
		bi = pi;
		pick = sc_part.expired;
		why = &sh->expirations;
	} else {
		pick = sc_home.victim;
		why = &sh->evictions;
	}
	struct bucket *b = bucket_at(c, sbase, bi);
	/* an empty slot may still point at garbage (corruption): count it out */
	if (why != NULL || slot_ref(&b->s[pick]) != 0)
		account_drop(c, sbase, bi, (unsigned)pick, why);
	/* whatever left the slot was counted out of its own home's spill (a
	 * replaced spilled entry included): count the new one in */
	if (bi != hi)
		atomic_store_explicit(&hb->spill,
		                      atomic_load_explicit(&hb->spill, memory_order_relaxed) + 1,
		                      memory_order_relaxed);

	/* the old entry leaves and the new one arrives in one bucket change, so
	 * a reader sees one or the other, never a miss in between */
	uint32_t s = write_begin(b);
	slot_set(&b->s[pick], slot_tag(k->hash, off, size), (uint32_t)(off / REC_ALIGN) + 1);
	write_end(b, s);
	cnt_add(&sh->entries, 1);
	cnt_add(&sh->bytes_used, (int64_t)size);
	cnt_add(&sh->inserts, 1);

	shard_unlock(sbase);
	return 0;
}

/* ---- deletion by predicate ---- */

typedef bool (*match_fn)(const struct rec *r, const uint8_t *name, const void *arg);

static int delete_matching(struct bolt_cache *c, match_fn match, const void *arg)
{
	int n = 0;
	for (uint32_t si = 0; si < c->shards; si++) {
		uint8_t *sbase = shard_base(c, si);
		struct shard *sh = (struct shard *)sbase;
		uint8_t *arena = arena_of(c, sbase);
		shard_lock(c, sbase);
		for (uint32_t bi = 0; bi < c->buckets; bi++) {
			struct bucket *b = bucket_at(c, sbase, bi);
			for (unsigned i = 0; i < SLOTS; i++) {
				uint32_t ref = slot_ref(&b->s[i]);
				if (ref == 0)
					continue;
				struct rec *r = wrec(c, arena, ref);
				if (r == NULL || !rec_valid(c, arena, r)) {
					unlink_slot(c, sbase, bi, i, NULL);
					continue;
				}
				if (match(r, rec_name(r), arg)) {
					unlink_slot(c, sbase, bi, i, &sh->deletes);
					if (n < INT32_MAX)
						n++;
				}
			}
		}
		shard_unlock(sbase);
	}
	return n;
}

struct name_type {
	const uint8_t *name;
	size_t len;
	uint16_t qtype;
};

static bool match_name_type(const struct rec *r, const uint8_t *name, const void *arg)
{
	const struct name_type *nt = arg;
	return r->name_len == nt->len && (nt->qtype == 0 || r->qtype == nt->qtype) &&
	       memcmp(name, nt->name, nt->len) == 0;
}

/* Is name (wire form) equal to or below zone? Label-boundary aware. */
static bool name_under(const uint8_t *name, size_t len, const uint8_t *zone, size_t zlen)
{
	size_t pos = 0;
	while (pos < len) {
		if (len - pos == zlen && memcmp(name + pos, zone, zlen) == 0)
			return true;
		uint8_t l = name[pos];
		if (l == 0)
			break;
		pos += 1u + l;
	}
	return false;
}

static bool match_zone(const struct rec *r, const uint8_t *name, const void *arg)
{
	const struct name_type *nt = arg;
	return name_under(name, r->name_len, nt->name, nt->len);
}

static bool match_kind(const struct rec *r, const uint8_t *name, const void *arg)
{
	(void)name;
	return r->val.kind == *(const uint8_t *)arg;
}

int bolt_cache_delete(struct bolt_cache *c, const uint8_t *name, size_t name_len, uint16_t qtype)
{
	if (c == NULL || name == NULL || name_len == 0 || name_len > 255)
		return -EINVAL;
	struct name_type nt = { name, name_len, qtype };
	return delete_matching(c, match_name_type, &nt);
}

int bolt_cache_delete_zone(struct bolt_cache *c, const uint8_t *name, size_t name_len)
{
	if (c == NULL || name == NULL || name_len == 0 || name_len > 255)
		return -EINVAL;
	struct name_type nt = { name, name_len, 0 };
	return delete_matching(c, match_zone, &nt);
}

int bolt_cache_delete_kind(struct bolt_cache *c, uint8_t kind)
{
	if (c == NULL)
		return -EINVAL;
	return delete_matching(c, match_kind, &kind);
}

void bolt_cache_flush(struct bolt_cache *c)
{
	if (c == NULL)
		return;
	for (uint32_t si = 0; si < c->shards; si++) {
		uint8_t *sbase = shard_base(c, si);
		struct shard *sh = (struct shard *)sbase;
		shard_lock(c, sbase);
		cnt_add(&sh->deletes,
		        (int64_t)atomic_load_explicit(&sh->entries, memory_order_relaxed));
		shard_reset(c, sbase);
		shard_unlock(sbase);
	}
}

/* ---- walk ---- */

int bolt_cache_walk(struct bolt_cache *c, bolt_cache_walk_cb cb, void *arg)
{
	if (c == NULL || cb == NULL)
		return -EINVAL;
	/* scratch for one record; the walk is a control-plane operation */
	uint8_t *sections = malloc(MAX_SECTIONS + 1);
	uint16_t *ttl = malloc(sizeof(uint16_t) * 65536);
	if (sections == NULL || ttl == NULL) {
		free(sections);
		free(ttl);
		return -ENOMEM;
	}
	struct bolt_cache_key key;
	struct bolt_cache_out out = { .ttl_off = ttl, .ttl_cap = 65535, .sections = sections,
	                              .cap = MAX_SECTIONS + 1 };
	int ret = 0;

	for (uint32_t si = 0; si < c->shards && ret == 0; si++) {
		uint8_t *sbase = shard_base(c, si);
		const uint8_t *arena = arena_of(c, sbase);
		for (uint32_t bi = 0; bi < c->buckets && ret == 0; bi++) {
			const struct bucket *b = bucket_at(c, sbase, bi);
			for (unsigned i = 0; i < SLOTS && ret == 0; i++) {
				bool got = false;
				for (unsigned tries = 0; tries < READ_TRIES && !got; tries++) {
					uint32_t s1 = atomic_load_explicit(&b->seq,
					                                   memory_order_acquire);
					if (s1 & 1u) {
						cpu_relax();
						continue;
					}
					uint32_t ref = atomic_load_explicit(&b->s[i].ref,
					                                    memory_order_relaxed);
					uint64_t off = (uint64_t)(ref - 1) * REC_ALIGN;
					bool ok = false;
					if (ref != 0 && off <= c->arena_size - sizeof(struct rec)) {
						struct rec h;
						shm_read(&h, arena + off, sizeof(h));
						uint64_t need = sizeof(h) + 2u * (uint64_t)h.val.nttl +
						                h.name_len + (uint64_t)h.val.len;
						if (h.size <= c->arena_size - off && need <= h.size &&
						    h.val.len <= MAX_SECTIONS) {
							const uint8_t *p = arena + off + sizeof(h);
							shm_read(ttl, p, 2u * h.val.nttl);
							p += 2u * h.val.nttl;
							shm_read(key.name, p, h.name_len);
							p += h.name_len;
							shm_read(sections, p, h.val.len);
							key.hash = h.hash;
							key.qtype = h.qtype;
							key.qclass = h.qclass;
							key.do_bit = h.do_bit;
							key.name_len = h.name_len;
							out.val = h.val;
							ok = true;
						}
					}
					fence_acquire();
					if (atomic_load_explicit(&b->seq,
					                         VERSION_RECHECK_ORDER) != s1)
						continue;
					got = true;
					if (ok)
						ret = cb(&key, &out, arg);
				}
			}
		}
	}
	free(sections);
	free(ttl);
	return ret;
}

/* ---- stats ---- */

void bolt_cache_get_stats(const struct bolt_cache *c, struct bolt_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (c == NULL)
		return;
	for (uint32_t si = 0; si < c->shards; si++) {
		struct shard *sh = shard_at(c, si);
		st->entries += atomic_load_explicit(&sh->entries, memory_order_relaxed);
		st->bytes_used += atomic_load_explicit(&sh->bytes_used, memory_order_relaxed);
		st->inserts += atomic_load_explicit(&sh->inserts, memory_order_relaxed);
		st->replaces += atomic_load_explicit(&sh->replaces, memory_order_relaxed);
		st->evictions += atomic_load_explicit(&sh->evictions, memory_order_relaxed);
		st->expirations += atomic_load_explicit(&sh->expirations, memory_order_relaxed);
		st->deletes += atomic_load_explicit(&sh->deletes, memory_order_relaxed);
		st->steals += atomic_load_explicit(&sh->steals, memory_order_relaxed);
	}
	st->bytes_total = (uint64_t)c->shards * c->arena_size;
	st->shards = c->shards;
	st->buckets = c->buckets;
}

/* ---- format / open ---- */

/* Fill the geometry for size bytes and the given shard count. */
static int plan(struct bolt_cache *g, uint64_t size, uint32_t shards)
{
	uint64_t hdr = align_up(sizeof(struct bolt_cache), BOLT_CACHE_LINE);
	if (size < hdr + MIN_ARENA)
		return BOLT_EGEOMETRY;
	uint64_t avail = size - hdr;
	if (shards == 0) {
		/* ~4-8 MiB per shard spreads writers; at most MAX_SHARDS */
		uint64_t s = pow2_floor(avail / (4u << 20) ? avail / (4u << 20) : 1);
		shards = (uint32_t)(s > MAX_SHARDS ? MAX_SHARDS : s);
	}
	if (!is_pow2(shards) || shards > MAX_SHARDS)
		return BOLT_EGEOMETRY;
	uint64_t stride = (avail / shards) & ~(uint64_t)(BOLT_CACHE_LINE - 1);
	uint64_t shdr = align_up(sizeof(struct shard), BOLT_CACHE_LINE);
	if (stride < shdr + BOLT_CACHE_LINE + MIN_ARENA)
		return BOLT_EGEOMETRY;
	uint64_t rest = stride - shdr;
	uint64_t buckets = rest / (BOLT_CACHE_LINE + SLOTS * BYTES_PER_SLOT);
	if (buckets < 2)
		buckets = 2; /* every bucket has a partner */
	if (buckets > UINT32_MAX)
		buckets = UINT32_MAX;
	uint64_t arena = rest - buckets * BOLT_CACHE_LINE;
	arena &= ~(uint64_t)(REC_ALIGN - 1);
	if (arena > MAX_ARENA)
		arena = MAX_ARENA & ~(uint64_t)(REC_ALIGN - 1);
	if (arena < MIN_ARENA)
		return BOLT_EGEOMETRY;

	memset(g, 0, sizeof(*g));
	g->magic = CACHE_MAGIC;
	g->version = CACHE_VERSION;
	g->hdr_size = sizeof(struct bolt_cache);
	g->size = size;
	g->shards = shards;
	g->shard_mask = shards - 1;
	g->buckets = (uint32_t)buckets;
	g->shard_off = hdr;
	g->shard_stride = stride;
	g->bucket_off = shdr;
	g->arena_off = shdr + buckets * BOLT_CACHE_LINE;
	g->arena_size = arena;
	return 0;
}

bool bolt_cache_fits(uint64_t size, uint32_t shards)
{
	struct bolt_cache g;
	return plan(&g, size, shards) == 0;
}

struct bolt_cache *bolt_cache_format(void *mem, uint64_t size, uint32_t shards, int *err)
{
	struct bolt_cache g;
	int e = (mem == NULL || ((uintptr_t)mem % BOLT_CACHE_LINE)) ? -EINVAL : plan(&g, size, shards);
	if (e != 0) {
		if (err)
			*err = e;
		return NULL;
	}
	/* blocks only until the kernel's pool is first seeded (early boot) */
	uint8_t rnd[sizeof(g.type_key) + sizeof(g.secret)];
	for (size_t got = 0; got < sizeof(rnd);) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n < 0 && errno != EINTR) {
			if (err)
				*err = -errno;
			return NULL;
		}
		got += n > 0 ? (size_t)n : 0;
	}
	memcpy(&g.type_key, rnd, sizeof(g.type_key));
	memcpy(g.secret, rnd + sizeof(g.type_key), sizeof(g.secret));
	g.checksum = hdr_checksum(&g);
	struct bolt_cache *c = mem;
	/* the magic goes last so a half-formatted cache never opens */
	c->magic = 0;
	for (uint32_t si = 0; si < g.shards; si++) {
		uint8_t *sbase = (uint8_t *)mem + g.shard_off + (uint64_t)si * g.shard_stride;
		memset(sbase, 0, g.arena_off);
		struct shard *sh = (struct shard *)sbase;
		sh->wrap = g.arena_size;
	}
	memcpy(c, &g, sizeof(g));
	if (err)
		*err = 0;
	return c;
}

struct bolt_cache *bolt_cache_open(void *mem, uint64_t size, int *err)
{
	int e = 0;
	struct bolt_cache g;
	const struct bolt_cache *c = mem;

	if (mem == NULL || ((uintptr_t)mem % BOLT_CACHE_LINE)) {
		e = -EINVAL;
	} else if (size < sizeof(struct bolt_cache)) {
		e = BOLT_EGEOMETRY;
	} else if (c->magic != CACHE_MAGIC) {
		e = BOLT_EMAGIC;
	} else if (c->version != CACHE_VERSION || c->hdr_size != sizeof(struct bolt_cache)) {
		e = BOLT_EVERSION;
	} else if (c->checksum != hdr_checksum(c) || c->size != size) {
		e = BOLT_EGEOMETRY;
	} else if (plan(&g, size, c->shards) != 0 ||
	           memcmp(&g, c, offsetof(struct bolt_cache, type_key)) != 0) {
		/* the stored geometry must be exactly what this code would lay out */
		e = BOLT_EGEOMETRY;
	}
	if (err)
		*err = e;
	return e == 0 ? (struct bolt_cache *)mem : NULL;
}
