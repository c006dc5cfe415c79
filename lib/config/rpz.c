/*
 * [rpz] sections: Response Policy Zones (struct bolt_cfg_rpz; the control
 * plane's side is control/policy.c and policy_xfr.c over control/rpz/). Repeatable: one
 * section per zone, matched in file order, at most BOLT_CFG_MAX_RPZ.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "boltdns/config.h"
#include "boltdns/wire.h"
#include "lib/config/internal.h"

#define RFIELD(f) .off = offsetof(struct bolt_cfg_rpz, f), \
	.size = sizeof(((struct bolt_cfg_rpz *)0)->f)

static const char *const policy_choices[] = {
	"given", "nxdomain", "nodata", "passthru", "drop", NULL,
};
static const char *const ede_choices[] = { "none", "blocked", "censored", "filtered", NULL };

/* Indexes in rpz_keys, for the check. */
enum { RK_NAME, RK_FILE, RK_PRIMARY, RK_TSIG };

static const struct key rpz_keys[] = {
	[RK_NAME] = { "rpz", "name", K_NAME, 0, 0, RFIELD(name) },
	/* "" when the zone comes from a primary (printed so, loaded back). */
	[RK_FILE] = { "rpz", "file", K_STR, F_EMPTY_OK, 0, RFIELD(file), .max = BOLT_CFG_STR - 1 },
	[RK_PRIMARY] = { "rpz", "primary", K_ADDR_OPT, F_EMPTY_OK, 53, RFIELD(primary),
	                 .aux_off = offsetof(struct bolt_cfg_rpz, has_primary) },
	[RK_TSIG] = { "rpz", "tsig-key", K_STR, F_EMPTY_OK, 0, RFIELD(tsig_key),
	              .max = BOLT_CFG_STR - 1 },
	/* NOTIFYs within this time of the last check wait for its end and
	 * are one check (a flood of NOTIFYs is not a flood of transfers). */
	{ "rpz", "notify-min-interval", K_MSEC, 0, 0, RFIELD(notify_interval_ms), .min = 0,
	  .max = 3600000 },
	{ "rpz", "policy", K_ENUM, 0, 0, RFIELD(policy), .choices = policy_choices },
	{ "rpz", "log", K_BOOL, 0, 0, RFIELD(log) },
	{ "rpz", "ede", K_ENUM, 0, 0, RFIELD(ede), .choices = ede_choices },
};
_Static_assert(BOLT_ARRAY_SIZE(rpz_keys) <= CFG_MULTI_KEYS_MAX, "raise CFG_MULTI_KEYS_MAX");

static const char *rpz_check(const struct bolt_config *cfg, unsigned idx, const unsigned *seen,
                             unsigned *line, char *buf, size_t cap)
{
	const struct bolt_cfg_rpz *z = &cfg->rpz[idx];
	if (seen[RK_NAME] == 0)
		return "[rpz] without 'name'";
	char text[1024];
	if (bolt_name_to_text(z->name, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	bool file = seen[RK_FILE] != 0 && z->file[0] != '\0';
	if (z->has_primary && file) {
		*line = seen[RK_PRIMARY];
		snprintf(buf, cap, "[rpz] %.200s: 'file' and 'primary' exclude each other", text);
		return buf;
	}
	if (!z->has_primary && !file) {
		snprintf(buf, cap, "[rpz] %.200s without 'file' or 'primary'", text);
		return buf;
	}
	if (z->tsig_key[0] != '\0') {
		*line = seen[RK_TSIG];
		if (!z->has_primary) {
			snprintf(buf, cap, "[rpz] %.200s: tsig-key needs 'primary'", text);
			return buf;
		}
		/* NAME:hmac-sha256:BASE64 (the secret is checked when used). */
		const char *c1 = strchr(z->tsig_key, ':');
		const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
		if (c1 == NULL || c1 == z->tsig_key || c2 == NULL || c2 - c1 - 1 != 11 ||
		    strncasecmp(c1 + 1, "hmac-sha256", 11) != 0 || c2[1] == '\0') {
			snprintf(buf, cap, "[rpz] %.200s: tsig-key must be NAME:hmac-sha256:BASE64", text);
			return buf;
		}
	}
	for (unsigned i = 0; i < idx; i++) {
		if (bolt_name_equal(cfg->rpz[i].name, z->name)) {
			*line = seen[RK_NAME];
			snprintf(buf, cap, "[rpz] name: %.200s has an [rpz] section already", text);
			return buf;
		}
	}
	return NULL;
}

static void rpz_defaults(void *inst)
{
	struct bolt_cfg_rpz *z = inst;
	z->notify_interval_ms = BOLT_RPZ_NOTIFY_INTERVAL_MS;
}

const struct cfg_multi cfg_rpz_section = {
	.name = "rpz",
	.keys = rpz_keys,
	.nkeys = BOLT_ARRAY_SIZE(rpz_keys),
	.arr_off = offsetof(struct bolt_config, rpz),
	.count_off = offsetof(struct bolt_config, nrpz),
	.elem_size = sizeof(struct bolt_cfg_rpz),
	.max = BOLT_CFG_MAX_RPZ,
	.defaults = rpz_defaults,  /* and zeroed: policy given, log no, ede none */
	.check = rpz_check,
};
