/*
 * NOTIFY (RFC 1996) for policy zones: reading a primary's NOTIFY and
 * building the answer. Pure functions (the caller decides whether the
 * sender may notify, and checks its TSIG with rpz_tsig_verify_request).
 * Any thread.
 */
#ifndef BOLTDNS_CONTROL_RPZ_NOTIFY_H
#define BOLTDNS_CONTROL_RPZ_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/wire.h"
#include "tsig.h"

#define RPZ_OPCODE_NOTIFY 4
/* A NOTIFY longer than this is refused as malformed (real ones are a few
 * hundred bytes: a question, a SOA, a TSIG). */
#define RPZ_NOTIFY_MAX 4096

struct rpz_notify {
	uint16_t id;
	uint16_t flags;                 /* the request's header flags */
	uint8_t zone[BOLT_NAME_MAX];    /* the question's name, lower case */
	uint8_t zone_len;               /* 0: the question could not be read */
	bool has_serial;                /* the answer section held the zone's SOA */
	uint32_t serial;
	bool is_signed;                 /* the last record is a TSIG */
};

/* True when msg[0..len) has the header of a NOTIFY request (opcode 4, QR 0). */
bool rpz_notify_is(const uint8_t *msg, size_t len);

/*
 * Read the NOTIFY msg[0..len) into n: one question of type SOA, class IN;
 * the zone's SOA in the answer section gives the serial (optional, RFC 1996
 * 3.7). Returns 0, BOLT_ENOTIMP (not a NOTIFY request) or a negative code
 * (malformed: answer FORMERR; n->id and n->flags are set when the header
 * was readable, n->zone_len is 0 when the question was not).
 */
int rpz_notify_parse(const uint8_t *msg, size_t len, struct rpz_notify *n);

/*
 * The answer to n in out[0..cap): QR, AA, opcode NOTIFY, rcode, the
 * question echoed (when it was read). With key, signed as the response to a
 * request whose MAC was req_mac. Returns the length or a negative code.
 */
int rpz_notify_answer(const struct rpz_notify *n, uint16_t rcode, const struct rpz_tsig_key *key,
                      const uint8_t *req_mac, uint8_t *out, size_t cap);

#endif
