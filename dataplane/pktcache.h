/*
 * The per-lcore packet cache of the specialised hit path (fastpath.c).
 *
 * A query whose DNS bytes after the 2-byte ID (flags, counts, the question
 * as received, its case included, the OPT) equal those of a query the fast
 * path answered from the shared cache earlier in the same second gets the
 * same response again, the ID aside: the fast path keeps, per answered
 * query, the response's header words after the ID, the bytes that follow
 * the question (records and OPT) and the one's complement sum of the
 * response's DNS payload without the ID, and answers the next identical
 * query by copying them over it (the question stays in place) and adding
 * the ID to the stored sum for the UDP checksum (RFC 1071 / 1624).
 *
 * Exact, not approximate: an entry is served only
 *   - in the second (bolt_now()) it was built in: TTLs are aged per second,
 *     so the same second gives the same bytes, and an entry that was not
 *     expired then is not expired now (the shared cache's test is the same
 *     second);
 *   - while the shared cache's bucket the answer was read from keeps the
 *     version it was read at (bolt_cache_bucket_version: any insert,
 *     replace, eviction, delete, flush or shard reset of that bucket
 *     advances it), checked by the caller for every hit;
 *   - under the server UDP size and the policy it was built under (a change
 *     of either clears the table: dp_pkc_bind);
 *   - when the response fits the frame's buffer (the caller checks).
 * It stores only answers the fast path built from a plain hit, not in the
 * last 10 % of their TTL (those send prefetch hints: they go the fast
 * path's way every time), whose query (after the ID) and response tail fit
 * a slot; anything else is simply not stored. Every per-packet decision of
 * the fast path (frame checks, service address, ACL, rate limit) and the
 * counters still happen per packet for a hit here.
 *
 * The table: 8-way sets, each a line of tags and seconds (dp_pkc_set) and
 * 8 slots of 128 bytes (two cache lines). The set is chosen by XXH3 of the
 * query's bytes with a random per-table seed (getrandom), so that nobody
 * outside can send queries that collide; the stored bytes are compared in
 * full (never the hash alone). A probe reads the set's line (prefetched a
 * stage ahead: dp_pkc_prefetch), and only for a tag of this second the
 * slot's two lines (prefetched by dp_pkc_candidate a stage before the
 * compare, dp_pkc_match). A store takes the query's own way, else an empty
 * one or one of an earlier second; a set full of entries of this second
 * takes nothing more in it: the questions asked most come first in a
 * second and keep their ways, those asked once do not push them out (with
 * eviction, 76 % of the probes of a Zipf 1.1 mix hit and the table made
 * the hit path no faster; without, 83 %, and 0.91 of the time). A miss of
 * the table costs its hash, the set's line and, when the fast path answers
 * the query and the set has room, the store of its slot; a window (a
 * second, or 4096 probes) in which most probes missed makes the next one
 * use the table in one burst of DP_PKC_SAMPLE only (dp_pkc_burst).
 *
 * Thread: one table per worker, used by that worker's thread only.
 */
#ifndef BOLTDNS_DP_PKTCACHE_H
#define BOLTDNS_DP_PKTCACHE_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "boltdns/common.h"

/* Slots a worker's table has unless configured ([dataplane]
 * packet-cache-size): 16384 slots, 2.1 MiB. */
#define DP_PKC_DEFAULT 16384u
#define DP_PKC_MIN 16u
#define DP_PKC_MAX (1u << 20)
/* Bytes of a slot for the query after its ID and the response's tail. */
#define DP_PKC_DATA 106u
/* Ways of a set. */
#define DP_PKC_WAYS 8u

/* A set's tags: slot i of the set is in use when tag[i] != 0, for the
 * second sec[i]. One cache line. */
struct dp_pkc_set {
	_Alignas(BOLT_CACHE_LINE) uint32_t tag[DP_PKC_WAYS]; /* upper half of the hash, | 1;
	                                                        0: empty */
	uint32_t sec[DP_PKC_WAYS];                           /* bolt_now() it was built in */
};
_Static_assert(sizeof(struct dp_pkc_set) == BOLT_CACHE_LINE, "a set's tags are one line");

struct dp_pkc_slot {
	_Alignas(BOLT_CACHE_LINE) uint32_t bref;         /* shared cache bucket the answer came from
	                          (bolt_cache_out.bucket_ref) */
	uint32_t bver;         /* and its version then */
	uint16_t sum;          /* the response's DNS payload without the ID: its one's
	                          complement sum, folded, memory order */
	uint8_t qlen;          /* query bytes after the ID: data[0..qlen) */
	uint8_t qend;          /* 12 + the question's length: where the tail goes */
	uint8_t tlen;          /* response bytes after the question: data[qlen..+tlen) */
	uint8_t qslot;         /* dp_qtype_slot of the question's type (counters) */
	uint8_t hdr[8];        /* the response's flags, ANCOUNT, NSCOUNT, ARCOUNT as sent
	                          (QDCOUNT is 1) */
	uint8_t data[DP_PKC_DATA];
};
_Static_assert(sizeof(struct dp_pkc_slot) == 128, "a slot is two cache lines");

struct dp_pkc {
	struct dp_pkc_set *set;    /* set[s]'s ways are slot[s * DP_PKC_WAYS + i] */
	struct dp_pkc_slot *slot;  /* NULL: off */
	uint32_t mask;             /* sets - 1 */
	size_t map_len;            /* bytes mapped at set (dp_pkc_fini) */
	unsigned udp_max;          /* bound to (dp_pkc_bind) */
	const void *pol;
	uint64_t seed;             /* of the hash */
	uint64_t hits;             /* answered from the table (tests, benchmarks) */
	uint64_t stores;
	uint64_t stale;            /* found, but its bucket had changed */
	uint64_t full;             /* not stored: its set full of this second's */
	uint64_t differ;           /* a candidate (tag, second) not served: other bytes,
	                              or no room in the frame for it */
	uint64_t probes;           /* queries looked for (hashed) */
	/* Thrashing guard (dp_pkc_burst): the counters at the start of the
	 * current second, whether the table is bypassed in it, bursts since. */
	uint64_t win_hits, win_probes;
	uint32_t win_sec;
	uint32_t skip;
	bool bypass;
};

/* Bypass: a window (a second, or DP_PKC_WINDOW probes) in which fewer than
 * half of at least DP_PKC_MIN_PROBES probes hit makes the next one use the
 * table in 1 burst of DP_PKC_SAMPLE only (those bursts measure whether it
 * would pay again). */
#define DP_PKC_MIN_PROBES 1024u
#define DP_PKC_SAMPLE 16u
/* ... decided again every second and every DP_PKC_WINDOW probes */
#define DP_PKC_WINDOW 4096u

/* What dp_pkc_store keeps of one response the fast path built in place. */
struct dp_pkc_build {
	const uint8_t *dns;        /* the response: ID, header, the query's question
	                              unchanged, the tail */
	size_t qend;               /* 12 + question length */
	size_t len;                /* response length */
	uint64_t csum;             /* partial sum of dns[0..len) (bolt_csum_*) */
	uint64_t opt_tail;         /* the query's OPT from its CLASS on (memory order) */
	uint16_t qflags;           /* the query's flags word */
	bool edns;                 /* the query ended with an OPT (no options) */
	uint8_t qslot;
	uint32_t bref, bver;
};

/*
 * Size c to slots entries (0: off; else a power of two in
 * DP_PKC_MIN..DP_PKC_MAX), empty, with a fresh random seed (getrandom; the
 * process's bolt_hash_seed if that fails). Frees what c had. The table's
 * memory is not touched here: the first dp_pkc_bind (the worker's first
 * burst, on its own lcore) does. Returns 0,
 * -EINVAL for a bad size, -ENOMEM (c is then off).
 */
int dp_pkc_init(struct dp_pkc *c, unsigned slots);

/* Free c's table (c is off afterwards). */
void dp_pkc_fini(struct dp_pkc *c);

/* Forget every entry (the table stays). */
void dp_pkc_clear(struct dp_pkc *c);

/* The table's slots (0: off). */
static inline unsigned dp_pkc_size(const struct dp_pkc *c)
{
	return c->slot == NULL ? 0 : (c->mask + 1) * DP_PKC_WAYS;
}

/* The answers' server UDP size and policy: entries were built under the
 * ones given last; other ones clear the table. Once per burst (two
 * compares). */
static inline void dp_pkc_bind(struct dp_pkc *c, unsigned udp_max, const void *pol)
{
	if (bolt_unlikely(c->udp_max != udp_max || c->pol != pol)) {
		dp_pkc_clear(c);
		c->udp_max = udp_max;
		c->pol = pol;
	}
}

/* The start of a window: decide whether it bypasses the table. */
void dp_pkc_window(struct dp_pkc *c, uint32_t now);

/*
 * Per burst (after dp_pkc_bind): whether this burst is to use the table.
 * When most probes miss (traffic that never repeats within a second, or
 * more distinct questions than slots), a probe and a store per query cost
 * more than the hits save: such a window (a second, or DP_PKC_WINDOW
 * probes) is followed by one that uses the table in 1 burst of
 * DP_PKC_SAMPLE only, until the sampled bursts hit often enough again.
 */
static inline bool dp_pkc_burst(struct dp_pkc *c, uint32_t now)
{
	if (bolt_unlikely(now != c->win_sec || c->probes - c->win_probes >= DP_PKC_WINDOW))
		dp_pkc_window(c, now);
	if (bolt_likely(!c->bypass))
		return true;
	return (++c->skip & (DP_PKC_SAMPLE - 1)) == 0;
}

/* Whether query bytes of this length (after the ID) may be in the table. */
static inline bool dp_pkc_fits(size_t n)
{
	return n >= 8 && n <= DP_PKC_DATA;
}

/* The hash of the query's bytes after its ID (q, n bytes, dp_pkc_fits). */
static inline uint64_t dp_pkc_hash(const struct dp_pkc *c, const uint8_t *q, size_t n)
{
	return XXH3_64bits_withSeed(q, n, c->seed);
}

/* Prefetch the tags of hash h's set. */
static inline void dp_pkc_prefetch(const struct dp_pkc *c, uint64_t h)
{
	__builtin_prefetch(&c->set[h & c->mask], 0, 3);
}

/* The ways of set t whose tag is tag and second now (a bit each). */
static inline unsigned dp_pkc_ways(const struct dp_pkc_set *t, uint32_t tag, uint32_t now)
{
	unsigned m = 0;
	for (unsigned i = 0; i < DP_PKC_WAYS; i++)
		m |= (unsigned)((t->tag[i] == tag) & (t->sec[i] == now)) << i;
	return m;
}

/* The slot that may hold the query of hash h built in the second now (its
 * tag matches; its two lines are prefetched for dp_pkc_match), or NULL. */
static inline struct dp_pkc_slot *dp_pkc_candidate(const struct dp_pkc *c, uint64_t h,
                                                   uint32_t now)
{
	uint32_t set = (uint32_t)h & c->mask;
	unsigned m = dp_pkc_ways(&c->set[set], (uint32_t)(h >> 32) | 1u, now);
	if (m == 0)
		return NULL;
	struct dp_pkc_slot *s = &c->slot[set * DP_PKC_WAYS + (unsigned)__builtin_ctz(m)];
	__builtin_prefetch(s, 0, 3);
	__builtin_prefetch((const uint8_t *)s + BOLT_CACHE_LINE, 0, 3);
	return s;
}

/* a[0..n) == b[0..n), n >= 8, by words (the last one overlapping). */
static inline bool dp_pkc_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y, d = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return (d | (x ^ y)) == 0;
}

/* Whether candidate e holds the query bytes q[0..n) (after the ID). */
static inline bool dp_pkc_match(const struct dp_pkc_slot *e, const uint8_t *q, size_t n)
{
	return e->qlen == n && dp_pkc_equal(e->data, q, n);
}

/* The entry of the query bytes q[0..n) (after the ID; hash h) built in the
 * second now, or NULL: dp_pkc_candidate and dp_pkc_match at once. The
 * caller then checks its bucket version
 * (bolt_cache_bucket_version(cache, e->bref) == e->bver) and that
 * dp_pkc_room(e) bytes fit the frame's buffer. */
static inline struct dp_pkc_slot *dp_pkc_find(const struct dp_pkc *c, uint64_t h,
                                              const uint8_t *q, size_t n, uint32_t now)
{
	struct dp_pkc_slot *e = dp_pkc_candidate(c, h, now);
	return e != NULL && dp_pkc_match(e, q, n) ? e : NULL;
}

/* Bytes dp_pkc_answer writes from the DNS payload's start for entry e:
 * its response and up to 15 bytes more. */
static inline size_t dp_pkc_room(const struct dp_pkc_slot *e)
{
	return (size_t)e->qend + ((e->tlen + 15u) & ~15u);
}

/* Drop entry e (its bucket changed). */
static inline void dp_pkc_drop(struct dp_pkc *c, struct dp_pkc_slot *e)
{
	size_t i = (size_t)(e - c->slot);
	c->set[i / DP_PKC_WAYS].tag[i % DP_PKC_WAYS] = 0;
	c->stale++;
}

/*
 * Turn the query at dns (whose bytes after the ID are e's) into e's
 * response in place: header words after the ID, the tail behind the
 * question. *csum gets the partial sum of the response's DNS payload (ID
 * included; never 0). Returns the response's length.
 */
static inline size_t dp_pkc_answer(const struct dp_pkc_slot *e, uint8_t *dns, uint64_t *csum)
{
	uint16_t id;
	memcpy(&id, dns, 2);
	memcpy(dns + 2, e->hdr, 2);
	dns[4] = 0;
	dns[5] = 1;
	memcpy(dns + 6, e->hdr + 2, 6);
	/* the tail in 16-byte pieces (a call to memcpy for a few dozen bytes
	 * cost more than the rest of the answer): up to 15 bytes past it are
	 * read (the table has room behind its last slot) and written (the
	 * caller checks dp_pkc_room) */
	uint8_t *dst = dns + e->qend;
	const uint8_t *src = e->data + e->qlen;
	for (unsigned off = 0; off < e->tlen; off += 16)
		memcpy(dst + off, src + off, 16);
	*csum = (uint64_t)e->sum + id;
	return (size_t)e->qend + e->tlen;
}

/*
 * Keep the response b describes for queries with the same bytes after the
 * ID as its query (hash h of those bytes, as dp_pkc_hash gives for them)
 * in the second now. Not stored when they do not fit a slot.
 */
void dp_pkc_store(struct dp_pkc *c, uint64_t h, uint32_t now, const struct dp_pkc_build *b);

#endif
