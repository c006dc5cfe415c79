/*
 * Coalescing table: a chained hash table keyed like the shared cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "boltdns/cache.h"
#include "pending.h"

int pkey_make(struct pkey *k, const uint8_t *name, uint16_t qtype, uint16_t qclass, bool do_bit)
{
	memset(k, 0, sizeof(*k));
	int len = bolt_name_len(name, BOLT_NAME_MAX);
	if (len < 0)
		return len;
	memcpy(k->name, name, (size_t)len);
	bolt_name_lower(k->name, (size_t)len);
	k->name_len = (uint8_t)len;
	k->qtype = qtype;
	k->qclass = qclass;
	k->do_bit = do_bit ? 1 : 0;
	return 0;
}

uint64_t pkey_hash(const struct pkey *k)
{
	uint8_t extra[5] = { (uint8_t)(k->qtype >> 8), (uint8_t)k->qtype, (uint8_t)(k->qclass >> 8),
	                     (uint8_t)k->qclass, k->do_bit };
	/* seeded per process: names that collide cannot be computed outside */
	return XXH3_64bits_withSeed(k->name, k->name_len,
	                            XXH3_64bits_withSeed(extra, sizeof(extra), bolt_hash_seed()));
}

static bool pkey_equal(const struct pkey *a, const struct pkey *b)
{
	return a->name_len == b->name_len && a->qtype == b->qtype && a->qclass == b->qclass &&
	       a->do_bit == b->do_bit && memcmp(a->name, b->name, a->name_len) == 0;
}

int pend_init(struct pend_tab *t, unsigned max, unsigned max_waiters)
{
	memset(t, 0, sizeof(*t));
	uint64_t nb = 64;
	while (nb < max && nb < (1u << 24))
		nb <<= 1;
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (t->buckets == NULL)
		return -ENOMEM;
	t->mask = nb - 1;
	t->max = max;
	t->max_waiters = max_waiters;
	return 0;
}

void waiter_list_free(struct waiter *w)
{
	while (w != NULL) {
		struct waiter *n = w->next;
		free(w);
		w = n;
	}
}

void pend_free(struct pend *p)
{
	if (p == NULL)
		return;
	waiter_list_free(p->waiters);
	free(p);
}

struct waiter *pend_take_waiters(struct pend *p)
{
	struct waiter *w = p->waiters;
	p->waiters = NULL;
	p->wtail = &p->waiters;
	p->nwaiters = 0;
	return w;
}

void pend_destroy(struct pend_tab *t)
{
	if (t->buckets == NULL)
		return;
	for (uint64_t b = 0; b <= t->mask; b++) {
		struct pend *p = t->buckets[b];
		while (p != NULL) {
			struct pend *n = p->hnext;
			pend_free(p);
			p = n;
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->count = 0;
}

struct pend *pend_find(struct pend_tab *t, const struct pkey *k)
{
	uint64_t h = pkey_hash(k);
	for (struct pend *p = t->buckets[h & t->mask]; p != NULL; p = p->hnext)
		if (p->hash == h && pkey_equal(&p->key, k))
			return p;
	return NULL;
}

struct pend *pend_add(struct pend_tab *t, const struct pkey *k)
{
	if (t->count >= t->max)
		return NULL;
	struct pend *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->key = *k;
	p->hash = pkey_hash(k);
	p->wtail = &p->waiters;
	p->hnext = t->buckets[p->hash & t->mask];
	t->buckets[p->hash & t->mask] = p;
	t->count++;
	return p;
}

int pend_join(struct pend_tab *t, struct pend *p, const struct waiter *w)
{
	if (p->nwaiters >= t->max_waiters)
		return BOLT_ELIMIT;
	struct waiter *c = malloc(sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	*c = *w;
	c->next = NULL;
	*p->wtail = c;
	p->wtail = &c->next;
	p->nwaiters++;
	return 0;
}

void pend_remove(struct pend_tab *t, struct pend *p)
{
	struct pend **pp = &t->buckets[p->hash & t->mask];
	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == p) {
			*pp = p->hnext;
			p->hnext = NULL;
			t->count--;
			return;
		}
	}
}
