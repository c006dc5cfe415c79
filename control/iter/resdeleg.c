/*
 * The delegation a resolution follows (see res_int.h): crediting the
 * server that answered, learning a referral (its NS set, glue and DS
 * RRset), and which NS name without an address to look up next. Nothing
 * here starts a query or ends a resolution: resolve.c does.
 */
#include <errno.h>

#include "res_int.h"

void res_report(struct res *r, enum sel_outcome o, uint32_t rtt_ms)
{
	sel_report(&r->sel, r->cp->infra, &r->q_server, r->q_edns, r->q_type, o, rtt_ms, now_s());
	rz_note(r, o);
}

/* Learn the delegation to zone (lower-case) from a referral, and make it
 * the cut of r (with the glue that came with it) unless it has no NS. The
 * server that sent it is credited at the cut it serves, before the cut
 * moves: the new cut's servers have answered nothing yet. */
void deleg_learn(struct res *r, const struct bolt_msg *m, const bool *keep,
                 const uint8_t *zone, struct infra_nsset *ns, uint32_t rtt_ms)
{
	struct cp *cp = r->cp;
	uint32_t now = now_s();
	uint32_t ttl;
	ans_referral_ns(m, keep, zone, ns, &ttl, cp->cfg->max_ttl);
	if (ns->n == 0)
		return;
	res_report(r, SEL_OK, rtt_ms);
	infra_ns_put(cp->infra, zone, ns, now, ttl);
	cut_set(r, zone, ns);
	/* Glue is kept apart from the hosts' own answers (RFC 2181 5.4.1). */
	for (unsigned k = 0; k < ns->n; k++) {
		struct infra_addr a[INFRA_ADDR_MAX];
		uint32_t gttl;
		unsigned n = ans_glue(m, keep, ns->name[k], cp->upstream_port, a, INFRA_ADDR_MAX, &gttl,
		                      cp->cfg->max_ttl);
		if (n > 0)
			infra_addr_put(cp->infra, ns->name[k], INFRA_SRC_GLUE, a, n, now, gttl);
		for (unsigned j = 0; j < n && r->ncut_addr < CUT_ADDR_MAX; j++)
			r->cut_addr[r->ncut_addr++] = a[j];
	}
}

/* The DS RRset of a referral to zone with its RRSIGs, kept for validation. */
int deleg_keep_ds(struct res *r, const struct bolt_msg *m, const bool *keep,
                  const uint8_t *zone)
{
	bool any = false;
	for (unsigned i = 0; i < m->rrcount; i++)
		any |= keep[i] && m->rrs[i].section == BOLT_SEC_AUTHORITY &&
		       m->rrs[i].type == BOLT_TYPE_DS && bolt_name_equal(m->rrs[i].owner, zone);
	for (unsigned i = 0; any && i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i] || rr->section != BOLT_SEC_AUTHORITY || !bolt_name_equal(rr->owner, zone))
			continue;
		bool sig = rr->type == BOLT_TYPE_RRSIG && rr->rdlen >= 2 &&
		           ((rr->rdata[0] << 8) | rr->rdata[1]) == BOLT_TYPE_DS;
		if ((rr->type == BOLT_TYPE_DS || sig) &&
		    orr_add(&r->refds, rr->owner, rr->type, rr->rclass, rr->ttl, rr->rdata, rr->rdlen) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Is name already being looked up by r or one of its ancestors? (cycle) */
bool deleg_in_chain(const struct res *r, const uint8_t *name)
{
	for (; r != NULL; r = r->parent)
		if (bolt_name_equal(r->qname, name) || bolt_name_equal(r->cur, name))
			return true;
	return false;
}

/* An NS name worth looking up, and for which type; -1 when none. First the
 * names with no address at all (A), then A of the others, then AAAA
 * (IPv6-only name servers, or more servers when the known ones failed). */
int deleg_pick_chase(struct res *r, uint16_t *qtype)
{
	struct cp *cp = r->cp;
	uint32_t now = now_s();
	for (int pass = 0; pass < 3; pass++) {
		for (unsigned i = 0; i < r->ns.n; i++) {
			/* A name inside the zone it serves needs glue: resolving it would
			 * ask the very servers we are looking for. */
			if (bolt_name_in_zone(r->ns.name[i], r->zone))
				continue;
			uint8_t bit = pass < 2 ? CHASED_A : CHASED_AAAA;
			if (r->ns_chased[i] & bit)
				continue;
			struct infra_addr a[INFRA_ADDR_MAX];
			uint8_t src = pass < 2 ? INFRA_SRC_A : INFRA_SRC_AAAA;
			if (infra_addr_get(cp->infra, r->ns.name[i], src, now, a, INFRA_ADDR_MAX) !=
			    BOLT_ENOENT)
				continue;
			if (pass == 0) {
				unsigned n = 0;
				if (cut_ns_addrs(r, i, a, &n, INFRA_ADDR_MAX) && n > 0)
					continue;
			}
			*qtype = pass < 2 ? BOLT_TYPE_A : BOLT_TYPE_AAAA;
			return (int)i;
		}
	}
	return -1;
}
