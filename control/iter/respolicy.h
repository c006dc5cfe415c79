/*
 * Response policy on the delegations a resolution uses: the RPZ triggers on
 * name servers (draft-vixie-dnsop-dns-rpz: `rpz-nsdname`, the name of a
 * server of the zone cut, exact or `*.` wildcard; `rpz-nsip`, an address of
 * one, glue or looked up). When a client's question is about to be asked of
 * a cut whose servers match, the resolution stops and the policy answers the
 * question (policy.c builds, caches and sends that answer), as Unbound's
 * iterator and BIND do.
 *
 * Which policy wins (the draft's precedence, as Unbound applies it): zones
 * in configured order, the first with a match; within a zone NSDNAME before
 * NSIP. A QNAME trigger of any zone on the question decides alone (its
 * answer was given before resolving, or it is PASSTHRU): no NS trigger is
 * looked at then. A response-IP trigger needs the answer that a stopped
 * resolution never gets; where the resolution goes on (TCP-only, PASSTHRU)
 * policy.c lets the response-IP rules of the same and earlier zones win.
 *
 * Cost: nothing but one test when no zone has NS triggers; else, per
 * resolution, one QNAME look-up; per cut, one look-up per NS name and zone;
 * the addresses are looked up again only when the cut has new ones.
 * Forward and stub zones (the operator's own servers) and sub-resolutions
 * (NS addresses, validator look-ups) are not checked.
 *
 * Loop thread only.
 */
#ifndef BOLTDNS_CONTROL_ITER_RESPOLICY_H
#define BOLTDNS_CONTROL_ITER_RESPOLICY_H

#include <stdbool.h>

#include "boltdns/wire.h"
#include "rpz.h"

struct res;

/*
 * The policy zones, in configured order (n 0: none); the pointers stay in
 * use until the next call, which the owner makes before freeing any of
 * them. Hits of resolutions that began before are dropped
 * (res_policy_hit returns NULL for them).
 */
void respol_configure(const struct rpz_zone *const *zones, unsigned n);

/* A name server's policy that matched, and what it matched. */
struct res_pol {
	struct rpz_hit hit;
	uint8_t value[BOLT_NAME_MAX]; /* the server's name (wire form) or address */
	uint8_t vlen;                 /* its length (4 or 16 for an address) */
};

/*
 * The NS-trigger policy that applies to the finished resolution r (valid
 * inside its done callback), or NULL. Its action: NXDOMAIN, NODATA, DROP or
 * LOCAL stopped the resolution (r is a SERVFAIL, keeping the CNAMEs
 * followed so far, that the policy's answer replaces); TCP-only and
 * PASSTHRU let it finish as usual.
 */
const struct res_pol *res_policy_hit(const struct res *r);

#endif
