/*
 * The chain of trust of the resolver's DNSSEC module (see dnssec.h and
 * dnssec.c): what each zone is (secure with its validated DNSKEY set,
 * insecure, bogus), concluded from the trust anchor down through the DS at
 * each parent, kept in a key cache shared by every resolution; the cache of
 * RRsets verified before; the DS/DNSKEY answers a validation fetched; the
 * RFC 5011 hand-over of a trust point's DNSKEY set to control/anchor.
 *
 * Loop thread only.
 */
#include <errno.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "../anchor/anchor.h"
#include "../log.h"
#include "dnssec_int.h"

/* The key cache: zone conclusions, replaced round robin when full. */
static struct kentry kc[KC_MAX];
static unsigned kc_next;

static const struct kentry ke_insecure = { .used = true, .state = KS_INSECURE };

/* ---- the key cache ---- */

static struct kentry *kc_find(const uint8_t *name, uint32_t now)
{
	for (unsigned i = 0; i < KC_MAX; i++)
		if (kc[i].used && bolt_name_equal(kc[i].name, name)) {
			if ((int32_t)(kc[i].expires - now) > 0)
				return &kc[i];
			return NULL;
		}
	return NULL;
}

static struct kentry *kc_slot(const uint8_t *name)
{
	for (unsigned i = 0; i < KC_MAX; i++)
		if (kc[i].used && bolt_name_equal(kc[i].name, name))
			return &kc[i];
	struct kentry *e = &kc[kc_next];
	kc_next = (kc_next + 1) % KC_MAX;
	return e;
}

void dsec_keycache_clear(void)
{
	for (unsigned i = 0; i < KC_MAX; i++) {
		orr_list_free(&kc[i].keys);
		memset(&kc[i], 0, sizeof(kc[i]));
	}
	kc_next = 0;
}

void dsec_keycache_forget(const uint8_t *name, bool below)
{
	if (name == NULL) {
		dsec_keycache_clear();
		return;
	}
	for (unsigned i = 0; i < KC_MAX; i++)
		if (kc[i].used && (below ? bolt_name_in_zone(kc[i].name, name)
		                         : bolt_name_equal(kc[i].name, name))) {
			orr_list_free(&kc[i].keys);
			memset(&kc[i], 0, sizeof(kc[i]));
		}
}

static uint32_t now_s(void)
{
	return bolt_now();
}

/* Store a conclusion for zone name (ttl seconds); keys: the DNSKEY RRset
 * of a secure zone (copied), alias: the zone a non-cut name belongs to. */
/* Add name to list[*n] (TRACK_MAX at most, no duplicates). */
static void track(uint8_t (*list)[BOLT_NAME_MAX], unsigned *n, const uint8_t *name)
{
	for (unsigned i = 0; i < *n; i++)
		if (bolt_name_equal(list[i], name))
			return;
	if (*n < TRACK_MAX)
		ncopy(list[(*n)++], name);
}

static bool tracked(uint8_t (*list)[BOLT_NAME_MAX], unsigned n, const uint8_t *name)
{
	for (unsigned i = 0; i < n; i++)
		if (bolt_name_equal(list[i], name))
			return true;
	return false;
}

/* Forget the conclusion for name (a new query will conclude again). */
static void kc_drop(const uint8_t *name)
{
	for (unsigned i = 0; i < KC_MAX; i++)
		if (kc[i].used && bolt_name_equal(kc[i].name, name)) {
			orr_list_free(&kc[i].keys);
			memset(&kc[i], 0, sizeof(kc[i]));
			return;
		}
}

bool dsec_refetch_keys(struct dsec_val *v)
{
	unsigned n = v->nkc_used;
	if (n == 0 || v->cached_bogus)
		return false;
	for (unsigned i = 0; i < n; i++)
		kc_drop(v->kc_used[i]);
	v->nkc_used = 0;
	for (unsigned i = 0; i < v->nkc_made_bogus; i++)
		kc_drop(v->kc_made_bogus[i]);
	v->nkc_made_bogus = 0;
	return true;
}

bool dsec_bogus_retry(struct dsec_val *v)
{
	if (v->cached_bogus)
		return false;
	for (unsigned i = 0; i < v->nkc_made_bogus; i++)
		kc_drop(v->kc_made_bogus[i]);
	v->nkc_made_bogus = 0;
	return true;
}

static const struct kentry *kc_put(struct dsec_val *v, const uint8_t *name, uint8_t state,
                                   uint32_t ttl, uint16_t ede, const char *reason,
                                   const struct set *keys, const uint8_t *alias)
{
	if (state == KS_BOGUS)
		track(v->kc_made_bogus, &v->nkc_made_bogus, name);
	struct kentry *e = kc_slot(name);
	orr_list_free(&e->keys);
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->state = state;
	ncopy(e->name, name);
	if (ttl == 0)
		ttl = 1;
	e->expires = now_s() + ttl;
	e->ede = ede;
	snprintf(e->reason, sizeof(e->reason), "%s", reason != NULL ? reason : "");
	if (alias != NULL)
		ncopy(e->alias, alias);
	for (size_t i = 0; keys != NULL && i < keys->s.count; i++) {
		const struct bolt_rr *k = keys->s.rrs[i];
		if (orr_add(&e->keys, k->owner, k->type, k->rclass, k->ttl, k->rdata, k->rdlen) < 0) {
			/* Out of memory: conclude nothing, ask again next time. */
			orr_list_free(&e->keys);
			e->used = false;
			v->tmp = (struct kentry){ .used = true, .state = KS_BOGUS,
			                          .ede = BOLT_VAL_EDE_BOGUS };
			snprintf(v->tmp.reason, sizeof(v->tmp.reason), "out of memory");
			return &v->tmp;
		}
	}
	if (cp_log_enabled(CP_LOG_DEBUG)) {
		static const char *names[] = { "?", "secure", "insecure", "bogus", "not a cut" };
		char zn[300];
		ntext(name, zn, sizeof(zn));
		cp_log(CP_LOG_DEBUG, "DNSSEC: zone %s is %s%s%s", zn, names[state < 5 ? state : 0],
		       e->reason[0] ? ": " : "", e->reason);
	}
	return e;
}

static uint32_t bogus_ttl(const struct dsec_val *v)
{
	return v->cfg->bogus_ttl > 0 ? v->cfg->bogus_ttl : 60;
}

static const struct kentry *put_bogus(struct dsec_val *v, const uint8_t *name, uint16_t ede,
                                      const char *fmt_zone_reason)
{
	return kc_put(v, name, KS_BOGUS, bogus_ttl(v),
	              ede == BOLT_VAL_EDE_NONE ? BOLT_VAL_EDE_BOGUS : ede, fmt_zone_reason, NULL, NULL);
}

/* z below a parent whose conclusion pk is not secure: the same (insecure
 * for ttl, or bogus). NULL (fetch first) passes through. */
static const struct kentry *inherit(struct dsec_val *v, const uint8_t *z,
                                    const struct kentry *pk, uint32_t ttl)
{
	if (pk == NULL)
		return NULL;
	if (pk->state == KS_BOGUS) {
		/* the keys that failed are the ancestor's (dsec_verdict.key_zone:
		 * whose servers a new query avoids) */
		uint64_t cause = pk->cause != 0 ? pk->cause
		                 : pk != &v->tmp ? dsec_zone_key(pk->name) : 0;
		const struct kentry *e = put_bogus(v, z, pk->ede, pk->reason);
		if (e != &v->tmp)
			((struct kentry *)e)->cause = cause;
		return e;
	}
	return kc_put(v, z, KS_INSECURE, ttl, 0, NULL, NULL, NULL);
}

/* The NSEC/NSEC3 records of one proof being checked (never two at once:
 * each user fills and reads them with no dv_zone_status() in between). */
struct bolt_rr dv_proof_rr[SET_MAX];
const struct bolt_rr *dv_proof_p[SET_MAX];

/* ---- fetched answers ---- */

struct fres *dv_fres_find(struct dsec_val *v, const uint8_t *name, uint16_t type)
{
	for (unsigned i = 0; i < v->nf; i++)
		if (v->f[i].type == type && bolt_name_equal(v->f[i].name, name))
			return &v->f[i];
	return NULL;
}

static const struct kentry *need(struct dsec_val *v, const uint8_t *name, uint16_t type)
{
	if (!v->need) {
		v->need = true;
		ncopy(v->want.name, name);
		v->want.type = type;
	}
	return NULL;
}

int dsec_feed(struct dsec_val *v, const uint8_t *name, uint16_t type, uint8_t rcode,
              bool negative, const struct orr_list *answer, const struct orr_list *sigs,
              const struct orr_list *proof, const uint8_t *zone)
{
	if (v->nf >= DSEC_FETCH_MAX || dv_fres_find(v, name, type) != NULL)
		return 0;
	struct fres *f = &v->f[v->nf];
	memset(f, 0, sizeof(*f));
	ncopy(f->name, name);
	f->type = type;
	f->rcode = rcode;
	f->negative = negative;
	ncopy(f->zone, zone);
	const struct orr_list *src[3] = { answer, sigs, proof };
	struct orr_list *dst[3] = { &f->answer, &f->sigs, &f->proof };
	for (unsigned k = 0; k < 3; k++)
		for (unsigned i = 0; src[k] != NULL && i < src[k]->n; i++)
			if (add_unique(dst[k], &src[k]->v[i]) < 0) {
				orr_list_free(&f->answer);
				orr_list_free(&f->sigs);
				orr_list_free(&f->proof);
				return -ENOMEM;
			}
	v->nf++;
	return 0;
}

/* ---- zones ---- */

/*
 * RRsets verified secure, by the SHA-256 of everything the verdict depends
 * on (zone, records, RRSIGs, the zone's keys), until the verdict's TTL
 * runs out: the same NSEC3 records prove every NXDOMAIN of a flood, and the
 * same RRset comes again to DO=0 and DO=1 questions. A signature check
 * costs tens of microseconds, the hash one (Unbound keeps a validated
 * status in its RRset cache for the same reason). Direct-mapped; a
 * collision only costs a verification. A cryptographic hash, since the
 * records are the attacker's choice.
 */
#define VC_SLOTS 4096
static struct {
	uint8_t digest[32];
	uint32_t expires;
	uint16_t key_tag;
	uint8_t wildcard_len;
	uint8_t wildcard[BOLT_NAME_MAX];
} vc[VC_SLOTS];

static void vc_digest(const struct set *st, const uint8_t *zone, const struct kentry *keys,
                      uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned len = 0;
	memset(out, 0, 32);
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return;
	}
	EVP_DigestUpdate(c, zone, (size_t)nlen(zone));
	for (size_t k = 0; k < 2; k++) {
		size_t n = k == 0 ? st->s.count : st->s.nsigs;
		for (size_t i = 0; i < n; i++) {
			const struct bolt_rr *rr = k == 0 ? st->s.rrs[i] : st->s.sigs[i];
			uint8_t hdr[6] = { (uint8_t)(rr->type >> 8), (uint8_t)rr->type,
			                   (uint8_t)(rr->rclass >> 8), (uint8_t)rr->rclass,
			                   (uint8_t)(rr->rdlen >> 8), (uint8_t)rr->rdlen };
			EVP_DigestUpdate(c, rr->owner, rr->owner_len);
			EVP_DigestUpdate(c, hdr, sizeof(hdr));
			EVP_DigestUpdate(c, rr->rdata, rr->rdlen);
		}
		EVP_DigestUpdate(c, "|", 1);
	}
	for (unsigned i = 0; i < keys->keys.n; i++) {
		uint8_t l[2] = { (uint8_t)(keys->keys.v[i].rdlen >> 8), (uint8_t)keys->keys.v[i].rdlen };
		EVP_DigestUpdate(c, l, 2);
		EVP_DigestUpdate(c, keys->keys.v[i].rdata, keys->keys.v[i].rdlen);
	}
	EVP_DigestFinal_ex(c, out, &len);
	EVP_MD_CTX_free(c);
}

enum bolt_val_status dv_verify(struct dsec_val *v, const struct set *st,
                                   const uint8_t *zone, const struct kentry *keys,
                                   struct bolt_val_result *out)
{
	uint8_t d[32];
	uint32_t now = now_s();
	vc_digest(st, zone, keys, d);
	unsigned slot = ((unsigned)d[0] << 8 | d[1]) % VC_SLOTS;
	if ((int32_t)(vc[slot].expires - now) > 0 && memcmp(vc[slot].digest, d, 32) == 0 &&
	    v->fixed_now == 0) {
		memset(out, 0, sizeof(*out));
		out->status = BOLT_VAL_SECURE;
		out->ede = BOLT_VAL_EDE_NONE;
		out->reason = "verified before";
		out->ttl = vc[slot].expires - now;
		out->key_tag = vc[slot].key_tag;
		out->wildcard_len = vc[slot].wildcard_len;
		memcpy(out->wildcard, vc[slot].wildcard, vc[slot].wildcard_len);
		dsec_counters.sig_cache_hits++;
		return BOLT_VAL_SECURE;
	}
	struct bolt_rr kr[SET_MAX];
	const struct bolt_rr *kp[SET_MAX];
	size_t nk = 0;
	for (unsigned i = 0; i < keys->keys.n && nk < SET_MAX; i++) {
		to_rr(&keys->keys.v[i], &kr[nk]);
		kp[nk] = &kr[nk];
		nk++;
	}
	set_now(v);
	enum bolt_val_status ret = bolt_val_verify_rrset(&st->s, zone, kp, nk, &v->params,
	                                                 &v->budget, out);
	if (ret == BOLT_VAL_SECURE && out->ttl > 0 && v->fixed_now == 0) {
		memcpy(vc[slot].digest, d, 32);
		vc[slot].expires = now + out->ttl;
		vc[slot].key_tag = out->key_tag;
		vc[slot].wildcard_len = out->wildcard_len;
		memcpy(vc[slot].wildcard, out->wildcard, out->wildcard_len);
	}
	return ret;
}

/* The NSEC or NSEC3 records of proof owned inside zone, all verified with
 * the zone's keys. Returns SECURE with rr/p filled (*n, *nsec3 set), or the
 * failure in out. */
enum bolt_val_status dv_proof_records(struct dsec_val *v, const struct orr_list *proof,
                                          const uint8_t *zone, const struct kentry *ke,
                                          struct bolt_rr *rr, const struct bolt_rr **p,
                                          size_t *n, bool *nsec3, uint32_t *min_ttl,
                                          struct bolt_val_result *out)
{
	*n = 0;
	*nsec3 = false;
	*min_ttl = UINT32_MAX;
	for (unsigned i = 0; i < proof->n; i++) {
		const struct orr *o = &proof->v[i];
		if ((o->type == 50) && bolt_name_in_zone(o->owner, zone))
			*nsec3 = true;
	}
	uint16_t type = *nsec3 ? 50 : 47;
	static struct set st;
	for (unsigned i = 0; i < proof->n && *n < SET_MAX; i++) {
		const struct orr *o = &proof->v[i];
		if (o->type != type || !bolt_name_in_zone(o->owner, zone))
			continue;
		bool seen = false;
		for (unsigned j = 0; j < i && !seen; j++)
			seen = proof->v[j].type == type && bolt_name_equal(proof->v[j].owner, o->owner);
		if (!seen) {
			dv_set_make(&st, proof, proof, o->owner, type);
			if (dv_verify(v, &st, zone, ke, out) != BOLT_VAL_SECURE) {
				if (out->status != BOLT_VAL_BOGUS)
					out->status = BOLT_VAL_BOGUS;
				return BOLT_VAL_BOGUS;
			}
		}
		to_rr(o, &rr[*n]);
		p[*n] = &rr[*n];
		if (o->ttl < *min_ttl)
			*min_ttl = o->ttl;
		(*n)++;
	}
	memset(out, 0, sizeof(*out));
	out->status = BOLT_VAL_SECURE;
	out->ede = BOLT_VAL_EDE_NONE;
	return BOLT_VAL_SECURE;
}

/* The signer of the first RRSIG in proof covering NSEC, NSEC3 (or SOA). */
const uint8_t *dv_proof_signer(const struct orr_list *proof)
{
	const uint8_t *soa = NULL;
	for (unsigned i = 0; i < proof->n; i++) {
		const struct orr *o = &proof->v[i];
		if (o->type != BOLT_TYPE_RRSIG)
			continue;
		uint16_t c = sig_covered(o);
		if (c == 47 || c == 50)
			return sig_signer(o);
		if (c == BOLT_TYPE_SOA && soa == NULL)
			soa = sig_signer(o);
	}
	return soa;
}

/*
 * RFC 5011: the DNSKEY RRset of trust point z, fetched and validated (or
 * not) with the trusted keys, goes to the anchor module, which keeps the
 * key states and writes the state file. A revocation counts only when the
 * revoked key signed the set itself (section 2.1): that signature is
 * checked here for the revoked keys the anchor module would move
 * (ta_5011_revocable), with a budget of its own so that it never takes
 * from the answer's.
 */
static void observe_5011(struct dsec_val *v, const uint8_t *z, const struct set *ks,
                         bool validated)
{
	struct anchor_ctx *a = anchor_active();
	if (a == NULL || a->set == NULL)
		return;
	const struct ta_point *p = ta_set_find(a->set, z);
	struct ta_dnskey_in in[SET_MAX];
	unsigned n = 0;
	struct bolt_val_budget b;
	bolt_val_budget_init(&b);
	set_now(v);
	for (size_t i = 0; i < ks->s.count && n < SET_MAX; i++, n++) {
		const struct bolt_rr *k = ks->s.rrs[i];
		in[n].rdata = k->rdata;
		in[n].rdlen = k->rdlen;
		in[n].self_signed = false;
		if (validated && p != NULL && ta_5011_revocable(p, k->rdata, k->rdlen)) {
			struct bolt_val_result out;
			in[n].self_signed = bolt_val_verify_revoked(&ks->s, z, k, &v->params, &b,
			                                            &out) == BOLT_VAL_SECURE;
			if (cp_log_enabled(CP_LOG_NOTICE)) {
				char zn[300];
				ntext(z, zn, sizeof(zn));
				cp_log(CP_LOG_NOTICE,
				       "DNSSEC: RFC 5011: trust point %s: key %d published revoked, %s%s",
				       zn, bolt_val_key_tag(k->rdata, k->rdlen),
				       in[n].self_signed ? "self-signed" : "not self-signed: ignored: ",
				       in[n].self_signed ? "" : out.reason);
			}
		}
	}
	int64_t expire = 0;
	uint32_t ttl = ks->min_ttl != UINT32_MAX ? ks->min_ttl : 0;
	for (size_t i = 0; i < ks->s.nsigs; i++) {
		const uint8_t *rd = ks->s.sigs[i]->rdata;
		if (ks->s.sigs[i]->rdlen < 18)
			continue;
		int64_t e = ((int64_t)rd[8] << 24) | (rd[9] << 16) | (rd[10] << 8) | rd[11];
		if (expire == 0 || e < expire)
			expire = e;
		ttl = ((uint32_t)rd[4] << 24) | ((uint32_t)rd[5] << 16) | ((uint32_t)rd[6] << 8) | rd[7];
	}
	bool changed = false;
	int ret = anchor_5011_observe(a, z, in, n, validated, ttl, expire, (int64_t)time(NULL),
	                              &changed);
	if (changed || ret < 0) {
		char zn[300];
		ntext(z, zn, sizeof(zn));
		cp_log(ret < 0 ? CP_LOG_ERR : CP_LOG_NOTICE, "DNSSEC: RFC 5011: trust point %s: %s%s",
		       zn, ret < 0 ? "state file not written: " : "key states changed",
		       ret < 0 ? a->state_error : "");
	}
}

bool dsec_probe_due(uint8_t *name)
{
	struct anchor_ctx *a = anchor_active();
	if (a == NULL || !a->validation || a->set == NULL)
		return false;
	struct ta_point *p = ta_5011_due(a->set, (int64_t)time(NULL));
	if (p == NULL)
		return false;
	memcpy(name, p->name, p->name_len);
	/* The probe's validation fetches the set again, and hands it over. */
	struct kentry *e = kc_find(name, now_s());
	if (e != NULL)
		e->expires = now_s();
	return true;
}

void dsec_probe_done(const uint8_t *name)
{
	struct anchor_ctx *a = anchor_active();
	if (a == NULL || a->set == NULL)
		return;
	struct ta_point *p = ta_set_find(a->set, name);
	/* No set was observed (the look-up failed): a failed probe, so that
	 * the next one comes at the retry time, not at once. */
	if (p != NULL && p->next_probe <= (int64_t)time(NULL)) {
		bool changed;
		(void)anchor_5011_observe(a, name, NULL, 0, false, p->ttl, 0, (int64_t)time(NULL),
		                          &changed);
	}
}

/* A zone's keys validated against the trust anchor at it. */
static const struct kentry *anchor_keys(struct dsec_val *v, const uint8_t *z,
                                        const struct ta_point *ta)
{
	struct fres *f = dv_fres_find(v, z, BOLT_TYPE_DNSKEY);
	if (f == NULL)
		return need(v, z, BOLT_TYPE_DNSKEY);
	static struct set ks;
	dv_set_make(&ks, &f->answer, &f->sigs, z, BOLT_TYPE_DNSKEY);
	if (ks.s.count == 0)
		return put_bogus(v, z, BOLT_VAL_EDE_DNSKEY_MISSING, "no DNSKEY at the trust anchor");
	struct bolt_rr ar[TA_MAX_KEYS];
	const struct bolt_rr *ds[TA_MAX_KEYS], *dk[TA_MAX_KEYS];
	size_t nds = 0, ndk = 0;
	for (unsigned i = 0; i < ta->nkeys; i++) {
		const struct ta_key *k = &ta->keys[i];
		if (!ta_key_trusted(k))
			continue;
		struct bolt_rr *rr = &ar[nds + ndk];
		memset(rr, 0, sizeof(*rr));
		memcpy(rr->owner, ta->name, ta->name_len);
		rr->owner_len = ta->name_len;
		rr->type = k->type;
		rr->rclass = BOLT_CLASS_IN;
		rr->rdlen = k->rdlen;
		rr->rdata = k->rdata;
		if (k->type == TA_TYPE_DS)
			ds[nds++] = rr;
		else
			dk[ndk++] = rr;
	}
	struct bolt_val_result out;
	memset(&out, 0, sizeof(out));
	out.status = BOLT_VAL_BOGUS;
	out.ede = BOLT_VAL_EDE_DNSKEY_MISSING;
	out.reason = "no trusted key at the trust anchor";
	set_now(v);
	if (nds > 0)
		bolt_val_verify_dnskey(&ks.s, ds, nds, z, &v->params, &v->budget, &out);
	if (out.status != BOLT_VAL_SECURE && ndk > 0)
		bolt_val_verify_rrset(&ks.s, z, dk, ndk, &v->params, &v->budget, &out);
	observe_5011(v, z, &ks, out.status == BOLT_VAL_SECURE);
	if (out.status == BOLT_VAL_SECURE)
		return kc_put(v, z, KS_SECURE, out.ttl, BOLT_VAL_EDE_NONE, NULL, &ks, NULL);
	if (out.status == BOLT_VAL_INSECURE)
		return kc_put(v, z, KS_INSECURE, ks.min_ttl, out.ede, out.reason, NULL, NULL);
	return put_bogus(v, z, out.ede, out.reason);
}

/* Conclusion for z from its DS at the parent. */
static const struct kentry *ds_keys(struct dsec_val *v, const uint8_t *z)
{
	struct fres *f = dv_fres_find(v, z, BOLT_TYPE_DS);
	if (f == NULL)
		return need(v, z, BOLT_TYPE_DS);
	if (f->rcode != BOLT_RCODE_NOERROR && f->rcode != BOLT_RCODE_NXDOMAIN)
		return put_bogus(v, z, BOLT_VAL_EDE_DNSKEY_MISSING, "the DS RRset could not be fetched");
	struct set *ds = malloc(sizeof(*ds));
	if (ds == NULL)
		return put_bogus(v, z, BOLT_VAL_EDE_BOGUS, "out of memory");
	const struct kentry *ret;
	dv_set_make(ds, &f->answer, &f->sigs, z, BOLT_TYPE_DS);
	if (ds->s.count > 0 && !f->negative) {
		const uint8_t *p = ds->signer;
		if (p == NULL || !proper_ancestor(p, z)) {
			/* Unsigned DS: fine in an insecure parent only. */
			uint8_t parent[BOLT_NAME_MAX];
			ncopy(parent, proper_ancestor(f->zone, z) ? f->zone : z + 1 + z[0]);
			const struct kentry *pk = dv_zone_status(v, parent);
			if (pk == NULL || pk->state != KS_SECURE) {
				ret = inherit(v, z, pk, ds->min_ttl);
				goto out;
			}
			ret = put_bogus(v, z, BOLT_VAL_EDE_RRSIGS_MISSING, "DS without RRSIG");
			goto out;
		}
		const struct kentry *pk = dv_zone_status(v, p);
		if (pk == NULL || pk->state != KS_SECURE) {
			ret = inherit(v, z, pk, ds->min_ttl);
			goto out;
		}
		struct bolt_val_result out;
		if (dv_verify(v, ds, p, pk, &out) != BOLT_VAL_SECURE) {
			ret = out.status == BOLT_VAL_INSECURE
			      ? kc_put(v, z, KS_INSECURE, ds->min_ttl, out.ede, out.reason, NULL, NULL)
			      : put_bogus(v, z, out.ede, out.reason);
			goto out;
		}
		uint32_t ds_ttl = out.ttl;
		struct fres *g = dv_fres_find(v, z, BOLT_TYPE_DNSKEY);
		if (g == NULL) {
			ret = need(v, z, BOLT_TYPE_DNSKEY);
			goto out;
		}
		static struct set ks;
		dv_set_make(&ks, &g->answer, &g->sigs, z, BOLT_TYPE_DNSKEY);
		set_now(v);
		bolt_val_verify_dnskey(&ks.s, ds->s.rrs, ds->s.count, z, &v->params, &v->budget, &out);
		if (out.status == BOLT_VAL_SECURE)
			ret = kc_put(v, z, KS_SECURE, out.ttl < ds_ttl ? out.ttl : ds_ttl, 0, NULL, &ks,
			             NULL);
		else if (out.status == BOLT_VAL_INSECURE)
			ret = kc_put(v, z, KS_INSECURE, ds_ttl, out.ede, out.reason, NULL, NULL);
		else
			ret = put_bogus(v, z, out.ede, out.reason);
		goto out;
	}
	/* No DS: the parent proves an unsigned delegation (or that z is no cut). */
	const uint8_t *p = dv_proof_signer(&f->proof);
	uint8_t parent[BOLT_NAME_MAX];
	if (p == NULL || !proper_ancestor(p, z)) {
		ncopy(parent, proper_ancestor(f->zone, z) ? f->zone : z + 1 + z[0]);
		const struct kentry *pk = dv_zone_status(v, parent);
		if (pk == NULL || pk->state != KS_SECURE) {
			ret = inherit(v, z, pk, INSECURE_TTL_MAX);
			goto out;
		}
		ret = put_bogus(v, z, BOLT_VAL_EDE_NSEC_MISSING, "no signed proof that the DS is absent");
		goto out;
	}
	const struct kentry *pk = dv_zone_status(v, p);
	if (pk == NULL || pk->state != KS_SECURE) {
		ret = inherit(v, z, pk, INSECURE_TTL_MAX);
		goto out;
	}
	struct bolt_rr *rr = dv_proof_rr;
	const struct bolt_rr **pp = dv_proof_p;
	size_t n;
	bool nsec3;
	uint32_t ttl;
	struct bolt_val_result out;
	if (dv_proof_records(v, &f->proof, p, pk, rr, pp, &n, &nsec3, &ttl, &out) != BOLT_VAL_SECURE) {
		ret = put_bogus(v, z, out.ede, out.reason);
	} else {
		if (ttl > INSECURE_TTL_MAX)
			ttl = INSECURE_TTL_MAX;
		v->budget.nsec3_hashes = 0;
		enum bolt_val_status st = nsec3
			? bolt_val_nsec3_insecure_delegation(z, p, pp, n, &v->budget, &out)
			: bolt_val_nsec_insecure_delegation(z, p, pp, n, &out);
		if (st == BOLT_VAL_INSECURE) {
			ret = kc_put(v, z, KS_INSECURE, ttl, 0, NULL, NULL, NULL);
		} else {
			v->budget.nsec3_hashes = 0;
			if (f->rcode == BOLT_RCODE_NXDOMAIN)
				st = nsec3 ? bolt_val_nsec3_nxdomain(z, p, pp, n, &v->budget, &out)
				           : bolt_val_nsec_nxdomain(z, p, pp, n, &out);
			else
				st = nsec3 ? bolt_val_nsec3_nodata(z, BOLT_TYPE_DS, p, pp, n, &v->budget, &out)
				           : bolt_val_nsec_nodata(z, BOLT_TYPE_DS, p, pp, n, &out);
			if (st == BOLT_VAL_SECURE)
				ret = kc_put(v, z, KS_ALIAS, ttl, 0, NULL, NULL, p);
			else if (st == BOLT_VAL_INSECURE)
				ret = kc_put(v, z, KS_INSECURE, ttl, 0, NULL, NULL, NULL);
			else
				ret = put_bogus(v, z, out.ede, out.reason);
		}
	}
out:
	free(ds);
	if (ret != NULL && ret->state == KS_ALIAS)
		return dv_zone_status(v, ret->alias);
	return ret;
}

/*
 * The conclusion for zone z: an entry of the key cache (or a static one),
 * or NULL when a fetch is needed first (v->want). Aliases are followed.
 */
const struct kentry *dv_zone_status(struct dsec_val *v, const uint8_t *z)
{
	struct anchor_ctx *a = anchor_active();
	if (a == NULL || a->set == NULL)
		return &ke_insecure;
	if (++v->depth > DEPTH_MAX) {
		v->tmp = (struct kentry){ .used = true, .state = KS_BOGUS, .ede = BOLT_VAL_EDE_BOGUS };
		snprintf(v->tmp.reason, sizeof(v->tmp.reason), "chain of trust too long");
		return &v->tmp;
	}
	if (a->nta != NULL && nta_covers(a->nta, z, (int64_t)time(NULL)) != NULL)
		return &ke_insecure;
	const struct kentry *e = kc_find(z, now_s());
	if (e != NULL) {
		dsec_counters.key_hits++;
		/* what a bogus verdict may have to fetch again (dsec_refetch_keys),
		 * or makes a new query useless (dsec_bogus_retry) */
		if (e->state == KS_SECURE)
			track(v->kc_used, &v->nkc_used, z);
		else if (e->state == KS_BOGUS &&
		         !tracked(v->kc_made_bogus, v->nkc_made_bogus, z))
			v->cached_bogus = true;
		if (e->state == KS_ALIAS)
			return dv_zone_status(v, e->alias);
		return e;
	}
	const struct ta_point *ta = ta_closest(a->set, z);
	if (ta == NULL)
		return &ke_insecure;
	if (bolt_name_equal(ta->name, z))
		return anchor_keys(v, z, ta);
	return ds_keys(v, z);
}

