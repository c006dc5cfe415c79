/*
 * Run-time changes of the control socket repeated by every resolver worker
 * (ctlsync.h): worker 0 writes them into the region's control journal, the
 * others read and apply them in order.
 *
 * Why a journal of the commands rather than a copy of worker 0's tables:
 * the tables (local data with its derived answers, NSEC ranges, NTAs) live
 * in each process's memory and are built by code that already takes these
 * commands; repeating the command gives every worker the same table, and
 * the journal costs one slot per change, not one copy of a hosts file per
 * change.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "boltdns/region.h"
#include "boltdns/wire.h"
#include "ctl.h"
#include "ctlsync.h"
#include "iter/aggr.h"
#include "iter/dnssec.h"
#include "log.h"
#include "workers.h"

/* The region's generation as this worker applied it. */
static uint64_t worker_gen(struct cp *cp)
{
	struct bolt_worker_info *wi = bolt_region_worker_info(cp->region, cp->worker);
	return wi != NULL ? atomic_load(&wi->reload_gen) : 0;
}

void ctlsync_publish(struct cp *cp, unsigned argc, const char *const *argv)
{
	struct bolt_region *r = cp->region;
	if (r == NULL || cp->worker != 0)
		return;
	uint64_t gen = atomic_load(&r->hdr->reload_gen);
	int64_t seq = bolt_journal_append(bolt_region_journal(r), gen, (int64_t)time(NULL), argc,
	                                  argv);
	if (seq > 0) {
		cp->ctr.ctl_journal = (uint64_t)seq;
		workers_post_control(cp); /* the others follow it now */
	}
	if (seq < 0)
		cp_log(CP_LOG_ERR, "%s: not passed on to the other resolver workers (%d words "
		       "or longer than %d bytes)", argv[0], (int)argc, BOLT_JOURNAL_TEXT);
}

void ctlsync_begin(struct cp *cp)
{
	struct bolt_region *r = cp->region;
	if (r == NULL || cp->worker != 0)
		return;
	uint64_t gen = atomic_load(&r->hdr->reload_gen), lost = 0;
	const struct bolt_ctl_journal *j = bolt_region_journal(r);
	cp->ctr.ctl_journal = bolt_journal_last(j);
	if (bolt_journal_start(j, gen, &lost) == bolt_journal_last(j) && lost == 0)
		return; /* no change of this generation: every worker has the configuration */
	gen = atomic_fetch_add(&r->hdr->reload_gen, 1) + 1;
	struct bolt_worker_info *wi = bolt_region_worker_info(r, 0);
	if (wi != NULL)
		atomic_store(&wi->reload_gen, gen);
	cp_log(CP_LOG_NOTICE, "run-time changes of an earlier worker 0 are dropped: the other "
	       "workers reload the configuration");
}

/* Repeat one change on this worker's own tables. */
static void apply(struct cp *cp, struct anchor_ctx *anchors, struct bolt_journal_change *c)
{
	char err[512] = "";
	const char *cmd = c->argv[0];
	int ret = 0;
	if (strcmp(cmd, "local_data") == 0) {
		if (cp->local != NULL)
			ret = bolt_local_follow(cp->local, c->argc, c->argv, err, sizeof(err));
	} else if (strncmp(cmd, "flush", 5) == 0) {
		/* the cache is shared and was flushed; the NSEC ranges and the
		 * validator's keys are ours */
		uint8_t name[BOLT_NAME_MAX];
		int len = c->argc >= 2 ? bolt_name_from_text(c->argv[1], name) : 0;
		if (len < 0) {
			ret = len;
		} else {
			if (len > 0)
				bolt_name_lower(name, (size_t)len);
			bool below = strcmp(cmd, "flush_zone") == 0;
			if (cp->aggr != NULL)
				aggr_forget(cp->aggr, len > 0 ? name : NULL, below);
			/* and the keys: this worker's key cache is its own */
			dsec_keycache_forget(len > 0 ? name : NULL, below);
		}
	} else if (strcmp(cmd, "nta") == 0) {
		/* as of worker 0's change: an NTA expires when worker 0's does,
		 * however late this worker repeats it */
		ret = anchor_ctl_command(anchors, c->argc, c->argv, bolt_ctl_reply_none(), c->time,
		                         err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "unknown change");
		ret = -1;
	}
	if (ret < 0)
		cp_log(CP_LOG_ERR, "worker %u: change %llu from the control socket (%s): %s",
		       cp->worker, (unsigned long long)c->seq, cmd, err[0] ? err : "failed");
	else
		cp_log(CP_LOG_DEBUG, "worker %u: applied change %llu (%s %s)", cp->worker,
		       (unsigned long long)c->seq, cmd, c->argc > 1 ? c->argv[1] : "");
}

unsigned ctlsync_follow(struct ctlsync *s, struct cp *cp, struct anchor_ctx *anchors)
{
	struct bolt_region *r = cp->region;
	if (r == NULL || cp->worker == 0)
		return 0;
	const struct bolt_ctl_journal *j = bolt_region_journal(r);
	uint64_t gen = worker_gen(cp);
	if (s->journal != j || bolt_journal_last(j) < s->applied) {
		/* a new region or a new process: what was made since the reload */
		uint64_t lost = 0;
		s->journal = j;
		s->applied = bolt_journal_start(j, gen, &lost);
		if (lost > 0) {
			s->lost += lost;
			cp_log(CP_LOG_ERR, "worker %u: %llu run-time changes (local_data, flush, nta) "
			       "made before it started are no longer in the region; boltctl reload "
			       "makes every worker consistent again", cp->worker,
			       (unsigned long long)lost);
		}
	}
	static struct bolt_journal_change c; /* 4 KiB: not on the loop's stack */
	unsigned n = 0;
	uint64_t last = bolt_journal_last(j);
	while (s->applied < last) {
		int ret = bolt_journal_read(j, s->applied + 1, &c);
		if (ret == -EAGAIN)
			break;
		if (ret == -ESTALE) {
			/* overrun: more changes than slots since the last turn */
			uint64_t oldest = last >= BOLT_JOURNAL_SLOTS ? last - BOLT_JOURNAL_SLOTS + 1 : 1;
			uint64_t skip = oldest > s->applied + 1 ? oldest - 1 - s->applied : 1;
			s->lost += skip;
			s->applied += skip;
			cp_log(CP_LOG_ERR, "worker %u: %llu run-time changes (local_data, flush, nta) "
			       "were overwritten before it applied them; boltctl reload makes every "
			       "worker consistent again", cp->worker, (unsigned long long)skip);
			continue;
		}
		if (c.gen > gen)
			break; /* made after a reload this worker has not done yet */
		if (c.gen == gen) {
			apply(cp, anchors, &c);
			s->changes++;
			n++;
		}
		s->applied = c.seq;
	}
	cp->ctr.ctl_journal = s->applied;
	return n;
}
