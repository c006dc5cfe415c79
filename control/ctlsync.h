/*
 * Run-time changes made through the control socket reach every resolver
 * worker (control/README.md "Workers"): worker 0, which serves the socket,
 * publishes each change that touches what a worker keeps in its own
 * memory (boltctl local_data add/remove: the local-data table; flushes:
 * the validated NSEC ranges of RFC 8198; nta add/remove: the NTA table) in
 * the region's control journal (boltdns/ctljournal.h); every other worker
 * repeats them in order when worker 0 posts its control bit of the miss
 * bell (workers_post_control; and on its 1 s tick), after the reload they
 * follow (a change belongs to the reload generation it was made in).
 * A worker that starts late repeats the changes made since the last
 * reload; a worker 0 that starts anew (its table is the configuration's)
 * starts a new generation, so that every worker goes back to the
 * configuration with it.
 *
 * Thread: the loop thread of boltdns-cp.
 */
#ifndef BOLTDNS_CONTROL_CTLSYNC_H
#define BOLTDNS_CONTROL_CTLSYNC_H

#include "anchor/anchor.h"
#include "cp.h"

struct ctlsync {
	const struct bolt_ctl_journal *journal; /* the region's, when started; NULL:
	                                           start again (a new table) */
	uint64_t applied;                       /* the last change applied or skipped */
	uint64_t changes;                       /* changes applied */
	uint64_t lost;                          /* changes lost (journal overrun) */
};

/* Worker 0: publish a change (the control socket's changed hook). */
void ctlsync_publish(struct cp *cp, unsigned argc, const char *const *argv);

/*
 * Worker 0, when its control socket starts in a new process: when the
 * journal holds changes of the current generation (an earlier worker 0
 * made them), bump the region's reload generation so that the other
 * workers reload the configuration, which is what this process's table is.
 */
void ctlsync_begin(struct cp *cp);

/*
 * Other workers: apply the changes published since the last call, up to
 * the first of a generation this worker has not reloaded yet. anchors: the
 * NTA table's owner. Returns the number applied.
 */
unsigned ctlsync_follow(struct ctlsync *s, struct cp *cp, struct anchor_ctx *anchors);

#endif
