/*
 * The control plane's infrastructure cache: what the iterator learns about
 * the DNS tree and its servers, in the process's own memory.
 *
 * One bounded table (LRU eviction) holds these kinds of entries:
 *   INFRA_NS    zone cut name       -> NS names (delegation), TTL-bound
 *   INFRA_ADDR  host name           -> addresses of one source (below); an
 *                                      empty list caches a failed lookup
 *   INFRA_SRV   server address      -> smoothed RTT, timeouts, EDNS support
 *   INFRA_ZONE_DOWN zone cut name   -> every server down: fail fast, probe
 *                                      (zonedown.h)
 * Names are keys in lower-case uncompressed wire form.
 *
 * Addresses are kept apart by where they came from (RFC 2181 section 5.4.1
 * ranking): glue from a parent's referral never overwrites what the host's
 * own zone answered, and a failed look-up of the host never hides the glue.
 * The iterator uses the union of both.
 *
 * There is no zone-wide lameness any more: a bad answer only excludes the
 * server for the question that got it (see select.h).
 *
 * Single-threaded (the libuv loop thread); no locking.
 */
#ifndef BOLTDNS_CONTROL_INFRA_H
#define BOLTDNS_CONTROL_INFRA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/wire.h"

enum infra_kind {
	INFRA_NS = 1,
	INFRA_ADDR = 2,
	INFRA_SRV = 3,
	INFRA_ZONE_DOWN = 4,  /* zone cut name -> down state (zonedown.h) */
};

/* Where a host's addresses came from (a key of their own each). */
enum infra_addr_src {
	INFRA_SRC_GLUE = 0,    /* A/AAAA in a referral's additional section */
	INFRA_SRC_A = 1,       /* an answer to our own A look-up of the host */
	INFRA_SRC_AAAA = 2,    /* an answer to our own AAAA look-up of the host */
};

/* One server address (port in host order, 53 unless configured otherwise). */
struct infra_addr {
	uint8_t family;      /* AF_INET or AF_INET6 */
	uint8_t pad;
	uint16_t port;
	uint8_t addr[16];    /* network order; IPv4 in the first 4 bytes */
};

#define INFRA_NS_MAX 16
#define INFRA_ADDR_MAX 8

/* A delegation: the NS names of a zone cut. */
struct infra_nsset {
	unsigned n;
	uint8_t len[INFRA_NS_MAX];
	uint8_t name[INFRA_NS_MAX][BOLT_NAME_MAX];
};

/* What is known about one server. */
struct infra_srv {
	uint32_t srtt_ms;    /* smoothed round-trip time */
	uint32_t timeouts;   /* consecutive timeouts */
	uint32_t last_timeout; /* bolt_now() of the latest timeout */
	uint32_t no_edns_until; /* bolt_now() until which it is asked without EDNS
	                           (0: EDNS works or was never refused) */
};

/* A server with this many consecutive timeouts counts as down; it is
 * probed again INFRA_DOWN_SECS after the latest timeout, then after twice
 * as long for each further one, at most INFRA_DOWN_MAX_SECS (select.c). */
#define INFRA_DOWN_TIMEOUTS 3
#define INFRA_DOWN_SECS 2
#define INFRA_DOWN_MAX_SECS 120

/* Round-trip time assumed for a server never asked (Unbound uses 376 ms). */
#define INFRA_SRTT_INITIAL 300
#define INFRA_SRTT_MAX 120000

struct infra;

/* New table holding at most max_entries entries (>= 1). NULL on ENOMEM. */
struct infra *infra_new(size_t max_entries);

/* Free the table and every entry. NULL is fine. */
void infra_free(struct infra *t);

/* Entries held now (expired ones count until they are evicted or replaced). */
size_t infra_count(const struct infra *t);

/* Entries evicted to keep the bound. */
uint64_t infra_evictions(const struct infra *t);

/*
 * Raw access. key/klen: the key bytes (at most 300). infra_get returns the
 * value (valid until the next infra_put or infra_del) and its length in
 * *vlen, or NULL when absent or expired at now; a hit moves the entry to the
 * front of the LRU list. infra_put copies the value and replaces an existing
 * entry; returns 0 or -ENOMEM / BOLT_ESPACE.
 */
const void *infra_get(struct infra *t, uint8_t kind, const uint8_t *key, size_t klen,
                      uint32_t now, size_t *vlen);
int infra_put(struct infra *t, uint8_t kind, const uint8_t *key, size_t klen, const void *val,
              size_t vlen, uint32_t expires);
/* infra_get for a value changed in place (its length stays): a counter
 * bumped often costs no copy. */
void *infra_get_mut(struct infra *t, uint8_t kind, const uint8_t *key, size_t klen,
                    uint32_t now, size_t *vlen);
/* Remove an entry if present. */
void infra_del(struct infra *t, uint8_t kind, const uint8_t *key, size_t klen);

/* Delegations. zone: lower-case wire name. Returns 0 / BOLT_ENOENT. */
int infra_ns_put(struct infra *t, const uint8_t *zone, const struct infra_nsset *ns,
                 uint32_t now, uint32_t ttl);
int infra_ns_get(struct infra *t, const uint8_t *zone, uint32_t now, struct infra_nsset *ns);
/* Forget the delegations (INFRA_NS) and the zone-down state
 * (INFRA_ZONE_DOWN) of zone and of every name below it (a forward or stub
 * zone changed: what its servers, or the servers it replaces, taught goes).
 * Returns how many entries went. */
unsigned infra_zone_del_below(struct infra *t, const uint8_t *zone);

/* Addresses of a host from source src (enum infra_addr_src). n == 0
 * records a failed lookup. infra_addr_get returns the count (0 for a cached
 * failure) or BOLT_ENOENT. */
int infra_addr_put(struct infra *t, const uint8_t *host, uint8_t src, const struct infra_addr *a,
                   unsigned n, uint32_t now, uint32_t ttl);
int infra_addr_get(struct infra *t, const uint8_t *host, uint8_t src, uint32_t now,
                   struct infra_addr *a, unsigned max);

/* Server state; a server never seen gets the initial RTT and false. */
bool infra_srv_get(struct infra *t, const struct infra_addr *a, uint32_t now,
                   struct infra_srv *out);
/* An answer came after rtt_ms: smooth it in (the first one is the
 * estimate), clear the timeout streak. */
void infra_srv_rtt(struct infra *t, const struct infra_addr *a, uint32_t now, uint32_t rtt_ms);
/* A query timed out: back off (double the SRTT, bounded) and count it in
 * the streak; past INFRA_DOWN_TIMEOUTS, at most one a second counts (the
 * others were in flight with it). */
void infra_srv_timeout(struct infra *t, const struct infra_addr *a, uint32_t now);
/* The server does not speak EDNS: ask it without for secs seconds, then
 * probe with EDNS again. */
void infra_srv_no_edns(struct infra *t, const struct infra_addr *a, uint32_t now, uint32_t secs);

#endif
