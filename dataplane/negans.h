/*
 * Misses answered from the validated NSEC ranges the control plane
 * published (boltdns/negrange.h): a random-subdomain flood of a signed zone
 * gets its NXDOMAIN from the dataplane instead of crossing the miss rings.
 */
#ifndef BOLTDNS_DP_NEGANS_H
#define BOLTDNS_DP_NEGANS_H

#include "process.h"

/*
 * A miss (query q of packet p, lookup key k) whose name a live published
 * range proves nonexistent: the NXDOMAIN is written in place in p->dns as
 * the cache's answers are (bolt_answer_from_cache: flags with the query's
 * RD and CD, AD for a query with DO or AD, the SOA for DO=0 and the proof
 * with RRSIGs for DO=1, TTLs counted down since publication, OPT for an
 * EDNS query, TC=1 when the proof does not fit), counted in
 * negrange_answered. Only what the control plane would answer the same:
 * class IN, RD=1, not ANY and not the types it refuses (AXFR, IXFR, MAILA,
 * MAILB). Returns the response length, or -1 to hand the miss on.
 */
int dp_negrange_response(struct dp_worker *w, struct dp_pkt *p, const struct bolt_query *q,
                         const struct bolt_cache_key *k);

#endif
