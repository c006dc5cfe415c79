/*
 * The dataplane's mbuf pool, laid out as the af_xdp PMD needs it (pool.h).
 */
#include <errno.h>
#include <stdint.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "pool.h"

struct span {
	uintptr_t lo, hi;
};

static void obj_span(struct rte_mempool *mp, void *opaque, void *obj, unsigned idx)
{
	(void)mp;
	(void)idx;
	struct span *s = opaque;
	uintptr_t a = (uintptr_t)obj;
	if (a < s->lo)
		s->lo = a;
	if (a > s->hi)
		s->hi = a;
}

bool dp_pool_packed(struct rte_mempool *mp)
{
	if (mp == NULL || mp->nb_mem_chunks != 1 || mp->populated_size == 0)
		return false;
	size_t stride = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	struct span s = { UINTPTR_MAX, 0 };
	rte_mempool_obj_iter(mp, obj_span, &s);
	/* Objects are headers + element + trailer in a row: the last one starts
	 * populated_size - 1 strides after the first. */
	return s.hi - s.lo == stride * (mp->populated_size - 1);
}

static struct rte_mempool *packed_pool(const char *name, unsigned n, unsigned cache,
                                       uint16_t data_room, int socket)
{
	/* No IOVA contiguity asked for: populate does not pad objects away from
	 * page boundaries and takes the memory in one piece. */
	struct rte_mempool *mp = rte_mempool_create_empty(name, n,
	                                                  (unsigned)sizeof(struct rte_mbuf) + data_room,
	                                                  cache, sizeof(struct rte_pktmbuf_pool_private),
	                                                  socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	int ret = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (ret != 0)
		goto fail;
	struct rte_pktmbuf_pool_private priv = { .mbuf_data_room_size = data_room };
	rte_pktmbuf_pool_init(mp, &priv);
	ret = rte_mempool_populate_default(mp);
	if (ret < 0)
		goto fail;
	if (!dp_pool_packed(mp)) {
		ret = -ENOMEM;
		goto fail;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	rte_errno = -ret;
	return NULL;
}

struct rte_mempool *dp_pool_create(const char *name, unsigned n, unsigned cache,
                                   uint16_t data_room, int socket, bool packed)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, cache, 0, data_room, socket);
	if (!packed || dp_pool_packed(mp))
		return mp;
	rte_mempool_free(mp);
	return packed_pool(name, n, cache, data_room, socket);
}
