/*
 * The fault guard (faultguard.h): a SIGSEGV/SIGBUS handler that jumps back
 * to the armed guard of the faulting thread, or hands the fault to the
 * handler installed before it (a signal sent with kill is sent again).
 */
#include "faultguard.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

_Thread_local sigjmp_buf *dp_faultguard_jb;
static _Thread_local void *fault_addr;

static struct sigaction prev_segv, prev_bus;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = dp_faultguard_jb;
	/* si_code > 0: the kernel's, for a faulting access; <= 0: sent (kill,
	 * tgkill, sigqueue), which returning would not repeat */
	bool fault = si != NULL && si->si_code > 0;
	(void)uc;
	if (jb != NULL && fault) {
		dp_faultguard_jb = NULL;
		fault_addr = si ? si->si_addr : NULL;
		/* SA_NODEFER: the signal is not blocked in here, so the jump
		 * needs no mask restored (sigsetjmp(jb, 0)). */
		siglongjmp(*jb, 1);
	}
	/* Not ours: put back what was there and return; the instruction
	 * faults again and gets the previous handler or the default action
	 * (a core with the right stack). */
	sigaction(sig, sig == SIGBUS ? &prev_bus : &prev_segv, NULL);
	if (!fault)
		raise(sig);
}

static bool is_ours(int sig)
{
	struct sigaction cur;
	return sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_sigaction == on_fault;
}

int dp_faultguard_install(void)
{
	struct sigaction sa;

	if (is_ours(SIGSEGV) && is_ours(SIGBUS))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &prev_segv) != 0)
		return -errno;
	if (sigaction(SIGBUS, &sa, &prev_bus) != 0) {
		int err = -errno;
		sigaction(SIGSEGV, &prev_segv, NULL);
		return err;
	}
	return 0;
}

void *dp_faultguard_addr(void)
{
	return fault_addr;
}
