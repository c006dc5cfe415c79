/*
 * Upstream queries per second per zone (see zonerate.h).
 */
#include <limits.h>
#include <string.h>

#include "boltdns/cache.h"
#include "boltdns/wire.h"
#include "zonerate.h"

struct zslot {
	uint64_t window;          /* now_ms / 1000 of the counts below */
	unsigned count;           /* queries counted in window */
	unsigned over;            /* questions over the rate in window */
	uint64_t published;       /* window + 1 of the last zrate_publish_due true; 0 never */
	uint8_t len;
	uint8_t name[BOLT_NAME_MAX];
};

static struct zslot slots[ZRATE_SLOTS];
static uint64_t refusals;

/* FNV-1a over the per-process random seed: the names come from whoever
 * sends us questions. */
static uint32_t slot_of(const uint8_t *k, size_t len)
{
	uint64_t h = 14695981039346656037ull ^ bolt_hash_seed();
	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return (uint32_t)((h ^ (h >> 32)) % ZRATE_SLOTS);
}

/* zone's slot for window win, with counts of that window: its own, or a
 * slot whose holder's window is past (taken over). NULL when another zone
 * holds it in this window: that zone is not counted (under-counting only). */
static struct zslot *slot_for(const uint8_t *zone, size_t len, uint64_t win)
{
	struct zslot *s = &slots[slot_of(zone, len)];
	if (s->len != len || memcmp(s->name, zone, len) != 0) {
		if (s->len != 0 && s->window == win)
			return NULL;
		memset(s, 0, sizeof(*s));
		s->len = (uint8_t)len;
		memcpy(s->name, zone, len);
		s->window = win;
	} else if (s->window != win) {
		s->window = win;
		s->count = 0;
		s->over = 0;
	}
	return s;
}

static size_t zone_len(const uint8_t *zone)
{
	int n = bolt_name_len(zone, BOLT_NAME_MAX);
	return n > 0 ? (size_t)n : 1;
}

bool zrate_allow(const uint8_t *zone, unsigned rate, uint64_t now_ms)
{
	if (rate == 0)
		return true;
	/* The root and the TLDs are asked for every new domain of a cold
	 * cache: a higher bound there (random TLDs are still bounded). */
	if ((zone[0] == 0 || zone[zone[0] + 1] == 0) && rate <= UINT_MAX / ZRATE_TOP_FACTOR)
		rate *= ZRATE_TOP_FACTOR;
	struct zslot *s = slot_for(zone, zone_len(zone), now_ms / 1000);
	if (s == NULL || s->count < rate ||
	    s->over++ % ZRATE_LET_THROUGH == ZRATE_LET_THROUGH - 1) {
		if (s != NULL)
			s->count++;
		return true;
	}
	refusals++;
	return false;
}

bool zrate_publish_due(const uint8_t *zone, uint64_t now_ms)
{
	uint64_t win = now_ms / 1000;
	struct zslot *s = slot_for(zone, zone_len(zone), win);
	if (s == NULL)
		return true;    /* another zone's slot: publish, untracked */
	if (s->published == win + 1)
		return false;
	s->published = win + 1;
	return true;
}

uint64_t zrate_refusals(void)
{
	return refusals;
}

void zrate_reset(void)
{
	memset(slots, 0, sizeof(slots));
	refusals = 0;
}
