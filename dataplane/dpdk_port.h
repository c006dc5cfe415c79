/*
 * io = dpdk: the EAL's arguments and the ports (dpdk_port.c). Used by
 * dpdk.c at start-up and shut-down only; nothing here runs per packet.
 */
#ifndef BOLTDNS_DP_DPDK_PORT_H
#define BOLTDNS_DP_DPDK_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/config.h"
#include "frame.h"

struct rte_mempool;

#define NB_RXD 1024
#define NB_TXD 1024
#define EXC_VDEV "net_tap_bexc"  /* the exception-path TAP's vdev name */
#define MAX_EAL_ARGS 64

struct dp_port {
	uint16_t id;
	uint16_t nq;                 /* queue pairs: worker i uses queue i < nq */
	bool ol_ip;                  /* IPv4 header checksum offloaded */
	bool ol_udp;                 /* UDP checksum offloaded */
	bool tx_now;                 /* flush answers with their burst (tx_per_burst) */
	bool guard;                  /* bursts under the fault guard (unmaps_under_lcore) */
	struct dp_svc svc;
};

/* The [dataplane] eal string split into argv (whitespace separated, argv[0]
 * "boltdns-dp"), adding the XDP program to net_af_xdp devices that name
 * none and the exception TAP; the strings live in store. Returns argc, or
 * BOLT_ECONFIG when they do not fit (MAX_EAL_ARGS, store_len). */
int dp_eal_argv(const struct bolt_config *cfg, char *store, size_t store_len, char **argv);

/* The service addresses and DNS port of cfg (any_addr when none). */
void dp_port_fill_svc(struct dp_svc *svc, const struct bolt_config *cfg);

/* Configure and start ethdev id with up to want_q queue pairs (RSS when
 * more than one), RX buffers from pool, the IPv4 and UDP checksum offloads
 * it has; fills p (id, nq, offloads, tx_now, guard) and sets guarded[id]
 * for a port that bursts under the fault guard. 0 or a negative errno. */
int dp_port_setup(uint16_t id, uint16_t want_q, struct rte_mempool *pool, bool *guarded,
                  struct dp_port *p);

/* Whether port id must be stopped but neither closed nor followed by
 * rte_eal_cleanup (see dpdk_port.c). */
bool dp_port_leaves_intr_source(uint16_t id);

#if BOLTDNS_DP_LIBBPF
/* Fill our XDP program's service maps on ifindex (a foreign program is
 * left alone). */
void dp_xdp_fill_service(unsigned ifindex, const struct dp_svc *svc);
#endif

#endif
