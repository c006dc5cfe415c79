/*
 * Prefetch table: direct-mapped by the hash of the question key.
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "boltdns/cache.h"
#include "prefetch.h"

enum slot_state {
	SLOT_EMPTY = 0,
	SLOT_SEEN,        /* answered once; a later miss makes it popular */
	SLOT_SCHEDULED,   /* refresh at refresh_at */
	SLOT_RUNNING,     /* refresh in flight */
};

struct slot {
	struct pkey key;
	uint8_t state;
	uint8_t rounds;   /* refreshes left in this series */
	uint32_t refresh_at;
};

struct prefetch {
	struct slot slots[PREFETCH_SLOTS];
	unsigned scheduled;
	unsigned scan;    /* where prefetch_due resumes */
};

struct prefetch *prefetch_new(void)
{
	return calloc(1, sizeof(struct prefetch));
}

void prefetch_free(struct prefetch *pf)
{
	free(pf);
}

unsigned prefetch_scheduled(const struct prefetch *pf)
{
	return pf->scheduled;
}

static struct slot *slot_of(struct prefetch *pf, const struct pkey *k)
{
	uint8_t extra[5] = { (uint8_t)(k->qtype >> 8), (uint8_t)k->qtype, (uint8_t)(k->qclass >> 8),
	                     (uint8_t)k->qclass, k->do_bit };
	/* seeded per process, like the pending table */
	uint64_t h = XXH3_64bits_withSeed(k->name, k->name_len,
	                                  XXH3_64bits_withSeed(extra, sizeof(extra), bolt_hash_seed()));
	return &pf->slots[h % PREFETCH_SLOTS];
}

static bool same(const struct pkey *a, const struct pkey *b)
{
	return a->name_len == b->name_len && a->qtype == b->qtype && a->qclass == b->qclass &&
	       a->do_bit == b->do_bit && memcmp(a->name, b->name, a->name_len) == 0;
}

static void set_state(struct prefetch *pf, struct slot *s, uint8_t state)
{
	bool was = s->state == SLOT_SCHEDULED || s->state == SLOT_RUNNING;
	bool is = state == SLOT_SCHEDULED || state == SLOT_RUNNING;
	if (was && !is)
		pf->scheduled--;
	else if (!was && is)
		pf->scheduled++;
	s->state = state;
}

static void schedule(struct prefetch *pf, struct slot *s, uint32_t ttl, uint32_t now)
{
	/* At 90% of the TTL, and at least a second before expiry. */
	uint32_t lead = ttl / 10 > 1 ? ttl / 10 : 1;
	s->refresh_at = now + ttl - lead;
	set_state(pf, s, SLOT_SCHEDULED);
}

bool prefetch_note(struct prefetch *pf, const struct pkey *key, uint8_t kind, uint32_t ttl,
                   bool by_prefetch, uint32_t now)
{
	struct slot *s = slot_of(pf, key);
	bool mine = s->state != SLOT_EMPTY && same(&s->key, key);
	if (kind == BOLT_CACHE_SERVFAIL || ttl < PREFETCH_MIN_TTL) {
		if (mine)
			set_state(pf, s, SLOT_EMPTY);
		return false;
	}
	if (by_prefetch) {
		if (!mine)
			return false;
		if (s->rounds == 0) {
			set_state(pf, s, SLOT_SEEN);
			return false;
		}
		s->rounds--;
		schedule(pf, s, ttl, now);
		return true;
	}
	if (!mine) {
		/* First sighting (or a collision replacing an older question). */
		set_state(pf, s, SLOT_EMPTY);
		s->key = *key;
		s->rounds = 0;
		set_state(pf, s, SLOT_SEEN);
		return false;
	}
	/* Asked again once its answer was gone: popular. */
	s->rounds = PREFETCH_ROUNDS - 1;
	schedule(pf, s, ttl, now);
	return true;
}

bool prefetch_due(struct prefetch *pf, uint32_t now, struct pkey *key)
{
	if (pf->scheduled == 0)
		return false;
	for (unsigned n = 0; n < PREFETCH_SLOTS; n++) {
		struct slot *s = &pf->slots[pf->scan];
		pf->scan = (pf->scan + 1) % PREFETCH_SLOTS;
		if (s->state == SLOT_SCHEDULED && s->refresh_at <= now) {
			set_state(pf, s, SLOT_RUNNING);
			*key = s->key;
			return true;
		}
	}
	return false;
}
