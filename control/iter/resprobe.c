/*
 * RFC 5011 probes: the trust points' DNSKEY sets fetched on the anchor
 * module's schedule, through an ordinary validated resolution.
 */
#include "res_int.h"

/* ---- RFC 5011 probes of the trust points ---- */

static bool probing;

static void probe_done(struct res *r, void *arg)
{
	(void)arg;
	probing = false;
	dsec_probe_done(r->qname);
}

/* The first probe waits this long after start-up: the first validated
 * answer fetches the trust point's set anyway (and hands it over, which
 * sets the timer), so a resolver with clients never needs it earlier. */
#define PROBE_START_DELAY_MS (300 * 1000)

void res_anchor_tick(struct cp *cp)
{
	static uint64_t started;
	uint8_t name[BOLT_NAME_MAX];
	if (started == 0)
		started = uv_now(cp->loop) + 1;
	if (probing || cp->offline || uv_now(cp->loop) + 1 - started < PROBE_START_DELAY_MS ||
	    !dsec_probe_due(name))
		return;
	probing = true;
	/* The validation of the answer fetches the set afresh and hands it to
	 * the anchor module (dnssec.h); probe_done may run before this returns. */
	if (res_start(cp, name, 48 /* DNSKEY */, BOLT_CLASS_IN, true, probe_done, NULL) < 0)
		probing = false;
}

