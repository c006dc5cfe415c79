/*
 * Zones whose servers are all down (see zonedown.h).
 *
 * The entry's value is changed in place (infra_get_mut): a question failed
 * by it costs a look-up and a counter, no copy.
 */
#include <string.h>

#include "boltdns/wire.h"
#include "zonedown.h"

struct zdown_val {
	uint32_t since;        /* first mark of this down period */
	uint32_t next_probe;   /* no probe before this */
	uint32_t sec;          /* the second failed counts */
	uint32_t failed;       /* questions failed in second sec */
	uint32_t published;    /* second of the latest publish (0: never) */
};

static uint64_t refusals, probes, marks, recoveries;
/* Zones marked and not cleared (an upper bound: expired and evicted marks
 * still count), so that nothing is looked up while no zone is down. */
static uint64_t live;

static uint32_t expiry(uint32_t now)
{
	uint64_t e = (uint64_t)now + ZDOWN_TTL;
	return e >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)e;
}

static struct zdown_val *get(struct infra *t, const uint8_t *zone, int kl, uint32_t now)
{
	size_t vlen = 0;
	void *p = infra_get_mut(t, INFRA_ZONE_DOWN, zone, (size_t)kl, now, &vlen);
	return p != NULL && vlen == sizeof(struct zdown_val) ? p : NULL;
}

enum zdown_verdict zdown_check(struct infra *t, const uint8_t *zone, uint32_t now,
                               uint32_t probe_secs, bool *publish)
{
	if (publish != NULL)
		*publish = false;
	if (live == 0)
		return ZDOWN_UP;
	int kl = bolt_name_len(zone, BOLT_NAME_MAX);
	struct zdown_val *v = kl > 0 ? get(t, zone, kl, now) : NULL;
	if (v == NULL)
		return ZDOWN_UP;
	if (now >= v->next_probe) {
		v->next_probe = now + (probe_secs > 0 ? probe_secs : 1);
		probes++;
		return ZDOWN_PROBE;
	}
	refusals++;
	if (v->sec != now) {
		v->sec = now;
		v->failed = 0;
	}
	v->failed++;
	/* still published: the dataplane hands on only a sample of the flood */
	bool held = v->published != 0 && now - v->published < ZDOWN_PUBLISH_SECS;
	if (publish != NULL && zone[0] != 0 && (v->failed >= ZDOWN_PUBLISH_MIN || held) &&
	    v->published != now) {
		v->published = now;
		*publish = true;
	}
	return ZDOWN_FAIL;
}

void zdown_mark(struct infra *t, const uint8_t *zone, uint32_t now, uint32_t probe_secs)
{
	int kl = bolt_name_len(zone, BOLT_NAME_MAX);
	if (kl <= 0)
		return;
	uint32_t next = now + (probe_secs > 0 ? probe_secs : 1);
	struct zdown_val *v = live > 0 ? get(t, zone, kl, now) : NULL;
	if (v == NULL) {
		struct zdown_val n = { .since = now, .next_probe = next };
		/* out of memory: the zone is simply not known down */
		if (infra_put(t, INFRA_ZONE_DOWN, zone, (size_t)kl, &n, sizeof(n), expiry(now)) == 0) {
			marks++;
			live++;
		}
		return;
	}
	/* a probe let through keeps its window */
	if (v->next_probe < next)
		v->next_probe = next;
	/* refresh the entry's lifetime: the same value, a later expiry */
	struct zdown_val keep = *v;
	(void)infra_put(t, INFRA_ZONE_DOWN, zone, (size_t)kl, &keep, sizeof(keep), expiry(now));
}

bool zdown_clear(struct infra *t, const uint8_t *zone, uint32_t now)
{
	if (live == 0)
		return false;
	int kl = bolt_name_len(zone, BOLT_NAME_MAX);
	if (kl <= 0 || get(t, zone, kl, now) == NULL)
		return false;
	infra_del(t, INFRA_ZONE_DOWN, zone, (size_t)kl);
	live--;
	recoveries++;
	return true;
}

uint64_t zdown_refusals(void)
{
	return refusals;
}

uint64_t zdown_probes(void)
{
	return probes;
}

uint64_t zdown_marks(void)
{
	return marks;
}

uint64_t zdown_recoveries(void)
{
	return recoveries;
}

void zdown_reset_counters(void)
{
	refusals = probes = marks = recoveries = live = 0;
}
