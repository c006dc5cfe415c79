/*
 * io = socket: the dataplane over kernel UDP sockets.
 *
 * Worker i owns one SO_REUSEPORT socket per listen address (the kernel
 * spreads clients over the workers), receives with recvmmsg and answers with
 * sendmmsg in bursts, through the same dp_process_burst as the DPDK path, and
 * uses the region's rings and counters of index i. Slower than DPDK, but it
 * needs nothing but a kernel: for development, tests and small sites.
 *
 * No timer: a worker sleeps in poll() on its sockets and an eventfd until a
 * query or an answer comes. Before sleeping it arms its bit of the region's
 * answer doorbell and looks at its answer ring again (boltdns/ring.h
 * "Doorbell"); the control plane kicks the bell when it pushes an answer for
 * a sleeping worker, and the dataplane's bell thread, asleep on the bell's
 * futex, writes that worker's eventfd. Answers are sent as soon as they come,
 * in sendmmsg batches. After queueing a burst's misses, and before sending
 * its answers, a worker kicks the control plane's miss doorbell (a fence
 * and a load unless the control plane sleeps).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dp.h"
#include "log.h"
#include "process.h"

#define SOCK_BURST 32
#define SOCK_SLOT 4096          /* per-packet buffer: query in, response out */
/* An answer with the client cookie and server cookie appended. */
#define SOCK_ANSWER_SLOT (BOLT_ANSWER_PAYLOAD_MAX + 64)

struct sock_worker {
	struct dp_worker w;
	struct dp_app *app;
	unsigned index;
	unsigned nfds;
	int fds[BOLT_CFG_MAX_ADDRS];
	int efd;                    /* eventfd: the bell thread's kick, shutdown */
	pthread_t tid;
	bool started;
	struct mmsghdr msgs[SOCK_BURST];
	struct mmsghdr out[SOCK_BURST];
	struct iovec iov[SOCK_BURST];
	struct iovec oiov[SOCK_BURST];
	struct sockaddr_storage peer[SOCK_BURST];
	struct dp_pkt pkts[SOCK_BURST];
	/* control-plane answers of one sendmmsg batch */
	struct mmsghdr aout[SOCK_BURST];
	struct iovec aiov[SOCK_BURST];
	struct sockaddr_storage apeer[SOCK_BURST];
	uint16_t alen[SOCK_BURST];
	_Alignas(BOLT_CACHE_LINE) uint8_t bufs[SOCK_BURST][SOCK_SLOT];
	_Alignas(BOLT_CACHE_LINE) uint8_t abufs[SOCK_BURST][SOCK_ANSWER_SLOT];
};

/* The bell thread: forwards answer-doorbell kicks to the workers' eventfds. */
struct sock_bell {
	struct bolt_bell *bell;
	struct sock_worker *ws;
	unsigned nw;
	pthread_t tid;
	_Atomic bool stop;
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

/* A hit sampled for dnstap, sent to the control plane with its client. */
static void sample_push(struct sock_worker *sw, unsigned k, const struct sockaddr_storage *peer,
                        unsigned j, const struct dp_pkt *p)
{
	struct bolt_client c;
	client_of(sw, k, peer, &c);
	dp_tap_push(&sw->w, j, p, &c);
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

	unsigned nout = 0, nmiss = 0;
	for (unsigned j = 0; j < np; j++) {
		struct dp_pkt *p = &sw->pkts[j];
		unsigned i = idx[j];
		if (p->verdict == DP_TX) {
			if (p->sample)
				sample_push(sw, k, &sw->peer[i], j, p);
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
			nmiss++;
		}
	}
	/* The control plane starts on the misses before this burst's answers
	 * go out: sendmmsg delivers each answer (over loopback, into the
	 * client's socket in this very call), so a miss among a flood's hits
	 * waited for all of them before its resolver was woken
	 * (cp-e2e-misskick). */
	if (nmiss)
		dp_miss_kick(&sw->w, &sw->app->region->hdr->miss_bell);
	if (nout)
		send_all(sw, fd, nout);
}

/* Send the batch aout[0..n) of answers on fd; count what went out. */
static void send_answers(struct sock_worker *sw, int fd, unsigned n)
{
	unsigned done = 0;
	while (done < n) {
		int r = sendmmsg(fd, sw->aout + done, n - done, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* Skip the datagram the kernel refused and go on. */
			DP_STAT_INC(sw->w.st, tx_drops);
			done++;
			continue;
		}
		for (unsigned i = done; i < done + (unsigned)r; i++)
			dp_count_response(&sw->w, sw->abufs[i], sw->alen[i]);
		DP_STAT_ADD(sw->w.st, tx_pkts, (unsigned)r);
		DP_STAT_ADD(sw->w.st, answers_sent, (unsigned)r);
		done += (unsigned)r;
	}
}

/* Send the control plane's finished answers for this worker, in sendmmsg
 * batches (one per run of answers for the same listen socket). The ring
 * slot is freed at once: the answer is copied, with its cookie if any. */
static void drain_answers(struct sock_worker *sw)
{
	const struct bolt_answer_msg *m;
	unsigned n = 0;
	int fd = -1;

	while (n < SOCK_BURST && (m = dp_answer_next(&sw->w)) != NULL) {
		const struct bolt_client *c = &m->client;
		struct sockaddr_storage *ss = &sw->apeer[n];
		socklen_t sl = 0;

		memset(ss, 0, sizeof(*ss));
		if (c->family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
			s4->sin_family = AF_INET;
			s4->sin_port = c->client_port;
			memcpy(&s4->sin_addr, c->client_addr, 4);
			sl = sizeof(*s4);
		} else if (c->family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = c->client_port;
			memcpy(&s6->sin6_addr, c->client_addr, 16);
			sl = sizeof(*s6);
		}
		if (sl == 0 || c->port_id >= sw->nfds ||
		    sw->app->cfg->listen[c->port_id].family != c->family) {
			DP_STAT_INC(sw->w.st, tx_drops);
			dp_answer_done(&sw->w);
			continue;
		}
		int f = sw->fds[c->port_id];
		if (n > 0 && f != fd) {
			send_answers(sw, fd, n);
			n = 0;
			/* apeer[0] for this one: the batch starts again */
			memcpy(&sw->apeer[0], ss, sizeof(*ss));
			ss = &sw->apeer[0];
		}
		fd = f;
		/* With the server cookie its query asked for, if any. */
		size_t len = dp_answer_cookie(&sw->w, m, sw->abufs[n], sizeof(sw->abufs[n]));
		if (len == 0) {
			len = m->len;
			memcpy(sw->abufs[n], m->payload, len);
		}
		dp_answer_done(&sw->w);
		sw->alen[n] = (uint16_t)len;
		sw->aiov[n].iov_base = sw->abufs[n];
		sw->aiov[n].iov_len = len;
		memset(&sw->aout[n].msg_hdr, 0, sizeof(sw->aout[n].msg_hdr));
		sw->aout[n].msg_hdr.msg_iov = &sw->aiov[n];
		sw->aout[n].msg_hdr.msg_iovlen = 1;
		sw->aout[n].msg_hdr.msg_name = ss;
		sw->aout[n].msg_hdr.msg_namelen = sl;
		n++;
	}
	if (n > 0)
		send_answers(sw, fd, n);
}

static void *worker_main(void *arg)
{
	struct sock_worker *sw = arg;
	struct pollfd pfd[BOLT_CFG_MAX_ADDRS + 1];
	struct bolt_region_hdr *h = sw->app->region->hdr;
	const uint32_t bit = 1u << sw->index;
	const unsigned nfd = sw->nfds + 1;

	__atomic_store_n(&bolt_region_ports(sw->app->region)->worker_tid[sw->index],
	                 (int32_t)gettid(), __ATOMIC_RELAXED);
	for (unsigned k = 0; k < sw->nfds; k++) {
		pfd[k].fd = sw->fds[k];
		pfd[k].events = POLLIN;
	}
	pfd[sw->nfds].fd = sw->efd;
	pfd[sw->nfds].events = POLLIN;
	while (!atomic_load_explicit(&sw->app->stop, memory_order_relaxed)) {
		int r = poll(pfd, nfd, 0);
		if (r == 0) {
			/* Nothing to do: sleep until a query, an answer (the bell) or
			 * shutdown (the eventfd), but only after arming the bell and
			 * finding the answer ring still empty (ring.h "Doorbell"). */
			bolt_bell_arm(&h->answer_bell, bit);
			if (!dp_answer_ready(&sw->w))
				r = poll(pfd, nfd, -1);
			bolt_bell_disarm(&h->answer_bell, bit);
		}
		if (r > 0) {
			if (pfd[sw->nfds].revents & POLLIN) {
				uint64_t v;
				(void)!read(sw->efd, &v, sizeof(v));
			}
			for (unsigned k = 0; k < sw->nfds; k++)
				if (pfd[k].revents & POLLIN)
					serve_socket(sw, k);
			/* Misses queued: wake their resolver workers if they sleep. */
			dp_miss_kick(&sw->w, &h->miss_bell);
		}
		drain_answers(sw);
	}
	return NULL;
}

static void *bell_main(void *arg)
{
	struct sock_bell *sb = arg;
	for (;;) {
		uint32_t seq = bolt_bell_seq(sb->bell);
		if (atomic_load_explicit(&sb->stop, memory_order_acquire))
			break;
		uint32_t m = bolt_bell_take(sb->bell);
		if (m == 0) {
			(void)bolt_bell_wait(sb->bell, seq, -1);
			continue;
		}
		for (unsigned i = 0; i < sb->nw; i++) {
			if (m & (1u << i)) {
				uint64_t one = 1;
				(void)!write(sb->ws[i].efd, &one, sizeof(one));
			}
		}
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
	for (unsigned i = 0; i < nw; i++)
		ws[i].efd = -1;
	for (unsigned i = 0; i < nw; i++) {
		struct sock_worker *sw = &ws[i];
		sw->app = app;
		sw->index = i;
		sw->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (sw->efd < 0) {
			err = -errno;
			goto err_socks;
		}
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
	/* A bit left armed by a previous dataplane would only cost one kick:
	 * start clean. */
	bolt_bell_disarm(&r->hdr->answer_bell, (uint32_t)((1ull << nw) - 1));
	struct sock_bell sb = { .bell = &r->hdr->answer_bell, .ws = ws, .nw = nw };
	bool bell_on = pthread_create(&sb.tid, NULL, bell_main, &sb) == 0;
	if (!bell_on) {
		err = -EAGAIN;
		atomic_store(&app->stop, true);
	}
	for (unsigned i = 0; i < nw && bell_on; i++) {
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
	/* Workers asleep in poll() wake for their eventfd. */
	for (unsigned i = 0; i < nw; i++) {
		uint64_t one = 1;
		(void)!write(ws[i].efd, &one, sizeof(one));
	}
	for (unsigned i = 0; i < nw; i++)
		if (ws[i].started)
			pthread_join(ws[i].tid, NULL);
	if (bell_on) {
		atomic_store_explicit(&sb.stop, true, memory_order_release);
		bolt_bell_wake(sb.bell);
		pthread_join(sb.tid, NULL);
	}
err_socks:
	for (unsigned i = 0; i < nw; i++) {
		for (unsigned k = 0; k < ws[i].nfds; k++)
			close(ws[i].fds[k]);
		if (ws[i].efd >= 0)
			close(ws[i].efd);
		dp_worker_fini(&ws[i].w);
	}
	free(ws);
	return err;
}
