/*
 * Root priming (RFC 8109): ask a root server from the hints for the root's
 * NS set, and keep the answer (NS names and their addresses) in the
 * infrastructure cache with its TTL. The hints only seed this: once primed,
 * resolutions start from the primed set, and when it expires the next
 * resolution that needs the root primes again (resolve.c calls prime_start).
 *
 * A priming answer is accepted only if it really is the root's NS set:
 * NOERROR, AA set, NS records owned by the root. A network that intercepts
 * port 53 gives something else (no AA, no NS, a wrong owner, NXDOMAIN):
 * that is logged as such and the next root server is tried.
 *
 * Loop thread only.
 */
#ifndef BOLTDNS_CONTROL_PRIME_H
#define BOLTDNS_CONTROL_PRIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../cp.h"
#include "infra.h"

/* After every root server failed, priming waits this long before retrying. */
#define PRIME_RETRY_SECS 10
/* Resolutions wait for priming at most this many failed tries; then they
 * go on from the hints (minus the servers whose priming answer was bad)
 * while priming goes on. */
#define PRIME_WAIT_TRIES 3
/* Each root server address is tried this many times at most (a lost
 * packet must not leave the resolver unprimed). */
#define PRIME_ROUNDS 2

/* A resolution waiting for priming (embedded in the waiter's own memory). */
struct prime_waiter {
	struct prime_waiter *next;
	void (*cb)(void *arg);
	void *arg;
};

/* A checked priming answer. */
struct prime_result {
	struct infra_nsset ns;                              /* lower-case NS names */
	uint32_t ns_ttl;                                    /* smallest TTL of the NS set */
	unsigned naddr[INFRA_NS_MAX];                       /* addresses per NS name */
	struct infra_addr addr[INFRA_NS_MAX][INFRA_ADDR_MAX];
	uint32_t addr_ttl[INFRA_NS_MAX];
};

/*
 * Is pkt[0..len) the root's NS set? Returns 0 and fills *res (addresses
 * get port), or a negative code with *why a short static reason ("no AA
 * flag", "no NS records", "NS records not owned by the root", "rcode
 * NXDOMAIN", "malformed", "not an answer to . NS", "no addresses for the
 * root's name servers"). Pure; any thread.
 */
int prime_check(const uint8_t *pkt, size_t len, uint16_t port, struct prime_result *res,
                const char **why);

/*
 * Start priming unless it is running or failed less than PRIME_RETRY_SECS
 * ago (or cp->offline). Root servers are tried one after the other (from
 * the hints, skipping forbidden addresses) until one gives a valid answer.
 */
void prime_start(struct cp *cp);

/* Is priming in flight? */
bool prime_running(void);

/*
 * Wait for the priming in flight: w->cb(w->arg) is called once it succeeds,
 * fails, or has failed PRIME_WAIT_TRIES times. w (with cb and arg set) must
 * stay valid until then. Returns 0, or BOLT_ENOENT when there is nothing to
 * wait for (cb is then never called).
 */
int prime_wait(struct prime_waiter *w);

/* Did a (a root hint's address) give a priming answer that is not the
 * root's NS set? Such a server is not asked anything else, unless every
 * hint did (then the hints are all there is). */
bool prime_rejected(const struct infra_addr *a);

/* Successful primings since start-up. */
unsigned prime_count(void);

/* Cancel priming in flight (shutdown, tests). */
void prime_stop(void);

#endif
