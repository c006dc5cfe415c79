/*
 * A policy zone transferred from its primary (AXFR over TCP, RFC 5936, or
 * IXFR, RFC 1995), signed with TSIG when a key is given. Blocking, with timeouts: the
 * control plane runs it on a thread of its own (control/policy_xfr.c),
 * never on the loop.
 */
#ifndef BOLTDNS_CONTROL_RPZ_XFR_H
#define BOLTDNS_CONTROL_RPZ_XFR_H

#include <stddef.h>
#include <stdint.h>

#include "boltdns/config.h"
#include "ixfr.h"
#include "rpz.h"
#include "tsig.h"

/*
 * Ask primary (port 53 unless set) for the zone whose apex is zone (wire
 * form) and read the answer into x, set up by the caller with rpz_ixfr_init:
 * AXFR when x->axfr, else IXFR from the SOA soa[0..soa_len) (its serial is
 * x->from; the SOA goes in the question's authority section). With key,
 * the question is signed and every message must verify (TSIG). Over TCP;
 * timeouts of XFR_TIMEOUT_S seconds. Returns 0 with x complete (x->kind),
 * BOLT_ENOTIMP when the primary refused the question (REFUSED, NOTIMP or
 * FORMERR: the caller may ask AXFR instead), or another negative code with
 * err set (x then holds a part: discard it).
 */
int rpz_xfr_transfer(const uint8_t *zone, const struct bolt_sockaddr *primary,
                     const struct rpz_tsig_key *key, const uint8_t *soa, uint16_t soa_len,
                     struct rpz_ixfr *x, char *err, size_t errlen);

#endif
