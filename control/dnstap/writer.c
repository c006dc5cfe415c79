/*
 * The frame queue and the writer thread (writer.h, dnstap.h).
 *
 * The queue is a single-producer single-consumer ring of frame pointers:
 * the loop thread publishes a slot with a release store of head, the writer
 * thread frees it with a release store of tail, so neither ever waits for
 * the other. The writer sleeps on a condition variable when the ring is
 * empty; the producer signals it only when it said so (sleeping), with a
 * sequentially consistent fence on both sides between the store of one flag
 * and the load of the other, so a frame is never left behind a sleeping
 * writer and an awake writer costs the producer one load per frame.
 *
 * The writer thread owns the fstrm_writer: it opens it (connect, handshake
 * with the content type "protobuf:dnstap.Dnstap"), writes frames in batches
 * with one writev, closes it when a write fails, and opens it again at most
 * once a second. While it is closed every frame taken is dropped and counted.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include <fstrm.h>

#include "dnstap.h"
#include "writer.h"

/* Frames written with one writev at most. */
#define BATCH 64
/* Seconds between two attempts to open the output. */
#define REOPEN_S 1
/* What stopping waits for the thread before cancelling it (a collector that
 * accepted the connection but reads nothing blocks the thread's write). */
#define STOP_WAIT_MS 1000

static const char content_type[] = "protobuf:dnstap.Dnstap";

struct slot {
	uint8_t *frame;
	size_t len;
};

struct tap_writer {
	struct fstrm_writer *fw;
	struct slot *ring;
	uint32_t mask;
	_Alignas(64) _Atomic uint32_t head;   /* producer */
	_Alignas(64) _Atomic uint32_t tail;   /* writer thread */
	_Atomic bool sleeping;                /* the writer waits on cv */
	_Atomic bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	pthread_t thr;
	/* counters: each written by one side only */
	_Atomic uint64_t drop_full;           /* producer */
	_Atomic uint64_t written;             /* writer thread */
	_Atomic uint64_t drop_output;
	_Atomic uint64_t opens;
	_Atomic bool open;
};

static void free_slots(struct tap_writer *w, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i != to; i++) {
		free(w->ring[i & w->mask].frame);
		w->ring[i & w->mask].frame = NULL;
	}
}

static void try_open(struct tap_writer *w, time_t *next_open)
{
	time_t now = time(NULL);
	if (now < *next_open)
		return;
	*next_open = now + REOPEN_S;
	if (fstrm_writer_open(w->fw) == fstrm_res_success) {
		atomic_store_explicit(&w->open, true, memory_order_relaxed);
		atomic_fetch_add_explicit(&w->opens, 1, memory_order_relaxed);
	}
}

/* Sleep until the producer signals, or a second passes (reopen attempts,
 * stop). */
static void nap(struct tap_writer *w)
{
	/* Never cancelled while holding the lock (see tap_writer_stop). */
	int cs;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
	pthread_mutex_lock(&w->lock);
	atomic_store_explicit(&w->sleeping, true, memory_order_seq_cst);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&w->head, memory_order_acquire) ==
	            atomic_load_explicit(&w->tail, memory_order_relaxed) &&
	    !atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&w->cv, &w->lock, &ts);
	}
	atomic_store_explicit(&w->sleeping, false, memory_order_relaxed);
	pthread_mutex_unlock(&w->lock);
	pthread_setcancelstate(cs, NULL);
}

static void *writer_main(void *arg)
{
	struct tap_writer *w = arg;
	struct iovec iov[BATCH];
	time_t next_open = 0;

	/* A collector that went away makes a write fail with EPIPE instead of
	 * killing the process: SIGPIPE is sent to the writing thread. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	for (;;) {
		bool stopping = atomic_load_explicit(&w->stop, memory_order_acquire);
		bool open = atomic_load_explicit(&w->open, memory_order_relaxed);
		/* Stopping, the output is opened only if it never was: what was
		 * queued before a quick stop is still written. */
		if (!open && (!stopping || next_open == 0))
			try_open(w, &next_open);
		open = atomic_load_explicit(&w->open, memory_order_relaxed);

		uint32_t tail = atomic_load_explicit(&w->tail, memory_order_relaxed);
		uint32_t head = atomic_load_explicit(&w->head, memory_order_acquire);
		uint32_t n = head - tail;
		if (n == 0) {
			if (stopping)
				break;
			nap(w);
			continue;
		}
		if (n > BATCH)
			n = BATCH;
		if (open) {
			for (uint32_t i = 0; i < n; i++) {
				const struct slot *s = &w->ring[(tail + i) & w->mask];
				iov[i].iov_base = s->frame;
				iov[i].iov_len = s->len;
			}
			if (fstrm_writer_writev(w->fw, iov, (int)n) == fstrm_res_success) {
				atomic_fetch_add_explicit(&w->written, n, memory_order_relaxed);
			} else {
				/* The collector is gone: these frames are lost; the
				 * output is opened again within a second. */
				fstrm_writer_close(w->fw);
				atomic_store_explicit(&w->open, false, memory_order_relaxed);
				atomic_fetch_add_explicit(&w->drop_output, n, memory_order_relaxed);
			}
		} else {
			atomic_fetch_add_explicit(&w->drop_output, n, memory_order_relaxed);
		}
		free_slots(w, tail, tail + n);
		atomic_store_explicit(&w->tail, tail + n, memory_order_release);
	}
	if (atomic_load_explicit(&w->open, memory_order_relaxed)) {
		/* The STOP frame; a file is complete after it. */
		fstrm_writer_close(w->fw);
		atomic_store_explicit(&w->open, false, memory_order_relaxed);
	}
	return NULL;
}

static struct fstrm_writer *make_fstrm(const char *socket_path, const char *file_path)
{
	struct fstrm_writer_options *wopt = fstrm_writer_options_init();
	struct fstrm_writer *fw = NULL;
	if (wopt == NULL)
		return NULL;
	if (fstrm_writer_options_add_content_type(wopt, content_type, sizeof(content_type) - 1) !=
	    fstrm_res_success)
		goto out;
	if (socket_path != NULL) {
		struct fstrm_unix_writer_options *uo = fstrm_unix_writer_options_init();
		if (uo == NULL)
			goto out;
		fstrm_unix_writer_options_set_socket_path(uo, socket_path);
		fw = fstrm_unix_writer_init(uo, wopt);
		fstrm_unix_writer_options_destroy(&uo);
	} else {
		struct fstrm_file_options *fo = fstrm_file_options_init();
		if (fo == NULL)
			goto out;
		fstrm_file_options_set_file_path(fo, file_path);
		fw = fstrm_file_writer_init(fo, wopt);
		fstrm_file_options_destroy(&fo);
	}
out:
	fstrm_writer_options_destroy(&wopt);
	return fw;
}

struct tap_writer *tap_writer_start(const char *socket_path, const char *file_path,
                                    unsigned queue, int *err)
{
	if ((socket_path == NULL) == (file_path == NULL) || queue == 0 || queue > (1u << 24)) {
		*err = -EINVAL;
		return NULL;
	}
	uint32_t slots = 1;
	while (slots < queue)
		slots <<= 1;
	struct tap_writer *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	w->ring = calloc(slots, sizeof(*w->ring));
	w->mask = slots - 1;
	if (w->ring == NULL) {
		*err = -ENOMEM;
		goto err_free;
	}
	w->fw = make_fstrm(socket_path, file_path);
	if (w->fw == NULL) {
		*err = -ENOMEM;
		goto err_free;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cv, NULL);
	int ret = pthread_create(&w->thr, NULL, writer_main, w);
	if (ret != 0) {
		*err = -ret;
		goto err_cv;
	}
	pthread_setname_np(w->thr, "dnstap");
	return w;

err_cv:
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->lock);
	fstrm_writer_destroy(&w->fw);
err_free:
	free(w->ring);
	free(w);
	return NULL;
}

bool tap_writer_submit(struct tap_writer *w, uint8_t *frame, size_t len)
{
	uint32_t head = atomic_load_explicit(&w->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&w->tail, memory_order_acquire);
	if (head - tail > w->mask) {
		free(frame);
		atomic_fetch_add_explicit(&w->drop_full, 1, memory_order_relaxed);
		return false;
	}
	w->ring[head & w->mask].frame = frame;
	w->ring[head & w->mask].len = len;
	atomic_store_explicit(&w->head, head + 1, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&w->sleeping, memory_order_relaxed)) {
		pthread_mutex_lock(&w->lock);
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->lock);
	}
	return true;
}

void tap_writer_stats(const struct tap_writer *w, struct dnstap_stats *st)
{
	st->written += atomic_load_explicit(&w->written, memory_order_relaxed);
	st->drop_full += atomic_load_explicit(&w->drop_full, memory_order_relaxed);
	st->drop_output += atomic_load_explicit(&w->drop_output, memory_order_relaxed);
	st->reconnects += atomic_load_explicit(&w->opens, memory_order_relaxed);
	st->queued += atomic_load_explicit(&w->head, memory_order_relaxed) -
	              atomic_load_explicit(&w->tail, memory_order_relaxed);
	st->connected = atomic_load_explicit(&w->open, memory_order_relaxed);
}

void tap_writer_stop(struct tap_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	atomic_store_explicit(&w->stop, true, memory_order_release);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->lock);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STOP_WAIT_MS / 1000;
	if (pthread_timedjoin_np(w->thr, NULL, &ts) != 0) {
		/* Blocked in a write or the handshake's read, both cancellation
		 * points (nap never is cancelled: it holds the lock). Destroying
		 * the writer then only closes its socket and frees it. */
		pthread_cancel(w->thr);
		pthread_join(w->thr, NULL);
	}
	fstrm_writer_destroy(&w->fw);
	free_slots(w, atomic_load_explicit(&w->tail, memory_order_relaxed),
	           atomic_load_explicit(&w->head, memory_order_relaxed));
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->lock);
	free(w->ring);
	free(w);
}
