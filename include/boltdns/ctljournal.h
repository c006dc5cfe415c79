/*
 * The control journal: run-time changes taken by the control socket that
 * every resolver worker must apply to what it keeps in its own memory
 * (boltctl local_data add/remove, flushes of the validated NSEC ranges,
 * nta add/remove), published in the region so that workers other than the
 * one serving the socket (worker 0) repeat them, in the same order
 * (control/README.md "Workers").
 *
 * One writer: the process holding worker 0's role, on its loop thread.
 * Any number of readers that never block it. A change is the command's
 * words (argc strings, each NUL-terminated) with the reload generation it
 * was made in (region hdr reload_gen): a reload starts again from the
 * configuration, so a reader drops changes of older generations. Slots are
 * reused after BOLT_JOURNAL_SLOTS changes; each holds its sequence number
 * (0 while being written), so a reader that fell that far behind sees
 * that it lost changes rather than reading a torn one.
 */
#ifndef BOLTDNS_CTLJOURNAL_H
#define BOLTDNS_CTLJOURNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "boltdns/common.h"

#define BOLT_JOURNAL_SLOTS 256
/* Bytes of a change's words: a control line (BOLT_CTL_LINE_MAX) fits. */
#define BOLT_JOURNAL_TEXT 4160
#define BOLT_JOURNAL_ARGS 8

struct bolt_journal_slot {
	_Atomic uint64_t seq;   /* the change's number (1, 2, ...); 0: being written */
	uint64_t gen;           /* reload generation it belongs to */
	int64_t time;           /* unix seconds when it was made */
	uint32_t argc;
	uint32_t len;           /* bytes of text used */
	char text[BOLT_JOURNAL_TEXT];
};

struct bolt_ctl_journal {
	_Alignas(BOLT_CACHE_LINE) _Atomic uint64_t seq;   /* the last change published */
	_Atomic uint64_t gen_first;   /* the first change of the last one's generation */
	uint64_t gen_last;            /* the writer's: generation of the last change */
	struct bolt_journal_slot slot[BOLT_JOURNAL_SLOTS];
};

/* A change as read (words point into text). */
struct bolt_journal_change {
	uint64_t seq, gen;
	int64_t time;           /* unix seconds when it was made */
	unsigned argc;
	char *argv[BOLT_JOURNAL_ARGS];
	char text[BOLT_JOURNAL_TEXT];
};

/*
 * Publish a change of generation gen made at unix time now: argv[0..argc).
 * Returns its sequence
 * number, or -ERANGE (nothing published) when argc is 0 or more than
 * BOLT_JOURNAL_ARGS or the words do not fit BOLT_JOURNAL_TEXT. Thread: the
 * single writer.
 */
BOLT_API int64_t bolt_journal_append(struct bolt_ctl_journal *j, uint64_t gen, int64_t now,
                                     unsigned argc, const char *const *argv);

/* The number of the last change published (0: none). Any thread. */
BOLT_API uint64_t bolt_journal_last(const struct bolt_ctl_journal *j);

/*
 * Where a reader that starts in generation gen begins: the number of the
 * change before the first one of gen still to apply (bolt_journal_read the
 * ones after it), so that a worker that starts late repeats what the others
 * did since the last reload. *lost: how many changes of gen are no longer
 * in the journal (more than BOLT_JOURNAL_SLOTS since the reload). Any
 * thread.
 */
BOLT_API uint64_t bolt_journal_start(const struct bolt_ctl_journal *j, uint64_t gen,
                                     uint64_t *lost);

/*
 * Copy change seq into out. Returns 0; -EAGAIN when it is not published
 * yet; -ESTALE when its slot was reused (seq is older than the last
 * BOLT_JOURNAL_SLOTS changes, or it was overwritten while being copied).
 * Any thread.
 */
BOLT_API int bolt_journal_read(const struct bolt_ctl_journal *j, uint64_t seq,
                               struct bolt_journal_change *out);

#endif
