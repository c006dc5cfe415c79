/*
 * Prefetch: refresh popular answers shortly before they expire, so clients
 * keep hitting the dataplane's cache instead of waiting for a resolution.
 *
 * Hits late in an entry's TTL arrive as dataplane hints and are refreshed
 * directly (serve_prefetch_hint); this table covers names hit too sparsely
 * for that, inferring popularity from misses: a question asked again after
 * its answer expired is popular. Its answer is then re-resolved when 90% of its
 * TTL has passed, PREFETCH_ROUNDS times in a row; the next client miss after
 * that starts a new series. The table is direct-mapped and bounded
 * (PREFETCH_SLOTS): a colliding question simply replaces the older one.
 *
 * Single-threaded (the libuv loop thread).
 */
#ifndef BOLTDNS_CONTROL_PREFETCH_H
#define BOLTDNS_CONTROL_PREFETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "pending.h"

#define PREFETCH_SLOTS 4096
#define PREFETCH_ROUNDS 3
/* Answers living shorter than this are not worth refreshing. */
#define PREFETCH_MIN_TTL 4

struct prefetch;

/* New empty table, or NULL (ENOMEM). */
struct prefetch *prefetch_new(void);
void prefetch_free(struct prefetch *pf);

/*
 * A resolution of key ended: kind (enum bolt_cache_kind) and cache ttl as
 * inserted; by_prefetch: it was a refresh, not a client's question.
 * Returns true when a refresh of key is now scheduled.
 */
bool prefetch_note(struct prefetch *pf, const struct pkey *key, uint8_t kind, uint32_t ttl,
                   bool by_prefetch, uint32_t now);

/*
 * Take the next key due for a refresh at now into *key (its slot is marked
 * running until prefetch_note reports the outcome). Returns false when none
 * is due.
 */
bool prefetch_due(struct prefetch *pf, uint32_t now, struct pkey *key);

/* Refreshes scheduled now (for stats). */
unsigned prefetch_scheduled(const struct prefetch *pf);

#endif
