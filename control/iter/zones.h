/*
 * Forward and stub zones ([zone] sections): names whose questions go to
 * servers the operator lists instead of the delegation from the root.
 *
 *   forward  the client's question, RD=1, to recursive resolvers; their
 *            answer (with its CNAME chain) is used as a whole. A referral
 *            from one counts as a bad answer of that server.
 *   stub     iteration starts at the listed authoritative servers instead
 *            of the parent's delegation; their referrals are followed as
 *            usual (and cached), so a delegation below the stub zone is
 *            used for the names under it.
 *
 * Longest match: a name follows the deepest configured zone that contains
 * it (a.b.corp.example follows b.corp.example when both exist). A DS
 * question goes to the parent side of its name, as every DS question does
 * (Unbound strips a label for DS before looking for a forward zone too).
 * A forward zone's names follow it even when a deeper delegation is
 * cached; a stub zone's names use cuts learnt below it.
 *
 * DNSSEC: answers from the zones' servers are validated like every other
 * answer (Unbound's forward-zone and stub-zone do the same): a zone not
 * delegated in the signed public tree (corp.internal) needs its name in
 * [dnssec] negative-trust-anchors, as Unbound needs domain-insecure.
 *
 * Server selection is select.c's, over the zone's servers (their ports
 * kept); the servers are the operator's choice, so do-not-query-address
 * and do-not-query-localhost do not apply to them (Unbound refuses a
 * forwarder on 127.0.0.1 unless do-not-query-localhost is off: a common
 * surprise). When every server of a zone fails, the question fails
 * (SERVFAIL with the reason), or with forward-first = yes it is resolved
 * as if the zone were not configured.
 *
 * The table is process-wide and replaced as a whole by zones_configure
 * (start-up, reload); each replacement bumps a generation, and a
 * resolution that used a zone of an older table finds its cut again.
 * Loop thread only.
 */
#ifndef BOLTDNS_CONTROL_ZONES_H
#define BOLTDNS_CONTROL_ZONES_H

#include <stdbool.h>
#include <stdint.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"
#include "infra.h"

/* Per server of a zone: what was asked of it (since it was configured). */
struct zone_srv {
	struct infra_addr a;
	uint64_t queries;      /* queries sent */
	uint64_t answers;      /* answers received (any rcode) */
	uint64_t failures;     /* timeouts and network errors */
	uint32_t last_answer;  /* bolt_now() of the latest answer, 0: none */
};

struct zone {
	uint8_t name[BOLT_NAME_MAX];   /* lower-case wire form */
	int labels;
	uint8_t type;                  /* enum bolt_zone_type */
	bool forward_first;
	bool tcp;
	unsigned nsrv;
	struct zone_srv srv[BOLT_CFG_MAX_ADDRS];
	uint64_t questions;            /* resolutions that used the zone */
	uint64_t fallbacks;            /* forward-first: resolved without it */
	uint64_t failures;             /* every server failed (no fallback) */
};

/* Called by zones_configure for each zone name whose configuration changed
 * (added, removed, other type, servers or options). */
typedef void (*zones_changed_cb)(const uint8_t *name, void *arg);

/*
 * Make z[0..n) the table (names already lower-case, as the configuration
 * loader keeps them). Counters of a zone whose configuration is unchanged
 * are kept. changed (may be NULL) is called for every name that changed,
 * after the new table is in place. Returns the number of names that
 * changed.
 */
unsigned zones_configure(const struct bolt_cfg_zone *z, unsigned n, zones_changed_cb changed,
                         void *arg);

/* The table's generation: bumped by every zones_configure that changed it. */
unsigned zones_generation(void);

/* Zones configured now, and zone i of them (NULL past the end). */
unsigned zones_count(void);
const struct zone *zones_get(unsigned i);

/*
 * The deepest zone that contains name (lower-case wire form) with at most
 * max_labels labels (-1: any), skipping skip (may be NULL). NULL when none.
 */
const struct zone *zones_match(const uint8_t *name, int max_labels, const struct zone *skip);

/* What happened with one query to server a of z. */
enum zone_try { ZONE_TRY_SENT, ZONE_TRY_ANSWER, ZONE_TRY_FAILED };

/* Counting (z: an entry of the current table; a server not of z is ignored). */
void zones_note_try(const struct zone *z, const struct infra_addr *a, enum zone_try t);
void zones_note_question(const struct zone *z);
void zones_note_fallback(const struct zone *z);
void zones_note_failure(const struct zone *z);

/* "forward" or "stub". */
const char *zones_type_name(uint8_t type);

#endif
