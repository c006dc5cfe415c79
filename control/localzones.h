/*
 * Locally served zones: names no resolver should ask the internet about,
 * answered by boltdns itself as Unbound's default local zones do.
 *
 * - RFC 6303 reverse zones of private and special addresses:
 *   10, 16..31.172, 168.192, 0, 127, 254.169, 2.0.192, 100.51.198,
 *   113.0.203 and 255.255.255.255 .in-addr.arpa; the ip6.arpa zones of ::,
 *   ::1, fd00::/8, fe80::/10 (8, 9, a, b.e.f) and 2001:db8::/32;
 * - localhost. (RFC 6761 6.3): A 127.0.0.1 and AAAA ::1 at the apex and
 *   every name below it;
 * - invalid. (RFC 6761 6.4) and onion. (RFC 7686).
 * Each zone has an SOA (localhost. nobody.invalid. 1 3600 1200 604800
 * 10800) and an NS (localhost.) at its apex; every other name is NXDOMAIN
 * with the SOA, other types NODATA with the SOA, all authoritative with a
 * TTL of 10800 s. test. is not among them: it is resolved as usual.
 *
 * The operator's local data ([local], boltctl local_data) is consulted
 * first and wins; [resolver] local-zones = none turns these zones off; a
 * forward or stub zone ([zone], iter/zones.h) at or below one of these
 * names takes the names under it over (a private reverse zone served
 * inside the network: 10.in-addr.arpa forwarded to the ISP's own servers).
 * Answers go into the cache, so the dataplane answers them next time.
 */
#ifndef BOLTDNS_CONTROL_LOCALZONES_H
#define BOLTDNS_CONTROL_LOCALZONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/wire.h"
#include "cp.h"
#include "pending.h"

/* Lifetime (s) of every answer from a local zone (Unbound's). */
#define LOCALZONES_TTL 10800

/*
 * Build the answer to (qname, qtype, class IN) from the local zones into
 * buf[0..cap) through b (its TTL offsets locate the TTLs); *kind: enum
 * bolt_cache_kind. qname: lower-case wire form of qname_len bytes.
 * Returns the length, 0 when qname is in no local zone, or a negative
 * code. Pure; any thread.
 */
int localzones_build(const uint8_t *qname, size_t qname_len, uint16_t qtype, uint8_t *buf,
                     size_t cap, struct bolt_build *b, uint8_t *kind);

/*
 * Answer w (NULL: a refresh, nobody waiting) for key from the local zones
 * and insert the answer into the cache, unless [resolver] local-zones =
 * none. Returns false when key is not in a local zone. Loop thread.
 */
bool localzones_answer(struct cp *cp, const struct pkey *key, const struct waiter *w);

/* The apex of local zone i (lower-case wire form), NULL past the last one
 * (for negpub.c: no published NSEC range may deny their names). Any
 * thread once the first call returned. */
const uint8_t *localzones_name(unsigned i);

#endif
