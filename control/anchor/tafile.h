/*
 * Internals of control/anchor shared by tafile.c and state.c: the
 * zone-file record reader. Not part of the API of anchor.h.
 */
#ifndef BOLTDNS_ANCHOR_TAFILE_H
#define BOLTDNS_ANCHOR_TAFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anchor.h"
#include "boltdns/wire.h"

/* One DS or DNSKEY record as read. */
struct zp_rr {
	const uint8_t *owner;     /* wire name, case as written */
	uint8_t owner_len;
	uint32_t ttl;
	uint16_t type;            /* TA_TYPE_DS or TA_TYPE_DNSKEY */
	const uint8_t *rdata;
	uint16_t rdlen;
};

/* A reader run: callbacks and where errors go. */
struct zp {
	const char *name;         /* file name in messages */
	char *err;
	size_t errlen;
	/* Each record, with the comment of its last line ("" when none).
	 * Return 0, or a negative code with *why set (reported at its line). */
	int (*on_rr)(void *arg, const struct zp_rr *rr, const char *comment, const char **why);
	/* A comment on a line of its own (text after ';'); may be NULL.
	 * A negative return is reported at its line. */
	int (*on_comment)(void *arg, const char *comment);
	void *arg;
	/* reader state */
	bool failed;
	uint8_t origin[BOLT_NAME_MAX];
	uint8_t origin_len;
	uint32_t default_ttl;
	uint8_t last_owner[BOLT_NAME_MAX];
	uint8_t last_owner_len;
};

/* Read every record of text[0..len). Returns 0, or BOLT_ECONFIG with
 * "NAME:LINE: what" in z->err, or -ENOMEM. */
int zp_run(struct zp *z, const char *text, size_t len);

/* Standard base64 (blanks not allowed). Returns the length or -1. */
int ta_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap);

/* Read a whole file (regular, at most 1 MiB) into a malloc'ed, NUL-terminated buffer. */
int ta_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen);

/* Add a checked DNSKEY to p (unless present) with its RFC 5011 state.
 * Returns 0, BOLT_ERDATA or BOLT_ESPACE. */
int ta_set_add_key(struct ta_point *p, const uint8_t *rdata, size_t rdlen, enum ta_state state,
                   int64_t added, int64_t changed);

#endif
