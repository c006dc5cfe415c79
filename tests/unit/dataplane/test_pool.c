/*
 * Unit tests of the dataplane's mbuf pool (dataplane/pool.c): every mbuf
 * must lie inside the UMEM the af_xdp PMD registers for the pool, the
 * first memory chunk's start plus populated_size objects back to back.
 * An mbuf beyond it became an invalid TX descriptor and the socket's TX
 * stopped for good (answers counted as sent, never on the wire).
 *
 * EAL runs without hugepages (4 KB pages), as in the benchmark, where the
 * ordinary pool gives each mbuf its own page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "pool.h"

/* The dataplane's pool size for one lcore and one port (dpdk.c). */
#define NMBUFS 3424
#define CACHE 256

/* What the af_xdp PMD registers: from the first chunk's start, populated
 * objects of header + element + trailer bytes each. */
struct umem {
	uintptr_t base;
	size_t len;
	size_t stride;
	unsigned outside;
};

static void count_outside(struct rte_mempool *mp, void *opaque, void *obj, unsigned idx)
{
	(void)mp;
	(void)idx;
	struct umem *u = opaque;
	/* obj is the element; its frame starts header_size bytes before. */
	uintptr_t hdr = (uintptr_t)obj - mp->header_size;
	if (hdr < u->base || hdr - u->base + u->stride > u->len)
		u->outside++;
}

static unsigned outside_umem(struct rte_mempool *mp)
{
	struct umem u = { 0 };
	u.stride = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	u.base = (uintptr_t)STAILQ_FIRST(&mp->mem_list)->addr;
	u.len = (size_t)mp->populated_size * u.stride;
	rte_mempool_obj_iter(mp, count_outside, &u);
	return u.outside;
}

static void test_packed_pool_inside_umem(void **state)
{
	(void)state;
	struct rte_mempool *mp = dp_pool_create("t_packed", NMBUFS, CACHE,
	                                        RTE_MBUF_DEFAULT_BUF_SIZE, 0, true);
	assert_non_null(mp);
	assert_int_equal(mp->populated_size, NMBUFS);
	assert_int_equal(mp->nb_mem_chunks, 1);
	assert_true(dp_pool_packed(mp));
	assert_int_equal(outside_umem(mp), 0);

	/* Every mbuf can be taken, is an ordinary pktmbuf, and lies inside. */
	struct rte_mbuf **m = calloc(NMBUFS, sizeof(*m));
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_alloc_bulk(mp, m, NMBUFS), 0);
	uintptr_t base = (uintptr_t)STAILQ_FIRST(&mp->mem_list)->addr;
	size_t stride = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	for (unsigned i = 0; i < NMBUFS; i++) {
		uintptr_t hdr = (uintptr_t)m[i] - mp->header_size;
		assert_true(hdr >= base);
		assert_true(hdr - base + stride <= (size_t)NMBUFS * stride);
		assert_int_equal(m[i]->buf_len, RTE_MBUF_DEFAULT_BUF_SIZE);
		assert_int_equal(m[i]->data_off, RTE_PKTMBUF_HEADROOM);
		assert_int_equal(rte_pktmbuf_tailroom(m[i]),
		                 RTE_MBUF_DEFAULT_BUF_SIZE - RTE_PKTMBUF_HEADROOM);
		assert_ptr_equal(m[i]->pool, mp);
	}
	assert_null(rte_pktmbuf_alloc(mp));
	rte_pktmbuf_free_bulk(m, NMBUFS);
	free(m);
	rte_mempool_free(mp);
}

/* The layout the dataplane had before: the check must see it as broken. */
static void test_ordinary_pool_detected(void **state)
{
	(void)state;
	struct rte_mempool *mp = dp_pool_create("t_plain", NMBUFS, CACHE,
	                                        RTE_MBUF_DEFAULT_BUF_SIZE, 0, false);
	assert_non_null(mp);
	unsigned out = outside_umem(mp);
	if (out == 0) {
		/* This DPDK packs the ordinary pool on 4 KB pages: nothing to see. */
		rte_mempool_free(mp);
		skip();
	}
	assert_false(dp_pool_packed(mp));
	rte_mempool_free(mp);
}

/* Without an af_xdp port the ordinary pool is kept, whatever its layout. */
static void test_not_packed_when_not_asked(void **state)
{
	(void)state;
	struct rte_mempool *mp = dp_pool_create("t_other", 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0,
	                                        false);
	assert_non_null(mp);
	assert_int_equal(mp->populated_size, 64);
	rte_mempool_free(mp);
}

int main(void)
{
	char *argv[] = { "test_dp_pool", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
	                 "--no-telemetry", "--file-prefix=boltdns-test-pool",
	                 "--log-level=lib.eal:error", NULL };
	if (rte_eal_init(9, argv) < 0) {
		/* No EAL here (no memory, no permission): nothing can be tested. */
		print_message("EAL did not start; pool tests skipped\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packed_pool_inside_umem),
		cmocka_unit_test(test_ordinary_pool_detected),
		cmocka_unit_test(test_not_packed_when_not_asked),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
