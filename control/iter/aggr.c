/*
 * Aggressive use of validated NSEC/NSEC3 (RFC 8198, see aggr.h).
 *
 * Layout: zones in a small hash table by name; each zone holds its SOA
 * (with RRSIGs) and a sorted array of its records (canonical owner order
 * for NSEC, owner hash order for NSEC3), so the record at or before a name
 * is one binary search away. Every record is one allocation (owner, RDATA,
 * RRSIGs) on a least-recently-used list shared by all zones; the store
 * evicts from its tail while it holds more bytes than allowed.
 *
 * The store only picks the candidate records (the one at or covering the
 * name, the closest encloser's, the wildcard's); whether they prove the
 * answer is decided by the validator's denial functions, the same ones a
 * resolved negative answer went through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/cache.h"
#include "../validator/validator.h"
#include "aggr.h"

#define HASH_LEN 20
#define ZONE_BUCKETS 256
/* Names hashed per synthesised NSEC3 answer on our side (the name and its
 * ancestors down to the closest encloser, the next closer, the wildcard):
 * deeper names go upstream (the validator's own budget,
 * BOLT_VAL_MAX_NSEC3_HASHES, must also cover its re-check). */
#define NSEC3_WALK_MAX 12
/* Records one answer uses at most (NSEC3: encloser, next closer, wildcard). */
#define USE_MAX 3

struct azone;

struct arec {
	struct arec *prev, *next;      /* LRU list, most recent first */
	struct azone *z;
	uint32_t expires;              /* bolt_now() seconds */
	uint8_t hash[HASH_LEN];        /* NSEC3: the owner's hash (sort key) */
	uint8_t owner_len;
	uint8_t nsig;
	uint16_t rdlen;
	uint16_t siglen[AGGR_SIGS_MAX];
	size_t bytes;                  /* accounted size */
	uint8_t data[];                /* owner | RDATA | RRSIG RDATA ... */
};

struct azone {
	struct azone *hnext;
	uint8_t name[BOLT_NAME_MAX];   /* lower-case */
	uint16_t type;                 /* BOLT_TYPE_NSEC or BOLT_TYPE_NSEC3 */
	uint16_t iterations;           /* NSEC3 parameters of every record held */
	uint8_t salt_len;
	uint8_t salt[255];
	uint32_t soa_expires;
	uint32_t soa_ttl;
	uint16_t soa_len;
	uint8_t soa_nsig;
	uint16_t soa_siglen[AGGR_SIGS_MAX];
	uint8_t *soa;                  /* SOA RDATA | its RRSIGs' RDATA */
	size_t soa_bytes;
	struct arec **v;               /* sorted */
	unsigned n, cap;
};

struct aggr {
	size_t max_bytes, bytes;
	uint16_t max_iter;
	struct azone *bucket[ZONE_BUCKETS];
	struct arec *head, *tail;
	struct aggr_stats st;
};

/* ---- names and RDATA ---- */

static int nlen(const uint8_t *n)
{
	return bolt_name_len(n, BOLT_NAME_MAX);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static unsigned zhash(const uint8_t *name)
{
	uint32_t h = 2166136261u;
	for (int i = 0, l = nlen(name); i < l; i++) {
		uint8_t c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		h = (h ^ c) * 16777619u;
	}
	return h % ZONE_BUCKETS;
}

/* The suffix of name with its last keep labels. */
static const uint8_t *suffix(const uint8_t *name, int keep)
{
	int skip = bolt_name_labels(name) - keep;
	while (skip-- > 0 && *name != 0)
		name += 1 + *name;
	return name;
}

/* Rightmost labels a and b share. */
static int common_labels(const uint8_t *a, const uint8_t *b)
{
	int la = bolt_name_labels(a), lb = bolt_name_labels(b);
	int k = la < lb ? la : lb;
	while (k > 0 && !bolt_name_equal(suffix(a, k), suffix(b, k)))
		k--;
	return k;
}

/* An RRSIG's covered type, expiration and signer (NULL if malformed). */
static const uint8_t *sig_parts(const struct bolt_rr *rr, uint16_t *covered, uint32_t *expire)
{
	if (rr->type != BOLT_TYPE_RRSIG || rr->rdlen < 19 ||
	    bolt_name_len(rr->rdata + 18, (size_t)rr->rdlen - 18) <= 0)
		return NULL;
	*covered = get16(rr->rdata);
	*expire = get32(rr->rdata + 8);
	return rr->rdata + 18;
}

/* NSEC3 parameters of a record (RFC 5155 3.2), false when unusable here:
 * malformed, unknown hash or flags (RFC 5155 8.1-8.2), a hash length other
 * than SHA-1's, owner not one base32hex label below zone. */
struct n3p {
	uint16_t iterations;
	uint8_t salt_len;
	const uint8_t *salt;
	uint8_t owner_hash[HASH_LEN];
};

static bool n3_params(const struct bolt_rr *rr, const uint8_t *zone, struct n3p *p)
{
	const uint8_t *rd = rr->rdata;
	if (rr->rdlen < 5 || rr->rdlen < 5u + rd[4] + 1)
		return false;
	size_t hpos = 5 + (size_t)rd[4];
	if (rd[0] != 1 || (rd[1] & ~1u) != 0 || rd[hpos] != HASH_LEN ||
	    hpos + 1 + HASH_LEN > rr->rdlen)
		return false;
	if (bolt_name_labels(rr->owner) != bolt_name_labels(zone) + 1 ||
	    !bolt_name_in_zone(rr->owner, zone) ||
	    !bolt_val_nsec3_label_hash(rr->owner + 1, rr->owner[0], p->owner_hash))
		return false;
	p->iterations = get16(rd + 2);
	p->salt_len = rd[4];
	p->salt = rd + 5;
	return true;
}

/* ---- records ---- */

static const uint8_t *rec_rdata(const struct arec *r)
{
	return r->data + r->owner_len;
}

static const uint8_t *rec_sig(const struct arec *r, unsigned i, uint16_t *len)
{
	const uint8_t *p = rec_rdata(r) + r->rdlen;
	for (unsigned k = 0; k < i; k++)
		p += r->siglen[k];
	*len = r->siglen[i];
	return p;
}

static int rec_cmp_key(const struct azone *z, const struct arec *r, const uint8_t *key)
{
	if (z->type == BOLT_TYPE_NSEC3)
		return memcmp(r->hash, key, HASH_LEN);
	return bolt_val_name_cmp(r->data, key);
}

static const uint8_t *rec_key(const struct azone *z, const struct arec *r)
{
	return z->type == BOLT_TYPE_NSEC3 ? r->hash : r->data;
}

/* First index whose record is not before key; *eq when it is key. */
static unsigned lower_bound(const struct azone *z, const uint8_t *key, bool *eq)
{
	unsigned lo = 0, hi = z->n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (rec_cmp_key(z, z->v[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*eq = lo < z->n && rec_cmp_key(z, z->v[lo], key) == 0;
	return lo;
}

static void lru_unlink(struct aggr *a, struct arec *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		a->head = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	else
		a->tail = r->prev;
	r->prev = r->next = NULL;
}

static void lru_push(struct aggr *a, struct arec *r)
{
	r->prev = NULL;
	r->next = a->head;
	if (a->head != NULL)
		a->head->prev = r;
	a->head = r;
	if (a->tail == NULL)
		a->tail = r;
}

static void lru_touch(struct aggr *a, struct arec *r)
{
	if (a->head == r)
		return;
	lru_unlink(a, r);
	lru_push(a, r);
}

/* ---- zones ---- */

static struct azone *zone_find(const struct aggr *a, const uint8_t *name)
{
	for (struct azone *z = a->bucket[zhash(name)]; z != NULL; z = z->hnext)
		if (bolt_name_equal(z->name, name))
			return z;
	return NULL;
}

static size_t zone_bytes(const struct azone *z)
{
	return sizeof(*z) + z->soa_bytes + (size_t)z->cap * sizeof(*z->v);
}

static void zone_free(struct aggr *a, struct azone *z)
{
	struct azone **pp = &a->bucket[zhash(z->name)];
	while (*pp != NULL && *pp != z)
		pp = &(*pp)->hnext;
	if (*pp == z)
		*pp = z->hnext;
	a->bytes -= zone_bytes(z);
	a->st.zones--;
	free(z->soa);
	free(z->v);
	free(z);
}

/* Remove r from its zone and the store; the zone goes with its last record. */
static void rec_drop(struct aggr *a, struct arec *r)
{
	struct azone *z = r->z;
	bool eq;
	unsigned i = lower_bound(z, rec_key(z, r), &eq);
	if (eq && z->v[i] == r) {
		memmove(&z->v[i], &z->v[i + 1], (z->n - i - 1) * sizeof(*z->v));
		z->n--;
	}
	lru_unlink(a, r);
	a->bytes -= r->bytes;
	a->st.records--;
	free(r);
	if (z->n == 0)
		zone_free(a, z);
}

static void zone_clear_records(struct aggr *a, struct azone *z)
{
	while (z->n > 0) {
		struct arec *r = z->v[--z->n];
		lru_unlink(a, r);
		a->bytes -= r->bytes;
		a->st.records--;
		free(r);
	}
}

static struct azone *zone_get(struct aggr *a, const uint8_t *name)
{
	struct azone *z = zone_find(a, name);
	if (z != NULL)
		return z;
	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return NULL;
	int l = nlen(name);
	memcpy(z->name, name, (size_t)l);
	bolt_name_lower(z->name, (size_t)l);
	unsigned b = zhash(z->name);
	z->hnext = a->bucket[b];
	a->bucket[b] = z;
	a->bytes += zone_bytes(z);
	a->st.zones++;
	return z;
}

/* ---- the store ---- */

struct aggr *aggr_new(size_t max_bytes, uint16_t max_nsec3_iterations)
{
	struct aggr *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->max_bytes = max_bytes;
	a->max_iter = max_nsec3_iterations;
	return a;
}

void aggr_clear(struct aggr *a)
{
	for (unsigned b = 0; b < ZONE_BUCKETS; b++)
		while (a->bucket[b] != NULL) {
			struct azone *z = a->bucket[b];
			zone_clear_records(a, z);
			zone_free(a, z);
		}
}

void aggr_forget(struct aggr *a, const uint8_t *name, bool below)
{
	if (a == NULL)
		return;
	if (name == NULL || bolt_name_len(name, BOLT_NAME_MAX) <= 0) {
		aggr_clear(a);
		return;
	}
	/* The deepest zone at or above name holds the ranges that cover it. */
	for (const uint8_t *n = name;; n += 1 + *n) {
		struct azone *z = zone_find(a, n);
		if (z != NULL) {
			zone_clear_records(a, z);
			zone_free(a, z);
			break;
		}
		if (*n == 0)
			break;
	}
	for (unsigned b = 0; below && b < ZONE_BUCKETS; b++) {
		struct azone **pp = &a->bucket[b];
		while (*pp != NULL) {
			struct azone *z = *pp;
			if (bolt_name_in_zone(z->name, name)) {
				zone_clear_records(a, z);
				zone_free(a, z);   /* unlinks it: *pp is the next one */
			} else {
				pp = &z->hnext;
			}
		}
	}
}

void aggr_free(struct aggr *a)
{
	if (a == NULL)
		return;
	aggr_clear(a);
	free(a);
}

void aggr_stats(const struct aggr *a, struct aggr_stats *out)
{
	*out = a->st;
	out->bytes = a->bytes;
}

static void evict(struct aggr *a)
{
	while (a->bytes > a->max_bytes && a->tail != NULL) {
		rec_drop(a, a->tail);
		a->st.evicted++;
	}
}

/* ---- learning ---- */

/* The RRSIGs of rrs over (owner, type) signed by zone, still valid at now:
 * at most AGGR_SIGS_MAX in sig[], and the seconds until the first expires. */
static unsigned sigs_of(const struct bolt_rr *rrs, size_t n, const uint8_t *owner, uint16_t type,
                        const uint8_t *zone, uint32_t now, const struct bolt_rr **sig,
                        uint32_t *life)
{
	unsigned k = 0;
	*life = UINT32_MAX;
	for (size_t i = 0; i < n && k < AGGR_SIGS_MAX; i++) {
		uint16_t covered;
		uint32_t expire;
		const uint8_t *signer = sig_parts(&rrs[i], &covered, &expire);
		if (signer == NULL || covered != type || !bolt_name_equal(rrs[i].owner, owner) ||
		    !bolt_name_equal(signer, zone))
			continue;
		/* Serial arithmetic (RFC 4034 3.1.5): an expired one is useless. */
		int32_t left = (int32_t)(expire - now);
		if (left <= 0)
			continue;
		if ((uint32_t)left < *life)
			*life = (uint32_t)left;
		sig[k++] = &rrs[i];
	}
	return k;
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Store (or refresh) rr with its sigs in z, alive for life seconds. */
static int rec_put(struct aggr *a, struct azone *z, const struct bolt_rr *rr,
                   const uint8_t hash[HASH_LEN], const struct bolt_rr **sig, unsigned nsig,
                   uint32_t expires)
{
	size_t len = (size_t)rr->owner_len + rr->rdlen;
	for (unsigned i = 0; i < nsig; i++)
		len += sig[i]->rdlen;
	struct arec *r = malloc(sizeof(*r) + len);
	if (r == NULL)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->z = z;
	r->expires = expires;
	if (hash != NULL)
		memcpy(r->hash, hash, HASH_LEN);
	r->owner_len = rr->owner_len;
	r->rdlen = rr->rdlen;
	r->nsig = (uint8_t)nsig;
	r->bytes = sizeof(*r) + len;
	uint8_t *p = r->data;
	memcpy(p, rr->owner, rr->owner_len);
	p += rr->owner_len;
	memcpy(p, rr->rdata, rr->rdlen);
	p += rr->rdlen;
	for (unsigned i = 0; i < nsig; i++) {
		r->siglen[i] = sig[i]->rdlen;
		memcpy(p, sig[i]->rdata, sig[i]->rdlen);
		p += sig[i]->rdlen;
	}
	bool eq;
	unsigned pos = lower_bound(z, rec_key(z, r), &eq);
	if (eq) {
		struct arec *old = z->v[pos];
		lru_unlink(a, old);
		a->bytes -= old->bytes;
		free(old);
		z->v[pos] = r;
	} else {
		if (z->n == z->cap) {
			unsigned ncap = z->cap ? z->cap * 2 : 8;
			struct arec **nv = realloc(z->v, ncap * sizeof(*nv));
			if (nv == NULL) {
				free(r);
				return -ENOMEM;
			}
			a->bytes += (size_t)(ncap - z->cap) * sizeof(*nv);
			z->v = nv;
			z->cap = ncap;
		}
		memmove(&z->v[pos + 1], &z->v[pos], (z->n - pos) * sizeof(*z->v));
		z->v[pos] = r;
		z->n++;
		a->st.records++;
	}
	lru_push(a, r);
	a->bytes += r->bytes;
	a->st.learned++;
	return 0;
}

/* Keep the zone's SOA with its RRSIGs. */
static int soa_put(struct aggr *a, struct azone *z, const struct bolt_rr *soa,
                   const struct bolt_rr **sig, unsigned nsig, uint32_t expires)
{
	size_t len = soa->rdlen;
	for (unsigned i = 0; i < nsig; i++)
		len += sig[i]->rdlen;
	uint8_t *p = malloc(len);
	if (p == NULL)
		return -ENOMEM;
	a->bytes -= z->soa_bytes;
	free(z->soa);
	z->soa = p;
	z->soa_bytes = len;
	a->bytes += len;
	z->soa_len = soa->rdlen;
	z->soa_ttl = soa->ttl;
	z->soa_nsig = (uint8_t)nsig;
	z->soa_expires = expires;
	memcpy(p, soa->rdata, soa->rdlen);
	p += soa->rdlen;
	for (unsigned i = 0; i < nsig; i++) {
		z->soa_siglen[i] = sig[i]->rdlen;
		memcpy(p, sig[i]->rdata, sig[i]->rdlen);
		p += sig[i]->rdlen;
	}
	return 0;
}

int aggr_learn(struct aggr *a, const struct bolt_rr *rrs, size_t n, uint32_t ttl, uint32_t now)
{
	if (a == NULL || ttl == 0)
		return 0;
	/* The zone: as the validator chose it, the signer of the denial. */
	const uint8_t *zone = NULL;
	for (size_t i = 0; i < n && zone == NULL; i++) {
		uint16_t covered;
		uint32_t expire;
		const uint8_t *signer = sig_parts(&rrs[i], &covered, &expire);
		if (signer != NULL && (covered == BOLT_TYPE_NSEC || covered == BOLT_TYPE_NSEC3))
			zone = signer;
	}
	if (zone == NULL)
		return 0;
	const struct bolt_rr *soa = NULL;
	bool nsec3 = false;
	for (size_t i = 0; i < n; i++) {
		if (rrs[i].type == BOLT_TYPE_SOA && soa == NULL && bolt_name_equal(rrs[i].owner, zone))
			soa = &rrs[i];
		if (rrs[i].type == BOLT_TYPE_NSEC3 && bolt_name_in_zone(rrs[i].owner, zone))
			nsec3 = true;
	}
	/* Two names of at least a byte each and the five numbers. */
	if (soa == NULL || soa->rdlen < 22)
		return 0;
	const struct bolt_rr *sig[AGGR_SIGS_MAX];
	uint32_t life;
	unsigned nsig = sigs_of(rrs, n, soa->owner, BOLT_TYPE_SOA, zone, now, sig, &life);
	if (nsig == 0)
		return 0;
	/* RFC 8198 5.4, RFC 9077: no longer than the SOA MINIMUM and TTL. */
	uint32_t bound = min32(ttl, min32(get32(soa->rdata + soa->rdlen - 4), soa->ttl));
	if (bound == 0)
		return 0;
	uint16_t type = nsec3 ? BOLT_TYPE_NSEC3 : BOLT_TYPE_NSEC;
	struct azone *z = zone_get(a, zone);
	if (z == NULL)
		return -ENOMEM;
	int kept = 0, ret = 0;
	bool have_params = false;
	struct n3p first = { 0 };
	if (z->type != type)
		zone_clear_records(a, z);
	z->type = type;
	if (soa_put(a, z, soa, sig, nsig, now + min32(bound, life)) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct bolt_rr *rr = &rrs[i];
		if (rr->type != type || nlen(rr->owner) != (int)rr->owner_len ||
		    !bolt_name_in_zone(rr->owner, zone))
			continue;
		struct n3p p;
		if (type == BOLT_TYPE_NSEC3) {
			if (!n3_params(rr, zone, &p) || p.iterations > a->max_iter)
				continue;
			/* One parameter set per zone (RFC 5155 7.1): a new one
			 * (re-salting) replaces what was held. */
			if (!have_params) {
				first = p;
				have_params = true;
				if (z->n > 0 && (z->iterations != p.iterations || z->salt_len != p.salt_len ||
				                 memcmp(z->salt, p.salt, p.salt_len) != 0))
					zone_clear_records(a, z);
				z->iterations = p.iterations;
				z->salt_len = p.salt_len;
				memcpy(z->salt, p.salt, p.salt_len);
			} else if (p.iterations != first.iterations || p.salt_len != first.salt_len ||
			           memcmp(p.salt, first.salt, p.salt_len) != 0) {
				continue;
			}
		} else if (bolt_name_len(rr->rdata, rr->rdlen) <= 0) {
			continue;
		}
		const struct bolt_rr *rs[AGGR_SIGS_MAX];
		uint32_t slife;
		unsigned ns = sigs_of(rrs, n, rr->owner, type, zone, now, rs, &slife);
		if (ns == 0)
			continue;
		uint32_t t = min32(min32(bound, rr->ttl), slife);
		if (t == 0)
			continue;
		ret = rec_put(a, z, rr, type == BOLT_TYPE_NSEC3 ? p.owner_hash : NULL, rs, ns, now + t);
		if (ret < 0)
			goto out;
		kept++;
	}
out:
	/* A zone without records holds nothing worth its SOA. */
	if (z->n == 0)
		zone_free(a, z);
	else
		evict(a);
	return ret < 0 ? ret : kept;
}

/* ---- answering ---- */

struct pick {
	struct arec *r[USE_MAX];
	unsigned n;
	struct arec *expired;          /* one found expired, dropped at the end */
};

/* A live record; an expired one is noted and counts as absent. */
static struct arec *live(struct pick *pk, struct arec *r, uint32_t now)
{
	if (r != NULL && (int32_t)(r->expires - now) <= 0) {
		pk->expired = r;
		return NULL;
	}
	return r;
}

static void pick_add(struct pick *pk, struct arec *r)
{
	for (unsigned i = 0; i < pk->n; i++)
		if (pk->r[i] == r)
			return;
	if (pk->n < USE_MAX)
		pk->r[pk->n++] = r;
}

/* NSEC: the record at or before name in canonical order. */
static struct arec *nsec_at_or_before(const struct azone *z, const uint8_t *name)
{
	bool eq;
	unsigned i = lower_bound(z, name, &eq);
	if (eq)
		return z->v[i];
	return i > 0 ? z->v[i - 1] : NULL;
}

/* NSEC3: the record whose hash is h, or NULL. */
static struct arec *n3_match(const struct azone *z, const uint8_t *h)
{
	bool eq;
	unsigned i = lower_bound(z, h, &eq);
	return eq ? z->v[i] : NULL;
}

/* NSEC3: the record before h (the last one when h is below every owner: the
 * chain wraps). */
static struct arec *n3_before(const struct azone *z, const uint8_t *h)
{
	bool eq;
	unsigned i = lower_bound(z, h, &eq);
	if (z->n == 0)
		return NULL;
	return i > 0 ? z->v[i - 1] : z->v[z->n - 1];
}

static void to_rr(const struct azone *z, const struct arec *r, struct bolt_rr *rr)
{
	memset(rr, 0, sizeof(*rr));
	memcpy(rr->owner, r->data, r->owner_len);
	rr->owner_len = r->owner_len;
	rr->type = z->type;
	rr->rclass = BOLT_CLASS_IN;
	rr->rdlen = r->rdlen;
	rr->rdata = rec_rdata(r);
}

/* Candidate NSECs for qname: the one at or covering it and the one at or
 * covering the wildcard of its closest encloser. */
static void pick_nsec(const struct azone *z, const uint8_t *qname, uint32_t now, struct pick *pk)
{
	struct arec *c = live(pk, nsec_at_or_before(z, qname), now);
	if (c == NULL)
		return;
	pick_add(pk, c);
	if (bolt_name_equal(c->data, qname))
		return;
	struct bolt_rr rr;
	to_rr(z, c, &rr);
	if (bolt_val_nsec_covers(&rr, qname) != 1)
		return;
	int a = common_labels(qname, c->data), b = common_labels(qname, rec_rdata(c));
	const uint8_t *ce = suffix(qname, a > b ? a : b);
	int cl = nlen(ce);
	if (cl <= 0 || cl + 2 > BOLT_NAME_MAX)
		return;
	uint8_t wc[BOLT_NAME_MAX];
	wc[0] = 1;
	wc[1] = '*';
	memcpy(wc + 2, ce, (size_t)cl);
	struct arec *w = live(pk, nsec_at_or_before(z, wc), now);
	if (w != NULL)
		pick_add(pk, w);
}

/* Candidate NSEC3s for qname: a match, or the closest encloser's match, the
 * next closer's cover and the wildcard's match or cover. */
static void pick_nsec3(const struct azone *z, const uint8_t *qname, uint32_t now,
                       struct pick *pk)
{
	uint8_t h[HASH_LEN], prev[HASH_LEN];
	int zl = bolt_name_labels(z->name), ql = bolt_name_labels(qname);
	if (ql - zl + 2 > NSEC3_WALK_MAX)
		return;
	for (int k = ql; k >= zl; k--) {
		const uint8_t *name = suffix(qname, k);
		if (bolt_val_nsec3_hash(name, 1, z->iterations, z->salt, z->salt_len, h) != HASH_LEN)
			return;
		struct arec *m = live(pk, n3_match(z, h), now);
		if (m == NULL) {
			memcpy(prev, h, HASH_LEN);
			continue;
		}
		pick_add(pk, m);
		if (k == ql)
			return;                /* NODATA at qname */
		struct arec *nc = live(pk, n3_before(z, prev), now);
		if (nc == NULL)
			return;
		pick_add(pk, nc);
		uint8_t wc[BOLT_NAME_MAX];
		int cl = nlen(name);
		if (cl + 2 > BOLT_NAME_MAX)
			return;
		wc[0] = 1;
		wc[1] = '*';
		memcpy(wc + 2, name, (size_t)cl);
		if (bolt_val_nsec3_hash(wc, 1, z->iterations, z->salt, z->salt_len, h) != HASH_LEN)
			return;
		struct arec *w = n3_match(z, h);
		w = live(pk, w != NULL ? w : n3_before(z, h), now);
		if (w != NULL)
			pick_add(pk, w);
		return;
	}
}

/* Does what pk holds prove NXDOMAIN (1) or NODATA (2) for (qname, qtype)? */
static int prove(const struct aggr *a, const struct azone *z, const uint8_t *qname,
                 uint16_t qtype, const struct pick *pk)
{
	struct bolt_rr rr[USE_MAX];
	const struct bolt_rr *p[USE_MAX];
	for (unsigned i = 0; i < pk->n; i++) {
		to_rr(z, pk->r[i], &rr[i]);
		p[i] = &rr[i];
	}
	struct bolt_val_result out;
	struct bolt_val_budget b;
	bolt_val_budget_init(&b);
	b.max_nsec3_iterations = a->max_iter;
	if (z->type == BOLT_TYPE_NSEC) {
		if (bolt_val_nsec_nxdomain(qname, z->name, p, pk->n, &out) == BOLT_VAL_SECURE)
			return 1;
		if (bolt_val_nsec_nodata(qname, qtype, z->name, p, pk->n, &out) == BOLT_VAL_SECURE)
			return 2;
		return 0;
	}
	/* Opt-out covers are INSECURE here: never synthesised (RFC 8198 4.1). */
	if (bolt_val_nsec3_nxdomain(qname, z->name, p, pk->n, &b, &out) == BOLT_VAL_SECURE)
		return 1;
	b.nsec3_hashes = 0;
	if (bolt_val_nsec3_nodata(qname, qtype, z->name, p, pk->n, &b, &out) == BOLT_VAL_SECURE)
		return 2;
	return 0;
}

static int build(const struct azone *z, const uint8_t *qname, size_t qlen, uint16_t qtype,
                 bool dnssec, const struct pick *pk, bool nx, uint32_t ttl, uint8_t *buf,
                 size_t cap, struct bolt_build *b)
{
	uint16_t flags = BOLT_FLAG_QR | BOLT_FLAG_RA | (nx ? BOLT_RCODE_NXDOMAIN : 0);
	int ret = bolt_build_init(b, buf, cap, 0, flags);
	if (ret < 0)
		return ret;
	ret = bolt_build_question(b, qname, qlen, qtype, BOLT_CLASS_IN);
	if (ret < 0)
		return ret;
	ret = bolt_build_rr(b, BOLT_SEC_AUTHORITY, z->name, BOLT_TYPE_SOA, BOLT_CLASS_IN, ttl,
	                    z->soa, z->soa_len);
	if (ret < 0)
		return ret;
	/* DO=1: the proof a validating client checks (RFC 8198 5.5). */
	const uint8_t *s = z->soa + z->soa_len;
	for (unsigned i = 0; dnssec && i < z->soa_nsig; s += z->soa_siglen[i], i++)
		if (bolt_build_rr(b, BOLT_SEC_AUTHORITY, z->name, BOLT_TYPE_RRSIG, BOLT_CLASS_IN, ttl, s,
		                  z->soa_siglen[i]) < 0)
			return bolt_build_finish(b);
	for (unsigned i = 0; dnssec && i < pk->n; i++) {
		const struct arec *r = pk->r[i];
		if (bolt_build_rr(b, BOLT_SEC_AUTHORITY, r->data, z->type, BOLT_CLASS_IN, ttl,
		                  rec_rdata(r), r->rdlen) < 0)
			return bolt_build_finish(b);
		for (unsigned k = 0; k < r->nsig; k++) {
			uint16_t len;
			const uint8_t *sg = rec_sig(r, k, &len);
			if (bolt_build_rr(b, BOLT_SEC_AUTHORITY, r->data, BOLT_TYPE_RRSIG, BOLT_CLASS_IN,
			                  ttl, sg, len) < 0)
				return bolt_build_finish(b);
		}
	}
	return bolt_build_finish(b);
}

int aggr_answer(struct aggr *a, const uint8_t *qname, uint16_t qtype, bool dnssec,
                uint32_t now, uint8_t *buf, size_t cap, struct bolt_build *b, uint32_t *ttl,
                uint8_t *kind)
{
	if (a == NULL || a->st.records == 0)
		return 0;
	int ql = nlen(qname);
	if (ql <= 0)
		return 0;
	uint8_t name[BOLT_NAME_MAX];
	memcpy(name, qname, (size_t)ql);
	bolt_name_lower(name, (size_t)ql);
	/* The deepest zone held at or above the name (for DS: above it, the
	 * parent side of the cut holds the DS and its denial). */
	const uint8_t *n = name;
	if (qtype == BOLT_TYPE_DS) {
		if (*n == 0)
			return 0;
		n += 1 + *n;
	}
	struct azone *z = NULL;
	for (;; n += 1 + *n) {
		z = zone_find(a, n);
		if (z != NULL || *n == 0)
			break;
	}
	if (z == NULL)
		return 0;
	/* Without a live SOA nothing of the zone answers until it is learnt
	 * again, which brings fresh records: the old ones go now. */
	if ((int32_t)(z->soa_expires - now) <= 0) {
		a->st.expired += z->n;
		zone_clear_records(a, z);
		zone_free(a, z);
		return 0;
	}
	struct pick pk = { .n = 0 };
	if (z->type == BOLT_TYPE_NSEC)
		pick_nsec(z, name, now, &pk);
	else
		pick_nsec3(z, name, now, &pk);
	int proof = pk.n > 0 ? prove(a, z, name, qtype, &pk) : 0;
	int ret = 0;
	if (proof != 0) {
		uint32_t t = z->soa_expires - now;
		for (unsigned i = 0; i < pk.n; i++) {
			t = min32(t, pk.r[i]->expires - now);
			lru_touch(a, pk.r[i]);
		}
		*ttl = t;
		*kind = proof == 1 ? BOLT_CACHE_NXDOMAIN : BOLT_CACHE_NODATA;
		ret = build(z, name, (size_t)ql, qtype, dnssec, &pk, proof == 1, t, buf, cap, b);
		if (ret > 0) {
			if (proof == 1)
				a->st.nxdomain++;
			else
				a->st.nodata++;
		}
	}
	/* Last: dropping may free the zone. */
	if (pk.expired != NULL) {
		rec_drop(a, pk.expired);
		a->st.expired++;
	}
	return ret;
}

bool aggr_zone_of(const struct aggr *a, const uint8_t *qname, uint8_t *zone, bool *nsec3)
{
	int ql = a != NULL ? nlen(qname) : 0;
	if (ql <= 0)
		return false;
	uint8_t name[BOLT_NAME_MAX];
	memcpy(name, qname, (size_t)ql);
	bolt_name_lower(name, (size_t)ql);
	for (const uint8_t *n = name;; n += 1 + *n) {
		const struct azone *z = zone_find(a, n);
		if (z != NULL) {
			memcpy(zone, z->name, (size_t)nlen(z->name));
			*nsec3 = z->type == BOLT_TYPE_NSEC3;
			return true;
		}
		if (*n == 0)
			return false;
	}
}

int aggr_nxdomain_proof(struct aggr *a, const uint8_t *qname, uint32_t now, uint8_t *buf,
                        size_t cap, struct bolt_build *b, uint32_t *ttl)
{
	if (a == NULL)
		return 0;
	/* not an answer to anybody: the counters stay */
	uint64_t nx = a->st.nxdomain, nd = a->st.nodata;
	uint8_t kind = 0;
	int len = aggr_answer(a, qname, BOLT_TYPE_A, true, now, buf, cap, b, ttl, &kind);
	a->st.nxdomain = nx;
	a->st.nodata = nd;
	return len > 0 && kind == BOLT_CACHE_NXDOMAIN ? len : 0;
}
