/*
 * Miss rings in, answer rings out.
 *
 * No polling: the loop looks at the miss rings after every wake-up (the
 * check handle) and sleeps on the region's miss doorbell otherwise
 * (boltdns/ring.h "Doorbell"). Before the loop sleeps, the prepare handle
 * arms the bell and looks at the rings once more; a dataplane lcore that
 * then fills an empty miss ring kicks the bell, and a helper thread
 * sleeping on the bell's futex wakes the loop with uv_async_send.
 *
 * Why a futex and a helper thread, and not an eventfd in the loop: an
 * eventfd belongs to the process that made it, and the dataplane is an
 * unrelated process (either may restart alone), so it would have to be
 * passed over a socket (SCM_RIGHTS, or fetched with pidfd_getfd, which needs
 * ptrace rights) and passed again after every restart of either side. The
 * futex word lives in the region both already map, needs nothing set up,
 * and survives restarts. The price is one more thread wake-up per kick,
 * and a kick happens only when the loop was asleep: under load the loop is
 * woken by its own I/O and finds the misses without any kick.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy.h"
#include "ringsvc.h"
#include "serve.h"
#include "tap.h"

/* Messages taken from one miss ring per poll, so one busy lcore cannot
 * starve the others. */
#define RING_BATCH 64
/* Answers waiting for a full answer ring at most, and for how long. */
#define RING_BACKLOG 1024
#define RING_RETRY_MS 200
/* How often a backlog (full answer rings) is retried. */
#define RING_BACKLOG_POLL_MS 1
/* Seconds after which a miss is not worth resolving (stub resolvers retry
 * after 1-5 s and give up after about 10). */
#define RING_MISS_MAX_AGE 10

struct backlog_ent {
	uint64_t since_ms;
	unsigned lcore;
	struct bolt_client client;
	uint16_t len;
	uint8_t payload[BOLT_ANSWER_PAYLOAD_MAX];
};

struct ring_svc {
	uv_timer_t timer;            /* backlog retries; runs only with a backlog */
	uv_check_t check;            /* after every wake-up: take the misses */
	uv_prepare_t prepare;        /* before every sleep: arm the bell, look again */
	uv_idle_t idle;              /* keeps the loop from sleeping: misses left */
	uv_async_t async;            /* the bell thread's wake-up */
	struct backlog_ent *bl;
	unsigned bl_head, bl_count;
	/* The bell thread: sleeps on bell_region's miss_bell. */
	pthread_t thread;
	bool thread_on;
	_Atomic bool thread_stop;
	struct bolt_region *bell_region;
	/* Control bit taken by the bell thread, for on_check. */
	_Atomic bool ctl_posted;
	void (*ctl_fn)(void *arg);
	void *ctl_arg;
};

/* Whether this process still holds its own worker role: a ring has one
 * consumer and one producer, so a process that lost the role must not touch
 * one more slot (main.c then stops it). */
static bool ring_owner(const struct cp *cp)
{
	return cp->region_token == 0 ||
	       bolt_region_owns(cp->region, BOLT_REGION_WORKER(cp->worker), cp->region_token);
}

/* Whether this process consumes worker v's miss rings now (its own set, or
 * one it adopted and still holds). */
static bool set_owner(const struct cp *cp, unsigned v)
{
	if (cp->region_token == 0)
		return v == cp->worker;
	return (atomic_load_explicit(&cp->sets, memory_order_relaxed) & (1u << v)) != 0 &&
	       bolt_region_owns(cp->region, BOLT_REGION_WORKER(v), cp->region_token);
}

/* Doorbell bits of the sets this process consumes (its own at least). */
static uint32_t my_bits(const struct cp *cp)
{
	return atomic_load_explicit(&cp->sets, memory_order_relaxed) | (1u << cp->worker);
}

static bool try_push(struct cp *cp, unsigned lcore, const struct bolt_client *client,
                     const uint8_t *payload, size_t len)
{
	struct bolt_region *r = cp->region;
	if (!ring_owner(cp)) {
		cp->ctr.answer_drops++;
		return true; /* dropped: the answer ring is another process's now */
	}
	if (lcore >= r->hdr->max_lcores || lcore >= BOLT_MAX_LCORES)
		return true; /* nowhere to go: treated as sent */
	/* Always this worker's own answer ring of the lcore, whichever set the
	 * miss came from: an adopted set's answer rings keep their one
	 * producer (the dead worker, or its replacement). */
	struct bolt_ring *ring = bolt_region_worker_answer_ring(r, lcore, cp->worker);
	if (ring == NULL)
		return true;
	struct bolt_answer_msg *m = bolt_ring_reserve(ring);
	if (m == NULL)
		return false;
	m->client = *client;
	m->len = (uint16_t)len;
	memset(m->reserved, 0, sizeof(m->reserved));
	memcpy(m->payload, payload, len);
	bolt_ring_commit(ring);
	/* A socket worker asleep on its sockets is woken for it (DPDK lcores
	 * poll and never arm their bit). */
	bolt_bell_kick(&r->hdr->answer_bell, 1u << lcore);
	cp->ctr.answers++;
	return true;
}

static void flush_backlog(struct cp *cp)
{
	struct ring_svc *s = cp->rings;
	uint64_t now = uv_now(cp->loop);
	while (s->bl_count > 0) {
		struct backlog_ent *e = &s->bl[s->bl_head];
		if (!try_push(cp, e->lcore, &e->client, e->payload, e->len)) {
			if (now - e->since_ms < RING_RETRY_MS)
				break;
			cp->ctr.answer_drops++;
		}
		s->bl_head = (s->bl_head + 1) % RING_BACKLOG;
		s->bl_count--;
	}
}

static void on_timer(uv_timer_t *t);

void ring_push(struct cp *cp, unsigned lcore, const struct bolt_client *client,
               const uint8_t *payload, size_t len)
{
	struct ring_svc *s = cp->rings;
	if (cp->region == NULL || s == NULL || len > BOLT_ANSWER_PAYLOAD_MAX) {
		cp->ctr.answer_drops++;
		return;
	}
	/* Answers already waiting go first, so a client's answers stay in order. */
	if (s->bl_count == 0 && try_push(cp, lcore, client, payload, len))
		return;
	cp->ctr.answer_retries++;
	if (s->bl_count >= RING_BACKLOG) {
		cp->ctr.answer_drops++;
		return;
	}
	struct backlog_ent *e = &s->bl[(s->bl_head + s->bl_count) % RING_BACKLOG];
	e->since_ms = uv_now(cp->loop);
	e->lcore = lcore;
	e->client = *client;
	e->len = (uint16_t)len;
	memcpy(e->payload, payload, len);
	s->bl_count++;
	/* The backlog is retried on a timer: nothing else wakes the loop when
	 * the dataplane frees a slot. */
	if (!uv_is_active((uv_handle_t *)&s->timer))
		uv_timer_start(&s->timer, on_timer, RING_BACKLOG_POLL_MS, 0);
}

/* A ring client's answer: pushed on its lcore's answer ring. */
static void ring_deliver(const struct waiter *w, const uint8_t *msg, size_t len)
{
	tap_client_response(w->ctx, w, msg, len);
	if (msg != NULL)
		ring_push(w->ctx, w->lcore, &w->client, msg, len);
}

static const struct waiter_ops ring_ops = { .deliver = ring_deliver };

void ring_waiter_init(struct waiter *w, struct cp *cp, unsigned lcore,
                      const struct bolt_client *client)
{
	memset(w, 0, sizeof(*w));
	w->ops = &ring_ops;
	w->ctx = cp;
	w->lcore = (uint16_t)lcore;
	if (client != NULL)
		w->client = *client;
}

/* A NOTIFY the dataplane handed on (whole in m->question): for the policy
 * zones' transfers; answered through the answer ring unless a copy. */
static void ring_notify(struct cp *cp, unsigned lcore, const struct bolt_miss_msg *m)
{
	if (m->question_len > BOLT_MISS_QUESTION_MAX) {
		cp->ctr.bad_misses++;
		return;
	}
	uint8_t out[1024];
	int len = policy_xfr_notify(cp, m->question, m->question_len, m->client.family,
	                            m->client.client_addr, false, out, sizeof(out));
	if (len > 0 && !(m->flags & BOLT_MISS_F_COPY))
		ring_push(cp, lcore, &m->client, out, (size_t)len);
}

void ring_handle_miss(struct cp *cp, unsigned lcore, const struct bolt_miss_msg *m)
{
	if (m->flags & BOLT_MISS_F_NOTIFY) {
		ring_notify(cp, lcore, m);
		return;
	}
	bool hint = (m->flags & BOLT_MISS_F_PREFETCH) != 0;
	bool sample = (m->flags & BOLT_MISS_F_TAP) != 0;
	if (hint)
		cp->ctr.prefetch_hints++;
	else if (!sample)
		cp->ctr.misses++;
	/* Misses queued while no control plane ran: the client gave up long ago
	 * (and a hint that old is about an entry that expired since). */
	uint32_t now = bolt_now();
	if (m->received != 0 && m->received + RING_MISS_MAX_AGE < now) {
		cp->ctr.stale_misses++;
		return;
	}
	struct waiter w;
	ring_waiter_init(&w, cp, lcore, &m->client);
	size_t ql = m->question_len;
	int nl = ql <= BOLT_MISS_QUESTION_MAX ? bolt_name_len(m->question, ql) : -1;
	if (nl < 0 || (size_t)nl + 4 != ql) {
		cp->ctr.bad_misses++;
		return;
	}
	memcpy(w.question, m->question, ql);
	w.q.id = m->id;
	w.q.flags = m->qflags;
	w.q.qtype = m->qtype;
	w.q.qclass = m->qclass;
	w.q.qname_len = (uint16_t)nl;
	w.q.question_len = (uint16_t)ql;
	w.q.has_edns = m->has_edns != 0;
	w.q.do_bit = m->do_bit != 0;
	w.q.edns_udp_size = m->has_edns ? m->edns_udp_size : 0;

	struct pkey key;
	/* Type and class from the question bytes themselves: they are what the
	 * answer will repeat. */
	uint16_t qt, qc;
	memcpy(&qt, m->question + nl, 2);
	memcpy(&qc, m->question + nl + 2, 2);
	w.q.qtype = be16toh(qt);
	w.q.qclass = be16toh(qc);
	if (pkey_make(&key, m->question, w.q.qtype, w.q.qclass, w.q.do_bit) < 0) {
		cp->ctr.bad_misses++;
		return;
	}
	memcpy(w.q.qname_lc, key.name, key.name_len);
	if (sample) {
		/* A dataplane hit sampled for dnstap: logged, answered by nobody. */
		tap_dp_hit(cp, &w, &key);
		return;
	}
	if (hint) {
		/* Nobody waits: refresh the entry, answer no one. */
		serve_prefetch_hint(cp, &key);
		return;
	}
	tap_client_query(cp, &w, NULL, 0);
	/* The dataplane missed, but an answer may have landed since. */
	if (serve_from_cache(cp, &key, &w)) {
		cp->ctr.miss_hits++;
		return;
	}
	serve_resolve(cp, &key, &w);
}

static unsigned lcores_running(const struct bolt_region *r)
{
	unsigned n = atomic_load_explicit(&r->hdr->dp_lcores, memory_order_acquire);
	if (n > r->hdr->max_lcores)
		n = r->hdr->max_lcores;
	if (n > BOLT_MAX_LCORES)
		n = BOLT_MAX_LCORES;
	return n;
}

static unsigned ring_sets(const struct bolt_region *r)
{
	unsigned n = r->hdr->cp_workers;
	return n > BOLT_MAX_WORKERS ? BOLT_MAX_WORKERS : n;
}

static unsigned poll_rings(struct cp *cp)
{
	struct bolt_region *r = cp->region;
	if (r == NULL || !ring_owner(cp))
		return 0;
	flush_backlog(cp);
	unsigned n = lcores_running(r), nsets = ring_sets(r);
	unsigned total = 0;
	for (unsigned v = 0; v < nsets; v++) {
		/* The claim of each set is checked before its rings are touched:
		 * an adopted set handed back (or taken) is not read again. */
		if (!set_owner(cp, v))
			continue;
		for (unsigned k = 0; k < n; k++) {
			struct bolt_ring *ring = bolt_region_worker_miss_ring(r, k, v);
			for (unsigned i = 0; i < RING_BATCH; i++) {
				const struct bolt_miss_msg *slot = bolt_ring_peek(ring);
				if (slot == NULL)
					break;
				/* Copy out first: the slot is the dataplane's again once
				 * released. */
				struct bolt_miss_msg m;
				memcpy(&m, slot, sizeof(m));
				bolt_ring_release(ring);
				if (v != cp->worker)
					cp->ctr.adopted_misses++;
				ring_handle_miss(cp, k, &m);
				total++;
				if (cp->region != r)
					return total;
			}
		}
	}
	return total;
}

/* Whether a miss ring this process consumes holds a slot (the bell is
 * armed: see on_prepare). */
static bool rings_ready(struct cp *cp)
{
	struct bolt_region *r = cp->region;
	unsigned n = lcores_running(r), nsets = ring_sets(r);
	for (unsigned v = 0; v < nsets; v++) {
		if (!set_owner(cp, v))
			continue;
		for (unsigned k = 0; k < n; k++)
			if (bolt_ring_ready(bolt_region_worker_miss_ring(r, k, v)))
				return true;
	}
	return false;
}

/* The bell thread: forwards every kick of this worker's bits of the miss
 * bell to the loop (other workers' kicks neither wake it nor are taken). */
static void *bell_main(void *arg)
{
	struct cp *cp = arg;
	struct ring_svc *s = cp->rings;
	struct bolt_bell *b = &s->bell_region->hdr->miss_bell;
	for (;;) {
		uint32_t seq = bolt_bell_seq(b);
		if (atomic_load_explicit(&s->thread_stop, memory_order_acquire))
			break;
		/* The sets may grow or shrink (adoption): read them every turn;
		 * ring_svc_sets_changed wakes this thread. */
		uint32_t ctl = BOLT_BELL_CTL(cp->worker);
		uint32_t bits = my_bits(cp) | ctl;
		uint32_t got = bolt_bell_take_bits(b, bits);
		if (got != 0) {
			if (got & ctl)
				atomic_store_explicit(&s->ctl_posted, true, memory_order_release);
			uv_async_send(&s->async);
			continue;
		}
		(void)bolt_bell_wait_bits(b, seq, bits, -1);
	}
	return NULL;
}

static void bell_stop(struct cp *cp)
{
	struct ring_svc *s = cp->rings;
	if (!s->thread_on)
		return;
	atomic_store_explicit(&s->thread_stop, true, memory_order_release);
	struct bolt_bell *b = &s->bell_region->hdr->miss_bell;
	bolt_bell_disarm(b, my_bits(cp));
	bolt_bell_wake(b);
	pthread_join(s->thread, NULL);
	s->thread_on = false;
	s->bell_region = NULL;
}

/* A bell thread for the region now attached (the region may be new). */
static bool bell_start(struct cp *cp)
{
	struct ring_svc *s = cp->rings;
	if (s->thread_on && s->bell_region == cp->region)
		return true;
	bell_stop(cp);
	s->bell_region = cp->region;
	atomic_store_explicit(&s->thread_stop, false, memory_order_relaxed);
	/* What was posted before this thread waited: follow it once. */
	atomic_store_explicit(&s->ctl_posted, true, memory_order_release);
	if (pthread_create(&s->thread, NULL, bell_main, cp) != 0) {
		s->bell_region = NULL;
		return false;
	}
	s->thread_on = true;
	return true;
}

/* Backlog retries (full answer rings), every RING_BACKLOG_POLL_MS while
 * there is a backlog, and never otherwise. */
static void on_timer(uv_timer_t *t)
{
	struct cp *cp = t->data;
	if (cp->region != NULL && ring_owner(cp))
		flush_backlog(cp);
	if (cp->rings != NULL && cp->rings->bl_count > 0)
		uv_timer_start(t, on_timer, RING_BACKLOG_POLL_MS, 0);
}

/* After every wake-up of the loop (upstream answers, TCP, the bell): awake,
 * so the dataplane need not kick; misses that arrived meanwhile are started
 * at once. */
static void on_check(uv_check_t *h)
{
	struct cp *cp = h->data;
	if (cp->region != NULL)
		bolt_bell_disarm(&cp->region->hdr->miss_bell, my_bits(cp));
	poll_rings(cp);
	struct ring_svc *s = cp->rings;
	if (atomic_load_explicit(&s->ctl_posted, memory_order_relaxed) &&
	    atomic_exchange_explicit(&s->ctl_posted, false, memory_order_acq_rel) &&
	    s->ctl_fn != NULL && cp->region != NULL)
		s->ctl_fn(s->ctl_arg);
}

void ring_svc_on_control(struct cp *cp, void (*fn)(void *arg), void *arg)
{
	cp->rings->ctl_fn = fn;
	cp->rings->ctl_arg = arg;
}


/* The bell thread's wake-up: on_check, which runs after it, does the work. */
static void on_async(uv_async_t *h)
{
	(void)h;
}

static void on_idle(uv_idle_t *h)
{
	(void)h;
}

/*
 * Before the loop sleeps: arm the miss bell, then look at the rings once
 * more (ring.h "Doorbell"): a slot published before the arm is seen here
 * and the loop does not sleep (the idle handle makes its poll return at
 * once); one published after it kicks the bell. A region not ours (yet) is
 * not waited on: the tick attaches and claims it.
 */
static void on_prepare(uv_prepare_t *h)
{
	struct cp *cp = h->data;
	struct ring_svc *s = cp->rings;
	if (cp->region == NULL || !ring_owner(cp) || !bell_start(cp)) {
		/* Without a bell thread the loop would sleep on misses: keep the
		 * old 1 ms look (pthread_create failed, which it should not). */
		if (cp->region != NULL && ring_owner(cp) && !uv_is_active((uv_handle_t *)&s->timer))
			uv_timer_start(&s->timer, on_timer, RING_BACKLOG_POLL_MS, 0);
		uv_idle_stop(&s->idle);
		return;
	}
	struct bolt_bell *b = &cp->region->hdr->miss_bell;
	uint32_t bits = my_bits(cp);
	bolt_bell_arm(b, bits);
	if (rings_ready(cp)) {
		bolt_bell_disarm(b, bits);
		uv_idle_start(&s->idle, on_idle);
	} else {
		uv_idle_stop(&s->idle);
	}
}

int ring_svc_start(struct cp *cp)
{
	struct ring_svc *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->bl = calloc(RING_BACKLOG, sizeof(*s->bl));
	if (s->bl == NULL) {
		free(s);
		return -ENOMEM;
	}
	int err = uv_async_init(cp->loop, &s->async, on_async);
	if (err < 0) {
		free(s->bl);
		free(s);
		return err;
	}
	uv_timer_init(cp->loop, &s->timer);
	uv_check_init(cp->loop, &s->check);
	uv_prepare_init(cp->loop, &s->prepare);
	uv_idle_init(cp->loop, &s->idle);
	s->timer.data = cp;
	s->check.data = cp;
	s->prepare.data = cp;
	s->idle.data = cp;
	s->async.data = cp;
	/* None of these keeps the loop alive by itself. */
	uv_unref((uv_handle_t *)&s->async);
	cp->rings = s;
	uv_check_start(&s->check, on_check);
	uv_prepare_start(&s->prepare, on_prepare);
	return 0;
}

void ring_svc_reset(struct cp *cp)
{
	if (cp->rings != NULL) {
		/* The bell thread sleeps on the old region, which is unmapped next. */
		bell_stop(cp);
		uv_idle_stop(&cp->rings->idle);
		cp->ctr.answer_drops += cp->rings->bl_count;
		cp->rings->bl_count = 0;
		cp->rings->bl_head = 0;
	}
}

void ring_svc_stop(struct cp *cp)
{
	struct ring_svc *s = cp->rings;
	if (s == NULL)
		return;
	bell_stop(cp);
	uv_timer_stop(&s->timer);
	uv_check_stop(&s->check);
	uv_prepare_stop(&s->prepare);
	uv_idle_stop(&s->idle);
	uv_close((uv_handle_t *)&s->timer, NULL);
	uv_close((uv_handle_t *)&s->check, NULL);
	uv_close((uv_handle_t *)&s->prepare, NULL);
	uv_close((uv_handle_t *)&s->idle, NULL);
	uv_close((uv_handle_t *)&s->async, NULL);
}

void ring_svc_free(struct cp *cp)
{
	if (cp->rings == NULL)
		return;
	free(cp->rings->bl);
	free(cp->rings);
	cp->rings = NULL;
}

void ring_svc_sets_changed(struct cp *cp, uint32_t old_sets)
{
	struct ring_svc *s = cp->rings;
	if (s == NULL || !s->thread_on)
		return;
	/* The thread must wait for the new bits. A set given back may stay
	 * armed: its new owner then gets one spurious kick, whereas disarming
	 * could clear the bit the new owner itself just armed. */
	(void)old_sets;
	bolt_bell_wake(&s->bell_region->hdr->miss_bell);
}
