/*
 * Helpers shared by the validator's files (not part of its API).
 */
#ifndef BOLTDNS_VALIDATOR_INTERNAL_H
#define BOLTDNS_VALIDATOR_INTERNAL_H

#include <string.h>

#include "validator.h"

/* Set the verdict and reason of out; returns the status. */
static inline enum bolt_val_status val_set(struct bolt_val_result *out,
                                           enum bolt_val_status s, uint16_t ede,
                                           const char *reason)
{
	out->status = s;
	out->ede = ede;
	out->reason = reason;
	return s;
}

/* Clear out before a call fills it. */
static inline void val_reset(struct bolt_val_result *out)
{
	memset(out, 0, sizeof(*out));
	out->status = BOLT_VAL_INDETERMINATE;
	out->ede = BOLT_VAL_EDE_NONE;
	out->reason = "nothing to validate";
}

static inline uint16_t val_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t val_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* The suffix of name holding its last `keep` labels (name itself when it has
 * no more). name must be a valid wire name. */
const uint8_t *val_name_suffix(const uint8_t *name, int keep);

/* Number of rightmost labels a and b share (case-insensitively). */
int val_common_labels(const uint8_t *a, const uint8_t *b);

/* Does name start with the wildcard label "*"? */
static inline bool val_name_is_wildcard(const uint8_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

/* "*." + name into out (BOLT_NAME_MAX bytes). Returns the length or
 * BOLT_ENAME. */
int val_wildcard_of(const uint8_t *name, uint8_t *out);

/* Is a valid uncompressed name within p[0..max)? Returns its length or a
 * negative code. */
static inline int val_name_in(const uint8_t *p, size_t max)
{
	return bolt_name_len(p, max);
}

/* A record's owner is a valid name (a corrupt owner_len is refused). */
static inline bool val_owner_ok(const struct bolt_rr *rr)
{
	int l = bolt_name_len(rr->owner, rr->owner_len);
	return l > 0 && l == rr->owner_len;
}

/* An NSEC's next name and type bitmap. Returns 0 or BOLT_ERDATA. */
int val_nsec_parse(const struct bolt_rr *nsec, const uint8_t **next,
                   const uint8_t **bitmap, size_t *bitmap_len);

/* Canonical RRset image for one RRSIG (RFC 4034 3.1.8.1): sig_prefix is the
 * RRSIG RDATA up to and including the signer name (prefix_len bytes, the
 * signer already lower-cased), owner the name the RRs are signed under
 * (their own, or the wildcard). Returns a malloc'd buffer in *out and its
 * length, or BOLT_ERDATA / -ENOMEM. */
int val_canon_rrset(const struct bolt_val_rrset *set, const uint8_t *sig_prefix,
                    size_t prefix_len, const uint8_t *owner, uint32_t orig_ttl,
                    uint8_t **out, size_t *out_len);

#endif
