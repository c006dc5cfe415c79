/*
 * Server selection: which server of a zone cut to ask next, and what each
 * try taught us (model: Knot Resolver lib/selection.c, Unbound
 * iterator/iter_utils.c and services/cache/infra.c).
 *
 * Two kinds of state:
 *   per question  (struct sel_query, reset at each new zone cut): how often
 *                 each server timed out for this question, which servers are
 *                 excluded because they gave a bad answer to it, which were
 *                 already asked without EDNS;
 *   per server    (the INFRA_SRV entries of struct infra): smoothed RTT,
 *                 consecutive timeouts (down servers are probed again with a
 *                 backed-off delay), and EDNS non-support, which expires.
 * A bad answer (SERVFAIL, REFUSED, NOTIMP, FORMERR, malformed, lame
 * referral) only ever excludes the server for the question that got it;
 * only timeouts, network errors and a confirmed EDNS failure are
 * server-wide.
 *
 * Addresses the operator forbids (do-not-query-address, 127.0.0.0/8 and ::1
 * with do-not-query-localhost) are never chosen.
 *
 * Loop thread only (the infra cache is not locked).
 */
#ifndef BOLTDNS_CONTROL_SELECT_H
#define BOLTDNS_CONTROL_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/config.h"
#include "infra.h"

/* Servers remembered per question (more candidates than this are not used). */
#define SEL_SERVERS_MAX 64
/* Added to the RTT of IPv6 servers when choosing (prefer IPv4). */
#define SEL_V6_PENALTY_MS 200
/* A server that does not speak EDNS is asked without it this long, then
 * probed with EDNS again. */
#define SEL_NO_EDNS_SECS 600
/* One choice in SEL_EXPLORE picks a random fresh server instead of the best. */
#define SEL_EXPLORE 10

/* What came of one try. */
enum sel_outcome {
	SEL_OK = 0,        /* a usable answer (referral, data, negative) */
	SEL_TIMEOUT,       /* no answer in time: server-wide back-off */
	SEL_NET_ERROR,     /* send failed, ICMP unreachable: server-wide back-off */
	SEL_BAD_RCODE,     /* SERVFAIL, REFUSED, NOTIMP, FORMERR, other rcodes */
	SEL_MALFORMED,     /* unparseable answer */
	SEL_LAME,          /* upward or sideways referral, nothing usable */
	SEL_EDNS_FAIL,     /* FORMERR/NOTIMP/BADVERS to a query with EDNS: ask
	                      this server again without EDNS (this question) */
	SEL_QMIN_ERROR,    /* an error or empty answer to a minimised query: the
	                      full name goes next (RFC 9156), to the same servers */
	SEL_OUTCOMES
};

struct sel_server {
	struct infra_addr a;
	uint8_t timeouts;      /* timeouts of this question */
	uint8_t sent;          /* queries sent for this question */
	bool excluded;         /* gave a bad answer to this question */
	bool plain;            /* refused EDNS for this question: ask without */
};

struct sel_query {
	unsigned n;
	struct sel_server s[SEL_SERVERS_MAX];
	unsigned count[SEL_OUTCOMES];  /* outcomes at this cut, for the EDE */
	unsigned down;                 /* candidates the last choice skipped as down */
	unsigned busy;                 /* ... as busy (max-inflight-per-server) */
	bool trusted;                  /* the operator's own servers ([zone]): exempt from
	                                  do-not-query-address and -localhost */
};

/* The server chosen and how to ask it. */
struct sel_choice {
	struct infra_addr a;
	bool edns;
};

/* Forget everything of the previous zone cut. */
void sel_reset(struct sel_query *q);

/* May a query be sent to a? False for addresses the configuration forbids
 * (do-not-query-address, and 127.0.0.0/8, ::1 with do-not-query-localhost)
 * and for anything but IPv4/IPv6. */
bool sel_allowed(const struct bolt_config *cfg, const struct infra_addr *a);

/*
 * Choose the server to ask among cand[0..n) (duplicates allowed): not
 * forbidden (unless q->trusted), not excluded for this question, fewer than cfg->retries
 * timeouts for this question, not down (unless its back-off has passed),
 * fewer than cfg->max_inflight_server queries in flight (inflight.h);
 * fewest timeouts for this question first, then the lowest smoothed RTT
 * (a server never measured counts as 0; IPv6 after IPv4); one time in
 * SEL_EXPLORE a random server as fresh as the
 * best. rnd: a random number. Returns 0 with *out, or BOLT_ENOENT when no
 * candidate may be asked now.
 */
int sel_choose(struct sel_query *q, struct infra *t, const struct bolt_config *cfg,
               const struct infra_addr *cand, unsigned n, uint32_t now, uint32_t rnd,
               struct sel_choice *out);

/* Note that a query goes to a (call before sending). */
void sel_sent(struct sel_query *q, const struct infra_addr *a);

/*
 * Report the outcome of the try of a. edns: the query carried EDNS. qtype:
 * the type asked (an EDNS failure is never learnt server-wide from a meta
 * type such as ANY or AXFR, nor from types 128-255). rtt_ms: time to the
 * answer (unused for SEL_TIMEOUT / SEL_NET_ERROR).
 *
 * An answer (any outcome but TIMEOUT/NET_ERROR) updates the RTT. A server
 * that refused EDNS for this question and then gives a usable answer
 * without it (SEL_OK) is marked no-EDNS server-wide for SEL_NO_EDNS_SECS;
 * one that complains without EDNS too (NOTIMP for a type it does not know)
 * only loses this question.
 */
void sel_report(struct sel_query *q, struct infra *t, const struct infra_addr *a, bool edns,
                uint16_t qtype, enum sel_outcome o, uint32_t rtt_ms, uint32_t now);

/* Did any server of this cut answer this question (well or badly)? */
bool sel_answered(const struct sel_query *q);

/*
 * Why no server of the cut could answer, from the outcomes of this
 * question's tries, as an Extended DNS Error code (enum bolt_ede) and a
 * short text into text[0..cap) naming zone_text: 22 every try timed out,
 * 23 network errors only, 20 REFUSED or lame answers, 24 malformed answers,
 * 0 (Other) other error rcodes (last_rcode names it), 22 too when nothing
 * was tried because every server is down, 0 when nothing was tried because
 * every server had max-inflight-per-server queries in flight. BOLT_EDE_NONE (text untouched)
 * when nothing was tried and no server is down.
 */
uint16_t sel_reason(const struct sel_query *q, uint8_t last_rcode, const char *zone_text,
                    char *text, size_t cap);

/* Outcome text for logs ("timeout", "SERVFAIL/REFUSED/...", ...). */
const char *sel_outcome_text(enum sel_outcome o);

#endif
