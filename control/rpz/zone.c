/*
 * The policy store of one Response Policy Zone (see rpz.h): rules in one
 * open-addressing hash table keyed by trigger kind and trigger bytes, their
 * keys and local records in arenas that grow by doubling.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <xxhash.h>

#include "boltdns/cache.h"
#include "boltdns/errcode.h"
#include "internal.h"

struct rpz_zone *rpz_zone_new(const uint8_t *origin)
{
	struct rpz_zone *z = calloc(1, sizeof(*z));
	if (z == NULL)
		return NULL;
	if (origin != NULL) {
		int l = bolt_name_len(origin, BOLT_NAME_MAX);
		if (l <= 0) {
			free(z);
			return NULL;
		}
		memcpy(z->origin, origin, (size_t)l);
		bolt_name_lower(z->origin, (size_t)l);
		z->origin_len = (uint8_t)l;
	}
	z->override = RPZ_ACT_GIVEN;
	z->ede = RPZ_EDE_NONE;
	z->seed = bolt_hash_seed();
	return z;
}

void rpz_zone_free(struct rpz_zone *z)
{
	if (z == NULL)
		return;
	free(z->rules);
	free(z->slots);
	free(z->keys);
	free(z->rrs);
	free(z);
}

void rpz_zone_set_policy(struct rpz_zone *z, uint8_t override, uint16_t ede, bool log,
                         const char *name)
{
	z->override = override;
	z->ede = ede;
	z->log = log;
	snprintf(z->name, sizeof(z->name), "%s", name != NULL ? name : "");
}

uint8_t rpz_zone_override(const struct rpz_zone *z) { return z->override; }
uint16_t rpz_zone_ede(const struct rpz_zone *z) { return z->ede; }
bool rpz_zone_log(const struct rpz_zone *z) { return z->log; }
const char *rpz_zone_name(const struct rpz_zone *z) { return z->name; }
size_t rpz_zone_rules(const struct rpz_zone *z) { return z != NULL ? z->nrules : 0; }

const uint8_t *rpz_zone_origin(const struct rpz_zone *z)
{
	return z->origin_len > 0 ? z->origin : NULL;
}

bool rpz_zone_has(const struct rpz_zone *z, uint8_t trigger)
{
	if (trigger == RPZ_TRIG_QNAME)
		return z->ntrig[RPZ_TRIG_QNAME] + z->ntrig[RPZ_TRIG_QNAME_WILD] > 0;
	if (trigger == RPZ_TRIG_NSDNAME)
		return z->ntrig[RPZ_TRIG_NSDNAME] + z->ntrig[RPZ_TRIG_NSDNAME_WILD] > 0;
	return trigger < RPZ_TRIG_COUNT && z->ntrig[trigger] > 0;
}

void rpz_zone_get_stats(const struct rpz_zone *z, struct rpz_zone_stats *st)
{
	*st = z->st;
	st->rules = z->nrules;
	memcpy(st->trig, z->ntrig, sizeof(st->trig));
	st->bytes = sizeof(*z) + (uint64_t)z->caprules * sizeof(*z->rules) +
	            z->nslots * sizeof(*z->slots) + z->capkeys + z->caprrs;
}

/* ---- the hash table ---- */

static uint64_t key_hash(const struct rpz_zone *z, uint8_t trig, const uint8_t *key, size_t klen)
{
	return XXH3_64bits_withSeed(key, klen, z->seed + trig);
}

static bool rule_is(const struct rpz_zone *z, const struct rpz_rule *r, uint8_t trig,
                    const uint8_t *key, size_t klen)
{
	return r->trig == trig && r->klen == klen && memcmp(z->keys + r->key, key, klen) == 0;
}

/* Index of the rule of (trig, key) or -1; *slot: where it is or would go. */
static int64_t probe(const struct rpz_zone *z, uint8_t trig, const uint8_t *key, size_t klen,
                     uint64_t h, uint64_t *slot)
{
	if (z->nslots == 0)
		return -1;
	uint64_t tag = h >> 32;
	for (uint64_t i = h & (z->nslots - 1);; i = (i + 1) & (z->nslots - 1)) {
		uint64_t s = z->slots[i];
		if (s == 0) {
			*slot = i;
			return -1;
		}
		if ((s >> 32) == tag) {
			uint32_t idx = (uint32_t)(s & 0xffffffffu) - 1;
			if (rule_is(z, &z->rules[idx], trig, key, klen)) {
				*slot = i;
				return idx;
			}
		}
	}
}

static int grow_table(struct rpz_zone *z)
{
	uint64_t n = z->nslots ? z->nslots * 2 : 1024;
	uint64_t *s = calloc(n, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	for (uint32_t r = 0; r < z->nrules; r++) {
		const struct rpz_rule *ru = &z->rules[r];
		uint64_t h = key_hash(z, ru->trig, z->keys + ru->key, ru->klen);
		uint64_t i = h & (n - 1);
		while (s[i] != 0)
			i = (i + 1) & (n - 1);
		s[i] = (h >> 32) << 32 | (uint64_t)(r + 1);
	}
	free(z->slots);
	z->slots = s;
	z->nslots = n;
	return 0;
}

/* Make room for n more bytes in *buf (capacity *cap, used len). */
static int reserve(uint8_t **buf, size_t *cap, size_t len, size_t n)
{
	if (len + n <= *cap)
		return 0;
	size_t c = *cap ? *cap : 4096;
	while (c < len + n)
		c *= 2;
	if (c > UINT32_MAX)
		return -ENOMEM;
	uint8_t *p = realloc(*buf, c);
	if (p == NULL)
		return -ENOMEM;
	*buf = p;
	*cap = c;
	return 0;
}

int64_t rpz_rule_find(struct rpz_zone *z, uint8_t trig, const uint8_t *key, size_t klen,
                      bool create)
{
	uint64_t h = key_hash(z, trig, key, klen);
	uint64_t slot = 0;
	int64_t idx = probe(z, trig, key, klen, h, &slot);
	if (idx >= 0 || !create)
		return idx;
	if (klen > 255 || z->nrules >= UINT32_MAX - 1)
		return -2;
	/* Load at most one half: a miss ends within a few slots. */
	if ((uint64_t)(z->nrules + 1) * 2 > z->nslots) {
		if (grow_table(z) < 0)
			return -2;
		(void)probe(z, trig, key, klen, h, &slot);
	}
	if (z->nrules == z->caprules) {
		uint32_t c = z->caprules ? z->caprules * 2 : 256;
		struct rpz_rule *r = realloc(z->rules, (size_t)c * sizeof(*r));
		if (r == NULL)
			return -2;
		z->rules = r;
		z->caprules = c;
	}
	if (reserve(&z->keys, &z->capkeys, z->nkeys, klen) < 0)
		return -2;
	struct rpz_rule *r = &z->rules[z->nrules];
	memset(r, 0, sizeof(*r));
	r->key = (uint32_t)z->nkeys;
	r->klen = (uint8_t)klen;
	r->trig = trig;
	memcpy(z->keys + z->nkeys, key, klen);
	z->nkeys += klen;
	z->slots[slot] = (h >> 32) << 32 | (uint64_t)(z->nrules + 1);
	z->ntrig[trig]++;
	return z->nrules++;
}

int rpz_rule_add_rr(struct rpz_zone *z, uint32_t i, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, uint16_t rdlen)
{
	struct rpz_rule *r = &z->rules[i];
	if (r->nrr >= RPZ_RULE_RR_MAX)
		return BOLT_ELIMIT;
	struct rpz_rr rr = { .next = 0, .ttl = ttl, .type = type, .rdlen = rdlen };
	if (reserve(&z->rrs, &z->caprrs, z->nrrs, sizeof(rr) + rdlen) < 0)
		return -ENOMEM;
	uint32_t off = (uint32_t)z->nrrs;
	memcpy(z->rrs + off, &rr, sizeof(rr));
	memcpy(z->rrs + off + sizeof(rr), rdata, rdlen);
	z->nrrs += sizeof(rr) + rdlen;
	/* Appended at the end of the rule's chain: records keep file order. */
	if (r->rr == 0) {
		r->rr = off + 1;
	} else {
		uint32_t at = r->rr - 1;
		for (;;) {
			struct rpz_rr cur;
			memcpy(&cur, z->rrs + at, sizeof(cur));
			if (cur.next == 0) {
				cur.next = off + 1;
				memcpy(z->rrs + at, &cur, sizeof(cur));
				break;
			}
			at = cur.next - 1;
		}
	}
	if (r->nrr == 0)
		r->ttl = ttl;
	r->nrr++;
	return 0;
}

bool rpz_rule_rr(const struct rpz_zone *z, uint32_t rule, unsigned i, uint16_t *type,
                 uint32_t *ttl, const uint8_t **rdata, uint16_t *rdlen)
{
	if (rule >= z->nrules)
		return false;
	uint32_t at = z->rules[rule].rr;
	while (at != 0) {
		struct rpz_rr rr;
		memcpy(&rr, z->rrs + at - 1, sizeof(rr));
		if (i == 0) {
			*type = rr.type;
			*ttl = rr.ttl;
			*rdata = z->rrs + at - 1 + sizeof(rr);
			*rdlen = rr.rdlen;
			return true;
		}
		i--;
		at = rr.next;
	}
	return false;
}

/* ---- look-ups ---- */

static bool hit(const struct rpz_zone *z, int64_t idx, struct rpz_hit *h)
{
	if (idx < 0)
		return false;
	const struct rpz_rule *r = &z->rules[idx];
	if (r->action == RPZ_ACT_NONE)
		return false;
	h->zone = z;
	h->rule = (uint32_t)idx;
	h->trigger = r->trig;
	h->ttl = r->ttl;
	h->action = z->override != RPZ_ACT_GIVEN ? z->override : r->action;
	return true;
}

static int64_t find(const struct rpz_zone *z, uint8_t trig, const uint8_t *key, size_t klen)
{
	uint64_t slot;
	return probe(z, trig, key, klen, key_hash(z, trig, key, klen), &slot);
}

/* Exact trigger of kind exact, else the wildcard (kind wild) of the
 * closest ancestor that has one. */
static bool match_name(const struct rpz_zone *z, uint8_t exact, uint8_t wild,
                       const uint8_t *name, struct rpz_hit *h)
{
	int len = bolt_name_len(name, BOLT_NAME_MAX);
	if (len <= 0)
		return false;
	if (z->ntrig[exact] > 0 && hit(z, find(z, exact, name, (size_t)len), h))
		return true;
	if (z->ntrig[wild] == 0)
		return false;
	/* `*.example` covers every name below example, not example itself. */
	for (int pos = 0; name[pos] != 0;) {
		pos += 1 + name[pos];
		if (hit(z, find(z, wild, name + pos, (size_t)(len - pos)), h))
			return true;
	}
	return false;
}

bool rpz_zone_match_qname(const struct rpz_zone *z, const uint8_t *qname, struct rpz_hit *h)
{
	return match_name(z, RPZ_TRIG_QNAME, RPZ_TRIG_QNAME_WILD, qname, h);
}

bool rpz_zone_match_nsdname(const struct rpz_zone *z, const uint8_t *name, struct rpz_hit *h)
{
	return match_name(z, RPZ_TRIG_NSDNAME, RPZ_TRIG_NSDNAME_WILD, name, h);
}

size_t rpz_addr_key(int family, const uint8_t *addr, unsigned plen, uint8_t *key)
{
	size_t bytes = (plen + 7) / 8;
	key[0] = family == AF_INET ? 4 : 6;
	key[1] = (uint8_t)plen;
	memcpy(key + 2, addr, bytes);
	if (plen % 8)
		key[2 + bytes - 1] &= (uint8_t)(0xff00u >> (plen % 8));
	return 2 + bytes;
}

static unsigned plen_slot(uint8_t trig)
{
	return trig == RPZ_TRIG_NSIP ? 1 : 0;
}

void rpz_plen_note(struct rpz_zone *z, uint8_t trig, int family, unsigned plen)
{
	z->plens[plen_slot(trig)][family == AF_INET6][plen / 64] |= 1ull << (plen % 64);
}

bool rpz_zone_match_addr(const struct rpz_zone *z, uint8_t trigger, int family,
                         const uint8_t *addr, struct rpz_hit *h)
{
	if ((trigger != RPZ_TRIG_IP && trigger != RPZ_TRIG_NSIP) || z->ntrig[trigger] == 0 ||
	    (family != AF_INET && family != AF_INET6))
		return false;
	const uint64_t *bits = z->plens[plen_slot(trigger)][family == AF_INET6];
	uint8_t key[RPZ_ADDR_KEY_MAX];
	/* Longest prefix first. */
	for (int plen = family == AF_INET ? 32 : 128; plen >= 0; plen--) {
		if (!(bits[plen / 64] & (1ull << (plen % 64))))
			continue;
		size_t kl = rpz_addr_key(family, addr, (unsigned)plen, key);
		if (hit(z, find(z, trigger, key, kl), h))
			return true;
	}
	return false;
}

/* ---- differences ---- */

static bool same_rule(const struct rpz_zone *a, uint32_t ia, const struct rpz_zone *b,
                      uint32_t ib)
{
	const struct rpz_rule *ra = &a->rules[ia], *rb = &b->rules[ib];
	if (ra->action != rb->action || ra->nrr != rb->nrr)
		return false;
	for (unsigned i = 0; i < ra->nrr; i++) {
		uint16_t ta, tb, la, lb;
		uint32_t xa, xb;
		const uint8_t *da, *db;
		if (!rpz_rule_rr(a, ia, i, &ta, &xa, &da, &la) ||
		    !rpz_rule_rr(b, ib, i, &tb, &xb, &db, &lb) || ta != tb || xa != xb || la != lb ||
		    memcmp(da, db, la) != 0)
			return false;
	}
	return true;
}

/* Add to d the rules of a that b lacks or has otherwise. */
static int diff_one(struct rpz_zone *d, const struct rpz_zone *a, const struct rpz_zone *b)
{
	if (a == NULL)
		return 0;
	for (uint32_t i = 0; i < a->nrules; i++) {
		const struct rpz_rule *r = &a->rules[i];
		const uint8_t *key = a->keys + r->key;
		int64_t j = b != NULL ? find(b, r->trig, key, r->klen) : -1;
		if (j >= 0 && same_rule(a, i, b, (uint32_t)j))
			continue;
		int64_t k = rpz_rule_find(d, r->trig, key, r->klen, true);
		if (k < 0)
			return -ENOMEM;
		d->rules[k].action = RPZ_ACT_PASSTHRU;
		if (r->trig == RPZ_TRIG_IP || r->trig == RPZ_TRIG_NSIP)
			rpz_plen_note(d, r->trig, key[0] == 4 ? AF_INET : AF_INET6, key[1]);
	}
	return 0;
}

struct rpz_zone *rpz_zone_diff(const struct rpz_zone *a, const struct rpz_zone *b)
{
	struct rpz_zone *d = rpz_zone_new(NULL);
	if (d == NULL)
		return NULL;
	if (diff_one(d, a, b) < 0 || diff_one(d, b, a) < 0) {
		rpz_zone_free(d);
		return NULL;
	}
	return d;
}

/* ---- names ---- */

const char *rpz_action_name(uint8_t action)
{
	switch (action) {
	case RPZ_ACT_NXDOMAIN: return "nxdomain";
	case RPZ_ACT_NODATA: return "nodata";
	case RPZ_ACT_PASSTHRU: return "passthru";
	case RPZ_ACT_DROP: return "drop";
	case RPZ_ACT_TCP_ONLY: return "tcp-only";
	case RPZ_ACT_LOCAL: return "local-data";
	case RPZ_ACT_GIVEN: return "given";
	default: return "none";
	}
}

const char *rpz_trigger_name(uint8_t trigger)
{
	static const char *const names[RPZ_TRIG_COUNT] = {
		"qname", "qname", "response-ip", "nsdname", "nsdname", "nsip",
	};
	return trigger < RPZ_TRIG_COUNT ? names[trigger] : "unknown";
}

int rpz_rule_text(const struct rpz_zone *z, uint32_t rule, char *out, size_t cap)
{
	if (rule >= z->nrules || cap < 2)
		return BOLT_ESPACE;
	const struct rpz_rule *r = &z->rules[rule];
	const uint8_t *key = z->keys + r->key;
	if (r->trig == RPZ_TRIG_IP || r->trig == RPZ_TRIG_NSIP) {
		uint8_t addr[16] = { 0 };
		char a[INET6_ADDRSTRLEN];
		memcpy(addr, key + 2, (size_t)r->klen - 2);
		if (inet_ntop(key[0] == 4 ? AF_INET : AF_INET6, addr, a, sizeof(a)) == NULL)
			return BOLT_ESPACE;
		int n = snprintf(out, cap, "%s/%u", a, key[1]);
		return n < 0 || (size_t)n >= cap ? BOLT_ESPACE : n;
	}
	size_t pos = 0;
	if (r->trig == RPZ_TRIG_QNAME_WILD || r->trig == RPZ_TRIG_NSDNAME_WILD) {
		if (cap < 3)
			return BOLT_ESPACE;
		memcpy(out, "*.", 2);
		pos = 2;
	}
	if (key[0] == 0 && pos > 0) {
		out[pos - 1] = '\0';
		return (int)pos - 1;
	}
	int n = bolt_name_to_text(key, out + pos, cap - pos);
	return n < 0 ? n : (int)pos + n;
}
