/*
 * The resolver's DNSSEC module (control/iter/dnssec.c) on the validator's
 * signed fixtures (tests/unit/validator/fixtures, zone nsec.test): the
 * iterator's side is played by hand - each DSEC_FETCH is answered with
 * records of the fixture zone through dsec_feed - so the chain of trust,
 * the verdicts and their EDEs are checked without any network.
 *
 * argv[1]: the fixture directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boltdns/cache.h"
#include "anchor.h"
#include "fixture.h"
#include "iter/dnssec.h"
#include "iter/scrub.h"

static struct fx_zone zone;
static struct ta_set *tas;
static struct nta_table ntas;
static struct anchor_ctx actx;
static struct bolt_config cfg;

/* Records of the fixture zone (owner NULL: any; RRSIGs: covered type). */
static void add_sel(struct orr_list *l, const char *owner, uint16_t type, uint16_t covered)
{
	struct fx_set s;
	fx_select(&zone, owner, type, covered, &s);
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(orr_add(l, s.p[i]->owner, s.p[i]->type, s.p[i]->rclass, s.p[i]->ttl,
		                         s.p[i]->rdata, s.p[i]->rdlen), 0);
}

static int setup(void **state)
{
	(void)state;
	fx_load(&zone, "nsec.test");
	tas = calloc(1, sizeof(*tas));
	assert_non_null(tas);
	ta_set_init(tas, 0);
	/* The zone's KSK is the trust anchor (a DNSKEY anchor). */
	struct fx_set keys;
	fx_select(&zone, "nsec.test.", BOLT_TYPE_DNSKEY, 0, &keys);
	bool any = false;
	for (size_t i = 0; i < keys.n; i++) {
		const struct bolt_rr *k = keys.p[i];
		if ((k->rdata[1] & 1) == 0)
			continue;
		const char *why = NULL;
		assert_int_equal(ta_set_add(tas, fx_name("nsec.test."), TA_TYPE_DNSKEY, k->rdata,
		                            k->rdlen, 3600, TA_VALID, 0, 0, &why), 0);
		any = true;
	}
	assert_true(any);
	nta_init(&ntas);
	memset(&actx, 0, sizeof(actx));
	actx.validation = true;
	actx.set = tas;
	actx.nta = &ntas;
	anchor_set_active(&actx);
	bolt_config_defaults(&cfg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	anchor_set_active(NULL);
	dsec_keycache_clear();
	free(tas);
	return 0;
}

struct run {
	struct orr_list answer, sigs, proof;
	struct dsec_seg seg;
	struct dsec_input in;
	struct dsec_val *v;
	unsigned fetches;
};

static void run_init(struct run *r, const char *qname, uint16_t qtype, const char *zone_name)
{
	memset(r, 0, sizeof(*r));
	r->in.qname = fx_name(qname);
	r->in.cur = r->in.qname;
	r->in.qtype = qtype;
	r->in.rcode = BOLT_RCODE_NOERROR;
	r->in.answer = &r->answer;
	r->in.sigs = &r->sigs;
	r->in.proof = &r->proof;
	r->in.zone = fx_name(zone_name);
	r->seg.start = 0;
	memcpy(r->seg.zone, r->in.zone, (size_t)bolt_name_len(r->in.zone, BOLT_NAME_MAX));
	r->in.seg = &r->seg;
	r->in.nseg = 1;
	r->v = dsec_new(&cfg);
	assert_non_null(r->v);
	dsec_set_now(r->v, FX_NOW);
}

/* Answer every fetch from the fixture zone: DNSKEY and DS RRsets with
 * their RRSIGs, or (DS absent) the NSEC at the name as a NODATA proof. */
static struct dsec_verdict run_all(struct run *r)
{
	struct dsec_fetch f;
	struct dsec_verdict vd;
	while (dsec_run(r->v, &r->in, &f, &vd) == DSEC_FETCH) {
		char name[300];
		assert_true(bolt_name_to_text(f.name, name, sizeof(name)) > 0);
		struct orr_list a = { 0 }, s = { 0 }, p = { 0 };
		add_sel(&a, name, f.type, 0);
		add_sel(&s, name, BOLT_TYPE_RRSIG, f.type);
		bool neg = a.n == 0;
		if (neg) {
			add_sel(&p, name, BOLT_TYPE_NSEC, 0);
			add_sel(&p, name, BOLT_TYPE_RRSIG, BOLT_TYPE_NSEC);
		}
		assert_int_equal(dsec_feed(r->v, f.name, f.type, BOLT_RCODE_NOERROR, neg, &a, &s, &p,
		                           fx_name("nsec.test.")), 0);
		orr_list_free(&a);
		orr_list_free(&s);
		orr_list_free(&p);
		r->fetches++;
		assert_true(r->fetches <= DSEC_FETCH_MAX);
	}
	dsec_free(r->v);
	orr_list_free(&r->answer);
	orr_list_free(&r->sigs);
	orr_list_free(&r->proof);
	return vd;
}

static void test_secure_answer(void **state)
{
	(void)state;
	dsec_keycache_clear();
	struct run r;
	run_init(&r, "a.b.nsec.test.", BOLT_TYPE_A, "nsec.test.");
	add_sel(&r.answer, "a.b.nsec.test.", BOLT_TYPE_A, 0);
	add_sel(&r.sigs, "a.b.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_A);
	struct dsec_verdict vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_SECURE);
	/* the anchor's DNSKEY set, once */
	assert_int_equal(r.fetches, 1);
	/* cached no longer than the RRset's TTL (3600) allows */
	assert_true(vd.ttl > 0 && vd.ttl <= 3600);

	/* Again: the zone's keys come from the key cache, nothing fetched. */
	run_init(&r, "a.b.nsec.test.", BOLT_TYPE_A, "nsec.test.");
	add_sel(&r.answer, "a.b.nsec.test.", BOLT_TYPE_A, 0);
	add_sel(&r.sigs, "a.b.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_A);
	vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_SECURE);
	assert_int_equal(r.fetches, 0);
}

static void test_bad_signature(void **state)
{
	(void)state;
	struct run r;
	run_init(&r, "a.b.nsec.test.", BOLT_TYPE_A, "nsec.test.");
	add_sel(&r.answer, "a.b.nsec.test.", BOLT_TYPE_A, 0);
	r.answer.v[0].rdata[3] ^= 1; /* another address than the one signed */
	add_sel(&r.sigs, "a.b.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_A);
	struct dsec_verdict vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_BOGUS);
	assert_int_equal(vd.ede, BOLT_VAL_EDE_BOGUS);
	assert_true(strlen(vd.text) > 0);
}

static void test_expired(void **state)
{
	(void)state;
	struct run r;
	run_init(&r, "a.b.nsec.test.", BOLT_TYPE_A, "nsec.test.");
	dsec_set_now(r.v, FX_EXPIRATION + 30 * 86400u);
	add_sel(&r.answer, "a.b.nsec.test.", BOLT_TYPE_A, 0);
	add_sel(&r.sigs, "a.b.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_A);
	struct dsec_verdict vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_BOGUS);
	assert_int_equal(vd.ede, BOLT_VAL_EDE_SIG_EXPIRED);
}

/* KeyTrap (CVE-2023-50387): past the resolution's signature budget the
 * answer is bogus with EDE 6, whatever the records. */
static void test_budget(void **state)
{
	(void)state;
	dsec_keycache_clear();
	struct run r;
	run_init(&r, "a.b.nsec.test.", BOLT_TYPE_A, "nsec.test.");
	dsec_set_max_sig_verifies(r.v, 1); /* the DNSKEY set takes it */
	add_sel(&r.answer, "a.b.nsec.test.", BOLT_TYPE_A, 0);
	add_sel(&r.sigs, "a.b.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_A);
	struct dsec_verdict vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_BOGUS);
	assert_int_equal(vd.ede, BOLT_VAL_EDE_BOGUS);
	assert_non_null(strstr(vd.text, "limit"));
}

static void test_missing_rrsig(void **state)
{
	(void)state;
	struct run r;
	/* An unsigned RRset at the apex of a secure zone. */
	run_init(&r, "nsec.test.", BOLT_TYPE_NS, "nsec.test.");
	add_sel(&r.answer, "nsec.test.", BOLT_TYPE_NS, 0);
	struct dsec_verdict vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_BOGUS);
	assert_int_equal(vd.ede, BOLT_VAL_EDE_RRSIGS_MISSING);
}

static void test_nodata(void **state)
{
	(void)state;
	struct run r;
	run_init(&r, "a.b.nsec.test.", BOLT_TYPE_AAAA, "nsec.test.");
	r.in.negative = true;
	add_sel(&r.proof, "a.b.nsec.test.", BOLT_TYPE_NSEC, 0);
	add_sel(&r.proof, "a.b.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_NSEC);
	struct dsec_verdict vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_SECURE);

	/* The same NSEC does not deny A, which it lists. */
	run_init(&r, "a.b.nsec.test.", BOLT_TYPE_A, "nsec.test.");
	r.in.negative = true;
	add_sel(&r.proof, "a.b.nsec.test.", BOLT_TYPE_NSEC, 0);
	add_sel(&r.proof, "a.b.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_NSEC);
	vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_BOGUS);

	/* No proof at all in a secure zone. */
	run_init(&r, "nsec.test.", BOLT_TYPE_AAAA, "nsec.test.");
	r.in.negative = true;
	vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_BOGUS);
	assert_int_equal(vd.ede, BOLT_VAL_EDE_NSEC_MISSING);
}

static void test_insecure_delegation(void **state)
{
	(void)state;
	struct run r;
	/* Unsigned data from the servers of unsec.nsec.test, delegated
	 * without DS: the parent's NSEC proves it (NS, no DS). */
	run_init(&r, "www.unsec.nsec.test.", BOLT_TYPE_A, "unsec.nsec.test.");
	static const uint8_t addr[4] = { 192, 0, 2, 99 };
	assert_int_equal(orr_add(&r.answer, fx_name("www.unsec.nsec.test."), BOLT_TYPE_A,
	                         BOLT_CLASS_IN, 300, addr, 4), 0);
	struct dsec_verdict vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_INSECURE);
	assert_int_equal(vd.ede, BOLT_EDE_NONE);
}

static void test_secure_delegation_missing_key(void **state)
{
	(void)state;
	struct run r;
	/* sub.nsec.test has a DS, but no DNSKEY anywhere (not in the fixture):
	 * unsigned data from it is bogus, DNSKEY missing. */
	run_init(&r, "www.sub.nsec.test.", BOLT_TYPE_A, "sub.nsec.test.");
	static const uint8_t addr[4] = { 192, 0, 2, 98 };
	assert_int_equal(orr_add(&r.answer, fx_name("www.sub.nsec.test."), BOLT_TYPE_A,
	                         BOLT_CLASS_IN, 300, addr, 4), 0);
	struct dsec_verdict vd = run_all(&r);
	assert_int_equal(vd.status, BOLT_SEC_BOGUS);
	assert_int_equal(vd.ede, BOLT_VAL_EDE_DNSKEY_MISSING);
}

static void test_nta_and_no_anchor(void **state)
{
	(void)state;
	assert_true(dsec_wanted(fx_name("a.b.nsec.test.")));
	assert_false(dsec_wanted(fx_name("www.example.")));
	assert_int_equal(dsec_off_status(fx_name("www.example.")), BOLT_SEC_INSECURE);
	assert_false(dsec_nta(fx_name("a.b.nsec.test.")));
	assert_int_equal(nta_add(&ntas, fx_name("b.nsec.test."), false, 0), 0);
	assert_true(dsec_nta(fx_name("a.b.nsec.test.")));
	assert_false(dsec_nta(fx_name("nsec.test.")));
	assert_int_equal(nta_remove(&ntas, fx_name("b.nsec.test.")), 0);
	actx.validation = false;
	assert_false(dsec_wanted(fx_name("a.b.nsec.test.")));
	actx.validation = true;
}

/* RFC 5011: a trust point never probed is due; a probe that brought no
 * set counts as failed and the next one waits for the retry time. */
static void test_probe(void **state)
{
	(void)state;
	struct ta_point *p = ta_set_find(tas, fx_name("nsec.test."));
	assert_non_null(p);
	p->next_probe = 0;
	uint8_t name[BOLT_NAME_MAX];
	assert_true(dsec_probe_due(name));
	assert_true(bolt_name_equal(name, fx_name("nsec.test.")));
	dsec_probe_done(name);
	assert_int_equal(p->query_failed, 1);
	assert_true(p->next_probe > 0);
	assert_false(dsec_probe_due(name));
}

/* The verdict names the zone whose keys failed (dsec_verdict.key_zone:
 * resretry.c blames first the servers that sent that zone's DNSKEY or DS
 * set): nsec.test's DNSKEY set arrives without its RRSIGs, so nsec.test's
 * keys are bogus, and sub.nsec.test below it is bogus by inheritance:
 * data of sub.nsec.test is bogus because of nsec.test's keys, not
 * sub.nsec.test's (whose DS came from a server that did nothing wrong). */
static void test_key_zone_inherited(void **state)
{
	(void)state;
	dsec_keycache_clear();
	static const uint8_t addr[4] = { 192, 0, 2, 97 };
	const char *own[2] = { "www.nsec.test.", "www.sub.nsec.test." };
	const char *zn[2] = { "nsec.test.", "sub.nsec.test." };
	for (unsigned k = 0; k < 2; k++) {
		struct run r;
		run_init(&r, own[k], BOLT_TYPE_A, zn[k]);
		assert_int_equal(orr_add(&r.answer, fx_name(own[k]), BOLT_TYPE_A, BOLT_CLASS_IN,
		                         300, addr, 4), 0);
		struct dsec_fetch f;
		struct dsec_verdict vd;
		while (dsec_run(r.v, &r.in, &f, &vd) == DSEC_FETCH) {
			char name[300];
			assert_true(bolt_name_to_text(f.name, name, sizeof(name)) > 0);
			struct orr_list a = { 0 }, s = { 0 }, p = { 0 };
			add_sel(&a, name, f.type, 0);
			/* the zone's DNSKEY set without its RRSIGs */
			if (!(f.type == BOLT_TYPE_DNSKEY &&
			      bolt_name_equal(f.name, fx_name("nsec.test."))))
				add_sel(&s, name, BOLT_TYPE_RRSIG, f.type);
			bool neg = a.n == 0;
			if (neg) {
				add_sel(&p, name, BOLT_TYPE_NSEC, 0);
				add_sel(&p, name, BOLT_TYPE_RRSIG, BOLT_TYPE_NSEC);
			}
			assert_int_equal(dsec_feed(r.v, f.name, f.type, BOLT_RCODE_NOERROR, neg, &a,
			                           &s, &p, fx_name("nsec.test.")), 0);
			orr_list_free(&a);
			orr_list_free(&s);
			orr_list_free(&p);
			assert_true(++r.fetches <= DSEC_FETCH_MAX);
		}
		dsec_free(r.v);
		orr_list_free(&r.answer);
		orr_list_free(&r.sigs);
		orr_list_free(&r.proof);
		assert_int_equal(vd.status, BOLT_SEC_BOGUS);
		if (vd.key_zone != dsec_zone_key(fx_name("nsec.test.")))
			print_message("%s: key_zone of %s\n", own[k],
			              vd.key_zone == dsec_zone_key(fx_name(zn[k])) ? zn[k] : "?");
		assert_true(vd.key_zone == dsec_zone_key(fx_name("nsec.test.")));
		/* the next question: the conclusions from the key cache */
		dsec_keycache_clear();
	}
}

/* scrub_dnssec keeps RRSIGs of kept RRsets only, and the denial records. */
static void test_scrub(void **state)
{
	(void)state;
	struct fx_set a, sa, sn, n, other;
	fx_select(&zone, "a.b.nsec.test.", BOLT_TYPE_A, 0, &a);
	fx_select(&zone, "a.b.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_A, &sa);
	fx_select(&zone, "a.b.nsec.test.", BOLT_TYPE_NSEC, 0, &n);
	fx_select(&zone, "a.b.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_NSEC, &sn);
	fx_select(&zone, "cname.nsec.test.", BOLT_TYPE_RRSIG, BOLT_TYPE_CNAME, &other);
	struct bolt_rr rrs[5] = { *a.p[0], *sa.p[0], *other.p[0], *n.p[0], *sn.p[0] };
	rrs[0].section = rrs[1].section = rrs[2].section = BOLT_SEC_ANSWER;
	rrs[3].section = rrs[4].section = BOLT_SEC_AUTHORITY;
	struct bolt_msg m;
	memset(&m, 0, sizeof(m));
	m.qclass = BOLT_CLASS_IN;
	m.rrs = rrs;
	m.rrcount = 5;
	bool keep[5] = { true, false, false, false, false };
	assert_int_equal(scrub_dnssec(&m, fx_name("nsec.test."), keep), 3);
	assert_true(keep[1]);
	assert_false(keep[2]);   /* covers a CNAME that was not kept */
	assert_true(keep[3] && keep[4]);
	/* Outside the zone asked: nothing. */
	bool keep2[5] = { true, false, false, false, false };
	assert_int_equal(scrub_dnssec(&m, fx_name("other.test."), keep2), 0);

	struct orr_list sigs = { 0 }, proof = { 0 };
	assert_int_equal(dsec_collect(&m, keep, &sigs, &proof), 0);
	assert_int_equal(sigs.n, 1);
	assert_int_equal(proof.n, 2);
	/* Collected twice: no duplicates. */
	assert_int_equal(dsec_collect(&m, keep, &sigs, &proof), 0);
	assert_int_equal(sigs.n, 1);
	assert_int_equal(proof.n, 2);
	orr_list_free(&sigs);
	orr_list_free(&proof);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fx_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secure_answer),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_missing_rrsig),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_insecure_delegation),
		cmocka_unit_test(test_secure_delegation_missing_key),
		cmocka_unit_test(test_nta_and_no_anchor),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_key_zone_inherited),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
