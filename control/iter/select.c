/*
 * Server selection: choice among a cut's server addresses, per-question
 * exclusions, server-wide timeouts and EDNS status (see select.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "boltdns/errcode.h"
#include "boltdns/throttle.h"
#include "inflight.h"
#include "select.h"

void sel_reset(struct sel_query *q)
{
	memset(q, 0, sizeof(*q));
}

static bool is_localhost(const struct infra_addr *a)
{
	static const uint8_t v6_loop[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (a->family == AF_INET)
		return a->addr[0] == 127;
	if (memcmp(a->addr, v6_loop, 16) == 0)
		return true;
	/* ::ffff:127.x.y.z reaches the same stack. */
	return memcmp(a->addr, v4_mapped, 12) == 0 && a->addr[12] == 127;
}

bool sel_allowed(const struct bolt_config *cfg, const struct infra_addr *a)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return false;
	if (cfg->do_not_query_localhost && is_localhost(a))
		return false;
	for (unsigned i = 0; i < cfg->ndo_not_query && i < BOLT_CFG_MAX_PREFIXES; i++)
		if (bolt_prefix_match(&cfg->do_not_query[i], a->family, a->addr))
			return false;
	return true;
}

static struct sel_server *find(struct sel_query *q, const struct infra_addr *a)
{
	for (unsigned i = 0; i < q->n; i++)
		if (memcmp(&q->s[i].a, a, sizeof(*a)) == 0)
			return &q->s[i];
	return NULL;
}

/* The server's entry for this question, created on first use (NULL when
 * the table is full: such a server is simply not used). */
static struct sel_server *get(struct sel_query *q, const struct infra_addr *a)
{
	struct sel_server *s = find(q, a);
	if (s != NULL || q->n >= SEL_SERVERS_MAX)
		return s;
	s = &q->s[q->n++];
	memset(s, 0, sizeof(*s));
	s->a = *a;
	return s;
}

/* Seconds a down server waits for its next probe: doubled with each
 * timeout past the threshold, bounded. */
static uint32_t down_delay(uint32_t timeouts)
{
	uint32_t shift = timeouts - INFRA_DOWN_TIMEOUTS;
	if (shift > 6)
		shift = 6;
	uint32_t d = (uint32_t)INFRA_DOWN_SECS << shift;
	return d > INFRA_DOWN_MAX_SECS ? INFRA_DOWN_MAX_SECS : d;
}

int sel_choose(struct sel_query *q, struct infra *t, const struct bolt_config *cfg,
               const struct infra_addr *cand, unsigned n, uint32_t now, uint32_t rnd,
               struct sel_choice *out)
{
	unsigned max_timeouts = cfg->retries > 0 ? cfg->retries : 1;
	uint64_t score[SEL_SERVERS_MAX];
	unsigned idx[SEL_SERVERS_MAX];
	bool edns[SEL_SERVERS_MAX];
	unsigned nc = 0;

	q->down = 0;
	q->busy = 0;
	for (unsigned i = 0; i < n && nc < SEL_SERVERS_MAX; i++) {
		if (!q->trusted && !sel_allowed(cfg, &cand[i]))
			continue;
		struct sel_server *s = get(q, &cand[i]);
		if (s == NULL || s->excluded || s->timeouts >= max_timeouts)
			continue;
		unsigned k = (unsigned)(s - q->s);
		bool dup = false;
		for (unsigned j = 0; j < nc; j++)
			if (idx[j] == k)
				dup = true;
		if (dup)
			continue;
		struct infra_srv st;
		bool known = infra_srv_get(t, &cand[i], now, &st);
		/* A server that keeps timing out is down: it is asked again only
		 * once its back-off has passed, so its return is noticed without
		 * every question waiting for it. */
		if (st.timeouts >= INFRA_DOWN_TIMEOUTS &&
		    now - st.last_timeout < down_delay(st.timeouts)) {
			q->down++;
			continue;
		}
		/* A server drowning in one zone's flood is not queued onto. */
		if (cfg->max_inflight_server > 0 &&
		    lim_server_count(&cand[i]) >= cfg->max_inflight_server) {
			q->busy++;
			continue;
		}
		/* A server never measured ranks first (as PowerDNS Recursor does),
		 * so every server of a zone gets measured once: ranked by the
		 * initial estimate, one answered by its first server would keep
		 * the others unasked, however much faster they are. */
		uint32_t srtt = (known ? st.srtt_ms : 0) +
		                (cand[i].family == AF_INET6 ? SEL_V6_PENALTY_MS : 0);
		score[nc] = ((uint64_t)s->timeouts << 32) | srtt;
		idx[nc] = k;
		edns[nc] = !s->plain && st.no_edns_until <= now;
		nc++;
	}
	if (nc == 0)
		return BOLT_ENOENT;
	unsigned best = 0;
	for (unsigned j = 1; j < nc; j++)
		if (score[j] < score[best])
			best = j;
	if (nc > 1 && rnd % SEL_EXPLORE == 0) {
		unsigned j = (rnd / SEL_EXPLORE) % nc;
		/* Explore only among servers as fresh for this question as the best. */
		if ((score[j] >> 32) == (score[best] >> 32))
			best = j;
	}
	out->a = q->s[idx[best]].a;
	out->edns = edns[best];
	return 0;
}

void sel_sent(struct sel_query *q, const struct infra_addr *a)
{
	struct sel_server *s = get(q, a);
	if (s != NULL && s->sent < UINT8_MAX)
		s->sent++;
}

/* Types a server may rightly refuse whatever its EDNS support (RFC 6895
 * meta and question-only types): no lesson about EDNS from them. */
static bool meta_type(uint16_t qtype)
{
	return (qtype >= 128 && qtype <= 255) || qtype == BOLT_TYPE_OPT;
}

void sel_report(struct sel_query *q, struct infra *t, const struct infra_addr *a, bool edns,
                uint16_t qtype, enum sel_outcome o, uint32_t rtt_ms, uint32_t now)
{
	struct sel_server *s = get(q, a);
	if ((unsigned)o < SEL_OUTCOMES)
		q->count[o]++;
	switch (o) {
	case SEL_TIMEOUT:
	case SEL_NET_ERROR:
		infra_srv_timeout(t, a, now);
		if (s != NULL) {
			if (s->timeouts < UINT8_MAX)
				s->timeouts++;
			/* No route or a closed port will not heal within a question. */
			if (o == SEL_NET_ERROR)
				s->excluded = true;
		}
		return;
	case SEL_EDNS_FAIL:
		infra_srv_rtt(t, a, now, rtt_ms);
		if (s != NULL) {
			/* Complaining twice without EDNS is a bad answer. */
			if (s->plain || !edns)
				s->excluded = true;
			s->plain = true;
		}
		return;
	case SEL_OK:
		infra_srv_rtt(t, a, now, rtt_ms);
		/* Refused EDNS, then answered without it: it does not speak EDNS. */
		if (s != NULL && s->plain && !edns && !meta_type(qtype))
			infra_srv_no_edns(t, a, now, SEL_NO_EDNS_SECS);
		return;
	case SEL_QMIN_ERROR:
		infra_srv_rtt(t, a, now, rtt_ms);
		return;
	case SEL_BAD_RCODE:
	case SEL_MALFORMED:
	case SEL_LAME:
	default:
		infra_srv_rtt(t, a, now, rtt_ms);
		if (s != NULL)
			s->excluded = true;
		return;
	}
}

bool sel_answered(const struct sel_query *q)
{
	for (unsigned o = 0; o < SEL_OUTCOMES; o++)
		if (o != SEL_TIMEOUT && o != SEL_NET_ERROR && q->count[o] > 0)
			return true;
	return false;
}

uint16_t sel_reason(const struct sel_query *q, uint8_t last_rcode, const char *zone_text,
                    char *text, size_t cap)
{
	const unsigned *c = q->count;
	unsigned bad = c[SEL_BAD_RCODE] + c[SEL_EDNS_FAIL];
	unsigned answered = bad + c[SEL_MALFORMED] + c[SEL_LAME] + c[SEL_OK] + c[SEL_QMIN_ERROR];
	if (answered + c[SEL_TIMEOUT] + c[SEL_NET_ERROR] == 0) {
		if (q->busy > 0) {
			lim_server_refused();
			snprintf(text, cap, "too many queries in flight to the servers of %s",
			         zone_text);
			return BOLT_EDE_OTHER;
		}
		if (q->down == 0)
			return BOLT_EDE_NONE;
		snprintf(text, cap, BOLT_EDE_ZONE_DOWN_FMT, zone_text);
		return BOLT_EDE_NO_REACHABLE_AUTHORITY;
	}
	if (answered == 0 && c[SEL_TIMEOUT] == 0) {
		snprintf(text, cap, "network error reaching the servers of %s", zone_text);
		return BOLT_EDE_NETWORK_ERROR;
	}
	if (answered == 0) {
		snprintf(text, cap, "all servers for %s timed out", zone_text);
		return BOLT_EDE_NO_REACHABLE_AUTHORITY;
	}
	if (bad > 0 && last_rcode == BOLT_RCODE_REFUSED) {
		snprintf(text, cap, "servers for %s answered REFUSED", zone_text);
		return BOLT_EDE_NOT_AUTHORITATIVE;
	}
	if (bad > 0) {
		snprintf(text, cap, "servers for %s answered %s", zone_text,
		         bolt_rcode_to_text(last_rcode));
		return BOLT_EDE_OTHER;
	}
	if (c[SEL_LAME] > 0) {
		snprintf(text, cap, "servers for %s are not authoritative (lame)", zone_text);
		return BOLT_EDE_NOT_AUTHORITATIVE;
	}
	if (c[SEL_MALFORMED] > 0) {
		snprintf(text, cap, "servers for %s sent malformed answers", zone_text);
		return BOLT_EDE_INVALID_DATA;
	}
	snprintf(text, cap, "no usable answer from the servers of %s", zone_text);
	return BOLT_EDE_NO_REACHABLE_AUTHORITY;
}

const char *sel_outcome_text(enum sel_outcome o)
{
	switch (o) {
	case SEL_OK: return "ok";
	case SEL_TIMEOUT: return "timeout";
	case SEL_NET_ERROR: return "network error";
	case SEL_BAD_RCODE: return "error rcode";
	case SEL_MALFORMED: return "malformed answer";
	case SEL_LAME: return "lame answer";
	case SEL_EDNS_FAIL: return "EDNS refused";
	case SEL_QMIN_ERROR: return "error to a minimised query";
	default: return "?";
	}
}
