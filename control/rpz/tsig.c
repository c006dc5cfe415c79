/*
 * TSIG HMAC-SHA256 (RFC 8945) for policy zone transfers (see tsig.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "boltdns/errcode.h"
#include "boltdns/wire_ctx.h"
#include "tsig.h"

#define TYPE_TSIG 250
#define CLASS_ANY 255
/* hmac-sha256. in wire form */
static const uint8_t alg_name[] = { 11, 'h', 'm', 'a', 'c', '-', 's', 'h', 'a', '2', '5', '6', 0 };

int rpz_tsig_key_parse(const char *text, struct rpz_tsig_key *k)
{
	memset(k, 0, sizeof(*k));
	const char *c1 = strchr(text, ':');
	const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	if (c1 == NULL || c2 == NULL || c1 == text || (size_t)(c1 - text) >= 254)
		return BOLT_ESYNTAX;
	char name[256];
	memcpy(name, text, (size_t)(c1 - text));
	name[c1 - text] = '\0';
	int nl = bolt_name_from_text(name, k->name);
	if (nl <= 0)
		return BOLT_ESYNTAX;
	bolt_name_lower(k->name, (size_t)nl);
	k->name_len = (uint8_t)nl;
	if ((size_t)(c2 - c1 - 1) != 11 || strncasecmp(c1 + 1, "hmac-sha256", 11) != 0)
		return BOLT_ESYNTAX;
	const char *b64 = c2 + 1;
	size_t bl = strlen(b64);
	if (bl == 0 || bl % 4 != 0 || bl / 4 * 3 > sizeof(k->secret))
		return BOLT_ESYNTAX;
	uint8_t out[sizeof(k->secret) + 3];
	int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)bl);
	if (n < 0)
		return BOLT_ESYNTAX;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (bl >= 1 && b64[bl - 1] == '=')
		n--;
	if (bl >= 2 && b64[bl - 2] == '=')
		n--;
	if (n <= 0)
		return BOLT_ESYNTAX;
	memcpy(k->secret, out, (size_t)n);
	k->secret_len = (size_t)n;
	return 0;
}

static void put48(uint8_t *p, uint64_t v)
{
	for (int i = 5; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get48(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

/* The TSIG variables (RFC 8945 4.3.3) for time t into p; full: with the
 * key name, class, TTL, algorithm, error and other data. Returns the length. */
static size_t vars(const struct rpz_tsig_key *k, uint64_t t, uint16_t fudge, uint16_t error,
                   bool full, uint8_t *p)
{
	size_t n = 0;
	if (full) {
		memcpy(p, k->name, k->name_len);
		n = k->name_len;
		bolt_wire_put_u16(p + n, CLASS_ANY);
		memset(p + n + 2, 0, 4);
		n += 6;
		memcpy(p + n, alg_name, sizeof(alg_name));
		n += sizeof(alg_name);
	}
	put48(p + n, t);
	bolt_wire_put_u16(p + n + 6, fudge);
	n += 8;
	if (full) {
		bolt_wire_put_u16(p + n, error);
		bolt_wire_put_u16(p + n + 2, 0);
		n += 4;
	}
	return n;
}

static bool hmac(const struct rpz_tsig_key *k, const uint8_t *data, size_t len,
                 uint8_t mac[RPZ_TSIG_MAC_LEN])
{
	unsigned int ml = 0;
	return HMAC(EVP_sha256(), k->secret, (int)k->secret_len, data, len, mac, &ml) != NULL &&
	       ml == RPZ_TSIG_MAC_LEN;
}

/* Sign msg (a request: prior NULL; a response: the request's MAC). */
static int sign(const struct rpz_tsig_key *k, const uint8_t *prior, uint8_t *msg, size_t len,
                size_t cap, uint64_t now, uint8_t mac[RPZ_TSIG_MAC_LEN])
{
	uint8_t v[BOLT_NAME_MAX + 64];
	size_t vl = vars(k, now, RPZ_TSIG_FUDGE, 0, true, v);
	size_t rdlen = sizeof(alg_name) + 6 + 2 + 2 + RPZ_TSIG_MAC_LEN + 2 + 2 + 2;
	size_t pl = prior != NULL ? 2 + RPZ_TSIG_MAC_LEN : 0;
	if (len < BOLT_HDR_LEN || len + k->name_len + 10 + rdlen > cap)
		return BOLT_ESPACE;
	uint8_t *d = malloc(pl + len + vl);
	if (d == NULL)
		return -ENOMEM;
	if (prior != NULL) {
		bolt_wire_put_u16(d, RPZ_TSIG_MAC_LEN);
		memcpy(d + 2, prior, RPZ_TSIG_MAC_LEN);
	}
	memcpy(d + pl, msg, len);
	memcpy(d + pl + len, v, vl);
	bool ok = hmac(k, d, pl + len + vl, mac);
	free(d);
	if (!ok)
		return BOLT_EMALF;
	uint8_t *p = msg + len;
	memcpy(p, k->name, k->name_len);
	p += k->name_len;
	bolt_wire_put_u16(p, TYPE_TSIG);
	bolt_wire_put_u16(p + 2, CLASS_ANY);
	memset(p + 4, 0, 4);
	bolt_wire_put_u16(p + 8, (uint16_t)rdlen);
	p += 10;
	memcpy(p, alg_name, sizeof(alg_name));
	p += sizeof(alg_name);
	put48(p, now);
	bolt_wire_put_u16(p + 6, RPZ_TSIG_FUDGE);
	bolt_wire_put_u16(p + 8, RPZ_TSIG_MAC_LEN);
	p += 10;
	memcpy(p, mac, RPZ_TSIG_MAC_LEN);
	p += RPZ_TSIG_MAC_LEN;
	memcpy(p, msg, 2);          /* original ID */
	memset(p + 2, 0, 4);        /* error, other length */
	p += 6;
	bolt_wire_put_u16(msg + 10, (uint16_t)(bolt_wire_get_u16(msg + 10) + 1));
	return (int)(p - msg);
}

int rpz_tsig_sign(const struct rpz_tsig_key *k, uint8_t *msg, size_t len, size_t cap,
                  uint64_t now, uint8_t mac[RPZ_TSIG_MAC_LEN])
{
	return sign(k, NULL, msg, len, cap, now, mac);
}

int rpz_tsig_sign_response(const struct rpz_tsig_key *k, uint8_t *msg, size_t len, size_t cap,
                           uint64_t now, const uint8_t req_mac[RPZ_TSIG_MAC_LEN])
{
	uint8_t mac[RPZ_TSIG_MAC_LEN];
	return sign(k, req_mac, msg, len, cap, now, mac);
}

void rpz_tsig_stream_init(struct rpz_tsig_stream *s, const struct rpz_tsig_key *k,
                          const uint8_t mac[RPZ_TSIG_MAC_LEN])
{
	memset(s, 0, sizeof(*s));
	s->k = k;
	memcpy(s->prior, mac, RPZ_TSIG_MAC_LEN);
	s->first = true;
}

void rpz_tsig_stream_free(struct rpz_tsig_stream *s)
{
	free(s->acc);
	s->acc = NULL;
}

bool rpz_tsig_stream_clean(const struct rpz_tsig_stream *s)
{
	return !s->first && s->unsigned_run == 0;
}

/* Offset of the last record when it is a TSIG (the additional section's
 * last), else 0; *rd: its RDATA's offset. */
static size_t find_tsig(const uint8_t *m, size_t len, size_t *rd)
{
	if (len < BOLT_HDR_LEN)
		return 0;
	unsigned qd = bolt_wire_get_u16(m + 4);
	unsigned rr = (unsigned)bolt_wire_get_u16(m + 6) + bolt_wire_get_u16(m + 8) +
	              bolt_wire_get_u16(m + 10);
	size_t pos = BOLT_HDR_LEN, last = 0;
	for (unsigned i = 0; i < qd; i++)
		if (!bolt_name_skip(m, len, &pos) || (pos += 4) > len)
			return 0;
	for (unsigned i = 0; i < rr; i++) {
		last = pos;
		if (!bolt_name_skip(m, len, &pos) || pos + 10 > len)
			return 0;
		*rd = pos + 10;
		pos += 10 + bolt_wire_get_u16(m + pos + 8);
		if (pos > len)
			return 0;
	}
	if (rr == 0 || bolt_wire_get_u16(m + 10) == 0 || pos != len)
		return 0;
	size_t tp = last;
	if (!bolt_name_skip(m, len, &tp) || bolt_wire_get_u16(m + tp) != TYPE_TSIG)
		return 0;
	return last;
}

/*
 * Check the TSIG record at msg[at..) (RDATA at rd) of msg[0..len): the MAC
 * over prior (NULL: none, a request), acc[0..acc_len), the message without
 * its TSIG and the variables (full or timers only). On success ARCOUNT is
 * lowered, *out_len is at and mac gets the record's MAC.
 */
static int check(const struct rpz_tsig_key *k, const uint8_t *prior, const uint8_t *acc,
                 size_t acc_len, bool full, uint8_t *msg, size_t len, size_t at, size_t rd,
                 uint64_t now, size_t *out_len, uint8_t out_mac[RPZ_TSIG_MAC_LEN],
                 const char **why)
{
	/* The TSIG record: key name, algorithm, time, fudge, MAC, ID, error. */
	uint8_t owner[BOLT_NAME_MAX];
	size_t p = at;
	*why = "malformed TSIG record";
	if (bolt_name_unpack(msg, len, &p, owner) <= 0)
		return BOLT_EMALF;
	bolt_name_lower(owner, (size_t)bolt_name_len(owner, BOLT_NAME_MAX));
	if (!bolt_name_equal(owner, k->name)) {
		*why = "TSIG signed with another key";
		return BOLT_EMALF;
	}
	size_t q = rd;
	uint8_t alg[BOLT_NAME_MAX];
	if (bolt_name_unpack(msg, len, &q, alg) <= 0 || !bolt_name_equal(alg, alg_name) ||
	    q + 10 > len)
		return BOLT_EMALF;
	uint64_t t = get48(msg + q);
	uint16_t fudge = bolt_wire_get_u16(msg + q + 6);
	uint16_t macl = bolt_wire_get_u16(msg + q + 8);
	q += 10;
	if (macl != RPZ_TSIG_MAC_LEN || q + macl + 6 > len)
		return BOLT_EMALF;
	const uint8_t *mac = msg + q;
	uint16_t orig_id = bolt_wire_get_u16(msg + q + macl);
	uint16_t error = bolt_wire_get_u16(msg + q + macl + 2);
	if (error != 0) {
		*why = "the primary answered with a TSIG error (BADKEY, BADSIG or BADTIME)";
		return BOLT_EMALF;
	}
	/* The digest: prior MAC, unsigned messages since, this message
	 * without its TSIG (original ID, ARCOUNT one less), the variables. */
	uint8_t v[BOLT_NAME_MAX + 64];
	size_t vl = vars(k, t, fudge, error, full, v);
	size_t pl = prior != NULL ? 2 + RPZ_TSIG_MAC_LEN : 0;
	size_t dl = pl + acc_len + at + vl;
	uint8_t *d = malloc(dl);
	if (d == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	uint8_t *w = d;
	if (prior != NULL) {
		bolt_wire_put_u16(w, RPZ_TSIG_MAC_LEN);
		memcpy(w + 2, prior, RPZ_TSIG_MAC_LEN);
	}
	w += pl;
	if (acc_len > 0)
		memcpy(w, acc, acc_len);
	w += acc_len;
	memcpy(w, msg, at);
	bolt_wire_put_u16(w, orig_id);
	bolt_wire_put_u16(w + 10, (uint16_t)(bolt_wire_get_u16(msg + 10) - 1));
	w += at;
	memcpy(w, v, vl);
	uint8_t want[RPZ_TSIG_MAC_LEN];
	bool ok = hmac(k, d, dl, want);
	free(d);
	/* A constant-time compare: the MAC is a secret's proof. */
	unsigned diff = ok ? 0 : 1;
	for (unsigned i = 0; i < RPZ_TSIG_MAC_LEN; i++)
		diff |= (unsigned)(want[i] ^ mac[i]);
	if (diff != 0) {
		*why = "TSIG MAC does not match (wrong key?)";
		return BOLT_EMALF;
	}
	if ((now > t ? now - t : t - now) > fudge) {
		*why = "TSIG time outside the fudge (clocks differ?)";
		return BOLT_EMALF;
	}
	memcpy(out_mac, mac, RPZ_TSIG_MAC_LEN);
	bolt_wire_put_u16(msg + 10, (uint16_t)(bolt_wire_get_u16(msg + 10) - 1));
	*out_len = at;
	return 0;
}

int rpz_tsig_verify(struct rpz_tsig_stream *s, uint8_t *msg, size_t len, uint64_t now,
                    size_t *out_len, const char **why)
{
	size_t rd = 0;
	*out_len = len;
	if (len < BOLT_HDR_LEN) {
		*why = "message shorter than a header";
		return BOLT_ETRUNC;
	}
	size_t at = find_tsig(msg, len, &rd);
	if (at == 0) {
		if (s->first) {
			*why = "the first message of the answer is not signed (TSIG)";
			return BOLT_EMALF;
		}
		if (++s->unsigned_run > 99) {
			*why = "more than 99 unsigned messages in a row (TSIG)";
			return BOLT_EMALF;
		}
		if (s->acc_len + len > s->acc_cap) {
			size_t c = (s->acc_len + len) * 2;
			uint8_t *p = realloc(s->acc, c);
			if (p == NULL) {
				*why = "out of memory";
				return -ENOMEM;
			}
			s->acc = p;
			s->acc_cap = c;
		}
		memcpy(s->acc + s->acc_len, msg, len);
		s->acc_len += len;
		return 0;
	}
	uint8_t mac[RPZ_TSIG_MAC_LEN];
	int rc = check(s->k, s->prior, s->acc, s->acc_len, s->first, msg, len, at, rd, now, out_len,
	               mac, why);
	if (rc < 0)
		return rc;
	memcpy(s->prior, mac, RPZ_TSIG_MAC_LEN);
	s->first = false;
	s->acc_len = 0;
	s->unsigned_run = 0;
	return 0;
}

bool rpz_tsig_signed(const uint8_t *msg, size_t len)
{
	size_t rd = 0;
	return find_tsig(msg, len, &rd) != 0;
}

int rpz_tsig_verify_request(const struct rpz_tsig_key *k, uint8_t *msg, size_t len,
                            uint64_t now, size_t *out_len, uint8_t mac[RPZ_TSIG_MAC_LEN],
                            const char **why)
{
	size_t rd = 0;
	*out_len = len;
	size_t at = find_tsig(msg, len, &rd);
	if (at == 0) {
		*why = "not signed (TSIG)";
		return BOLT_ENOENT;
	}
	return check(k, NULL, NULL, 0, true, msg, len, at, rd, now, out_len, mac, why);
}
