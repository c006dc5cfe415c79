/*
 * The sources a bogus answer's new query blames (control/iter/resretry.c):
 * every server whose answer one attempt used is kept, each with what it
 * sent (the question's records, or a zone's DNSKEY or DS set), so that
 * the servers that sent what failed can be told from the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "iter/res_int.h"

static struct infra_addr addr4(uint8_t last)
{
	struct infra_addr a;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.port = 53;
	a.addr[0] = 192;
	a.addr[1] = 0;
	a.addr[2] = 2;
	a.addr[3] = last;
	return a;
}

#define ROOT (const uint8_t *)""
#define COM (const uint8_t *)"\3com"
#define EX (const uint8_t *)"\7example\3com"
#define B (const uint8_t *)"\1b\7example\3com"
#define C (const uint8_t *)"\1c\7example\3com"

/* www.b.example.com CNAME www.c.example.com, both zones signed below
 * example.com, com and the root, nothing in the key cache, every zone's
 * data and keys from a different one of its servers: the records of both
 * zones, then what the validator fetches (DS sets down the chain, then the
 * DNSKEY sets), in that order. The last ones (b's and c's keys) are as
 * likely to be what failed as any: all must be kept. */
static void test_sources_of_a_deep_chain(void **state)
{
	(void)state;
	struct res *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	struct {
		const uint8_t *zone;   /* the servers' zone */
		uint8_t server;
		const uint8_t *keys;   /* NULL: the question's records */
	} seen[] = {
		{ B, 1, NULL }, { C, 3, NULL },
		{ EX, 5, B }, { COM, 7, EX }, { ROOT, 9, COM },
		{ ROOT, 10, ROOT }, { COM, 8, COM }, { EX, 6, EX }, { B, 2, B },
		{ EX, 5, C }, { C, 4, C },
	};
	unsigned n = sizeof(seen) / sizeof(seen[0]);
	for (unsigned i = 0; i < n; i++) {
		struct infra_addr a = addr4(seen[i].server);
		retry_note_source(r, seen[i].zone, &a, false,
		                  seen[i].keys != NULL ? dsec_zone_key(seen[i].keys) : 0);
	}
	assert_int_equal(r->nsrc, n);
	for (unsigned i = 0; i < n; i++) {
		bool found = false;
		for (unsigned j = 0; j < r->nsrc && !found; j++)
			found = r->src[j].a.addr[3] == seen[i].server &&
			        r->src[j].zone == dsec_zone_key(seen[i].zone) &&
			        r->src[j].keys_of ==
			                (seen[i].keys != NULL ? dsec_zone_key(seen[i].keys) : 0);
		if (!found)
			print_message("source %u (192.0.2.%u) not kept\n", i, seen[i].server);
		assert_true(found);
	}
	/* the same again: nothing new */
	for (unsigned i = 0; i < n; i++) {
		struct infra_addr a = addr4(seen[i].server);
		retry_note_source(r, seen[i].zone, &a, false,
		                  seen[i].keys != NULL ? dsec_zone_key(seen[i].keys) : 0);
	}
	assert_int_equal(r->nsrc, n);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources_of_a_deep_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
