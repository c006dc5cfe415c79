/*
 * Root hints: the standard named.root / root.hints zone-file subset
 * ("NAME [TTL] [IN] TYPE RDATA", ';' comments, $-directives ignored).
 * Only NS records of the root and A/AAAA records of those NS names are used.
 */
#ifndef BOLTDNS_CONTROL_HINTS_H
#define BOLTDNS_CONTROL_HINTS_H

#include <stddef.h>

#include "infra.h"

#define HINTS_MAX 32

struct hint_server {
	uint8_t name[BOLT_NAME_MAX];  /* lower-case wire form */
	uint8_t name_len;
	unsigned naddr;
	struct infra_addr addr[INFRA_ADDR_MAX];
};

struct root_hints {
	unsigned n;
	struct hint_server s[HINTS_MAX];
};

/*
 * Parse hints text (NUL-terminated). port: the port stored with every
 * address (53 normally). name: used in error messages. On error writes
 * "NAME:LINE: message" into err and returns BOLT_ESYNTAX; a file without
 * any root NS that has an address is BOLT_ENOENT.
 */
int hints_parse(const char *text, const char *name, uint16_t port, struct root_hints *h,
                char *err, size_t errlen);

/* Read and parse a hints file. Returns as hints_parse, or -errno. */
int hints_load(const char *path, uint16_t port, struct root_hints *h, char *err, size_t errlen);

#endif
