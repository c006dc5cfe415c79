/*
 * RPZ NSDNAME and NSIP triggers on the cut a resolution uses (see
 * respolicy.h).
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "../log.h"
#include "res_int.h"
#include "respolicy.h"

#define ZONES_MAX 32

static struct {
	const struct rpz_zone *z[ZONES_MAX];
	unsigned n;
	unsigned gen;        /* respol_configure calls */
	bool names;          /* a zone has NSDNAME triggers */
	bool addrs;          /* a zone has NSIP triggers */
} pz;

void respol_configure(const struct rpz_zone *const *zones, unsigned n)
{
	pz.n = n < ZONES_MAX ? n : ZONES_MAX;
	pz.names = pz.addrs = false;
	for (unsigned i = 0; i < pz.n; i++) {
		pz.z[i] = zones[i];
		pz.names = pz.names || rpz_zone_has(zones[i], RPZ_TRIG_NSDNAME);
		pz.addrs = pz.addrs || rpz_zone_has(zones[i], RPZ_TRIG_NSIP);
	}
	pz.gen++;
}

const struct res_pol *res_policy_hit(const struct res *r)
{
	return r->pol_have && r->pol_gen == pz.gen ? &r->pol : NULL;
}

/* The first NS name of the cut with an NSDNAME rule in z. */
static bool match_names(const struct rpz_zone *z, const struct res *r, struct res_pol *m)
{
	if (!rpz_zone_has(z, RPZ_TRIG_NSDNAME))
		return false;
	for (unsigned i = 0; i < r->ns.n; i++)
		if (rpz_zone_match_nsdname(z, r->ns.name[i], &m->hit)) {
			m->vlen = r->ns.len[i];
			memcpy(m->value, r->ns.name[i], m->vlen);
			return true;
		}
	return false;
}

/* The first address of a[0..n) with an NSIP rule in z. */
static bool match_addrs(const struct rpz_zone *z, const struct infra_addr *a, unsigned n,
                        struct res_pol *m)
{
	if (!rpz_zone_has(z, RPZ_TRIG_NSIP))
		return false;
	for (unsigned i = 0; i < n; i++)
		if (rpz_zone_match_addr(z, RPZ_TRIG_NSIP, a[i].family, a[i].addr, &m->hit)) {
			m->vlen = a[i].family == AF_INET ? 4 : 16;
			memcpy(m->value, a[i].addr, m->vlen);
			return true;
		}
	return false;
}

/* Every address known for the cut's servers (not filtered by blame, as
 * cut_candidates is). */
static unsigned cut_addrs(struct res *r, struct infra_addr *a, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->ns.n && n < max; i++)
		cut_ns_addrs(r, i, a, &n, max);
	for (unsigned i = 0; i < r->ncut_addr && n < max; i++)
		a[n++] = r->cut_addr[i];
	return n;
}

static void log_hit(const struct res *r, const struct rpz_hit *h)
{
	if (!cp_log_enabled(CP_LOG_DEBUG))
		return;
	char qn[1024], zn[1024], trig[300];
	name_text(r->qname, qn, sizeof(qn));
	name_text(r->zone, zn, sizeof(zn));
	if (rpz_rule_text(h->zone, h->rule, trig, sizeof(trig)) < 0)
		trig[0] = '\0';
	cp_log(CP_LOG_DEBUG, "%s: the servers of %s match %s trigger %s of rpz zone %s: %s", qn, zn,
	       rpz_trigger_name(h->trigger), trig, rpz_zone_name(h->zone),
	       rpz_action_name(h->action));
}

bool respol_check(struct res *r)
{
	if (!pz.names && !pz.addrs)
		return false;
	if (r->parent != NULL || r->zc != NULL || r->pol_state == RES_POL_DONE)
		return false;
	struct res_pol m;
	if (r->pol_state == RES_POL_START) {
		/* A QNAME rule decided already (answered, or PASSTHRU). */
		for (unsigned i = 0; i < pz.n; i++)
			if (rpz_zone_match_qname(pz.z[i], r->qname, &m.hit)) {
				r->pol_state = RES_POL_DONE;
				return false;
			}
		r->pol_state = RES_POL_CHECK;
	}
	bool names = pz.names && !r->pol_names_done;
	struct infra_addr a[CAND_MAX];
	unsigned na = pz.addrs ? cut_addrs(r, a, CAND_MAX) : 0;
	bool addrs = na > r->pol_naddr;
	if (!names && !addrs)
		return false;
	r->pol_names_done = true;
	r->pol_naddr = (uint8_t)na;
	unsigned i = 0;
	for (; i < pz.n; i++)
		if ((names && match_names(pz.z[i], r, &m)) || (addrs && match_addrs(pz.z[i], a, na, &m)))
			break;
	if (i == pz.n)
		return false;
	r->pol = m;
	r->pol_have = true;
	r->pol_gen = pz.gen;
	r->pol_state = RES_POL_DONE;
	log_hit(r, &m.hit);
	/* TCP-only answers stream clients from the resolution; PASSTHRU lets
	 * it be (policy.c counts and logs both at the end). */
	return m.hit.action != RPZ_ACT_TCP_ONLY && m.hit.action != RPZ_ACT_PASSTHRU &&
	       m.hit.action != RPZ_ACT_NONE;
}
