/*
 * [zone] sections: forward and stub zones (struct bolt_cfg_zone; the
 * resolver's side is control/iter/zones.c). Repeatable: one section per
 * zone, at most BOLT_CFG_MAX_ZONES.
 */
#include <stdio.h>
#include <string.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"
#include "lib/config/internal.h"

#define ZFIELD(f) .off = offsetof(struct bolt_cfg_zone, f), \
	.size = sizeof(((struct bolt_cfg_zone *)0)->f)
#define ZCOUNT(f) .count_off = offsetof(struct bolt_cfg_zone, f)

static const char *const type_choices[] = { "forward", "stub", NULL };

/* Indexes in zone_keys, for the check. */
enum { ZK_NAME, ZK_TYPE, ZK_SERVERS };

static const struct key zone_keys[] = {
	[ZK_NAME] = { "zone", "name", K_NAME, 0, 0, ZFIELD(name) },
	[ZK_TYPE] = { "zone", "type", K_ENUM, 0, 0, ZFIELD(type), .choices = type_choices },
	[ZK_SERVERS] = { "zone", "servers", K_ADDRS, F_REPEAT, 53, ZFIELD(servers), ZCOUNT(nservers) },
	{ "zone", "forward-first", K_BOOL, 0, 0, ZFIELD(forward_first) },
	{ "zone", "tcp", K_BOOL, 0, 0, ZFIELD(tcp) },
};
_Static_assert(BOLT_ARRAY_SIZE(zone_keys) <= CFG_MULTI_KEYS_MAX, "raise CFG_MULTI_KEYS_MAX");

static const char *zone_check(const struct bolt_config *cfg, unsigned idx, const unsigned *seen,
                              unsigned *line, char *buf, size_t cap)
{
	const struct bolt_cfg_zone *z = &cfg->zones[idx];
	if (seen[ZK_NAME] == 0)
		return "[zone] without 'name'";
	if (seen[ZK_SERVERS] == 0 || z->nservers == 0) {
		char text[1024];
		if (bolt_name_to_text(z->name, text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "?");
		snprintf(buf, cap, "[zone] %.200s without 'servers'", text);
		return buf;
	}
	for (unsigned i = 0; i < idx; i++) {
		if (bolt_name_equal(cfg->zones[i].name, z->name)) {
			char text[1024];
			if (bolt_name_to_text(z->name, text, sizeof(text)) < 0)
				snprintf(text, sizeof(text), "?");
			*line = seen[ZK_NAME];
			snprintf(buf, cap, "[zone] name: %.200s has a [zone] section already", text);
			return buf;
		}
	}
	return NULL;
}

const struct cfg_multi cfg_zone_section = {
	.name = "zone",
	.keys = zone_keys,
	.nkeys = BOLT_ARRAY_SIZE(zone_keys),
	.arr_off = offsetof(struct bolt_config, zones),
	.count_off = offsetof(struct bolt_config, nzones),
	.elem_size = sizeof(struct bolt_cfg_zone),
	.max = BOLT_CFG_MAX_ZONES,
	.defaults = NULL,  /* zeroed: type forward, forward-first no, tcp no */
	.check = zone_check,
};
