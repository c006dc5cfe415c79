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
#include <stdint.h>

#include "boltdns/msg.h"
#include "boltdns/wire.h"

struct tcp_conn;

enum waiter_kind {
	WAITER_RING = 0,   /* answer goes on the answer ring of lcore */
	WAITER_TCP = 1,    /* answer goes on a client TCP connection */
};

/* One client waiting for an answer: what is needed to render its response. */
struct waiter {
	struct waiter *next;
	uint8_t kind;                 /* enum waiter_kind */
	uint16_t lcore;               /* WAITER_RING: dataplane lcore */
	struct bolt_client client;    /* WAITER_RING: copied into the answer */
	struct tcp_conn *conn;        /* WAITER_TCP */
	bool held;                    /* WAITER_TCP: holds conn until answered */
	struct bolt_query q;          /* id, flags, EDNS of the client's query */
	uint8_t question[BOLT_MISS_QUESTION_MAX]; /* the client's question bytes */
};

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
	void *ctx;                    /* the owner's context, for the completion callback */
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

#endif
