/*
 * Ring service against a real region in /dev/shm: misses answered from the
 * cache go back on the ring of their lcore with the client's ID, bad and
 * stale misses are counted and dropped, a full answer ring is retried and
 * then dropped (counted), a miss pushed while the loop sleeps wakes it
 * (the doorbell) and its answer kicks a sleeping worker.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "boltdns/answer.h"
#include "boltdns/region.h"
#include "cp.h"
#include "ringsvc.h"

static struct bolt_config cfg;
static struct cp cp;
static char path[128];

static int setup(void **state)
{
	(void)state;
	memset(&cp, 0, sizeof(cp));
	bolt_config_defaults(&cfg);
	cp.cfg = &cfg;
	cp.loop = uv_default_loop();
	cp.offline = true;
	cp.infra = infra_new(64);
	assert_int_equal(pend_init(&cp.pend, 16, 4), 0);
	assert_int_equal(ring_svc_start(&cp), 0);
	snprintf(path, sizeof(path), "/dev/shm/boltdns-test-cp-ring-%d", (int)getpid());
	struct bolt_region_params p = { .path = path, .size = 32u << 20, .ring_slots = 16, .wipe = true };
	int err = 0;
	cp.region = bolt_region_create(&p, &err);
	assert_non_null(cp.region);
	atomic_store(&cp.region->hdr->dp_lcores, 2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ring_svc_stop(&cp);
	uv_run(cp.loop, UV_RUN_NOWAIT);
	ring_svc_free(&cp);
	bolt_region_detach(cp.region);
	unlink(path);
	pend_destroy(&cp.pend);
	infra_free(cp.infra);
	return 0;
}

/* Insert name A 192.0.2.1 (TTL 300) as the control plane would. */
static void put(const char *name)
{
	uint8_t msg[512], qname[BOLT_NAME_MAX];
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	struct bolt_build b;
	int ql = bolt_name_from_text(name, qname);
	bolt_build_init(&b, msg, sizeof(msg), 0, BOLT_FLAG_QR | BOLT_FLAG_RA);
	bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN);
	bolt_build_rr(&b, BOLT_SEC_ANSWER, qname, BOLT_TYPE_A, BOLT_CLASS_IN, 300, a, 4);
	int len = bolt_build_finish(&b);
	assert_int_equal(bolt_answer_insert(cp.region->cache, msg, (size_t)len, b.ttl_off, b.nttl,
	                                    false, bolt_now(), 300, BOLT_CACHE_POSITIVE),
	                 0);
}

static void miss(struct bolt_miss_msg *m, const char *name, uint16_t id)
{
	memset(m, 0, sizeof(*m));
	int ql = bolt_name_from_text(name, m->question);
	assert_true(ql > 0);
	m->question[ql + 1] = BOLT_TYPE_A;
	m->question[ql + 3] = BOLT_CLASS_IN;
	m->question_len = (uint16_t)(ql + 4);
	m->id = id;
	m->qflags = BOLT_FLAG_RD;
	m->qtype = BOLT_TYPE_A;
	m->qclass = BOLT_CLASS_IN;
	m->client.family = 2;
	m->client.client_port = htobe16(40000);
	m->received = bolt_now();
}

static void test_miss_answered_from_cache(void **state)
{
	(void)state;
	put("hit.example.");
	struct bolt_miss_msg m;
	miss(&m, "HIT.example.", 0x1234);
	ring_handle_miss(&cp, 1, &m);
	assert_int_equal(cp.ctr.miss_hits, 1);
	/* The answer is on lcore 1's ring, not lcore 0's. */
	assert_null(bolt_ring_peek(bolt_region_answer_ring(cp.region, 0)));
	struct bolt_ring *ring = bolt_region_answer_ring(cp.region, 1);
	const struct bolt_answer_msg *a = bolt_ring_peek(ring);
	assert_non_null(a);
	assert_int_equal(a->client.client_port, htobe16(40000));
	assert_true(a->len > BOLT_HDR_LEN + m.question_len);
	uint16_t id, flags, an;
	memcpy(&id, a->payload, 2);
	memcpy(&flags, a->payload + 2, 2);
	memcpy(&an, a->payload + 6, 2);
	assert_int_equal(be16toh(id), 0x1234);
	assert_true(be16toh(flags) & BOLT_FLAG_RD);
	assert_int_equal(be16toh(an), 1);
	/* The client's own case is kept in the question. */
	assert_memory_equal(a->payload + BOLT_HDR_LEN, m.question, m.question_len);
	bolt_ring_release(ring);
}

static void test_bad_and_stale_misses(void **state)
{
	(void)state;
	struct bolt_miss_msg m;
	miss(&m, "hit.example.", 1);
	m.question_len = 3; /* shorter than the name */
	ring_handle_miss(&cp, 0, &m);
	assert_int_equal(cp.ctr.bad_misses, 1);
	miss(&m, "hit.example.", 1);
	m.question_len = 2000;
	ring_handle_miss(&cp, 0, &m);
	assert_int_equal(cp.ctr.bad_misses, 2);
	miss(&m, "hit.example.", 1);
	m.received = bolt_now() - 3600;
	ring_handle_miss(&cp, 0, &m);
	assert_int_equal(cp.ctr.stale_misses, 1);
	assert_null(bolt_ring_peek(bolt_region_answer_ring(cp.region, 0)));
}

static void test_full_ring(void **state)
{
	(void)state;
	struct bolt_client client;
	memset(&client, 0, sizeof(client));
	uint8_t payload[64] = { 0 };
	uint64_t answers = cp.ctr.answers;
	for (int i = 0; i < 20; i++)
		ring_push(&cp, 0, &client, payload, sizeof(payload));
	struct bolt_ring *ring = bolt_region_answer_ring(cp.region, 0);
	assert_int_equal(bolt_ring_count(ring), 16);
	assert_int_equal(cp.ctr.answers - answers, 16);
	assert_int_equal(cp.ctr.answer_retries, 4);
	/* Room again: the next poll (timer, ~1 ms) delivers the backlog. */
	for (int i = 0; i < 4; i++)
		bolt_ring_release(ring);
	for (int i = 0; i < 50 && cp.ctr.answers - answers < 20; i++) {
		usleep(2000);
		uv_run(cp.loop, UV_RUN_NOWAIT);
	}
	assert_int_equal(cp.ctr.answers - answers, 20);
	assert_int_equal(cp.ctr.answer_drops, 0);
	/* Still full for longer than the retry period: dropped and counted. */
	ring_push(&cp, 0, &client, payload, sizeof(payload));
	for (int i = 0; i < 200 && cp.ctr.answer_drops == 0; i++) {
		usleep(2000);
		uv_run(cp.loop, UV_RUN_NOWAIT);
	}
	assert_int_equal(cp.ctr.answer_drops, 1);
	while (bolt_ring_peek(ring) != NULL)
		bolt_ring_release(ring);
}

/* The dataplane's side of test_doorbell_wakes_loop: a miss pushed on
 * lcore 1's ring, and the bell kicked, while the loop sleeps. */
static void *late_miss(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	struct bolt_ring *ring = bolt_region_miss_ring(cp.region, 1);
	struct bolt_miss_msg *slot = bolt_ring_reserve(ring);
	assert_non_null(slot);
	miss(slot, "bell.example.", 0x4242);
	bolt_ring_commit(ring);
	bolt_bell_kick(&cp.region->hdr->miss_bell, 1);
	return NULL;
}

/* No timer polls the rings: a loop with nothing else to do sleeps, and only
 * the doorbell can wake it for the miss (a lost wake-up hangs this test
 * until meson's timeout). The answer goes out with a kick for worker 1,
 * which armed its bit as a sleeping socket worker does. */
static void test_doorbell_wakes_loop(void **state)
{
	(void)state;
	put("bell.example.");
	struct bolt_bell *ab = &cp.region->hdr->answer_bell;
	uint32_t seq = bolt_bell_seq(ab);
	bolt_bell_arm(ab, 1u << 1);
	/* One turn arms the miss bell and starts the bell thread. */
	uv_run(cp.loop, UV_RUN_NOWAIT);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, late_miss, NULL), 0);
	uint64_t hits = cp.ctr.miss_hits;
	while (cp.ctr.miss_hits == hits)
		uv_run(cp.loop, UV_RUN_ONCE);
	pthread_join(t, NULL);
	struct bolt_ring *ring = bolt_region_answer_ring(cp.region, 1);
	const struct bolt_answer_msg *a = bolt_ring_peek(ring);
	assert_non_null(a);
	uint16_t id;
	memcpy(&id, a->payload, 2);
	assert_int_equal(be16toh(id), 0x4242);
	bolt_ring_release(ring);
	/* worker 1 was kicked once, and is no longer armed */
	assert_int_equal(bolt_bell_take(ab), 1u << 1);
	assert_int_equal(bolt_bell_seq(ab), seq + 1);
	assert_int_equal(atomic_load(&ab->armed) & (1u << 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_miss_answered_from_cache),
		cmocka_unit_test(test_bad_and_stale_misses),
		cmocka_unit_test(test_full_ring),
		cmocka_unit_test(test_doorbell_wakes_loop),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
