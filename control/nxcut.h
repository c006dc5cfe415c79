/*
 * NXDOMAIN cut (RFC 8020): an authoritative NXDOMAIN for a name says that
 * nothing exists at or below it, so every question for the name or a name
 * below it is answered NXDOMAIN from this knowledge, without asking
 * upstream, until the negative answer's TTL runs out. A random-subdomain
 * flood of a name that does not exist (<random>.gone.example.) then costs
 * one upstream query.
 *
 * The table is bounded (NXCUT_SLOTS entries, direct-mapped by name: a
 * newer NXDOMAIN replaces an older one of the same slot). Only NXDOMAINs
 * that carry the zone's SOA in their authority section and no answer
 * records (so the name denied is the question itself, not the end of a
 * CNAME chain) are kept, with that SOA.
 *
 * Loop thread only (one process-wide table, nothing locked).
 */
#ifndef BOLTDNS_CONTROL_NXCUT_H
#define BOLTDNS_CONTROL_NXCUT_H

#include <stddef.h>
#include <stdint.h>

#include "boltdns/wire.h"

#define NXCUT_SLOTS 4096

/*
 * Remember the NXDOMAIN response msg[0..len) (as res_build_response makes
 * it: question, no answer, the SOA in the authority section), valid for
 * ttl seconds from now (bolt_now()). Anything else (another rcode, answer
 * records, no SOA, ttl 0) is ignored. Returns true when it was kept.
 */
bool nxcut_note(const uint8_t *msg, size_t len, uint32_t ttl, uint32_t now);

/*
 * When qname (wire, lower-case) or one of its ancestors is a remembered
 * NXDOMAIN, build the response to (qname, qtype, IN) into buf[0..cap)
 * through b: NXDOMAIN, RA, the question, the SOA in the authority section
 * with the remaining lifetime as TTL (*ttl). Returns the length, 0 when no
 * NXDOMAIN covers qname, or a negative code.
 */
int nxcut_answer(const uint8_t *qname, uint16_t qtype, uint32_t now, uint8_t *buf, size_t cap,
                 struct bolt_build *b, uint32_t *ttl);

/* Forget everything (tests, flushes). */
void nxcut_clear(void);

/* Entries alive now (tests). */
unsigned nxcut_count(uint32_t now);

#endif
