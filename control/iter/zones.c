/*
 * The table of forward and stub zones (zones.h): a fixed array replaced in
 * place by zones_configure, so that a pointer a resolution holds stays
 * valid memory; the generation tells it whether the entry is still what it
 * saw. At most BOLT_CFG_MAX_ZONES zones: the longest match is a scan.
 */
#include <string.h>
#include <sys/socket.h>

#include "boltdns/cache.h"
#include "zones.h"

static struct zone table[BOLT_CFG_MAX_ZONES];
static unsigned ntable;
static unsigned generation = 1;

unsigned zones_generation(void)
{
	return generation;
}

unsigned zones_count(void)
{
	return ntable;
}

const struct zone *zones_get(unsigned i)
{
	return i < ntable ? &table[i] : NULL;
}

const char *zones_type_name(uint8_t type)
{
	return type == BOLT_ZONE_STUB ? "stub" : "forward";
}

static void addr_from_cfg(const struct bolt_sockaddr *sa, struct infra_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = sa->family;
	a->port = sa->port != 0 ? sa->port : 53;
	memcpy(a->addr, sa->addr, sizeof(a->addr));
}

/* The zone as configured, counters at zero. */
static void from_cfg(struct zone *z, const struct bolt_cfg_zone *c)
{
	memset(z, 0, sizeof(*z));
	int len = bolt_name_len(c->name, sizeof(c->name));
	memcpy(z->name, c->name, len > 0 ? (size_t)len : 1);
	if (len <= 0)
		z->name[0] = 0;
	bolt_name_lower(z->name, (size_t)(len > 0 ? len : 1));
	z->labels = bolt_name_labels(z->name);
	z->type = c->type == BOLT_ZONE_STUB ? BOLT_ZONE_STUB : BOLT_ZONE_FORWARD;
	z->forward_first = c->forward_first;
	z->tcp = c->tcp;
	for (unsigned i = 0; i < c->nservers && z->nsrv < BOLT_CFG_MAX_ADDRS; i++)
		addr_from_cfg(&c->servers[i], &z->srv[z->nsrv++].a);
}

/* Same name, type, options and servers (in order)? */
static bool same_config(const struct zone *a, const struct zone *b)
{
	if (!bolt_name_equal(a->name, b->name) || a->type != b->type ||
	    a->forward_first != b->forward_first || a->tcp != b->tcp || a->nsrv != b->nsrv)
		return false;
	for (unsigned i = 0; i < a->nsrv; i++)
		if (memcmp(&a->srv[i].a, &b->srv[i].a, sizeof(a->srv[i].a)) != 0)
			return false;
	return true;
}

static const struct zone *find_name(const struct zone *t, unsigned n, const uint8_t *name)
{
	for (unsigned i = 0; i < n; i++)
		if (bolt_name_equal(t[i].name, name))
			return &t[i];
	return NULL;
}

unsigned zones_configure(const struct bolt_cfg_zone *z, unsigned n, zones_changed_cb changed,
                         void *arg)
{
	static struct zone fresh[BOLT_CFG_MAX_ZONES], old[BOLT_CFG_MAX_ZONES];
	unsigned nfresh = 0, nold = ntable, nchanged = 0;
	if (n > BOLT_CFG_MAX_ZONES)
		n = BOLT_CFG_MAX_ZONES;
	for (unsigned i = 0; i < n; i++) {
		from_cfg(&fresh[nfresh], &z[i]);
		/* a name twice (the loader refuses it): the first wins */
		if (find_name(fresh, nfresh, fresh[nfresh].name) == NULL)
			nfresh++;
	}
	memcpy(old, table, sizeof(old));
	/* an unchanged zone keeps its counters */
	for (unsigned i = 0; i < nfresh; i++) {
		const struct zone *o = find_name(old, nold, fresh[i].name);
		if (o != NULL && same_config(o, &fresh[i]))
			fresh[i] = *o;
		else
			nchanged++;
	}
	for (unsigned i = 0; i < nold; i++)
		if (find_name(fresh, nfresh, old[i].name) == NULL)
			nchanged++;
	if (nchanged == 0)
		return 0;
	memcpy(table, fresh, sizeof(table));
	ntable = nfresh;
	generation++;
	if (changed == NULL)
		return nchanged;
	for (unsigned i = 0; i < nfresh; i++) {
		const struct zone *o = find_name(old, nold, fresh[i].name);
		if (o == NULL || !same_config(o, &fresh[i]))
			changed(fresh[i].name, arg);
	}
	for (unsigned i = 0; i < nold; i++)
		if (find_name(fresh, nfresh, old[i].name) == NULL)
			changed(old[i].name, arg);
	return nchanged;
}

const struct zone *zones_match(const uint8_t *name, int max_labels, const struct zone *skip)
{
	const struct zone *best = NULL;
	for (unsigned i = 0; i < ntable; i++) {
		const struct zone *z = &table[i];
		if (z == skip || (max_labels >= 0 && z->labels > max_labels) ||
		    (best != NULL && z->labels <= best->labels) || !bolt_name_in_zone(name, z->name))
			continue;
		best = z;
	}
	return best;
}

/* The mutable entry behind z (z comes from this table). */
static struct zone *entry(const struct zone *z)
{
	for (unsigned i = 0; i < ntable; i++)
		if (&table[i] == z)
			return &table[i];
	return NULL;
}

void zones_note_try(const struct zone *z, const struct infra_addr *a, enum zone_try t)
{
	struct zone *e = entry(z);
	for (unsigned i = 0; e != NULL && i < e->nsrv; i++) {
		struct zone_srv *s = &e->srv[i];
		if (s->a.family != a->family || s->a.port != a->port ||
		    memcmp(s->a.addr, a->addr, a->family == AF_INET ? 4 : 16) != 0)
			continue;
		if (t == ZONE_TRY_SENT)
			s->queries++;
		else if (t == ZONE_TRY_ANSWER)
			s->answers++, s->last_answer = bolt_now();
		else
			s->failures++;
		return;
	}
}

void zones_note_question(const struct zone *z)
{
	struct zone *e = entry(z);
	if (e != NULL)
		e->questions++;
}

void zones_note_fallback(const struct zone *z)
{
	struct zone *e = entry(z);
	if (e != NULL)
		e->fallbacks++;
}

void zones_note_failure(const struct zone *z)
{
	struct zone *e = entry(z);
	if (e != NULL)
		e->failures++;
}
