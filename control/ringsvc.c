/*
 * Miss rings in, answer rings out.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ringsvc.h"
#include "serve.h"

/* Messages taken from one miss ring per poll, so one busy lcore cannot
 * starve the others. */
#define RING_BATCH 64
/* Answers waiting for a full answer ring at most, and for how long. */
#define RING_BACKLOG 1024
#define RING_RETRY_MS 200
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
	uv_timer_t timer;
	uv_check_t check;
	struct backlog_ent *bl;
	unsigned bl_head, bl_count;
};

/* Whether this process still holds the region's control-plane role: a ring
 * has one consumer and one producer, so a process that lost the role must
 * not touch one more slot (main.c then stops it). */
static bool ring_owner(const struct cp *cp)
{
	return cp->region_token == 0 || bolt_region_owns(cp->region, BOLT_REGION_CP, cp->region_token);
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
	struct bolt_ring *ring = bolt_region_answer_ring(r, lcore);
	struct bolt_answer_msg *m = bolt_ring_reserve(ring);
	if (m == NULL)
		return false;
	m->client = *client;
	m->len = (uint16_t)len;
	memset(m->reserved, 0, sizeof(m->reserved));
	memcpy(m->payload, payload, len);
	bolt_ring_commit(ring);
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
}

/* A ring client's answer: pushed on its lcore's answer ring. */
static void ring_deliver(const struct waiter *w, const uint8_t *msg, size_t len)
{
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

void ring_handle_miss(struct cp *cp, unsigned lcore, const struct bolt_miss_msg *m)
{
	bool hint = (m->flags & BOLT_MISS_F_PREFETCH) != 0;
	if (hint)
		cp->ctr.prefetch_hints++;
	else
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
	if (hint) {
		/* Nobody waits: refresh the entry, answer no one. */
		serve_prefetch_hint(cp, &key);
		return;
	}
	/* The dataplane missed, but an answer may have landed since. */
	if (serve_from_cache(cp, &key, &w)) {
		cp->ctr.miss_hits++;
		return;
	}
	serve_resolve(cp, &key, &w);
}

static unsigned poll_rings(struct cp *cp)
{
	struct bolt_region *r = cp->region;
	if (r == NULL || !ring_owner(cp))
		return 0;
	flush_backlog(cp);
	unsigned n = atomic_load_explicit(&r->hdr->dp_lcores, memory_order_acquire);
	if (n > r->hdr->max_lcores)
		n = r->hdr->max_lcores;
	if (n > BOLT_MAX_LCORES)
		n = BOLT_MAX_LCORES;
	unsigned total = 0;
	for (unsigned k = 0; k < n; k++) {
		struct bolt_ring *ring = bolt_region_miss_ring(r, k);
		for (unsigned i = 0; i < RING_BATCH; i++) {
			const struct bolt_miss_msg *slot = bolt_ring_peek(ring);
			if (slot == NULL)
				break;
			/* Copy out first: the slot is the dataplane's again once released. */
			struct bolt_miss_msg m;
			memcpy(&m, slot, sizeof(m));
			bolt_ring_release(ring);
			ring_handle_miss(cp, k, &m);
			total++;
			if (cp->region != r)
				return total;
		}
	}
	return total;
}

/* A loop with nothing else to do wakes after 1 ms to look at the rings. The
 * timer re-arms itself: timers run before the loop computes how long to
 * sleep, the check handle only after that sleep. */
static void on_timer(uv_timer_t *t)
{
	poll_rings(t->data);
	uv_timer_start(t, on_timer, 1, 0);
}

/* After every wake-up of the loop (upstream answers, TCP, the timer): misses
 * that arrived meanwhile are started at once, for free, and the timer is
 * pushed back to 1 ms from now. A loop woken often enough by its own I/O
 * thus never wakes for the timer at all (each wake-up is several
 * microseconds of CPU), and the rings are still looked at every ~1 ms. */
static void on_check(uv_check_t *h)
{
	struct cp *cp = h->data;
	poll_rings(cp);
	if (cp->rings != NULL)
		uv_timer_start(&cp->rings->timer, on_timer, 1, 0);
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
	uv_timer_init(cp->loop, &s->timer);
	uv_check_init(cp->loop, &s->check);
	s->timer.data = cp;
	s->check.data = cp;
	cp->rings = s;
	uv_timer_start(&s->timer, on_timer, 1, 0);
	uv_check_start(&s->check, on_check);
	return 0;
}

void ring_svc_reset(struct cp *cp)
{
	if (cp->rings != NULL) {
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
	uv_timer_stop(&s->timer);
	uv_check_stop(&s->check);
	uv_close((uv_handle_t *)&s->timer, NULL);
	uv_close((uv_handle_t *)&s->check, NULL);
}

void ring_svc_free(struct cp *cp)
{
	if (cp->rings == NULL)
		return;
	free(cp->rings->bl);
	free(cp->rings);
	cp->rings = NULL;
}
