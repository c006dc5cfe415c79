/*
 * Internals shared by the files of the resolver's DNSSEC module (dnssec.c:
 * the verdicts of an answer and the API; dnssec_chain.c: the chain of trust,
 * the key cache, the verified-RRset cache, RFC 5011 hand-over). Not an API.
 *
 * Loop thread only.
 */
#ifndef BOLTDNS_CONTROL_DNSSEC_INT_H
#define BOLTDNS_CONTROL_DNSSEC_INT_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "boltdns/cache.h"
#include "../validator/validator.h"
#include "dnssec.h"

/* Records of one RRset at most (more is bogus: no real RRset comes close). */
#define SET_MAX 64
#define SIG_MAX 16
/* Zone conclusions kept (shared by every resolution). */
#define KC_MAX 512
/* dv_zone_status() recursion: one level per zone cut above the answer. */
#define DEPTH_MAX 24
/* Names between a secure zone and an unsigned RRset checked for a cut. */
#define WALK_MAX 4
/* TTL of an insecure conclusion when its proof has none shorter. */
#define INSECURE_TTL_MAX 3600
/* Zones a validation remembers for a new query after a bogus verdict
 * (dsec_refetch_keys, dsec_bogus_retry): more are not forgotten. */
#define TRACK_MAX 8

enum kstate {
	KS_SECURE = 1,
	KS_INSECURE,
	KS_BOGUS,
	KS_ALIAS,      /* not a zone cut: the conclusion of alias applies */
};

struct kentry {
	bool used;
	uint8_t state;
	uint8_t name[BOLT_NAME_MAX];
	uint8_t alias[BOLT_NAME_MAX];
	uint32_t expires;
	uint16_t ede;
	char reason[96];
	struct orr_list keys;      /* KS_SECURE: the validated DNSKEY RRset */
	uint64_t cause;            /* KS_BOGUS inherited from an ancestor: the zone whose
	                              keys failed (dsec_zone_key); 0: this one's own */
};

/* One fetched DS or DNSKEY answer. */
struct fres {
	uint8_t name[BOLT_NAME_MAX];
	uint16_t type;
	uint8_t rcode;
	bool negative;
	uint8_t zone[BOLT_NAME_MAX];
	struct orr_list answer, sigs, proof;
};

/* Verdict of one part, memoised so that a restart does not verify twice. */
struct part {
	bool done;
	uint8_t status;
	uint16_t ede;
	uint32_t ttl;                 /* secure RRset: its validated lifetime (0: none) */
	char text[96];
	uint64_t kzone;               /* bogus from this zone's keys: dsec_zone_key; 0: not */
};

struct dsec_val {
	const struct bolt_config *cfg;
	struct bolt_val_budget budget;
	struct bolt_val_params params;
	struct fres f[DSEC_FETCH_MAX];
	unsigned nf;
	unsigned depth;
	bool need;
	struct dsec_fetch want;
	struct part parts[SET_MAX];   /* by index of the RRset's first record in answer */
	struct part denial;
	struct kentry tmp;            /* a conclusion not worth caching */
	uint32_t fixed_now;           /* tests: the clock (0: time()) */
	/* For a new query after a bogus verdict: the secure conclusions taken
	 * from the key cache, the bogus ones made here, and whether a bogus one
	 * made by an earlier question was used. */
	uint8_t kc_used[TRACK_MAX][BOLT_NAME_MAX];
	unsigned nkc_used;
	uint8_t kc_made_bogus[TRACK_MAX][BOLT_NAME_MAX];
	unsigned nkc_made_bogus;
	bool cached_bogus;
};

static inline void set_now(struct dsec_val *v)
{
	v->params.now = v->fixed_now != 0 ? v->fixed_now : (uint32_t)time(NULL);
}

/* ---- small helpers ---- */

static inline int nlen(const uint8_t *n)
{
	return bolt_name_len(n, BOLT_NAME_MAX);
}

static inline void ncopy(uint8_t *dst, const uint8_t *src)
{
	int l = nlen(src);
	if (l <= 0) {
		dst[0] = 0;
		return;
	}
	memcpy(dst, src, (size_t)l);
}

static inline void ntext(const uint8_t *name, char *out, size_t cap)
{
	if (bolt_name_to_text(name, out, cap) < 0)
		snprintf(out, cap, "?");
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* The type an RRSIG covers, 0 when too short. */
static inline uint16_t sig_covered(const struct orr *o)
{
	return o->rdlen >= 18 ? get16(o->rdata) : 0;
}

/* The signer name of an RRSIG (a pointer into its RDATA), NULL if malformed. */
static inline const uint8_t *sig_signer(const struct orr *o)
{
	if (o->rdlen < 19 || bolt_name_len(o->rdata + 18, (size_t)o->rdlen - 18) <= 0)
		return NULL;
	return o->rdata + 18;
}

/* Is a a proper ancestor of b? */
static inline bool proper_ancestor(const uint8_t *a, const uint8_t *b)
{
	return bolt_name_labels(a) < bolt_name_labels(b) && bolt_name_in_zone(b, a);
}

static inline void to_rr(const struct orr *o, struct bolt_rr *rr)
{
	int l = nlen(o->owner);
	memset(rr, 0, sizeof(*rr));
	memcpy(rr->owner, o->owner, l > 0 ? (size_t)l : 1);
	rr->owner_len = (uint8_t)(l > 0 ? l : 1);
	rr->type = o->type;
	rr->rclass = o->rclass;
	rr->ttl = o->ttl;
	rr->rdlen = o->rdlen;
	rr->rdata = o->rdata;
}

static inline bool orr_same(const struct orr *a, const struct orr *b)
{
	return a->type == b->type && a->rdlen == b->rdlen && bolt_name_equal(a->owner, b->owner) &&
	       memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

static inline int add_unique(struct orr_list *l, const struct orr *o)
{
	for (unsigned i = 0; i < l->n; i++)
		if (orr_same(&l->v[i], o))
			return 0;
	return orr_add(l, o->owner, o->type, o->rclass, o->ttl, o->rdata, o->rdlen);
}

/* An RRset (owner, type) of recs with the RRSIGs of sigs covering it. */
struct set {
	struct bolt_rr rr[SET_MAX];
	struct bolt_rr sig[SIG_MAX];
	const struct bolt_rr *rrp[SET_MAX];
	const struct bolt_rr *sigp[SIG_MAX];
	struct bolt_val_rrset s;
	const uint8_t *signer;        /* first RRSIG's signer (in sigs), NULL without */
	uint32_t min_ttl;
};

/* ---- dnssec.c ---- */

/* Fill st with the RRset (owner, type) of recs and the RRSIGs of sigs
 * covering it (sigs may be NULL). */
void dv_set_make(struct set *st, const struct orr_list *recs, const struct orr_list *sigs,
                 const uint8_t *owner, uint16_t type);

/* ---- dnssec_chain.c ---- */

/* The conclusion for zone z (secure with its keys, insecure, bogus), or
 * NULL when a look-up is needed first (v->want). */
const struct kentry *dv_zone_status(struct dsec_val *v, const uint8_t *z);

/* bolt_val_verify_rrset of st with the keys of a secure zone, through the
 * cache of RRsets verified before. */
enum bolt_val_status dv_verify(struct dsec_val *v, const struct set *st, const uint8_t *zone,
                               const struct kentry *keys, struct bolt_val_result *out);

/* The NSEC or NSEC3 records of proof inside zone, each RRset verified with
 * the zone's keys: SECURE with rr/p[0..*n) filled, or the failure in out. */
enum bolt_val_status dv_proof_records(struct dsec_val *v, const struct orr_list *proof,
                                      const uint8_t *zone, const struct kentry *ke,
                                      struct bolt_rr *rr, const struct bolt_rr **p, size_t *n,
                                      bool *nsec3, uint32_t *min_ttl,
                                      struct bolt_val_result *out);

/* The signer of the first RRSIG of proof covering NSEC or NSEC3 (or SOA). */
const uint8_t *dv_proof_signer(const struct orr_list *proof);

/* The fetched answer (name, type), or NULL. */
struct fres *dv_fres_find(struct dsec_val *v, const uint8_t *name, uint16_t type);

/* Buffers of the proof being checked (one at a time). */
extern struct bolt_rr dv_proof_rr[SET_MAX];
extern const struct bolt_rr *dv_proof_p[SET_MAX];

#endif
