/*
 * Response Policy Zones (RPZ, draft-vixie-dnsop-dns-rpz, the format BIND,
 * Unbound, Knot Resolver and PowerDNS read): a policy zone in master-file
 * form is loaded into a policy store that answers "does a policy apply to
 * this name / this address, and what is it?".
 *
 * Triggers (the owner name, relative to the zone's origin):
 *   name.example            QNAME, exact
 *   *.name.example          QNAME, every name below name.example
 *   24.0.2.0.192.rpz-ip     response IP 192.0.2.0/24 (prefix length, then
 *                           the address's labels reversed; IPv6 groups in
 *                           hex, `zz` for the `::` run)
 *   ns.example.rpz-nsdname  name server name (exact and `*.` wildcard)
 *   32.1.2.0.192.rpz-nsip   name server address
 * Actions (the RDATA):
 *   CNAME .                 NXDOMAIN
 *   CNAME *.                NODATA
 *   CNAME rpz-passthru.     PASSTHRU (no policy: answer as resolved)
 *   CNAME rpz-drop.         DROP (no answer at all)
 *   CNAME rpz-tcp-only.     TCP-only (UDP clients get TC=1)
 *   anything else           local data: A, AAAA, TXT, MX, PTR, SRV records
 *                           or one CNAME (a walled garden), answered for
 *                           the query name
 *
 * Store: one open-addressing hash table of rules keyed by the trigger kind
 * and the trigger's bytes (a lower-case wire name, or family, prefix length
 * and masked address), names and local records in growing arenas: memory is
 * proportional to the zone (about 60 bytes per trigger without local data).
 * A QNAME look-up costs one hash probe for the exact name plus one per
 * ancestor while the zone has wildcards; an address look-up one probe per
 * prefix length present in the zone.
 *
 * Not thread-safe: a zone is built, then only read, by one thread (the
 * control plane's loop). Errors are the project's codes (boltdns/errcode.h).
 */
#ifndef BOLTDNS_CONTROL_RPZ_H
#define BOLTDNS_CONTROL_RPZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/wire.h"

/* What a rule does. The numbering is also the order of `policy =`. */
enum rpz_action {
	RPZ_ACT_NONE = 0,     /* no rule matched */
	RPZ_ACT_NXDOMAIN,
	RPZ_ACT_NODATA,
	RPZ_ACT_PASSTHRU,
	RPZ_ACT_DROP,
	RPZ_ACT_TCP_ONLY,
	RPZ_ACT_LOCAL,        /* local data (records or a CNAME) */
	RPZ_ACT_GIVEN = 255,  /* `policy = given`: the zone's own actions */
};

/* Kind of trigger. */
enum rpz_trigger {
	RPZ_TRIG_QNAME = 0,
	RPZ_TRIG_QNAME_WILD,
	RPZ_TRIG_IP,
	RPZ_TRIG_NSDNAME,
	RPZ_TRIG_NSDNAME_WILD,
	RPZ_TRIG_NSIP,
	RPZ_TRIG_COUNT,
};

/* Extended DNS Error put on policy answers (RFC 8914), `ede =`. */
#define RPZ_EDE_NONE 0xffff   /* = BOLT_EDE_NONE */
#define RPZ_EDE_BLOCKED 15
#define RPZ_EDE_CENSORED 16
#define RPZ_EDE_FILTERED 17

struct rpz_zone;

/* A match: which rule of which zone, and what it does. */
struct rpz_hit {
	const struct rpz_zone *zone;
	uint32_t rule;        /* index of the rule in zone */
	uint8_t action;       /* enum rpz_action, after the zone's `policy` */
	uint8_t trigger;      /* enum rpz_trigger */
	uint32_t ttl;         /* the rule's TTL (its first record's) */
};

/* Counts of a loaded zone. */
struct rpz_zone_stats {
	uint64_t records;     /* records read (every type) */
	uint64_t rules;       /* rules stored */
	uint64_t skipped;     /* malformed or unsupported records skipped */
	uint64_t trig[RPZ_TRIG_COUNT];
	uint64_t bytes;       /* memory held by the store */
	uint32_t serial;      /* the SOA's, 0 when none */
	uint32_t refresh;     /* the SOA's REFRESH, 0 when none */
	bool have_soa;
};

/*
 * Called for each skipped record: file is the name given to the parser,
 * line its line number (1-based), msg what is wrong. arg: the caller's.
 */
typedef void (*rpz_log_fn)(void *arg, const char *file, unsigned line, const char *msg);

/*
 * A new empty zone. origin: its apex (lower-case or not, wire form), or
 * NULL to take it from $ORIGIN or the first SOA of the text. NULL on
 * out-of-memory.
 */
struct rpz_zone *rpz_zone_new(const uint8_t *origin);

/* Free z (NULL is fine). */
void rpz_zone_free(struct rpz_zone *z);

/*
 * The zone's settings: action every rule takes instead of its own
 * (RPZ_ACT_GIVEN: its own; NXDOMAIN, NODATA, PASSTHRU or DROP), the EDE
 * code of its answers (RPZ_EDE_*), whether hits are logged, and its name for
 * logs (copied, cut at 63 bytes).
 */
void rpz_zone_set_policy(struct rpz_zone *z, uint8_t override, uint16_t ede, bool log,
                         const char *name);
uint8_t rpz_zone_override(const struct rpz_zone *z);
uint16_t rpz_zone_ede(const struct rpz_zone *z);
bool rpz_zone_log(const struct rpz_zone *z);
const char *rpz_zone_name(const struct rpz_zone *z);

/* The origin (wire form) or NULL when not known yet. */
const uint8_t *rpz_zone_origin(const struct rpz_zone *z);

/*
 * Read a zone in master-file form (RFC 1035 5: $ORIGIN, $TTL, parentheses,
 * comments, relative names, `@`, TTL and class in either order, TTL units)
 * from text[0..len) into z. Records that are malformed, unsupported or in
 * conflict with an earlier rule are skipped, each reported through log
 * (may be NULL) and counted; the rest load. file names the source in the
 * reports. Returns 0, or a negative code only when nothing can be loaded
 * (no origin known, out of memory).
 */
int rpz_zone_parse(struct rpz_zone *z, const char *text, size_t len, const char *file,
                   rpz_log_fn log, void *arg);

/* rpz_zone_parse on the contents of the file at path; -errno when it
 * cannot be read. */
int rpz_zone_load_file(struct rpz_zone *z, const char *path, rpz_log_fn log, void *arg);

/*
 * Add one record (owner: absolute wire name, any case; rdata in wire form,
 * names uncompressed) as the parser does: SOA at the apex remembered, NS at
 * the apex ignored, every other owner a trigger. Returns 0 or a negative
 * code with *why set to a static reason (the record is not added).
 */
int rpz_zone_add_rr(struct rpz_zone *z, const uint8_t *owner, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, size_t rdlen, const char **why);

/* Counts (and memory) of z. */
void rpz_zone_get_stats(const struct rpz_zone *z, struct rpz_zone_stats *st);

/*
 * QNAME triggers: the rule for qname (lower-case wire form): an exact
 * trigger, else the wildcard of its closest ancestor that has one. Fills
 * *h (action after the zone's override) and returns true on a match.
 */
bool rpz_zone_match_qname(const struct rpz_zone *z, const uint8_t *qname, struct rpz_hit *h);

/*
 * Address triggers: the longest prefix of trigger (RPZ_TRIG_IP or
 * RPZ_TRIG_NSIP) covering addr (family AF_INET: 4 bytes, AF_INET6: 16).
 */
bool rpz_zone_match_addr(const struct rpz_zone *z, uint8_t trigger, int family,
                         const uint8_t *addr, struct rpz_hit *h);

/* NSDNAME triggers: as rpz_zone_match_qname for a name server's name. */
bool rpz_zone_match_nsdname(const struct rpz_zone *z, const uint8_t *name, struct rpz_hit *h);

/* Whether z has triggers of that kind at all (a cheap pre-check). */
bool rpz_zone_has(const struct rpz_zone *z, uint8_t trigger);

/*
 * Local data of a rule: the i-th record (i from 0). Returns false past
 * the last one; *type, *ttl, *rdata (into the zone), *rdlen otherwise.
 */
bool rpz_rule_rr(const struct rpz_zone *z, uint32_t rule, unsigned i, uint16_t *type,
                 uint32_t *ttl, const uint8_t **rdata, uint16_t *rdlen);

/*
 * The rules of a that b has not, or has with another action or other local
 * data, and the other way round: a zone of those triggers (every rule in it
 * is PASSTHRU), so a cache flush can ask "did the policy of this name
 * change?" with rpz_zone_match_qname / _addr. NULL on out-of-memory. a or b
 * may be NULL (an empty zone).
 */
struct rpz_zone *rpz_zone_diff(const struct rpz_zone *a, const struct rpz_zone *b);

/* Number of rules of z. */
size_t rpz_zone_rules(const struct rpz_zone *z);

/* Name of an action ("nxdomain", ...) and of a trigger kind ("qname", ...). */
const char *rpz_action_name(uint8_t action);
const char *rpz_trigger_name(uint8_t trigger);

/*
 * Text of a rule's trigger ("bad.example.", "*.bad.example.",
 * "192.0.2.0/24", ...) into out[0..cap). Returns the length or BOLT_ESPACE.
 */
int rpz_rule_text(const struct rpz_zone *z, uint32_t rule, char *out, size_t cap);

/* ---- answers ---- */

/*
 * The response a hit gives to (qname, qtype): header (QR, AA, RA, rcode),
 * the question, the answer section; no OPT. NXDOMAIN and NODATA: no
 * records. LOCAL: the rule's records of qtype (owner qname, their TTLs),
 * or its CNAME (target `*.suffix` expands to qname.suffix), or NODATA when
 * it has neither; ANY gets every record. Built in buf[0..cap) through b
 * (its TTL offsets are what the cache needs). *kind is the cache kind
 * (POSITIVE, NXDOMAIN, NODATA), *ttl the answer's lifetime, *target the
 * CNAME's target when the answer ends in one (else left alone). Returns the
 * length or a negative code. Only for NXDOMAIN, NODATA and LOCAL.
 */
int rpz_answer(const struct rpz_hit *h, const uint8_t *qname, uint16_t qtype, uint8_t *buf,
               size_t cap, struct bolt_build *b, uint8_t *kind, uint32_t *ttl,
               uint8_t *target);

#endif
