/*
 * Resolver workers on one region: claiming a worker's own ring set,
 * adopting the sets of dead workers, giving them back (workers.h).
 *
 * Why adoption rather than waiting for a restart: a killed worker's miss
 * rings keep filling, and a replacement started by systemd comes seconds
 * later (RestartSec, start-up, priming). A live worker takes the set over
 * as soon as the hardened claim says its owner is gone (the pid no longer
 * exists, is a zombie, or the heartbeat is 30 s old) and resolves what is
 * queued: nothing on the rings is lost, and a slot is consumed by exactly
 * one process because the claim is one compare-and-swap and the owner
 * checks it before every ring it reads (ringsvc.c set_owner).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "boltdns/procfs.h"
#include "log.h"
#include "net/upstream.h"
#include "workers.h"

/* Whether pid has exited and waits for its parent to reap it (a zombie):
 * kill(0) still finds it. False when /proc cannot tell. */
static bool zombie(int32_t pid)
{
	char st = bolt_proc_state(pid);
	return st == 'Z' || st == 'X';
}

/* Whether the process of token exists and has not exited (a token of 0 is
 * nobody). A zombie is gone: its pidfd reported the exit (pidwatch.h), and
 * its parent may reap it much later (or, watched again, it would wake the
 * loop at once, again and again). */
static bool token_alive(uint64_t token)
{
	int32_t pid = bolt_region_token_pid(token);
	if (token == 0 || pid <= 0)
		return false;
	if (kill(pid, 0) != 0 && errno != EPERM)
		return false;
	return !zombie(pid);
}

static void set_bits(struct cp *cp, uint32_t add, uint32_t del)
{
	uint32_t cur = atomic_load_explicit(&cp->sets, memory_order_relaxed);
	atomic_store_explicit(&cp->sets, (cur | add) & ~del, memory_order_relaxed);
	struct bolt_worker_info *me = bolt_region_worker_info(cp->region, cp->worker);
	if (me != NULL)
		atomic_store_explicit(&me->adopted,
		                      ((cur | add) & ~del) & ~(1u << cp->worker),
		                      memory_order_relaxed);
}

int workers_claim(struct cp *cp, struct bolt_region *r, uint64_t *owner)
{
	if (cp->worker >= r->hdr->cp_workers || cp->worker >= BOLT_MAX_WORKERS)
		return -ERANGE;
	struct bolt_worker_info *wi = bolt_region_worker_info(r, cp->worker);
	int ret = bolt_region_claim(r, BOLT_REGION_WORKER(cp->worker), cp->region_token,
	                            bolt_region_clock_ms(), owner);
	if (ret == -EBUSY) {
		/* Ask an adopter to give the set back (a live worker of the same
		 * index ignores it: this process then waits as before). */
		atomic_store_explicit(&wi->want, cp->region_token, memory_order_release);
		/* Wake the adopter (whichever worker it is): it gives the set
		 * back on that turn instead of its next tick. */
		uint32_t bits = 0;
		for (unsigned w = 0; w < r->hdr->cp_workers && w < BOLT_MAX_WORKERS; w++)
			if (w != cp->worker)
				bits |= BOLT_BELL_CTL(w);
		bolt_bell_post(&r->hdr->miss_bell, bits);
		return ret;
	}
	if (ret < 0)
		return ret;
	uint64_t mine = cp->region_token;
	atomic_compare_exchange_strong(&wi->want, &mine, 0);
	atomic_store(&wi->pid, (int32_t)getpid());
	atomic_store(&wi->started, (uint64_t)time(NULL));
	atomic_store(&wi->adopted, 0);
	atomic_store(&wi->reload_gen, atomic_load(&r->hdr->reload_gen));
	atomic_store_explicit(&cp->sets, 1u << cp->worker, memory_order_relaxed);
	return 0;
}

unsigned workers_tick(struct cp *cp)
{
	struct bolt_region *r = cp->region;
	if (r == NULL || cp->region_token == 0 ||
	    !bolt_region_owns(r, BOLT_REGION_WORKER(cp->worker), cp->region_token))
		return 0;
	unsigned n = r->hdr->cp_workers < BOLT_MAX_WORKERS ? r->hdr->cp_workers : BOLT_MAX_WORKERS;
	uint64_t now = bolt_region_clock_ms();
	uint32_t sets = atomic_load_explicit(&cp->sets, memory_order_relaxed);
	unsigned changed = 0;
	for (unsigned v = 0; v < n; v++) {
		if (v == cp->worker)
			continue;
		unsigned role = BOLT_REGION_WORKER(v);
		struct bolt_worker_info *wi = bolt_region_worker_info(r, v);
		uint64_t want = atomic_load_explicit(&wi->want, memory_order_acquire);
		bool wanted = want != 0 && want != cp->region_token && token_alive(want);
		if (sets & (1u << v)) {
			uint64_t owner = 0;
			if (bolt_region_beat(r, role, cp->region_token, now, &owner) != 0) {
				/* Taken by someone else: never read its rings again. */
				set_bits(cp, 0, 1u << v);
				changed++;
				cp_log(CP_LOG_NOTICE, "worker %u's rings were taken by pid %d", v,
				       (int)bolt_region_token_pid(owner));
			} else if (wanted) {
				/* Its own worker is back: stop reading (nothing is half
				 * read: the loop is here, not in poll_rings) and release. */
				set_bits(cp, 0, 1u << v);
				bolt_region_release(r, role, cp->region_token);
				changed++;
				cp_log(CP_LOG_NOTICE, "worker %u (pid %d) is back: its rings are given "
				       "back", v, (int)bolt_region_token_pid(want));
			}
			continue;
		}
		if (wanted)
			continue;  /* its replacement claims it itself */
		uint64_t cur = atomic_load_explicit(&r->hdr->owner[role].token, memory_order_acquire);
		/* A live owner costs one kill(0) and a read of its /proc stat
		 * here; the claim's full test (pid namespace, zombie,
		 * heartbeat) runs only when it might be gone. */
		if (cur != 0 && token_alive(cur)) {
			uint64_t hb = atomic_load(&r->hdr->owner[role].heartbeat);
			uint64_t age = now >= hb ? now - hb : hb - now;
			if (age < BOLT_REGION_OWNER_STALE_MS)
				continue;
		}
		if (bolt_region_claim(r, role, cp->region_token, now, NULL) != 0)
			continue;
		set_bits(cp, 1u << v, 0);
		changed++;
		cp->ctr.adoptions++;
		if (cur != 0)
			cp_log(CP_LOG_NOTICE, "worker %u (pid %d) is gone: its rings are taken over "
			       "by worker %u", v, (int)bolt_region_token_pid(cur), cp->worker);
		else
			cp_log(CP_LOG_INFO, "worker %u is not running: its rings are served by "
			       "worker %u until it starts", v, cp->worker);
	}
	return changed;
}

void workers_publish(struct cp *cp)
{
	struct bolt_region *r = cp->region;
	if (r == NULL)
		return;
	struct bolt_worker_info *wi = bolt_region_worker_info(r, cp->worker);
	if (wi == NULL || !bolt_region_owns(r, BOLT_REGION_WORKER(cp->worker), cp->region_token))
		return;
	struct rusage ru;
	uint64_t cpu = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
		      (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	const struct cp_counters *c = &cp->ctr;
	const uint64_t v[BOLT_WORKER_COUNTERS] = {
		[BOLT_WC_MISSES] = c->misses,
		[BOLT_WC_ANSWERS] = c->answers,
		[BOLT_WC_ANSWER_DROPS] = c->answer_drops,
		[BOLT_WC_RESOLUTIONS] = c->resolutions,
		[BOLT_WC_SERVFAIL] = c->servfail,
		[BOLT_WC_COALESCED] = c->coalesced,
		[BOLT_WC_UPSTREAM] = upq_counters.sent,
		[BOLT_WC_CACHE_INSERTS] = c->cache_inserts,
		[BOLT_WC_TCP_QUERIES] = c->tcp_queries,
		[BOLT_WC_PREFETCHES] = c->prefetches,
		[BOLT_WC_ADOPTED_MISSES] = c->adopted_misses,
		[BOLT_WC_CTL_JOURNAL] = c->ctl_journal,
	};
	for (unsigned i = 0; i < BOLT_WORKER_COUNTERS; i++)
		atomic_store_explicit(&wi->ctr[i], v[i], memory_order_relaxed);
	atomic_store_explicit(&wi->cpu_us, cpu, memory_order_relaxed);
	atomic_store_explicit(&wi->in_flight, cp->pend.count, memory_order_relaxed);
	atomic_store_explicit(&wi->updated, (uint64_t)time(NULL), memory_order_relaxed);
}

void workers_watch(struct cp *cp, struct pidwatch *pw)
{
	struct bolt_region *r = cp->region;
	if (pw == NULL)
		return;
	uint32_t sets = atomic_load_explicit(&cp->sets, memory_order_relaxed);
	unsigned n = r == NULL ? 0 : r->hdr->cp_workers;
	for (unsigned v = 0; v < BOLT_MAX_WORKERS && v < PIDWATCH_SLOTS; v++) {
		int pid = 0;
		if (v < n && v != cp->worker && !(sets & (1u << v))) {
			uint64_t t = atomic_load_explicit(&r->hdr->owner[BOLT_REGION_WORKER(v)].token,
			                                  memory_order_acquire);
			pid = t != 0 ? bolt_region_token_pid(t) : 0;
		}
		/* -ESRCH: gone already; the caller's next turn adopts it. */
		(void)pidwatch_set(pw, v, pid > 0 ? pid : 0);
	}
}

void workers_post_control(struct cp *cp)
{
	struct bolt_region *r = cp->region;
	if (r == NULL)
		return;
	uint32_t bits = 0;
	for (unsigned w = 0; w < r->hdr->cp_workers && w < BOLT_MAX_WORKERS; w++)
		if (w != cp->worker)
			bits |= BOLT_BELL_CTL(w);
	bolt_bell_post(&r->hdr->miss_bell, bits);
}

void workers_release(struct cp *cp)
{
	struct bolt_region *r = cp->region;
	if (r == NULL)
		return;
	uint32_t sets = atomic_load_explicit(&cp->sets, memory_order_relaxed);
	for (unsigned v = 0; v < BOLT_MAX_WORKERS; v++)
		if (v != cp->worker && (sets & (1u << v)))
			bolt_region_release(r, BOLT_REGION_WORKER(v), cp->region_token);
	struct bolt_worker_info *wi = bolt_region_worker_info(r, cp->worker);
	int32_t me = (int32_t)getpid();
	if (wi != NULL && bolt_region_owns(r, BOLT_REGION_WORKER(cp->worker), cp->region_token))
		atomic_compare_exchange_strong(&wi->pid, &me, 0);
	atomic_store_explicit(&cp->sets, 0, memory_order_relaxed);
}

uint64_t workers_others(const struct cp *cp, unsigned counter)
{
	struct bolt_region *r = cp->region;
	uint64_t n = 0;
	if (r == NULL || counter >= BOLT_WORKER_COUNTERS)
		return 0;
	for (unsigned w = 0; w < r->hdr->cp_workers && w < BOLT_MAX_WORKERS; w++)
		if (w != cp->worker)
			n += atomic_load_explicit(&bolt_region_worker_info(r, w)->ctr[counter],
			                          memory_order_relaxed);
	return n;
}
