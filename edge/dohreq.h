/*
 * The DoH request decoder (RFC 8484 4.1): from what an HTTP/2 request
 * carried (method, :path, content-type, body) to the DNS message inside it,
 * or the HTTP status that refuses it. Pure, no allocation: fuzzed by
 * tests/fuzz/edge/fuzz_dohreq.c.
 */
#ifndef BOLTDNS_EDGE_DOHREQ_H
#define BOLTDNS_EDGE_DOHREQ_H

#include <stddef.h>
#include <stdint.h>

enum doh_method { DOH_METHOD_OTHER = 0, DOH_METHOD_GET = 1, DOH_METHOD_POST = 2 };

/* Longest :path taken (a GET of a 65535-byte message needs ~87 K, but a
 * real query is < 512 bytes; browsers cap URLs around 8 K). */
#define DOH_PATH_MAX 8192
/* Smallest DNS message: a header. */
#define DOH_MSG_MIN 12

/*
 * Decode one request. path/path_len: the :path pseudo-header; doh_path: the
 * configured path ("/dns-query"); ctype: content-type (NULL: absent); body:
 * the POST body. The message is written to out[0..cap) and its length to
 * *out_len. Returns 200 (decoded), or the HTTP status to answer: 404 (other
 * path), 405 (neither GET nor POST), 400 (no or bad dns= parameter: bad
 * base64url, too short), 415 (POST without application/dns-message),
 * 413 (message longer than cap).
 */
int doh_req_decode(int method, const char *path, size_t path_len, const char *doh_path,
                   const char *ctype, const uint8_t *body, size_t body_len, uint8_t *out,
                   size_t cap, size_t *out_len);

/*
 * Decode unpadded base64url (RFC 4648 5; trailing '=' tolerated) in[0..len)
 * into out[0..cap). Returns the decoded length, -1 for a character outside
 * the alphabet or an impossible length, -2 when out is too small.
 */
long doh_base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif
