/*
 * DNS Cookies (RFC 7873) with the interoperable server cookie of RFC 9018:
 *
 *   server cookie = Version (1) | Reserved (3, zero) | Timestamp (4, unix
 *                   seconds, big-endian) | Hash (8)
 *   Hash = SipHash-2-4(key = 16-byte secret,
 *                      Client Cookie | Version | Reserved | Timestamp | Client-IP)
 *
 * A server cookie is valid when its version is 1, its timestamp lies within
 * the last hour and at most 5 minutes ahead (RFC 9018 section 4.3, serial
 * arithmetic so that the 2106 wrap is harmless), and its hash matches the
 * current secret or the previous one (kept for an overlap after a rollover).
 * The Reserved octets are hashed as received.
 *
 * Pure functions: no I/O, no allocation, any thread.
 * Implementation: lib/cookie/cookie.c.
 */
#ifndef BOLTDNS_COOKIE_H
#define BOLTDNS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/common.h"

#define BOLT_OPT_COOKIE 10             /* EDNS option code (RFC 7873) */
#define BOLT_COOKIE_CLIENT_LEN 8
#define BOLT_COOKIE_SERVER_MIN 8
#define BOLT_COOKIE_SERVER_MAX 32
#define BOLT_COOKIE_SERVER_LEN 16      /* the RFC 9018 server cookie we issue */
#define BOLT_COOKIE_SECRET_LEN 16
#define BOLT_COOKIE_MAX_AGE 3600       /* seconds a server cookie stays valid */
#define BOLT_COOKIE_MAX_AHEAD 300      /* seconds of clock skew accepted */

/* SipHash-2-4 of msg[0..len) under a 16-byte key (the reference algorithm). */
BOLT_API uint64_t bolt_siphash24(const uint8_t key[16], const uint8_t *msg, size_t len);

/*
 * Write the RFC 9018 server cookie (BOLT_COOKIE_SERVER_LEN bytes) for
 * client cookie cc from client address addr (4 bytes for AF_INET, 16 for
 * AF_INET6: alen), stamped now, under secret into out.
 */
BOLT_API void bolt_cookie_make(uint8_t out[BOLT_COOKIE_SERVER_LEN],
                               const uint8_t cc[BOLT_COOKIE_CLIENT_LEN],
                               const uint8_t *addr, size_t alen, uint32_t now,
                               const uint8_t secret[BOLT_COOKIE_SECRET_LEN]);

/*
 * True when sc[0..sclen) is a server cookie this server issued to client
 * cookie cc and address addr under secret, still within its lifetime at now.
 * prev (may be NULL) is the previous secret, accepted too.
 */
BOLT_API bool bolt_cookie_valid(const uint8_t cc[BOLT_COOKIE_CLIENT_LEN], const uint8_t *sc,
                                size_t sclen, const uint8_t *addr, size_t alen, uint32_t now,
                                const uint8_t secret[BOLT_COOKIE_SECRET_LEN],
                                const uint8_t *prev);

/* ------------------------------------------------------------------ */
/* The secrets in the shared region (struct bolt_region_hdr).          */
/* ------------------------------------------------------------------ */

struct bolt_region_hdr;

/* How often the control plane rolls the secret over (RFC 9018 section 4.4
 * suggests months at most; an hour keeps a leaked secret short-lived). The
 * previous secret stays accepted until the next rollover, and cookies live
 * BOLT_COOKIE_MAX_AGE = the same hour, so no valid cookie is ever lost. */
#define BOLT_COOKIE_ROTATE_S 3600

/*
 * Roll the secrets of h over when none was set yet or the last rollover is
 * interval seconds or more before now: previous = current, current = 16
 * fresh bytes from getrandom. A first secret also fills previous (with
 * itself). Writers exclude each other through the seqlock (a writer that
 * finds it held does nothing). Returns 1 when it rolled over, 0 when not due
 * or busy, or -errno (getrandom failed). Any process mapping the region.
 */
BOLT_API int bolt_cookie_rotate(struct bolt_region_hdr *h, uint64_t now, uint32_t interval);

/*
 * Copy the current and previous secrets of h out (consistent: retried while
 * a writer is inside). Returns the sequence number they were read under (a
 * reader may keep its copy while bolt_cookie_seq(h) returns the same), or 0
 * when no secret was ever set (cookies are then not answered).
 */
BOLT_API uint64_t bolt_cookie_secrets(const struct bolt_region_hdr *h,
                                      uint8_t cur[BOLT_COOKIE_SECRET_LEN],
                                      uint8_t prev[BOLT_COOKIE_SECRET_LEN]);

/* The secrets' sequence number now (one acquire load): changes on every
 * rollover, odd while one is being written. */
BOLT_API uint64_t bolt_cookie_seq(const struct bolt_region_hdr *h);

#endif
