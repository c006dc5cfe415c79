/*
 * The DNSSEC validator's crypto and proof layer (RFC 4033-4035, RFC 5155,
 * RFC 6840): RRSIG verification, DS to DNSKEY matching, NSEC and NSEC3
 * denial proofs.
 *
 * A pure function of the records and keys it is given: no I/O, no clock
 * (the caller passes "now"), no globals but constants. The verdict and its
 * reason are returned as values (struct bolt_val_result); the iterator
 * builds the chain of trust from them.
 *
 * Records are struct bolt_rr as bolt_msg_parse produces them (uncompressed
 * owner, RDATA in wire form; names inside NS, CNAME, PTR, MX, SOA and SRV
 * RDATA decompressed, which is every RFC 1035 type still in use). An RRset
 * is a struct bolt_val_rrset: arrays of pointers to its records and to the
 * RRSIGs covering it. The caller owns every record and array; nothing is
 * kept after a call returns. Results hold static strings only.
 *
 * Threads: any thread, any number at once; each call touches only its
 * arguments (a budget must not be shared between threads without a lock)
 * and a per-thread cache of the last 64 public keys made for OpenSSL from
 * DNSKEYs (sig.c: it saves a fifth of an ECDSA verification and changes no
 * verdict; a thread's keys are never freed before the process exits).
 * Memory: the signature check allocates a buffer for the canonical RRset
 * (malloc, freed before returning); allocation failure is BOGUS with reason
 * "out of memory" rather than a crash.
 *
 * Work limits: every entry point that verifies signatures or hashes NSEC3
 * names takes a struct bolt_val_budget, the caller's count of work done so
 * far in one resolution or response. What would exceed it is BOGUS with
 * EDE 6 and a reason saying which limit (KeyTrap, CVE-2023-50387; NSEC3
 * hash floods, CVE-2023-50868), never a long loop.
 *
 * Implementation: canon.c (canonical form, name order), sig.c (keys, DS,
 * RRSIG), nsec.c, nsec3.c.
 */
#ifndef BOLTDNS_VALIDATOR_H
#define BOLTDNS_VALIDATOR_H

#include "boltdns/common.h"
#include "boltdns/wire.h"

/* Record types the validator reads (wire.h has DS and RRSIG). */
#define BOLT_TYPE_NSEC 47
#define BOLT_TYPE_DNSKEY 48
#define BOLT_TYPE_NSEC3 50

/* DNSKEY flags (RFC 4034 2.1.1, RFC 5011 7). SEP is informational: it is
 * never looked at when validating (RFC 4034 2.1.2). */
#define BOLT_DNSKEY_ZONE 0x0100
#define BOLT_DNSKEY_REVOKE 0x0080
#define BOLT_DNSKEY_SEP 0x0001

/* Algorithms (RFC 8624) and DS digest types the validator implements.
 * Others, the SHA-1 signature algorithms 5 and 7 among them, are
 * "unsupported": what only they sign is insecure (RFC 6840 5.2). */
enum bolt_val_alg {
	BOLT_ALG_RSASHA256 = 8,
	BOLT_ALG_RSASHA512 = 10,
	BOLT_ALG_ECDSAP256SHA256 = 13,
	BOLT_ALG_ECDSAP384SHA384 = 14,
	BOLT_ALG_ED25519 = 15,
	BOLT_ALG_ED448 = 16,
};
enum bolt_val_digest {
	BOLT_DS_SHA1 = 1,
	BOLT_DS_SHA256 = 2,
	BOLT_DS_SHA384 = 4,
};

/* RSA moduli above this are refused (the limit; BIND and Unbound
 * generate at most 4096 and a larger one only costs verification time). */
#define BOLT_VAL_RSA_MAX_BITS 4096

/* Default work limits (struct bolt_val_budget). */
/* KeyTrap, CVE-2023-50387: DNSKEYs sharing one key tag tried per RRSIG. */
#define BOLT_VAL_MAX_KEYS_PER_SIG 4
/* KeyTrap, CVE-2023-50387: failed signature verifications per resolution. */
#define BOLT_VAL_MAX_SIG_FAILS 8
/* KeyTrap, CVE-2023-50387: signature verifications per resolution, good or
 * bad. A secure answer through three zone cuts with a CNAME and a denial
 * proof needs about 10. */
#define BOLT_VAL_MAX_SIG_VERIFIES 16
/* NSEC3 hash floods, CVE-2023-50868: NSEC3 hashes computed per response
 * (each one at most max_iterations + 1 SHA-1 runs). A closest-encloser proof
 * for a name 10 labels below its zone needs 12. */
#define BOLT_VAL_MAX_NSEC3_HASHES 32
/* RFC 9276 3.2: NSEC3 with more iterations is treated as insecure
 * (configuration `max-nsec3-iterations`). */
#define BOLT_VAL_MAX_NSEC3_ITERATIONS 50
/* Records looked at per call: an RRset, its RRSIGs, the NSEC/NSEC3 of one
 * response. More is BOGUS (a real response never comes close). */
#define BOLT_VAL_MAX_RRS 512

/* Verdicts (RFC 4033 5). */
enum bolt_val_status {
	BOLT_VAL_SECURE = 0,        /* proven by a chain from a trusted key */
	BOLT_VAL_INSECURE = 1,      /* proven unsigned, or signed only with what we do
	                               not implement (algorithm, digest, NSEC3 iterations) */
	BOLT_VAL_BOGUS = 2,         /* should be signed and is not, or a check failed */
	BOLT_VAL_INDETERMINATE = 3, /* nothing to decide with (e.g. no records given) */
};

/* Extended DNS Error info codes (RFC 8914 4) the validator returns. */
enum bolt_val_ede {
	BOLT_VAL_EDE_NONE = 0xffff,
	BOLT_VAL_EDE_UNSUPPORTED_ALG = 1,
	BOLT_VAL_EDE_UNSUPPORTED_DIGEST = 2,
	BOLT_VAL_EDE_BOGUS = 6,
	BOLT_VAL_EDE_SIG_EXPIRED = 7,
	BOLT_VAL_EDE_SIG_NOT_YET_VALID = 8,
	BOLT_VAL_EDE_DNSKEY_MISSING = 9,
	BOLT_VAL_EDE_RRSIGS_MISSING = 10,
	BOLT_VAL_EDE_NSEC_MISSING = 12,
};

/* What one call decided. */
struct bolt_val_result {
	enum bolt_val_status status;
	uint16_t ede;               /* enum bolt_val_ede; BOLT_VAL_EDE_NONE when secure */
	const char *reason;         /* static text, short, for logs and EDE extra text */
	/* bolt_val_verify_rrset only: */
	uint32_t ttl;               /* TTL the validated RRset may be cached with: min of
	                               its TTLs, the RRSIG's original TTL and the seconds
	                               until the RRSIG expires (RFC 4035 5.3.3) */
	uint16_t key_tag;           /* key that verified it */
	uint8_t wildcard_len;       /* non-zero: the RRset was synthesised from this */
	uint8_t wildcard[BOLT_NAME_MAX]; /* wildcard ("*.ce", RRSIG labels field): the
	                               caller must prove the next closer name absent
	                               (bolt_val_nsec_wildcard / bolt_val_nsec3_wildcard) */
};

/* An RRset and its signatures. rrs[i] share owner, type and class; sigs are
 * the RRSIGs with that owner (others, and those covering another type, are
 * skipped). All pointers are the caller's. */
struct bolt_val_rrset {
	const struct bolt_rr *const *rrs;
	size_t count;
	const struct bolt_rr *const *sigs;
	size_t nsigs;
};

/* Parameters of one validation (from configuration). */
struct bolt_val_params {
	uint32_t now;               /* seconds since the epoch, mod 2^32 */
	uint32_t skew;              /* clock skew allowed on both ends (val-clock-skew) */
};

/* Work limits and counts; bolt_val_budget_init fills the defaults. The
 * caller keeps one per resolution (sig counts) and resets nsec3_hashes for
 * each response (or keeps one per response, as it likes). */
struct bolt_val_budget {
	uint32_t max_keys_per_sig;
	uint32_t max_sig_fails;
	uint32_t max_sig_verifies;
	uint32_t max_nsec3_hashes;
	uint16_t max_nsec3_iterations;
	uint32_t sig_fails;         /* counts so far */
	uint32_t sig_verifies;
	uint32_t nsec3_hashes;
};

/* Fill b with the default limits (BOLT_VAL_MAX_*) and zero counts. */
BOLT_API void bolt_val_budget_init(struct bolt_val_budget *b);

/* Static name of a status ("secure", "insecure", "bogus", "indeterminate"). */
BOLT_API const char *bolt_val_status_str(enum bolt_val_status s);

/* ------------------------------------------------------------------ */
/* Keys and DS.                                                        */
/* ------------------------------------------------------------------ */

/* Key tag of a DNSKEY RDATA (RFC 4034 appendix B). Returns 0..65535, or
 * BOLT_ERDATA when rdlen < 4. */
BOLT_API int bolt_val_key_tag(const uint8_t *rdata, uint16_t rdlen);

/* True for the algorithms above (enum bolt_val_alg). */
BOLT_API bool bolt_val_alg_supported(uint8_t alg);

/* True for the digest types above (enum bolt_val_digest). */
BOLT_API bool bolt_val_digest_supported(uint8_t digest_type);

/*
 * Does the DS RDATA ds match the DNSKEY record key (owner, key tag,
 * algorithm, digest over owner | RDATA, RFC 4034 5.1.4)?
 * Returns 1 match, 0 no match, BOLT_ETYPE for an unsupported digest type,
 * BOLT_ERDATA for malformed RDATA.
 */
BOLT_API int bolt_val_ds_match(const uint8_t *ds, uint16_t ds_len, const struct bolt_rr *key);

/*
 * Validate a zone's DNSKEY RRset against its DS RRset (already validated, or
 * a DS trust anchor): a DS whose algorithm and digest are supported must
 * match a DNSKEY (zone key flag set, not revoked) that signs the DNSKEY
 * RRset. zone: the DNSKEY owner. A DNSKEY anchor instead: call
 * bolt_val_verify_rrset with the anchor keys as keys.
 * SECURE: verified (out->key_tag is the key); INSECURE: no DS has a
 * supported algorithm and digest (EDE 1 or 2, RFC 6840 5.2); BOGUS: EDE 9 no
 * DNSKEY matches, or the RRset verification's own verdict. Returns the status.
 */
BOLT_API enum bolt_val_status bolt_val_verify_dnskey(
	const struct bolt_val_rrset *dnskey, const struct bolt_rr *const *ds, size_t nds,
	const uint8_t *zone, const struct bolt_val_params *p,
	struct bolt_val_budget *b, struct bolt_val_result *out);

/* ------------------------------------------------------------------ */
/* RRSIG.                                                              */
/* ------------------------------------------------------------------ */

/*
 * Verify an RRset with the zone's validated DNSKEYs (keys, nkeys: DNSKEY
 * records; those without the zone key flag, with the REVOKE bit, with a
 * protocol other than 3 or an RSA modulus over 4096 bits are never used).
 * An RRSIG counts when: its type covered is the set's type, signer == zone
 * (case-insensitively) and the owner is in the zone, labels <= the owner's
 * labels (fewer: wildcard expansion, out->wildcard is set), inception <=
 * now + skew and now - skew <= expiration in serial-number arithmetic (RFC
 * 4034 3.1.5), a key with its tag and algorithm verifies it (at most
 * b->max_keys_per_sig such keys tried). One good RRSIG is enough.
 * Owner case never matters (canonical form, RFC 4034 6).
 * SECURE with out->ttl, out->key_tag (and wildcard); INSECURE when every
 * RRSIG uses an unsupported algorithm (EDE 1); BOGUS otherwise, the EDE of
 * the most telling failure: 10 no RRSIG, 7 expired, 8 not yet valid, 9 no
 * key, 6 bad signature or a limit. Returns the status.
 */
BOLT_API enum bolt_val_status bolt_val_verify_rrset(
	const struct bolt_val_rrset *set, const uint8_t *zone,
	const struct bolt_rr *const *keys, size_t nkeys, const struct bolt_val_params *p,
	struct bolt_val_budget *b, struct bolt_val_result *out);

/*
 * RFC 5011 section 2.1: did the revoked key (REVOKE bit set, its key tag
 * the revoked one) sign the DNSKEY RRset it is published in? The one place
 * a revoked key is used, and only to prove its own revocation: the caller
 * then stops trusting it. key must be a member of dnskey (owner zone). The
 * same RRSIG checks (time, signer, labels) and budget as
 * bolt_val_verify_rrset. SECURE: the self-signature verifies; BOGUS
 * otherwise (out->reason says why). Returns the status.
 */
BOLT_API enum bolt_val_status bolt_val_verify_revoked(
	const struct bolt_val_rrset *dnskey, const uint8_t *zone, const struct bolt_rr *key,
	const struct bolt_val_params *p, struct bolt_val_budget *b, struct bolt_val_result *out);

/* ------------------------------------------------------------------ */
/* Canonical form and order (RFC 4034 6).                              */
/* ------------------------------------------------------------------ */

/* Canonical order of two uncompressed wire names: <0, 0, >0. */
BOLT_API int bolt_val_name_cmp(const uint8_t *a, const uint8_t *b);

/*
 * Canonical RDATA of type into out (cap bytes): names of the types of RFC
 * 4034 6.2 as amended by RFC 6840 5.1 lower-cased (not NSEC's, not HINFO).
 * Returns the length, BOLT_ERDATA (a name does not parse, or a compression
 * pointer) or BOLT_ESPACE.
 */
BOLT_API int bolt_val_canon_rdata(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
                                  uint8_t *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Denial of existence. Every NSEC/NSEC3 given must have been validated  */
/* (bolt_val_verify_rrset); zone is the zone they belong to. Results:    */
/* SECURE the proof holds; BOGUS it does not (EDE 12, reason says what   */
/* is missing); INSECURE NSEC3 cannot prove it securely (opt-out,        */
/* iterations over the limit, unknown hash: RFC 5155, RFC 9276).         */
/* ------------------------------------------------------------------ */

/* Is type's bit set in an NSEC/NSEC3 type bitmap (bitmap, len bytes)? */
BOLT_API bool bolt_val_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type);

/* Does the NSEC record nsec cover name (owner < name < next, canonical order,
 * the last NSEC wrapping to the apex)? 0 no, 1 yes, BOLT_ERDATA. */
BOLT_API int bolt_val_nsec_covers(const struct bolt_rr *nsec, const uint8_t *name);

/* NXDOMAIN (RFC 4035 5.4): an NSEC covers qname (and qname is no empty
 * non-terminal), an NSEC covers the wildcard at its closest encloser, and no
 * NSEC shows a delegation or DNAME above qname. */
BOLT_API enum bolt_val_status bolt_val_nsec_nxdomain(
	const uint8_t *qname, const uint8_t *zone, const struct bolt_rr *const *nsec,
	size_t n, struct bolt_val_result *out);

/* NODATA: an NSEC at qname without qtype and CNAME (for DS: from the parent
 * side, no SOA; for others: not a delegation), or qname is an empty
 * non-terminal, or the wildcard NODATA case: qname covered and the wildcard
 * at its closest encloser matched without qtype and CNAME. */
BOLT_API enum bolt_val_status bolt_val_nsec_nodata(
	const uint8_t *qname, uint16_t qtype, const uint8_t *zone,
	const struct bolt_rr *const *nsec, size_t n, struct bolt_val_result *out);

/* Wildcard answer (RFC 4035 5.3.4): wildcard is out->wildcard from the
 * answer's verification; an NSEC must cover qname with its closest encloser
 * being the wildcard's parent (no closer match exists). */
BOLT_API enum bolt_val_status bolt_val_nsec_wildcard(
	const uint8_t *qname, const uint8_t *wildcard, const uint8_t *zone,
	const struct bolt_rr *const *nsec, size_t n, struct bolt_val_result *out);

/* Insecure delegation (child has no DS): an NSEC at child with NS, without
 * DS and SOA. INSECURE when proven (the child is unsigned), BOGUS otherwise. */
BOLT_API enum bolt_val_status bolt_val_nsec_insecure_delegation(
	const uint8_t *child, const uint8_t *zone, const struct bolt_rr *const *nsec,
	size_t n, struct bolt_val_result *out);

/* NSEC3 hash (RFC 5155 5) of name (lower-cased first) with SHA-1, the only
 * defined hash: out receives 20 bytes. Returns 20 or BOLT_ETYPE (hash_alg
 * != 1) or BOLT_ELIMIT (iterations > 2500, a sanity bound). */
BOLT_API int bolt_val_nsec3_hash(const uint8_t *name, uint8_t hash_alg, uint16_t iterations,
                                 const uint8_t *salt, uint8_t salt_len, uint8_t out[20]);

/* The hash an NSEC3 owner's first label s[0..len) spells: base32hex
 * (RFC 4648 7), either case, exactly 32 characters, into 20 bytes. False
 * when the label is not such a hash. */
BOLT_API bool bolt_val_nsec3_label_hash(const uint8_t *s, size_t len, uint8_t out[20]);

/* Does the NSEC3 record nsec3 (of zone) match (1) or cover (2) name, or
 * neither (0)? Counts one hash in b; BOLT_ELIMIT when the budget is spent,
 * BOLT_ERDATA for a malformed record, BOLT_ETYPE for an unusable one
 * (unknown hash, flags, iterations over b->max_nsec3_iterations). */
BOLT_API int bolt_val_nsec3_covers(const struct bolt_rr *nsec3, const uint8_t *zone,
                                   const uint8_t *name, struct bolt_val_budget *b);

/* NXDOMAIN (RFC 5155 8.4): closest encloser proof for qname plus a cover of
 * the wildcard at the closest encloser. Opt-out on the next closer: INSECURE. */
BOLT_API enum bolt_val_status bolt_val_nsec3_nxdomain(
	const uint8_t *qname, const uint8_t *zone, const struct bolt_rr *const *nsec3,
	size_t n, struct bolt_val_budget *b, struct bolt_val_result *out);

/* NODATA (RFC 5155 8.5-8.7): an NSEC3 matching qname without qtype and
 * CNAME; for DS without a match, a closest encloser proof whose next closer
 * is covered by an opt-out NSEC3 (INSECURE); the wildcard NODATA case. */
BOLT_API enum bolt_val_status bolt_val_nsec3_nodata(
	const uint8_t *qname, uint16_t qtype, const uint8_t *zone,
	const struct bolt_rr *const *nsec3, size_t n, struct bolt_val_budget *b,
	struct bolt_val_result *out);

/* Wildcard answer (RFC 5155 8.8): an NSEC3 covers the next closer name of
 * qname below the wildcard's parent. Opt-out cover: INSECURE. */
BOLT_API enum bolt_val_status bolt_val_nsec3_wildcard(
	const uint8_t *qname, const uint8_t *wildcard, const uint8_t *zone,
	const struct bolt_rr *const *nsec3, size_t n, struct bolt_val_budget *b,
	struct bolt_val_result *out);

/* Insecure delegation (RFC 5155 8.9): an NSEC3 matching child with NS,
 * without DS and SOA, or a closest encloser proof with an opt-out cover of
 * the next closer. INSECURE when proven, BOGUS otherwise. */
BOLT_API enum bolt_val_status bolt_val_nsec3_insecure_delegation(
	const uint8_t *child, const uint8_t *zone, const struct bolt_rr *const *nsec3,
	size_t n, struct bolt_val_budget *b, struct bolt_val_result *out);

#endif
