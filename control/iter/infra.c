/*
 * Infrastructure cache: a chained hash table with an LRU list and a hard
 * bound on the number of entries, so a flood of random delegations (or an
 * attacker's NXNS referrals) can only push old entries out, never grow the
 * process.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "boltdns/cache.h"
#include "boltdns/errcode.h"
#include "infra.h"

#define KEY_MAX 300

struct entry {
	struct entry *hnext;           /* hash chain */
	struct entry *prev, *next;     /* LRU list, most recent first */
	uint64_t hash;
	uint32_t expires;
	uint8_t kind;
	uint16_t klen;
	uint32_t vlen;
	uint8_t *val;
	uint8_t key[];
};

struct infra {
	struct entry **buckets;
	size_t mask;
	size_t count;
	size_t max;
	uint64_t evictions;
	struct entry *head, *tail;
};

struct infra *infra_new(size_t max_entries)
{
	if (max_entries == 0)
		max_entries = 1;
	struct infra *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	size_t nb = 16;
	/* About one entry per bucket when full. */
	while (nb < max_entries && nb < ((size_t)1 << 30))
		nb <<= 1;
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (t->buckets == NULL) {
		free(t);
		return NULL;
	}
	t->mask = nb - 1;
	t->max = max_entries;
	return t;
}

static void entry_free(struct entry *e)
{
	free(e->val);
	free(e);
}

void infra_free(struct infra *t)
{
	if (t == NULL)
		return;
	struct entry *e = t->head;
	while (e != NULL) {
		struct entry *n = e->next;
		entry_free(e);
		e = n;
	}
	free(t->buckets);
	free(t);
}

size_t infra_count(const struct infra *t)
{
	return t->count;
}

uint64_t infra_evictions(const struct infra *t)
{
	return t->evictions;
}

static uint64_t key_hash(uint8_t kind, const uint8_t *key, size_t klen)
{
	/* seeded per process: keys that collide cannot be computed outside */
	return XXH3_64bits_withSeed(key, klen, bolt_hash_seed() + kind);
}

static void lru_unlink(struct infra *t, struct entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		t->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		t->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct infra *t, struct entry *e)
{
	e->prev = NULL;
	e->next = t->head;
	if (t->head != NULL)
		t->head->prev = e;
	t->head = e;
	if (t->tail == NULL)
		t->tail = e;
}

static struct entry **find_slot(struct infra *t, uint8_t kind, const uint8_t *key, size_t klen,
                                uint64_t h)
{
	struct entry **pp = &t->buckets[h & t->mask];
	for (; *pp != NULL; pp = &(*pp)->hnext) {
		struct entry *e = *pp;
		if (e->hash == h && e->kind == kind && e->klen == klen &&
		    memcmp(e->key, key, klen) == 0)
			return pp;
	}
	return pp;
}

static void remove_entry(struct infra *t, struct entry *e)
{
	struct entry **pp = find_slot(t, e->kind, e->key, e->klen, e->hash);
	if (*pp == e)
		*pp = e->hnext;
	lru_unlink(t, e);
	t->count--;
	entry_free(e);
}

const void *infra_get(struct infra *t, uint8_t kind, const uint8_t *key, size_t klen,
                      uint32_t now, size_t *vlen)
{
	if (klen > KEY_MAX)
		return NULL;
	uint64_t h = key_hash(kind, key, klen);
	struct entry *e = *find_slot(t, kind, key, klen, h);
	if (e == NULL)
		return NULL;
	if (e->expires <= now) {
		/* Reclaim now: an expired entry is never useful again. */
		remove_entry(t, e);
		return NULL;
	}
	lru_unlink(t, e);
	lru_push_front(t, e);
	if (vlen != NULL)
		*vlen = e->vlen;
	return e->val;
}

void *infra_get_mut(struct infra *t, uint8_t kind, const uint8_t *key, size_t klen,
                    uint32_t now, size_t *vlen)
{
	if (klen > KEY_MAX)
		return NULL;
	struct entry *e = *find_slot(t, kind, key, klen, key_hash(kind, key, klen));
	if (e != NULL && e->expires <= now) {
		remove_entry(t, e);
		e = NULL;
	}
	if (e == NULL)
		return NULL;
	lru_unlink(t, e);
	lru_push_front(t, e);
	if (vlen != NULL)
		*vlen = e->vlen;
	return e->val;
}

int infra_put(struct infra *t, uint8_t kind, const uint8_t *key, size_t klen, const void *val,
              size_t vlen, uint32_t expires)
{
	if (klen > KEY_MAX || vlen > UINT32_MAX)
		return BOLT_ESPACE;
	uint64_t h = key_hash(kind, key, klen);
	struct entry **pp = find_slot(t, kind, key, klen, h);
	uint8_t *copy = malloc(vlen > 0 ? vlen : 1);
	if (copy == NULL)
		return -ENOMEM;
	if (vlen > 0)
		memcpy(copy, val, vlen);

	struct entry *e = *pp;
	if (e != NULL) {
		free(e->val);
		e->val = copy;
		e->vlen = (uint32_t)vlen;
		e->expires = expires;
		lru_unlink(t, e);
		lru_push_front(t, e);
		return 0;
	}
	/* Make room first so the bound holds at every moment. */
	while (t->count >= t->max && t->tail != NULL) {
		remove_entry(t, t->tail);
		t->evictions++;
	}
	e = malloc(sizeof(*e) + klen);
	if (e == NULL) {
		free(copy);
		return -ENOMEM;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, klen);
	e->klen = (uint16_t)klen;
	e->kind = kind;
	e->hash = h;
	e->expires = expires;
	e->val = copy;
	e->vlen = (uint32_t)vlen;
	/* find_slot again: evictions may have changed the chain. */
	pp = find_slot(t, kind, key, klen, h);
	*pp = e;
	lru_push_front(t, e);
	t->count++;
	return 0;
}

void infra_del(struct infra *t, uint8_t kind, const uint8_t *key, size_t klen)
{
	if (klen > KEY_MAX)
		return;
	struct entry *e = *find_slot(t, kind, key, klen, key_hash(kind, key, klen));
	if (e != NULL)
		remove_entry(t, e);
}

unsigned infra_zone_del_below(struct infra *t, const uint8_t *zone)
{
	unsigned n = 0;
	struct entry *e = t->head;
	while (e != NULL) {
		struct entry *next = e->next;
		/* keys of both kinds are the zone's lower-case wire name */
		if ((e->kind == INFRA_NS || e->kind == INFRA_ZONE_DOWN) &&
		    bolt_name_len(e->key, e->klen) == (int)e->klen &&
		    bolt_name_in_zone(e->key, zone)) {
			remove_entry(t, e);
			n++;
		}
		e = next;
	}
	return n;
}

static uint32_t expiry(uint32_t now, uint32_t ttl)
{
	uint64_t e = (uint64_t)now + ttl;
	return e >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)e;
}

static int name_key(const uint8_t *name)
{
	return bolt_name_len(name, BOLT_NAME_MAX);
}

int infra_ns_put(struct infra *t, const uint8_t *zone, const struct infra_nsset *ns,
                 uint32_t now, uint32_t ttl)
{
	int zl = name_key(zone);
	if (zl < 0)
		return zl;
	/* Value: n, then (len, name) pairs. */
	uint8_t buf[1 + INFRA_NS_MAX * (1 + BOLT_NAME_MAX)];
	size_t pos = 0;
	unsigned n = ns->n > INFRA_NS_MAX ? INFRA_NS_MAX : ns->n;
	buf[pos++] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		buf[pos++] = ns->len[i];
		memcpy(buf + pos, ns->name[i], ns->len[i]);
		pos += ns->len[i];
	}
	return infra_put(t, INFRA_NS, zone, (size_t)zl, buf, pos, expiry(now, ttl));
}

int infra_ns_get(struct infra *t, const uint8_t *zone, uint32_t now, struct infra_nsset *ns)
{
	int zl = name_key(zone);
	if (zl < 0)
		return zl;
	size_t vlen;
	const uint8_t *v = infra_get(t, INFRA_NS, zone, (size_t)zl, now, &vlen);
	if (v == NULL || vlen < 1)
		return BOLT_ENOENT;
	size_t pos = 1;
	ns->n = 0;
	for (unsigned i = 0; i < v[0] && i < INFRA_NS_MAX; i++) {
		if (pos >= vlen || pos + 1 + v[pos] > vlen)
			break;
		ns->len[ns->n] = v[pos];
		memcpy(ns->name[ns->n], v + pos + 1, v[pos]);
		pos += 1u + v[pos];
		ns->n++;
	}
	return 0;
}

/* Key of a host's addresses: the source byte, then the name. */
static int addr_key(const uint8_t *host, uint8_t src, uint8_t *key)
{
	int hl = name_key(host);
	if (hl < 0)
		return hl;
	key[0] = src;
	memcpy(key + 1, host, (size_t)hl);
	return hl + 1;
}

int infra_addr_put(struct infra *t, const uint8_t *host, uint8_t src, const struct infra_addr *a,
                   unsigned n, uint32_t now, uint32_t ttl)
{
	uint8_t key[1 + BOLT_NAME_MAX];
	int kl = addr_key(host, src, key);
	if (kl < 0)
		return kl;
	if (n > INFRA_ADDR_MAX)
		n = INFRA_ADDR_MAX;
	return infra_put(t, INFRA_ADDR, key, (size_t)kl, a, n * sizeof(*a), expiry(now, ttl));
}

int infra_addr_get(struct infra *t, const uint8_t *host, uint8_t src, uint32_t now,
                   struct infra_addr *a, unsigned max)
{
	uint8_t key[1 + BOLT_NAME_MAX];
	int kl = addr_key(host, src, key);
	if (kl < 0)
		return kl;
	size_t vlen;
	const uint8_t *v = infra_get(t, INFRA_ADDR, key, (size_t)kl, now, &vlen);
	if (v == NULL)
		return BOLT_ENOENT;
	unsigned n = (unsigned)(vlen / sizeof(*a));
	if (n > max)
		n = max;
	memcpy(a, v, n * sizeof(*a));
	return (int)n;
}

/* Server entries live long: an RTT estimate stays useful for minutes. */
#define SRV_TTL 900

bool infra_srv_get(struct infra *t, const struct infra_addr *a, uint32_t now,
                   struct infra_srv *out)
{
	size_t vlen;
	const void *v = infra_get(t, INFRA_SRV, (const uint8_t *)a, sizeof(*a), now, &vlen);
	if (v != NULL && vlen == sizeof(*out)) {
		memcpy(out, v, sizeof(*out));
		return true;
	}
	memset(out, 0, sizeof(*out));
	out->srtt_ms = INFRA_SRTT_INITIAL;
	return false;
}

static void srv_store(struct infra *t, const struct infra_addr *a, uint32_t now,
                      const struct infra_srv *s)
{
	(void)infra_put(t, INFRA_SRV, (const uint8_t *)a, sizeof(*a), s, sizeof(*s),
	                expiry(now, SRV_TTL));
}

void infra_srv_rtt(struct infra *t, const struct infra_addr *a, uint32_t now, uint32_t rtt_ms)
{
	struct infra_srv s;
	bool known = infra_srv_get(t, a, now, &s);
	/* Exponential smoothing, 0.7 old + 0.3 new, in integers. The first
	 * answer is the estimate (RFC 6298 2.2): smoothed into the initial
	 * value, a server's estimate would mostly say how often it was asked,
	 * and the server asked first would look fastest for good. A server back
	 * from a timeout streak starts afresh, or its doubled estimate would
	 * keep it unused for many answers. */
	if (!known || s.timeouts > 0)
		s.srtt_ms = rtt_ms;
	else
		s.srtt_ms = (s.srtt_ms * 7 + rtt_ms * 3) / 10;
	if (s.srtt_ms == 0)
		s.srtt_ms = 1;
	s.timeouts = 0;
	srv_store(t, a, now, &s);
}

void infra_srv_timeout(struct infra *t, const struct infra_addr *a, uint32_t now)
{
	struct infra_srv s;
	infra_srv_get(t, a, now, &s);
	s.srtt_ms = s.srtt_ms * 2 > INFRA_SRTT_MAX ? INFRA_SRTT_MAX : s.srtt_ms * 2;
	/* Past the down threshold, timeouts within one second were queries in
	 * flight together (a flood of a dead zone has a hundred): they say no
	 * more than one, and count once, or the back-off would reach its
	 * maximum (minutes) at the first burst. Unbound likewise backs off once
	 * per probe, not per query that was already out. */
	if (s.timeouts < INFRA_DOWN_TIMEOUTS || s.last_timeout != now)
		s.timeouts++;
	s.last_timeout = now;
	srv_store(t, a, now, &s);
}

void infra_srv_no_edns(struct infra *t, const struct infra_addr *a, uint32_t now, uint32_t secs)
{
	struct infra_srv s;
	infra_srv_get(t, a, now, &s);
	s.no_edns_until = expiry(now, secs);
	srv_store(t, a, now, &s);
}
