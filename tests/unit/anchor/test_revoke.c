/*
 * RFC 5011 revocation with real signatures: the caller's part (which
 * revoked keys to check, ta_5011_revocable, and their self-signature,
 * bolt_val_verify_revoked) and the state machine's (ta_5011_update), on
 * the validator's fixture revoked.test (signed by dnssec-signzone, its
 * KSK revoked by dnssec-revoke: flags 385, the DNSKEY RRset signed by the
 * revoked key itself and by the ZSK).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "anchor.h"
#include "fixture.h"

static const struct bolt_val_params params = { .now = FX_NOW, .skew = 0 };

struct fx {
	struct fx_zone z;
	struct fx_rrset dnskey;
	const struct bolt_rr *rev;    /* the revoked KSK (flags 385) */
	uint8_t anchor[2048];         /* the same key as it was trusted (flags 257) */
	uint16_t anchor_len;
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	fx_load(&f->z, "revoked.test");
	fx_rrset(&f->z, "revoked.test", BOLT_TYPE_DNSKEY, &f->dnskey);
	for (size_t i = 0; i < f->dnskey.rrs.n; i++)
		if (f->dnskey.rrs.p[i]->rdata[1] & TA_FLAG_REVOKE)
			f->rev = f->dnskey.rrs.p[i];
	assert_non_null(f->rev);
	f->anchor_len = f->rev->rdlen;
	memcpy(f->anchor, f->rev->rdata, f->rev->rdlen);
	f->anchor[1] &= (uint8_t)~TA_FLAG_REVOKE;
	return f;
}

/* A set with the fixture's key, as it was trusted before the revocation. */
static struct ta_set *set_with(const struct fx *f, enum ta_state st)
{
	struct ta_set *s = malloc(sizeof(*s));
	assert_non_null(s);
	ta_set_init(s, 100);
	const char *why = NULL;
	assert_int_equal(ta_set_add(s, f->z.apex, TA_TYPE_DNSKEY, f->anchor, f->anchor_len, 3600, st,
	                            FX_NOW - 1000, FX_NOW - 1000, &why), 0);
	return s;
}

/* What the resolver does with a fetched set (dnssec_chain.c observe_5011):
 * self_signed from the revoked key's own RRSIG, for revocable keys only. */
static unsigned feed(const struct fx *f, const struct ta_point *p,
                     const struct bolt_val_rrset *set, struct ta_dnskey_in *in,
                     unsigned *checks)
{
	struct bolt_val_budget b;
	bolt_val_budget_init(&b);
	unsigned n = 0;
	*checks = 0;
	for (size_t i = 0; i < set->count; i++, n++) {
		const struct bolt_rr *k = set->rrs[i];
		in[n].rdata = k->rdata;
		in[n].rdlen = k->rdlen;
		in[n].self_signed = false;
		if (ta_5011_revocable(p, k->rdata, k->rdlen)) {
			struct bolt_val_result r;
			(*checks)++;
			in[n].self_signed = bolt_val_verify_revoked(set, f->z.apex, k, &params, &b, &r) ==
			                    BOLT_VAL_SECURE;
		}
	}
	return n;
}

/* The trusted key published revoked and self-signed: Revoked (not trusted,
 * its tag the revoked one), then Removed after the hold-down, then
 * forgotten once it is no longer published. */
static void test_self_signed_revocation(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct ta_set *s = set_with(f, TA_VALID);
	struct ta_point *p = &s->point[0];
	uint16_t old_tag = p->keys[0].tag;
	int rev_tag = bolt_val_key_tag(f->rev->rdata, f->rev->rdlen);
	assert_int_equal(rev_tag, (old_tag + 128) & 0xffff);
	assert_true(ta_key_trusted(&p->keys[0]));

	struct ta_dnskey_in in[FX_MAX_RRS];
	unsigned checks;
	unsigned n = feed(f, p, &f->dnskey.set, in, &checks);
	assert_int_equal(checks, 1);
	bool changed = false;
	assert_int_equal(ta_5011_update(p, in, n, true, 3600, 0, FX_NOW, s->hold_down, &changed), 0);
	assert_true(changed);
	assert_int_equal(p->nkeys, 1);
	assert_int_equal(p->keys[0].state, TA_REVOKED);
	assert_int_equal(p->keys[0].tag, rev_tag);
	assert_false(ta_key_trusted(&p->keys[0]));
	assert_int_equal(ta_point_trusted(p), 0);

	/* seen again: Revoked is no longer revocable, no signature is checked */
	n = feed(f, p, &f->dnskey.set, in, &checks);
	assert_int_equal(checks, 0);
	ta_5011_update(p, in, n, true, 3600, 0, FX_NOW + 10, s->hold_down, &changed);
	assert_int_equal(p->keys[0].state, TA_REVOKED);
	/* RemTime: hold-down over -> Removed */
	ta_5011_update(p, in, n, true, 3600, 0, FX_NOW + 100, s->hold_down, &changed);
	assert_true(changed);
	assert_int_equal(p->keys[0].state, TA_REMOVED);
	/* no longer published: forgotten */
	const struct ta_dnskey_in none[1] = { { f->dnskey.rrs.p[0]->rdata, 0, false } };
	ta_5011_update(p, none, 0, true, 3600, 0, FX_NOW + 200, s->hold_down, &changed);
	assert_int_equal(p->nkeys, 0);
	free(s);
	free(f);
}

/* A revocation that does not verify (tampered self-signature, the revoked
 * key's RRSIG missing, a set that was not validated) changes nothing. */
static void test_bad_revocation(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct ta_set *s = set_with(f, TA_VALID);
	struct ta_point *p = &s->point[0];
	int rev_tag = bolt_val_key_tag(f->rev->rdata, f->rev->rdlen);
	struct ta_dnskey_in in[FX_MAX_RRS];
	unsigned checks;
	bool changed;

	/* every RRSIG's signature bytes flipped */
	struct fx_copy bad[8];
	const struct bolt_rr *badp[8];
	size_t nb = 0;
	for (size_t i = 0; i < f->dnskey.sigs.n && nb < 8; i++, nb++) {
		fx_copy(&bad[nb], f->dnskey.sigs.p[i]);
		bad[nb].data[bad[nb].rr.rdlen - 1] ^= 0x01;
		badp[nb] = &bad[nb].rr;
	}
	struct bolt_val_rrset tampered = { f->dnskey.rrs.p, f->dnskey.rrs.n, badp, nb };
	unsigned n = feed(f, p, &tampered, in, &checks);
	assert_int_equal(checks, 1);
	assert_int_equal(ta_5011_update(p, in, n, true, 3600, 0, FX_NOW, s->hold_down, &changed), 1);
	assert_false(changed);
	assert_int_equal(p->keys[0].state, TA_VALID);

	/* only the ZSK's RRSIG: the revoked key did not sign its revocation */
	const struct bolt_rr *zsk_sig[8];
	size_t nz = 0;
	for (size_t i = 0; i < f->dnskey.sigs.n; i++)
		if (((f->dnskey.sigs.p[i]->rdata[16] << 8) | f->dnskey.sigs.p[i]->rdata[17]) != rev_tag)
			zsk_sig[nz++] = f->dnskey.sigs.p[i];
	assert_true(nz > 0 && nz < f->dnskey.sigs.n);
	struct bolt_val_rrset zonly = { f->dnskey.rrs.p, f->dnskey.rrs.n, zsk_sig, nz };
	n = feed(f, p, &zonly, in, &checks);
	ta_5011_update(p, in, n, true, 3600, 0, FX_NOW, s->hold_down, &changed);
	assert_false(changed);
	assert_int_equal(p->keys[0].state, TA_VALID);

	/* a good self-signature in a set that was not validated counts nothing */
	n = feed(f, p, &f->dnskey.set, in, &checks);
	ta_5011_update(p, in, n, false, 3600, 0, FX_NOW, s->hold_down, &changed);
	assert_false(changed);
	assert_int_equal(p->keys[0].state, TA_VALID);
	free(s);
	free(f);
}

/* An anchor file with both the DS and the DNSKEY of the key (Debian's
 * root.key, the fake hierarchy's): the first validated set leaves the
 * DNSKEY only, so that the revocation leaves nothing trusted. (The DS used
 * to stay when its key was already there: Valid for ever, it kept the
 * revoked key trusted.) */
static void test_ds_and_dnskey_file(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct ta_set *s = set_with(f, TA_VALID);
	/* DS digest type 2: SHA-256(owner | RDATA), RFC 4034 5.1.4 */
	uint8_t ds[4 + 32];
	uint16_t tag = s->point[0].keys[0].tag;
	ds[0] = (uint8_t)(tag >> 8);
	ds[1] = (uint8_t)tag;
	ds[2] = f->anchor[3];
	ds[3] = 2;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned dl = 0;
	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	EVP_DigestUpdate(c, f->z.apex, (size_t)bolt_name_len(f->z.apex, BOLT_NAME_MAX));
	EVP_DigestUpdate(c, f->anchor, f->anchor_len);
	EVP_DigestFinal_ex(c, ds + 4, &dl);
	EVP_MD_CTX_free(c);
	assert_true(ta_ds_matches(f->z.apex, ds, sizeof(ds), f->anchor, f->anchor_len));
	assert_int_equal(ta_set_add(s, f->z.apex, TA_TYPE_DS, ds, sizeof(ds), 3600, TA_VALID, 0, 0,
	                            NULL), 0);
	struct ta_point *p = &s->point[0];
	assert_int_equal(p->nkeys, 2);
	assert_int_equal(ta_point_trusted(p), 2);

	/* the key as it was (flags 257) in a validated set: the DS goes */
	struct ta_dnskey_in before[] = { { f->anchor, f->anchor_len, false } };
	bool changed = false;
	assert_int_equal(ta_5011_update(p, before, 1, true, 3600, 0, FX_NOW, s->hold_down, &changed),
	                 1);
	assert_true(changed);
	assert_int_equal(p->nkeys, 1);
	assert_int_equal(p->keys[0].type, TA_TYPE_DNSKEY);

	/* then revoked: nothing trusted is left */
	struct ta_dnskey_in in[FX_MAX_RRS];
	unsigned checks;
	unsigned n = feed(f, p, &f->dnskey.set, in, &checks);
	assert_int_equal(ta_5011_update(p, in, n, true, 3600, 0, FX_NOW + 1, s->hold_down, &changed),
	                 0);
	assert_int_equal(ta_point_trusted(p), 0);
	free(s);
	free(f);
}

/* Which keys are revocable: Valid, Missing and AddPend keys of the point;
 * not a key without the REVOKE bit, not a key the point does not know, not
 * one already Revoked. */
static void test_revocable(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const enum ta_state yes[] = { TA_VALID, TA_MISSING, TA_ADDPEND };
	for (unsigned i = 0; i < 3; i++) {
		struct ta_set *s = set_with(f, yes[i]);
		assert_true(ta_5011_revocable(&s->point[0], f->rev->rdata, f->rev->rdlen));
		assert_false(ta_5011_revocable(&s->point[0], f->anchor, f->anchor_len));
		free(s);
	}
	struct ta_set *s = set_with(f, TA_REVOKED);
	assert_false(ta_5011_revocable(&s->point[0], f->rev->rdata, f->rev->rdlen));
	free(s);
	s = set_with(f, TA_VALID);
	uint8_t other[2048];
	memcpy(other, f->rev->rdata, f->rev->rdlen);
	other[f->rev->rdlen - 1] ^= 0x01;
	assert_false(ta_5011_revocable(&s->point[0], other, f->rev->rdlen));
	assert_false(ta_5011_revocable(&s->point[0], other, 3));
	free(s);
	free(f);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fx_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_signed_revocation),
		cmocka_unit_test(test_bad_revocation),
		cmocka_unit_test(test_revocable),
		cmocka_unit_test(test_ds_and_dnskey_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
