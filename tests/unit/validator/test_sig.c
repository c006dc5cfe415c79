/*
 * Signatures, keys and DS against zones signed by dnssec-signzone
 * (fixtures/gen.sh): every algorithm, tampering, time, key tags, revoked
 * keys, digests, unsupported algorithms and the KeyTrap limits.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"

static const struct bolt_val_params params = { .now = FX_NOW, .skew = 0 };

/* A zone, its DNSKEY set and DS set. */
struct ctx {
	struct fx_zone z;
	struct fx_set keys, ds;
	struct fx_rrset dnskey;
};

static void load(struct ctx *c, const char *zone)
{
	fx_load(&c->z, zone);
	fx_select(&c->z, zone, BOLT_TYPE_DNSKEY, 0, &c->keys);
	fx_select(&c->z, zone, BOLT_TYPE_DS, 0, &c->ds);
	fx_rrset(&c->z, zone, BOLT_TYPE_DNSKEY, &c->dnskey);
	assert_true(c->keys.n > 0);
}

static enum bolt_val_status verify(struct ctx *c, const struct bolt_val_rrset *set,
                                   const struct bolt_val_params *p,
                                   struct bolt_val_result *r)
{
	struct bolt_val_budget b;
	bolt_val_budget_init(&b);
	return bolt_val_verify_rrset(set, c->z.apex, c->keys.p, c->keys.n, p, &b, r);
}

static struct ctx *newctx(void)
{
	struct ctx *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	return c;
}

/* Every algorithm: the answer, the DNSKEY RRset through each DS digest. */
static void test_algorithms(void **state)
{
	(void)state;
	static const int algs[] = { 8, 10, 13, 14, 15, 16 };
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(algs); i++) {
		char zone[32], www[40];
		snprintf(zone, sizeof(zone), "alg%d.test", algs[i]);
		snprintf(www, sizeof(www), "www.%s", zone);
		struct ctx *c = newctx();
		load(c, zone);
		struct fx_rrset a, txt;
		fx_rrset(&c->z, www, BOLT_TYPE_A, &a);
		fx_rrset(&c->z, www, BOLT_TYPE_TXT, &txt);
		struct bolt_val_result r;
		assert_int_equal(verify(c, &a.set, &params, &r), BOLT_VAL_SECURE);
		assert_int_equal(r.ede, BOLT_VAL_EDE_NONE);
		assert_int_equal(r.ttl, 3600);
		assert_int_equal(r.wildcard_len, 0);
		assert_int_equal(r.key_tag, bolt_val_key_tag(c->keys.p[0]->rdata,
		                                             c->keys.p[0]->rdlen));
		assert_int_equal(verify(c, &txt.set, &params, &r), BOLT_VAL_SECURE);

		/* each DS digest (1, 2, 4) alone leads to the DNSKEY RRset */
		assert_int_equal(c->ds.n, 3);
		for (size_t d = 0; d < c->ds.n; d++) {
			struct bolt_val_budget b;
			bolt_val_budget_init(&b);
			assert_int_equal(bolt_val_ds_match(c->ds.p[d]->rdata, c->ds.p[d]->rdlen,
			                                   c->keys.p[0]), 1);
			assert_int_equal(bolt_val_verify_dnskey(&c->dnskey.set, &c->ds.p[d], 1,
			                                        c->z.apex, &params, &b, &r),
			                 BOLT_VAL_SECURE);
		}
		free(c);
	}
}

/* A flipped byte anywhere the signature covers is bogus; the owner's case
 * (and the signer's) is not. */
static void test_tamper_and_case(void **state)
{
	(void)state;
	struct ctx *c = newctx();
	load(c, "alg13.test");
	struct fx_rrset a;
	fx_rrset(&c->z, "www.alg13.test", BOLT_TYPE_A, &a);
	struct bolt_val_result r;
	struct fx_copy rr, sig;
	const struct bolt_rr *rrp[1] = { &rr.rr }, *sigp[1] = { &sig.rr };
	struct bolt_val_rrset set = { rrp, 1, sigp, 1 };

	/* signature byte */
	fx_copy(&rr, a.rrs.p[0]);
	fx_copy(&sig, a.sigs.p[0]);
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_SECURE);
	sig.data[sig.rr.rdlen - 5] ^= 0x01;
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_BOGUS);
	assert_string_equal(r.reason, "signature does not verify");

	/* RDATA byte */
	fx_copy(&sig, a.sigs.p[0]);
	rr.data[3] ^= 0x01;
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_BOGUS);

	/* original TTL in the RRSIG */
	fx_copy(&rr, a.rrs.p[0]);
	sig.data[7] ^= 0x01;
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_BOGUS);

	/* the owner's case does not matter, nor the signer's, nor the TTL */
	fx_copy(&sig, a.sigs.p[0]);
	rr.rr.owner[1] = 'W';
	rr.rr.owner[5] = 'A';
	memcpy(sig.rr.owner, rr.rr.owner, rr.rr.owner_len);
	sig.data[18 + 1] = 'A'; /* signer "alg13.test" -> "Alg13.test" */
	rr.rr.ttl = 100;
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_SECURE);
	assert_int_equal(r.ttl, 100);

	/* a changed owner name (not case) is bogus */
	rr.rr.owner[1] = 'x';
	sig.rr.owner[1] = 'x';
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_BOGUS);

	/* no RRSIG at all, or only for another type */
	fx_copy(&rr, a.rrs.p[0]);
	set.nsigs = 0;
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_RRSIGS_MISSING);
	set.nsigs = 1;
	fx_copy(&sig, a.sigs.p[0]);
	sig.data[1] = BOLT_TYPE_TXT;
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_RRSIGS_MISSING);

	/* an RRSIG of another class does not count */
	fx_copy(&sig, a.sigs.p[0]);
	sig.rr.rclass = 3;
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_RRSIGS_MISSING);

	/* signer not the zone */
	fx_copy(&sig, a.sigs.p[0]);
	sig.data[18 + 1] = 'b';
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "RRSIG signer is not the zone");
	free(c);
}

/* Inception and expiration, with and without skew; the TTL is capped by
 * the time left. */
static void test_time(void **state)
{
	(void)state;
	struct ctx *c = newctx();
	load(c, "alg13.test");
	struct fx_rrset a;
	fx_rrset(&c->z, "www.alg13.test", BOLT_TYPE_A, &a);
	struct bolt_val_result r;
	struct bolt_val_params p = { .now = FX_INCEPTION - 100, .skew = 0 };
	assert_int_equal(verify(c, &a.set, &p, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_SIG_NOT_YET_VALID);
	p.skew = 3600;
	assert_int_equal(verify(c, &a.set, &p, &r), BOLT_VAL_SECURE);

	p = (struct bolt_val_params){ .now = FX_EXPIRATION + 100, .skew = 0 };
	assert_int_equal(verify(c, &a.set, &p, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_SIG_EXPIRED);
	p.skew = 3600;
	assert_int_equal(verify(c, &a.set, &p, &r), BOLT_VAL_SECURE);
	assert_int_equal(r.ttl, 0); /* past expiry, inside the skew: not cacheable */

	p = (struct bolt_val_params){ .now = FX_EXPIRATION - 60, .skew = 0 };
	assert_int_equal(verify(c, &a.set, &p, &r), BOLT_VAL_SECURE);
	assert_int_equal(r.ttl, 60);

	/* Serial-number arithmetic: 2^31 - 1 seconds after the inception is
	 * still "after"; a clock that wrapped to a small value is compared
	 * modulo 2^32, so just after the expiration is expired. */
	p = (struct bolt_val_params){ .now = FX_EXPIRATION + 1, .skew = 0 };
	assert_int_equal(verify(c, &a.set, &p, &r), BOLT_VAL_BOGUS);
	p.now = FX_INCEPTION + 0x80000001u; /* half the circle on: before inception */
	assert_int_equal(verify(c, &a.set, &p, &r), BOLT_VAL_BOGUS);

	/* A validity period across the 2^32 wrap (inception 0xffffff00,
	 * expiration 0x100) with "now" at 0x10 passes the time check: the
	 * failure is the (now wrong) signature, not the time. */
	struct fx_copy sig;
	const struct bolt_rr *sigp[1] = { &sig.rr };
	struct bolt_val_rrset set = { a.rrs.p, a.rrs.n, sigp, 1 };
	fx_copy(&sig, a.sigs.p[0]);
	memcpy(sig.data + 8, "\x00\x00\x01\x00\xff\xff\xff\x00", 8);
	p = (struct bolt_val_params){ .now = 0x10, .skew = 0 };
	assert_int_equal(verify(c, &set, &p, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "signature does not verify");
	p.now = 0x200;
	assert_int_equal(verify(c, &set, &p, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_SIG_EXPIRED);
	p.now = 0xfffffe00u;
	assert_int_equal(verify(c, &set, &p, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_SIG_NOT_YET_VALID);
	/* expiration before inception is bogus whatever the clock */
	memcpy(sig.data + 8, "\x70\x00\x00\x00\x70\x00\x00\x01", 8);
	p.now = 0x70000000u;
	assert_int_equal(verify(c, &set, &p, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "RRSIG expires before its inception");
	free(c);
}

/* A key tag that names no key; a revoked key; a key without the zone flag. */
static void test_keys(void **state)
{
	(void)state;
	struct ctx *c = newctx();
	load(c, "alg13.test");
	struct fx_rrset a;
	fx_rrset(&c->z, "www.alg13.test", BOLT_TYPE_A, &a);
	struct bolt_val_result r;
	struct fx_copy sig, key;
	const struct bolt_rr *sigp[1] = { &sig.rr }, *keyp[1] = { &key.rr };
	struct bolt_val_rrset set = { a.rrs.p, a.rrs.n, sigp, 1 };
	struct bolt_val_budget b;

	fx_copy(&sig, a.sigs.p[0]);
	sig.data[17] ^= 0x01;
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_DNSKEY_MISSING);

	/* no zone key flag: the key is skipped (its tag changes too, so the
	 * RRSIG's tag is patched to follow it) */
	fx_copy(&sig, a.sigs.p[0]);
	fx_copy(&key, c->keys.p[0]);
	key.data[0] = 0;
	int tag = bolt_val_key_tag(key.data, key.rr.rdlen);
	sig.data[16] = (uint8_t)(tag >> 8);
	sig.data[17] = (uint8_t)tag;
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_rrset(&set, c->z.apex, keyp, 1, &params, &b, &r),
	                 BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_DNSKEY_MISSING);
	assert_string_equal(r.reason, "DNSKEY is not a zone key");
	free(c);

	/* A revoked key (RFC 5011) is never used, though its signature over
	 * the DNSKEY RRset is good. */
	c = newctx();
	load(c, "revoked.test");
	const struct bolt_rr *rev = NULL, *zsk = NULL;
	for (size_t i = 0; i < c->keys.n; i++) {
		uint16_t flags = (uint16_t)(c->keys.p[i]->rdata[0] << 8 | c->keys.p[i]->rdata[1]);
		if (flags & BOLT_DNSKEY_REVOKE)
			rev = c->keys.p[i];
		else
			zsk = c->keys.p[i];
	}
	assert_non_null(rev);
	assert_non_null(zsk);
	int rtag = bolt_val_key_tag(rev->rdata, rev->rdlen);
	bool signed_by_revoked = false;
	for (size_t i = 0; i < c->dnskey.sigs.n; i++)
		signed_by_revoked |= ((c->dnskey.sigs.p[i]->rdata[16] << 8) |
		                      c->dnskey.sigs.p[i]->rdata[17]) == rtag;
	assert_true(signed_by_revoked);
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_rrset(&c->dnskey.set, c->z.apex, &rev, 1, &params, &b,
	                                       &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "DNSKEY is revoked");
	/* the same RRset with the other key verifies */
	assert_int_equal(bolt_val_verify_rrset(&c->dnskey.set, c->z.apex, &zsk, 1, &params, &b,
	                                       &r), BOLT_VAL_SECURE);

	/* RFC 5011 2.1: the revoked key's own signature over the set it is
	 * published in verifies, for the revocation only */
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_revoked(&c->dnskey.set, c->z.apex, rev, &params, &b, &r),
	                 BOLT_VAL_SECURE);
	assert_int_equal(r.key_tag, rtag);
	/* a key without the REVOKE bit is not what this proves */
	assert_int_equal(bolt_val_verify_revoked(&c->dnskey.set, c->z.apex, zsk, &params, &b, &r),
	                 BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "not a revoked DNSKEY");
	/* a tampered self-signature does not revoke */
	struct fx_copy bad[8];
	const struct bolt_rr *badp[8];
	size_t nb = 0;
	for (size_t i = 0; i < c->dnskey.sigs.n && nb < 8; i++, nb++) {
		fx_copy(&bad[nb], c->dnskey.sigs.p[i]);
		bad[nb].data[bad[nb].rr.rdlen - 1] ^= 0x01;
		badp[nb] = &bad[nb].rr;
	}
	struct bolt_val_rrset tampered = { c->dnskey.rrs.p, c->dnskey.rrs.n, badp, nb };
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_revoked(&tampered, c->z.apex, rev, &params, &b, &r),
	                 BOLT_VAL_BOGUS);
	/* nor does a revoked key that is not in the set */
	struct fx_copy other;
	fx_copy(&other, rev);
	other.data[other.rr.rdlen - 1] ^= 0x01;
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_revoked(&c->dnskey.set, c->z.apex, &other.rr, &params, &b,
	                                         &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "revoked DNSKEY is not in the RRset");
	/* expired: the same time checks as any RRSIG */
	const struct bolt_val_params late = { .now = FX_EXPIRATION + 10, .skew = 0 };
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_revoked(&c->dnskey.set, c->z.apex, rev, &late, &b, &r),
	                 BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_SIG_EXPIRED);
	free(c);
}

/* DS: match, mismatch, unsupported digest and algorithm (insecure). */
static void test_ds(void **state)
{
	(void)state;
	struct ctx *c = newctx();
	load(c, "alg13.test");
	struct bolt_val_result r;
	struct bolt_val_budget b;
	struct fx_copy ds;
	const struct bolt_rr *dsp[2] = { &ds.rr, NULL };

	/* a flipped digest byte: no key matches */
	fx_copy(&ds, c->ds.p[1]);
	ds.data[10] ^= 0x01;
	assert_int_equal(bolt_val_ds_match(ds.data, ds.rr.rdlen, c->keys.p[0]), 0);
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_dnskey(&c->dnskey.set, dsp, 1, c->z.apex, &params, &b,
	                                        &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_DNSKEY_MISSING);

	/* unsupported digest type (3, GOST): insecure, EDE 2 */
	fx_copy(&ds, c->ds.p[1]);
	ds.data[3] = 3;
	assert_int_equal(bolt_val_ds_match(ds.data, ds.rr.rdlen, c->keys.p[0]), BOLT_ETYPE);
	assert_int_equal(bolt_val_verify_dnskey(&c->dnskey.set, dsp, 1, c->z.apex, &params, &b,
	                                        &r), BOLT_VAL_INSECURE);
	assert_int_equal(r.ede, BOLT_VAL_EDE_UNSUPPORTED_DIGEST);

	/* unsupported algorithm (5, RSASHA1; 253 private): insecure, EDE 1 */
	fx_copy(&ds, c->ds.p[1]);
	ds.data[2] = 5;
	assert_int_equal(bolt_val_verify_dnskey(&c->dnskey.set, dsp, 1, c->z.apex, &params, &b,
	                                        &r), BOLT_VAL_INSECURE);
	assert_int_equal(r.ede, BOLT_VAL_EDE_UNSUPPORTED_ALG);

	/* ... but an unsupported DS next to a good one: secure */
	dsp[1] = c->ds.p[2];
	assert_int_equal(bolt_val_verify_dnskey(&c->dnskey.set, dsp, 2, c->z.apex, &params, &b,
	                                        &r), BOLT_VAL_SECURE);

	/* RFC 4509 3: a SHA-256 DS makes SHA-1 ones ignored, so a good SHA-1
	 * DS beside a SHA-256 one that matches nothing is no way in */
	fx_copy(&ds, c->ds.p[1]);
	assert_int_equal(ds.data[3], BOLT_DS_SHA256);
	ds.data[10] ^= 0x01;
	dsp[0] = c->ds.p[0];
	assert_int_equal(c->ds.p[0]->rdata[3], BOLT_DS_SHA1);
	dsp[1] = &ds.rr;
	assert_int_equal(bolt_val_verify_dnskey(&c->dnskey.set, dsp, 2, c->z.apex, &params, &b,
	                                        &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_DNSKEY_MISSING);
	dsp[0] = &ds.rr;

	/* a good DS but the DNSKEY RRset's signature broken: bogus */
	struct fx_copy sig;
	const struct bolt_rr *sigp[1] = { &sig.rr };
	fx_copy(&sig, c->dnskey.sigs.p[0]);
	sig.data[sig.rr.rdlen - 1] ^= 0x40;
	struct bolt_val_rrset dk = { c->dnskey.rrs.p, c->dnskey.rrs.n, sigp, 1 };
	assert_int_equal(bolt_val_verify_dnskey(&dk, &c->ds.p[1], 1, c->z.apex, &params, &b,
	                                        &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_BOGUS);

	/* no DS at all: nothing to decide */
	assert_int_equal(bolt_val_verify_dnskey(&c->dnskey.set, dsp, 0, c->z.apex, &params, &b,
	                                        &r), BOLT_VAL_INDETERMINATE);
	free(c);
}

/* RRSIGs only in an algorithm we do not implement: insecure, EDE 1. */
static void test_unsupported_sig_alg(void **state)
{
	(void)state;
	struct ctx *c = newctx();
	load(c, "alg13.test");
	struct fx_rrset a;
	fx_rrset(&c->z, "www.alg13.test", BOLT_TYPE_A, &a);
	struct fx_copy sig;
	const struct bolt_rr *sigp[1] = { &sig.rr };
	struct bolt_val_rrset set = { a.rrs.p, a.rrs.n, sigp, 1 };
	struct bolt_val_result r;
	fx_copy(&sig, a.sigs.p[0]);
	sig.data[2] = 7;
	assert_int_equal(verify(c, &set, &params, &r), BOLT_VAL_INSECURE);
	assert_int_equal(r.ede, BOLT_VAL_EDE_UNSUPPORTED_ALG);
	assert_false(bolt_val_alg_supported(5));
	assert_false(bolt_val_alg_supported(12));
	assert_true(bolt_val_alg_supported(16));
	assert_false(bolt_val_digest_supported(3));
	free(c);
}

/* Keys that are never used: RSA over 4096 bits, a wrong protocol; and an
 * empty RRset is indeterminate. */
static void test_unusable_keys(void **state)
{
	(void)state;
	struct ctx *c = newctx();
	load(c, "alg8.test");
	struct fx_rrset a;
	fx_rrset(&c->z, "www.alg8.test", BOLT_TYPE_A, &a);
	struct bolt_val_result r;
	struct bolt_val_budget b;
	assert_int_equal(verify(c, &a.set, &params, &r), BOLT_VAL_SECURE);

	/* the key with 265 more modulus bytes (4168 bits) is refused before
	 * any RSA work (a modulus this large cannot be made with dnssec-keygen,
	 * so this only shows it is never accepted); the RRSIG's tag is
	 * patched to follow */
	struct fx_copy key, sig;
	const struct bolt_rr *keyp[1] = { &key.rr }, *sigp[1] = { &sig.rr };
	fx_copy(&key, c->keys.p[0]);
	memset(key.data + key.rr.rdlen, 0x5a, 9 + 256);
	key.rr.rdlen = (uint16_t)(key.rr.rdlen + 9 + 256);
	int tag = bolt_val_key_tag(key.data, key.rr.rdlen);
	fx_copy(&sig, a.sigs.p[0]);
	sig.data[16] = (uint8_t)(tag >> 8);
	sig.data[17] = (uint8_t)tag;
	struct bolt_val_rrset set = { a.rrs.p, a.rrs.n, sigp, 1 };
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_rrset(&set, c->z.apex, keyp, 1, &params, &b, &r),
	                 BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "signature does not verify");

	/* protocol 2 */
	fx_copy(&key, c->keys.p[0]);
	key.data[2] = 2;
	tag = bolt_val_key_tag(key.data, key.rr.rdlen);
	sig.data[16] = (uint8_t)(tag >> 8);
	sig.data[17] = (uint8_t)tag;
	assert_int_equal(bolt_val_verify_rrset(&set, c->z.apex, keyp, 1, &params, &b, &r),
	                 BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "DNSKEY protocol is not 3");

	/* nothing to validate */
	struct bolt_val_rrset empty = { a.rrs.p, 0, a.sigs.p, a.sigs.n };
	assert_int_equal(verify(c, &empty, &params, &r), BOLT_VAL_INDETERMINATE);
	assert_string_equal(bolt_val_status_str(BOLT_VAL_BOGUS), "bogus");
	free(c);
}

/* KeyTrap (CVE-2023-50387): keys per RRSIG, failures and verifications
 * per resolution each stop the work with BOGUS and a reason. */
static void test_limits(void **state)
{
	(void)state;
	struct ctx *c = newctx();
	load(c, "alg13.test");
	struct fx_rrset a;
	fx_rrset(&c->z, "www.alg13.test", BOLT_TYPE_A, &a);
	struct bolt_val_result r;
	struct bolt_val_budget b;
	struct fx_copy bad;
	const struct bolt_rr *badp[1] = { &bad.rr };
	fx_copy(&bad, a.sigs.p[0]);
	bad.data[bad.rr.rdlen - 3] ^= 0x10;
	struct bolt_val_rrset badset = { a.rrs.p, a.rrs.n, badp, 1 };

	/* five keys with the RRSIG's tag (the same key five times): four are
	 * tried, the fifth trips the limit */
	const struct bolt_rr *five[5];
	for (int i = 0; i < 5; i++)
		five[i] = c->keys.p[0];
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_rrset(&badset, c->z.apex, five, 5, &params, &b, &r),
	                 BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_BOGUS);
	assert_string_equal(r.reason, "limit: too many keys with one key tag (KeyTrap)");
	assert_int_equal(b.sig_verifies, BOLT_VAL_MAX_KEYS_PER_SIG);
	/* with four it is an ordinary failure */
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_rrset(&badset, c->z.apex, five, 4, &params, &b, &r),
	                 BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "signature does not verify");
	/* and a good signature verifies on the first */
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_rrset(&a.set, c->z.apex, five, 5, &params, &b, &r),
	                 BOLT_VAL_SECURE);

	/* the same bound on keys per DS */
	struct bolt_val_rrset fivekeys = { five, 5, c->dnskey.sigs.p, c->dnskey.sigs.n };
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_dnskey(&fivekeys, &c->ds.p[1], 1, c->z.apex, &params,
	                                        &b, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "limit: too many keys with one key tag (KeyTrap)");
	assert_int_equal(b.sig_verifies, 0);

	/* failures per resolution: the ninth attempt is refused */
	bolt_val_budget_init(&b);
	for (int i = 0; i < BOLT_VAL_MAX_SIG_FAILS; i++) {
		assert_int_equal(bolt_val_verify_rrset(&badset, c->z.apex, c->keys.p, c->keys.n,
		                                       &params, &b, &r), BOLT_VAL_BOGUS);
		assert_string_equal(r.reason, "signature does not verify");
	}
	assert_int_equal(bolt_val_verify_rrset(&a.set, c->z.apex, c->keys.p, c->keys.n,
	                                       &params, &b, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "limit: failed signature verifications per resolution");
	assert_int_equal(b.sig_fails, BOLT_VAL_MAX_SIG_FAILS);

	/* verifications per resolution, good ones included */
	bolt_val_budget_init(&b);
	for (int i = 0; i < BOLT_VAL_MAX_SIG_VERIFIES; i++)
		assert_int_equal(bolt_val_verify_rrset(&a.set, c->z.apex, c->keys.p, c->keys.n,
		                                       &params, &b, &r), BOLT_VAL_SECURE);
	assert_int_equal(bolt_val_verify_rrset(&a.set, c->z.apex, c->keys.p, c->keys.n,
	                                       &params, &b, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "limit: signature verifications per resolution");
	assert_int_equal(b.sig_verifies, BOLT_VAL_MAX_SIG_VERIFIES);
	free(c);
}

/* Canonical order (RFC 4034 6.1's example) and canonical RDATA. */
static void test_canonical(void **state)
{
	(void)state;
	static const char *order[] = {
		"example", "a.example", "yljkjljk.a.example", "Z.a.example",
		"zABC.a.EXAMPLE", "z.example", "\\001.z.example", "*.z.example",
		"\\200.z.example",
	};
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(order); i++)
		for (size_t j = 0; j < BOLT_ARRAY_SIZE(order); j++) {
			int c = bolt_val_name_cmp(fx_name(order[i]), fx_name(order[j]));
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}

	uint8_t in[64], out[64];
	/* MX: the exchange is lower-cased */
	int l = bolt_rdata_from_text(BOLT_TYPE_MX, "10 Mail.EXAMPLE.", in, sizeof(in));
	assert_true(l > 0);
	assert_int_equal(bolt_val_canon_rdata(BOLT_TYPE_MX, in, (uint16_t)l, out, sizeof(out)), l);
	assert_memory_equal(out + 2, "\4mail\7example", 13);
	/* NSEC keeps its next name's case (RFC 6840 5.1) */
	static const uint8_t nsec[] = { 1, 'A', 0, 0, 1, 0x40 };
	assert_int_equal(bolt_val_canon_rdata(BOLT_TYPE_NSEC, nsec, sizeof(nsec), out,
	                                      sizeof(out)), (int)sizeof(nsec));
	assert_int_equal(out[1], 'A');
	/* HINFO has no names */
	static const uint8_t hinfo[] = { 2, 'P', 'C', 3, 'B', 'S', 'D' };
	assert_int_equal(bolt_val_canon_rdata(BOLT_TYPE_HINFO, hinfo, sizeof(hinfo), out,
	                                      sizeof(out)), (int)sizeof(hinfo));
	assert_memory_equal(out, hinfo, sizeof(hinfo));
	/* a compression pointer in a name is malformed */
	static const uint8_t cname[] = { 0xc0, 0x0c };
	assert_int_equal(bolt_val_canon_rdata(BOLT_TYPE_CNAME, cname, sizeof(cname), out,
	                                      sizeof(out)), BOLT_ERDATA);

	/* key tag of RFC 4034 appendix B's example is not given; check the
	 * fixture's against dnssec-keygen's file name instead: a tag the DS
	 * names must be the key's */
	struct ctx *c = newctx();
	load(c, "alg8.test");
	const struct bolt_rr *ds = c->ds.p[0];
	assert_int_equal((ds->rdata[0] << 8) | ds->rdata[1],
	                 bolt_val_key_tag(c->keys.p[0]->rdata, c->keys.p[0]->rdlen));
	assert_int_equal(bolt_val_key_tag(in, 3), BOLT_ERDATA);
	free(c);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fx_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_tamper_and_case),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_ds),
		cmocka_unit_test(test_unsupported_sig_alg),
		cmocka_unit_test(test_unusable_keys),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_canonical),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
