/*
 * Helpers of the control plane's unit tests (cp_helpers.c): server
 * addresses from text and an offline control plane for res_inject.
 */
#ifndef BOLTDNS_TEST_CP_HELPERS_H
#define BOLTDNS_TEST_CP_HELPERS_H

#include "boltdns/config.h"
#include "cp.h"
#include "iter/infra.h"

/* The IPv4 (IPv6) address text as a server address, port 53. */
struct infra_addr cp_v4(const char *text);
struct infra_addr cp_v6(const char *text);

/* cfg with the defaults and cp an offline control plane on it (default
 * loop, upstream port 53) whose only root server is a.root.test. at
 * 127.0.0.1, so that with do-not-query-localhost nothing is sent and a
 * failure shows the reason of the injected answer; with an infra table of
 * 256 entries, which cp_offline_fini frees. */
void cp_offline_init(struct cp *cp, struct bolt_config *cfg);
void cp_offline_fini(struct cp *cp);

#endif
