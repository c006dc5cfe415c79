/*
 * RFC 5011 automated updates of DNSSEC trust anchors: the state of each
 * key of a trust point, moved by the validated DNSKEY RRsets the caller
 * feeds in, and the active refresh timers of section 2.3.
 *
 * Keys are matched with the REVOKE bit masked out: a revoked key is the
 * same key with one flag bit set (and so another key tag). Only SEP keys
 * (flags 257, 385 revoked) are followed, as Unbound and BIND do: zone
 * signing keys are no trust anchors.
 */
#include <string.h>

#include "anchor.h"
#include "boltdns/errcode.h"
#include "tafile.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* The interval formula of section 2.3 with its floor, ceiling and divisor. */
static uint32_t interval(uint32_t ttl, int64_t sig_expire, int64_t now, uint32_t ceiling,
                         uint32_t div)
{
	uint32_t v = min_u32(ceiling, ttl / div);
	if (sig_expire > now) {
		int64_t left = sig_expire - now;
		uint32_t l = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
		v = min_u32(v, l / div);
	}
	return max_u32(3600, v);
}

uint32_t ta_5011_query_interval(uint32_t ttl, int64_t sig_expire, int64_t now)
{
	return interval(ttl, sig_expire, now, 15u * 86400u, 2);
}

uint32_t ta_5011_retry_interval(uint32_t ttl, int64_t sig_expire, int64_t now)
{
	return interval(ttl, sig_expire, now, 86400u, 10);
}

/* Same key, REVOKE bit aside. */
static bool same_key(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen || alen < 4)
		return false;
	return a[0] == b[0] && (a[1] & ~TA_FLAG_REVOKE) == (b[1] & ~TA_FLAG_REVOKE) &&
	       memcmp(a + 2, b + 2, alen - 2) == 0;
}

static struct ta_key *find_key(struct ta_point *p, const uint8_t *rdata, size_t rdlen)
{
	for (unsigned i = 0; i < p->nkeys; i++)
		if (p->keys[i].type == TA_TYPE_DNSKEY &&
		    same_key(p->keys[i].rdata, p->keys[i].rdlen, rdata, rdlen))
			return &p->keys[i];
	return NULL;
}

static void set_state(struct ta_key *k, enum ta_state st, int64_t now, bool *changed)
{
	if (k->state == st)
		return;
	k->state = st;
	k->changed = now;
	*changed = true;
}

static void remove_key(struct ta_point *p, unsigned i)
{
	memmove(&p->keys[i], &p->keys[i + 1], (p->nkeys - i - 1) * sizeof(p->keys[0]));
	p->nkeys--;
}

static uint16_t flags_of(const uint8_t *rdata)
{
	return (uint16_t)((rdata[0] << 8) | rdata[1]);
}

bool ta_5011_revocable(const struct ta_point *p, const uint8_t *rdata, size_t rdlen)
{
	if (rdlen < 4 || rdlen > TA_RDATA_MAX || !(flags_of(rdata) & TA_FLAG_REVOKE) ||
	    !(flags_of(rdata) & TA_FLAG_SEP))
		return false;
	for (unsigned i = 0; i < p->nkeys; i++) {
		const struct ta_key *k = &p->keys[i];
		if (k->type == TA_TYPE_DNSKEY && same_key(k->rdata, k->rdlen, rdata, rdlen))
			return k->state == TA_VALID || k->state == TA_MISSING ||
			       k->state == TA_ADDPEND;
	}
	return false;
}

/*
 * DS anchors vouch for keys: once a validated set shows them, the matching
 * SEP keys become Valid DNSKEY anchors and the DS anchors go (Unbound does
 * the same), so that revocation and new keys are followed from then on.
 */
static void replace_ds(struct ta_point *p, const struct ta_dnskey_in *keys, unsigned nkeys,
                       int64_t now, bool *changed)
{
	bool any_ds = false;
	for (unsigned i = 0; i < p->nkeys; i++)
		any_ds = any_ds || p->keys[i].type == TA_TYPE_DS;
	if (!any_ds)
		return;
	unsigned matched = 0;
	for (unsigned k = 0; k < nkeys; k++) {
		const struct ta_dnskey_in *in = &keys[k];
		if (in->rdlen < 4 || (flags_of(in->rdata) & TA_FLAG_REVOKE) ||
		    !(flags_of(in->rdata) & TA_FLAG_SEP))
			continue;
		for (unsigned i = 0; i < p->nkeys; i++) {
			const struct ta_key *d = &p->keys[i];
			if (d->type != TA_TYPE_DS ||
			    !ta_ds_matches(p->name, d->rdata, d->rdlen, in->rdata, in->rdlen))
				continue;
			/* An anchor file with the DS and the DNSKEY (Debian's
			 * root.key) already has the key: the DS goes all the same,
			 * or it would keep trusting the key after its revocation. */
			if (find_key(p, in->rdata, in->rdlen) != NULL) {
				matched++;
			} else if (ta_set_add_key(p, in->rdata, in->rdlen, TA_VALID, now, now) == 0) {
				matched++;
				*changed = true;
			}
			break;
		}
	}
	if (matched == 0)
		return;
	for (unsigned i = 0; i < p->nkeys;) {
		if (p->keys[i].type == TA_TYPE_DS) {
			remove_key(p, i);
			*changed = true;
		} else {
			i++;
		}
	}
}

int ta_5011_update(struct ta_point *p, const struct ta_dnskey_in *keys, unsigned nkeys,
                   bool validated, uint32_t ttl, int64_t sig_expire, int64_t now,
                   uint32_t hold_down, bool *changed)
{
	bool dummy;
	if (changed == NULL)
		changed = &dummy;
	*changed = false;
	p->last_queried = now;
	if (!validated) {
		p->query_failed++;
		p->next_probe = now + ta_5011_retry_interval(p->ttl, sig_expire, now);
		goto out;
	}
	p->query_failed = 0;
	p->last_success = now;
	p->ttl = ttl;
	replace_ds(p, keys, nkeys, now, changed);

	bool seen[TA_MAX_KEYS] = { false };
	for (unsigned k = 0; k < nkeys; k++) {
		const struct ta_dnskey_in *in = &keys[k];
		if (in->rdlen < 4 || in->rdlen > TA_RDATA_MAX || !(flags_of(in->rdata) & TA_FLAG_SEP) ||
		    !(flags_of(in->rdata) & TA_FLAG_ZONE) || in->rdata[2] != 3)
			continue;
		bool revoked = flags_of(in->rdata) & TA_FLAG_REVOKE;
		struct ta_key *a = find_key(p, in->rdata, in->rdlen);
		if (a == NULL) {
			/* NewKey: Start -> AddPend. A revoked key we never trusted is nothing to us. */
			if (revoked)
				continue;
			if (ta_set_add_key(p, in->rdata, in->rdlen, TA_ADDPEND, now, now) == 0) {
				seen[p->nkeys - 1] = true;
				*changed = true;
			}
			continue;
		}
		seen[a - p->keys] = true;
		if (revoked) {
			/* RevBit: only the key itself can revoke itself (section 2.1) */
			if (!in->self_signed ||
			    !(a->state == TA_VALID || a->state == TA_MISSING || a->state == TA_ADDPEND))
				continue;
			memcpy(a->rdata, in->rdata, in->rdlen);
			a->flags = flags_of(in->rdata);
			a->tag = ta_key_tag(a->rdata, a->rdlen);
			set_state(a, TA_REVOKED, now, changed);
			continue;
		}
		/* KeyPres: a Missing key is back */
		if (a->state == TA_MISSING)
			set_state(a, TA_VALID, now, changed);
	}
	for (unsigned i = 0; i < p->nkeys;) {
		struct ta_key *a = &p->keys[i];
		if (a->type != TA_TYPE_DNSKEY) {
			i++;
			continue;
		}
		if (!seen[i]) {
			/* KeyRem: AddPend -> Start (forgotten), Valid -> Missing */
			if (a->state == TA_ADDPEND) {
				memmove(&seen[i], &seen[i + 1], (p->nkeys - i - 1) * sizeof(seen[0]));
				remove_key(p, i);
				*changed = true;
				continue;
			}
			if (a->state == TA_VALID)
				set_state(a, TA_MISSING, now, changed);
			/* a Removed key no longer published is forgotten, so that
			 * rollovers never fill the table (a set must validate with a
			 * trusted key before anything in it counts, so nothing is lost) */
			if (a->state == TA_REMOVED) {
				memmove(&seen[i], &seen[i + 1], (p->nkeys - i - 1) * sizeof(seen[0]));
				remove_key(p, i);
				*changed = true;
				continue;
			}
		}
		/* AddTime: the key stayed in every validated set for the hold-down */
		if (a->state == TA_ADDPEND && seen[i] && now - a->added >= (int64_t)hold_down)
			set_state(a, TA_VALID, now, changed);
		/* RemTime */
		if (a->state == TA_REVOKED && now - a->changed >= (int64_t)hold_down)
			set_state(a, TA_REMOVED, now, changed);
		i++;
	}
	p->next_probe = now + ta_5011_query_interval(ttl, sig_expire, now);
out:;
	int n = 0;
	for (unsigned i = 0; i < p->nkeys; i++)
		n += p->keys[i].type == TA_TYPE_DNSKEY && ta_key_trusted(&p->keys[i]);
	return n;
}

struct ta_point *ta_5011_due(struct ta_set *s, int64_t now)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->point[i].next_probe <= now)
			return &s->point[i];
	return NULL;
}

int64_t ta_5011_next_probe(const struct ta_set *s)
{
	int64_t best = -1;
	for (unsigned i = 0; i < s->n; i++)
		if (best < 0 || s->point[i].next_probe < best)
			best = s->point[i].next_probe;
	return best;
}
