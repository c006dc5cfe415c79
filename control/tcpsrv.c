/*
 * Client TCP/53 server on libuv.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boltdns/acl.h"
#include "boltdns/answer.h"
#include "boltdns/edgeinfo.h"
#include "boltdns/wire_ctx.h"
#include "log.h"
#include "policy.h"
#include "respond.h"
#include "serve.h"
#include "tap.h"
#include "tcpsrv.h"

#define TCP_BUF (2 + BOLT_MSG_MAX)
/* A client that does not read its answers is dropped past this backlog. */
#define TCP_WRITE_QUEUE_MAX (1u << 20)

struct tcp_srv {
	struct bolt_acl acl;   /* [acl], the dataplane's decision (boltdns/acl.h) */
	unsigned nlisten;
	uv_tcp_t listen[BOLT_CFG_MAX_ADDRS];
	unsigned nconns;
};

struct tcp_conn {
	uv_tcp_t h;
	uv_timer_t idle;
	struct cp *cp;
	int open_handles;
	unsigned holds;        /* waiters pointing at this connection */
	bool closing;
	bool refused;          /* the ACL refuses this client: every query gets REFUSED */
	struct bolt_client peer; /* addresses and ports of both ends (dnstap) */
	size_t len;
	uint8_t buf[TCP_BUF];
};

struct wreq {
	uv_write_t req;
	uint8_t data[];
};

static void maybe_free(struct tcp_conn *c)
{
	if (c->open_handles == 0 && c->holds == 0)
		free(c);
}

static void on_conn_close(uv_handle_t *h)
{
	struct tcp_conn *c = h->data;
	c->open_handles--;
	maybe_free(c);
}

static void conn_close(struct tcp_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->cp->tcp != NULL && c->cp->tcp->nconns > 0)
		c->cp->tcp->nconns--;
	uv_read_stop((uv_stream_t *)&c->h);
	uv_timer_stop(&c->idle);
	uv_close((uv_handle_t *)&c->h, on_conn_close);
	uv_close((uv_handle_t *)&c->idle, on_conn_close);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void conn_send(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	if (c->closing || len > BOLT_MSG_MAX)
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->h) > TCP_WRITE_QUEUE_MAX) {
		conn_close(c);
		return;
	}
	struct wreq *w = malloc(sizeof(*w) + 2 + len);
	if (w == NULL) {
		conn_close(c);
		return;
	}
	uint16_t l16 = htobe16((uint16_t)len);
	memcpy(w->data, &l16, 2);
	memcpy(w->data + 2, msg, len);
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)(2 + len));
	if (uv_write(&w->req, (uv_stream_t *)&c->h, &b, 1, on_written) < 0) {
		free(w);
		conn_close(c);
		return;
	}
	uv_timer_again(&c->idle);
}

void tcp_conn_hold(struct tcp_conn *c)
{
	c->holds++;
}

void tcp_conn_deliver(struct tcp_conn *c, const uint8_t *msg, size_t len, bool held)
{
	if (c == NULL)
		return;
	if (msg != NULL)
		conn_send(c, msg, len);
	if (held && c->holds > 0) {
		c->holds--;
		if (c->closing)
			maybe_free(c);
	}
}

/* A TCP client's answer: sent on its connection (kept open meanwhile). */
static void tcp_deliver(const struct waiter *w, const uint8_t *msg, size_t len)
{
	if (w->ctx != NULL)
		tap_client_response(((struct tcp_conn *)w->ctx)->cp, w, msg, len);
	tcp_conn_deliver(w->ctx, msg, len, w->held);
}

static void tcp_hold(const struct waiter *w)
{
	tcp_conn_hold(w->ctx);
}

static const struct waiter_ops tcp_ops = { .deliver = tcp_deliver, .hold = tcp_hold };

static void on_idle(uv_timer_t *t)
{
	struct tcp_conn *c = t->data;
	/* Answers still being resolved keep the connection (RFC 7766 6.2.3). */
	if (c->holds > 0) {
		uv_timer_again(&c->idle);
		return;
	}
	conn_close(c);
}

/* A client the ACL refuses: REFUSED without looking at the cache, with EDE
 * 18 Prohibited when it sent EDNS, the same answer the dataplane gives. */
static void refuse_query(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	struct bolt_query q;
	memset(&q, 0, sizeof(q));
	int rc = bolt_query_parse(msg, len, &q);
	/* Never answer a response: that is how reflection loops start. */
	if (rc == BOLT_EQR)
		return;
	c->cp->ctr.tcp_acl_refused++;
	bool echo = rc == 0 || rc == BOLT_EBADVERS;
	uint8_t out[BOLT_HDR_LEN + BOLT_NAME_MAX + 4 + 64];
	int ol = bolt_answer_error(out, sizeof(out), q.id, q.flags, echo ? msg + BOLT_HDR_LEN : NULL,
	                           echo ? q.question_len : 0, BOLT_RCODE_REFUSED,
	                           rc == 0 && q.has_edns, BOLT_EDE_PROHIBITED, NULL);
	if (ol > 0)
		conn_send(c, out, (size_t)ol);
}

/* A peer on this host: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
static bool peer_is_loopback(const struct bolt_client *p)
{
	static const struct bolt_prefix lo4 = { .family = AF_INET, .len = 8, .addr = { 127 } };
	static const struct bolt_prefix lo6 = { .family = AF_INET6, .len = 128, .addr = { [15] = 1 } };
	return bolt_prefix_match(&lo4, p->family, p->client_addr) ||
	       bolt_prefix_match(&lo6, p->family, p->client_addr);
}

/* A query boltdns-edge forwards says who its client is (boltdns/edgeinfo.h):
 * taken out of the message (a copy in edge_buf) into w, believed from a
 * loopback peer only (the edge runs on the region's host). */
static uint8_t edge_buf[BOLT_MSG_MAX];

static const uint8_t *take_edge_client(const struct tcp_conn *c, struct waiter *w,
                                       const uint8_t *msg, size_t *len)
{
	if (!peer_is_loopback(&c->peer) || *len > sizeof(edge_buf) ||
	    !bolt_edge_client_present(msg, *len))
		return msg;
	memcpy(edge_buf, msg, *len);
	struct bolt_edge_client ec;
	size_t n = bolt_edge_client_take(edge_buf, *len, &ec);
	if (ec.transport == BOLT_EDGE_NONE)
		return msg;
	w->edge = ec.transport;
	w->client = ec.peer;
	*len = n;
	return edge_buf;
}

static void handle_query(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	struct cp *cp = c->cp;
	cp->ctr.tcp_queries++;
	if (c->refused) {
		refuse_query(c, msg, len);
		return;
	}
	/* A NOTIFY (opcode 4) for a policy zone: its transfer thread. */
	if (len >= BOLT_HDR_LEN && BOLT_OPCODE(bolt_wire_get_u16(msg + 2)) == 4 &&
	    !(bolt_wire_get_u16(msg + 2) & BOLT_FLAG_QR)) {
		uint8_t out[1024];
		/* relay: the other workers' connections did not get it */
		int ol = policy_xfr_notify(cp, msg, len, c->peer.family, c->peer.client_addr, true,
		                           out, sizeof(out));
		if (ol > 0)
			conn_send(c, out, (size_t)ol);
		return;
	}
	struct waiter w;
	memset(&w, 0, sizeof(w));
	w.client = c->peer;
	msg = take_edge_client(c, &w, msg, &len);
	w.ops = &tcp_ops;
	w.ctx = c;
	w.stream = true;
	int ret = bolt_query_parse(msg, len, &w.q);
	if (ret == 0 && w.q.question_len > BOLT_MISS_QUESTION_MAX)
		ret = BOLT_ENAME;
	if (ret < 0) {
		cp->ctr.tcp_formerr++;
		uint16_t rcode = ret == BOLT_ENOTIMP ? BOLT_RCODE_NOTIMP
		                 : ret == BOLT_EBADVERS ? BOLT_RCODE_BADVERS
		                                        : BOLT_RCODE_FORMERR;
		uint8_t out[64];
		int ol = bolt_build_error(out, sizeof(out), w.q.id, w.q.flags, NULL, 0, rcode,
		                          ret == BOLT_EBADVERS || w.q.has_edns);
		if (ol > 0)
			conn_send(c, out, (size_t)ol);
		return;
	}
	memcpy(w.question, msg + BOLT_HDR_LEN, w.q.question_len);
	tap_client_query(cp, &w, msg, len);
	struct pkey key;
	if (pkey_make(&key, w.q.qname_lc, w.q.qtype, w.q.qclass, w.q.do_bit) < 0) {
		respond_error(cp, &w, BOLT_RCODE_FORMERR, BOLT_EDE_NONE, NULL);
		return;
	}
	if (serve_from_cache(cp, &key, &w)) {
		cp->ctr.tcp_hits++;
		return;
	}
	if (c->holds >= TCP_MAX_PENDING) {
		respond_error(cp, &w, BOLT_RCODE_SERVFAIL, BOLT_EDE_OTHER,
		              "too many queries in flight on this connection");
		return;
	}
	serve_resolve(cp, &key, &w);
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct tcp_conn *c = h->data;
	buf->base = (char *)c->buf + c->len;
	buf->len = TCP_BUF - c->len;
}

static void conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct tcp_conn *c = s->data;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (c->closing)
		return;
	c->len += (size_t)nread;
	uv_timer_again(&c->idle);
	size_t pos = 0;
	while (!c->closing && c->len - pos >= 2) {
		uint16_t l16;
		memcpy(&l16, c->buf + pos, 2);
		size_t mlen = be16toh(l16);
		if (mlen < BOLT_HDR_LEN) {
			/* Too short to carry even an ID to answer: not DNS. */
			conn_close(c);
			return;
		}
		if (c->len - pos < 2 + mlen)
			break;
		handle_query(c, c->buf + pos + 2, mlen);
		pos += 2 + mlen;
	}
	if (pos > 0 && !c->closing) {
		memmove(c->buf, c->buf + pos, c->len - pos);
		c->len -= pos;
	}
}

/* The ACL's verdict for the peer of an accepted connection; a peer whose
 * address cannot be read (gone already) is dropped. */
static enum bolt_acl_verdict acl_verdict(const struct bolt_acl *acl, uv_tcp_t *h)
{
	struct sockaddr_storage ss;
	int sl = sizeof(ss);
	if (uv_tcp_getpeername(h, (struct sockaddr *)&ss, &sl) < 0)
		return BOLT_ACL_DROPPED;
	if (ss.ss_family == AF_INET)
		return bolt_acl_check(acl, AF_INET,
		                      (const uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr);
	if (ss.ss_family == AF_INET6)
		return bolt_acl_check(acl, AF_INET6,
		                      (const uint8_t *)&((struct sockaddr_in6 *)&ss)->sin6_addr);
	return BOLT_ACL_DROPPED;
}

/* Both ends of an accepted connection, for dnstap's addresses and ports. */
static void fill_peer(struct tcp_conn *c)
{
	struct sockaddr_storage ss[2];
	int sl[2] = { sizeof(ss[0]), sizeof(ss[1]) };
	if (uv_tcp_getpeername(&c->h, (struct sockaddr *)&ss[0], &sl[0]) < 0 ||
	    uv_tcp_getsockname(&c->h, (struct sockaddr *)&ss[1], &sl[1]) < 0 ||
	    ss[0].ss_family != ss[1].ss_family)
		return;
	struct bolt_client *p = &c->peer;
	p->family = (uint8_t)ss[0].ss_family;
	if (p->family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss[0];
		const struct sockaddr_in *b = (const struct sockaddr_in *)&ss[1];
		memcpy(p->client_addr, &a->sin_addr, 4);
		memcpy(p->server_addr, &b->sin_addr, 4);
		p->client_port = a->sin_port;
		p->server_port = b->sin_port;
	} else if (p->family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss[0];
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)&ss[1];
		memcpy(p->client_addr, &a->sin6_addr, 16);
		memcpy(p->server_addr, &b->sin6_addr, 16);
		p->client_port = a->sin6_port;
		p->server_port = b->sin6_port;
	} else {
		p->family = 0;
	}
}

static void on_connection(uv_stream_t *server, int status)
{
	struct cp *cp = server->data;
	if (status < 0)
		return;
	struct tcp_conn *c = malloc(sizeof(*c));
	if (c == NULL)
		return;
	memset(c, 0, offsetof(struct tcp_conn, buf));
	c->cp = cp;
	uv_tcp_init(cp->loop, &c->h);
	uv_timer_init(cp->loop, &c->idle);
	c->h.data = c;
	c->idle.data = c;
	c->open_handles = 2;
	if (uv_accept(server, (uv_stream_t *)&c->h) < 0) {
		c->closing = true;
		uv_close((uv_handle_t *)&c->h, on_conn_close);
		uv_close((uv_handle_t *)&c->idle, on_conn_close);
		return;
	}
	cp->tcp->nconns++;
	cp->ctr.tcp_conns++;
	if (cp->tcp->nconns > TCP_MAX_CONNS) {
		cp->ctr.tcp_refused++;
		conn_close(c);
		return;
	}
	switch (acl_verdict(&cp->tcp->acl, &c->h)) {
	case BOLT_ACL_ALLOWED:
		break;
	case BOLT_ACL_REFUSED:
		c->refused = true;
		break;
	default:
		/* drop: the client learns nothing, not even a REFUSED */
		cp->ctr.tcp_acl_dropped++;
		conn_close(c);
		return;
	}
	/* The peer's address: dnstap's, and a NOTIFY's sender. */
	fill_peer(c);
	uv_timer_start(&c->idle, on_idle, TCP_IDLE_MS, TCP_IDLE_MS);
	if (uv_read_start((uv_stream_t *)&c->h, conn_alloc, conn_read) < 0)
		conn_close(c);
}

/*
 * A listening socket bound with SO_REUSEPORT, handed to libuv: every
 * resolver worker ([resolver] workers) listens on the same tcp-listen
 * address and the kernel spreads connections over them by their 4-tuple
 * (only processes of the same user may join the group). libuv 1.44 has no
 * flag for it, so the socket is made here and opened with uv_tcp_open.
 */
static int listen_socket(uv_tcp_t *l, const struct sockaddr_storage *ss)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                          : sizeof(struct sockaddr_in);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	int ret = uv_tcp_open(l, fd);
	if (ret < 0)
		close(fd);
	return ret;
}

int tcp_srv_start(struct cp *cp)
{
	struct tcp_srv *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	cp->tcp = t;
	bolt_acl_init(&t->acl, cp->cfg);
	for (unsigned i = 0; i < cp->cfg->ntcp_listen && i < BOLT_CFG_MAX_ADDRS; i++) {
		struct sockaddr_storage ss;
		int ret = bolt_sockaddr_to_os(&cp->cfg->tcp_listen[i], 53, &ss, NULL);
		uv_tcp_t *l = &t->listen[t->nlisten];
		if (ret == 0)
			ret = uv_tcp_init(cp->loop, l);
		if (ret < 0)
			return ret;
		l->data = cp;
		t->nlisten++;
		char ip[64];
		inet_ntop(cp->cfg->tcp_listen[i].family, cp->cfg->tcp_listen[i].addr, ip, sizeof(ip));
		if ((ret = listen_socket(l, &ss)) < 0 ||
		    (ret = uv_listen((uv_stream_t *)l, 128, on_connection)) < 0) {
			cp_log(CP_LOG_ERR, "tcp-listen %s@%u: %s", ip,
			       cp->cfg->tcp_listen[i].port ? cp->cfg->tcp_listen[i].port : 53,
			       uv_strerror(ret));
			return ret;
		}
		cp_log(CP_LOG_NOTICE, "listening on TCP %s@%u", ip,
		       cp->cfg->tcp_listen[i].port ? cp->cfg->tcp_listen[i].port : 53);
	}
	return 0;
}

void tcp_srv_stop(struct cp *cp)
{
	struct tcp_srv *t = cp->tcp;
	if (t == NULL)
		return;
	for (unsigned i = 0; i < t->nlisten; i++)
		uv_close((uv_handle_t *)&t->listen[i], NULL);
	t->nlisten = 0;
}
