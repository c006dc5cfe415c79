/*
 * dnstap hooks of boltdns-cp: what the control plane answers and asks, as
 * dnstap messages (control/dnstap/dnstap.h does the encoding and writing).
 * Each hook is one call at its place and does nothing when dnstap is off or
 * the message type is not wanted.
 *
 * Loop thread only.
 */
#ifndef BOLTDNS_CONTROL_TAP_H
#define BOLTDNS_CONTROL_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "boltdns/config.h"

struct cp;
struct pkey;
struct waiter;
struct bolt_ctl_sink;

/* Open dnstap as cfg's [dnstap] says into cp->tap (NULL: off). 0, or a
 * negative error after logging it. */
int tap_start(struct cp *cp, const struct bolt_config *cfg);

/* Flush and close (at exit). */
void tap_stop(struct cp *cp);

/*
 * CLIENT_QUERY for w (a client of the answer rings or of TCP/53), and note
 * the time in w for its CLIENT_RESPONSE. msg: the query as received, or NULL
 * to rebuild it from w (a ring miss: header, question and OPT; EDNS options
 * are not carried on the ring).
 */
void tap_client_query(struct cp *cp, struct waiter *w, const uint8_t *msg, size_t len);

/* CLIENT_RESPONSE: msg[0..len) delivered to w's client (msg NULL: none). */
void tap_client_response(struct cp *cp, const struct waiter *w, const uint8_t *msg, size_t len);

/*
 * A dataplane hit sampled by the dataplane ([dnstap] sample): w is its
 * client and query as a ring miss carries them, key its cache key. Logs
 * CLIENT_QUERY and, when the entry is still in the cache, CLIENT_RESPONSE
 * with the response rebuilt from it by the code that answers misses (the
 * same bytes the dataplane sent, but for TTLs aged since). Answers nobody.
 */
void tap_dp_hit(struct cp *cp, struct waiter *w, const struct pkey *key);

/* The dnstap counters into a control-socket sink (boltctl stats, /metrics). */
void tap_report(const struct cp *cp, struct bolt_ctl_sink *k);

/* The dnstap counters as "name value" lines of the stats file. */
void tap_write_stats(const struct cp *cp, FILE *f);

#endif
