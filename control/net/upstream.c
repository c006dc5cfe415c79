/*
 * Upstream queries over kernel UDP and TCP with libuv.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boltdns/errcode.h"
#include "boltdns/wire.h"
#include "../dnstap/dnstap.h"
#include "../log.h"
#include "upstream.h"

struct upq_counters upq_counters;

#define RBUF_CAP (2 + BOLT_MSG_MAX)
/* Ready sockets taken from the upstream epoll set per wake-up. */
#define EVENTS_MAX 64

/*
 * The upstream sockets of one loop. Each UDP query owns a plain non-blocking
 * socket registered in a private epoll set, which libuv watches as one
 * uv_poll_t; one uv_timer_t serves every deadline. Compared with a uv_udp_t
 * and a uv_timer_t per query this saves a bind() (connect() binds the random
 * port itself), an epoll_ctl(DEL) (close() drops the socket from the set),
 * a second recvmsg() and the handle close round trips; the ready sockets of
 * a wake-up come from one epoll_wait().
 */
struct upq_io {
	struct upq_io *next;          /* other loops (tests) */
	uv_loop_t *loop;
	int epfd;
	uv_poll_t poll;
	uv_timer_t timer;
	bool timer_on;
	int closing;                  /* handles still closing (upq_shutdown) */
	uint64_t timer_due;           /* uv_now() the timer fires at */
	struct upq *head, *tail;      /* queries in flight, by deadline */
	unsigned busy;                /* > 0 while a batch is handled: frees wait */
	struct upq *dead;             /* finished during a batch, freed after it */
};

struct upq {
	struct upq_io *io;
	struct upq *prev, *next;      /* deadline list, or the dead list */
	uint64_t deadline;            /* uv_now() */
	bool listed;
	int fd;                       /* UDP socket, -1 once closed */
	uv_tcp_t tcp;
	uv_connect_t conn_req;
	uv_write_t wreq;
	bool tcp_open;
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
	size_t rlen;
	uint8_t *rbuf;                /* TCP only: RBUF_CAP bytes */
	uint64_t tap_ns;              /* dnstap: when the query was sent (CLOCK_REALTIME ns) */
	uint16_t zone_len;            /* dnstap: bytes of zone, 0: not known */
	uint8_t query[2 + 600];       /* 2-byte TCP length prefix, then the query */
	uint8_t zone[BOLT_NAME_MAX];  /* dnstap: the zone cut asked (not cleared) */
};

static struct upq_io *ios;
/* dnstap of upstream traffic (upq_set_tap); NULL: off. */
static struct dnstap *tap;

/* UDP responses are read here: they are valid only during the callback. */
static uint8_t udp_rbuf[BOLT_MSG_MAX];

/* getrandom() output taken in blocks: one system call per 512 bytes instead
 * of one per query ID. */
static uint8_t rnd_pool[512];
static size_t rnd_left;

int upq_random(void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len > 0) {
		if (rnd_left == 0) {
			ssize_t n = getrandom(rnd_pool, sizeof(rnd_pool), 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			rnd_left = (size_t)n;
			continue;
		}
		size_t take = len < rnd_left ? len : rnd_left;
		/* Consumed from the end, and wiped, so no byte is handed out twice. */
		memcpy(out, rnd_pool + rnd_left - take, take);
		memset(rnd_pool + rnd_left - take, 0, take);
		rnd_left -= take;
		out += take;
		len -= take;
	}
	return 0;
}

static inline uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

int upq_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname, uint16_t qtype,
                    uint16_t qclass, bool edns, uint16_t edns_size)
{
	return upq_build_query_do(buf, cap, id, qname, qtype, qclass, edns, edns_size, false);
}

int upq_build_query_do(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname,
                       uint16_t qtype, uint16_t qclass, bool edns, uint16_t edns_size,
                       bool dnssec_ok)
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
		ret = bolt_build_opt(&b, edns_size, 0, dnssec_ok);
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

/* ---- deadlines ---- */

static void on_timer(uv_timer_t *t);

static void arm(struct upq_io *io)
{
	if (io->head == NULL) {
		if (io->timer_on) {
			uv_timer_stop(&io->timer);
			io->timer_on = false;
		}
		return;
	}
	/* A timer already due no later than the head is left alone: firing
	 * early costs one wake-up, re-arming on every answer would cost more. */
	if (io->timer_on && io->timer_due <= io->head->deadline)
		return;
	uint64_t now = uv_now(io->loop);
	uint64_t due = io->head->deadline > now ? io->head->deadline : now;
	uv_timer_start(&io->timer, on_timer, due - now, 0);
	io->timer_on = true;
	io->timer_due = due;
}

static void unlist(struct upq *q)
{
	if (!q->listed)
		return;
	struct upq_io *io = q->io;
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		io->head = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	else
		io->tail = q->prev;
	q->prev = q->next = NULL;
	q->listed = false;
}

/* (Re)place q in the deadline list, due in ms from now. */
static void set_deadline(struct upq *q, uint64_t ms)
{
	struct upq_io *io = q->io;
	unlist(q);
	q->deadline = uv_now(io->loop) + ms;
	/* Deadlines mostly grow with time: search from the tail. */
	struct upq *after = io->tail;
	while (after != NULL && after->deadline > q->deadline)
		after = after->prev;
	q->prev = after;
	q->next = after != NULL ? after->next : io->head;
	if (q->next != NULL)
		q->next->prev = q;
	else
		io->tail = q;
	if (after != NULL)
		after->next = q;
	else
		io->head = q;
	q->listed = true;
	arm(io);
}

/* ---- life cycle ---- */

static void release(struct upq *q)
{
	struct upq_io *io = q->io;
	if (q->tcp_open)
		return; /* freed by on_tcp_close */
	if (io->busy > 0) {
		q->next = io->dead;
		io->dead = q;
		return;
	}
	free(q->rbuf);
	free(q);
}

static void end_batch(struct upq_io *io)
{
	if (--io->busy > 0)
		return;
	while (io->dead != NULL) {
		struct upq *q = io->dead;
		io->dead = q->next;
		free(q->rbuf);
		free(q);
	}
}

static void on_tcp_close(uv_handle_t *h)
{
	/* Only a finished or cancelled query closes its connection, and libuv
	 * never calls this inside a batch: free at once, without touching io
	 * (upq_shutdown may have freed it already). */
	struct upq *q = h->data;
	free(q->rbuf);
	free(q);
}

static void close_udp(struct upq *q)
{
	if (q->fd >= 0) {
		/* Closing drops the socket from the epoll set as well. */
		close(q->fd);
		q->fd = -1;
	}
}

static void close_all(struct upq *q)
{
	unlist(q);
	arm(q->io);
	close_udp(q);
	if (q->tcp_open)
		uv_close((uv_handle_t *)&q->tcp, on_tcp_close);
}

void upq_set_tap(struct dnstap *t)
{
	tap = t;
}

/* dnstap RESOLVER_QUERY (pkt NULL) or RESOLVER_RESPONSE for q; the
 * FORWARDER_ ones when q asked for recursion (a forward zone's server). */
static void tap_log(struct upq *q, const uint8_t *pkt, size_t len)
{
	bool rd = (q->query[2 + 2] & 0x01) != 0; /* RD, in the first flags byte */
	enum dnstap_type type = pkt == NULL ? (rd ? DNSTAP_FORWARDER_QUERY : DNSTAP_RESOLVER_QUERY)
	                                    : (rd ? DNSTAP_FORWARDER_RESPONSE
	                                          : DNSTAP_RESOLVER_RESPONSE);
	if (!dnstap_wants(tap, type))
		return;
	struct dnstap_msg m = {
		.type = type,
		.proto = q->tcp_mode ? DNSTAP_TCP : DNSTAP_UDP,
		.family = (uint8_t)q->sa.ss_family,
		.query_ns = q->tap_ns,
		.query = pkt == NULL ? q->query + 2 : NULL,
		.query_len = q->qlen,
		.response = pkt,
		.response_len = len,
		.zone = q->zone_len > 0 ? q->zone : NULL,
		.zone_len = q->zone_len,
	};
	if (pkt != NULL)
		m.response_ns = dnstap_now_ns();
	if (q->sa.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&q->sa;
		m.response_addr = (const uint8_t *)&a->sin_addr;
		m.response_port = ntohs(a->sin_port);
	} else if (q->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&q->sa;
		m.response_addr = (const uint8_t *)&a->sin6_addr;
		m.response_port = ntohs(a->sin6_port);
	} else {
		m.family = 0;
	}
	dnstap_log(tap, &m);
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
	unlist(q);
	if (status == 0 && tap != NULL)
		tap_log(q, pkt, len);
	struct upq_io *io = q->io;
	/* The callback may start queries: q stays allocated until it returns. */
	io->busy++;
	if (q->cb != NULL)
		q->cb(q->arg, status, pkt, len, rtt, q->tcp_mode);
	close_all(q);
	release(q);
	end_batch(io);
}

static void on_timer(uv_timer_t *t)
{
	struct upq_io *io = t->data;
	io->timer_on = false;
	uint64_t now = uv_now(io->loop);
	io->busy++;
	while (io->head != NULL && io->head->deadline <= now) {
		struct upq *q = io->head;
		finish(q, q->pending_status != 0 ? q->pending_status : BOLT_ETIMEOUT, NULL, 0);
	}
	arm(io);
	end_batch(io);
}

static void fail_soon(struct upq *q, int status)
{
	/* Never call back from inside upq_send or a libuv callback chain that the
	 * caller does not expect: deliver on the next loop turn. */
	close_udp(q);
	q->pending_status = status;
	set_deadline(q, 0);
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
	if (tap != NULL)
		tap_log(q, NULL, 0);
	ret = uv_read_start((uv_stream_t *)&q->tcp, tcp_alloc, tcp_read);
	if (ret < 0)
		finish(q, ret, NULL, 0);
}

static int start_tcp(struct upq *q)
{
	close_udp(q);
	q->tcp_mode = true;
	q->rlen = 0;
	upq_counters.tcp++;
	/* The TCP timeout runs from now, whatever happens below. */
	set_deadline(q, (uint64_t)q->timeout_ms * 2);
	if (q->rbuf == NULL && (q->rbuf = malloc(RBUF_CAP)) == NULL)
		return -ENOMEM;
	int ret = uv_tcp_init(q->io->loop, &q->tcp);
	if (ret < 0)
		return ret;
	q->tcp.data = q;
	q->tcp_open = true;
	if (q->have_src) {
		ret = uv_tcp_bind(&q->tcp, (const struct sockaddr *)&q->src, 0);
		if (ret < 0)
			return ret;
	}
	q->conn_req.data = q;
	return uv_tcp_connect(&q->conn_req, &q->tcp, (const struct sockaddr *)&q->sa,
	                      tcp_connected);
}

/* ---- UDP ---- */

/* Read what socket q holds: the first datagram that answers the query ends
 * it; anything else is counted and ignored. */
static void udp_readable(struct upq *q)
{
	while (!q->done && q->fd >= 0) {
		ssize_t n = recv(q->fd, udp_rbuf, sizeof(udp_rbuf), MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* ICMP unreachable and other errors of a connected socket. */
			finish(q, -errno, NULL, 0);
			return;
		}
		/* Empty or larger than any DNS message: not an answer. */
		if (n == 0 || (size_t)n > sizeof(udp_rbuf))
			continue;
		if (!accept_response(q, udp_rbuf, (size_t)n))
			continue;
		if (rd16(udp_rbuf + 2) & BOLT_FLAG_TC) {
			if (tap != NULL)
				tap_log(q, udp_rbuf, (size_t)n);
			int ret = start_tcp(q);
			if (ret < 0)
				finish(q, ret, NULL, 0);
			return;
		}
		finish(q, 0, udp_rbuf, (size_t)n);
		return;
	}
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	struct upq_io *io = h->data;
	struct epoll_event ev[EVENTS_MAX];
	int n;
	do {
		n = epoll_wait(io->epfd, ev, EVENTS_MAX, 0);
	} while (n < 0 && errno == EINTR);
	/* Queries finished while the batch runs stay allocated until its end,
	 * so a later event never points at freed memory (it is skipped: done). */
	io->busy++;
	for (int i = 0; i < n; i++) {
		struct upq *q = ev[i].data.ptr;
		if (!q->done && !q->tcp_mode)
			udp_readable(q);
	}
	end_batch(io);
}

static struct upq_io *io_of(uv_loop_t *loop, int *err)
{
	for (struct upq_io *io = ios; io != NULL; io = io->next)
		if (io->loop == loop)
			return io;
	struct upq_io *io = calloc(1, sizeof(*io));
	if (io == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	io->loop = loop;
	io->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (io->epfd < 0) {
		*err = -errno;
		free(io);
		return NULL;
	}
	int ret = uv_poll_init(loop, &io->poll, io->epfd);
	if (ret < 0) {
		*err = ret;
		close(io->epfd);
		free(io);
		return NULL;
	}
	uv_timer_init(loop, &io->timer);
	io->poll.data = io;
	io->timer.data = io;
	/* Watched for good (stopping and starting it with the traffic would cost
	 * two epoll_ctl calls each time), but unreferenced: it is the timer,
	 * armed while queries are in flight, that keeps uv_run() going. */
	ret = uv_poll_start(&io->poll, UV_READABLE, on_poll);
	if (ret < 0) {
		*err = ret;
		uv_close((uv_handle_t *)&io->poll, NULL);
		uv_close((uv_handle_t *)&io->timer, NULL);
		/* The handles are gone once the loop runs: leak io rather than free
		 * memory libuv still points to (start-up failure only). */
		return NULL;
	}
	uv_unref((uv_handle_t *)&io->poll);
	io->next = ios;
	ios = io;
	return io;
}

static int to_sockaddr(const struct infra_addr *a, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		memcpy(&s4->sin_addr, a->addr, 4);
		*len = sizeof(*s4);
		return 0;
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		memcpy(&s6->sin6_addr, a->addr, 16);
		*len = sizeof(*s6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* A fresh socket connected to the server; the kernel gives it a random
 * ephemeral port when it binds it (at bind() or, with no source address, at
 * connect()), as RFC 5452 asks. Returns 0 or a negative errno. */
static int open_udp(struct upq *q, socklen_t salen, socklen_t srclen)
{
	int fd = socket(q->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	q->fd = fd;
	if (q->have_src && bind(fd, (const struct sockaddr *)&q->src, srclen) < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&q->sa, salen) < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = q };
	if (epoll_ctl(q->io->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

struct upq *upq_send(uv_loop_t *loop, const struct upq_params *p, upq_cb cb, void *arg,
                     int *err)
{
	struct upq_io *io = io_of(loop, err);
	if (io == NULL)
		return NULL;
	struct upq *q = malloc(sizeof(*q));
	if (q == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	/* The query buffer is written before use: no need to clear it. */
	memset(q, 0, offsetof(struct upq, query));
	q->io = io;
	q->fd = -1;
	q->rlen = 0;
	q->rbuf = NULL;
	q->cb = cb;
	q->arg = arg;
	q->qtype = p->qtype;
	q->qclass = p->qclass;
	q->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : 800;
	socklen_t salen = 0, srclen = 0;
	int ql = bolt_name_len(p->qname, BOLT_NAME_MAX);
	int ret = ql;
	if (ql < 0 || (ret = to_sockaddr(p->server, &q->sa, &salen)) < 0)
		goto err_free;
	memcpy(q->qname, p->qname, (size_t)ql);
	if (p->source != NULL && p->source->family == p->server->family) {
		struct infra_addr src = *p->source;
		src.port = 0; /* the kernel picks a random ephemeral port */
		to_sockaddr(&src, &q->src, &srclen);
		q->have_src = true;
	}
	if ((ret = upq_random(&q->id, sizeof(q->id))) < 0)
		goto err_free;
	ret = upq_build_query_do(q->query + 2, sizeof(q->query) - 2, q->id, q->qname, q->qtype,
	                         q->qclass, p->edns, p->edns_size, p->dnssec_ok);
	if (ret < 0)
		goto err_free;
	q->qlen = (size_t)ret;
	if (p->rd)
		q->query[2 + 2] |= 0x01; /* RD, the low bit of the flags' first byte */
	uint16_t l16 = htobe16((uint16_t)q->qlen);
	memcpy(q->query, &l16, 2);

	q->start_ns = uv_hrtime();
	upq_counters.sent++;
	if (tap != NULL) {
		q->tap_ns = dnstap_now_ns();
		int zl = p->zone != NULL ? bolt_name_len(p->zone, BOLT_NAME_MAX) : -1;
		if (zl > 0) {
			memcpy(q->zone, p->zone, (size_t)zl);
			q->zone_len = (uint16_t)zl;
		}
	}
	if (p->tcp_only) {
		ret = start_tcp(q);
		if (ret < 0)
			fail_soon(q, ret);
		return q;
	}
	set_deadline(q, q->timeout_ms);
	ret = open_udp(q, salen, srclen);
	if (ret == 0 && send(q->fd, q->query + 2, q->qlen, 0) < 0)
		ret = -errno;
	if (ret == 0 && tap != NULL)
		tap_log(q, NULL, 0);
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
		struct upq_io *io = q->io;
		io->busy++;
		close_all(q);
		release(q);
		end_batch(io);
	}
}

static void on_io_close(uv_handle_t *h)
{
	struct upq_io *io = h->data;
	if (--io->closing == 0) {
		close(io->epfd);
		free(io);
	}
}

void upq_shutdown(uv_loop_t *loop)
{
	for (struct upq_io **pp = &ios; *pp != NULL; pp = &(*pp)->next) {
		struct upq_io *io = *pp;
		if (io->loop != loop)
			continue;
		while (io->head != NULL)
			upq_cancel(io->head);
		*pp = io->next;
		io->closing = 2;
		uv_close((uv_handle_t *)&io->timer, on_io_close);
		uv_close((uv_handle_t *)&io->poll, on_io_close);
		return;
	}
}
