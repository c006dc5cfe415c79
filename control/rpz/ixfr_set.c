/*
 * The records of a transferred policy zone (see ixfr.h): an open-addressing
 * table of records keyed by (lower-case owner, type, RDATA), tombstones for
 * deletions, grown at 1/2 load counting tombstones. The SOA is kept apart.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "boltdns/errcode.h"
#include "boltdns/wire_ctx.h"
#include "internal.h"
#include "ixfr.h"

struct rec {
	uint64_t hash;
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	uint8_t olen;
	uint8_t data[];  /* owner (lower case), then RDATA */
};

struct rpz_rrset {
	struct rec **slots;
	size_t nslots;   /* a power of two, or 0 */
	size_t used;     /* records */
	size_t tombs;
	struct rec *soa;
};

/* The mark of a deleted slot (never dereferenced). */
static struct rec tomb_mark;
#define TOMB (&tomb_mark)

static uint64_t hash_of(const uint8_t *owner, size_t olen, uint16_t type, const uint8_t *rdata,
                        uint16_t rdlen)
{
	return XXH3_64bits_withSeed(rdata, rdlen, XXH3_64bits_withSeed(owner, olen, type));
}

static struct rec *rec_new(const uint8_t *owner, size_t olen, uint16_t type, uint32_t ttl,
                           const uint8_t *rdata, uint16_t rdlen, uint64_t h)
{
	struct rec *r = malloc(sizeof(*r) + olen + rdlen);
	if (r == NULL)
		return NULL;
	r->hash = h;
	r->ttl = ttl;
	r->type = type;
	r->rdlen = rdlen;
	r->olen = (uint8_t)olen;
	memcpy(r->data, owner, olen);
	if (rdlen > 0)
		memcpy(r->data + olen, rdata, rdlen);
	return r;
}

static bool rec_is(const struct rec *r, uint64_t h, const uint8_t *owner, size_t olen,
                   uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	return r->hash == h && r->type == type && r->olen == olen && r->rdlen == rdlen &&
	       memcmp(r->data, owner, olen) == 0 &&
	       (rdlen == 0 || memcmp(r->data + olen, rdata, rdlen) == 0);
}

struct rpz_rrset *rpz_rrset_new(void)
{
	return calloc(1, sizeof(struct rpz_rrset));
}

void rpz_rrset_free(struct rpz_rrset *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i] != NULL && s->slots[i] != TOMB)
			free(s->slots[i]);
	free(s->slots);
	free(s->soa);
	free(s);
}

/* Put r into a table with room for it (no equal record there). */
static void place(struct rec **slots, size_t n, struct rec *r)
{
	size_t i = (size_t)r->hash & (n - 1);
	while (slots[i] != NULL && slots[i] != TOMB)
		i = (i + 1) & (n - 1);
	slots[i] = r;
}

static int grow(struct rpz_rrset *s)
{
	size_t n = s->nslots ? s->nslots : 64;
	while ((s->used + 1) * 2 > n)
		n *= 2;
	struct rec **slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i] != NULL && s->slots[i] != TOMB)
			place(slots, n, s->slots[i]);
	free(s->slots);
	s->slots = slots;
	s->nslots = n;
	s->tombs = 0;
	return 0;
}

/* The slot of the record, or of where it would go (-1 in *found when absent). */
static size_t find(const struct rpz_rrset *s, uint64_t h, const uint8_t *owner, size_t olen,
                   uint16_t type, const uint8_t *rdata, uint16_t rdlen, bool *found)
{
	size_t mask = s->nslots - 1, i = (size_t)h & mask, free_at = SIZE_MAX;
	*found = false;
	for (;;) {
		struct rec *r = s->slots[i];
		if (r == NULL)
			return free_at != SIZE_MAX ? free_at : i;
		if (r == TOMB) {
			if (free_at == SIZE_MAX)
				free_at = i;
		} else if (rec_is(r, h, owner, olen, type, rdata, rdlen)) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

/* The owner in lower case into lc; its length or BOLT_ENAME. */
static int owner_lc(const uint8_t *owner, uint8_t *lc)
{
	int ol = bolt_name_len(owner, BOLT_NAME_MAX);
	if (ol <= 0)
		return BOLT_ENAME;
	memcpy(lc, owner, (size_t)ol);
	bolt_name_lower(lc, (size_t)ol);
	return ol;
}

int rpz_rrset_add(struct rpz_rrset *s, const uint8_t *owner, uint16_t type, uint32_t ttl,
                  const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t lc[BOLT_NAME_MAX];
	int ol = owner_lc(owner, lc);
	if (ol < 0)
		return ol;
	if (type == BOLT_TYPE_SOA) {
		struct rec *r = rec_new(lc, (size_t)ol, type, ttl, rdata, rdlen, 0);
		if (r == NULL)
			return -ENOMEM;
		free(s->soa);
		s->soa = r;
		return 0;
	}
	if ((s->used + s->tombs + 1) * 2 > s->nslots && grow(s) < 0)
		return -ENOMEM;
	uint64_t h = hash_of(lc, (size_t)ol, type, rdata, rdlen);
	bool found;
	size_t i = find(s, h, lc, (size_t)ol, type, rdata, rdlen, &found);
	if (found) {
		s->slots[i]->ttl = ttl;
		return 0;
	}
	struct rec *r = rec_new(lc, (size_t)ol, type, ttl, rdata, rdlen, h);
	if (r == NULL)
		return -ENOMEM;
	if (s->slots[i] == TOMB)
		s->tombs--;
	s->slots[i] = r;
	s->used++;
	return 0;
}

int rpz_rrset_del(struct rpz_rrset *s, const uint8_t *owner, uint16_t type,
                  const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t lc[BOLT_NAME_MAX];
	int ol = owner_lc(owner, lc);
	if (ol < 0)
		return ol;
	if (type == BOLT_TYPE_SOA) {
		if (s->soa == NULL)
			return BOLT_ENOENT;
		free(s->soa);
		s->soa = NULL;
		return 0;
	}
	if (s->nslots == 0)
		return BOLT_ENOENT;
	uint64_t h = hash_of(lc, (size_t)ol, type, rdata, rdlen);
	bool found;
	size_t i = find(s, h, lc, (size_t)ol, type, rdata, rdlen, &found);
	if (!found)
		return BOLT_ENOENT;
	free(s->slots[i]);
	s->slots[i] = TOMB;
	s->used--;
	s->tombs++;
	return 0;
}

struct rpz_rrset *rpz_rrset_clone(const struct rpz_rrset *s)
{
	struct rpz_rrset *c = rpz_rrset_new();
	if (c == NULL)
		return NULL;
	if (s->soa != NULL) {
		size_t sz = sizeof(*s->soa) + s->soa->olen + s->soa->rdlen;
		if ((c->soa = malloc(sz)) == NULL)
			goto err;
		memcpy(c->soa, s->soa, sz);
	}
	if (s->nslots == 0)
		return c;
	if ((c->slots = calloc(s->nslots, sizeof(*c->slots))) == NULL)
		goto err;
	c->nslots = s->nslots;
	for (size_t i = 0; i < s->nslots; i++) {
		const struct rec *r = s->slots[i];
		if (r == NULL || r == TOMB)
			continue;
		size_t sz = sizeof(*r) + r->olen + r->rdlen;
		struct rec *d = malloc(sz);
		if (d == NULL)
			goto err;
		memcpy(d, r, sz);
		place(c->slots, c->nslots, d);
		c->used++;
	}
	return c;
err:
	rpz_rrset_free(c);
	return NULL;
}

size_t rpz_rrset_count(const struct rpz_rrset *s)
{
	return s->used + (s->soa != NULL);
}

const uint8_t *rpz_rrset_soa(const struct rpz_rrset *s, uint16_t *rdlen, uint32_t *serial)
{
	if (s->soa == NULL)
		return NULL;
	const uint8_t *rd = s->soa->data + s->soa->olen;
	*rdlen = s->soa->rdlen;
	*serial = 0;
	/* The serial follows the two names. */
	size_t p = 0;
	for (int n = 0; n < 2; n++) {
		int l = bolt_name_len(rd + p, s->soa->rdlen - p);
		if (l <= 0)
			return rd;
		p += (size_t)l;
	}
	if (p + 4 <= s->soa->rdlen)
		*serial = bolt_wire_get_u32(rd + p);
	return rd;
}

/* One record into z: a refused record is counted and reported; false on
 * out-of-memory. */
static bool build_one(struct rpz_zone *z, const struct rec *r, unsigned n, rpz_log_fn log,
                      void *arg)
{
	const char *why = NULL;
	int rc = rpz_zone_add_rr(z, r->data, r->type, r->ttl, r->data + r->olen, r->rdlen, &why);
	if (rc == -ENOMEM)
		return false;
	if (rc < 0) {
		z->st.skipped++;
		if (log != NULL)
			log(arg, "xfr", n, why);
	}
	return true;
}

struct rpz_zone *rpz_rrset_build(const struct rpz_rrset *s, const uint8_t *origin,
                                 rpz_log_fn log, void *arg)
{
	struct rpz_zone *z = rpz_zone_new(origin);
	if (z == NULL)
		return NULL;
	unsigned n = 0;
	if (s->soa != NULL && !build_one(z, s->soa, n, log, arg))
		goto err;
	for (size_t i = 0; i < s->nslots; i++) {
		const struct rec *r = s->slots[i];
		if (r == NULL || r == TOMB)
			continue;
		if (!build_one(z, r, ++n, log, arg))
			goto err;
	}
	return z;
err:
	rpz_zone_free(z);
	return NULL;
}
