/*
 * Watching other processes for their exit without a timer: a pidfd
 * (pidfd_open, Linux 5.3) per process, polled by the libuv loop, turns
 * readable when the process exits. The resolver workers use it to take a
 * dead worker's rings over at once instead of looking on a timer
 * (control/README.md "Workers").
 *
 * A watch is a slot (0 .. PIDWATCH_SLOTS-1) holding one pid. A pid that
 * is reused by another process after an exit is not confused with it: the
 * pidfd refers to the process that had the pid when it was opened.
 *
 * Thread: the loop thread of boltdns-cp.
 */
#ifndef BOLTDNS_CONTROL_PIDWATCH_H
#define BOLTDNS_CONTROL_PIDWATCH_H

#include <uv.h>

#define PIDWATCH_SLOTS 16

struct pidwatch;

/* A set of watches on loop; cb(arg, slot) runs on the loop thread when the
 * process of a slot has exited (the slot is then empty). NULL: no memory. */
struct pidwatch *pidwatch_new(uv_loop_t *loop, void (*cb)(void *arg, unsigned slot), void *arg);

/*
 * Watch pid in slot (pid 0: watch nothing there). The same pid as the
 * slot's: nothing changes. Returns 0, -ESRCH (no such process: it has
 * exited already; the slot is empty), -ENOSYS (no pidfd on this kernel),
 * -ERANGE (no such slot) or another negative errno.
 */
int pidwatch_set(struct pidwatch *w, unsigned slot, int pid);

/* Stop every watch and free w once the loop has closed its handles. */
void pidwatch_close(struct pidwatch *w);

#endif
