/*
 * Throttled zones in the dataplane (dataplane/process.c, boltdns/throttle.h):
 * a miss under a zone published as down is answered SERVFAIL with EDE 22
 * "all servers for Z are down", one in BOLT_THROTTLE_LET_THROUGH_DOWN
 * handed on; a zone over its NXDOMAIN rate keeps EDE 0 "zone throttled"
 * and one in BOLT_THROTTLE_LET_THROUGH_RATE; each reason counts its own
 * let-through (interleaved floods of both do not skew either); the counters
 * throttled and throttle_passed add up; other zones and a query without
 * EDNS are served as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "boltdns/config.h"
#include "boltdns/region.h"
#include "boltdns/throttle.h"
#include "boltdns/wire.h"
#include "process.h"

#define BUF 1024
#define BURST 8

static char path[128];
static struct bolt_region *R;
static struct dp_worker W;
static struct dp_policy pol;
static uint8_t bufs[BURST][BUF];
static struct dp_pkt pkts[BURST];

static int setup(void **state)
{
	(void)state;
	int err;
	snprintf(path, sizeof(path), "/dev/shm/boltdns-ut-dpthrottle-%d", (int)getpid());
	struct bolt_region_params p = {
		.path = path, .size = 32u << 20, .ring_slots = 16, .wipe = true,
	};
	R = bolt_region_create(&p, &err);
	if (R == NULL || dp_worker_init(&W, R, 1, 1232) != 0)
		return -1;
	static struct bolt_config cfg;
	bolt_config_defaults(&cfg);
	dp_policy_from_config(&pol, &cfg);
	if (dp_worker_set_policy(&W, &pol) != 0)
		return -1;
	uint32_t until = bolt_now() + 600;
	if (bolt_throttle_set(&R->hdr->throttle, (const uint8_t *)"\4dead\7boltnet", until,
	                      BOLT_THROTTLE_DOWN) != 0 ||
	    bolt_throttle_set(&R->hdr->throttle, (const uint8_t *)"\4bulk\7boltnet", until,
	                      BOLT_THROTTLE_RATE) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bolt_region_detach(R);
	unlink(path);
	return 0;
}

static void mk_query(unsigned i, uint16_t id, const char *name, bool edns)
{
	uint8_t qname[BOLT_NAME_MAX];
	int ql = bolt_name_from_text(name, qname);
	assert_true(ql > 0);
	struct bolt_build b;
	assert_int_equal(bolt_build_init(&b, bufs[i], BUF, id, BOLT_FLAG_RD), 0);
	assert_int_equal(bolt_build_question(&b, qname, (size_t)ql, BOLT_TYPE_A, BOLT_CLASS_IN), 0);
	if (edns)
		assert_int_equal(bolt_build_opt(&b, 1232, 0, false), 0);
	int len = bolt_build_finish(&b);
	assert_true(len > 0);
	memset(&pkts[i], 0, sizeof(pkts[i]));
	pkts[i].dns = bufs[i];
	pkts[i].len = (uint16_t)len;
	pkts[i].cap = BUF;
}

/* The EDE of response i: its info-code, and its text into text (cap
 * bytes). False when the response has no EDE option. */
static bool ede_of(unsigned i, uint16_t *code, char *text, size_t cap)
{
	const uint8_t *m = bufs[i];
	size_t len = pkts[i].out_len;
	/* the OPT record is the last one: scan for option 15 inside it */
	for (size_t o = BOLT_HDR_LEN; o + 6 <= len; o++) {
		if (m[o] != 0 || m[o + 1] != 15)
			continue;
		size_t ol = (size_t)m[o + 2] << 8 | m[o + 3];
		if (ol < 2 || o + 4 + ol != len)
			continue;
		*code = (uint16_t)(m[o + 4] << 8 | m[o + 5]);
		size_t tl = ol - 2 < cap - 1 ? ol - 2 : cap - 1;
		memcpy(text, m + o + 6, tl);
		text[tl] = 0;
		return true;
	}
	return false;
}

struct tally {
	unsigned tx, miss, ede22, ede0;
};

/* n queries for fresh names, alternating over zones[0..nz), in bursts. */
static void flood(const char *const *zones, unsigned nz, unsigned n, struct tally *t)
{
	static unsigned seq;
	for (unsigned done = 0; done < n;) {
		unsigned k = n - done < BURST ? n - done : BURST;
		for (unsigned i = 0; i < k; i++) {
			char name[128];
			snprintf(name, sizeof(name), "r%u.%s", seq++, zones[(done + i) % nz]);
			mk_query(i, (uint16_t)(done + i), name, true);
		}
		(void)dp_process_burst(&W, pkts, k);
		for (unsigned i = 0; i < k; i++) {
			struct tally *ti = &t[(done + i) % nz];
			if (pkts[i].verdict == DP_MISS) {
				ti->miss++;
				continue;
			}
			assert_int_equal(pkts[i].verdict, DP_TX);
			assert_int_equal(bufs[i][3] & 0xf, BOLT_RCODE_SERVFAIL);
			ti->tx++;
			uint16_t code = 0xffff;
			char text[128];
			assert_true(ede_of(i, &code, text, sizeof(text)));
			if (code == BOLT_EDE_NO_REACHABLE_AUTHORITY) {
				assert_string_equal(text, "all servers for dead.boltnet. are down");
				ti->ede22++;
			} else {
				assert_int_equal(code, BOLT_EDE_OTHER);
				assert_string_equal(text, "zone throttled: query limits reached");
				ti->ede0++;
			}
		}
		done += k;
	}
}

static void test_down_zone(void **state)
{
	(void)state;
	uint64_t th = W.st->throttled, passed = W.st->throttle_passed;
	const char *z[] = { "x.dead.boltnet." };
	struct tally t[1] = { { 0 } };
	flood(z, 1, 1000, t);
	/* one in a hundred to the control plane, the rest EDE 22 from here */
	assert_int_equal(t[0].miss, 1000 / BOLT_THROTTLE_LET_THROUGH_DOWN);
	assert_int_equal(t[0].ede22, 1000 - 1000 / BOLT_THROTTLE_LET_THROUGH_DOWN);
	assert_int_equal(t[0].ede0, 0);
	assert_int_equal(W.st->throttled - th, t[0].tx);
	assert_int_equal(W.st->throttle_passed - passed, t[0].miss);
}

static void test_rate_zone(void **state)
{
	(void)state;
	const char *z[] = { "bulk.boltnet." };
	struct tally t[1] = { { 0 } };
	flood(z, 1, 1000, t);
	assert_int_equal(t[0].miss, 1000 / BOLT_THROTTLE_LET_THROUGH_RATE);
	assert_int_equal(t[0].ede0, 1000 - 1000 / BOLT_THROTTLE_LET_THROUGH_RATE);
	assert_int_equal(t[0].ede22, 0);
}

/* Both floods at once, one question of each in turn, and an unthrottled
 * zone between them: each reason keeps its own ratio. */
static void test_interleaved(void **state)
{
	(void)state;
	uint64_t th = W.st->throttled, passed = W.st->throttle_passed;
	const char *z[] = { "dead.boltnet.", "bulk.boltnet.", "dom1.boltnet." };
	struct tally t[3] = { { 0 } };
	flood(z, 3, 3000, t);
	assert_int_equal(t[0].miss, 1000 / BOLT_THROTTLE_LET_THROUGH_DOWN);
	assert_int_equal(t[0].ede22, 1000 - 1000 / BOLT_THROTTLE_LET_THROUGH_DOWN);
	assert_int_equal(t[1].miss, 1000 / BOLT_THROTTLE_LET_THROUGH_RATE);
	assert_int_equal(t[1].ede0, 1000 - 1000 / BOLT_THROTTLE_LET_THROUGH_RATE);
	assert_int_equal(t[2].miss, 1000);
	assert_int_equal(t[2].tx, 0);
	assert_int_equal(W.st->throttled - th, t[0].tx + t[1].tx);
	assert_int_equal(W.st->throttle_passed - passed, t[0].miss + t[1].miss);
}

/* No EDNS in the query: SERVFAIL without an OPT record; the zone cleared
 * (it answered again): misses go to the control plane. */
static void test_no_edns_and_clear(void **state)
{
	(void)state;
	unsigned answered = 0;
	for (unsigned n = 0; n < 10; n++) {
		mk_query(0, 7, "plain.dead.boltnet.", false);
		(void)dp_process_burst(&W, pkts, 1);
		if (pkts[0].verdict != DP_TX)
			continue;
		answered++;
		assert_int_equal(bufs[0][3] & 0xf, BOLT_RCODE_SERVFAIL);
		assert_int_equal(bufs[0][10] << 8 | bufs[0][11], 0); /* ARCOUNT */
	}
	assert_true(answered >= 9);
	bolt_throttle_clear(&R->hdr->throttle, (const uint8_t *)"\4dead\7boltnet");
	for (unsigned n = 0; n < 10; n++) {
		mk_query(0, 8, "after.dead.boltnet.", true);
		(void)dp_process_burst(&W, pkts, 1);
		assert_int_equal(pkts[0].verdict, DP_MISS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_zone),
		cmocka_unit_test(test_rate_zone),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_no_edns_and_clear),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
