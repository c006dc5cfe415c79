/*
 * boltdns-reflector: a benchmark tool, not a DNS server. It echoes every UDP
 * datagram sent to --ip:--port back to its sender (MACs, IPs and ports
 * swapped, the DNS QR bit set) and answers ARP for --ip, so that
 * boltdns-loadgen can measure the ceiling of the path itself (veth, the PMD,
 * the load generator) with no DNS work on the server end.
 *
 *   boltdns-reflector -l 0 --in-memory --no-huge --vdev=net_af_packet1,iface=veth0 -- \
 *       --ip 198.19.200.4 [--port 53] [--seconds N]
 *
 * or, the same path as boltdns-dp on shared memory (bench/memif/run.sh):
 *   --vdev=net_memif0,role=server,socket=/tmp/rf-$$.sock,mac=02:00:00:00:00:02
 *
 * Any port works, net_af_xdp included: the mbuf pool is the dataplane's
 * packed one, so the PMD's UMEM covers every mbuf (see dataplane/pool.h).
 */
#include "loadgen.h"
#include "pool.h"

#include <arpa/inet.h>
#include <endian.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define BURST 32

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return be16toh(v);
}

/* Turn a UDP datagram for ip:port into its echo in place; false if it is not one. */
static bool reflect(uint8_t *f, size_t len, uint32_t ip, uint16_t port)
{
	if (len < LG_HDRS_LEN + 12 || get16(f + 12) != 0x0800)
		return false;
	uint8_t *iph = f + LG_OFF_IP;
	if (iph[0] != 0x45 || iph[9] != 17 || memcmp(iph + 16, &ip, 4) != 0)
		return false;
	uint8_t *udp = f + LG_OFF_UDP;
	if (memcmp(udp + 2, &port, 2) != 0)
		return false;
	uint8_t tmp[6];
	memcpy(tmp, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, tmp, 6);
	/* swapping addresses and ports keeps the IP checksum valid */
	memcpy(tmp, iph + 12, 4);
	memcpy(iph + 12, iph + 16, 4);
	memcpy(iph + 16, tmp, 4);
	memcpy(tmp, udp, 2);
	memcpy(udp, udp + 2, 2);
	memcpy(udp + 2, tmp, 2);
	memset(udp + 6, 0, 2); /* QR changes the payload: drop the optional UDP checksum */
	f[LG_OFF_DNS + 2] |= 0x80;
	return true;
}

int main(int argc, char **argv)
{
	int eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		fprintf(stderr, "reflector: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= eal;
	argv += eal;
	static const struct option opts[] = {
		{"ip", required_argument, NULL, 'i'},
		{"port", required_argument, NULL, 'p'},
		{"seconds", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct lg_endpoints ep;
	memset(&ep, 0, sizeof(ep));
	uint16_t port = htons(53);
	double seconds = 0;
	bool have_ip = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'i' && inet_pton(AF_INET, optarg, &ep.src_ip) == 1) {
			have_ip = true;
		} else if (c == 'p' && atoi(optarg) > 0 && atoi(optarg) < 65536) {
			port = htons((uint16_t)atoi(optarg));
		} else if (c == 's') {
			seconds = strtod(optarg, NULL);
		} else {
			fprintf(stderr, "usage: boltdns-reflector [EAL] -- --ip IP [--port 53] [--seconds N]\n");
			rte_eal_cleanup();
			return 2;
		}
	}
	if (!have_ip || rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "reflector: need --ip and one port (--vdev=net_af_packet0,iface=IF)\n");
		rte_eal_cleanup();
		return 2;
	}
	uint16_t pid = 0;
	struct rte_ether_addr mac;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	uint16_t nrx = 1024, ntx = 1024;
	int ret = 1;
	struct rte_mempool *pool =
		dp_pool_create("rf_pool", 8191, 256, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id(), true);
	if (pool == NULL) {
		fprintf(stderr, "reflector: mbuf pool: %s\n", rte_strerror(rte_errno));
		goto err_eal;
	}
	if (rte_eth_dev_configure(pid, 1, 1, &conf) != 0 ||
	    rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx) != 0 ||
	    rte_eth_rx_queue_setup(pid, 0, nrx, rte_eth_dev_socket_id(pid), NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(pid, 0, ntx, rte_eth_dev_socket_id(pid), NULL) != 0 ||
	    rte_eth_dev_start(pid) != 0 || rte_eth_macaddr_get(pid, &mac) != 0) {
		fprintf(stderr, "reflector: port set-up failed\n");
		goto err_pool;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	uint64_t hz = rte_get_tsc_hz();
	uint64_t end = seconds > 0 ? rte_rdtsc() + (uint64_t)(seconds * (double)hz) : UINT64_MAX;
	uint64_t echoed = 0, arp = 0, other = 0, dropped = 0;
	/* busy time: turns that received something and kept their CPU (as
	 * boltdns-dp's busy_report), so that the cost per frame holds on a
	 * shared CPU */
	uint64_t turn_max = hz / 1000000 * 200, busy = 0, busy_pkts = 0;
	uint64_t loop_start = rte_rdtsc(), turn_start = loop_start;
	while (!stop && rte_rdtsc() < end) {
		struct rte_mbuf *in[BURST], *out[BURST];
		uint16_t n = rte_eth_rx_burst(pid, 0, in, BURST), nout = 0;
		for (uint16_t i = 0; i < n; i++) {
			uint8_t *f = rte_pktmbuf_mtod(in[i], uint8_t *);
			size_t len = rte_pktmbuf_data_len(in[i]);
			struct lg_response unused;
			if (reflect(f, len, ep.src_ip, port)) {
				out[nout++] = in[i];
				echoed++;
			} else if (lg_frame_classify(f, len, &ep, &unused) == LG_RX_ARP_REQ) {
				size_t rl = lg_arp_reply(f, len, mac.addr_bytes);
				in[i]->data_len = (uint16_t)rl;
				in[i]->pkt_len = (uint32_t)rl;
				out[nout++] = in[i];
				arp++;
			} else {
				rte_pktmbuf_free(in[i]);
				other++;
			}
		}
		if (nout) {
			uint16_t sent = rte_eth_tx_burst(pid, 0, out, nout);
			if (sent < nout) {
				dropped += nout - sent;
				rte_pktmbuf_free_bulk(out + sent, nout - sent);
			}
		}
		uint64_t now = rte_rdtsc();
		if (n > 0 && now - turn_start < turn_max) {
			busy += now - turn_start;
			busy_pkts += n;
		}
		turn_start = now;
	}
	uint64_t polled = rte_rdtsc() - loop_start;
	printf("RESULT reflector echoed=%" PRIu64 " arp=%" PRIu64 " ignored=%" PRIu64
	       " tx_dropped=%" PRIu64 " busy_pct=%.2f busy_ns_per_pkt=%.1f\n",
	       echoed, arp, other, dropped, polled ? 100.0 * (double)busy / (double)polled : 0.0,
	       busy_pkts ? (double)busy * 1e9 / (double)hz / (double)busy_pkts : 0.0);
	fflush(stdout);
	ret = 0;
	rte_eth_dev_stop(pid);
	/* net_memif as server: closing it and cleaning up the EAL crashes the
	 * interrupt thread on the way out (see leaves_intr_source in
	 * dataplane/dpdk.c); the process exit releases both. */
	struct rte_eth_dev_info info;
	if (rte_eth_dev_info_get(pid, &info) == 0 && info.driver_name != NULL &&
	    strcmp(info.driver_name, "net_memif") == 0)
		return ret;
	rte_eth_dev_close(pid);
err_pool:
	rte_mempool_free(pool);
err_eal:
	rte_eal_cleanup();
	return ret;
}
