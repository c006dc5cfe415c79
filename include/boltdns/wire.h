/*
 * DNS wire format: query parsing (dataplane hot path), full message parsing
 * (control plane), response building and presentation format.
 *
 * All functions are pure and thread-safe: they touch only the buffers they
 * are given. Nothing here allocates. Names are handled in uncompressed wire
 * form (length-prefixed labels ending with the root label) of at most
 * BOLT_NAME_MAX bytes.
 *
 * Implementation: lib/wire/. The bounds-checked cursor with a sticky error
 * that every parser uses is in boltdns/wire_ctx.h.
 */
#ifndef BOLTDNS_WIRE_H
#define BOLTDNS_WIRE_H

#include "boltdns/common.h"
#include "boltdns/errcode.h"

#define BOLT_NAME_MAX 255
#define BOLT_LABEL_MAX 63
#define BOLT_HDR_LEN 12
#define BOLT_UDP_DEFAULT 512      /* client without EDNS */
#define BOLT_EDNS_DEFAULT 1232    /* our advertised and default max UDP payload */
#define BOLT_MSG_MAX 65535
#define BOLT_PTR_CHAIN_MAX 32     /* compression pointers followed for one name */

/* Header flag bits, host order, as in the 16-bit flags word. */
#define BOLT_FLAG_QR 0x8000
#define BOLT_FLAG_AA 0x0400
#define BOLT_FLAG_TC 0x0200
#define BOLT_FLAG_RD 0x0100
#define BOLT_FLAG_RA 0x0080
#define BOLT_FLAG_AD 0x0020
#define BOLT_FLAG_CD 0x0010
#define BOLT_OPCODE(flags) (((flags) >> 11) & 0xf)
#define BOLT_RCODE(flags) ((flags) & 0xf)

enum bolt_rcode {
	BOLT_RCODE_NOERROR = 0,
	BOLT_RCODE_FORMERR = 1,
	BOLT_RCODE_SERVFAIL = 2,
	BOLT_RCODE_NXDOMAIN = 3,
	BOLT_RCODE_NOTIMP = 4,
	BOLT_RCODE_REFUSED = 5,
	BOLT_RCODE_BADVERS = 16, /* extended: needs OPT */
};

enum bolt_rrtype {
	BOLT_TYPE_A = 1,
	BOLT_TYPE_NS = 2,
	BOLT_TYPE_CNAME = 5,
	BOLT_TYPE_SOA = 6,
	BOLT_TYPE_PTR = 12,
	BOLT_TYPE_MX = 15,
	BOLT_TYPE_TXT = 16,
	BOLT_TYPE_AAAA = 28,
	BOLT_TYPE_SRV = 33,
	BOLT_TYPE_OPT = 41,
	BOLT_TYPE_HINFO = 13,
	BOLT_TYPE_DNAME = 39,
	BOLT_TYPE_DS = 43,
	BOLT_TYPE_RRSIG = 46,
	BOLT_TYPE_HTTPS = 65,
	BOLT_TYPE_IXFR = 251,
	BOLT_TYPE_AXFR = 252,
	BOLT_TYPE_ANY = 255,
};

/* EDNS option code of Extended DNS Errors (RFC 8914). */
#define BOLT_OPT_EDE 15

/* Extended DNS Error info codes boltdns sets (RFC 8914 section 4). */
enum bolt_ede {
	BOLT_EDE_OTHER = 0,
	BOLT_EDE_STALE_ANSWER = 3,
	BOLT_EDE_STALE_NXDOMAIN = 19,
	BOLT_EDE_PROHIBITED = 18,
	BOLT_EDE_NOT_AUTHORITATIVE = 20,
	BOLT_EDE_NOT_SUPPORTED = 21,
	BOLT_EDE_NO_REACHABLE_AUTHORITY = 22,
	BOLT_EDE_NETWORK_ERROR = 23,
	BOLT_EDE_INVALID_DATA = 24,
	BOLT_EDE_NONE = 0xffff,  /* no EDE to send */
};

#define BOLT_CLASS_IN 1

enum bolt_section {
	BOLT_SEC_ANSWER = 0,
	BOLT_SEC_AUTHORITY = 1,
	BOLT_SEC_ADDITIONAL = 2,
};

/* ------------------------------------------------------------------ */
/* Query parsing: the dataplane hot path.                              */
/* ------------------------------------------------------------------ */

/* A parsed client query. The client's original question bytes stay in the
 * packet at offset BOLT_HDR_LEN, question_len bytes long. */
struct bolt_query {
	uint16_t id;
	uint16_t flags;          /* header flags word, host order */
	uint16_t qtype;
	uint16_t qclass;
	uint16_t qname_len;      /* wire length including the root label */
	uint16_t question_len;   /* qname_len + 4 */
	bool has_edns;
	bool do_bit;
	uint8_t edns_version;
	uint16_t edns_udp_size;  /* as sent by the client; 0 without EDNS */
	uint8_t cookie_len;      /* first COOKIE option (RFC 7873): 0 none, 8 client
	                            cookie only, 16..40 client + server cookie */
	uint8_t qname_lc[BOLT_NAME_MAX]; /* lower-cased QNAME (cache key) */
	uint8_t cookie[40];      /* its data, copied (the response overwrites the query) */
};

/*
 * Parse a client query: header, exactly one question, optional OPT in the
 * additional section.
 * Rejects (returns the code): len < 12 (BOLT_ETRUNC), QR set (BOLT_EQR),
 * opcode != QUERY (BOLT_ENOTIMP, q->id/flags are filled), QDCOUNT != 1
 * (BOLT_EQDCOUNT), truncated question (BOLT_ETRUNC), label > 63 (BOLT_ELABEL),
 * name > 255 (BOLT_ENAME), compression in the question (BOLT_ECOMPR), two OPTs,
 * OPT outside the additional section or with a non-root owner (BOLT_EOPT),
 * EDNS version != 0 (BOLT_EBADVERS, the rest of q is filled), trailing bytes
 * (BOLT_ETRAIL).
 * Also: any record other than OPT, in any section (non-zero ANCOUNT/NSCOUNT,
 * TSIG or other non-OPT records in the additional section), is BOLT_EMALF
 * (answer FORMERR); the first offending record decides the code. Counts
 * impossible for the size are BOLT_ECOUNT, an RR running past the end
 * BOLT_ETRUNC, EDNS options not exactly filling the OPT RDATA BOLT_EOPT.
 * The first COOKIE option (code 10) is copied into q->cookie / cookie_len; one
 * of a length other than 8 or 16..40 is malformed (BOLT_EOPT: FORMERR, RFC
 * 7873 section 5.2.2); later COOKIE options are ignored.
 * BOLT_EBADVERS is returned only for an otherwise well-formed query.
 * Whenever len >= 12, q->id and q->flags are filled even on error so that the
 * caller can answer FORMERR/NOTIMP/BADVERS.
 * Returns 0 or a negative BOLT_E* code. Any thread; no allocation.
 */
BOLT_API int bolt_query_parse(const uint8_t *pkt, size_t len, struct bolt_query *q);

/* bolt_query_parse writing the lower-cased QNAME to lc (>= BOLT_NAME_MAX
 * bytes, e.g. a cache key's name) instead of q->qname_lc, which is left
 * alone: the dataplane parses straight into its lookup keys. */
BOLT_API int bolt_query_parse_into(const uint8_t *pkt, size_t len, struct bolt_query *q,
                                   uint8_t *lc);

/* ------------------------------------------------------------------ */
/* Names.                                                              */
/* ------------------------------------------------------------------ */

/*
 * Read a possibly compressed name at *pos in msg[0..len), writing the
 * uncompressed case-preserving wire form into out (>= BOLT_NAME_MAX
 * bytes). Pointers must point strictly backwards: before the start of the
 * run of labels that holds the pointer (so no loop is possible), and not
 * into the 12-byte header; at most BOLT_PTR_CHAIN_MAX are followed.
 * *pos is advanced past the name as it appears at *pos (only on success).
 * Returns the uncompressed length or BOLT_ETRUNC / BOLT_EPTR (bad pointer,
 * loop, chain too long) / BOLT_ELABEL (label type 0x40 or 0x80) / BOLT_ENAME.
 */
BOLT_API int bolt_name_unpack(const uint8_t *msg, size_t len, size_t *pos, uint8_t *out);

/* Lower-case a wire name in place (ASCII only, labels untouched otherwise).
 * The helpers below expect valid uncompressed names; on corrupt input they
 * stay within BOLT_NAME_MAX bytes and return a harmless answer. */
BOLT_API void bolt_name_lower(uint8_t *name, size_t len);

/* Length of an uncompressed wire name within name[0..max), or BOLT_ETRUNC
 * (no root label within max) / BOLT_ECOMPR (a pointer) / BOLT_ELABEL /
 * BOLT_ENAME. */
BOLT_API int bolt_name_len(const uint8_t *name, size_t max);

/* Step *pos past the name (possibly ending in a compression pointer) at
 * msg[*pos] of msg[0..len), without following pointers. False when it runs
 * past len or holds a reserved label type. */
BOLT_API bool bolt_name_skip(const uint8_t *msg, size_t len, size_t *pos);

/* Case-insensitive equality of two uncompressed wire names. */
BOLT_API bool bolt_name_equal(const uint8_t *a, const uint8_t *b);

/* True when name is equal to or below zone (both uncompressed wire form). */
BOLT_API bool bolt_name_in_zone(const uint8_t *name, const uint8_t *zone);

/* Number of labels, not counting the root label. */
BOLT_API int bolt_name_labels(const uint8_t *name);

/* ------------------------------------------------------------------ */
/* Full message parsing: the control plane's path.                     */
/* ------------------------------------------------------------------ */

/* One resource record of a parsed message. */
struct bolt_rr {
	uint8_t owner[BOLT_NAME_MAX]; /* uncompressed, original case */
	uint8_t owner_len;
	uint8_t section;              /* enum bolt_section; the question is not an RR */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;               /* length of rdata below (decompressed) */
	const uint8_t *rdata;         /* points into the packet or into the scratch
	                                 buffer given to bolt_msg_parse; names inside
	                                 NS, CNAME, PTR, MX, SOA (and SRV) are decompressed */
};

/* A parsed message. The question is kept apart from the RRs. */
struct bolt_msg {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount; /* counts as in the header */
	uint8_t qname[BOLT_NAME_MAX];
	uint8_t qname_len;            /* 0 when qdcount == 0 */
	uint16_t qtype, qclass;
	bool has_edns;                /* OPT was present (and is not among rrs) */
	bool do_bit;
	uint8_t edns_version;
	uint8_t ext_rcode;            /* upper 8 bits of the extended rcode */
	uint16_t edns_udp_size;
	uint16_t rrcount;             /* RRs stored in rrs (OPT excluded) */
	struct bolt_rr *rrs;          /* caller's array */
};

/*
 * Parse a whole DNS message: header, question (qdcount 0 or 1), every RR of
 * the three sections. Counts are checked against the message size before any
 * loop; RDATA lengths are checked against the message; names inside RDATA
 * of NS, CNAME, PTR, MX, SOA, SRV are decompressed into scratch. The OPT RR
 * fills the EDNS fields and is not stored among rrs.
 * RDATA rules: A is 4 bytes, AAAA 16; NS/CNAME/PTR one name, MX 2 bytes +
 * name, SRV 6 bytes + name, SOA two names + 20 bytes, each exactly filling
 * RDLENGTH (names may not reach outside their RDATA); TXT one or more
 * character-strings exactly filling RDLENGTH. Violations are BOLT_ERDATA.
 * Other types are not looked into (rdata points into the packet).
 * Other codes: BOLT_ETRUNC, BOLT_EQDCOUNT (qdcount > 1), BOLT_ECOUNT
 * (an+ns+ar > remaining bytes / 11), BOLT_EPTR, BOLT_ELABEL, BOLT_ENAME,
 * BOLT_EOPT (OPT outside the additional section, twice, non-root owner,
 * options not filling its RDATA), BOLT_ETRAIL, BOLT_EMALF (len > 65535).
 * An EDNS version other than 0 is reported in m->edns_version, not rejected.
 * rrs/max_rrs: caller's array; more RRs than max_rrs is BOLT_ESPACE.
 * scratch: receives the RDATA of the types above whose names were
 * compressed (uncompressed RDATA points into the packet). 2 * len bytes is
 * plenty for real responses; the worst case (every name a 2-byte pointer
 * to a 255-byte name) needs up to 19 * len. Running out is BOLT_ESPACE
 * (treat as malformed). scratch may be NULL when scratch_len is 0.
 * Returns 0 or a negative code. m->rrs points to rrs afterwards. Any thread.
 */
BOLT_API int bolt_msg_parse(const uint8_t *pkt, size_t len, struct bolt_msg *m,
                            struct bolt_rr *rrs, size_t max_rrs,
                            uint8_t *scratch, size_t scratch_len);

/* ------------------------------------------------------------------ */
/* Building responses.                                                 */
/* ------------------------------------------------------------------ */

#define BOLT_BUILD_COMPR_MAX 64   /* names remembered for compression (then the
                                     most recent ones, plus the question) */
#define BOLT_BUILD_TTL_MAX 512    /* TTL offsets remembered */

/* Response builder state. Fill with bolt_build_init, then add the question,
 * RRs in section order, optionally OPT, then bolt_build_finish.
 * Compression is case-insensitive and by longest common suffix: a name
 * shows the case of the earlier occurrence it points to (for a cached
 * answer, the client's question). The caller owns buf; one thread at a
 * time per builder. */
struct bolt_build {
	uint8_t *buf;
	size_t cap;                 /* hard limit for this message (e.g. client UDP size) */
	size_t pos;
	int err;                    /* sticky */
	bool truncated;             /* an RR did not fit: TC is set by finish */
	uint8_t cur_section;
	uint16_t counts[4];         /* qd, an, ns, ar */
	uint16_t ncompr;
	uint16_t compr_off[BOLT_BUILD_COMPR_MAX]; /* offsets of names written */
	uint16_t nttl;
	uint16_t ttl_off[BOLT_BUILD_TTL_MAX];     /* offset of each RR's TTL field */
	size_t opt_reserve;         /* bytes kept free for OPT */
	uint16_t compr_next;        /* next compr_off slot to replace once full */
};

/*
 * Start a message in buf[0..cap). flags is the full header flags word.
 * Returns 0 or BOLT_ESPACE (cap < 12).
 */
BOLT_API int bolt_build_init(struct bolt_build *b, uint8_t *buf, size_t cap,
                             uint16_t id, uint16_t flags);

/* Keep room for an OPT record (11 bytes) so RRs never push it out. */
BOLT_API void bolt_build_reserve_opt(struct bolt_build *b);

/* Write the question (qname uncompressed wire form, written as given).
 * Returns 0, -EINVAL (not first, or twice), a name error when qname is not
 * a valid name of exactly qname_len bytes, or BOLT_ESPACE (sticky: a
 * response without its question is useless). */
BOLT_API int bolt_build_question(struct bolt_build *b, const uint8_t *qname,
                                 size_t qname_len, uint16_t qtype, uint16_t qclass);

/*
 * Append an RR to section sec (sections must come in order). The owner and
 * the names inside NS, CNAME, PTR, MX, SOA RDATA are compressed against names
 * already written. If it does not fit in cap, nothing is written, b->truncated
 * is set and BOLT_ESPACE is returned (not sticky: the caller may stop or go on
 * with the next section). The RR's TTL offset is recorded in b->ttl_off.
 * More than BOLT_BUILD_TTL_MAX RRs are treated as not fitting. SRV targets
 * are never compressed (RFC 2782). Returns 0, BOLT_ESPACE, -EINVAL (section
 * out of order or > additional), a name error for a bad owner, or
 * BOLT_ERDATA when the RDATA of NS/CNAME/PTR/MX/SOA does not have its shape.
 */
BOLT_API int bolt_build_rr(struct bolt_build *b, uint8_t sec, const uint8_t *owner,
                           uint16_t type, uint16_t rclass, uint32_t ttl,
                           const uint8_t *rdata, uint16_t rdlen);

/* Append the OPT RR (root owner, udp_size, ext rcode, version 0, DO, no
 * options), using the reserve if any. BOLT_ESPACE (and TC) if it does not
 * fit. */
BOLT_API int bolt_build_opt(struct bolt_build *b, uint16_t udp_size,
                            uint8_t ext_rcode, bool do_bit);

/*
 * Write the section counts (and TC when truncated) into the header.
 * Returns the message length or a negative code (the sticky error).
 */
BOLT_API int bolt_build_finish(struct bolt_build *b);

/*
 * UDP payload size a response to this client may use:
 * 512 without EDNS, else min(max(client, 512), server_max).
 */
BOLT_API size_t bolt_udp_limit(const struct bolt_query *q, size_t server_max);

/*
 * Build a header-only error response (FORMERR, NOTIMP, REFUSED, SERVFAIL,
 * BADVERS) echoing the question when it is given (question may be NULL;
 * otherwise qname + QTYPE + QCLASS, question_len bytes, copied verbatim;
 * it may point into buf, e.g. at buf + 12 when answering a query in place).
 * Flags: QR, RA (boltdns always offers recursion), the query's opcode, RD
 * and CD, the low 4 bits of rcode. An rcode above 15 (BADVERS) always gets
 * an OPT carrying its upper bits; with_opt adds one otherwise (udp size
 * BOLT_EDNS_DEFAULT, DO clear).
 * Returns the length or a negative code.
 */
BOLT_API int bolt_build_error(uint8_t *buf, size_t cap, uint16_t id, uint16_t qflags,
                              const uint8_t *question, size_t question_len,
                              uint16_t rcode, bool with_opt);

/* ------------------------------------------------------------------ */
/* Presentation format.                                                */
/* ------------------------------------------------------------------ */

/*
 * Name to text ("www.example.com.", root is "."), escaping non-printable
 * bytes as \DDD and '.' or '\' inside labels with a backslash.
 * Returns the text length (NUL-terminated) or BOLT_ESPACE.
 */
BOLT_API int bolt_name_to_text(const uint8_t *name, char *out, size_t cap);

/*
 * Text to uncompressed wire name (absolute; a missing final dot is accepted),
 * with \DDD and \X escapes. out >= BOLT_NAME_MAX. Returns the wire length or
 * BOLT_ESYNTAX / BOLT_ELABEL / BOLT_ENAME.
 */
BOLT_API int bolt_name_from_text(const char *text, uint8_t *out);

/* Type mnemonic ("A", "TYPE65280" for unknown) into out; returns length. */
BOLT_API int bolt_type_to_text(uint16_t type, char *out, size_t cap);

/* Type from text ("A", "aaaa", "TYPE123"); returns the type or BOLT_ETYPE. */
BOLT_API int bolt_type_from_text(const char *text);

/* Rcode mnemonic ("NOERROR", "NXDOMAIN", ...). Static string. */
BOLT_API const char *bolt_rcode_to_text(uint16_t rcode);

/* Rcode from its mnemonic (any case) or a decimal 0..4095; BOLT_ESYNTAX otherwise. */
BOLT_API int bolt_rcode_from_text(const char *text);

/*
 * One RR in dig's format: "owner.\tTTL\tIN\tTYPE\tRDATA". Known types (A,
 * AAAA, NS, CNAME, PTR, MX, TXT, SOA, SRV) get their presentation form,
 * others, and known types whose RDATA is malformed, the RFC 3597
 * "\# len HEX" form. Classes: IN, CH, HS, NONE, ANY, else CLASSn.
 * Returns the length or BOLT_ESPACE (or a name error for a bad owner).
 */
BOLT_API int bolt_rr_to_text(const struct bolt_rr *rr, char *out, size_t cap);

/*
 * RDATA from text for A, AAAA, NS, CNAME, PTR, MX, TXT, SOA, SRV (and
 * "\# len hex" for any type; hex may be split by blanks). Names in RDATA are
 * written uncompressed; TXT takes quoted or bare strings with \X and \DDD
 * escapes, each at most 255 bytes. out/cap: destination.
 * Returns the RDATA length or BOLT_ESYNTAX / BOLT_ETYPE / BOLT_ESPACE (or
 * BOLT_ELABEL / BOLT_ENAME from a name).
 */
BOLT_API int bolt_rdata_from_text(uint16_t type, const char *text, uint8_t *out, size_t cap);

/*
 * Hexadecimal digits s[0..len) (an even count, either case, no blanks) to
 * bytes in out[0..cap). Returns the byte count, BOLT_ESYNTAX (odd count or
 * another character) or BOLT_ESPACE.
 */
BOLT_API int bolt_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap);

#endif
