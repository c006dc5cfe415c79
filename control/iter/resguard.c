/*
 * A resolution's side of the flood defences at its zone cut: publishing a
 * refused zone to the dataplane (boltdns/throttle.h), and the zone-down
 * gate (zonedown.h): a cut whose servers are all down fails new questions
 * at once, one probe at a time, and any answer from it lifts the mark and
 * the dataplane's throttle.
 */
#include "boltdns/throttle.h"
#include "res_int.h"
#include "zonedown.h"
#include "zonerate.h"

/* How long one question may wait for a cut's servers (each asked up to
 * retries times, timeout each): a down zone's probes are this far apart,
 * so that no two are in flight together. */
static uint32_t probe_secs(const struct cp *cp)
{
	unsigned tries = cp->cfg->retries > 0 ? cp->cfg->retries : 1;
	uint64_t ms = (uint64_t)cp->cfg->timeout_ms * tries;
	uint64_t s = (ms + 999) / 1000;
	return s > 0 ? (uint32_t)s : 1;
}

/* Publish r's zone to the dataplane for reason (boltdns/throttle.h). */
static void publish(struct res *r, enum bolt_throttle_reason why, uint32_t secs)
{
	struct cp *cp = r->cp;
	if (cp->region != NULL)
		(void)bolt_throttle_set(&cp->region->hdr->throttle, r->zone, now_s() + secs, why);
}

void guard_throttle(struct res *r)
{
	if (zrate_publish_due(r->zone, uv_now(r->cp->loop)))
		publish(r, BOLT_THROTTLE_RATE, ZRATE_THROTTLE_SECS);
}

bool guard_zone_down(struct res *r, char *text, size_t cap)
{
	struct cp *cp = r->cp;
	/* Once per cut; and not when this question comes back to the cut from
	 * its parent (the probe's fresh referral). */
	if (r->down_checked || (r->refetched && bolt_name_equal(r->refetch_zone, r->zone)))
		return false;
	r->down_checked = true;
	bool pub = false;
	enum zdown_verdict v = zdown_check(cp->infra, r->zone, now_s(), probe_secs(cp), &pub);
	if (v != ZDOWN_FAIL)
		return false;
	if (pub)
		publish(r, BOLT_THROTTLE_DOWN, ZDOWN_PUBLISH_SECS);
	char zn[300];
	name_text(r->zone, zn, sizeof(zn));
	snprintf(text, cap, BOLT_EDE_ZONE_DOWN_FMT, zn);
	return true;
}

void guard_no_server(struct res *r, uint16_t ede)
{
	/* No server answered: every try timed out or failed on the network,
	 * or every server was in its back-off. Not when servers were only busy
	 * (max-inflight-per-server) or had no address. */
	if ((ede == BOLT_EDE_NO_REACHABLE_AUTHORITY || ede == BOLT_EDE_NETWORK_ERROR) &&
	    !sel_answered(&r->sel) && r->sel.busy == 0)
		zdown_mark(r->cp->infra, r->zone, now_s(), probe_secs(r->cp));
}

void guard_answered(struct res *r)
{
	struct cp *cp = r->cp;
	if (zdown_clear(cp->infra, r->zone, now_s()) && cp->region != NULL && r->zone[0] != 0)
		bolt_throttle_clear(&cp->region->hdr->throttle, r->zone);
}
