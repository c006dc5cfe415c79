/*
 * One error space for all of boltdns.
 *
 * 0 is success; negative -errno values pass straight through; boltdns's own
 * codes start below -1000. Every code has a one-line string (bolt_strerror).
 */
#ifndef BOLTDNS_ERRCODE_H
#define BOLTDNS_ERRCODE_H

#include "boltdns/common.h"

enum bolt_error {
	BOLT_EOK = 0,
	BOLT_ERROR_BASE = -1000,
	BOLT_EMALF = -1001,      /* malformed message */
	BOLT_ESPACE = -1002,     /* not enough space in the buffer */
	BOLT_ETRUNC = -1003,     /* message ends early */
	BOLT_ELABEL = -1004,     /* label longer than 63 bytes */
	BOLT_ENAME = -1005,      /* name longer than 255 bytes */
	BOLT_ECOMPR = -1006,     /* compression where it is not allowed */
	BOLT_EPTR = -1007,       /* compression pointer bad (forward, loop, chain) */
	BOLT_EQDCOUNT = -1008,   /* QDCOUNT is not 1 */
	BOLT_EQR = -1009,        /* QR set in a query */
	BOLT_EOPT = -1010,       /* bad OPT record */
	BOLT_ETRAIL = -1011,     /* trailing bytes after the last record */
	BOLT_ENOTIMP = -1012,    /* opcode not implemented */
	BOLT_EBADVERS = -1013,   /* EDNS version not supported */
	BOLT_ERDATA = -1014,     /* RDATA malformed for its type */
	BOLT_ECOUNT = -1015,     /* record count impossible for the message size */
	BOLT_ESYNTAX = -1016,    /* text syntax error */
	BOLT_ETYPE = -1017,      /* unknown or unsupported type */
	BOLT_ENOENT = -1018,     /* not found */
	BOLT_EEXPIRED = -1019,   /* found, but expired */
	BOLT_EMAGIC = -1020,     /* region has a wrong magic */
	BOLT_EVERSION = -1021,   /* region layout version mismatch */
	BOLT_EGEOMETRY = -1022,  /* region geometry is inconsistent or corrupted */
	BOLT_ETOOBIG = -1023,    /* value larger than the cache can store */
	BOLT_EAGAIN = -1024,     /* concurrent change, try again */
	BOLT_ECONFIG = -1025,    /* configuration error */
	BOLT_ERING = -1026,      /* ring full */
	BOLT_ELIMIT = -1027,     /* work limit reached */
	BOLT_ETIMEOUT = -1028,   /* upstream timeout */
	BOLT_ESERVFAIL = -1029,  /* resolution failed */
	BOLT_EDROP = -1030,      /* a policy says: send no answer */
	BOLT_ERROR_LAST = -1031,
};

/*
 * Human-readable one-line description of an error code.
 * err: 0, a negative errno, or a BOLT_E* code. Returns a static string; any thread.
 */
BOLT_API const char *bolt_strerror(int err);

#endif
