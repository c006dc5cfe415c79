/*
 * The dataplane's access control and response rate limiting in burst
 * processing (dataplane/process.c), one worker and two, on two threads, and
 * prefixes that share a bucket, with the fixture of process_fixture.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/socket.h>

#include "process_fixture.h"

static void test_acl(void **state)
{
	struct fixture *f = *state;
	static const uint8_t inside[4] = { 10, 1, 2, 3 }, outside[4] = { 198, 18, 0, 2 };
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->nallow = 1;
	assert_int_equal(bolt_prefix_parse("10.0.0.0/8", &cfg->allow[0]), 0);
	dp_policy_from_config(&pol, cfg);
	assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
	put_a(f, "acl.example.", 1, 60, bolt_now(), false);
	uint64_t refused = f->w->st->refused, misses = f->w->st->misses;

	mk_query(f, 0, 1, "acl.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 0, inside);
	uint16_t qlen = mk_query(f, 1, 2, "acl.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 1, outside);
	mk_query(f, 2, 3, "elsewhere.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 2, outside);
	/* Garbage from outside gets REFUSED too, not FORMERR. */
	const uint8_t junk[] = { 0, 4, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0 };
	raw(f, 3, junk, sizeof(junk));
	set_client(f, 3, outside);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 4), 4);
	expect_rcode(f, 0, 1, BOLT_RCODE_NOERROR);
	expect_rcode(f, 1, 2, BOLT_RCODE_REFUSED);
	/* The question is echoed. */
	assert_int_equal(get16(f->pkts[1].dns + 4), 1);
	assert_int_equal(f->pkts[1].out_len, qlen);
	expect_rcode(f, 2, 3, BOLT_RCODE_REFUSED);
	expect_rcode(f, 3, 4, BOLT_RCODE_REFUSED);
	assert_int_equal(f->w->st->refused, refused + 3);
	/* Denied clients never reach the control plane. */
	assert_int_equal(f->w->st->misses, misses);

	/* With EDNS the REFUSED says why: EDE 18 Prohibited (RFC 8914). */
	qlen = mk_query(f, 0, 5, "acl.example.", BOLT_TYPE_A, 1232, false);
	set_client(f, 0, outside);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	expect_rcode(f, 0, 5, BOLT_RCODE_REFUSED);
	assert_int_equal(f->pkts[0].out_len, qlen + 6);
	const uint8_t *o = f->pkts[0].dns + qlen - 11;
	assert_int_equal(get16(o + 1), BOLT_TYPE_OPT);
	assert_int_equal(get16(o + 9), 6);
	assert_int_equal(get16(o + 11), BOLT_OPT_EDE);
	assert_int_equal(get16(o + 13), 2);
	assert_int_equal(get16(o + 15), BOLT_EDE_PROHIBITED);

	/* action = drop: nothing at all. */
	cfg->acl_action = BOLT_ACL_DROP;
	dp_policy_from_config(&pol, cfg);
	mk_query(f, 0, 1, "acl.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 0, outside);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 0);
	assert_int_equal(f->pkts[0].verdict, DP_DROP);

	/* No client address (an internal caller): no ACL. */
	mk_query(f, 0, 1, "acl.example.", BOLT_TYPE_A, -1, false);
	f->pkts[0].client = NULL;
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	policy_off(f, 4);
	free(cfg);
}

static void test_ratelimit(void **state)
{
	struct fixture *f = *state;
	static const uint8_t a[4] = { 198, 18, 0, 2 }, b[4] = { 198, 18, 0, 77 };
	static const uint8_t other[4] = { 198, 18, 9, 2 };
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->rl_rate = 3;
	cfg->rl_slip = 2;
	dp_policy_from_config(&pol, cfg);
	assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
	put_a(f, "rl.example.", 1, 60, bolt_now(), false);
	uint64_t dropped = f->w->st->rl_dropped, slipped = f->w->st->rl_slipped;

	/* Ten from one /24 (two addresses), then one from another /24. */
	for (unsigned i = 0; i < 10; i++) {
		mk_query(f, i, (uint16_t)i, "rl.example.", BOLT_TYPE_A, -1, false);
		set_client(f, i, i % 2 ? a : b);
	}
	mk_query(f, 10, 10, "rl.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 10, other);
	unsigned tx = dp_process_burst(f->w, f->pkts, 11);
	/* 3 within the rate; of the 7 over it every 2nd slips: 3 TC, 4 dropped. */
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(f->pkts[i].verdict, DP_TX);
		assert_false(get16(f->pkts[i].dns + 2) & BOLT_FLAG_TC);
	}
	unsigned tc = 0, drop = 0;
	for (unsigned i = 3; i < 10; i++) {
		if (f->pkts[i].verdict == DP_DROP)
			drop++;
		else if (get16(f->pkts[i].dns + 2) & BOLT_FLAG_TC)
			tc++;
	}
	assert_int_equal(tc, 3);
	assert_int_equal(drop, 4);
	assert_int_equal(f->pkts[10].verdict, DP_TX);
	assert_false(get16(f->pkts[10].dns + 2) & BOLT_FLAG_TC);
	assert_int_equal(tx, 3 + 3 + 1);
	assert_int_equal(f->w->st->rl_dropped, dropped + 4);
	assert_int_equal(f->w->st->rl_slipped, slipped + 3);
	policy_off(f, 11);
	free(cfg);
}

/* Count the answers (not TC) and TC slips among pkts[from, from + n). */
static void rl_tally(struct fixture *f, unsigned from, unsigned n, unsigned *ans, unsigned *tc)
{
	for (unsigned i = from; i < from + n; i++) {
		if (f->pkts[i].verdict != DP_TX)
			continue;
		if (get16(f->pkts[i].dns + 2) & BOLT_FLAG_TC)
			(*tc)++;
		else
			(*ans)++;
	}
}

/* One prefix whose queries two workers (two lcores, RSS spreading its
 * flows) share: `rate` answers per second in all, not rate per worker. */
static void test_ratelimit_shared(void **state)
{
	struct fixture *f = *state;
	static const uint8_t a[4] = { 198, 18, 7, 2 }, b[4] = { 198, 18, 7, 9 };
	static struct dp_worker w2;
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->rl_rate = 3;
	cfg->rl_slip = 2;
	put_a(f, "rls.example.", 1, 60, bolt_now(), false);
	assert_int_equal(dp_worker_init(&w2, f->r, 2, 1232), 0);
	/* A second boundary between the two bursts grants a new budget
	 * legitimately: try again then. */
	unsigned ans = 0, tc = 0;
	for (int attempt = 0; attempt < 5; attempt++) {
		dp_policy_from_config(&pol, cfg);
		assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
		assert_int_equal(dp_worker_set_policy(&w2, &pol), 0);
		uint32_t t0 = bolt_now();
		for (unsigned i = 0; i < 16; i++) {
			mk_query(f, i, (uint16_t)i, "rls.example.", BOLT_TYPE_A, -1, false);
			set_client(f, i, i % 2 ? a : b);
		}
		ans = tc = 0;
		/* Eight queries on each worker, alternating. */
		for (unsigned k = 0; k < 4; k++) {
			dp_process_burst(f->w, f->pkts + 4 * k, 2);
			dp_process_burst(&w2, f->pkts + 4 * k + 2, 2);
		}
		if (bolt_now() != t0)
			continue;
		rl_tally(f, 0, 16, &ans, &tc);
		break;
	}
	/* 3 answers; of the 13 over the limit every 2nd slips: 6 TC. */
	assert_int_equal(ans, 3);
	assert_int_equal(tc, 6);
	dp_worker_fini(&w2);
	policy_off(f, 16);
	free(cfg);
}

/* Two workers on two threads at once, one prefix: the shared table's
 * compare-and-swap keeps the total at `rate` answers a second. */
struct rl_thread {
	struct dp_worker w;
	uint8_t bufs[DP_BURST_MAX][512];
	struct dp_pkt pkts[DP_BURST_MAX];
	unsigned answered;
	uint32_t t0, t1;
};

static void *rl_thread_run(void *arg)
{
	struct rl_thread *t = arg;
	static const uint8_t client[4] = { 198, 18, 99, 1 };
	uint8_t qname[BOLT_NAME_MAX];
	int ql = bolt_name_from_text("rlt.example.", qname);
	t->t0 = bolt_now();
	for (unsigned round = 0; round < 20; round++) {
		for (unsigned i = 0; i < DP_BURST_MAX; i++) {
			struct bolt_build b;
			bolt_build_init(&b, t->bufs[i], sizeof(t->bufs[i]), (uint16_t)i, BOLT_FLAG_RD);
			bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
			int len = bolt_build_finish(&b);
			t->pkts[i].dns = t->bufs[i];
			t->pkts[i].len = (uint16_t)len;
			t->pkts[i].cap = sizeof(t->bufs[i]);
			t->pkts[i].family = AF_INET;
			t->pkts[i].client = client;
		}
		dp_process_burst(&t->w, t->pkts, DP_BURST_MAX);
		for (unsigned i = 0; i < DP_BURST_MAX; i++)
			if (t->pkts[i].verdict == DP_TX && !(get16(t->bufs[i] + 2) & BOLT_FLAG_TC))
				t->answered++;
	}
	t->t1 = bolt_now();
	return NULL;
}

static void test_ratelimit_threads(void **state)
{
	struct fixture *f = *state;
	static struct rl_thread th[2];
	static struct dp_policy pol;
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->rl_rate = 100;
	cfg->rl_slip = 0;
	put_a(f, "rlt.example.", 1, 60, bolt_now(), false);
	for (int attempt = 0; attempt < 5; attempt++) {
		dp_policy_from_config(&pol, cfg);
		pthread_t tid[2];
		for (unsigned k = 0; k < 2; k++) {
			memset(&th[k], 0, sizeof(th[k]));
			assert_int_equal(dp_worker_init(&th[k].w, f->r, k, 1232), 0);
			assert_int_equal(dp_worker_set_policy(&th[k].w, &pol), 0);
		}
		for (unsigned k = 0; k < 2; k++)
			assert_int_equal(pthread_create(&tid[k], NULL, rl_thread_run, &th[k]), 0);
		for (unsigned k = 0; k < 2; k++)
			assert_int_equal(pthread_join(tid[k], NULL), 0);
		/* 2 x 1280 queries; a second boundary inside grants a new
		 * budget: try again then. */
		if (th[0].t0 != th[1].t1 || th[1].t0 != th[0].t1 || th[0].t0 != th[0].t1)
			continue;
		assert_int_equal(th[0].answered + th[1].answered, 100);
		break;
	}
	for (unsigned k = 0; k < 2; k++)
		dp_worker_fini(&th[k].w);
	free(cfg);
}

/* Prefixes that hash to one bucket: taking turns never resets the other's
 * budget, and when every slot of the bucket is taken this second, a further
 * prefix shares a budget instead of getting a fresh one. */
static void test_ratelimit_collision(void **state)
{
	struct fixture *f = *state;
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	static uint8_t pfx[DP_RL_WAYS + 1][4];
	static uint16_t seen[DP_RL_BUCKETS];
	assert_non_null(cfg);
	bolt_config_defaults(cfg);
	cfg->rl_rate = 3;
	cfg->rl_slip = 0;
	dp_policy_from_config(&pol, cfg);
	put_a(f, "rlc.example.", 1, 60, bolt_now(), false);

	/* /24s 10.x.y.0: the first bucket that DP_RL_WAYS + 1 of them share. */
	uint32_t tag;
	unsigned want = 0;
	bool found = false;
	memset(seen, 0, sizeof(seen));
	for (uint32_t n = 0; n < 65536 && !found; n++) {
		uint8_t addr[4] = { 10, (uint8_t)(n >> 8), (uint8_t)n, 1 };
		unsigned bk = dp_rl_bucket_of(&pol, AF_INET, addr, &tag);
		if (++seen[bk] == DP_RL_WAYS + 1) {
			want = bk;
			found = true;
		}
	}
	assert_true(found);
	unsigned np = 0;
	for (uint32_t n = 0; n < 65536 && np < DP_RL_WAYS + 1; n++) {
		uint8_t addr[4] = { 10, (uint8_t)(n >> 8), (uint8_t)n, 1 };
		if (dp_rl_bucket_of(&pol, AF_INET, addr, &tag) == want)
			memcpy(pfx[np++], addr, 4);
	}
	assert_int_equal(np, DP_RL_WAYS + 1);

	for (int attempt = 0; attempt < 5; attempt++) {
		dp_policy_from_config(&pol, cfg);
		assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
		uint32_t t0 = bolt_now();
		/* Two colliding prefixes taking turns, five queries each. */
		for (unsigned i = 0; i < 10; i++) {
			mk_query(f, i, (uint16_t)i, "rlc.example.", BOLT_TYPE_A, -1, false);
			set_client(f, i, pfx[i % 2]);
		}
		dp_process_burst(f->w, f->pkts, 10);
		unsigned ans0 = 0, ans1 = 0, tc = 0;
		for (unsigned i = 0; i < 10; i++)
			rl_tally(f, i, 1, i % 2 ? &ans1 : &ans0, &tc);
		/* The bucket's other slots, one query each; then the ninth
		 * prefix, which finds every slot taken this second. */
		for (unsigned i = 0; i < DP_RL_WAYS - 2; i++) {
			mk_query(f, i, (uint16_t)i, "rlc.example.", BOLT_TYPE_A, -1, false);
			set_client(f, i, pfx[2 + i]);
		}
		dp_process_burst(f->w, f->pkts, DP_RL_WAYS - 2);
		for (unsigned i = 0; i < 10; i++) {
			mk_query(f, i, (uint16_t)i, "rlc.example.", BOLT_TYPE_A, -1, false);
			set_client(f, i, pfx[DP_RL_WAYS]);
		}
		dp_process_burst(f->w, f->pkts, 10);
		unsigned ans9 = 0;
		rl_tally(f, 0, 10, &ans9, &tc);
		if (bolt_now() != t0)
			continue;
		assert_int_equal(ans0, 3);
		assert_int_equal(ans1, 3);
		/* At most what is left of the budget it shares (3 - 1 or
		 * 3 - 3): never a fresh 3. */
		assert_true(ans9 <= 2);
		assert_int_equal(tc, 0);
		break;
	}
	policy_off(f, 10);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_ratelimit_shared),
		cmocka_unit_test(test_ratelimit_threads),
		cmocka_unit_test(test_ratelimit_collision),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
