/*
 * Forward and stub zones, the control plane's side: configuration changes
 * and the report (zonectl.h).
 */
#include <stdio.h>
#include <sys/socket.h>

#include "boltdns/cache.h"
#include "iter/infra.h"
#include "iter/zones.h"
#include "log.h"
#include "nxcut.h"
#include "zonectl.h"

static void changed(const uint8_t *name, void *arg)
{
	struct cp *cp = arg;
	char text[1024];
	if (bolt_name_to_text(name, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	int deleted = 0;
	if (cp->region != NULL)
		deleted = bolt_cache_delete_zone(cp->region->cache, name,
		                                 (size_t)bolt_name_len(name, BOLT_NAME_MAX));
	unsigned cuts = cp->infra != NULL ? infra_zone_del_below(cp->infra, name) : 0;
	cp_log(CP_LOG_NOTICE, "zone %s changed: %d cache entries and %u delegations (or zone-down "
	       "marks) at and below it forgotten", text, deleted > 0 ? deleted : 0, cuts);
}

unsigned zonectl_apply(struct cp *cp, const struct bolt_config *cfg)
{
	unsigned n = zones_configure(cfg->zones, cfg->nzones, changed, cp);
	if (n > 0)
		nxcut_clear();
	return n;
}

/* up: answered lately or never failed; down: as select.c sees it (a streak
 * of timeouts); unused: never asked since it was configured. */
static const char *state(const struct zone_srv *s, const struct infra_srv *st)
{
	if (st->timeouts >= INFRA_DOWN_TIMEOUTS)
		return "down";
	if (s->queries == 0)
		return "unused";
	return "up";
}

int zonectl_report(struct cp *cp, struct bolt_ctl_reply *r)
{
	char key[16], text[1024];
	uint32_t now = bolt_now();
	unsigned n = zones_count();
	bolt_ctl_reply_u64(r, "zones", n);
	bolt_ctl_reply_obj_begin(r, "zone");
	for (unsigned i = 0; i < n; i++) {
		const struct zone *z = zones_get(i);
		snprintf(key, sizeof(key), "%u", i);
		bolt_ctl_reply_obj_begin(r, key);
		if (bolt_name_to_text(z->name, text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "?");
		bolt_ctl_reply_str(r, "name", text);
		bolt_ctl_reply_str(r, "type", zones_type_name(z->type));
		bolt_ctl_reply_bool(r, "forward_first", z->forward_first);
		bolt_ctl_reply_bool(r, "tcp", z->tcp);
		bolt_ctl_reply_u64(r, "questions", z->questions);
		bolt_ctl_reply_u64(r, "fallbacks", z->fallbacks);
		bolt_ctl_reply_u64(r, "failures", z->failures);
		bolt_ctl_reply_obj_begin(r, "server");
		for (unsigned k = 0; k < z->nsrv; k++) {
			const struct zone_srv *s = &z->srv[k];
			struct infra_srv st;
			infra_srv_get(cp->infra, &s->a, now, &st);
			struct bolt_sockaddr sa = { .family = s->a.family, .port = s->a.port };
			memcpy(sa.addr, s->a.addr, sizeof(sa.addr));
			if (bolt_sockaddr_format(&sa, text, sizeof(text)) < 0)
				snprintf(text, sizeof(text), "?");
			snprintf(key, sizeof(key), "%u", k);
			bolt_ctl_reply_obj_begin(r, key);
			bolt_ctl_reply_str(r, "address", text);
			bolt_ctl_reply_str(r, "state", state(s, &st));
			bolt_ctl_reply_u64(r, "rtt_ms", st.srtt_ms);
			bolt_ctl_reply_u64(r, "timeouts", st.timeouts);
			bolt_ctl_reply_u64(r, "queries", s->queries);
			bolt_ctl_reply_u64(r, "answers", s->answers);
			bolt_ctl_reply_u64(r, "failures", s->failures);
			if (s->last_answer != 0)
				bolt_ctl_reply_u64(r, "last_answer_ago", now - s->last_answer);
			bolt_ctl_reply_obj_end(r);
		}
		bolt_ctl_reply_obj_end(r);
		bolt_ctl_reply_obj_end(r);
	}
	bolt_ctl_reply_obj_end(r);
	return 0;
}
