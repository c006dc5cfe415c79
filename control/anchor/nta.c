/*
 * Negative trust anchors (RFC 7646): names at and below which validation
 * is turned off, from the configuration (never expire) or `boltctl nta add`
 * (expire). A table of a few entries scanned linearly: the validator asks
 * once per zone cut, and operators keep a handful of NTAs at most.
 */
#include <errno.h>
#include <string.h>

#include "anchor.h"
#include "boltdns/errcode.h"

void nta_init(struct nta_table *t)
{
	t->n = 0;
}

static struct nta *find(struct nta_table *t, const uint8_t *name)
{
	for (unsigned i = 0; i < t->n; i++)
		if (bolt_name_equal(t->e[i].name, name))
			return &t->e[i];
	return NULL;
}

int nta_add(struct nta_table *t, const uint8_t *name, bool from_config, int64_t expires)
{
	int len = bolt_name_len(name, BOLT_NAME_MAX);
	if (len < 0)
		return len;
	struct nta *e = find(t, name);
	if (e != NULL) {
		/* a configured NTA stays permanent; a runtime one is renewed */
		if (e->from_config)
			return 0;
		e->from_config = from_config;
		e->expires = from_config ? 0 : expires;
		return 0;
	}
	if (t->n >= NTA_MAX)
		return BOLT_ESPACE;
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, (size_t)len);
	bolt_name_lower(e->name, (size_t)len);
	e->name_len = (uint8_t)len;
	e->from_config = from_config;
	e->expires = from_config ? 0 : expires;
	return 0;
}

int nta_remove(struct nta_table *t, const uint8_t *name)
{
	struct nta *e = find(t, name);
	if (e == NULL)
		return BOLT_ENOENT;
	if (e->from_config)
		return -EPERM;
	*e = t->e[--t->n];
	return 0;
}

unsigned nta_expire(struct nta_table *t, int64_t now)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->n;) {
		if (t->e[i].expires != 0 && t->e[i].expires <= now) {
			t->e[i] = t->e[--t->n];
			n++;
		} else {
			i++;
		}
	}
	return n;
}

const struct nta *nta_covers(const struct nta_table *t, const uint8_t *name, int64_t now)
{
	const struct nta *best = NULL;
	int best_labels = -1;
	for (unsigned i = 0; i < t->n; i++) {
		const struct nta *e = &t->e[i];
		if (e->expires != 0 && e->expires <= now)
			continue;
		if (!bolt_name_in_zone(name, e->name))
			continue;
		int l = bolt_name_labels(e->name);
		if (l > best_labels) {
			best = e;
			best_labels = l;
		}
	}
	return best;
}

int nta_set_config(struct nta_table *t, const uint8_t (*names)[BOLT_NAME_MAX], unsigned n)
{
	for (unsigned i = 0; i < t->n;) {
		if (t->e[i].from_config)
			t->e[i] = t->e[--t->n];
		else
			i++;
	}
	for (unsigned i = 0; i < n; i++) {
		/* a runtime NTA for a name now configured becomes permanent */
		struct nta *e = find(t, names[i]);
		if (e != NULL) {
			e->from_config = true;
			e->expires = 0;
			continue;
		}
		int ret = nta_add(t, names[i], true, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}
