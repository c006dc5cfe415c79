/*
 * Policy zones transferred from a primary ([rpz] primary, tsig-key): one
 * thread per zone runs the blocking AXFR (control/rpz/xfr.c) at start-up
 * and then at each SOA refresh, and hands a new serial's zone to the loop
 * (uv_async), which puts it in use (policy_replace). A failed transfer, a
 * TSIG failure included, keeps the version in use and is tried again after
 * the SOA's retry. Not yet: IXFR (every change is a full AXFR) and NOTIFY
 * (changes are seen at the next refresh).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boltdns/errcode.h"
#include "log.h"
#include "policy.h"
#include "rpz.h"
#include "xfr.h"

/* Bounds of the refresh interval (the SOA's REFRESH within them). */
#define XFR_REFRESH_MIN 1
#define XFR_REFRESH_MAX 86400
#define XFR_RETRY 5

struct pxfr {
	struct cp *cp;
	uv_async_t async;
	pthread_t th;
	pthread_mutex_t mu;
	struct policy_zone_cfg cfg;
	struct rpz_tsig_key key;
	bool have_key;
	uint8_t origin[BOLT_NAME_MAX];
	/* Handed to the loop under mu: */
	struct rpz_zone *ready;
	char msg[512];
	bool failed;
};

static void on_async(uv_async_t *a)
{
	struct pxfr *x = a->data;
	pthread_mutex_lock(&x->mu);
	struct rpz_zone *z = x->ready;
	x->ready = NULL;
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", x->msg);
	x->msg[0] = '\0';
	bool failed = x->failed;
	x->failed = false;
	pthread_mutex_unlock(&x->mu);
	if (failed) {
		x->cp->ctr.rpz_load_errors++;
		cp_log(CP_LOG_ERR, "rpz: zone %s: transfer failed: %s (the version in use stays)",
		       x->cfg.name, msg);
	}
	if (z != NULL) {
		struct rpz_zone_stats st;
		rpz_zone_get_stats(z, &st);
		cp_log(CP_LOG_NOTICE, "rpz: zone %s transferred: serial %u, %llu rules, %llu records "
		       "skipped", x->cfg.name, st.serial, (unsigned long long)st.rules,
		       (unsigned long long)st.skipped);
		x->cp->ctr.rpz_skipped += st.skipped;
		policy_replace(x->cp, x->cfg.name, z);
	}
}

static void sleep_s(unsigned s)
{
	struct timespec ts = { .tv_sec = s, .tv_nsec = 0 };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void *run(void *arg)
{
	struct pxfr *x = arg;
	uint32_t serial = 0;
	bool have = false;
	for (;;) {
		char err[256] = "";
		unsigned wait = XFR_RETRY;
		struct rpz_zone *z = rpz_zone_new(x->origin);
		int rc = z != NULL ? rpz_xfr_axfr(z, &x->cfg.primary, x->have_key ? &x->key : NULL,
		                                  NULL, NULL, err, sizeof(err))
		                   : -1;
		if (rc == 0) {
			struct rpz_zone_stats st;
			rpz_zone_get_stats(z, &st);
			if (st.refresh > 0)
				wait = st.refresh < XFR_REFRESH_MIN ? XFR_REFRESH_MIN
				       : st.refresh > XFR_REFRESH_MAX ? XFR_REFRESH_MAX : st.refresh;
			if (!have || st.serial != serial) {
				serial = st.serial;
				have = true;
				pthread_mutex_lock(&x->mu);
				rpz_zone_free(x->ready);
				x->ready = z;
				z = NULL;
				pthread_mutex_unlock(&x->mu);
				uv_async_send(&x->async);
			}
		} else {
			pthread_mutex_lock(&x->mu);
			snprintf(x->msg, sizeof(x->msg), "%s", err[0] ? err : "out of memory");
			x->failed = true;
			pthread_mutex_unlock(&x->mu);
			uv_async_send(&x->async);
		}
		rpz_zone_free(z);
		sleep_s(wait);
	}
	return NULL;
}

int policy_xfr_start(struct cp *cp)
{
	const struct bolt_config *cfg = cp->cfg;
	for (unsigned i = 0; i < cfg->nrpz && i < POLICY_ZONES_MAX; i++) {
		const struct bolt_cfg_rpz *r = &cfg->rpz[i];
		if (!r->has_primary)
			continue;
		struct pxfr *x = calloc(1, sizeof(*x));
		if (x == NULL)
			return -ENOMEM;
		x->cp = cp;
		int nl = bolt_name_to_text(r->name, x->cfg.name, sizeof(x->cfg.name));
		if (nl > 1 && x->cfg.name[nl - 1] == '.')
			x->cfg.name[nl - 1] = '\0';
		x->cfg.primary = r->primary;
		memcpy(x->origin, r->name, sizeof(x->origin));
		if (r->tsig_key[0] != '\0') {
			if (rpz_tsig_key_parse(r->tsig_key, &x->key) < 0) {
				cp_log(CP_LOG_ERR, "rpz: zone %s: bad tsig-key", x->cfg.name);
				free(x);
				return BOLT_ECONFIG;
			}
			x->have_key = true;
		}
		pthread_mutex_init(&x->mu, NULL);
		uv_async_init(cp->loop, &x->async, on_async);
		x->async.data = x;
		if (pthread_create(&x->th, NULL, run, x) != 0) {
			cp_log(CP_LOG_ERR, "rpz: zone %s: cannot start its transfer thread", x->cfg.name);
			return -EAGAIN;
		}
		pthread_detach(x->th);
	}
	return 0;
}
