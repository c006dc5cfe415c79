/*
 * Inside the iterator: the state of one resolution (struct res) and what the
 * files of a resolution share. resolve.c runs resolutions (steps, answers,
 * sub-resolutions, validation); rescut.c holds the zone cut's arithmetic
 * (servers, addresses, QNAME minimisation); resdeleg.c the delegation
 * followed (referrals, glue, NS names to look up); resout.c reads finished ones;
 * resprobe.c schedules the RFC 5011 probes. Not an API outside control/iter.
 */
#ifndef BOLTDNS_CONTROL_ITER_RES_INT_H
#define BOLTDNS_CONTROL_ITER_RES_INT_H

#include <stdio.h>
#include <string.h>

#include "boltdns/cache.h"
#include "../cp.h"
#include "../net/upstream.h"
#include "answer.h"
#include "dnssec.h"
#include "prime.h"
#include "resolve.h"
#include "respolicy.h"
#include "select.h"

/* Parsed RRs per upstream response at most: more is not a sane referral or answer. */
#define PARSE_RRS_MAX 1024
/* A failed NS address look-up is remembered this long. */
#define ADDR_FAIL_TTL 30
/* RFC 9156 section 2.3: at most this many minimised queries per resolution,
 * the first MINIMISE_ONE_LAB of them one label at a time. */
#define MAX_MINIMISE_COUNT 10
#define MINIMISE_ONE_LAB 4
/* Candidate addresses per cut at most. */
#define CAND_MAX SEL_SERVERS_MAX
/* Addresses of the cut's servers this resolution learnt (glue of the
 * referral, its own look-ups), kept with it. */
#define CUT_ADDR_MAX 16
/* ns_chased bits */
#define CHASED_A 1
#define CHASED_AAAA 2

/* A new query after a bogus answer (resretry.c): at most RETRY_MAX per
 * question (Unbound's val-max-restart is 5; every attempt here may use TCP
 * to the servers already blamed, which a forger cannot race). */
#define RETRY_MAX 3
/* Servers whose answers one attempt used, and servers blamed, kept. A
 * source is a server, its zone and what it sent (records, or which zone's
 * keys): a question three labels below a TLD through a CNAME into a sibling
 * zone, with nothing in the key cache, has 11 (test_cp_resretry); the last
 * noted, the deepest zones' DNSKEY sets, are no less likely to be what
 * failed. */
#define RETRY_SRC_MAX 16
#define RETRY_BLAME_MAX 16

/* A server of a zone (the zone as a hash of its name). */
struct retry_src {
	uint64_t zone;
	struct infra_addr a;
	bool tcp;                       /* its answers came over TCP */
	uint64_t keys_of;               /* a source: it sent the DNSKEY or DS set of this
	                                   zone (dsec_zone_key); 0: the question's records */
};

/* Work limits shared by a question and its sub-resolutions. */
struct budget {
	unsigned upstream;
	unsigned ns_chase;
	uint64_t deadline_ms;   /* uv_now() */
	bool limit_hit;
};

struct res {
	struct cp *cp;
	struct res *parent;
	struct budget *budget;
	struct budget own;
	unsigned depth;
	res_done_cb cb;
	void *arg;
	uint64_t started_ms;

	uint8_t qname[BOLT_NAME_MAX];
	uint16_t qtype, qclass;
	bool do_bit;

	uint8_t cur[BOLT_NAME_MAX];     /* end of the CNAME chain so far */
	unsigned ncname;

	bool have_cut;
	int above;                      /* find_cut: only cuts with fewer labels (-1: any) */
	bool refetched;                 /* went back to the parent for refetch_zone */
	uint8_t refetch_zone[BOLT_NAME_MAX];
	uint8_t zone[BOLT_NAME_MAX];
	struct infra_nsset ns;
	uint8_t ns_chased[INFRA_NS_MAX];
	/* The referral's glue and what our look-ups of the NS names found:
	 * usable by this resolution even when a TTL of 0 (or of 2^31 and more,
	 * which counts as 0) keeps them out of the infra cache. */
	struct infra_addr cut_addr[CUT_ADDR_MAX];
	unsigned ncut_addr;
	int mlabels;                    /* labels of the next name asked */
	unsigned qmin_count;            /* minimised names chosen so far */
	bool qmin_off;                  /* fell back to full names (RFC 9156) */
	struct sel_query sel;
	bool zone_held;                 /* holds a slot of zone (inflight.h) */
	bool down_checked;              /* zone asked of zonedown.h (resguard.c) */

	struct upq *q;                  /* query in flight */
	struct infra_addr q_server;
	uint8_t q_name[BOLT_NAME_MAX];
	uint16_t q_type;
	bool q_edns;
	bool q_minimised;
	struct prime_waiter prime_w;    /* waiting for root priming */
	struct res *child;              /* sub-resolution in flight */
	unsigned child_idx;
	uint16_t child_type;

	uint8_t rcode;
	uint8_t last_rcode;             /* latest error rcode a server gave */
	struct orr_list answer;
	struct orr_list authority;
	uint32_t neg_ttl;
	bool negative;
	uint16_t ede;                   /* enum bolt_ede of a failure */
	uint16_t child_ede;             /* reason of the latest failed sub-resolution */
	char ede_text[128];
	char child_text[128];

	/* DNSSEC (dnssec.h): queries with DO=1, the records the validator reads,
	 * and its verdict on a top-level resolution. */
	bool want_do;                   /* ask with DO=1 and keep RRSIG/NSEC/NSEC3 */
	bool validated;                 /* validation started (or not wanted) */
	struct orr_list sigs;           /* RRSIGs of the answer's RRsets */
	struct orr_list proof;          /* NSEC/NSEC3 and their RRSIGs (and the SOA's) */
	struct orr_list refds;          /* signed DS RRsets of the referrals followed */
	struct dsec_seg seg[DSEC_SEG_MAX];
	unsigned nseg;
	struct dsec_val *val;
	uint8_t sec;                    /* enum bolt_sec_status */
	uint16_t sec_ede;
	struct res *fetch_next;         /* a validator look-up: the next one in flight */
	struct res *waiters;            /* a validator look-up: other validations waiting for it */
	struct res *wait_next;          /* waiting for another's look-up: the next waiter */
	uint32_t sec_ttl;               /* secure: lifetime bound of the signatures, 0: none */
	char sec_text[96];

	/* A new query after a bogus answer (resretry.c). Top level: the
	 * servers this attempt's answers came from, those blamed by earlier
	 * attempts. Any resolution: whether its cut is asked over TCP, and
	 * whether the answer being used came over TCP. */
	struct retry_src src[RETRY_SRC_MAX];
	unsigned nsrc;
	struct retry_src blame[RETRY_BLAME_MAX];
	unsigned nblame;
	unsigned restarts;
	bool keys_refetched;            /* the validator fetched cached keys again once */
	bool cut_tcp;
	bool ans_tcp;
	/* Forward and stub zones (zones.h, reszone.c). */
	const struct zone *zc;          /* the cut is this configured zone; NULL: a delegation */
	unsigned zgen;                  /* zones_generation() when zc was set */
	const struct zone *zskip;       /* forward-first gave up on this zone: resolve without */
	unsigned zskip_gen;
	unsigned zgen_start;            /* zones_generation() when the resolution began */
	/* Response policy on the cut's servers (respolicy.c). */
	uint8_t pol_state;              /* enum res_pol_state */
	bool pol_names_done;            /* the cut's NS names were checked */
	uint8_t pol_naddr;              /* addresses of the cut checked */
	bool pol_have;                  /* pol applies (of generation pol_gen) */
	unsigned pol_gen;
	struct res_pol pol;
};

/* Where a resolution is with the NS triggers (respolicy.c). */
enum res_pol_state {
	RES_POL_START = 0,              /* QNAME rules not looked at yet */
	RES_POL_CHECK,                  /* checking each cut */
	RES_POL_DONE,                   /* decided: a QNAME rule, or an NS rule matched */
};

static inline int nlen(const uint8_t *name)
{
	return bolt_name_len(name, BOLT_NAME_MAX);
}

static inline void name_copy(uint8_t *dst, const uint8_t *src)
{
	int l = nlen(src);
	memcpy(dst, src, l > 0 ? (size_t)l : 1);
	if (l <= 0)
		dst[0] = 0;
}

static inline void name_text(const uint8_t *name, char *out, size_t cap)
{
	if (bolt_name_to_text(name, out, cap) < 0)
		snprintf(out, cap, "?");
}

/* The suffix of name with labels labels (a pointer into name). */
static inline const uint8_t *name_suffix(const uint8_t *name, int labels)
{
	int total = bolt_name_labels(name);
	const uint8_t *p = name;
	for (int i = 0; i < total - labels && *p != 0; i++)
		p += 1 + *p;
	return p;
}

static inline uint32_t now_s(void)
{
	return bolt_now();
}

/* The records a resolution gathered and its validation state, freed (the
 * resolution itself stays: freeing it, or asking again from scratch). */
static inline void res_drop_records(struct res *r)
{
	orr_list_free(&r->answer);
	orr_list_free(&r->authority);
	orr_list_free(&r->sigs);
	orr_list_free(&r->proof);
	orr_list_free(&r->refds);
	dsec_free(r->val);
	r->val = NULL;
}

/* The zone cut of a resolution (rescut.c). */
bool cut_is_root(const struct res *r);
int cut_qmin_next(struct res *r, int from);
void cut_qmin_fallback(struct res *r);
void cut_set(struct res *r, const uint8_t *zone, const struct infra_nsset *ns);
bool cut_ns_addrs(struct res *r, unsigned i, struct infra_addr *a, unsigned *n, unsigned max);
unsigned cut_candidates(struct res *r, struct infra_addr *cand, unsigned max);

/* The delegation being followed (resdeleg.c). */
/* Report the outcome o of the query in flight to select.c (and to the
 * configured zone's table). */
void res_report(struct res *r, enum sel_outcome o, uint32_t rtt_ms);
/* Learn the delegation to zone (lower-case) that m refers to: its NS set
 * into *ns and the infra cache, the sender credited (SEL_OK), zone made
 * r's cut with the glue of m. Nothing changes when the set is empty. */
void deleg_learn(struct res *r, const struct bolt_msg *m, const bool *keep,
                 const uint8_t *zone, struct infra_nsset *ns, uint32_t rtt_ms);
/* Keep the signed DS RRset of a referral to zone for validation (0 or -ENOMEM). */
int deleg_keep_ds(struct res *r, const struct bolt_msg *m, const bool *keep,
                  const uint8_t *zone);
/* Is name being looked up by r or one of its ancestors (a cycle)? */
bool deleg_in_chain(const struct res *r, const uint8_t *name);
/* An NS name of the cut worth looking up, and for which type (*qtype);
 * -1 when none. */
int deleg_pick_chase(struct res *r, uint16_t *qtype);

/* A new query after a bogus answer (resretry.c). */
/* Note that the answer of the server a for zone (over TCP or not) goes
 * into what the top-level resolution of r validates; keys_of: it was the
 * DNSKEY or DS set of that zone (dsec_zone_key), 0: records of the question. */
void retry_note_source(struct res *r, const uint8_t *zone, const struct infra_addr *a, bool tcp,
                       uint64_t keys_of);
/* Keep, of the cut's candidates cand[0..*n), those blamed the least for
 * the cut's zone by earlier attempts of the question; r->cut_tcp is set
 * when they were all blamed (ask them over TCP). */
void retry_filter(struct res *r, struct infra_addr *cand, unsigned *n);
/* The top-level r was validated bogus (vd): when a new attempt may help
 * (RETRY_MAX, work limits, someone new to blame, not a zone already known
 * bogus, not permissive), blame this attempt's sources, reset r to ask
 * again from its closest cut and return true (the caller calls step()).
 * False: vd stands. */
bool retry_after_bogus(struct res *r, const struct dsec_verdict *vd);
/* The top-level r was validated bogus (vd) with keys from the key cache,
 * by an RRSIG naming a key they do not hold (EDE 9): forget those keys
 * (dsec_refetch_keys) and give r a fresh dsec_val (true; the caller feeds
 * the referral DS and validates again). Once per question. */
bool retry_keys(struct res *r, const struct dsec_verdict *vd);
/* A resolution in a forward or stub zone (reszone.c; zones.h says what they are). */
struct zone;
/* The cut was a configured zone of a table since replaced (reload). */
bool rz_stale(const struct res *r);
/* The deepest configured zone of r->cur with at most labels labels (NULL:
 * none); *floor: delegations cached at or above this many labels are not
 * to be used (the zone comes first). */
const struct zone *rz_match(struct res *r, int labels, int *floor);
/* Make z the cut of r. */
void rz_set_cut(struct res *r, const struct zone *z);
/* res_inject's cut: the configured zone called zone when there is one
 * (its answers are then read as that zone's), else a cut without NS. */
void rz_inject_cut(struct res *r, const uint8_t *zone);
/* The cut's servers, when it is a configured zone. */
unsigned rz_candidates(const struct res *r, struct infra_addr *cand, unsigned max);
/* Asking a forward zone's servers: RD=1, the whole name. */
bool rz_forwarding(const struct res *r);
/* The zone wants TCP only (tcp = yes). */
bool rz_tcp(const struct res *r);
/* Do max-inflight-per-zone and zone-nxdomain-rate apply to r's cut? */
bool rz_zone_limits(const struct res *r);
/* The zone whose names the cut's servers may speak for (scrubbing). */
const uint8_t *rz_bailiwick(const struct res *r);
/* The zone the validator starts from for records l[first..] of the
 * latest answer, and for the denial of r->cur. */
const uint8_t *rz_val_zone(const struct res *r, const struct orr_list *l, unsigned first);
const uint8_t *rz_denial_zone(const struct res *r);
/* Count a query to r->q_server, and its outcome. */
void rz_note_sent(const struct res *r);
void rz_note(const struct res *r, enum sel_outcome o);
/* Every server of r's configured zone failed: with forward-first, drop the
 * zone for this resolution (true: step again); false: fail. */
bool rz_fallback(struct res *r);

/* Response policy on the cut's servers (respolicy.c): check r's cut
 * (once per cut for its NS names, again when it has new addresses).
 * True: a policy answers r's question, which must end now (res_policy_hit
 * says which). */
bool respol_check(struct res *r);

/* Flood defences at the cut (resguard.c). */
/* r's zone is refused by zone-nxdomain-rate: publish it to the dataplane
 * (boltdns/throttle.h; once a second while refusals go on). */
void guard_throttle(struct res *r);
/* At r's first step at a cut: is the zone down (zonedown.h) and r not its
 * probe? Then true, with the reason for the failure in text[0..cap), and
 * the zone is published to the dataplane once a second. */
bool guard_zone_down(struct res *r, char *text, size_t cap);
/* r failed at its cut with ede (sel_reason): mark the zone down when no
 * server answered. */
void guard_no_server(struct res *r, uint16_t ede);
/* A server of r's cut answered: the zone is up, and no longer throttled
 * if it was published as down. */
void guard_answered(struct res *r);

#endif
