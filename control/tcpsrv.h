/*
 * Client DNS over TCP (RFC 7766): length-prefixed messages, several queries
 * per connection answered as they complete (possibly out of order), an idle
 * timeout, a connection limit. Answers come from the shared cache (limit
 * 65535, never truncated) or from a resolution.
 */
#ifndef BOLTDNS_CONTROL_TCPSRV_H
#define BOLTDNS_CONTROL_TCPSRV_H

#include "cp.h"

/* Connections at most; beyond, new connections are closed at once. */
#define TCP_MAX_CONNS 512
/* A connection without traffic and with nothing pending is closed after this. */
#define TCP_IDLE_MS 10000
/* Queries of one connection in resolution at most (more get SERVFAIL). */
#define TCP_MAX_PENDING 64

struct tcp_conn;

/* Listen on every [control] tcp-listen address. 0 or the first error. */
int tcp_srv_start(struct cp *cp);

/* Close listeners and connections. */
void tcp_srv_stop(struct cp *cp);

/* Send one DNS message (length prefix added) on c unless it is closing;
 * held: the waiter held c (tcp_conn_hold) and releases it now. msg NULL:
 * release only. */
void tcp_conn_deliver(struct tcp_conn *c, const uint8_t *msg, size_t len, bool held);

/* A waiter now holds c (it must later be released with tcp_conn_deliver). */
void tcp_conn_hold(struct tcp_conn *c);

#endif
