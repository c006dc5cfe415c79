/*
 * DNSSEC validation of finished resolutions (see dnssec.h).
 *
 * The verdict of an answer is the worst of its parts (secure < insecure <
 * bogus): every RRset of the chain (CNAMEs included, each with the zone that
 * signed it), a wildcard expansion's proof, and for a negative answer the
 * NSEC/NSEC3 denial. An RRset is checked with the keys of its RRSIG's signer;
 * the signer's keys come from zone_status(), which walks up from the zone
 * through the DS RRsets (each signed by the parent that holds it) to the
 * trust anchor and concludes for each zone on the way: secure (validated
 * DNSKEY set), insecure (a proven unsigned delegation, only unsupported
 * algorithms or digests, a negative trust anchor) or bogus. Unbound's
 * validator does the same with its key cache and DS walk; here the walk is
 * driven by the signer names, so only the zones the answer touches are
 * asked about.
 *
 * Records without RRSIGs are judged by the zone whose servers sent them: an
 * insecure zone makes them insecure; in a secure zone the names between the
 * zone and the owner are checked for an unsigned delegation the servers did
 * not show as a referral (a parent and child on one server); failing that
 * they are bogus (RRSIGs missing).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boltdns/cache.h"
#include "../anchor/anchor.h"
#include "../validator/validator.h"
#include "../log.h"
#include "dnssec_int.h"

struct dsec_counters dsec_counters;

void dsec_set_now(struct dsec_val *v, uint32_t now)
{
	v->fixed_now = now;
}

void dsec_set_max_sig_verifies(struct dsec_val *v, uint32_t n)
{
	v->budget.max_sig_verifies = n;
}

void dv_set_make(struct set *st, const struct orr_list *recs, const struct orr_list *sigs,
                 const uint8_t *owner, uint16_t type)
{
	size_t n = 0, ns = 0;
	st->signer = NULL;
	st->min_ttl = UINT32_MAX;
	for (unsigned i = 0; i < recs->n && n < SET_MAX; i++) {
		const struct orr *o = &recs->v[i];
		if (o->type != type || !bolt_name_equal(o->owner, owner))
			continue;
		to_rr(o, &st->rr[n]);
		st->rrp[n] = &st->rr[n];
		if (o->ttl < st->min_ttl)
			st->min_ttl = o->ttl;
		n++;
	}
	for (unsigned i = 0; sigs != NULL && i < sigs->n && ns < SIG_MAX; i++) {
		const struct orr *o = &sigs->v[i];
		if (o->type != BOLT_TYPE_RRSIG || sig_covered(o) != type ||
		    !bolt_name_equal(o->owner, owner) || sig_signer(o) == NULL)
			continue;
		if (st->signer == NULL)
			st->signer = sig_signer(o);
		to_rr(o, &st->sig[ns]);
		st->sigp[ns] = &st->sig[ns];
		ns++;
	}
	st->s.rrs = st->rrp;
	st->s.count = n;
	st->s.sigs = st->sigp;
	st->s.nsigs = ns;
}

/* ---- the answer ---- */

static void part_set(struct part *pt, uint8_t status, uint16_t ede, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void part_set(struct part *pt, uint8_t status, uint16_t ede, const char *fmt, ...)
{
	pt->done = true;
	pt->status = status;
	pt->ede = ede;
	pt->ttl = 0;
	pt->kzone = 0;
	pt->text[0] = 0;
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(pt->text, sizeof(pt->text), fmt, ap);
		va_end(ap);
	}
}

static void part_from_entry(struct part *pt, const struct kentry *e, const uint8_t *zone)
{
	char zn[300];
	ntext(zone, zn, sizeof(zn));
	if (e->state == KS_INSECURE)
		part_set(pt, BOLT_SEC_INSECURE, BOLT_EDE_NONE, NULL);
	else {
		part_set(pt, BOLT_SEC_BOGUS, e->ede, "%s: %s", zn, e->reason);
		pt->kzone = e->cause != 0 ? e->cause : dsec_zone_key(zone);
	}
}

uint64_t dsec_zone_key(const uint8_t *zone)
{
	uint64_t h = 0xcbf29ce484222325ull;
	int l = nlen(zone);
	for (int i = 0; i < l; i++) {
		uint8_t c = zone[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		h = (h ^ c) * 0x100000001b3ull;
	}
	return h != 0 ? h : 1;
}

/* Records without RRSIGs at owner, sent by the servers of zone. */
static bool unsigned_part(struct dsec_val *v, const uint8_t *zone, const uint8_t *owner,
                          uint16_t ede, const char *what, struct part *pt)
{
	const struct kentry *e = dv_zone_status(v, zone);
	if (e == NULL)
		return false;
	if (e->state != KS_SECURE) {
		part_from_entry(pt, e, zone);
		return true;
	}
	/* An unsigned child on the parent's servers shows no referral: look for
	 * its cut between zone and owner (a few names at most). */
	int zl = bolt_name_labels(zone), ol = bolt_name_labels(owner);
	for (int l = zl + 1, k = 0; l <= ol && k < WALK_MAX; l++, k++) {
		const uint8_t *n = owner;
		for (int i = 0; i < ol - l; i++)
			n += 1 + *n;
		v->depth = 0;
		const struct kentry *x = dv_zone_status(v, n);
		if (x == NULL)
			return false;
		if (x->state == KS_INSECURE) {
			part_set(pt, BOLT_SEC_INSECURE, BOLT_EDE_NONE, NULL);
			return true;
		}
		if (x->state == KS_BOGUS)
			break;
	}
	char on[300];
	ntext(owner, on, sizeof(on));
	part_set(pt, BOLT_SEC_BOGUS, ede, "%s: %s", on, what);
	return true;
}

/* A wildcard expansion's proof that no closer name exists. */
static void wildcard_part(struct dsec_val *v, const struct dsec_input *in, const uint8_t *owner,
                          const uint8_t *wildcard, const uint8_t *zone, const struct kentry *ke,
                          struct part *pt)
{
	struct bolt_rr *rr = dv_proof_rr;
	const struct bolt_rr **pp = dv_proof_p;
	size_t n;
	bool nsec3;
	uint32_t ttl;
	struct bolt_val_result out;
	if (dv_proof_records(v, in->proof, zone, ke, rr, pp, &n, &nsec3, &ttl, &out) !=
	    BOLT_VAL_SECURE) {
		part_set(pt, BOLT_SEC_BOGUS, out.ede, "wildcard proof: %s", out.reason);
	} else {
		v->budget.nsec3_hashes = 0;
		enum bolt_val_status st = nsec3
			? bolt_val_nsec3_wildcard(owner, wildcard, zone, pp, n, &v->budget, &out)
			: bolt_val_nsec_wildcard(owner, wildcard, zone, pp, n, &out);
		if (st == BOLT_VAL_SECURE)
			part_set(pt, BOLT_SEC_SECURE, BOLT_EDE_NONE, NULL);
		else if (st == BOLT_VAL_INSECURE)
			part_set(pt, BOLT_SEC_INSECURE, BOLT_EDE_NONE, NULL);
		else
			part_set(pt, BOLT_SEC_BOGUS, out.ede, "wildcard: %s", out.reason);
	}
}

/* Zone of answer record i (the segment it came in). */
static const uint8_t *seg_zone(const struct dsec_input *in, unsigned i)
{
	const uint8_t *z = in->zone;
	for (unsigned k = 0; k < in->nseg; k++)
		if (in->seg[k].start <= i)
			z = in->seg[k].zone;
	return z;
}

/* A CNAME synthesised from a DNAME of the answer (unsigned by design). */
static bool synthesised(const struct dsec_input *in, const struct orr *o)
{
	if (o->type != BOLT_TYPE_CNAME)
		return false;
	for (unsigned i = 0; i < in->answer->n; i++) {
		const struct orr *d = &in->answer->v[i];
		if (d->type == BOLT_TYPE_DNAME && proper_ancestor(d->owner, o->owner))
			return true;
	}
	return false;
}

/* Verdict of the RRset of answer record i. false: a fetch is needed. */
static bool rrset_part(struct dsec_val *v, const struct dsec_input *in, unsigned i,
                       struct part *pt)
{
	const struct orr *o = &in->answer->v[i];
	static struct set st;
	dv_set_make(&st, in->answer, in->sigs, o->owner, o->type);
	if (st.s.nsigs == 0 || st.signer == NULL) {
		char ty[16], what[48];
		bolt_type_to_text(o->type, ty, sizeof(ty));
		snprintf(what, sizeof(what), "no RRSIG for %s", ty);
		return unsigned_part(v, seg_zone(in, i), o->owner, BOLT_VAL_EDE_RRSIGS_MISSING, what,
		                     pt);
	}
	uint8_t signer[BOLT_NAME_MAX];
	ncopy(signer, st.signer);
	const struct kentry *ke = dv_zone_status(v, signer);
	if (ke == NULL)
		return false;
	if (ke->state != KS_SECURE) {
		part_from_entry(pt, ke, signer);
		return true;
	}
	/* dv_zone_status may have reused the static set: make it again. */
	dv_set_make(&st, in->answer, in->sigs, o->owner, o->type);
	struct bolt_val_result out;
	enum bolt_val_status s = dv_verify(v, &st, signer, ke, &out);
	if (s == BOLT_VAL_SECURE && out.wildcard_len > 0) {
		uint8_t wild[BOLT_NAME_MAX];
		memcpy(wild, out.wildcard, out.wildcard_len);
		wildcard_part(v, in, o->owner, wild, signer, ke, pt);
	} else if (s == BOLT_VAL_SECURE) {
		part_set(pt, BOLT_SEC_SECURE, BOLT_EDE_NONE, NULL);
		pt->ttl = out.ttl;
	} else if (s == BOLT_VAL_INSECURE) {
		part_set(pt, BOLT_SEC_INSECURE, BOLT_EDE_NONE, NULL);
	} else {
		char on[300];
		ntext(o->owner, on, sizeof(on));
		part_set(pt, BOLT_SEC_BOGUS, out.ede, "%s: %s", on, out.reason);
	}
	return true;
}

/* Verdict of a negative answer's denial. false: a fetch is needed. */
static bool denial_part(struct dsec_val *v, const struct dsec_input *in, struct part *pt)
{
	const uint8_t *sg = dv_proof_signer(in->proof);
	if (sg == NULL || !bolt_name_in_zone(in->cur, sg))
		return unsigned_part(v, in->zone, in->cur, BOLT_VAL_EDE_NSEC_MISSING,
		                     "no signed denial of existence", pt);
	uint8_t signer[BOLT_NAME_MAX];
	ncopy(signer, sg);
	const struct kentry *ke = dv_zone_status(v, signer);
	if (ke == NULL)
		return false;
	if (ke->state != KS_SECURE) {
		part_from_entry(pt, ke, signer);
		return true;
	}
	struct bolt_rr *rr = dv_proof_rr;
	const struct bolt_rr **pp = dv_proof_p;
	size_t n;
	bool nsec3;
	uint32_t ttl;
	struct bolt_val_result out;
	char cn[300];
	ntext(in->cur, cn, sizeof(cn));
	if (dv_proof_records(v, in->proof, signer, ke, rr, pp, &n, &nsec3, &ttl, &out) !=
	    BOLT_VAL_SECURE) {
		part_set(pt, BOLT_SEC_BOGUS, out.ede, "%s: denial: %s", cn, out.reason);
	} else {
		enum bolt_val_status st;
		v->budget.nsec3_hashes = 0;
		if (in->rcode == BOLT_RCODE_NXDOMAIN)
			st = nsec3 ? bolt_val_nsec3_nxdomain(in->cur, signer, pp, n, &v->budget, &out)
			           : bolt_val_nsec_nxdomain(in->cur, signer, pp, n, &out);
		else
			st = nsec3 ? bolt_val_nsec3_nodata(in->cur, in->qtype, signer, pp, n, &v->budget,
			                                   &out)
			           : bolt_val_nsec_nodata(in->cur, in->qtype, signer, pp, n, &out);
		if (st == BOLT_VAL_SECURE)
			part_set(pt, BOLT_SEC_SECURE, BOLT_EDE_NONE, NULL);
		else if (st == BOLT_VAL_INSECURE)
			part_set(pt, BOLT_SEC_INSECURE, BOLT_EDE_NONE, NULL);
		else
			part_set(pt, BOLT_SEC_BOGUS, out.ede, "%s: %s", cn, out.reason);
	}
	return true;
}

static int rank(uint8_t status)
{
	return status == BOLT_SEC_SECURE ? 0 : status == BOLT_SEC_BOGUS ? 2 : 1;
}

enum dsec_step dsec_run(struct dsec_val *v, const struct dsec_input *in, struct dsec_fetch *f,
                        struct dsec_verdict *out)
{
	struct part worst = { .done = true, .status = BOLT_SEC_SECURE, .ede = BOLT_EDE_NONE };
	uint32_t cap = UINT32_MAX;
	v->need = false;
	bool any = false;
	for (unsigned i = 0; i < in->answer->n; i++) {
		const struct orr *o = &in->answer->v[i];
		if (o->type == BOLT_TYPE_RRSIG || synthesised(in, o))
			continue;
		bool first = true;
		for (unsigned j = 0; j < i && first; j++)
			first = !(in->answer->v[j].type == o->type &&
			          bolt_name_equal(in->answer->v[j].owner, o->owner));
		if (!first)
			continue;
		any = true;
		struct part tmp, *pt = i < SET_MAX ? &v->parts[i] : &tmp;
		if (i >= SET_MAX)
			pt->done = false;
		v->depth = 0;
		if (!pt->done && !rrset_part(v, in, i, pt))
			goto fetch;
		if (pt->ttl > 0 && pt->ttl < cap)
			cap = pt->ttl;
		if (rank(pt->status) > rank(worst.status))
			worst = *pt;
		if (worst.status == BOLT_SEC_BOGUS)
			goto done;
	}
	if (in->negative) {
		any = true;
		v->depth = 0;
		if (!v->denial.done && !denial_part(v, in, &v->denial))
			goto fetch;
		if (rank(v->denial.status) > rank(worst.status))
			worst = v->denial;
	}
	if (!any)
		part_set(&worst, BOLT_SEC_INDETERMINATE, BOLT_EDE_NONE, NULL);
done:
	out->status = worst.status;
	out->ttl = cap == UINT32_MAX ? 0 : cap;
	out->ede = worst.status == BOLT_SEC_BOGUS ? worst.ede : BOLT_EDE_NONE;
	snprintf(out->text, sizeof(out->text), "%s", worst.status == BOLT_SEC_BOGUS ? worst.text : "");
	out->key_zone = worst.status == BOLT_SEC_BOGUS ? worst.kzone : 0;
	return DSEC_DONE;
fetch:
	if (!v->need || v->nf >= DSEC_FETCH_MAX || dv_fres_find(v, v->want.name, v->want.type)) {
		out->status = BOLT_SEC_BOGUS;
		out->ede = BOLT_VAL_EDE_BOGUS;
		out->ttl = 0;
		out->key_zone = 0;
		snprintf(out->text, sizeof(out->text), "validation: too many lookups");
		return DSEC_DONE;
	}
	*f = v->want;
	return DSEC_FETCH;
}

/* ---- set-up, counters ---- */

bool dsec_wanted(const uint8_t *name)
{
	struct anchor_ctx *a = anchor_active();
	if (a == NULL || !a->validation || a->set == NULL || a->set->n == 0)
		return false;
	return ta_closest(a->set, name) != NULL;
}

bool dsec_nta(const uint8_t *name)
{
	struct anchor_ctx *a = anchor_active();
	return a != NULL && a->nta != NULL && nta_covers(a->nta, name, (int64_t)time(NULL)) != NULL;
}

uint8_t dsec_off_status(const uint8_t *name)
{
	(void)name;
	struct anchor_ctx *a = anchor_active();
	if (a == NULL || !a->validation || a->set == NULL)
		return BOLT_SEC_UNCHECKED;
	return BOLT_SEC_INSECURE;
}

struct dsec_val *dsec_new(const struct bolt_config *cfg)
{
	struct dsec_val *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->cfg = cfg;
	bolt_val_budget_init(&v->budget);
	if (cfg->max_nsec3_iterations > 0 && cfg->max_nsec3_iterations <= 65535)
		v->budget.max_nsec3_iterations = (uint16_t)cfg->max_nsec3_iterations;
	v->params.skew = cfg->val_clock_skew;
	return v;
}

void dsec_free(struct dsec_val *v)
{
	if (v == NULL)
		return;
	for (unsigned i = 0; i < v->nf; i++) {
		orr_list_free(&v->f[i].answer);
		orr_list_free(&v->f[i].sigs);
		orr_list_free(&v->f[i].proof);
	}
	free(v);
}

int dsec_collect(const struct bolt_msg *m, const bool *keep, struct orr_list *sigs,
                 struct orr_list *proof)
{
	for (unsigned i = 0; i < m->rrcount; i++) {
		const struct bolt_rr *rr = &m->rrs[i];
		if (!keep[i])
			continue;
		struct orr o = { .type = rr->type, .rclass = rr->rclass, .ttl = rr->ttl,
		                 .rdlen = rr->rdlen, .rdata = (uint8_t *)(uintptr_t)rr->rdata };
		memcpy(o.owner, rr->owner, rr->owner_len);
		struct orr_list *dst = NULL;
		if (rr->section == BOLT_SEC_ANSWER && rr->type == BOLT_TYPE_RRSIG) {
			dst = sigs;
		} else if (rr->section == BOLT_SEC_AUTHORITY) {
			uint16_t c = rr->type == BOLT_TYPE_RRSIG && rr->rdlen >= 2 ? get16(rr->rdata) : 0;
			if (rr->type == 47 || rr->type == 50 || c == 47 || c == 50 || c == BOLT_TYPE_SOA)
				dst = proof;
		}
		if (dst != NULL && add_unique(dst, &o) < 0)
			return -ENOMEM;
	}
	return 0;
}

void dsec_count(const struct dsec_verdict *v)
{
	switch (v->status) {
	case BOLT_SEC_SECURE: dsec_counters.secure++; break;
	case BOLT_SEC_INSECURE: dsec_counters.insecure++; break;
	case BOLT_SEC_BOGUS:
		dsec_counters.bogus++;
		dsec_counters.bogus_by_ede[v->ede < 16 ? v->ede : 0]++;
		break;
	default: dsec_counters.indeterminate++; break;
	}
}

static void counts_fn(void *arg, struct anchor_counts *out)
{
	(void)arg;
	out->secure = dsec_counters.secure;
	out->insecure = dsec_counters.insecure;
	out->bogus = dsec_counters.bogus;
	out->indeterminate = dsec_counters.indeterminate;
}

void dsec_register(void)
{
	struct anchor_ctx *a = anchor_active();
	if (a != NULL)
		anchor_set_counts_source(a, counts_fn, NULL);
}
