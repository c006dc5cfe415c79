/*
 * DNS over HTTPS (RFC 8484) on HTTP/2 (nghttp2): GET with ?dns=base64url
 * and POST of application/dns-message on [tls] doh-path. nghttp2 does the
 * framing and flow control through its callbacks; this file only collects
 * each request's method, path, content type and body (dohreq.c decodes
 * them), hands the message to edge_query and answers on the same stream,
 * in whatever order answers come.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dohreq.h"
#include "edge.h"

struct h2s {
	struct h2s *prev, *next;        /* the connection's open streams */
	int32_t id;
	uint8_t method;                 /* enum doh_method */
	bool too_large;                 /* body over the limit: 413 sent */
	bool answered;
	bool bad_header;
	size_t path_len;
	char path[DOH_PATH_MAX + 1];
	char ctype[128];
	uint8_t *body;
	size_t body_len;
	uint8_t *resp;                  /* the response body being sent */
	size_t resp_len, resp_off;
	char clen[16];
	char cache[40];
};

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len,
                         uint32_t *flags, nghttp2_data_source *src, void *user)
{
	(void)s;
	(void)id;
	(void)user;
	struct h2s *st = src->ptr;
	size_t left = st->resp_len - st->resp_off;
	size_t n = left < len ? left : len;
	if (n > 0)
		memcpy(buf, st->resp + st->resp_off, n);
	st->resp_off += n;
	if (st->resp_off == st->resp_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

#define NV(n, v, vl) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), NGHTTP2_NV_FLAG_NONE }

/* An answer without a body (4xx). */
static void respond_status(struct econn *c, struct h2s *st, int status)
{
	if (st->answered)
		return;
	st->answered = true;
	char code[8];
	snprintf(code, sizeof(code), "%d", status);
	nghttp2_nv hdrs[] = { NV(":status", code, strlen(code)), NV("content-length", "0", 1) };
	nghttp2_submit_response(c->h2, st->id, hdrs, 2, NULL);
	if (status == 413)
		c->e->ctr.doh_too_large++;
	else
		c->e->ctr.doh_bad_request++;
}

void doh_answer(struct econn *c, int32_t stream, const uint8_t *msg, size_t len)
{
	if (c->closing || c->h2 == NULL)
		return;
	struct h2s *st = nghttp2_session_get_stream_user_data(c->h2, stream);
	if (st == NULL || st->answered)
		return; /* the client reset the stream meanwhile */
	if (msg == NULL) {
		respond_status(c, st, 400);
	} else {
		free(st->resp);
		st->resp = malloc(len);
		if (st->resp == NULL) {
			respond_status(c, st, 500);
		} else {
			st->answered = true;
			memcpy(st->resp, msg, len);
			st->resp_len = len;
			st->resp_off = 0;
			snprintf(st->clen, sizeof(st->clen), "%zu", len);
			/* RFC 8484 5.1: freshness no longer than the smallest TTL. */
			uint32_t ttl = edge_msg_min_ttl(msg, len);
			if (ttl == UINT32_MAX)
				ttl = 0;
			snprintf(st->cache, sizeof(st->cache), "max-age=%u", ttl);
			nghttp2_nv hdrs[] = {
				NV(":status", "200", 3),
				NV("content-type", "application/dns-message", 23),
				NV("content-length", st->clen, strlen(st->clen)),
				NV("cache-control", st->cache, strlen(st->cache)),
			};
			nghttp2_data_provider prd = { .source.ptr = st, .read_callback = read_body };
			nghttp2_submit_response(c->h2, st->id, hdrs, 4, &prd);
		}
	}
	/* Called from the resolver's answer too, outside any read: send now
	 * (inside nghttp2's receive, the reader sends when it returns). */
	if (c->in_h2_recv)
		return;
	if (doh_send(c) < 0)
		conn_close(c);
	else
		conn_flush(c);
	conn_touch(c);
}

static void request_done(struct econn *c, struct h2s *st)
{
	if (st->answered)
		return;
	if (st->bad_header) {
		respond_status(c, st, 400);
		return;
	}
	static uint8_t msg[EDGE_DOH_BODY_MAX];
	size_t len = 0;
	int status = doh_req_decode(st->method, st->path, st->path_len, c->e->cfg.doh_path,
	                            st->ctype[0] ? st->ctype : NULL, st->body, st->body_len, msg,
	                            sizeof(msg), &len);
	free(st->body);
	st->body = NULL;
	if (status != 200) {
		respond_status(c, st, status);
		return;
	}
	conn_touch(c);
	edge_query(c, st->id, msg, len);
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct h2s *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	st->id = f->hd.stream_id;
	struct econn *c = user;
	st->next = c->streams;
	if (st->next != NULL)
		st->next->prev = st;
	c->streams = st;
	nghttp2_session_set_stream_user_data(s, f->hd.stream_id, st);
	return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user)
{
	(void)flags;
	(void)user;
	if (f->hd.type != NGHTTP2_HEADERS)
		return 0;
	struct h2s *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (st == NULL)
		return 0;
	if (namelen == 7 && memcmp(name, ":method", 7) == 0) {
		if (valuelen == 3 && memcmp(value, "GET", 3) == 0)
			st->method = DOH_METHOD_GET;
		else if (valuelen == 4 && memcmp(value, "POST", 4) == 0)
			st->method = DOH_METHOD_POST;
	} else if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
		if (valuelen > DOH_PATH_MAX) {
			st->bad_header = true;
			return 0;
		}
		memcpy(st->path, value, valuelen);
		st->path[valuelen] = '\0';
		st->path_len = valuelen;
	} else if (namelen == 12 && memcmp(name, "content-type", 12) == 0) {
		size_t n = valuelen < sizeof(st->ctype) - 1 ? valuelen : sizeof(st->ctype) - 1;
		memcpy(st->ctype, value, n);
		st->ctype[n] = '\0';
	}
	return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                   size_t len, void *user)
{
	(void)flags;
	struct econn *c = user;
	struct h2s *st = nghttp2_session_get_stream_user_data(s, id);
	if (st == NULL || st->too_large || st->answered)
		return 0;
	if (st->body_len + len > EDGE_DOH_BODY_MAX) {
		/* Refused at once, and nothing more of it is kept. */
		st->too_large = true;
		free(st->body);
		st->body = NULL;
		respond_status(c, st, 413);
		return 0;
	}
	uint8_t *nb = realloc(st->body, st->body_len + len);
	if (nb == NULL)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	memcpy(nb + st->body_len, data, len);
	st->body = nb;
	st->body_len += len;
	return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
	struct econn *c = user;
	if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
	    !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	struct h2s *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (st != NULL)
		request_done(c, st);
	return 0;
}

static void stream_free(struct econn *c, struct h2s *st)
{
	if (st->prev != NULL)
		st->prev->next = st->next;
	else
		c->streams = st->next;
	if (st->next != NULL)
		st->next->prev = st->prev;
	free(st->body);
	free(st->resp);
	free(st);
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t err, void *user)
{
	(void)err;
	struct h2s *st = nghttp2_session_get_stream_user_data(s, id);
	if (st == NULL)
		return 0;
	nghttp2_session_set_stream_user_data(s, id, NULL);
	stream_free(user, st);
	return 0;
}

void doh_session_free(struct econn *c)
{
	if (c->h2 == NULL)
		return;
	/* nghttp2_session_del calls no stream-close callback: streams still
	 * open (a client gone mid-request) are freed here. */
	nghttp2_session_del(c->h2);
	c->h2 = NULL;
	while (c->streams != NULL)
		stream_free(c, c->streams);
}

int doh_session_new(struct econn *c)
{
	nghttp2_session_callbacks *cb;
	if (nghttp2_session_callbacks_new(&cb) != 0)
		return -1;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	int rc = nghttp2_session_server_new(&c->h2, cb, c);
	nghttp2_session_callbacks_del(cb);
	if (rc != 0)
		return -1;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, EDGE_DOH_STREAMS },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 16384 },
	};
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 2) != 0)
		return -1;
	return doh_send(c);
}

int doh_recv(struct econn *c, const uint8_t *data, size_t len)
{
	c->in_h2_recv = true;
	ssize_t n = nghttp2_session_mem_recv(c->h2, data, len);
	c->in_h2_recv = false;
	if (n < 0) {
		/* A protocol error (bad frame length, bad preface...): nghttp2 has
		 * queued GOAWAY; the caller sends it and closes. */
		edge_log(EDGE_LOG_INFO, "DoH: %s", nghttp2_strerror((int)n));
		doh_send(c);
		return -1;
	}
	return 0;
}

int doh_send(struct econn *c)
{
	if (c->h2 == NULL || c->closing)
		return -1;
	/* nghttp2 hands out a frame or two at a time: gathered first. */
	c->out_len = 0;
	for (;;) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(c->h2, &data);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (c->out_len + (size_t)n > c->out_cap) {
			size_t want = c->out_cap ? c->out_cap : 16384;
			while (want < c->out_len + (size_t)n)
				want *= 2;
			uint8_t *nb = realloc(c->out, want);
			if (nb == NULL)
				return -1;
			c->out = nb;
			c->out_cap = want;
		}
		memcpy(c->out + c->out_len, data, (size_t)n);
		c->out_len += (size_t)n;
	}
	/* One TLS record per answer (its HEADERS and DATA), not one per frame
	 * nor one for all: some clients (dnsperf 2.10) take one HTTP/2 answer
	 * per record they read and lose the others of a record. Frames are
	 * whole here (nghttp2 serialises frame by frame): a record ends after
	 * each frame that ends a stream. */
	size_t n = c->out_len, pos = 0, rec = 0;
	c->out_len = 0;
	while (pos + 9 <= n) {
		size_t flen = (size_t)c->out[pos] << 16 | (size_t)c->out[pos + 1] << 8 | c->out[pos + 2];
		uint8_t type = c->out[pos + 3], flags = c->out[pos + 4];
		pos += 9 + flen;
		if (pos > n)
			break;
		if ((type == NGHTTP2_DATA || type == NGHTTP2_HEADERS) && (flags & NGHTTP2_FLAG_END_STREAM)) {
			if (conn_tls_write(c, c->out + rec, pos - rec) < 0)
				return -1;
			rec = pos;
		}
	}
	if (rec < n && conn_tls_write(c, c->out + rec, n - rec) < 0)
		return -1;
	if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2))
		return -1;
	return 0;
}
