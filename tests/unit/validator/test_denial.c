/*
 * NSEC and NSEC3 proofs against the denial zones of fixtures/gen.sh (same
 * layout signed three ways: NSEC, NSEC3, NSEC3 opt-out, plus NSEC3 with 100
 * iterations). Canonical order of nsec.test:
 *   nsec.test < b < a.b < cname < ns < sub < unsec < unsec2 < *.wild < www
 * (b is an empty non-terminal, sub a signed delegation, unsec and unsec2
 * unsigned ones).
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

static struct fx_zone *load(const char *zone)
{
	struct fx_zone *z = calloc(1, sizeof(*z));
	assert_non_null(z);
	fx_load(z, zone);
	return z;
}

/* The set without the records for which drop() is true. */
static void without(const struct fx_set *in, struct fx_set *out,
                    bool (*drop)(const struct bolt_rr *, const void *), const void *arg)
{
	out->n = 0;
	for (size_t i = 0; i < in->n; i++)
		if (!drop(in->p[i], arg))
			out->p[out->n++] = in->p[i];
}

static bool owner_is(const struct bolt_rr *rr, const void *name)
{
	return bolt_name_equal(rr->owner, name);
}

static bool nsec_covers_name(const struct bolt_rr *rr, const void *name)
{
	return bolt_val_nsec_covers(rr, name) == 1;
}

/* Every NSEC/NSEC3 of the fixtures is signed by the zone's keys. */
static void check_signed(const struct fx_zone *z, uint16_t type)
{
	struct fx_set keys, recs;
	fx_select(z, NULL, BOLT_TYPE_DNSKEY, 0, &keys);
	fx_select(z, NULL, type, 0, &recs);
	assert_true(recs.n > 3);
	struct bolt_val_budget b;
	for (size_t i = 0; i < recs.n; i++) {
		char owner[300];
		bolt_name_to_text(recs.p[i]->owner, owner, sizeof(owner));
		struct fx_rrset s;
		fx_rrset(z, owner, type, &s);
		struct bolt_val_result r;
		bolt_val_budget_init(&b);
		assert_int_equal(bolt_val_verify_rrset(&s.set, z->apex, keys.p, keys.n, &params,
		                                       &b, &r), BOLT_VAL_SECURE);
	}
}

/* The answer synthesised from *.wild for qname: owner rewritten, RRSIG kept. */
struct synth {
	struct fx_copy rr, sig;
	const struct bolt_rr *rrp[1], *sigp[1];
	struct bolt_val_rrset set;
};

static void synthesise(const struct fx_zone *z, const char *wild, const char *qname,
                       struct synth *s)
{
	struct fx_rrset w;
	fx_rrset(z, wild, BOLT_TYPE_TXT, &w);
	assert_int_equal(w.rrs.n, 1);
	fx_copy(&s->rr, w.rrs.p[0]);
	fx_copy(&s->sig, w.sigs.p[0]);
	const uint8_t *q = fx_name(qname);
	int l = bolt_name_len(q, BOLT_NAME_MAX);
	memcpy(s->rr.rr.owner, q, (size_t)l);
	memcpy(s->sig.rr.owner, q, (size_t)l);
	s->rr.rr.owner_len = s->sig.rr.owner_len = (uint8_t)l;
	s->rrp[0] = &s->rr.rr;
	s->sigp[0] = &s->sig.rr;
	s->set = (struct bolt_val_rrset){ s->rrp, 1, s->sigp, 1 };
}

static void test_nsec(void **state)
{
	(void)state;
	struct fx_zone *z = load("nsec.test");
	check_signed(z, BOLT_TYPE_NSEC);
	struct fx_set all, part;
	fx_select(z, NULL, BOLT_TYPE_NSEC, 0, &all);
	struct bolt_val_result r;
	const uint8_t *apex = z->apex;

	/* NXDOMAIN: nx is covered (ns -> sub), *.nsec.test too (apex -> a.b) */
	const uint8_t *nx = fx_name("nx.nsec.test");
	assert_int_equal(bolt_val_nsec_nxdomain(nx, apex, all.p, all.n, &r), BOLT_VAL_SECURE);
	/* without the wildcard's cover: incomplete */
	without(&all, &part, owner_is, apex);
	assert_int_equal(bolt_val_nsec_nxdomain(nx, apex, part.p, part.n, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_NSEC_MISSING);
	assert_string_equal(r.reason, "no NSEC covers the wildcard");
	/* without the name's cover */
	without(&all, &part, nsec_covers_name, nx);
	assert_int_equal(bolt_val_nsec_nxdomain(nx, apex, part.p, part.n, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "no NSEC covers the name");
	/* names that exist are no NXDOMAIN: www, the empty non-terminal b */
	assert_int_equal(bolt_val_nsec_nxdomain(fx_name("www.nsec.test"), apex, all.p, all.n, &r),
	                 BOLT_VAL_BOGUS);
	assert_int_equal(bolt_val_nsec_nxdomain(fx_name("b.nsec.test"), apex, all.p, all.n, &r),
	                 BOLT_VAL_BOGUS);
	/* below a delegation the parent's NSEC proves nothing (RFC 6840 4.1) */
	assert_int_equal(bolt_val_nsec_nxdomain(fx_name("x.unsec.nsec.test"), apex, all.p, all.n,
	                                        &r), BOLT_VAL_BOGUS);
	/* a name of another zone */
	assert_int_equal(bolt_val_nsec_nxdomain(fx_name("nx.other.test"), apex, all.p, all.n, &r),
	                 BOLT_VAL_BOGUS);

	/* NODATA at www for TXT; not for A, which exists */
	const uint8_t *www = fx_name("www.nsec.test");
	assert_int_equal(bolt_val_nsec_nodata(www, BOLT_TYPE_TXT, apex, all.p, all.n, &r),
	                 BOLT_VAL_SECURE);
	assert_int_equal(bolt_val_nsec_nodata(www, BOLT_TYPE_A, apex, all.p, all.n, &r),
	                 BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "NSEC shows the type exists");
	/* a CNAME owner has no NODATA */
	assert_int_equal(bolt_val_nsec_nodata(fx_name("cname.nsec.test"), BOLT_TYPE_A, apex,
	                                      all.p, all.n, &r), BOLT_VAL_BOGUS);
	/* the empty non-terminal */
	assert_int_equal(bolt_val_nsec_nodata(fx_name("b.nsec.test"), BOLT_TYPE_A, apex, all.p,
	                                      all.n, &r), BOLT_VAL_SECURE);
	/* the parent side of a cut answers DS, not A */
	const uint8_t *unsec = fx_name("unsec.nsec.test");
	assert_int_equal(bolt_val_nsec_nodata(unsec, BOLT_TYPE_DS, apex, all.p, all.n, &r),
	                 BOLT_VAL_SECURE);
	assert_int_equal(bolt_val_nsec_nodata(unsec, BOLT_TYPE_A, apex, all.p, all.n, &r),
	                 BOLT_VAL_BOGUS);
	/* without the NSEC at www: nothing */
	without(&all, &part, owner_is, www);
	assert_int_equal(bolt_val_nsec_nodata(www, BOLT_TYPE_TXT, apex, part.p, part.n, &r),
	                 BOLT_VAL_BOGUS);

	/* wildcard answer: x.wild TXT from *.wild */
	struct synth s;
	synthesise(z, "*.wild.nsec.test", "x.wild.nsec.test", &s);
	struct fx_set keys;
	fx_select(z, NULL, BOLT_TYPE_DNSKEY, 0, &keys);
	struct bolt_val_budget b;
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_rrset(&s.set, apex, keys.p, keys.n, &params, &b, &r),
	                 BOLT_VAL_SECURE);
	assert_int_equal(r.wildcard_len, bolt_name_len(fx_name("*.wild.nsec.test"), 255));
	assert_true(bolt_name_equal(r.wildcard, fx_name("*.wild.nsec.test")));
	uint8_t wc[BOLT_NAME_MAX];
	memcpy(wc, r.wildcard, r.wildcard_len);
	const uint8_t *xw = fx_name("x.wild.nsec.test");
	assert_int_equal(bolt_val_nsec_wildcard(xw, wc, apex, all.p, all.n, &r), BOLT_VAL_SECURE);
	/* without the cover of x.wild (*.wild -> www): incomplete */
	without(&all, &part, nsec_covers_name, xw);
	assert_int_equal(bolt_val_nsec_wildcard(xw, wc, apex, part.p, part.n, &r), BOLT_VAL_BOGUS);
	/* a deeper name from the same wildcard is fine: y.x.wild */
	synthesise(z, "*.wild.nsec.test", "y.x.wild.nsec.test", &s);
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_rrset(&s.set, apex, keys.p, keys.n, &params, &b, &r),
	                 BOLT_VAL_SECURE);
	assert_int_equal(bolt_val_nsec_wildcard(fx_name("y.x.wild.nsec.test"), wc, apex, all.p,
	                                        all.n, &r), BOLT_VAL_SECURE);
	/* a wildcard claimed where a closer encloser exists: www exists, so
	 * *.nsec.test cannot have produced a.www.nsec.test's answer... but
	 * a.www is covered by www -> nsec.test with closest encloser www */
	assert_int_equal(bolt_val_nsec_wildcard(fx_name("a.www.nsec.test"),
	                                        fx_name("*.nsec.test"), apex, all.p, all.n, &r),
	                 BOLT_VAL_BOGUS);
	/* the RRSIG's labels field says "expanded": an RRSIG over the
	 * wildcard owner itself is not an expansion */
	struct fx_rrset w;
	fx_rrset(z, "*.wild.nsec.test", BOLT_TYPE_TXT, &w);
	bolt_val_budget_init(&b);
	assert_int_equal(bolt_val_verify_rrset(&w.set, apex, keys.p, keys.n, &params, &b, &r),
	                 BOLT_VAL_SECURE);
	assert_int_equal(r.wildcard_len, 0);

	/* wildcard NODATA: x.wild A (the wildcard has TXT only) */
	assert_int_equal(bolt_val_nsec_nodata(xw, BOLT_TYPE_A, apex, all.p, all.n, &r),
	                 BOLT_VAL_SECURE);
	assert_string_equal(r.reason, "NSEC proves wildcard NODATA");
	assert_int_equal(bolt_val_nsec_nodata(xw, BOLT_TYPE_TXT, apex, all.p, all.n, &r),
	                 BOLT_VAL_BOGUS);
	without(&all, &part, owner_is, fx_name("*.wild.nsec.test"));
	assert_int_equal(bolt_val_nsec_nodata(xw, BOLT_TYPE_A, apex, part.p, part.n, &r),
	                 BOLT_VAL_BOGUS);

	/* insecure delegation: unsec has NS and no DS; sub has a DS */
	assert_int_equal(bolt_val_nsec_insecure_delegation(unsec, apex, all.p, all.n, &r),
	                 BOLT_VAL_INSECURE);
	assert_int_equal(bolt_val_nsec_insecure_delegation(fx_name("sub.nsec.test"), apex, all.p,
	                                                   all.n, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "NSEC shows a DS");
	assert_int_equal(bolt_val_nsec_insecure_delegation(www, apex, all.p, all.n, &r),
	                 BOLT_VAL_BOGUS);
	assert_int_equal(bolt_val_nsec_insecure_delegation(nx, apex, all.p, all.n, &r),
	                 BOLT_VAL_BOGUS);

	/* the apex has NS and SOA: a NODATA there is fine */
	assert_int_equal(bolt_val_nsec_nodata(apex, BOLT_TYPE_TXT, apex, all.p, all.n, &r),
	                 BOLT_VAL_SECURE);

	/* A DNAME hides what is below it: an NSEC d -> e with DNAME covers
	 * x.d in canonical order, yet proves nothing about it (RFC 6840 4.1). */
	struct fx_copy dn;
	const struct bolt_rr *dnp[1] = { &dn.rr };
	memset(&dn, 0, sizeof(dn));
	const uint8_t *d = fx_name("d.nsec.test"), *e = fx_name("e.nsec.test");
	dn.rr.owner_len = (uint8_t)bolt_name_len(d, BOLT_NAME_MAX);
	memcpy(dn.rr.owner, d, dn.rr.owner_len);
	dn.rr.type = BOLT_TYPE_NSEC;
	dn.rr.rclass = BOLT_CLASS_IN;
	int el = bolt_name_len(e, BOLT_NAME_MAX);
	memcpy(dn.data, e, (size_t)el);
	/* window 0: DNAME (39), RRSIG (46), NSEC (47) */
	static const uint8_t bm[] = { 0, 6, 0, 0, 0, 0, 0x01, 0x03 };
	memcpy(dn.data + el, bm, sizeof(bm));
	dn.rr.rdata = dn.data;
	dn.rr.rdlen = (uint16_t)(el + (int)sizeof(bm));
	const uint8_t *xd = fx_name("x.d.nsec.test");
	assert_int_equal(bolt_val_nsec_covers(&dn.rr, xd), 1);
	assert_int_equal(bolt_val_nsec_nxdomain(xd, apex, dnp, 1, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "no NSEC covers the name");
	assert_int_equal(bolt_val_nsec_nodata(xd, BOLT_TYPE_A, apex, dnp, 1, &r), BOLT_VAL_BOGUS);
	/* without the DNAME bit the same record proves it (it covers x.d and
	 * *.d alike) */
	dn.data[el + 6] = 0;
	assert_int_equal(bolt_val_nsec_nxdomain(xd, apex, dnp, 1, &r), BOLT_VAL_SECURE);

	/* the cover helper for aggressive use (RFC 8198) */
	int covering = 0;
	for (size_t i = 0; i < all.n; i++)
		covering += bolt_val_nsec_covers(all.p[i], nx) == 1;
	assert_int_equal(covering, 1);
	free(z);
}

/* The NSEC3 records of z covering (2) or matching (1) name. */
static bool n3_hits(const struct bolt_rr *rr, const void *arg)
{
	const uint8_t *const *a = arg;
	struct bolt_val_budget b;
	bolt_val_budget_init(&b);
	return bolt_val_nsec3_covers(rr, a[0], a[1], &b) > 0;
}

static void drop_hits(const struct fx_set *all, const uint8_t *zone, const uint8_t *name,
                      struct fx_set *out)
{
	const uint8_t *arg[2] = { zone, name };
	without(all, out, n3_hits, arg);
}

static void test_nsec3(void **state)
{
	(void)state;
	struct fx_zone *z = load("nsec3.test");
	check_signed(z, BOLT_TYPE_NSEC3);
	struct fx_set all, part;
	fx_select(z, NULL, BOLT_TYPE_NSEC3, 0, &all);
	struct bolt_val_result r;
	struct bolt_val_budget b;
	const uint8_t *apex = z->apex;
#define B (bolt_val_budget_init(&b), &b)

	/* NXDOMAIN: closest encloser apex, next closer nx covered, *.apex covered */
	const uint8_t *nx = fx_name("nx.nsec3.test");
	assert_int_equal(bolt_val_nsec3_nxdomain(nx, apex, all.p, all.n, B, &r), BOLT_VAL_SECURE);
	assert_int_equal(b.nsec3_hashes, 3);
	/* a deeper name: the closest encloser is still the apex */
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name("a.b.c.nx.nsec3.test"), apex, all.p,
	                                         all.n, B, &r), BOLT_VAL_SECURE);
	/* under the empty non-terminal b: closest encloser b */
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name("x.b.nsec3.test"), apex, all.p, all.n,
	                                         B, &r), BOLT_VAL_SECURE);
	/* incomplete: without the cover of the next closer, of the wildcard,
	 * or the apex's match */
	drop_hits(&all, apex, nx, &part);
	assert_int_equal(bolt_val_nsec3_nxdomain(nx, apex, part.p, part.n, B, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_NSEC_MISSING);
	drop_hits(&all, apex, fx_name("*.nsec3.test"), &part);
	assert_int_equal(bolt_val_nsec3_nxdomain(nx, apex, part.p, part.n, B, &r), BOLT_VAL_BOGUS);
	drop_hits(&all, apex, apex, &part);
	assert_int_equal(bolt_val_nsec3_nxdomain(nx, apex, part.p, part.n, B, &r), BOLT_VAL_BOGUS);
	/* existing names */
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name("www.nsec3.test"), apex, all.p, all.n,
	                                         B, &r), BOLT_VAL_BOGUS);
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name("b.nsec3.test"), apex, all.p, all.n, B,
	                                         &r), BOLT_VAL_BOGUS);
	/* below a delegation: the closest encloser is a cut */
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name("x.unsec.nsec3.test"), apex, all.p,
	                                         all.n, B, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "NSEC3 closest encloser is a delegation or DNAME");

	/* NODATA */
	const uint8_t *www = fx_name("www.nsec3.test");
	assert_int_equal(bolt_val_nsec3_nodata(www, BOLT_TYPE_TXT, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_SECURE);
	assert_int_equal(bolt_val_nsec3_nodata(www, BOLT_TYPE_A, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_BOGUS);
	assert_int_equal(bolt_val_nsec3_nodata(fx_name("b.nsec3.test"), BOLT_TYPE_A, apex, all.p,
	                                       all.n, B, &r), BOLT_VAL_SECURE);
	assert_int_equal(bolt_val_nsec3_nodata(fx_name("cname.nsec3.test"), BOLT_TYPE_A, apex,
	                                       all.p, all.n, B, &r), BOLT_VAL_BOGUS);
	drop_hits(&all, apex, www, &part);
	assert_int_equal(bolt_val_nsec3_nodata(www, BOLT_TYPE_TXT, apex, part.p, part.n, B, &r),
	                 BOLT_VAL_BOGUS);

	/* wildcard answer and wildcard NODATA */
	struct fx_set keys;
	fx_select(z, NULL, BOLT_TYPE_DNSKEY, 0, &keys);
	struct synth s;
	synthesise(z, "*.wild.nsec3.test", "x.wild.nsec3.test", &s);
	assert_int_equal(bolt_val_verify_rrset(&s.set, apex, keys.p, keys.n, &params, B, &r),
	                 BOLT_VAL_SECURE);
	assert_true(r.wildcard_len > 0);
	uint8_t wc[BOLT_NAME_MAX];
	memcpy(wc, r.wildcard, r.wildcard_len);
	const uint8_t *xw = fx_name("x.wild.nsec3.test");
	assert_int_equal(bolt_val_nsec3_wildcard(xw, wc, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_SECURE);
	drop_hits(&all, apex, xw, &part);
	assert_int_equal(bolt_val_nsec3_wildcard(xw, wc, apex, part.p, part.n, B, &r),
	                 BOLT_VAL_BOGUS);
	assert_int_equal(bolt_val_nsec3_nodata(xw, BOLT_TYPE_A, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_SECURE);
	assert_string_equal(r.reason, "NSEC3 proves wildcard NODATA");
	assert_int_equal(bolt_val_nsec3_nodata(xw, BOLT_TYPE_TXT, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_BOGUS);
	drop_hits(&all, apex, fx_name("*.wild.nsec3.test"), &part);
	assert_int_equal(bolt_val_nsec3_nodata(xw, BOLT_TYPE_A, apex, part.p, part.n, B, &r),
	                 BOLT_VAL_BOGUS);

	/* delegations: unsec unsigned (NSEC3 at it, NS without DS), sub signed */
	const uint8_t *unsec = fx_name("unsec.nsec3.test");
	assert_int_equal(bolt_val_nsec3_insecure_delegation(unsec, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_INSECURE);
	assert_int_equal(bolt_val_nsec3_nodata(unsec, BOLT_TYPE_DS, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_SECURE);
	assert_int_equal(bolt_val_nsec3_insecure_delegation(fx_name("sub.nsec3.test"), apex,
	                                                    all.p, all.n, B, &r), BOLT_VAL_BOGUS);
	/* no opt-out here: a DS name without its NSEC3 is not proven */
	assert_int_equal(bolt_val_nsec3_insecure_delegation(nx, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_BOGUS);
	free(z);
}

/* RFC 5155 appendix A: hashes of example zone names (salt aabbccdd, 12
 * iterations). */
static void test_nsec3_hash(void **state)
{
	(void)state;
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	static const struct {
		const char *name, *b32;
	} v[] = {
		{ "example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
		{ "*.w.example", "r53bq7cc2uvmubfu5ocmm6pers9tk9en" },
		{ "x.w.example", "b4um86eghhds6nea196smvmlo4ors995" },
	};
	static const char b32[] = "0123456789abcdefghijklmnopqrstuv";
	for (size_t i = 0; i < BOLT_ARRAY_SIZE(v); i++) {
		uint8_t h[20];
		char text[33];
		assert_int_equal(bolt_val_nsec3_hash(fx_name(v[i].name), 1, 12, salt, 4, h), 20);
		for (int k = 0; k < 32; k++) {
			int bit = k * 5, val = 0;
			for (int j = 0; j < 5; j++, bit++)
				val = (val << 1) | ((h[bit / 8] >> (7 - bit % 8)) & 1);
			text[k] = b32[val];
		}
		text[32] = 0;
		assert_string_equal(text, v[i].b32);
	}
	uint8_t h[20];
	assert_int_equal(bolt_val_nsec3_hash(fx_name("example"), 2, 0, salt, 4, h), BOLT_ETYPE);
	/* upper case hashes like lower case */
	uint8_t h2[20];
	bolt_val_nsec3_hash(fx_name("EXAMPLE"), 1, 12, salt, 4, h2);
	bolt_val_nsec3_hash(fx_name("example"), 1, 12, salt, 4, h);
	assert_memory_equal(h, h2, 20);
}

/* Opt-out (RFC 5155 6, 9.2): unsigned delegations have no NSEC3. */
static void test_optout(void **state)
{
	(void)state;
	struct fx_zone *z = load("optout.test");
	check_signed(z, BOLT_TYPE_NSEC3);
	struct fx_set all;
	fx_select(z, NULL, BOLT_TYPE_NSEC3, 0, &all);
	struct bolt_val_result r;
	struct bolt_val_budget b;
	const uint8_t *apex = z->apex;
	const uint8_t *unsec = fx_name("unsec.optout.test");
	/* no NSEC3 at unsec: it is in an opt-out span */
	const uint8_t *arg[2] = { apex, unsec };
	int matches = 0;
	for (size_t i = 0; i < all.n; i++) {
		bolt_val_budget_init(&b);
		matches += bolt_val_nsec3_covers(all.p[i], arg[0], arg[1], &b) == 1;
	}
	assert_int_equal(matches, 0);
	assert_int_equal(bolt_val_nsec3_insecure_delegation(unsec, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_INSECURE);
	assert_int_equal(bolt_val_nsec3_nodata(unsec, BOLT_TYPE_DS, apex, all.p, all.n, B, &r),
	                 BOLT_VAL_INSECURE);
	assert_string_equal(r.reason, "NSEC3 opt-out covers the DS name");
	/* a name in an opt-out span: its NXDOMAIN is insecure */
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name("nx.optout.test"), apex, all.p, all.n,
	                                         B, &r), BOLT_VAL_INSECURE);
	assert_string_equal(r.reason, "NSEC3 opt-out covers the name");
	/* the signed delegation still has its NSEC3 with DS */
	assert_int_equal(bolt_val_nsec3_insecure_delegation(fx_name("sub.optout.test"), apex,
	                                                    all.p, all.n, B, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "NSEC3 shows a DS");
	/* NODATA at a signed name is secure */
	assert_int_equal(bolt_val_nsec3_nodata(fx_name("www.optout.test"), BOLT_TYPE_TXT, apex,
	                                       all.p, all.n, B, &r), BOLT_VAL_SECURE);
	free(z);
}

/* RFC 9276: more iterations than the limit is insecure, before hashing. */
static void test_iterations(void **state)
{
	(void)state;
	struct fx_zone *z = load("iter.test");
	struct fx_set all;
	fx_select(z, NULL, BOLT_TYPE_NSEC3, 0, &all);
	struct bolt_val_result r;
	struct bolt_val_budget b;
	const uint8_t *nx = fx_name("nx.iter.test");
	assert_int_equal(bolt_val_nsec3_nxdomain(nx, z->apex, all.p, all.n, B, &r),
	                 BOLT_VAL_INSECURE);
	assert_int_equal(r.ede, 27);
	assert_int_equal(b.nsec3_hashes, 0);
	assert_int_equal(bolt_val_nsec3_nodata(fx_name("www.iter.test"), BOLT_TYPE_TXT, z->apex,
	                                       all.p, all.n, B, &r), BOLT_VAL_INSECURE);
	assert_int_equal(bolt_val_nsec3_covers(all.p[0], z->apex, nx, B), BOLT_ETYPE);
	/* a higher configured limit accepts them */
	bolt_val_budget_init(&b);
	b.max_nsec3_iterations = 150;
	assert_int_equal(bolt_val_nsec3_nxdomain(nx, z->apex, all.p, all.n, &b, &r),
	                 BOLT_VAL_SECURE);
	free(z);
}

/* NSEC3 records validators must ignore (RFC 5155 8.1-8.2): unknown hash
 * algorithm or unknown flags. With nothing else left the proof is
 * insecure, not bogus; records of another zone are not used at all. */
static void test_nsec3_unusable(void **state)
{
	(void)state;
	struct fx_zone *z = load("nsec3.test");
	struct fx_set all;
	fx_select(z, NULL, BOLT_TYPE_NSEC3, 0, &all);
	static struct fx_copy cp[FX_MAX_RRS];
	const struct bolt_rr *p[FX_MAX_RRS];
	struct bolt_val_result r;
	struct bolt_val_budget b;
	const uint8_t *nx = fx_name("nx.nsec3.test");
	for (size_t i = 0; i < all.n; i++) {
		fx_copy(&cp[i], all.p[i]);
		cp[i].data[0] = 2; /* hash algorithm 2: unknown */
		p[i] = &cp[i].rr;
	}
	assert_int_equal(bolt_val_nsec3_nxdomain(nx, z->apex, p, all.n, B, &r),
	                 BOLT_VAL_INSECURE);
	assert_int_equal(b.nsec3_hashes, 0);
	for (size_t i = 0; i < all.n; i++) {
		cp[i].data[0] = 1;
		cp[i].data[1] = 0x80; /* unknown flag */
	}
	assert_int_equal(bolt_val_nsec3_nxdomain(nx, z->apex, p, all.n, B, &r),
	                 BOLT_VAL_INSECURE);
	/* the same records offered for another zone: none of them is of it */
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name("nx.nsec.test"), fx_name("nsec.test"),
	                                         all.p, all.n, B, &r), BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "no NSEC3 records");
	/* nothing given at all */
	assert_int_equal(bolt_val_nsec3_nxdomain(nx, z->apex, p, 0, B, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_NSEC_MISSING);
	free(z);
}

/* NSEC3 hash floods (CVE-2023-50868): the hashes per response are capped. */
static void test_hash_limit(void **state)
{
	(void)state;
	struct fx_zone *z = load("nsec3.test");
	struct fx_set all;
	fx_select(z, NULL, BOLT_TYPE_NSEC3, 0, &all);
	struct bolt_val_result r;
	struct bolt_val_budget b;
	/* a name 40 labels below the zone needs 41 hashes before the apex */
	char deep[200] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "a.");
	strcat(deep, "nsec3.test");
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name(deep), z->apex, all.p, all.n, B, &r),
	                 BOLT_VAL_BOGUS);
	assert_string_equal(r.reason, "limit: NSEC3 hashes per response (CVE-2023-50868)");
	assert_int_equal(b.nsec3_hashes, BOLT_VAL_MAX_NSEC3_HASHES);
	/* the budget is per response: spent, even a short proof stops */
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name("nx.nsec3.test"), z->apex, all.p, all.n,
	                                         &b, &r), BOLT_VAL_BOGUS);
	assert_int_equal(bolt_val_nsec3_covers(all.p[0], z->apex, z->apex, &b), BOLT_ELIMIT);
	/* a small limit trips inside the wildcard step */
	bolt_val_budget_init(&b);
	b.max_nsec3_hashes = 2;
	assert_int_equal(bolt_val_nsec3_nxdomain(fx_name("nx.nsec3.test"), z->apex, all.p, all.n,
	                                         &b, &r), BOLT_VAL_BOGUS);
	assert_int_equal(r.ede, BOLT_VAL_EDE_BOGUS);
	free(z);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fx_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nsec),
		cmocka_unit_test(test_nsec3),
		cmocka_unit_test(test_nsec3_hash),
		cmocka_unit_test(test_optout),
		cmocka_unit_test(test_iterations),
		cmocka_unit_test(test_hash_limit),
		cmocka_unit_test(test_nsec3_unusable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
