/*
 * Local data: static records answered from the cache like any cached
 * response, never expiring. The records are also kept here, sorted by
 * (name, type), so that an RRset is rebuilt whole when one record is added
 * or removed and so that every RRset can be inserted again after a flush.
 *
 * Each RRset becomes one authoritative NOERROR response (QR, AA, RA) to the
 * question (name, type, IN), inserted for DO=0 and DO=1 queries.
 */
#include <arpa/inet.h>
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

struct ctl_local {
	struct bolt_cache *cache;
	struct lrec **rec;
	size_t n;
	size_t cap;
	uint64_t seq;
	bool sorted;
};

struct ctl_local *ctl_local_new(struct bolt_cache *cache)
{
	struct ctl_local *l = calloc(1, sizeof(*l));
	if (l) {
		l->cache = cache;
		l->sorted = true;
	}
	return l;
}

void ctl_local_free(struct ctl_local *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->rec[i]);
	free(l->rec);
	free(l);
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
static int cmp_key(const uint8_t *an, size_t al, uint16_t at, const struct lrec *b)
{
	if (al != b->name_len)
		return al < b->name_len ? -1 : 1;
	int c = memcmp(an, b->name, al);
	if (c)
		return c;
	if (at != b->type)
		return at < b->type ? -1 : 1;
	return 0;
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

int ctl_local_reapply(struct ctl_local *l, const uint8_t *name, bool zone)
{
	int first = 0;
	normalise(l);
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
	int ret = add_line(l, text, err, errlen);
	if (ret < 0)
		return ret;
	/* Rebuild the RRset of the new record only. */
	normalise(l);
	struct lrec *last = NULL;
	for (size_t i = 0; i < l->n; i++)
		if (!last || l->rec[i]->seq > last->seq)
			last = l->rec[i];
	size_t from = lower_bound(l, last->name, last->name_len, last->type);
	size_t to = from;
	while (to < l->n && same_set(l->rec[from], l->rec[to]))
		to++;
	ret = insert_set(l, from, to);
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
	return (int)(to - from);
}

void ctl_local_clear(struct ctl_local *l)
{
	normalise(l);
	for (size_t i = 0; i < l->n; i++)
		if (i == 0 || !same_set(l->rec[i - 1], l->rec[i]))
			delete_set(l, l->rec[i]->name, l->rec[i]->name_len, l->rec[i]->type);
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
