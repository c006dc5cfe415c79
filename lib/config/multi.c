/*
 * Repeatable sections ([zone], ...): the registry and the life of one
 * instance while the loader reads it (see struct cfg_multi in internal.h).
 * The loader (config.c) finds the section of a "[name]" line here, starts
 * an instance, sets its keys through the same setters as every other key
 * with the instance as base, and ends it at the next section line or at
 * the end of the file, when its check runs.
 */
#include <stdio.h>
#include <string.h>

#include "boltdns/config.h"
#include "lib/config/internal.h"

const struct cfg_multi *const cfg_multis[] = {
	&cfg_zone_section,
	&cfg_rpz_section,
};
const size_t cfg_nmultis = BOLT_ARRAY_SIZE(cfg_multis);

const struct cfg_multi *cfg_multi_find(const char *s, size_t len)
{
	for (size_t i = 0; i < cfg_nmultis; i++)
		if (strlen(cfg_multis[i]->name) == len && memcmp(cfg_multis[i]->name, s, len) == 0)
			return cfg_multis[i];
	return NULL;
}

void *cfg_multi_inst(const struct cfg_multi *sec, void *cfg, unsigned idx)
{
	return (char *)cfg + sec->arr_off + (size_t)idx * sec->elem_size;
}

const void *cfg_multi_cinst(const struct cfg_multi *sec, const void *cfg, unsigned idx)
{
	return (const char *)cfg + sec->arr_off + (size_t)idx * sec->elem_size;
}

unsigned cfg_multi_count(const struct cfg_multi *sec, const void *cfg)
{
	unsigned n;
	memcpy(&n, (const char *)cfg + sec->count_off, sizeof(n));
	return n < sec->max ? n : sec->max;
}

const char *cfg_multi_begin(struct cfg_multi_cur *c, struct bolt_config *cfg,
                            const struct cfg_multi *sec, unsigned line, char *buf, size_t cap)
{
	unsigned *count = (unsigned *)(void *)((char *)cfg + sec->count_off);
	memset(c, 0, sizeof(*c));
	if (*count >= sec->max) {
		snprintf(buf, cap, "more than %u [%s] sections", sec->max, sec->name);
		return buf;
	}
	c->sec = sec;
	c->idx = (*count)++;
	c->inst = cfg_multi_inst(sec, cfg, c->idx);
	c->line = line;
	memset(c->inst, 0, sec->elem_size);
	if (sec->defaults != NULL)
		sec->defaults(c->inst);
	return NULL;
}

const char *cfg_multi_end(struct cfg_multi_cur *c, const struct bolt_config *cfg, unsigned *line,
                          char *buf, size_t cap)
{
	const char *why = NULL;
	*line = c->line;
	if (c->sec != NULL && c->sec->check != NULL)
		why = c->sec->check(cfg, c->idx, c->seen, line, buf, cap);
	memset(c, 0, sizeof(*c));
	return why;
}
