/*
 * Published NSEC ranges in the region (see boltdns/negrange.h).
 *
 * Seqlock per slot, as lib/cache/throttle.c: a writer turns the slot's even
 * seq odd with a compare-and-swap, writes, makes it even again; a reader
 * copies what it needs between two loads of seq and keeps the copy only when
 * both are the same even value. Names and records are word arrays copied
 * with relaxed atomic loads and stores (a data race is undefined in C11
 * even when the seqlock throws the copy away).
 */
#include <errno.h>
#include <string.h>

#include "boltdns/negrange.h"

static inline uint8_t lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* ---- names ---- */

/* Offsets of the labels of wire name n (at most 128), their count. */
static int label_offsets(const uint8_t *n, uint8_t off[128])
{
	int k = 0;
	unsigned p = 0;
	while (n[p] != 0 && k < 128 && p < BOLT_NAME_MAX) {
		off[k++] = (uint8_t)p;
		p += 1u + n[p];
	}
	return k;
}

int bolt_negrange_name_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[128], ob[128];
	int na = label_offsets(a, oa), nb = label_offsets(b, ob);
	/* from the rightmost label leftwards */
	for (int i = na - 1, j = nb - 1; i >= 0 && j >= 0; i--, j--) {
		const uint8_t *la = a + oa[i], *lb = b + ob[j];
		unsigned m = la[0] < lb[0] ? la[0] : lb[0];
		for (unsigned k = 1; k <= m; k++) {
			uint8_t x = lc(la[k]), y = lc(lb[k]);
			if (x != y)
				return x < y ? -1 : 1;
		}
		if (la[0] != lb[0])
			return la[0] < lb[0] ? -1 : 1;
	}
	return na == nb ? 0 : na < nb ? -1 : 1;
}

/* Labels a and b share from the right. */
static int common_labels(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[128], ob[128];
	int na = label_offsets(a, oa), nb = label_offsets(b, ob), k = 0;
	for (int i = na - 1, j = nb - 1; i >= 0 && j >= 0; i--, j--, k++) {
		const uint8_t *la = a + oa[i], *lb = b + ob[j];
		if (la[0] != lb[0])
			break;
		unsigned x = 1;
		while (x <= la[0] && lc(la[x]) == lc(lb[x]))
			x++;
		if (x <= la[0])
			break;
	}
	return k;
}

/* The label of name directly under a zone of zl labels (name strictly
 * below it): its offset in name, or -1. */
static int label_under(const uint8_t *name, int zl)
{
	uint8_t off[128];
	int n = label_offsets(name, off);
	return n > zl ? off[n - zl - 1] : -1;
}

/* Label order of RFC 4034 6.1 on lower-case labels (length-prefixed). */
static int label_cmp(const uint8_t *a, unsigned al, const uint8_t *b, unsigned bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	if (c != 0)
		return c;
	return al == bl ? 0 : al < bl ? -1 : 1;
}

bool bolt_negrange_covers(const uint8_t *zone, const uint8_t *owner, const uint8_t *next,
                          const uint8_t *name)
{
	int zl = bolt_name_labels(zone);
	if (zl < 0 || bolt_name_labels(name) <= zl || common_labels(name, zone) != zl ||
	    common_labels(owner, zone) != zl || common_labels(next, zone) != zl)
		return false;
	/* the closest encloser is the apex: no label below it in common */
	if (common_labels(name, owner) != zl || common_labels(name, next) != zl)
		return false;
	if (bolt_negrange_name_cmp(owner, name) >= 0)
		return false;
	/* the last NSEC of the zone points back to the apex: up to the end */
	return bolt_negrange_name_cmp(name, next) < 0 || bolt_negrange_name_cmp(next, owner) <= 0;
}

/* ---- word copies ---- */

static void load_bytes(uint8_t *dst, const uint64_t *src, unsigned len)
{
	unsigned w = 0;
	for (; (w + 1) * 8 <= len; w++) {
		uint64_t v = __atomic_load_n(&src[w], __ATOMIC_RELAXED);
		memcpy(dst + w * 8, &v, 8);
	}
	if (w * 8 < len) {
		uint64_t v = __atomic_load_n(&src[w], __ATOMIC_RELAXED);
		memcpy(dst + w * 8, &v, len - w * 8);
	}
}

static void store_bytes(uint64_t *dst, const uint8_t *src, unsigned len)
{
	for (unsigned w = 0; w * 8 < len; w++) {
		uint64_t v = 0;
		unsigned n = len - w * 8 < 8 ? len - w * 8 : 8;
		memcpy(&v, src + w * 8, n);
		__atomic_store_n(&dst[w], v, __ATOMIC_RELAXED);
	}
}

#define LD(f) __atomic_load_n(&(f), __ATOMIC_RELAXED)
#define ST(f, v) __atomic_store_n(&(f), (v), __ATOMIC_RELAXED)

/* ---- entries ---- */

static int copy_lower(uint8_t *dst, const uint8_t *name)
{
	int n = bolt_name_len(name, BOLT_NAME_MAX);
	if (n <= 0)
		return BOLT_ENAME;
	for (int i = 0; i < n; i++)
		dst[i] = lc(name[i]);
	return n;
}

int bolt_negrange_entry_init(struct bolt_negrange_entry *e, const uint8_t *zone,
                             const uint8_t *owner, const uint8_t *next, uint32_t inserted,
                             uint32_t until)
{
	memset(e, 0, offsetof(struct bolt_negrange_entry, wire));
	if (copy_lower(e->zone, zone) < 0 || copy_lower(e->owner, owner) < 0 ||
	    copy_lower(e->next, next) < 0)
		return BOLT_ENAME;
	if ((int32_t)(until - inserted) <= 0)
		return -EINVAL;
	e->inserted = inserted;
	e->until = until;
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int bolt_negrange_entry_add(struct bolt_negrange_entry *e, const uint8_t *owner, uint16_t type,
                            uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	int ol = bolt_name_len(owner, BOLT_NAME_MAX);
	if (ol <= 0)
		return BOLT_ENAME;
	size_t need = (size_t)ol + 10 + rdlen;
	if (e->n1 >= BOLT_NEGRANGE_RRS || e->len1 + need > BOLT_NEGRANGE_WIRE_MAX)
		return BOLT_ESPACE;
	uint8_t *p = e->wire + e->len1;
	memcpy(p, owner, (size_t)ol);
	p += ol;
	put16(p, type);
	put16(p + 2, BOLT_CLASS_IN);
	e->ttl_off[e->n1++] = (uint16_t)(e->len1 + ol + 4);
	p[4] = (uint8_t)(ttl >> 24);
	p[5] = (uint8_t)(ttl >> 16);
	p[6] = (uint8_t)(ttl >> 8);
	p[7] = (uint8_t)ttl;
	put16(p + 8, rdlen);
	memcpy(p + 10, rdata, rdlen);
	e->len1 = (uint16_t)(e->len1 + need);
	if (e->n1 == 1) {
		e->n0 = 1;
		e->len0 = e->len1;
	}
	return 0;
}

/* ---- the table ---- */

/* Read slot s's zone and owner (lower-case) consistently; false while a
 * writer is inside. */
static bool read_key(const struct bolt_negrange_slot *s, uint32_t *until, uint8_t *zone,
                     unsigned *zl, uint8_t *owner, unsigned *olen)
{
	uint32_t q = atomic_load_explicit(&s->seq, memory_order_acquire);
	if (q & 1)
		return false;
	*until = atomic_load_explicit(&s->until, memory_order_relaxed);
	*zl = LD(s->zone_len);
	*olen = LD(s->owner_len);
	if (*zl == 0 || *zl > BOLT_NAME_MAX || *olen == 0 || *olen > BOLT_NAME_MAX)
		*zl = *olen = 0;
	else {
		load_bytes(zone, s->zone, *zl);
		load_bytes(owner, s->owner, *olen);
	}
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) == q;
}

int bolt_negrange_publish(struct bolt_negrange_table *t, const struct bolt_negrange_entry *e)
{
	int zl = bolt_name_len(e->zone, BOLT_NAME_MAX), ol = bolt_name_len(e->owner, BOLT_NAME_MAX),
	    nl = bolt_name_len(e->next, BOLT_NAME_MAX);
	if (zl <= 0 || ol <= 0 || nl <= 0 || e->n0 != 1 || e->n1 < 1 ||
	    e->len1 > BOLT_NEGRANGE_WIRE_MAX || (int32_t)(e->until - e->inserted) <= 0 ||
	    !bolt_name_in_zone(e->owner, e->zone) || !bolt_name_in_zone(e->next, e->zone))
		return -EINVAL;
	/* the labels under the zone the lookup compares */
	int zlabels = bolt_name_labels(e->zone);
	int oo = label_under(e->owner, zlabels), no = label_under(e->next, zlabels);
	uint8_t olab[64] = { 0 }, nlab[64] = { 0 };
	uint8_t olen = BOLT_NEGRANGE_APEX, nlen = BOLT_NEGRANGE_APEX;
	if (oo >= 0) {
		olen = e->owner[oo];
		memcpy(olab, e->owner + oo + 1, olen);
	}
	if (no >= 0) {
		nlen = e->next[no];
		memcpy(nlab, e->next + no + 1, nlen);
	}
	uint8_t wrap = bolt_negrange_name_cmp(e->next, e->owner) <= 0;
	/* A few rounds: a slot changes under the scan only when another
	 * worker publishes at the same moment. */
	for (int round = 0; round < 8; round++) {
		struct bolt_negrange_slot *pick = NULL;
		uint32_t q = 0, soonest = UINT32_MAX;
		for (unsigned i = 0; i < BOLT_NEGRANGE_SLOTS; i++) {
			struct bolt_negrange_slot *s = &t->slot[i];
			uint8_t zone[BOLT_NAME_MAX], owner[BOLT_NAME_MAX];
			uint32_t u, sq = atomic_load_explicit(&s->seq, memory_order_acquire);
			unsigned l, o;
			if ((sq & 1) || !read_key(s, &u, zone, &l, owner, &o) ||
			    atomic_load_explicit(&s->seq, memory_order_relaxed) != sq)
				continue;
			if (l == (unsigned)zl && o == (unsigned)ol && memcmp(zone, e->zone, l) == 0 &&
			    memcmp(owner, e->owner, o) == 0) {
				pick = s;
				q = sq;
				break;
			}
			uint32_t key = l == 0 || (int32_t)(u - e->inserted) <= 0 ? 0 : u;
			if (pick == NULL || key < soonest) {
				soonest = key;
				pick = s;
				q = sq;
			}
		}
		if (pick == NULL)
			return -EBUSY;
		if (!atomic_compare_exchange_strong_explicit(&pick->seq, &q, q + 1,
		                                             memory_order_acquire,
		                                             memory_order_relaxed))
			continue;
		atomic_thread_fence(memory_order_release);
		atomic_store_explicit(&pick->until, e->until, memory_order_relaxed);
		ST(pick->inserted, e->inserted);
		ST(pick->zone_len, (uint8_t)zl);
		ST(pick->owner_len, (uint8_t)ol);
		ST(pick->next_len, (uint8_t)nl);
		ST(pick->olab_len, olen);
		ST(pick->nlab_len, nlen);
		ST(pick->wrap, wrap);
		store_bytes(pick->olab, olab, sizeof(olab));
		store_bytes(pick->nlab, nlab, sizeof(nlab));
		ST(pick->n0, e->n0);
		ST(pick->n1, e->n1);
		ST(pick->len0, e->len0);
		ST(pick->len1, e->len1);
		for (unsigned i = 0; i < BOLT_NEGRANGE_RRS; i++)
			ST(pick->ttl_off[i], i < e->n1 ? e->ttl_off[i] : 0);
		store_bytes(pick->zone, e->zone, (unsigned)zl);
		store_bytes(pick->owner, e->owner, (unsigned)ol);
		store_bytes(pick->next, e->next, (unsigned)nl);
		store_bytes(pick->wire, e->wire, e->len1);
		atomic_store_explicit(&pick->seq, q + 2, memory_order_release);
		uint32_t m = atomic_load_explicit(&t->until_max, memory_order_relaxed);
		while ((int32_t)(e->until - m) > 0 &&
		       !atomic_compare_exchange_weak_explicit(&t->until_max, &m, e->until,
		                                              memory_order_release,
		                                              memory_order_relaxed))
			;
		return 0;
	}
	return -EBUSY;
}

void bolt_negrange_forget(struct bolt_negrange_table *t, const uint8_t *name, bool below)
{
	for (unsigned i = 0; i < BOLT_NEGRANGE_SLOTS; i++) {
		struct bolt_negrange_slot *s = &t->slot[i];
		uint8_t zone[BOLT_NAME_MAX], owner[BOLT_NAME_MAX];
		uint32_t u;
		unsigned l, o;
		bool hit;
		if (!read_key(s, &u, zone, &l, owner, &o)) {
			hit = true;   /* being written: it may be the zone, end it */
		} else if (l == 0) {
			continue;
		} else if (name == NULL) {
			hit = true;
		} else {
			hit = bolt_name_in_zone(name, zone) || (below && bolt_name_in_zone(zone, name));
		}
		/* until alone: a reader looks at it before anything else, and
		 * an ended slot is free for the next range. A writer inside at
		 * this moment may still set it again: flushes are rare, and the
		 * range it publishes was proven after the flush began. */
		if (hit)
			atomic_store_explicit(&s->until, 0, memory_order_release);
	}
}

int bolt_negrange_lookup(const struct bolt_negrange_table *t, const uint8_t *name,
                         unsigned name_len, uint32_t now, bool dnssec, struct bolt_cache_out *out,
                         unsigned *hint)
{
	if ((int32_t)(atomic_load_explicit(&t->until_max, memory_order_acquire) - now) <= 0)
		return BOLT_ENOENT;
	unsigned first = hint != NULL ? *hint % BOLT_NEGRANGE_SLOTS : 0;
	for (unsigned k = 0; k < BOLT_NEGRANGE_SLOTS; k++) {
		unsigned i = (first + k) % BOLT_NEGRANGE_SLOTS;
		const struct bolt_negrange_slot *s = &t->slot[i];
		uint32_t until = atomic_load_explicit(&s->until, memory_order_relaxed);
		if ((int32_t)(until - now) <= 0)
			continue;
		uint32_t q = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (q & 1)
			continue;
		until = atomic_load_explicit(&s->until, memory_order_relaxed);
		if ((int32_t)(until - now) <= 0)
			continue;
		unsigned zl = LD(s->zone_len);
		if (zl == 0 || zl >= name_len)
			continue;
		/* the zone must be a label-aligned suffix of name; x: the
		 * label of name directly under it */
		unsigned off = 0, x = 0;
		while (off < name_len && name_len - off > zl) {
			x = off;
			off += name[off] + 1u;
		}
		if (off >= name_len || name_len - off != zl)
			continue;
		uint8_t zone[BOLT_NAME_MAX], olab[64], nlab[64];
		load_bytes(zone, s->zone, zl);
		if (memcmp(zone, name + off, zl) != 0)
			continue;
		unsigned olen = LD(s->olab_len), nlen = LD(s->nlab_len), wrap = LD(s->wrap);
		if (olen != BOLT_NEGRANGE_APEX)
			load_bytes(olab, s->olab, olen < 64 ? olen : 64);
		if (nlen != BOLT_NEGRANGE_APEX)
			load_bytes(nlab, s->nlab, nlen < 64 ? nlen : 64);
		unsigned n = dnssec ? LD(s->n1) : LD(s->n0);
		unsigned len = dnssec ? LD(s->len1) : LD(s->len0);
		uint32_t inserted = LD(s->inserted);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) != q)
			continue;
		if ((olen != BOLT_NEGRANGE_APEX && olen > 63) || (nlen != BOLT_NEGRANGE_APEX && nlen > 63) ||
		    n == 0 || n > BOLT_NEGRANGE_RRS || len > BOLT_NEGRANGE_WIRE_MAX)
			continue;
		/* bolt_negrange_covers for a name below the zone, by its label
		 * under it: after owner's (and not equal: a name at or below
		 * owner), before next's (not equal: at or below next, which may
		 * make an empty non-terminal of it) unless the range wraps */
		const uint8_t *xl = name + x + 1;
		unsigned xlen = name[x];
		if (olen != BOLT_NEGRANGE_APEX && label_cmp(olab, olen, xl, xlen) >= 0)
			continue;
		if (nlen != BOLT_NEGRANGE_APEX) {
			int c = label_cmp(xl, xlen, nlab, nlen);
			if (c == 0 || (c > 0 && !wrap))
				continue;
		}
		if (len > out->cap || n > out->ttl_cap)
			return BOLT_ESPACE;
		load_bytes(out->sections, s->wire, len);
		for (unsigned k = 0; k < n; k++)
			out->ttl_off[k] = LD(s->ttl_off[k]);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) != q)
			continue;   /* rewritten meanwhile: the copy may be torn */
		for (unsigned k = 0; k < n; k++)
			if ((unsigned)out->ttl_off[k] + 4 > len)
				return BOLT_ENOENT;
		memset(&out->val, 0, sizeof(out->val));
		out->val.flags = BOLT_FLAG_QR | BOLT_FLAG_RA | BOLT_RCODE_NXDOMAIN;
		out->val.nscount = (uint16_t)n;
		out->val.nttl = (uint16_t)n;
		out->val.len = len;
		out->val.inserted = inserted;
		out->val.expires = until;
		out->val.kind = BOLT_CACHE_NXDOMAIN;
		out->val.status = BOLT_SEC_SECURE;
		if (hint != NULL)
			*hint = i;
		return 0;
	}
	return BOLT_ENOENT;
}

unsigned bolt_negrange_count(const struct bolt_negrange_table *t, uint32_t now,
                             const uint8_t *zone, unsigned *of_zone)
{
	unsigned n = 0, z = 0;
	int want = zone != NULL ? bolt_name_len(zone, BOLT_NAME_MAX) : 0;
	for (unsigned i = 0; i < BOLT_NEGRANGE_SLOTS; i++) {
		uint8_t zn[BOLT_NAME_MAX], owner[BOLT_NAME_MAX];
		uint32_t u;
		unsigned l, o;
		if (!read_key(&t->slot[i], &u, zn, &l, owner, &o) || l == 0 ||
		    (int32_t)(u - now) <= 0)
			continue;
		n++;
		if (want > 0 && l == (unsigned)want && bolt_name_equal(zn, zone))
			z++;
	}
	if (of_zone != NULL)
		*of_zone = z;
	return n;
}
