/*
 * libFuzzer target: arbitrary RRsets, keys, DS and NSEC/NSEC3 records fed to
 * every entry point of the validator (control/validator). It must never
 * crash, read outside a record or loop long: the work limits bound each
 * input (at most 16 signature verifications, 32 NSEC3 hashes).
 *
 * Input: op (1), skew (1), qtype (2), qname (length byte + bytes), zone
 * (length byte + bytes), then records until the end: owner (length byte +
 * bytes), type (2), ttl (4), rdlen (2), rdata. Each RDATA points into the
 * input at its exact length, so ASan sees any read past it. Seeds:
 * gen_seeds.py turns the unit tests' signed fixtures into this form.
 */
#include <stdint.h>
#include <string.h>

#include "validator.h"

#define MAX_RRS 64

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

/* A name field into out (BOLT_NAME_MAX, zero-filled: never terminated
 * beyond the buffer). Returns its length byte. */
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

	/* Sort the records into roles as the iterator would. */
	const struct bolt_rr *set[MAX_RRS], *sigs[MAX_RRS], *keys[MAX_RRS], *ds[MAX_RRS],
		*nsec[MAX_RRS], *nsec3[MAX_RRS];
	size_t nset = 0, nsigs = 0, nkeys = 0, nds = 0, nnsec = 0, nnsec3 = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bolt_rr *rr = &rrs[i];
		switch (rr->type) {
		case BOLT_TYPE_RRSIG: sigs[nsigs++] = rr; break;
		case BOLT_TYPE_DNSKEY: keys[nkeys++] = rr; break;
		case BOLT_TYPE_DS: ds[nds++] = rr; break;
		case BOLT_TYPE_NSEC: nsec[nnsec++] = rr; break;
		case BOLT_TYPE_NSEC3: nsec3[nnsec3++] = rr; break;
		default: break;
		}
		/* the RRset: records of the first one's owner and type */
		if (rr->type != BOLT_TYPE_RRSIG && (nset == 0 ||
		    (rr->type == set[0]->type && bolt_name_equal(rr->owner, set[0]->owner))))
			set[nset++] = rr;
	}

	struct bolt_val_params p = { .now = 1893456000u, .skew = (uint32_t)skew * 3600 };
	struct bolt_val_budget b;
	struct bolt_val_result r;
	memset(&r, 0, sizeof(r));
	bolt_val_budget_init(&b);
	struct bolt_val_rrset rs = { set, nset, sigs, nsigs };
	struct bolt_val_rrset ks = { keys, nkeys, sigs, nsigs };
	if (op & 1)
		bolt_val_verify_rrset(&rs, zone, keys, nkeys, &p, &b, &r);
	if (op & 2)
		bolt_val_verify_dnskey(&ks, ds, nds, zone, &p, &b, &r);
	/* RFC 5011 revocations: each key as a revoked key's self-signature */
	for (size_t i = 0; (op & 4) && i < nkeys && i < 4; i++)
		bolt_val_verify_revoked(&ks, zone, keys[i], &p, &b, &r);
	if (r.status == BOLT_VAL_SECURE && r.wildcard_len > 0 && nset > 0) {
		bolt_val_nsec_wildcard(set[0]->owner, r.wildcard, zone, nsec, nnsec, &r);
		bolt_val_nsec3_wildcard(set[0]->owner, r.wildcard, zone, nsec3, nnsec3, &b, &r);
	}
	bolt_val_nsec_nxdomain(qname, zone, nsec, nnsec, &r);
	bolt_val_nsec_nodata(qname, qtype, zone, nsec, nnsec, &r);
	bolt_val_nsec_wildcard(qname, zone, zone, nsec, nnsec, &r);
	bolt_val_nsec_insecure_delegation(qname, zone, nsec, nnsec, &r);
	bolt_val_nsec3_nxdomain(qname, zone, nsec3, nnsec3, &b, &r);
	bolt_val_nsec3_nodata(qname, qtype, zone, nsec3, nnsec3, &b, &r);
	bolt_val_nsec3_wildcard(qname, zone, zone, nsec3, nnsec3, &b, &r);
	bolt_val_nsec3_insecure_delegation(qname, zone, nsec3, nnsec3, &b, &r);
	for (size_t i = 0; i < n; i++) {
		static uint8_t canon[65535];
		bolt_val_canon_rdata(rrs[i].type, rrs[i].rdata, rrs[i].rdlen, canon, sizeof(canon));
		bolt_val_key_tag(rrs[i].rdata, rrs[i].rdlen);
		if (rrs[i].type == BOLT_TYPE_NSEC)
			bolt_val_nsec_covers(&rrs[i], qname);
		if (rrs[i].type == BOLT_TYPE_NSEC3)
			bolt_val_nsec3_covers(&rrs[i], zone, qname, &b);
	}
	for (size_t i = 0; i < nds && i < 4; i++)
		for (size_t k = 0; k < nkeys && k < 4; k++)
			bolt_val_ds_match(ds[i]->rdata, ds[i]->rdlen, keys[k]);
	bolt_val_name_cmp(qname, zone);
	return 0;
}
