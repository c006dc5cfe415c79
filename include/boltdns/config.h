/*
 * The INI configuration file read by both processes (parsed with libinih).
 * Every key is documented in deploy/boltdns.conf.example. Unknown sections
 * or keys and bad values stop start-up with "FILE:LINE: what is wrong".
 *
 * Implementation: lib/config/config.c.
 */
#ifndef BOLTDNS_CONFIG_H
#define BOLTDNS_CONFIG_H

#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "boltdns/common.h"
#include "boltdns/errcode.h"
#include "boltdns/hosts.h"

#define BOLT_CFG_MAX_ADDRS 16
#define BOLT_CFG_MAX_PREFIXES 64
#define BOLT_CFG_MAX_LOCAL 256
#define BOLT_CFG_STR 512
#define BOLT_CFG_MAX_NTA 64
#define BOLT_CFG_NAME_WIRE 255             /* = BOLT_NAME_MAX (wire.h) */
#define BOLT_CFG_MAX_ZONES 64
#define BOLT_CFG_MAX_RPZ 32                /* [rpz] sections */
/* [rpz] notify-min-interval when not set (ms). */
#define BOLT_RPZ_NOTIFY_INTERVAL_MS 1000

/* An address with an optional port (network order). */
struct bolt_sockaddr {
	uint8_t family;        /* AF_INET / AF_INET6 */
	uint16_t port;         /* host order; 0 when not given */
	uint8_t addr[16];      /* network order; IPv4 in the first 4 bytes */
};

struct bolt_prefix {
	uint8_t family;
	uint8_t len;           /* prefix length in bits */
	uint8_t addr[16];
};

enum bolt_io_mode { BOLT_IO_DPDK = 0, BOLT_IO_SOCKET = 1 };
enum bolt_acl_action { BOLT_ACL_REFUSE = 0, BOLT_ACL_DROP = 1 };
enum bolt_local_zones { BOLT_LOCAL_ZONES_DEFAULT = 0, BOLT_LOCAL_ZONES_NONE = 1 };

enum bolt_zone_type { BOLT_ZONE_FORWARD = 0, BOLT_ZONE_STUB = 1 };

/*
 * One [zone] section (repeatable; control/iter/zones.h uses them): the
 * questions at and below name go to the zone's own servers instead of the
 * delegation from the root.
 */
struct bolt_cfg_zone {
	uint8_t name[BOLT_CFG_NAME_WIRE];      /* name = the zone (lower-case wire form; required) */
	int type;                               /* type = forward | stub (default forward):
	                                           forward: the question with RD=1 to recursive
	                                           resolvers; stub: iterate from these
	                                           authoritative servers */
	struct bolt_sockaddr servers[BOLT_CFG_MAX_ADDRS]; /* servers = ADDR[@PORT], ... (port 53
	                                                     unless written; required) */
	unsigned nservers;
	bool forward_first;                     /* forward-first = yes: when every server fails,
	                                           resolve as if the zone were not configured
	                                           (default no) */
	bool tcp;                               /* tcp = yes: ask the servers over TCP only
	                                           (default no) */
};

/* [rpz] policy = ...: the zone's own actions, or one for every rule. */
enum bolt_rpz_policy {
	BOLT_RPZ_GIVEN = 0, BOLT_RPZ_NXDOMAIN = 1, BOLT_RPZ_NODATA = 2, BOLT_RPZ_PASSTHRU = 3,
	BOLT_RPZ_DROP = 4,
};
/* [rpz] ede = ...: the Extended DNS Error of policy answers (RFC 8914). */
enum bolt_rpz_ede {
	BOLT_RPZ_EDE_NONE = 0, BOLT_RPZ_EDE_BLOCKED = 1, BOLT_RPZ_EDE_CENSORED = 2,
	BOLT_RPZ_EDE_FILTERED = 3,
};

/*
 * One [rpz] section (repeatable; control/policy.h applies them): a
 * Response Policy Zone. Zones are matched in file order; the first that
 * has a rule for a question decides.
 */
struct bolt_cfg_rpz {
	uint8_t name[BOLT_CFG_NAME_WIRE];      /* name = the policy zone's apex (required) */
	char file[BOLT_CFG_STR];                /* file = its zone file (master-file form) */
	struct bolt_sockaddr primary;           /* primary = ADDR[@PORT]: transfer it from there
	                                           (AXFR at start and each SOA refresh; file or
	                                           primary, not both) */
	bool has_primary;
	char tsig_key[BOLT_CFG_STR];            /* tsig-key = NAME:ALGORITHM:BASE64 for transfers */
	unsigned notify_interval_ms;            /* notify-min-interval = the least time between
	                                           two checks a NOTIFY starts (default 1 s) */
	int policy;                             /* policy = given | nxdomain | nodata | passthru |
	                                           drop (default given) */
	bool log;                               /* log = yes: a log line per policy applied */
	int ede;                                /* ede = none | blocked | censored | filtered
	                                           (default none) */
};

/* idle-sleep = auto (or not set): the dataplane chooses per lcore. */
#define BOLT_IDLE_SLEEP_AUTO 0xffffffffu
/* [resolver] workers = auto. */
#define BOLT_WORKERS_AUTO 0xffffffffu

struct bolt_config {
	char path[BOLT_CFG_STR];               /* the file this came from */

	/* [dataplane] */
	int io;                                 /* io = dpdk | socket */
	char eal[BOLT_CFG_STR];                 /* eal = EAL arguments */
	/* address = service addresses (port 53 unless written) */
	struct bolt_sockaddr address[BOLT_CFG_MAX_ADDRS];
	unsigned naddress;
	struct bolt_sockaddr listen[BOLT_CFG_MAX_ADDRS];  /* listen = addr@port list (io = socket; port 53
	                                                     unless written; default: the addresses) */
	unsigned nlisten;
	unsigned workers;                       /* workers = socket io threads, 1..BOLT_MAX_LCORES
	                                           (default 1) */
	unsigned udp_max;                       /* udp-max = max UDP payload (default 1232) */
	bool dp_cookies;                        /* cookies = answer DNS Cookies, RFC 7873 (default yes) */
	unsigned dp_pkc_slots;                  /* packet-cache-size = slots of each worker's packet
	                                           cache, a power of two 16..2^20; 0 = off
	                                           (default 16384) */
	unsigned idle_sleep_us;                 /* idle-sleep = longest nap of an idle lcore, us; 0 = poll;
	                                           BOLT_IDLE_SLEEP_AUTO ("auto", the default): nap
	                                           on CPUs that are not isolated or under a quota */
	char exception[BOLT_CFG_STR];           /* exception = tap iface for non-DNS frames, "" = none */
	char xdp_prog[BOLT_CFG_STR];            /* xdp-prog = path of the XDP object (net_af_xdp) */

	/* [cache] */
	char cache_path[BOLT_CFG_STR];          /* path */
	uint64_t cache_size;                    /* size = bytes (K/M/G/T suffixes; default 1G,
	                                           at least BOLT_REGION_MIN_SIZE) */
	unsigned cache_shards;                  /* shards = power of two up to 256, 0 = auto */
	bool cache_wipe;                        /* wipe = yes: never reuse an existing region */
	unsigned ring_slots;                    /* ring-slots = power of two, 0 = auto (default 0:
	                                           4096, fewer when the rings would take over a
	                                           quarter of the region; see region.h) */

	/* [control] */
	char control_socket[BOLT_CFG_STR];      /* socket */
	unsigned socket_mode;                   /* socket-mode = octal (default 0660) */
	char socket_owner[64];                  /* socket-owner = user name or "" */
	char socket_group[64];                  /* socket-group = group name or "" */
	struct bolt_sockaddr tcp_listen[BOLT_CFG_MAX_ADDRS]; /* tcp-listen = addr@port list (port 53
	                                                        unless written) */
	unsigned ntcp_listen;
	struct bolt_sockaddr metrics;           /* metrics = addr@port ("" = off; port 9153
	                                           unless written) */
	bool metrics_enabled;
	int verbosity;                          /* verbosity = 0..4 (default 1) */

	/* [resolver] */
	char root_hints[BOLT_CFG_STR];          /* root-hints (default /usr/share/dns/root.hints) */
	bool qname_minimisation;                /* qname-minimisation = yes|no (default yes) */
	unsigned edns_size;                     /* edns-size (default 1232) */
	unsigned timeout_ms;                    /* timeout = upstream timeout ms (default 800) */
	unsigned retries;                       /* retries = per server (default 2) */
	unsigned max_upstream;                  /* max-upstream-queries per client query (default 64) */
	unsigned max_inflight_zone;             /* max-inflight-per-zone: resolutions at one zone cut (default 100, 0 = no limit) */
	unsigned max_inflight_server;           /* max-inflight-per-server: queries to one address (default 400, 0 = no limit) */
	unsigned zone_nxdomain_rate;            /* zone-nxdomain-rate: NXDOMAIN answers per second from one zone (default 1000, 0 = no limit) */
	bool nxdomain_cut;                      /* nxdomain-cut = yes|no: RFC 8020 (default yes) */
	unsigned max_cname;                     /* max-cname (default 12) */
	unsigned max_ns_chase;                  /* max-ns-chase = NS names without glue (default 6) */
	unsigned max_depth;                     /* max-depth = sub-resolution depth (default 4) */
	unsigned servfail_ttl;                  /* servfail-ttl (default 5) */
	unsigned max_ttl;                       /* max-ttl (default 86400) */
	unsigned max_negative_ttl;              /* max-negative-ttl (default 3600) */
	unsigned infra_entries;                 /* infra-cache = entries (default 65536) */
	unsigned resolver_workers;              /* workers = boltdns-cp worker processes on the
	                                           region, 1..BOLT_MAX_WORKERS (default 1);
	                                           BOLT_WORKERS_AUTO: one per CPU the dataplane
	                                           does not use (bolt_config_resolver_workers) */
	bool serve_stale;                       /* serve-stale = yes|no (default yes) */
	unsigned stale_max_age;                 /* stale-max-age seconds (default 86400) */
	bool prefetch;                          /* prefetch = yes|no (default yes) */
	struct bolt_sockaddr outgoing[BOLT_CFG_MAX_ADDRS]; /* outgoing = source addresses (port 0) */
	unsigned noutgoing;
	unsigned stale_answer_timeout_ms;       /* stale-answer-timeout = ms before a client waiting on
	                                           a resolution gets the stale entry (RFC 8767 client
	                                           response timer; default 1800, 0 = only on failure) */
	bool do_not_query_localhost;            /* do-not-query-localhost = yes|no (default yes:
	                                           never send to 127.0.0.0/8 or ::1) */
	/* do-not-query-address = prefix list never queried (default 0.0.0.0/8, ::/128,
	   224.0.0.0/4, 255.255.255.255/32, ff00::/8; "" = none) */
	struct bolt_prefix do_not_query[BOLT_CFG_MAX_PREFIXES];
	unsigned ndo_not_query;
	int local_zones;                        /* local-zones = default | none (RFC 6303, RFC 6761,
	                                           RFC 7686 zones answered locally; default default) */
	unsigned min_ttl;                       /* min-ttl = seconds, lower bound of cached positive
	                                           TTLs (default 0) */

	/* [local] */
	char hosts_file[BOLT_CFG_STR];          /* hosts = hosts-format file */
	char local_data[BOLT_CFG_MAX_LOCAL][BOLT_CFG_STR]; /* data = "NAME TTL [IN] TYPE RDATA" (repeatable) */
	unsigned nlocal_data;

	/* [acl] */
	struct bolt_prefix allow[BOLT_CFG_MAX_PREFIXES]; /* allow = prefix list (default all:
	                                                    0.0.0.0/0 and ::/0, so nallow >= 1) */
	unsigned nallow;
	int acl_action;                         /* action = refuse | drop */

	/* [ratelimit] */
	unsigned rl_rate;                       /* rate = responses/s per client prefix, 0 = off */
	unsigned rl_slip;                       /* slip = every Nth limited answer is TC=1 (0 = never) */
	unsigned rl_v4_prefix;                  /* ipv4-prefix (default 24) */
	unsigned rl_v6_prefix;                  /* ipv6-prefix (default 56) */

	/* [dnssec] */
	bool validation;                        /* validation = yes|no (default yes) */
	char trust_anchor_file[BOLT_CFG_STR];   /* trust-anchor-file: DS/DNSKEY zone-file lines or
	                                           RFC 7958 XML (default /usr/share/dns/root.key) */
	char trust_anchor_state[BOLT_CFG_STR];  /* trust-anchor-state: RFC 5011 state file (default
	                                           BOLT_STATE_DIR "/root.key") */
	/* negative-trust-anchors = NAME, ... (RFC 7646; uncompressed lower-case wire names,
	   repeatable, repeats dropped; default none) */
	uint8_t nta[BOLT_CFG_MAX_NTA][BOLT_CFG_NAME_WIRE];
	unsigned nnta;
	bool permissive;                        /* permissive = yes: validate and log, never
	                                           SERVFAIL (default no) */
	unsigned val_clock_skew;                /* val-clock-skew = seconds tolerated around RRSIG
	                                           inception/expiration (default 3600) */
	unsigned max_nsec3_iterations;          /* max-nsec3-iterations: more = insecure, RFC 9276
	                                           (default 50) */
	unsigned bogus_ttl;                     /* bogus-ttl = seconds a bogus answer is cached
	                                           (default 60) */
	bool aggressive_nsec;                   /* aggressive-nsec = yes|no: answer from validated
	                                           NSEC/NSEC3 ranges, RFC 8198 (default yes) */
	unsigned ta_hold_down;                  /* trust-anchor-hold-down = RFC 5011 add and remove
	                                           hold-down, seconds (default 30 days; for tests) */
	/* [tls] (boltdns-edge: DNS over TLS, RFC 7858, and over HTTPS, RFC 8484) */
	char tls_certificate[BOLT_CFG_STR];     /* certificate = PEM chain, server certificate first */
	char tls_key[BOLT_CFG_STR];             /* key = PEM private key of the certificate */
	unsigned tls_certificate_line;          /* lines they were set on (0: default), for the
	                                           edge's FILE:LINE errors about their contents */
	unsigned tls_key_line;
	struct bolt_sockaddr dot_listen[BOLT_CFG_MAX_ADDRS]; /* dot-listen = addr@port list (port 853
	                                                        unless written; default none) */
	unsigned ndot_listen;
	struct bolt_sockaddr doh_listen[BOLT_CFG_MAX_ADDRS]; /* doh-listen = addr@port list (port 443
	                                                        unless written; default none) */
	unsigned ndoh_listen;
	char doh_path[BOLT_CFG_STR];            /* doh-path = URI path of DoH (default /dns-query) */
	struct bolt_sockaddr tls_resolver;      /* resolver = boltdns-cp's TCP/53 the edge sends
	                                           misses to (default the first tcp-listen address,
	                                           else 127.0.0.1@53) */
	bool tls_resolver_set;
	unsigned tls_idle_ms;                   /* idle-timeout = ms a connection may sit idle
	                                           (default 10000) */
	unsigned tls_max_conns;                 /* max-connections = open connections, all clients
	                                           (default 4096) */
	unsigned tls_max_client_conns;          /* max-connections-per-client = per client address
	                                           (default 32) */
	char ddr_name[BOLT_CFG_STR];            /* ddr-name = the resolver's name in its certificate,
	                                           target of the DDR SVCB records ("" = no DDR) */
	char tls_stats[BOLT_CFG_STR];           /* stats-file = where boltdns-edge writes its counters
	                                           once a second, read by boltdns-cp for boltctl stats
	                                           (default /run/boltdns/edge.stats) */
	/* [dnstap] (boltdns-cp writes it; boltdns-dp reads sample) */
	char dnstap_socket[BOLT_CFG_STR];       /* socket = the collector's Frame Streams unix
	                                           socket ("" = none) */
	char dnstap_file[BOLT_CFG_STR];         /* file = a Frame Streams file to write instead
	                                           ("" = none); neither: no dnstap */
	bool dnstap_client_query;               /* client-query = yes: CLIENT_QUERY (default yes) */
	bool dnstap_client_response;            /* client-response = yes (default yes) */
	bool dnstap_resolver_query;             /* resolver-query = yes (default yes) */
	bool dnstap_resolver_response;          /* resolver-response = yes (default yes) */
	unsigned dnstap_sample;                 /* sample = N or 1/N: every Nth dataplane hit of
	                                           each lcore is logged (default 0: none) */
	char dnstap_identity[256];              /* identity = server identity ("" = the host name) */
	char dnstap_version[256];               /* version = server version ("" = "boltdns") */
	unsigned dnstap_queue;                  /* queue-size = frames waiting for the writer
	                                           thread at most; past it they are dropped
	                                           (default 4096) */

	/* Repeatable sections: each "[name]" line starts one more instance (in
	 * file order), its keys apply to it alone. */
	struct bolt_cfg_zone zones[BOLT_CFG_MAX_ZONES]; /* [zone]: forward and stub zones */
	unsigned nzones;
	struct bolt_cfg_rpz rpz[BOLT_CFG_MAX_RPZ]; /* [rpz]: response policy zones, in order */
	unsigned nrpz;
};

/* Where boltdns-cp keeps state that survives restarts (the RFC 5011 file). */
#define BOLT_STATE_DIR "/var/lib/boltdns"

/*
 * Fill cfg with the built-in defaults (no file): the values in the comments
 * above, plus io = dpdk, cache path /dev/hugepages/boltdns, size 1G,
 * control socket /run/boltdns/control.sock, allow = 0.0.0.0/0, ::/0,
 * action = refuse, slip 2. Thread: any.
 */
BOLT_API void bolt_config_defaults(struct bolt_config *cfg);

/*
 * [resolver] workers as a number: the configured count, or for "auto" the
 * CPUs online minus [dataplane] workers (the dataplane's lcores or
 * threads), at least 1, at most BOLT_MAX_WORKERS. Any thread.
 */
BOLT_API unsigned bolt_config_resolver_workers(const struct bolt_config *cfg);

/*
 * Read path into cfg (defaults first, then the file). On error writes
 * "FILE:LINE: message" into errbuf (when errlen > 0) and returns BOLT_ECONFIG,
 * or -errno when the file cannot be read; cfg is left unchanged on any error,
 * so a failed reload keeps the running configuration.
 * Lists (address, listen, tcp-listen, outgoing, allow) take comma-separated
 * items and may be repeated: the first line replaces the default, later lines
 * add. Scalar keys may appear once. Repeatable sections ([zone]) may appear
 * up to their maximum count; each "[zone]" line starts a new instance whose
 * keys follow the same rules, per instance, and is checked as a whole when
 * the next section line or the end of the file comes (a missing required
 * key is reported at its "[zone]" line). Thread: any; cfg is owned by the
 * caller.
 */
BOLT_API int bolt_config_load(struct bolt_config *cfg, const char *path,
                              char *errbuf, size_t errlen);

/* Same, from a NUL-terminated string (tests, fuzzing); name is used in errors. */
BOLT_API int bolt_config_load_string(struct bolt_config *cfg, const char *text,
                                     const char *name, char *errbuf, size_t errlen);

/*
 * Write cfg to f as a complete configuration file (every key, every section,
 * defaults included) that bolt_config_load reads back to the same values:
 * for logs and "show the effective configuration". Returns 0 or -EIO.
 */
BOLT_API int bolt_config_print(const struct bolt_config *cfg, FILE *f);

/*
 * Parse "addr", "addr@port", "[v6]" or "[v6]@port" (port 1..65535; 0 in out
 * when absent). Returns 0 or BOLT_ESYNTAX; out is untouched on error.
 */
BOLT_API int bolt_sockaddr_parse(const char *text, struct bolt_sockaddr *out);

/*
 * Write sa as text in the syntax bolt_sockaddr_parse reads ("198.18.0.1@53",
 * "[2001:db8::1]@53", no "@port" when port is 0). Returns the length or
 * BOLT_ESPACE when cap is too small.
 */
BOLT_API int bolt_sockaddr_format(const struct bolt_sockaddr *sa, char *out, size_t cap);

/*
 * sa as the socket API's address, with defport when sa has no port. *len
 * (may be NULL) gets the length to pass to bind/connect. Returns 0 or
 * -EAFNOSUPPORT when sa is neither IPv4 nor IPv6.
 */
BOLT_API int bolt_sockaddr_to_os(const struct bolt_sockaddr *sa, uint16_t defport,
                                 struct sockaddr_storage *ss, socklen_t *len);

/*
 * Parse "addr/len" (len optional = host prefix). Bits set beyond len are an
 * error (BOLT_ESYNTAX), as they usually mean a typo. out untouched on error.
 */
BOLT_API int bolt_prefix_parse(const char *text, struct bolt_prefix *out);

/*
 * True when addr (family, network-order bytes: 4 for AF_INET, 16 for
 * AF_INET6) is inside prefix. An IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * matches IPv4 prefixes. Any thread; no state.
 */
BOLT_API bool bolt_prefix_match(const struct bolt_prefix *p, uint8_t family, const uint8_t *addr);

/* One [local] data line in wire form. */
struct bolt_local_rr {
	uint8_t owner[255];     /* uncompressed wire name, case as written */
	uint16_t owner_len;
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[2 * BOLT_CFG_STR]; /* a line of < BOLT_CFG_STR characters fits */
};

/*
 * Parse a [local] data line "NAME TTL [IN] TYPE RDATA" (RDATA in
 * presentation form, or "\# LENGTH HEX" for any type) into rr. Returns 0, or
 * BOLT_ESYNTAX / BOLT_ETYPE / BOLT_ELABEL / BOLT_ENAME / BOLT_ESPACE with *why
 * (when why is not NULL) set to a static one-line reason. Any thread.
 */
BOLT_API int bolt_local_data_parse(const char *line, struct bolt_local_rr *rr, const char **why);

#endif
