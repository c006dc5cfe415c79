/*
 * DNS processing of a burst of queries (see process.h).
 */
#include <endian.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/answer.h"
#include "negans.h"
#include "process.h"

#define OPT_LEN 11

static inline void wr16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static inline uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

int dp_worker_init(struct dp_worker *w, struct bolt_region *r, unsigned index,
                   unsigned udp_max)
{
	if (index >= r->hdr->max_lcores || index >= BOLT_MAX_LCORES)
		return BOLT_EGEOMETRY;
	memset(w, 0, sizeof(*w));
	w->cache = r->cache;
	w->st = bolt_region_stats(r, index);
	w->nrw = r->hdr->cp_workers;
	if (w->nrw == 0 || w->nrw > BOLT_MAX_WORKERS)
		return BOLT_EGEOMETRY;
	for (unsigned v = 0; v < w->nrw; v++) {
		w->miss_ring[v] = bolt_region_worker_miss_ring(r, index, v);
		w->answer_ring[v] = bolt_region_worker_answer_ring(r, index, v);
		if (!w->miss_ring[v] || !w->answer_ring[v])
			return BOLT_EGEOMETRY;
		w->miss_mark[v] = atomic_load_explicit(&w->miss_ring[v]->head,
		                                       memory_order_relaxed);
	}
	w->index = index;
	w->udp_max = udp_max ? udp_max : BOLT_EDNS_DEFAULT;
	w->hdr = r->hdr;
	w->fast_policy = true;
	if (!w->st)
		return BOLT_EGEOMETRY;
	/* A region that never had a cookie secret gets one now (getrandom
	 * failing only leaves cookies unanswered). */
	(void)bolt_cookie_rotate(r->hdr, bolt_now(), BOLT_COOKIE_ROTATE_S);
	return 0;
}

void dp_policy_from_config(struct dp_policy *pol, const struct bolt_config *cfg)
{
	memset(pol, 0, sizeof(*pol));
	bolt_acl_init(&pol->acl, cfg);
	pol->rl_rate = cfg->rl_rate;
	pol->rl_slip = cfg->rl_slip;
	pol->rl_v4_prefix = cfg->rl_v4_prefix ? cfg->rl_v4_prefix : 24;
	pol->rl_v6_prefix = cfg->rl_v6_prefix ? cfg->rl_v6_prefix : 56;
	pol->no_cookies = !cfg->dp_cookies;
	pol->tap_sample = cfg->dnstap_sample;
	/* (the socket workers' bursts never go through the fast path) */
	pol->pkc_slots = cfg->io == BOLT_IO_DPDK ? cfg->dp_pkc_slots : 0;
}

int dp_worker_set_policy(struct dp_worker *w, const struct dp_policy *pol)
{
	w->pol = pol;
	/* The table is the one mutable part of the shared policy: every update
	 * is an atomic compare-and-swap (process.h). */
	w->rl = pol && pol->rl_rate > 0 ? (struct dp_rl_bucket *)pol->rl : NULL;
	w->tap_every = pol ? pol->tap_sample : 0;
	w->tap_left = w->tap_every;
	/* The specialised hit path checks the ACL and takes the rate limit's
	 * decision per packet (cookies and dnstap: per query and per burst). */
	w->fast_policy = true;
	/* The packet cache's answers were built under the old policy. */
	if (pol != NULL && pol->pkc_slots != dp_pkc_size(&w->pkc))
		return dp_pkc_init(&w->pkc, pol->pkc_slots);
	dp_pkc_clear(&w->pkc);
	return 0;
}

void dp_worker_fini(struct dp_worker *w)
{
	w->rl = NULL;
	dp_pkc_fini(&w->pkc);
}

#define RL_COUNT_BITS 24
#define RL_COUNT_MAX ((1u << RL_COUNT_BITS) - 1)
#define RL_SEC_BITS 20
#define RL_SEC_MASK ((1u << RL_SEC_BITS) - 1)
#define RL_TAG_SHIFT (RL_COUNT_BITS + RL_SEC_BITS)
#define RL_TAG_MASK ((1u << (64 - RL_TAG_SHIFT)) - 1)

unsigned dp_rl_bucket_of(const struct dp_policy *pol, uint8_t family, const uint8_t *addr,
                         uint32_t *tag)
{
	unsigned bits = family == AF_INET ? pol->rl_v4_prefix : pol->rl_v6_prefix;
	unsigned alen = family == AF_INET ? 4 : 16;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ family;

	if (bits > alen * 8)
		bits = alen * 8;
	for (unsigned i = 0; i < alen && bits > 0; i++) {
		unsigned take = bits >= 8 ? 8 : bits;
		uint8_t b = (uint8_t)(addr[i] & (0xff << (8 - take)));
		h = (h ^ b) * 0x100000001b3ull;
		bits -= take;
	}
	h ^= h >> 29;
	/* Tag 0 marks a slot never used. */
	*tag = (uint32_t)(h >> 40) & RL_TAG_MASK;
	if (*tag == 0)
		*tag = 1;
	return (unsigned)(h & (DP_RL_BUCKETS - 1));
}

/* Count one response to the client's prefix in the table every worker
 * shares; true when it is over the limit for the current second, with *slip
 * set for every rl_slip-th response over it. */
bool dp_rl_over(struct dp_worker *w, uint8_t family, const uint8_t *addr, bool *slip)
{
	const struct dp_policy *pol = w->pol;
	uint32_t tag;
	struct dp_rl_bucket *bk = &w->rl[dp_rl_bucket_of(pol, family, addr, &tag)];
	uint32_t sec = w->now & RL_SEC_MASK;
	uint64_t cur[DP_RL_WAYS];
	uint32_t count;

	for (;;) {
		int mine = -1, avail = -1;
		for (int i = 0; i < DP_RL_WAYS; i++) {
			cur[i] = atomic_load_explicit(&bk->slot[i], memory_order_relaxed);
			uint32_t t = (uint32_t)(cur[i] >> RL_TAG_SHIFT);
			uint32_t s = (uint32_t)(cur[i] >> RL_COUNT_BITS) & RL_SEC_MASK;
			if (t == tag && s == sec) {
				mine = i;
				break;
			}
			if (avail < 0 && (t == 0 || s != sec))
				avail = i;
		}
		int i;
		uint64_t want;
		if (mine >= 0 || avail < 0) {
			/* Our slot, or (every slot in use this second by other
			 * prefixes) the one our tag picks: its budget is shared,
			 * never reset. */
			i = mine >= 0 ? mine : (int)(tag % DP_RL_WAYS);
			count = (uint32_t)cur[i] & RL_COUNT_MAX;
			if (count < RL_COUNT_MAX)
				count++;
			want = (cur[i] & ~(uint64_t)RL_COUNT_MAX) | count;
		} else {
			/* A slot of an earlier second (or never used) becomes
			 * ours. Two workers racing for it: one CAS fails, and
			 * the retry finds the winner's slot. */
			i = avail;
			count = 1;
			want = (uint64_t)tag << RL_TAG_SHIFT | (uint64_t)sec << RL_COUNT_BITS | 1u;
		}
		if (want == cur[i] ||
		    atomic_compare_exchange_weak_explicit(&bk->slot[i], &cur[i], want,
		                                          memory_order_relaxed, memory_order_relaxed))
			break;
	}
	if (count <= pol->rl_rate)
		return false;
	uint32_t limited = count - pol->rl_rate;
	*slip = pol->rl_slip > 0 && limited % pol->rl_slip == 0;
	return true;
}

void dp_count_response(struct dp_worker *w, const uint8_t *dns, size_t len)
{
	if (len < BOLT_HDR_LEN)
		return;
	uint16_t flags = rd16(dns + 2);
	DP_STAT_INC(w->st, rcode[BOLT_RCODE(flags)]);
	if (flags & BOLT_FLAG_TC)
		DP_STAT_INC(w->st, truncated);
}

/* dp_count_response into the burst's counters (flushed by dp_flush_counts). */
static inline void count_response(struct dp_worker *w, const uint8_t *dns, size_t len)
{
	if (len < BOLT_HDR_LEN)
		return;
	uint16_t flags = rd16(dns + 2);
	w->bc.rcode[BOLT_RCODE(flags)]++;
	if (flags & BOLT_FLAG_TC)
		w->bc.truncated++;
}

void dp_flush_counts(struct dp_worker *w)
{
	struct bolt_lcore_stats *st = w->st;
	if (w->bc.hits)
		DP_STAT_ADD(st, hits, w->bc.hits);
	if (w->bc.misses)
		DP_STAT_ADD(st, misses, w->bc.misses);
	if (w->bc.truncated)
		DP_STAT_ADD(st, truncated, w->bc.truncated);
	for (unsigned i = 0; i < 8; i++)
		if (w->bc.qtype[i])
			DP_STAT_ADD(st, qtype[i], w->bc.qtype[i]);
	for (unsigned i = 0; i < 16; i++)
		if (w->bc.rcode[i])
			DP_STAT_ADD(st, rcode[i], w->bc.rcode[i]);
	if (w->bc.pkc_hits)
		DP_STAT_ADD(st, pkc_hits, w->bc.pkc_hits);
	memset(&w->bc, 0, sizeof(w->bc));
}

/* Header + question (+ OPT) with TC=1: the cached answer exists but does not
 * fit the buffer, so the client should come back over TCP. */
static int tc_response(uint8_t *dns, size_t cap, const struct bolt_query *q, uint16_t udp)
{
	size_t pos = BOLT_HDR_LEN + (size_t)q->question_len;
	if (pos + (q->has_edns ? OPT_LEN : 0) > cap)
		return BOLT_ESPACE;
	uint16_t flags = BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_FLAG_TC |
	                 (q->flags & (BOLT_FLAG_RD | BOLT_FLAG_CD));
	wr16(dns, q->id);
	wr16(dns + 2, flags);
	wr16(dns + 4, 1);
	wr16(dns + 6, 0);
	wr16(dns + 8, 0);
	wr16(dns + 10, q->has_edns ? 1 : 0);
	if (q->has_edns) {
		uint8_t *o = dns + pos;
		memset(o, 0, OPT_LEN);
		wr16(o + 1, BOLT_TYPE_OPT);
		wr16(o + 3, udp);
		if (q->do_bit)
			o[7] = 0x80;
		pos += OPT_LEN;
	}
	return (int)pos;
}

/* Skip a (possibly compressed) name at pos in dns[0..len); 0 when it runs
 * past the end. */
static size_t skip_name(const uint8_t *dns, size_t len, size_t pos)
{
	while (pos < len) {
		uint8_t l = dns[pos];
		if (l == 0)
			return pos + 1;
		if ((l & 0xc0) == 0xc0)
			return pos + 2 <= len ? pos + 2 : 0;
		if (l > BOLT_LABEL_MAX)
			return 0;
		pos += (size_t)l + 1;
	}
	return 0;
}

/* Offset of the OPT RR that ends the response dns[0..len), or 0 when the
 * last record is not an OPT (or the response does not walk cleanly). */
static size_t last_opt(const uint8_t *dns, size_t len)
{
	if (len < BOLT_HDR_LEN)
		return 0;
	unsigned qd = rd16(dns + 4);
	unsigned n = (unsigned)rd16(dns + 6) + rd16(dns + 8) + rd16(dns + 10);
	size_t pos = BOLT_HDR_LEN, last = 0;
	if (n == 0 || qd > 1)
		return 0;
	if (qd == 1) {
		pos = skip_name(dns, len, pos);
		if (pos == 0 || len - pos < 4)
			return 0;
		pos += 4;
	}
	for (unsigned i = 0; i < n; i++) {
		size_t start = pos;
		pos = skip_name(dns, len, pos);
		if (pos == 0 || len - pos < 10)
			return 0;
		size_t rdlen = rd16(dns + pos + 8);
		if (rdlen > len - pos - 10)
			return 0;
		last = start;
		pos += 10 + rdlen;
	}
	if (pos != len || dns[last] != 0 || rd16(dns + last + 1) != BOLT_TYPE_OPT)
		return 0;
	return last;
}

#define COOKIE_OPT_LEN (4 + BOLT_COOKIE_CLIENT_LEN + BOLT_COOKIE_SERVER_LEN)

static size_t client_alen(const struct dp_pkt *p)
{
	return p->family == AF_INET ? 4 : 16;
}

/* Whether the query presents a server cookie this server issued. */
static bool cookie_vouched(const struct dp_worker *w, const struct dp_pkt *p,
                           const struct bolt_query *q)
{
	return q->cookie_len == BOLT_COOKIE_CLIENT_LEN + BOLT_COOKIE_SERVER_LEN &&
	       bolt_cookie_valid(q->cookie, q->cookie + BOLT_COOKIE_CLIENT_LEN,
	                         BOLT_COOKIE_SERVER_LEN, p->client, client_alen(p), w->now,
	                         w->cookie_cur, w->cookie_prev);
}

/* Append COOKIE (the client cookie, a fresh server cookie) to the OPT that
 * ends the response p->dns[0..len); a response it would push past the UDP
 * limit becomes TC=1 with the cookie. Returns the new length. */
static int add_cookie(struct dp_worker *w, struct dp_pkt *p, const struct bolt_query *q, int len)
{
	size_t limit = bolt_udp_limit(q, w->udp_max);
	if (limit > p->cap)
		limit = p->cap;
	size_t opt = last_opt(p->dns, (size_t)len);
	if (opt == 0)
		return len;
	if ((size_t)len + COOKIE_OPT_LEN > limit) {
		int tl = tc_response(p->dns, p->cap, q, (uint16_t)w->udp_max);
		if (tl <= 0 || (size_t)tl + COOKIE_OPT_LEN > limit)
			return len;
		len = tl;
		opt = (size_t)tl - OPT_LEN;
	}
	uint8_t *o = p->dns + len;
	wr16(o, BOLT_OPT_COOKIE);
	wr16(o + 2, BOLT_COOKIE_CLIENT_LEN + BOLT_COOKIE_SERVER_LEN);
	memcpy(o + 4, q->cookie, BOLT_COOKIE_CLIENT_LEN);
	bolt_cookie_make(o + 4 + BOLT_COOKIE_CLIENT_LEN, q->cookie, p->client, client_alen(p),
	                 w->now, w->cookie_cur);
	wr16(p->dns + opt + 9, (uint16_t)(rd16(p->dns + opt + 9) + COOKIE_OPT_LEN));
	DP_STAT_INC(w->st, cookies_sent);
	return len + COOKIE_OPT_LEN;
}

static unsigned ck_slot(uint8_t family, const uint8_t *addr, uint16_t port, uint16_t id)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ family;
	unsigned alen = family == AF_INET ? 4 : 16;
	for (unsigned i = 0; i < alen; i++)
		h = (h ^ addr[i]) * 0x100000001b3ull;
	h = (h ^ port) * 0x100000001b3ull;
	h = (h ^ id) * 0x100000001b3ull;
	return (unsigned)((h ^ (h >> 31)) % DP_CK_SLOTS);
}

/* Remember the client cookie of a miss for the control plane's answer. */
static void ck_remember(struct dp_worker *w, const struct bolt_query *q,
                        const struct bolt_client *c)
{
	if (q->cookie_len == 0 || w->cookie_seq == 0 || (w->pol && w->pol->no_cookies) ||
	    (c->family != AF_INET && c->family != AF_INET6))
		return;
	struct dp_ck_slot *s = &w->ck[ck_slot(c->family, c->client_addr, c->client_port, q->id)];
	memcpy(s->addr, c->client_addr, 16);
	s->port = c->client_port;
	s->id = q->id;
	s->limit = (uint16_t)bolt_udp_limit(q, w->udp_max);
	s->family = c->family;
	memcpy(s->cc, q->cookie, BOLT_COOKIE_CLIENT_LEN);
	s->at = w->now;
}

size_t dp_answer_cookie(struct dp_worker *w, const struct bolt_answer_msg *a, uint8_t *out,
                        size_t cap)
{
	const struct bolt_client *c = &a->client;
	if (a->len < BOLT_HDR_LEN || (c->family != AF_INET && c->family != AF_INET6))
		return 0;
	uint16_t id = rd16(a->payload);
	struct dp_ck_slot *s = &w->ck[ck_slot(c->family, c->client_addr, c->client_port, id)];
	unsigned alen = c->family == AF_INET ? 4 : 16;
	uint32_t now = bolt_now();
	if (s->family != c->family || s->port != c->client_port || s->id != id ||
	    memcmp(s->addr, c->client_addr, alen) != 0 || now - s->at > DP_CK_TTL)
		return 0;
	s->family = 0;
	size_t len = a->len;
	if (w->cookie_seq == 0 || len + COOKIE_OPT_LEN > cap || len + COOKIE_OPT_LEN > s->limit)
		return 0;
	size_t opt = last_opt(a->payload, len);
	if (opt == 0)
		return 0;
	memcpy(out, a->payload, len);
	uint8_t *o = out + len;
	wr16(o, BOLT_OPT_COOKIE);
	wr16(o + 2, BOLT_COOKIE_CLIENT_LEN + BOLT_COOKIE_SERVER_LEN);
	memcpy(o + 4, s->cc, BOLT_COOKIE_CLIENT_LEN);
	bolt_cookie_make(o + 4 + BOLT_COOKIE_CLIENT_LEN, s->cc, c->client_addr, alen, now,
	                 w->cookie_cur);
	wr16(out + opt + 9, (uint16_t)(rd16(out + opt + 9) + COOKIE_OPT_LEN));
	DP_STAT_INC(w->st, cookies_sent);
	return len + COOKIE_OPT_LEN;
}

/* REFUSED for a client the ACL denies, echoing a question that parsed, with
 * EDE 18 Prohibited (RFC 8914 4.19) when the query had EDNS. */
/* A header-only error response in place of the query in p, echoing its
 * question when echo is set (copied first: the response overwrites it).
 * Returns bolt_answer_error's length or code. */
static int error_in_place(struct dp_pkt *p, const struct bolt_query *q, bool echo,
                          uint16_t rcode, bool with_opt, uint16_t ede, const char *text)
{
	uint8_t question[BOLT_NAME_MAX + 4];
	if (echo)
		memcpy(question, p->dns + BOLT_HDR_LEN, q->question_len);
	return bolt_answer_error(p->dns, p->cap, q->id, q->flags, echo ? question : NULL,
	                         echo ? q->question_len : 0, rcode, with_opt, ede, text);
}

static int refused_response(struct dp_pkt *p, const struct bolt_query *q, int rc)
{
	int len = error_in_place(p, q, rc == 0 || rc == BOLT_EBADVERS, BOLT_RCODE_REFUSED,
	                         rc == 0 && q->has_edns, BOLT_EDE_PROHIBITED, NULL);
	return len > 0 ? len : 0;
}

/* A miss under a zone the control plane throttles (boltdns/throttle.h):
 * SERVFAIL from here, EDE 0 for a zone over its NXDOMAIN rate, EDE 22 for
 * a zone whose servers are all down (the control plane's words), except one
 * in bolt_throttle_let_through(reason), which goes on to the control plane
 * (it applies its rate, or probes the zone, and sees the flood go on).
 * Returns the response length, or -1 to hand the miss on. */
static int throttle_response(struct dp_worker *w, struct dp_pkt *p, const struct bolt_query *q,
                             const struct bolt_cache_key *k)
{
	unsigned off = 0;
	enum bolt_throttle_reason why =
		w->hdr == NULL ? BOLT_THROTTLE_NONE
		               : bolt_throttle_match(&w->hdr->throttle, k->name, k->name_len, w->now, &off);
	if (why == BOLT_THROTTLE_NONE)
		return -1;
	if (++w->throttle_n[why] % bolt_throttle_let_through(why) == 0) {
		DP_STAT_INC(w->st, throttle_passed);
		return -1;
	}
	/* the EDE text is cut at BOLT_EDE_TEXT_MAX: a longer zone is "the zone" */
	char text[BOLT_EDE_TEXT_MAX + 1] = "zone throttled: query limits reached";
	uint16_t ede = BOLT_EDE_OTHER;
	if (why == BOLT_THROTTLE_DOWN) {
		char zone[BOLT_EDE_TEXT_MAX - 24];
		ede = BOLT_EDE_NO_REACHABLE_AUTHORITY;
		if (bolt_name_to_text(k->name + off, zone, sizeof(zone)) < 0)
			snprintf(zone, sizeof(zone), "the zone");
		snprintf(text, sizeof(text), BOLT_EDE_ZONE_DOWN_FMT, zone);
	}
	int len = error_in_place(p, q, true, BOLT_RCODE_SERVFAIL, q->has_edns, ede, text);
	if (len <= 0)
		return -1;
	DP_STAT_INC(w->st, throttled);
	return len;
}

/* Error response for a query that failed to parse with code rc. Returns the
 * response length, or 0 to drop. */
static int error_response(struct dp_worker *w, struct dp_pkt *p, const struct bolt_query *q,
                          int rc)
{
	uint8_t question[BOLT_NAME_MAX + 4];
	int len;

	switch (rc) {
	case BOLT_ETRUNC:
		if (p->len < BOLT_HDR_LEN) {
			DP_STAT_INC(w->st, dropped_bad);
			return 0;
		}
		break;
	case BOLT_EQR:
		/* Never answer a response: that is how reflection loops start. */
		DP_STAT_INC(w->st, dropped_bad);
		return 0;
	case BOLT_ENOTIMP:
		len = bolt_build_error(p->dns, p->cap, q->id, q->flags, NULL, 0,
		                       BOLT_RCODE_NOTIMP, false);
		if (len > 0)
			DP_STAT_INC(w->st, notimp);
		return len > 0 ? len : 0;
	case BOLT_EBADVERS:
		/* The question parsed; echo it (copied out: source and
		 * destination would overlap). */
		memcpy(question, p->dns + BOLT_HDR_LEN, q->question_len);
		len = bolt_build_error(p->dns, p->cap, q->id, q->flags, question,
		                       q->question_len, BOLT_RCODE_BADVERS, true);
		return len > 0 ? len : 0;
	default:
		break;
	}
	len = bolt_build_error(p->dns, p->cap, q->id, q->flags, NULL, 0, BOLT_RCODE_FORMERR,
	                       false);
	if (len > 0)
		DP_STAT_INC(w->st, formerr);
	return len > 0 ? len : 0;
}

/* The data of a bogus answer, kept under the CD key for CD=1 queries (RFC
 * 4035 3.2.2), into out. Only a CD=1 query that hit the bogus answer's
 * SERVFAIL looks here, so every other query costs one lookup as before. */
static int cd_lookup(struct dp_worker *w, const struct bolt_cache_key *k,
                     struct bolt_cache_out *out)
{
	struct bolt_cache_key cd = *k;
	cd.do_bit = (uint8_t)(k->do_bit | BOLT_CACHE_KEY_CD);
	bolt_cache_key_hash(w->cache, &cd);
	return bolt_cache_lookup(w->cache, &cd, w->now, out);
}

/* Response for a parsed query from its lookup result rc / out: the length
 * (hit, or TC when the cached answer did not fit), or -1 for a miss. */
static int serve_one(struct dp_worker *w, struct dp_pkt *p, const struct bolt_query *q, int rc,
                     const struct bolt_cache_key *k, struct bolt_cache_out *out)
{
	int len;

	w->bc.qtype[dp_qtype_slot(q->qtype)]++;
	if (rc == 0 && bolt_unlikely(out->val.status == BOLT_SEC_BOGUS) &&
	    (q->flags & BOLT_FLAG_CD))
		rc = cd_lookup(w, k, out);
	if (rc == 0) {
		size_t limit = bolt_udp_limit(q, w->udp_max);
		len = bolt_answer_from_cache_csum(p->dns, p->cap, limit, q, out, w->now, false,
		                                  (uint16_t)w->udp_max, &p->csum);
	} else if (rc == BOLT_ESPACE) {
		len = tc_response(p->dns, p->cap, q, (uint16_t)w->udp_max);
	} else {
		if (rc == BOLT_EEXPIRED)
			DP_STAT_INC(w->st, expired);
		w->bc.misses++;
		return -1;
	}
	if (bolt_unlikely(len == BOLT_EDROP)) {
		/* A response policy says: no answer (RPZ DROP). */
		p->csum = 0;
		w->bc.hits++;
		return 0;
	}
	if (len < 0) {
		/* An entry that cannot be served as it is (its question size
		 * disagrees): let the control plane answer. */
		p->csum = 0;
		w->bc.misses++;
		return -1;
	}
	w->bc.hits++;
	return len;
}

/* A hit on an entry in the last 10% of its TTL: ask the control plane to
 * refresh it before it expires, so popular names never miss. Rate-limited
 * per key; never blocks (ring full: the hint is dropped and counted). */
void dp_prefetch_hint(struct dp_worker *w, const struct bolt_cache_key *k,
                      const struct bolt_cache_val *val)
{
	if (!dp_hint_due(w, val))
		return;
	uint32_t tag = (uint32_t)(k->hash >> 32);
	unsigned slot = (unsigned)(k->hash % DP_PF_SLOTS);
	if (w->pf[slot].at != 0 && w->pf[slot].tag == tag &&
	    w->now - w->pf[slot].at < DP_PF_INTERVAL)
		return;
	/* question_len <= 259 < BOLT_MISS_QUESTION_MAX by the parser's limits. */
	if (k->name_len + 4u > BOLT_MISS_QUESTION_MAX)
		return;
	struct bolt_ring *ring = w->miss_ring[bolt_region_worker_of(k->hash, w->nrw)];
	struct bolt_miss_msg *m = bolt_ring_reserve(ring);
	if (!m) {
		DP_STAT_INC(w->st, prefetch_hint_drops);
		return;
	}
	memset(m, 0, offsetof(struct bolt_miss_msg, question));
	m->qtype = k->qtype;
	m->qclass = k->qclass;
	m->do_bit = k->do_bit;
	m->flags = BOLT_MISS_F_PREFETCH;
	m->received = w->now;
	/* The key's lower-cased name: the client's bytes behind the header
	 * are being overwritten by the response. */
	memcpy(m->question, k->name, k->name_len);
	wr16(m->question + k->name_len, k->qtype);
	wr16(m->question + k->name_len + 2, k->qclass);
	m->question_len = (uint16_t)(k->name_len + 4u);
	bolt_ring_commit(ring);
	w->pf[slot].tag = tag;
	w->pf[slot].at = w->now;
	DP_STAT_INC(w->st, prefetch_hints);
}

/* What bolt_query_parse_into sets for a packet of known_key (a query that
 * parses with 0: one question, the name k->name_len bytes, nothing or one
 * OPT without options behind it), read from the packet. */
static inline void known_query(const struct dp_pkt *p, struct bolt_query *q,
                               const struct bolt_cache_key *k)
{
	const uint8_t *d = p->dns;
	size_t qend = BOLT_HDR_LEN + (size_t)k->name_len + 4;
	q->id = rd16(d);
	q->flags = rd16(d + 2);
	q->qname_len = k->name_len;
	q->question_len = (uint16_t)(k->name_len + 4);
	q->qtype = rd16(d + qend - 4);
	q->qclass = rd16(d + qend - 2);
	q->edns_version = 0;
	q->cookie_len = 0;
	q->has_edns = p->len > qend;
	if (q->has_edns) {
		/* root owner, TYPE, CLASS (the UDP size), TTL (DO bit) */
		q->edns_udp_size = rd16(d + qend + 3);
		q->do_bit = (d[qend + 7] & 0x80) != 0;
	} else {
		q->edns_udp_size = 0;
		q->do_bit = false;
	}
}

unsigned dp_process_burst(struct dp_worker *w, struct dp_pkt *pkts, unsigned n)
{
	struct bolt_lcore_stats *st = w->st;
	unsigned tx = 0, queries = 0;

	if (n > DP_BURST_MAX)
		n = DP_BURST_MAX;
	w->now = dp_now(w);
	/* The cookie secrets, copied again only after a rollover. */
	uint64_t cseq = bolt_cookie_seq(w->hdr);
	if (cseq != w->cookie_seq)
		w->cookie_seq = bolt_cookie_secrets(w->hdr, w->cookie_cur, w->cookie_prev);

	/* Stage 1: parse every query and build its key. */
	uint64_t kkey = w->known_key;
	w->known_key = 0;
	for (unsigned i = 0; i < n; i++) {
		struct dp_pkt *p = &pkts[i];
		struct bolt_query *q = &w->q[i];
		struct bolt_cache_key *k = &w->key[i];
		if (kkey >> i & 1) {
			/* Parsed, allowed and keyed by the caller. */
			known_query(p, q, k);
			w->parse_rc[i] = 0;
			w->denied[i] = 0;
			p->verdict = DP_DROP;
			p->out_len = 0;
			p->csum = 0;
			p->sample = 0;
			queries++;
			continue;
		}
		/* The lower-cased QNAME goes straight into the lookup key. */
		int rc = bolt_query_parse_into(p->dns, p->len, q, k->name);
		w->parse_rc[i] = rc;
		w->denied[i] = 0;
		p->verdict = DP_DROP;
		p->out_len = 0;
		p->csum = 0;
		p->sample = 0;
		if (p->len >= BOLT_HDR_LEN)
			queries++;
		if (w->pol && p->client && p->len >= BOLT_HDR_LEN && rc != BOLT_EQR)
			w->denied[i] = (uint8_t)bolt_acl_check(&w->pol->acl, p->family, p->client);
		if (w->denied[i]) {
			/* Not a customer: no cache lookup, no miss, no error detail. */
			continue;
		}
		if (rc < 0)
			continue;
		/* Type and class from the packet, not from q: the compiler
		 * copies q's two 16-bit fields with one 32-bit load, which
		 * stalls on the parser's two stores just made. */
		const uint8_t *qtc = p->dns + BOLT_HDR_LEN + q->qname_len;
		k->qtype = rd16(qtc);
		k->qclass = rd16(qtc + 2);
		k->do_bit = q->do_bit;
		k->name_len = (uint8_t)q->qname_len;
		bolt_cache_key_hash(w->cache, k);
	}
	DP_STAT_ADD(st, queries, queries);

	/* Stage 2: look up every key of the burst at once. The cache
	 * prefetches all buckets, then the first candidate record of each,
	 * before it compares anything, so memory latency overlaps; the
	 * sections are copied straight behind each client's question. */
	unsigned nk = 0;
	uint64_t known = w->known_miss;
	w->known_miss = 0;
	uint64_t krl = w->known_rl, kslip = w->known_slip;
	w->known_rl = 0;
	w->known_slip = 0;
	for (unsigned i = 0; i < n; i++) {
		if (w->parse_rc[i] != 0 || w->denied[i] || (known >> i & 1))
			continue;
		struct dp_pkt *p = &pkts[i];
		size_t qend = BOLT_HDR_LEN + (size_t)w->q[i].question_len;
		struct bolt_cache_out *o = &w->kout[nk];
		o->ttl_off = w->ttl_off[nk];
		o->ttl_cap = DP_TTL_MAX;
		o->sections = p->dns + qend;
		o->cap = p->cap > qend ? (uint32_t)(p->cap - qend) : 0;
		w->kp[nk] = &w->key[i];
		w->kidx[nk++] = (uint8_t)i;
	}
	if (nk > 0) {
		bolt_cache_lookup_burst(w->cache, w->kp, nk, w->now, w->kout, w->krc);
		for (unsigned j = 0; j < nk; j++)
			w->kslot[w->kidx[j]] = (uint8_t)j;
	}
	/* Misses the caller's own lookup of this burst found (the fast path's):
	 * not looked up again. */
	for (unsigned i = 0; known != 0 && i < n; i++) {
		if (!(known >> i & 1) || w->parse_rc[i] != 0 || w->denied[i])
			continue;
		w->krc[nk] = BOLT_ENOENT;
		w->kslot[i] = (uint8_t)nk++;
	}

	/* Stage 3: look up, copying the sections behind the question. */
	for (unsigned i = 0; i < n; i++) {
		struct dp_pkt *p = &pkts[i];
		struct bolt_query *q = &w->q[i];
		int len;

		if (w->denied[i]) {
			DP_STAT_INC(st, refused);
			len = w->denied[i] == BOLT_ACL_DROPPED ? 0
			      : refused_response(p, q, w->parse_rc[i]);
		} else if (w->parse_rc[i] == BOLT_ENOTIMP && BOLT_OPCODE(q->flags) == 4 /* NOTIFY */ &&
		           p->len <= BOLT_MISS_QUESTION_MAX) {
			/* The control plane's (its policy zones): dp_miss_push. */
			p->verdict = DP_MISS;
			continue;
		} else if (w->parse_rc[i] < 0) {
			len = error_response(w, p, q, w->parse_rc[i]);
		} else {
			unsigned j = w->kslot[i];
			len = serve_one(w, p, q, w->krc[j], &w->key[i], &w->kout[j]);
			/* a miss: a published NSEC range, the throttle, or the ring */
			if (len < 0 && (len = dp_negrange_response(w, p, q, &w->key[i])) < 0 &&
			    (len = throttle_response(w, p, q, &w->key[i])) < 0) {
				p->verdict = DP_MISS;
				continue;
			}
			if (w->krc[j] == 0) {
				dp_prefetch_hint(w, &w->key[i], &w->kout[j].val);
				/* [dnstap] sample: every Nth hit of this worker. */
				if (w->tap_every != 0 && --w->tap_left == 0) {
					w->tap_left = w->tap_every;
					p->sample = 1;
				}
			}
		}
		if (len <= 0)
			continue;
		p->verdict = DP_TX;
		p->out_len = (uint16_t)len;
		/* A client cookie (parsed only inside an OPT) asks for a server
		 * cookie back; a valid server cookie proves the address is not
		 * spoofed, so the rate limit has nothing to protect against. */
		bool cookie = w->parse_rc[i] == 0 && q->cookie_len != 0 && p->client &&
		              w->cookie_seq != 0 && !(w->pol && w->pol->no_cookies);
		bool vouched = cookie && cookie_vouched(w, p, q);
		if (vouched)
			DP_STAT_INC(st, cookies_valid);
		if (w->rl && p->client && !vouched) {
			bool slip = false, over;
			if (krl >> i & 1) {
				/* The caller counted it already (the fast path). */
				over = true;
				slip = (kslip >> i & 1) != 0;
			} else {
				over = dp_rl_over(w, p->family, p->client, &slip);
			}
			if (over) {
				/* Over the limit: a slipped TC=1 answer tells a real
				 * client to retry over TCP; a spoofed victim gets
				 * no amplification from it. */
				len = slip && w->parse_rc[i] == 0 && !w->denied[i]
				      ? tc_response(p->dns, p->cap, q, (uint16_t)w->udp_max) : 0;
				if (len <= 0) {
					DP_STAT_INC(st, rl_dropped);
					p->verdict = DP_DROP;
					continue;
				}
				DP_STAT_INC(st, rl_slipped);
				p->out_len = (uint16_t)len;
				p->csum = 0;
			}
		}
		if (cookie) {
			p->out_len = (uint16_t)add_cookie(w, p, q, p->out_len);
			p->csum = 0;
		}
		count_response(w, p->dns, p->out_len);
		tx++;
	}
	dp_flush_counts(w);
	return tx;
}

/* A ring message for the client's question q of packet p (question_len <=
 * BOLT_MISS_QUESTION_MAX, checked by the caller). */
static void miss_fill(struct bolt_miss_msg *m, const struct dp_worker *w, const struct bolt_query *q,
                      const struct dp_pkt *p, const struct bolt_client *c, uint16_t flags)
{
	m->client = *c;
	m->id = q->id;
	m->qflags = q->flags;
	m->qtype = q->qtype;
	m->qclass = q->qclass;
	m->edns_udp_size = q->has_edns ? q->edns_udp_size : 0;
	m->has_edns = q->has_edns;
	m->do_bit = q->do_bit;
	m->question_len = q->question_len;
	m->flags = flags;
	m->received = w->now;
	memcpy(m->question, p->dns + BOLT_HDR_LEN, q->question_len);
}

/* A NOTIFY (stage 3 let only those through with a parse error): the whole
 * message to every resolver worker, ring 0's to answer (BOLT_MISS_F_NOTIFY). */
static int notify_push(struct dp_worker *w, const struct bolt_query *q, const struct dp_pkt *p,
                       const struct bolt_client *c)
{
	for (unsigned v = 0; v < w->nrw; v++) {
		struct bolt_miss_msg *m = bolt_ring_reserve(w->miss_ring[v]);
		if (!m) {
			DP_STAT_INC(w->st, ring_drops);
			continue;
		}
		memset(m, 0, offsetof(struct bolt_miss_msg, question));
		m->client = *c;
		m->id = q->id;
		m->qflags = q->flags;
		m->question_len = p->len;
		m->flags = (uint16_t)(BOLT_MISS_F_NOTIFY | (v != 0 ? BOLT_MISS_F_COPY : 0));
		m->received = w->now;
		memcpy(m->question, p->dns, p->len);
		bolt_ring_commit(w->miss_ring[v]);
	}
	return 0;
}

int dp_miss_push(struct dp_worker *w, unsigned i, const struct dp_pkt *p,
                 const struct bolt_client *c)
{
	const struct bolt_query *q = &w->q[i];
	if (w->parse_rc[i] != 0)
		return notify_push(w, q, p, c);
	/* The same key hash on every lcore: identical questions meet in one
	 * resolver worker, which coalesces them. */
	struct bolt_ring *ring = w->miss_ring[bolt_region_worker_of(w->key[i].hash, w->nrw)];
	struct bolt_miss_msg *m = bolt_ring_reserve(ring);

	if (!m || q->question_len > BOLT_MISS_QUESTION_MAX) {
		DP_STAT_INC(w->st, ring_drops);
		return BOLT_ERING;
	}
	miss_fill(m, w, q, p, c, 0);
	bolt_ring_commit(ring);
	ck_remember(w, q, c);
	return 0;
}

void dp_miss_kick(struct dp_worker *w, struct bolt_bell *bell)
{
	uint32_t bits = 0;
	for (unsigned v = 0; v < w->nrw; v++)
		if (bolt_ring_published(w->miss_ring[v], &w->miss_mark[v]))
			bits |= 1u << v;
	if (bits != 0)
		bolt_bell_kick(bell, bits);
}

bool dp_answer_ready(struct dp_worker *w)
{
	for (unsigned v = 0; v < w->nrw; v++)
		if (bolt_ring_ready(w->answer_ring[v]))
			return true;
	return false;
}

void dp_tap_push(struct dp_worker *w, unsigned i, const struct dp_pkt *p,
                 const struct bolt_client *c)
{
	const struct bolt_query *q = &w->q[i];
	/* The worker that resolves this question logs its hits too. */
	struct bolt_ring *r = w->miss_ring[bolt_region_worker_of(w->key[i].hash, w->nrw)];
	struct bolt_miss_msg *m = NULL;
	if (bolt_ring_count(r) < r->slots / 2 && q->question_len <= BOLT_MISS_QUESTION_MAX)
		m = bolt_ring_reserve(r);
	if (!m) {
		DP_STAT_INC(w->st, tap_sample_drops);
		return;
	}
	/* The response was built in place behind the client's own question,
	 * which it keeps as it was. */
	miss_fill(m, w, q, p, c, BOLT_MISS_F_TAP);
	bolt_ring_commit(r);
	DP_STAT_INC(w->st, tap_samples);
}

const struct bolt_answer_msg *dp_answer_next(struct dp_worker *w)
{
	/* Round robin over the workers' answer rings, starting after the one
	 * last served, so that no worker's answers wait behind another's. */
	for (unsigned n = 0; n < w->nrw; n++) {
		unsigned v = (w->answer_next + n) % w->nrw;
		const struct bolt_answer_msg *m = bolt_ring_peek(w->answer_ring[v]);
		if (m == NULL)
			continue;
		w->answer_cur = v;
		w->answer_next = (v + 1) % w->nrw;
		if (m->len > BOLT_ANSWER_PAYLOAD_MAX) {
			/* A corrupted slot must not make us read past it. */
			bolt_ring_release(w->answer_ring[v]);
			DP_STAT_INC(w->st, tx_drops);
			return NULL;
		}
		return m;
	}
	return NULL;
}

void dp_answer_done(struct dp_worker *w)
{
	bolt_ring_release(w->answer_ring[w->answer_cur]);
}
