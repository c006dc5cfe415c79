/*
 * Inside the RPZ store, shared by zone.c (the store and its look-ups),
 * parse.c (master-file text) and answer.c (policy answers). Not for other
 * modules: they use rpz.h.
 */
#ifndef BOLTDNS_CONTROL_RPZ_INTERNAL_H
#define BOLTDNS_CONTROL_RPZ_INTERNAL_H

#include "rpz.h"

/* Local records one rule may hold (a walled garden needs a few). */
#define RPZ_RULE_RR_MAX 64
/* Bytes of an address key: family, prefix length, 16 address bytes. */
#define RPZ_ADDR_KEY_MAX 18

struct rpz_rule {
	uint32_t key;    /* offset of the key bytes in keys */
	uint32_t rr;     /* offset + 1 of the first local record in rrs; 0: none */
	uint32_t ttl;
	uint8_t klen;
	uint8_t trig;    /* enum rpz_trigger */
	uint8_t action;  /* enum rpz_action */
	uint8_t nrr;
};

/* A local record in rrs (copied in and out with memcpy: not aligned). */
struct rpz_rr {
	uint32_t next;   /* offset + 1 of the next record of the rule; 0: last */
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;  /* RDATA follows */
};

struct rpz_zone {
	uint8_t origin[BOLT_NAME_MAX];
	uint8_t origin_len;   /* 0: not known yet */
	char name[64];
	uint8_t override;
	uint16_t ede;
	bool log;

	struct rpz_rule *rules;
	uint32_t nrules, caprules;
	uint64_t *slots;      /* hash tag << 32 | rule index + 1; 0: empty */
	uint64_t nslots;      /* a power of two */
	uint8_t *keys;
	size_t nkeys, capkeys;
	uint8_t *rrs;
	size_t nrrs, caprrs;
	uint64_t seed;
	/* Prefix lengths present per address trigger (IP, NSIP) and family
	 * (0: IPv4, 1: IPv6): bit n of word n / 64. */
	uint64_t plens[2][2][3];
	uint64_t ntrig[RPZ_TRIG_COUNT];

	/* Parser state that outlives one text (a zone read in parts). */
	uint32_t default_ttl;
	bool have_default_ttl;
	struct rpz_zone_stats st;
};

/*
 * The rule of (trig, key[0..klen)) or, with create, a new one (action
 * RPZ_ACT_NONE, no records). Returns its index, -1 when absent (create
 * false), or -2 on out-of-memory.
 */
int64_t rpz_rule_find(struct rpz_zone *z, uint8_t trig, const uint8_t *key, size_t klen,
                      bool create);

/* Append a local record to rule i. Returns 0, BOLT_ELIMIT (too many) or -ENOMEM. */
int rpz_rule_add_rr(struct rpz_zone *z, uint32_t i, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, uint16_t rdlen);

/* Address key of addr/plen (family 4 or 6) into key; returns its length. */
size_t rpz_addr_key(int family, const uint8_t *addr, unsigned plen, uint8_t *key);

/* Note that an address trigger of this prefix length exists. */
void rpz_plen_note(struct rpz_zone *z, uint8_t trig, int family, unsigned plen);

#endif
