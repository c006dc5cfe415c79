/*
 * Aggressive use of validated NSEC/NSEC3 (control/iter/aggr.c) on the
 * validator's signed fixtures (tests/unit/validator/fixtures: nsec.test
 * with NSEC, nsec3.test with NSEC3, optout.test with opt-out NSEC3,
 * iter.test with 100 iterations). The store learns from records as a
 * secure negative answer carries them; each synthesised answer is parsed
 * back and its proof re-checked with the validator.
 *
 * argv[1]: the fixture directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boltdns/cache.h"
#include "fixture.h"
#include "iter/aggr.h"

static struct fx_zone nsec, nsec3, optout, iter;

/* The SOA, every NSEC/NSEC3 and their RRSIGs (and the SOA's) of z, as
 * one big negative answer would carry them. */
static size_t denial_of(const struct fx_zone *z, uint16_t type, struct bolt_rr *out)
{
	size_t n = 0;
	for (size_t i = 0; i < z->n; i++) {
		const struct bolt_rr *rr = &z->rr[i];
		uint16_t cov = rr->type == BOLT_TYPE_RRSIG && rr->rdlen >= 2
		               ? (uint16_t)((rr->rdata[0] << 8) | rr->rdata[1]) : 0;
		if (rr->type == BOLT_TYPE_SOA || rr->type == type || cov == BOLT_TYPE_SOA || cov == type)
			out[n++] = *rr;
	}
	return n;
}

/* Only the records (and their RRSIGs) of the owners listed, with the SOA. */
static size_t some_of(const struct fx_zone *z, uint16_t type, const char *const *owners,
                      struct bolt_rr *out)
{
	struct bolt_rr all[FX_MAX_RRS];
	size_t n = denial_of(z, type, all), k = 0;
	for (size_t i = 0; i < n; i++) {
		bool keep = all[i].type == BOLT_TYPE_SOA ||
		            (all[i].type == BOLT_TYPE_RRSIG &&
		             ((all[i].rdata[0] << 8) | all[i].rdata[1]) == BOLT_TYPE_SOA);
		for (const char *const *o = owners; *o != NULL && !keep; o++)
			keep = bolt_name_equal(all[i].owner, fx_name(*o));
		if (keep)
			out[k++] = all[i];
	}
	return k;
}

struct got {
	int len;
	uint8_t kind;
	uint32_t ttl;
	uint8_t rcode;
	unsigned soa, sigs, proofs;
	struct bolt_rr rr[64];
	size_t nproof;
	const struct bolt_rr *proof[64];
	uint8_t buf[BOLT_MSG_MAX];
	uint8_t scratch[2 * BOLT_MSG_MAX];
};

static struct got R;

/* Ask the store; parse what it wrote into R. */
static int ask(struct aggr *a, const char *name, uint16_t type, bool dnssec, uint32_t now)
{
	struct bolt_build b;
	memset(&R, 0, sizeof(R));
	R.len = aggr_answer(a, fx_name(name), type, dnssec, now, R.buf, sizeof(R.buf), &b, &R.ttl,
	                    &R.kind);
	if (R.len <= 0)
		return R.len;
	struct bolt_msg m;
	assert_int_equal(bolt_msg_parse(R.buf, (size_t)R.len, &m, R.rr, 64, R.scratch,
	                                sizeof(R.scratch)),
	                 0);
	R.rcode = (uint8_t)BOLT_RCODE(m.flags);
	assert_true(m.flags & BOLT_FLAG_QR);
	assert_true(bolt_name_equal(m.qname, fx_name(name)));
	assert_int_equal(m.qtype, type);
	assert_int_equal(m.ancount, 0);
	for (unsigned i = 0; i < m.rrcount; i++) {
		assert_int_equal(R.rr[i].section, BOLT_SEC_AUTHORITY);
		assert_int_equal(R.rr[i].ttl, R.ttl);
		if (R.rr[i].type == BOLT_TYPE_SOA)
			R.soa++;
		else if (R.rr[i].type == BOLT_TYPE_RRSIG)
			R.sigs++;
		else if (R.rr[i].type == BOLT_TYPE_NSEC || R.rr[i].type == BOLT_TYPE_NSEC3)
			R.proof[R.nproof++] = &R.rr[i];
	}
	R.proofs = (unsigned)R.nproof;
	assert_int_equal(R.soa, 1);
	return R.len;
}

/* The DO=1 answer's proof holds for the validator too. */
static void proof_holds(const char *name, uint16_t type, const char *zone, bool nsec3z)
{
	struct bolt_val_result out;
	struct bolt_val_budget b;
	bolt_val_budget_init(&b);
	b.max_nsec3_iterations = 100;   /* iter.test's, when the store takes it */
	enum bolt_val_status st;
	if (R.rcode == BOLT_RCODE_NXDOMAIN)
		st = nsec3z ? bolt_val_nsec3_nxdomain(fx_name(name), fx_name(zone), R.proof, R.nproof,
		                                      &b, &out)
		            : bolt_val_nsec_nxdomain(fx_name(name), fx_name(zone), R.proof, R.nproof,
		                                     &out);
	else
		st = nsec3z ? bolt_val_nsec3_nodata(fx_name(name), type, fx_name(zone), R.proof,
		                                    R.nproof, &b, &out)
		            : bolt_val_nsec_nodata(fx_name(name), type, fx_name(zone), R.proof,
		                                   R.nproof, &out);
	assert_int_equal(st, BOLT_VAL_SECURE);
	/* Every NSEC/NSEC3 comes with its RRSIG, and the SOA with its own. */
	assert_int_equal(R.sigs, R.proofs + 1);
}

static void nx(struct aggr *a, const char *name, const char *zone, bool n3)
{
	assert_true(ask(a, name, BOLT_TYPE_A, true, FX_NOW) > 0);
	assert_int_equal(R.rcode, BOLT_RCODE_NXDOMAIN);
	assert_int_equal(R.kind, BOLT_CACHE_NXDOMAIN);
	proof_holds(name, BOLT_TYPE_A, zone, n3);
}

static void nodata(struct aggr *a, const char *name, uint16_t type, const char *zone, bool n3)
{
	assert_true(ask(a, name, type, true, FX_NOW) > 0);
	assert_int_equal(R.rcode, BOLT_RCODE_NOERROR);
	assert_int_equal(R.kind, BOLT_CACHE_NODATA);
	proof_holds(name, type, zone, n3);
}

static void none(struct aggr *a, const char *name, uint16_t type)
{
	assert_int_equal(ask(a, name, type, true, FX_NOW), 0);
}

static struct bolt_rr in[2 * FX_MAX_RRS];

static void test_nsec(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	assert_non_null(a);
	size_t n = denial_of(&nsec, BOLT_TYPE_NSEC, in);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 9);
	/* NXDOMAIN: the name and the wildcard *.nsec.test are covered. */
	nx(a, "nothere.nsec.test.", "nsec.test.", false);
	nx(a, "zzz.nsec.test.", "nsec.test.", false);        /* the last NSEC wraps */
	nx(a, "c.nsec.test.", "nsec.test.", false);
	nx(a, "deep.below.c.nsec.test.", "nsec.test.", false);
	/* NODATA: the NSEC at the name lacks the type. */
	nodata(a, "a.b.nsec.test.", BOLT_TYPE_TXT, "nsec.test.", false);
	nodata(a, "www.nsec.test.", BOLT_TYPE_TXT, "nsec.test.", false);
	/* An empty non-terminal. */
	nodata(a, "b.nsec.test.", BOLT_TYPE_A, "nsec.test.", false);
	/* Wildcard NODATA: *.wild exists with TXT only. */
	nodata(a, "x.wild.nsec.test.", BOLT_TYPE_A, "nsec.test.", false);
	/* The unsigned delegation's DS (asked at the parent side). */
	nodata(a, "unsec.nsec.test.", BOLT_TYPE_DS, "nsec.test.", false);
	/* What the records do not deny goes upstream. */
	none(a, "a.b.nsec.test.", BOLT_TYPE_A);          /* exists */
	none(a, "www.nsec.test.", BOLT_TYPE_AAAA);
	none(a, "x.wild.nsec.test.", BOLT_TYPE_TXT);     /* the wildcard expands */
	none(a, "cname.nsec.test.", BOLT_TYPE_A);        /* a CNAME */
	none(a, "x.sub.nsec.test.", BOLT_TYPE_A);        /* below a delegation */
	none(a, "x.unsec.nsec.test.", BOLT_TYPE_A);
	none(a, "sub.nsec.test.", BOLT_TYPE_A);          /* parent side of a cut */
	none(a, "sub.nsec.test.", BOLT_TYPE_DS);         /* the DS exists */
	none(a, "other.test.", BOLT_TYPE_A);             /* another zone */
	none(a, "nsec.test.", BOLT_TYPE_SOA);
	/* DO=0: the SOA alone. */
	assert_true(ask(a, "nothere.nsec.test.", BOLT_TYPE_A, false, FX_NOW) > 0);
	assert_int_equal(R.rcode, BOLT_RCODE_NXDOMAIN);
	assert_int_equal(R.proofs + R.sigs, 0);
	struct aggr_stats st;
	aggr_stats(a, &st);
	assert_int_equal(st.nxdomain, 5);
	assert_int_equal(st.nodata, 5);
	assert_int_equal(st.records, 9);
	assert_int_equal(st.zones, 1);
	assert_true(st.bytes > 0 && st.bytes <= AGGR_DEFAULT_BYTES);
	aggr_free(a);
}

/* Upper-case questions and owners compare as the canonical order says. */
static void test_nsec_case(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	size_t n = denial_of(&nsec, BOLT_TYPE_NSEC, in);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 9);
	assert_true(ask(a, "NoThere.NSEC.test.", BOLT_TYPE_A, true, FX_NOW) > 0);
	assert_int_equal(R.rcode, BOLT_RCODE_NXDOMAIN);
	none(a, "A.B.nsec.TEST.", BOLT_TYPE_A);
	aggr_free(a);
}

/* Half a proof is no proof: the name's cover without the wildcard's. */
static void test_nsec_partial(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	/* ns.nsec.test NSEC -> sub covers "o.nsec.test" but not "*.nsec.test". */
	static const char *const owners[] = { "ns.nsec.test.", NULL };
	size_t n = some_of(&nsec, BOLT_TYPE_NSEC, owners, in);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 1);
	none(a, "o.nsec.test.", BOLT_TYPE_A);
	/* The apex NSEC (nsec.test -> b) covers the wildcard: now it holds. */
	static const char *const apex[] = { "nsec.test.", NULL };
	n = some_of(&nsec, BOLT_TYPE_NSEC, apex, in);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 1);
	nx(a, "o.nsec.test.", "nsec.test.", false);
	assert_int_equal(R.proofs, 2);
	aggr_free(a);
}

/* Lifetime: the least of the NSEC TTL (300), the SOA MINIMUM (300) and the
 * caller's bound; an expired record proves nothing and is dropped. */
static void test_ttl(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	size_t n = denial_of(&nsec, BOLT_TYPE_NSEC, in);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 9);
	assert_true(ask(a, "nothere.nsec.test.", BOLT_TYPE_A, true, FX_NOW + 10) > 0);
	assert_int_equal(R.ttl, 290);
	assert_int_equal(aggr_learn(a, in, n, 100, FX_NOW), 9);
	assert_true(ask(a, "nothere.nsec.test.", BOLT_TYPE_A, true, FX_NOW) > 0);
	assert_int_equal(R.ttl, 100);
	assert_int_equal(ask(a, "nothere.nsec.test.", BOLT_TYPE_A, true, FX_NOW + 100), 0);
	struct aggr_stats st;
	aggr_stats(a, &st);
	assert_true(st.expired >= 1);
	/* A zero bound keeps nothing. */
	aggr_clear(a);
	assert_int_equal(aggr_learn(a, in, n, 0, FX_NOW), 0);
	/* Signatures that expired keep nothing either. */
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_EXPIRATION + 1), 0);
	aggr_stats(a, &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.zones, 0);
	assert_int_equal(st.bytes, 0);
	aggr_free(a);
}

static void test_nsec3(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	size_t n = denial_of(&nsec3, BOLT_TYPE_NSEC3, in);
	assert_true(aggr_learn(a, in, n, 3600, FX_NOW) >= 9);
	nx(a, "nothere.nsec3.test.", "nsec3.test.", true);
	nx(a, "x.y.z.nsec3.test.", "nsec3.test.", true);
	nodata(a, "www.nsec3.test.", BOLT_TYPE_TXT, "nsec3.test.", true);
	nodata(a, "b.nsec3.test.", BOLT_TYPE_A, "nsec3.test.", true);   /* empty non-terminal */
	nodata(a, "x.wild.nsec3.test.", BOLT_TYPE_A, "nsec3.test.", true);
	nodata(a, "unsec.nsec3.test.", BOLT_TYPE_DS, "nsec3.test.", true);
	none(a, "www.nsec3.test.", BOLT_TYPE_A);
	none(a, "x.wild.nsec3.test.", BOLT_TYPE_TXT);
	none(a, "cname.nsec3.test.", BOLT_TYPE_A);
	none(a, "x.sub.nsec3.test.", BOLT_TYPE_A);
	none(a, "sub.nsec3.test.", BOLT_TYPE_DS);
	/* Deeper than the hashes allowed: upstream. */
	none(a, "a.b.c.d.e.f.g.h.i.j.k.nsec3.test.", BOLT_TYPE_A);
	/* Many random names: each NXDOMAIN with a proof that holds. */
	char name[64];
	for (unsigned i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "r%08x.nsec3.test.", i * 2654435761u);
		nx(a, name, "nsec3.test.", true);
	}
	aggr_free(a);
}

/* Opt-out ranges prove nothing about names in them (RFC 8198 4.1). */
static void test_optout(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	size_t n = denial_of(&optout, BOLT_TYPE_NSEC3, in);
	assert_true(aggr_learn(a, in, n, 3600, FX_NOW) > 0);
	char name[64];
	unsigned answered = 0;
	for (unsigned i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "r%08x.optout.test.", i * 2654435761u);
		answered += ask(a, name, BOLT_TYPE_A, true, FX_NOW) > 0;
	}
	assert_int_equal(answered, 0);
	/* A NODATA from a matching NSEC3 still holds. */
	nodata(a, "www.optout.test.", BOLT_TYPE_TXT, "optout.test.", true);
	aggr_free(a);
}

/* More iterations than max-nsec3-iterations: never learnt (RFC 9276). */
static void test_iterations(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	size_t n = denial_of(&iter, BOLT_TYPE_NSEC3, in);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 0);
	none(a, "nothere.iter.test.", BOLT_TYPE_A);
	struct aggr_stats st;
	aggr_stats(a, &st);
	assert_int_equal(st.zones, 0);
	aggr_free(a);
	a = aggr_new(AGGR_DEFAULT_BYTES, 100);
	assert_true(aggr_learn(a, in, n, 3600, FX_NOW) > 0);
	nx(a, "nothere.iter.test.", "iter.test.", true);
	aggr_free(a);
}

/* Records without their RRSIG, without the SOA, or with a signer that is
 * not the zone are not kept. */
static void test_unsigned_input(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	size_t n = denial_of(&nsec, BOLT_TYPE_NSEC, in), k = 0;
	static struct bolt_rr x[FX_MAX_RRS];
	for (size_t i = 0; i < n; i++)
		if (in[i].type != BOLT_TYPE_SOA)
			x[k++] = in[i];
	assert_int_equal(aggr_learn(a, x, k, 3600, FX_NOW), 0);    /* no SOA */
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (in[i].type != BOLT_TYPE_RRSIG)
			x[k++] = in[i];
	assert_int_equal(aggr_learn(a, x, k, 3600, FX_NOW), 0);    /* no RRSIGs */
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (in[i].type != BOLT_TYPE_RRSIG || ((in[i].rdata[0] << 8) | in[i].rdata[1]) ==
		                                         BOLT_TYPE_SOA)
			x[k++] = in[i];
	assert_int_equal(aggr_learn(a, x, k, 3600, FX_NOW), 0);    /* no NSEC RRSIGs */
	struct aggr_stats st;
	aggr_stats(a, &st);
	assert_int_equal(st.records + st.zones, 0);
	assert_int_equal(st.bytes, 0);
	aggr_free(a);
}

/* The memory bound holds, the least recently used records go first, and a
 * zone goes with its last record. */
static void test_bound(void **state)
{
	(void)state;
	size_t n = denial_of(&nsec, BOLT_TYPE_NSEC, in);
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 9);
	struct aggr_stats st;
	aggr_stats(a, &st);
	size_t full = st.bytes;
	aggr_free(a);
	/* Room for about half of them. */
	a = aggr_new(full / 2, 50);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 9);
	aggr_stats(a, &st);
	assert_true(st.bytes <= full / 2);
	assert_true(st.evicted > 0);
	assert_true(st.records < 9 && st.records > 0);
	/* Learning the other zone pushes the first one's records out. */
	size_t m = denial_of(&nsec3, BOLT_TYPE_NSEC3, in);
	assert_true(aggr_learn(a, in, m, 3600, FX_NOW) > 0);
	aggr_stats(a, &st);
	assert_true(st.bytes <= full / 2);
	aggr_clear(a);
	aggr_stats(a, &st);
	assert_int_equal(st.records + st.zones, 0);
	assert_int_equal(st.bytes, 0);
	/* Too small for anything. */
	aggr_free(a);
	a = aggr_new(16, 50);
	assert_true(aggr_learn(a, in, m, 3600, FX_NOW) >= 0);
	aggr_stats(a, &st);
	assert_int_equal(st.records + st.zones, 0);
	aggr_free(a);
}

/* The two zones side by side, and a zone switching from NSEC3 to NSEC (a
 * re-signed zone) forgets what it held. */
static void test_zones(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	size_t n = denial_of(&nsec, BOLT_TYPE_NSEC, in);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 9);
	n = denial_of(&nsec3, BOLT_TYPE_NSEC3, in);
	assert_true(aggr_learn(a, in, n, 3600, FX_NOW) > 0);
	nx(a, "q.nsec.test.", "nsec.test.", false);
	nx(a, "q.nsec3.test.", "nsec3.test.", true);
	struct aggr_stats st;
	aggr_stats(a, &st);
	assert_int_equal(st.zones, 2);
	aggr_free(a);
}

/* A flush of a name forgets the zone that holds it; of a zone, every zone
 * at or below it; of everything, all. */
static void test_forget(void **state)
{
	(void)state;
	struct aggr *a = aggr_new(AGGR_DEFAULT_BYTES, 50);
	size_t n = denial_of(&nsec, BOLT_TYPE_NSEC, in);
	size_t m = denial_of(&nsec3, BOLT_TYPE_NSEC3, in + n);
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 9);
	assert_true(aggr_learn(a, in + n, m, 3600, FX_NOW) > 0);
	struct aggr_stats st;
	/* A name of nsec.test: nsec.test goes, nsec3.test stays. */
	aggr_forget(a, fx_name("www.nsec.test."), false);
	none(a, "q.nsec.test.", BOLT_TYPE_A);
	nx(a, "q.nsec3.test.", "nsec3.test.", true);
	aggr_stats(a, &st);
	assert_int_equal(st.zones, 1);
	/* A name no zone holds: nothing goes. */
	aggr_forget(a, fx_name("other.example."), false);
	aggr_stats(a, &st);
	assert_int_equal(st.zones, 1);
	/* The zone "test.", with below: every zone under it. */
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 9);
	aggr_forget(a, fx_name("test."), true);
	aggr_stats(a, &st);
	assert_int_equal(st.zones + st.records, 0);
	assert_int_equal(st.bytes, 0);
	/* Everything. */
	assert_int_equal(aggr_learn(a, in, n, 3600, FX_NOW), 9);
	aggr_forget(a, NULL, false);
	aggr_stats(a, &st);
	assert_int_equal(st.zones + st.records, 0);
	aggr_free(a);
}

int main(int argc, char **argv)
{
	fx_dir = argc > 1 ? argv[1] : "tests/unit/validator/fixtures";
	fx_load(&nsec, "nsec.test");
	fx_load(&nsec3, "nsec3.test");
	fx_load(&optout, "optout.test");
	fx_load(&iter, "iter.test");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nsec),
		cmocka_unit_test(test_nsec_case),
		cmocka_unit_test(test_nsec_partial),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_nsec3),
		cmocka_unit_test(test_optout),
		cmocka_unit_test(test_iterations),
		cmocka_unit_test(test_unsigned_input),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_forget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
