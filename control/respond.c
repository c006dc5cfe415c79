/*
 * Responses for one waiting client (see respond.h).
 */
#include <string.h>

#include "boltdns/answer.h"
#include "respond.h"

/* Working buffers: the process is single-threaded. out_buf is the rendered
 * response; msg_* hold a message being turned into a cache value. */
static uint8_t out_buf[BOLT_MSG_MAX];
static uint8_t sect_buf[BOLT_MSG_MAX];
static uint16_t ttl_buf[BOLT_BUILD_TTL_MAX];
static uint16_t rel_buf[BOLT_BUILD_TTL_MAX];

size_t respond_limit(const struct cp *cp, const struct waiter *w, size_t *cap)
{
	if (w->stream) {
		*cap = BOLT_MSG_MAX;
		return BOLT_MSG_MAX;
	}
	size_t server = cp->cfg->udp_max > 0 ? cp->cfg->udp_max : BOLT_EDNS_DEFAULT;
	if (server > BOLT_ANSWER_PAYLOAD_MAX)
		server = BOLT_ANSWER_PAYLOAD_MAX;
	*cap = BOLT_ANSWER_PAYLOAD_MAX;
	return bolt_udp_limit(&w->q, server);
}

void respond_error(struct cp *cp, const struct waiter *w, uint16_t rcode, uint16_t ede,
                   const char *text)
{
	(void)cp;
	bool opt = w->q.has_edns || rcode == BOLT_RCODE_BADVERS;
	int len = bolt_answer_error(out_buf, sizeof(out_buf), w->q.id, w->q.flags, w->question,
	                            w->q.question_len, rcode, opt, ede, text);
	if (len < 0)
		len = bolt_answer_error(out_buf, sizeof(out_buf), w->q.id, w->q.flags, NULL, 0, rcode,
		                        opt, ede, text);
	waiter_deliver(w, len > 0 ? out_buf : NULL, len > 0 ? (size_t)len : 0);
}

int respond_render(struct cp *cp, const struct waiter *w, const struct bolt_cache_out *out,
                   uint32_t now, bool stale, uint8_t *buf, size_t cap, size_t limit)
{
	size_t qend = BOLT_HDR_LEN + (size_t)w->q.question_len;
	if (qend > cap)
		return BOLT_ESPACE;
	memset(buf, 0, BOLT_HDR_LEN);
	memcpy(buf + BOLT_HDR_LEN, w->question, w->q.question_len);
	uint16_t server_udp = (uint16_t)(cp->cfg->udp_max > 0 ? cp->cfg->udp_max : BOLT_EDNS_DEFAULT);
	return bolt_answer_from_cache(buf, cap, limit, &w->q, out, now, stale, server_udp);
}

void respond_cached(struct cp *cp, const struct waiter *w, const struct bolt_cache_out *out,
                    uint32_t now, bool stale)
{
	size_t cap;
	size_t limit = respond_limit(cp, w, &cap);
	int len = respond_render(cp, w, out, now, stale, out_buf, cap, limit);
	if (len == BOLT_EDROP) {
		/* A response policy (RPZ DROP): nothing is sent. */
		waiter_deliver(w, NULL, 0);
		return;
	}
	if (len < 0) {
		respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "cannot render the answer");
		return;
	}
	waiter_deliver(w, out_buf, (size_t)len);
}

int respond_msg_status(struct cp *cp, const struct waiter *w, const uint8_t *msg, size_t len,
                       const uint16_t *ttl_off, uint16_t nttl, uint32_t now, uint32_t ttl,
                       uint8_t kind, uint8_t ede_len, uint8_t sec)
{
	struct bolt_cache_val val;
	const uint8_t *sections = NULL;
	if (nttl > BOLT_BUILD_TTL_MAX)
		return BOLT_ESPACE;
	int ret = bolt_answer_to_cache_ede(msg, len, ttl_off, nttl, now, ttl, kind, ede_len, &val,
	                                   rel_buf, &sections);
	if (ret < 0)
		return ret;
	val.status = sec;
	struct bolt_cache_out out = {
		.val = val,
		.ttl_off = rel_buf,
		.ttl_cap = BOLT_BUILD_TTL_MAX,
		.sections = (uint8_t *)(uintptr_t)sections,
		.cap = val.len,
	};
	respond_cached(cp, w, &out, now, false);
	return 0;
}

void respond_msg(struct cp *cp, const struct waiter *w, const uint8_t *msg, size_t len,
                 const uint16_t *ttl_off, uint16_t nttl, uint32_t ttl, uint8_t kind,
                 uint8_t ede_len)
{
	if (respond_msg_status(cp, w, msg, len, ttl_off, nttl, bolt_now(), ttl, kind, ede_len,
	                       BOLT_SEC_UNCHECKED) < 0)
		respond_error(cp, w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, "cannot render the answer");
}

void respond_cache_key(const struct cp *cp, const struct pkey *key, struct bolt_cache_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->name, key->name, key->name_len);
	k->name_len = key->name_len;
	k->qtype = key->qtype;
	k->qclass = key->qclass;
	k->do_bit = key->do_bit;
	bolt_cache_key_hash(cp->region->cache, k);
}

int respond_lookup(struct cp *cp, const struct pkey *key, struct bolt_cache_out *out,
                   uint32_t now)
{
	memset(out, 0, sizeof(*out));
	if (cp->region == NULL)
		return BOLT_ENOENT;
	struct bolt_cache_key k;
	respond_cache_key(cp, key, &k);
	out->ttl_off = ttl_buf;
	out->ttl_cap = BOLT_BUILD_TTL_MAX;
	out->sections = sect_buf;
	out->cap = sizeof(sect_buf);
	return bolt_cache_lookup(cp->region->cache, &k, now, out);
}

bool respond_stale_usable(const struct cp *cp, int rc, const struct bolt_cache_out *out,
                          uint32_t now)
{
	return cp->cfg->serve_stale && rc == BOLT_EEXPIRED && out->val.kind != BOLT_CACHE_SERVFAIL &&
	       out->val.expires != BOLT_CACHE_EXPIRES_NEVER &&
	       now - out->val.expires <= cp->cfg->stale_max_age;
}
