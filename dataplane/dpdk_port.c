/*
 * io = dpdk: the EAL's arguments and the ports (dpdk_port.h): configuring
 * and starting a port's queues with the checksum offloads it has, how its
 * answers are flushed, whether it bursts under the fault guard, and telling
 * our XDP program which addresses are the service's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#if BOLTDNS_DP_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>
#endif

#include "dpdk_port.h"
#include "faultguard.h"
#include "log.h"

/* Split the eal string into argv (whitespace separated), adding the
 * exception TAP and the XDP program the configuration asks for. */
int dp_eal_argv(const struct bolt_config *cfg, char *store, size_t store_len,
                          char **argv)
{
	int argc = 0;
	size_t used = 0;
	const char *s = cfg->eal;

	argv[argc++] = (char *)"boltdns-dp";
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		size_t n = strcspn(s, " \t");
		bool afxdp = strstr(s, "net_af_xdp") != NULL && strstr(s, "net_af_xdp") < s + n;
		bool has_prog = false;
		const char *hp = strstr(s, "xdp_prog=");
		if (hp && hp < s + n)
			has_prog = true;
		int w = snprintf(store + used, store_len - used, "%.*s%s%s", (int)n, s,
		                 afxdp && !has_prog && cfg->xdp_prog[0] ? ",xdp_prog=" : "",
		                 afxdp && !has_prog && cfg->xdp_prog[0] ? cfg->xdp_prog : "");
		if (w < 0 || (size_t)w >= store_len - used || argc >= MAX_EAL_ARGS - 2)
			return BOLT_ECONFIG;
		argv[argc++] = store + used;
		used += (size_t)w + 1;
		s += n;
	}
	if (cfg->exception[0]) {
		int w = snprintf(store + used, store_len - used, "--vdev=%s,iface=%s", EXC_VDEV,
		                 cfg->exception);
		if (w < 0 || (size_t)w >= store_len - used)
			return BOLT_ECONFIG;
		argv[argc++] = store + used;
	}
	argv[argc] = NULL;
	return argc;
}

void dp_port_fill_svc(struct dp_svc *svc, const struct bolt_config *cfg)
{
	memset(svc, 0, sizeof(*svc));
	svc->dns_port = DP_DNS_PORT;
	for (unsigned i = 0; i < cfg->naddress; i++) {
		const struct bolt_sockaddr *a = &cfg->address[i];
		if (a->family == AF_INET && svc->n4 < DP_MAX_SVC)
			memcpy(svc->v4[svc->n4++], a->addr, 4);
		else if (a->family == AF_INET6 && svc->n6 < DP_MAX_SVC)
			memcpy(svc->v6[svc->n6++], a->addr, 16);
	}
	svc->any_addr = cfg->naddress == 0;
}

#if BOLTDNS_DP_LIBBPF
/*
 * Tell our XDP program (loaded by the af_xdp PMD on ifindex) which addresses
 * are the service's, so that UDP/53 to the host's other addresses stays with
 * the kernel. Found through the interface's program and its maps by name;
 * a foreign program (no bolt_cfg map) is left alone.
 */
void dp_xdp_fill_service(unsigned ifindex, const struct dp_svc *svc)
{
	__u32 prog_id = 0, map_ids[16], n;
	int fd_cfg = -1, fd4 = -1, fd6 = -1;
	struct bpf_prog_info pi;

	if (svc->any_addr || bpf_xdp_query_id((int)ifindex, 0, &prog_id) != 0 || prog_id == 0)
		return;
	int pfd = bpf_prog_get_fd_by_id(prog_id);
	if (pfd < 0)
		return;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = BOLT_ARRAY_SIZE(map_ids);
	pi.map_ids = (__u64)(uintptr_t)map_ids;
	n = sizeof(pi);
	if (bpf_obj_get_info_by_fd(pfd, &pi, &n) != 0)
		pi.nr_map_ids = 0;
	close(pfd);
	for (__u32 i = 0; i < pi.nr_map_ids && i < BOLT_ARRAY_SIZE(map_ids); i++) {
		struct bpf_map_info mi;
		int mfd = bpf_map_get_fd_by_id(map_ids[i]);
		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		n = sizeof(mi);
		if (bpf_obj_get_info_by_fd(mfd, &mi, &n) == 0) {
			if (strcmp(mi.name, "bolt_cfg") == 0 && fd_cfg < 0) {
				fd_cfg = mfd;
				continue;
			}
			if (strcmp(mi.name, "bolt_svc4") == 0 && fd4 < 0) {
				fd4 = mfd;
				continue;
			}
			if (strcmp(mi.name, "bolt_svc6") == 0 && fd6 < 0) {
				fd6 = mfd;
				continue;
			}
		}
		close(mfd);
	}
	if (fd_cfg >= 0 && fd4 >= 0 && fd6 >= 0) {
		uint8_t one = 1;
		int err = 0;
		for (unsigned i = 0; i < svc->n4 && !err; i++)
			err = bpf_map_update_elem(fd4, svc->v4[i], &one, BPF_ANY);
		for (unsigned i = 0; i < svc->n6 && !err; i++)
			err = bpf_map_update_elem(fd6, svc->v6[i], &one, BPF_ANY);
		/* Filtering starts only once every address is in. */
		__u32 k0 = 0, on = 1;
		if (!err)
			err = bpf_map_update_elem(fd_cfg, &k0, &on, BPF_ANY);
		if (err)
			dp_warn("XDP program on ifindex %u: cannot fill the service maps (%d)",
			        ifindex, err);
		else
			dp_notice("XDP program on ifindex %u redirects UDP/53 to the service "
			          "addresses only", ifindex);
	} else {
		dp_info("XDP program on ifindex %u is not boltdns_xdp: it filters nothing for us",
		        ifindex);
	}
	if (fd_cfg >= 0)
		close(fd_cfg);
	if (fd4 >= 0)
		close(fd4);
	if (fd6 >= 0)
		close(fd6);
}
#endif

/*
 * Whether answers to a port leave with the burst they answer (the RX queue
 * came back partial, so it is drained) instead of waiting for a full TX
 * buffer or the TX_DRAIN_US deadline. Yes where a TX burst is memory writes
 * and a doorbell (PCI NICs, net_memif, virtio): at low load the deadline
 * added up to 100 us to every answer for nothing. No where each TX burst is
 * a system call (af_packet, af_xdp, TAP, pcap): batching saves them.
 */
static bool tx_per_burst(const char *driver)
{
	static const char *const syscall_tx[] = { "net_af_packet", "net_af_xdp", "net_tap",
		                                  "net_pcap" };
	if (driver == NULL)
		return false;
	for (unsigned i = 0; i < BOLT_ARRAY_SIZE(syscall_tx); i++)
		if (strcmp(driver, syscall_tx[i]) == 0)
			return false;
	return true;
}

/*
 * Whether the driver may unmap a port's rings while an lcore polls it:
 * net_memif frees its shared regions on the EAL interrupt thread when the
 * peer disconnects (faultguard.h). Such ports burst under the fault guard.
 */
static bool unmaps_under_lcore(const char *driver)
{
	return driver != NULL && strcmp(driver, "net_memif") == 0;
}

int dp_port_setup(uint16_t id, uint16_t want_q, struct rte_mempool *pool, bool *guarded,
                  struct dp_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nrxd = NB_RXD, ntxd = NB_TXD;
	int ret = rte_eth_dev_info_get(id, &info);
	if (ret != 0)
		return ret;

	uint16_t nq = want_q;
	if (nq > info.max_rx_queues)
		nq = info.max_rx_queues;
	if (nq > info.max_tx_queues)
		nq = info.max_tx_queues;
	if (nq == 0)
		return -EINVAL;
	memset(&conf, 0, sizeof(conf));
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	p->tx_now = tx_per_burst(info.driver_name);
	p->guard = unmaps_under_lcore(info.driver_name);
	if (p->guard) {
		int gerr = dp_faultguard_install();
		if (gerr != 0)
			return gerr;
		if (id < RTE_MAX_ETHPORTS)
			guarded[id] = true;
	}
	p->ol_ip = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
	p->ol_udp = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
	if (p->ol_ip)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if (p->ol_udp)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	ret = rte_eth_dev_configure(id, nq, nq, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nrxd, &ntxd);
	if (ret != 0)
		return ret;
	int socket = rte_eth_dev_socket_id(id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	struct rte_eth_txconf txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	for (uint16_t q = 0; q < nq; q++) {
		ret = rte_eth_rx_queue_setup(id, q, nrxd, (unsigned)socket, NULL, pool);
		if (ret < 0)
			return ret;
		ret = rte_eth_tx_queue_setup(id, q, ntxd, (unsigned)socket, &txc);
		if (ret < 0)
			return ret;
	}
	ret = rte_eth_dev_start(id);
	if (ret < 0)
		return ret;
	/* Neighbour solicitations come to multicast addresses. */
	(void)rte_eth_allmulticast_enable(id);
	p->id = id;
	p->nq = nq;
	return 0;
}

/*
 * DPDK 22.11's net_memif in the server role frees its listening socket on
 * rte_eth_dev_close but leaves the socket's callback on the EAL interrupt
 * thread's list; when rte_eal_cleanup then wakes that thread and unmaps the
 * memory, the thread reads the freed handle and the process crashes on its
 * way out (SIGSEGV in rte_intr_fd_get, most stops). Such a port is stopped
 * (the peer sees the link go down) but neither closed nor followed by
 * rte_eal_cleanup: the process exit releases both.
 */
bool dp_port_leaves_intr_source(uint16_t id)
{
	struct rte_eth_dev_info info;
	return rte_eth_dev_info_get(id, &info) == 0 && info.driver_name != NULL &&
	       strcmp(info.driver_name, "net_memif") == 0;
}
