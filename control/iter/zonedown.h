/*
 * Zones whose servers are all down: questions fail at once, without asking
 * anybody, and at most one question at a time probes the servers (as
 * Unbound's infra cache does with a host past its top timeout).
 *
 * A random-subdomain ("water torture") flood of a zone whose servers never
 * answer would otherwise cost the resolver a full resolution per question:
 * each one finds every server of the cut in its back-off (select.c), goes
 * back to the parent for a fresh referral (one upstream query each), and
 * only then fails; and each time a server's back-off ends, every question
 * of the moment (up to max-inflight-per-zone) is sent to it and waits out
 * its timeout.
 *
 * While a down zone is asked faster than ZDOWN_PUBLISH_MIN questions a
 * second (a flood), it is published to the dataplane (boltdns/throttle.h,
 * BOLT_THROTTLE_DOWN), which answers all but one in
 * BOLT_THROTTLE_LET_THROUGH_DOWN of them SERVFAIL itself (EDE 22, as here);
 * the ones it lets through keep the zone published (each second with a
 * failed question while it is) and bring the probes; an answer from the
 * zone lifts that at once.
 *
 * The state is an entry of the infrastructure cache (infra.h, kind
 * INFRA_ZONE_DOWN, keyed by the zone cut's lower-case wire name), so it is
 * bounded with the rest and evicted like it:
 *   zdown_mark   a question failed because no server of the cut answered
 *                (every try timed out or hit a network error, or every
 *                server was down), after going back to the parent;
 *   zdown_check  a new question at that cut: ZDOWN_FAIL (fail now), or
 *                ZDOWN_PROBE for one question every probe_secs (it is
 *                resolved as usual; select.c's per-server back-off still
 *                decides whether a query is sent);
 *   zdown_clear  any answer from a server of the cut ends it.
 * An entry nobody refreshes ends ZDOWN_TTL seconds after the latest mark.
 *
 * Loop thread only (the infra cache is not locked).
 */
#ifndef BOLTDNS_CONTROL_ZONEDOWN_H
#define BOLTDNS_CONTROL_ZONEDOWN_H

#include <stdbool.h>
#include <stdint.h>

#include "infra.h"

/* Seconds a down mark lasts without a new one (the longest server back-off,
 * twice over). */
#define ZDOWN_TTL (2 * INFRA_DOWN_MAX_SECS)
/* Questions failed within one second before a down zone is published to
 * the dataplane: a flood, not a client's retries. */
#define ZDOWN_PUBLISH_MIN 10
/* A down zone is published to the dataplane this long from its latest
 * publish. */
#define ZDOWN_PUBLISH_SECS 2

enum zdown_verdict {
	ZDOWN_UP = 0,   /* not known down: resolve as usual */
	ZDOWN_PROBE,    /* down, and this question is its probe: resolve as usual */
	ZDOWN_FAIL,     /* down: fail now, ask nobody */
};

/*
 * Is zone (lower-case wire name) down at now (bolt_now() seconds)? A down
 * zone lets one question through as its probe every probe_secs (>= 1; the
 * caller passes the time a question may spend waiting for the zone's
 * servers, so that probes do not overlap). When the verdict is ZDOWN_FAIL
 * and publish is not NULL, *publish tells whether the zone should be
 * published to the dataplane now (boltdns/throttle.h): true at most once a
 * second per zone, once ZDOWN_PUBLISH_MIN questions failed within that
 * second, or at the first failed question of a second while the latest
 * publish still holds (within ZDOWN_PUBLISH_SECS: the dataplane lets only
 * a sample of the flood through, which must keep it published), never for
 * the root (a resolver that cannot reach the root fails
 * everything anyway: the control plane's answer, with its reason, is kept).
 */
enum zdown_verdict zdown_check(struct infra *t, const uint8_t *zone, uint32_t now,
                               uint32_t probe_secs, bool *publish);

/*
 * A question of zone failed because none of its servers answered: mark the
 * zone down (or keep it down) at now; the next probe is due probe_secs
 * later.
 */
void zdown_mark(struct infra *t, const uint8_t *zone, uint32_t now, uint32_t probe_secs);

/*
 * A server of zone answered (anything: an answer, an error rcode, a lame
 * referral) at now: the zone is up. Returns true when it was marked down.
 */
bool zdown_clear(struct infra *t, const uint8_t *zone, uint32_t now);

/* Since start-up: questions failed by ZDOWN_FAIL, probes let through,
 * times a zone was newly marked down, marks cleared by an answer. */
uint64_t zdown_refusals(void);
uint64_t zdown_probes(void);
uint64_t zdown_marks(void);
uint64_t zdown_recoveries(void);

/* Forget the counters (tests; the marks live in the infra cache). */
void zdown_reset_counters(void);

#endif
