/*
 * A resolution in a forward or stub zone (zones.h): the iterator's side.
 * resolve.c calls these at a few points (finding the cut, choosing whom to
 * ask, how to ask, how to read the answer, what to do when every server
 * failed); everything about the zone's table lives in zones.c.
 */
#include <string.h>

#include "../log.h"
#include "res_int.h"
#include "zones.h"

static const uint8_t root[1] = { 0 };

/* r's configured zone, NULL when its cut is a delegation or the table
 * changed since (the zone may be gone: the cut is found again). */
static const struct zone *zc(const struct res *r)
{
	return r->zc != NULL && r->zgen == zones_generation() ? r->zc : NULL;
}

bool res_zones_changed(const struct res *r)
{
	return r->zgen_start != zones_generation();
}

bool rz_stale(const struct res *r)
{
	return r->zc != NULL && r->zgen != zones_generation();
}

const struct zone *rz_match(struct res *r, int labels, int *floor)
{
	const struct zone *skip = r->zskip_gen == zones_generation() ? r->zskip : NULL;
	const struct zone *z = zones_match(r->cur, labels, skip);
	*floor = 0;
	if (z != NULL)
		/* a forward zone answers for everything below it; a stub zone
		 * lets the delegations learnt from its servers be used */
		*floor = z->type == BOLT_ZONE_FORWARD ? labels : z->labels;
	return z;
}

void rz_set_cut(struct res *r, const struct zone *z)
{
	struct infra_nsset none;
	memset(&none, 0, sizeof(none));
	cut_set(r, z->name, &none);
	r->zc = z;
	r->zgen = zones_generation();
	r->sel.trusted = true;
	/* a recursive server gets the whole question, never a minimised one */
	if (z->type == BOLT_ZONE_FORWARD)
		r->mlabels = bolt_name_labels(r->cur);
	zones_note_question(z);
	if (cp_log_enabled(CP_LOG_DEBUG)) {
		char qn[1024], zn[1024];
		name_text(r->cur, qn, sizeof(qn));
		name_text(z->name, zn, sizeof(zn));
		cp_log(CP_LOG_DEBUG, "%s: %s zone %s", qn, zones_type_name(z->type), zn);
	}
}

void rz_inject_cut(struct res *r, const uint8_t *zone)
{
	int floor;
	const struct zone *z = rz_match(r, bolt_name_labels(r->cur), &floor);
	if (z != NULL && bolt_name_equal(z->name, zone)) {
		rz_set_cut(r, z);
		return;
	}
	struct infra_nsset none;
	memset(&none, 0, sizeof(none));
	cut_set(r, zone, &none);
}

unsigned rz_candidates(const struct res *r, struct infra_addr *cand, unsigned max)
{
	const struct zone *z = zc(r);
	unsigned n = 0;
	for (unsigned i = 0; z != NULL && i < z->nsrv && n < max; i++)
		cand[n++] = z->srv[i].a;  /* with their own ports */
	return n;
}

bool rz_forwarding(const struct res *r)
{
	const struct zone *z = zc(r);
	return z != NULL && z->type == BOLT_ZONE_FORWARD;
}

bool rz_tcp(const struct res *r)
{
	const struct zone *z = zc(r);
	return z != NULL && z->tcp;
}

bool rz_zone_limits(const struct res *r)
{
	/* A forward zone's names are one zone to max-inflight-per-zone and
	 * zone-nxdomain-rate, and a forward "." would be everything: the
	 * forwarders defend themselves, max-inflight-per-server still holds. */
	return !rz_forwarding(r);
}

const uint8_t *rz_bailiwick(const struct res *r)
{
	/* A recursive server answers for the whole chain (the operator's trust
	 * in it, as Unbound's forward-zone); validation still judges it. */
	return rz_forwarding(r) ? root : r->zone;
}

const uint8_t *rz_val_zone(const struct res *r, const struct orr_list *l, unsigned first)
{
	if (!rz_forwarding(r))
		return r->zone;
	/* records a forwarder sent from outside its zone (a CNAME's target):
	 * judged from the root down */
	for (unsigned i = first; i < l->n; i++)
		if (!bolt_name_in_zone(l->v[i].owner, r->zone))
			return root;
	return r->zone;
}

const uint8_t *rz_denial_zone(const struct res *r)
{
	return rz_forwarding(r) && !bolt_name_in_zone(r->cur, r->zone) ? root : r->zone;
}

void rz_note(const struct res *r, enum sel_outcome o)
{
	const struct zone *z = zc(r);
	if (z != NULL)
		zones_note_try(z, &r->q_server, o == SEL_TIMEOUT || o == SEL_NET_ERROR
		                                ? ZONE_TRY_FAILED : ZONE_TRY_ANSWER);
}

void rz_note_sent(const struct res *r)
{
	const struct zone *z = zc(r);
	if (z != NULL)
		zones_note_try(z, &r->q_server, ZONE_TRY_SENT);
}

bool rz_fallback(struct res *r)
{
	const struct zone *z = zc(r);
	if (z == NULL)
		return false;
	if (!z->forward_first) {
		zones_note_failure(z);
		return false;
	}
	zones_note_fallback(z);
	if (cp_log_enabled(CP_LOG_INFO)) {
		char qn[1024], zn[1024];
		name_text(r->cur, qn, sizeof(qn));
		name_text(z->name, zn, sizeof(zn));
		cp_log(CP_LOG_INFO, "%s: no server of %s zone %s answered: resolving without it "
		       "(forward-first)", qn, zones_type_name(z->type), zn);
	}
	r->zskip = z;
	r->zskip_gen = r->zgen;
	r->zc = NULL;
	r->have_cut = false;
	r->refetched = false;
	return true;
}
