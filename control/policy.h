/*
 * Response policy (RPZ) applied by the control plane to what it serves:
 * the zones of the `[rpz]` sections, in order (first match wins), over the
 * policy store of control/rpz/.
 *
 * A QNAME policy is applied before resolving (policy_qname), a response-IP
 * policy to the resolved answer (policy_response). The policy answer is
 * inserted into the shared cache, tagged with the policy that made it
 * (bolt_cache_val.policy), so the dataplane answers the next query as any
 * hit; DROP and TCP-only are cache entries of their own kinds
 * (BOLT_CACHE_DROP: the dataplane sends nothing; BOLT_CACHE_TCP_ONLY: TC=1
 * over UDP, resolved for TCP/DoT/DoH clients). NXDOMAIN, NODATA and local
 * data answers carry the zone's EDE (15 Blocked, 16 Censored, 17 Filtered).
 * Loading a new version of the zones (a file read again, or a transfer from
 * a primary: policy_xfr.c) flushes the entries whose policy it changes
 * (one pass over the cache).
 *
 * Loop thread only.
 */
#ifndef BOLTDNS_CONTROL_POLICY_H
#define BOLTDNS_CONTROL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "cp.h"
#include "pending.h"

struct rpz_zone;
struct res_pol;

/* Zones at most. */
#define POLICY_ZONES_MAX 32

/* One policy zone as configured (an `[rpz]` section). */
struct policy_zone_cfg {
	char name[256];       /* the zone's name (text); "" : from the file's SOA */
	char file[4096];      /* zone file */
	uint8_t override;     /* enum rpz_action: RPZ_ACT_GIVEN or the action of every rule */
	uint16_t ede;         /* RPZ_EDE_* (RPZ_EDE_NONE: none) */
	bool log;             /* a log line per policy applied */
	bool has_primary;     /* transferred from primary (file is "") */
	struct bolt_sockaddr primary;
	char tsig_key[512];   /* NAME:hmac-sha256:BASE64, "" for none */
};

/*
 * Load the zones cfg[0..n) (n 0: none) and make them cp's policy. A zone
 * whose file cannot be read or that has no origin: with keep_old, the
 * version loaded before stays in use (reload); without, it is an error
 * (start-up: err gets "what: why" and nothing changes). Records skipped
 * are logged with FILE:LINE and counted. Entries of the cache whose policy
 * changed are deleted. Returns 0 or a negative code.
 */
int policy_configure(struct cp *cp, const struct policy_zone_cfg *cfg, unsigned n,
                     bool keep_old, char *err, size_t errlen);

/*
 * policy_configure with the [rpz] sections of cfg (start-up: keep_old
 * false; boltctl reload: true). Returns 0 or a negative code with err set.
 */
int policy_load_config(struct cp *cp, const struct bolt_config *cfg, bool keep_old, char *err,
                       size_t errlen);

/*
 * The region was attached (the cache may be warm from before this
 * process): delete what the current policy overrides and every entry an
 * earlier policy made, in one pass.
 */
void policy_attach(struct cp *cp);

/* Reload each zone whose file changed since it was loaded (mtime, size):
 * called every second. */
void policy_tick(struct cp *cp);

/* Free cp's policy (at exit). */
void policy_free(struct cp *cp);

/*
 * Before resolving key for w (NULL: a refresh with nobody waiting): when a
 * QNAME policy other than PASSTHRU applies, answer w from it (or send
 * nothing: DROP), insert its entry into the cache and return true. A
 * TCP-only policy returns false for a stream client (it is resolved, see
 * policy_response).
 */
bool policy_qname(struct cp *cp, const struct pkey *key, const struct waiter *w);

/*
 * After resolving p: msg[0..len) the answer of kind (TTL offsets in b,
 * lifetime ttl); ns the policy of a name server of a cut the resolution
 * used and what it matched (res_policy_hit, iter/respolicy.h), or NULL. When a policy applies
 * (the QNAME's, which may have changed while resolving; else an address of
 * the answer in the zones up to ns's; else ns), answer p's waiters from
 * the policy, insert its entry and return true: the caller inserts nothing
 * and answers nobody. False: no policy (or PASSTHRU).
 */
bool policy_response(struct cp *cp, struct pend *p, const uint8_t *msg, size_t len,
                     const struct bolt_build *b, uint32_t ttl, uint8_t kind,
                     const struct res_pol *ns);

/*
 * A new version of the zone named name (as configured) transferred from
 * its primary: it replaces the one in use (the cache entries whose policy
 * changed are deleted). changed (may be NULL): a zone of the triggers that
 * differ (every rule PASSTHRU, as rpz_zone_diff gives), known from an IXFR
 * without comparing the two versions on the loop; NULL: they are compared.
 * z and changed are taken (freed when no zone has that name).
 */
void policy_replace(struct cp *cp, const char *name, struct rpz_zone *z,
                    struct rpz_zone *changed);

/* Start the transfers of the zones with a primary (once, at start-up;
 * control/policy_xfr.c). Returns 0 or a negative code. */
int policy_xfr_start(struct cp *cp);

/*
 * A NOTIFY msg[0..len) from addr (family AF_INET: 4 bytes, AF_INET6: 16),
 * over any transport: accepted (the zone's transfer thread checks its
 * primary at once) when it names a zone with a primary, comes from that
 * primary's address and, when the zone has a key, is signed with it; else
 * REFUSED (NOTAUTH for a TSIG that does not verify). Counted either way.
 * Checks are rate limited per zone (notify-min-interval, policy_xfr.c).
 * relay: the other resolver workers did not get this NOTIFY (TCP): an
 * accepted one is published in the region and their control bits posted,
 * so that each checks the zone too (policy_xfr_follow). The answer goes to
 * out[0..cap): returns its length, or 0 for none.
 */
int policy_xfr_notify(struct cp *cp, const uint8_t *msg, size_t len, int family,
                      const uint8_t *addr, bool relay, uint8_t *out, size_t cap);

/*
 * NOTIFYs other workers accepted over TCP and relayed since the last call
 * (their bolt_worker_info rpz_notify): check those zones, rate limited like
 * NOTIFYs of our own (counted in rpz_notify_relayed). Loop thread; call it
 * when the control bit is posted (ringsvc.h).
 */
void policy_xfr_follow(struct cp *cp);

/* Rules loaded in every zone (a gauge for stats). */
uint64_t policy_rules(const struct cp *cp);

#endif
