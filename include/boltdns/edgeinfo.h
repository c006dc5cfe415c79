/*
 * The client behind a query that boltdns-edge hands to boltdns-cp: the edge
 * sends its misses over TCP/53 (edge/upstream.c), so without this the
 * control plane sees every DoT and DoH client as one TCP client on
 * loopback. The edge adds an EDNS option of the local/experimental range
 * (RFC 6891 9) to the query it forwards, saying the transport and both
 * ends of the client's connection; boltdns-cp takes it out again before it
 * parses the query (it answers and logs the query as the client sent it),
 * and believes it only from a loopback peer (control/tcpsrv.c), the edge
 * always running on the host of the region it maps.
 *
 * The option is the OPT record's last; when the query had no OPT the edge
 * adds one holding only the option, and boltdns-cp removes that OPT whole.
 * Option data: version (1), flags (bit 0: the OPT was added), transport,
 * family (4 or 6), client port, server port (network order), client
 * address, server address (4 or 16 bytes each).
 *
 * Pure functions over a message buffer; any thread.
 */
#ifndef BOLTDNS_EDGEINFO_H
#define BOLTDNS_EDGEINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/common.h"
#include "boltdns/msg.h"

/* The option code (local/experimental use: 65001-65534). */
#define BOLT_OPT_EDGE_CLIENT 65431

/* Transports of an edge client. */
enum bolt_edge_transport {
	BOLT_EDGE_NONE = 0,
	BOLT_EDGE_DOT = 1,
	BOLT_EDGE_DOH = 2,
};

struct bolt_edge_client {
	uint8_t transport;           /* enum bolt_edge_transport */
	struct bolt_client peer;     /* family, client_/server_addr, client_/server_port
	                                (network order); the other fields are unused */
};

/*
 * Add ec to query msg[0..len) (one question, nothing after an OPT): into
 * its OPT when that is the last record, else as a new OPT record after the
 * others. Returns the new length, or len (msg unchanged) when the message
 * does not walk, has an OPT that is not last, ec's family is not AF_INET or
 * AF_INET6, or the result would not fit cap or BOLT_MSG_MAX.
 */
BOLT_API size_t bolt_edge_client_add(uint8_t *msg, size_t len, size_t cap,
                                     const struct bolt_edge_client *ec);

/*
 * When the last option of msg[0..len)'s OPT (its last record) is a
 * well-formed BOLT_OPT_EDGE_CLIENT: fill *ec, take the option out (the whole
 * OPT when the edge added it) and return the new length. Otherwise return
 * len with msg unchanged and ec->transport BOLT_EDGE_NONE.
 */
BOLT_API size_t bolt_edge_client_take(uint8_t *msg, size_t len, struct bolt_edge_client *ec);

/* Whether the OPT record of msg[0..len) (its last record) holds a
 * BOLT_OPT_EDGE_CLIENT option anywhere: a client must never send one. */
BOLT_API bool bolt_edge_client_present(const uint8_t *msg, size_t len);

#endif
