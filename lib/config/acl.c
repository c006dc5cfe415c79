/*
 * The [acl] decision shared by every listener (see boltdns/acl.h).
 */
#include <string.h>

#include "boltdns/acl.h"

void bolt_acl_init(struct bolt_acl *acl, const struct bolt_config *cfg)
{
	memset(acl, 0, sizeof(*acl));
	if (cfg == NULL) {
		acl->allow_all4 = acl->allow_all6 = true;
		acl->deny = BOLT_ACL_REFUSED;
		return;
	}
	acl->nallow = cfg->nallow < BOLT_CFG_MAX_PREFIXES ? cfg->nallow : BOLT_CFG_MAX_PREFIXES;
	memcpy(acl->allow, cfg->allow, acl->nallow * sizeof(acl->allow[0]));
	for (unsigned i = 0; i < acl->nallow; i++) {
		if (acl->allow[i].len != 0)
			continue;
		if (acl->allow[i].family == AF_INET)
			acl->allow_all4 = true;
		else if (acl->allow[i].family == AF_INET6)
			acl->allow_all6 = true;
	}
	acl->deny = cfg->acl_action == BOLT_ACL_DROP ? BOLT_ACL_DROPPED : BOLT_ACL_REFUSED;
}

enum bolt_acl_verdict bolt_acl_match(const struct bolt_acl *acl, uint8_t family,
                                     const uint8_t *addr)
{
	if (addr != NULL && (family == AF_INET || family == AF_INET6)) {
		for (unsigned i = 0; i < acl->nallow; i++)
			if (bolt_prefix_match(&acl->allow[i], family, addr))
				return BOLT_ACL_ALLOWED;
	}
	return (enum bolt_acl_verdict)acl->deny;
}
