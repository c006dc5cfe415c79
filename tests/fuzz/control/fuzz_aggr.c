/*
 * libFuzzer target: arbitrary records learnt by the store of aggressive
 * NSEC/NSEC3 use (control/iter/aggr.c), then questions answered from it.
 * The store parses NSEC, NSEC3, RRSIG and SOA RDATA of what it is given:
 * it must never crash, read outside a record, loop long or break its
 * memory bound, whatever the records say.
 *
 * Input: the validator target's form (tests/fuzz/validator/fuzz_validator.c,
 * whose seeds are reused): op (1), skew (1), qtype (2), qname (length byte +
 * bytes), zone (length byte + bytes), then records until the end: owner
 * (length byte + bytes), type (2), ttl (4), rdlen (2), rdata. Each RDATA
 * points into the input at its exact length. op picks the memory bound
 * (bit 0: a small one, so eviction runs) and the TTL bound (bits 1-7);
 * skew advances the clock between learning and the second round of
 * questions (hours), so expiry runs too.
 */
#include <stdint.h>
#include <string.h>

#include "boltdns/wire.h"
#include "iter/aggr.h"

#define MAX_RRS 64
/* A time inside the validator fixtures' signature validity (2030). */
#define NOW 1893456000u

struct in {
	const uint8_t *p;
	size_t len, pos;
	bool err;
};

static const uint8_t *take(struct in *in, size_t n)
{
	if (in->err || in->len - in->pos < n) {
		in->err = true;
		return NULL;
	}
	const uint8_t *p = in->p + in->pos;
	in->pos += n;
	return p;
}

static uint32_t num(struct in *in, size_t n)
{
	const uint8_t *p = take(in, n);
	uint32_t v = 0;
	for (size_t i = 0; p && i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* A name field into out (BOLT_NAME_MAX, zero-filled). Returns its length byte. */
static uint8_t name(struct in *in, uint8_t *out)
{
	memset(out, 0, BOLT_NAME_MAX);
	uint8_t l = (uint8_t)num(in, 1);
	if (l > BOLT_NAME_MAX)
		l = BOLT_NAME_MAX;
	const uint8_t *p = take(in, l);
	if (p)
		memcpy(out, p, l);
	return l;
}

static uint8_t buf[BOLT_MSG_MAX];

/* Ask (name, qtype) with and without DNSSEC records; the answer must parse. */
static void ask(struct aggr *a, const uint8_t *qname, uint16_t qtype, uint32_t now)
{
	if (bolt_name_len(qname, BOLT_NAME_MAX) <= 0)
		return;
	static struct bolt_rr rrs[32];
	static uint8_t scratch[2 * BOLT_MSG_MAX];
	for (int d = 0; d < 2; d++) {
		struct bolt_build b;
		uint32_t ttl = 0;
		uint8_t kind = 0;
		int len = aggr_answer(a, qname, qtype, d == 1, now, buf, sizeof(buf), &b, &ttl, &kind);
		if (len > 0) {
			struct bolt_msg m;
			if (bolt_msg_parse(buf, (size_t)len, &m, rrs, 32, scratch, sizeof(scratch)) < 0)
				__builtin_trap();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size, 0, false };
	static struct bolt_rr rrs[MAX_RRS];
	uint8_t op = (uint8_t)num(&in, 1);
	uint8_t skew = (uint8_t)num(&in, 1);
	uint16_t qtype = (uint16_t)num(&in, 2);
	uint8_t qname[BOLT_NAME_MAX], zone[BOLT_NAME_MAX];
	name(&in, qname);
	name(&in, zone);
	if (in.err)
		return 0;
	size_t n = 0;
	while (n < MAX_RRS && in.pos < in.len) {
		struct bolt_rr *rr = &rrs[n];
		memset(rr, 0, sizeof(*rr));
		rr->owner_len = name(&in, rr->owner);
		rr->type = (uint16_t)num(&in, 2);
		rr->rclass = BOLT_CLASS_IN;
		rr->ttl = num(&in, 4);
		rr->rdlen = (uint16_t)num(&in, 2);
		rr->rdata = take(&in, rr->rdlen);
		if (in.err)
			break;
		n++;
	}
	size_t bound = (op & 1) ? 2048 : AGGR_DEFAULT_BYTES;
	struct aggr *a = aggr_new(bound, 50);
	if (a == NULL)
		return 0;
	/* Learnt twice: the second time replaces every record. */
	uint32_t ttl = (uint32_t)(op >> 1) * 60 + 1;
	(void)aggr_learn(a, rrs, n, ttl, NOW);
	(void)aggr_learn(a, rrs, n, ttl, NOW + 1);
	struct aggr_stats st;
	aggr_stats(a, &st);
	if (st.bytes > bound)
		__builtin_trap();
	uint32_t later = NOW + 1 + (uint32_t)skew * 3600;
	for (int round = 0; round < 2; round++) {
		uint32_t now = round == 0 ? NOW + 1 : later;
		ask(a, qname, qtype, now);
		ask(a, zone, qtype, now);
		/* Names next to each record's owner: below it and the owner itself. */
		for (size_t i = 0; i < n && i < 8; i++) {
			uint8_t x[BOLT_NAME_MAX];
			int l = bolt_name_len(rrs[i].owner, BOLT_NAME_MAX);
			if (l <= 0 || l + 2 > BOLT_NAME_MAX)
				continue;
			ask(a, rrs[i].owner, qtype, now);
			x[0] = 1;
			x[1] = 'q';
			memcpy(x + 2, rrs[i].owner, (size_t)l);
			ask(a, x, BOLT_TYPE_A, now);
		}
	}
	aggr_free(a);
	return 0;
}
