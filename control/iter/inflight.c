/*
 * Per-zone and per-server counts of work in flight (see inflight.h).
 *
 * One chained hash table per kind; an entry lives while its count is above
 * zero, so the tables hold at most as many entries as there are resolutions
 * and queries in flight (bounded by the file descriptor limit).
 */
#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "boltdns/wire.h"
#include "inflight.h"

#define LIM_BUCKETS 4096
#define LIM_ROOT_FACTOR 10

struct lim_ent {
	struct lim_ent *next;
	unsigned count;
	uint16_t klen;
	uint8_t key[];
};

struct lim_tab {
	struct lim_ent *b[LIM_BUCKETS];
	unsigned n;
};

static struct lim_tab zones, servers;
static uint64_t zone_refusals, server_refusals;

/* FNV-1a: the keys are chosen by whoever sends us names, but a bucket only
 * chains the keys in flight, which the limits themselves keep few. */
static uint32_t hash(const uint8_t *k, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static struct lim_ent **find(struct lim_tab *t, const uint8_t *k, size_t len)
{
	struct lim_ent **pp = &t->b[hash(k, len) % LIM_BUCKETS];
	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->klen == len && memcmp((*pp)->key, k, len) == 0)
			break;
	return pp;
}

static unsigned count(struct lim_tab *t, const uint8_t *k, size_t len)
{
	struct lim_ent **pp = find(t, k, len);
	return *pp != NULL ? (*pp)->count : 0;
}

static int inc(struct lim_tab *t, const uint8_t *k, size_t len)
{
	struct lim_ent **pp = find(t, k, len);
	if (*pp == NULL) {
		struct lim_ent *e = malloc(sizeof(*e) + len);
		if (e == NULL)
			return -ENOMEM;
		e->next = NULL;
		e->count = 0;
		e->klen = (uint16_t)len;
		memcpy(e->key, k, len);
		*pp = e;
		t->n++;
	}
	(*pp)->count++;
	return 0;
}

static void dec(struct lim_tab *t, const uint8_t *k, size_t len)
{
	struct lim_ent **pp = find(t, k, len);
	struct lim_ent *e = *pp;
	if (e == NULL)
		return;
	if (--e->count == 0) {
		*pp = e->next;
		free(e);
		t->n--;
	}
}

static size_t zone_len(const uint8_t *zone)
{
	int n = bolt_name_len(zone, BOLT_NAME_MAX);
	return n > 0 ? (size_t)n : 1;
}

bool lim_zone_enter(const uint8_t *zone, unsigned max)
{
	size_t len = zone_len(zone);
	/* Every question of a cold cache starts at the root (all at once after
	 * priming); a flood there is still bounded, ten times higher. */
	if (zone[0] == 0 && max <= UINT_MAX / LIM_ROOT_FACTOR)
		max *= LIM_ROOT_FACTOR;
	if ((max > 0 && count(&zones, zone, len) >= max) || inc(&zones, zone, len) < 0) {
		zone_refusals++;
		return false;
	}
	return true;
}

void lim_zone_leave(const uint8_t *zone)
{
	dec(&zones, zone, zone_len(zone));
}

/* Family and address bytes: what identifies a server here. */
static size_t srv_key(const struct infra_addr *a, uint8_t *k)
{
	size_t n = a->family == AF_INET ? 4 : 16;
	k[0] = (uint8_t)a->family;
	memcpy(k + 1, a->addr, n);
	return 1 + n;
}

unsigned lim_server_count(const struct infra_addr *a)
{
	uint8_t k[17];
	size_t len = srv_key(a, k);
	return count(&servers, k, len);
}

int lim_server_sent(const struct infra_addr *a)
{
	uint8_t k[17];
	size_t len = srv_key(a, k);
	return inc(&servers, k, len);
}

void lim_server_done(const struct infra_addr *a)
{
	uint8_t k[17];
	size_t len = srv_key(a, k);
	dec(&servers, k, len);
}

unsigned lim_zones_busy(void)
{
	return zones.n;
}

unsigned lim_servers_busy(void)
{
	return servers.n;
}

void lim_server_refused(void)
{
	server_refusals++;
}

uint64_t lim_zone_refusals(void)
{
	return zone_refusals;
}

uint64_t lim_server_refusals(void)
{
	return server_refusals;
}
