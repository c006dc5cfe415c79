/*
 * DNSKEY, DS and RRSIG (RFC 4034, RFC 4035 5.3, RFC 6840): key tags, DS
 * digests, signature verification through OpenSSL libcrypto 3.0 (EVP).
 *
 * No crypto is written here: keys are handed to EVP_PKEY_fromdata /
 * EVP_PKEY_new_raw_public_key and signatures to EVP_DigestVerify. The
 * DNS-specific parts are the wire forms: RSA keys as RFC 3110 (exponent
 * length, exponent, modulus), ECDSA keys as x | y and signatures as r | s
 * (RFC 6605, turned into DER for OpenSSL), EdDSA keys and signatures raw
 * (RFC 8080).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "internal.h"

void bolt_val_budget_init(struct bolt_val_budget *b)
{
	memset(b, 0, sizeof(*b));
	b->max_keys_per_sig = BOLT_VAL_MAX_KEYS_PER_SIG;
	b->max_sig_fails = BOLT_VAL_MAX_SIG_FAILS;
	b->max_sig_verifies = BOLT_VAL_MAX_SIG_VERIFIES;
	b->max_nsec3_hashes = BOLT_VAL_MAX_NSEC3_HASHES;
	b->max_nsec3_iterations = BOLT_VAL_MAX_NSEC3_ITERATIONS;
}

const char *bolt_val_status_str(enum bolt_val_status s)
{
	switch (s) {
	case BOLT_VAL_SECURE: return "secure";
	case BOLT_VAL_INSECURE: return "insecure";
	case BOLT_VAL_BOGUS: return "bogus";
	case BOLT_VAL_INDETERMINATE: return "indeterminate";
	}
	return "unknown";
}

int bolt_val_key_tag(const uint8_t *rdata, uint16_t rdlen)
{
	if (rdlen < 4)
		return BOLT_ERDATA;
	uint32_t ac = 0;
	for (size_t i = 0; i < rdlen; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (int)(ac & 0xffff);
}

bool bolt_val_alg_supported(uint8_t alg)
{
	switch (alg) {
	case BOLT_ALG_RSASHA256: case BOLT_ALG_RSASHA512: case BOLT_ALG_ECDSAP256SHA256:
	case BOLT_ALG_ECDSAP384SHA384: case BOLT_ALG_ED25519: case BOLT_ALG_ED448:
		return true;
	default:
		return false;
	}
}

bool bolt_val_digest_supported(uint8_t digest_type)
{
	return digest_type == BOLT_DS_SHA1 || digest_type == BOLT_DS_SHA256 ||
	       digest_type == BOLT_DS_SHA384;
}

static const EVP_MD *digest_md(uint8_t digest_type)
{
	switch (digest_type) {
	case BOLT_DS_SHA1: return EVP_sha1();
	case BOLT_DS_SHA256: return EVP_sha256();
	case BOLT_DS_SHA384: return EVP_sha384();
	default: return NULL;
	}
}

int bolt_val_ds_match(const uint8_t *ds, uint16_t ds_len, const struct bolt_rr *key)
{
	if (ds_len < 5 || key->rdlen < 4 || !val_owner_ok(key))
		return BOLT_ERDATA;
	const EVP_MD *md = digest_md(ds[3]);
	if (!md)
		return BOLT_ETYPE;
	int tag = bolt_val_key_tag(key->rdata, key->rdlen);
	if (val_get16(ds) != tag || ds[2] != key->rdata[3])
		return 0;
	/* digest = H(canonical owner | DNSKEY RDATA), RFC 4034 5.1.4 */
	uint8_t owner[BOLT_NAME_MAX];
	memcpy(owner, key->owner, key->owner_len);
	bolt_name_lower(owner, key->owner_len);
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	ERR_set_mark();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	         EVP_DigestUpdate(ctx, owner, key->owner_len) == 1 &&
	         EVP_DigestUpdate(ctx, key->rdata, key->rdlen) == 1 &&
	         EVP_DigestFinal_ex(ctx, d, &dlen) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_pop_to_mark();
	if (!ok)
		return -ENOMEM;
	return (size_t)ds_len - 4 == dlen && memcmp(ds + 4, d, dlen) == 0;
}

/* ------------------------------------------------------------------ */
/* Public keys and signatures.                                         */
/* ------------------------------------------------------------------ */

/* Why a key cannot be used, or NULL when it can. revoked_ok: a revoked
 * key may check its own signature (RFC 5011 2.1, bolt_val_verify_revoked). */
static const char *key_use(const struct bolt_rr *key, bool revoked_ok)
{
	if (key->type != BOLT_TYPE_DNSKEY || key->rdlen < 5)
		return "malformed DNSKEY";
	uint16_t flags = val_get16(key->rdata);
	if (!(flags & BOLT_DNSKEY_ZONE))
		return "DNSKEY is not a zone key";
	if ((flags & BOLT_DNSKEY_REVOKE) && !revoked_ok)
		return "DNSKEY is revoked";
	if (key->rdata[2] != 3)
		return "DNSKEY protocol is not 3";
	return NULL;
}

static const char *key_unusable(const struct bolt_rr *key)
{
	return key_use(key, false);
}

static EVP_PKEY *rsa_key(const uint8_t *k, size_t len)
{
	size_t elen, off;
	if (len < 1)
		return NULL;
	if (k[0] != 0) {
		elen = k[0];
		off = 1;
	} else {
		if (len < 3)
			return NULL;
		elen = val_get16(k + 1);
		off = 3;
	}
	if (elen == 0 || elen > 8 || off + elen >= len)
		return NULL;
	const uint8_t *e = k + off, *n = k + off + elen;
	size_t nlen = len - off - elen;
	/* RFC 3110: 512 to 4096 bits (we refuse more: verification time). */
	if (nlen < 64 || nlen * 8 > BOLT_VAL_RSA_MAX_BITS || n[0] == 0)
		return NULL;
	/* OSSL_PARAM integers are in native byte order. */
	uint8_t nle[BOLT_VAL_RSA_MAX_BITS / 8], ele[8];
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (size_t i = 0; i < nlen; i++)
		nle[i] = n[nlen - 1 - i];
	for (size_t i = 0; i < elen; i++)
		ele[i] = e[elen - 1 - i];
#else
	memcpy(nle, n, nlen);
	memcpy(ele, e, elen);
#endif
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, nle, nlen),
		OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, ele, elen),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static EVP_PKEY *ec_key(const uint8_t *k, size_t len, const char *group, size_t want)
{
	if (len != want)
		return NULL;
	uint8_t pub[1 + 96];
	pub[0] = 0x04; /* uncompressed point: x | y */
	memcpy(pub + 1, k, len);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, len + 1),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* The DNSKEY's public key for OpenSSL, or NULL (malformed, too large). */
static EVP_PKEY *make_key(uint8_t alg, const uint8_t *k, size_t len)
{
	switch (alg) {
	case BOLT_ALG_RSASHA256: case BOLT_ALG_RSASHA512:
		return rsa_key(k, len);
	case BOLT_ALG_ECDSAP256SHA256:
		return ec_key(k, len, "prime256v1", 64);
	case BOLT_ALG_ECDSAP384SHA384:
		return ec_key(k, len, "secp384r1", 96);
	case BOLT_ALG_ED25519:
		return len == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k, len) : NULL;
	case BOLT_ALG_ED448:
		return len == 57 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, NULL, k, len) : NULL;
	default:
		return NULL;
	}
}

/*
 * The public keys made for OpenSSL, kept by algorithm and key bytes: making
 * one (EVP_PKEY_fromdata: provider look-ups, point decoding) costs about a
 * fifth of an ECDSA P-256 verification, and a few zone keys verify nearly
 * every signature a resolver checks (Unbound makes the key anew each time;
 * this is where boltdns saves that). Direct-mapped on a hash of the key; the
 * bytes are compared in full, so a collision only costs a make_key. The
 * cache changes no verdict. One per thread (no lock): boltdns-cp validates
 * on its loop thread, each worker process with a cache of its own.
 */
#define PKEY_SLOTS 64
#define PKEY_KEY_MAX 600
static _Thread_local struct {
	EVP_PKEY *pkey;
	uint8_t alg;
	uint16_t len;
	uint8_t key[PKEY_KEY_MAX];
} pkc[PKEY_SLOTS];

/* The key for alg and k[0..len) (borrowed: do not free), or NULL. */
static EVP_PKEY *key_get(uint8_t alg, const uint8_t *k, size_t len)
{
	if (len > PKEY_KEY_MAX)
		return NULL; /* bigger than any key make_key accepts */
	uint32_t h = 2166136261u ^ alg;
	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 16777619u;
	unsigned slot = h % PKEY_SLOTS;
	if (pkc[slot].pkey != NULL && pkc[slot].alg == alg && pkc[slot].len == len &&
	    memcmp(pkc[slot].key, k, len) == 0)
		return pkc[slot].pkey;
	EVP_PKEY *pkey = make_key(alg, k, len);
	if (pkey == NULL)
		return NULL;
	EVP_PKEY_free(pkc[slot].pkey);
	pkc[slot].pkey = pkey;
	pkc[slot].alg = alg;
	pkc[slot].len = (uint16_t)len;
	memcpy(pkc[slot].key, k, len);
	return pkey;
}

/* RFC 6605 r | s into DER for OpenSSL; returns the DER length or 0. */
static int ecdsa_der(const uint8_t *sig, size_t len, uint8_t *der, size_t cap)
{
	int out = 0;
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL);
	BIGNUM *ss = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
	if (s && r && ss && ECDSA_SIG_set0(s, r, ss) == 1) {
		r = ss = NULL; /* owned by s now */
		if ((size_t)i2d_ECDSA_SIG(s, NULL) <= cap) {
			uint8_t *p = der;
			out = i2d_ECDSA_SIG(s, &p);
		}
	}
	BN_free(r);
	BN_free(ss);
	ECDSA_SIG_free(s);
	return out > 0 ? out : 0;
}

/* Verify sig over data with the DNSKEY RDATA key of algorithm alg.
 * Returns 1 good, 0 bad (any failure, malformed key included). */
static int verify_sig(uint8_t alg, const uint8_t *key, size_t klen, const uint8_t *sig,
                      size_t slen, const uint8_t *data, size_t dlen)
{
	const EVP_MD *md = NULL;
	uint8_t der[128];
	switch (alg) {
	case BOLT_ALG_RSASHA256: md = EVP_sha256(); break;
	case BOLT_ALG_RSASHA512: md = EVP_sha512(); break;
	case BOLT_ALG_ECDSAP256SHA256:
	case BOLT_ALG_ECDSAP384SHA384: {
		size_t want = alg == BOLT_ALG_ECDSAP256SHA256 ? 64 : 96;
		if (slen != want)
			return 0;
		int l = ecdsa_der(sig, slen, der, sizeof(der));
		if (l == 0)
			return 0;
		sig = der;
		slen = (size_t)l;
		md = alg == BOLT_ALG_ECDSAP256SHA256 ? EVP_sha256() : EVP_sha384();
		break;
	}
	case BOLT_ALG_ED25519: case BOLT_ALG_ED448:
		md = NULL; /* EdDSA hashes internally: one-shot, no digest */
		break;
	default:
		return 0;
	}
	/* Failures leave errors on this thread's OpenSSL queue: drop ours,
	 * and only ours (the thread may use libcrypto for other things). */
	ERR_set_mark();
	EVP_PKEY *pkey = key_get(alg, key, klen);
	if (!pkey) {
		ERR_pop_to_mark();
		return 0;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
	         EVP_DigestVerify(ctx, sig, slen, data, dlen) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_pop_to_mark();
	return ok;
}

/* ------------------------------------------------------------------ */
/* RRSIG over an RRset.                                                */
/* ------------------------------------------------------------------ */

/* Failures rank so that the most telling one is reported. */
struct fail {
	int rank;
	uint16_t ede;
	const char *reason;
};

static void note(struct fail *f, int rank, uint16_t ede, const char *reason)
{
	if (rank >= f->rank) {
		f->rank = rank;
		f->ede = ede;
		f->reason = reason;
	}
}

/* Serial-number arithmetic (RFC 1982, RFC 4034 3.1.5): a <= b. */
static bool serial_le(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) >= 0;
}

static enum bolt_val_status verify_rrset(
	const struct bolt_val_rrset *set, const uint8_t *zone,
	const struct bolt_rr *const *keys, size_t nkeys, const struct bolt_val_params *p,
	struct bolt_val_budget *b, struct bolt_val_result *out, bool revoked_ok)
{
	val_reset(out);
	if (!set || set->count == 0)
		return out->status;
	if (set->count > BOLT_VAL_MAX_RRS || set->nsigs > BOLT_VAL_MAX_RRS ||
	    nkeys > BOLT_VAL_MAX_RRS)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "too many records");
	int zlen = bolt_name_len(zone, BOLT_NAME_MAX);
	const struct bolt_rr *first = set->rrs[0];
	if (zlen < 0 || !val_owner_ok(first))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "malformed name");
	for (size_t i = 1; i < set->count; i++)
		if (set->rrs[i]->type != first->type || set->rrs[i]->rclass != first->rclass ||
		    !bolt_name_equal(set->rrs[i]->owner, first->owner))
			return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
			               "records of different RRsets");
	int owner_labels = bolt_name_labels(first->owner);
	/* RFC 4034 3.1.3: a wildcard owner's "*" label is not counted. */
	if (val_name_is_wildcard(first->owner))
		owner_labels--;

	struct fail f = { 0, BOLT_VAL_EDE_RRSIGS_MISSING, "no RRSIG covers the RRset" };
	bool any_sig = false, any_supported = false;
	for (size_t s = 0; s < set->nsigs; s++) {
		const struct bolt_rr *sig = set->sigs[s];
		if (sig->type != BOLT_TYPE_RRSIG || sig->rclass != first->rclass ||
		    !bolt_name_equal(sig->owner, first->owner))
			continue;
		const uint8_t *rd = sig->rdata;
		if (sig->rdlen < 18 + 1) {
			any_sig = true;
			note(&f, 4, BOLT_VAL_EDE_BOGUS, "malformed RRSIG");
			continue;
		}
		if (val_get16(rd) != first->type)
			continue;
		any_sig = true;
		uint8_t alg = rd[2], labels = rd[3];
		uint32_t orig_ttl = val_get32(rd + 4), exp = val_get32(rd + 8),
		         inc = val_get32(rd + 12);
		uint16_t tag = val_get16(rd + 16);
		if (!bolt_val_alg_supported(alg))
			continue;
		any_supported = true;
		int slen = val_name_in(rd + 18, sig->rdlen - 18);
		if (slen < 0 || 18 + (size_t)slen >= sig->rdlen) {
			note(&f, 4, BOLT_VAL_EDE_BOGUS, "malformed RRSIG");
			continue;
		}
		const uint8_t *signer = rd + 18;
		if (!bolt_name_equal(signer, zone) || !bolt_name_in_zone(first->owner, zone)) {
			note(&f, 3, BOLT_VAL_EDE_BOGUS, "RRSIG signer is not the zone");
			continue;
		}
		if (labels > owner_labels) {
			note(&f, 4, BOLT_VAL_EDE_BOGUS, "RRSIG labels exceed the owner's");
			continue;
		}
		if (!serial_le(inc, exp)) {
			note(&f, 4, BOLT_VAL_EDE_BOGUS, "RRSIG expires before its inception");
			continue;
		}
		if (!serial_le(inc, p->now + p->skew)) {
			note(&f, 2, BOLT_VAL_EDE_SIG_NOT_YET_VALID, "RRSIG not yet valid");
			continue;
		}
		if (!serial_le(p->now - p->skew, exp)) {
			note(&f, 2, BOLT_VAL_EDE_SIG_EXPIRED, "RRSIG expired");
			continue;
		}
		/* Signed name: the owner, or for an expansion "*." + its last
		 * `labels` labels (RFC 4035 5.3.2). */
		uint8_t wild[BOLT_NAME_MAX];
		const uint8_t *signed_owner = first->owner;
		bool expanded = false;
		if (labels < owner_labels) {
			if (val_wildcard_of(val_name_suffix(first->owner, labels), wild) < 0)
				continue;
			signed_owner = wild;
			expanded = true;
		}
		/* The RRSIG RDATA up to the signer, signer lower-cased. */
		uint8_t prefix[18 + BOLT_NAME_MAX];
		memcpy(prefix, rd, 18 + (size_t)slen);
		bolt_name_lower(prefix + 18, (size_t)slen);
		const uint8_t *sigbytes = rd + 18 + slen;
		size_t siglen = sig->rdlen - 18 - (size_t)slen;

		uint8_t *data = NULL;
		size_t dlen = 0;
		uint32_t tried = 0;
		bool tag_seen = false;
		for (size_t k = 0; k < nkeys; k++) {
			const struct bolt_rr *key = keys[k];
			if (key->type != BOLT_TYPE_DNSKEY || key->rdlen < 5 ||
			    key->rdata[3] != alg || bolt_val_key_tag(key->rdata, key->rdlen) != tag)
				continue;
			if (!bolt_name_equal(key->owner, zone))
				continue;
			tag_seen = true;
			const char *why = key_use(key, revoked_ok);
			if (why) {
				note(&f, 1, BOLT_VAL_EDE_DNSKEY_MISSING, why);
				continue;
			}
			/* KeyTrap (CVE-2023-50387): many keys sharing one tag
			 * must not multiply the work of one RRSIG. */
			if (++tried > b->max_keys_per_sig) {
				free(data);
				return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
				               "limit: too many keys with one key tag (KeyTrap)");
			}
			if (b->sig_verifies >= b->max_sig_verifies) {
				free(data);
				return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
				               "limit: signature verifications per resolution");
			}
			if (b->sig_fails >= b->max_sig_fails) {
				free(data);
				return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
				               "limit: failed signature verifications per resolution");
			}
			if (!data) {
				int rc = val_canon_rrset(set, prefix, 18 + (size_t)slen, signed_owner,
				                         orig_ttl, &data, &dlen);
				if (rc < 0)
					return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
					               rc == -ENOMEM ? "out of memory"
					                             : "malformed RDATA");
			}
			b->sig_verifies++;
			if (verify_sig(alg, key->rdata + 4, key->rdlen - 4u, sigbytes, siglen, data,
			               dlen)) {
				free(data);
				val_set(out, BOLT_VAL_SECURE, BOLT_VAL_EDE_NONE, "signature verified");
				uint32_t ttl = orig_ttl;
				for (size_t i = 0; i < set->count; i++)
					if (set->rrs[i]->ttl < ttl)
						ttl = set->rrs[i]->ttl;
				uint32_t left = exp - p->now;
				if ((int32_t)left < 0)
					left = 0; /* inside the skew: usable now, not cached */
				if (left < ttl)
					ttl = left;
				out->ttl = ttl;
				out->key_tag = tag;
				if (expanded) {
					int wl = bolt_name_len(wild, BOLT_NAME_MAX);
					memcpy(out->wildcard, wild, (size_t)wl);
					out->wildcard_len = (uint8_t)wl;
				}
				return BOLT_VAL_SECURE;
			}
			b->sig_fails++;
			note(&f, 5, BOLT_VAL_EDE_BOGUS, "signature does not verify");
		}
		free(data);
		if (!tag_seen)
			note(&f, 1, BOLT_VAL_EDE_DNSKEY_MISSING, "no DNSKEY matches the RRSIG");
	}
	if (!any_sig)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_RRSIGS_MISSING,
		               "no RRSIG covers the RRset");
	/* Only algorithms we do not implement: treat as unsigned (RFC 6840
	 * 5.2); the DS step decides whether the zone may be unsigned at all. */
	if (!any_supported)
		return val_set(out, BOLT_VAL_INSECURE, BOLT_VAL_EDE_UNSUPPORTED_ALG,
		               "RRSIG algorithm not supported");
	return val_set(out, BOLT_VAL_BOGUS, f.ede, f.reason);
}

enum bolt_val_status bolt_val_verify_rrset(
	const struct bolt_val_rrset *set, const uint8_t *zone,
	const struct bolt_rr *const *keys, size_t nkeys, const struct bolt_val_params *p,
	struct bolt_val_budget *b, struct bolt_val_result *out)
{
	return verify_rrset(set, zone, keys, nkeys, p, b, out, false);
}

enum bolt_val_status bolt_val_verify_revoked(
	const struct bolt_val_rrset *dnskey, const uint8_t *zone, const struct bolt_rr *key,
	const struct bolt_val_params *p, struct bolt_val_budget *b, struct bolt_val_result *out)
{
	val_reset(out);
	if (!dnskey || dnskey->count == 0 || !key || key->type != BOLT_TYPE_DNSKEY ||
	    key->rdlen < 5 || !(val_get16(key->rdata) & BOLT_DNSKEY_REVOKE))
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "not a revoked DNSKEY");
	if (dnskey->rrs[0]->type != BOLT_TYPE_DNSKEY)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "not a DNSKEY RRset");
	/* The revocation must be published in the set it signs: a key from
	 * elsewhere proves nothing about this zone. */
	bool in_set = false;
	for (size_t i = 0; i < dnskey->count && !in_set; i++)
		in_set = dnskey->rrs[i]->rdlen == key->rdlen &&
		         memcmp(dnskey->rrs[i]->rdata, key->rdata, key->rdlen) == 0 &&
		         bolt_name_equal(dnskey->rrs[i]->owner, key->owner);
	if (!in_set)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
		               "revoked DNSKEY is not in the RRset");
	return verify_rrset(dnskey, zone, &key, 1, p, b, out, true);
}

/* ------------------------------------------------------------------ */
/* DNSKEY RRset from DS.                                               */
/* ------------------------------------------------------------------ */

enum bolt_val_status bolt_val_verify_dnskey(
	const struct bolt_val_rrset *dnskey, const struct bolt_rr *const *ds, size_t nds,
	const uint8_t *zone, const struct bolt_val_params *p,
	struct bolt_val_budget *b, struct bolt_val_result *out)
{
	val_reset(out);
	if (nds == 0)
		return val_set(out, BOLT_VAL_INDETERMINATE, BOLT_VAL_EDE_NONE, "no DS given");
	if (!dnskey || dnskey->count == 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_DNSKEY_MISSING, "no DNSKEY");
	if (nds > BOLT_VAL_MAX_RRS || dnskey->count > BOLT_VAL_MAX_RRS)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS, "too many records");

	/* The keys some usable DS vouches for (pointers into dnskey->rrs). */
	const struct bolt_rr *matched[BOLT_VAL_MAX_RRS];
	size_t nmatched = 0, supported = 0;
	bool bad_alg = false, bad_digest = false, strong = false;
	/* RFC 4509 3: with a SHA-2 DS present, SHA-1 ones are ignored (a
	 * forged SHA-1 DS must not be a way in). */
	for (size_t i = 0; i < nds; i++)
		strong |= ds[i]->type == BOLT_TYPE_DS && ds[i]->rdlen >= 5 &&
		          bolt_name_equal(ds[i]->owner, zone) &&
		          bolt_val_alg_supported(ds[i]->rdata[2]) &&
		          (ds[i]->rdata[3] == BOLT_DS_SHA256 || ds[i]->rdata[3] == BOLT_DS_SHA384);
	for (size_t i = 0; i < nds; i++) {
		const struct bolt_rr *d = ds[i];
		if (d->type != BOLT_TYPE_DS || d->rdlen < 5 || !bolt_name_equal(d->owner, zone))
			continue;
		if (!bolt_val_alg_supported(d->rdata[2])) {
			bad_alg = true;
			continue;
		}
		if (!bolt_val_digest_supported(d->rdata[3])) {
			bad_digest = true;
			continue;
		}
		if (strong && d->rdata[3] == BOLT_DS_SHA1)
			continue;
		supported++;
		uint32_t tried = 0;
		for (size_t k = 0; k < dnskey->count; k++) {
			const struct bolt_rr *key = dnskey->rrs[k];
			if (key->type != BOLT_TYPE_DNSKEY || !bolt_name_equal(key->owner, zone) ||
			    key_unusable(key))
				continue;
			if (key->rdata[3] != d->rdata[2] ||
			    bolt_val_key_tag(key->rdata, key->rdlen) != val_get16(d->rdata))
				continue;
			/* Same KeyTrap bound on keys per DS as on keys per RRSIG. */
			if (++tried > b->max_keys_per_sig)
				return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
				               "limit: too many keys with one key tag (KeyTrap)");
			if (bolt_val_ds_match(d->rdata, d->rdlen, key) != 1)
				continue;
			bool dup = false;
			for (size_t m = 0; m < nmatched; m++)
				dup |= matched[m] == key;
			if (!dup)
				matched[nmatched++] = key;
		}
	}
	if (supported == 0)
		return bad_alg ? val_set(out, BOLT_VAL_INSECURE, BOLT_VAL_EDE_UNSUPPORTED_ALG,
		                         "DS algorithm not supported")
		       : bad_digest ? val_set(out, BOLT_VAL_INSECURE,
		                              BOLT_VAL_EDE_UNSUPPORTED_DIGEST,
		                              "DS digest type not supported")
		                    : val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_BOGUS,
		                              "malformed DS");
	if (nmatched == 0)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_DNSKEY_MISSING,
		               "no DNSKEY matches the DS");
	enum bolt_val_status s = bolt_val_verify_rrset(dnskey, zone, matched, nmatched, p, b, out);
	/* The DS promises a supported algorithm: RRSIGs only in others do not
	 * make the zone insecure. */
	if (s == BOLT_VAL_INSECURE)
		return val_set(out, BOLT_VAL_BOGUS, BOLT_VAL_EDE_RRSIGS_MISSING,
		               "no RRSIG by a key the DS names");
	if (s == BOLT_VAL_BOGUS && out->ede == BOLT_VAL_EDE_DNSKEY_MISSING)
		out->reason = "DNSKEY RRset not signed by a key the DS names";
	return s;
}
