/*
 * The per-lcore packet cache of the fast path (see pktcache.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "boltdns/cache.h"
#include "boltdns/csum.h"
#include "boltdns/wire.h"
#include "pktcache.h"

#define HUGE_2M ((size_t)2 << 20)

/* The table's memory: anonymous, aligned to 2 MiB and advised to be backed
 * by transparent huge pages (a hit reads a slot at random in 2 MiB: with
 * 4 KiB pages, most hits missed the TLB). Without THP, 4 KiB pages as
 * before. *len gets the length mapped (for munmap). */
static void *table_map(size_t size, size_t *len)
{
	size = (size + 4095) & ~(size_t)4095;
	size_t span = size + HUGE_2M;
	uint8_t *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	uint8_t *a = (uint8_t *)(((uintptr_t)m + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	if (a > m)
		munmap(m, (size_t)(a - m));
	size_t tail = (size_t)(m + span - (a + size));
	if (tail != 0)
		munmap(a + size, tail);
#ifdef MADV_HUGEPAGE
	(void)madvise(a, size, MADV_HUGEPAGE);      /* a hint: 4 KiB pages otherwise */
#endif
	*len = size;
	return a;
}

int dp_pkc_init(struct dp_pkc *c, unsigned slots)
{
	dp_pkc_fini(c);
	c->hits = c->stores = c->stale = c->probes = c->full = c->differ = 0;
	c->win_hits = c->win_probes = 0;
	c->win_sec = 0;
	c->skip = 0;
	c->bypass = false;
	if (slots == 0)
		return 0;
	if (slots < DP_PKC_MIN || slots > DP_PKC_MAX || (slots & (slots - 1)) != 0)
		return -EINVAL;
	/* The sets' tags, then the slots and one more behind the last:
	 * dp_pkc_answer reads up to 15 bytes past a tail. */
	size_t sets = slots / DP_PKC_WAYS;
	uint8_t *m = table_map(sets * sizeof(struct dp_pkc_set) +
	                       ((size_t)slots + 1) * sizeof(struct dp_pkc_slot), &c->map_len);
	if (m == NULL)
		return -ENOMEM;
	c->set = (struct dp_pkc_set *)m;
	c->slot = (struct dp_pkc_slot *)(m + sets * sizeof(struct dp_pkc_set));
	c->mask = (uint32_t)sets - 1;
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = bolt_hash_seed() ^ (uint64_t)(uintptr_t)c;
	c->seed = seed;
	/* Empty as mapped (zeros), and untouched: the worker's own thread
	 * touches it first (its first burst binds it, dp_pkc_bind), so that its
	 * pages come from that lcore's NUMA node, as its mempool does. */
	c->udp_max = 0;
	c->pol = NULL;
	return 0;
}

void dp_pkc_window(struct dp_pkc *c, uint32_t now)
{
	uint64_t probes = c->probes - c->win_probes, hits = c->hits - c->win_hits;
	c->bypass = probes >= DP_PKC_MIN_PROBES && hits * 2 < probes;
	c->win_probes = c->probes;
	c->win_hits = c->hits;
	c->win_sec = now;
	c->skip = 0;
}

void dp_pkc_fini(struct dp_pkc *c)
{
	if (c->set != NULL)
		munmap(c->set, c->map_len);
	c->set = NULL;
	c->slot = NULL;
	c->map_len = 0;
	c->mask = 0;
}

void dp_pkc_clear(struct dp_pkc *c)
{
	/* a slot counts only with its tag */
	if (c->set != NULL)
		memset(c->set, 0, ((size_t)c->mask + 1) * sizeof(struct dp_pkc_set));
}

void dp_pkc_store(struct dp_pkc *c, uint64_t h, uint32_t now, const struct dp_pkc_build *b)
{
	size_t qn = b->qend - BOLT_HDR_LEN;                  /* the question */
	size_t qlen = 10 + qn + (b->edns ? 11 : 0);        /* the query after its ID */
	size_t tlen = b->len - b->qend;
	if (qlen + tlen > DP_PKC_DATA || !dp_pkc_fits(qlen))
		return;
	/* The way: this query's (same tag), else an empty one or one of an
	 * earlier second; none when the set is full of entries of this
	 * second: what is kept stays for the second. The questions asked most
	 * come first in a second and take the ways, those asked once do not
	 * push them out (nor cost a store each once the set is full). */
	uint32_t set = (uint32_t)h & c->mask;
	struct dp_pkc_set *t = &c->set[set];
	uint32_t tag = (uint32_t)(h >> 32) | 1u;
	unsigned way = DP_PKC_WAYS;
	for (unsigned i = 0; i < DP_PKC_WAYS; i++) {
		if (t->tag[i] == tag) {
			way = i;
			break;
		}
		if (way == DP_PKC_WAYS && (t->tag[i] == 0 || t->sec[i] != now))
			way = i;
	}
	if (way == DP_PKC_WAYS) {
		c->full++;
		return;
	}
	struct dp_pkc_slot *s = &c->slot[set * DP_PKC_WAYS + way];

	/* The query's bytes after the ID as the fast path took them: flags,
	 * QDCOUNT 1, AN 0, NS 0, AR 0 or 1, the question (left in place by
	 * the answer), the OPT without options. */
	uint8_t *d = s->data;
	d[0] = (uint8_t)(b->qflags >> 8);
	d[1] = (uint8_t)b->qflags;
	memset(d + 2, 0, 8);
	d[3] = 1;
	d[9] = b->edns ? 1 : 0;
	memcpy(d + 10, b->dns + BOLT_HDR_LEN, qn);
	if (b->edns) {
		uint8_t *o = d + 10 + qn;
		o[0] = 0;
		o[1] = 0;
		o[2] = 41;      /* OPT */
		memcpy(o + 3, &b->opt_tail, 8);
	}
	memcpy(d + qlen, b->dns + b->qend, tlen);
	memcpy(s->hdr, b->dns + 2, 2);
	memcpy(s->hdr + 2, b->dns + 6, 6);
	/* The sum without the ID: RFC 1624's subtraction, ~id added. */
	uint16_t id;
	memcpy(&id, b->dns, 2);
	s->sum = bolt_csum_fold(bolt_csum_plus(b->csum, (uint16_t)~id));
	s->qlen = (uint8_t)qlen;
	s->qend = (uint8_t)b->qend;
	s->tlen = (uint8_t)tlen;
	s->qslot = b->qslot;
	s->bref = b->bref;
	s->bver = b->bver;
	t->sec[way] = now;
	t->tag[way] = tag;
	c->stores++;
}
