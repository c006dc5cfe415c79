/*
 * The fixture of the dataplane burst processing tests (test_process.c,
 * test_process_limits.c, test_process_cookie.c, test_dnssec.c;
 * process_fixture.c): a region and cache in /dev/shm, a worker on lcore 3,
 * DP_BURST_MAX packet slots.
 */
#ifndef BOLTDNS_TEST_PROCESS_FIXTURE_H
#define BOLTDNS_TEST_PROCESS_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "boltdns/answer.h"
#include "boltdns/config.h"
#include "boltdns/cookie.h"
#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "process.h"

#define BUF 4096       /* bytes of a packet slot */
#define RING_SLOTS 16  /* slots of each ring of the region */

struct fixture {
	char path[128];
	struct bolt_region *r;
	struct dp_worker *w;
	uint8_t bufs[DP_BURST_MAX][BUF];
	struct dp_pkt pkts[DP_BURST_MAX];
	/* room to parse a response */
	struct bolt_msg m;
	struct bolt_rr rrs[16];
	uint8_t scratch[2 * BUF];
};

/* The big-endian 16-bit value at p. */
uint16_t get16(const uint8_t *p);

/* cmocka group fixtures: the region and the worker (lcore 3, EDNS 1232),
 * shared by every test of the group; *state is the struct fixture. */
int setup(void **state);
int teardown(void **state);

/* Insert NAME A with n addresses 198.18.1.i, ttl, inserted at `when`. */
void put_a(struct fixture *f, const char *name, unsigned n, uint32_t ttl, uint32_t when,
           bool do_bit);
/* A query into pkts[i]; edns < 0: none. Returns its length. */
uint16_t mk_query(struct fixture *f, unsigned i, uint16_t id, const char *name,
                  uint16_t qtype, int edns, bool do_bit);
/* These bytes as the packet in pkts[i]. */
void raw(struct fixture *f, unsigned i, const uint8_t *bytes, size_t len);
/* pkts[i] is a response to id with this rcode, to be sent. */
void expect_rcode(struct fixture *f, unsigned i, uint16_t id, unsigned rcode);
/* pkts[i] comes from the IPv4 address a4 (kept by pointer). */
void set_client(struct fixture *f, unsigned i, const uint8_t *a4);
/* Back to no policy (dp_worker_fini frees the worker's share of one, and
 * it is taken away); pkts[0..n) without a client address. */
void policy_off(struct fixture *f, unsigned n);
/* Drain the miss ring of worker 3; returns the number of messages taken. */
unsigned drain(struct fixture *f);

#endif
