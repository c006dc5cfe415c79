/*
 * Iterative resolution.
 *
 * A resolution walks from the closest known zone cut of the name it is
 * resolving down to the authoritative servers:
 *   step()       find the cut, pick a server (lowest smoothed RTT, some
 *                exploration), or chase the address of an NS name without
 *                glue in a sub-resolution, or give up;
 *   on_answer()  check and scrub the response, then follow a referral,
 *                extend the CNAME chain, or finish with a positive or
 *                negative answer.
 * With QNAME minimisation (RFC 9156) the servers of a cut are asked for one
 * more label at a time (type A) until a referral or the full name; an
 * empty non-terminal answers NODATA and just moves on one label.
 *
 * Every exit goes through finish(), which calls the owner back and frees the
 * resolution; a function that calls step(), finish() or starts a child does
 * so as its last action, because any of them may end (and free) r.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/cache.h"
#include "../log.h"
#include "../net/upstream.h"
#include "resolve.h"
#include "scrub.h"

/* Parsed RRs per upstream response at most: more is not a sane referral or answer. */
#define PARSE_RRS_MAX 1024
#define TRIED_MAX 48
/* A server answering SERVFAIL/REFUSED for a zone is skipped this long. */
#define LAME_TTL 120
/* A failed NS address look-up is remembered this long. */
#define ADDR_FAIL_TTL 30
/* Added to the RTT of IPv6 servers when choosing (prefer IPv4). */
#define V6_PENALTY_MS 200
/* Negative TTL when a negative answer came without SOA. */
#define NEG_TTL_NO_SOA 30

/* An RR owned by the resolution (copied out of an upstream response). */
struct orr {
	uint8_t owner[BOLT_NAME_MAX];
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata;
};

struct orr_list {
	struct orr *v;
	unsigned n, cap;
};

/* Work limits shared by a question and its sub-resolutions. */
struct budget {
	unsigned upstream;
	unsigned ns_chase;
	uint64_t deadline_ms;   /* uv_now() */
	bool limit_hit;
};

struct tried {
	struct infra_addr a;
	uint8_t count;
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
	uint8_t zone[BOLT_NAME_MAX];
	struct infra_nsset ns;
	bool ns_chased[INFRA_NS_MAX];
	int mlabels;                    /* labels of the next name asked */
	struct tried tried[TRIED_MAX];
	unsigned ntried;

	struct upq *q;                  /* query in flight */
	struct infra_addr q_server;
	uint8_t q_name[BOLT_NAME_MAX];
	uint16_t q_type;
	bool q_edns;
	struct res *child;              /* sub-resolution in flight */
	unsigned child_idx;

	uint8_t rcode;
	struct orr_list answer;
	struct orr_list authority;
	uint32_t neg_ttl;
	bool negative;
};

static unsigned alive;

unsigned res_alive(void)
{
	return alive;
}

uint8_t res_rcode(const struct res *r)
{
	return r->rcode;
}

uint16_t res_ede(const struct res *r, const char **text)
{
	/* Placeholder until the iterator records the reason of each failure. */
	if (text != NULL)
		*text = NULL;
	return r->rcode == BOLT_RCODE_SERVFAIL ? BOLT_EDE_NO_REACHABLE_AUTHORITY : BOLT_EDE_NONE;
}

uint64_t res_elapsed_ms(const struct res *r)
{
	return uv_now(r->cp->loop) - r->started_ms;
}

unsigned res_upstream_used(const struct res *r)
{
	return r->budget->upstream;
}

static int nlen(const uint8_t *name)
{
	return bolt_name_len(name, BOLT_NAME_MAX);
}

static void name_copy(uint8_t *dst, const uint8_t *src)
{
	int l = nlen(src);
	memcpy(dst, src, l > 0 ? (size_t)l : 1);
	if (l <= 0)
		dst[0] = 0;
}

static void name_text(const uint8_t *name, char *out, size_t cap)
{
	if (bolt_name_to_text(name, out, cap) < 0)
		snprintf(out, cap, "?");
}

/* The suffix of name with labels labels (a pointer into name). */
static const uint8_t *name_suffix(const uint8_t *name, int labels)
{
	int total = bolt_name_labels(name);
	const uint8_t *p = name;
	for (int i = 0; i < total - labels && *p != 0; i++)
		p += 1 + *p;
	return p;
}

static uint32_t now_s(void)
{
	return bolt_now();
}

static void orr_list_free(struct orr_list *l)
{
	for (unsigned i = 0; i < l->n; i++)
		free(l->v[i].rdata);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int orr_add(struct orr_list *l, const uint8_t *owner, uint16_t type, uint16_t rclass,
                   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	if (l->n == l->cap) {
		unsigned nc = l->cap ? l->cap * 2 : 8;
		struct orr *nv = realloc(l->v, nc * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	struct orr *o = &l->v[l->n];
	o->rdata = malloc(rdlen > 0 ? rdlen : 1);
	if (o->rdata == NULL)
		return -ENOMEM;
	memcpy(o->rdata, rdata, rdlen);
	name_copy(o->owner, owner);
	o->type = type;
	o->rclass = rclass;
	o->ttl = ttl;
	o->rdlen = rdlen;
	l->n++;
	return 0;
}

static int orr_add_rr(struct orr_list *l, const struct bolt_rr *rr)
{
	return orr_add(l, rr->owner, rr->type, rr->rclass, rr->ttl, rr->rdata, rr->rdlen);
}

static void res_free(struct res *r)
{
	orr_list_free(&r->answer);
	orr_list_free(&r->authority);
	free(r);
	alive--;
}

static void finish(struct res *r)
{
	if (r->q != NULL) {
		upq_cancel(r->q);
		r->q = NULL;
	}
	if (r->parent == NULL && cp_log_enabled(CP_LOG_INFO)) {
		char qn[1024], ty[16];
		name_text(r->qname, qn, sizeof(qn));
		bolt_type_to_text(r->qtype, ty, sizeof(ty));
		cp_log(CP_LOG_INFO, "resolved %s %s: %s upstream=%u chased=%u ms=%llu%s", qn, ty,
		       bolt_rcode_to_text(r->rcode), r->budget->upstream, r->budget->ns_chase,
		       (unsigned long long)(uv_now(r->cp->loop) - r->started_ms),
		       r->budget->limit_hit ? " (work limit)" : "");
	}
	res_done_cb cb = r->cb;
	void *arg = r->arg;
	cb(r, arg);
	res_free(r);
}

static void fail(struct res *r, const char *why)
{
	if (cp_log_enabled(CP_LOG_DEBUG)) {
		char qn[1024];
		name_text(r->cur, qn, sizeof(qn));
		cp_log(CP_LOG_DEBUG, "SERVFAIL for %s (depth %u): %s", qn, r->depth, why);
	}
	r->rcode = BOLT_RCODE_SERVFAIL;
	r->negative = false;
	orr_list_free(&r->answer);
	orr_list_free(&r->authority);
	finish(r);
}

static void limit(struct res *r, const char *why)
{
	if (!r->budget->limit_hit) {
		r->budget->limit_hit = true;
		r->cp->ctr.limit_hits++;
	}
	fail(r, why);
}

/* ---- zone cut and server choice ---- */

static bool zone_is_root(const struct res *r)
{
	return r->zone[0] == 0;
}

static void reset_tries(struct res *r)
{
	r->ntried = 0;
}

static int tries_of(const struct res *r, const struct infra_addr *a)
{
	for (unsigned i = 0; i < r->ntried; i++)
		if (memcmp(&r->tried[i].a, a, sizeof(*a)) == 0)
			return r->tried[i].count;
	return 0;
}

static void add_try(struct res *r, const struct infra_addr *a, int delta)
{
	for (unsigned i = 0; i < r->ntried; i++) {
		if (memcmp(&r->tried[i].a, a, sizeof(*a)) == 0) {
			int c = r->tried[i].count + delta;
			r->tried[i].count = (uint8_t)(c < 0 ? 0 : c > 255 ? 255 : c);
			return;
		}
	}
	if (r->ntried < TRIED_MAX && delta > 0) {
		r->tried[r->ntried].a = *a;
		r->tried[r->ntried].count = (uint8_t)(delta > 255 ? 255 : delta);
		r->ntried++;
	}
}

static void set_cut(struct res *r, const uint8_t *zone, const struct infra_nsset *ns)
{
	name_copy(r->zone, zone);
	r->ns = *ns;
	memset(r->ns_chased, 0, sizeof(r->ns_chased));
	r->have_cut = true;
	reset_tries(r);
	int cl = bolt_name_labels(r->cur);
	if (r->cp->cfg->qname_minimisation) {
		r->mlabels = bolt_name_labels(r->zone) + 1;
		if (r->mlabels > cl)
			r->mlabels = cl;
	} else {
		r->mlabels = cl;
	}
}

static void find_cut(struct res *r)
{
	struct cp *cp = r->cp;
	uint32_t now = now_s();
	struct infra_nsset ns;
	int labels = bolt_name_labels(r->cur);
	for (int l = labels; l >= 1; l--) {
		const uint8_t *suffix = name_suffix(r->cur, l);
		if (infra_ns_get(cp->infra, suffix, now, &ns) == 0 && ns.n > 0) {
			set_cut(r, suffix, &ns);
			return;
		}
	}
	/* The root comes from the hints, which are never evicted. */
	memset(&ns, 0, sizeof(ns));
	for (unsigned i = 0; i < cp->hints.n && ns.n < INFRA_NS_MAX; i++) {
		memcpy(ns.name[ns.n], cp->hints.s[i].name, cp->hints.s[i].name_len);
		ns.len[ns.n] = cp->hints.s[i].name_len;
		ns.n++;
	}
	static const uint8_t root[1] = { 0 };
	set_cut(r, root, &ns);
}

/* Addresses of NS name i of the current cut: hints for the root, else the
 * infrastructure cache. Returns the count, or BOLT_ENOENT when unknown. */
static int ns_addrs(struct res *r, unsigned i, struct infra_addr *a, unsigned max)
{
	struct cp *cp = r->cp;
	if (zone_is_root(r)) {
		for (unsigned k = 0; k < cp->hints.n; k++) {
			const struct hint_server *s = &cp->hints.s[k];
			if (bolt_name_equal(s->name, r->ns.name[i])) {
				unsigned n = s->naddr < max ? s->naddr : max;
				memcpy(a, s->addr, n * sizeof(*a));
				return (int)n;
			}
		}
	}
	return infra_addr_get(cp->infra, r->ns.name[i], now_s(), a, max);
}

static uint32_t rand32(void)
{
	uint32_t v = 0;
	if (upq_random(&v, sizeof(v)) < 0)
		v = (uint32_t)uv_hrtime();
	return v;
}

/* Choose the server to ask next: fewest tries for this question first, then
 * the lowest smoothed RTT; one time in ten a random usable server instead,
 * so a server that was slow once gets measured again. */
static bool pick_server(struct res *r, struct infra_addr *out)
{
	struct cp *cp = r->cp;
	uint32_t now = now_s();
	struct infra_addr cand[INFRA_NS_MAX * 4];
	uint64_t score[INFRA_NS_MAX * 4];
	unsigned nc = 0;
	unsigned max_tries = cp->cfg->retries > 0 ? cp->cfg->retries : 1;

	for (unsigned i = 0; i < r->ns.n; i++) {
		struct infra_addr a[INFRA_ADDR_MAX];
		int n = ns_addrs(r, i, a, INFRA_ADDR_MAX);
		for (int k = 0; k < n && nc < BOLT_ARRAY_SIZE(cand); k++) {
			if (a[k].family != AF_INET && a[k].family != AF_INET6)
				continue;
			a[k].port = cp->upstream_port;
			int t = tries_of(r, &a[k]);
			if ((unsigned)t >= max_tries || infra_lame_get(cp->infra, &a[k], r->zone, now))
				continue;
			bool dup = false;
			for (unsigned j = 0; j < nc; j++)
				if (memcmp(&cand[j], &a[k], sizeof(a[k])) == 0)
					dup = true;
			if (dup)
				continue;
			struct infra_srv s;
			infra_srv_get(cp->infra, &a[k], now, &s);
			/* A server that keeps timing out is down: ask it again only
			 * once in a while, so its return is noticed. */
			if (s.timeouts >= INFRA_DOWN_TIMEOUTS &&
			    now - s.last_timeout < INFRA_DOWN_SECS && rand32() % 16 != 0)
				continue;
			cand[nc] = a[k];
			/* IPv6 only after IPv4 of equal standing: many hosts have no IPv6
			 * route, and a failed send just moves on to the next server. */
			uint32_t srtt = s.srtt_ms + (a[k].family == AF_INET6 ? V6_PENALTY_MS : 0);
			score[nc] = ((uint64_t)t << 32) | srtt;
			nc++;
		}
	}
	if (nc == 0)
		return false;
	unsigned best = 0;
	for (unsigned j = 1; j < nc; j++)
		if (score[j] < score[best])
			best = j;
	if (nc > 1 && rand32() % 10 == 0) {
		unsigned j = rand32() % nc;
		/* Explore only among servers as fresh for this question as the best. */
		if ((score[j] >> 32) == (score[best] >> 32))
			best = j;
	}
	*out = cand[best];
	return true;
}

/* ---- sub-resolutions of NS names without glue ---- */

static void step(struct res *r);
static struct res *res_new(struct cp *cp, const uint8_t *qname, uint16_t qtype,
                           uint16_t qclass, bool do_bit, struct res *parent);

static void child_done(struct res *c, void *arg)
{
	struct res *r = arg;
	struct cp *cp = r->cp;
	r->child = NULL;
	struct infra_addr a[INFRA_ADDR_MAX];
	unsigned n = 0;
	uint32_t ttl = UINT32_MAX;
	if (c->rcode == BOLT_RCODE_NOERROR) {
		for (unsigned i = 0; i < c->answer.n && n < INFRA_ADDR_MAX; i++) {
			const struct orr *o = &c->answer.v[i];
			if (o->type != BOLT_TYPE_A || o->rdlen != 4 || !bolt_name_equal(o->owner, c->cur))
				continue;
			memset(&a[n], 0, sizeof(a[n]));
			a[n].family = AF_INET;
			a[n].port = cp->upstream_port;
			memcpy(a[n].addr, o->rdata, 4);
			n++;
			if (o->ttl < ttl)
				ttl = o->ttl;
		}
	}
	if (n == 0)
		ttl = ADDR_FAIL_TTL;
	if (ttl > cp->cfg->max_ttl)
		ttl = cp->cfg->max_ttl;
	infra_addr_put(cp->infra, c->qname, a, n, now_s(), ttl);
	step(r);
}

/* Is name already being looked up by r or one of its ancestors? (cycle) */
static bool in_chain(const struct res *r, const uint8_t *name)
{
	for (; r != NULL; r = r->parent)
		if (bolt_name_equal(r->qname, name) || bolt_name_equal(r->cur, name))
			return true;
	return false;
}

/* Start looking up NS name i. Returns true when r is now waiting for it. */
static int chase(struct res *r, unsigned i)
{
	struct cp *cp = r->cp;
	r->ns_chased[i] = true;
	if (r->depth + 1 > cp->cfg->max_depth || in_chain(r, r->ns.name[i]))
		return 0;
	if (r->budget->ns_chase >= cp->cfg->max_ns_chase)
		return BOLT_ELIMIT;
	r->budget->ns_chase++;
	cp->ctr.sub_resolutions++;
	struct res *c = res_new(cp, r->ns.name[i], BOLT_TYPE_A, BOLT_CLASS_IN, false, r);
	if (c == NULL)
		return -ENOMEM;
	c->cb = child_done;
	c->arg = r;
	r->child = c;
	r->child_idx = i;
	return 1;
}

/* Index of an NS name worth chasing, or -1. */
static int pick_chase(struct res *r)
{
	struct infra_addr a[1];
	for (unsigned i = 0; i < r->ns.n; i++) {
		if (r->ns_chased[i])
			continue;
		/* A name inside the zone it serves needs glue: resolving it would
		 * ask the very servers we are looking for. */
		if (bolt_name_in_zone(r->ns.name[i], r->zone)) {
			r->ns_chased[i] = true;
			continue;
		}
		if (ns_addrs(r, i, a, 1) == BOLT_ENOENT)
			return (int)i;
	}
	return -1;
}

/* ---- asking a server ---- */

static void on_answer(void *arg, int status, const uint8_t *pkt, size_t len, uint32_t rtt_ms,
                      bool tcp);

static void send_query(struct res *r, const struct infra_addr *a)
{
	struct cp *cp = r->cp;
	int cl = bolt_name_labels(r->cur);
	if (r->mlabels < cl) {
		name_copy(r->q_name, name_suffix(r->cur, r->mlabels));
		/* RFC 9156 section 2.3: A for the intermediate names. */
		r->q_type = BOLT_TYPE_A;
	} else {
		name_copy(r->q_name, r->cur);
		r->q_type = r->qtype;
	}
	struct infra_srv s;
	infra_srv_get(cp->infra, a, now_s(), &s);
	r->q_edns = !s.no_edns;
	r->q_server = *a;
	add_try(r, a, 1);
	r->budget->upstream++;

	struct upq_params p = {
		.server = a,
		.source = NULL,
		.qname = r->q_name,
		.qtype = r->q_type,
		.qclass = r->qclass,
		.edns = r->q_edns,
		.edns_size = (uint16_t)cp->cfg->edns_size,
		.timeout_ms = cp->cfg->timeout_ms,
	};
	struct infra_addr src;
	if (cp->cfg->noutgoing > 0) {
		const struct bolt_sockaddr *o = &cp->cfg->outgoing[r->budget->upstream %
		                                                  cp->cfg->noutgoing];
		memset(&src, 0, sizeof(src));
		src.family = o->family;
		memcpy(src.addr, o->addr, 16);
		p.source = &src;
	}
	if (cp_log_enabled(CP_LOG_DEBUG)) {
		char qn[1024], ty[16], ip[64];
		name_text(r->q_name, qn, sizeof(qn));
		bolt_type_to_text(r->q_type, ty, sizeof(ty));
		inet_ntop(a->family, a->addr, ip, sizeof(ip));
		char zn[1024];
		name_text(r->zone, zn, sizeof(zn));
		cp_log(CP_LOG_DEBUG, "query %s %s to %s (zone %s)", qn, ty, ip, zn);
	}
	if (cp->offline) {
		fail(r, "offline");
		return;
	}
	int err = 0;
	r->q = upq_send(cp->loop, &p, on_answer, r, &err);
	if (r->q == NULL)
		fail(r, "cannot send upstream");
}

static void step(struct res *r)
{
	struct cp *cp = r->cp;
	if (uv_now(cp->loop) >= r->budget->deadline_ms) {
		limit(r, "deadline");
		return;
	}
	if (!r->have_cut)
		find_cut(r);
	struct infra_addr a;
	if (pick_server(r, &a)) {
		if (r->budget->upstream >= cp->cfg->max_upstream) {
			limit(r, "max-upstream-queries");
			return;
		}
		send_query(r, &a);
		return;
	}
	for (;;) {
		int i = pick_chase(r);
		if (i < 0)
			break;
		int ret = chase(r, (unsigned)i);
		if (ret == 0)
			continue;
		if (ret == BOLT_ELIMIT) {
			limit(r, "max-ns-chase");
			return;
		}
		if (ret < 0) {
			fail(r, "out of memory");
			return;
		}
		step(r->child);
		return;
	}
	fail(r, "no usable server");
}

/* ---- using an answer ---- */

static uint32_t min_ttl_of(const struct bolt_msg *m, const bool *keep, uint16_t type,
                           const uint8_t *owner, uint32_t cap)
{
	uint32_t ttl = cap;
	for (unsigned i = 0; i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (keep[i] && rr->type == type && bolt_name_equal(rr->owner, owner) && rr->ttl < ttl)
			ttl = rr->ttl;
	}
	return ttl;
}

/* Learn the delegation to owner from a referral; returns the new NS set. */
static void learn_referral(struct res *r, const struct bolt_msg *m, const bool *keep,
                           const uint8_t *owner, struct infra_nsset *ns)
{
	struct cp *cp = r->cp;
	uint32_t now = now_s();
	memset(ns, 0, sizeof(*ns));
	for (unsigned i = 0; i < m->rrcount && ns->n < INFRA_NS_MAX; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_AUTHORITY || rr->type != BOLT_TYPE_NS ||
		    !bolt_name_equal(rr->owner, owner))
			continue;
		int tl = rr_target(rr, ns->name[ns->n]);
		if (tl <= 0)
			continue;
		bolt_name_lower(ns->name[ns->n], (size_t)tl);
		ns->len[ns->n] = (uint8_t)tl;
		ns->n++;
	}
	uint32_t ttl = min_ttl_of(m, keep, BOLT_TYPE_NS, owner, cp->cfg->max_ttl);
	uint8_t zone[BOLT_NAME_MAX];
	name_copy(zone, owner);
	bolt_name_lower(zone, (size_t)nlen(zone));
	infra_ns_put(cp->infra, zone, ns, now, ttl);

	/* Glue: scrubbing kept only addresses of these NS names inside the zone
	 * the server was asked about. */
	for (unsigned k = 0; k < ns->n; k++) {
		struct infra_addr a[INFRA_ADDR_MAX];
		unsigned n = 0;
		uint32_t gttl = cp->cfg->max_ttl;
		for (unsigned i = 0; i < m->rrcount && n < INFRA_ADDR_MAX; i++) {
			const struct bolt_rr *rr = &m->rrs[i];
			if (!keep[i] || rr->section != BOLT_SEC_ADDITIONAL ||
			    !bolt_name_equal(rr->owner, ns->name[k]))
				continue;
			memset(&a[n], 0, sizeof(a[n]));
			if (rr->type == BOLT_TYPE_A && rr->rdlen == 4) {
				a[n].family = AF_INET;
				memcpy(a[n].addr, rr->rdata, 4);
			} else if (rr->type == BOLT_TYPE_AAAA && rr->rdlen == 16) {
				a[n].family = AF_INET6;
				memcpy(a[n].addr, rr->rdata, 16);
			} else {
				continue;
			}
			a[n].port = cp->upstream_port;
			if (rr->ttl < gttl)
				gttl = rr->ttl;
			n++;
		}
		if (n > 0)
			infra_addr_put(cp->infra, ns->name[k], a, n, now, gttl);
	}
}

/* Record a negative ending: rcode, SOA (TTL lowered to the negative TTL). */
static void set_negative(struct res *r, const struct bolt_msg *m, const bool *keep,
                         uint8_t rcode)
{
	struct cp *cp = r->cp;
	r->rcode = rcode;
	r->negative = true;
	r->neg_ttl = NEG_TTL_NO_SOA < cp->cfg->max_negative_ttl ? NEG_TTL_NO_SOA
	                                                        : cp->cfg->max_negative_ttl;
	for (unsigned i = 0; i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_AUTHORITY || rr->type != BOLT_TYPE_SOA)
			continue;
		r->neg_ttl = neg_ttl(rr, cp->cfg->max_negative_ttl);
		struct bolt_rr soa = *rr;
		soa.ttl = r->neg_ttl;
		orr_add_rr(&r->authority, &soa);
		break;
	}
}

static bool has_soa(const struct bolt_msg *m, const bool *keep)
{
	for (unsigned i = 0; i < m->rrcount; i++)
		if (keep[i] && m->rrs[i].section == BOLT_SEC_AUTHORITY &&
		    m->rrs[i].type == BOLT_TYPE_SOA)
			return true;
	return false;
}

/* Is name the question or the owner of a CNAME already in the chain? */
static bool chain_has(const struct res *r, const uint8_t *name)
{
	if (bolt_name_equal(r->qname, name))
		return true;
	for (unsigned i = 0; i < r->answer.n; i++)
		if (r->answer.v[i].type == BOLT_TYPE_CNAME && bolt_name_equal(r->answer.v[i].owner, name))
			return true;
	return false;
}

/* Handle a checked, scrubbed response. Ends with step() or finish(). */
static void use_answer(struct res *r, const struct bolt_msg *m, const bool *keep)
{
	struct cp *cp = r->cp;
	uint8_t rcode = BOLT_RCODE(m->flags);
	bool aa = (m->flags & BOLT_FLAG_AA) != 0;
	bool minimised = !bolt_name_equal(r->q_name, r->cur) || r->q_type != r->qtype;

	/* Answer records kept by scrubbing form the chain from q_name. */
	bool any_answer = false;
	for (unsigned i = 0; i < m->rrcount; i++)
		if (keep[i] && m->rrs[i].section == BOLT_SEC_ANSWER)
			any_answer = true;

	/* Referral: an NS set strictly below the zone asked, above the name. */
	const uint8_t *ref = NULL;
	if (!any_answer && rcode == BOLT_RCODE_NOERROR) {
		for (unsigned i = 0; i < m->rrcount; i++) {
			const struct bolt_rr *rr = &m->rrs[i];
			if (keep[i] && rr->section == BOLT_SEC_AUTHORITY && rr->type == BOLT_TYPE_NS &&
			    bolt_name_labels(rr->owner) > bolt_name_labels(r->zone) &&
			    bolt_name_in_zone(r->q_name, rr->owner)) {
				ref = rr->owner;
				break;
			}
		}
	}
	if (ref != NULL) {
		struct infra_nsset ns;
		learn_referral(r, m, keep, ref, &ns);
		if (ns.n == 0) {
			fail(r, "referral without usable NS");
			return;
		}
		uint8_t zone[BOLT_NAME_MAX];
		name_copy(zone, ref);
		bolt_name_lower(zone, (size_t)nlen(zone));
		set_cut(r, zone, &ns);
		step(r);
		return;
	}

	/* A server that neither answers, refers down, nor speaks with authority
	 * is lame for this zone (upward or sideways referral). */
	if (rcode == BOLT_RCODE_NOERROR && !any_answer && !aa && !has_soa(m, keep)) {
		infra_lame_put(cp->infra, &r->q_server, r->zone, now_s(), LAME_TTL);
		step(r);
		return;
	}

	if (minimised) {
		if (rcode == BOLT_RCODE_NXDOMAIN) {
			/* RFC 8020 says nothing exists below; ask the full name once so
			 * the cached answer carries the server's own SOA. */
			r->mlabels = bolt_name_labels(r->cur);
		} else {
			/* The name exists (or is an empty non-terminal) and is no cut. */
			r->mlabels++;
		}
		reset_tries(r);
		step(r);
		return;
	}

	/* Full question: follow the chain through the kept answer records. */
	uint8_t x[BOLT_NAME_MAX];
	name_copy(x, r->cur);
	for (;;) {
		bool found = false, moved = false;
		uint8_t next[BOLT_NAME_MAX];
		for (unsigned i = 0; i < m->rrcount; i++) {
			const struct bolt_rr *rr = &m->rrs[i];
			if (!keep[i] || rr->section != BOLT_SEC_ANSWER || !bolt_name_equal(rr->owner, x))
				continue;
			if (rr->type == r->qtype || r->qtype == BOLT_TYPE_ANY) {
				orr_add_rr(&r->answer, rr);
				found = true;
			}
		}
		if (found) {
			r->rcode = BOLT_RCODE_NOERROR;
			finish(r);
			return;
		}
		for (unsigned i = 0; i < m->rrcount && !moved; i++) {
			const struct bolt_rr *rr = &m->rrs[i];
			if (!keep[i] || rr->section != BOLT_SEC_ANSWER || rr->type != BOLT_TYPE_CNAME ||
			    !bolt_name_equal(rr->owner, x))
				continue;
			if (rr_target(rr, next) <= 0)
				continue;
			orr_add_rr(&r->answer, rr);
			moved = true;
		}
		if (!moved)
			break;
		if (++r->ncname > cp->cfg->max_cname) {
			limit(r, "max-cname");
			return;
		}
		name_copy(x, next);
		if (chain_has(r, x)) {
			fail(r, "CNAME loop");
			return;
		}
	}

	if (!bolt_name_equal(x, r->cur)) {
		/* The chain moved on to x. */
		name_copy(r->cur, x);
		if (bolt_name_in_zone(x, r->zone) && has_soa(m, keep) &&
		    (rcode == BOLT_RCODE_NXDOMAIN || aa)) {
			/* The same server settled the end of the chain negatively. */
			set_negative(r, m, keep, rcode);
			finish(r);
			return;
		}
		/* Resolve the target afresh from its own closest cut. */
		r->have_cut = false;
		reset_tries(r);
		step(r);
		return;
	}

	if (rcode == BOLT_RCODE_NXDOMAIN) {
		set_negative(r, m, keep, BOLT_RCODE_NXDOMAIN);
		finish(r);
		return;
	}
	/* NOERROR without the asked type: NODATA (AA or SOA present). */
	set_negative(r, m, keep, BOLT_RCODE_NOERROR);
	finish(r);
}

static void on_answer(void *arg, int status, const uint8_t *pkt, size_t len, uint32_t rtt_ms,
                      bool tcp)
{
	struct res *r = arg;
	struct cp *cp = r->cp;
	uint32_t now = now_s();
	r->q = NULL;
	(void)tcp;

	if (status == BOLT_ETIMEOUT) {
		infra_srv_timeout(cp->infra, &r->q_server, now);
		step(r);
		return;
	}
	if (status < 0) {
		/* Unreachable or broken transport: treat like silence. */
		infra_srv_timeout(cp->infra, &r->q_server, now);
		add_try(r, &r->q_server, 255);
		step(r);
		return;
	}
	infra_srv_rtt(cp->infra, &r->q_server, now, rtt_ms);

	size_t max_rrs = len / 11 + 1;
	if (max_rrs > PARSE_RRS_MAX)
		max_rrs = PARSE_RRS_MAX;
	struct bolt_rr *rrs = malloc(max_rrs * sizeof(*rrs));
	uint8_t *scratch = malloc(2 * len + 16);
	bool *keep = malloc(max_rrs * sizeof(*keep));
	struct bolt_msg m;
	if (rrs == NULL || scratch == NULL || keep == NULL) {
		free(rrs);
		free(scratch);
		free(keep);
		fail(r, "out of memory");
		return;
	}
	int ret = bolt_msg_parse(pkt, len, &m, rrs, max_rrs, scratch, 2 * len + 16);
	uint16_t rcode = ret == 0 ? (uint16_t)(BOLT_RCODE(m.flags) | (m.ext_rcode << 4)) : 0;

	if (ret < 0) {
		/* An unparseable answer from this server is as good as none. */
		add_try(r, &r->q_server, 255);
		goto next;
	}
	if (r->q_edns && (rcode == BOLT_RCODE_FORMERR || rcode == BOLT_RCODE_NOTIMP ||
	                  rcode == BOLT_RCODE_BADVERS)) {
		/* Retry this server once more without EDNS. */
		infra_srv_no_edns(cp->infra, &r->q_server, now);
		add_try(r, &r->q_server, -1);
		goto next;
	}
	if (rcode != BOLT_RCODE_NOERROR && rcode != BOLT_RCODE_NXDOMAIN) {
		infra_lame_put(cp->infra, &r->q_server, r->zone, now, LAME_TTL);
		goto next;
	}
	cp->ctr.scrubbed += scrub_response(&m, r->zone, r->q_name, r->q_type, keep);
	use_answer(r, &m, keep);
	free(rrs);
	free(scratch);
	free(keep);
	return;
next:
	free(rrs);
	free(scratch);
	free(keep);
	step(r);
}

/* ---- life cycle ---- */

static struct res *res_new(struct cp *cp, const uint8_t *qname, uint16_t qtype,
                           uint16_t qclass, bool do_bit, struct res *parent)
{
	struct res *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	alive++;
	r->cp = cp;
	r->parent = parent;
	r->depth = parent != NULL ? parent->depth + 1 : 0;
	r->started_ms = uv_now(cp->loop);
	if (parent != NULL) {
		r->budget = parent->budget;
	} else {
		r->budget = &r->own;
		/* A question may take a few server timeouts, never unbounded time. */
		uint64_t t = (uint64_t)cp->cfg->timeout_ms * 8;
		if (t < 2000)
			t = 2000;
		r->own.deadline_ms = r->started_ms + t;
	}
	name_copy(r->qname, qname);
	bolt_name_lower(r->qname, (size_t)nlen(r->qname));
	name_copy(r->cur, r->qname);
	r->qtype = qtype;
	r->qclass = qclass;
	r->do_bit = do_bit;
	return r;
}

int res_start(struct cp *cp, const uint8_t *qname, uint16_t qtype, uint16_t qclass,
              bool do_bit, res_done_cb cb, void *arg)
{
	if (nlen(qname) < 0)
		return BOLT_EMALF;
	struct res *r = res_new(cp, qname, qtype, qclass, do_bit, NULL);
	if (r == NULL)
		return -ENOMEM;
	r->cb = cb;
	r->arg = arg;
	step(r);
	return 0;
}

int res_inject(struct cp *cp, const uint8_t *zone, const struct infra_addr *server,
               const uint8_t *qname, uint16_t qtype, const uint8_t *pkt, size_t len,
               res_done_cb cb, void *arg)
{
	if (nlen(qname) < 0 || nlen(zone) < 0)
		return BOLT_EMALF;
	struct res *r = res_new(cp, qname, qtype, BOLT_CLASS_IN, false, NULL);
	if (r == NULL)
		return -ENOMEM;
	r->cb = cb;
	r->arg = arg;
	struct infra_nsset ns;
	memset(&ns, 0, sizeof(ns));
	uint8_t z[BOLT_NAME_MAX];
	name_copy(z, zone);
	bolt_name_lower(z, (size_t)nlen(z));
	set_cut(r, z, &ns);
	/* Ask the full name: the response answers the question as given. */
	r->mlabels = bolt_name_labels(r->cur);
	name_copy(r->q_name, r->cur);
	r->q_type = qtype;
	r->q_edns = true;
	r->q_server = *server;
	add_try(r, server, 1);
	r->budget->upstream++;
	on_answer(r, 0, pkt, len, 1, false);
	return 0;
}

int res_build_response(const struct res *r, uint8_t *buf, size_t cap, struct bolt_build *b,
                       uint32_t *ttl, uint8_t *kind)
{
	const struct bolt_config *cfg = r->cp->cfg;
	uint16_t flags = BOLT_FLAG_QR | BOLT_FLAG_RA | (r->rcode & 0xf);
	int ret = bolt_build_init(b, buf, cap, 0, flags);
	if (ret < 0)
		return ret;
	ret = bolt_build_question(b, r->qname, (size_t)nlen(r->qname), r->qtype, r->qclass);
	if (ret < 0)
		return ret;
	uint32_t min = cfg->max_ttl;
	for (unsigned i = 0; i < r->answer.n; i++) {
		const struct orr *o = &r->answer.v[i];
		uint32_t t = o->ttl < cfg->max_ttl ? o->ttl : cfg->max_ttl;
		if (t < min)
			min = t;
		if (bolt_build_rr(b, BOLT_SEC_ANSWER, o->owner, o->type, o->rclass, t, o->rdata,
		                  o->rdlen) < 0)
			break;
	}
	for (unsigned i = 0; i < r->authority.n; i++) {
		const struct orr *o = &r->authority.v[i];
		if (bolt_build_rr(b, BOLT_SEC_AUTHORITY, o->owner, o->type, o->rclass, o->ttl,
		                  o->rdata, o->rdlen) < 0)
			break;
	}
	if (r->rcode == BOLT_RCODE_SERVFAIL) {
		*kind = BOLT_CACHE_SERVFAIL;
		*ttl = cfg->servfail_ttl;
	} else if (r->negative) {
		*kind = r->rcode == BOLT_RCODE_NXDOMAIN ? BOLT_CACHE_NXDOMAIN : BOLT_CACHE_NODATA;
		/* The CNAMEs leading to the negative end bound its lifetime too. */
		*ttl = r->neg_ttl < min ? r->neg_ttl : min;
	} else {
		*kind = BOLT_CACHE_POSITIVE;
		*ttl = min;
	}
	return bolt_build_finish(b);
}
