/*
 * Recovering a polling lcore from a fault on memory that another thread
 * unmapped under it, for the one place where that is known to happen.
 *
 * DPDK 22.11's net_memif handles its control channel on the EAL interrupt
 * thread: when the peer goes away (a load generator that exits, a VPP that
 * restarts), memif_disconnect clears the port's "connected" flag and then
 * munmaps the shared regions, with nothing that waits for the lcore polling
 * that port. eth_memif_rx and eth_memif_tx check the flag and then read the
 * ring: an lcore that checked it just before, and lost its CPU (or sat in
 * the read() of the queue's eventfd) until the munmap, reads an unmapped
 * ring and the whole process dies of SIGSEGV (bench/memif: once in ~57
 * server starts on a shared CPU; every ~40 disconnects with a busy loop on
 * the dataplane's CPU). The application cannot close that window: the
 * driver exposes no hook between the flag and the munmap.
 *
 * So dpdk.c calls the bursts of such ports under a guard: a SIGSEGV or
 * SIGBUS taken while the guard of the faulting thread is armed jumps back
 * to the caller's sigsetjmp, which then decides whether the fault is the
 * disconnect (the port's link is down) or not (it aborts, keeping the
 * crash). A fault outside an armed guard gets the handler that was there
 * before (the default action and its core dump, or ASan's report), on the
 * same instruction; a SIGSEGV or SIGBUS sent by kill is never taken for a
 * fault: it gets the previous handler too.
 *
 * Use (the sigsetjmp must be in the caller's own frame):
 *
 *     sigjmp_buf jb;
 *     if (sigsetjmp(jb, 0) == 0) {
 *             dp_faultguard_arm(&jb);
 *             n = rte_eth_rx_burst(...);
 *             dp_faultguard_disarm();
 *     } else {
 *             the burst faulted: dp_faultguard_addr() says where
 *     }
 *
 * Thread: dp_faultguard_install once at start-up (any thread, before the
 * lcores start); arm/disarm on the thread that runs the guarded call.
 */
#ifndef BOLTDNS_DP_FAULTGUARD_H
#define BOLTDNS_DP_FAULTGUARD_H

#include <setjmp.h>
#include <stddef.h>

/* The guard of this thread: NULL when disarmed. */
extern _Thread_local sigjmp_buf *dp_faultguard_jb;

/* Install the SIGSEGV and SIGBUS handler, keeping the ones in place to hand
 * them the faults that are not a guard's; nothing when it is already
 * installed. 0, or -errno from sigaction. */
int dp_faultguard_install(void);

/* Arm the guard of this thread with the caller's sigjmp_buf, filled by
 * sigsetjmp(jb, 0) in the caller's frame, which must outlive the guarded
 * call. */
static inline void dp_faultguard_arm(sigjmp_buf *jb)
{
	dp_faultguard_jb = jb;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Disarm the guard of this thread (the handler disarms it too when it
 * jumps). */
static inline void dp_faultguard_disarm(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	dp_faultguard_jb = NULL;
}

/* The address of the last fault this thread recovered from. */
void *dp_faultguard_addr(void);

#endif
