/*
 * A policy zone transferred from its primary (AXFR over TCP, RFC 5936),
 * signed with TSIG when a key is given. Blocking, with timeouts: the
 * control plane runs it on a thread of its own (control/policy_xfr.c),
 * never on the loop.
 */
#ifndef BOLTDNS_CONTROL_RPZ_XFR_H
#define BOLTDNS_CONTROL_RPZ_XFR_H

#include <stddef.h>
#include <stdint.h>

#include "boltdns/config.h"
#include "rpz.h"
#include "tsig.h"

/*
 * Transfer the zone whose apex is z's origin from primary (port 53 unless
 * set) into z, with key (NULL: unsigned). Every message must verify (TSIG)
 * and the stream must start and end with the zone's SOA. Records the store
 * refuses are skipped and reported through log (may be NULL). Returns 0, or
 * a negative code with err set (z then holds a part: discard it).
 */
int rpz_xfr_axfr(struct rpz_zone *z, const struct bolt_sockaddr *primary,
                 const struct rpz_tsig_key *key, rpz_log_fn log, void *arg, char *err,
                 size_t errlen);

#endif
