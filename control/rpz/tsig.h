/*
 * TSIG (RFC 8945) with HMAC-SHA256 for zone transfers of policy zones:
 * signing the request, verifying every message of the answer stream
 * (messages without a TSIG between signed ones are accumulated, as the RFC
 * allows up to 99 of them). OpenSSL libcrypto computes the HMAC.
 *
 * Pure functions of their arguments (the caller passes the time); any
 * thread, one verifier per stream.
 */
#ifndef BOLTDNS_CONTROL_RPZ_TSIG_H
#define BOLTDNS_CONTROL_RPZ_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/wire.h"

#define RPZ_TSIG_MAC_LEN 32
#define RPZ_TSIG_FUDGE 300

struct rpz_tsig_key {
	uint8_t name[BOLT_NAME_MAX];  /* lower-case wire form */
	uint8_t name_len;
	uint8_t secret[128];
	size_t secret_len;
};

/*
 * "NAME:hmac-sha256:BASE64" (the form of tsig-key) into k. Returns 0 or
 * BOLT_ESYNTAX (bad form, other algorithm, bad base64, empty secret).
 */
int rpz_tsig_key_parse(const char *text, struct rpz_tsig_key *k);

/*
 * Sign the query msg[0..len) (cap bytes of room): appends the TSIG record
 * for time now and bumps ARCOUNT. mac gets the request's MAC (for the
 * answer's verification). Returns the new length or BOLT_ESPACE.
 */
int rpz_tsig_sign(const struct rpz_tsig_key *k, uint8_t *msg, size_t len, size_t cap,
                  uint64_t now, uint8_t mac[RPZ_TSIG_MAC_LEN]);

/*
 * Sign a response msg[0..len) to a request whose MAC was req_mac (RFC 8945
 * 5.3: the request's MAC opens the digest). Returns the new length or
 * BOLT_ESPACE.
 */
int rpz_tsig_sign_response(const struct rpz_tsig_key *k, uint8_t *msg, size_t len, size_t cap,
                           uint64_t now, const uint8_t req_mac[RPZ_TSIG_MAC_LEN]);

/* Whether msg[0..len) ends with a TSIG record. */
bool rpz_tsig_signed(const uint8_t *msg, size_t len);

/*
 * Verify a signed request msg[0..len) (a NOTIFY) at time now: its TSIG
 * must be the last record, by key k, with a matching MAC and a time within
 * the fudge. On success *out_len is the message without its TSIG (ARCOUNT
 * lowered in msg) and mac the request's MAC (for signing the response).
 * Returns 0, BOLT_ENOENT (not signed) or another negative code, *why set.
 */
int rpz_tsig_verify_request(const struct rpz_tsig_key *k, uint8_t *msg, size_t len,
                            uint64_t now, size_t *out_len, uint8_t mac[RPZ_TSIG_MAC_LEN],
                            const char **why);

/* The verification of one answer stream. */
struct rpz_tsig_stream {
	const struct rpz_tsig_key *k;
	uint8_t prior[RPZ_TSIG_MAC_LEN]; /* the request's, then the last signed message's */
	bool first;                      /* no signed message seen yet */
	uint8_t *acc;                    /* unsigned messages since the last signed one */
	size_t acc_len, acc_cap;
	unsigned unsigned_run;
};

/* Start verifying the answers to a request signed with mac. */
void rpz_tsig_stream_init(struct rpz_tsig_stream *s, const struct rpz_tsig_key *k,
                          const uint8_t mac[RPZ_TSIG_MAC_LEN]);

/* Free what the stream holds. */
void rpz_tsig_stream_free(struct rpz_tsig_stream *s);

/*
 * Verify the next message msg[0..len) of the stream at time now. A
 * message with a TSIG record: its MAC must match (over the prior MAC, the
 * unsigned messages since, this message without the TSIG) and its time be
 * within the fudge; *out_len is the message without its TSIG record
 * (ARCOUNT lowered in msg). A message without: accumulated (the first
 * message must be signed, and at most 99 in a row may not be); *out_len =
 * len. The stream's last message must be signed: the caller checks
 * rpz_tsig_stream_clean() at the end. Returns 0 or a negative code with
 * *why set.
 */
int rpz_tsig_verify(struct rpz_tsig_stream *s, uint8_t *msg, size_t len, uint64_t now,
                    size_t *out_len, const char **why);

/* True when the last message verified was signed. */
bool rpz_tsig_stream_clean(const struct rpz_tsig_stream *s);

#endif
