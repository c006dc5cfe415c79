/*
 * DNS names and messages built from text for the unit tests (ut_build.c,
 * linked in through unit_common_dep). Every function fails the running
 * cmocka test on bad input instead of returning an error.
 */
#ifndef BOLTDNS_TEST_UT_BUILD_H
#define BOLTDNS_TEST_UT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/wire.h"

/* A message under construction (buf, b, len once finished) and room for
 * its parsed form (m, rrs, scratch) and a per-record verdict (keep). */
struct ut_pkt {
	uint8_t buf[4096];
	int len;
	struct bolt_build b;
	struct bolt_msg m;
	struct bolt_rr rrs[64];
	uint8_t scratch[16384];
	bool keep[64];
};

/* The wire form of the name text into out (BOLT_NAME_MAX bytes); returns
 * its length (> 0). */
int ut_name(const char *text, uint8_t *out);

/* Start a response in p (ID 1, QR and flags) with the question
 * qname/qtype/IN. */
void ut_pkt_start(struct ut_pkt *p, const char *qname, uint16_t qtype, uint16_t flags);

/* Add owner/type/IN/ttl with RDATA from text (a DNAME's target as a name)
 * to section sec. */
void ut_pkt_add(struct ut_pkt *p, uint8_t sec, const char *owner, uint16_t type, uint32_t ttl,
                const char *rdata);

/* Finish the message: p->len is its length (> 0). */
void ut_pkt_finish(struct ut_pkt *p);

#endif
