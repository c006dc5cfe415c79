/*
 * Policy zones transferred from a primary ([rpz] primary, tsig-key): one
 * thread per zone keeps the zone's records (control/rpz/ixfr.h) and brings
 * them up to date, at start-up with AXFR, then with IXFR from the serial it
 * holds (control/rpz/xfr.c) at each SOA refresh and at once when the
 * primary sends a NOTIFY. A new version is built into a policy store and
 * handed to the loop (uv_async), which puts it in use (policy_replace: only
 * the cache entries whose policy changed are flushed).
 *
 * IXFR answers: up to date (a single SOA of our serial): nothing to do;
 * difference sequences: applied to a copy of the records; a whole zone
 * (AXFR-style), a single newer SOA, a refusal (REFUSED, NOTIMP, FORMERR)
 * or differences that do not fit the records we hold: AXFR instead (an
 * AXFR fallback). A failed transfer, a TSIG failure included, keeps the
 * version in use and is tried again after XFR_RETRY seconds.
 *
 * NOTIFY (policy_xfr_notify, loop thread): accepted only for a zone with a
 * primary, from that primary's address, signed with its key when it has
 * one; it wakes the zone's thread. NOTIFYs are rate limited, as NSD, Knot
 * and Unbound coalesce them: a NOTIFY while a check is already asked for
 * (running, or waiting) adds nothing; a check a NOTIFY asks for starts no
 * sooner than notify-min-interval after the end of the last one, whatever
 * the NOTIFYs say (a spoofed or buggy primary's flood with ever newer
 * serials makes at most one check per interval); and a NOTIFY whose SOA
 * serial is not newer than the one held wakes nothing. Those that add no
 * check are counted (rpz_notify_coalesced).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "boltdns/errcode.h"
#include "boltdns/wire_ctx.h"
#include "log.h"
#include "notify.h"
#include "policy.h"
#include "workers.h"
#include "rpz.h"
#include "xfr.h"

/* Bounds of the refresh interval (the SOA's REFRESH within them). */
#define XFR_REFRESH_MIN 1
#define XFR_REFRESH_MAX 86400
#define XFR_RETRY 5
/* NOTAUTH (RFC 8945 5.2: a TSIG that does not verify). */
#define RCODE_NOTAUTH 9

struct pxfr {
	struct cp *cp;
	uv_async_t async;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct policy_zone_cfg cfg;
	struct rpz_tsig_key key;
	bool have_key;
	unsigned interval_ms;     /* notify-min-interval */
	unsigned relay;           /* its relay counter (relay_slot) */
	uint8_t origin[BOLT_NAME_MAX];
	/* Thread only: the records of the version in use. */
	struct rpz_rrset *cur;
	/* Under mu: */
	bool notified;            /* a NOTIFY asks for a check (not started yet) */
	bool have_serial;
	uint32_t serial;          /* of cur */
	struct rpz_zone *ready;   /* handed to the loop */
	struct rpz_zone *ready_changed; /* its triggers that changed (an IXFR's), or NULL */
	char msg[512];
	bool failed;
	uint64_t n_ixfr, n_fallback, n_fail;
};

_Static_assert(BOLT_WORKER_RPZ_ZONES >= BOLT_CFG_MAX_RPZ, "a relay counter per [rpz] zone");

/* The zones with a primary (set once at start-up, then only read). */
static struct pxfr *xfrs[POLICY_ZONES_MAX];
static unsigned nxfrs;

static void on_async(uv_async_t *a)
{
	struct pxfr *x = a->data;
	struct cp *cp = x->cp;
	pthread_mutex_lock(&x->mu);
	struct rpz_zone *z = x->ready, *changed = x->ready_changed;
	x->ready = x->ready_changed = NULL;
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", x->msg);
	x->msg[0] = '\0';
	bool failed = x->failed;
	x->failed = false;
	cp->ctr.rpz_ixfr += x->n_ixfr;
	cp->ctr.rpz_axfr_fallbacks += x->n_fallback;
	cp->ctr.rpz_xfr_failures += x->n_fail;
	x->n_ixfr = x->n_fallback = x->n_fail = 0;
	pthread_mutex_unlock(&x->mu);
	if (failed) {
		cp->ctr.rpz_load_errors++;
		cp_log(CP_LOG_ERR, "rpz: zone %s: transfer failed: %s (the version in use stays)",
		       x->cfg.name, msg);
	} else if (msg[0] != '\0') {
		cp_log(CP_LOG_NOTICE, "rpz: zone %s: %s", x->cfg.name, msg);
	}
	if (z != NULL) {
		struct rpz_zone_stats st;
		rpz_zone_get_stats(z, &st);
		cp_log(CP_LOG_NOTICE, "rpz: zone %s transferred: serial %u, %llu rules, %llu records "
		       "skipped", x->cfg.name, st.serial, (unsigned long long)st.rules,
		       (unsigned long long)st.skipped);
		cp->ctr.rpz_skipped += st.skipped;
		policy_replace(cp, x->cfg.name, z, changed);
	}
}

/* Tell the loop something (a message, counters): the caller holds mu. */
static void note(struct pxfr *x, bool failed, const char *fmt, const char *what)
{
	snprintf(x->msg, sizeof(x->msg), fmt, what);
	x->failed = failed;
	if (failed)
		x->n_fail++;
}

/* An AXFR of the zone: the new records into *out. */
static int axfr(struct pxfr *x, struct rpz_rrset **out, char *err, size_t errlen)
{
	struct rpz_ixfr ix;
	rpz_ixfr_init(&ix, true, 0);
	int rc = rpz_xfr_transfer(x->origin, &x->cfg.primary, x->have_key ? &x->key : NULL, NULL, 0,
	                          &ix, err, errlen);
	if (rc == 0) {
		const char *why = "";
		if ((rc = rpz_ixfr_apply(&ix, NULL, out, &why)) < 0)
			snprintf(err, errlen, "%s", why);
	}
	rpz_ixfr_free(&ix);
	return rc;
}

/*
 * Bring the zone up to date once. Returns 0 (*out: the new records, or NULL
 * when nothing changed) or a negative code with err set. *ixfr, *fallback:
 * what was done.
 */
static int update(struct pxfr *x, struct rpz_rrset **out, struct rpz_zone **changed, bool *ixfr,
                  bool *fallback, char *err, size_t errlen)
{
	*out = NULL;
	*changed = NULL;
	*ixfr = *fallback = false;
	uint16_t soa_len = 0;
	uint32_t serial = 0;
	const uint8_t *soa = x->cur != NULL ? rpz_rrset_soa(x->cur, &soa_len, &serial) : NULL;
	if (soa == NULL)
		return axfr(x, out, err, errlen);
	struct rpz_ixfr ix;
	rpz_ixfr_init(&ix, false, serial);
	int rc = rpz_xfr_transfer(x->origin, &x->cfg.primary, x->have_key ? &x->key : NULL, soa,
	                          soa_len, &ix, err, errlen);
	if (rc == 0 && ix.kind == RPZ_IXFR_UPTODATE) {
		rpz_ixfr_free(&ix);
		return 0;
	}
	if (rc == 0 && ix.kind != RPZ_IXFR_NEED_AXFR) {
		const char *why = "";
		rc = rpz_ixfr_apply(&ix, x->cur, out, &why);
		if (rc == 0) {
			*ixfr = ix.kind == RPZ_IXFR_INCREMENTAL;
			*fallback = !*ixfr;
			/* The triggers it touched: the loop then need not
			 * compare the versions (a pass over the zone). */
			if (*ixfr)
				*changed = rpz_ixfr_changed(&ix, x->origin);
		} else if (rc == BOLT_ENOENT) {
			snprintf(err, errlen, "%s", why);
		} else {
			snprintf(err, errlen, "%s", why);
			rpz_ixfr_free(&ix);
			return rc;
		}
	}
	rpz_ixfr_free(&ix);
	if (rc == 0 && *out != NULL)
		return 0;
	/* Refused, a newer SOA alone, differences that do not fit what we
	 * hold, or more of them than we take (BOLT_ELIMIT: the same IXFR
	 * would come at every retry): the whole zone. Other failures (TSIG, a
	 * cut stream) are not retried here: AXFR from the same primary would
	 * fail alike. */
	if (rc < 0 && rc != BOLT_ENOTIMP && rc != BOLT_ENOENT && rc != BOLT_ELIMIT)
		return rc;
	*fallback = true;
	return axfr(x, out, err, errlen);
}

/* The REFRESH of the records' SOA (0 when there is none). */
static uint32_t soa_refresh(const struct rpz_rrset *s)
{
	uint16_t len = 0;
	uint32_t serial;
	const uint8_t *rd = rpz_rrset_soa(s, &len, &serial);
	size_t p = 0;
	for (int n = 0; rd != NULL && n < 2; n++) {
		int l = bolt_name_len(rd + p, len - p);
		if (l <= 0)
			return 0;
		p += (size_t)l;
	}
	return rd != NULL && p + 8 <= len ? bolt_wire_get_u32(rd + p + 4) : 0;
}

static void *run(void *arg)
{
	struct pxfr *x = arg;
	for (;;) {
		char err[256] = "";
		unsigned wait = XFR_RETRY;
		struct rpz_rrset *s = NULL;
		struct rpz_zone *changed = NULL;
		bool ixfr = false, fallback = false;
		int rc = update(x, &s, &changed, &ixfr, &fallback, err, sizeof(err));
		struct rpz_zone *z = NULL;
		if (rc == 0 && s != NULL && (z = rpz_rrset_build(s, x->origin, NULL, NULL)) == NULL) {
			rc = -ENOMEM;
			snprintf(err, sizeof(err), "out of memory");
		}
		if (rc == 0 && s != NULL) {
			rpz_rrset_free(x->cur);
			x->cur = s;
			s = NULL;
		}
		uint16_t sl;
		uint32_t serial = 0;
		bool have = x->cur != NULL && rpz_rrset_soa(x->cur, &sl, &serial) != NULL;
		if (rc == 0 && have) {
			uint32_t refresh = soa_refresh(x->cur);
			if (refresh > 0)
				wait = refresh < XFR_REFRESH_MIN ? XFR_REFRESH_MIN
				       : refresh > XFR_REFRESH_MAX ? XFR_REFRESH_MAX : refresh;
		}
		rpz_rrset_free(s);

		pthread_mutex_lock(&x->mu);
		x->have_serial = have;
		x->serial = serial;
		if (rc < 0) {
			note(x, true, "%s", err[0] ? err : "out of memory");
		} else if (z != NULL) {
			/* A version the loop has not taken yet is replaced: the
			 * changes since the one in use are then not only this
			 * IXFR's, so the loop compares. */
			bool pending = x->ready != NULL;
			rpz_zone_free(x->ready);
			rpz_zone_free(x->ready_changed);
			x->ready = z;
			x->ready_changed = pending ? NULL : changed;
			if (pending)
				rpz_zone_free(changed);
			changed = NULL;
			x->n_ixfr += ixfr;
			x->n_fallback += fallback;
			if (fallback && err[0] != '\0')
				note(x, false, "IXFR not usable (%s): transferred whole (AXFR)", err);
		}
		pthread_mutex_unlock(&x->mu);
		rpz_zone_free(changed);
		uv_async_send(&x->async);

		/* Sleep until the refresh or a NOTIFY; a NOTIFY's check waits
		 * for notify-min-interval after this one's end (NOTIFYs in
		 * between are that one check). */
		struct timespec until, earliest;
		clock_gettime(CLOCK_MONOTONIC, &until);
		earliest = until;
		until.tv_sec += wait;
		earliest.tv_sec += x->interval_ms / 1000;
		earliest.tv_nsec += (long)(x->interval_ms % 1000) * 1000000L;
		if (earliest.tv_nsec >= 1000000000L) {
			earliest.tv_sec++;
			earliest.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&x->mu);
		while (!x->notified && pthread_cond_timedwait(&x->cv, &x->mu, &until) != ETIMEDOUT)
			;
		if (x->notified)
			while (pthread_cond_timedwait(&x->cv, &x->mu, &earliest) != ETIMEDOUT)
				;
		x->notified = false;
		pthread_mutex_unlock(&x->mu);
	}
	return NULL;
}

/*
 * A zone's relay counter (bolt_worker_info rpz_notify) by its name, not by
 * its place among the [rpz] sections: workers started from different
 * versions of the file (sections reordered or added, then one worker
 * restarted) name the same zone alike. Two zones on one counter make each
 * other's NOTIFY a check of both (rate limited), never a lost one. FNV-1a
 * of the lower-case wire name: the same in every process.
 */
static unsigned relay_slot(const uint8_t *origin)
{
	uint32_t h = 2166136261u;
	int n = bolt_name_len(origin, BOLT_NAME_MAX);
	for (int i = 0; i < n; i++) {
		h ^= origin[i];
		h *= 16777619u;
	}
	return h % BOLT_WORKER_RPZ_ZONES;
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
		x->interval_ms = r->notify_interval_ms;
		memcpy(x->origin, r->name, sizeof(x->origin));
		bolt_name_lower(x->origin, (size_t)bolt_name_len(x->origin, BOLT_NAME_MAX));
		x->relay = relay_slot(x->origin);
		if (r->tsig_key[0] != '\0') {
			if (rpz_tsig_key_parse(r->tsig_key, &x->key) < 0) {
				cp_log(CP_LOG_ERR, "rpz: zone %s: bad tsig-key", x->cfg.name);
				free(x);
				return BOLT_ECONFIG;
			}
			x->have_key = true;
		}
		pthread_mutex_init(&x->mu, NULL);
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&x->cv, &ca);
		pthread_condattr_destroy(&ca);
		uv_async_init(cp->loop, &x->async, on_async);
		x->async.data = x;
		if (pthread_create(&x->th, NULL, run, x) != 0) {
			cp_log(CP_LOG_ERR, "rpz: zone %s: cannot start its transfer thread", x->cfg.name);
			return -EAGAIN;
		}
		pthread_detach(x->th);
		xfrs[nxfrs++] = x;
	}
	return 0;
}

/*
 * Ask x's thread for a check (a NOTIFY accepted, with its serial when
 * has_serial), unless one is asked for already or the serial is not newer
 * than the one held (counted in rpz_notify_coalesced). Returns what was
 * done, for the log line ("": a check asked for).
 */
static const char *policy_xfr_wake(struct cp *cp, struct pxfr *x, bool has_serial,
                                   uint32_t serial)
{
	const char *what = "";
	pthread_mutex_lock(&x->mu);
	if (has_serial && x->have_serial && !rpz_serial_newer(serial, x->serial)) {
		what = ": the serial is not newer than the one held";
	} else if (x->notified) {
		what = ": a check is asked for already";
	} else {
		x->notified = true;
		pthread_cond_signal(&x->cv);
	}
	pthread_mutex_unlock(&x->mu);
	if (what[0] != '\0')
		cp->ctr.rpz_notify_coalesced++;
	return what;
}

/* The other workers check the zones of relay counter zi too (their own
 * transfer threads). */
static void relay_notify(struct cp *cp, unsigned zi)
{
	struct bolt_region *r = cp->region;
	if (r == NULL || r->hdr->cp_workers < 2 || zi >= BOLT_WORKER_RPZ_ZONES)
		return;
	struct bolt_worker_info *wi = bolt_region_worker_info(r, cp->worker);
	atomic_fetch_add_explicit(&wi->rpz_notify[zi], 1, memory_order_release);
	workers_post_control(cp);
}

/* The other workers' relayed NOTIFYs as last seen (loop thread). */
static struct {
	const struct bolt_region_hdr *hdr; /* the region they were read from */
	uint32_t seen[BOLT_MAX_WORKERS][BOLT_WORKER_RPZ_ZONES];
} relayed;

void policy_xfr_follow(struct cp *cp)
{
	struct bolt_region *r = cp->region;
	if (r == NULL || nxfrs == 0)
		return;
	bool first = relayed.hdr != r->hdr;
	relayed.hdr = r->hdr;
	for (unsigned v = 0; v < r->hdr->cp_workers && v < BOLT_MAX_WORKERS; v++) {
		if (v == cp->worker)
			continue;
		struct bolt_worker_info *wi = bolt_region_worker_info(r, v);
		for (unsigned c = 0; c < BOLT_WORKER_RPZ_ZONES; c++) {
			uint32_t n = atomic_load_explicit(&wi->rpz_notify[c], memory_order_acquire);
			if (n == relayed.seen[v][c])
				continue;
			relayed.seen[v][c] = n;
			if (first)
				continue; /* NOTIFYs from before this process: the start-up
				             transfer is newer than they are */
			for (unsigned i = 0; i < nxfrs; i++) {
				if (xfrs[i]->relay != c)
					continue;
				cp->ctr.rpz_notify_relayed++;
				const char *what = policy_xfr_wake(cp, xfrs[i], false, 0);
				cp_log(CP_LOG_INFO, "rpz: NOTIFY for %s taken by worker %u%s",
				       xfrs[i]->cfg.name, v, what);
			}
		}
	}
}

static bool from_primary(const struct pxfr *x, int family, const uint8_t *addr)
{
	/* The primary as a host prefix: bolt_prefix_match also takes an IPv4
	 * primary seen as ::ffff:a.b.c.d by a dual-stack TCP listener ([::]). */
	const struct bolt_sockaddr *p = &x->cfg.primary;
	struct bolt_prefix host = { .family = p->family, .len = p->family == AF_INET ? 32 : 128 };
	memcpy(host.addr, p->addr, sizeof(host.addr));
	return bolt_prefix_match(&host, (uint8_t)family, addr);
}

int policy_xfr_notify(struct cp *cp, const uint8_t *msg, size_t len, int family,
                      const uint8_t *addr, bool relay, uint8_t *out, size_t cap)
{
	struct rpz_notify n;
	uint8_t buf[RPZ_NOTIFY_MAX];
	int rc = rpz_notify_parse(msg, len, &n);
	if (rc < 0) {
		cp->ctr.rpz_notify_refused++;
		/* Not even a header: nothing to answer. */
		return len < BOLT_HDR_LEN ? 0
		       : rpz_notify_answer(&n, BOLT_RCODE_FORMERR, NULL, NULL, out, cap);
	}
	char zname[1024];
	if (bolt_name_to_text(n.zone, zname, sizeof(zname)) < 0)
		snprintf(zname, sizeof(zname), "?");
	struct pxfr *x = NULL;
	for (unsigned i = 0; i < nxfrs; i++)
		if (bolt_name_equal(xfrs[i]->origin, n.zone))
			x = xfrs[i];
	const char *why = NULL;
	uint16_t rcode = BOLT_RCODE_REFUSED;
	uint8_t mac[RPZ_TSIG_MAC_LEN];
	bool sign = false;
	if (x == NULL) {
		why = "not a policy zone with a primary";
	} else if (!from_primary(x, family, addr)) {
		why = "not from the zone's primary";
	} else if (x->have_key) {
		/* A copy: the verifier lowers ARCOUNT in place. */
		memcpy(buf, msg, len);
		size_t ol;
		const char *tw = "";
		rc = rpz_tsig_verify_request(&x->key, buf, len, (uint64_t)time(NULL), &ol, mac, &tw);
		if (rc < 0) {
			why = tw;
			/* Unsigned: not allowed (REFUSED); signed badly: NOTAUTH. */
			rcode = rc == BOLT_ENOENT ? BOLT_RCODE_REFUSED : RCODE_NOTAUTH;
		} else {
			sign = true;
		}
	} else if (n.is_signed) {
		why = "signed (TSIG), and the zone has no key";
		rcode = RCODE_NOTAUTH;
	}
	if (why != NULL) {
		cp->ctr.rpz_notify_refused++;
		cp_log(CP_LOG_INFO, "rpz: NOTIFY for %s refused: %s", zname, why);
		return rpz_notify_answer(&n, rcode, NULL, NULL, out, cap);
	}
	cp->ctr.rpz_notify_accepted++;
	const char *what = policy_xfr_wake(cp, x, n.has_serial, n.serial);
	if (relay)
		relay_notify(cp, x->relay);
	cp_log(CP_LOG_INFO, "rpz: NOTIFY for %s%s", zname, what);
	return rpz_notify_answer(&n, BOLT_RCODE_NOERROR, sign ? &x->key : NULL, sign ? mac : NULL,
	                         out, cap);
}
