/*
 * Unit tests of DNS Cookies (lib/cookie/cookie.c): SipHash-2-4 against the
 * reference vectors, RFC 9018 server cookies against its Appendix A, and the
 * validity rules (lifetime, previous secret, another address).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "boltdns/cookie.h"
#include "boltdns/region.h"

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	for (; s[0] && s[1]; s += 2) {
		unsigned v;
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void test_siphash_reference(void **state)
{
	(void)state;
	uint8_t key[16], msg[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* The paper's example (15 bytes) and the first vectors of the
	 * reference implementation's table. */
	assert_true(bolt_siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
	assert_true(bolt_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(bolt_siphash24(key, msg, 1) == 0x74f839c593dc67fdull);
	assert_true(bolt_siphash24(key, msg, 8) == 0x93f5f5799a932462ull);
}

struct vec {
	const char *secret, *client, *ip;
	uint32_t now;
	const char *server;
};

/* RFC 9018 Appendix A: the server cookies of A.1 to A.4. */
static const struct vec vecs[] = {
	{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100", 1559731985,
	  "010000005cf79f111f8130c3eee29480" },
	{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100", 1559734385,
	  "010000005cf7a871d4a564a1442aca77" },
	{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "fc93fc62807ddb86", "203.0.113.203", 1559734700,
	  "010000005cf7a9acf73a7810aca2381e" },
	{ "445536bcd2513298075a5d379663c962", "22681ab97d52c298",
	  "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961, "010000005cf7c609a6bb79d16625507a" },
};

static size_t addr_of(const char *ip, uint8_t *a)
{
	if (strchr(ip, ':')) {
		assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
		return 16;
	}
	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	return 4;
}

static void test_rfc9018_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t secret[16], cc[8], want[16], got[16], addr[16];
		unhex(vecs[i].secret, secret);
		unhex(vecs[i].client, cc);
		unhex(vecs[i].server, want);
		size_t alen = addr_of(vecs[i].ip, addr);
		bolt_cookie_make(got, cc, addr, alen, vecs[i].now, secret);
		assert_memory_equal(got, want, 16);
		/* What we issue is valid right away. */
		assert_true(bolt_cookie_valid(cc, got, 16, addr, alen, vecs[i].now, secret, NULL));
	}
}

/* The cookies of Appendix A as the clients return them. */
static void test_rfc9018_verify(void **state)
{
	(void)state;
	uint8_t s1[16], s_old[16], s_new[16], c[40], addr[16];
	unhex("e5e973e5a6b2a43f48e7dc849e37bfcf", s1);
	unhex("dd3bdf9344b678b185a6f5cb60fca715", s_old);
	unhex("445536bcd2513298075a5d379663c962", s_new);

	/* A.2: the cookie of A.1, 40 minutes later. */
	assert_int_equal(unhex("2464c4abcf10c957010000005cf79f111f8130c3eee29480", c), 24);
	size_t alen = addr_of("198.51.100.100", addr);
	assert_true(bolt_cookie_valid(c, c + 8, 16, addr, alen, 1559734385, s1, NULL));
	/* ...not from another address, not after an hour, not a bit changed. */
	uint8_t other[4] = { 198, 51, 100, 101 };
	assert_false(bolt_cookie_valid(c, c + 8, 16, other, 4, 1559734385, s1, NULL));
	assert_false(bolt_cookie_valid(c, c + 8, 16, addr, alen, 1559731985 + 3601, s1, NULL));
	assert_true(bolt_cookie_valid(c, c + 8, 16, addr, alen, 1559731985 + 3600, s1, NULL));
	assert_false(bolt_cookie_valid(c, c + 8, 16, addr, alen, 1559731985 - 301, s1, NULL));
	assert_true(bolt_cookie_valid(c, c + 8, 16, addr, alen, 1559731985 - 300, s1, NULL));
	c[23] ^= 1;
	assert_false(bolt_cookie_valid(c, c + 8, 16, addr, alen, 1559734385, s1, NULL));
	/* Lengths other than ours are never ours. */
	c[23] ^= 1;
	assert_false(bolt_cookie_valid(c, c + 8, 8, addr, alen, 1559734385, s1, NULL));

	/* A.3: Reserved octets the client set are hashed as received. */
	assert_int_equal(unhex("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", c), 24);
	alen = addr_of("203.0.113.203", addr);
	assert_true(bolt_cookie_valid(c, c + 8, 16, addr, alen, 0x5cf78f71 + 100, s1, NULL));
	/* (A.3 itself comes 1 h 52 min after it was issued: too old for us.) */
	assert_false(bolt_cookie_valid(c, c + 8, 16, addr, alen, 1559734700, s1, NULL));

	/* A.4: made with the old secret; valid while it is the previous one. */
	assert_int_equal(unhex("22681ab97d52c298010000005cf7c57926556bd0934c72f8", c), 24);
	alen = addr_of("2001:db8:220:1:59de:d0f4:8769:82b8", addr);
	uint32_t t = 0x5cf7c579 + 60;
	assert_false(bolt_cookie_valid(c, c + 8, 16, addr, alen, t, s_new, NULL));
	assert_true(bolt_cookie_valid(c, c + 8, 16, addr, alen, t, s_new, s_old));
	assert_true(bolt_cookie_valid(c, c + 8, 16, addr, alen, t, s_old, NULL));
}

/* The timestamp wraps in 2106: an hour-old cookie across it is still valid. */
static void test_wrap(void **state)
{
	(void)state;
	uint8_t secret[16] = { 1, 2, 3 }, cc[8] = { 9 }, sc[16], addr[4] = { 192, 0, 2, 1 };
	bolt_cookie_make(sc, cc, addr, 4, 4294964696u, secret);
	assert_true(bolt_cookie_valid(cc, sc, 16, addr, 4, 1000, secret, NULL));
	assert_false(bolt_cookie_valid(cc, sc, 16, addr, 4, 1001, secret, NULL));
}

/* The secrets in a region header: first set, rollover keeps the previous
 * one, not before it is due, and a writer killed inside the seqlock is taken
 * over a minute after the next rollover was due. */
static void test_rotate(void **state)
{
	(void)state;
	static struct bolt_region_hdr h;
	uint8_t cur[16], prev[16], cur2[16], prev2[16];
	memset(&h, 0, sizeof(h));
	assert_true(bolt_cookie_secrets(&h, cur, prev) == 0);
	assert_int_equal(bolt_cookie_rotate(&h, 1000, 3600), 1);
	uint64_t seq = bolt_cookie_secrets(&h, cur, prev);
	assert_true(seq != 0 && seq % 2 == 0);
	assert_memory_equal(cur, prev, 16);
	assert_int_equal(bolt_cookie_rotate(&h, 4599, 3600), 0);
	assert_true(bolt_cookie_seq(&h) == seq);
	assert_int_equal(bolt_cookie_rotate(&h, 4600, 3600), 1);
	assert_true(bolt_cookie_secrets(&h, cur2, prev2) > seq);
	assert_memory_equal(prev2, cur, 16);
	assert_memory_not_equal(cur2, cur, 16);

	/* A writer died inside: readers give up (no cookies) instead of
	 * spinning forever, the next rollover waits a minute past due. */
	atomic_fetch_add(&h.cookie_seq, 1);
	assert_true(bolt_cookie_secrets(&h, cur, prev) == 0);
	assert_int_equal(bolt_cookie_rotate(&h, 4600 + 3600 + 59, 3600), 0);
	assert_int_equal(bolt_cookie_rotate(&h, 4600 + 3600 + 60, 3600), 1);
	seq = bolt_cookie_secrets(&h, cur, prev);
	assert_true(seq != 0 && seq % 2 == 0);
	assert_memory_equal(prev, cur2, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_reference),
		cmocka_unit_test(test_rfc9018_vectors),
		cmocka_unit_test(test_rfc9018_verify),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_rotate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
