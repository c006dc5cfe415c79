/*
 * The trust anchor set: adding anchors, look-ups, key tags, DS digests.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "anchor.h"
#include "boltdns/errcode.h"
#include "tafile.h"

const char *ta_state_name(enum ta_state s)
{
	switch (s) {
	case TA_START: return "Start";
	case TA_ADDPEND: return "AddPend";
	case TA_VALID: return "Valid";
	case TA_MISSING: return "Missing";
	case TA_REVOKED: return "Revoked";
	case TA_REMOVED: return "Removed";
	}
	return "?";
}

uint16_t ta_key_tag(const uint8_t *rdata, size_t rdlen)
{
	if (rdlen < 4)
		return 0;
	/* RFC 4034 Appendix B.1: algorithm 1 (RSA/MD5) takes the modulus' last bits */
	if (rdata[3] == 1) {
		if (rdlen < 7)
			return 0;
		return (uint16_t)((rdata[rdlen - 3] << 8) | rdata[rdlen - 2]);
	}
	uint32_t ac = 0;
	for (size_t i = 0; i < rdlen; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

/* Digest length of a DS digest type (RFC 4509, RFC 6605), 0 when unknown. */
static size_t digest_len(uint8_t type)
{
	switch (type) {
	case 1: return 20;
	case 2: return 32;
	case 4: return 48;
	default: return 0;
	}
}

bool ta_ds_matches(const uint8_t *name, const uint8_t *ds, size_t dslen, const uint8_t *key,
                   size_t keylen)
{
	if (dslen < 4 || keylen < 4)
		return false;
	uint16_t tag = (uint16_t)((ds[0] << 8) | ds[1]);
	size_t dl = digest_len(ds[3]);
	if (dl == 0 || dslen != 4 + dl || ds[2] != key[3] || tag != ta_key_tag(key, keylen))
		return false;
	const EVP_MD *md = ds[3] == 1 ? EVP_sha1() : ds[3] == 2 ? EVP_sha256() : EVP_sha384();
	int nlen = bolt_name_len(name, BOLT_NAME_MAX);
	if (nlen < 0)
		return false;
	/* RFC 4034 section 5.1.4: digest = hash(owner name in canonical form | DNSKEY RDATA) */
	uint8_t lname[BOLT_NAME_MAX];
	memcpy(lname, name, (size_t)nlen);
	bolt_name_lower(lname, (size_t)nlen);
	uint8_t out[EVP_MAX_MD_SIZE];
	unsigned outlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	          EVP_DigestUpdate(ctx, lname, (size_t)nlen) == 1 &&
	          EVP_DigestUpdate(ctx, key, keylen) == 1 &&
	          EVP_DigestFinal_ex(ctx, out, &outlen) == 1;
	EVP_MD_CTX_free(ctx);
	return ok && outlen == dl && memcmp(out, ds + 4, dl) == 0;
}

void ta_set_init(struct ta_set *s, uint32_t hold_down)
{
	memset(s, 0, sizeof(*s));
	s->hold_down = hold_down != 0 ? hold_down : TA_HOLD_DOWN_DEFAULT;
}

struct ta_point *ta_set_find(struct ta_set *s, const uint8_t *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (bolt_name_equal(s->point[i].name, name))
			return &s->point[i];
	return NULL;
}

const struct ta_point *ta_closest(const struct ta_set *s, const uint8_t *name)
{
	const struct ta_point *best = NULL;
	int best_labels = -1;
	for (unsigned i = 0; i < s->n; i++) {
		const struct ta_point *p = &s->point[i];
		if (!bolt_name_in_zone(name, p->name))
			continue;
		int l = bolt_name_labels(p->name);
		if (l > best_labels) {
			best = p;
			best_labels = l;
		}
	}
	return best;
}

bool ta_key_trusted(const struct ta_key *k)
{
	if (k->type == TA_TYPE_DS)
		return k->state == TA_VALID;
	return (k->state == TA_VALID || k->state == TA_MISSING) && !(k->flags & TA_FLAG_REVOKE);
}

unsigned ta_point_trusted(const struct ta_point *p)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->nkeys; i++)
		n += ta_key_trusted(&p->keys[i]);
	return n;
}

/* The RDATA checks of one anchor record. */
static int check_rdata(uint16_t type, const uint8_t *rdata, size_t rdlen, const char **why)
{
	if (type == TA_TYPE_DS) {
		if (rdlen < 5) {
			*why = "DS RDATA too short";
			return BOLT_ERDATA;
		}
		size_t dl = digest_len(rdata[3]);
		if (dl != 0 && rdlen != 4 + dl) {
			*why = "DS digest length does not match its digest type";
			return BOLT_ERDATA;
		}
		return 0;
	}
	if (type == TA_TYPE_DNSKEY) {
		if (rdlen < 5) {
			*why = "DNSKEY RDATA too short";
			return BOLT_ERDATA;
		}
		uint16_t flags = (uint16_t)((rdata[0] << 8) | rdata[1]);
		if (rdata[2] != 3) {
			*why = "DNSKEY protocol must be 3 (RFC 4034 section 2.1.2)";
			return BOLT_ERDATA;
		}
		/* RFC 4034 section 2.1.1: without the zone flag it must not verify RRSIGs */
		if (!(flags & TA_FLAG_ZONE)) {
			*why = "DNSKEY is not a zone key (flags without 256)";
			return BOLT_ERDATA;
		}
		return 0;
	}
	*why = "only DS and DNSKEY records can be trust anchors";
	return BOLT_ETYPE;
}

/* Append a checked record to p unless present. Returns 0 or BOLT_ESPACE. */
static int point_add(struct ta_point *p, uint16_t type, const uint8_t *rdata, size_t rdlen,
                     enum ta_state state, int64_t added, int64_t changed)
{
	for (unsigned i = 0; i < p->nkeys; i++)
		if (p->keys[i].type == type && p->keys[i].rdlen == rdlen &&
		    memcmp(p->keys[i].rdata, rdata, rdlen) == 0)
			return 0;
	if (p->nkeys >= TA_MAX_KEYS)
		return BOLT_ESPACE;
	struct ta_key *k = &p->keys[p->nkeys++];
	memset(k, 0, sizeof(*k));
	k->type = type;
	k->alg = rdata[type == TA_TYPE_DS ? 2 : 3];
	if (type == TA_TYPE_DS) {
		k->tag = (uint16_t)((rdata[0] << 8) | rdata[1]);
		k->digest_type = rdata[3];
	} else {
		k->tag = ta_key_tag(rdata, rdlen);
		k->flags = (uint16_t)((rdata[0] << 8) | rdata[1]);
	}
	k->state = state;
	k->added = added;
	k->changed = changed;
	k->rdlen = (uint16_t)rdlen;
	memcpy(k->rdata, rdata, rdlen);
	return 0;
}

int ta_set_add(struct ta_set *s, const uint8_t *name, uint16_t type, const uint8_t *rdata,
               size_t rdlen, uint32_t ttl, enum ta_state state, int64_t added, int64_t changed,
               const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	int ret = check_rdata(type, rdata, rdlen, why);
	if (ret < 0)
		return ret;
	if (rdlen > TA_RDATA_MAX) {
		*why = "RDATA longer than 1024 bytes";
		return BOLT_ESPACE;
	}
	int nlen = bolt_name_len(name, BOLT_NAME_MAX);
	if (nlen < 0) {
		*why = "bad owner name";
		return nlen;
	}
	struct ta_point *p = ta_set_find(s, name);
	if (p == NULL) {
		if (s->n >= TA_MAX_POINTS) {
			*why = "more than 64 trust points";
			return BOLT_ESPACE;
		}
		p = &s->point[s->n++];
		memset(p, 0, sizeof(*p));
		memcpy(p->name, name, (size_t)nlen);
		bolt_name_lower(p->name, (size_t)nlen);
		p->name_len = (uint8_t)nlen;
		p->ttl = ttl;
	}
	if (point_add(p, type, rdata, rdlen, state, added, changed) < 0) {
		*why = "more than 32 keys for one trust point";
		return BOLT_ESPACE;
	}
	return 0;
}

int ta_set_add_key(struct ta_point *p, const uint8_t *rdata, size_t rdlen, enum ta_state state,
                   int64_t added, int64_t changed)
{
	const char *why;
	if (rdlen > TA_RDATA_MAX || check_rdata(TA_TYPE_DNSKEY, rdata, rdlen, &why) < 0)
		return BOLT_ERDATA;
	return point_add(p, TA_TYPE_DNSKEY, rdata, rdlen, state, added, changed);
}
