/*
 * DNS processing shared by both I/O modes (DPDK and kernel sockets).
 *
 * A worker (one DPDK lcore or one socket thread) owns a struct dp_worker: its
 * counters and rings in the shared region, and scratch space for one burst.
 * dp_process_burst takes DNS payloads that sit in buffers with room behind
 * them and decides, for each: answer in place (cache hit or error response),
 * miss (the caller fills the client tuple and dp_miss_push queues it) or drop.
 *
 * The burst is handled in stages so that memory latency overlaps: parse all,
 * key + hash all, then one burst lookup (the cache prefetches every bucket,
 * then every first candidate record, then compares) with the cached sections
 * copied straight behind each client's question, then patch TTLs, ID and
 * flags (bolt_answer_from_cache).
 *
 * Thread: a dp_worker is used by exactly one thread.
 */
#ifndef BOLTDNS_DP_PROCESS_H
#define BOLTDNS_DP_PROCESS_H

#include "boltdns/acl.h"
#include "boltdns/cache.h"
#include "boltdns/common.h"
#include "boltdns/config.h"
#include "boltdns/cookie.h"
#include "boltdns/msg.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "pktcache.h"

#define DP_BURST_MAX 64
/* TTL offsets one cached answer may have (an answer with more is served
 * truncated, TC=1: that many records do not fit a UDP response anyway). */
#define DP_TTL_MAX 256
/* Prefetch hints: a hit in the last 10% of an entry's TTL asks the control
 * plane to refresh it. One hint per key per DP_PF_INTERVAL seconds per
 * worker, remembered in a direct-mapped table of DP_PF_SLOTS (a collision
 * only costs an extra hint, which the control plane coalesces). */
#define DP_PF_SLOTS 1024
#define DP_PF_INTERVAL 2
/* Client cookies of misses in flight, so that the control plane's answer
 * leaves with a server cookie too: a direct-mapped table keyed by the
 * client's address, port and query ID (a collision only costs the older
 * miss its cookie), entries older than DP_CK_TTL seconds unused. */
#define DP_CK_SLOTS 1024
#define DP_CK_TTL 30

struct dp_ck_slot {
	uint8_t addr[16];
	uint16_t port;                   /* network order */
	uint16_t id;
	uint16_t limit;                  /* the client's UDP limit */
	uint8_t family;                  /* 0: free */
	uint8_t cc[BOLT_COOKIE_CLIENT_LEN];
	uint32_t at;                     /* bolt_now() of the miss */
};

enum dp_verdict {
	DP_DROP = 0,           /* nothing to send */
	DP_TX = 1,             /* response in place, out_len bytes */
	DP_MISS = 2,           /* not in the cache: call dp_miss_push */
};

/* One DNS payload of a burst. */
struct dp_pkt {
	uint8_t *dns;          /* query in, response out (in place) */
	const uint8_t *client; /* client address (network order) for the ACL and
	                          the rate limit; NULL: neither applies */
	uint16_t len;          /* query length */
	uint16_t cap;          /* bytes writable at dns */
	uint16_t out_len;      /* response length when DP_TX */
	uint8_t verdict;       /* enum dp_verdict */
	uint8_t family;        /* of client: AF_INET / AF_INET6 */
	uint32_t csum;         /* DP_TX: checksum partial sum of the response
	                          (bolt_answer_from_cache_csum), 0 = not known */
	uint8_t sample;        /* DP_TX: a hit sampled for dnstap: call dp_tap_push */
};

/*
 * Rate-limit state shared by every worker of the process (lcores or socket
 * threads), so that a client prefix gets `rate` responses per second however
 * RSS / SO_REUSEPORT / PACKET_FANOUT spread its flows. Each slot is one
 * 64-bit word updated with compare-and-swap:
 *   bits 63..44 tag (20 bits of the prefix hash), 43..24 second (low 20 bits
 *   of bolt_now()), 23..0 responses counted in that second (saturating).
 * A prefix hashes to a bucket of DP_RL_WAYS slots (one cache line). Its slot
 * is the one with its tag in the current second, else a slot last used in an
 * earlier second (taken over with a fresh count), else, when every slot of
 * the bucket is in use this second by other prefixes, the slot its tag picks:
 * a collision makes prefixes share one budget, never grants a fresh one.
 */
#define DP_RL_WAYS 8
#define DP_RL_BUCKETS 8192     /* power of two: 8192 * 8 slots * 8 bytes = 512 KiB */

struct dp_rl_bucket {
	_Alignas(BOLT_CACHE_LINE) _Atomic uint64_t slot[DP_RL_WAYS];
};

/* Who may query and how fast: built once from the configuration, read-only
 * afterwards (except the rate-limit table, updated atomically) and shared by
 * every worker. */
struct dp_policy {
	struct bolt_acl acl;   /* [acl]: the decision TCP/53 takes too (boltdns/acl.h) */
	unsigned rl_rate;      /* responses per second per client prefix, 0 = off */
	unsigned rl_slip;      /* every Nth limited response goes out TC=1; 0 = none */
	unsigned rl_v4_prefix;
	unsigned rl_v6_prefix;
	bool no_cookies;       /* [dataplane] cookies = no: COOKIE options ignored */
	unsigned tap_sample;   /* [dnstap] sample: every Nth hit goes to dnstap; 0 = none */
	unsigned pkc_slots;    /* [dataplane] packet-cache-size: each worker's packet
	                          cache (pktcache.h); 0 = off */
	struct dp_rl_bucket rl[DP_RL_BUCKETS]; /* shared by all workers */
};

/* Per-worker state; cache-line aligned so workers share nothing. */
struct dp_worker {
	_Alignas(BOLT_CACHE_LINE) struct bolt_cache *cache;
	struct bolt_lcore_stats *st;
	struct bolt_ring *miss_ring[BOLT_MAX_WORKERS];   /* (index, resolver worker w) */
	struct bolt_ring *answer_ring[BOLT_MAX_WORKERS];
	uint32_t miss_mark[BOLT_MAX_WORKERS]; /* heads at the last dp_miss_kick */
	unsigned nrw;                    /* resolver workers of the region (ring sets) */
	unsigned answer_next;            /* answer ring dp_answer_next looks at first */
	unsigned answer_cur;             /* ring of the answer dp_answer_next returned */
	unsigned index;                  /* lcore / worker index in the region */
	unsigned udp_max;                /* cfg->udp_max */
	uint32_t now;                    /* bolt_now() for the current burst */
	const struct dp_policy *pol;     /* NULL: everyone, no limit */
	struct bolt_region_hdr *hdr;     /* the cookie secrets */
	uint64_t cookie_seq;             /* of the copies below; 0: no secret, no cookies */
	uint8_t cookie_cur[BOLT_COOKIE_SECRET_LEN];
	uint8_t cookie_prev[BOLT_COOKIE_SECRET_LEN];
	struct dp_rl_bucket *rl;         /* pol->rl when rate limiting, else NULL */
	uint32_t throttle_n[BOLT_THROTTLE_REASONS]; /* misses under throttled zones seen, by
	                                               reason (bolt_throttle_let_through) */
	uint32_t tap_every;              /* [dnstap] sample (0: off) */
	bool fast_policy;                /* the specialised hit path (fastpath.h) may
	                                    serve (the ACL and the rate limit it applies
	                                    per packet itself) */
	bool fast_off;                   /* every frame the general way (tests and the
	                                    benchmark compare both paths with it) */
	uint64_t known_miss;             /* packets of the next dp_process_burst (bit i:
	                                    pkts[i]) whose key the caller already looked up
	                                    in this burst and missed: not looked up again
	                                    (read and cleared by dp_process_burst) */
	uint64_t known_key;              /* packets of the next dp_process_burst (bit i:
	                                    pkts[i]) the caller already parsed: a query
	                                    bolt_query_parse takes with 0 from a client the
	                                    ACL allows, its hashed key in key[i]; not parsed
	                                    or hashed again (read and cleared likewise) */
	uint64_t known_rl;               /* packets of the next dp_process_burst (bit i:
	                                    pkts[i]) the caller already counted against
	                                    the rate limit (dp_rl_over) and found over it:
	                                    not counted again, limited as that said
	                                    (read and cleared likewise) */
	uint64_t known_slip;             /* of those, the ones dp_rl_over said to slip */
	uint32_t tap_left;               /* hits until the next sample */
	uint32_t now_fake;               /* tests: the second both paths take as bolt_now()
	                                    (dp_now); 0: the clock's */
	struct dp_pkc pkc;               /* the fast path's packet cache (pktcache.h): sized
	                                    by dp_worker_set_policy, freed by dp_worker_fini */
	/* The hot counters of one burst, added to the shared ones once at its
	 * end: one store per counter per burst instead of several per packet. */
	struct {
		uint32_t hits;
		uint32_t misses;
		uint32_t truncated;
		uint32_t pkc_hits;           /* answered from the packet cache */
		uint32_t qtype[8];
		uint32_t rcode[16];
	} bc;
	struct {
		uint32_t tag;                /* upper half of the key hash */
		uint32_t at;                 /* when hinted; 0 = never */
	} pf[DP_PF_SLOTS];
	struct dp_ck_slot ck[DP_CK_SLOTS]; /* client cookies of misses in flight */
	/* Burst scratch. */
	struct bolt_query q[DP_BURST_MAX];
	struct bolt_cache_key key[DP_BURST_MAX];
	int parse_rc[DP_BURST_MAX];
	uint8_t denied[DP_BURST_MAX];
	/* Burst lookup: keys, results and copies, compacted to the parsed ones. */
	const struct bolt_cache_key *kp[DP_BURST_MAX];
	uint8_t kidx[DP_BURST_MAX];        /* compact index -> packet index */
	uint8_t kslot[DP_BURST_MAX];       /* packet index -> compact index */
	int krc[DP_BURST_MAX];
	struct bolt_cache_out kout[DP_BURST_MAX];
	uint16_t ttl_off[DP_BURST_MAX][DP_TTL_MAX];
};

/*
 * Bind w to worker/lcore index of region r (stats and rings), r->cache for
 * lookups. udp_max: the configured maximum UDP payload. Sets the region's
 * first cookie secret when it has none (bolt_cookie_rotate; the control
 * plane rolls it over from then on).
 * w is cleared first: a w that has a packet cache (dp_worker_set_policy)
 * must be given to dp_worker_fini before (its table would be lost).
 * Returns 0 or BOLT_EGEOMETRY when index is beyond the region's lcores.
 */
int dp_worker_init(struct dp_worker *w, struct bolt_region *r, unsigned index,
                   unsigned udp_max);

/* Build the policy from the [acl] and [ratelimit] configuration (the
 * rate-limit table starts empty). Start-up only, before any worker runs. */
void dp_policy_from_config(struct dp_policy *pol, const struct bolt_config *cfg);

/*
 * Apply pol (kept by pointer, must outlive w) to w; workers given the same
 * pol share its rate-limit table. Sizes w's packet cache to pol->pkc_slots
 * (allocated here, per worker; emptied in any case, also for pol NULL,
 * which leaves its size). Returns 0, or -ENOMEM (the packet cache is then
 * off). Start-up only.
 */
int dp_worker_set_policy(struct dp_worker *w, const struct dp_policy *pol);

/* Undo dp_worker_set_policy (frees the packet cache). */
void dp_worker_fini(struct dp_worker *w);

/*
 * Process n (<= DP_BURST_MAX) DNS payloads. Sets each pkt's verdict (and
 * out_len for DP_TX). Counts queries, hits, misses, errors per rcode and qtype
 * in w->st. Returns the number of DP_TX packets.
 * DNS Cookies (RFC 7873, RFC 9018): a query with a COOKIE option (and a
 * client address) gets a fresh server cookie in the OPT of whatever the
 * dataplane answers (TC=1 when it would not fit); one presenting a valid
 * server cookie is not rate-limited (so never slipped); an invalid server
 * cookie counts as a client cookie alone (no BADCOOKIE); a malformed COOKIE
 * option gets FORMERR. Misses reach the control plane without the cookie.
 */
unsigned dp_process_burst(struct dp_worker *w, struct dp_pkt *pkts, unsigned n);

/*
 * Queue the miss of p == &pkts[i] of the last dp_process_burst call with
 * client tuple c on the miss ring of the resolver worker its question
 * hashes to (bolt_region_worker_of), so that identical questions from every
 * lcore meet in one worker. Ring full: counted in ring_drops.
 * Returns 0 or BOLT_ERING.
 */
int dp_miss_push(struct dp_worker *w, unsigned i, const struct dp_pkt *p,
                 const struct bolt_client *c);

/* After a burst: kick the miss doorbell bits of the resolver workers whose
 * miss rings got slots since the last call (only those asleep are woken,
 * boltdns/ring.h "Doorbell"). */
void dp_miss_kick(struct dp_worker *w, struct bolt_bell *bell);

/* Whether any answer ring of w holds an answer (socket workers, before
 * sleeping). */
bool dp_answer_ready(struct dp_worker *w);

/*
 * Send the hit p == &pkts[i] of the last dp_process_burst call (p->sample
 * set) to the control plane for dnstap, as a BOLT_MISS_F_TAP message with
 * client tuple c. Only while the miss ring is less than half full, so that
 * samples never take the slots misses need; otherwise counted in
 * tap_sample_drops. Never blocks.
 */
void dp_tap_push(struct dp_worker *w, unsigned i, const struct dp_pkt *p,
                 const struct bolt_client *c);

/*
 * The control plane's answer a with the COOKIE of its query, when that query
 * (a miss of this worker, dp_miss_push) had a client cookie: the payload
 * with the client cookie and a fresh server cookie appended to its OPT is
 * written to out (cap >= a->len + 28) and its length returned. Returns 0
 * when a is to be sent as it is (no cookie, no OPT, or it would pass the
 * client's UDP limit).
 */
size_t dp_answer_cookie(struct dp_worker *w, const struct bolt_answer_msg *a, uint8_t *out,
                        size_t cap);

/* Next control-plane answer on this worker's ring, or NULL. Release it with
 * dp_answer_done once sent (or dropped). */
const struct bolt_answer_msg *dp_answer_next(struct dp_worker *w);
void dp_answer_done(struct dp_worker *w);

/*
 * Rate-limit bucket of a client address under pol's prefix lengths, and its
 * 20-bit tag: exposed so that tests can find prefixes that collide.
 */
unsigned dp_rl_bucket_of(const struct dp_policy *pol, uint8_t family, const uint8_t *addr,
                         uint32_t *tag);

/*
 * Count one response to the client's prefix (family AF_INET or AF_INET6,
 * addr its 4 or 16 bytes) in the rate-limit table every worker shares, in
 * the second w->now; true when it is over w->pol's limit, with *slip set for
 * every rl_slip-th response over it (left as it was otherwise). w->rl must
 * be set. The general path calls it once per response it would send; the
 * fast path for each hit it would answer (handing the verdict over with
 * known_rl / known_slip when over).
 */
bool dp_rl_over(struct dp_worker *w, uint8_t family, const uint8_t *addr, bool *slip);

/* Count a response leaving with this DNS header (rcode, TC). */
void dp_count_response(struct dp_worker *w, const uint8_t *dns, size_t len);
/* Add the burst's counters (w->bc) to the shared ones and clear them; at the
 * end of every burst that counted into w->bc. */
void dp_flush_counts(struct dp_worker *w);

/* The second a burst is handled in: bolt_now(), or the test's fixed one. */
static inline uint32_t dp_now(const struct dp_worker *w)
{
	return bolt_unlikely(w->now_fake != 0) ? w->now_fake : bolt_now();
}

/* The slot of w->bc.qtype (and of the shared qtype counters) of a QTYPE. */
static inline unsigned dp_qtype_slot(uint16_t qtype)
{
	switch (qtype) {
	case BOLT_TYPE_A: return 0;
	case BOLT_TYPE_AAAA: return 1;
	case BOLT_TYPE_CNAME: return 2;
	case BOLT_TYPE_MX: return 3;
	case BOLT_TYPE_NS: return 4;
	case BOLT_TYPE_TXT: return 5;
	case BOLT_TYPE_SOA: return 6;
	default: return 7;
	}
}

/* Whether a hit on val (at w->now) is in the last 10 % of its TTL, so that
 * dp_prefetch_hint has a hint to send: the per-hit test, inline. */
static inline bool dp_hint_due(const struct dp_worker *w, const struct bolt_cache_val *val)
{
	if (val->kind == BOLT_CACHE_STATIC || val->kind == BOLT_CACHE_SERVFAIL ||
	    val->status == BOLT_SEC_BOGUS ||
	    val->expires == BOLT_CACHE_EXPIRES_NEVER || val->expires <= w->now ||
	    val->expires <= val->inserted)
		return false;
	return (uint64_t)(val->expires - w->now) * 10 <= (uint64_t)(val->expires - val->inserted);
}

/*
 * A hit on key k (hashed) with value val: when dp_hint_due, ask the control
 * plane to refresh the entry before it expires, so popular names never
 * miss. Rate-limited per key (DP_PF_SLOTS, DP_PF_INTERVAL); never blocks
 * (ring full: dropped and counted in prefetch_hint_drops).
 */
void dp_prefetch_hint(struct dp_worker *w, const struct bolt_cache_key *k,
                      const struct bolt_cache_val *val);

/* Increment a counter of the shared stats: only the owning worker writes it,
 * a relaxed store keeps readers in other processes from seeing torn values. */
#define DP_STAT_ADD(st, field, n) \
	__atomic_store_n(&(st)->field, (st)->field + (uint64_t)(n), __ATOMIC_RELAXED)
#define DP_STAT_INC(st, field) DP_STAT_ADD(st, field, 1)

#endif
