/*
 * The specialised hit path of the DPDK dataplane's burst handler.
 *
 * Most queries a resolver answers from its cache look the same: Ethernet
 * (untagged) / IPv4 without options or IPv6 without extension headers /
 * UDP to the DNS port of a service address, a standard query (QR = 0, opcode 0) with one question, no
 * answer or authority records, at most one OPT (version 0, no options) and
 * nothing else, from a client the ACL allows, with no dnstap sampling
 * configured; and the cache holds a plain answer for it (no
 * EDE, not bogus, no policy marker) that fits the client's UDP limit. Such
 * a query is parsed, looked up and answered here in one pass per stage,
 * with the general code's checks and calls left out because they cannot
 * apply; the bytes sent, the counters and the prefetch hints are those the
 * general path (dp_frame_parse, dp_process_burst, bolt_answer_from_cache_csum,
 * dp_frame_reply_dns_csum) gives. Every other frame, and every query whose
 * lookup is anything but such a hit (miss, expired, TC, bogus, EDE, ...),
 * is left untouched (its OPT put back when the lookup copied over it) for
 * the general path, which handles it as if the fast path did not exist.
 * With a [ratelimit] rate, each hit it would answer is counted against its
 * client's prefix (dp_rl_over, as the general path does per response): under
 * the limit it is answered here; over it, it goes to the general path with
 * that verdict (w->known_rl / known_slip: not counted again; dropped or
 * slipped TC=1 there, with its counters). So that the budget is counted in
 * frame order, hits behind the first frame the general path answers itself
 * go to the general path too.
 * In front of its parse and lookup, the worker's packet cache (pktcache.h,
 * w->pkc when allocated): a query with the bytes after the ID of one it
 * answered from a plain hit in the same second, whose cache bucket has not
 * changed since, gets that response again (the frame checks, ACL, rate
 * limit and counters as for any hit); one whose bucket changed goes to the
 * general path as received.
 *
 * Thread: the worker's own thread.
 */
#ifndef BOLTDNS_DP_FASTPATH_H
#define BOLTDNS_DP_FASTPATH_H

#include <stdint.h>

#include "burst.h"

/* Whether the fast path may run for this burst: the worker's policy allows
 * it, no dnstap sampling, not switched off. */
static inline bool dp_fast_ok(const struct dp_worker *w)
{
	return w->fast_policy && !w->fast_off && w->tap_every == 0;
}

/*
 * Answer the frames f[0..n) (n <= DP_BURST_MAX) the fast path can: each gets
 * action DP_ACT_TX and its response in place, and *ntx is incremented per
 * frame answered. Returns the mask of those frames (bit i: f[i]); the
 * others are as received (bytes, len clamped to room) for the general path.
 * Of those, the ones it parsed (s->fast_parsed) have their hashed cache key
 * in w->key[frame index], the query's own (the general path's parse would
 * give the same, return code 0; the ACL allowed the client); the ones in
 * s->fast_rl were counted against the rate limit and are over it (to slip:
 * s->fast_slip).
 * Counts queries, hits, qtypes and rcodes of the frames it answers, and
 * sends their prefetch hints. Sets w->now.
 */
uint64_t dp_fast_burst(struct dp_worker *w, struct dp_burst_scratch *s,
                       const struct dp_port_ctx *p, struct dp_frame_pkt *f, unsigned n,
                       unsigned *ntx);

#endif
