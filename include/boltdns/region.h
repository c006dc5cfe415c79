/*
 * The shared-memory region both processes map: header, per-lcore counters,
 * per-lcore rings (misses to the control plane, answers back), the cache.
 *
 * Layout (offsets from the region start, every part cache-line aligned):
 *   struct bolt_region_hdr            magic, layout version, geometry
 *   struct bolt_lcore_stats[BOLT_MAX_LCORES]
 *   struct bolt_port_table            the dataplane's ports (or sockets)
 *   struct bolt_worker_info[BOLT_MAX_WORKERS]  each resolver worker's state
 *   struct bolt_ctl_journal           run-time changes every worker applies
 *                                     (boltdns/ctljournal.h)
 *   miss ring  [BOLT_MAX_LCORES][W]   dataplane lcore k -> resolver worker w
 *   answer ring[BOLT_MAX_LCORES][W]   resolver worker w -> dataplane lcore k
 *   cache                             see boltdns/cache.h; its header holds the
 *                                     random secret of the key hash, drawn at
 *                                     creation and kept across restarts
 *
 * W is the region's resolver worker count (hdr->cp_workers, [resolver]
 * workers, fixed at creation): every ring keeps one producer and one
 * consumer. Lcore k pushes a miss on ring (k, w) for the worker w its
 * question hashes to (bolt_region_worker_of), so identical questions meet in
 * one worker; worker w answers on (k, w) whatever ring set the miss came
 * from (it may have adopted another worker's set, "Ownership").
 *
 * Everything is addressed by offsets, never pointers, so the two processes
 * may map it at different addresses. The region outlives both processes: it
 * is a file on hugetlbfs (fallback /dev/shm); a restarted process attaches to
 * it and sees every cache entry.
 *
 * Implementation: lib/cache/region.c.
 */
#ifndef BOLTDNS_REGION_H
#define BOLTDNS_REGION_H

#include <stdatomic.h>

#include "boltdns/common.h"
#include "boltdns/ctljournal.h"
#include "boltdns/errcode.h"
#include "boltdns/msg.h"
#include "boltdns/ring.h"
#include "boltdns/negrange.h"
#include "boltdns/throttle.h"

#define BOLT_REGION_MAGIC 0x534e44544c4f42ULL /* "BOLTDNS" little-endian */
/* Bump whenever any structure in the region changes shape. */
#define BOLT_REGION_LAYOUT_VERSION 16u /* 5: cache lock token, cache hash secret;
                                         6: ring owners (bolt_region_claim);
                                         7: throttled zones (boltdns/throttle.h);
                                         8: doorbells (miss_bell, answer_bell);
                                         9: resolver workers (cp_workers, rings per
                                            lcore and worker, owner per worker,
                                            struct bolt_worker_info);
                                         10: dnstap samples on the miss rings
                                            (BOLT_MISS_F_TAP), lcore counters
                                            tap_samples, tap_sample_drops;
                                         11: the control journal after the
                                            worker infos;
                                         12: a reason in each throttle slot
                                            (struct bolt_throttle_slot), lcore
                                            counter throttle_passed;
                                         13: the time of each control
                                            journal change;
                                         14: published NSEC ranges
                                            (boltdns/negrange.h), lcore
                                            counter negrange_answered;
                                         15: NOTIFYs relayed between workers
                                            (bolt_worker_info rpz_notify),
                                            control bits of the miss bell;
                                         16: cache buckets of 8 slots with
                                            16-bit tags, a new key hash
                                            (cache version 6) */
#define BOLT_MAX_LCORES 16
/* Resolver workers (boltdns-cp processes) on one region at most: one bit
 * each in the miss doorbell. */
#define BOLT_MAX_WORKERS 16
/* Worker w's control bit of the miss bell (bits 16..31, above the ring
 * bits 0..15): "the region has news for you" (a control journal change, a
 * reload, a NOTIFY another worker took), posted with bolt_bell_post, so a
 * worker follows them without a timer. */
#define BOLT_BELL_CTL(w) (1u << (16u + (w)))
_Static_assert(BOLT_MAX_WORKERS <= 16, "the miss bell has 16 ring bits and 16 control bits");
/* Relay counters of the NOTIFYs a worker takes for policy zones with a
 * primary (bolt_worker_info rpz_notify, one picked by the zone's name). */
#define BOLT_WORKER_RPZ_ZONES 32
/* Ports (io = dpdk) or listen addresses (io = socket) the table describes. */
#define BOLT_MAX_PORTS 8
/* Smallest region accepted (rings shrink to fit, the cache needs the rest). */
#define BOLT_REGION_MIN_SIZE (32ull << 20)
/* Directory of the fallback when the path is not on hugetlbfs or tmpfs, or
 * hugepages are short. */
#define BOLT_REGION_FALLBACK_DIR "/dev/shm"

/* Counters of one dataplane lcore; written only by that lcore. */
struct bolt_lcore_stats {
	_Alignas(BOLT_CACHE_LINE) uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t tx_drops;       /* TX refused and freed */
	uint64_t queries;        /* DNS queries parsed (good or bad) */
	uint64_t hits;
	uint64_t misses;
	uint64_t expired;        /* found but expired: counted as misses too */
	uint64_t formerr;        /* FORMERR answers sent */
	uint64_t notimp;
	uint64_t refused;
	uint64_t dropped_bad;    /* unparseable, dropped */
	uint64_t not_dns;        /* frames that were not UDP/53 to us */
	uint64_t ring_drops;     /* misses dropped: miss ring full */
	uint64_t answers_sent;   /* control plane answers sent by this lcore */
	uint64_t truncated;      /* TC set */
	uint64_t arp;            /* ARP / ND / ICMP handled */
	uint64_t exception;      /* frames passed to the exception path */
	uint64_t rl_dropped;     /* rate-limited (dropped) */
	uint64_t rl_slipped;     /* rate-limited (TC=1 slip) */
	uint64_t rcode[16];      /* responses by rcode (low 4 bits) */
	uint64_t qtype[8];       /* A, AAAA, CNAME, MX, NS, TXT, SOA, other */
	uint64_t prefetch_hints; /* hits late in their TTL hinted to the control plane */
	uint64_t prefetch_hint_drops; /* hints not sent: miss ring full */
	uint64_t cookies_valid;  /* queries with a valid server cookie (RFC 7873): not rate-limited */
	uint64_t cookies_sent;   /* responses that carried a server cookie */
	uint64_t throttled;      /* misses answered SERVFAIL: their zone throttled (boltdns/throttle.h) */
	uint64_t tap_samples;    /* hits sampled for dnstap ([dnstap] sample) sent to the control plane */
	uint64_t tap_sample_drops; /* samples not sent: miss ring half full or more */
	uint64_t throttle_passed; /* misses under throttled zones handed on to the control
	                             plane all the same (one in bolt_throttle_let_through) */
	uint64_t negrange_answered; /* misses answered NXDOMAIN from a published NSEC range
	                               (boltdns/negrange.h), not handed on */
	uint64_t pkc_hits;       /* hits answered from the lcore's packet cache
	                            (dataplane/pktcache.h), counted in hits too. Was
	                            reserved[0] (always 0): same layout */
};
/* The counters: every uint64_t of struct bolt_lcore_stats up to and with
 * the last one (a new counter goes last and moves this along). */
#define BOLT_LCORE_NCOUNTERS (offsetof(struct bolt_lcore_stats, pkc_hits) / sizeof(uint64_t) + 1)

/* How the dataplane does its I/O (struct bolt_port_table.io). */
enum bolt_port_io {
	BOLT_PORT_IO_NONE = 0,    /* no dataplane has described its ports yet */
	BOLT_PORT_IO_DPDK = 1,
	BOLT_PORT_IO_SOCKET = 2,
};

/* No lcore polls this queue (struct bolt_port_info.queue_lcore). */
#define BOLT_PORT_NO_LCORE 0xffffu

/*
 * Counters of one port, rte_eth_stats_get() of the DPDK port as of the last
 * refresh (cumulative since the port started; zero with io = socket).
 * Written by the dataplane's main lcore only, relaxed.
 */
struct bolt_port_counters {
	_Atomic uint64_t ipackets;
	_Atomic uint64_t opackets;
	_Atomic uint64_t ibytes;
	_Atomic uint64_t obytes;
	_Atomic uint64_t imissed;    /* dropped by the NIC: RX ring full */
	_Atomic uint64_t ierrors;
	_Atomic uint64_t oerrors;
	_Atomic uint64_t rx_nombuf;  /* RX refused: mbuf pool empty */
};

/*
 * One port of the dataplane. The descriptive fields are written once at
 * start-up before bolt_port_table.nports is published (release); link state
 * and counters are refreshed about once a second.
 */
struct bolt_port_info {
	_Alignas(BOLT_CACHE_LINE) char name[64]; /* dpdk: ethdev name (PCI address, vdev
	                                            name); socket: "ADDR@PORT" */
	char args[192];              /* dpdk: device arguments (the vdev's "iface=..." or
	                                the -a/--vdev text); socket: "" */
	char driver[32];             /* dpdk: driver (net_af_xdp, net_ice...); "socket" */
	uint8_t mac[6];              /* all zero with io = socket */
	uint16_t port_id;            /* ethdev port id; socket: listen address index */
	uint16_t rx_queues;          /* socket: one SO_REUSEPORT socket per worker */
	uint16_t tx_queues;
	uint16_t queue_lcore[BOLT_MAX_LCORES]; /* lcore (socket: worker) polling queue q,
	                                          BOLT_PORT_NO_LCORE for none */
	_Atomic uint32_t link_up;    /* 1 up, 0 down (socket: 1 while bound) */
	_Atomic uint32_t link_speed; /* Mb/s, 0 when unknown */
	struct bolt_port_counters ctr;
};

/*
 * The dataplane's ports, for operators (boltctl status). The dataplane
 * zeroes nports, fills the table and stores nports again at start-up; its
 * main lcore (the main thread with io = socket) refreshes links and counters
 * about once a second and stamps updated. Readers load nports (acquire) and
 * read no entry beyond it.
 */
struct bolt_port_table {
	_Atomic uint32_t nports;     /* entries of port[] in use */
	uint32_t io;                 /* enum bolt_port_io */
	uint32_t workers;            /* worker lcores (threads with io = socket) */
	uint32_t nports_total;       /* ports the dataplane has; more than nports when
	                                they did not all fit */
	_Atomic uint64_t updated;    /* unix seconds of the last refresh */
	int32_t worker_tid[BOLT_MAX_LCORES];   /* kernel thread id of worker i */
	uint16_t worker_lcore[BOLT_MAX_LCORES]; /* EAL lcore id of worker i (socket: i) */
	struct bolt_port_info port[BOLT_MAX_PORTS];
};

/*
 * Ownership. Every ring has one producer and one consumer, so each side of
 * the rings has one owner at a time: the dataplane (produces misses,
 * consumes answers) and the control plane (the reverse; ring-drain takes
 * the same role). A process claims its role with a token, its pid in the
 * high 32 bits and a random from getrandom in the low 32 (never a bare pid:
 * a process restarted with the same pid, PID 1 of a container, is another
 * owner), and keeps a heartbeat in milliseconds of CLOCK_BOOTTIME, which no
 * wall-clock step moves. A claim is taken over only from an owner that is
 * gone: its pid no longer exists in this pid namespace (every process of a
 * region must share one), its pid is the claimant's own (an earlier
 * incarnation), or its heartbeat is older than BOLT_REGION_OWNER_STALE_MS.
 * An owner checks its claim on every tick and before it touches a ring, and
 * stops at once when the claim is no longer its own.
 */
enum bolt_region_role {
	BOLT_REGION_DP = 0,   /* boltdns-dp: produces misses, consumes answers */
	BOLT_REGION_CP = 1,   /* boltdns-cp worker 0, ring-drain: consumes misses, produces
	                         answers (BOLT_REGION_WORKER(0)) */
	BOLT_REGION_ROLES = 1 + BOLT_MAX_WORKERS,
};

/* The role of resolver worker w: the consumer of the miss rings (k, w) of
 * every lcore k. Its own process also produces on the answer rings (k, w);
 * a worker that adopted the set of a dead one (control/README.md
 * "Workers") consumes its miss rings and answers on its own answer rings. */
#define BOLT_REGION_WORKER(w) (BOLT_REGION_CP + (unsigned)(w))

/* An owner whose heartbeat is this old is taken for gone even if its pid
 * exists (pid reuse, a hung process); owners beat every second or faster. */
#define BOLT_REGION_OWNER_STALE_MS 30000u

struct bolt_region_owner {
	_Alignas(BOLT_CACHE_LINE) _Atomic uint64_t token; /* 0: free */
	_Atomic uint64_t heartbeat;   /* CLOCK_BOOTTIME ms of the owner's last beat */
};

/* Region header. Written at creation; geometry is read-only afterwards. */
struct bolt_region_hdr {
	uint64_t magic;
	uint32_t layout_version;
	uint32_t hdr_size;              /* sizeof(struct bolt_region_hdr) */
	uint64_t region_size;           /* bytes of the whole file */
	uint64_t created;               /* unix seconds */
	uint32_t max_lcores;            /* BOLT_MAX_LCORES at creation */
	uint32_t ring_slots;            /* slots of each ring, power of two */
	uint64_t stats_off;
	uint64_t ports_off;             /* struct bolt_port_table */
	uint64_t miss_ring_off;         /* first miss ring */
	uint64_t miss_ring_stride;      /* bytes between two miss rings */
	uint64_t answer_ring_off;
	uint64_t answer_ring_stride;
	uint64_t cache_off;
	uint64_t cache_size;
	uint32_t cp_workers;            /* resolver workers W: ring sets per lcore, 1..16 */
	uint32_t reserved0;
	uint64_t worker_info_off;       /* struct bolt_worker_info[BOLT_MAX_WORKERS] */
	uint64_t checksum;              /* over the fields above */
	/* Live state, written by the processes. */
	_Alignas(BOLT_CACHE_LINE) _Atomic uint32_t dp_lcores;  /* lcores running */
	_Atomic int32_t dp_pid;
	_Atomic uint64_t dp_started;    /* unix seconds */
	_Atomic uint64_t dp_heartbeat;  /* unix seconds, updated by the main lcore */
	_Atomic int32_t cp_pid;
	_Atomic uint64_t cp_started;
	_Atomic uint64_t cp_heartbeat;
	/* Who produces and consumes on the rings (bolt_region_claim), by role. */
	struct bolt_region_owner owner[BOLT_REGION_ROLES];
	/* DNS Cookies (RFC 9018): the server-cookie secrets of every lcore,
	 * [0] current, [1] previous (still accepted after a rollover), as
	 * 2 x 64 bits each. Written under the seqlock cookie_seq (odd while a
	 * writer is inside) by bolt_cookie_rotate; read by bolt_cookie_secrets
	 * (boltdns/cookie.h). */
	_Alignas(BOLT_CACHE_LINE) _Atomic uint64_t cookie_seq;
	_Atomic uint64_t cookie_rotated;   /* unix seconds of the last rotation, 0: none yet */
	_Atomic uint64_t cookie_secret[2][2];
	/* Zones whose misses the dataplane refuses itself (boltdns/throttle.h),
	 * written by the control plane. */
	struct bolt_throttle_table throttle;
	/* Validated NSEC ranges of flooded zones the dataplane answers from
	 * itself (boltdns/negrange.h), written by the control plane. */
	struct bolt_negrange_table negrange;
	/* Doorbells (boltdns/ring.h "Doorbell"): miss_bell wakes resolver
	 * worker w (bit w, and whoever adopted its set arms that bit too) when a
	 * dataplane lcore fills an empty miss ring (k, w) while it sleeps; answer_bell wakes socket worker k (bit k) for its answer
	 * ring. DPDK lcores poll their answer rings and never arm a bit. */
	struct bolt_bell miss_bell;
	struct bolt_bell answer_bell;
	/* boltctl reload: bumped by the worker that took the command; every
	 * other worker reloads its configuration when it sees it move. */
	_Alignas(BOLT_CACHE_LINE) _Atomic uint64_t reload_gen;
};

/*
 * What resolver worker w tells the others and operators (boltctl status,
 * /metrics sum them): written by the process holding BOLT_REGION_WORKER(w)
 * about once a second (relaxed stores), read by anyone. adopted_by: token
 * of a live worker consuming this worker's miss rings while it is gone.
 * want: token of a process started for w that waits for the adopter to
 * give the set back.
 */
#define BOLT_WORKER_COUNTERS 16
enum bolt_worker_counter {
	BOLT_WC_MISSES = 0,      /* miss messages taken from the rings */
	BOLT_WC_ANSWERS,         /* answers pushed on answer rings */
	BOLT_WC_ANSWER_DROPS,
	BOLT_WC_RESOLUTIONS,
	BOLT_WC_SERVFAIL,
	BOLT_WC_COALESCED,
	BOLT_WC_UPSTREAM,        /* upstream queries sent */
	BOLT_WC_CACHE_INSERTS,
	BOLT_WC_TCP_QUERIES,
	BOLT_WC_PREFETCHES,
	BOLT_WC_ADOPTED_MISSES,  /* of BOLT_WC_MISSES: from adopted ring sets */
	BOLT_WC_CTL_JOURNAL,     /* the control journal's change reached (ctljournal.h):
	                            worker 0 published it, the others applied it */
};
struct bolt_worker_info {
	_Alignas(BOLT_CACHE_LINE) _Atomic int32_t pid;   /* 0: none */
	_Atomic uint32_t adopted;        /* bit v: this worker consumes worker v's set too */
	_Atomic uint64_t started;        /* unix seconds */
	_Atomic uint64_t updated;        /* unix seconds of the last publication */
	_Atomic uint64_t cpu_us;         /* user + system CPU of the process */
	_Atomic uint64_t in_flight;      /* questions being resolved */
	_Atomic uint64_t want;           /* a starting process waiting for this set */
	_Atomic uint64_t reload_gen;     /* the last reload generation applied */
	_Atomic uint64_t ctr[BOLT_WORKER_COUNTERS]; /* enum bolt_worker_counter */
	/* NOTIFYs this worker took over TCP and accepted, per zone with a
	 * primary (the counter a hash of the zone's name picks, not its place
	 * in the file, which may differ between workers: control/policy_xfr.c
	 * relay_slot): the others see the count move and check the zones of
	 * that counter too (a TCP connection reaches one worker; UDP NOTIFYs
	 * reach every worker on the miss rings). */
	_Atomic uint32_t rpz_notify[BOLT_WORKER_RPZ_ZONES];
};

/* Creation parameters. */
struct bolt_region_params {
	const char *path;     /* file on hugetlbfs or /dev/shm */
	uint64_t size;        /* total bytes; the cache gets what the rest leaves */
	uint32_t shards;      /* power of two; 0 = choose from size */
	uint32_t ring_slots;  /* power of two; 0 = 4096, halved (not below 64) until
	                         the rings take at most a quarter of size */
	uint32_t workers;     /* resolver workers (ring sets per lcore); 0 = 1 */
	bool wipe;            /* recreate even if a compatible region exists */
};

/* A process's mapping of the region. */
struct bolt_region {
	struct bolt_region_hdr *hdr;
	uint8_t *base;
	size_t size;
	int fd;
	bool created;         /* this process created (or wiped) it */
	struct bolt_cache *cache;
	bool hugetlb;         /* backed by hugetlbfs (false: tmpfs fallback) */
	char path[4096];      /* file actually mapped (the fallback when used) */
};

/*
 * Create the region at p->path, or attach to a compatible existing one
 * (same magic, layout version, size and worker count, and the same shards /
 * ring_slots when those are given) unless p->wipe is set. The path's directory should be
 * hugetlbfs (tmpfs is accepted too); if it is another filesystem, missing, or
 * the file cannot be created there (e.g. no free hugepages), the same file
 * name under BOLT_REGION_FALLBACK_DIR is used; r->path and r->hugetlb say
 * which, for the caller to log. The size is rounded up to 2 MiB (or the
 * hugepage size). A new region is formatted under a temporary name and
 * renamed into place, so a process still mapping an old one keeps a valid
 * mapping. Errors: BOLT_ECONFIG (size below BOLT_REGION_MIN_SIZE, shards or
 * ring_slots not a power of two), -EINVAL, -ENOSPC, other -errno.
 * Returns NULL and sets *err on failure.
 * Thread: the dataplane's main thread, once.
 */
BOLT_API struct bolt_region *bolt_region_create(const struct bolt_region_params *p, int *err);

/*
 * Attach to an existing region at path, or, if there is no file there, at
 * the same name under BOLT_REGION_FALLBACK_DIR (where bolt_region_create puts
 * it without hugepages). Checks the file size before reading anything, then
 * magic (BOLT_EMAGIC), layout version (BOLT_EVERSION), checksum, size and
 * the whole layout, ring headers and cache header (BOLT_EGEOMETRY); never
 * crashes on a truncated or corrupted file. -ENOENT when neither file
 * exists; -EPERM when the file is owned by a user other than root and this
 * process's effective user, or is writable by its group or others (anyone
 * who can write the region can fake cache entries and ring messages). Returns NULL and sets *err on failure. Any thread, once per process.
 */
BOLT_API struct bolt_region *bolt_region_attach(const char *path, int *err);

/* What bolt_region_create lays out for a region of size bytes (on 4 KiB
 * pages) with ring_slots slots per ring (0 = automatic) and workers ring
 * sets per lcore (0 = 1). */
struct bolt_region_geometry {
	uint32_t ring_slots;   /* slots per ring, after the automatic choice */
	uint64_t rings_bytes;  /* bytes of all the rings */
	uint64_t min_size;     /* smallest region these rings allow */
	uint64_t cache_size;   /* bytes left for the cache (0 below min_size) */
	uint32_t max_shards;   /* largest shard count the cache accepts (0: none) */
};

/*
 * Compute the geometry without creating anything, so that a configuration
 * can be checked (and its errors reported with their line) by the same rules
 * bolt_region_create applies. Returns 0, BOLT_ECONFIG (ring_slots not a power
 * of two or too large) or BOLT_EGEOMETRY (size below g->min_size; the ring
 * fields of g are filled). Any thread.
 */
BOLT_API int bolt_region_geometry(uint64_t size, uint32_t ring_slots,
                                  struct bolt_region_geometry *g);
/* The same with workers ring sets per lcore (0 = 1). */
BOLT_API int bolt_region_geometry_workers(uint64_t size, uint32_t ring_slots, uint32_t workers,
                                          struct bolt_region_geometry *g);

/* Unmap and free the handle (NULL is fine); the file stays. */
BOLT_API void bolt_region_detach(struct bolt_region *r);

/* The port table (never NULL for an attached region). */
BOLT_API struct bolt_port_table *bolt_region_ports(struct bolt_region *r);

/* Per-lcore counters, ring accessors of worker 0's rings. NULL when
 * lcore >= BOLT_MAX_LCORES. */
BOLT_API struct bolt_lcore_stats *bolt_region_stats(struct bolt_region *r, unsigned lcore);
BOLT_API struct bolt_ring *bolt_region_miss_ring(struct bolt_region *r, unsigned lcore);
BOLT_API struct bolt_ring *bolt_region_answer_ring(struct bolt_region *r, unsigned lcore);

/* Rings (lcore, worker); NULL when lcore >= BOLT_MAX_LCORES or worker >=
 * hdr->cp_workers. */
BOLT_API struct bolt_ring *bolt_region_worker_miss_ring(struct bolt_region *r, unsigned lcore,
                                                        unsigned worker);
BOLT_API struct bolt_ring *bolt_region_worker_answer_ring(struct bolt_region *r, unsigned lcore,
                                                          unsigned worker);

/* Worker w's published state; NULL when w >= BOLT_MAX_WORKERS. */
BOLT_API struct bolt_worker_info *bolt_region_worker_info(struct bolt_region *r, unsigned w);

/* The control journal (boltdns/ctljournal.h); NULL when r is NULL. */
BOLT_API struct bolt_ctl_journal *bolt_region_journal(struct bolt_region *r);

/* The worker whose rings take a miss of key hash h (boltdns/cache.h's
 * hash of the question) among workers: the high half, so that the choice
 * does not follow the cache's own use of the low bits. */
static inline unsigned bolt_region_worker_of(uint64_t h, unsigned workers)
{
	return workers <= 1 ? 0u : (unsigned)((h >> 32) % workers);
}

/*
 * A new owner token for this process: getpid() << 32 | a non-zero random
 * 32-bit value from getrandom(2). Returns 0 or -errno. Call once per process
 * (a forked child that wants a role needs its own). Any thread.
 */
BOLT_API int bolt_region_token_new(uint64_t *token);

/* The pid in a token. */
static inline int32_t bolt_region_token_pid(uint64_t token)
{
	return (int32_t)(token >> 32);
}

/* Milliseconds of CLOCK_BOOTTIME: the clock of heartbeats. Any thread. */
BOLT_API uint64_t bolt_region_clock_ms(void);

/*
 * Claim role for token at time now_ms (bolt_region_clock_ms; a parameter so
 * tests can move it): succeeds when the role is free, already token's, or
 * its owner is gone (see "Ownership" above). Returns 0, -EBUSY with the live
 * owner's token in *owner (may be NULL), or -EINVAL (bad role: beyond
 * BOLT_REGION_WORKER(cp_workers - 1); zero token).
 * The heartbeat is set on success. Any thread.
 */
BOLT_API int bolt_region_claim(struct bolt_region *r, unsigned role, uint64_t token,
                               uint64_t now_ms, uint64_t *owner);

/*
 * The owner's tick: if role is still token's, beat the heartbeat (now_ms)
 * and return 0; otherwise return -EOWNERDEAD with the new owner's token in
 * *owner (0: the role was released), writing nothing. Any thread.
 */
BOLT_API int bolt_region_beat(struct bolt_region *r, unsigned role, uint64_t token,
                              uint64_t now_ms, uint64_t *owner);

/* Whether role is token's: one atomic load, for the ring paths. */
static inline bool bolt_region_owns(const struct bolt_region *r, unsigned role, uint64_t token)
{
	return role < BOLT_REGION_ROLES &&
	       atomic_load_explicit(&r->hdr->owner[role].token, memory_order_acquire) == token;
}

/* Give role up if token holds it (exit). Returns true when it did. */
BOLT_API bool bolt_region_release(struct bolt_region *r, unsigned role, uint64_t token);

#endif
