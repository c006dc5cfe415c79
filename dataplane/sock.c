/*
 * io = socket: the dataplane over kernel UDP sockets.
 *
 * Worker i owns one SO_REUSEPORT socket per listen address (the kernel
 * spreads clients over the workers), receives with recvmmsg and answers with
 * sendmmsg in bursts, through the same dp_process_burst as the DPDK path, and
 * uses the region's rings and counters of index i. Slower than DPDK, but it
 * needs nothing but a kernel: for development, tests and small sites.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dp.h"
#include "log.h"
#include "process.h"

#define SOCK_BURST 32
#define SOCK_SLOT 4096          /* per-packet buffer: query in, response out */
#define POLL_MS 1               /* bounds the delay of control-plane answers */

struct sock_worker {
	struct dp_worker w;
	struct dp_app *app;
	unsigned index;
	unsigned nfds;
	int fds[BOLT_CFG_MAX_ADDRS];
	pthread_t tid;
	bool started;
	struct mmsghdr msgs[SOCK_BURST];
	struct mmsghdr out[SOCK_BURST];
	struct iovec iov[SOCK_BURST];
	struct iovec oiov[SOCK_BURST];
	struct sockaddr_storage peer[SOCK_BURST];
	struct dp_pkt pkts[SOCK_BURST];
	_Alignas(BOLT_CACHE_LINE) uint8_t bufs[SOCK_BURST][SOCK_SLOT];
};

static socklen_t to_sockaddr(const struct bolt_sockaddr *a, uint16_t port,
                             struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a->addr, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	memcpy(&s->sin6_addr, a->addr, 16);
	return sizeof(*s);
}

static int open_socket(const struct bolt_sockaddr *a)
{
	struct sockaddr_storage ss;
	uint16_t port = a->port ? a->port : 53;
	socklen_t sl = to_sockaddr(a, port, &ss);
	int one = 1, rcvbuf = 4 << 20;

	int fd = socket(a->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto err;
	if (a->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto err;
	/* A bigger queue absorbs bursts; failing to get it is not fatal. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		goto err;
	return fd;
err:;
	int e = -errno;
	close(fd);
	return e;
}

/* Client tuple of a datagram received on socket k of worker sw. */
static void client_of(const struct sock_worker *sw, unsigned k,
                      const struct sockaddr_storage *peer, struct bolt_client *c)
{
	const struct bolt_sockaddr *l = &sw->app->cfg->listen[k];
	memset(c, 0, sizeof(*c));
	c->family = (uint8_t)peer->ss_family;
	c->port_id = (uint8_t)k;
	c->queue_id = (uint16_t)sw->index;
	c->server_port = htons(l->port ? l->port : 53);
	if (peer->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)peer;
		c->client_port = s->sin_port;
		memcpy(c->client_addr, &s->sin_addr, 4);
		memcpy(c->server_addr, l->addr, 4);
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)peer;
		c->client_port = s->sin6_port;
		memcpy(c->client_addr, &s->sin6_addr, 16);
		memcpy(c->server_addr, l->addr, 16);
	}
}

/* Send out[0..n) on fd, retrying what the kernel did not take at once. */
static unsigned send_all(struct sock_worker *sw, int fd, unsigned n)
{
	unsigned done = 0;
	while (done < n) {
		int r = sendmmsg(fd, sw->out + done, n - done, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* Skip the datagram the kernel refused and go on. */
			DP_STAT_INC(sw->w.st, tx_drops);
			done++;
			continue;
		}
		DP_STAT_ADD(sw->w.st, tx_pkts, (unsigned)r);
		done += (unsigned)r;
	}
	return done;
}

static void serve_socket(struct sock_worker *sw, unsigned k)
{
	int fd = sw->fds[k];

	for (unsigned i = 0; i < SOCK_BURST; i++) {
		sw->iov[i].iov_base = sw->bufs[i];
		sw->iov[i].iov_len = SOCK_SLOT;
		memset(&sw->msgs[i].msg_hdr, 0, sizeof(sw->msgs[i].msg_hdr));
		sw->msgs[i].msg_hdr.msg_iov = &sw->iov[i];
		sw->msgs[i].msg_hdr.msg_iovlen = 1;
		sw->msgs[i].msg_hdr.msg_name = &sw->peer[i];
		sw->msgs[i].msg_hdr.msg_namelen = sizeof(sw->peer[i]);
	}
	int r = recvmmsg(fd, sw->msgs, SOCK_BURST, MSG_DONTWAIT, NULL);
	if (r <= 0)
		return;
	unsigned n = (unsigned)r, np = 0;
	unsigned idx[SOCK_BURST];
	DP_STAT_ADD(sw->w.st, rx_pkts, n);
	for (unsigned i = 0; i < n; i++) {
		if (sw->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			/* Larger than any query we accept. */
			DP_STAT_INC(sw->w.st, dropped_bad);
			continue;
		}
		struct dp_pkt *p = &sw->pkts[np];
		p->dns = sw->bufs[i];
		p->len = (uint16_t)sw->msgs[i].msg_len;
		p->cap = SOCK_SLOT;
		p->family = (uint8_t)sw->peer[i].ss_family;
		if (p->family == AF_INET)
			p->client = (const uint8_t *)&((struct sockaddr_in *)&sw->peer[i])->sin_addr;
		else
			p->client = (const uint8_t *)&((struct sockaddr_in6 *)&sw->peer[i])->sin6_addr;
		idx[np++] = i;
	}
	dp_process_burst(&sw->w, sw->pkts, np);

	unsigned nout = 0;
	for (unsigned j = 0; j < np; j++) {
		struct dp_pkt *p = &sw->pkts[j];
		unsigned i = idx[j];
		if (p->verdict == DP_TX) {
			sw->oiov[nout].iov_base = p->dns;
			sw->oiov[nout].iov_len = p->out_len;
			memset(&sw->out[nout].msg_hdr, 0, sizeof(sw->out[nout].msg_hdr));
			sw->out[nout].msg_hdr.msg_iov = &sw->oiov[nout];
			sw->out[nout].msg_hdr.msg_iovlen = 1;
			sw->out[nout].msg_hdr.msg_name = &sw->peer[i];
			sw->out[nout].msg_hdr.msg_namelen = sw->msgs[i].msg_hdr.msg_namelen;
			nout++;
		} else if (p->verdict == DP_MISS) {
			struct bolt_client c;
			client_of(sw, k, &sw->peer[i], &c);
			dp_miss_push(&sw->w, j, p, &c);
		}
	}
	if (nout)
		send_all(sw, fd, nout);
}

/* Send the control plane's finished answers for this worker. */
static void drain_answers(struct sock_worker *sw)
{
	const struct bolt_answer_msg *m;
	unsigned budget = SOCK_BURST;

	while (budget-- && (m = dp_answer_next(&sw->w)) != NULL) {
		const struct bolt_client *c = &m->client;
		struct sockaddr_storage ss;
		socklen_t sl = 0;

		memset(&ss, 0, sizeof(ss));
		if (c->family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&ss;
			s->sin_family = AF_INET;
			s->sin_port = c->client_port;
			memcpy(&s->sin_addr, c->client_addr, 4);
			sl = sizeof(*s);
		} else if (c->family == AF_INET6) {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
			s->sin6_family = AF_INET6;
			s->sin6_port = c->client_port;
			memcpy(&s->sin6_addr, c->client_addr, 16);
			sl = sizeof(*s);
		}
		/* With the server cookie its query asked for, if any. */
		static _Thread_local uint8_t ck[BOLT_ANSWER_PAYLOAD_MAX + 64];
		size_t ckn = dp_answer_cookie(&sw->w, m, ck, sizeof(ck));
		const uint8_t *pl = ckn ? ck : m->payload;
		size_t pln = ckn ? ckn : m->len;
		if (sl == 0 || c->port_id >= sw->nfds ||
		    sw->app->cfg->listen[c->port_id].family != c->family ||
		    sendto(sw->fds[c->port_id], pl, pln, MSG_DONTWAIT,
		           (struct sockaddr *)&ss, sl) < 0) {
			DP_STAT_INC(sw->w.st, tx_drops);
		} else {
			DP_STAT_INC(sw->w.st, tx_pkts);
			DP_STAT_INC(sw->w.st, answers_sent);
			dp_count_response(&sw->w, pl, pln);
		}
		dp_answer_done(&sw->w);
	}
}

static void *worker_main(void *arg)
{
	struct sock_worker *sw = arg;
	struct pollfd pfd[BOLT_CFG_MAX_ADDRS];

	__atomic_store_n(&bolt_region_ports(sw->app->region)->worker_tid[sw->index],
	                 (int32_t)gettid(), __ATOMIC_RELAXED);
	for (unsigned k = 0; k < sw->nfds; k++) {
		pfd[k].fd = sw->fds[k];
		pfd[k].events = POLLIN;
	}
	while (!atomic_load_explicit(&sw->app->stop, memory_order_relaxed)) {
		int r = poll(pfd, sw->nfds, POLL_MS);
		if (r > 0) {
			for (unsigned k = 0; k < sw->nfds; k++)
				if (pfd[k].revents & POLLIN)
					serve_socket(sw, k);
		}
		drain_answers(sw);
	}
	return NULL;
}

/* Describe the listen sockets in the region's port table (what `boltctl
 * status` lists): one entry per listen address, one socket per worker. */
static void ports_publish(struct bolt_region *r, const struct bolt_config *cfg, unsigned nw)
{
	struct bolt_port_table *t = bolt_region_ports(r);
	unsigned n = cfg->nlisten < BOLT_MAX_PORTS ? cfg->nlisten : BOLT_MAX_PORTS;

	atomic_store_explicit(&t->nports, 0, memory_order_release);
	t->io = BOLT_PORT_IO_SOCKET;
	t->workers = nw;
	t->nports_total = cfg->nlisten;
	for (unsigned w = 0; w < BOLT_MAX_LCORES; w++) {
		t->worker_lcore[w] = w < nw ? (uint16_t)w : BOLT_PORT_NO_LCORE;
		__atomic_store_n(&t->worker_tid[w], 0, __ATOMIC_RELAXED);
	}
	for (unsigned k = 0; k < n; k++) {
		const struct bolt_sockaddr *a = &cfg->listen[k];
		struct bolt_port_info *pi = &t->port[k];
		char txt[INET6_ADDRSTRLEN] = "?";

		memset(pi, 0, sizeof(*pi));
		inet_ntop(a->family, a->addr, txt, sizeof(txt));
		snprintf(pi->name, sizeof(pi->name), a->family == AF_INET6 ? "[%s]@%u" : "%s@%u", txt,
		         a->port ? a->port : 53);
		snprintf(pi->driver, sizeof(pi->driver), "socket");
		pi->port_id = (uint16_t)k;
		pi->rx_queues = (uint16_t)nw;
		pi->tx_queues = (uint16_t)nw;
		for (unsigned q = 0; q < BOLT_MAX_LCORES; q++)
			pi->queue_lcore[q] = q < nw ? (uint16_t)q : BOLT_PORT_NO_LCORE;
		atomic_store_explicit(&pi->link_up, 1, memory_order_relaxed);
	}
	atomic_store_explicit(&t->updated, (uint64_t)time(NULL), memory_order_relaxed);
	atomic_store_explicit(&t->nports, n, memory_order_release);
}

int dp_socket_run(struct dp_app *app)
{
	const struct bolt_config *cfg = app->cfg;
	struct bolt_region *r = app->region;
	unsigned nw = cfg->workers ? cfg->workers : 1;
	int err = 0;

	if (cfg->nlisten == 0) {
		dp_err("io = socket needs at least one 'listen' address in [dataplane]");
		return BOLT_ECONFIG;
	}
	if (nw > r->hdr->max_lcores) {
		dp_err("workers = %u: the region has rings for %u", nw, r->hdr->max_lcores);
		return BOLT_ECONFIG;
	}
	/* Cache-line aligned: workers must not share lines. */
	struct sock_worker *ws = NULL;
	if (posix_memalign((void **)&ws, BOLT_CACHE_LINE, nw * sizeof(*ws)) != 0)
		return -ENOMEM;
	memset(ws, 0, nw * sizeof(*ws));
	for (unsigned i = 0; i < nw; i++) {
		struct sock_worker *sw = &ws[i];
		sw->app = app;
		sw->index = i;
		err = dp_worker_init(&sw->w, r, i, cfg->udp_max);
		if (err == 0)
			err = dp_worker_set_policy(&sw->w, &app->policy);
		if (err < 0)
			goto err_socks;
		for (unsigned k = 0; k < cfg->nlisten; k++) {
			int fd = open_socket(&cfg->listen[k]);
			if (fd < 0) {
				char txt[INET6_ADDRSTRLEN] = "?";
				inet_ntop(cfg->listen[k].family, cfg->listen[k].addr, txt, sizeof(txt));
				dp_err("listen %s port %u: %s", txt,
				       cfg->listen[k].port ? cfg->listen[k].port : 53, bolt_strerror(fd));
				err = fd;
				goto err_socks;
			}
			sw->fds[sw->nfds++] = fd;
		}
	}
	ports_publish(r, cfg, nw);
	for (unsigned i = 0; i < nw; i++) {
		if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) != 0) {
			err = -EAGAIN;
			atomic_store(&app->stop, true);
			break;
		}
		ws[i].started = true;
	}
	if (err == 0) {
		atomic_store(&r->hdr->dp_lcores, nw);
		dp_notice("io = socket: %u worker(s), %u listen address(es)", nw, cfg->nlisten);
	}
	/* The main thread only keeps the heartbeat. */
	while (!atomic_load(&app->stop)) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		dp_heartbeat(app);
		atomic_store_explicit(&bolt_region_ports(r)->updated, (uint64_t)time(NULL),
		                      memory_order_relaxed);
	}
	for (unsigned i = 0; i < nw; i++)
		if (ws[i].started)
			pthread_join(ws[i].tid, NULL);
err_socks:
	for (unsigned i = 0; i < nw; i++) {
		for (unsigned k = 0; k < ws[i].nfds; k++)
			close(ws[i].fds[k]);
		dp_worker_fini(&ws[i].w);
	}
	free(ws);
	return err;
}
