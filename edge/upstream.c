/*
 * Misses to boltdns-cp over its TCP/53 ([tls] resolver): a few persistent,
 * pipelined connections, at most EDGE_CONN_PENDING queries in flight on each
 * (boltdns-cp's own per-connection limit), answers matched by a DNS ID the
 * edge assigns and put back to the client's. The resolver checks its cache
 * again, coalesces identical questions and resolves. Each query carries
 * its client's transport and addresses in an EDNS option
 * (boltdns/edgeinfo.h), for the resolver's logs; the client's ACL the edge
 * applied.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"

struct pend {
	bool used;
	uint16_t upid;
	struct edge_origin o;
};

struct upconn {
	uv_tcp_t h;
	uv_connect_t creq;
	struct edge *e;
	unsigned slot;          /* index in e->up */
	bool closing;
	uint64_t last_used;     /* uv_now of the last query or answer */
	unsigned npend;
	struct pend pend[EDGE_CONN_PENDING];
	size_t len;
	uint8_t buf[2 + BOLT_MSG_MAX + EDGE_KEEPALIVE_LEN];
};

/* What bolt_edge_client_add adds at most: an OPT record (11 bytes) and the
 * option (4 + 8 + 2 * 16). */
#define EDGE_WHO_MAX (11 + 4 + 8 + 32)

struct wreq {
	uv_write_t req;
	uint8_t data[];
};

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void on_up_closed(uv_handle_t *h)
{
	free(h->data);
}

/* Every waiting client gets SERVFAIL; the connection goes. */
static void up_fail(struct upconn *u, const char *why)
{
	if (u->closing)
		return;
	u->closing = true;
	struct edge *e = u->e;
	if (e->up[u->slot] == u)
		e->up[u->slot] = NULL;
	for (unsigned i = 0; i < EDGE_CONN_PENDING; i++) {
		struct pend *p = &u->pend[i];
		if (!p->used)
			continue;
		p->used = false;
		e->ctr.upstream_fail++;
		edge_answer_servfail(&p->o, why);
		conn_release(p->o.c);
	}
	u->npend = 0;
	uv_close((uv_handle_t *)&u->h, on_up_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct upconn *u = h->data;
	buf->base = (char *)u->buf + u->len;
	buf->len = sizeof(u->buf) - EDGE_KEEPALIVE_LEN - u->len;
}

static void on_answer(struct upconn *u, uint8_t *msg, size_t len)
{
	if (len < BOLT_HDR_LEN)
		return;
	uint16_t id = (uint16_t)(msg[0] << 8 | msg[1]);
	struct pend *p = &u->pend[id % EDGE_CONN_PENDING];
	if (!p->used || p->upid != id)
		return; /* not ours (a late duplicate): dropped */
	p->used = false;
	u->npend--;
	u->last_used = uv_now(u->e->loop);
	/* The buffer has EDGE_KEEPALIVE_LEN spare bytes past any message. */
	edge_answer(&p->o, msg, len, len + EDGE_KEEPALIVE_LEN);
	conn_release(p->o.c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct upconn *u = s->data;
	if (u->closing)
		return;
	if (nread < 0) {
		up_fail(u, "resolver connection lost");
		return;
	}
	u->len += (size_t)nread;
	size_t pos = 0;
	while (u->len - pos >= 2) {
		size_t mlen = (size_t)u->buf[pos] << 8 | u->buf[pos + 1];
		if (u->len - pos < 2 + mlen)
			break;
		/* Answer in place: keepalive may write EDGE_KEEPALIVE_LEN bytes past
		 * it, into the next frame, so that frame is moved first. */
		uint8_t save[EDGE_KEEPALIVE_LEN];
		size_t next = pos + 2 + mlen;
		size_t keep = u->len - next < sizeof(save) ? u->len - next : sizeof(save);
		memcpy(save, u->buf + next, keep);
		on_answer(u, u->buf + pos + 2, mlen);
		memcpy(u->buf + next, save, keep);
		if (u->closing)
			return;
		pos = next;
	}
	if (pos > 0) {
		memmove(u->buf, u->buf + pos, u->len - pos);
		u->len -= pos;
	}
}

static void on_connect(uv_connect_t *req, int status)
{
	struct upconn *u = req->data;
	if (u->closing)
		return;
	if (status < 0) {
		edge_log(EDGE_LOG_ERR, "resolver (boltdns-cp TCP/53): %s", uv_strerror(status));
		up_fail(u, "resolver unreachable");
		return;
	}
	if (uv_read_start((uv_stream_t *)&u->h, on_alloc, on_read) < 0)
		up_fail(u, "resolver unreachable");
}

static struct upconn *up_open(struct edge *e, unsigned slot)
{
	struct upconn *u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NULL;
	u->e = e;
	u->slot = slot;
	u->last_used = uv_now(e->loop);
	uv_tcp_init(e->loop, &u->h);
	u->h.data = u;
	u->creq.data = u;
	struct sockaddr_storage ss;
	/* the config loader accepts only IPv4 and IPv6 addresses */
	(void)bolt_sockaddr_to_os(&e->cfg.tls_resolver, 53, &ss, NULL);
	e->up[slot] = u;
	if (uv_tcp_connect(&u->creq, &u->h, (const struct sockaddr *)&ss, on_connect) < 0) {
		up_fail(u, "resolver unreachable");
		return NULL;
	}
	uv_tcp_nodelay(&u->h, 1);
	return u;
}

/* The connection with the fewest queries in flight, opening one more when
 * all are busy. NULL when all EDGE_UP_CONNS are full. */
static struct upconn *up_pick(struct edge *e)
{
	struct upconn *best = NULL;
	int free_slot = -1;
	for (unsigned i = 0; i < EDGE_UP_CONNS; i++) {
		struct upconn *u = e->up[i];
		if (u == NULL) {
			if (free_slot < 0)
				free_slot = (int)i;
			continue;
		}
		if (u->npend < EDGE_CONN_PENDING && (best == NULL || u->npend < best->npend))
			best = u;
	}
	/* A new connection only when the best has a real queue: pipelining is
	 * the point, not one connection per query. */
	if ((best == NULL || best->npend >= EDGE_CONN_PENDING / 2) && free_slot >= 0) {
		struct upconn *n = up_open(e, (unsigned)free_slot);
		if (n != NULL)
			return n;
	}
	return best;
}

void upstream_query(struct edge *e, const struct edge_origin *o, const uint8_t *msg, size_t len)
{
	struct edge_origin copy = *o;
	struct upconn *u = up_pick(e);
	if (u == NULL) {
		e->ctr.overload++;
		edge_answer_servfail(&copy, u == NULL ? "resolver busy" : "resolver unreachable");
		return;
	}
	unsigned idx = 0;
	uint16_t upid = 0;
	/* A free slot; its ID says the slot (low bits) and a generation. */
	for (unsigned tries = 0; tries < EDGE_CONN_PENDING; tries++) {
		upid = e->up_idgen++;
		idx = upid % EDGE_CONN_PENDING;
		if (!u->pend[idx].used)
			break;
	}
	if (u->pend[idx].used) {
		e->ctr.overload++;
		edge_answer_servfail(&copy, "resolver busy");
		return;
	}
	/* Room for the client's transport and addresses (boltdns/edgeinfo.h),
	 * which boltdns-cp logs (dnstap) and takes out before answering. */
	size_t cap = len + EDGE_WHO_MAX;
	struct wreq *w = malloc(sizeof(*w) + 2 + cap);
	if (w == NULL) {
		edge_answer_servfail(&copy, "out of memory");
		return;
	}
	memcpy(w->data + 2, msg, len);
	if (copy.c->who.transport != BOLT_EDGE_NONE)
		len = bolt_edge_client_add(w->data + 2, len, cap, &copy.c->who);
	w->data[0] = (uint8_t)(len >> 8);
	w->data[1] = (uint8_t)len;
	w->data[2] = (uint8_t)(upid >> 8);
	w->data[3] = (uint8_t)upid;
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)(2 + len));
	if (uv_write(&w->req, (uv_stream_t *)&u->h, &b, 1, on_written) < 0) {
		free(w);
		e->ctr.upstream_fail++;
		edge_answer_servfail(&copy, "resolver unreachable");
		up_fail(u, "resolver connection lost");
		return;
	}
	struct pend *p = &u->pend[idx];
	u->last_used = uv_now(e->loop);
	p->used = true;
	p->upid = upid;
	p->o = copy;
	u->npend++;
	conn_hold(copy.c);
}

/* boltdns-cp closes a TCP connection idle for TCP_IDLE_MS (10 s); one it
 * closes just as a query is written costs that query a SERVFAIL. Closing
 * ours first, idle for half that, never races. */
#define UP_IDLE_MS 5000

static void on_up_closed_quiet(uv_handle_t *h)
{
	free(h->data);
}

void upstream_tick(struct edge *e)
{
	uint64_t now = uv_now(e->loop);
	for (unsigned i = 0; i < EDGE_UP_CONNS; i++) {
		struct upconn *u = e->up[i];
		if (u == NULL || u->npend > 0 || now - u->last_used < UP_IDLE_MS)
			continue;
		u->closing = true;
		e->up[i] = NULL;
		uv_close((uv_handle_t *)&u->h, on_up_closed_quiet);
	}
}

void upstream_close_all(struct edge *e)
{
	for (unsigned i = 0; i < EDGE_UP_CONNS; i++)
		if (e->up[i] != NULL)
			up_fail(e->up[i], "shutting down");
}
