/*
 * NSEC3 denial of existence (RFC 5155 sections 8 and 9, RFC 9276): the
 * closest encloser proof and on it NXDOMAIN, NODATA, wildcard NODATA,
 * wildcard expansion, opt-out and unsigned delegations.
 *
 * Every hash is counted in the caller's budget (NSEC3 hash floods,
 * CVE-2023-50868) and records with more iterations than the limit make the
 * answer insecure (RFC 9276 3.2) before anything is hashed. The records of
 * one zone share their parameters (RFC 5155 7.1); those with others than the
 * first usable record's are ignored, so each name is hashed once.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "internal.h"

#define HASH_LEN 20          /* SHA-1, the only NSEC3 hash (RFC 5155 11) */
#define HASH_ITER_SANITY 2500 /* RFC 5155 10.3's old maximum for 4096-bit keys */
/* RFC 9276 9: EDE 27, Unsupported NSEC3 Iterations Value. */
#define EDE_NSEC3_ITERATIONS 27

int bolt_val_nsec3_hash(const uint8_t *name, uint8_t hash_alg, uint16_t iterations,
                        const uint8_t *salt, uint8_t salt_len, uint8_t out[20])
{
	if (hash_alg != 1)
		return BOLT_ETYPE;
	if (iterations > HASH_ITER_SANITY)
		return BOLT_ELIMIT;
	int l = bolt_name_len(name, BOLT_NAME_MAX);
	if (l < 0)
		return l;
	uint8_t lname[BOLT_NAME_MAX];
	memcpy(lname, name, (size_t)l);
	bolt_name_lower(lname, (size_t)l);
	ERR_set_mark();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = EVP_sha1();
	unsigned int hl = 0;
	/* IH(0) = H(name | salt), IH(k) = H(IH(k-1) | salt) */
	int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	         EVP_DigestUpdate(ctx, lname, (size_t)l) == 1 &&
	         EVP_DigestUpdate(ctx, salt, salt_len) == 1 &&
	         EVP_DigestFinal_ex(ctx, out, &hl) == 1;
	for (uint16_t i = 0; ok && i < iterations; i++)
		ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
		     EVP_DigestUpdate(ctx, out, HASH_LEN) == 1 &&
		     EVP_DigestUpdate(ctx, salt, salt_len) == 1 &&
		     EVP_DigestFinal_ex(ctx, out, &hl) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_pop_to_mark();
	if (!ok || hl != HASH_LEN)
		return BOLT_ERROR_BASE;
	return HASH_LEN;
}

bool bolt_val_nsec3_label_hash(const uint8_t *s, size_t len, uint8_t out[20])
{
	if (len != 32)
		return false;
	uint64_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i], v;
		if (c >= '0' && c <= '9')
			v = (uint8_t)(c - '0');
		else if (c >= 'a' && c <= 'v')
			v = (uint8_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'V')
			v = (uint8_t)(c - 'A' + 10);
		else
			return false;
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o == HASH_LEN;
}

/* One parsed NSEC3 record. */
struct n3 {
	uint8_t owner_hash[HASH_LEN];
	const uint8_t *next;
	const uint8_t *salt;
	const uint8_t *bm;
	size_t bmlen;
	uint16_t iterations;
	uint8_t flags;
	uint8_t salt_len;
};

/* Parse rr as an NSEC3 of zone. 0, BOLT_ERDATA (malformed or not of the
 * zone), BOLT_ETYPE (unknown hash or flags: ignored, RFC 5155 8.1-8.2) or
 * BOLT_ELIMIT (more iterations than max_iter). */
static int n3_parse(const struct bolt_rr *rr, const uint8_t *zone, uint16_t max_iter,
                    struct n3 *x)
{
	if (rr->type != BOLT_TYPE_NSEC3 || !val_owner_ok(rr))
		return BOLT_ERDATA;
	/* The owner is one base32hex label directly below the zone. */
	if (bolt_name_labels(rr->owner) != bolt_name_labels(zone) + 1 ||
	    !bolt_name_in_zone(rr->owner, zone) ||
	    !bolt_val_nsec3_label_hash(rr->owner + 1, rr->owner[0], x->owner_hash))
		return BOLT_ERDATA;
	const uint8_t *rd = rr->rdata;
	size_t len = rr->rdlen;
	if (len < 5 || len < 5u + rd[4] + 1)
		return BOLT_ERDATA;
	x->flags = rd[1];
	x->iterations = val_get16(rd + 2);
	x->salt_len = rd[4];
	x->salt = rd + 5;
	size_t p = 5 + (size_t)x->salt_len;
	uint8_t hlen = rd[p++];
	if (p + hlen > len)
		return BOLT_ERDATA;
	x->next = rd + p;
	x->bm = rd + p + hlen;
	x->bmlen = len - p - hlen;
	if (rd[0] != 1 || (x->flags & ~1u) != 0)
		return BOLT_ETYPE;
	if (hlen != HASH_LEN)
		return BOLT_ERDATA;
	if (x->iterations > max_iter)
		return BOLT_ELIMIT;
	return 0;
}

/* The usable NSEC3 records of one response and the hashes computed. */
struct ctx {
	const uint8_t *zone;
	struct bolt_val_budget *b;
	size_t n;
	struct n3 r[BOLT_VAL_MAX_RRS];
};

/* Hash name with the zone's parameters, counting it. BOLT_ELIMIT when the
 * budget is spent. */
static int hash(struct ctx *c, const uint8_t *name, uint8_t out[HASH_LEN])
{
	/* NSEC3 hash floods (CVE-2023-50868): a bounded number per response. */
	if (c->b->nsec3_hashes >= c->b->max_nsec3_hashes)
		return BOLT_ELIMIT;
	c->b->nsec3_hashes++;
	int rc = bolt_val_nsec3_hash(name, 1, c->r[0].iterations, c->r[0].salt,
	                             c->r[0].salt_len, out);
	return rc < 0 ? rc : 0;
}

static int find_match(const struct ctx *c, const uint8_t h[HASH_LEN])
{
	for (size_t i = 0; i < c->n; i++)
		if (memcmp(c->r[i].owner_hash, h, HASH_LEN) == 0)
			return (int)i;
	return -1;
}

static bool n3_covers(const struct n3 *x, const uint8_t h[HASH_LEN])
{
	int on = memcmp(x->owner_hash, h, HASH_LEN);
	int nn = memcmp(h, x->next, HASH_LEN);
	if (memcmp(x->owner_hash, x->next, HASH_LEN) < 0)
		return on < 0 && nn < 0;
	/* the last in the hash chain wraps around */
	return on < 0 || nn < 0;
}

static int find_cover(const struct ctx *c, const uint8_t h[HASH_LEN])
{
	for (size_t i = 0; i < c->n; i++)
		if (n3_covers(&c->r[i], h))
			return (int)i;
	return -1;
}

static bool has(const struct n3 *x, uint16_t type)
{
	return bolt_val_bitmap_has(x->bm, x->bmlen, type);
}

/* Collect the usable records; sets out and returns false when the proof
 * cannot go on (insecure for iterations or unknown hashes, bogus for none). */
static bool prepare(struct ctx *c, const uint8_t *qname, const uint8_t *zone,
                    const struct bolt_rr *const *rrs, size_t n, struct bolt_val_budget *b,
                    struct bolt_val_result *out)
{
	val_reset(out);
	c->zone = zone;
	c->b = b;
	c->n = 0;
	if (bolt_name_len(qname, BOLT_NAME_MAX) < 0 || bolt_name_len(zone, BOLT_NAME_MAX) < 0) {
		val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "malformed name");
		return false;
	}
	if (n > BOLT_VAL_MAX_RRS) {
		val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "too many NSEC3 records");
		return false;
	}
	if (!bolt_name_in_zone(qname, zone)) {
		val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING, "name is not in the zone");
		return false;
	}
	bool too_many = false, unknown = false;
	for (size_t i = 0; i < n; i++) {
		struct n3 *x = &c->r[c->n];
		int rc = n3_parse(rrs[i], zone, b->max_nsec3_iterations, x);
		too_many |= rc == BOLT_ELIMIT;
		unknown |= rc == BOLT_ETYPE;
		if (rc != 0)
			continue;
		if (c->n > 0 && (x->iterations != c->r[0].iterations ||
		                 x->salt_len != c->r[0].salt_len ||
		                 memcmp(x->salt, c->r[0].salt, x->salt_len) != 0))
			continue;
		c->n++;
	}
	/* RFC 9276 3.2: too costly to check, so treated as unsigned. */
	if (too_many) {
		val_set(out, BOLT_VAL_INSECURE, EDE_NSEC3_ITERATIONS,
		        "NSEC3 iterations over the limit (RFC 9276)");
		return false;
	}
	if (c->n == 0) {
		if (unknown)
			val_set(out, BOLT_VAL_INSECURE, BOLT_VAL_EDE_NONE,
			        "NSEC3 hash algorithm or flags unknown");
		else
			val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING, "no NSEC3 records");
		return false;
	}
	return true;
}

/* Results of the closest encloser proof. */
struct cep {
	const uint8_t *ce;  /* closest encloser (a suffix of qname) */
	int match;          /* record matching qname itself, or -1 */
	int nc_cover;       /* record covering the next closer name */
};

static enum bolt_val_status limit(struct bolt_val_result *out)
{
	return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
	               "limit: NSEC3 hashes per response (CVE-2023-50868)");
}

/* Closest encloser proof (RFC 5155 8.3): walking up from qname, the first
 * ancestor with a matching NSEC3 is the closest encloser and the name one
 * label below it, hashed just before, must be covered. Returns 0 with p
 * filled (p->match >= 0: qname itself matched and nothing else is set), or
 * sets out (bogus, limit) and returns -1. */
static int ce_proof(struct ctx *c, const uint8_t *qname, struct cep *p,
                    struct bolt_val_result *out)
{
	int zl = bolt_name_labels(c->zone), ql = bolt_name_labels(qname);
	uint8_t h[HASH_LEN], prev[HASH_LEN];
	p->match = -1;
	p->nc_cover = -1;
	p->ce = NULL;
	for (int l = ql; l >= zl; l--) {
		const uint8_t *name = val_name_suffix(qname, l);
		int rc = hash(c, name, h);
		if (rc == BOLT_ELIMIT) {
			limit(out);
			return -1;
		}
		if (rc < 0) {
			val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "NSEC3 hash failed");
			return -1;
		}
		int m = find_match(c, h);
		if (m >= 0) {
			if (l == ql) {
				p->match = m;
				return 0;
			}
			const struct n3 *x = &c->r[m];
			/* A cut or DNAME hides what is below (RFC 5155 8.3). */
			if (has(x, BOLT_TYPE_DNAME) ||
			    (has(x, BOLT_TYPE_NS) && !has(x, BOLT_TYPE_SOA))) {
				val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
				        "NSEC3 closest encloser is a delegation or DNAME");
				return -1;
			}
			int cv = find_cover(c, prev);
			if (cv < 0) {
				val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
				        "no NSEC3 covers the next closer name");
				return -1;
			}
			p->ce = name;
			p->nc_cover = cv;
			return 0;
		}
		memcpy(prev, h, HASH_LEN);
	}
	val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING, "no NSEC3 closest encloser");
	return -1;
}

enum bolt_val_status bolt_val_nsec3_nxdomain(
	const uint8_t *qname, const uint8_t *zone, const struct bolt_rr *const *nsec3,
	size_t n, struct bolt_val_budget *b, struct bolt_val_result *out)
{
	struct ctx c;
	if (!prepare(&c, qname, zone, nsec3, n, b, out))
		return out->status;
	struct cep p;
	if (ce_proof(&c, qname, &p, out) < 0)
		return out->status;
	if (p.match >= 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               "NSEC3 shows the name exists");
	uint8_t wild[BOLT_NAME_MAX], h[HASH_LEN];
	if (val_wildcard_of(p.ce, wild) < 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "malformed name");
	int rc = hash(&c, wild, h);
	if (rc < 0)
		return rc == BOLT_ELIMIT ? limit(out)
		                         : val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
		                                   "NSEC3 hash failed");
	if (find_match(&c, h) >= 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               "NSEC3 shows the wildcard exists");
	if (find_cover(&c, h) < 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               "no NSEC3 covers the wildcard");
	/* RFC 5155 9.2: an opt-out span may hide an unsigned delegation. */
	if (c.r[p.nc_cover].flags & 1)
		return val_set(out, BOLT_VAL_INSECURE, BOLT_VAL_EDE_NONE,
		               "NSEC3 opt-out covers the name");
	return val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE, "NSEC3 proves NXDOMAIN");
}

/* A matching NSEC3 shows NODATA for qtype; *why is set when not. */
static bool nodata_at(const struct n3 *x, uint16_t qtype, const char **why)
{
	if (has(x, qtype)) {
		*why = "NSEC3 shows the type exists";
		return false;
	}
	if (has(x, BOLT_TYPE_CNAME)) {
		*why = "NSEC3 shows a CNAME";
		return false;
	}
	if (qtype == BOLT_TYPE_DS && has(x, BOLT_TYPE_SOA)) {
		*why = "NSEC3 from the child side of the cut";
		return false;
	}
	if (qtype != BOLT_TYPE_DS && has(x, BOLT_TYPE_NS) && !has(x, BOLT_TYPE_SOA)) {
		*why = "NSEC3 from the parent side of a cut";
		return false;
	}
	return true;
}

enum bolt_val_status bolt_val_nsec3_nodata(
	const uint8_t *qname, uint16_t qtype, const uint8_t *zone,
	const struct bolt_rr *const *nsec3, size_t n, struct bolt_val_budget *b,
	struct bolt_val_result *out)
{
	struct ctx c;
	if (!prepare(&c, qname, zone, nsec3, n, b, out))
		return out->status;
	struct cep p;
	if (ce_proof(&c, qname, &p, out) < 0) {
		/* an ENT or a name matched needs no closest encloser: only a
		 * failed proof gets here */
		return out->status;
	}
	const char *why = "";
	if (p.match >= 0) {
		if (nodata_at(&c.r[p.match], qtype, &why))
			return val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE,
			               "NSEC3 proves NODATA");
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING, why);
	}
	/* RFC 5155 8.6: no DS below an opt-out span. */
	if (qtype == BOLT_TYPE_DS) {
		if (c.r[p.nc_cover].flags & 1)
			return val_set(out, BOLT_VAL_INSECURE, BOLT_VAL_EDE_NONE,
			               "NSEC3 opt-out covers the DS name");
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               "no NSEC3 matches the DS name");
	}
	/* RFC 5155 8.7: wildcard NODATA. */
	uint8_t wild[BOLT_NAME_MAX], h[HASH_LEN];
	if (val_wildcard_of(p.ce, wild) < 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "malformed name");
	int rc = hash(&c, wild, h);
	if (rc < 0)
		return rc == BOLT_ELIMIT ? limit(out)
		                         : val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
		                                   "NSEC3 hash failed");
	int m = find_match(&c, h);
	if (m < 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               "no NSEC3 matches the name or its wildcard");
	if (!nodata_at(&c.r[m], qtype, &why))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING, why);
	return val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE, "NSEC3 proves wildcard NODATA");
}

enum bolt_val_status bolt_val_nsec3_wildcard(
	const uint8_t *qname, const uint8_t *wildcard, const uint8_t *zone,
	const struct bolt_rr *const *nsec3, size_t n, struct bolt_val_budget *b,
	struct bolt_val_result *out)
{
	struct ctx c;
	if (!prepare(&c, qname, zone, nsec3, n, b, out))
		return out->status;
	if (bolt_name_len(wildcard, BOLT_NAME_MAX) < 0 || !val_name_is_wildcard(wildcard))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "not a wildcard");
	const uint8_t *ce = wildcard + 2;
	if (!bolt_name_in_zone(qname, ce) || bolt_name_equal(qname, ce) ||
	    !bolt_name_in_zone(ce, zone))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
		               "wildcard does not match the name");
	/* The next closer name: qname cut to one label below the encloser. */
	const uint8_t *nc = val_name_suffix(qname, bolt_name_labels(ce) + 1);
	uint8_t h[HASH_LEN];
	int rc = hash(&c, nc, h);
	if (rc < 0)
		return rc == BOLT_ELIMIT ? limit(out)
		                         : val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
		                                   "NSEC3 hash failed");
	int cv = find_cover(&c, h);
	if (cv < 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
		               "no NSEC3 covers the next closer name");
	if (c.r[cv].flags & 1)
		return val_set(out, BOLT_VAL_INSECURE, BOLT_VAL_EDE_NONE,
		               "NSEC3 opt-out covers the next closer name");
	return val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE, "NSEC3 proves the expansion");
}

enum bolt_val_status bolt_val_nsec3_insecure_delegation(
	const uint8_t *child, const uint8_t *zone, const struct bolt_rr *const *nsec3,
	size_t n, struct bolt_val_budget *b, struct bolt_val_result *out)
{
	struct ctx c;
	if (!prepare(&c, child, zone, nsec3, n, b, out))
		return out->status;
	struct cep p;
	if (ce_proof(&c, child, &p, out) < 0)
		return out->status;
	if (p.match >= 0) {
		const struct n3 *x = &c.r[p.match];
		if (has(x, BOLT_TYPE_DS))
			return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "NSEC3 shows a DS");
		if (has(x, BOLT_TYPE_SOA))
			return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
			               "NSEC3 from the child side of the cut");
		if (!has(x, BOLT_TYPE_NS))
			return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
			               "NSEC3 shows no delegation");
		return val_set(out, BOLT_VAL_INSECURE, BOLT_VAL_EDE_NONE,
		               "NSEC3 proves an unsigned delegation");
	}
	if (c.r[p.nc_cover].flags & 1)
		return val_set(out, BOLT_VAL_INSECURE, BOLT_VAL_EDE_NONE,
		               "NSEC3 opt-out covers the delegation");
	return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_NSEC_MISSING,
	               "no NSEC3 proves the delegation unsigned");
}

int bolt_val_nsec3_covers(const struct bolt_rr *nsec3, const uint8_t *zone,
                          const uint8_t *name, struct bolt_val_budget *b)
{
	struct n3 x;
	if (bolt_name_len(zone, BOLT_NAME_MAX) < 0 || bolt_name_len(name, BOLT_NAME_MAX) < 0)
		return BOLT_ERDATA;
	int rc = n3_parse(nsec3, zone, b->max_nsec3_iterations, &x);
	if (rc == BOLT_ELIMIT)
		return BOLT_ETYPE;
	if (rc < 0)
		return rc;
	if (b->nsec3_hashes >= b->max_nsec3_hashes)
		return BOLT_ELIMIT;
	b->nsec3_hashes++;
	uint8_t h[HASH_LEN];
	if (bolt_val_nsec3_hash(name, 1, x.iterations, x.salt, x.salt_len, h) < 0)
		return BOLT_ERDATA;
	if (memcmp(h, x.owner_hash, HASH_LEN) == 0)
		return 1;
	return n3_covers(&x, h) ? 2 : 0;
}
