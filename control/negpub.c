/*
 * Flooded signed zones handed to the dataplane (see negpub.h).
 */
#include <string.h>

#include "boltdns/negrange.h"
#include "boltdns/throttle.h"
#include "anchor/anchor.h"
#include "iter/aggr.h"
#include "validator/validator.h"
#include "iter/zonerate.h"
#include "iter/zones.h"
#include "ctl.h"
#include "localzones.h"
#include "negpub.h"
#include "policy.h"

struct nzone {
	uint64_t at_ms;           /* last refill; 0: free */
	uint64_t tokens_milli;    /* synthesised NXDOMAINs still under the rate, in 1/1000 */
	uint8_t len;
	uint8_t name[BOLT_NAME_MAX];
};

static struct nzone zones[NEGPUB_ZONES];
static uint64_t published, skipped;
static uint64_t tries_sec;
static unsigned tries;
static uint64_t local_gen;
static bool local_gen_set;
static uint8_t buf[BOLT_MSG_MAX];
static uint8_t scratch[2 * BOLT_MSG_MAX];
static uint8_t copy[BOLT_NEGRANGE_WIRE_MAX];
static struct bolt_negrange_entry entry;

/* Count one synthesised NXDOMAIN of zone at now_ms against a bucket of
 * burst_ms' worth at the rate; true when over it. */
static bool over_rate(const uint8_t *zone, unsigned rate, uint64_t burst_ms, uint64_t now_ms)
{
	int len = bolt_name_len(zone, BOLT_NAME_MAX);
	if (len <= 0)
		return false;
	uint64_t r = rate;
	if (zone[0] == 0 || zone[zone[0] + 1] == 0)
		r *= ZRATE_TOP_FACTOR;
	uint64_t cap = r * burst_ms;
	struct nzone *s = NULL, *old = &zones[0];
	for (unsigned i = 0; i < NEGPUB_ZONES && s == NULL; i++) {
		if (zones[i].len == len && memcmp(zones[i].name, zone, (size_t)len) == 0)
			s = &zones[i];
		else if (zones[i].at_ms < old->at_ms)
			old = &zones[i];
	}
	if (s == NULL) {
		s = old;
		s->len = (uint8_t)len;
		memcpy(s->name, zone, (size_t)len);
		s->tokens_milli = cap;
	} else {
		uint64_t t = s->tokens_milli;
		if (now_ms > s->at_ms)
			t += (now_ms - s->at_ms) * r;
		/* (a zone whose bucket was larger: NSEC3, or local data then) */
		s->tokens_milli = t < cap ? t : cap;
	}
	s->at_ms = now_ms != 0 ? now_ms : 1;
	if (s->tokens_milli >= 1000) {
		s->tokens_milli -= 1000;
		return false;
	}
	return true;
}

/* Does NSEC rr (owner, next in its RDATA) cover name strictly? */
static bool nsec_covers(const struct bolt_rr *rr, const uint8_t *name)
{
	if (bolt_name_len(rr->rdata, rr->rdlen) <= 0 || bolt_negrange_name_cmp(rr->owner, name) >= 0)
		return false;
	return bolt_negrange_name_cmp(name, rr->rdata) < 0 ||
	       bolt_negrange_name_cmp(rr->rdata, rr->owner) <= 0;
}

/* Would the range (zone, owner, next) deny a name that the control plane
 * answers before RFC 8198 (serve.c) or without it: a forward or stub zone
 * ([zone], whose servers answer its names), a local zone (localhost. has
 * addresses), a negative trust anchor (not validated, so never
 * synthesised)? The dataplane knows none of them. A name deeper than the
 * label under the zone is denied exactly when that label is. */
static bool hides_served(const struct cp *cp, const uint8_t *zone, const uint8_t *owner,
                         const uint8_t *next)
{
	for (unsigned i = 0, n = zones_count(); i < n; i++) {
		const struct zone *z = zones_get(i);
		if (z != NULL && bolt_negrange_covers(zone, owner, next, z->name))
			return true;
	}
	const uint8_t *l;
	for (unsigned i = 0; (l = localzones_name(i)) != NULL; i++)
		if (bolt_negrange_covers(zone, owner, next, l))
			return true;
	for (unsigned i = 0; i < cp->cfg->nnta && i < BOLT_CFG_MAX_NTA; i++)
		if (bolt_negrange_covers(zone, owner, next, cp->cfg->nta[i]))
			return true;
	/* and those added at run time (boltctl nta add: its flush withdrew
	 * the ranges then, this keeps them from coming back) */
	const struct anchor_ctx *a = anchor_active();
	if (a != NULL && a->nta != NULL)
		for (unsigned i = 0; i < a->nta->n && i < NTA_MAX; i++)
			if (bolt_negrange_covers(zone, owner, next, a->nta->e[i].name))
				return true;
	return false;
}

/* Publish the range of cp->aggr that denies qname (NSEC zone), from the
 * answer a DO=1 client would get: the SOA, its RRSIGs, the NSEC covering
 * qname and the one denying *.zone with their RRSIGs. */
static void publish_range(struct cp *cp, const uint8_t *zone, const uint8_t *qname, uint32_t now)
{
	struct bolt_negrange_table *t = &cp->region->hdr->negrange;
	/* already published (a name the dataplane let through meanwhile) */
	uint16_t toff[BOLT_NEGRANGE_RRS];
	struct bolt_cache_out o = { .ttl_off = toff, .ttl_cap = BOLT_NEGRANGE_RRS,
	                            .sections = copy, .cap = sizeof(copy) };
	uint8_t lower[BOLT_NAME_MAX];
	int ql = bolt_name_len(qname, BOLT_NAME_MAX);
	if (ql <= 0)
		return;
	memcpy(lower, qname, (size_t)ql);
	bolt_name_lower(lower, (size_t)ql);
	if (bolt_negrange_lookup(t, lower, (unsigned)ql, now, false, &o, NULL) == 0)
		return;
	uint64_t sec = now;
	if (sec != tries_sec) {
		tries_sec = sec;
		tries = 0;
	}
	if (tries++ >= NEGPUB_TRIES_PER_SEC)
		return;
	struct bolt_build b;
	uint32_t ttl = 0;
	int len = aggr_nxdomain_proof(cp->aggr, qname, now, buf, sizeof(buf), &b, &ttl);
	struct bolt_msg m;
	struct bolt_rr rrs[AGGR_LEARN_MAX];
	if (len <= 0 || ttl == 0 ||
	    bolt_msg_parse(buf, (size_t)len, &m, rrs, AGGR_LEARN_MAX, scratch, sizeof(scratch)) != 0 ||
	    m.rrcount == 0 || rrs[0].type != BOLT_TYPE_SOA || !bolt_name_equal(rrs[0].owner, zone)) {
		skipped++;
		return;
	}
	/* the cover of qname, and the wildcard's */
	uint8_t wc[BOLT_NAME_MAX];
	int zl = bolt_name_len(zone, BOLT_NAME_MAX);
	const struct bolt_rr *cover = NULL;
	bool wild = false;
	if (zl <= 0 || zl + 2 > BOLT_NAME_MAX) {
		skipped++;
		return;
	}
	wc[0] = 1;
	wc[1] = '*';
	memcpy(wc + 2, zone, (size_t)zl);
	for (unsigned i = 0; i < m.rrcount; i++) {
		const struct bolt_rr *rr = &rrs[i];
		if (rr->type != BOLT_TYPE_NSEC)
			continue;
		if (cover == NULL && nsec_covers(rr, qname))
			cover = rr;
		if (nsec_covers(rr, wc))
			wild = true;
	}
	/* only what the dataplane can prove for every name it accepts: the
	 * zone apex as closest encloser, the wildcard denied */
	if (cover == NULL || !wild || !bolt_negrange_covers(zone, cover->owner, cover->rdata, qname) ||
	    hides_served(cp, zone, cover->owner, cover->rdata)) {
		skipped++;
		return;
	}
	/* the records in one place (the SOA's decompressed RDATA is in
	 * scratch, the rest in buf) */
	uint8_t *hold = copy;
	size_t used = 0;
	for (unsigned i = 0; i < m.rrcount; i++) {
		if (used + rrs[i].rdlen > sizeof(copy)) {
			skipped++;
			return;
		}
		memcpy(hold + used, rrs[i].rdata, rrs[i].rdlen);
		rrs[i].rdata = hold + used;
		used += rrs[i].rdlen;
	}
	struct bolt_negrange_entry *e = &entry;
	if (bolt_negrange_entry_init(e, zone, cover->owner, cover->rdata, now, now + ttl) != 0) {
		skipped++;
		return;
	}
	for (unsigned i = 0; i < m.rrcount; i++) {
		const struct bolt_rr *rr = &rrs[i];
		if (rr->section != BOLT_SEC_AUTHORITY || rr->rclass != BOLT_CLASS_IN ||
		    bolt_negrange_entry_add(e, rr->owner, rr->type, rr->ttl, rr->rdata, rr->rdlen) != 0) {
			skipped++;
			return;
		}
	}
	if (bolt_negrange_publish(t, e) == 0)
		published++;
	else
		skipped++;
}

/* The control plane answers some names before RFC 8198 does (serve.c):
 * local data and response policies. The dataplane knows neither, so ranges
 * are published only while there are none (policy.c and main.c withdraw
 * the ranges when either appears). */
static bool may_publish(struct cp *cp)
{
	uint64_t g = bolt_local_generation();
	if (!local_gen_set) {
		local_gen = g;
		local_gen_set = true;
	}
	return g == local_gen && cp->cfg->nlocal_data == 0 && cp->cfg->hosts_file[0] == 0 &&
	       policy_rules(cp) == 0;
}

bool negpub_synthesised(struct cp *cp, const uint8_t *qname, uint32_t now)
{
	unsigned rate = cp->cfg->zone_nxdomain_rate;
	uint8_t zone[BOLT_NAME_MAX];
	bool nsec3 = false;
	if (rate == 0 || cp->aggr == NULL || !aggr_zone_of(cp->aggr, qname, zone, &nsec3))
		return false;
	uint64_t now_ms = uv_now(cp->loop);
	/* Publishing a range changes no answer (the dataplane proves from it
	 * what the control plane would), so it starts after a short burst;
	 * the throttle answers SERVFAIL, so it keeps the upstream rate's long
	 * one. */
	bool publish = cp->region != NULL && !nsec3 && may_publish(cp);
	if (!over_rate(zone, rate, publish ? NEGPUB_BURST_MS : ZRATE_BURST_SECS * 1000, now_ms))
		return false;
	if (cp->region == NULL)
		return true;
	if (!publish) {
		/* the throttle takes the flood over (see negpub.h) */
		zrate_note_nxdomain(zone, rate, now_ms);
		if (zrate_publish_due(zone, now_ms))
			(void)bolt_throttle_set(&cp->region->hdr->throttle, zone, now + ZRATE_THROTTLE_SECS,
			                        BOLT_THROTTLE_RATE);
		return true;
	}
	publish_range(cp, zone, qname, now);
	return true;
}

uint64_t negpub_published(void)
{
	return published;
}

uint64_t negpub_skipped(void)
{
	return skipped;
}

void negpub_reset(void)
{
	memset(zones, 0, sizeof(zones));
	published = skipped = 0;
	tries_sec = 0;
	tries = 0;
	local_gen_set = false;
}
