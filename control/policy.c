/*
 * Response policy zones applied to what the control plane serves (see
 * policy.h). The zones and their matching live in control/rpz/, the
 * message a hit answers with in policy_answer.c; this file decides when a
 * policy applies, caches and answers it, logs, counts and flushes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "boltdns/answer.h"
#include "boltdns/wire_ctx.h"
#include "ctl.h"
#include "iter/resolve.h"
#include "iter/respolicy.h"
#include "log.h"
#include "policy.h"
#include "policy_answer.h"
#include "respond.h"
#include "rpz.h"
#include "tap_policy.h"

struct pzone {
	struct policy_zone_cfg cfg;
	struct rpz_zone *z;
	struct timespec mtime;   /* of the file loaded */
	off_t size;
};

struct policy {
	struct pzone zone[POLICY_ZONES_MAX];
	unsigned n;
};

/* Relative TTL offsets of a followed CNAME's answer (chain_done): the
 * process is single-threaded. */
static uint16_t pol_rel[BOLT_BUILD_TTL_MAX];

/* ---- matching ---- */

static bool match_qname(const struct policy *pol, const uint8_t *name, struct rpz_hit *h)
{
	for (unsigned i = 0; pol != NULL && i < pol->n; i++)
		if (rpz_zone_match_qname(pol->zone[i].z, name, h))
			return true;
	return false;
}

/* Calls cb for each A/AAAA address among the first an records of
 * rr[0..len); stops when cb returns true (and returns true). */
typedef bool (*addr_cb)(int family, const uint8_t *addr, void *arg);
static bool each_addr(const uint8_t *rr, size_t len, unsigned an, addr_cb cb, void *arg)
{
	size_t pos = 0;
	for (unsigned i = 0; i < an; i++) {
		if (!bolt_name_skip(rr, len, &pos) || pos + 10 > len)
			return false;
		uint16_t type = bolt_wire_get_u16(rr + pos);
		uint16_t rdlen = bolt_wire_get_u16(rr + pos + 8);
		pos += 10;
		if (pos + rdlen > len)
			return false;
		if (type == BOLT_TYPE_A && rdlen == 4 && cb(AF_INET, rr + pos, arg))
			return true;
		if (type == BOLT_TYPE_AAAA && rdlen == 16 && cb(AF_INET6, rr + pos, arg))
			return true;
		pos += rdlen;
	}
	return false;
}

struct ip_match {
	const struct policy *pol;
	struct rpz_hit hit;
	uint8_t addr[16];        /* the address that matched (dnstap) */
	uint8_t alen;
	unsigned best;           /* zone index of the best hit so far */
	bool found;
};

/* First zone in order wins; within it, the first address that matches. */
static bool ip_cb(int family, const uint8_t *addr, void *arg)
{
	struct ip_match *m = arg;
	for (unsigned i = 0; i < m->pol->n && i < m->best; i++) {
		struct rpz_hit h;
		if (rpz_zone_match_addr(m->pol->zone[i].z, RPZ_TRIG_IP, family, addr, &h)) {
			m->hit = h;
			m->alen = family == AF_INET ? 4 : 16;
			memcpy(m->addr, addr, m->alen);
			m->best = i;
			m->found = true;
			break;
		}
	}
	return m->found && m->best == 0;
}

static bool any_ip_triggers(const struct policy *pol)
{
	for (unsigned i = 0; i < pol->n; i++)
		if (rpz_zone_has(pol->zone[i].z, RPZ_TRIG_IP))
			return true;
	return false;
}

/* ---- counting and logging ---- */

static void count(struct cp *cp, const struct rpz_hit *h)
{
	switch (h->trigger) {
	case RPZ_TRIG_IP: cp->ctr.rpz_ip_hits++; break;
	case RPZ_TRIG_NSDNAME:
	case RPZ_TRIG_NSDNAME_WILD: cp->ctr.rpz_nsdname_hits++; break;
	case RPZ_TRIG_NSIP: cp->ctr.rpz_nsip_hits++; break;
	default: cp->ctr.rpz_qname_hits++; break;
	}
	switch (h->action) {
	case RPZ_ACT_NXDOMAIN: cp->ctr.rpz_nxdomain++; break;
	case RPZ_ACT_NODATA: cp->ctr.rpz_nodata++; break;
	case RPZ_ACT_PASSTHRU: cp->ctr.rpz_passthru++; break;
	case RPZ_ACT_DROP: cp->ctr.rpz_drop++; break;
	case RPZ_ACT_TCP_ONLY: cp->ctr.rpz_tcp_only++; break;
	case RPZ_ACT_LOCAL: cp->ctr.rpz_local_data++; break;
	default: break;
	}
}

static void log_hit(const struct rpz_hit *h, const struct pkey *key, const struct waiter *w)
{
	if (!rpz_zone_log(h->zone) && !cp_log_enabled(CP_LOG_INFO))
		return;
	char name[1024], trig[300], type[24], client[INET6_ADDRSTRLEN + 8] = "-";
	if (bolt_name_to_text(key->name, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "?");
	if (rpz_rule_text(h->zone, h->rule, trig, sizeof(trig)) < 0)
		snprintf(trig, sizeof(trig), "?");
	bolt_type_to_text(key->qtype, type, sizeof(type));
	if (w != NULL && (w->client.family == AF_INET || w->client.family == AF_INET6))
		inet_ntop(w->client.family, w->client.client_addr, client, sizeof(client));
	cp_log(rpz_zone_log(h->zone) ? CP_LOG_NOTICE : CP_LOG_INFO,
	       "rpz: zone %s: %s %s from %s: %s (%s trigger %s)", rpz_zone_name(h->zone), name, type,
	       w == NULL ? "refresh" : client, rpz_action_name(h->action),
	       rpz_trigger_name(h->trigger), trig);
}

/* ---- answers (the message: policy_answer.c) ---- */

static int build(const struct rpz_hit *h, const struct pkey *key, uint32_t now,
                 struct bolt_cache_out *out)
{
	return policy_answer_build(h, key, now, NULL, 0, NULL, out);
}

static void insert(struct cp *cp, const struct pkey *key, const struct bolt_cache_out *out)
{
	if (cp->region == NULL)
		return;
	struct bolt_cache_key k;
	respond_cache_key(cp, key, &k);
	if (bolt_cache_insert(cp->region->cache, &k, &out->val, out->ttl_off, out->sections) == 0)
		cp->ctr.cache_inserts++;
	else
		cp->ctr.cache_errors++;
}

/* ---- a local CNAME followed (a walled garden), as Unbound does ---- */

/* The CNAME answer waits for its target's resolution. */
#define CHAIN_MSG_MAX 1024
struct pchain {
	struct cp *cp;
	struct pend *p;
	uint32_t ttl;          /* the CNAME's */
	uint16_t ede;          /* the zone's (the zone may be reloaded meanwhile) */
	size_t len;
	uint8_t msg[CHAIN_MSG_MAX]; /* the CNAME answer, no EDE */
	struct tap_policy tp;  /* dnstap: the policy, for the answers */
};

static uint8_t ext_buf[BOLT_MSG_MAX];
static uint8_t full_buf[BOLT_MSG_MAX];
static struct bolt_local_answer *chain_la;   /* one, allocated at first use */

static void chain_done(struct res *r, void *arg)
{
	struct pchain *j = arg;
	struct cp *cp = j->cp;
	struct pend *p = j->p;
	pend_remove(&cp->pend, p);
	struct bolt_build b, b2;
	uint32_t ttl = 0;
	uint8_t kind = BOLT_CACHE_SERVFAIL;
	int len = res_build_response(r, ext_buf, sizeof(ext_buf), &b, &ttl, &kind);
	int full = -1;
	if (len >= 0 && kind != BOLT_CACHE_SERVFAIL &&
	    (chain_la != NULL || (chain_la = malloc(sizeof(*chain_la))) != NULL)) {
		chain_la->len = j->len;
		memcpy(chain_la->msg, j->msg, j->len);
		full = bolt_local_complete(chain_la, ext_buf, (size_t)len, full_buf,
		                           sizeof(full_buf) - BOLT_EDE_HDR_LEN, &b2);
	}
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	if (full > 0) {
		/* The policy zone speaks for the name: AA, as Unbound sets it. */
		bolt_wire_put_u16(full_buf + 2, (uint16_t)(bolt_wire_get_u16(full_buf + 2) | BOLT_FLAG_AA));
		int n = j->ede != RPZ_EDE_NONE
		        ? bolt_answer_put_ede(full_buf + full, sizeof(full_buf) - (size_t)full, j->ede, NULL)
		        : 0;
		n = n > 0 ? n : 0;
		const uint8_t *sections = NULL;
		memset(&out, 0, sizeof(out));
		if (bolt_answer_to_cache_ede(full_buf, (size_t)(full + n), b2.ttl_off, b2.nttl, now,
		                             ttl < j->ttl ? ttl : j->ttl, kind, (uint8_t)n, &out.val,
		                             pol_rel, &sections) < 0) {
			full = -1;
		} else {
			out.val.policy = BOLT_CACHE_POLICY_QNAME;
			out.ttl_off = pol_rel;
			out.ttl_cap = BOLT_BUILD_TTL_MAX;
			out.sections = (uint8_t *)(uintptr_t)sections;
			out.cap = out.val.len;
			insert(cp, &p->key, &out);
		}
	}
	tap_policy_set(cp, &j->tp);
	for (struct waiter *w = p->waiters; w != NULL; w = w->next) {
		if (full > 0)
			respond_cached(cp, w, &out, now, false);
		else
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER,
			              "the policy's CNAME target did not resolve");
	}
	tap_policy_set(cp, NULL);
	pend_free(p);
	free(j);
}

/* Answer key (w: its client, NULL for a refresh) with h's CNAME and the
 * resolution of its target, coalesced with the same question. */
static void chain_start(struct cp *cp, const struct rpz_hit *h, const struct pkey *key,
                        const struct waiter *w)
{
	struct waiter held;
	memset(&held, 0, sizeof(held));
	if (w != NULL)
		held = waiter_copy(w);
	struct pend *p = pend_find(&cp->pend, key);
	if (p != NULL) {
		if (w != NULL && pend_join(&cp->pend, p, &held) < 0) {
			cp->ctr.overload++;
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "overloaded");
		} else if (w != NULL) {
			waiter_hold(w);
			cp->ctr.coalesced++;
		}
		return;
	}
	struct pchain *j = malloc(sizeof(*j));
	uint8_t target[BOLT_NAME_MAX];
	struct bolt_build b;
	uint8_t kind;
	int len = -1;
	if (j != NULL) {
		target[0] = 0xff;
		len = rpz_answer(h, key->name, key->qtype, j->msg, sizeof(j->msg), &b, &kind, &j->ttl,
		                 target);
	}
	p = len > 0 && target[0] != 0xff ? pend_add(&cp->pend, key) : NULL;
	if (p == NULL || (w != NULL && pend_join(&cp->pend, p, &held) < 0)) {
		if (p != NULL) {
			pend_remove(&cp->pend, p);
			pend_free(p);
		}
		free(j);
		cp->ctr.overload++;
		if (w != NULL)
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "overloaded");
		return;
	}
	if (w != NULL)
		waiter_hold(w);
	j->cp = cp;
	j->p = p;
	j->len = (size_t)len;
	j->ede = rpz_zone_ede(h->zone);
	tap_policy_fill(cp, &j->tp, h, key->name, key->name_len);
	p->ctx = j;
	p->prefetch = w == NULL;
	/* res_start may call chain_done (freeing p and j) before it returns. */
	if (res_start(cp, target, key->qtype, BOLT_CLASS_IN, key->do_bit, chain_done, j) < 0) {
		pend_remove(&cp->pend, p);
		for (struct waiter *x = p->waiters; x != NULL; x = x->next)
			respond_error(cp, x, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "out of memory");
		pend_free(p);
		free(j);
	}
}

bool policy_qname(struct cp *cp, const struct pkey *key, const struct waiter *w)
{
	struct rpz_hit h;
	if (cp->policy == NULL || key->qclass != BOLT_CLASS_IN ||
	    !match_qname(cp->policy, key->name, &h))
		return false;
	count(cp, &h);
	log_hit(&h, key, w);
	if (h.action == RPZ_ACT_PASSTHRU || h.action == RPZ_ACT_NONE)
		return false;
	if (h.action == RPZ_ACT_TCP_ONLY && w != NULL && w->stream)
		return false;
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	uint8_t target[BOLT_NAME_MAX];
	if (policy_answer_build(&h, key, now, NULL, 0, target, &out) < 0) {
		if (w != NULL)
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "policy answer");
		return true;
	}
	if (target[0] != 0xff) {
		/* A CNAME: the answer is complete once its target resolved. */
		chain_start(cp, &h, key, w);
		return true;
	}
	insert(cp, key, &out);
	struct tap_policy tp;
	tap_policy_fill(cp, &tp, &h, key->name, key->name_len);
	tap_policy_set(cp, &tp);
	if (w != NULL)
		respond_cached(cp, w, &out, now, false);
	tap_policy_set(cp, NULL);
	return true;
}

/* Index of zone z in pol, pol->n when it is not there (any more). */
static unsigned zone_index(const struct policy *pol, const struct rpz_zone *z)
{
	unsigned i = 0;
	while (i < pol->n && pol->zone[i].z != z)
		i++;
	return i;
}

bool policy_response(struct cp *cp, struct pend *p, const uint8_t *msg, size_t len,
                     const struct bolt_build *b, uint32_t ttl, uint8_t kind,
                     const struct res_pol *np)
{
	struct policy *pol = cp->policy;
	if (pol == NULL || pol->n == 0 || p->key.qclass != BOLT_CLASS_IN)
		return false;
	/* A name server's policy (respolicy.h) of a zone still in use. */
	const struct rpz_hit *ns = np != NULL ? &np->hit : NULL;
	unsigned ns_zone = ns != NULL ? zone_index(pol, ns->zone) : pol->n;
	if (ns_zone == pol->n)
		ns = NULL;
	if (kind == BOLT_CACHE_SERVFAIL && ns == NULL)
		return false;
	struct rpz_hit h;
	struct ip_match m = { .pol = pol, .best = pol->n };
	bool hit = match_qname(pol, p->key.name, &h);
	if (hit && h.action == RPZ_ACT_PASSTHRU)
		return false;
	if (!hit) {
		/* Response IP triggers: the addresses of the answer section, in
		 * the zones before a name server's policy and in its own (the
		 * draft's precedence: IP before NSDNAME and NSIP). */
		m.best = ns != NULL ? ns_zone + 1 : pol->n;
		int ql = len >= BOLT_HDR_LEN ? bolt_name_len(msg + BOLT_HDR_LEN, len - BOLT_HDR_LEN) : -1;
		if (kind == BOLT_CACHE_POSITIVE && any_ip_triggers(pol) && ql > 0 &&
		    BOLT_HDR_LEN + (size_t)ql + 4 <= len) {
			size_t off = BOLT_HDR_LEN + (size_t)ql + 4;
			each_addr(msg + off, len - off, bolt_wire_get_u16(msg + 6), ip_cb, &m);
		}
		if (m.found)
			h = m.hit;
		else if (ns != NULL)
			h = *ns;
		else
			return false;
		count(cp, &h);
		log_hit(&h, &p->key, p->waiters);
		if (h.action == RPZ_ACT_PASSTHRU || h.action == RPZ_ACT_NONE)
			return false;
	}
	struct bolt_cache_out out;
	uint32_t now = bolt_now();
	bool qname = h.trigger == RPZ_TRIG_QNAME || h.trigger == RPZ_TRIG_QNAME_WILD;
	bool built = (!qname ? policy_answer_build(&h, &p->key, now, msg, len, NULL, &out)
	                     : build(&h, &p->key, now, &out)) == 0;
	if (built)
		insert(cp, &p->key, &out);
	struct tap_policy tp;
	if (hit)
		tap_policy_fill(cp, &tp, &h, p->key.name, p->key.name_len);
	else if (m.found)
		tap_policy_fill(cp, &tp, &h, m.addr, m.alen);
	else
		tap_policy_fill(cp, &tp, &h, np->value, np->vlen);
	tap_policy_set(cp, &tp);
	for (struct waiter *w = p->waiters; w != NULL; w = w->next) {
		if (!built)
			respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "policy answer");
		else if (h.action == RPZ_ACT_TCP_ONLY && w->stream)
			respond_msg(cp, w, msg, len, b->ttl_off, b->nttl, ttl, kind, 0);
		else
			respond_cached(cp, w, &out, now, false);
	}
	tap_policy_set(cp, NULL);
	return true;
}

/* ---- loading and flushing ---- */

/* The iterator checks the name server triggers of the zones in use
 * (iter/respolicy.h). */
static void tell_iterator(const struct policy *pol)
{
	const struct rpz_zone *z[POLICY_ZONES_MAX];
	unsigned n = pol != NULL ? pol->n : 0;
	for (unsigned i = 0; i < n; i++)
		z[i] = pol->zone[i].z;
	respol_configure(z, n);
}

static void log_skip(void *arg, const char *file, unsigned line, const char *msg)
{
	struct cp *cp = arg;
	cp->ctr.rpz_skipped++;
	cp_log(CP_LOG_ERR, "rpz: %s:%u: %s (record skipped)", file, line, msg);
}

/* Load one zone's file. Returns the zone or NULL with err set. */
static struct rpz_zone *load_zone(struct cp *cp, const struct policy_zone_cfg *c,
                                  struct stat *sb, char *err, size_t errlen)
{
	uint8_t origin[BOLT_NAME_MAX];
	bool named = c->name[0] != '\0';
	if (named && bolt_name_from_text(c->name, origin) < 0) {
		snprintf(err, errlen, "rpz zone %s: bad name", c->name);
		return NULL;
	}
	struct rpz_zone *z = rpz_zone_new(named ? origin : NULL);
	if (z == NULL) {
		snprintf(err, errlen, "rpz zone %s: out of memory", c->name);
		return NULL;
	}
	if (stat(c->file, sb) < 0)
		memset(sb, 0, sizeof(*sb));
	int rc = rpz_zone_load_file(z, c->file, log_skip, cp);
	if (rc < 0) {
		snprintf(err, errlen, "rpz zone %s: %s: %s", c->name[0] ? c->name : "?", c->file,
		         rc == BOLT_ESYNTAX ? "no SOA or $ORIGIN to name the zone" : bolt_strerror(rc));
		rpz_zone_free(z);
		return NULL;
	}
	char name[1024];
	if (!named && bolt_name_to_text(rpz_zone_origin(z), name, sizeof(name)) > 0)
		rpz_zone_set_policy(z, c->override, c->ede, c->log, name);
	else
		rpz_zone_set_policy(z, c->override, c->ede, c->log, c->name);
	struct rpz_zone_stats st;
	rpz_zone_get_stats(z, &st);
	cp_log(CP_LOG_NOTICE, "rpz: zone %s loaded from %s: %llu rules, %llu records skipped, "
	       "serial %u, %llu KiB", rpz_zone_name(z), c->file, (unsigned long long)st.rules,
	       (unsigned long long)st.skipped, st.serial, (unsigned long long)(st.bytes / 1024));
	cp->ctr.rpz_loads++;
	return z;
}

/* What changed between two versions of the zones, for the flush. */
struct flush {
	struct rpz_zone *diff[2 * POLICY_ZONES_MAX];
	unsigned n;
	bool ip;                 /* address triggers changed */
	bool ns;                 /* name server triggers changed */
};

static bool flush_addr_cb(int family, const uint8_t *addr, void *arg)
{
	const struct flush *f = arg;
	struct rpz_hit h;
	for (unsigned i = 0; i < f->n; i++)
		if (rpz_zone_match_addr(f->diff[i], RPZ_TRIG_IP, family, addr, &h))
			return true;
	return false;
}

static bool flush_pred(const uint8_t *name, size_t name_len, uint16_t qtype,
                       const struct bolt_cache_val *val, const uint8_t *sections, void *arg)
{
	const struct flush *f = arg;
	(void)qtype;
	uint8_t n[BOLT_NAME_MAX];
	if (name_len == 0 || name_len > BOLT_NAME_MAX)
		return false;
	memcpy(n, name, name_len);
	if (bolt_name_len(n, name_len) != (int)name_len)
		return false;
	struct rpz_hit h;
	for (unsigned i = 0; i < f->n; i++)
		if (rpz_zone_match_qname(f->diff[i], n, &h))
			return true;
	/* What a name server's policy made: the servers a name uses are not
	 * in its entry, so every such answer goes when one of those rules
	 * changed (answers resolved before a new rule stay until they expire). */
	if (f->ns && val->policy == BOLT_CACHE_POLICY_NS)
		return true;
	if (!f->ip)
		return false;
	if (val->policy == BOLT_CACHE_POLICY_IP)
		return true;
	return val->kind == BOLT_CACHE_POSITIVE &&
	       each_addr(sections, val->len - val->ede_len, val->ancount, flush_addr_cb, arg);
}

/* Delete the entries whose policy differs between old[0..nold) and
 * new[0..nnew) (zones matched by position: a zone that moved changes the
 * order of matching, so all its rules count as changed). changed (taken,
 * may be NULL): the triggers that differ in the zone that changed, when
 * known without comparing (an IXFR's). */
static void flush_changes(struct cp *cp, struct pzone *old, unsigned nold, struct pzone *nw,
                          unsigned nnew, struct rpz_zone *changed)
{
	if (cp->region == NULL) {
		rpz_zone_free(changed);
		return;
	}
	struct flush f = { .n = 0 };
	unsigned max = nold > nnew ? nold : nnew;
	for (unsigned i = 0; i < max; i++) {
		const struct rpz_zone *a = i < nold ? old[i].z : NULL;
		const struct rpz_zone *b = i < nnew ? nw[i].z : NULL;
		if (a == b)
			continue;
		bool same = a != NULL && b != NULL && rpz_zone_override(a) == rpz_zone_override(b) &&
		            rpz_zone_ede(a) == rpz_zone_ede(b);
		struct rpz_zone *d = same && changed != NULL ? changed
		                     : same ? rpz_zone_diff(a, b) : rpz_zone_diff(a, NULL);
		struct rpz_zone *d2 = same ? NULL : rpz_zone_diff(b, NULL);
		if (d == changed)
			changed = NULL;
		if (d == NULL || (!same && d2 == NULL)) {
			/* Out of memory: forget everything the cache holds. */
			rpz_zone_free(d);
			rpz_zone_free(d2);
			rpz_zone_free(changed);
			for (unsigned j = 0; j < f.n; j++)
				rpz_zone_free(f.diff[j]);
			bolt_cache_flush(cp->region->cache);
			cp_log(CP_LOG_ERR, "rpz: out of memory comparing versions: cache flushed");
			return;
		}
		f.diff[f.n++] = d;
		if (d2 != NULL)
			f.diff[f.n++] = d2;
	}
	size_t rules = 0;
	for (unsigned j = 0; j < f.n; j++) {
		rules += rpz_zone_rules(f.diff[j]);
		f.ip = f.ip || rpz_zone_has(f.diff[j], RPZ_TRIG_IP);
		f.ns = f.ns || rpz_zone_has(f.diff[j], RPZ_TRIG_NSDNAME) ||
		       rpz_zone_has(f.diff[j], RPZ_TRIG_NSIP);
	}
	if (rules > 0) {
		/* ranges published to the dataplane bypass the policies (negpub.h) */
		bolt_negrange_forget(&cp->region->hdr->negrange, NULL, true);
		int n = bolt_cache_delete_if(cp->region->cache, flush_pred, &f);
		if (n > 0)
			cp->ctr.rpz_flushed += (uint64_t)n;
		cp_log(CP_LOG_NOTICE, "rpz: %zu triggers changed, %d cache entries deleted", rules,
		       n > 0 ? n : 0);
	}
	for (unsigned j = 0; j < f.n; j++)
		rpz_zone_free(f.diff[j]);
	rpz_zone_free(changed);
}

int policy_configure(struct cp *cp, const struct policy_zone_cfg *cfg, unsigned n,
                     bool keep_old, char *err, size_t errlen)
{
	if (n > POLICY_ZONES_MAX) {
		snprintf(err, errlen, "more than %d rpz zones", POLICY_ZONES_MAX);
		return BOLT_ECONFIG;
	}
	struct policy *old = cp->policy;
	struct policy *nw = calloc(1, sizeof(*nw));
	if (nw == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		struct stat sb;
		struct pzone *pz = &nw->zone[i];
		pz->cfg = cfg[i];
		/* A transferred zone: kept as it is while configured the same;
		 * empty until its first transfer (policy_xfr.c) otherwise. */
		if (cfg[i].has_primary) {
			for (unsigned j = 0; old != NULL && j < old->n; j++)
				if (memcmp(&old->zone[j].cfg, &cfg[i], sizeof(cfg[i])) == 0)
					pz->z = old->zone[j].z;
			uint8_t origin[BOLT_NAME_MAX];
			if (pz->z == NULL && bolt_name_from_text(cfg[i].name, origin) > 0 &&
			    (pz->z = rpz_zone_new(origin)) != NULL)
				rpz_zone_set_policy(pz->z, cfg[i].override, cfg[i].ede, cfg[i].log,
				                    cfg[i].name);
			if (pz->z == NULL) {
				snprintf(err, errlen, "rpz zone %s: out of memory", cfg[i].name);
				for (unsigned j = 0; j < i; j++)
					rpz_zone_free(nw->zone[j].z);
				free(nw);
				return -ENOMEM;
			}
			continue;
		}
		/* A zone whose settings and file are as loaded before is kept as
		 * it is (a reload need not read a large zone again). */
		const struct pzone *same = NULL;
		for (unsigned j = 0; old != NULL && j < old->n && same == NULL; j++)
			if (memcmp(&old->zone[j].cfg, &cfg[i], sizeof(cfg[i])) == 0 &&
			    stat(cfg[i].file, &sb) == 0 && sb.st_size == old->zone[j].size &&
			    sb.st_mtim.tv_sec == old->zone[j].mtime.tv_sec &&
			    sb.st_mtim.tv_nsec == old->zone[j].mtime.tv_nsec)
				same = &old->zone[j];
		if (same != NULL) {
			*pz = *same;
			continue;
		}
		pz->z = load_zone(cp, &cfg[i], &sb, err, errlen);
		if (pz->z == NULL) {
			cp->ctr.rpz_load_errors++;
			/* The last good version of the same zone, on reload. */
			const struct pzone *prev = NULL;
			for (unsigned j = 0; keep_old && old != NULL && j < old->n; j++)
				if (strcmp(old->zone[j].cfg.file, cfg[i].file) == 0 &&
				    strcmp(old->zone[j].cfg.name, cfg[i].name) == 0)
					prev = &old->zone[j];
			if (prev == NULL) {
				for (unsigned j = 0; j < i; j++)
					rpz_zone_free(nw->zone[j].z);
				free(nw);
				return BOLT_ECONFIG;
			}
			cp_log(CP_LOG_ERR, "%s: the version loaded before stays in use", err);
			pz->z = prev->z;
			pz->mtime = prev->mtime;
			pz->size = prev->size;
			continue;
		}
		pz->mtime = sb.st_mtim;
		pz->size = sb.st_size;
	}
	nw->n = n;
	/* Before the zones no longer used are freed. */
	tell_iterator(nw);
	flush_changes(cp, old != NULL ? old->zone : NULL, old != NULL ? old->n : 0, nw->zone, n, NULL);
	/* Zones kept from the old version are shared: free only the rest. */
	for (unsigned j = 0; old != NULL && j < old->n; j++) {
		bool kept = false;
		for (unsigned i = 0; i < n && !kept; i++)
			kept = nw->zone[i].z == old->zone[j].z;
		if (!kept)
			rpz_zone_free(old->zone[j].z);
	}
	free(old);
	cp->policy = n > 0 ? nw : NULL;
	if (n == 0)
		free(nw);
	return 0;
}

int policy_load_config(struct cp *cp, const struct bolt_config *cfg, bool keep_old, char *err,
                       size_t errlen)
{
	static const uint8_t overrides[] = {
		[BOLT_RPZ_GIVEN] = RPZ_ACT_GIVEN, [BOLT_RPZ_NXDOMAIN] = RPZ_ACT_NXDOMAIN,
		[BOLT_RPZ_NODATA] = RPZ_ACT_NODATA, [BOLT_RPZ_PASSTHRU] = RPZ_ACT_PASSTHRU,
		[BOLT_RPZ_DROP] = RPZ_ACT_DROP,
	};
	static const uint16_t edes[] = {
		[BOLT_RPZ_EDE_NONE] = RPZ_EDE_NONE, [BOLT_RPZ_EDE_BLOCKED] = RPZ_EDE_BLOCKED,
		[BOLT_RPZ_EDE_CENSORED] = RPZ_EDE_CENSORED, [BOLT_RPZ_EDE_FILTERED] = RPZ_EDE_FILTERED,
	};
	unsigned n = cfg->nrpz < POLICY_ZONES_MAX ? cfg->nrpz : POLICY_ZONES_MAX;
	struct policy_zone_cfg *zc = calloc(n > 0 ? n : 1, sizeof(*zc));
	if (zc == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct bolt_cfg_rpz *r = &cfg->rpz[i];
		int nl = bolt_name_to_text(r->name, zc[i].name, sizeof(zc[i].name));
		if (nl < 0)
			snprintf(zc[i].name, sizeof(zc[i].name), "?");
		else if (nl > 1 && zc[i].name[nl - 1] == '.')
			zc[i].name[nl - 1] = '\0';  /* "rpz.test" in logs, as configured */
		snprintf(zc[i].file, sizeof(zc[i].file), "%s", r->file);
		zc[i].override = r->policy >= 0 && (size_t)r->policy < sizeof(overrides)
		                 ? overrides[r->policy] : RPZ_ACT_GIVEN;
		zc[i].ede = r->ede >= 0 && (size_t)r->ede < sizeof(edes) / sizeof(edes[0])
		            ? edes[r->ede] : RPZ_EDE_NONE;
		zc[i].log = r->log;
		zc[i].has_primary = r->has_primary;
		zc[i].primary = r->primary;
		snprintf(zc[i].tsig_key, sizeof(zc[i].tsig_key), "%s", r->tsig_key);
	}
	int rc = policy_configure(cp, zc, n, keep_old, err, errlen);
	free(zc);
	return rc;
}

static bool attach_pred(const uint8_t *name, size_t name_len, uint16_t qtype,
                        const struct bolt_cache_val *val, const uint8_t *sections, void *arg)
{
	return val->policy != BOLT_CACHE_POLICY_NONE ||
	       flush_pred(name, name_len, qtype, val, sections, arg);
}

void policy_attach(struct cp *cp)
{
	struct policy *pol = cp->policy;
	if (cp->region == NULL)
		return;
	struct flush f = { .n = 0 };
	for (unsigned i = 0; pol != NULL && i < pol->n; i++) {
		f.diff[f.n] = rpz_zone_diff(pol->zone[i].z, NULL);
		if (f.diff[f.n] == NULL)
			continue;
		f.ip = f.ip || rpz_zone_has(f.diff[f.n], RPZ_TRIG_IP);
		f.n++;
	}
	int n = bolt_cache_delete_if(cp->region->cache, attach_pred, &f);
	if (n > 0) {
		cp->ctr.rpz_flushed += (uint64_t)n;
		cp_log(CP_LOG_NOTICE, "rpz: %d cache entries deleted at attach (policy changed)", n);
	}
	for (unsigned j = 0; j < f.n; j++)
		rpz_zone_free(f.diff[j]);
}

void policy_replace(struct cp *cp, const char *name, struct rpz_zone *z, struct rpz_zone *changed)
{
	struct policy *pol = cp->policy;
	unsigned i = 0;
	while (pol != NULL && i < pol->n && strcmp(pol->zone[i].cfg.name, name) != 0)
		i++;
	if (pol == NULL || i == pol->n) {
		rpz_zone_free(z);
		rpz_zone_free(changed);
		return;
	}
	struct pzone *pz = &pol->zone[i];
	rpz_zone_set_policy(z, pz->cfg.override, pz->cfg.ede, pz->cfg.log, pz->cfg.name);
	/* Only this zone changed: the others compare equal to themselves. */
	struct pzone after[POLICY_ZONES_MAX];
	memcpy(after, pol->zone, sizeof(after[0]) * pol->n);
	after[i].z = z;
	flush_changes(cp, pol->zone, pol->n, after, pol->n, changed);
	rpz_zone_free(pz->z);
	pz->z = z;
	tell_iterator(pol);
	cp->ctr.rpz_loads++;
}

void policy_tick(struct cp *cp)
{
	struct policy *pol = cp->policy;
	if (pol == NULL)
		return;
	bool changed = false;
	/* Only the files that changed are read again (policy_configure keeps
	 * the others). */
	for (unsigned i = 0; i < pol->n && !changed; i++) {
		struct stat sb;
		if (pol->zone[i].cfg.has_primary || stat(pol->zone[i].cfg.file, &sb) < 0)
			continue;
		changed = sb.st_size != pol->zone[i].size ||
		          sb.st_mtim.tv_sec != pol->zone[i].mtime.tv_sec ||
		          sb.st_mtim.tv_nsec != pol->zone[i].mtime.tv_nsec;
	}
	if (!changed)
		return;
	struct policy_zone_cfg *cfg = malloc(sizeof(*cfg) * pol->n);
	if (cfg == NULL)
		return;
	unsigned n = pol->n;
	for (unsigned i = 0; i < n; i++)
		cfg[i] = pol->zone[i].cfg;
	char err[512];
	(void)policy_configure(cp, cfg, n, true, err, sizeof(err));
	free(cfg);
}

void policy_free(struct cp *cp)
{
	struct policy *pol = cp->policy;
	if (pol == NULL)
		return;
	respol_configure(NULL, 0);
	for (unsigned i = 0; i < pol->n; i++)
		rpz_zone_free(pol->zone[i].z);
	free(pol);
	cp->policy = NULL;
}

uint64_t policy_rules(const struct cp *cp)
{
	uint64_t n = 0;
	for (unsigned i = 0; cp->policy != NULL && i < cp->policy->n; i++)
		n += rpz_zone_rules(cp->policy->zone[i].z);
	return n;
}
