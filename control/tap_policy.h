/*
 * dnstap's Policy for RPZ: the policy.c hook that makes the CLIENT_RESPONSE
 * messages of a policy's answers say which rule of which zone applied, what
 * it matched and what it did (type "RPZ", rule, action, match, value).
 * policy.c describes a hit (tap_policy_fill) and sets it on cp while it
 * delivers the answers; tap.c puts it on each CLIENT_RESPONSE logged then.
 *
 * Loop thread only.
 */
#ifndef BOLTDNS_CONTROL_TAP_POLICY_H
#define BOLTDNS_CONTROL_TAP_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "boltdns/wire.h"
#include "cp.h"

struct rpz_hit;

/*
 * An RPZ policy as the dnstap schema's Policy (type "RPZ"): what
 * CLIENT_RESPONSE messages carry while it is set. It holds copies of what
 * it says, so it outlives the zone it came from (a policy CNAME answered
 * once its target resolved). action 0: nothing to say.
 */
struct tap_policy {
	uint8_t action;               /* enum dnstap_policy_action, 0: none */
	uint8_t match;                /* enum dnstap_policy_match */
	uint8_t rule_len;
	uint8_t value_len;
	uint8_t rule[BOLT_NAME_MAX];  /* the rule's owner name in its zone (wire form) */
	uint8_t value[BOLT_NAME_MAX]; /* the name (wire form) or address that matched */
};

/*
 * Describe hit h into *tp: value[0..vlen) is what matched (the question's
 * name, a name server's name, or an answer's or name server's address of 4
 * or 16 bytes). Only when CLIENT_RESPONSE is logged; else tp->action is 0.
 */
void tap_policy_fill(const struct cp *cp, struct tap_policy *tp, const struct rpz_hit *h,
                     const uint8_t *value, size_t vlen);

/* The policy (NULL: none) of the CLIENT_RESPONSE messages logged from now
 * (tap.c reads it): set it around the delivery of a policy's answers, then
 * set NULL. */
static inline void tap_policy_set(struct cp *cp, const struct tap_policy *tp)
{
	cp->tap_policy = tp;
}

#endif
