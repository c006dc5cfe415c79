/*
 * Responses for one waiting client: rendered from a cache value, a whole
 * response message or an error, within the client's size limit (UDP: its
 * EDNS size and ours; a stream: 65535), and handed to the client's own
 * delivery callback (struct waiter_ops). Shared by the serving code, local
 * data and locally served zones, so none of them calls another to answer.
 *
 * Loop thread only (static working buffers).
 */
#ifndef BOLTDNS_CONTROL_RESPOND_H
#define BOLTDNS_CONTROL_RESPOND_H

#include "boltdns/cache.h"
#include "cp.h"
#include "pending.h"

/* Size limit of a response to w (see bolt_udp_limit); *cap: the buffer
 * size the transport can carry. */
size_t respond_limit(const struct cp *cp, const struct waiter *w, size_t *cap);

/*
 * Answer w with a header-only error echoing its question; with EDNS the
 * OPT carries the Extended DNS Error (code, text; BOLT_EDE_NONE: none).
 */
void respond_error(struct cp *cp, const struct waiter *w, uint16_t rcode, uint16_t ede,
                   const char *text);

/*
 * Render the response to w's query from a cache value into buf[0..cap),
 * within limit bytes; stale: every TTL becomes BOLT_STALE_TTL and EDE 3
 * (19 for NXDOMAIN) is added. Returns the length or a negative code.
 */
int respond_render(struct cp *cp, const struct waiter *w, const struct bolt_cache_out *out,
                   uint32_t now, bool stale, uint8_t *buf, size_t cap, size_t limit);

/* Render (as above) and deliver; SERVFAIL when it cannot be rendered,
 * nothing (a NULL delivery) for a policy's DROP entry. */
void respond_cached(struct cp *cp, const struct waiter *w, const struct bolt_cache_out *out,
                    uint32_t now, bool stale);

/*
 * Deliver msg[0..len), a whole response to w's question (any ID and case,
 * no OPT, possibly ending in an EDE option of ede_len bytes) kept as a cache
 * value of lifetime ttl and kind: re-rendered for w (its ID, flags, EDNS,
 * size limit). ttl_off/nttl: absolute offsets of its TTL fields.
 */
void respond_msg(struct cp *cp, const struct waiter *w, const uint8_t *msg, size_t len,
                 const uint16_t *ttl_off, uint16_t nttl, uint32_t ttl, uint8_t kind,
                 uint8_t ede_len);

/*
 * respond_msg for an answer of DNSSEC status sec (enum bolt_sec_status: AD
 * and the bogus rules of the renderer follow it), at time now. Returns 0
 * when w was answered, or a negative error when msg cannot be kept as a
 * cache value (then nothing was sent: the caller decides).
 */
int respond_msg_status(struct cp *cp, const struct waiter *w, const uint8_t *msg, size_t len,
                       const uint16_t *ttl_off, uint16_t nttl, uint32_t now, uint32_t ttl,
                       uint8_t kind, uint8_t ede_len, uint8_t sec);

/* The shared cache's key (hashed) of the question key; needs a region. */
void respond_cache_key(const struct cp *cp, const struct pkey *key, struct bolt_cache_key *k);

/*
 * Look key up in the shared cache into *out (its sections in a static
 * buffer, valid until the next call). Returns 0 (fresh), BOLT_EEXPIRED (out
 * filled) or a miss code; BOLT_ENOENT when no region is attached.
 */
int respond_lookup(struct cp *cp, const struct pkey *key, struct bolt_cache_out *out,
                   uint32_t now);

/*
 * Whether an expired entry (rc BOLT_EEXPIRED from respond_lookup) may be
 * served stale now (RFC 8767): serve-stale on, not a SERVFAIL, expired for
 * at most stale-max-age.
 */
bool respond_stale_usable(const struct cp *cp, int rc, const struct bolt_cache_out *out,
                          uint32_t now);

#endif
