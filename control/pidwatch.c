/*
 * Process exit watches over pidfds (pidwatch.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pidwatch.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif

struct watch {
	uv_poll_t h;
	int fd;
	int pid;
	unsigned slot;
	struct pidwatch *w;
};

struct pidwatch {
	uv_loop_t *loop;
	void (*cb)(void *arg, unsigned slot);
	void *arg;
	struct watch *slot[PIDWATCH_SLOTS];
	unsigned open;      /* watches not yet closed by the loop */
	bool closing;       /* pidwatch_close called: free when open is 0 */
};

static void on_closed(uv_handle_t *h)
{
	struct watch *x = h->data;
	struct pidwatch *w = x->w;
	close(x->fd);
	free(x);
	if (--w->open == 0 && w->closing)
		free(w);
}

static void drop(struct pidwatch *w, unsigned slot)
{
	struct watch *x = w->slot[slot];
	if (x == NULL)
		return;
	w->slot[slot] = NULL;
	uv_poll_stop(&x->h);
	uv_close((uv_handle_t *)&x->h, on_closed);
}

static void on_exit_ready(uv_poll_t *h, int status, int events)
{
	(void)status, (void)events;
	struct watch *x = h->data;
	struct pidwatch *w = x->w;
	unsigned slot = x->slot;
	/* Readable (exited) or an error on the descriptor: either way the
	 * watch is over; the callback looks at the process itself. */
	drop(w, slot);
	w->cb(w->arg, slot);
}

struct pidwatch *pidwatch_new(uv_loop_t *loop, void (*cb)(void *arg, unsigned slot), void *arg)
{
	struct pidwatch *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->loop = loop;
	w->cb = cb;
	w->arg = arg;
	return w;
}

int pidwatch_set(struct pidwatch *w, unsigned slot, int pid)
{
	if (slot >= PIDWATCH_SLOTS || pid < 0)
		return -ERANGE;
	if (w->slot[slot] != NULL && w->slot[slot]->pid == pid)
		return 0;
	drop(w, slot);
	if (pid == 0)
		return 0;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	struct watch *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		close(fd);
		return -ENOMEM;
	}
	x->fd = fd;
	x->pid = pid;
	x->slot = slot;
	x->w = w;
	int err = uv_poll_init(w->loop, &x->h, fd);
	if (err < 0) {
		close(fd);
		free(x);
		return err;
	}
	x->h.data = x;
	/* The loop's own handles decide when it ends, not the watches. */
	uv_unref((uv_handle_t *)&x->h);
	w->open++;
	w->slot[slot] = x;
	if ((err = uv_poll_start(&x->h, UV_READABLE, on_exit_ready)) < 0) {
		drop(w, slot);
		return err;
	}
	return 0;
}

void pidwatch_close(struct pidwatch *w)
{
	if (w == NULL)
		return;
	for (unsigned i = 0; i < PIDWATCH_SLOTS; i++)
		drop(w, i);
	w->closing = true;
	if (w->open == 0)
		free(w);
}
