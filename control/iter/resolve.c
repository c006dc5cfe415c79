/*
 * Iterative resolution.
 *
 * A resolution walks from the closest known zone cut of the name it is
 * resolving down to the authoritative servers:
 *   step()       find the cut, have select.c choose a server, or chase the
 *                address of an NS name without glue in a sub-resolution, or
 *                go back to the parent for a fresh referral, or give up;
 *   on_answer()  check and scrub the response, have answer.c classify it,
 *                report the outcome to select.c, then follow a referral,
 *                extend the CNAME chain, or finish with a positive or
 *                negative answer.
 * A bad answer only moves this question on to the next server (select.c);
 * nothing here marks a server or a zone for other questions.
 * With QNAME minimisation (RFC 9156) the servers of a cut are asked for a
 * few more labels at a time (type A) until a referral or the full name, at
 * most MAX_MINIMISE_COUNT times per resolution; an error or an empty
 * non-authoritative answer to a minimised query falls back to the full name.
 *
 * Every exit goes through finish(), which calls the owner back and frees the
 * resolution; a function that calls step(), finish() or starts a child does
 * so as its last action, because any of them may end (and free) r.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/cache.h"
#include "../log.h"
#include "../net/upstream.h"
#include "answer.h"
#include "dnssec.h"
#include "inflight.h"
#include "zonerate.h"
#include "prime.h"
#include "res_int.h"
#include "zones.h"
#include "resolve.h"
#include "scrub.h"
#include "select.h"

static unsigned alive;

unsigned res_alive(void)
{
	return alive;
}

static void res_free(struct res *r)
{
	res_drop_records(r);
	free(r);
	alive--;
}

static void finish_now(struct res *r)
{
	if (r->q != NULL) {
		upq_cancel(r->q);
		lim_server_done(&r->q_server);
		r->q = NULL;
	}
	if (r->zone_held)
		lim_zone_leave(r->zone);
	if (r->parent == NULL && cp_log_enabled(CP_LOG_INFO)) {
		char qn[1024], ty[16];
		name_text(r->qname, qn, sizeof(qn));
		bolt_type_to_text(r->qtype, ty, sizeof(ty));
		cp_log(CP_LOG_INFO, "resolved %s %s: %s upstream=%u chased=%u ms=%llu%s%s%s%s%s", qn,
		       ty, bolt_rcode_to_text(r->rcode), r->budget->upstream, r->budget->ns_chase,
		       (unsigned long long)(uv_now(r->cp->loop) - r->started_ms),
		       r->budget->limit_hit ? " (work limit)" : "", r->ede_text[0] ? ": " : "",
		       r->ede_text, r->sec != BOLT_SEC_UNCHECKED ? " dnssec=" : "",
		       r->sec != BOLT_SEC_UNCHECKED ? bolt_sec_status_name(r->sec) : "");
	}
	res_done_cb cb = r->cb;
	void *arg = r->arg;
	cb(r, arg);
	res_free(r);
}

/* ---- DNSSEC validation of a finished top-level resolution ---- */

static void validate(struct res *r);
static void feed_referral_ds(struct res *r);
static struct res *res_new(struct cp *cp, const uint8_t *qname, uint16_t qtype,
                           uint16_t qclass, bool do_bit, struct res *parent);
static void step(struct res *r);

/* A DS or DNSKEY look-up of the validator ended: hand its records over. */
static void verdict(struct res *r, const struct dsec_verdict *vd);

/* The validator's look-ups in flight: a validation that needs one of them
 * waits for it rather than asking again (a cold cache and many questions
 * of one zone would otherwise send one DNSKEY query each). */
static struct res *fetches;

static struct res *fetch_find(const uint8_t *name, uint16_t type)
{
	for (struct res *c = fetches; c != NULL; c = c->fetch_next)
		if (c->qtype == type && bolt_name_equal(c->qname, name))
			return c;
	return NULL;
}

static void fetch_unlink(struct res *c)
{
	for (struct res **pp = &fetches; *pp != NULL; pp = &(*pp)->fetch_next)
		if (*pp == c) {
			*pp = c->fetch_next;
			return;
		}
}

/* Hand the look-up c over to the validation of r; goes on with it. */
static void fetch_deliver(struct res *r, struct res *c)
{
	/* A look-up that failed (servers unreachable, a work limit) proves
	 * nothing about the zone: this answer cannot be validated, and the
	 * key cache is left alone so that the next question tries again. */
	if (c->rcode != BOLT_RCODE_NOERROR && c->rcode != BOLT_RCODE_NXDOMAIN) {
		char qn[300], ty[16];
		name_text(c->qname, qn, sizeof(qn));
		bolt_type_to_text(c->qtype, ty, sizeof(ty));
		struct dsec_verdict vd = { .status = BOLT_SEC_BOGUS,
		                           .ede = c->ede != BOLT_EDE_NONE ? c->ede : 9 };
		snprintf(vd.text, sizeof(vd.text), "%.40s %.10s not found: %.30s", qn, ty,
		         c->ede_text[0] ? c->ede_text : bolt_rcode_to_text(c->rcode));
		verdict(r, &vd);
		finish_now(r);
		return;
	}
	if (c->q_server.family != 0)
		/* the validator looks up DNSKEY and DS sets only */
		retry_note_source(r, c->zone, &c->q_server, c->ans_tcp, dsec_zone_key(c->qname));
	if (dsec_feed(r->val, c->qname, c->qtype, c->rcode, c->negative, &c->answer, &c->sigs,
	              &c->proof, c->zone) < 0) {
		r->sec = BOLT_SEC_BOGUS;
		r->sec_ede = BOLT_EDE_OTHER;
		snprintf(r->sec_text, sizeof(r->sec_text), "out of memory");
		finish_now(r);
		return;
	}
	validate(r);
}

static void fetch_done(struct res *c, void *arg)
{
	struct res *r = arg;
	r->child = NULL;
	fetch_unlink(c);
	struct res *w = c->waiters;
	c->waiters = NULL;
	/* Each may end (and be freed) or start look-ups of its own. */
	fetch_deliver(r, c);
	while (w != NULL) {
		struct res *next = w->wait_next;
		w->wait_next = NULL;
		fetch_deliver(w, c);
		w = next;
	}
}

static void verdict(struct res *r, const struct dsec_verdict *vd)
{
	dsec_count(vd);
	if (vd->status != BOLT_SEC_BOGUS) {
		r->sec = vd->status;
		r->sec_ttl = vd->status == BOLT_SEC_SECURE ? vd->ttl : 0;
		return;
	}
	if (cp_log_enabled(CP_LOG_NOTICE)) {
		char qn[1024], ty[16];
		name_text(r->qname, qn, sizeof(qn));
		bolt_type_to_text(r->qtype, ty, sizeof(ty));
		cp_log(CP_LOG_NOTICE, "DNSSEC: %s %s is bogus (EDE %u): %s%s", qn, ty, vd->ede,
		       vd->text, r->cp->cfg->permissive ? " (permissive: answered as insecure)" : "");
	}
	/* permissive = yes: the data as if unsigned, never a SERVFAIL. */
	if (r->cp->cfg->permissive) {
		r->sec = BOLT_SEC_INSECURE;
		return;
	}
	r->sec = BOLT_SEC_BOGUS;
	r->sec_ede = vd->ede;
	snprintf(r->sec_text, sizeof(r->sec_text), "%s", vd->text);
}

/* Run the validator; resolve what it asks for (sub-resolutions with DO=1
 * sharing the question's limits) until it has a verdict. Ends with
 * finish_now() or a fetch whose end calls this again. */
static void validate(struct res *r)
{
	struct cp *cp = r->cp;
	struct dsec_input in = {
		.qname = r->qname,
		.qtype = r->qtype,
		.cur = r->cur,
		.rcode = r->rcode,
		.negative = r->negative,
		.answer = &r->answer,
		.sigs = &r->sigs,
		.proof = &r->proof,
		.seg = r->seg,
		.nseg = r->nseg,
		.zone = rz_denial_zone(r),
	};
	struct dsec_fetch f;
	struct dsec_verdict vd;
	if (dsec_run(r->val, &in, &f, &vd) == DSEC_FETCH) {
		struct res *c = fetch_find(f.name, f.type);
		if (c != NULL) {
			r->wait_next = c->waiters;
			c->waiters = r;
			return;
		}
		const char *why = NULL;
		if (uv_now(cp->loop) >= r->budget->deadline_ms)
			why = "deadline";
		else if (r->budget->upstream >= cp->cfg->max_upstream)
			why = "max-upstream-queries";
		c = why == NULL ? res_new(cp, f.name, f.type, BOLT_CLASS_IN, false, r) : NULL;
		if (c != NULL) {
			c->want_do = true;
			c->validated = true;
			/* The zone cuts are known from the answer's resolution: the
			 * full name to the closest one, not ten minimised ones. */
			c->qmin_off = true;
			dsec_counters.fetches++;
			c->cb = fetch_done;
			c->arg = r;
			r->child = c;
			c->fetch_next = fetches;
			fetches = c;
			if (cp_log_enabled(CP_LOG_DEBUG)) {
				char qn[1024], ty[16];
				name_text(f.name, qn, sizeof(qn));
				bolt_type_to_text(f.type, ty, sizeof(ty));
				cp_log(CP_LOG_DEBUG, "DNSSEC: looking up %s %s", qn, ty);
			}
			step(c);
			return;
		}
		vd.status = BOLT_SEC_BOGUS;
		vd.ede = BOLT_EDE_OTHER;
		vd.key_zone = 0;
		snprintf(vd.text, sizeof(vd.text), "validation stopped: %s",
		         why != NULL ? why : "out of memory");
	} else if (vd.status == BOLT_SEC_BOGUS && retry_keys(r, &vd)) {
		/* resretry.c: the same records with the keys fetched again */
		feed_referral_ds(r);
		validate(r);
		return;
	} else if (vd.status == BOLT_SEC_BOGUS && retry_after_bogus(r, &vd)) {
		/* resretry.c: the question again, other servers or TCP */
		step(r);
		return;
	}
	verdict(r, &vd);
	finish_now(r);
}


/* The DS RRsets the referrals brought (RFC 4035 3.1.4) go to the
 * validator as if it had asked for them: one DS look-up less per cut. */
static void feed_referral_ds(struct res *r)
{
	for (unsigned i = 0; i < r->refds.n; i++) {
		const struct orr *o = &r->refds.v[i];
		if (o->type != BOLT_TYPE_DS || o->owner[0] == 0)
			continue;
		/* Every list is searched by owner: the whole list each time. */
		(void)dsec_feed(r->val, o->owner, BOLT_TYPE_DS, BOLT_RCODE_NOERROR, false, &r->refds,
		                &r->refds, NULL, o->owner + 1 + o->owner[0]);
	}
}

/* The end of a resolution: a top-level answer is validated first. */
static void finish(struct res *r)
{
	bool answered = r->rcode == BOLT_RCODE_NOERROR || r->rcode == BOLT_RCODE_NXDOMAIN;
	if (r->parent == NULL && !r->validated && answered) {
		r->validated = true;
		if (!r->want_do || dsec_nta(r->qname)) {
			r->sec = dsec_off_status(r->qname);
		} else if ((r->val = dsec_new(r->cp->cfg)) != NULL) {
			/* Done with the zone's servers: its slot is free for
			 * another question while the validator looks up keys. */
			if (r->zone_held)
				lim_zone_leave(r->zone);
			r->zone_held = false;
			feed_referral_ds(r);
			validate(r);
			return;
		} else {
			r->sec = BOLT_SEC_BOGUS;
			r->sec_ede = BOLT_EDE_OTHER;
			snprintf(r->sec_text, sizeof(r->sec_text), "out of memory");
		}
	}
	finish_now(r);
}

/* End with SERVFAIL for reason ede, explained by the printf-style text. */
static void fail(struct res *r, uint16_t ede, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct res *r, uint16_t ede, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->ede_text, sizeof(r->ede_text), fmt, ap);
	va_end(ap);
	r->ede = ede;
	if (cp_log_enabled(CP_LOG_DEBUG)) {
		char qn[1024];
		name_text(r->cur, qn, sizeof(qn));
		cp_log(CP_LOG_DEBUG, "SERVFAIL for %s (depth %u): %s", qn, r->depth, r->ede_text);
	}
	r->rcode = BOLT_RCODE_SERVFAIL;
	r->negative = false;
	orr_list_free(&r->answer);
	orr_list_free(&r->authority);
	orr_list_free(&r->sigs);
	orr_list_free(&r->proof);
	finish(r);
}

/* A response policy on a cut's servers answers the question (policy.c,
 * from res_policy_hit): a SERVFAIL that keeps the CNAMEs followed so far,
 * which the policy's answer keeps too. */
static void stop_by_policy(struct res *r)
{
	r->rcode = BOLT_RCODE_SERVFAIL;
	r->negative = false;
	r->ede = BOLT_EDE_OTHER;
	snprintf(r->ede_text, sizeof(r->ede_text), "stopped by a response policy");
	orr_list_free(&r->authority);
	orr_list_free(&r->proof);
	finish(r);
}

static void limit(struct res *r, const char *why)
{
	if (!r->budget->limit_hit) {
		r->budget->limit_hit = true;
		r->cp->ctr.limit_hits++;
	}
	fail(r, BOLT_EDE_OTHER, "work limit reached: %s", why);
}

static void step(struct res *r);

static void prime_woken(void *arg)
{
	step(arg);
}

/* Returns true when r must wait for root priming (step() follows then). */
static bool find_cut(struct res *r)
{
	struct cp *cp = r->cp;
	uint32_t now = now_s();
	struct infra_nsset ns;
	int labels = bolt_name_labels(r->cur);
	/* DS lives on the parent side of the cut (RFC 4035 section 3.1.4.1). */
	if (r->qtype == BOLT_TYPE_DS && labels > 0)
		labels--;
	if (r->above >= 0 && labels >= r->above)
		labels = r->above - 1;
	r->above = -1;
	/* A forward or stub zone comes before the delegations at and above it. */
	int floor;
	const struct zone *z = rz_match(r, labels, &floor);
	for (int l = labels; l >= 1 && l > floor; l--) {
		const uint8_t *suffix = name_suffix(r->cur, l);
		if (infra_ns_get(cp->infra, suffix, now, &ns) == 0 && ns.n > 0) {
			cut_set(r, suffix, &ns);
			return false;
		}
	}
	if (z != NULL) {
		rz_set_cut(r, z);
		return false;
	}
	static const uint8_t root[1] = { 0 };
	if (infra_ns_get(cp->infra, root, now, &ns) == 0 && ns.n > 0) {
		cut_set(r, root, &ns);
		return false;
	}
	/* Not primed (or expired): wait for the root's own NS set (RFC 8109);
	 * if priming keeps failing, the hints seed this resolution. */
	prime_start(cp);
	r->prime_w.cb = prime_woken;
	r->prime_w.arg = r;
	if (prime_wait(&r->prime_w) == 0)
		return true;
	memset(&ns, 0, sizeof(ns));
	for (unsigned i = 0; i < cp->hints.n && ns.n < INFRA_NS_MAX; i++) {
		memcpy(ns.name[ns.n], cp->hints.s[i].name, cp->hints.s[i].name_len);
		ns.len[ns.n] = cp->hints.s[i].name_len;
		ns.n++;
	}
	cut_set(r, root, &ns);
	return false;
}

static uint32_t rand32(void)
{
	uint32_t v = 0;
	if (upq_random(&v, sizeof(v)) < 0)
		v = (uint32_t)uv_hrtime();
	return v;
}

/* ---- sub-resolutions of NS names without (usable) addresses ---- */

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
	uint16_t want = c->qtype;
	if (c->rcode == BOLT_RCODE_NOERROR) {
		for (unsigned i = 0; i < c->answer.n && n < INFRA_ADDR_MAX; i++) {
			const struct orr *o = &c->answer.v[i];
			if (o->type != want || o->rdlen != (want == BOLT_TYPE_A ? 4 : 16))
				continue;
			memset(&a[n], 0, sizeof(a[n]));
			a[n].family = want == BOLT_TYPE_A ? AF_INET : AF_INET6;
			a[n].port = cp->upstream_port;
			memcpy(a[n].addr, o->rdata, o->rdlen);
			n++;
			if (o->ttl < ttl)
				ttl = o->ttl;
		}
	}
	if (n == 0) {
		/* NODATA/NXDOMAIN are remembered as the zone says, failures briefly. */
		ttl = c->negative && c->neg_ttl > ADDR_FAIL_TTL ? c->neg_ttl : ADDR_FAIL_TTL;
		if (c->rcode == BOLT_RCODE_SERVFAIL && c->ede != BOLT_EDE_NONE) {
			r->child_ede = c->ede;
			memcpy(r->child_text, c->ede_text, sizeof(r->child_text));
		}
	}
	if (ttl > cp->cfg->max_ttl)
		ttl = cp->cfg->max_ttl;
	infra_addr_put(cp->infra, c->qname, want == BOLT_TYPE_A ? INFRA_SRC_A : INFRA_SRC_AAAA, a, n,
	               now_s(), ttl);
	for (unsigned j = 0; j < n && r->ncut_addr < CUT_ADDR_MAX; j++)
		r->cut_addr[r->ncut_addr++] = a[j];
	step(r);
}

/* Start looking up NS name i for qtype. 1: r now waits for it; 0: not
 * possible (depth, cycle); negative: limit or ENOMEM. */
static int chase(struct res *r, unsigned i, uint16_t qtype)
{
	struct cp *cp = r->cp;
	r->ns_chased[i] |= qtype == BOLT_TYPE_A ? CHASED_A : CHASED_AAAA;
	if (r->depth + 1 > cp->cfg->max_depth || deleg_in_chain(r, r->ns.name[i]))
		return 0;
	if (r->budget->ns_chase >= cp->cfg->max_ns_chase)
		return BOLT_ELIMIT;
	r->budget->ns_chase++;
	cp->ctr.sub_resolutions++;
	struct res *c = res_new(cp, r->ns.name[i], qtype, BOLT_CLASS_IN, false, r);
	if (c == NULL)
		return -ENOMEM;
	c->cb = child_done;
	c->arg = r;
	r->child = c;
	r->child_idx = i;
	r->child_type = qtype;
	return 1;
}

/* ---- asking a server ---- */

static void on_answer(void *arg, int status, const uint8_t *pkt, size_t len, uint32_t rtt_ms,
                      bool tcp);

static void send_query(struct res *r, const struct sel_choice *ch)
{
	struct cp *cp = r->cp;
	int cl = bolt_name_labels(r->cur);
	r->q_minimised = r->mlabels < cl;
	if (r->q_minimised) {
		name_copy(r->q_name, name_suffix(r->cur, r->mlabels));
		/* RFC 9156 section 2.3: A for the intermediate names. */
		r->q_type = BOLT_TYPE_A;
	} else {
		name_copy(r->q_name, r->cur);
		r->q_type = r->qtype;
	}
	r->q_edns = ch->edns;
	r->q_server = ch->a;
	sel_sent(&r->sel, &ch->a);
	rz_note_sent(r);
	r->budget->upstream++;

	struct upq_params p = {
		.server = &ch->a,
		.source = NULL,
		.qname = r->q_name,
		.qtype = r->q_type,
		.qclass = r->qclass,
		.edns = r->q_edns,
		.edns_size = (uint16_t)cp->cfg->edns_size,
		.timeout_ms = cp->cfg->timeout_ms,
		.dnssec_ok = r->want_do,
		/* after a bogus answer from every server of the cut (resretry.c),
		 * or a [zone] with tcp = yes */
		.tcp_only = r->cut_tcp || rz_tcp(r),
		.rd = rz_forwarding(r),
		.zone = r->zone,
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
		char qn[1024], ty[16], ip[64], zn[1024];
		name_text(r->q_name, qn, sizeof(qn));
		bolt_type_to_text(r->q_type, ty, sizeof(ty));
		inet_ntop(ch->a.family, ch->a.addr, ip, sizeof(ip));
		name_text(r->zone, zn, sizeof(zn));
		cp_log(CP_LOG_DEBUG, "query %s %s to %s (zone %s%s)", qn, ty, ip, zn,
		       r->q_edns ? "" : ", no EDNS");
	}
	if (cp->offline) {
		fail(r, BOLT_EDE_NETWORK_ERROR, "offline");
		return;
	}
	int err = 0;
	r->q = upq_send(cp->loop, &p, on_answer, r, &err);
	if (r->q == NULL) {
		sel_report(&r->sel, cp->infra, &ch->a, ch->edns, r->q_type, SEL_NET_ERROR, 0, now_s());
		step(r);
	} else {
		lim_server_sent(&ch->a); /* out of memory: not counted, no harm */
	}
}

/* No server of the cut can be asked: fail with the reason the tries gave
 * (or, when nothing was tried, the reason an NS look-up failed). */
static void fail_no_server(struct res *r)
{
	char zn[300], text[sizeof(r->ede_text)];
	name_text(r->zone, zn, sizeof(zn));
	uint16_t ede = sel_reason(&r->sel, r->last_rcode, zn, text, sizeof(text));
	guard_no_server(r, ede);
	if (ede == BOLT_EDE_NONE && r->child_ede != BOLT_EDE_NONE)
		fail(r, r->child_ede, "%s", r->child_text);
	else if (ede == BOLT_EDE_NONE)
		fail(r, BOLT_EDE_NO_REACHABLE_AUTHORITY, "no usable address for the servers of %s", zn);
	else
		fail(r, ede, "%s", text);
}

static void step(struct res *r)
{
	struct cp *cp = r->cp;
	if (uv_now(cp->loop) >= r->budget->deadline_ms) {
		limit(r, "deadline");
		return;
	}
	if (rz_stale(r))
		r->have_cut = false;  /* its [zone] was reloaded: find the cut again */
	if (!r->have_cut && find_cut(r))
		return;
	/* Response policy on the cut's servers (RPZ NSDNAME, NSIP): nothing
	 * more is asked, the policy's answer replaces this one (policy.c). */
	if (respol_check(r)) {
		stop_by_policy(r);
		return;
	}
	/* Every server of the cut is down: fail at once (one probe at a time). */
	char why[sizeof(r->ede_text)];
	if (guard_zone_down(r, why, sizeof(why))) {
		fail(r, BOLT_EDE_NO_REACHABLE_AUTHORITY, "%s", why);
		return;
	}
	/* A new question for a zone with max-inflight-per-zone resolutions in
	 * flight fails now rather than queue behind a flood of it. */
	if (!r->zone_held && rz_zone_limits(r) &&
	    !(r->zone_held = lim_zone_enter(r->zone, cp->cfg->max_inflight_zone))) {
		char zn[300];
		name_text(r->zone, zn, sizeof(zn));
		/* not published to the dataplane (throttle): a burst of a
		 * cold cache passes this limit for a moment, and a blackout of
		 * the zone for seconds would punish it (rel-spoof) */
		fail(r, BOLT_EDE_OTHER, "too many questions in flight for %s", zn);
		return;
	}
	struct infra_addr cand[CAND_MAX];
	unsigned nc = cut_candidates(r, cand, CAND_MAX);
	struct sel_choice ch;
	if (sel_choose(&r->sel, cp->infra, cp->cfg, cand, nc, now_s(), rand32(), &ch) == 0) {
		if (r->budget->upstream >= cp->cfg->max_upstream) {
			limit(r, "max-upstream-queries");
			return;
		}
		/* A zone answering NXDOMAIN faster than zone-nxdomain-rate (a
		 * random-subdomain flood whose servers answer at once) gets no
		 * more queries for a while. */
		if (rz_zone_limits(r) &&
		    !zrate_allow(r->zone, cp->cfg->zone_nxdomain_rate, uv_now(cp->loop))) {
			char zn[300];
			name_text(r->zone, zn, sizeof(zn));
			guard_throttle(r);
			fail(r, BOLT_EDE_OTHER, "zone-nxdomain-rate reached for %s", zn);
			return;
		}
		send_query(r, &ch);
		return;
	}
	uint16_t qtype;
	int i;
	while ((i = deleg_pick_chase(r, &qtype)) >= 0) {
		int ret = chase(r, (unsigned)i, qtype);
		if (ret == 0)
			continue;
		if (ret == BOLT_ELIMIT) {
			limit(r, "max-ns-chase");
			return;
		}
		if (ret < 0) {
			fail(r, BOLT_EDE_OTHER, "out of memory");
			return;
		}
		step(r->child);
		return;
	}
	/* No server of a [zone] can be asked: there is no parent to ask again
	 * (forward-first: resolve without the zone). */
	if (r->zc != NULL) {
		if (rz_fallback(r))
			step(r);
		else
			fail_no_server(r);
		return;
	}
	/* Every address of the cut's servers expired or failed (glue shorter
	 * lived than the NS set, renumbered servers): ask the parent once for a
	 * fresh referral, with fresh glue. Not when servers did answer: their
	 * bad answers to this question say nothing about their addresses. */
	if (!cut_is_root(r) && !sel_answered(&r->sel) && r->sel.busy == 0 &&
	    !(r->refetched && bolt_name_equal(r->refetch_zone, r->zone))) {
		r->refetched = true;
		name_copy(r->refetch_zone, r->zone);
		r->above = bolt_name_labels(r->zone);
		r->have_cut = false;
		if (cp_log_enabled(CP_LOG_DEBUG)) {
			char zn[300];
			name_text(r->zone, zn, sizeof(zn));
			cp_log(CP_LOG_DEBUG, "no usable server for %s: asking its parent again", zn);
		}
		step(r);
		return;
	}
	fail_no_server(r);
}

/* ---- using an answer ---- */

/* Handle a checked, scrubbed response. Ends with step() or finish(). */
static void use_answer(struct res *r, const struct bolt_msg *m, const bool *keep, uint32_t rtt_ms)
{
	struct cp *cp = r->cp;
	struct ans_query aq = {
		.zone = rz_bailiwick(r),
		.asked = r->q_name,
		.asked_type = r->q_type,
		.qname = r->qname,
		.cur = r->cur,
		.qtype = r->qtype,
		.minimised = r->q_minimised,
		.max_cname = cp->cfg->max_cname,
		.recursive = rz_forwarding(r),
	};
	struct ans_result res;
	res.ncname = r->ncname;
	unsigned first = r->answer.n;
	if (ans_classify(m, keep, &aq, &r->answer, &res) < 0) {
		fail(r, BOLT_EDE_OTHER, "out of memory");
		return;
	}
	r->ncname = res.ncname;

	switch (res.kind) {
	case ANS_REFERRAL: {
		struct infra_nsset ns;
		if (rz_forwarding(r)) {
			/* not a recursive server: a bad answer of that forwarder */
			res_report(r, SEL_LAME, rtt_ms);
			step(r);
			return;
		}
		if (r->want_do && r->parent == NULL && deleg_keep_ds(r, m, keep, res.ref) < 0) {
			fail(r, BOLT_EDE_OTHER, "out of memory");
			return;
		}
		deleg_learn(r, m, keep, res.ref, &ns, rtt_ms);
		if (ns.n == 0)
			res_report(r, SEL_LAME, rtt_ms);
		step(r);
		return;
	}
	case ANS_LAME:
		if (r->q_minimised) {
			/* An empty non-authoritative answer to a minimised name: some
			 * servers mishandle empty non-terminals; ask the full name. */
			res_report(r, SEL_QMIN_ERROR, rtt_ms);
			cut_qmin_fallback(r);
		} else {
			res_report(r, SEL_LAME, rtt_ms);
		}
		step(r);
		return;
	case ANS_LOOP:
		res_report(r, SEL_OK, rtt_ms);
		fail(r, BOLT_EDE_OTHER, "CNAME loop");
		return;
	case ANS_TOO_LONG:
		res_report(r, SEL_OK, rtt_ms);
		limit(r, "max-cname");
		return;
	default:
		break;
	}
	res_report(r, SEL_OK, rtt_ms);
	if (res.kind == ANS_NXDOMAIN)
		zrate_note_nxdomain(r->zone, cp->cfg->zone_nxdomain_rate, uv_now(cp->loop));
	if (r->q_minimised) {
		if (res.kind == ANS_NXDOMAIN)
			/* RFC 8020 says nothing exists below; ask the full name once so
			 * the cached answer carries the server's own SOA. */
			r->mlabels = bolt_name_labels(r->cur);
		else
			/* The name exists (or is an empty non-terminal) and is no cut. */
			r->mlabels = cut_qmin_next(r, r->mlabels);
		step(r);
		return;
	}
	/* What the validator reads: this response's RRSIGs and denial records,
	 * and which zone's servers sent the records just added. */
	if (r->want_do) {
		retry_note_source(r, r->zone, &r->q_server, r->ans_tcp,
		                  r->cb == fetch_done ? dsec_zone_key(r->qname) : 0);
		if (dsec_collect(m, keep, &r->sigs, &r->proof) < 0) {
			fail(r, BOLT_EDE_OTHER, "out of memory");
			return;
		}
		if (r->answer.n > first && r->nseg < DSEC_SEG_MAX) {
			r->seg[r->nseg].start = first;
			name_copy(r->seg[r->nseg].zone, rz_val_zone(r, &r->answer, first));
			r->nseg++;
		}
	}
	switch (res.kind) {
	case ANS_DATA:
		r->rcode = BOLT_RCODE_NOERROR;
		finish(r);
		return;
	case ANS_CNAME:
		/* Resolve the target afresh from its own closest cut. */
		name_copy(r->cur, res.next);
		r->have_cut = false;
		r->refetched = false;
		step(r);
		return;
	default: /* ANS_NXDOMAIN, ANS_NODATA */
		name_copy(r->cur, res.next);
		r->rcode = res.kind == ANS_NXDOMAIN ? BOLT_RCODE_NXDOMAIN : BOLT_RCODE_NOERROR;
		r->negative = true;
		if (ans_negative(m, keep, cp->cfg->max_negative_ttl, &r->authority, &r->neg_ttl) < 0) {
			fail(r, BOLT_EDE_OTHER, "out of memory");
			return;
		}
		finish(r);
		return;
	}
}

static bool edns_complaint(uint16_t rcode)
{
	return rcode == BOLT_RCODE_FORMERR || rcode == BOLT_RCODE_NOTIMP ||
	       rcode == BOLT_RCODE_BADVERS;
}

static void on_answer(void *arg, int status, const uint8_t *pkt, size_t len, uint32_t rtt_ms,
                      bool tcp)
{
	struct res *r = arg;
	struct cp *cp = r->cp;
	r->q = NULL;
	lim_server_done(&r->q_server);
	r->ans_tcp = tcp;

	if (status < 0) {
		res_report(r, status == BOLT_ETIMEOUT ? SEL_TIMEOUT : SEL_NET_ERROR, 0);
		/* RFC 9156 section 2.3: a minimised query timing out may be a
		 * server choking on it; the full name goes next. */
		if (r->q_minimised && status == BOLT_ETIMEOUT)
			cut_qmin_fallback(r);
		step(r);
		return;
	}
	guard_answered(r);

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
		fail(r, BOLT_EDE_OTHER, "out of memory");
		return;
	}
	int ret = bolt_msg_parse(pkt, len, &m, rrs, max_rrs, scratch, 2 * len + 16);
	uint16_t rcode = ret == 0 ? (uint16_t)(BOLT_RCODE(m.flags) | (m.ext_rcode << 4)) : 0;

	if (ret < 0) {
		res_report(r, SEL_MALFORMED, rtt_ms);
	} else if (r->q_edns && edns_complaint(rcode)) {
		/* Maybe EDNS it does not like: this server again without (select.c
		 * learns it server-wide only once that works). */
		res_report(r, SEL_EDNS_FAIL, rtt_ms);
	} else if (rcode != BOLT_RCODE_NOERROR && rcode != BOLT_RCODE_NXDOMAIN) {
		/* A bad answer to this question only: the next server. */
		r->last_rcode = (uint8_t)(rcode & 0xf);
		if (r->q_minimised) {
			res_report(r, SEL_QMIN_ERROR, rtt_ms);
			cut_qmin_fallback(r);
		} else {
			res_report(r, SEL_BAD_RCODE, rtt_ms);
		}
	} else {
		ans_fix_ttls(&m);
		unsigned dropped = scrub_response(&m, rz_bailiwick(r), r->q_name, r->q_type, keep);
		if (r->want_do)
			dropped -= scrub_dnssec(&m, rz_bailiwick(r), keep);
		cp->ctr.scrubbed += dropped;
		use_answer(r, &m, keep, rtt_ms);
		free(rrs);
		free(scratch);
		free(keep);
		return;
	}
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
	r->above = -1;
	r->ede = BOLT_EDE_NONE;
	r->child_ede = BOLT_EDE_NONE;
	/* A client's question under a trust anchor is validated (sub-resolutions
	 * of NS addresses are not; the validator's own look-ups set it). */
	r->want_do = parent == NULL && dsec_wanted(r->qname);
	r->zgen_start = zones_generation();
	return r;
}

/* Types only a zone's own servers or a cache can answer (zone transfers,
 * obsolete mail meta types): never sent upstream as asked. */
static bool never_upstream(uint16_t qtype)
{
	return qtype == BOLT_TYPE_AXFR || qtype == BOLT_TYPE_IXFR || qtype == 253 || qtype == 254;
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
	if (never_upstream(qtype)) {
		r->rcode = BOLT_RCODE_NOTIMP;
		r->ede = BOLT_EDE_NOT_SUPPORTED;
		snprintf(r->ede_text, sizeof(r->ede_text), "zone transfers are not served");
		finish(r);
		return 0;
	}
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
	uint8_t z[BOLT_NAME_MAX];
	name_copy(z, zone);
	bolt_name_lower(z, (size_t)nlen(z));
	rz_inject_cut(r, z);
	/* Ask the full name: the response answers the question as given. */
	r->mlabels = bolt_name_labels(r->cur);
	r->q_minimised = false;
	name_copy(r->q_name, r->cur);
	r->q_type = qtype;
	r->q_edns = true;
	r->q_server = *server;
	sel_sent(&r->sel, server);
	r->budget->upstream++;
	on_answer(r, 0, pkt, len, 1, false);
	return 0;
}

