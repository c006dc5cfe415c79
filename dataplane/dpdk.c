/*
 * io = dpdk: the polling dataplane over DPDK ethdev ports (PCI NICs,
 * net_af_xdp, net_af_packet).
 *
 * Every enabled lcore (the main one included) is a worker with one RX/TX
 * queue pair on each port (RSS spreads clients when a port has several).
 * A worker receives a burst, classifies every frame (frame.c), answers the
 * DNS queries of the burst in place through dp_process_burst, answers ARP,
 * neighbour solicitations and pings for the service addresses, hands other
 * frames to the exception TAP when there is one, queues misses, sends what
 * the control plane answered, and flushes its TX buffers when full or on a
 * TSC deadline. Nothing is allocated on this path but mbufs from the pool
 * created at start-up; no lock is taken.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#if BOLTDNS_DP_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>
#endif

#include "burst.h"
#include "cpu.h"
#include "dp.h"
#include "dpdk_port.h"
#include "faultguard.h"
#include "frame.h"
#include "log.h"
#include "pool.h"
#include "process.h"

#define RX_BURST 32
#define TX_BUF 32
#define MAX_PORTS 8
#define POOL_CACHE 256
#define TX_DRAIN_US 100          /* longest a partial TX burst waits */


struct tx_buf {
	uint16_t n;
	struct rte_mbuf *m[TX_BUF];
};

struct dp_lcore {
	struct dp_worker w;
	unsigned index;
	uint64_t tx_deadline;
	uint64_t hb_next;
	unsigned nap_max_us;         /* longest nap when idle; 0 = busy-poll */
	uint64_t busy_tsc;           /* time in loop turns that had work (busy_account) */
	uint64_t busy_work;          /* frames and answers handled in those turns */
	struct tx_buf tx[MAX_PORTS];
	struct tx_buf exc_tx;
	struct rte_mbuf *rx[RX_BURST];
	struct dp_frame_pkt fp[RX_BURST];
	struct dp_burst_scratch scratch;
};

static struct {
	struct dp_app *app;
	struct rte_mempool *pool;
	struct dp_port ports[MAX_PORTS];
	unsigned nports;
	int exc_port;                /* -1: no exception path */
	uint16_t exc_nq;
	unsigned nw;
	struct dp_lcore *lc;         /* nw of them */
	unsigned lcore_index[RTE_MAX_LCORE];
	uint64_t drain_tsc;
	uint64_t idle_tsc;           /* IDLE_AFTER_US in TSC cycles */
	uint64_t turn_max_tsc;       /* TURN_MAX_US in TSC cycles */
	uint64_t hz;
	bool guarded[RTE_MAX_ETHPORTS]; /* by ethdev id: dp_port.guard */
} g;

/* Time without work after which an lcore starts to nap (idle-sleep > 0).
 * A time, not a count of empty polls: with net_af_xdp an empty poll can be
 * a system call of half a microsecond, and a thousand of them outlast the
 * gap between queries at a few thousand qps, so the lcore never napped. */
#define IDLE_AFTER_US 50
/* idle-sleep = auto on a CPU that is shared (not isolated, or under a CPU
 * quota): the longest nap. Each nap of an idle lcore costs one wake-up and
 * one empty poll (a few microseconds); at 500 us an idle lcore takes about
 * 1 % of its CPU, and the first query after an idle spell waits 250 us on
 * average. */
#define AUTO_NAP_US 500
/* A loop turn longer than this lost its CPU to the scheduler (a turn of 32
 * frames takes microseconds): busy_account leaves it out. */
#define TURN_MAX_US 200

/*
 * A burst of a port whose driver may unmap its rings under the lcore
 * (unmaps_under_lcore: net_memif when its peer goes away) faulted on that
 * memory. If the port's link is down, that was the peer leaving: the burst
 * counts as empty; with the link up it was something else, and the process
 * aborts as the fault would have killed it.
 *
 * The mbufs such a burst held are lost to the pool: the driver's own (a
 * receive burst allocates 32 before it copies) and, for a send burst, ours,
 * since the driver may have freed some of them before the fault. About 17
 * a recovery were measured (39 recoveries in 900 disconnects of a client
 * sending flat out); the pool holds ~3400 for one port and lcore, so each
 * warning says how many are left.
 */
static void burst_faulted(uint16_t port, const char *what)
{
	struct rte_eth_link link;
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_DOWN) {
		dp_warn("port %u: its peer went away during a %s burst (the driver unmapped the "
		        "rings at %p under it): burst dropped, its mbufs lost (%u left in the pool)",
		        port, what, dp_faultguard_addr(), rte_mempool_avail_count(g.pool));
		return;
	}
	dp_err("port %u: fault at %p in a %s burst with the link up: aborting", port,
	       dp_faultguard_addr(), what);
	abort();
}

static __attribute__((noinline)) uint16_t rx_guarded(uint16_t port, uint16_t q,
                                                      struct rte_mbuf **m, uint16_t n)
{
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0) == 0) {
		dp_faultguard_arm(&jb);
		uint16_t got = rte_eth_rx_burst(port, q, m, n);
		dp_faultguard_disarm();
		return got;
	}
	burst_faulted(port, "receive");
	return 0;
}

/* 0 and *faulted when the burst faulted: the driver may have freed some of
 * the mbufs by then, so the caller leaves them all alone (lost to the pool
 * rather than freed twice). */
static __attribute__((noinline)) uint16_t tx_guarded(uint16_t port, uint16_t q,
                                                      struct rte_mbuf **m, uint16_t n,
                                                      bool *faulted)
{
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0) == 0) {
		dp_faultguard_arm(&jb);
		uint16_t sent = rte_eth_tx_burst(port, q, m, n);
		dp_faultguard_disarm();
		return sent;
	}
	burst_faulted(port, "send");
	*faulted = true;
	return 0;
}

static void tx_flush(struct dp_lcore *l, uint16_t port, uint16_t q, struct tx_buf *b)
{
	if (b->n == 0)
		return;
	bool faulted = false;
	uint16_t sent = g.guarded[port] ? tx_guarded(port, q, b->m, b->n, &faulted)
	                                : rte_eth_tx_burst(port, q, b->m, b->n);
	if (faulted) {
		DP_STAT_ADD(l->w.st, tx_drops, b->n);
		b->n = 0;
		return;
	}
	DP_STAT_ADD(l->w.st, tx_pkts, sent);
	if (sent < b->n) {
		/* The NIC ring is full: drop rather than wait on the hot path. */
		DP_STAT_ADD(l->w.st, tx_drops, b->n - sent);
		rte_pktmbuf_free_bulk(b->m + sent, b->n - sent);
	}
	b->n = 0;
}

static inline void tx_port(struct dp_lcore *l, unsigned pi, struct rte_mbuf *m)
{
	struct tx_buf *b = &l->tx[pi];
	b->m[b->n++] = m;
	if (b->n == TX_BUF)
		tx_flush(l, g.ports[pi].id, (uint16_t)l->index, b);
}

static inline void tx_exception(struct dp_lcore *l, struct rte_mbuf *m)
{
	struct tx_buf *b = &l->exc_tx;
	b->m[b->n++] = m;
	if (b->n == TX_BUF)
		tx_flush(l, (uint16_t)g.exc_port, (uint16_t)l->index, b);
}

static void set_len(struct rte_mbuf *m, size_t len)
{
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
}

/* Offload metadata for a frame whose checksums the NIC completes. */
static void set_offload(struct rte_mbuf *m, const struct dp_port *p, uint8_t family,
                        uint16_t l2, uint16_t l3)
{
	if (!p->ol_udp && !p->ol_ip)
		return;
	m->l2_len = l2;
	m->l3_len = l3;
	if (family == AF_INET) {
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | (p->ol_ip ? RTE_MBUF_F_TX_IP_CKSUM : 0) |
		              (p->ol_udp ? RTE_MBUF_F_TX_UDP_CKSUM : 0);
	} else {
		m->ol_flags = RTE_MBUF_F_TX_IPV6 | (p->ol_udp ? RTE_MBUF_F_TX_UDP_CKSUM : 0);
	}
}

static unsigned rx_port(struct dp_lcore *l, unsigned pi)
{
	struct dp_port *p = &g.ports[pi];
	uint16_t q = (uint16_t)l->index;
	uint16_t n = p->guard ? rx_guarded(p->id, q, l->rx, RX_BURST)
	                      : rte_eth_rx_burst(p->id, q, l->rx, RX_BURST);

	if (n == 0)
		return 0;
	DP_STAT_ADD(l->w.st, rx_pkts, n);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = l->rx[i];
		struct dp_frame_pkt *fp = &l->fp[i];
		size_t room = (size_t)m->buf_len - m->data_off;
		fp->data = rte_pktmbuf_mtod(m, uint8_t *);
		fp->room = (uint16_t)(room > UINT16_MAX ? UINT16_MAX : room);
		/* Queries fit one segment: a chained frame is only looked at as
		 * far as its first segment goes (and is then malformed). */
		fp->len = m->data_len;
		rte_prefetch0(fp->data);
	}
	struct dp_port_ctx pc = {
		.svc = &p->svc,
		.ol_ip = p->ol_ip,
		.ol_udp = p->ol_udp,
		.have_exc = g.exc_port >= 0 && l->index < g.exc_nq,
		.port_index = (uint8_t)pi,
		.queue = q,
	};
	dp_burst_handle(&l->w, &l->scratch, &pc, l->fp, n);
	bool partial = n < RX_BURST;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = l->rx[i];
		const struct dp_frame_pkt *fp = &l->fp[i];
		switch (fp->action) {
		case DP_ACT_TX:
			set_len(m, fp->out_len);
			m->ol_flags = 0;
			if (fp->family)
				set_offload(m, p, fp->family, fp->l2_len, fp->l3_len);
			tx_port(l, pi, m);
			break;
		case DP_ACT_EXC:
			tx_exception(l, m);
			break;
		default:
			rte_pktmbuf_free(m);
			break;
		}
	}
	/* The queue is drained: nothing more is coming to fill the buffer, so
	 * the answers go out now rather than at the drain deadline. */
	if (partial && p->tx_now)
		tx_flush(l, p->id, q, &l->tx[pi]);
	return n;
}

/* Frames the kernel sends through the exception TAP leave on port 0. */
static unsigned rx_exception(struct dp_lcore *l)
{
	uint16_t n = rte_eth_rx_burst((uint16_t)g.exc_port, (uint16_t)l->index, l->rx, RX_BURST);
	for (uint16_t i = 0; i < n; i++) {
		if (g.nports > 0 && l->index < g.ports[0].nq)
			tx_port(l, 0, l->rx[i]);
		else
			rte_pktmbuf_free(l->rx[i]);
	}
	return n;
}

static unsigned drain_answers(struct dp_lcore *l)
{
	const struct bolt_answer_msg *a;
	unsigned budget = RX_BURST;

	while (budget-- && (a = dp_answer_next(&l->w)) != NULL) {
		const struct bolt_client *c = &a->client;
		unsigned pi = c->port_id;
		struct rte_mbuf *m = NULL;
		size_t len = 0;
		uint16_t l2 = 0, l3 = 0;

		if (pi < g.nports && l->index < g.ports[pi].nq)
			m = rte_pktmbuf_alloc(g.pool);
		/* With the server cookie its query asked for, if any. */
		static _Thread_local uint8_t ck[BOLT_ANSWER_PAYLOAD_MAX + 64];
		size_t ckn = m ? dp_answer_cookie(&l->w, a, ck, sizeof(ck)) : 0;
		const uint8_t *pl = ckn ? ck : a->payload;
		size_t pln = ckn ? ckn : a->len;
		if (m) {
			len = dp_frame_build(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m), c,
			                     pl, pln, !g.ports[pi].ol_ip, !g.ports[pi].ol_udp, &l2, &l3);
		}
		if (len == 0) {
			/* No such port, no mbuf, or larger than one segment. */
			DP_STAT_INC(l->w.st, tx_drops);
			if (m)
				rte_pktmbuf_free(m);
		} else {
			set_len(m, len);
			set_offload(m, &g.ports[pi], c->family, l2, l3);
			DP_STAT_INC(l->w.st, answers_sent);
			dp_count_response(&l->w, pl, pln);
			tx_port(l, pi, m);
		}
		dp_answer_done(&l->w);
	}
	return RX_BURST - 1 - budget;
}

/* Link state and rte_eth_stats of every service port into the region's port
 * table (at start-up, then once a second from ports_refresh_alarm: a few
 * ethdev calls, no lock; the table has this one writer). */
static void ports_refresh(struct bolt_region *r)
{
	struct bolt_port_table *t = bolt_region_ports(r);
	unsigned n = atomic_load_explicit(&t->nports, memory_order_relaxed);

	for (unsigned i = 0; i < n && i < g.nports; i++) {
		struct bolt_port_info *pi = &t->port[i];
		struct rte_eth_link link;
		struct rte_eth_stats st;
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(g.ports[i].id, &link) == 0) {
			atomic_store_explicit(&pi->link_up, link.link_status == RTE_ETH_LINK_UP,
			                      memory_order_relaxed);
			atomic_store_explicit(&pi->link_speed,
			                      link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0
			                                                                    : link.link_speed,
			                      memory_order_relaxed);
		}
		if (rte_eth_stats_get(g.ports[i].id, &st) == 0) {
			struct bolt_port_counters *c = &pi->ctr;
			atomic_store_explicit(&c->ipackets, st.ipackets, memory_order_relaxed);
			atomic_store_explicit(&c->opackets, st.opackets, memory_order_relaxed);
			atomic_store_explicit(&c->ibytes, st.ibytes, memory_order_relaxed);
			atomic_store_explicit(&c->obytes, st.obytes, memory_order_relaxed);
			atomic_store_explicit(&c->imissed, st.imissed, memory_order_relaxed);
			atomic_store_explicit(&c->ierrors, st.ierrors, memory_order_relaxed);
			atomic_store_explicit(&c->oerrors, st.oerrors, memory_order_relaxed);
			atomic_store_explicit(&c->rx_nombuf, st.rx_nombuf, memory_order_relaxed);
		}
	}
	atomic_store_explicit(&t->updated, (uint64_t)time(NULL), memory_order_relaxed);
}

/* ports_refresh once a second on the EAL interrupt thread, off the polling
 * lcores: link and stats queries are system calls on af_xdp / af_packet, and
 * on worker 0's loop they held up its queue every second. Re-arms itself
 * until the dataplane stops. */
static void ports_refresh_alarm(void *arg)
{
	struct dp_app *app = arg;
	if (atomic_load_explicit(&app->stop, memory_order_relaxed))
		return;
	ports_refresh(app->region);
	if (rte_eal_alarm_set(US_PER_S, ports_refresh_alarm, app) != 0)
		dp_warn("port table: cannot re-arm its refresh: `boltctl status` counters stop");
}

/* Describe the service ports in the region (once, before the workers start):
 * what `boltctl status` lists. */
static void ports_publish(struct bolt_region *r, const uint16_t *worker_lcore)
{
	struct bolt_port_table *t = bolt_region_ports(r);
	unsigned n = g.nports < BOLT_MAX_PORTS ? g.nports : BOLT_MAX_PORTS;

	atomic_store_explicit(&t->nports, 0, memory_order_release);
	t->io = BOLT_PORT_IO_DPDK;
	t->workers = g.nw;
	t->nports_total = g.nports;
	for (unsigned w = 0; w < BOLT_MAX_LCORES; w++) {
		t->worker_lcore[w] = w < g.nw ? worker_lcore[w] : BOLT_PORT_NO_LCORE;
		__atomic_store_n(&t->worker_tid[w], 0, __ATOMIC_RELAXED);
	}
	for (unsigned i = 0; i < n; i++) {
		const struct dp_port *p = &g.ports[i];
		struct bolt_port_info *pi = &t->port[i];
		struct rte_eth_dev_info info;
		char name[RTE_ETH_NAME_MAX_LEN] = "";

		memset(pi, 0, sizeof(*pi));
		rte_eth_dev_get_name_by_port(p->id, name);
		snprintf(pi->name, sizeof(pi->name), "%s", name);
		if (rte_eth_dev_info_get(p->id, &info) == 0) {
			snprintf(pi->driver, sizeof(pi->driver), "%s",
			         info.driver_name ? info.driver_name : "");
			const struct rte_devargs *da = info.device ? rte_dev_devargs(info.device) : NULL;
			if (da && da->args)
				snprintf(pi->args, sizeof(pi->args), "%s", da->args);
		}
		memcpy(pi->mac, p->svc.mac, 6);
		pi->port_id = p->id;
		pi->rx_queues = p->nq;
		pi->tx_queues = p->nq;
		/* Worker w polls queue pair w of every port that has it. */
		for (unsigned q = 0; q < BOLT_MAX_LCORES; q++)
			pi->queue_lcore[q] = q < p->nq && q < g.nw ? worker_lcore[q] : BOLT_PORT_NO_LCORE;
	}
	atomic_store_explicit(&t->nports, n, memory_order_release);
	ports_refresh(r);
}

/*
 * How each lcore idles: idle-sleep when set (0: busy-poll); when it is not
 * set (auto), busy-poll on an isolated CPU (isolcpus or nohz_full, and no
 * CPU quota), otherwise nap up to AUTO_NAP_US: a busy poller on a shared
 * CPU takes the cycles of whatever shares it, and under a quota spends the
 * quota polling an empty queue. Said once, with the reason.
 */
static void idle_policy(const struct bolt_config *cfg, const uint16_t *worker_lcore)
{
	if (cfg->idle_sleep_us != BOLT_IDLE_SLEEP_AUTO) {
		for (unsigned i = 0; i < g.nw; i++)
			g.lc[i].nap_max_us = cfg->idle_sleep_us;
		return;
	}
	bool quota = dp_cpu_quota();
	char shared[128] = "";
	size_t used = 0;
	for (unsigned i = 0; i < g.nw; i++) {
		rte_cpuset_t cs = rte_lcore_cpuset(worker_lcore[i]);
		bool isolated = CPU_COUNT(&cs) > 0;
		for (unsigned c = 0; c < CPU_SETSIZE && isolated; c++)
			if (CPU_ISSET(c, &cs) && !dp_cpu_isolated(c))
				isolated = false;
		g.lc[i].nap_max_us = quota || !isolated ? AUTO_NAP_US : 0;
		/* An lcore with no queue parks (lcore_main): not worth a word. */
		bool has_queue = g.exc_port >= 0 && i < g.exc_nq;
		for (unsigned pi = 0; pi < g.nports; pi++)
			if (i < g.ports[pi].nq)
				has_queue = true;
		if (g.lc[i].nap_max_us && has_queue && used < sizeof(shared)) {
			int w = snprintf(shared + used, sizeof(shared) - used, "%s%u", used ? "," : "",
			                 worker_lcore[i]);
			if (w > 0)
				used += (size_t)w;
		}
	}
	if (used > 0)
		dp_warn("idle-sleep not set: lcore(s) %s %s: they nap up to %u us when idle "
		        "(set idle-sleep = 0 to busy-poll, or the longest nap in us)", shared,
		        quota ? "run under a CPU quota (cgroup cpu.max / cpu.cfs_quota_us)"
		              : "are on CPUs not isolated (isolcpus / nohz_full)",
		        AUTO_NAP_US);
	else
		dp_info("idle-sleep not set: every lcore is on an isolated CPU: busy-polling");
}

/*
 * At exit, how loaded the worker was: the share of its polling time spent in
 * loop turns that had work (frames received or answers from the ring), and
 * that time per frame or answer. Turns that lost the CPU (longer than
 * TURN_MAX_US) are left out of both, so the figure holds on a shared CPU too
 * (bench/memif: the dataplane's own cost per answer on the memif path).
 */
static void busy_report(const struct dp_lcore *l, uint64_t polled_tsc)
{
	if (polled_tsc == 0 || g.hz == 0)
		return;
	double busy_s = (double)l->busy_tsc / (double)g.hz;
	dp_notice("worker %u: busy %.2f %% of %.1f s polling, %" PRIu64 " frames/answers in "
	          "%.3f s busy: %.1f ns each", l->index, 100.0 * (double)l->busy_tsc / (double)polled_tsc,
	          (double)polled_tsc / (double)g.hz, l->busy_work, busy_s,
	          l->busy_work ? busy_s * 1e9 / (double)l->busy_work : 0.0);
}

static int lcore_main(void *arg)
{
	(void)arg;
	struct dp_lcore *l = &g.lc[g.lcore_index[rte_lcore_id()]];
	struct dp_app *app = g.app;

	l->tx_deadline = rte_rdtsc() + g.drain_tsc;
	l->hb_next = rte_rdtsc() + g.hz;
	__atomic_store_n(&bolt_region_ports(app->region)->worker_tid[l->index],
	                 (int32_t)rte_sys_gettid(), __ATOMIC_RELAXED);
	/* An lcore with no queue on any port (more lcores than queues) gets no
	 * query, so it queues no miss and no answer ever comes back to it:
	 * polling would only spend its CPU (and, under a quota, everyone's).
	 * It waits for the stop instead. Worker 0 keeps the heartbeat and
	 * always has queue 0. */
	bool has_queue = g.exc_port >= 0 && l->index < g.exc_nq;
	for (unsigned pi = 0; pi < g.nports; pi++)
		if (l->index < g.ports[pi].nq)
			has_queue = true;
	if (!has_queue && l->index != 0) {
		dp_notice("worker %u on lcore %u has no queue on any port: parked (nothing to poll)",
		          l->index, rte_lcore_id());
		while (!atomic_load_explicit(&app->stop, memory_order_relaxed)) {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		return 0;
	}
	dp_info("worker %u polling on lcore %u", l->index, rte_lcore_id());
	unsigned nap_us = 1;
	uint64_t last_work = rte_rdtsc();
	uint64_t loop_start = rte_rdtsc(), turn_start = loop_start;
	while (!atomic_load_explicit(&app->stop, memory_order_relaxed)) {
		unsigned work = 0;
		for (unsigned pi = 0; pi < g.nports; pi++)
			if (l->index < g.ports[pi].nq)
				work += rx_port(l, pi);
		if (g.exc_port >= 0 && l->index < g.exc_nq)
			work += rx_exception(l);
		unsigned nans = drain_answers(l);
		work += nans;
		/* The answer ring is drained: what it gave goes out now on ports
		 * that send per burst (tx_per_burst). */
		if (nans > 0 && nans < RX_BURST)
			for (unsigned pi = 0; pi < g.nports; pi++)
				if (g.ports[pi].tx_now && l->index < g.ports[pi].nq)
					tx_flush(l, g.ports[pi].id, (uint16_t)l->index, &l->tx[pi]);
		/* Misses queued this turn: kick the resolver workers that sleep
		 * (answers need no bell here: this loop looks every turn). */
		dp_miss_kick(&l->w, &app->region->hdr->miss_bell);

		if (l->nap_max_us > 0) {
			/* Give a shared core back when there is nothing to do: nap
			 * once IDLE_AFTER_US passed with no work, doubling up to
			 * idle-sleep. */
			if (work > 0) {
				last_work = rte_rdtsc();
				nap_us = 1;
			} else if (rte_rdtsc() - last_work >= g.idle_tsc) {
				for (unsigned pi = 0; pi < g.nports; pi++)
					if (l->index < g.ports[pi].nq)
						tx_flush(l, g.ports[pi].id, (uint16_t)l->index, &l->tx[pi]);
				rte_delay_us_sleep(nap_us);
				if (nap_us < l->nap_max_us)
					nap_us = nap_us * 2 < l->nap_max_us ? nap_us * 2 : l->nap_max_us;
			}
		}

		uint64_t now = rte_rdtsc();
		/* Busy time: a polling lcore shows 100 % CPU whatever its load,
		 * so the time of the turns that found work is what it spends. */
		if (work > 0 && now - turn_start < g.turn_max_tsc) {
			l->busy_tsc += now - turn_start;
			l->busy_work += work;
		}
		turn_start = now;
		if (now >= l->tx_deadline) {
			for (unsigned pi = 0; pi < g.nports; pi++)
				if (l->index < g.ports[pi].nq)
					tx_flush(l, g.ports[pi].id, (uint16_t)l->index, &l->tx[pi]);
			if (g.exc_port >= 0 && l->index < g.exc_nq)
				tx_flush(l, (uint16_t)g.exc_port, (uint16_t)l->index, &l->exc_tx);
			l->tx_deadline = now + g.drain_tsc;
		}
		if (l->index == 0 && now >= l->hb_next) {
			/* The port table is refreshed off the lcores
			 * (ports_refresh_alarm); the beat stays here, so it
			 * says the polling loop runs. */
			dp_heartbeat(app);
			l->hb_next = now + g.hz;
		}
	}
	busy_report(l, rte_rdtsc() - loop_start);
	/* Whatever is still buffered goes out before the ports stop. */
	for (unsigned pi = 0; pi < g.nports; pi++)
		if (l->index < g.ports[pi].nq)
			tx_flush(l, g.ports[pi].id, (uint16_t)l->index, &l->tx[pi]);
	if (g.exc_port >= 0 && l->index < g.exc_nq)
		tx_flush(l, (uint16_t)g.exc_port, (uint16_t)l->index, &l->exc_tx);
	return 0;
}

int dp_dpdk_run(struct dp_app *app)
{
	const struct bolt_config *cfg = app->cfg;
	static char store[4096];
	char *argv[MAX_EAL_ARGS + 2];
	int err = 0;

	bool keep_eal = false;

	memset(&g, 0, sizeof(g));
	g.app = app;
	g.exc_port = -1;
	int argc = dp_eal_argv(cfg, store, sizeof(store), argv);
	if (argc < 0) {
		dp_err("eal: too many or too long arguments");
		return BOLT_ECONFIG;
	}
	for (int i = 0; i < argc; i++)
		dp_debug("eal argv[%d] = %s", i, argv[i]);
	if (rte_eal_init(argc, argv) < 0) {
		dp_err("rte_eal_init failed: %s", rte_strerror(rte_errno));
		return BOLT_ECONFIG;
	}

	g.nw = rte_lcore_count();
	if (g.nw > app->region->hdr->max_lcores) {
		dp_err("%u lcores: the region has rings for %u", g.nw, app->region->hdr->max_lcores);
		err = BOLT_ECONFIG;
		goto err_eal;
	}
	if (posix_memalign((void **)&g.lc, BOLT_CACHE_LINE, g.nw * sizeof(*g.lc)) != 0) {
		err = -ENOMEM;
		goto err_eal;
	}
	memset(g.lc, 0, g.nw * sizeof(*g.lc));
	unsigned idx = 0, lid;
	uint16_t worker_lcore[BOLT_MAX_LCORES];
	RTE_LCORE_FOREACH(lid) {
		g.lcore_index[lid] = idx;
		worker_lcore[idx] = (uint16_t)lid;
		g.lc[idx].index = idx;
		err = dp_worker_init(&g.lc[idx].w, app->region, idx, cfg->udp_max);
		if (err == 0)
			err = dp_worker_set_policy(&g.lc[idx].w, &app->policy);
		if (err < 0)
			goto err_lc;
		idx++;
	}

	uint16_t nports = rte_eth_dev_count_avail();
	unsigned nmbufs = (nports ? nports : 1) * g.nw * (NB_RXD + NB_TXD + 2 * TX_BUF) +
	                  g.nw * (POOL_CACHE + RX_BURST) + 1024;
	/* An af_xdp port sends our mbufs from its UMEM, which covers a packed
	 * pool only (pool.h). */
	bool afxdp = false;
	uint16_t pid;
	RTE_ETH_FOREACH_DEV(pid) {
		char pname[RTE_ETH_NAME_MAX_LEN] = "";
		rte_eth_dev_get_name_by_port(pid, pname);
		if (strncmp(pname, "net_af_xdp", 10) == 0)
			afxdp = true;
	}
	g.pool = dp_pool_create("bolt_mbufs", nmbufs, POOL_CACHE, RTE_MBUF_DEFAULT_BUF_SIZE,
	                        (int)rte_socket_id(), afxdp);
	if (!g.pool) {
		dp_err("mbuf pool of %u: %s", nmbufs, rte_strerror(rte_errno));
		err = -ENOMEM;
		goto err_lc;
	}

	uint16_t id;
	RTE_ETH_FOREACH_DEV(id) {
		char name[RTE_ETH_NAME_MAX_LEN] = "";
		rte_eth_dev_get_name_by_port(id, name);
		if (strcmp(name, EXC_VDEV) == 0) {
			struct dp_port tmp;
			int ret = dp_port_setup(id, (uint16_t)g.nw, g.pool, g.guarded, &tmp);
			if (ret < 0) {
				dp_err("exception port %s: %s", name, rte_strerror(-ret));
				err = BOLT_ECONFIG;
				goto err_ports;
			}
			g.exc_port = id;
			g.exc_nq = tmp.nq;
			dp_notice("exception path: TAP %s (%u queues)", cfg->exception, tmp.nq);
			continue;
		}
		if (g.nports == MAX_PORTS) {
			dp_warn("port %u (%s) ignored: at most %d ports", id, name, MAX_PORTS);
			continue;
		}
		struct dp_port *p = &g.ports[g.nports];
		dp_port_fill_svc(&p->svc, cfg);
		int ret = dp_port_setup(id, (uint16_t)g.nw, g.pool, g.guarded, p);
		if (ret < 0) {
			dp_err("port %u (%s): %s", id, name, rte_strerror(-ret));
			err = BOLT_ECONFIG;
			goto err_ports;
		}
		struct rte_ether_addr mac;
		rte_eth_macaddr_get(id, &mac);
		memcpy(p->svc.mac, mac.addr_bytes, 6);
#if BOLTDNS_DP_LIBBPF
		struct rte_eth_dev_info info;
		if (strncmp(name, "net_af_xdp", 10) == 0 && rte_eth_dev_info_get(id, &info) == 0 &&
		    info.if_index > 0)
			dp_xdp_fill_service(info.if_index, &p->svc);
#endif
		dp_notice("port %u (%s): %u queue(s), mac " RTE_ETHER_ADDR_PRT_FMT
		          ", checksum offload ip=%d udp=%d, answers sent %s", id, name, p->nq,
		          RTE_ETHER_ADDR_BYTES(&mac), p->ol_ip, p->ol_udp,
		          p->tx_now ? "per burst" : "in batches (up to 100 us)");
		g.nports++;
	}
	if (g.nports == 0) {
		dp_err("no DPDK port found: give one with --vdev or -a in 'eal'");
		err = BOLT_ECONFIG;
		goto err_ports;
	}
	if (cfg->naddress == 0)
		dp_warn("no 'address' configured: answering DNS to any address, no ARP/ND");
	if (g.exc_port >= 0) {
		/* Clients learn the port's MAC (our ARP replies): the kernel
		 * behind the TAP must accept frames sent to it and use it. */
		struct rte_ether_addr mac;
		memcpy(mac.addr_bytes, g.ports[0].svc.mac, 6);
		int ret = rte_eth_dev_default_mac_addr_set((uint16_t)g.exc_port, &mac);
		if (ret != 0)
			dp_warn("exception TAP: cannot set its MAC to port 0's: %s", rte_strerror(-ret));
	}

	g.hz = rte_get_tsc_hz();
	g.drain_tsc = (g.hz + 1000000 - 1) / 1000000 * TX_DRAIN_US;
	g.idle_tsc = (g.hz + 1000000 - 1) / 1000000 * IDLE_AFTER_US;
	g.turn_max_tsc = (g.hz + 1000000 - 1) / 1000000 * TURN_MAX_US;
	idle_policy(cfg, worker_lcore);
	ports_publish(app->region, worker_lcore);
	atomic_store(&app->region->hdr->dp_lcores, g.nw);
	dp_notice("io = dpdk: %u worker lcore(s), %u port(s)", g.nw, g.nports);

	if (rte_eal_alarm_set(US_PER_S, ports_refresh_alarm, app) != 0)
		dp_warn("port table: no refresh alarm: `boltctl status` shows start-up counters");
	rte_eal_mp_remote_launch(lcore_main, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	rte_eal_alarm_cancel(ports_refresh_alarm, app);

err_ports:
	RTE_ETH_FOREACH_DEV(id) {
		rte_eth_dev_stop(id);
		if (dp_port_leaves_intr_source(id)) {
			keep_eal = true;
			continue;
		}
		rte_eth_dev_close(id);
	}
	if (g.pool && !keep_eal)
		rte_mempool_free(g.pool);
err_lc:
	for (unsigned i = 0; i < g.nw; i++)
		dp_worker_fini(&g.lc[i].w);
	free(g.lc);
err_eal:
	if (keep_eal)
		dp_debug("net_memif port: EAL left to the process exit (leaves_intr_source)");
	else
		rte_eal_cleanup();
	return err;
}
