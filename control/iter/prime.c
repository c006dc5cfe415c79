/*
 * Root priming (RFC 8109), see prime.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/cache.h"
#include "../log.h"
#include "../net/upstream.h"
#include "answer.h"
#include "prime.h"
#include "scrub.h"
#include "select.h"

#define PRIME_RRS_MAX 256
#define PRIME_TARGETS_MAX (HINTS_MAX * INFRA_ADDR_MAX * PRIME_ROUNDS)
#define REJECTED_MAX 16

static const uint8_t root[1] = { 0 };

static struct {
	struct cp *cp;
	struct upq *q;
	struct infra_addr target[PRIME_TARGETS_MAX];
	unsigned ntarget, next;
	uint32_t failed_at;     /* bolt_now() of the last complete failure, 0 = none */
	unsigned done;
	unsigned fails;         /* failed tries of the priming in flight */
	struct prime_waiter *waiters;
	struct infra_addr rejected[REJECTED_MAX];
	unsigned nrejected;
	unsigned nhints;        /* distinct usable hint addresses */
} st;

int prime_check(const uint8_t *pkt, size_t len, uint16_t port, struct prime_result *res,
                const char **why)
{
	static struct bolt_rr rrs[PRIME_RRS_MAX];
	static uint8_t scratch[3 * 65536];
	struct bolt_msg m;
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	memset(res, 0, sizeof(*res));
	if (len > 65535 || bolt_msg_parse(pkt, len, &m, rrs, PRIME_RRS_MAX, scratch,
	                                  sizeof(scratch)) < 0) {
		*why = "malformed";
		return BOLT_EMALF;
	}
	if (!(m.flags & BOLT_FLAG_QR) || m.qdcount != 1 || m.qname_len != 1 ||
	    m.qtype != BOLT_TYPE_NS || m.qclass != BOLT_CLASS_IN) {
		*why = "not an answer to . NS";
		return BOLT_EMALF;
	}
	switch (BOLT_RCODE(m.flags)) {
	case BOLT_RCODE_NOERROR: break;
	case BOLT_RCODE_NXDOMAIN: *why = "rcode NXDOMAIN"; return BOLT_EMALF;
	case BOLT_RCODE_SERVFAIL: *why = "rcode SERVFAIL"; return BOLT_EMALF;
	case BOLT_RCODE_REFUSED: *why = "rcode REFUSED"; return BOLT_EMALF;
	default: *why = "error rcode"; return BOLT_EMALF;
	}
	if (!(m.flags & BOLT_FLAG_AA)) {
		*why = "no AA flag";
		return BOLT_EMALF;
	}
	ans_fix_ttls(&m);
	bool keep[PRIME_RRS_MAX];
	bool wrong_owner = false;
	for (unsigned i = 0; i < m.rrcount; i++) {
		const struct bolt_rr *rr = &m.rrs[i];
		keep[i] = false;
		if (rr->section == BOLT_SEC_ANSWER && rr->type == BOLT_TYPE_NS) {
			if (rr->owner[0] == 0 && rr->rclass == BOLT_CLASS_IN)
				keep[i] = true;
			else
				wrong_owner = true;
		} else if (rr->section == BOLT_SEC_ADDITIONAL &&
		           (rr->type == BOLT_TYPE_A || rr->type == BOLT_TYPE_AAAA)) {
			keep[i] = true;
		}
	}
	/* ans_referral_ns reads the authority section: move the NS into it. */
	for (unsigned i = 0; i < m.rrcount; i++)
		if (keep[i] && m.rrs[i].section == BOLT_SEC_ANSWER)
			m.rrs[i].section = BOLT_SEC_AUTHORITY;
	ans_referral_ns(&m, keep, root, &res->ns, &res->ns_ttl, UINT32_MAX);
	if (res->ns.n == 0) {
		*why = wrong_owner ? "NS records not owned by the root" : "no NS records";
		return BOLT_ENOENT;
	}
	unsigned total = 0;
	for (unsigned k = 0; k < res->ns.n; k++) {
		res->naddr[k] = ans_glue(&m, keep, res->ns.name[k], port, res->addr[k],
		                         INFRA_ADDR_MAX, &res->addr_ttl[k], UINT32_MAX);
		total += res->naddr[k];
	}
	/* Root server names are inside the root: without their addresses the
	 * set could not be used (a root server always sends them). */
	if (total == 0) {
		*why = "no addresses for the root's name servers";
		return BOLT_ENOENT;
	}
	*why = NULL;
	return 0;
}

bool prime_running(void)
{
	return st.q != NULL;
}

int prime_wait(struct prime_waiter *w)
{
	if (st.q == NULL || st.fails >= PRIME_WAIT_TRIES)
		return BOLT_ENOENT;
	w->next = st.waiters;
	st.waiters = w;
	return 0;
}

static bool rejected(const struct infra_addr *a)
{
	for (unsigned i = 0; i < st.nrejected; i++)
		if (st.rejected[i].family == a->family &&
		    memcmp(st.rejected[i].addr, a->addr, sizeof(a->addr)) == 0)
			return true;
	return false;
}

bool prime_rejected(const struct infra_addr *a)
{
	/* When every hint failed the test, they are all there is: use them. */
	return st.nrejected < st.nhints && rejected(a);
}

/* Let every waiting resolution go on (each may start queries, or end). */
static void wake(void)
{
	struct prime_waiter *w = st.waiters;
	st.waiters = NULL;
	while (w != NULL) {
		struct prime_waiter *next = w->next;
		w->cb(w->arg);
		w = next;
	}
}

static void reject(const struct infra_addr *a)
{
	if (!rejected(a) && st.nrejected < REJECTED_MAX)
		st.rejected[st.nrejected++] = *a;
}

unsigned prime_count(void)
{
	return st.done;
}

void prime_stop(void)
{
	if (st.q != NULL)
		upq_cancel(st.q);
	st.q = NULL;
}

static void send_next(void);

static void store(struct cp *cp, const struct prime_result *res)
{
	uint32_t now = bolt_now();
	uint32_t ttl = res->ns_ttl < cp->cfg->max_ttl ? res->ns_ttl : cp->cfg->max_ttl;
	infra_ns_put(cp->infra, root, &res->ns, now, ttl);
	for (unsigned k = 0; k < res->ns.n; k++) {
		if (res->naddr[k] == 0)
			continue;
		uint32_t at = res->addr_ttl[k] < cp->cfg->max_ttl ? res->addr_ttl[k] : cp->cfg->max_ttl;
		infra_addr_put(cp->infra, res->ns.name[k], INFRA_SRC_GLUE, res->addr[k], res->naddr[k],
		               now, at);
	}
}

static void on_prime(void *arg, int status, const uint8_t *pkt, size_t len, uint32_t rtt_ms,
                     bool tcp)
{
	(void)arg;
	(void)rtt_ms;
	(void)tcp;
	struct cp *cp = st.cp;
	st.q = NULL;
	const struct infra_addr *a = &st.target[st.next - 1];
	char ip[64];
	inet_ntop(a->family, a->addr, ip, sizeof(ip));
	if (status != 0) {
		cp_log(CP_LOG_NOTICE, "root priming: %s: %s; trying the next root server", ip,
		       status == BOLT_ETIMEOUT ? "timeout" : bolt_strerror(status));
		/* The next try is in flight before anyone woken could restart priming. */
		send_next();
		if (++st.fails >= PRIME_WAIT_TRIES)
			wake();
		return;
	}
	static struct prime_result res;
	const char *why = NULL;
	if (prime_check(pkt, len, cp->upstream_port, &res, &why) < 0) {
		cp_log(CP_LOG_NOTICE,
		       "root priming: the answer from %s is not the root's NS set (%s): is port 53 "
		       "intercepted? trying the next root server", ip, why);
		reject(a);
		/* The next try is in flight before anyone woken could restart priming. */
		send_next();
		if (++st.fails >= PRIME_WAIT_TRIES)
			wake();
		return;
	}
	store(cp, &res);
	st.done++;
	st.failed_at = 0;
	cp_log(CP_LOG_NOTICE, "root primed from %s: %u name servers, TTL %u", ip, res.ns.n,
	       res.ns_ttl);
	wake();
}

static void send_next(void)
{
	struct cp *cp = st.cp;
	while (st.next < st.ntarget) {
		const struct infra_addr *a = &st.target[st.next++];
		if (rejected(a))
			continue;
		static const uint8_t qname[1] = { 0 };
		struct upq_params p = {
			.server = a,
			.qname = qname,
			.qtype = BOLT_TYPE_NS,
			.qclass = BOLT_CLASS_IN,
			.edns = true,
			.edns_size = (uint16_t)cp->cfg->edns_size,
			.timeout_ms = cp->cfg->timeout_ms,
			.zone = qname,
		};
		struct infra_addr src;
		for (unsigned i = 0; i < cp->cfg->noutgoing; i++) {
			if (cp->cfg->outgoing[i].family != a->family)
				continue;
			memset(&src, 0, sizeof(src));
			src.family = a->family;
			memcpy(src.addr, cp->cfg->outgoing[i].addr, 16);
			p.source = &src;
			break;
		}
		int err = 0;
		st.q = upq_send(cp->loop, &p, on_prime, NULL, &err);
		if (st.q != NULL)
			return;
	}
	st.failed_at = bolt_now();
	if (st.failed_at == 0)
		st.failed_at = 1;
	cp_log(CP_LOG_ERR, "root priming failed: no root server gave the root's NS set; "
	                   "resolving from the root hints, priming again in %u s", PRIME_RETRY_SECS);
	wake();
}

void prime_start(struct cp *cp)
{
	if (cp->offline || st.q != NULL || cp->hints.n == 0)
		return;
	uint32_t now = bolt_now();
	if (st.failed_at != 0 && now - st.failed_at < PRIME_RETRY_SECS)
		return;
	st.cp = cp;
	st.ntarget = st.next = 0;
	st.fails = 0;
	for (unsigned i = 0; i < cp->hints.n; i++) {
		const struct hint_server *s = &cp->hints.s[i];
		for (unsigned k = 0; k < s->naddr && st.ntarget < PRIME_TARGETS_MAX; k++) {
			struct infra_addr a = s->addr[k];
			a.port = cp->upstream_port;
			if (sel_allowed(cp->cfg, &a))
				st.target[st.ntarget++] = a;
		}
	}
	/* IPv4 first (the v6 route may be missing), each family from a random
	 * start, so not every resolver of a farm asks the same root server. */
	uint32_t rnd = 0;
	if (upq_random(&rnd, sizeof(rnd)) < 0)
		rnd = now;
	struct infra_addr sorted[PRIME_TARGETS_MAX];
	unsigned n = 0;
	for (int fam = 0; fam < 2; fam++) {
		unsigned cnt = 0, idx[PRIME_TARGETS_MAX];
		for (unsigned i = 0; i < st.ntarget; i++)
			if ((st.target[i].family == AF_INET) == (fam == 0))
				idx[cnt++] = i;
		for (unsigned j = 0; j < cnt; j++)
			sorted[n++] = st.target[idx[(j + rnd) % cnt]];
	}
	/* Then the same list again: one lost packet must not fail priming. */
	st.nhints = n;
	st.ntarget = 0;
	for (unsigned round = 0; round < PRIME_ROUNDS; round++)
		for (unsigned j = 0; j < n && st.ntarget < PRIME_TARGETS_MAX; j++)
			st.target[st.ntarget++] = sorted[j];
	send_next();
}
