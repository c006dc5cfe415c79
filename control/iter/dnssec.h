/*
 * DNSSEC validation of finished resolutions: the chain of trust from the
 * trust anchor (control/anchor) down to the RRsets of an answer, built on
 * the pure checks of control/validator.
 *
 * The iterator (resolve.c) hands a finished top-level resolution over as a
 * struct dsec_input and calls dsec_run(). The module never sends anything:
 * when it lacks the DS or DNSKEY RRset of a zone it returns DSEC_FETCH with
 * the question to ask; the iterator resolves it (DO=1, a sub-resolution
 * sharing the question's work limits), hands the records back with
 * dsec_feed() and calls dsec_run() again, until DSEC_DONE with a verdict.
 * Each call starts over from the records it holds, so the state is only what
 * was fetched and what was concluded; a zone's conclusion (validated keys,
 * insecure, bogus) goes into a small key cache shared by every resolution,
 * for the TTL of the records that proved it.
 *
 * Aggressive use of validated NSEC/NSEC3 (RFC 8198) is aggr.h's, fed by
 * serve.c with the records of secure negative answers (res_denial).
 *
 * A bogus verdict is not final at once: the iterator asks again
 * (resretry.c), helped by dsec_refetch_keys and dsec_bogus_retry.
 *
 * Loop thread only (the key cache and the counters are not locked).
 */
#ifndef BOLTDNS_CONTROL_DNSSEC_H
#define BOLTDNS_CONTROL_DNSSEC_H

#include <stdbool.h>
#include <stdint.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"
#include "answer.h"

/* Zones of the answer: records answer[start..] came from the servers of
 * zone (until the next segment). Used for records without RRSIGs. */
#define DSEC_SEG_MAX 16
struct dsec_seg {
	unsigned start;
	uint8_t zone[BOLT_NAME_MAX];
};

/* A finished resolution, as the validator needs it (all owned by the caller). */
struct dsec_input {
	const uint8_t *qname;
	uint16_t qtype;
	const uint8_t *cur;            /* end of the CNAME chain (negative answers) */
	uint8_t rcode;                 /* NOERROR or NXDOMAIN */
	bool negative;                 /* NXDOMAIN or NODATA at cur */
	const struct orr_list *answer; /* the chain and the final RRset */
	const struct orr_list *sigs;   /* RRSIGs of the answer's RRsets */
	const struct orr_list *proof;  /* NSEC/NSEC3 of the authority sections, their
	                                  RRSIGs and the SOA's */
	const struct dsec_seg *seg;
	unsigned nseg;
	const uint8_t *zone;           /* the cut whose server gave the final answer */
};

/* What to fetch next. */
struct dsec_fetch {
	uint8_t name[BOLT_NAME_MAX];
	uint16_t type;                 /* BOLT_TYPE_DS or DNSKEY (48) */
};

/* enum bolt_sec_status values (boltdns/cache.h) */
struct dsec_verdict {
	uint8_t status;
	uint16_t ede;                  /* enum bolt_val_ede value, or BOLT_EDE_NONE */
	uint32_t ttl;                  /* secure: the answer may be cached this long at
	                                  most (RRSIG original TTL and expiration, RFC
	                                  4035 5.3.3); 0: no bound */
	char text[96];                 /* reason (bogus), "" otherwise */
	uint64_t key_zone;             /* bogus because the keys of this zone (its DNSKEY
	                                  set or its DS at the parent) did not validate
	                                  (a zone below it: bogus by inheritance):
	                                  dsec_zone_key(zone); 0: the records themselves
	                                  (or no verdict on a zone's keys) */
};

/* A 64-bit key of a zone's name, case-insensitive (FNV-1a over the lower-case
 * wire name), as dsec_verdict.key_zone holds it. Never 0. Any thread. */
uint64_t dsec_zone_key(const uint8_t *zone);

enum dsec_step {
	DSEC_DONE = 0,
	DSEC_FETCH = 1,
};

struct dsec_val;

/*
 * Is validation on for name: [dnssec] validation, anchors loaded
 * (anchor_active()) and a trust anchor at or above name. Its questions go
 * upstream with DO=1. When false the answer is not validated (status
 * UNCHECKED when validation is off, INSECURE otherwise: see dsec_off_status).
 */
bool dsec_wanted(const uint8_t *name);

/* Does a negative trust anchor (RFC 7646) cover name? Its answers are not
 * validated (INSECURE), though asked with DO=1 like the others. */
bool dsec_nta(const uint8_t *name);

/* The status of an answer for name that dsec_wanted() refused. */
uint8_t dsec_off_status(const uint8_t *name);

/* State of one validation, limits from cfg. NULL on ENOMEM. */
struct dsec_val *dsec_new(const struct bolt_config *cfg);
void dsec_free(struct dsec_val *v);

/* Tests: validate at this time (unix seconds) instead of the clock's. */
void dsec_set_now(struct dsec_val *v, uint32_t now);
/* Tests: lower the signature verifications allowed (KeyTrap budget). */
void dsec_set_max_sig_verifies(struct dsec_val *v, uint32_t n);

/*
 * Go as far as the records at hand allow. DSEC_DONE: *out holds the verdict.
 * DSEC_FETCH: *f is the question to resolve and hand back with dsec_feed.
 * A validation that asked more than DSEC_FETCH_MAX questions ends bogus.
 */
#define DSEC_FETCH_MAX 24
enum dsec_step dsec_run(struct dsec_val *v, const struct dsec_input *in, struct dsec_fetch *f,
                        struct dsec_verdict *out);

/*
 * What the resolution of f (name, type) gave: rcode, whether it was negative,
 * its records as in struct dsec_input, and zone, the cut that answered. The
 * records are copied. Returns 0 or -ENOMEM.
 */
int dsec_feed(struct dsec_val *v, const uint8_t *name, uint16_t type, uint8_t rcode,
              bool negative, const struct orr_list *answer, const struct orr_list *sigs,
              const struct orr_list *proof, const uint8_t *zone);

/*
 * The DNSSEC records of one scrubbed upstream response for the chain just
 * classified: RRSIGs of the answer section covering kept RRsets go to sigs,
 * NSEC/NSEC3 of the authority section and the RRSIGs of those and of the SOA
 * to proof (records already there are not added again). Returns 0 or -ENOMEM.
 */
int dsec_collect(const struct bolt_msg *m, const bool *keep, struct orr_list *sigs,
                 struct orr_list *proof);

/*
 * A new query after a bogus verdict (Unbound's validator restarts the same
 * way), called with the validation that ended bogus:
 *
 * dsec_refetch_keys: forget the secure zone conclusions this validation
 * took from the key cache, so that their DNSKEY and DS are fetched again
 * (a key rolled since they were cached), and the bogus ones it made. True
 * when it took any from the cache; the caller validates the same records
 * once more with a new dsec_val.
 *
 * dsec_bogus_retry: the question will be asked again (other servers, or
 * TCP): forget the bogus zone conclusions this validation made, which rest
 * on what the servers just asked sent. False, forgetting nothing, when the
 * verdict rests on a bogus conclusion an earlier question cached: asking
 * again would only repeat it (a bogus zone never becomes a query storm).
 */
bool dsec_refetch_keys(struct dsec_val *v);
bool dsec_bogus_retry(struct dsec_val *v);

/* Counts of verdicts since start (for /metrics and `dnssec status`). */
struct dsec_counters {
	uint64_t secure, insecure, bogus, indeterminate;
	uint64_t fetches;              /* DS/DNSKEY questions asked for validation */
	uint64_t key_hits;             /* zone conclusions found in the key cache */
	uint64_t sig_cache_hits;       /* RRsets found verified already (no signature check) */
	uint64_t requeries;            /* bogus answers asked again (resretry.c) */
	uint64_t key_refetches;        /* bogus verdicts validated again with keys fetched anew */
	uint64_t bogus_by_ede[16];     /* bogus verdicts by EDE code (0..15) */
};
extern struct dsec_counters dsec_counters;

/* Count a verdict (after permissive turned bogus into insecure, the bogus
 * still counts as bogus). */
void dsec_count(const struct dsec_verdict *v);

/* Register the counters with the anchor context's `dnssec status`
 * (anchor_set_counts_source); harmless when there is none. */
void dsec_register(void);

/*
 * RFC 5011 active refresh (the anchor module keeps the states and timers):
 * dsec_probe_due() is true, with the trust point's name in name
 * (BOLT_NAME_MAX bytes), when a point's probe is due; the caller resolves
 * (name, DNSKEY) with validation, which hands the set to the anchor module
 * (anchor_5011_observe), and then calls dsec_probe_done(name), which counts
 * a failed probe when no set came.
 */
bool dsec_probe_due(uint8_t *name);
void dsec_probe_done(const uint8_t *name);

/* Empty the key cache (tests, reload). */
void dsec_keycache_clear(void);
/* Forget what the key cache holds for zone name (below: and every zone
 * under it; name NULL: everything), as boltctl flush / flush_zone /
 * flush_all do (Unbound's flush_zone empties its key cache too), so a zone
 * whose keys were found bogus is validated afresh. */
void dsec_keycache_forget(const uint8_t *name, bool below);

#endif
