/*
 * Cache misses answered from local data ([local] hosts and data, boltctl
 * local_data) before anything is resolved, as Unbound's transparent local
 * zone answers them: NODATA for the other types of a local name, local
 * CNAME chains followed (and resolved further when they leave local data).
 * The dataplane sees only the cache, so these answers reach the control
 * plane as misses once, then live in the cache (see control/ctl/local.c).
 */
#ifndef BOLTDNS_CONTROL_LOCALDATA_H
#define BOLTDNS_CONTROL_LOCALDATA_H

#include <stdbool.h>

#include "cp.h"
#include "pending.h"

/*
 * Answer w (NULL: a refresh with nobody waiting) for key from local data:
 * at once from the local records, or after resolving the target of a
 * local CNAME chain that leaves them (coalesced on key like any question).
 * Returns false when key's name has no local data (resolve as usual).
 * Loop thread.
 */
bool serve_local(struct cp *cp, const struct pkey *key, const struct waiter *w);

#endif
