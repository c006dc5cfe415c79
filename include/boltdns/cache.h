/*
 * The shared packet-level answer cache.
 *
 * Keyed by (lower-cased QNAME, QTYPE, QCLASS, DO, and CD for the one kind of
 * entry that needs it: see BOLT_CACHE_KEY_CD), hashed with XXH3 and a
 * random secret of the cache (hash flooding needs names that collide). The value
 * is what the dataplane needs to answer without thinking: the response header
 * flags, the section counts, the answer/authority/additional sections in wire
 * form as they follow a question at offset 12 (compression pointers assume
 * the question is at offset 12 and qsize bytes long, which is the case for
 * every query with the same QNAME), the offsets of every TTL field inside the
 * sections, the time of insertion and the absolute expiry.
 *
 * Lives inside the shared region (boltdns/region.h), addressed by offsets.
 * Readers (dataplane lcores) take no lock and write no shared line; writers
 * (control plane threads, any process) are serialised per shard. The
 * consistency scheme is documented at the top of lib/cache/cache.c.
 *
 * Time: seconds from bolt_now() (CLOCK_REALTIME, so both processes agree and
 * the value survives a restart of either).
 */
#ifndef BOLTDNS_CACHE_H
#define BOLTDNS_CACHE_H

#include "boltdns/common.h"
#include "boltdns/errcode.h"

struct bolt_cache;

#define BOLT_CACHE_EXPIRES_NEVER UINT32_MAX

/*
 * The do_bit byte of a key: BOLT_CACHE_KEY_DO for a client that set DO
 * (any other non-zero value without BOLT_CACHE_KEY_CD counts as DO too, as
 * before), plus BOLT_CACHE_KEY_CD for the data of a bogus answer, which only
 * CD=1 queries may get (RFC 4035 3.2.2). Every other answer, of any security
 * status, is one entry without CD that CD=0 and CD=1 queries share (a bogus
 * answer's entry without CD is its SERVFAIL); so only a CD=1 query that hits
 * a bogus entry looks again, under the CD key. A byte rather than a new key
 * field: keys are built field by field in many places, and a new field would
 * be left uninitialised in them; entries from before read as CD clear.
 */
#define BOLT_CACHE_KEY_DO 0x01
#define BOLT_CACHE_KEY_CD 0x02

/* A lookup key. Fill name/name_len/qtype/qclass/do_bit, then call
 * bolt_cache_key_hash. name must be lower-case uncompressed wire form. */
struct bolt_cache_key {
	uint64_t hash;
	uint16_t qtype;
	uint16_t qclass;
	uint8_t do_bit;        /* BOLT_CACHE_KEY_DO | BOLT_CACHE_KEY_CD, see above */
	uint8_t name_len;
	uint8_t name[255];
};

/* Kind of a cached answer. */
enum bolt_cache_kind {
	BOLT_CACHE_POSITIVE = 0,
	BOLT_CACHE_NXDOMAIN = 1,
	BOLT_CACHE_NODATA = 2,
	BOLT_CACHE_SERVFAIL = 3,
	BOLT_CACHE_STATIC = 4,   /* local data: never expires */
	/* Response policy (RPZ) markers, no records: the query is not answered
	 * (bolt_answer_from_cache returns BOLT_EDROP), or answered TC=1 over
	 * UDP and taken as a miss by a stream transport (TCP, DoT, DoH), which
	 * the control plane resolves. */
	BOLT_CACHE_DROP = 5,
	BOLT_CACHE_TCP_ONLY = 6,
};

/*
 * DNSSEC security status of a cached answer (RFC 4035 4.3), in
 * bolt_cache_val.status. UNCHECKED is what validation never looked at
 * (validation off, local data, entries from before the status existed: the
 * byte was a spare one, always written 0). Only SECURE answers get AD
 * (bolt_answer_from_cache). A BOGUS entry is either the SERVFAIL served to
 * CD=0 queries (key without BOLT_CACHE_KEY_CD) or the data served to CD=1
 * queries (key with it); see bolt_answer_insert_bogus.
 */
enum bolt_sec_status {
	BOLT_SEC_UNCHECKED = 0,
	BOLT_SEC_SECURE = 1,
	BOLT_SEC_INSECURE = 2,
	BOLT_SEC_BOGUS = 3,
	BOLT_SEC_INDETERMINATE = 4,
};
/* Lets code built against several versions of this header test for it. */
#define BOLT_CACHE_HAS_SEC_STATUS 1

/* Name of a status ("secure", ...; "unknown" out of range). Any thread. */
BOLT_API const char *bolt_sec_status_name(uint8_t status);

/* Fixed part of a cached answer (copied out by lookups). */
struct bolt_cache_val {
	uint16_t flags;        /* response header flags word (QR, AA, RA, RCODE); the
	                          dataplane adds the query's RD and CD */
	uint16_t ancount;
	uint16_t nscount;
	uint16_t arcount;      /* without OPT: the dataplane adds its own */
	uint16_t qsize;        /* question length the sections were built after */
	uint16_t nttl;         /* TTL offsets that follow */
	uint32_t len;          /* bytes of sections */
	uint32_t inserted;     /* bolt_now() at insertion */
	uint32_t expires;      /* absolute; BOLT_CACHE_EXPIRES_NEVER for static */
	uint8_t kind;          /* enum bolt_cache_kind */
	uint8_t ede_len;       /* the last ede_len bytes of the sections (counted in
	                          len) are one Extended DNS Error option (RFC 8914:
	                          code 15, length, info code, text) that goes into the
	                          OPT of clients that sent EDNS; 0: none. Was a spare
	                          byte (always 0), so older entries read as no EDE. */
	uint8_t status;        /* enum bolt_sec_status. Was reserved[0] (always 0),
	                          so older entries read as BOLT_SEC_UNCHECKED. */
	uint8_t policy;        /* enum bolt_cache_policy: an answer a response policy
	                          made. Was reserved[1] (always 0): older entries
	                          read as BOLT_CACHE_POLICY_NONE. */
};

/* What made an entry (bolt_cache_val.policy), so a policy change can find
 * the answers it made. */
enum bolt_cache_policy {
	BOLT_CACHE_POLICY_NONE = 0,
	BOLT_CACHE_POLICY_QNAME = 1,  /* a policy on the question's name */
	BOLT_CACHE_POLICY_IP = 2,     /* a policy on an address of the answer */
	BOLT_CACHE_POLICY_NS = 3,     /* a policy on a name server (name or address) */
};

/* Where a lookup copies the variable part. */
struct bolt_cache_out {
	struct bolt_cache_val val;
	uint16_t *ttl_off;     /* caller's array of ttl_cap entries, offsets into sections */
	uint16_t ttl_cap;
	uint8_t *sections;     /* caller's buffer of cap bytes */
	uint32_t cap;
	/* Set by bolt_cache_lookup_burst on a hit (rc 0) found in the common
	 * way (the key's home bucket, its first candidate, validated once):
	 * which bucket the entry was read from (see bolt_cache_bucket_version)
	 * and the version it was read at. 0 when not reported (any other path
	 * and any other rc): the caller must then not keep anything derived
	 * from the hit past its own use of it. */
	uint32_t bucket_ref;
	uint32_t bucket_ver;
};

/*
 * The current version of the bucket a hit was read from (out->bucket_ref,
 * non-zero, of the same cache c): while it equals out->bucket_ver, the
 * bucket's slots and every record they point at are unchanged, so the copy
 * the lookup made is still the entry's (a per-lcore packet cache,
 * dataplane/pktcache.h, uses it to know that a response built from the hit
 * is still right). Every change of the bucket advances its 32-bit version
 * by 2 (inserts, replaces, evictions, deletes, flushes and the reset of a
 * shard taken from a dead writer alike: none sets it back), so an equal
 * version means no change unless 2^31 changes of the one bucket happened
 * in between. One acquire load of the bucket's line; any thread of any
 * process.
 */
static inline uint32_t bolt_cache_bucket_version(const struct bolt_cache *c, uint32_t ref)
{
	/* the version is the first word of a bucket, a cache line of its own */
	const uint32_t *v = (const uint32_t *)(const void *)((const uint8_t *)c +
	                                                     (uint64_t)(ref - 1) * BOLT_CACHE_LINE);
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

/* Counters (approximate snapshots; writers maintain them per shard). */
struct bolt_cache_stats {
	uint64_t entries;
	uint64_t bytes_used;     /* value bytes held */
	uint64_t bytes_total;    /* value space available */
	uint64_t inserts;
	uint64_t replaces;
	uint64_t evictions;
	uint64_t expirations;    /* expired entries reclaimed */
	uint64_t deletes;
	uint32_t shards;
	uint32_t buckets;        /* per shard */
	uint64_t steals;         /* shard locks taken from a dead writer (shard reset) */
};

/* Current time in seconds, as the cache uses it. Any thread. */
BOLT_API uint32_t bolt_now(void);

/* Compute k->hash for cache c over name, qtype, qclass and do_bit (XXH3;
 * do_bit 0 or 1 hashes as it always did, so entries survive an upgrade),
 * keyed with c's random secret (drawn when c was formatted, kept in the
 * region), so a hash is only valid for the cache it was computed for. Any
 * thread. */
BOLT_API void bolt_cache_key_hash(const struct bolt_cache *c, struct bolt_cache_key *k);

/* A random 64-bit seed drawn once per process (getrandom), for hash tables
 * private to one process; they must not use a fixed seed either. Any
 * thread; never 0. */
BOLT_API uint64_t bolt_hash_seed(void);

/*
 * Look up one key. On a hit copies the value into out (a consistent copy:
 * a torn value is never returned). Returns 0 (hit, not expired),
 * BOLT_EEXPIRED (found but expired at now; out is filled, for serve-stale),
 * BOLT_ENOENT (miss), BOLT_ESPACE (found but out->cap or out->ttl_cap is too
 * small). Lock-free; any thread of any process; writes no shared memory.
 */
BOLT_API int bolt_cache_lookup(const struct bolt_cache *c, const struct bolt_cache_key *k,
                               uint32_t now, struct bolt_cache_out *out);

/* Prefetch the bucket of a hashed key (burst lookups: hash all, prefetch all,
 * then look up each). */
BOLT_API void bolt_cache_prefetch(const struct bolt_cache *c, const struct bolt_cache_key *k);

/*
 * Burst lookup: hash-and-prefetch done by the caller or not, looks up n keys
 * (n <= 64) with their buckets prefetched first. rc[i] gets what
 * bolt_cache_lookup would return for keys[i]. Returns the number of hits.
 */
BOLT_API unsigned bolt_cache_lookup_burst(const struct bolt_cache *c,
                                          const struct bolt_cache_key *const *keys,
                                          unsigned n, uint32_t now,
                                          struct bolt_cache_out *outs, int *rc);

/*
 * Insert or replace an entry. val->len bytes of sections, val->nttl TTL
 * offsets. val->expires is absolute (BOLT_CACHE_EXPIRES_NEVER for static).
 * Evicts entries of the shard when space is short; never fails for lack of
 * space unless the value itself is larger than a shard can hold
 * (BOLT_ETOOBIG). Values up to 65535 section bytes are storable with the
 * default geometry. Serialised per shard; any thread of any process.
 */
BOLT_API int bolt_cache_insert(struct bolt_cache *c, const struct bolt_cache_key *k,
                               const struct bolt_cache_val *val, const uint16_t *ttl_off,
                               const uint8_t *sections);

/* Delete one (name, type) for every class, DO and CD value; type 0 = all types.
 * name: lower-case wire form. Returns the number deleted, or -EINVAL.
 * Every delete below scans the whole cache one shard at a time (each shard
 * locked for its own scan only): meant for the control socket, not per query. */
BOLT_API int bolt_cache_delete(struct bolt_cache *c, const uint8_t *name, size_t name_len,
                               uint16_t qtype);

/* Delete name and everything below it. Returns the number deleted. */
BOLT_API int bolt_cache_delete_zone(struct bolt_cache *c, const uint8_t *name, size_t name_len);

/* Delete entries of one kind (e.g. every NXDOMAIN/NODATA); returns count. */
BOLT_API int bolt_cache_delete_kind(struct bolt_cache *c, uint8_t kind);

/*
 * Delete the entries pred says to, in one pass over the cache (each shard
 * locked for its own scan only). pred gets the entry's lower-case name,
 * type, fixed value and its sections (val->len bytes; names in them may be
 * compression pointers into a message whose question is at offset 12, as
 * for every entry). Returns the number deleted, or -EINVAL.
 */
typedef bool (*bolt_cache_pred)(const uint8_t *name, size_t name_len, uint16_t qtype,
                                const struct bolt_cache_val *val, const uint8_t *sections,
                                void *arg);
BOLT_API int bolt_cache_delete_if(struct bolt_cache *c, bolt_cache_pred pred, void *arg);

/* Delete every entry (counted in deletes). */
BOLT_API void bolt_cache_flush(struct bolt_cache *c);

/*
 * Visit every entry without blocking readers or writers (each entry is
 * copied consistently first, like a lookup; entries changed during the walk
 * may be seen in either state or missed). cb returns 0 to continue, non-zero
 * to stop (that value is returned); -ENOMEM if the scratch buffers cannot be
 * allocated. key and out are valid only during the call. Expired entries are
 * visited too (compare out->val.expires with bolt_now()).
 */
typedef int (*bolt_cache_walk_cb)(const struct bolt_cache_key *key,
                                  const struct bolt_cache_out *out, void *arg);
BOLT_API int bolt_cache_walk(struct bolt_cache *c, bolt_cache_walk_cb cb, void *arg);

/* Counters snapshot (sum over shards, read without locks). Any thread. */
BOLT_API void bolt_cache_get_stats(const struct bolt_cache *c, struct bolt_cache_stats *st);

/* Offset of the first shard from the cache's start: the bytes before it are
 * the header that bolt_cache_attach validates (for tests and fuzzing). */
BOLT_API uint64_t bolt_cache_shard_offset(const struct bolt_cache *c);

/*
 * Lay out an empty cache in mem[0..size) (region creation), with a new
 * random hash secret (getrandom; -errno if that fails), or validate an
 * existing one (attach; its secret is kept). Return the handle (a pointer
 * into mem) or NULL with *err set (BOLT_EGEOMETRY when the stored geometry
 * does not fit size).
 */
BOLT_API struct bolt_cache *bolt_cache_format(void *mem, uint64_t size, uint32_t shards, int *err);

/* True when bolt_cache_format would accept size bytes split into shards
 * (0 = automatic). Touches no memory: configuration checks use it. */
BOLT_API bool bolt_cache_fits(uint64_t size, uint32_t shards);
BOLT_API struct bolt_cache *bolt_cache_open(void *mem, uint64_t size, int *err);

#endif
