/*
 * Turning complete responses into cache values and cache values back into
 * responses. Shared by the dataplane (answers from the cache on the hot
 * path), the control plane (inserting what it resolved, TCP/53) and tests.
 *
 * Implementation: lib/answer/answer.c. Pure functions, any thread.
 */
#ifndef BOLTDNS_ANSWER_H
#define BOLTDNS_ANSWER_H

#include "boltdns/cache.h"
#include "boltdns/common.h"
#include "boltdns/wire.h"

/* TTL served for a stale answer (RFC 8767 recommends 30 s). */
#define BOLT_STALE_TTL 30

/* Longest EXTRA-TEXT of an Extended DNS Error boltdns writes (bytes). */
#define BOLT_EDE_TEXT_MAX 80
/* Bytes of an EDE option: option code, length, info code, then the text. */
#define BOLT_EDE_HDR_LEN 6

/*
 * Write one Extended DNS Error option (RFC 8914: OPTION-CODE 15,
 * OPTION-LENGTH, INFO-CODE, EXTRA-TEXT) at p[0..cap). text: NULL or "" for
 * none, cut at BOLT_EDE_TEXT_MAX bytes. code BOLT_EDE_NONE writes nothing.
 * Returns the bytes written (0 for BOLT_EDE_NONE) or BOLT_ESPACE.
 */
BOLT_API int bolt_answer_put_ede(uint8_t *p, size_t cap, uint16_t code, const char *text);

/*
 * A header-only error response (bolt_build_error) whose OPT, when with_opt,
 * carries the EDE option (code, text) unless code is BOLT_EDE_NONE. RFC 8914
 * options exist only inside an OPT, so a client without EDNS gets none.
 * Returns the length or a negative code.
 */
BOLT_API int bolt_answer_error(uint8_t *buf, size_t cap, uint16_t id, uint16_t qflags,
                               const uint8_t *question, size_t question_len, uint16_t rcode,
                               bool with_opt, uint16_t code, const char *text);

/*
 * Describe a complete response msg[0..len) whose question (one, at offset
 * 12, qsize bytes) is followed by the answer, authority and additional
 * sections, as a cache value. ttl_off/nttl are the absolute offsets of the
 * TTL fields (struct bolt_build records them); an OPT RR must not be among
 * the records (build the cache copy without OPT). On success val is filled,
 * rel_off[0..nttl) gets offsets relative to the sections and *sections points
 * into msg. ttl is the entry lifetime from now (BOLT_CACHE_EXPIRES_NEVER for
 * static data). val->status is BOLT_SEC_UNCHECKED: a caller that renders
 * the value itself (bolt_answer_from_cache) sets the validator's status
 * there. Returns 0 or a negative code.
 */
BOLT_API int bolt_answer_to_cache(const uint8_t *msg, size_t len, const uint16_t *ttl_off,
                                  uint16_t nttl, uint32_t now, uint32_t ttl, uint8_t kind,
                                  struct bolt_cache_val *val, uint16_t *rel_off,
                                  const uint8_t **sections);

/*
 * As bolt_answer_to_cache, for a msg whose last ede_len bytes are an EDE
 * option (bolt_answer_put_ede) written after the records and not counted in
 * the header: they are kept at the end of the sections and val->ede_len
 * says so (cached SERVFAILs carry their reason to the dataplane this way).
 */
BOLT_API int bolt_answer_to_cache_ede(const uint8_t *msg, size_t len, const uint16_t *ttl_off,
                                      uint16_t nttl, uint32_t now, uint32_t ttl, uint8_t kind,
                                      uint8_t ede_len, struct bolt_cache_val *val,
                                      uint16_t *rel_off, const uint8_t **sections);

/*
 * Convenience for writers: build the cache value from msg (as above) and
 * insert it under the key derived from the message's question (lower-cased)
 * and do_bit. Returns what bolt_cache_insert returns.
 */
BOLT_API int bolt_answer_insert(struct bolt_cache *c, const uint8_t *msg, size_t len,
                                const uint16_t *ttl_off, uint16_t nttl, bool do_bit,
                                uint32_t now, uint32_t ttl, uint8_t kind);

/* bolt_answer_insert for a msg ending in an EDE option of ede_len bytes
 * (see bolt_answer_to_cache_ede). Both store BOLT_SEC_UNCHECKED. */
BOLT_API int bolt_answer_insert_ede(struct bolt_cache *c, const uint8_t *msg, size_t len,
                                    const uint16_t *ttl_off, uint16_t nttl, bool do_bit,
                                    uint32_t now, uint32_t ttl, uint8_t kind, uint8_t ede_len);

/*
 * bolt_answer_insert_ede with the answer's DNSSEC status (enum
 * bolt_sec_status; BOLT_EMALF when out of range). The sections are opaque
 * here: for do_bit the caller puts in the RRSIGs and NSEC/NSEC3 proofs a DO=1
 * client must get, for !do_bit only what a DO=0 client gets. A BOGUS msg
 * that is not a SERVFAIL is the data for CD=1 queries and goes under the
 * key with BOLT_CACHE_KEY_CD; every other entry goes under the plain key,
 * which CD=0 and CD=1 queries share. Use bolt_answer_insert_bogus to store
 * both halves of a bogus answer. Any thread.
 */
BOLT_API int bolt_answer_insert_status(struct bolt_cache *c, const uint8_t *msg, size_t len,
                                       const uint16_t *ttl_off, uint16_t nttl, bool do_bit,
                                       uint32_t now, uint32_t ttl, uint8_t kind, uint8_t ede_len,
                                       uint8_t status);

/*
 * Cache a bogus answer (RFC 4035 3.2.2, 5.5): msg (the data as validated,
 * kind POSITIVE/NXDOMAIN/NODATA, no EDE) under the CD key for CD=1 queries,
 * for min(ttl, bogus_ttl), its record TTLs cut to that (in a copy; msg is not
 * changed); and under the plain key, for CD=0 queries, a
 * SERVFAIL built from msg's question carrying EDE ede_code (BOLT_EDE_NONE:
 * 6 DNSSEC Bogus) with ede_text, for bogus_ttl (the caller's bogus TTL, short,
 * so a broken zone is asked again soon but not per query). Both entries have
 * status BOGUS. Returns 0 or the first failing insert's code (BOLT_EMALF for
 * a SERVFAIL or static kind or a never-expiring TTL, -ENOMEM). Any thread.
 */
BOLT_API int bolt_answer_insert_bogus(struct bolt_cache *c, const uint8_t *msg, size_t len,
                                      const uint16_t *ttl_off, uint16_t nttl, bool do_bit,
                                      uint32_t now, uint32_t ttl, uint8_t kind,
                                      uint32_t bogus_ttl, uint16_t ede_code,
                                      const char *ede_text);

/*
 * Turn the cache value in out into a response to query q in place: buf holds
 * the client's query (header + question at offset 12); the response is
 * written into buf[0..cap). The question bytes are kept as the client sent
 * them, the sections copied after it (if out->sections is not already there),
 * every TTL rewritten to its remaining lifetime at now (or BOLT_STALE_TTL
 * when stale is true; static entries unchanged), ID echoed, flags from the
 * entry plus the query's RD and CD, OPT added when the query had EDNS
 * (udp size server_udp, DO echoed) with the entry's EDE option inside it
 * (val.ede_len), or for a stale answer EDE 3 Stale Answer (19 Stale NXDOMAIN
 * Answer for NXDOMAIN) instead. When the result would exceed limit (see
 * bolt_udp_limit) the answer is header + question (+ OPT, with the EDE when
 * it fits) with TC=1: never a part of the records (a DO=1 answer is never
 * sent with some RRSIGs or proofs cut off).
 * DNSSEC (val.status): AD is set only for a SECURE entry, not stale, not
 * truncated, when the query had AD or DO (RFC 6840 5.7, 5.8), CD or not; the
 * entry's own AD bit is ignored. A BOGUS entry that is not a SERVFAIL (the
 * data kept for CD=1 queries) is refused for a CD=0 query with BOLT_ENOENT.
 * Policy markers (BOLT_CACHE_DROP, BOLT_CACHE_TCP_ONLY): a DROP entry
 * returns BOLT_EDROP (send nothing); a TCP-only entry gives the TC=1 answer
 * when limit < BOLT_MSG_MAX (UDP) and BOLT_ENOENT for a stream transport
 * (limit BOLT_MSG_MAX), which must resolve the question instead.
 * Returns the response length, or a negative code.
 */
BOLT_API int bolt_answer_from_cache(uint8_t *buf, size_t cap, size_t limit,
                                    const struct bolt_query *q, const struct bolt_cache_out *out,
                                    uint32_t now, bool stale, uint16_t server_udp);

/*
 * bolt_answer_from_cache that also gives the response's Internet checksum
 * partial sum (RFC 1071: the one's complement sum of buf[0..len) as 16-bit
 * words loaded in memory byte order, folded, not complemented) in *csum,
 * for a UDP checksum without reading the response back: the records are
 * summed as the cache copied them, each TTL rewrite is added as its change
 * (RFC 1624), header and OPT from their values, the question from the
 * query's bytes. *csum is 0 when not computed (truncated answer, EDE
 * option): the caller sums the bytes itself. A real sum is never 0 (QR is
 * set). Same return value as bolt_answer_from_cache.
 */
BOLT_API int bolt_answer_from_cache_csum(uint8_t *buf, size_t cap, size_t limit,
                                         const struct bolt_query *q,
                                         const struct bolt_cache_out *out, uint32_t now,
                                         bool stale, uint16_t server_udp, uint32_t *csum);

#endif
