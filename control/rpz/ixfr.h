/*
 * Incremental zone transfer of policy zones (IXFR, RFC 1995) and the
 * records a transfer thread keeps of its zone.
 *
 * rpz_rrset: the records of one transferred zone (its SOA apart), keyed by
 * (owner, type, RDATA), so an IXFR's deletions and additions can be applied
 * to them; a new policy store (rpz_zone) is then built from the result and
 * put in use as a whole, so a transfer is atomic and the cache flush is the
 * difference between the old and the new store (only what changed).
 *
 * rpz_ixfr: reads the records of an AXFR or IXFR answer stream one by one
 * (pure: no I/O) and tells what the answer is: up to date (a single SOA of
 * our serial), an incremental answer (difference sequences), a full zone
 * (AXFR, or an AXFR-style IXFR answer), or a single newer SOA (ask AXFR).
 * The changes are kept until rpz_ixfr_apply, which applies them to a copy
 * of the zone's records: a failed, truncated or unverified transfer never
 * touches the records in use.
 *
 * Not thread-safe: one thread per object. Errors are the project's codes.
 */
#ifndef BOLTDNS_CONTROL_RPZ_IXFR_H
#define BOLTDNS_CONTROL_RPZ_IXFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpz.h"

/* ---- the records of a zone ---- */

struct rpz_rrset;

/* A new empty set; NULL on out-of-memory. */
struct rpz_rrset *rpz_rrset_new(void);

/* Free s (NULL is fine). */
void rpz_rrset_free(struct rpz_rrset *s);

/* A copy of s; NULL on out-of-memory. */
struct rpz_rrset *rpz_rrset_clone(const struct rpz_rrset *s);

/*
 * Add a record (owner absolute wire name, any case; rdata as on the wire,
 * names uncompressed). An equal record (owner case-insensitive, type,
 * RDATA) is replaced (its TTL). A SOA is the zone's SOA (the one before
 * is dropped). Returns 0, BOLT_ENAME (bad owner) or -ENOMEM.
 */
int rpz_rrset_add(struct rpz_rrset *s, const uint8_t *owner, uint16_t type, uint32_t ttl,
                  const uint8_t *rdata, uint16_t rdlen);

/* Delete the record equal to (owner, type, rdata). Returns 0 or BOLT_ENOENT. */
int rpz_rrset_del(struct rpz_rrset *s, const uint8_t *owner, uint16_t type,
                  const uint8_t *rdata, uint16_t rdlen);

/* Records held (the SOA included). */
size_t rpz_rrset_count(const struct rpz_rrset *s);

/* The SOA's serial and RDATA (NULL when there is no SOA). */
const uint8_t *rpz_rrset_soa(const struct rpz_rrset *s, uint16_t *rdlen, uint32_t *serial);

/*
 * A new policy store of origin holding s's records (rpz_zone_add_rr each;
 * records it refuses are counted in the zone's stats and reported through
 * log, which may be NULL, with file "xfr"). NULL on out-of-memory.
 */
struct rpz_zone *rpz_rrset_build(const struct rpz_rrset *s, const uint8_t *origin,
                                 rpz_log_fn log, void *arg);

/* ---- reading a transfer ---- */

/* What an answer turned out to be. */
enum rpz_ixfr_kind {
	RPZ_IXFR_PENDING = 0,   /* not complete yet */
	RPZ_IXFR_UPTODATE,      /* a single SOA, serial not newer than ours */
	RPZ_IXFR_NEED_AXFR,     /* a single SOA with a newer serial */
	RPZ_IXFR_INCREMENTAL,   /* difference sequences */
	RPZ_IXFR_FULL,          /* a whole zone (AXFR or AXFR-style IXFR) */
};

struct rpz_ixfr {
	bool axfr;              /* the question was AXFR */
	uint32_t from;          /* IXFR: the client's serial */
	uint32_t to;            /* the first SOA's serial (the new version) */
	uint32_t cur_to;        /* the serial the current sequence ends at */
	uint8_t state;
	uint8_t kind;           /* enum rpz_ixfr_kind */
	uint64_t records;       /* records read */
	uint64_t dels, adds;    /* changes read */
	unsigned versions;      /* difference sequences read */
	/* The new SOA: */
	uint8_t soa_owner[BOLT_NAME_MAX];
	uint8_t soa[BOLT_NAME_MAX * 2 + 20];
	uint16_t soa_len;
	uint32_t soa_ttl;
	/* The changes, in order: op, owner length, owner, type, TTL, RDATA
	 * length, RDATA. */
	uint8_t *ops;
	size_t nops, capops;
};

/* Start reading the answer to an AXFR (axfr true) or to an IXFR from
 * serial from. */
void rpz_ixfr_init(struct rpz_ixfr *x, bool axfr, uint32_t from);

/* Free what x holds. */
void rpz_ixfr_free(struct rpz_ixfr *x);

/*
 * The next record of the answer section (owner any case, names in rdata
 * uncompressed). Returns 0 (more to come), 1 (the answer is complete: x->kind
 * says what it is; records after it are not read) or a negative code with
 * *why set (malformed stream: it does not start with a SOA, a broken
 * sequence of serials, out of memory).
 */
int rpz_ixfr_feed(struct rpz_ixfr *x, const uint8_t *owner, uint16_t type, uint32_t ttl,
                  const uint8_t *rdata, uint16_t rdlen, const char **why);

/*
 * The end of one message of the answer. Returns 1 when that completes it
 * (an IXFR answer of a single SOA: x->kind UPTODATE or NEED_AXFR), else 0.
 */
int rpz_ixfr_message_end(struct rpz_ixfr *x);

/*
 * Apply a complete INCREMENTAL or FULL answer: a new set, base's records
 * with every sequence's deletions then additions (INCREMENTAL), or the
 * answer's records alone (FULL; base may be NULL), with the new SOA.
 * Returns 0 with *out set, BOLT_ENOENT when a deletion names a record
 * base does not hold (the zones differ: transfer it whole), BOLT_EMALF when
 * x is not complete, or -ENOMEM; *why says which. base is not changed.
 */
int rpz_ixfr_apply(const struct rpz_ixfr *x, const struct rpz_rrset *base,
                   struct rpz_rrset **out, const char **why);

/*
 * The triggers a complete INCREMENTAL answer touches (the owners of its
 * deletions and additions): a zone of origin with each as a PASSTHRU rule,
 * the shape rpz_zone_diff gives, so a cache flush needs no comparison of
 * the two versions. NULL for another kind of answer or on out-of-memory
 * (the caller then compares).
 */
struct rpz_zone *rpz_ixfr_changed(const struct rpz_ixfr *x, const uint8_t *origin);

/* Serial arithmetic (RFC 1982): a is newer than b. */
static inline bool rpz_serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) > 0;
}

#endif
