/*
 * The shared answer cache: shards -> buckets of one cache line -> records in
 * a per-shard circular log.
 *
 * Layout (offsets only, the region may sit at different addresses in the
 * two processes):
 *   struct bolt_cache            geometry and hash secret, read-only after formatting
 *   shard[0 .. shards)           each shard_stride bytes:
 *     struct shard               writer lock (own line), log state, counters
 *     struct bucket[buckets]     64 bytes: version, spill count, 8 slots (tags, line
 *                                counts and refs, each an array)
 *     arena                      records, appended at head, reclaimed at tail
 *
 * Hash: XXH3 of the name with a 192-byte secret, xor a multiply-fold of
 * (qtype, qclass, DO, CD: BOLT_CACHE_KEY_CD) xor a key; secret and key are drawn from getrandom
 * when the cache is formatted and kept in its header, so nobody outside can
 * compute names that share a bucket (hash flooding), and a restarted
 * process (same secret) finds every entry. A hash is therefore only valid
 * for the cache it was computed for. About 0.5 ns a key more than the
 * fixed-seed XXH3 it replaces (bench/results/2026-12-05-hash-secret.md);
 * the short-name path and the multiply-fold took 83 instructions a key to 53
 * (bench/results/2026-12-05-cache-lookup.md).
 *
 * Hash bits: shard = top 8 bits, bucket = low 32 bits scaled to the bucket
 * count (multiply-shift, so the count need not be a power of two and the
 * bucket array can be sized exactly), tag = bits 32..47 (independent of
 * both). A slot holds the 16-bit tag, ref = (record offset / 8) + 1 (0 =
 * empty) and how many cache lines the record spans (capped at 255); the
 * eight tags are one aligned 16-byte vector, matched with one compare. So a
 * lookup reads one line, touches a record only when the tag matches (a
 * stranger's tag matches one slot in 65536: a wasted record read, not a
 * wrong answer), and a burst lookup prefetches exactly the record's lines
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
 *   one vector load of the tags (SSE2), where TSan builds load each tag.
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
#include "lib/cache/cache_int.h"

/* ---- clock, pid ---- */

uint32_t bolt_now(void)
{
	struct timespec ts;
	/* coarse is a vDSO read of the last tick: seconds do not need better */
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (uint32_t)ts.tv_sec;
}

/*
 * The name through XXH3 with a random secret rather than a random seed: with
 * the default secret, fixed pairs of names collide for one seed in ~2^10.5
 * (xxHash issue #1127), with a random secret for one in ~2^27. (Nor is
 * XXH3_64bits_withSecretandSeed a cheaper way to add the type fields: up to
 * 240 bytes it ignores the secret given and uses the default one with the
 * seed.) The other fields are mixed in from registers, independently of the
 * name's hash: hashing them from memory along with the name reads bytes the
 * caller has just stored piecewise, and the failed store forwarding tripled
 * the cost (6 ns a key): the type word xored with the cache's random key,
 * multiplied by a constant into 128 bits, both halves xored (every bit of the
 * word reaches the middle bits, and the fold spreads them over all 64; one
 * multiply where MurmurHash3's finalizer took two and three shifts).
 */
/* An odd constant (2^64 / golden ratio) */
#define TYPE_MULT 0x9e3779b97f4a7c15ull

static inline __attribute__((always_inline)) uint64_t
key_hash(const struct bolt_cache *c, const struct bolt_cache_key *k, size_t len)
{
	uint64_t t = (uint64_t)k->qtype | ((uint64_t)k->qclass << 16) |
	             ((uint64_t)key_do_cd(k->do_bit) << 32);
	return XXH3_64bits_withSecret(k->name, len, c->secret, sizeof(c->secret)) ^
	       mul_fold64(t ^ c->type_key, TYPE_MULT);
}

/* Names past 32 bytes: XXH3's longer paths, out of line (a tail call). */
static __attribute__((noinline, flatten)) void key_hash_long(const struct bolt_cache *c,
                                                             struct bolt_cache_key *k)
{
	k->hash = key_hash(c, k, k->name_len);
}

/* Most names are up to 32 bytes in wire form: their two XXH3 paths inline
 * and nothing else, so the call saves no register and sets up no frame (with
 * every path inlined it pushed six registers and a 168-byte frame). Same
 * hash either way. */
__attribute__((flatten)) void bolt_cache_key_hash(const struct bolt_cache *c,
                                                  struct bolt_cache_key *k)
{
	size_t len = k->name_len;
	if (bolt_unlikely(len > 32)) {
		key_hash_long(c, k);
		return;
	}
	k->hash = key_hash(c, k, len);
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

uint64_t bolt_cache_shard_offset(const struct bolt_cache *c)
{
	return c->shard_off;
}

/* ---- reader ---- */

/*
 * Slot matching. A bucket's eight 16-bit tags are one aligned vector: one
 * compare gives two mask bits per slot (bits 2i and 2i + 1 for slot i; the
 * even ones are kept), instead of a loop with a branch per slot, whose
 * outcome (which slot holds the key) is random and mispredicts on every
 * lookup.
 */
#define TAG_BITS 0x5555u
/* At most this many lines of a record are prefetched (a 512-byte answer):
 * more would fill the line-fill buffers with one key's lines. */
#define PREFETCH_LINES 8u
#define SLOT_OF_BIT(bit) ((bit) >> 1)

static inline uint32_t tag_matches(const struct bucket *b, uint16_t tag)
{
#if defined(__SSE2__) && !CACHE_TSAN
	/* a plain load of the tags: the version check that follows every
	 * lookup covers these bytes like the record bytes it copies */
	__m128i v = _mm_load_si128((const __m128i *)(const void *)b->tag);
	__m128i eq = _mm_cmpeq_epi16(v, _mm_set1_epi16((short)tag));
	return (uint32_t)_mm_movemask_epi8(eq) & TAG_BITS;
#else
	uint32_t m = 0;
	for (unsigned i = 0; i < SLOTS; i++)
		m |= (uint32_t)(atomic_load_explicit(&b->tag[i], memory_order_relaxed) == tag)
		     << (2u * i);
	return m;
#endif
}

/* The key's qtype, qclass, DO and name length as the 8 record bytes from
 * qtype to the end of the padding hold them (the padding is always zero), so
 * one compare checks them all. */
static inline uint64_t key_word(const struct bolt_cache_key *k)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* The key holds the same four fields in the same order: one load of
	 * them (and of two name bytes, masked off), unless the DO byte needs
	 * key_do_cd's normalising (only 0..3 are their own normal form). */
#define KEY_AT(f) (offsetof(struct bolt_cache_key, f) - offsetof(struct bolt_cache_key, qtype))
	_Static_assert(KEY_AT(qclass) == 2 && KEY_AT(do_bit) == 4 && KEY_AT(name_len) == 5 &&
	               KEY_AT(name) == 6, "key fields in record order");
#undef KEY_AT
	if (bolt_likely(k->do_bit <= (BOLT_CACHE_KEY_DO | BOLT_CACHE_KEY_CD))) {
		uint64_t v;
		memcpy(&v, (const uint8_t *)k + offsetof(struct bolt_cache_key, qtype), sizeof(v));
		return v & 0x0000ffffffffffffull;
	}
#endif
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

/* copy_out for a TTL offset list (2 * nttl bytes): mostly 2 to 12 bytes, so
 * the short cases first. */
static inline void copy_ttl(uint8_t *dst, const uint8_t *src, size_t n)
{
#if !CACHE_TSAN
	if (bolt_likely(n <= 16)) {
		if (n >= 8) {
			uint64_t a = load64(src), b = load64(src + n - 8);
			memcpy(dst, &a, 8);
			memcpy(dst + n - 8, &b, 8);
		} else if (n >= 4) {
			uint32_t a = load32(src), b = load32(src + n - 4);
			memcpy(dst, &a, 4);
			memcpy(dst + n - 4, &b, 4);
		} else {
			memcpy(dst, src, 2); /* n is even: 2 */
		}
		return;
	}
#endif
	copy_out(dst, src, n);
}

/* Compare n (1..255) bytes of a record's name with the key's. Names are a few
 * dozen bytes and nearly always equal once the hash matched: whole words, the
 * last one overlapping the one before, and no call to memcmp. */
static inline bool name_equal(const uint8_t *shm, const uint8_t *key, size_t n)
{
#if CACHE_TSAN
	return shm_equal(shm, key, n);
#else
#if defined(__SSE2__)
	if (bolt_likely(n >= 16)) {
		/* 16 bytes at a time, the last block overlapping: the first and
		 * the last block without a loop (names of 16 to 32 bytes), the
		 * ones between in a loop */
#define XOR16(o) _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(shm + (o))), \
		               _mm_loadu_si128((const __m128i *)(const void *)(key + (o))))
		__m128i d = _mm_or_si128(XOR16(0), XOR16(n - 16));
		if (bolt_unlikely(n > 32))
			for (size_t i = 16; i + 16 < n; i += 16)
				d = _mm_or_si128(d, XOR16(i));
#undef XOR16
		return _mm_movemask_epi8(_mm_cmpeq_epi8(d, _mm_setzero_si128())) == 0xffff;
	}
#endif
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

/* One field of a record header, read from the region. */
#define REC_FIELD(p, f, dst) shm_read(&(dst), (p) + offsetof(struct rec, f), sizeof(dst))

/* Copy the value of the record at arena offset off (at most arena_size -
 * sizeof(struct rec)) if it matches k (kw = key_word(k)). Returns 1 on a
 * match (rc set), 0 when the record is not k's or looks torn. The header's
 * fields are read one by one, each once, straight into registers (a copy of
 * the whole header went through the stack), and the value's fixed part
 * straight into out: a torn read can leave out->val inconsistent only when
 * the caller's version check discards the result. */
/* (always inlined: in the burst loop a call per key costs more than the
 * memory stall it would hide behind) */
static inline __attribute__((always_inline)) int
read_rec_at(const struct bolt_cache *c, const uint8_t *arena, uint64_t off,
            const struct bolt_cache_key *k, uint64_t kw, uint32_t now, struct bolt_cache_out *out,
            int *rc)
{
	const uint8_t *p = arena + off;
	uint64_t w;
	shm_read(&w, p + offsetof(struct rec, qtype), sizeof(w));
	if (w != kw)
		return 0;
	uint32_t size, len, expires;
	uint16_t nttl;
	REC_FIELD(p, size, size);
	REC_FIELD(p, val.len, len);
	REC_FIELD(p, val.nttl, nttl);
	/* the name's length is the key's: w matched */
	size_t name_len = k->name_len;
	/* clamp everything a torn header could make up */
	uint64_t need = sizeof(struct rec) + 2u * (uint64_t)nttl + name_len + (uint64_t)len;
	if (bolt_unlikely(size > c->arena_size - off || need > size))
		return 0;
	const uint8_t *ttl = p + sizeof(struct rec);
	const uint8_t *name = ttl + 2u * nttl;
	if (!name_equal(name, k->name, name_len))
		return 0;
	shm_read(&out->val, p + offsetof(struct rec, val), sizeof(out->val));
	if (bolt_unlikely(len > out->cap || nttl > out->ttl_cap)) {
		*rc = BOLT_ESPACE;
		return 1;
	}
	if (nttl)
		copy_ttl((uint8_t *)out->ttl_off, ttl, 2u * nttl);
	if (len)
		copy_out(out->sections, name + name_len, len);
	REC_FIELD(p, val.expires, expires);
	*rc = expires != BOLT_CACHE_EXPIRES_NEVER && expires <= now ? BOLT_EEXPIRED : 0;
	return 1;
}

/* read_rec_at for a slot's ref (0: empty; any value: it may be torn). */
static inline __attribute__((always_inline)) int
read_rec(const struct bolt_cache *c, const uint8_t *arena, uint32_t ref,
         const struct bolt_cache_key *k, uint64_t kw, uint32_t now, struct bolt_cache_out *out,
         int *rc)
{
	uint64_t off = (uint64_t)(ref - 1) * REC_ALIGN;
	if (bolt_unlikely(ref == 0 || off > c->arena_size - sizeof(struct rec)))
		return 0;
	return read_rec_at(c, arena, off, k, kw, now, out, rc);
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
		uint32_t ref = atomic_load_explicit(&b->ref[i], memory_order_relaxed);
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
	uint16_t tag = hash_tag(k->hash);
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

int bolt_cache_lookup(const struct bolt_cache *c, const struct bolt_cache_key *k, uint32_t now,
                      struct bolt_cache_out *out)
{
	out->bucket_ref = 0;
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

/* bolt_cache_bucket_version's reference of bucket b: its line's index from
 * the cache's start, plus one (0: too far for 32 bits, not reported). */
_Static_assert(offsetof(struct bucket, seq) == 0, "the version opens the bucket's line");
static inline uint32_t bucket_ref_of(const struct bolt_cache *c, const struct bucket *b)
{
	uint64_t off = (uint64_t)((const uint8_t *)b - (const uint8_t *)c);
	uint64_t line = off / BOLT_CACHE_LINE;
	return off % BOLT_CACHE_LINE == 0 && line < UINT32_MAX ? (uint32_t)line + 1 : 0;
}

/* What the first two stages of a burst found for one key. */
struct probe {
	const struct bucket *b;
	uint8_t *sbase;
	uint32_t bi;
	uint16_t tag;                 /* hash_tag() of the key (stage 1) */
	uint32_t seq;                 /* version the tags were read at (odd: retry) */
	uint32_t match;               /* tag_matches() */
	uint32_t spill;
	uint32_t first;               /* the first candidate's ref, its offset checked
	                                 against the arena (read_rec_at); 0: none */
};

/* The slow way for one key of a burst: its first candidate (if any) was not
 * it, or its bucket changed since stage 2, or it has spilled entries. */
static __attribute__((noinline)) int
burst_rest(const struct bolt_cache *c, const struct probe *p, const struct bolt_cache_key *k,
           uint32_t now, struct bolt_cache_out *out)
{
	const uint8_t *arena = arena_of(c, p->sbase);
	uint32_t spill;
	int r = BOLT_ENOENT;
	bool valid = false;
	if (bolt_likely(!(p->seq & 1u))) {
		/* the candidates after the first */
		uint32_t m = p->first != 0 ? p->match & (p->match - 1) : p->match;
		r = probe_slots(c, p->b, arena, m, k, key_word(k), now, out);
		fence_acquire();
		valid = atomic_load_explicit(&p->b->seq, VERSION_RECHECK_ORDER) == p->seq;
	}
	if (bolt_unlikely(!valid))
		return lookup_home(c, p->sbase, p->bi, k, now, out);
	if (r == BOLT_ENOENT && p->spill != 0)
		r = lookup_bucket(c, bucket_at(c, p->sbase, partner_of(c, p->bi)), arena, k, now,
		                  out, &spill);
	return r;
}

/*
 * A burst is a pipeline over all its keys, so the memory latency of one key
 * overlaps with the others': (1) locate and prefetch every home bucket;
 * (2) read each bucket's version, match its tags and prefetch every line of
 * the first candidate record (the slot says how many); (3) compare and copy
 * each first candidate, then re-check the version read in (2). The version
 * load in (2) opens the same read section that the re-check in (3) closes,
 * so each bucket's line and record are read once, under one validation, and
 * the candidate's reference read in (2) is used as is; only a key whose first
 * candidate was not it (a miss, or a tag shared with another key), whose
 * bucket changed in between, or whose home has spilled entries (for a miss)
 * goes the slow way (burst_rest). Measured on a memory-bound table, the
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
		pr[i].tag = hash_tag(h);
		pr[i].b = bucket_at(c, pr[i].sbase, pr[i].bi);
		__builtin_prefetch(pr[i].b, 0, 3);
	}
	for (unsigned i = 0; i < n; i++) {
		const struct bucket *b = pr[i].b;
		pr[i].seq = atomic_load_explicit(&b->seq, memory_order_acquire);
		pr[i].spill = atomic_load_explicit(&b->spill, memory_order_relaxed);
		uint32_t m = tag_matches(b, pr[i].tag);
		pr[i].match = m;
		pr[i].first = 0;
		if (m == 0)
			continue;
		/* read again and validated in stage 3 */
		unsigned si = SLOT_OF_BIT((unsigned)__builtin_ctz(m));
		uint32_t ref = atomic_load_explicit(&b->ref[si], memory_order_relaxed);
		uint32_t lines = atomic_load_explicit(&b->lines[si], memory_order_relaxed);
		uint64_t off = (uint64_t)(ref - 1) * REC_ALIGN;
		if (ref != 0 && off <= c->arena_size - sizeof(struct rec)) {
			pr[i].first = ref;
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
	/* the keys of the slow way, done after the others, so that the loop
	 * of the common case makes no call (and keeps its registers) */
	uint64_t slow = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct bolt_cache_key *k = keys[i];
		const struct probe *p = &pr[i];
		int r = BOLT_ENOENT;
		/* the common case: the first candidate, in a bucket that did not
		 * change, is the key's */
		if (bolt_likely(p->first != 0) &&
		    read_rec_at(c, arena_of(c, p->sbase), (uint64_t)(p->first - 1) * REC_ALIGN, k,
		                key_word(k), now, &outs[i], &r)) {
			fence_acquire();
			if (bolt_likely(atomic_load_explicit(&p->b->seq, VERSION_RECHECK_ORDER) ==
			                p->seq && !(p->seq & 1u))) {
				outs[i].bucket_ref = bucket_ref_of(c, p->b);
				outs[i].bucket_ver = p->seq;
				rc[i] = r;
				hits += r == 0;
				continue;
			}
		}
		slow |= 1ull << i;
	}
	for (; slow != 0; slow &= slow - 1) {
		unsigned i = (unsigned)__builtin_ctzll(slow);
		const struct bolt_cache_key *k = keys[i];
		outs[i].bucket_ref = 0;
		int r = bolt_likely(key_ok(k)) ? burst_rest(c, &pr[i], k, now, &outs[i])
		                               : BOLT_ENOENT;
		rc[i] = r;
		hits += r == 0;
	}
	return hits;
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

