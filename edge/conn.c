/*
 * Client connections: accept (limits, ACL), TLS through memory BIOs, DoT
 * framing (RFC 7858: RFC 1035 4.2.2 two-byte lengths, pipelined, answered in
 * whatever order answers come), the idle timer.
 *
 * TLS never touches the socket: bytes read go into the read BIO, OpenSSL's
 * output is taken from the write BIO and written with libuv. So one loop
 * drives every connection and the TLS state machine is OpenSSL's own.
 */
#include <arpa/inet.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"

/* ---- connections per client address ---- */

struct edge_client {
	struct edge_client *next;
	uint8_t family;
	uint8_t addr[16];
	unsigned n;
};

#define CLIENTS_BUCKETS 4096

static unsigned client_hash(uint8_t family, const uint8_t *addr)
{
	uint32_t h = 2166136261u ^ family;
	for (unsigned i = 0; i < (family == AF_INET ? 4u : 16u); i++)
		h = (h ^ addr[i]) * 16777619u;
	return h & (CLIENTS_BUCKETS - 1);
}

static struct edge_client **client_slot(struct edge *e, uint8_t family, const uint8_t *addr)
{
	if (e->clients == NULL) {
		e->clients = calloc(CLIENTS_BUCKETS, sizeof(*e->clients));
		if (e->clients == NULL)
			return NULL;
	}
	struct edge_client **p = &e->clients[client_hash(family, addr)];
	while (*p != NULL && ((*p)->family != family || memcmp((*p)->addr, addr, 16) != 0))
		p = &(*p)->next;
	return p;
}

/* Count one more connection of this client; false past the limit. */
static bool client_add(struct edge *e, struct econn *c)
{
	struct edge_client **p = client_slot(e, c->family, c->addr);
	if (p == NULL)
		return false;
	if (*p == NULL) {
		struct edge_client *n = calloc(1, sizeof(*n));
		if (n == NULL)
			return false;
		n->family = c->family;
		memcpy(n->addr, c->addr, 16);
		*p = n;
	}
	if ((*p)->n >= e->cfg.tls_max_client_conns)
		return false;
	(*p)->n++;
	c->counted = true;
	return true;
}

static void client_del(struct edge *e, struct econn *c)
{
	if (!c->counted)
		return;
	c->counted = false;
	struct edge_client **p = client_slot(e, c->family, c->addr);
	if (p == NULL || *p == NULL)
		return;
	if (--(*p)->n == 0) {
		struct edge_client *dead = *p;
		*p = dead->next;
		free(dead);
	}
}

/* ---- lifetime ---- */

static void maybe_free(struct econn *c)
{
	if (c->open_handles > 0 || c->holds > 0)
		return;
	doh_session_free(c);
	SSL_free(c->ssl);
	free(c->buf);
	free(c->out);
	free(c);
}

static void on_handle_close(uv_handle_t *h)
{
	struct econn *c = h->data;
	c->open_handles--;
	maybe_free(c);
}

void conn_close(struct econn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	struct edge *e = c->e;
	e->nconns--;
	e->conns_open[c->kind]--;
	client_del(e, c);
	uv_read_stop((uv_stream_t *)&c->h);
	uv_timer_stop(&c->idle);
	uv_close((uv_handle_t *)&c->h, on_handle_close);
	uv_close((uv_handle_t *)&c->idle, on_handle_close);
}

void conn_hold(struct econn *c)
{
	c->holds++;
}

void conn_release(struct econn *c)
{
	if (c->holds > 0)
		c->holds--;
	if (c->closing)
		maybe_free(c);
}

void conn_touch(struct econn *c)
{
	if (!c->closing)
		uv_timer_again(&c->idle);
}

static void on_idle(uv_timer_t *t)
{
	struct econn *c = t->data;
	/* Answers still being resolved keep the connection (RFC 7766 6.2.3). */
	if (c->holds > 0 && c->handshaken)
		return;
	c->e->ctr.idle_closed[c->kind]++;
	conn_close(c);
}

/* ---- TLS output ---- */

struct wreq {
	uv_write_t req;
	uint8_t data[];
};

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

void conn_flush(struct econn *c)
{
	if (c->closing)
		return;
	size_t pending = BIO_ctrl_pending(c->wbio);
	if (pending == 0)
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->h) > EDGE_WRITE_QUEUE_MAX) {
		conn_close(c);
		return;
	}
	struct wreq *w = malloc(sizeof(*w) + pending);
	if (w == NULL) {
		conn_close(c);
		return;
	}
	int n = BIO_read(c->wbio, w->data, (int)pending);
	if (n <= 0) {
		free(w);
		return;
	}
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)n);
	if (uv_write(&w->req, (uv_stream_t *)&c->h, &b, 1, on_written) < 0) {
		free(w);
		conn_close(c);
	}
}

int conn_tls_write(struct econn *c, const uint8_t *data, size_t len)
{
	if (c->closing || !c->handshaken)
		return -1;
	/* A memory BIO takes everything: SSL_write never wants to wait. */
	while (len > 0) {
		int n = SSL_write(c->ssl, data, (int)(len > 16384 ? 16384 : len));
		if (n <= 0) {
			ERR_clear_error();
			conn_close(c);
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

void conn_answer(struct econn *c, int32_t stream, const uint8_t *msg, size_t len)
{
	if (c->closing || len > BOLT_MSG_MAX)
		return;
	if (c->kind == EDGE_DOH) {
		doh_answer(c, stream, msg, len);
		return;
	}
	/* Framed answers are gathered and given to TLS together: the answers
	 * of one read (hits of a pipelined burst) become one TLS record and one
	 * write instead of one each. */
	if (c->out_len + 2 + len > c->out_cap) {
		size_t want = c->out_cap ? c->out_cap : 4096;
		while (want < c->out_len + 2 + len)
			want *= 2;
		uint8_t *nb = realloc(c->out, want);
		if (nb == NULL) {
			conn_close(c);
			return;
		}
		c->out = nb;
		c->out_cap = want;
	}
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len += 2 + len;
	conn_touch(c);
	if (!c->in_input)
		conn_push(c);
}

void conn_push(struct econn *c)
{
	if (c->out_len == 0 || c->closing)
		return;
	size_t n = c->out_len;
	c->out_len = 0;
	if (conn_tls_write(c, c->out, n) == 0)
		conn_flush(c);
	/* Keep small buffers, give big ones back. */
	if (c->out_cap > 65536) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
}

/* ---- input ---- */

/* DoT: every complete frame of the plaintext. */
static int dot_recv(struct econn *c, const uint8_t *data, size_t n)
{
	if (c->len + n > c->cap) {
		size_t want = c->len + n;
		if (want > 2 + BOLT_MSG_MAX + 16384)
			want = 2 + BOLT_MSG_MAX + 16384;
		if (want < c->len + n) {
			/* Cannot happen: a frame is at most 2 + 65535 bytes and
			 * complete frames are consumed below before more is read. */
			return -1;
		}
		uint8_t *nb = realloc(c->buf, want);
		if (nb == NULL)
			return -1;
		c->buf = nb;
		c->cap = want;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	size_t pos = 0;
	while (!c->closing && c->len - pos >= 2) {
		size_t mlen = (size_t)c->buf[pos] << 8 | c->buf[pos + 1];
		if (mlen < BOLT_HDR_LEN)
			return -1; /* too short to carry even an ID: not DNS */
		if (c->len - pos < 2 + mlen)
			break;
		conn_touch(c);
		edge_query(c, 0, c->buf + pos + 2, mlen);
		pos += 2 + mlen;
	}
	if (pos > 0 && !c->closing) {
		memmove(c->buf, c->buf + pos, c->len - pos);
		c->len -= pos;
	}
	return 0;
}

static void handshake_done(struct econn *c)
{
	struct edge *e = c->e;
	c->handshaken = true;
	e->ctr.handshakes[c->kind]++;
	if (SSL_session_reused(c->ssl))
		e->ctr.resumed[c->kind]++;
	if (SSL_version(c->ssl) == TLS1_3_VERSION)
		e->ctr.tls13[c->kind]++;
	conn_touch(c);
	if (c->kind == EDGE_DOH) {
		const unsigned char *alpn = NULL;
		unsigned alen = 0;
		SSL_get0_alpn_selected(c->ssl, &alpn, &alen);
		if (alen != 2 || memcmp(alpn, "h2", 2) != 0 || doh_session_new(c) < 0) {
			/* no ALPN at all: HTTP/2 cannot be assumed */
			e->ctr.handshake_fail[c->kind]++;
			conn_close(c);
		}
	}
}

static void tls_input(struct econn *c)
{
	struct edge *e = c->e;
	if (!c->handshaken) {
		int r = SSL_do_handshake(c->ssl);
		if (r != 1) {
			int err = SSL_get_error(c->ssl, r);
			ERR_clear_error();
			conn_flush(c); /* an alert, or the next flight */
			if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
				e->ctr.handshake_fail[c->kind]++;
				conn_close(c);
			}
			return;
		}
		handshake_done(c);
		if (c->closing)
			return;
	}
	uint8_t buf[16384];
	c->in_input = true;
	for (;;) {
		int n = SSL_read(c->ssl, buf, sizeof(buf));
		if (n <= 0) {
			int err = SSL_get_error(c->ssl, n);
			ERR_clear_error();
			if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
				break;
			c->in_input = false;
			if (err != SSL_ERROR_ZERO_RETURN)
				e->ctr.bad_input[c->kind]++;
			conn_push(c);
			conn_flush(c);
			conn_close(c);
			return;
		}
		int rc = c->kind == EDGE_DOH ? doh_recv(c, buf, (size_t)n) : dot_recv(c, buf, (size_t)n);
		if (rc < 0) {
			c->in_input = false;
			e->ctr.bad_input[c->kind]++;
			conn_push(c);
			conn_flush(c);
			conn_close(c);
			return;
		}
		if (c->closing)
			return;
	}
	c->in_input = false;
	conn_push(c);
	if (c->kind == EDGE_DOH && doh_send(c) < 0) {
		conn_flush(c);
		conn_close(c);
		return;
	}
	conn_flush(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	static char rbuf[65536];
	buf->base = rbuf;
	buf->len = sizeof(rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct econn *c = s->data;
	if (c->closing)
		return;
	if (nread < 0) {
		/* A client gone in the middle of a TLS record or handshake. */
		if (!c->handshaken)
			c->e->ctr.handshake_fail[c->kind]++;
		conn_close(c);
		return;
	}
	if (nread == 0)
		return;
	if (BIO_write(c->rbio, buf->base, (int)nread) != (int)nread) {
		conn_close(c);
		return;
	}
	tls_input(c);
}

/* ---- accept ---- */

/* The client's address (c->family, c->addr), and both ends with the
 * transport in c->who, which misses carry to boltdns-cp. */
static bool peer_of(uv_tcp_t *h, struct econn *c)
{
	struct sockaddr_storage ss, ls;
	int sl = sizeof(ss), ll = sizeof(ls);
	if (uv_tcp_getpeername(h, (struct sockaddr *)&ss, &sl) < 0)
		return false;
	memset(c->addr, 0, sizeof(c->addr));
	memset(&c->who, 0, sizeof(c->who));
	bool local = uv_tcp_getsockname(h, (struct sockaddr *)&ls, &ll) == 0 &&
	             ls.ss_family == ss.ss_family;
	struct bolt_client *w = &c->who.peer;
	if (ss.ss_family == AF_INET) {
		c->family = AF_INET;
		memcpy(c->addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		if (local) {
			memcpy(w->client_addr, c->addr, 4);
			memcpy(w->server_addr, &((struct sockaddr_in *)&ls)->sin_addr, 4);
			w->client_port = ((struct sockaddr_in *)&ss)->sin_port;
			w->server_port = ((struct sockaddr_in *)&ls)->sin_port;
		}
	} else if (ss.ss_family == AF_INET6) {
		c->family = AF_INET6;
		memcpy(c->addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		if (local) {
			memcpy(w->client_addr, c->addr, 16);
			memcpy(w->server_addr, &((struct sockaddr_in6 *)&ls)->sin6_addr, 16);
			w->client_port = ((struct sockaddr_in6 *)&ss)->sin6_port;
			w->server_port = ((struct sockaddr_in6 *)&ls)->sin6_port;
		}
	} else {
		return false;
	}
	if (local) {
		w->family = c->family;
		c->who.transport = c->kind == EDGE_DOH ? BOLT_EDGE_DOH : BOLT_EDGE_DOT;
	}
	return true;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct edge *e = server->data;
	if (status < 0)
		return;
	uint8_t kind = e->listen_kind[(uv_tcp_t *)server - e->listen];
	struct econn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return;
	c->e = e;
	c->kind = kind;
	uv_tcp_init(e->loop, &c->h);
	uv_timer_init(e->loop, &c->idle);
	c->h.data = c;
	c->idle.data = c;
	c->open_handles = 2;
	if (uv_accept(server, (uv_stream_t *)&c->h) < 0) {
		c->closing = true;
		uv_close((uv_handle_t *)&c->h, on_handle_close);
		uv_close((uv_handle_t *)&c->idle, on_handle_close);
		return;
	}
	e->nconns++;
	e->conns_open[kind]++;
	e->ctr.conns[kind]++;
	if (!peer_of(&c->h, c)) {
		conn_close(c);
		return;
	}
	if (e->nconns > e->cfg.tls_max_conns || !client_add(e, c)) {
		e->ctr.conns_limited[kind]++;
		conn_close(c);
		return;
	}
	switch (bolt_acl_check(&e->acl, c->family, c->addr)) {
	case BOLT_ACL_ALLOWED:
		break;
	case BOLT_ACL_REFUSED:
		c->refused = true;
		break;
	default:
		/* drop: the client learns nothing, not even a TLS alert */
		e->ctr.acl_dropped++;
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->h, 1);
	c->ssl = SSL_new(e->ssl_ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		conn_close(c);
		return;
	}
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_app_data(c->ssl, c);
	SSL_set_accept_state(c->ssl);
	/* The handshake, too, must finish within the idle timeout: a client
	 * that trickles bytes (slowloris) never restarts the timer, only
	 * complete handshakes, queries and answers do. */
	uv_timer_start(&c->idle, on_idle, e->cfg.tls_idle_ms, e->cfg.tls_idle_ms);
	if (uv_read_start((uv_stream_t *)&c->h, on_alloc, on_read) < 0)
		conn_close(c);
}

static int listen_one(struct edge *e, const struct bolt_sockaddr *a, uint8_t kind)
{
	uint16_t defport = kind == EDGE_DOH ? 443 : 853;
	struct sockaddr_storage ss;
	int ret = bolt_sockaddr_to_os(a, defport, &ss, NULL);
	uv_tcp_t *l = &e->listen[e->nlisten];
	if (ret == 0)
		ret = uv_tcp_init(e->loop, l);
	if (ret < 0)
		return ret;
	l->data = e;
	e->listen_kind[e->nlisten] = kind;
	e->nlisten++;
	char ip[64] = "?";
	inet_ntop(a->family, a->addr, ip, sizeof(ip));
	if ((ret = uv_tcp_bind(l, (const struct sockaddr *)&ss, 0)) < 0 ||
	    (ret = uv_listen((uv_stream_t *)l, 1024, on_connection)) < 0) {
		edge_log(EDGE_LOG_ERR, "%s-listen %s@%u: %s", kind == EDGE_DOH ? "doh" : "dot", ip,
		         a->port ? a->port : defport, uv_strerror(ret));
		return ret;
	}
	edge_log(EDGE_LOG_NOTICE, "listening for %s on %s@%u", kind == EDGE_DOH ? "DoH" : "DoT", ip,
	         a->port ? a->port : defport);
	return 0;
}

int edge_listen_start(struct edge *e)
{
	for (unsigned i = 0; i < e->cfg.ndot_listen; i++) {
		int ret = listen_one(e, &e->cfg.dot_listen[i], EDGE_DOT);
		if (ret < 0)
			return ret;
	}
	for (unsigned i = 0; i < e->cfg.ndoh_listen; i++) {
		int ret = listen_one(e, &e->cfg.doh_listen[i], EDGE_DOH);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void edge_listen_stop(struct edge *e)
{
	for (unsigned i = 0; i < e->nlisten; i++)
		uv_close((uv_handle_t *)&e->listen[i], NULL);
	e->nlisten = 0;
}
