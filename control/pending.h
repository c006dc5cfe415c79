/*
 * Coalescing of identical questions in flight.
 *
 * A question key is the lower-cased name, type, class and DO bit: exactly
 * the shared cache's key, so one resolution fills one cache entry. The
 * first client asking starts a resolution; later clients asking the same
 * key while it runs only join its list of waiters, and all of them are
 * answered when it ends.
 *
 * Single-threaded (the libuv loop thread).
 */
#ifndef BOLTDNS_CONTROL_PENDING_H
#define BOLTDNS_CONTROL_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boltdns/msg.h"
#include "boltdns/wire.h"

struct waiter;

/*
 * How a waiting client is answered, filled in by the transport that took
 * its query (answer ring, TCP, later TLS or HTTP/2): the resolver and the
 * serving code render the response and hand it over without knowing which
 * transport asked.
 */
struct waiter_ops {
	/* Send msg[0..len) to w's client; msg NULL: nothing to send (the
	 * answer could not be built). When w->held, also release what hold
	 * took. Loop thread. */
	void (*deliver)(const struct waiter *w, const uint8_t *msg, size_t len);
	/* A copy of w is being stored until its answer: keep the transport's
	 * state (ctx) alive until that copy is delivered. NULL: nothing to
	 * keep. */
	void (*hold)(const struct waiter *w);
};

/* One client waiting for an answer: what is needed to render its response
 * and the transport's way to deliver it. */
struct waiter {
	struct waiter *next;
	const struct waiter_ops *ops; /* NULL: nobody to answer (answers are dropped) */
	void *ctx;                    /* the transport's (a ring service's cp, a TCP connection) */
	bool stream;                  /* a stream transport: up to 65535 bytes, never truncated */
	bool held;                    /* this copy holds ctx (ops->hold) until delivered */
	uint16_t lcore;               /* answer ring: the dataplane lcore */
	struct bolt_client client;    /* answer ring: copied into the answer */
	struct bolt_query q;          /* id, flags, EDNS of the client's query */
	uint64_t tap_ns;              /* dnstap: when the query arrived (CLOCK_REALTIME ns), 0: not logged */
	uint8_t edge;                 /* a client of boltdns-edge (enum bolt_edge_transport: DoT,
	                                 DoH), client its; 0: UDP or TCP by stream */
	uint8_t question[BOLT_MISS_QUESTION_MAX]; /* the client's question bytes */
};

/* Hand msg (NULL: nothing) to w's transport. */
static inline void waiter_deliver(const struct waiter *w, const uint8_t *msg, size_t len)
{
	if (w->ops != NULL)
		w->ops->deliver(w, msg, len);
}

/* The copy of w to store in a waiting list: it holds the transport when the
 * transport needs that. Call waiter_hold(w) once the copy is stored. */
static inline struct waiter waiter_copy(const struct waiter *w)
{
	struct waiter c = *w;
	c.next = NULL;
	c.held = w->ops != NULL && w->ops->hold != NULL;
	return c;
}

static inline void waiter_hold(const struct waiter *w)
{
	if (w->ops != NULL && w->ops->hold != NULL)
		w->ops->hold(w);
}

/* A question key. */
struct pkey {
	uint8_t name[BOLT_NAME_MAX];  /* lower-case wire form */
	uint8_t name_len;
	uint8_t do_bit;
	uint16_t qtype;
	uint16_t qclass;
};

/* One question in flight. */
struct pend {
	struct pend *hnext;
	uint64_t hash;
	struct pkey key;
	struct waiter *waiters;       /* in arrival order */
	struct waiter **wtail;
	unsigned nwaiters;
	uint8_t prefetch;             /* a refresh started by prefetch, not by a client */
	uint8_t stale_sent;           /* the client-response timer answered stale already */
	void *ctx;                    /* the owner's context, for the completion callback */
	void *timer;                  /* the owner's client-response timer, NULL when none */
};

struct pend_tab {
	struct pend **buckets;
	uint64_t mask;
	unsigned count;
	unsigned max;                 /* questions in flight at most */
	unsigned max_waiters;         /* waiters per question at most */
};

/* Fill k from a question's parts (name is lower-cased into k). */
int pkey_make(struct pkey *k, const uint8_t *name, uint16_t qtype, uint16_t qclass, bool do_bit);

/* XXH3 of the key (the table's hash). */
uint64_t pkey_hash(const struct pkey *k);

/* Table for at most max questions of at most max_waiters clients. 0 or -ENOMEM. */
int pend_init(struct pend_tab *t, unsigned max, unsigned max_waiters);

/* Free the table. Entries still in it are freed with their waiters. */
void pend_destroy(struct pend_tab *t);

/* The question in flight for k, or NULL. */
struct pend *pend_find(struct pend_tab *t, const struct pkey *k);

/* Start tracking k (must not be in the table). NULL when the table is full
 * or out of memory. */
struct pend *pend_add(struct pend_tab *t, const struct pkey *k);

/*
 * Append a copy of w to p's waiters. Returns 0, BOLT_ELIMIT when p already
 * has max_waiters (the caller answers SERVFAIL), or -ENOMEM.
 */
int pend_join(struct pend_tab *t, struct pend *p, const struct waiter *w);

/* Remove p from the table; the caller takes p (and its waiters) and frees
 * them with pend_free. */
void pend_remove(struct pend_tab *t, struct pend *p);

/* Free a removed entry and its waiters. */
void pend_free(struct pend *p);

/* Take p's waiters (p has none afterwards); free them with waiter_list_free. */
struct waiter *pend_take_waiters(struct pend *p);

/* Free a list of waiters (without delivering anything). */
void waiter_list_free(struct waiter *w);

#endif
