/*
 * The configuration's keys: section, name, syntax, limits and the field of
 * struct bolt_config each one sets. One table, read by the loader and the
 * printer; the order here is the order bolt_config_print writes.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include "boltdns/config.h"
#include "boltdns/msg.h"
#include "boltdns/region.h"
#include "boltdns/ring.h"
#include "boltdns/wire.h"
#include "lib/config/internal.h"

#define FIELD(f) .off = offsetof(struct bolt_config, f), .size = sizeof(((struct bolt_config *)0)->f)
#define COUNT(f) .count_off = offsetof(struct bolt_config, f)

static const char *const io_choices[] = { "dpdk", "socket", NULL };
static const char *const action_choices[] = { "refuse", "drop", NULL };
static const char *const local_zones_choices[] = { "default", "none", NULL };

const struct key cfg_keys[] = {
	{ "dataplane", "io", K_ENUM, 0, 0, FIELD(io), .choices = io_choices },
	{ "dataplane", "eal", K_STR, F_EMPTY_OK, 0, FIELD(eal), .max = BOLT_CFG_STR - 1 },
	{ "dataplane", "address", K_ADDRS, F_REPEAT | F_EMPTY_OK, 53, FIELD(address), COUNT(naddress) },
	{ "dataplane", "listen", K_ADDRS, F_REPEAT | F_EMPTY_OK, 53, FIELD(listen), COUNT(nlisten) },
	/* each worker uses one lcore's pair of rings */
	{ "dataplane", "workers", K_UINT, 0, 0, FIELD(workers), .min = 1, .max = BOLT_MAX_LCORES },
	/* responses travel through answer slots of BOLT_ANSWER_PAYLOAD_MAX bytes */
	{ "dataplane", "udp-max", K_UINT, 0, 0, FIELD(udp_max), .min = 512, .max = BOLT_ANSWER_PAYLOAD_MAX },
	{ "dataplane", "cookies", K_BOOL, 0, 0, FIELD(dp_cookies) },
	/* slots of each worker's packet cache (8-way sets, 136 bytes a slot); 0 = off */
	{ "dataplane", "packet-cache-size", K_UINT, F_POW2 | F_ZERO_OFF, 0, FIELD(dp_pkc_slots),
	  .min = 16, .max = 1u << 20 },
	/* an idle lcore naps at most this long (us); 0 = pure busy polling */
	{ "dataplane", "idle-sleep", K_UINT, F_AUTO_WORD, 0, FIELD(idle_sleep_us), .min = 0, .max = 10000 },
	{ "dataplane", "exception", K_IFNAME, F_EMPTY_OK, 0, FIELD(exception) },
	{ "dataplane", "xdp-prog", K_STR, F_EMPTY_OK, 0, FIELD(xdp_prog), .max = BOLT_CFG_STR - 1 },

	{ "cache", "path", K_STR, 0, 0, FIELD(cache_path), .max = BOLT_CFG_STR - 1 },
	{ "cache", "size", K_SIZE, 0, 0, FIELD(cache_size), .min = BOLT_REGION_MIN_SIZE, .max = 1ull << 44 },
	/* the limits bolt_region_create enforces (lib/cache: MAX_SHARDS, MAX_RING_SLOTS) */
	{ "cache", "shards", K_UINT, F_POW2 | F_ZERO_AUTO, 0, FIELD(cache_shards), .min = 1, .max = 256 },
	{ "cache", "wipe", K_BOOL, 0, 0, FIELD(cache_wipe) },
	{ "cache", "ring-slots", K_UINT, F_POW2 | F_ZERO_AUTO, 0, FIELD(ring_slots), .min = 16,
	  .max = 1u << 20 },

	/* a unix socket path must fit sun_path with its NUL */
	{ "control", "socket", K_STR, 0, 0, FIELD(control_socket),
	  .max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1 },
	{ "control", "socket-mode", K_OCTAL, 0, 0, FIELD(socket_mode), .max = 0777 },
	{ "control", "socket-owner", K_USER, F_EMPTY_OK, 0, FIELD(socket_owner) },
	{ "control", "socket-group", K_USER, F_EMPTY_OK, 0, FIELD(socket_group) },
	{ "control", "tcp-listen", K_ADDRS, F_REPEAT | F_EMPTY_OK, 53, FIELD(tcp_listen), COUNT(ntcp_listen) },
	{ "control", "metrics", K_ADDR_OPT, F_EMPTY_OK, 9153, FIELD(metrics),
	  .aux_off = offsetof(struct bolt_config, metrics_enabled) },
	{ "control", "verbosity", K_UINT, 0, 0, FIELD(verbosity), .min = 0, .max = 4 },

	{ "resolver", "root-hints", K_STR, 0, 0, FIELD(root_hints), .max = BOLT_CFG_STR - 1 },
	{ "resolver", "qname-minimisation", K_BOOL, 0, 0, FIELD(qname_minimisation) },
	{ "resolver", "edns-size", K_UINT, 0, 0, FIELD(edns_size), .min = 512, .max = 4096 },
	{ "resolver", "timeout", K_MSEC, 0, 0, FIELD(timeout_ms), .min = 10, .max = 60000 },
	{ "resolver", "retries", K_UINT, 0, 0, FIELD(retries), .min = 0, .max = 10 },
	{ "resolver", "max-upstream-queries", K_UINT, 0, 0, FIELD(max_upstream), .min = 1, .max = 1000 },
	{ "resolver", "max-inflight-per-zone", K_UINT, 0, 0, FIELD(max_inflight_zone), .min = 0, .max = 100000 },
	{ "resolver", "max-inflight-per-server", K_UINT, 0, 0, FIELD(max_inflight_server), .min = 0, .max = 100000 },
	{ "resolver", "zone-nxdomain-rate", K_UINT, 0, 0, FIELD(zone_nxdomain_rate), .min = 0, .max = 10000000 },
	{ "resolver", "nxdomain-cut", K_BOOL, 0, 0, FIELD(nxdomain_cut) },
	{ "resolver", "max-cname", K_UINT, 0, 0, FIELD(max_cname), .min = 0, .max = 64 },
	{ "resolver", "max-ns-chase", K_UINT, 0, 0, FIELD(max_ns_chase), .min = 0, .max = 64 },
	{ "resolver", "max-depth", K_UINT, 0, 0, FIELD(max_depth), .min = 1, .max = 16 },
	{ "resolver", "servfail-ttl", K_SECS, 0, 0, FIELD(servfail_ttl), .min = 0, .max = 3600 },
	{ "resolver", "max-ttl", K_SECS, 0, 0, FIELD(max_ttl), .min = 1, .max = TTL_MAX },
	{ "resolver", "max-negative-ttl", K_SECS, 0, 0, FIELD(max_negative_ttl), .min = 0, .max = TTL_MAX },
	{ "resolver", "infra-cache", K_UINT, 0, 0, FIELD(infra_entries), .min = 64, .max = 1u << 24 },
	/* one miss ring set per lcore and worker, one bit each in the miss doorbell */
	{ "resolver", "workers", K_UINT, F_AUTO_WORD, 0, FIELD(resolver_workers), .min = 1, .max = BOLT_MAX_WORKERS },
	{ "resolver", "serve-stale", K_BOOL, 0, 0, FIELD(serve_stale) },
	{ "resolver", "stale-max-age", K_SECS, 0, 0, FIELD(stale_max_age), .min = 0, .max = TTL_MAX },
	{ "resolver", "prefetch", K_BOOL, 0, 0, FIELD(prefetch) },
	{ "resolver", "outgoing", K_ADDRS, F_REPEAT | F_NO_PORT, 0, FIELD(outgoing), COUNT(noutgoing) },
	/* RFC 8767 suggests 1.8 s; 0 turns the timer off (stale only after a failure) */
	{ "resolver", "stale-answer-timeout", K_MSEC, 0, 0, FIELD(stale_answer_timeout_ms), .min = 0,
	  .max = 60000 },
	{ "resolver", "do-not-query-localhost", K_BOOL, 0, 0, FIELD(do_not_query_localhost) },
	{ "resolver", "do-not-query-address", K_PREFIXES, F_REPEAT | F_EMPTY_OK, 0, FIELD(do_not_query),
	  COUNT(ndo_not_query) },
	{ "resolver", "local-zones", K_ENUM, 0, 0, FIELD(local_zones), .choices = local_zones_choices },
	/* above a day a record would outlive any operator's idea of a change */
	{ "resolver", "min-ttl", K_SECS, 0, 0, FIELD(min_ttl), .min = 0, .max = 86400 },

	{ "local", "hosts", K_STR, F_EMPTY_OK, 0, FIELD(hosts_file), .max = BOLT_CFG_STR - 1 },
	{ "local", "data", K_DATA, F_REPEAT, 0, FIELD(local_data), COUNT(nlocal_data) },

	{ "acl", "allow", K_PREFIXES, F_REPEAT, 0, FIELD(allow), COUNT(nallow) },
	{ "acl", "action", K_ENUM, 0, 0, FIELD(acl_action), .choices = action_choices },

	{ "ratelimit", "rate", K_UINT, 0, 0, FIELD(rl_rate), .min = 0, .max = 10000000 },
	{ "ratelimit", "slip", K_UINT, 0, 0, FIELD(rl_slip), .min = 0, .max = 100 },
	{ "ratelimit", "ipv4-prefix", K_UINT, 0, 0, FIELD(rl_v4_prefix), .min = 1, .max = 32 },
	{ "ratelimit", "ipv6-prefix", K_UINT, 0, 0, FIELD(rl_v6_prefix), .min = 1, .max = 128 },

	{ "dnssec", "validation", K_BOOL, 0, 0, FIELD(validation) },
	{ "dnssec", "trust-anchor-file", K_STR, 0, 0, FIELD(trust_anchor_file), .max = BOLT_CFG_STR - 1 },
	{ "dnssec", "trust-anchor-state", K_STR, 0, 0, FIELD(trust_anchor_state),
	  .max = BOLT_CFG_STR - 8 /* room for the ".tmp" of the atomic write */ },
	{ "dnssec", "negative-trust-anchors", K_NAMES, F_REPEAT | F_EMPTY_OK, 0, FIELD(nta), COUNT(nnta) },
	{ "dnssec", "permissive", K_BOOL, 0, 0, FIELD(permissive) },
	/* Unbound's val-sig-skew-max is a day too: more would accept replayed signatures */
	{ "dnssec", "val-clock-skew", K_SECS, 0, 0, FIELD(val_clock_skew), .min = 0, .max = 86400 },
	/* the NSEC3 iterations field is 16 bits */
	{ "dnssec", "max-nsec3-iterations", K_UINT, 0, 0, FIELD(max_nsec3_iterations), .min = 0,
	  .max = 65535 },
	{ "dnssec", "bogus-ttl", K_SECS, 0, 0, FIELD(bogus_ttl), .min = 0, .max = 86400 },
	{ "dnssec", "aggressive-nsec", K_BOOL, 0, 0, FIELD(aggressive_nsec) },
	/* RFC 5011 wants 30 days; shorter only makes sense in a test */
	{ "dnssec", "trust-anchor-hold-down", K_SECS, 0, 0, FIELD(ta_hold_down), .min = 1,
	  .max = 365 * 86400 },

	{ "tls", "certificate", K_STR, F_EMPTY_OK, 0, FIELD(tls_certificate), .max = BOLT_CFG_STR - 1 },
	{ "tls", "key", K_STR, F_EMPTY_OK, 0, FIELD(tls_key), .max = BOLT_CFG_STR - 1 },
	{ "tls", "dot-listen", K_ADDRS, F_REPEAT | F_EMPTY_OK, 853, FIELD(dot_listen), COUNT(ndot_listen) },
	{ "tls", "doh-listen", K_ADDRS, F_REPEAT | F_EMPTY_OK, 443, FIELD(doh_listen), COUNT(ndoh_listen) },
	{ "tls", "doh-path", K_STR, 0, 0, FIELD(doh_path), .max = 255 },
	{ "tls", "resolver", K_ADDR_OPT, F_EMPTY_OK, 53, FIELD(tls_resolver),
	  .aux_off = offsetof(struct bolt_config, tls_resolver_set) },
	/* RFC 7766 6.2.3 suggests seconds, not minutes, for an idle connection */
	{ "tls", "idle-timeout", K_MSEC, 0, 0, FIELD(tls_idle_ms), .min = 100, .max = 3600000 },
	{ "tls", "max-connections", K_UINT, 0, 0, FIELD(tls_max_conns), .min = 1, .max = 1000000 },
	{ "tls", "max-connections-per-client", K_UINT, 0, 0, FIELD(tls_max_client_conns), .min = 1,
	  .max = 100000 },
	{ "tls", "ddr-name", K_STR, F_EMPTY_OK, 0, FIELD(ddr_name), .max = 253 },
	{ "tls", "stats-file", K_STR, F_EMPTY_OK, 0, FIELD(tls_stats), .max = BOLT_CFG_STR - 1 },

	/* a unix socket path must fit sun_path with its NUL */
	{ "dnstap", "socket", K_STR, F_EMPTY_OK, 0, FIELD(dnstap_socket),
	  .max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1 },
	{ "dnstap", "file", K_STR, F_EMPTY_OK, 0, FIELD(dnstap_file), .max = BOLT_CFG_STR - 1 },
	{ "dnstap", "client-query", K_BOOL, 0, 0, FIELD(dnstap_client_query) },
	{ "dnstap", "client-response", K_BOOL, 0, 0, FIELD(dnstap_client_response) },
	{ "dnstap", "resolver-query", K_BOOL, 0, 0, FIELD(dnstap_resolver_query) },
	{ "dnstap", "resolver-response", K_BOOL, 0, 0, FIELD(dnstap_resolver_response) },
	{ "dnstap", "sample", K_UINT, F_ONE_IN, 0, FIELD(dnstap_sample), .min = 0, .max = 1000000000 },
	/* the schema's identity and version are bytes; an NSID is at most this long too */
	{ "dnstap", "identity", K_STR, F_EMPTY_OK, 0, FIELD(dnstap_identity), .max = 255 },
	{ "dnstap", "version", K_STR, F_EMPTY_OK, 0, FIELD(dnstap_version), .max = 255 },
	/* the writer thread's queue; a frame is a few hundred bytes */
	{ "dnstap", "queue-size", K_UINT, 0, 0, FIELD(dnstap_queue), .min = 16, .max = 1u << 20 },
};

const size_t cfg_nkeys = BOLT_ARRAY_SIZE(cfg_keys);
_Static_assert(BOLT_ARRAY_SIZE(cfg_keys) <= CFG_KEYS_MAX, "raise CFG_KEYS_MAX");

const char *const cfg_sections[] = {
	"dataplane", "cache", "control", "resolver", "local", "acl", "ratelimit", "dnssec", "tls",
	"dnstap",
};
const size_t cfg_nsections = BOLT_ARRAY_SIZE(cfg_sections);
