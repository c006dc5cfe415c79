/*
 * The control socket: a Unix stream listener on the control plane's libuv
 * loop, connections reading request lines and writing replies, and the
 * dump_cache stream fed by a walker thread.
 *
 * Memory: a connection is reference counted (its handle, each write in
 * flight, a running dump), so a peer that goes away mid-reply only makes
 * the pending writes fail; everything is freed when the last one finishes.
 * The server itself is freed when its last handle has closed after
 * bolt_ctl_stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/wire.h"
#include "ctl_internal.h"

#define MAX_CONNS 64
/* Stop reading requests while this much reply is waiting to be written. */
#define PENDING_HIGH (4u << 20)
/* dump_cache: bytes per chunk and chunks queued before the walker waits. */
#define DUMP_CHUNK (64u << 10)
#define DUMP_INFLIGHT 4
/* The housekeeping tick (ms): hook statistics for /metrics are refreshed and
 * idle connections looked for. */
#define TICK_MS 1000
/* A connection with no request and no reply progress for this long is
 * closed, so that clients that connect and go quiet cannot use up the
 * MAX_CONNS slots. */
#define IDLE_MS 60000

struct conn {
	uv_pipe_t pipe;
	struct bolt_ctl *ctl;
	struct conn *prev, *next;
	int refs;
	bool closing;
	bool eof;
	bool reading;
	bool close_when_done;      /* after the pending writes: close */
	size_t pending;            /* reply bytes not yet written */
	uint64_t active;           /* uv_now() of the last read or write */
	struct dump *dump;
	size_t inlen;
	char in[BOLT_CTL_LINE_MAX + 2];
};

struct chunk {
	struct chunk *next;
	char *data;
	size_t len;
};

struct dump {
	struct bolt_ctl *ctl;
	struct conn *c;
	uv_async_t async;
	uv_thread_t thr;
	uv_mutex_t mu;
	uv_cond_t cv;
	/* Shared with the walker thread, under mu. */
	struct chunk *head, *tail;
	unsigned inflight;         /* chunks produced, not yet written */
	bool cancel;
	bool finished;
	int result;
	/* Walker thread only. */
	struct bolt_cache *cache;
	struct sbuf cur;
	struct ctl_fmt *fmt;
	uint64_t count;
	uint32_t now;
	bool json;
	/* Loop thread only. */
	bool joined;
	int refs;                  /* async handle + chunk writes in flight */
};

struct wreq {
	uv_write_t req;
	struct conn *c;
	struct dump *d;            /* a dump chunk: tell the walker it is written */
	char *data;
	size_t len;
};

static void process_input(struct conn *c);
static void conn_close(struct conn *c);

static void ctl_handle_closed(struct bolt_ctl *ctl)
{
	if (--ctl->handles == 0 && ctl->stopping) {
		ctl_local_free(ctl->local);
		ctl_fmt_free(ctl->fmt);
		free(ctl);
	}
}

static void conn_unref(struct conn *c)
{
	if (--c->refs > 0)
		return;
	struct bolt_ctl *ctl = c->ctl;
	free(c);
	ctl_handle_closed(ctl);
}

/* ---- writing ---- */

static void conn_check_done(struct conn *c)
{
	if (c->closing)
		return;
	if (c->pending == 0 && !c->dump && (c->close_when_done || (c->eof && c->inlen == 0))) {
		conn_close(c);
		return;
	}
	if (!c->reading && !c->eof && !c->dump && !c->close_when_done &&
	    c->pending < PENDING_HIGH / 2) {
		process_input(c);
	}
}

static void dump_unref(struct dump *d);

static void write_cb(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct conn *c = w->c;
	c->pending -= w->len;
	c->active = uv_now(c->ctl->loop);
	if (w->d) {
		struct dump *d = w->d;
		uv_mutex_lock(&d->mu);
		d->inflight--;
		uv_cond_signal(&d->cv);
		uv_mutex_unlock(&d->mu);
		dump_unref(d);
	}
	free(w->data);
	free(w);
	/* A peer gone mid-reply: close; the other writes fail the same way. */
	if (status < 0)
		conn_close(c);
	else
		conn_check_done(c);
	conn_unref(c);
}

/* Queue data (malloc'd, taken over) on c. */
static void conn_write(struct conn *c, char *data, size_t len, struct dump *d)
{
	struct wreq *w = NULL;
	if (!c->closing && data)
		w = malloc(sizeof(*w));
	if (!w) {
		free(data);
		if (d) {
			uv_mutex_lock(&d->mu);
			d->inflight--;
			d->cancel = true;
			uv_cond_signal(&d->cv);
			uv_mutex_unlock(&d->mu);
		}
		if (!c->closing)
			conn_close(c);
		return;
	}
	w->c = c;
	w->d = d;
	w->data = data;
	w->len = len;
	uv_buf_t buf = uv_buf_init(data, (unsigned)len);
	c->refs++;
	c->pending += len;
	if (d)
		d->refs++;
	int ret = uv_write(&w->req, (uv_stream_t *)&c->pipe, &buf, 1, write_cb);
	if (ret < 0) {
		/* Not queued: undo by hand, as the callback will not run. */
		c->pending -= len;
		if (d) {
			uv_mutex_lock(&d->mu);
			d->inflight--;
			d->cancel = true;
			uv_cond_signal(&d->cv);
			uv_mutex_unlock(&d->mu);
			dump_unref(d);
		}
		free(data);
		free(w);
		conn_close(c);
		conn_unref(c);
	}
}

static void conn_write_sbuf(struct conn *c, struct sbuf *b)
{
	size_t len;
	char *data = ctl_sbuf_take(b, &len);
	conn_write(c, data, len, NULL);
}

static void reply_error(struct conn *c, bool json, const char *msg)
{
	struct sbuf b;
	ctl_sbuf_init(&b);
	if (json) {
		ctl_sbuf_puts(&b, "{\"ok\":false,\"error\":");
		ctl_sbuf_json_str(&b, msg);
		ctl_sbuf_puts(&b, "}\n");
	} else {
		ctl_sbuf_puts(&b, "error: ");
		/* The reason is one line whatever produced it. */
		for (const char *p = msg; *p; p++) {
			char ch = (*p == '\n' || *p == '\r') ? ' ' : *p;
			ctl_sbuf_put(&b, &ch, 1);
		}
		ctl_sbuf_puts(&b, "\n");
	}
	conn_write_sbuf(c, &b);
}

/* ---- requests ---- */

static void handle_line(struct conn *c, const char *line, size_t len)
{
	struct ctl_req *r = malloc(sizeof(*r));
	const char *why = NULL;
	char err[512];

	if (!r) {
		reply_error(c, false, "out of memory");
		return;
	}
	int ret = ctl_req_parse(r, line, len, &why);
	if (ret < 0) {
		/* A JSON client still wants JSON back, even for a bad line. */
		bool json = len >= 5 && memcmp(line, "json ", 5) == 0;
		reply_error(c, json, why);
		free(r);
		return;
	}
	struct sbuf b;
	struct ctl_out o;
	ctl_sbuf_init(&b);
	if (r->json)
		ctl_sbuf_puts(&b, "{\"ok\":true,\"result\":{");
	ctl_out_init(&o, &b, r->json);
	err[0] = '\0';
	ret = ctl_command(c->ctl, c, r, &o, err, sizeof(err));
	if (ret == CTL_CMD_ASYNC) {
		ctl_sbuf_free(&b);
	} else if (ret < 0 || b.oom) {
		ctl_sbuf_free(&b);
		if (!err[0])
			snprintf(err, sizeof(err), "%s", bolt_strerror(ret < 0 ? ret : -ENOMEM));
		reply_error(c, r->json, err);
	} else {
		ctl_sbuf_puts(&b, r->json ? "}}\n" : "ok\n");
		conn_write_sbuf(c, &b);
	}
	free(r);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct conn *c = h->data;
	*buf = uv_buf_init(c->in + c->inlen, (unsigned)(sizeof(c->in) - c->inlen));
}

static void set_reading(struct conn *c, bool on)
{
	if (c->closing || c->eof || c->reading == on)
		return;
	if (on) {
		if (uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb) == 0)
			c->reading = true;
		else
			conn_close(c);
	} else {
		uv_read_stop((uv_stream_t *)&c->pipe);
		c->reading = false;
	}
}

/* Run every complete line received, one at a time: a dump or a backlog of
 * unwritten replies pauses the connection until it drains. */
static void process_input(struct conn *c)
{
	while (!c->closing && !c->dump && !c->close_when_done && c->pending < PENDING_HIGH) {
		char *nl = memchr(c->in, '\n', c->inlen);
		size_t len;
		if (nl) {
			len = (size_t)(nl - c->in);
		} else if (c->inlen > BOLT_CTL_LINE_MAX) {
			reply_error(c, false, "request line too long");
			c->close_when_done = true;
			c->inlen = 0;
			set_reading(c, false);
			break;
		} else if (c->eof && c->inlen > 0) {
			/* A last request without its newline still counts. */
			len = c->inlen;
		} else {
			break;
		}
		handle_line(c, c->in, len);
		size_t used = nl ? len + 1 : len;
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
	}
	if (c->closing)
		return;
	set_reading(c, !c->dump && c->pending < PENDING_HIGH && !c->close_when_done);
	conn_check_done(c);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct conn *c = s->data;
	c->active = uv_now(c->ctl->loop);
	if (nread > 0) {
		c->inlen += (size_t)nread;
		process_input(c);
	} else if (nread == UV_EOF) {
		uv_read_stop(s);
		c->reading = false;
		c->eof = true;
		process_input(c);
	} else if (nread < 0) {
		conn_close(c);
	}
}

static void dump_cancel(struct dump *d)
{
	uv_mutex_lock(&d->mu);
	d->cancel = true;
	uv_cond_broadcast(&d->cv);
	uv_mutex_unlock(&d->mu);
}

static void conn_closed_cb(uv_handle_t *h)
{
	conn_unref(h->data);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->dump)
		dump_cancel(c->dump);
	if (c->prev)
		c->prev->next = c->next;
	else
		c->ctl->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->ctl->nconns--;
	uv_close((uv_handle_t *)&c->pipe, conn_closed_cb);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct bolt_ctl *ctl = server->data;
	if (status < 0 || ctl->stopping)
		return;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	if (uv_pipe_init(ctl->loop, &c->pipe, 0) < 0) {
		free(c);
		return;
	}
	c->pipe.data = c;
	c->ctl = ctl;
	c->refs = 1;
	c->active = uv_now(ctl->loop);
	ctl->handles++;
	c->next = ctl->conns;
	if (ctl->conns)
		ctl->conns->prev = c;
	ctl->conns = c;
	ctl->nconns++;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0) {
		conn_close(c);
		return;
	}
	if (ctl->nconns > MAX_CONNS) {
		reply_error(c, false, "too many control connections");
		c->close_when_done = true;
		return;
	}
	set_reading(c, true);
}

/* ---- dump_cache ---- */

static void dump_closed_cb(uv_handle_t *h)
{
	dump_unref(h->data);
}

static void dump_unref(struct dump *d)
{
	if (--d->refs > 0)
		return;
	struct chunk *ch = d->head;
	while (ch) {
		struct chunk *next = ch->next;
		free(ch->data);
		free(ch);
		ch = next;
	}
	ctl_sbuf_free(&d->cur);
	ctl_fmt_free(d->fmt);
	uv_mutex_destroy(&d->mu);
	uv_cond_destroy(&d->cv);
	struct conn *c = d->c;
	struct bolt_ctl *ctl = d->ctl;
	free(d);
	conn_unref(c);
	ctl_handle_closed(ctl);
}

/* Walker thread: hand the current text over; false when cancelled. */
static bool push_chunk(struct dump *d)
{
	struct chunk *ch = malloc(sizeof(*ch));
	if (!ch || d->cur.oom) {
		free(ch);
		uv_mutex_lock(&d->mu);
		d->cancel = true;
		uv_mutex_unlock(&d->mu);
		return false;
	}
	ch->next = NULL;
	ch->data = ctl_sbuf_take(&d->cur, &ch->len);
	uv_mutex_lock(&d->mu);
	/* Backpressure: the walk waits until the peer has read enough. */
	while (d->inflight >= DUMP_INFLIGHT && !d->cancel)
		uv_cond_wait(&d->cv, &d->mu);
	bool cancel = d->cancel;
	if (!cancel) {
		if (d->tail)
			d->tail->next = ch;
		else
			d->head = ch;
		d->tail = ch;
		d->inflight++;
	}
	uv_mutex_unlock(&d->mu);
	if (cancel) {
		free(ch->data);
		free(ch);
		return false;
	}
	uv_async_send(&d->async);
	return true;
}

static int dump_entry(const struct bolt_cache_key *k, const struct bolt_cache_out *out,
                      void *arg)
{
	struct dump *d = arg;
	d->count++;
	if (d->json) {
		ctl_sbuf_puts(&d->cur, "{\"entry\":");
		ctl_fmt_entry(d->fmt, &d->cur, true, k, out, d->now);
		ctl_sbuf_puts(&d->cur, "}\n");
	} else {
		ctl_fmt_entry(d->fmt, &d->cur, false, k, out, d->now);
	}
	if (d->cur.len >= DUMP_CHUNK || d->cur.oom)
		return push_chunk(d) ? 0 : 1;
	return 0;
}

static void dump_thread(void *arg)
{
	struct dump *d = arg;
	/* The region cannot go while the walk runs: bolt_ctl_set_region
	 * joins this thread first. */
	int ret = bolt_cache_walk(d->cache, dump_entry, d);
	if (ret == 0 && d->cur.len > 0 && !push_chunk(d))
		ret = 1;
	uv_mutex_lock(&d->mu);
	d->finished = true;
	d->result = ret;
	uv_mutex_unlock(&d->mu);
	uv_async_send(&d->async);
}

/* The walker has been joined: finish the reply, release the connection. */
static void dump_complete(struct dump *d)
{
	struct conn *c = d->c;
	uv_mutex_lock(&d->mu);
	bool cancel = d->cancel;
	uv_mutex_unlock(&d->mu);
	if (!c->closing && !cancel) {
		struct sbuf b;
		ctl_sbuf_init(&b);
		if (d->json)
			ctl_sbuf_printf(&b, "{\"ok\":true,\"result\":{\"entries\":%llu}}\n",
			                (unsigned long long)d->count);
		else
			ctl_sbuf_printf(&b, ";; %llu entries\nok\n", (unsigned long long)d->count);
		conn_write_sbuf(c, &b);
	} else if (!c->closing) {
		/* Part of the dump went out: the only honest end is an error
		 * and a closed connection. */
		reply_error(c, d->json, "dump interrupted");
		c->close_when_done = true;
	}
	c->dump = NULL;
	uv_close((uv_handle_t *)&d->async, dump_closed_cb);
	if (!c->closing)
		process_input(c);
}

/* Stop a running dump now (server stop, region going away). */
static void dump_abort(struct dump *d)
{
	dump_cancel(d);
	uv_thread_join(&d->thr);
	d->joined = true;
	dump_complete(d);
}

static void dump_async_cb(uv_async_t *a)
{
	struct dump *d = a->data;
	struct conn *c = d->c;

	if (d->joined)
		return;
	uv_mutex_lock(&d->mu);
	struct chunk *list = d->head;
	d->head = d->tail = NULL;
	bool finished = d->finished;
	bool cancel = d->cancel;
	uv_mutex_unlock(&d->mu);

	while (list) {
		struct chunk *ch = list;
		list = ch->next;
		if (c->closing || cancel) {
			free(ch->data);
			uv_mutex_lock(&d->mu);
			d->inflight--;
			uv_cond_signal(&d->cv);
			uv_mutex_unlock(&d->mu);
		} else {
			conn_write(c, ch->data, ch->len, d);
		}
		free(ch);
	}
	if (!finished)
		return;
	uv_thread_join(&d->thr);
	d->joined = true;
	dump_complete(d);
}

int ctl_dump_start(struct bolt_ctl *ctl, struct conn *c, bool json, char *err, size_t errlen)
{
	struct dump *d = calloc(1, sizeof(*d));
	if (!d)
		goto err_alloc;
	d->fmt = ctl_fmt_new();
	if (!d->fmt)
		goto err_fmt;
	if (uv_mutex_init(&d->mu) < 0)
		goto err_mutex;
	if (uv_cond_init(&d->cv) < 0)
		goto err_cond;
	if (uv_async_init(ctl->loop, &d->async, dump_async_cb) < 0)
		goto err_async;
	d->async.data = d;
	d->ctl = ctl;
	d->c = c;
	d->json = json;
	d->cache = ctl->region->cache;
	d->now = bolt_now();
	ctl_sbuf_init(&d->cur);
	d->refs = 1;
	c->refs++;
	ctl->handles++;
	c->dump = d;
	if (uv_thread_create(&d->thr, dump_thread, d) < 0) {
		/* Closing the async handle releases everything taken above. */
		c->dump = NULL;
		d->joined = true;
		uv_close((uv_handle_t *)&d->async, dump_closed_cb);
		snprintf(err, errlen, "cannot start the dump thread");
		return -EAGAIN;
	}
	set_reading(c, false);
	return CTL_CMD_ASYNC;

err_async:
	uv_cond_destroy(&d->cv);
err_cond:
	uv_mutex_destroy(&d->mu);
err_mutex:
	ctl_fmt_free(d->fmt);
err_fmt:
	free(d);
err_alloc:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

/* ---- start and stop ---- */

/* mkdir -p of the socket's directory. */
static int make_parent(const char *path)
{
	char dir[BOLT_CFG_STR];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The listening socket, ready for uv_pipe_open; -errno on failure. */
static int open_socket(const struct bolt_config *cfg)
{
	struct sockaddr_un sa;
	const char *path = cfg->control_socket;
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);

	int ret = make_parent(path);
	if (ret < 0)
		return ret;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;

	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			ret = -EEXIST;
			goto err;
		}
		/* A live server answers a connect: never steal its socket. */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0) {
			int live = connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;
			close(probe);
			if (live) {
				ret = -EADDRINUSE;
				goto err;
			}
		}
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto err;
	}
	if (chmod(path, cfg->socket_mode) < 0) {
		ret = -errno;
		goto err_unlink;
	}
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	if (cfg->socket_owner[0]) {
		struct passwd *pw = getpwnam(cfg->socket_owner);
		if (!pw) {
			ret = BOLT_ECONFIG;
			goto err_unlink;
		}
		uid = pw->pw_uid;
	}
	if (cfg->socket_group[0]) {
		struct group *gr = getgrnam(cfg->socket_group);
		if (!gr) {
			ret = BOLT_ECONFIG;
			goto err_unlink;
		}
		gid = gr->gr_gid;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) < 0) {
		ret = -errno;
		goto err_unlink;
	}
	if (listen(fd, 64) < 0) {
		ret = -errno;
		goto err_unlink;
	}
	return fd;

err_unlink:
	unlink(path);
err:
	close(fd);
	return ret;
}

static void refresh_hook_stats(struct bolt_ctl *ctl)
{
	if (!ctl->metrics)
		return;
	ctl->sink.n = 0;
	if (ctl->hooks.stats)
		ctl->hooks.stats(ctl->hooks.arg, &ctl->sink);
	ctl_edge_stats(ctl->cfg, &ctl->sink);
	ctl_metrics_set_hooks(ctl->metrics, &ctl->sink);
}

static void timer_cb(uv_timer_t *t)
{
	struct bolt_ctl *ctl = t->data;
	uint64_t now = uv_now(ctl->loop);
	refresh_hook_stats(ctl);
	/* A dump in progress is never idle: its walker waits on the peer,
	 * and a peer that stopped reading is caught by the same rule since
	 * no write completes. */
	for (struct conn *c = ctl->conns, *next; c; c = next) {
		next = c->next;
		if (now - c->active >= ctl->idle_ms)
			conn_close(c);
	}
}

static void handle_closed_cb(uv_handle_t *h)
{
	ctl_handle_closed(h->data);
}

struct bolt_ctl *bolt_ctl_start(uv_loop_t *loop, const struct bolt_config *cfg,
                                struct bolt_region *region,
                                const struct bolt_ctl_hooks *hooks, int *err)
{
	struct bolt_ctl *ctl = NULL;
	int ret, fd;
	char why[512];

	/* A client that hangs up mid-reply must not kill the process: libuv
	 * writes to pipes without MSG_NOSIGNAL. SIGPIPE is blocked in this
	 * (the loop's) thread, so a write fails with EPIPE whatever handler the
	 * process has, and ignored if nobody cares for it. */
	struct sigaction sa;
	sigset_t pipe_set;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);

	size_t size = (sizeof(*ctl) + BOLT_CACHE_LINE - 1) / BOLT_CACHE_LINE * BOLT_CACHE_LINE;
	ctl = aligned_alloc(BOLT_CACHE_LINE, size);
	if (!ctl) {
		ret = -ENOMEM;
		goto err_alloc;
	}
	memset(ctl, 0, sizeof(*ctl));
	ctl->loop = loop;
	ctl->cfg = cfg;
	ctl->region = region;
	if (hooks)
		ctl->hooks = *hooks;
	ctl->started = (uint64_t)time(NULL);
	ctl->idle_ms = IDLE_MS;
	ctl->reset_at = ctl->started;
	snprintf(ctl->path, sizeof(ctl->path), "%s", cfg->control_socket);
	if (region) {
		ctl_stats_read(region, ctl->base);
		bolt_cache_get_stats(region->cache, &ctl->cache_base);
	}
	if (ctl->hooks.stats)
		ctl->hooks.stats(ctl->hooks.arg, &ctl->hook_base);
	ctl_edge_stats(cfg, &ctl->hook_base);

	ctl->fmt = ctl_fmt_new();
	ctl->local = ctl_local_new(region ? region->cache : NULL);
	if (!ctl->fmt || !ctl->local) {
		ret = -ENOMEM;
		goto err_local;
	}
	why[0] = '\0';
	ret = ctl_local_load_config(ctl->local, cfg, why, sizeof(why));
	if (ret < 0) {
		fprintf(stderr, "boltdns: %s\n", why);
		goto err_local;
	}

	fd = open_socket(cfg);
	if (fd < 0) {
		ret = fd;
		fprintf(stderr, "boltdns: control socket %s: %s\n", cfg->control_socket,
		        bolt_strerror(ret));
		goto err_local;
	}

	if (cfg->metrics_enabled) {
		/* /metrics is worth less than the control socket: without it
		 * (no libmicrohttpd, port taken) say so loudly and go on. */
		int merr = 0;
		ctl->metrics = ctl_metrics_start(region, &cfg->metrics, &merr);
		if (!ctl->metrics) {
			snprintf(ctl->metrics_state, sizeof(ctl->metrics_state), "failed: %s",
			         merr == -ENOTSUP ? "built without libmicrohttpd"
			                          : bolt_strerror(merr));
			fprintf(stderr, "boltdns: metrics: %s\n", ctl->metrics_state);
		} else {
			char addr[INET6_ADDRSTRLEN] = "?";
			bool v6 = cfg->metrics.family == AF_INET6;
			inet_ntop(v6 ? AF_INET6 : AF_INET, cfg->metrics.addr, addr, sizeof(addr));
			snprintf(ctl->metrics_state, sizeof(ctl->metrics_state),
			         v6 ? "http://[%s]:%u/metrics" : "http://%s:%u/metrics", addr,
			         cfg->metrics.port);
		}
	} else {
		snprintf(ctl->metrics_state, sizeof(ctl->metrics_state), "off");
	}

	/* From here on the handles own the memory (freed by their callbacks). */
	uv_pipe_init(loop, &ctl->listener, 0);
	ctl->listener.data = ctl;
	ctl->handles++;
	uv_timer_init(loop, &ctl->timer);
	ctl->timer.data = ctl;
	ctl->handles++;
	ret = uv_pipe_open(&ctl->listener, fd);
	if (ret == 0)
		ret = uv_listen((uv_stream_t *)&ctl->listener, 64, on_connection);
	if (ret < 0) {
		close(fd);
		unlink(ctl->path);
		bolt_ctl_stop(ctl);
		*err = ret;
		return NULL;
	}
	refresh_hook_stats(ctl);
	uv_timer_start(&ctl->timer, timer_cb, TICK_MS, TICK_MS);
	return ctl;

err_local:
	ctl_local_free(ctl->local);
	ctl_fmt_free(ctl->fmt);
	free(ctl);
err_alloc:
	*err = ret;
	return NULL;
}

void bolt_ctl_set_region(struct bolt_ctl *ctl, struct bolt_region *region)
{
	if (!ctl || ctl->stopping || ctl->region == region)
		return;
	/* Nothing may read the old mapping once this returns. */
	for (struct conn *c = ctl->conns; c; c = c->next)
		if (c->dump)
			dump_abort(c->dump);
	if (ctl->metrics)
		ctl_metrics_set_region(ctl->metrics, region);
	ctl->region = region;
	ctl_local_set_cache(ctl->local, region ? region->cache : NULL);
	if (!region)
		return;
	/* A new region has its own counters: they start a new baseline. */
	ctl_stats_read(region, ctl->base);
	bolt_cache_get_stats(region->cache, &ctl->cache_base);
	ctl->reset_at = (uint64_t)time(NULL);
	int ret = ctl_local_reapply(ctl->local, NULL, false);
	if (ret < 0)
		fprintf(stderr, "boltdns: cannot insert local data: %s\n", bolt_strerror(ret));
}

void bolt_ctl_stop(struct bolt_ctl *ctl)
{
	if (!ctl || ctl->stopping)
		return;
	ctl->stopping = true;
	if (ctl->metrics) {
		ctl_metrics_stop(ctl->metrics);
		ctl->metrics = NULL;
	}
	while (ctl->conns) {
		struct conn *c = ctl->conns;
		conn_close(c);
		/* The walker stops at its next entry; wait for it here so that
		 * nothing runs once the caller's loop has gone. */
		if (c->dump)
			dump_abort(c->dump);
	}
	unlink(ctl->path);
	uv_close((uv_handle_t *)&ctl->timer, handle_closed_cb);
	uv_close((uv_handle_t *)&ctl->listener, handle_closed_cb);
}
