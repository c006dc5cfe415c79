/*
 * The dataplane's mbuf pool, laid out as the af_xdp PMD needs it.
 *
 * The af_xdp PMD (DPDK 22.11, unaligned chunks) registers as its UMEM the
 * pool's first memory chunk, populated_size * (header + element + trailer)
 * bytes long, and sends mbufs of that pool without copying them. An mbuf
 * beyond that length becomes a TX descriptor outside the UMEM: the kernel
 * counts it as invalid and the socket's TX ring stops there for good.
 * rte_pktmbuf_pool_create() on 4 KB pages (--no-huge) gives each 2.3 KB
 * mbuf its own page, so 40 % of the pool lies beyond; on hugepages objects
 * skip the end of each page. A packed pool has no such gaps.
 */
#ifndef BOLTDNS_DP_POOL_H
#define BOLTDNS_DP_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

/*
 * A pool of n mbufs with a data room of data_room bytes and a per-lcore
 * cache of cache mbufs on socket. packed: the objects lie in one chunk
 * without gaps (dp_pool_packed); such a pool has no usable IOVAs when the
 * ordinary one would not have been packed, which only virtual devices
 * (af_xdp, af_packet, tap) accept. NULL with rte_errno set on failure;
 * freed with rte_mempool_free().
 */
struct rte_mempool *dp_pool_create(const char *name, unsigned n, unsigned cache,
                                   uint16_t data_room, int socket, bool packed);

/* True when mp is one chunk of objects back to back (what af_xdp assumes). */
bool dp_pool_packed(struct rte_mempool *mp);

#endif
