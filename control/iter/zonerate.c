/*
 * NXDOMAIN answers per second per zone (see zonerate.h).
 */
#include <limits.h>
#include <string.h>

#include "boltdns/cache.h"
#include "boltdns/wire.h"
#include "zonerate.h"

struct zslot {
	uint64_t at_ms;           /* when tokens was last refilled; 0: unused */
	uint64_t tokens_milli;    /* NXDOMAIN answers still allowed, in 1/1000 */
	uint64_t published;       /* second + 1 of the last zrate_publish_due true */
	unsigned over;            /* questions refused since the bucket ran dry */
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

static size_t zone_len(const uint8_t *zone)
{
	int n = bolt_name_len(zone, BOLT_NAME_MAX);
	return n > 0 ? (size_t)n : 1;
}

/* The root and the TLDs are asked for every new domain of a cold cache: a
 * higher bound there (random TLDs are still bounded). */
static uint64_t zone_rate(const uint8_t *zone, unsigned rate)
{
	uint64_t r = rate;
	if (zone[0] == 0 || zone[zone[0] + 1] == 0)
		r *= ZRATE_TOP_FACTOR;
	return r;
}

/* zone's slot with its bucket refilled to now_ms, or NULL when another
 * zone holds the slot with a bucket not yet full again (not counted). A
 * new or taken-over slot starts full. */
static struct zslot *slot_for(const uint8_t *zone, uint64_t rate, uint64_t now_ms)
{
	size_t len = zone_len(zone);
	uint64_t cap = rate * ZRATE_BURST_SECS * 1000;
	struct zslot *s = &slots[slot_of(zone, len)];
	if (s->len != len || memcmp(s->name, zone, len) != 0) {
		uint64_t idle = now_ms > s->at_ms ? now_ms - s->at_ms : 0;
		if (s->at_ms != 0 && s->tokens_milli + idle * rate < cap)
			return NULL;
		memset(s, 0, sizeof(*s));
		s->len = (uint8_t)len;
		memcpy(s->name, zone, len);
		s->tokens_milli = cap;
	} else if (now_ms > s->at_ms) {
		/* rate tokens a second = rate milli-tokens a millisecond */
		uint64_t t = s->tokens_milli + (now_ms - s->at_ms) * rate;
		s->tokens_milli = t < cap ? t : cap;
		if (s->tokens_milli >= 1000)
			s->over = 0;
	}
	s->at_ms = now_ms != 0 ? now_ms : 1;
	return s;
}

bool zrate_allow(const uint8_t *zone, unsigned rate, uint64_t now_ms)
{
	if (rate == 0)
		return true;
	struct zslot *s = slot_for(zone, zone_rate(zone, rate), now_ms);
	if (s == NULL || s->tokens_milli >= 1000 ||
	    s->over++ % ZRATE_LET_THROUGH == ZRATE_LET_THROUGH - 1)
		return true;
	refusals++;
	return false;
}

void zrate_note_nxdomain(const uint8_t *zone, unsigned rate, uint64_t now_ms)
{
	if (rate == 0)
		return;
	struct zslot *s = slot_for(zone, zone_rate(zone, rate), now_ms);
	if (s != NULL)
		s->tokens_milli = s->tokens_milli >= 1000 ? s->tokens_milli - 1000 : 0;
}

bool zrate_publish_due(const uint8_t *zone, uint64_t now_ms)
{
	size_t len = zone_len(zone);
	struct zslot *s = &slots[slot_of(zone, len)];
	if (s->len != len || memcmp(s->name, zone, len) != 0) {
		if (s->at_ms != 0)
			return true;    /* another zone's slot: publish, untracked */
		/* a free slot: held with a full bucket (the first refill caps it) */
		s->len = (uint8_t)len;
		memcpy(s->name, zone, len);
		s->tokens_milli = UINT64_MAX / 2;
		s->at_ms = now_ms != 0 ? now_ms : 1;
	}
	uint64_t sec = now_ms / 1000 + 1;
	if (s->published == sec)
		return false;
	s->published = sec;
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
