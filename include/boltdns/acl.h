/*
 * Who may query: the [acl] decision, one code path for every client-facing
 * listener (the dataplane's UDP fast path, the control plane's TCP/53).
 *
 * The configuration is compiled once into a struct bolt_acl; the check is an
 * inline fast path for "everyone allowed" (an allow prefix of length 0 for
 * the family) and a loop over the prefixes otherwise, so the dataplane pays
 * no call for the common open configuration.
 *
 * Implementation: lib/config/acl.c.
 */
#ifndef BOLTDNS_ACL_H
#define BOLTDNS_ACL_H

#include <sys/socket.h>

#include "boltdns/common.h"
#include "boltdns/config.h"

/* What to do with a client (bolt_acl_check). */
enum bolt_acl_verdict {
	BOLT_ACL_ALLOWED = 0,  /* serve it */
	BOLT_ACL_REFUSED = 1,  /* answer REFUSED, EDE 18 Prohibited when it sent EDNS */
	BOLT_ACL_DROPPED = 2,  /* nothing: UDP dropped, TCP closed at accept */
};

/* [acl] compiled: read-only after bolt_acl_init, shareable by threads. */
struct bolt_acl {
	struct bolt_prefix allow[BOLT_CFG_MAX_PREFIXES];
	unsigned nallow;
	bool allow_all4;       /* an IPv4 prefix of length 0: no check needed */
	bool allow_all6;       /* an IPv6 prefix of length 0 (covers v4-mapped too) */
	uint8_t deny;          /* verdict for a client no prefix allows */
};

/*
 * Compile cfg's [acl] (allow, action) into acl. cfg NULL: everyone allowed.
 * Any thread; acl is owned by the caller.
 */
BOLT_API void bolt_acl_init(struct bolt_acl *acl, const struct bolt_config *cfg);

/* The prefix loop of bolt_acl_check; call bolt_acl_check instead. */
BOLT_API enum bolt_acl_verdict bolt_acl_match(const struct bolt_acl *acl, uint8_t family,
                                              const uint8_t *addr);

/*
 * The verdict for a client at addr (network order, 4 bytes for AF_INET, 16
 * for AF_INET6; a v4-mapped IPv6 address is matched by the IPv4 prefixes as
 * well). An unknown family or a NULL address is denied. Any thread.
 */
static inline enum bolt_acl_verdict bolt_acl_check(const struct bolt_acl *acl, uint8_t family,
                                                   const uint8_t *addr)
{
	if ((family == AF_INET && acl->allow_all4) || (family == AF_INET6 && acl->allow_all6))
		return BOLT_ACL_ALLOWED;
	return bolt_acl_match(acl, family, addr);
}

#endif
