/*
 * The answer a response policy gives: the message of an RPZ hit (NXDOMAIN,
 * NODATA, local data, a drop or TCP-only marker; for a response-IP or name
 * server hit, built on the resolved answer it matched) with the zone's
 * Extended DNS Error, turned into a cache value. Used by policy.c, which
 * decides when a policy applies. No libuv; single-threaded working memory
 * (the loop thread of boltdns-cp).
 */
#ifndef BOLTDNS_CONTROL_POLICY_ANSWER_H
#define BOLTDNS_CONTROL_POLICY_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "boltdns/cache.h"
#include "pending.h"
#include "rpz.h"

/*
 * The message of hit h for key (with the zone's EDE behind it for
 * NXDOMAIN, NODATA and local data), as a cache value in *out, valid until
 * the next call (it points into this module's buffers). For a response-IP
 * or name server hit, resolved[0..rlen) is the answer it matched (local
 * data keeps its CNAMEs; AA cleared: the answer is the resolver's); else
 * NULL. target (may be NULL) gets the CNAME target when a QNAME rule's
 * local data is a CNAME to follow (else target[0] is 0xff). Returns 0 or a
 * negative code.
 */
int policy_answer_build(const struct rpz_hit *h, const struct pkey *key, uint32_t now,
                        const uint8_t *resolved, size_t rlen, uint8_t *target,
                        struct bolt_cache_out *out);

#endif
