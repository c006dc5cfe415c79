/*
 * Cache values from responses and responses from cache values.
 *
 * A cache value holds the sections exactly as they follow a question at
 * offset 12. Every query for the same key has a question of the same length
 * (the name differs at most in case), so compression pointers in the cached
 * sections stay valid when they are copied behind the client's own question,
 * and names that point into the question come out in the client's case.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/answer.h"
#include "boltdns/csum.h"
#include "boltdns/wire_ctx.h"

/* RFC 8914 4.7 DNSSEC Bogus: the reason of a bogus answer given none. */
#define EDE_DNSSEC_BOGUS 6

int bolt_answer_put_ede(uint8_t *p, size_t cap, uint16_t code, const char *text)
{
	if (code == BOLT_EDE_NONE)
		return 0;
	size_t tl = text != NULL ? strnlen(text, BOLT_EDE_TEXT_MAX) : 0;
	if (cap < BOLT_EDE_HDR_LEN + tl)
		return BOLT_ESPACE;
	bolt_wire_put_u16(p, BOLT_OPT_EDE);
	bolt_wire_put_u16(p + 2, (uint16_t)(2 + tl));
	bolt_wire_put_u16(p + 4, code);
	if (tl > 0)
		memcpy(p + BOLT_EDE_HDR_LEN, text, tl);
	return (int)(BOLT_EDE_HDR_LEN + tl);
}

int bolt_answer_error(uint8_t *buf, size_t cap, uint16_t id, uint16_t qflags,
                      const uint8_t *question, size_t question_len, uint16_t rcode,
                      bool with_opt, uint16_t code, const char *text)
{
	int len = bolt_build_error(buf, cap, id, qflags, question, question_len, rcode, with_opt);
	if (len < 0 || !with_opt || code == BOLT_EDE_NONE)
		return len;
	/* The OPT is the last record: grow its RDATA by the option. */
	int n = bolt_answer_put_ede(buf + len, cap - (size_t)len, code, text);
	if (n <= 0)
		return len;
	bolt_wire_put_u16(buf + len - 2, (uint16_t)n);
	return len + n;
}

int bolt_answer_to_cache(const uint8_t *msg, size_t len, const uint16_t *ttl_off,
                         uint16_t nttl, uint32_t now, uint32_t ttl, uint8_t kind,
                         struct bolt_cache_val *val, uint16_t *rel_off,
                         const uint8_t **sections)
{
	return bolt_answer_to_cache_ede(msg, len, ttl_off, nttl, now, ttl, kind, 0, val, rel_off,
	                                sections);
}

int bolt_answer_to_cache_ede(const uint8_t *msg, size_t len, const uint16_t *ttl_off,
                             uint16_t nttl, uint32_t now, uint32_t ttl, uint8_t kind,
                             uint8_t ede_len, struct bolt_cache_val *val, uint16_t *rel_off,
                             const uint8_t **sections)
{
	if (len < BOLT_HDR_LEN || bolt_wire_get_u16(msg + 4) != 1)
		return BOLT_EMALF;
	if (ede_len != 0 && (ede_len < BOLT_EDE_HDR_LEN || ede_len > len - BOLT_HDR_LEN ||
	                     bolt_wire_get_u16(msg + len - ede_len) != BOLT_OPT_EDE ||
	                     bolt_wire_get_u16(msg + len - ede_len + 2) + 4u != ede_len))
		return BOLT_EMALF;
	size_t pos = BOLT_HDR_LEN;
	int qlen = bolt_name_len(msg + pos, len - pos);
	if (qlen < 0)
		return qlen;
	size_t qsize = (size_t)qlen + 4;
	if (pos + qsize + ede_len > len)
		return BOLT_ETRUNC;
	size_t start = pos + qsize;

	for (uint16_t i = 0; i < nttl; i++) {
		/* A TTL field must lie wholly inside the records. */
		if (ttl_off[i] < start || (size_t)ttl_off[i] + 4 > len - ede_len)
			return BOLT_EMALF;
		rel_off[i] = (uint16_t)(ttl_off[i] - start);
	}

	memset(val, 0, sizeof(*val));
	val->flags = bolt_wire_get_u16(msg + 2);
	val->ancount = bolt_wire_get_u16(msg + 6);
	val->nscount = bolt_wire_get_u16(msg + 8);
	val->arcount = bolt_wire_get_u16(msg + 10);
	val->qsize = (uint16_t)qsize;
	val->nttl = nttl;
	val->len = (uint32_t)(len - start);
	val->inserted = now;
	if (ttl == BOLT_CACHE_EXPIRES_NEVER || kind == BOLT_CACHE_STATIC)
		val->expires = BOLT_CACHE_EXPIRES_NEVER;
	else if ((uint64_t)now + ttl >= BOLT_CACHE_EXPIRES_NEVER)
		val->expires = BOLT_CACHE_EXPIRES_NEVER - 1;
	else
		val->expires = now + ttl;
	val->kind = kind;
	val->ede_len = ede_len;
	*sections = msg + start;
	return 0;
}

int bolt_answer_insert(struct bolt_cache *c, const uint8_t *msg, size_t len,
                       const uint16_t *ttl_off, uint16_t nttl, bool do_bit,
                       uint32_t now, uint32_t ttl, uint8_t kind)
{
	return bolt_answer_insert_ede(c, msg, len, ttl_off, nttl, do_bit, now, ttl, kind, 0);
}

int bolt_answer_insert_ede(struct bolt_cache *c, const uint8_t *msg, size_t len,
                           const uint16_t *ttl_off, uint16_t nttl, bool do_bit,
                           uint32_t now, uint32_t ttl, uint8_t kind, uint8_t ede_len)
{
	return bolt_answer_insert_status(c, msg, len, ttl_off, nttl, do_bit, now, ttl, kind,
	                                 ede_len, BOLT_SEC_UNCHECKED);
}

int bolt_answer_insert_status(struct bolt_cache *c, const uint8_t *msg, size_t len,
                              const uint16_t *ttl_off, uint16_t nttl, bool do_bit,
                              uint32_t now, uint32_t ttl, uint8_t kind, uint8_t ede_len,
                              uint8_t status)
{
	struct bolt_cache_val val;
	uint16_t rel[BOLT_BUILD_TTL_MAX];
	const uint8_t *sections;

	if (nttl > BOLT_BUILD_TTL_MAX)
		return BOLT_ESPACE;
	int ret = bolt_answer_to_cache_ede(msg, len, ttl_off, nttl, now, ttl, kind, ede_len, &val,
	                                   rel, &sections);
	if (ret < 0)
		return ret;
	if (status > BOLT_SEC_INDETERMINATE)
		return BOLT_EMALF;
	val.status = status;

	struct bolt_cache_key key;
	key.name_len = (uint8_t)(val.qsize - 4);
	memcpy(key.name, msg + BOLT_HDR_LEN, key.name_len);
	bolt_name_lower(key.name, key.name_len);
	key.qtype = bolt_wire_get_u16(msg + BOLT_HDR_LEN + key.name_len);
	key.qclass = bolt_wire_get_u16(msg + BOLT_HDR_LEN + key.name_len + 2);
	/* Bogus data is for CD=1 queries only: it lives under the CD key, where
	 * a CD=0 query never looks. */
	key.do_bit = (uint8_t)((do_bit ? BOLT_CACHE_KEY_DO : 0) |
	                       (status == BOLT_SEC_BOGUS && kind != BOLT_CACHE_SERVFAIL
	                        ? BOLT_CACHE_KEY_CD : 0));
	bolt_cache_key_hash(c, &key);
	return bolt_cache_insert(c, &key, &val, rel, sections);
}

int bolt_answer_insert_bogus(struct bolt_cache *c, const uint8_t *msg, size_t len,
                             const uint16_t *ttl_off, uint16_t nttl, bool do_bit,
                             uint32_t now, uint32_t ttl, uint8_t kind, uint32_t bogus_ttl,
                             uint16_t ede_code, const char *ede_text)
{
	uint8_t sf[BOLT_HDR_LEN + BOLT_NAME_MAX + 4 + BOLT_EDE_HDR_LEN + BOLT_EDE_TEXT_MAX];

	if (kind == BOLT_CACHE_SERVFAIL || kind == BOLT_CACHE_STATIC ||
	    ttl == BOLT_CACHE_EXPIRES_NEVER || bogus_ttl == BOLT_CACHE_EXPIRES_NEVER)
		return BOLT_EMALF;
	if (len < BOLT_HDR_LEN)
		return BOLT_ETRUNC;
	int qlen = bolt_name_len(msg + BOLT_HDR_LEN, len - BOLT_HDR_LEN);
	if (qlen < 0)
		return qlen;
	size_t qend = BOLT_HDR_LEN + (size_t)qlen + 4;
	if (qend > len)
		return BOLT_ETRUNC;

	/* The data first (for CD=1 queries), no longer than the SERVFAIL: once
	 * that is gone a CD=1 query misses anyway and the answer is validated
	 * again. Its records say so too: TTLs above that lifetime are cut to it
	 * (in a copy; bogus answers are rare, so the allocation is too), so a
	 * CD=1 client keeps bogus data no longer than the cache does. */
	uint32_t dttl = ttl < bogus_ttl ? ttl : bogus_ttl;
	uint8_t *cut = NULL;
	for (uint16_t i = 0; i < nttl; i++) {
		if ((size_t)ttl_off[i] + 4 > len)
			return BOLT_EMALF;
		if (bolt_wire_get_u32(msg + ttl_off[i]) <= dttl)
			continue;
		if (cut == NULL) {
			cut = malloc(len);
			if (cut == NULL)
				return -ENOMEM;
			memcpy(cut, msg, len);
		}
		bolt_wire_put_u32(cut + ttl_off[i], dttl);
	}
	int ret = bolt_answer_insert_status(c, cut != NULL ? cut : msg, len, ttl_off, nttl, do_bit,
	                                    now, dttl, kind, 0, BOLT_SEC_BOGUS);
	free(cut);
	if (ret < 0)
		return ret;

	/* Then the SERVFAIL for CD=0 queries: the question, no records, the
	 * validator's reason as EDE (RFC 8914), RA as the answer had it. */
	memcpy(sf, msg, qend);
	uint16_t flags = (uint16_t)((bolt_wire_get_u16(msg + 2) & BOLT_FLAG_RA) | BOLT_FLAG_QR |
	                            BOLT_RCODE_SERVFAIL);
	bolt_wire_put_u16(sf + 2, flags);
	bolt_wire_put_u16(sf + 6, 0);
	bolt_wire_put_u16(sf + 8, 0);
	bolt_wire_put_u16(sf + 10, 0);
	int n = bolt_answer_put_ede(sf + qend, sizeof(sf) - qend,
	                            ede_code != BOLT_EDE_NONE ? ede_code : EDE_DNSSEC_BOGUS,
	                            ede_text);
	if (n < 0)
		return n;
	return bolt_answer_insert_status(c, sf, qend + (size_t)n, NULL, 0, do_bit, now, bogus_ttl,
	                                 BOLT_CACHE_SERVFAIL, (uint8_t)n, BOLT_SEC_BOGUS);
}

/* Write an OPT RR at p: root owner, type 41, class = UDP size, TTL = ext
 * rcode/version/flags, empty RDATA. 11 bytes. */
static void put_opt(uint8_t *p, uint16_t udp, bool do_bit)
{
	p[0] = 0;
	bolt_wire_put_u16(p + 1, BOLT_TYPE_OPT);
	bolt_wire_put_u16(p + 3, udp);
	bolt_wire_put_u32(p + 5, do_bit ? 0x8000u : 0);
	bolt_wire_put_u16(p + 9, 0);
}

#define OPT_LEN 11

static inline __attribute__((always_inline)) int
from_cache(uint8_t *buf, size_t cap, size_t limit, const struct bolt_query *q,
           const struct bolt_cache_out *out, uint32_t now, bool stale, uint16_t server_udp,
           uint32_t *csum)
{
	const struct bolt_cache_val *v = &out->val;
	size_t qend = BOLT_HDR_LEN + (size_t)q->question_len;

	if (v->qsize != q->question_len || v->nttl > out->ttl_cap || v->len > out->cap ||
	    v->ede_len > v->len)
		return BOLT_EMALF;
	/* Bogus data only ever goes to a CD=1 query (RFC 4035 3.2.2); a CD=0
	 * query gets the bogus answer's SERVFAIL entry instead. */
	if (bolt_unlikely(v->status == BOLT_SEC_BOGUS) && v->kind != BOLT_CACHE_SERVFAIL &&
	    !(q->flags & BOLT_FLAG_CD))
		return BOLT_ENOENT;
	/* Policy markers (RPZ): no answer at all, or TC=1 over UDP; a stream
	 * transport (limit BOLT_MSG_MAX: UDP limits never reach it) is
	 * resolved by the control plane instead. */
	bool force_tc = false;
	if (bolt_unlikely(v->kind >= BOLT_CACHE_DROP)) {
		if (v->kind == BOLT_CACHE_DROP)
			return BOLT_EDROP;
		if (limit >= BOLT_MSG_MAX)
			return BOLT_ENOENT;
		force_tc = true;
	}
	if (limit > cap)
		limit = cap;
	if (qend + (q->has_edns ? OPT_LEN : 0) > limit)
		return BOLT_ESPACE;

	/* The records, then (only for a client with EDNS) the EDE option: the
	 * entry's own, or Stale Answer for a stale one. */
	size_t rlen = v->len - v->ede_len;
	uint8_t stale_ede[BOLT_EDE_HDR_LEN];
	const uint8_t *ede = out->sections + rlen;
	size_t ede_len = v->ede_len;
	if (stale) {
		ede_len = (size_t)bolt_answer_put_ede(stale_ede, sizeof(stale_ede),
		                                      v->kind == BOLT_CACHE_NXDOMAIN
		                                      ? BOLT_EDE_STALE_NXDOMAIN : BOLT_EDE_STALE_ANSWER,
		                                      NULL);
		ede = stale_ede;
	}
	if (!q->has_edns)
		ede_len = 0;
	size_t opt = q->has_edns ? OPT_LEN + ede_len : 0;
	bool tc = qend + rlen + opt > limit || force_tc;
	/* Response flags: cached QR/AA/RA/RCODE, the client's RD and CD. AD only
	 * for a secure answer and a client that asked for it with AD or DO (RFC
	 * 6840 5.7, 5.8), whatever its CD; not on a stale answer (its
	 * signatures may have expired since) nor on a truncated one (below). */
	uint16_t flags = (uint16_t)((v->flags & ~(BOLT_FLAG_RD | BOLT_FLAG_CD | BOLT_FLAG_TC |
	                                          BOLT_FLAG_AD)) |
	                            (q->flags & (BOLT_FLAG_RD | BOLT_FLAG_CD)) | BOLT_FLAG_QR);
	if (v->status == BOLT_SEC_SECURE && !stale && !tc &&
	    ((q->flags & BOLT_FLAG_AD) || q->do_bit))
		flags |= BOLT_FLAG_AD;
	uint16_t an = v->ancount, ns = v->nscount, ar = v->arcount;
	size_t pos = qend;
	/* The checksum's partial sum of the records, from the bytes as the
	 * cache copied them plus, per TTL, the change its rewrite makes (RFC
	 * 1624 eq. 3: ~old + new), so nothing just written is read back.
	 * TTLs at even and odd offsets of the records are summed apart. */
	uint64_t rsum = 0, todd = 0;
	bool sum = csum != NULL && ede_len == 0;

	if (tc) {
		flags |= BOLT_FLAG_TC;
		an = ns = ar = 0;
		if (qend + OPT_LEN + ede_len > limit)
			ede_len = 0;
	} else {
		uint8_t *dst = buf + qend;
		if (out->sections != dst) {
			/* The entry's EDE comes along when it is to be sent. */
			memmove(dst, out->sections, rlen + (ede == out->sections + rlen ? ede_len : 0));
			if (ede == out->sections + rlen)
				ede = dst + rlen;
		}
		if (sum)
			rsum = bolt_csum_add(0, dst, rlen);
		if (v->kind != BOLT_CACHE_STATIC) {
			uint32_t age = now > v->inserted ? now - v->inserted : 0;
			for (uint16_t i = 0; i < v->nttl; i++) {
				uint16_t off = out->ttl_off[i];
				if ((size_t)off + 4 > rlen)
					return BOLT_EMALF;
				uint32_t old;
				memcpy(&old, dst + off, 4);
				uint32_t ttl = be32toh(old);
				if (stale)
					ttl = BOLT_STALE_TTL;
				else
					ttl = ttl > age ? ttl - age : 0;
				uint32_t nw = htobe32(ttl);
				memcpy(dst + off, &nw, 4);
				/* A 4-byte load is the field's two memory-order
				 * words (high * 2^16 + low, and 2^16 is 1 modulo
				 * 0xffff), whichever comes first: ~old + new. */
				uint64_t d = (uint64_t)(uint32_t)~old + nw;
				if (off & 1)
					todd += d;
				else
					rsum = bolt_csum_plus(rsum, d);
			}
		}
		pos += rlen;
	}
	if (q->has_edns) {
		/* The option first (it may lie where the OPT header goes). */
		if (ede_len > 0)
			memmove(buf + pos + OPT_LEN, ede, ede_len);
		put_opt(buf + pos, server_udp, q->do_bit);
		bolt_wire_put_u16(buf + pos + 9, (uint16_t)ede_len);
		pos += OPT_LEN + ede_len;
		ar++;
	}
	bolt_wire_put_u16(buf, q->id);
	bolt_wire_put_u16(buf + 2, flags);
	bolt_wire_put_u16(buf + 4, 1);
	bolt_wire_put_u16(buf + 6, an);
	bolt_wire_put_u16(buf + 8, ns);
	bolt_wire_put_u16(buf + 10, ar);
	if (csum != NULL) {
		*csum = 0;
		if (sum && !tc) {
			/* Header and OPT fields as values; the question as the
			 * client sent it; the records where they start. */
			uint64_t hv = (uint64_t)q->id + flags + 1u + an + ns + ar;
			uint64_t s = bolt_csum_add(bolt_csum_val(hv), buf + BOLT_HDR_LEN, q->question_len);
			rsum = bolt_csum_plus(rsum, bolt_csum_at(todd, 1));
			s = bolt_csum_plus(s, bolt_csum_at(rsum, qend));
			if (q->has_edns) {
				/* 00 | 00 29 | udp | 00 00 | DO 00 | 00 00, as if at an
				 * even offset: words 0x0000, 0x29uu, 0xuu00, 0xD000... */
				uint64_t ov = 0x2900u + (server_udp >> 8) + (uint64_t)((server_udp & 0xff) << 8) +
				              (q->do_bit ? 0x80u : 0);
				s = bolt_csum_plus(s, bolt_csum_at(bolt_csum_val(ov), pos - OPT_LEN));
			}
			*csum = bolt_csum_fold(s);
		}
	}
	return (int)pos;
}

int bolt_answer_from_cache(uint8_t *buf, size_t cap, size_t limit,
                           const struct bolt_query *q, const struct bolt_cache_out *out,
                           uint32_t now, bool stale, uint16_t server_udp)
{
	return from_cache(buf, cap, limit, q, out, now, stale, server_udp, NULL);
}

int bolt_answer_from_cache_csum(uint8_t *buf, size_t cap, size_t limit,
                                const struct bolt_query *q, const struct bolt_cache_out *out,
                                uint32_t now, bool stale, uint16_t server_udp, uint32_t *csum)
{
	return from_cache(buf, cap, limit, q, out, now, stale, server_udp, csum);
}
