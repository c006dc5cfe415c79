/*
 * One query of an encrypted client: the ACL's REFUSED, errors for what does
 * not parse, a hit straight from the shared region with the dataplane's
 * lookup (bolt_cache_lookup) and builder (bolt_answer_from_cache), a miss
 * to boltdns-cp.
 */
#include <string.h>

#include "boltdns/answer.h"
#include "boltdns/cache.h"
#include "edge.h"

/* Single thread: one rendered answer at a time (plus room for keepalive). */
static uint8_t out_buf[BOLT_MSG_MAX + EDGE_KEEPALIVE_LEN];
static uint16_t ttl_buf[BOLT_BUILD_TTL_MAX];

/* RFC 7828 3.3.2: the timeout we announce, in units of 100 ms. */
static uint16_t keepalive_units(const struct edge *e)
{
	unsigned u = e->cfg.tls_idle_ms / 100;
	return (uint16_t)(u > 0xffff ? 0xffff : u);
}

/* An answer being padded: room for the padding past any message. */
static uint8_t pad_buf[BOLT_MSG_MAX + EDGE_PAD_BLOCK + 16];

void edge_answer(struct edge_origin *o, uint8_t *msg, size_t len, size_t cap)
{
	struct econn *c = o->c;
	if (len < BOLT_HDR_LEN || c->closing)
		return;
	msg[0] = (uint8_t)(o->id >> 8);
	msg[1] = (uint8_t)o->id;
	if (o->keepalive)
		len = edge_msg_add_keepalive(msg, len, cap, keepalive_units(c->e));
	if (o->padding) {
		/* Padding comes last (RFC 7830 3: it pads whatever precedes it). */
		memcpy(pad_buf, msg, len);
		msg = pad_buf;
		len = edge_msg_add_padding(pad_buf, len, sizeof(pad_buf), EDGE_PAD_BLOCK);
	}
	conn_answer(c, o->stream, msg, len);
}

static void answer_error(struct edge_origin *o, uint16_t rcode, uint16_t ede, const char *text)
{
	int len = bolt_answer_error(out_buf, BOLT_MSG_MAX, o->id, o->qflags,
	                            o->question_len ? o->question : NULL, o->question_len, rcode,
	                            o->has_edns, ede, text);
	if (len > 0)
		edge_answer(o, out_buf, (size_t)len, sizeof(out_buf));
}

void edge_answer_servfail(struct edge_origin *o, const char *text)
{
	answer_error(o, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER, text);
}

/* Lookup as the dataplane does (dataplane/process.c serve_one): the plain
 * key, and for a CD=1 query that found a bogus answer's SERVFAIL the data
 * kept under the CD key. */
static int lookup(struct bolt_region *r, const struct bolt_query *q, uint32_t now,
                  struct bolt_cache_out *out, size_t qend)
{
	struct bolt_cache_key k;
	k.qtype = q->qtype;
	k.qclass = q->qclass;
	k.do_bit = q->do_bit;
	k.name_len = (uint8_t)q->qname_len;
	memcpy(k.name, q->qname_lc, q->qname_len);
	bolt_cache_key_hash(r->cache, &k);
	memset(out, 0, sizeof(*out));
	out->ttl_off = ttl_buf;
	out->ttl_cap = BOLT_BUILD_TTL_MAX;
	out->sections = out_buf + qend;
	out->cap = (uint32_t)(BOLT_MSG_MAX - qend);
	int rc = bolt_cache_lookup(r->cache, &k, now, out);
	if (rc == 0 && out->val.status == BOLT_SEC_BOGUS && (q->flags & BOLT_FLAG_CD)) {
		k.do_bit = (uint8_t)(k.do_bit | BOLT_CACHE_KEY_CD);
		bolt_cache_key_hash(r->cache, &k);
		rc = bolt_cache_lookup(r->cache, &k, now, out);
	}
	return rc;
}

void edge_query(struct econn *c, int32_t stream, const uint8_t *msg, size_t len)
{
	struct edge *e = c->e;
	struct bolt_query q;
	memset(&q, 0, sizeof(q));
	e->ctr.queries[c->kind]++;
	int rc = bolt_query_parse(msg, len, &q);
	/* The option that tells boltdns-cp who the client is comes from the
	 * edge alone (boltdns/edgeinfo.h): a client's is FORMERR. */
	if (rc == 0 && bolt_edge_client_present(msg, len))
		rc = BOLT_EOPT;
	/* Never answer a response: that is how loops start. */
	if (rc == BOLT_EQR) {
		e->ctr.formerr[c->kind]++;
		if (c->kind == EDGE_DOH)
			doh_answer(c, stream, NULL, 0);
		return;
	}
	bool echo = rc == 0 || rc == BOLT_EBADVERS;
	struct edge_origin o = {
		.c = c,
		.stream = stream,
		.id = q.id,
		.qflags = q.flags,
		.has_edns = q.has_edns || rc == BOLT_EBADVERS,
	};
	if (echo && q.question_len <= sizeof(o.question)) {
		o.question_len = q.question_len;
		memcpy(o.question, msg + BOLT_HDR_LEN, q.question_len);
	}
	if (rc == 0 && c->kind == EDGE_DOT)
		o.keepalive = edge_msg_has_keepalive(msg, len, q.question_len);
	/* RFC 8467 4.1: pad responses to clients that pad their queries. */
	if (rc == 0)
		o.padding = edge_msg_has_padding(msg, len, q.question_len);
	if (c->refused) {
		/* The same answer the dataplane and TCP/53 give (boltdns/acl.h). */
		e->ctr.acl_refused++;
		answer_error(&o, BOLT_RCODE_REFUSED, rc == 0 && q.has_edns ? BOLT_EDE_PROHIBITED
		                                                            : BOLT_EDE_NONE, NULL);
		return;
	}
	if (rc < 0) {
		e->ctr.formerr[c->kind]++;
		uint16_t rcode = rc == BOLT_ENOTIMP ? BOLT_RCODE_NOTIMP
		                 : rc == BOLT_EBADVERS ? BOLT_RCODE_BADVERS
		                                       : BOLT_RCODE_FORMERR;
		if (rc != BOLT_EBADVERS)
			o.question_len = 0;
		answer_error(&o, rcode, BOLT_EDE_NONE, NULL);
		return;
	}
	if (e->region != NULL) {
		size_t qend = BOLT_HDR_LEN + q.question_len;
		struct bolt_cache_out out;
		uint32_t now = bolt_now();
		if (lookup(e->region, &q, now, &out, qend) == 0) {
			memcpy(out_buf, msg, qend);
			uint16_t udp = (uint16_t)(e->cfg.udp_max > 0 ? e->cfg.udp_max : BOLT_EDNS_DEFAULT);
			/* A stream transport: no truncation below the message limit. */
			int n = bolt_answer_from_cache(out_buf, BOLT_MSG_MAX, BOLT_MSG_MAX, &q, &out, now,
			                               false, udp);
			if (n > 0) {
				e->ctr.hits[c->kind]++;
				edge_answer(&o, out_buf, (size_t)n, sizeof(out_buf));
				return;
			}
		}
	}
	e->ctr.misses[c->kind]++;
	if (c->holds >= EDGE_CONN_PENDING) {
		e->ctr.overload++;
		edge_answer_servfail(&o, "too many queries in flight on this connection");
		return;
	}
	upstream_query(e, &o, msg, len);
}
