/*
 * dnstap sampling in the dataplane ([dnstap] sample, dataplane/process.c):
 * every Nth hit of a worker is marked, dp_tap_push puts it on the miss ring
 * as a BOLT_MISS_F_TAP message with the client's query, and a ring half
 * full or more drops samples (counted) so that misses keep their slots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "process.h"

#define BUF 1024
#define RING_SLOTS 16

static char path[128];
static struct bolt_region *R;
static struct dp_worker W;
static struct dp_policy pol;
static uint8_t bufs[8][BUF];
static struct dp_pkt pkts[8];

static int setup(void **state)
{
	(void)state;
	int err;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-ut-sample-%d", (int)getpid());
	struct bolt_region_params p = {
		.path = path, .size = 32u << 20, .ring_slots = RING_SLOTS, .wipe = true,
	};
	R = bolt_region_create(&p, &err);
	if (R == NULL || dp_worker_init(&W, R, 1, 1232) != 0)
		return -1;
	static struct bolt_config cfg;
	bolt_config_defaults(&cfg);
	cfg.dnstap_sample = 3;
	dp_policy_from_config(&pol, &cfg);
	return dp_worker_set_policy(&W, &pol);
}

static int teardown(void **state)
{
	(void)state;
	bolt_region_detach(R);
	unlink(path);
	return 0;
}

static void put_a(const uint8_t *qname, int ql)
{
	uint8_t msg[BUF];
	struct bolt_build b;
	assert_int_equal(bolt_build_init(&b, msg, sizeof(msg), 0,
	                                 BOLT_FLAG_QR | BOLT_FLAG_RD | BOLT_FLAG_RA), 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	uint8_t rd[4] = { 198, 18, 1, 1 };
	assert_int_equal(bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN, 300,
	                               rd, 4), 0);
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	assert_int_equal(bolt_answer_insert(R->cache, msg, (size_t)len, b.ttl_off, b.nttl, false,
	                                    bolt_now(), 300, BOLT_CACHE_POSITIVE), 0);
}

static void mk_query(unsigned i, uint16_t id, const uint8_t *qname, int ql)
{
	struct bolt_build b;
	assert_int_equal(bolt_build_init(&b, bufs[i], BUF, id, BOLT_FLAG_RD), 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	assert_int_equal(bolt_build_opt(&b, 1232, 0, false), 0);
	int len = bolt_build_finish(&b);
	pkts[i].dns = bufs[i];
	pkts[i].len = (uint16_t)len;
	pkts[i].cap = BUF;
}

static void test_every_third_hit(void **state)
{
	(void)state;
	uint8_t qname[BOLT_NAME_MAX];
	int ql = bolt_name_from_text("www.Example.com.", qname);
	put_a(qname, ql);
	struct bolt_client c = { .family = AF_INET, .client_port = 0x3412,
	                         .client_addr = { 192, 0, 2, 9 } };
	unsigned marked = 0;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 4; i++)
			mk_query(i, (uint16_t)(100 + round * 4 + i), qname, ql);
		assert_int_equal(dp_process_burst(&W, pkts, 4), 4);
		for (unsigned i = 0; i < 4; i++) {
			assert_int_equal(pkts[i].verdict, DP_TX);
			/* hits 3, 6, 9, 12 of the worker */
			bool want = (round * 4 + i + 1) % 3 == 0;
			assert_int_equal(pkts[i].sample, want);
			if (pkts[i].sample) {
				dp_tap_push(&W, i, &pkts[i], &c);
				marked++;
			}
		}
	}
	assert_int_equal(marked, 4);
	assert_int_equal(W.st->tap_samples, 4);
	struct bolt_ring *r = bolt_region_miss_ring(R, 1);
	for (unsigned n = 0; n < 4; n++) {
		const struct bolt_miss_msg *m = bolt_ring_peek(r);
		assert_non_null(m);
		assert_int_equal(m->flags, BOLT_MISS_F_TAP);
		assert_int_equal(m->id, 100 + 3 * n + 2);
		assert_int_equal(m->client.client_port, 0x3412);
		assert_true(m->has_edns);
		assert_int_equal(m->question_len, ql + 4);
		/* the client's own bytes, case kept */
		assert_memory_equal(m->question, qname, (size_t)ql);
		bolt_ring_release(r);
	}
	assert_null(bolt_ring_peek(r));
}

/* Half the ring is for misses: samples stop at RING_SLOTS / 2 queued. */
static void test_half_full_drops(void **state)
{
	(void)state;
	uint8_t qname[BOLT_NAME_MAX];
	int ql = bolt_name_from_text("www.example.com.", qname);
	struct bolt_client c = { .family = AF_INET };
	uint64_t sent = W.st->tap_samples, drops = W.st->tap_sample_drops;
	for (unsigned i = 0; i < RING_SLOTS; i++) {
		mk_query(0, (uint16_t)i, qname, ql);
		assert_int_equal(dp_process_burst(&W, pkts, 1), 1);
		pkts[0].sample = 1;
		dp_tap_push(&W, 0, &pkts[0], &c);
	}
	assert_int_equal(W.st->tap_samples - sent, RING_SLOTS / 2);
	assert_int_equal(W.st->tap_sample_drops - drops, RING_SLOTS / 2);
	struct bolt_ring *r = bolt_region_miss_ring(R, 1);
	assert_int_equal(bolt_ring_count(r), RING_SLOTS / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_third_hit),
		cmocka_unit_test(test_half_full_drops),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
