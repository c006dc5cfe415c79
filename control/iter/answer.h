/*
 * What an upstream response means for the question being resolved, and the
 * records the resolution keeps from it (records it owns, copied out of the
 * packet).
 *
 * ans_classify() is a pure function of a parsed, scrubbed response and the
 * question: it never sends, never touches the infrastructure cache, so the
 * iterator (resolve.c) decides what to do with each kind, and the rules are
 * unit-tested on packets alone.
 *
 * Any thread; no state.
 */
#ifndef BOLTDNS_CONTROL_ANSWER_H
#define BOLTDNS_CONTROL_ANSWER_H

#include <stdbool.h>
#include <stdint.h>

#include "boltdns/wire.h"
#include "infra.h"

/* An RR owned by the resolution. */
struct orr {
	uint8_t owner[BOLT_NAME_MAX];
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata;
};

struct orr_list {
	struct orr *v;
	unsigned n, cap;
};

/* Append a copy; 0 or -ENOMEM. */
int orr_add(struct orr_list *l, const uint8_t *owner, uint16_t type, uint16_t rclass,
            uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
/* Free the records and reset the list (empty list again). */
void orr_list_free(struct orr_list *l);

/* TTLs of 2^31 and more count as 0 (RFC 2181 section 8): applied to every
 * RR of m once after parsing. */
void ans_fix_ttls(struct bolt_msg *m);

enum ans_kind {
	ANS_REFERRAL = 1,  /* delegation below the zone asked: see ref */
	ANS_DATA,          /* the asked type at the chain's end: the chain is complete */
	ANS_CNAME,         /* the chain moved on to next, which this server did not settle */
	ANS_NXDOMAIN,      /* the chain's end does not exist */
	ANS_NODATA,        /* the chain's end exists without the asked type */
	ANS_LAME,          /* no answer, no referral down, no authority: upward or
	                      sideways referral, empty non-authoritative answer,
	                      NXDOMAIN without AA */
	ANS_LOOP,          /* the chain came back to a name it holds */
	ANS_TOO_LONG,      /* more CNAMEs than allowed, or a DNAME result over 255 */
};

/* The question as asked of the server. */
struct ans_query {
	const uint8_t *zone;      /* cut whose server was asked */
	const uint8_t *asked;     /* name sent (a minimised prefix or cur) */
	uint16_t asked_type;      /* type sent */
	const uint8_t *qname;     /* the client's name (loop detection) */
	const uint8_t *cur;       /* the chain's end before this answer */
	uint16_t qtype;           /* the type resolved */
	bool minimised;           /* asked/asked_type differ from cur/qtype */
	unsigned max_cname;       /* CNAMEs allowed in the whole chain */
	bool recursive;           /* asked with RD=1 of a recursive server (a forward
	                             zone): its answers count as authoritative (AA or
	                             not), and NS records without an SOA mean it is
	                             no recursive server (ANS_REFERRAL) */
};

struct ans_result {
	enum ans_kind kind;
	uint8_t ref[BOLT_NAME_MAX];   /* ANS_REFERRAL: the delegated zone (lower-case) */
	uint8_t next[BOLT_NAME_MAX];  /* ANS_CNAME, and the chain's end for NXDOMAIN/NODATA */
	unsigned ncname;              /* CNAMEs (synthesised ones too) in answer, in and out */
	bool has_soa;                 /* NXDOMAIN/NODATA: an SOA came with it */
};

/*
 * Classify m (scrubbed: keep[i] for each RR) for q. Records of the chain
 * (CNAMEs, DNAMEs with the CNAME synthesised from each, the final RRset) are
 * appended to answer, whatever the kind. For a minimised query only
 * ANS_REFERRAL, ANS_NXDOMAIN, ANS_NODATA (the name exists: move on) and
 * ANS_LAME are returned. Returns 0 or -ENOMEM.
 */
int ans_classify(const struct bolt_msg *m, const bool *keep, const struct ans_query *q,
                 struct orr_list *answer, struct ans_result *out);

/*
 * The authority of a negative answer: the SOA (TTL lowered to the negative
 * TTL, RFC 2308 section 5) and the NS RRset when the server sent one, as
 * kept by scrubbing. *ttl: the negative TTL (max_neg bound), 0 when no SOA
 * came (RFC 2308 section 5: such an answer is not cached). Returns 0 or
 * -ENOMEM.
 */
int ans_negative(const struct bolt_msg *m, const bool *keep, uint32_t max_neg,
                 struct orr_list *authority, uint32_t *ttl);

/*
 * The NS names of the delegation to owner in a referral (lower-case) and
 * the smallest TTL of that NS RRset (at most cap).
 */
void ans_referral_ns(const struct bolt_msg *m, const bool *keep, const uint8_t *owner,
                     struct infra_nsset *ns, uint32_t *ttl, uint32_t cap);

/*
 * Glue for host from m's additional section (kept RRs only): A and AAAA as
 * addresses with port, at most max. *ttl: their smallest TTL (at most cap).
 * Returns the count.
 */
unsigned ans_glue(const struct bolt_msg *m, const bool *keep, const uint8_t *host, uint16_t port,
                  struct infra_addr *a, unsigned max, uint32_t *ttl, uint32_t cap);

#endif
