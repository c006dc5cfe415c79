/*
 * boltdns-loadgen: a DPDK DNS load generator.
 *
 * Replays a dnsperf-format query file from pre-built Ethernet/IPv4/UDP frames
 * at a target rate or flat out, matches responses by (source port, DNS ID),
 * and reports sent, answered, lost, rcodes and latency percentiles, as text
 * and as one machine-readable "RESULT key=value ..." line.
 *
 * It runs on one lcore (the main one): a kernel-bypass client needs no second
 * core to out-send one server core, and the machine has only two.
 *
 *   boltdns-loadgen -l 1 --in-memory --no-huge --vdev=net_af_packet0,iface=veth1 -- \
 *       --queries q.txt --src-ip 198.19.200.3 --dst-ip 198.19.200.1 \
 *       --dst-mac 02:00:00:00:00:01 --duration 5 [--rate 50000]
 *
 * Over net_memif (shared memory with another DPDK process, no kernel):
 *
 *   boltdns-loadgen --lcores=0@1 --no-huge -m 256 --no-pci --file-prefix=lg-$$ \
 *       --vdev=net_memif0,role=client,socket=/tmp/dp-$$.sock,mac=02:00:00:00:00:01 -- \
 *       --queries q.txt --src-ip 198.19.9.2 --dst-ip 198.19.9.1 \
 *       --dst-mac 02:00:00:00:00:02 --duration 5 --check-csum
 *
 * The port is started again until it takes (a memif client whose server is
 * not listening yet fails to start) and the link is waited for, up to
 * --link-wait seconds, before the clock starts.
 *
 * --flaps N: after the run, N times stop the port while queries are in
 * flight (2 ms flat out, no drain) and start it again: over memif, the
 * server sees its peer go away mid-traffic N times (tests/e2e/dataplane/
 * dp-memif.sh: boltdns-dp must survive it). Says "FLAPS done=K" at the end.
 */
#include "loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define BURST 32
#define NB_DESC 1024
#define POOL_SIZE 16383

/* One outstanding query, found again from (source port, ID) of its response. */
struct slot {
	uint64_t tsc;
	uint64_t k;        /* sequence number of the query in this slot */
	uint32_t qidx;
	uint32_t busy;
};

struct args {
	const char *queries;
	const char *label;
	const char *hist_out;
	struct lg_endpoints ep;
	bool have_src_mac, have_dst_mac, have_src_ip, have_dst_ip;
	uint16_t port;
	double rate;       /* queries/s; 0 = as fast as TX takes them */
	double duration;   /* seconds of sending */
	uint64_t count;    /* stop after this many; 0 = no limit */
	uint32_t timeout_ms;
	int32_t wait_ms;   /* drain after sending; -1 = timeout_ms */
	uint32_t nsports;  /* power of two */
	uint16_t sport_base;
	uint64_t outstanding; /* in-flight cap; 0 = none */
	double link_wait;  /* seconds to wait for the port to start and its link */
	bool check_csum;   /* verify IPv4 and UDP checksums of every answer */
	uint32_t flaps;    /* stop and restart the port this often after the run */
	struct lg_query_opts qopts;
};

struct stats {
	uint64_t sent, answered, late, expired, mismatched, unexpected, tx_fail, reused, arp;
	uint64_t rcode[16];
	uint64_t an[4];    /* answers with ANCOUNT 0, 1, 2, 3 or more */
	uint64_t bad_csum; /* answers with a wrong IPv4 or UDP checksum */
	struct lg_hist hist;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(const char *prog)
{
	fprintf(stderr,
	        "usage: %s [EAL options] -- --queries FILE --dst-ip IP --src-ip IP --dst-mac MAC\n"
	        "  [--dst-port 53] [--src-mac MAC] [--port 0] [--rate QPS (0: flat out)]\n"
	        "  [--duration SEC] [--count N] [--timeout MS] [--wait MS]\n"
	        "  [--sports N (power of 2)] [--sport-base P] [--outstanding N]\n"
	        "  [--edns SIZE] [--do] [--no-rd] [--label STR] [--hist-out FILE]\n"
	        "  [--link-wait SEC (10)] [--check-csum] [--flaps N]\n",
	        prog);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x = strtoull(s, &end, 10);
	if (*s == '\0' || *end != '\0' || *s == '-')
		return -1;
	*v = x;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{"queries", required_argument, NULL, 'q'},  {"dst-ip", required_argument, NULL, 'd'},
		{"src-ip", required_argument, NULL, 's'},   {"dst-mac", required_argument, NULL, 'M'},
		{"src-mac", required_argument, NULL, 'm'},  {"dst-port", required_argument, NULL, 'P'},
		{"port", required_argument, NULL, 'p'},     {"rate", required_argument, NULL, 'r'},
		{"duration", required_argument, NULL, 'D'}, {"count", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 't'},  {"wait", required_argument, NULL, 'w'},
		{"sports", required_argument, NULL, 'S'},   {"sport-base", required_argument, NULL, 'B'},
		{"outstanding", required_argument, NULL, 'o'}, {"edns", required_argument, NULL, 'e'},
		{"do", no_argument, NULL, 'O'},             {"no-rd", no_argument, NULL, 'R'},
		{"label", required_argument, NULL, 'l'},    {"hist-out", required_argument, NULL, 'H'},
		{"link-wait", required_argument, NULL, 'L'}, {"check-csum", no_argument, NULL, 'C'},
		{"flaps", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof(*a));
	a->ep.dst_port = htons(53);
	a->duration = 10;
	a->timeout_ms = 1000;
	a->wait_ms = -1;
	a->nsports = 64;
	a->sport_base = 20000;
	a->label = "loadgen";
	a->link_wait = 10;
	a->qopts.rd = true;
	a->qopts.edns_size = 1232;
	int c;
	uint64_t v;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q': a->queries = optarg; break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &a->ep.dst_ip) != 1)
				goto bad;
			a->have_dst_ip = true;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &a->ep.src_ip) != 1)
				goto bad;
			a->have_src_ip = true;
			break;
		case 'M':
			if (lg_parse_mac(optarg, a->ep.dst_mac) != 0)
				goto bad;
			a->have_dst_mac = true;
			break;
		case 'm':
			if (lg_parse_mac(optarg, a->ep.src_mac) != 0)
				goto bad;
			a->have_src_mac = true;
			break;
		case 'P':
			if (parse_u64(optarg, &v) != 0 || v == 0 || v > 65535)
				goto bad;
			a->ep.dst_port = htons((uint16_t)v);
			break;
		case 'p':
			if (parse_u64(optarg, &v) != 0 || v > RTE_MAX_ETHPORTS)
				goto bad;
			a->port = (uint16_t)v;
			break;
		case 'r':
			a->rate = strtod(optarg, NULL);
			if (!(a->rate >= 0))
				goto bad;
			break;
		case 'D':
			a->duration = strtod(optarg, NULL);
			if (!(a->duration > 0))
				goto bad;
			break;
		case 'c':
			if (parse_u64(optarg, &a->count) != 0)
				goto bad;
			break;
		case 't':
			if (parse_u64(optarg, &v) != 0 || v == 0 || v > 60000)
				goto bad;
			a->timeout_ms = (uint32_t)v;
			break;
		case 'w':
			if (parse_u64(optarg, &v) != 0 || v > 60000)
				goto bad;
			a->wait_ms = (int32_t)v;
			break;
		case 'S':
			if (parse_u64(optarg, &v) != 0 || v == 0 || v > 256 || (v & (v - 1)) != 0)
				goto bad;
			a->nsports = (uint32_t)v;
			break;
		case 'B':
			if (parse_u64(optarg, &v) != 0 || v < 1024 || v > 65535)
				goto bad;
			a->sport_base = (uint16_t)v;
			break;
		case 'o':
			if (parse_u64(optarg, &a->outstanding) != 0)
				goto bad;
			break;
		case 'e':
			if (parse_u64(optarg, &v) != 0 || v < 512 || v > 65535)
				goto bad;
			a->qopts.edns = true;
			a->qopts.edns_size = (uint16_t)v;
			break;
		case 'O':
			a->qopts.do_bit = true;
			a->qopts.edns = true;
			break;
		case 'R': a->qopts.rd = false; break;
		case 'l': a->label = optarg; break;
		case 'H': a->hist_out = optarg; break;
		case 'L':
			a->link_wait = strtod(optarg, NULL);
			if (!(a->link_wait >= 0 && a->link_wait <= 600))
				goto bad;
			break;
		case 'C': a->check_csum = true; break;
		case 'F': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v > 100000)
				goto bad;
			a->flaps = (uint32_t)v;
			break;
		}
		case 'h': usage(argv[0]); exit(0);
		default: goto bad;
		}
	}
	if (a->queries == NULL || !a->have_dst_ip || !a->have_src_ip || !a->have_dst_mac) {
		fprintf(stderr, "loadgen: --queries, --dst-ip, --src-ip and --dst-mac are required\n");
		return -1;
	}
	if ((uint32_t)a->sport_base + a->nsports > 65536) {
		fprintf(stderr, "loadgen: --sport-base + --sports exceeds 65535\n");
		return -1;
	}
	if (a->wait_ms < 0)
		a->wait_ms = (int32_t)a->timeout_ms;
	return 0;
bad:
	fprintf(stderr, "loadgen: bad option or value near '%s'\n", optarg ? optarg : argv[optind - 1]);
	usage(argv[0]);
	return -1;
}

/*
 * Configure and start the port, then wait for its link, within link_wait
 * seconds. A memif client whose server is not listening yet fails
 * rte_eth_dev_start; one that connected while its server was set up but not
 * started yet is turned away and never tries again: either way the port is
 * started again (stopped first in the second case) until the link comes up.
 */
static int port_start(uint16_t port, double link_wait);

static int port_init(uint16_t port, struct rte_mempool *pool, double link_wait)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	uint16_t nrx = NB_DESC, ntx = NB_DESC;
	int rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, nrx, rte_eth_dev_socket_id(port), NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, ntx, rte_eth_dev_socket_id(port), NULL);
	if (rc != 0) {
		fprintf(stderr, "loadgen: port %u set-up failed: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	return port_start(port, link_wait);
}

static int port_start(uint16_t port, double link_wait)
{
	int rc;
	uint64_t hz = rte_get_tsc_hz();
	uint64_t give_up = rte_rdtsc() + (uint64_t)(link_wait * (double)hz);
	for (;;) {
		rc = rte_eth_dev_start(port);
		if (rc == 0) {
			/* the server's replies are addressed to our MAC; promiscuous only helps odd set-ups */
			(void)rte_eth_promiscuous_enable(port);
			uint64_t retry = rte_rdtsc() + hz / 2;
			while (rte_rdtsc() < retry && rte_rdtsc() < give_up && !stop) {
				struct rte_eth_link link;
				memset(&link, 0, sizeof(link));
				if (rte_eth_link_get_nowait(port, &link) == 0 &&
				    link.link_status == RTE_ETH_LINK_UP)
					return 0;
				rte_delay_us_sleep(10 * 1000);
			}
			rte_eth_dev_stop(port);
			rc = -ENOLINK;
		}
		if (rte_rdtsc() >= give_up || stop)
			break;
		rte_delay_us_sleep(50 * 1000);
	}
	fprintf(stderr, "loadgen: port %u: no link within %.1f s (--link-wait): %s\n", port, link_wait,
	        rte_strerror(-rc));
	return rc;
}

struct run {
	const struct args *a;
	const struct lg_queries *qs;
	struct slot *slots;
	uint64_t slot_mask;
	unsigned sport_shift;
	uint64_t inflight;
	uint64_t oldest;   /* no query before this sequence number is outstanding */
	uint64_t timeout_tsc;
	double us_per_tsc;
	struct rte_mempool *pool;
	double cpu_share;  /* CPU time of this process / wall time while sending */
	uint64_t busy_tsc; /* sending time in turns that sent or received */
	struct stats st;
};

static double tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void rx_poll(struct run *r)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t port = r->a->port;
	uint16_t n = rte_eth_rx_burst(port, 0, pkts, BURST);
	if (n == 0)
		return;
	/* the receive time of this burst, not of the loop iteration */
	uint64_t now = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
		size_t len = rte_pktmbuf_data_len(m);
		struct lg_response resp;
		enum lg_rx_kind kind = lg_frame_classify(f, len, &r->a->ep, &resp);
		if (kind == LG_RX_ARP_REQ) {
			/* answer for our IP ourselves: the kernel does not own it */
			size_t rl = lg_arp_reply(f, len, r->a->ep.src_mac);
			m->data_len = (uint16_t)rl;
			m->pkt_len = (uint32_t)rl;
			if (rte_eth_tx_burst(port, 0, &m, 1) == 1) {
				r->st.arp++;
				continue;
			}
		} else if (kind == LG_RX_DNS) {
			uint32_t sp = (uint32_t)resp.dport - r->a->sport_base;
			if (sp >= r->a->nsports) {
				r->st.unexpected++;
			} else {
				uint64_t idx = ((uint64_t)resp.id << r->sport_shift) | sp;
				struct slot *s = &r->slots[idx & r->slot_mask];
				if (!s->busy) {
					r->st.unexpected++;
				} else if (!lg_response_matches(&resp, r->qs->arena + r->qs->off[s->qidx],
				                                r->qs->qlen[s->qidx])) {
					r->st.mismatched++;
				} else {
					uint64_t dt = now - s->tsc;
					s->busy = 0;
					r->inflight--;
					if (dt > r->timeout_tsc) {
						r->st.late++;
					} else {
						r->st.answered++;
						r->st.rcode[resp.flags & 0xf]++;
						r->st.an[resp.ancount < 3 ? resp.ancount : 3]++;
						if (r->a->check_csum && !lg_frame_csum_ok(f, len))
							r->st.bad_csum++;
						lg_hist_add(&r->st.hist, (uint32_t)((double)dt * r->us_per_tsc));
					}
				}
			}
		}
		rte_pktmbuf_free(m);
	}
}

/*
 * Give up on queries older than the timeout, oldest first, so that a lost
 * query frees its place in the --outstanding window instead of holding it
 * for good. Stops at the first one still young: sends are in time order.
 */
static void expire(struct run *r, uint64_t now)
{
	while (r->oldest < r->st.sent) {
		struct slot *s = &r->slots[r->oldest & r->slot_mask];
		if (s->busy && s->k == r->oldest) {
			if (now - s->tsc <= r->timeout_tsc)
				return;
			s->busy = 0;
			r->inflight--;
			r->st.expired++;
		}
		r->oldest++;
	}
}

/* Send up to want queries; returns how many the port took. */
static uint16_t tx_some(struct run *r, uint16_t want, uint64_t now)
{
	struct rte_mbuf *pkts[BURST];
	if (want > BURST)
		want = BURST;
	if (want == 0 || rte_pktmbuf_alloc_bulk(r->pool, pkts, want) != 0)
		return 0;
	const struct lg_queries *qs = r->qs;
	uint32_t nsp_mask = r->a->nsports - 1;
	for (uint16_t i = 0; i < want; i++) {
		uint64_t k = r->st.sent + i;
		uint32_t qi = (uint32_t)(k % qs->n);
		uint64_t slot = k & r->slot_mask;
		uint8_t *f = rte_pktmbuf_mtod(pkts[i], uint8_t *);
		memcpy(f, qs->arena + qs->off[qi], qs->flen[qi]);
		lg_frame_stamp(f, (uint16_t)(r->a->sport_base + (slot & nsp_mask)),
		               (uint16_t)(slot >> r->sport_shift));
		pkts[i]->data_len = qs->flen[qi];
		pkts[i]->pkt_len = qs->flen[qi];
	}
	uint16_t sent = rte_eth_tx_burst(r->a->port, 0, pkts, want);
	for (uint16_t i = 0; i < sent; i++) {
		uint64_t k = r->st.sent + i;
		struct slot *s = &r->slots[k & r->slot_mask];
		if (s->busy) {
			/* a whole ID space later and still unanswered: lost */
			r->st.reused++;
			r->inflight--;
		}
		s->busy = 1;
		s->k = k;
		s->tsc = now;
		s->qidx = (uint32_t)(k % qs->n);
		r->inflight++;
	}
	if (sent < want) {
		r->st.tx_fail += want - sent;
		rte_pktmbuf_free_bulk(pkts + sent, want - sent);
	}
	r->st.sent += sent;
	return sent;
}

static void report(const struct run *r, double send_s)
{
	const struct stats *st = &r->st;
	const struct args *a = r->a;
	char csum[24] = "unchecked";
	double hz = (double)rte_get_tsc_hz();
	double busy_pct = 100.0 * (double)r->busy_tsc / (send_s * hz);
	double busy_ns = st->answered ? (double)r->busy_tsc * 1e9 / hz / (double)st->answered : 0;
	if (a->check_csum)
		snprintf(csum, sizeof(csum), "%" PRIu64, st->bad_csum);
	uint64_t lost = st->sent - st->answered;
	double lost_pct = st->sent ? 100.0 * (double)lost / (double)st->sent : 0;
	double avg = st->hist.n ? st->hist.sum_us / (double)st->hist.n : 0;
	uint32_t p50 = lg_hist_percentile(&st->hist, 0.50);
	uint32_t p90 = lg_hist_percentile(&st->hist, 0.90);
	uint32_t p99 = lg_hist_percentile(&st->hist, 0.99);
	uint32_t p999 = lg_hist_percentile(&st->hist, 0.999);
	static const char *rc_names[16] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
	                                   "REFUSED"};

	printf("boltdns-loadgen: %s\n", a->label);
	printf("  target          %s", a->rate > 0 ? "fixed rate" : "flat out");
	if (a->outstanding)
		printf(", at most %" PRIu64 " outstanding", a->outstanding);
	printf("\n");
	if (a->rate > 0)
		printf("  target rate     %.0f qps\n", a->rate);
	printf("  sending time    %.3f s, then up to %d ms for late answers\n", send_s, (int)a->wait_ms);
	printf("  sent            %" PRIu64 " (%.0f qps)\n", st->sent, st->sent / send_s);
	printf("  answered        %" PRIu64 " (%.0f qps)\n", st->answered, st->answered / send_s);
	printf("  lost            %" PRIu64 " (%.2f %%: %" PRIu64 " answered after the %u ms timeout,"
	       " %" PRIu64 " given up while sending, %" PRIu64 " still unanswered at the end)\n",
	       lost, lost_pct, st->late, a->timeout_ms, st->expired + st->reused,
	       lost - st->late - st->expired - st->reused);
	printf("  tx refused      %" PRIu64 " (retried, not counted as sent)\n", st->tx_fail);
	printf("  CPU             %.0f %% of one core while sending (less: the CPU is shared)\n",
	       100.0 * r->cpu_share);
	printf("  mismatched      %" PRIu64 " (question differs)   unexpected %" PRIu64
	       " (no such query outstanding, e.g. answered after it was given up)\n",
	       st->mismatched, st->unexpected);
	printf("  rcodes         ");
	for (int i = 0; i < 16; i++) {
		if (st->rcode[i] == 0)
			continue;
		if (rc_names[i])
			printf(" %s %" PRIu64 " (%.1f%%)", rc_names[i], st->rcode[i],
			       100.0 * st->rcode[i] / (double)(st->answered ? st->answered : 1));
		else
			printf(" RCODE%d %" PRIu64, i, st->rcode[i]);
	}
	printf("\n  answer records  0: %" PRIu64 "  1: %" PRIu64 "  2: %" PRIu64 "  3+: %" PRIu64 "\n",
	       st->an[0], st->an[1], st->an[2], st->an[3]);
	if (a->check_csum)
		printf("  bad checksums   %" PRIu64 " (IPv4 header or UDP)\n", st->bad_csum);
	printf("  latency (us)    avg %.1f  p50 %u  p90 %u  p99 %u  p99.9 %u  max %u\n", avg, p50, p90,
	       p99, p999, st->hist.max_us);
	printf("RESULT label=%s mode=%s rate=%.0f outstanding=%" PRIu64 " duration_s=%.3f sent=%" PRIu64 " answered=%" PRIu64
	       " lost=%" PRIu64 " lost_pct=%.3f late=%" PRIu64 " send_qps=%.0f answer_qps=%.0f"
	       " avg_us=%.1f p50_us=%u p90_us=%u p99_us=%u p999_us=%u max_us=%u"
	       " noerror=%" PRIu64 " servfail=%" PRIu64 " nxdomain=%" PRIu64 " refused=%" PRIu64
	       " formerr=%" PRIu64 " mismatched=%" PRIu64 " unexpected=%" PRIu64 " tx_refused=%" PRIu64
	       " an0=%" PRIu64 " an1=%" PRIu64 " an2=%" PRIu64 " an3p=%" PRIu64 " bad_csum=%s"
	       " lg_cpu_share=%.3f lg_busy_pct=%.2f lg_busy_ns_per_query=%.1f\n",
	       a->label, a->rate > 0 ? "rate" : "flat", a->rate, a->outstanding, send_s, st->sent, st->answered, lost,
	       lost_pct, st->late, st->sent / send_s, st->answered / send_s, avg, p50, p90, p99, p999,
	       st->hist.max_us, st->rcode[0], st->rcode[2], st->rcode[3], st->rcode[5], st->rcode[1],
	       st->mismatched, st->unexpected, st->tx_fail, st->an[0], st->an[1], st->an[2], st->an[3],
	       csum, r->cpu_share, busy_pct, busy_ns);
	fflush(stdout);

	if (a->hist_out != NULL) {
		FILE *f = fopen(a->hist_out, "w");
		if (f == NULL) {
			perror(a->hist_out);
			return;
		}
		fprintf(f, "# latency_us count\n");
		for (uint32_t v = 0; v <= LG_HIST_MAX_US; v++) {
			if (st->hist.bucket[v])
				fprintf(f, "%u %u\n", v, st->hist.bucket[v]);
		}
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	int eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		fprintf(stderr, "loadgen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= eal;
	argv += eal;
	argv[0] = "boltdns-loadgen";
	struct args a;
	int ret = 1;
	struct run r;
	memset(&r, 0, sizeof(r));
	struct lg_queries qs;
	memset(&qs, 0, sizeof(qs));
	if (parse_args(argc, argv, &a) != 0)
		goto err_eal;
	if (!rte_eth_dev_is_valid_port(a.port)) {
		fprintf(stderr, "loadgen: no port %u (give --vdev=net_af_packet0,iface=IF or a PCI device)\n",
		        a.port);
		goto err_eal;
	}
	if (!a.have_src_mac) {
		struct rte_ether_addr mac;
		if (rte_eth_macaddr_get(a.port, &mac) != 0) {
			fprintf(stderr, "loadgen: cannot read the port's MAC; give --src-mac\n");
			goto err_eal;
		}
		memcpy(a.ep.src_mac, mac.addr_bytes, 6);
	}

	char err[512];
	if (lg_queries_load(a.queries, &a.qopts, &a.ep, &qs, err, sizeof(err)) != 0) {
		fprintf(stderr, "loadgen: %s\n", err);
		goto err_eal;
	}
	if (qs.n > UINT32_MAX) {
		fprintf(stderr, "loadgen: too many queries\n");
		goto err_queries;
	}
	r.a = &a;
	r.qs = &qs;
	r.sport_shift = (unsigned)__builtin_ctz(a.nsports);
	uint64_t nslots = (uint64_t)a.nsports << 16;
	r.slot_mask = nslots - 1;
	r.slots = calloc(nslots, sizeof(*r.slots));
	if (r.slots == NULL || lg_hist_init(&r.st.hist) != 0) {
		fprintf(stderr, "loadgen: out of memory\n");
		goto err_slots;
	}
	r.pool = rte_pktmbuf_pool_create("lg_pool", POOL_SIZE, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
	                                 rte_socket_id());
	if (r.pool == NULL) {
		fprintf(stderr, "loadgen: mbuf pool: %s\n", rte_strerror(rte_errno));
		goto err_slots;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (port_init(a.port, r.pool, a.link_wait) != 0)
		goto err_close;

	uint64_t hz = rte_get_tsc_hz();
	r.us_per_tsc = 1e6 / (double)hz;
	r.timeout_tsc = (uint64_t)a.timeout_ms * hz / 1000;
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	uint64_t start = rte_rdtsc();
	uint64_t end_send = start + (uint64_t)(a.duration * (double)hz);
	double per_tsc = a.rate / (double)hz;
	uint64_t now = start;
	/* busy time: turns that sent or received something and kept their CPU
	 * (shorter than 200 us), the load generator's own cost per query */
	uint64_t turn_max = hz / 1000000 * 200, turn_start = start;
	while (!stop && now < end_send && (a.count == 0 || r.st.sent < a.count)) {
		uint64_t before = r.st.answered + r.st.sent + r.st.late + r.st.unexpected;
		rx_poll(&r);
		now = rte_rdtsc();
		expire(&r, now);
		uint64_t want = BURST;
		if (a.rate > 0) {
			uint64_t due = (uint64_t)((double)(now - start) * per_tsc);
			want = due > r.st.sent ? due - r.st.sent : 0;
		}
		if (a.outstanding)
			want = RTE_MIN(want, a.outstanding > r.inflight ? a.outstanding - r.inflight : 0);
		if (a.count)
			want = RTE_MIN(want, a.count - r.st.sent);
		if (want)
			tx_some(&r, (uint16_t)RTE_MIN(want, (uint64_t)BURST), now);
		uint64_t t = rte_rdtsc();
		if (r.st.answered + r.st.sent + r.st.late + r.st.unexpected != before &&
		    t - turn_start < turn_max)
			r.busy_tsc += t - turn_start;
		turn_start = t;
	}
	uint64_t send_end = rte_rdtsc();
	getrusage(RUSAGE_SELF, &ru1);
	double send_s = (double)(send_end - start) / (double)hz;
	r.cpu_share = send_s > 0 ? (tv_s(&ru1.ru_utime) + tv_s(&ru1.ru_stime) - tv_s(&ru0.ru_utime) -
	                            tv_s(&ru0.ru_stime)) / send_s
	                         : 0;
	uint64_t drain_end = send_end + (uint64_t)a.wait_ms * hz / 1000;
	while (!stop && r.inflight > 0 && rte_rdtsc() < drain_end)
		rx_poll(&r);

	report(&r, send_s > 0 ? send_s : 1e-9);
	ret = 0;

	/* --flaps: the peer's view of a client that goes away mid-traffic */
	uint32_t flaps = 0;
	while (flaps < a.flaps && !stop) {
		uint64_t t = rte_rdtsc(), until = t + hz / 500;
		while (!stop && (t = rte_rdtsc()) < until) {
			rx_poll(&r);
			expire(&r, t);
			tx_some(&r, BURST, t);
		}
		rte_eth_dev_stop(a.port);
		flaps++;
		if (port_start(a.port, a.link_wait) != 0) {
			ret = 1;
			break;
		}
	}
	if (a.flaps)
		printf("FLAPS done=%" PRIu32 "\n", flaps);

	rte_eth_dev_stop(a.port);
err_close:
	rte_eth_dev_close(a.port);
	rte_mempool_free(r.pool);
err_slots:
	lg_hist_free(&r.st.hist);
	free(r.slots);
err_queries:
	lg_queries_free(&qs);
err_eal:
	rte_eal_cleanup();
	return ret;
}
