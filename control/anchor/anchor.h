/*
 * Trust anchors for DNSSEC validation: the anchors themselves (RFC 4033
 * section 3.3), negative trust anchors (RFC 7646) and the automated
 * rollover of RFC 5011.
 *
 * The module does no network I/O and no signature checking. Whoever fetches
 * and validates a trust point's DNSKEY RRset (the validator, with the keys
 * this module says are trusted) hands the result to ta_5011_update; the
 * module decides the state of each key, and when to ask again. Time is
 * always passed in (unix seconds), so tests walk a 30-day rollover in
 * microseconds.
 *
 * Threads: none of this is locked; boltdns-cp uses it from its loop thread.
 *
 * Files: anchor.c (the set, look-ups, key tags, DS digests), tafile.c
 * (zone-file and RFC 7958 XML parsers), nta.c, rfc5011.c (state machine and
 * timers), state.c (the state file), ctl.c (boltctl dnssec / nta).
 */
#ifndef BOLTDNS_ANCHOR_H
#define BOLTDNS_ANCHOR_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "boltdns/common.h"
#include "boltdns/wire.h"

/* RR types of anchors (wire.h's enum may not have DNSKEY). */
#define TA_TYPE_DS 43
#define TA_TYPE_DNSKEY 48

/* Keys (DS or DNSKEY) kept per trust point, Removed ones included. */
#define TA_MAX_KEYS 32
/* RDATA of one anchor: a DNSKEY with a 4096-bit RSA key is about 520 bytes. */
#define TA_RDATA_MAX 1024
/* Trust points in one set. */
#define TA_MAX_POINTS 64

/* DNSKEY flags (RFC 4034 section 2.1.1, RFC 5011 section 3). */
#define TA_FLAG_ZONE 0x0100
#define TA_FLAG_REVOKE 0x0080
#define TA_FLAG_SEP 0x0001

/* RFC 5011 section 4 key states. DS anchors are always TA_VALID. */
enum ta_state {
	TA_START = 0,     /* seen in no validated set yet (not kept: a key is AddPend at once) */
	TA_ADDPEND = 1,   /* new key in a validated set: hold-down running, not trusted */
	TA_VALID = 2,     /* trusted */
	TA_MISSING = 3,   /* trusted, but gone from the DNSKEY set without revocation */
	TA_REVOKED = 4,   /* revoked by its owner: not trusted; removal hold-down running */
	TA_REMOVED = 5,   /* revoked long enough ago; forgotten once no longer published */
};

/* "Start", "AddPend", ... (static). */
BOLT_API const char *ta_state_name(enum ta_state s);

struct ta_key {
	uint16_t type;            /* TA_TYPE_DS or TA_TYPE_DNSKEY */
	uint16_t tag;             /* key tag (DS: as written; DNSKEY: computed, REVOKE bit as is) */
	uint8_t alg;              /* algorithm */
	uint8_t digest_type;      /* DS only */
	uint16_t flags;           /* DNSKEY only */
	enum ta_state state;
	int64_t added;            /* DNSKEY: first seen in a validated set (AddPend start) */
	int64_t changed;          /* last state change (Revoked: start of the removal hold-down) */
	uint16_t rdlen;
	uint8_t rdata[TA_RDATA_MAX];
};

/* One trust point: a name with its anchors and RFC 5011 timers. */
struct ta_point {
	uint8_t name[BOLT_NAME_MAX];  /* lower-case wire name */
	uint8_t name_len;
	unsigned nkeys;
	struct ta_key keys[TA_MAX_KEYS];
	uint32_t ttl;                 /* original TTL of the last validated DNSKEY set (or as loaded) */
	int64_t last_queried;         /* last probe (RFC 5011 active refresh), 0 = never */
	int64_t last_success;         /* last validated DNSKEY set */
	int64_t next_probe;           /* when to probe next, 0 = now */
	uint32_t query_failed;        /* probes failed in a row */
};

/* A set of trust points (about 2 MB at most: allocate it). */
struct ta_set {
	unsigned n;
	struct ta_point point[TA_MAX_POINTS];
	uint32_t hold_down;           /* RFC 5011 add and remove hold-down, seconds */
	char source[512];             /* the file the anchors came from */
	bool from_state;              /* source is the RFC 5011 state file */
};

/* RFC 5011 hold-down (section 2.4.1): 30 days. */
#define TA_HOLD_DOWN_DEFAULT (30u * 86400u)

/* ---- key tags, digests ---- */

/*
 * Key tag of a DNSKEY RDATA (RFC 4034 Appendix B; algorithm 1 uses the
 * low 16 bits of the modulus). rdlen < 4 gives 0. Any thread.
 */
BOLT_API uint16_t ta_key_tag(const uint8_t *rdata, size_t rdlen);

/*
 * True when the DS RDATA ds[0..dslen) is the digest of the DNSKEY
 * key[0..keylen) owned by name (wire form): key tag, algorithm and digest
 * (SHA-1, SHA-256, SHA-384 through OpenSSL) all equal. Unknown digest type:
 * false. Any thread.
 */
BOLT_API bool ta_ds_matches(const uint8_t *name, const uint8_t *ds, size_t dslen,
                            const uint8_t *key, size_t keylen);

/* ---- the set ---- */

/* An empty set with the given hold-down (0 = TA_HOLD_DOWN_DEFAULT). */
BOLT_API void ta_set_init(struct ta_set *s, uint32_t hold_down);

/*
 * Add one anchor: type TA_TYPE_DS or TA_TYPE_DNSKEY, RDATA in wire
 * form (checked: lengths, DNSKEY protocol 3 and the zone flag, known DS
 * digest lengths), owner name in wire form (any case), state and times as
 * given (files: TA_VALID, 0, 0). A record already present is not added
 * twice (returns 0). Returns 0, or BOLT_ERDATA / BOLT_ESPACE (too many
 * points or keys) / BOLT_ETYPE with *why set to a static reason.
 */
BOLT_API int ta_set_add(struct ta_set *s, const uint8_t *name, uint16_t type,
                        const uint8_t *rdata, size_t rdlen, uint32_t ttl,
                        enum ta_state state, int64_t added, int64_t changed,
                        const char **why);

/* The trust point named exactly name (wire, any case), or NULL. */
BOLT_API struct ta_point *ta_set_find(struct ta_set *s, const uint8_t *name);

/*
 * The closest trust point at or above name (wire, any case): the one with
 * the most labels among those name is equal to or below. NULL when none
 * covers it (name is then outside every secure island: insecure).
 */
BOLT_API const struct ta_point *ta_closest(const struct ta_set *s, const uint8_t *name);

/*
 * True when k may be used to start a chain of trust: a DS anchor, or a
 * DNSKEY in state Valid or Missing (RFC 5011 section 4: Missing keys are
 * still trusted), not revoked.
 */
BOLT_API bool ta_key_trusted(const struct ta_key *k);

/* Number of trusted keys of p (DS and DNSKEY). */
BOLT_API unsigned ta_point_trusted(const struct ta_point *p);

/* ---- loading ---- */

/*
 * Read trust anchors from text[0..len), which is either zone-file lines
 * (DS or DNSKEY records: comments, "( ... )" over several lines, $ORIGIN,
 * $TTL, TTL and class IN optional in either order, a blank-started line
 * reusing the previous owner) or an RFC 7958 XML document (first
 * non-blank character '<'; KeyDigest elements valid at now: validFrom in
 * the past, validUntil absent or in the future; a PublicKey and Flags
 * element, when present, gives the DNSKEY as well). Anchors go into s as
 * TA_VALID. On error writes "NAME:LINE: what is wrong" into err and
 * returns BOLT_ECONFIG; anchors of lines before the error may have been
 * added. A text without any anchor is an error. Any thread.
 */
BOLT_API int ta_load_text(struct ta_set *s, const char *text, size_t len, const char *name,
                          int64_t now, char *err, size_t errlen);

/* Same, from the file at path (at most 1 MiB); -errno when it cannot be read. */
BOLT_API int ta_load_file(struct ta_set *s, const char *path, int64_t now,
                          char *err, size_t errlen);

/* ---- RFC 5011 ---- */

/* One key of a fetched DNSKEY RRset, as the caller saw it. */
struct ta_dnskey_in {
	const uint8_t *rdata;
	uint16_t rdlen;
	/* The caller verified an RRSIG over the DNSKEY RRset made by this very
	 * key (needed for a revocation to count, RFC 5011 section 2.1). */
	bool self_signed;
};

/*
 * Feed the DNSKEY RRset of trust point p fetched at now. validated: the
 * caller validated the set with the keys ta_key_trusted says are trusted
 * (or, for DS anchors, with a key matching one). ttl: the set's original
 * TTL; sig_expire: the earliest RRSIG expiration (unix seconds) of the
 * set's signatures, 0 when unknown. hold_down: s->hold_down.
 *
 * validated = false counts a failed probe (next probe at the retry time)
 * and changes no key. Otherwise, per key (RFC 5011 section 4):
 *   new SEP key, not revoked      -> AddPend (added = now)
 *   AddPend, hold-down passed     -> Valid
 *   AddPend, gone from the set    -> Start (forgotten)
 *   Valid, gone                   -> Missing;  Missing, back -> Valid
 *   Valid/Missing/AddPend, seen with REVOKE and self-signed -> Revoked
 *   Revoked, hold-down passed     -> Removed
 *   Removed, gone from the set    -> forgotten
 * DS anchors are replaced by the keys of the set that match them (Valid at
 * once: they are what the DS vouches for), as Unbound does, so the
 * rollover continues from DNSKEYs. A set that would leave no trusted key
 * (every trusted key revoked, none Valid yet) still applies: the point then
 * has no trusted key, which makes its zone bogus, as RFC 5011 section 5
 * intends.
 * Sets *changed when any key's state changed (the state file must be
 * written). Returns the number of keys in state Valid or Missing afterwards.
 */
BOLT_API int ta_5011_update(struct ta_point *p, const struct ta_dnskey_in *keys, unsigned nkeys,
                            bool validated, uint32_t ttl, int64_t sig_expire, int64_t now,
                            uint32_t hold_down, bool *changed);

/*
 * Would a revocation of this key move a key of p (RFC 5011 section 2.1)?
 * True when rdata is a SEP DNSKEY with the REVOKE bit whose key, the bit
 * masked, is a key of p in state Valid, Missing or AddPend. The caller
 * checks the self-signature (bolt_val_verify_revoked) of these keys only,
 * and passes the result as ta_dnskey_in.self_signed: a set with many
 * revoked keys never costs more signature checks than p has keys.
 */
BOLT_API bool ta_5011_revocable(const struct ta_point *p, const uint8_t *rdata, size_t rdlen);

/*
 * RFC 5011 section 2.3 active refresh:
 *   queryInterval = MAX(1 hr, MIN(15 days, 1/2 * OrigTTL, 1/2 * RRSigExpirationInterval))
 *   retryTime     = MAX(1 hr, MIN(1 day,   1/10 * OrigTTL, 1/10 * RRSigExpirationInterval))
 * RRSigExpirationInterval = sig_expire - now (ignored when sig_expire is 0
 * or past). Results in seconds.
 */
BOLT_API uint32_t ta_5011_query_interval(uint32_t ttl, int64_t sig_expire, int64_t now);
BOLT_API uint32_t ta_5011_retry_interval(uint32_t ttl, int64_t sig_expire, int64_t now);

/* The first trust point whose probe is due at now (next_probe <= now), or NULL. */
BOLT_API struct ta_point *ta_5011_due(struct ta_set *s, int64_t now);

/* The earliest next_probe of s (0: a point was never probed; -1: no point),
 * for a timer that wakes the prober. */
BOLT_API int64_t ta_5011_next_probe(const struct ta_set *s);

/* ---- the state file ---- */

/*
 * Write every trust point of s to path atomically: path.tmp is written,
 * fsync'ed and renamed over path, then the directory is fsync'ed; a crash
 * leaves the old or the new file, never a mix. The directory is created
 * (mode 0755) when missing. The format is zone-file DNSKEY/DS lines (so the
 * file is a valid trust-anchor-file too) with the RFC 5011 state of each
 * key and the point's timers in ";;" comments. Returns 0 or -errno with a
 * reason in err.
 */
BOLT_API int ta_state_save(const struct ta_set *s, const char *path, char *err, size_t errlen);

/*
 * Read a file written by ta_state_save into s (states and timers
 * included). Errors as ta_load_text ("PATH:LINE: ..."); -ENOENT when the
 * file does not exist.
 */
BOLT_API int ta_state_load(struct ta_set *s, const char *path, char *err, size_t errlen);

/*
 * Start-up: the state file when it exists (it takes precedence, as
 * Unbound's auto-trust-anchor-file), else the trust anchor file. s is
 * initialised with hold_down first. Returns 0 or a negative code with
 * "FILE:LINE: ..." or "FILE: reason" in err.
 */
BOLT_API int ta_load_startup(struct ta_set *s, const char *anchor_file, const char *state_file,
                             uint32_t hold_down, int64_t now, char *err, size_t errlen);

/* ---- negative trust anchors (RFC 7646) ---- */

/* Entries at most (configured and added at run time). */
#define NTA_MAX 1024
/* Lifetime of `nta add NAME` without SECONDS (RFC 7646 suggests hours to days). */
#define NTA_DEFAULT_SECONDS 3600u
/* The longest lifetime accepted at run time: a week (RFC 7646 section 2). */
#define NTA_MAX_SECONDS (7u * 86400u)

struct nta {
	uint8_t name[BOLT_NAME_MAX];  /* lower-case wire name */
	uint8_t name_len;
	bool from_config;             /* configured: never expires, `nta remove` refused */
	int64_t expires;              /* unix seconds; 0 = never */
};

struct nta_table {
	unsigned n;
	struct nta e[NTA_MAX];
};

BOLT_API void nta_init(struct nta_table *t);

/*
 * Add or renew NTA name (wire, any case) expiring at expires (0 = never).
 * Adding a configured name again changes nothing. Returns 0, or
 * BOLT_ESPACE when the table is full.
 */
BOLT_API int nta_add(struct nta_table *t, const uint8_t *name, bool from_config, int64_t expires);

/*
 * Remove name. Returns 0, BOLT_ENOENT when absent, -EPERM when it comes
 * from the configuration (remove it there and reload).
 */
BOLT_API int nta_remove(struct nta_table *t, const uint8_t *name);

/* Drop the entries expired at now; returns how many. */
BOLT_API unsigned nta_expire(struct nta_table *t, int64_t now);

/*
 * The NTA that covers name (wire, any case) at now: the closest entry at or
 * above it that has not expired; NULL when none (validate as usual).
 */
BOLT_API const struct nta *nta_covers(const struct nta_table *t, const uint8_t *name, int64_t now);

/*
 * Replace the configured entries (from_config) with names[0..n) (lower-case
 * wire names, as [dnssec] negative-trust-anchors holds them); runtime
 * entries stay. At start-up and on reload. Returns 0 or BOLT_ESPACE.
 */
BOLT_API int nta_set_config(struct nta_table *t, const uint8_t (*names)[BOLT_NAME_MAX],
                            unsigned n);

/* ---- what boltdns-cp holds, for boltctl ---- */

/* Answer counts by security status (the validator supplies them). */
struct anchor_counts {
	uint64_t secure, insecure, bogus, indeterminate;
};

/* Fills *out with the validator's counts so far. */
typedef void (*anchor_counts_fn)(void *arg, struct anchor_counts *out);

/* The DNSSEC state of one control plane. */
struct anchor_ctx {
	bool validation;              /* [dnssec] validation */
	bool permissive;
	struct ta_set *set;           /* NULL when validation is off */
	struct nta_table *nta;
	char state_path[512];
	char state_error[256];        /* the last state-file write failure, "" = none */
	anchor_counts_fn counts;      /* NULL until a validator registers */
	void *counts_arg;
};

/*
 * Register the source of `dnssec status`'s answer counts (the validator
 * calls this when it starts; NULL fn to unregister). Until then the status
 * says "counts: not available (no validator)".
 */
BOLT_API void anchor_set_counts_source(struct anchor_ctx *a, anchor_counts_fn fn, void *arg);

/*
 * The control plane's anchor context, for the validator to find (NULL until
 * boltdns-cp has set it at start-up). Loop thread.
 */
BOLT_API struct anchor_ctx *anchor_active(void);
BOLT_API void anchor_set_active(struct anchor_ctx *a);

/*
 * Run a DNSSEC command of the control socket for a (argv as the ctl hook
 * gets it: "dnssec status", "nta add NAME [SECONDS]", "nta remove NAME",
 * "nta list") at now, replying through r (struct bolt_ctl_reply of
 * control/ctl/ctl.h). Returns 0 or a negative code with a one-line reason
 * in err. Implemented in ctl.c (linked with the control socket library).
 */
struct bolt_ctl_reply;
BOLT_API int anchor_ctl_command(struct anchor_ctx *a, unsigned argc, char **argv,
                                struct bolt_ctl_reply *r, int64_t now, char *err, size_t errlen);

/*
 * What the resolver calls with the DNSKEY RRset it fetched for trust point
 * name (a probe, or any validated DNSKEY answer for that name): runs
 * ta_5011_update with the set's hold-down and, when a key's state changed,
 * writes the state file (a failure is kept in a->state_error and returned
 * after the update has been applied in memory). *changed as ta_5011_update.
 * Returns the number of trusted DNSKEYs afterwards, BOLT_ENOENT when name
 * is no trust point, -EINVAL when validation is off, or a state-file error.
 */
BOLT_API int anchor_5011_observe(struct anchor_ctx *a, const uint8_t *name,
                                 const struct ta_dnskey_in *keys, unsigned nkeys, bool validated,
                                 uint32_t ttl, int64_t sig_expire, int64_t now, bool *changed);

/*
 * Write a's set to its state file (after ta_5011_update changed it); on
 * failure the reason is kept in a->state_error (shown by `dnssec status`)
 * and returned.
 */
BOLT_API int anchor_save_state(struct anchor_ctx *a);

#endif
