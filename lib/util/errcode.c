#include <string.h>

#include "boltdns/errcode.h"

static const char *const messages[] = {
	[-(BOLT_EMALF - BOLT_ERROR_BASE)] = "malformed message",
	[-(BOLT_ESPACE - BOLT_ERROR_BASE)] = "not enough space",
	[-(BOLT_ETRUNC - BOLT_ERROR_BASE)] = "message truncated",
	[-(BOLT_ELABEL - BOLT_ERROR_BASE)] = "label longer than 63 bytes",
	[-(BOLT_ENAME - BOLT_ERROR_BASE)] = "name longer than 255 bytes",
	[-(BOLT_ECOMPR - BOLT_ERROR_BASE)] = "name compression not allowed here",
	[-(BOLT_EPTR - BOLT_ERROR_BASE)] = "bad compression pointer",
	[-(BOLT_EQDCOUNT - BOLT_ERROR_BASE)] = "QDCOUNT is not 1",
	[-(BOLT_EQR - BOLT_ERROR_BASE)] = "QR bit set in a query",
	[-(BOLT_EOPT - BOLT_ERROR_BASE)] = "bad OPT record",
	[-(BOLT_ETRAIL - BOLT_ERROR_BASE)] = "trailing bytes after the message",
	[-(BOLT_ENOTIMP - BOLT_ERROR_BASE)] = "opcode not implemented",
	[-(BOLT_EBADVERS - BOLT_ERROR_BASE)] = "unsupported EDNS version",
	[-(BOLT_ERDATA - BOLT_ERROR_BASE)] = "malformed RDATA",
	[-(BOLT_ECOUNT - BOLT_ERROR_BASE)] = "record count exceeds message size",
	[-(BOLT_ESYNTAX - BOLT_ERROR_BASE)] = "syntax error",
	[-(BOLT_ETYPE - BOLT_ERROR_BASE)] = "unknown or unsupported type",
	[-(BOLT_ENOENT - BOLT_ERROR_BASE)] = "not found",
	[-(BOLT_EEXPIRED - BOLT_ERROR_BASE)] = "expired",
	[-(BOLT_EMAGIC - BOLT_ERROR_BASE)] = "not a boltdns region (bad magic)",
	[-(BOLT_EVERSION - BOLT_ERROR_BASE)] = "region layout version mismatch",
	[-(BOLT_EGEOMETRY - BOLT_ERROR_BASE)] = "region geometry inconsistent",
	[-(BOLT_ETOOBIG - BOLT_ERROR_BASE)] = "value too large for the cache",
	[-(BOLT_EAGAIN - BOLT_ERROR_BASE)] = "concurrent change, try again",
	[-(BOLT_ECONFIG - BOLT_ERROR_BASE)] = "configuration error",
	[-(BOLT_ERING - BOLT_ERROR_BASE)] = "ring full",
	[-(BOLT_ELIMIT - BOLT_ERROR_BASE)] = "work limit reached",
	[-(BOLT_ETIMEOUT - BOLT_ERROR_BASE)] = "timed out",
	[-(BOLT_ESERVFAIL - BOLT_ERROR_BASE)] = "resolution failed",
	[-(BOLT_EDROP - BOLT_ERROR_BASE)] = "dropped by policy",
};

const char *bolt_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err > BOLT_ERROR_BASE && err < 0)
		return strerror(-err);
	if (err < BOLT_ERROR_BASE && err > BOLT_ERROR_LAST) {
		const char *m = messages[-(err - BOLT_ERROR_BASE)];
		return m != NULL ? m : "unknown error";
	}
	return "unknown error";
}
