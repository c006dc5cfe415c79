// SPDX-License-Identifier: BSD-2-Clause
/*
 * XDP program for boltdns-dp's net_af_xdp ports, loaded by DPDK's af_xdp PMD
 * through its xdp_prog= argument (boltdns-dp adds it from [dataplane]
 * xdp-prog).
 *
 * Only UDP to port 53 (IPv4 and IPv6, optionally 802.1Q-tagged) is redirected
 * to the AF_XDP socket of the receiving queue; everything else goes on to
 * the kernel (XDP_PASS), which keeps the interface's addresses and answers
 * ARP, neighbour discovery, pings, TCP/53 (the control plane) and the replies
 * to the control plane's own upstream queries (they come *from* port 53).
 *
 * Service addresses: once boltdns-dp has started, it writes its configured
 * service addresses into bolt_svc4 / bolt_svc6 and then sets bolt_cfg[0] to
 * 1; from then on only UDP/53 to those addresses is redirected and DNS to the
 * host's other addresses stays with the kernel. Until then (or with no
 * address configured, or a dataplane built without libbpf) every UDP/53
 * datagram is redirected and boltdns-dp counts what is not for it as not_dns.
 *
 * The map must be called xsks_map: the PMD looks it up by that name and
 * inserts its socket at the queue index.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define DNS_PORT 53
#define MAX_QUEUES 64

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* [0] = 1: redirect only the addresses below (set last by boltdns-dp). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bolt_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);              /* IPv4 address, network order */
	__type(value, __u8);
} bolt_svc4 SEC(".maps");

struct v6key {
	__u32 w[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct v6key);       /* IPv6 address, network order */
	__type(value, __u8);
} bolt_svc6 SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

SEC("xdp")
int boltdns_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *l3;
	__u16 proto;
	__u8 l4proto;
	struct udphdr *udp;
	__u32 dst4 = 0;
	struct v6key dst6 = {};

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	proto = eth->h_proto;
	l3 = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_hdr *v = l3;
		if ((void *)(v + 1) > end)
			return XDP_PASS;
		proto = v->proto;
		l3 = v + 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;
		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return XDP_PASS;
		/* Later fragments carry no UDP header: the kernel reassembles. */
		if (ip->frag_off & bpf_htons(0x1fff))
			return XDP_PASS;
		l4proto = ip->protocol;
		dst4 = ip->daddr;
		udp = (void *)ip + ip->ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;
		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		l4proto = ip6->nexthdr;
		__builtin_memcpy(&dst6, &ip6->daddr, sizeof(dst6));
		udp = (void *)(ip6 + 1);
	} else {
		return XDP_PASS;
	}
	if (l4proto != IPPROTO_UDP || (void *)(udp + 1) > end)
		return XDP_PASS;
	if (udp->dest != bpf_htons(DNS_PORT))
		return XDP_PASS;
	__u32 k0 = 0;
	__u32 *only_svc = bpf_map_lookup_elem(&bolt_cfg, &k0);
	if (only_svc && *only_svc) {
		void *hit = proto == bpf_htons(ETH_P_IP) ? bpf_map_lookup_elem(&bolt_svc4, &dst4)
		                                          : bpf_map_lookup_elem(&bolt_svc6, &dst6);
		if (!hit)
			return XDP_PASS;
	}
	/* No socket on this queue (dataplane not running): the kernel gets it. */
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "Dual BSD/GPL";
