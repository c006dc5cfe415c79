/*
 * Helpers shared by the files of lib/wire (not part of the public API).
 */
#ifndef BOLTDNS_WIRE_INTERNAL_H
#define BOLTDNS_WIRE_INTERNAL_H

#include "boltdns/wire.h"
#include "boltdns/wire_ctx.h"

/* Minimum size of an RR on the wire: root owner (1), type, class, TTL,
 * RDLENGTH (10). Used to reject impossible counts before looping. */
#define WIRE_RR_MIN 11

/* Size of the OPT RR we write: root owner, type, class, TTL, RDLENGTH 0. */
#define WIRE_OPT_LEN 11

/* ASCII lower-case without a branch: A-Z is the only range that moves. */
static inline uint8_t wire_lower(uint8_t c)
{
	return (uint8_t)(c | ((uint8_t)(c - 'A') < 26u) << 5);
}

/* Wire label of a name at byte p: length byte in 0..63 (validated names). */
static inline bool wire_label_eq(const uint8_t *a, const uint8_t *b)
{
	if (a[0] != b[0])
		return false;
	for (unsigned i = 1; i <= a[0]; i++) {
		if (wire_lower(a[i]) != wire_lower(b[i]))
			return false;
	}
	return true;
}

/* EDNS options must exactly fill the OPT RDATA (query and message parsers). */
static inline bool wire_opt_options_ok(const uint8_t *rd, size_t rdlen)
{
	size_t p = 0;
	while (p < rdlen) {
		if (rdlen - p < 4)
			return false;
		size_t olen = bolt_wire_get_u16(rd + p + 2);
		if (olen > rdlen - p - 4)
			return false;
		p += 4 + olen;
	}
	return true;
}

#endif
