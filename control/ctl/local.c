/*
 * Local data: static records answered from the cache like any cached
 * response, never expiring. The records are also kept here, sorted by
 * (name, type), so that an RRset is rebuilt whole when one record is added
 * or removed and so that every RRset can be inserted again after a flush.
 *
 * Each RRset becomes one authoritative NOERROR response (QR, AA, RA) to the
 * question (name, type, IN), inserted for DO=0 and DO=1 queries.
 *
 * A name with local data behaves as in Unbound's transparent local zone
 * (bolt_local_query, asked by the resolver when the cache missed): other
 * types of the name are NODATA, a local CNAME answers every type and its
 * chain is followed through local data (then resolved as usual when it
 * leaves it), names below are not affected. Those answers are inserted
 * into the cache too ("derived" entries); each remembers the local names it
 * was made from, so that a change at any of them deletes it.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "boltdns/answer.h"
#include "boltdns/hosts.h"
#include "boltdns/wire.h"
#include "ctl_internal.h"

/* Largest TTL accepted (RFC 2181: 2^31 - 1). */
#define TTL_MAX 0x7fffffffu

struct lrec {
	uint8_t name[BOLT_NAME_MAX];  /* lower-case wire form */
	uint8_t name_len;
	bool host_ptr;                /* PTR generated from the hosts file */
	uint16_t type;
	uint32_t ttl;
	uint64_t seq;                 /* order of addition (first hosts name wins) */
	uint16_t rdlen;
	uint8_t rdata[];
};

/* A cache entry answered from local data other than an RRset of its own
 * (NODATA, a CNAME chain, ANY), and the local names it was made from. */
struct derived {
	uint8_t name[BOLT_NAME_MAX];  /* lower-case wire form */
	uint8_t name_len;
	uint16_t type;
	bool chain;                   /* a chain completed by resolution (not static) */
	uint16_t deps_len;
	uint8_t deps[];               /* wire names back to back: the question's
	                                 name, each CNAME target (the last one
	                                 outside local data, if so) */
};

/* Derived entries tracked at most; answers beyond are not cached. */
#define DERIVED_MAX 16384

struct ctl_local {
	struct bolt_cache *cache;
	struct lrec **rec;
	size_t n;
	size_t cap;
	uint64_t seq;
	bool sorted;
	struct derived **der;         /* sorted by (name, type) like rec */
	size_t nder;
	size_t cap_der;
};

/*
 * The table the resolver consults (bolt_local_active): the first one
 * created and not yet freed. boltdns-cp runs one control server, which owns
 * the process's local data; the resolver has no handle on that server (it
 * is linked without it in its tests), hence this one pointer. Loop thread.
 */
static struct ctl_local *active;
/* Bumped by every change of any table: a resolution that started before a
 * change must not insert what it derived from the old data. */
static uint64_t generation;

struct ctl_local *ctl_local_new(struct bolt_cache *cache)
{
	struct ctl_local *l = calloc(1, sizeof(*l));
	if (l) {
		l->cache = cache;
		l->sorted = true;
		if (!active)
			active = l;
		generation++;
	}
	return l;
}

void ctl_local_free(struct ctl_local *l)
{
	if (!l)
		return;
	if (active == l)
		active = NULL;
	generation++;
	for (size_t i = 0; i < l->n; i++)
		free(l->rec[i]);
	free(l->rec);
	for (size_t i = 0; i < l->nder; i++)
		free(l->der[i]);
	free(l->der);
	free(l);
}

struct ctl_local *bolt_local_active(void)
{
	return active;
}

uint64_t bolt_local_generation(void)
{
	return generation;
}

void ctl_local_set_cache(struct ctl_local *l, struct bolt_cache *cache)
{
	l->cache = cache;
}

size_t ctl_local_count(const struct ctl_local *l)
{
	return l->n;
}

/* Order by name (length, then bytes: any total order groups an RRset),
 * type, then order of addition. */
/* The order of both tables (records and derived entries): name length,
 * name bytes, type. */
static int cmp_name_type(const uint8_t *an, size_t al, uint16_t at,
                         const uint8_t *bn, size_t bl, uint16_t bt)
{
	if (al != bl)
		return al < bl ? -1 : 1;
	int c = memcmp(an, bn, al);
	if (c)
		return c;
	return at == bt ? 0 : at < bt ? -1 : 1;
}

static int cmp_key(const uint8_t *an, size_t al, uint16_t at, const struct lrec *b)
{
	return cmp_name_type(an, al, at, b->name, b->name_len, b->type);
}

static int cmp_rec(const void *pa, const void *pb)
{
	const struct lrec *a = *(const struct lrec *const *)pa;
	const struct lrec *b = *(const struct lrec *const *)pb;
	int c = cmp_key(a->name, a->name_len, a->type, b);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* First index whose (name, type) is >= the key (type 0 = first of name). */
static size_t lower_bound(const struct ctl_local *l, const uint8_t *name, size_t len,
                          uint16_t type)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_key(name, len, type, l->rec[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool same_set(const struct lrec *a, const struct lrec *b)
{
	return a->name_len == b->name_len && a->type == b->type &&
	       memcmp(a->name, b->name, a->name_len) == 0;
}

/* Append without sorting (bulk loads sort once at the end). */
static int append(struct ctl_local *l, const uint8_t *name, size_t name_len, uint16_t type,
                  uint32_t ttl, const uint8_t *rdata, size_t rdlen, bool host_ptr)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct lrec **p = realloc(l->rec, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->rec = p;
		l->cap = cap;
	}
	struct lrec *r = malloc(sizeof(*r) + rdlen);
	if (!r)
		return -ENOMEM;
	memcpy(r->name, name, name_len);
	bolt_name_lower(r->name, name_len);
	r->name_len = (uint8_t)name_len;
	r->type = type;
	r->ttl = ttl;
	r->seq = l->seq++;
	r->host_ptr = host_ptr;
	r->rdlen = (uint16_t)rdlen;
	memcpy(r->rdata, rdata, rdlen);
	l->rec[l->n++] = r;
	l->sorted = false;
	return 0;
}

/* Sort, then drop duplicates: identical RDATA in one RRset, and every
 * hosts-file PTR after the first one of its name (the first name listed for
 * an address is the canonical one, as in /etc/hosts). */
static void normalise(struct ctl_local *l)
{
	if (l->sorted || l->n == 0)
		return;
	qsort(l->rec, l->n, sizeof(l->rec[0]), cmp_rec);
	size_t w = 0, set = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct lrec *r = l->rec[i];
		if (w == 0 || !same_set(l->rec[set], r))
			set = w;
		bool drop = false;
		for (size_t j = set; j < w && !drop; j++) {
			const struct lrec *o = l->rec[j];
			if (o->rdlen == r->rdlen && memcmp(o->rdata, r->rdata, r->rdlen) == 0)
				drop = true;
			else if (r->host_ptr && o->host_ptr)
				drop = true;
		}
		if (drop)
			free(r);
		else
			l->rec[w++] = r;
	}
	l->n = w;
	l->sorted = true;
}

/* Build the response of the RRset rec[from..to) and insert it for both DO
 * values. */
static int insert_set(struct ctl_local *l, size_t from, size_t to)
{
	static const size_t cap = BOLT_MSG_MAX;
	const struct lrec *f = l->rec[from];
	struct bolt_build b;
	int ret;

	if (!l->cache)
		return 0; /* kept; inserted once a region is attached */
	if (to - from > BOLT_BUILD_TTL_MAX)
		return BOLT_ETOOBIG;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	ret = bolt_build_init(&b, buf, cap, 0,
	                      BOLT_FLAG_QR | BOLT_FLAG_AA | BOLT_FLAG_RA);
	if (ret == 0)
		ret = bolt_build_question(&b, f->name, f->name_len, f->type, BOLT_CLASS_IN);
	for (size_t i = from; ret == 0 && i < to; i++) {
		const struct lrec *r = l->rec[i];
		ret = bolt_build_rr(&b, BOLT_SEC_ANSWER, r->name, r->type, BOLT_CLASS_IN,
		                    r->ttl, r->rdata, r->rdlen);
	}
	if (ret == 0)
		ret = bolt_build_finish(&b);
	if (ret >= 0) {
		size_t len = (size_t)ret;
		uint32_t now = bolt_now();
		ret = bolt_answer_insert(l->cache, buf, len, b.ttl_off, b.nttl, false, now,
		                         BOLT_CACHE_EXPIRES_NEVER, BOLT_CACHE_STATIC);
		if (ret == 0)
			ret = bolt_answer_insert(l->cache, buf, len, b.ttl_off, b.nttl, true, now,
			                         BOLT_CACHE_EXPIRES_NEVER, BOLT_CACHE_STATIC);
	}
	free(buf);
	return ret == BOLT_ESPACE ? BOLT_ETOOBIG : ret;
}

/* Delete the cache entries of one (name, type) for both DO values. */
static void delete_set(struct ctl_local *l, const uint8_t *name, size_t len, uint16_t type)
{
	if (l->cache)
		bolt_cache_delete(l->cache, name, len, type);
}

/* ---- derived entries ---- */

static int cmp_der(const uint8_t *an, size_t al, uint16_t at, const struct derived *b)
{
	return cmp_name_type(an, al, at, b->name, b->name_len, b->type);
}

static size_t der_lower_bound(const struct ctl_local *l, const uint8_t *name, size_t len,
                              uint16_t type)
{
	size_t lo = 0, hi = l->nder;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_der(name, len, type, l->der[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Remember (name, type) as derived from deps; BOLT_ELIMIT when the table is
 * full (the caller then leaves the answer out of the cache). */
static int der_add(struct ctl_local *l, const uint8_t *name, size_t len, uint16_t type,
                   bool chain, const uint8_t *deps, size_t deps_len)
{
	size_t i = der_lower_bound(l, name, len, type);
	bool found = i < l->nder && cmp_der(name, len, type, l->der[i]) == 0;
	if (!found && l->nder >= DERIVED_MAX)
		return BOLT_ELIMIT;
	struct derived *d = malloc(sizeof(*d) + deps_len);
	if (!d)
		return -ENOMEM;
	memcpy(d->name, name, len);
	d->name_len = (uint8_t)len;
	d->type = type;
	d->chain = chain;
	d->deps_len = (uint16_t)deps_len;
	memcpy(d->deps, deps, deps_len);
	if (found) {
		free(l->der[i]);
		l->der[i] = d;
		return 0;
	}
	if (l->nder == l->cap_der) {
		size_t cap = l->cap_der ? l->cap_der * 2 : 64;
		struct derived **p = realloc(l->der, cap * sizeof(*p));
		if (!p) {
			free(d);
			return -ENOMEM;
		}
		l->der = p;
		l->cap_der = cap;
	}
	memmove(l->der + i + 1, l->der + i, (l->nder - i) * sizeof(l->der[0]));
	l->der[i] = d;
	l->nder++;
	return 0;
}

static bool der_depends(const struct derived *d, const uint8_t *name)
{
	for (size_t off = 0; off < d->deps_len;) {
		int n = bolt_name_len(d->deps + off, d->deps_len - off);
		if (n <= 0)
			return false;
		if (bolt_name_equal(d->deps + off, name))
			return true;
		off += (size_t)n;
	}
	return false;
}

/* Delete every derived entry made from name, from the cache and from the
 * table; name NULL: forget them all and delete the chains only (the caller
 * deletes every static entry at once: each delete scans the whole cache). */
static void der_invalidate(struct ctl_local *l, const uint8_t *name)
{
	size_t w = 0;
	generation++;
	for (size_t i = 0; i < l->nder; i++) {
		struct derived *d = l->der[i];
		if (name && !der_depends(d, name)) {
			l->der[w++] = d;
			continue;
		}
		if (l->cache && (name || d->chain))
			bolt_cache_delete(l->cache, d->name, d->name_len, d->type);
		free(d);
	}
	l->nder = w;
}

/* Cached answers of local names that are not local data's own (resolved
 * before the name became local), found by one walk of the cache. */
struct takeover {
	const struct ctl_local *l;
	struct { uint8_t name[BOLT_NAME_MAX]; uint8_t len; uint16_t type; } *k;
	size_t n, cap;
};

#define TAKEOVER_MAX 4096

static int takeover_cb(const struct bolt_cache_key *key, const struct bolt_cache_out *out,
                       void *arg)
{
	struct takeover *t = arg;
	if (out->val.kind == BOLT_CACHE_STATIC)
		return 0;
	size_t i = lower_bound(t->l, key->name, key->name_len, 0);
	if (i >= t->l->n || t->l->rec[i]->name_len != key->name_len ||
	    memcmp(t->l->rec[i]->name, key->name, key->name_len) != 0)
		return 0;
	if (t->n == t->cap) {
		if (t->cap >= TAKEOVER_MAX)
			return 1;
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *p = realloc(t->k, cap * sizeof(*t->k));
		if (!p)
			return 1;
		t->k = p;
		t->cap = cap;
	}
	memcpy(t->k[t->n].name, key->name, key->name_len);
	t->k[t->n].len = key->name_len;
	t->k[t->n].type = key->qtype;
	t->n++;
	return 0;
}

/* A name with local data answers every type from it: delete what the
 * cache holds for those names from elsewhere. */
static void takeover(struct ctl_local *l)
{
	struct takeover t = { .l = l };
	if (!l->cache || l->n == 0)
		return;
	(void)bolt_cache_walk(l->cache, takeover_cb, &t);
	for (size_t i = 0; i < t.n; i++) {
		bool seen = false;
		/* Each delete scans the cache: one per (name, type). */
		for (size_t j = 0; j < i && !seen; j++)
			seen = t.k[j].type == t.k[i].type && t.k[j].len == t.k[i].len &&
			       memcmp(t.k[j].name, t.k[i].name, t.k[i].len) == 0;
		if (!seen)
			bolt_cache_delete(l->cache, t.k[i].name, t.k[i].len, t.k[i].type);
	}
	free(t.k);
}

size_t ctl_local_derived_count(const struct ctl_local *l)
{
	return l->nder;
}

int ctl_local_reapply(struct ctl_local *l, const uint8_t *name, bool zone)
{
	int first = 0;
	normalise(l);
	/* Static entries are local data only: a full reapply starts from none, so
	 * that what an earlier process (or configuration) left in a cache that
	 * outlived it does not stay forever. */
	if (!name && l->cache) {
		bolt_cache_delete_kind(l->cache, BOLT_CACHE_STATIC);
		takeover(l);
	}
	for (size_t i = 0; i < l->n;) {
		size_t j = i + 1;
		while (j < l->n && same_set(l->rec[i], l->rec[j]))
			j++;
		const struct lrec *r = l->rec[i];
		bool want = !name ||
		            (zone ? bolt_name_in_zone(r->name, name) : bolt_name_equal(r->name, name));
		int ret = want ? insert_set(l, i, j) : 0;
		if (ret < 0 && first == 0)
			first = ret;
		i = j;
	}
	return first;
}

/* Parse "NAME TTL [IN] TYPE RDATA" and append the record. */
static int add_line(struct ctl_local *l, const char *text, char *err, size_t errlen)
{
	char tok[3][BOLT_CFG_STR];
	const char *p = text;
	unsigned ntok = 0;
	int ret;

	/* The first three or four blank-separated tokens; RDATA is the rest. */
	while (ntok < 3) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, " \t");
		if (n == 0 || n >= sizeof(tok[0])) {
			snprintf(err, errlen, "expected \"NAME TTL TYPE RDATA\"");
			return BOLT_ESYNTAX;
		}
		memcpy(tok[ntok], p, n);
		tok[ntok][n] = '\0';
		p += n;
		ntok++;
		if (ntok == 3 && strcasecmp(tok[2], "IN") == 0)
			ntok = 2; /* the optional class: read the type next */
	}
	while (*p == ' ' || *p == '\t')
		p++;

	uint8_t name[BOLT_NAME_MAX];
	ret = bolt_name_from_text(tok[0], name);
	if (ret < 0) {
		snprintf(err, errlen, "bad name '%s': %s", tok[0], bolt_strerror(ret));
		return ret;
	}
	size_t name_len = (size_t)ret;

	char *end;
	errno = 0;
	unsigned long ttl = strtoul(tok[1], &end, 10);
	if (tok[1][0] < '0' || tok[1][0] > '9' || *end || errno || ttl > TTL_MAX) {
		snprintf(err, errlen, "bad TTL '%s'", tok[1]);
		return BOLT_ESYNTAX;
	}
	ret = bolt_type_from_text(tok[2]);
	if (ret < 0 || ret == BOLT_TYPE_OPT || ret == BOLT_TYPE_ANY || ret == 0) {
		snprintf(err, errlen, "bad type '%s'", tok[2]);
		return ret < 0 ? ret : BOLT_ETYPE;
	}
	uint16_t type = (uint16_t)ret;
	if (*p == '\0') {
		snprintf(err, errlen, "missing RDATA");
		return BOLT_ESYNTAX;
	}

	uint8_t *rdata = malloc(BOLT_MSG_MAX);
	if (!rdata)
		return -ENOMEM;
	ret = bolt_rdata_from_text(type, p, rdata, BOLT_MSG_MAX);
	if (ret < 0) {
		snprintf(err, errlen, "bad %s RDATA '%s': %s", tok[2], p, bolt_strerror(ret));
	} else {
		ret = append(l, name, name_len, type, (uint32_t)ttl, rdata, (size_t)ret, false);
		if (ret < 0)
			snprintf(err, errlen, "%s", bolt_strerror(ret));
	}
	free(rdata);
	return ret;
}

int ctl_local_add_text(struct ctl_local *l, const char *text, char *err, size_t errlen)
{
	normalise(l);
	size_t before = l->n;
	int ret = add_line(l, text, err, errlen);
	if (ret < 0)
		return ret;
	normalise(l);
	if (l->n == before)
		return 0; /* the same record again */
	struct lrec *last = NULL;
	for (size_t i = 0; i < l->n; i++)
		if (!last || l->rec[i]->seq > last->seq)
			last = l->rec[i];
	uint8_t name[BOLT_NAME_MAX];
	size_t len = last->name_len;
	memcpy(name, last->name, len);
	/* What was derived through this name (NODATA for the new type, chains
	 * that left local data here) is out of date. */
	der_invalidate(l, name);
	size_t first = lower_bound(l, name, len, 0);
	bool fresh = first + 1 < l->n ? !(l->rec[first + 1]->name_len == len &&
	                                  memcmp(l->rec[first + 1]->name, name, len) == 0)
	                              : true;
	/* A name new to local data takes over every type: answers cached from
	 * upstream for it go (a hosts name's AAAA is NODATA from now on). */
	if (fresh && l->cache)
		bolt_cache_delete(l->cache, name, len, 0);
	/* Rebuild the RRset of the new record (all of the name's when fresh). */
	if (fresh) {
		ret = ctl_local_reapply(l, name, false);
	} else {
		size_t from = lower_bound(l, name, len, last->type);
		size_t to = from;
		while (to < l->n && same_set(l->rec[from], l->rec[to]))
			to++;
		ret = insert_set(l, from, to);
	}
	if (ret < 0)
		snprintf(err, errlen, "cannot insert: %s", bolt_strerror(ret));
	return ret;
}

int ctl_local_remove(struct ctl_local *l, const uint8_t *name, uint16_t type)
{
	uint8_t lc[BOLT_NAME_MAX];
	int len = bolt_name_len(name, BOLT_NAME_MAX);
	if (len < 0)
		return len;
	memcpy(lc, name, (size_t)len);
	bolt_name_lower(lc, (size_t)len);
	normalise(l);

	size_t from = lower_bound(l, lc, (size_t)len, type);
	size_t to = from;
	int prev_type = -1;
	while (to < l->n && l->rec[to]->name_len == len &&
	       memcmp(l->rec[to]->name, lc, (size_t)len) == 0 &&
	       (type == 0 || l->rec[to]->type == type)) {
		/* Each RRset's cache entry goes once, with its first record. */
		if (l->rec[to]->type != prev_type)
			delete_set(l, lc, (size_t)len, l->rec[to]->type);
		prev_type = l->rec[to]->type;
		free(l->rec[to]);
		to++;
	}
	if (to == from)
		return 0;
	memmove(l->rec + from, l->rec + to, (l->n - to) * sizeof(l->rec[0]));
	l->n -= to - from;
	/* NODATA answers of the name and chains through it go with it. */
	der_invalidate(l, lc);
	return (int)(to - from);
}

void ctl_local_clear(struct ctl_local *l)
{
	normalise(l);
	der_invalidate(l, NULL);
	/* Static entries are local data only (its RRsets and NODATA answers):
	 * one scan deletes them all. */
	if (l->cache && l->n)
		bolt_cache_delete_kind(l->cache, BOLT_CACHE_STATIC);
	for (size_t i = 0; i < l->n; i++)
		free(l->rec[i]);
	l->n = 0;
}

/* "d.c.b.a.in-addr.arpa." or the 32 nibbles under ip6.arpa, in wire form. */
static size_t reverse_name(int family, const uint8_t *addr, uint8_t *out)
{
	size_t pos = 0;
	if (family == AF_INET) {
		for (int i = 3; i >= 0; i--) {
			int n = snprintf((char *)out + pos + 1, 4, "%u", addr[i]);
			out[pos] = (uint8_t)n;
			pos += (size_t)n + 1;
		}
		memcpy(out + pos, "\x07in-addr\x04" "arpa", 14); /* with the root label */
		return pos + 14;
	}
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		out[pos++] = 1;
		out[pos++] = (uint8_t)hex[addr[i] & 0xf];
		out[pos++] = 1;
		out[pos++] = (uint8_t)hex[addr[i] >> 4];
	}
	memcpy(out + pos, "\x03ip6\x04" "arpa", 10); /* with the root label */
	return pos + 10;
}

/* Hosts entries are served with this TTL (as Unbound and dnsmasq do with
 * their own defaults, short enough for an edited file to take effect soon
 * after a reload). */
#define HOSTS_TTL 3600

static int host_cb(const char *text, int family, const uint8_t *addr, void *arg)
{
	struct ctl_local *l = arg;
	uint8_t name[BOLT_NAME_MAX], rev[BOLT_NAME_MAX];
	int len = bolt_name_from_text(text, name);
	if (len < 0)
		return len;
	uint16_t type = family == AF_INET ? BOLT_TYPE_A : BOLT_TYPE_AAAA;
	int ret = append(l, name, (size_t)len, type, HOSTS_TTL, addr,
	                 family == AF_INET ? 4 : 16, false);
	if (ret < 0)
		return ret;
	size_t rlen = reverse_name(family, addr, rev);
	/* PTR RDATA is the name itself, in its original case. */
	return append(l, rev, rlen, BOLT_TYPE_PTR, HOSTS_TTL, name, (size_t)len, true);
}

/* ctl_ddr_records' way into local data. */
static int ddr_add(void *arg, const char *line, char *why, size_t whylen)
{
	return add_line(arg, line, why, whylen);
}

int ctl_local_load_config(struct ctl_local *l, const struct bolt_config *cfg,
                          char *err, size_t errlen)
{
	int ret;
	if (cfg->hosts_file[0]) {
		ret = bolt_hosts_parse(cfg->hosts_file, host_cb, l, err, errlen);
		if (ret < 0) {
			if (ret != BOLT_ECONFIG)
				snprintf(err, errlen, "%s: %s", cfg->hosts_file, bolt_strerror(ret));
			ctl_local_reapply(l, NULL, false);
			return ret;
		}
	}
	for (unsigned i = 0; i < cfg->nlocal_data && i < BOLT_CFG_MAX_LOCAL; i++) {
		char why[256];
		ret = add_line(l, cfg->local_data[i], why, sizeof(why));
		if (ret < 0) {
			snprintf(err, errlen, "%s: local data '%s': %s", cfg->path,
			         cfg->local_data[i], why);
			ctl_local_reapply(l, NULL, false);
			return ret;
		}
	}
	ret = ctl_ddr_records(cfg, ddr_add, l, err, errlen);
	if (ret < 0) {
		ctl_local_reapply(l, NULL, false);
		return ret;
	}
	ret = ctl_local_reapply(l, NULL, false);
	if (ret < 0)
		snprintf(err, errlen, "cannot insert local data: %s", bolt_strerror(ret));
	return ret;
}

int bolt_local_load(const struct bolt_config *cfg, struct bolt_cache *cache,
                    char *err, size_t errlen)
{
	struct ctl_local *l = ctl_local_new(cache);
	if (!l)
		return -ENOMEM;
	int ret = ctl_local_load_config(l, cfg, err, errlen);
	ctl_local_free(l);
	return ret;
}

/* ---- answering from local data on a cache miss ---- */

/* Records of (name, type) in l: [*from, *to); type 0 = every type. */
static void range_of(const struct ctl_local *l, const uint8_t *name, size_t len, uint16_t type,
                     size_t *from, size_t *to)
{
	size_t i = lower_bound(l, name, len, type);
	size_t j = i;
	while (j < l->n && l->rec[j]->name_len == len && memcmp(l->rec[j]->name, name, len) == 0 &&
	       (type == 0 || l->rec[j]->type == type))
		j++;
	*from = i;
	*to = j;
}

/* Insert msg (a static answer) for both DO values, remembered as derived
 * from deps; left out of the cache when it cannot be remembered. */
static int insert_derived(struct ctl_local *l, struct bolt_cache *cache,
                          const struct bolt_local_answer *a, uint16_t qtype)
{
	const uint8_t *qname = a->msg + BOLT_HDR_LEN;
	int qlen = bolt_name_len(qname, a->len - BOLT_HDR_LEN);
	if (qlen <= 0)
		return BOLT_EMALF;
	int ret = der_add(l, qname, (size_t)qlen, qtype, false, a->deps, a->deps_len);
	if (ret < 0)
		return ret;
	uint32_t now = bolt_now();
	ret = bolt_answer_insert(cache, a->msg, a->len, a->ttl_off, a->nttl, false, now,
	                         BOLT_CACHE_EXPIRES_NEVER, BOLT_CACHE_STATIC);
	if (ret == 0)
		ret = bolt_answer_insert(cache, a->msg, a->len, a->ttl_off, a->nttl, true, now,
		                         BOLT_CACHE_EXPIRES_NEVER, BOLT_CACHE_STATIC);
	return ret;
}

static bool deps_have(const struct bolt_local_answer *a, const uint8_t *name)
{
	for (size_t off = 0; off < a->deps_len;) {
		int n = bolt_name_len(a->deps + off, a->deps_len - off);
		if (n <= 0)
			return false;
		if (bolt_name_equal(a->deps + off, name))
			return true;
		off += (size_t)n;
	}
	return false;
}

static void deps_push(struct bolt_local_answer *a, const uint8_t *name, size_t len)
{
	if (a->deps_len + len <= sizeof(a->deps)) {
		memcpy(a->deps + a->deps_len, name, len);
		a->deps_len = (uint16_t)(a->deps_len + len);
	}
}

int bolt_local_query(struct ctl_local *l, struct bolt_cache *cache, const uint8_t *qname,
                     size_t qname_len, uint16_t qtype, struct bolt_local_answer *a)
{
	uint8_t cur[BOLT_NAME_MAX];
	size_t cur_len = qname_len;
	size_t from, to;
	struct bolt_build b;
	int ret;

	if (!l || qname_len == 0 || qname_len > BOLT_NAME_MAX || qtype == 0)
		return BOLT_LOCAL_NONE;
	memcpy(cur, qname, qname_len);
	bolt_name_lower(cur, qname_len);
	normalise(l);
	range_of(l, cur, cur_len, 0, &from, &to);
	if (from == to)
		return BOLT_LOCAL_NONE; /* transparent: not a local name */

	a->gen = generation;
	a->deps_len = 0;
	a->target_len = 0;
	a->ncname = 0;
	deps_push(a, cur, cur_len);
	ret = bolt_build_init(&b, a->msg, sizeof(a->msg), 0,
	                      BOLT_FLAG_QR | BOLT_FLAG_AA | BOLT_FLAG_RA);
	if (ret == 0)
		ret = bolt_build_question(&b, cur, cur_len, qtype, BOLT_CLASS_IN);
	bool exact = false;
	for (;;) {
		size_t f, t;
		if (qtype == BOLT_TYPE_ANY) {
			/* Every RRset of the name, as Unbound answers ANY for local data. */
			f = from;
			t = to;
		} else {
			range_of(l, cur, cur_len, qtype, &f, &t);
		}
		if (f < t) {
			exact = a->ncname == 0 && qtype != BOLT_TYPE_ANY;
			for (size_t i = f; ret == 0 && i < t; i++) {
				const struct lrec *r = l->rec[i];
				ret = bolt_build_rr(&b, BOLT_SEC_ANSWER, r->name, r->type, BOLT_CLASS_IN,
				                    r->ttl, r->rdata, r->rdlen);
			}
			break;
		}
		range_of(l, cur, cur_len, BOLT_TYPE_CNAME, &f, &t);
		if (f == t)
			break; /* NODATA at cur */
		/* A CNAME RRset has one record (RFC 2181 10.1): follow the first. */
		const struct lrec *c = l->rec[f];
		ret = bolt_build_rr(&b, BOLT_SEC_ANSWER, c->name, c->type, BOLT_CLASS_IN, c->ttl,
		                    c->rdata, c->rdlen);
		if (ret != 0)
			break;
		a->ncname++;
		int tlen = bolt_name_len(c->rdata, c->rdlen);
		if (tlen <= 0 || (size_t)tlen != c->rdlen)
			break;
		memcpy(cur, c->rdata, (size_t)tlen);
		cur_len = (size_t)tlen;
		bolt_name_lower(cur, cur_len);
		/* A loop, or a chain longer than we follow: the answer is the chain
		 * so far, as an authoritative server gives it for its own data;
		 * the client sees where it loops. */
		if (deps_have(a, cur) || a->ncname >= BOLT_LOCAL_CHAIN_MAX)
			break;
		deps_push(a, cur, cur_len);
		range_of(l, cur, cur_len, 0, &from, &to);
		if (from == to) {
			/* The chain leaves local data: the target is resolved as usual. */
			memcpy(a->target, cur, cur_len);
			a->target_len = (uint8_t)cur_len;
			break;
		}
	}
	if (ret == 0)
		ret = bolt_build_finish(&b);
	if (ret < 0)
		return ret;
	a->len = (size_t)ret;
	a->nttl = b.nttl;
	memcpy(a->ttl_off, b.ttl_off, b.nttl * sizeof(b.ttl_off[0]));
	if (a->target_len)
		return BOLT_LOCAL_CHAIN;
	if (cache) {
		/* An RRset of its own is inserted again (it was evicted or not yet
		 * there); anything else is derived. */
		if (exact) {
			ret = bolt_answer_insert(cache, a->msg, a->len, a->ttl_off, a->nttl, false,
			                         bolt_now(), BOLT_CACHE_EXPIRES_NEVER, BOLT_CACHE_STATIC);
			if (ret == 0)
				ret = bolt_answer_insert(cache, a->msg, a->len, a->ttl_off, a->nttl, true,
				                         bolt_now(), BOLT_CACHE_EXPIRES_NEVER,
				                         BOLT_CACHE_STATIC);
		} else {
			ret = insert_derived(l, cache, a, qtype);
		}
		/* Not cached is not fatal: the answer itself is right. */
		(void)ret;
	}
	return BOLT_LOCAL_ANSWER;
}

int bolt_local_complete(const struct bolt_local_answer *a, const uint8_t *ext, size_t ext_len,
                        uint8_t *out, size_t cap, struct bolt_build *b)
{
	enum { RR_MAX = 1024 };
	struct bolt_msg chain, m;
	int ret = -ENOMEM;

	struct bolt_rr *rrs = malloc(sizeof(*rrs) * (RR_MAX + BOLT_LOCAL_CHAIN_MAX + 1));
	uint8_t *scratch = malloc(2 * (BOLT_MSG_MAX + 1));
	uint8_t *cscratch = malloc(2 * (BOLT_MSG_MAX + 1));
	if (!rrs || !scratch || !cscratch)
		goto out;
	struct bolt_rr *crrs = rrs + RR_MAX;
	ret = bolt_msg_parse(a->msg, a->len, &chain, crrs, BOLT_LOCAL_CHAIN_MAX + 1, cscratch,
	                     2 * (BOLT_MSG_MAX + 1));
	if (ret == 0)
		ret = bolt_msg_parse(ext, ext_len, &m, rrs, RR_MAX, scratch, 2 * (BOLT_MSG_MAX + 1));
	if (ret < 0)
		goto out;
	uint16_t rcode = BOLT_RCODE(m.flags);
	/* Not authoritative: part of the answer comes from elsewhere. */
	ret = bolt_build_init(b, out, cap, 0, BOLT_FLAG_QR | BOLT_FLAG_RA | rcode);
	if (ret == 0)
		ret = bolt_build_question(b, chain.qname, chain.qname_len, chain.qtype, BOLT_CLASS_IN);
	for (unsigned i = 0; ret == 0 && i < chain.rrcount; i++) {
		const struct bolt_rr *r = &chain.rrs[i];
		ret = bolt_build_rr(b, BOLT_SEC_ANSWER, r->owner, r->type, r->rclass, r->ttl, r->rdata,
		                    r->rdlen);
	}
	/* The target's answer, authority (SOA of a negative answer) and
	 * additional records, as resolved. */
	if (rcode != BOLT_RCODE_SERVFAIL) {
		for (unsigned i = 0; ret == 0 && i < m.rrcount; i++) {
			const struct bolt_rr *r = &m.rrs[i];
			ret = bolt_build_rr(b, r->section, r->owner, r->type, r->rclass, r->ttl, r->rdata,
			                    r->rdlen);
		}
	}
	if (ret == 0)
		ret = bolt_build_finish(b);
out:
	free(rrs);
	free(scratch);
	free(cscratch);
	return ret;
}

int bolt_local_insert_chain(struct ctl_local *l, struct bolt_cache *cache,
                            const struct bolt_local_answer *a, const uint8_t *msg, size_t len,
                            const uint16_t *ttl_off, uint16_t nttl, bool do_bit, uint32_t now,
                            uint32_t ttl, uint8_t kind)
{
	if (!l || !cache || a->gen != generation)
		return BOLT_ELIMIT; /* the local data changed meanwhile */
	const uint8_t *qname = a->msg + BOLT_HDR_LEN;
	int qlen = bolt_name_len(qname, a->len - BOLT_HDR_LEN);
	if (qlen <= 0)
		return BOLT_EMALF;
	uint16_t qtype;
	memcpy(&qtype, qname + qlen, 2);
	qtype = be16toh(qtype);
	int ret = der_add(l, qname, (size_t)qlen, qtype, true, a->deps, a->deps_len);
	if (ret < 0)
		return ret;
	/* Not static: it lives as long as the part that was resolved. */
	return bolt_answer_insert(cache, msg, len, ttl_off, nttl, do_bit, now, ttl,
	                          kind == BOLT_CACHE_STATIC ? BOLT_CACHE_POSITIVE : kind);
}
