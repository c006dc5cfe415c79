/*
 * Upstream queries over kernel UDP and TCP with libuv.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "boltdns/errcode.h"
#include "boltdns/wire.h"
#include "../log.h"
#include "upstream.h"

struct upq_counters upq_counters;

#define RBUF_CAP (2 + BOLT_MSG_MAX)

struct upq {
	uv_loop_t *loop;
	uv_udp_t udp;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t conn_req;
	uv_write_t wreq;
	int open_handles;
	bool udp_open, tcp_open;
	bool done;
	bool tcp_mode;
	int pending_status;           /* delivered by the timer when send failed */
	upq_cb cb;
	void *arg;
	uint16_t id;
	uint16_t qtype, qclass;
	uint8_t qname[BOLT_NAME_MAX];
	unsigned timeout_ms;
	uint64_t start_ns;
	struct sockaddr_storage sa;
	struct sockaddr_storage src;
	bool have_src;
	size_t qlen;
	uint8_t query[2 + 600];       /* 2-byte TCP length prefix, then the query */
	size_t rlen;
	uint8_t rbuf[RBUF_CAP];
};

static inline uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

int upq_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname, uint16_t qtype,
                    uint16_t qclass, bool edns, uint16_t edns_size)
{
	struct bolt_build b;
	int ret = bolt_build_init(&b, buf, cap, id, 0);
	if (ret < 0)
		return ret;
	int ql = bolt_name_len(qname, BOLT_NAME_MAX);
	if (ql < 0)
		return ql;
	ret = bolt_build_question(&b, qname, (size_t)ql, qtype, qclass);
	if (ret < 0)
		return ret;
	if (edns) {
		ret = bolt_build_opt(&b, edns_size, 0, false);
		if (ret < 0)
			return ret;
	}
	return bolt_build_finish(&b);
}

bool upq_response_matches(const uint8_t *resp, size_t len, uint16_t id, const uint8_t *qname,
                          uint16_t qtype, uint16_t qclass)
{
	if (len < BOLT_HDR_LEN || rd16(resp) != id)
		return false;
	uint16_t flags = rd16(resp + 2);
	if (!(flags & BOLT_FLAG_QR))
		return false;
	uint16_t qd = rd16(resp + 4);
	if (qd == 0) {
		uint16_t rc = BOLT_RCODE(flags);
		return rc == BOLT_RCODE_FORMERR || rc == BOLT_RCODE_NOTIMP;
	}
	if (qd != 1)
		return false;
	size_t pos = BOLT_HDR_LEN;
	uint8_t name[BOLT_NAME_MAX];
	if (bolt_name_unpack(resp, len, &pos, name) < 0 || pos + 4 > len)
		return false;
	return bolt_name_equal(name, qname) && rd16(resp + pos) == qtype &&
	       rd16(resp + pos + 2) == qclass;
}

static void on_close(uv_handle_t *h)
{
	struct upq *q = h->data;
	if (--q->open_handles == 0)
		free(q);
}

static void close_all(struct upq *q)
{
	uv_timer_stop(&q->timer);
	if (q->udp_open) {
		q->udp_open = false;
		uv_udp_recv_stop(&q->udp);
		uv_close((uv_handle_t *)&q->udp, on_close);
	}
	if (q->tcp_open) {
		q->tcp_open = false;
		uv_close((uv_handle_t *)&q->tcp, on_close);
	}
	uv_close((uv_handle_t *)&q->timer, on_close);
}

static void finish(struct upq *q, int status, const uint8_t *pkt, size_t len)
{
	if (q->done)
		return;
	q->done = true;
	uint32_t rtt = (uint32_t)((uv_hrtime() - q->start_ns) / 1000000u);
	if (status == BOLT_ETIMEOUT)
		upq_counters.timeouts++;
	else if (status < 0)
		upq_counters.errors++;
	else
		upq_counters.answers++;
	if (q->cb != NULL)
		q->cb(q->arg, status, pkt, len, rtt, q->tcp_mode);
	close_all(q);
}

static void on_timer(uv_timer_t *t)
{
	struct upq *q = t->data;
	finish(q, q->pending_status != 0 ? q->pending_status : BOLT_ETIMEOUT, NULL, 0);
}

static void fail_soon(struct upq *q, int status)
{
	/* Never call back from inside upq_send or a libuv callback chain that the
	 * caller does not expect: deliver on the next loop turn. */
	q->pending_status = status;
	uv_timer_stop(&q->timer);
	uv_timer_start(&q->timer, on_timer, 0, 0);
}

static bool accept_response(struct upq *q, const uint8_t *pkt, size_t len)
{
	if (!upq_response_matches(pkt, len, q->id, q->qname, q->qtype, q->qclass)) {
		upq_counters.mismatched++;
		return false;
	}
	return true;
}

/* ---- TCP ---- */

static void tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct upq *q = h->data;
	buf->base = (char *)q->rbuf + q->rlen;
	buf->len = RBUF_CAP - q->rlen;
}

static void tcp_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct upq *q = s->data;
	if (q->done)
		return;
	if (nread < 0) {
		finish(q, nread == UV_EOF ? -ECONNRESET : (int)nread, NULL, 0);
		return;
	}
	q->rlen += (size_t)nread;
	if (q->rlen < 2)
		return;
	size_t mlen = rd16(q->rbuf);
	if (q->rlen < 2 + mlen) {
		if (q->rlen >= RBUF_CAP)
			finish(q, BOLT_EMALF, NULL, 0);
		return;
	}
	if (!accept_response(q, q->rbuf + 2, mlen)) {
		/* On a connection only the server can answer: a mismatch is a broken
		 * server, not a spoofer, so give up at once. */
		finish(q, BOLT_EMALF, NULL, 0);
		return;
	}
	finish(q, 0, q->rbuf + 2, mlen);
}

static void tcp_written(uv_write_t *req, int status)
{
	struct upq *q = req->data;
	if (status < 0 && status != UV_ECANCELED)
		finish(q, status, NULL, 0);
}

static void tcp_connected(uv_connect_t *req, int status)
{
	struct upq *q = req->data;
	if (q->done)
		return;
	if (status < 0) {
		finish(q, status, NULL, 0);
		return;
	}
	uv_buf_t b = uv_buf_init((char *)q->query, (unsigned)(q->qlen + 2));
	q->wreq.data = q;
	int ret = uv_write(&q->wreq, (uv_stream_t *)&q->tcp, &b, 1, tcp_written);
	if (ret < 0) {
		finish(q, ret, NULL, 0);
		return;
	}
	ret = uv_read_start((uv_stream_t *)&q->tcp, tcp_alloc, tcp_read);
	if (ret < 0)
		finish(q, ret, NULL, 0);
}

static int start_tcp(struct upq *q)
{
	if (q->udp_open) {
		q->udp_open = false;
		uv_udp_recv_stop(&q->udp);
		uv_close((uv_handle_t *)&q->udp, on_close);
	}
	q->tcp_mode = true;
	q->rlen = 0;
	upq_counters.tcp++;
	int ret = uv_tcp_init(q->loop, &q->tcp);
	if (ret < 0)
		return ret;
	q->tcp.data = q;
	q->tcp_open = true;
	q->open_handles++;
	if (q->have_src) {
		ret = uv_tcp_bind(&q->tcp, (const struct sockaddr *)&q->src, 0);
		if (ret < 0)
			return ret;
	}
	q->conn_req.data = q;
	ret = uv_tcp_connect(&q->conn_req, &q->tcp, (const struct sockaddr *)&q->sa,
	                     tcp_connected);
	if (ret < 0)
		return ret;
	uv_timer_stop(&q->timer);
	uv_timer_start(&q->timer, on_timer, (uint64_t)q->timeout_ms * 2, 0);
	return 0;
}

/* ---- UDP ---- */

static void udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct upq *q = h->data;
	buf->base = (char *)q->rbuf;
	buf->len = RBUF_CAP;
}

static void udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                     unsigned flags)
{
	(void)addr;
	struct upq *q = h->data;
	if (q->done || q->tcp_mode)
		return;
	if (nread < 0) {
		finish(q, (int)nread, NULL, 0);
		return;
	}
	if (nread == 0 || (flags & UV_UDP_PARTIAL))
		return;
	const uint8_t *pkt = (const uint8_t *)buf->base;
	size_t len = (size_t)nread;
	if (!accept_response(q, pkt, len))
		return;
	if (rd16(pkt + 2) & BOLT_FLAG_TC) {
		int ret = start_tcp(q);
		if (ret < 0)
			finish(q, ret, NULL, 0);
		return;
	}
	finish(q, 0, pkt, len);
}

static int to_sockaddr(const struct infra_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		memcpy(&s4->sin_addr, a->addr, 4);
		return 0;
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		memcpy(&s6->sin6_addr, a->addr, 16);
		return 0;
	}
	return -EAFNOSUPPORT;
}

struct upq *upq_send(uv_loop_t *loop, const struct upq_params *p, upq_cb cb, void *arg,
                     int *err)
{
	struct upq *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	q->loop = loop;
	q->cb = cb;
	q->arg = arg;
	q->qtype = p->qtype;
	q->qclass = p->qclass;
	q->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : 800;
	int ql = bolt_name_len(p->qname, BOLT_NAME_MAX);
	int ret = ql;
	if (ql < 0 || (ret = to_sockaddr(p->server, &q->sa)) < 0)
		goto err_free;
	memcpy(q->qname, p->qname, (size_t)ql);
	if (p->source != NULL && p->source->family == p->server->family) {
		struct infra_addr src = *p->source;
		src.port = 0; /* the kernel picks a random ephemeral port */
		to_sockaddr(&src, &q->src);
		q->have_src = true;
	}
	if (getrandom(&q->id, sizeof(q->id), 0) != sizeof(q->id)) {
		ret = -errno;
		goto err_free;
	}
	ret = upq_build_query(q->query + 2, sizeof(q->query) - 2, q->id, q->qname, q->qtype,
	                      q->qclass, p->edns, p->edns_size);
	if (ret < 0)
		goto err_free;
	q->qlen = (size_t)ret;
	uint16_t l16 = htobe16((uint16_t)q->qlen);
	memcpy(q->query, &l16, 2);

	ret = uv_timer_init(loop, &q->timer);
	if (ret < 0)
		goto err_free;
	q->timer.data = q;
	q->open_handles = 1;
	q->start_ns = uv_hrtime();
	uv_timer_start(&q->timer, on_timer, q->timeout_ms, 0);

	if (p->tcp_only) {
		upq_counters.sent++;
		ret = start_tcp(q);
		if (ret < 0)
			fail_soon(q, ret);
		return q;
	}
	ret = uv_udp_init(loop, &q->udp);
	if (ret < 0) {
		fail_soon(q, ret);
		return q;
	}
	q->udp.data = q;
	q->udp_open = true;
	q->open_handles++;
	struct sockaddr_storage any;
	if (q->have_src) {
		any = q->src;
	} else {
		memset(&any, 0, sizeof(any));
		any.ss_family = q->sa.ss_family;
	}
	if ((ret = uv_udp_bind(&q->udp, (const struct sockaddr *)&any, 0)) < 0 ||
	    (ret = uv_udp_connect(&q->udp, (const struct sockaddr *)&q->sa)) < 0 ||
	    (ret = uv_udp_recv_start(&q->udp, udp_alloc, udp_recv)) < 0) {
		fail_soon(q, ret);
		return q;
	}
	uv_buf_t b = uv_buf_init((char *)q->query + 2, (unsigned)q->qlen);
	ret = uv_udp_try_send(&q->udp, &b, 1, NULL);
	upq_counters.sent++;
	if (ret < 0)
		fail_soon(q, ret);
	return q;

err_free:
	free(q);
	*err = ret;
	return NULL;
}

void upq_cancel(struct upq *q)
{
	if (q == NULL)
		return;
	q->cb = NULL;
	if (!q->done) {
		q->done = true;
		close_all(q);
	}
}
