/*
 * DNS Cookies in the dataplane's burst processing (dataplane/process.c; RFC
 * 7873, RFC 9018 server cookies): answered from the cache, rate limiting, a
 * malformed option, secret rollover, switched off, and the control plane's
 * answer to a miss, with the fixture of process_fixture.c.
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

/* Append a COOKIE option (data[0..len)) to the OPT that ends pkts[i]. */
static void add_qcookie(struct fixture *f, unsigned i, const uint8_t *data, uint16_t len)
{
	uint8_t *d = f->pkts[i].dns;
	uint16_t n = f->pkts[i].len;
	uint16_t rdlen = get16(d + n - 2);
	assert_int_equal(rdlen, 0);
	d[n] = 0;
	d[n + 1] = BOLT_OPT_COOKIE;
	d[n + 2] = (uint8_t)(len >> 8);
	d[n + 3] = (uint8_t)len;
	memcpy(d + n + 4, data, len);
	d[n - 2] = (uint8_t)((len + 4) >> 8);
	d[n - 1] = (uint8_t)(len + 4);
	f->pkts[i].len = (uint16_t)(n + 4 + len);
}

/* The COOKIE option that ends response i: its 24 bytes, or NULL. */
static const uint8_t *resp_cookie(struct fixture *f, unsigned i)
{
	const uint8_t *d = f->pkts[i].dns;
	uint16_t n = f->pkts[i].out_len;
	if (f->pkts[i].verdict != DP_TX || n < 28 || get16(d + n - 28) != BOLT_OPT_COOKIE ||
	    get16(d + n - 26) != 24)
		return NULL;
	return d + n - 24;
}

/* DNS Cookies in the dataplane (RFC 7873, RFC 9018 server cookies). */
static void test_cookies(void **state)
{
	struct fixture *f = *state;
	static const uint8_t client[4] = { 198, 18, 44, 5 };
	static const uint8_t cc[8] = { 0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57 };
	uint8_t cur[16], prev[16], full[24];
	struct bolt_config *cfg = calloc(1, sizeof(*cfg));
	static struct dp_policy pol;
	assert_non_null(cfg);
	/* dp_worker_init gave the region its first secret. */
	assert_true(bolt_cookie_secrets(f->r->hdr, cur, prev) != 0);
	put_a(f, "ck.example.", 1, 60, bolt_now(), false);

	/* A client cookie alone: the answer carries it back with a server
	 * cookie of ours, valid for this address, and the OPT grew by it. */
	uint16_t qlen = mk_query(f, 0, 1, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, cc, 8);
	set_client(f, 0, client);
	/* Without EDNS there is no option to answer (and none was sent). */
	mk_query(f, 1, 2, "ck.example.", BOLT_TYPE_A, -1, false);
	set_client(f, 1, client);
	uint64_t sent = f->w->st->cookies_sent;
	assert_int_equal(dp_process_burst(f->w, f->pkts, 2), 2);
	expect_rcode(f, 0, 1, BOLT_RCODE_NOERROR);
	const uint8_t *c = resp_cookie(f, 0);
	assert_non_null(c);
	assert_memory_equal(c, cc, 8);
	assert_int_equal(c[8], 1);
	assert_true(bolt_cookie_valid(cc, c + 8, 16, client, 4, bolt_now(), cur, NULL));
	assert_int_equal(get16(f->pkts[0].dns + f->pkts[0].out_len - 28 - 2), 28);
	assert_true(f->pkts[0].out_len > qlen);
	assert_null(resp_cookie(f, 1));
	assert_int_equal(f->w->st->cookies_sent, sent + 1);
	memcpy(full, c, 24);

	/* Rate 1, no slip: the prefix gets one answer a second, but queries
	 * with the valid server cookie are not counted or limited. An invalid
	 * server cookie is a client cookie alone: answered (no BADCOOKIE), with
	 * a fresh cookie, and limited. */
	bolt_config_defaults(cfg);
	cfg->rl_rate = 1;
	cfg->rl_slip = 0;
	unsigned vouched_ok = 0, plain_ok = 0, bad_ok = 0, bad_cookie = 0;
	for (int attempt = 0; attempt < 5; attempt++) {
		dp_policy_from_config(&pol, cfg);
		assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
		uint32_t t0 = bolt_now();
		uint8_t bad[24];
		memcpy(bad, full, 24);
		bad[23] ^= 0x40;
		for (unsigned i = 0; i < 12; i++) {
			mk_query(f, i, (uint16_t)(100 + i), "ck.example.", BOLT_TYPE_A, 1232, false);
			if (i % 3 == 0)
				add_qcookie(f, i, full, 24);
			else if (i % 3 == 1)
				add_qcookie(f, i, cc, 8);
			else
				add_qcookie(f, i, bad, 24);
			set_client(f, i, client);
		}
		uint64_t valid = f->w->st->cookies_valid;
		dp_process_burst(f->w, f->pkts, 12);
		if (bolt_now() != t0)
			continue;
		vouched_ok = plain_ok = bad_ok = bad_cookie = 0;
		for (unsigned i = 0; i < 12; i++) {
			if (f->pkts[i].verdict != DP_TX)
				continue;
			assert_int_equal(BOLT_RCODE(get16(f->pkts[i].dns + 2)), BOLT_RCODE_NOERROR);
			*(i % 3 == 0 ? &vouched_ok : i % 3 == 1 ? &plain_ok : &bad_ok) += 1;
			c = resp_cookie(f, i);
			assert_non_null(c);
			if (i % 3 == 2 && bolt_cookie_valid(cc, c + 8, 16, client, 4, bolt_now(), cur,
			                                    NULL))
				bad_cookie++;
		}
		assert_int_equal(f->w->st->cookies_valid, valid + 4);
		break;
	}
	assert_int_equal(vouched_ok, 4);
	assert_int_equal(plain_ok + bad_ok, 1);
	assert_int_equal(bad_cookie, bad_ok);
	policy_off(f, 0);

	/* A malformed COOKIE (9 bytes): FORMERR. */
	mk_query(f, 0, 7, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, full, 9);
	set_client(f, 0, client);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	expect_rcode(f, 0, 7, BOLT_RCODE_FORMERR);

	/* After a rollover the cookie made with the old secret is still
	 * accepted (previous secret), after a second one it is not. */
	uint64_t seq = bolt_cookie_seq(f->r->hdr);
	assert_int_equal(bolt_cookie_rotate(f->r->hdr, bolt_now() + BOLT_COOKIE_ROTATE_S,
	                                    BOLT_COOKIE_ROTATE_S), 1);
	assert_true(bolt_cookie_seq(f->r->hdr) != seq);
	uint64_t valid = f->w->st->cookies_valid;
	mk_query(f, 0, 8, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, full, 24);
	set_client(f, 0, client);
	dp_process_burst(f->w, f->pkts, 1);
	assert_int_equal(f->w->st->cookies_valid, valid + 1);
	/* The fresh cookie is made with the new secret. */
	uint8_t ncur[16], nprev[16];
	bolt_cookie_secrets(f->r->hdr, ncur, nprev);
	assert_memory_equal(nprev, cur, 16);
	c = resp_cookie(f, 0);
	assert_non_null(c);
	assert_true(bolt_cookie_valid(cc, c + 8, 16, client, 4, bolt_now(), ncur, NULL));
	assert_int_equal(bolt_cookie_rotate(f->r->hdr, bolt_now() + 2 * BOLT_COOKIE_ROTATE_S,
	                                    BOLT_COOKIE_ROTATE_S), 1);
	mk_query(f, 0, 9, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, full, 24);
	set_client(f, 0, client);
	dp_process_burst(f->w, f->pkts, 1);
	assert_int_equal(f->w->st->cookies_valid, valid + 1);

	/* [dataplane] cookies = no: the option is ignored (no cookie back). */
	bolt_config_defaults(cfg);
	cfg->dp_cookies = false;
	dp_policy_from_config(&pol, cfg);
	assert_int_equal(dp_worker_set_policy(f->w, &pol), 0);
	mk_query(f, 0, 10, "ck.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, cc, 8);
	set_client(f, 0, client);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 1);
	expect_rcode(f, 0, 10, BOLT_RCODE_NOERROR);
	assert_null(resp_cookie(f, 0));
	policy_off(f, 12);
	free(cfg);
}

/* A miss with a client cookie: the control plane's answer leaves with a
 * server cookie for that client (once), other answers as they are. */
static void test_cookie_miss_answer(void **state)
{
	struct fixture *f = *state;
	static const uint8_t client[4] = { 198, 18, 45, 6 };
	static const uint8_t cc[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t cur[16], prev[16], qname[BOLT_NAME_MAX];
	assert_true(bolt_cookie_secrets(f->r->hdr, cur, prev) != 0);
	drain(f);
	mk_query(f, 0, 0x4242, "ckmiss.example.", BOLT_TYPE_A, 1232, false);
	add_qcookie(f, 0, cc, 8);
	set_client(f, 0, client);
	assert_int_equal(dp_process_burst(f->w, f->pkts, 1), 0);
	assert_int_equal(f->pkts[0].verdict, DP_MISS);
	static struct bolt_answer_msg a;
	memset(&a, 0, sizeof(a));
	a.client.family = AF_INET;
	a.client.client_port = htobe16(40001);
	memcpy(a.client.client_addr, client, 4);
	assert_int_equal(dp_miss_push(f->w, 0, &f->pkts[0], &a.client), 0);
	assert_int_equal(drain(f), 1);

	/* The control plane's answer (SERVFAIL with OPT, as it would build it). */
	int ql = bolt_name_from_text("ckmiss.example.", qname);
	int len = bolt_build_error(a.payload, sizeof(a.payload), 0x4242, BOLT_FLAG_RD, NULL, 0,
	                           BOLT_RCODE_SERVFAIL, true);
	assert_true(len > 0 && ql > 0);
	a.len = (uint16_t)len;
	static uint8_t out[BOLT_ANSWER_PAYLOAD_MAX + 64];
	/* Another port, another ID: not that query's answer. */
	a.client.client_port = htobe16(40002);
	assert_int_equal(dp_answer_cookie(f->w, &a, out, sizeof(out)), 0);
	a.client.client_port = htobe16(40001);
	a.payload[1] ^= 1;
	assert_int_equal(dp_answer_cookie(f->w, &a, out, sizeof(out)), 0);
	a.payload[1] ^= 1;
	size_t n = dp_answer_cookie(f->w, &a, out, sizeof(out));
	assert_int_equal(n, (size_t)len + 28);
	assert_memory_equal(out, a.payload, 10);
	assert_int_equal(get16(out + n - 28), BOLT_OPT_COOKIE);
	assert_int_equal(get16(out + n - 26), 24);
	assert_memory_equal(out + n - 24, cc, 8);
	assert_true(bolt_cookie_valid(cc, out + n - 16, 16, client, 4, bolt_now(), cur, NULL));
	/* The OPT's RDATA grew by the option. */
	assert_int_equal(get16(out + len - 2), 28);
	/* Once per miss. */
	assert_int_equal(dp_answer_cookie(f->w, &a, out, sizeof(out)), 0);
	f->pkts[0].client = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_cookie_miss_answer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
