/*
 * The shared cache's writers: the per-shard lock held by a token (pid and a
 * per-process nonce), the circular log, inserts, deletions, the walk and the
 * statistics. See the top of cache.c for why readers never see a torn value.
 */
#include "lib/cache/cache_int.h"

/* This process's lock token (see Writers above); 0 until first needed. */
static _Atomic uint64_t cached_token;
static pthread_once_t token_once = PTHREAD_ONCE_INIT;

static void token_forget(void)
{
	atomic_store_explicit(&cached_token, 0, memory_order_relaxed);
}

static void token_init(void)
{
	/* a forked child must not take locks under its parent's token */
	pthread_atfork(NULL, NULL, token_forget);
}

static uint32_t token_nonce(void)
{
	uint32_t n = 0;
	if (getrandom(&n, sizeof(n), GRND_NONBLOCK) != (ssize_t)sizeof(n)) {
		/* no entropy yet (early boot): the clock and the stack address
		 * still differ between two incarnations of one pid */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		n = (uint32_t)XXH3_64bits_withSeed(&ts, sizeof(ts), (uint64_t)(uintptr_t)&ts);
	}
	return n != 0 ? n : 1;
}

static uint64_t self_token(void)
{
	uint64_t t = atomic_load_explicit(&cached_token, memory_order_relaxed);
	if (bolt_likely(t != 0))
		return t;
	pthread_once(&token_once, token_init);
	uint64_t mine = (uint64_t)token_nonce() << 32 | (uint32_t)getpid();
	/* threads racing here must agree on one token, or one would steal
	 * from another */
	if (atomic_compare_exchange_strong_explicit(&cached_token, &t, mine,
	                                            memory_order_relaxed,
	                                            memory_order_relaxed))
		return mine;
	return t;
}

static inline int32_t token_pid(uint64_t t)
{
	return (int32_t)(uint32_t)t;
}

/* Is the writer holding token owner (not ours) gone? */
static bool owner_dead(uint64_t owner, uint64_t me)
{
	int32_t pid = token_pid(owner);
	/* a non-positive pid is garbage (and kill() would address a process
	 * group): never a live writer */
	if (pid <= 0)
		return true;
	/* our pid with another nonce: an earlier process that had our pid */
	if (pid == token_pid(me))
		return true;
	return kill(pid, 0) != 0 && errno == ESRCH;
}

/* ---- seqlock, writer side ---- */

static inline uint32_t write_begin(struct bucket *b)
{
	uint32_t s = atomic_load_explicit(&b->seq, memory_order_relaxed);
	atomic_store_explicit(&b->seq, s + 1, VERSION_ODD_ORDER);
	/* the odd version must be visible before any byte it protects changes */
	fence_release();
	return s;
}

static inline void write_end(struct bucket *b, uint32_t s)
{
	atomic_store_explicit(&b->seq, s + 2, memory_order_release);
}

static inline void slot_set(struct bucket *b, unsigned i, uint16_t tag, uint8_t lines,
                            uint32_t ref)
{
	atomic_store_explicit(&b->tag[i], tag, memory_order_relaxed);
	atomic_store_explicit(&b->lines[i], lines, memory_order_relaxed);
	atomic_store_explicit(&b->ref[i], ref, memory_order_relaxed);
}

static inline uint32_t slot_ref(const struct bucket *b, unsigned i)
{
	return atomic_load_explicit(&b->ref[i], memory_order_relaxed);
}

static inline void cnt_add(_Atomic uint64_t *c, int64_t v)
{
	/* only ever changed under the shard lock: no read-modify-write needed */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + (uint64_t)v,
	                      memory_order_relaxed);
}

/* Writer: the record a ref points at, or NULL if the ref is out of range. */
static inline struct rec *wrec(const struct bolt_cache *c, uint8_t *arena, uint32_t ref)
{
	uint64_t off = (uint64_t)(ref - 1) * REC_ALIGN;
	if (ref == 0 || off > c->arena_size - sizeof(struct rec))
		return NULL;
	return (struct rec *)(arena + off);
}


/* Unlink slot i of b (lock held); counts in the given counter. */
/* Count the removal of the entry in slot i of bucket bi (lock held); if it
 * was spilled there from its home bucket, the home's counter drops. */
static void account_drop(const struct bolt_cache *c, uint8_t *sbase, uint32_t bi, unsigned i,
                         _Atomic uint64_t *counter)
{
	struct shard *sh = (struct shard *)sbase;
	struct bucket *b = bucket_at(c, sbase, bi);
	struct rec *r = wrec(c, arena_of(c, sbase), slot_ref(b, i));
	cnt_add(&sh->entries, -1);
	if (counter != NULL)
		cnt_add(counter, 1);
	if (r == NULL || r->size > c->arena_size)
		return;
	cnt_add(&sh->bytes_used, -(int64_t)r->size);
	uint32_t home = hash_bucket(c, r->hash);
	if (home != bi) {
		struct bucket *hb = bucket_at(c, sbase, home);
		uint32_t n = atomic_load_explicit(&hb->spill, memory_order_relaxed);
		if (n > 0)
			atomic_store_explicit(&hb->spill, n - 1, memory_order_relaxed);
	}
}

static void unlink_slot(const struct bolt_cache *c, uint8_t *sbase, uint32_t bi, unsigned i,
                        _Atomic uint64_t *counter)
{
	struct bucket *b = bucket_at(c, sbase, bi);
	account_drop(c, sbase, bi, i, counter);
	uint32_t s = write_begin(b);
	slot_set(b, i, 0, 0, 0);
	write_end(b, s);
}

/* Empty the shard (lock held): every bucket cleared, log reset. */
static void shard_reset(const struct bolt_cache *c, uint8_t *sbase)
{
	struct shard *sh = (struct shard *)sbase;
	for (uint32_t i = 0; i < c->buckets; i++) {
		struct bucket *b = bucket_at(c, sbase, i);
		uint32_t s = atomic_load_explicit(&b->seq, memory_order_relaxed);
		/* a dead writer may have left it odd: make it odd, then even again */
		s |= 1u;
		atomic_store_explicit(&b->seq, s, VERSION_ODD_ORDER);
		fence_release();
		for (unsigned j = 0; j < SLOTS; j++)
			slot_set(b, j, 0, 0, 0);
		atomic_store_explicit(&b->spill, 0, memory_order_relaxed);
		atomic_store_explicit(&b->seq, s + 1, memory_order_release);
	}
	sh->head = 0;
	sh->tail = 0;
	sh->wrap = c->arena_size;
	sh->used = 0;
	atomic_store_explicit(&sh->entries, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->bytes_used, 0, memory_order_relaxed);
}

/* The log state is only changed under the lock, but a corrupted file or a
 * writer that died mid-change can leave it inconsistent: check cheaply. */
static bool shard_sane(const struct bolt_cache *c, const struct shard *sh)
{
	uint64_t a = c->arena_size;
	if (sh->head > a || sh->tail > a || sh->wrap > a || sh->used > a)
		return false;
	if (sh->head % REC_ALIGN || sh->tail % REC_ALIGN || sh->wrap % REC_ALIGN)
		return false;
	return true;
}

static void shard_lock(const struct bolt_cache *c, uint8_t *sbase)
{
	struct shard *sh = (struct shard *)sbase;
	uint64_t me = self_token();
	unsigned spins = 0;

	for (;;) {
		uint64_t owner = 0;
		if (atomic_compare_exchange_weak_explicit(&sh->lock, &owner, me,
		                                          memory_order_acquire,
		                                          memory_order_relaxed))
			break;
		if (owner == 0)
			continue;
		/* critical sections are short: spin a little, then give the CPU
		 * away, since the owner may be descheduled on this very core */
		if (++spins < LOCK_SPINS) {
			cpu_relax();
			continue;
		}
		/* a yield can cost a whole time slice when the CPUs are busy, so
		 * the (cheap) liveness check runs before every one; owner == me
		 * is another thread of this process */
		if (owner != me && owner_dead(owner, me) &&
		    atomic_compare_exchange_strong_explicit(&sh->lock, &owner, me,
		                                            memory_order_acquire,
		                                            memory_order_relaxed)) {
			/* the owner died inside its critical section */
			shard_reset(c, sbase);
			cnt_add(&sh->steals, 1);
			return;
		}
		sched_yield();
	}
	if (bolt_unlikely(!shard_sane(c, sh)))
		shard_reset(c, sbase);
}

static void shard_unlock(uint8_t *sbase)
{
	struct shard *sh = (struct shard *)sbase;
	atomic_store_explicit(&sh->lock, 0, memory_order_release);
}

/* Reclaim the record at the tail (lock held). Returns false if the log is
 * corrupt (the caller resets the shard). */
static bool reclaim_tail(const struct bolt_cache *c, uint8_t *sbase, uint32_t now)
{
	struct shard *sh = (struct shard *)sbase;
	uint8_t *arena = arena_of(c, sbase);

	if (sh->tail >= sh->wrap) {
		sh->tail = 0;
		sh->wrap = c->arena_size;
		return true;
	}
	if (sh->wrap - sh->tail < sizeof(struct rec))
		return false;
	struct rec *r = (struct rec *)(arena + sh->tail);
	uint32_t size = r->size;
	if (size < sizeof(struct rec) || size % REC_ALIGN || size > sh->wrap - sh->tail ||
	    size > sh->used)
		return false;

	/* live iff its home or partner bucket still points at it */
	uint32_t ref = (uint32_t)(sh->tail / REC_ALIGN) + 1;
	uint32_t home = hash_bucket(c, r->hash);
	uint32_t where[2] = { home, partner_of(c, home) };
	_Atomic uint64_t *why = rec_expired(r, now) ? &sh->expirations : &sh->evictions;
	bool found = false;
	for (unsigned w = 0; w < 2 && !found; w++) {
		struct bucket *b = bucket_at(c, sbase, where[w]);
		for (unsigned i = 0; i < SLOTS; i++) {
			if (slot_ref(b, i) == ref) {
				unlink_slot(c, sbase, where[w], i, why);
				found = true;
				break;
			}
		}
	}
	sh->tail += size;
	sh->used -= size;
	if (sh->tail >= sh->wrap) {
		sh->tail = 0;
		sh->wrap = c->arena_size;
	}
	return true;
}

/* Reserve n bytes at the head of the log, reclaiming at the tail as needed
 * (lock held). n <= arena_size / 2. */
static uint64_t log_alloc(const struct bolt_cache *c, uint8_t *sbase, uint64_t n, uint32_t now)
{
	struct shard *sh = (struct shard *)sbase;
	/* bounded: every pass reclaims, wraps, or allocates; a corrupt log
	 * cannot make it spin forever */
	for (uint64_t guard = 0;; guard++) {
		if (sh->used == 0 || guard > c->arena_size) {
			if (sh->used != 0)
				shard_reset(c, sbase);
			sh->head = 0;
			sh->tail = 0;
			sh->wrap = c->arena_size;
		}
		if (sh->head > sh->tail || sh->used == 0) {
			/* data in [tail, head): free space after head, then before tail */
			if (c->arena_size - sh->head >= n)
				break;
			sh->wrap = sh->head;
			sh->head = 0;
			continue;
		}
		/* wrapped: data in [tail, wrap) and [0, head); free in [head, tail) */
		if (sh->tail - sh->head >= n)
			break;
		if (!reclaim_tail(c, sbase, now))
			shard_reset(c, sbase);
	}
	uint64_t off = sh->head;
	sh->head += n;
	sh->used += n;
	return off;
}

/* ---- writer ---- */

static bool rec_is_key(const struct rec *r, const uint8_t *name, const struct bolt_cache_key *k)
{
	return r->hash == k->hash && r->qtype == k->qtype && r->qclass == k->qclass &&
	       r->do_bit == key_do_cd(k->do_bit) && r->name_len == k->name_len &&
	       memcmp(name, k->name, k->name_len) == 0;
}

static inline const uint8_t *rec_name(const struct rec *r)
{
	return (const uint8_t *)(r + 1) + 2u * r->val.nttl;
}

/* A record reached through a slot is sane enough for a writer to parse. */
static bool rec_valid(const struct bolt_cache *c, const uint8_t *arena, const struct rec *r)
{
	uint64_t off = (uint64_t)((const uint8_t *)r - arena);
	return r->size >= sizeof(*r) && r->size <= c->arena_size - off &&
	       rec_bytes(r->val.len, r->val.nttl, r->name_len) <= r->size;
}

/* What an insert can use in one bucket (lock held). */
struct scan {
	int same, empty, expired, victim;
};

static void scan_bucket(const struct bolt_cache *c, uint8_t *arena, const struct bucket *b,
                        const struct bolt_cache_key *k, uint32_t now, struct scan *sc)
{
	uint32_t victim_exp = 0;
	sc->same = sc->empty = sc->expired = sc->victim = -1;
	for (unsigned i = 0; i < SLOTS; i++) {
		uint32_t ref = slot_ref(b, i);
		struct rec *r = ref ? wrec(c, arena, ref) : NULL;
		if (r == NULL || !rec_valid(c, arena, r)) {
			if (sc->empty < 0)
				sc->empty = (int)i;
			continue;
		}
		if (rec_is_key(r, rec_name(r), k)) {
			sc->same = (int)i;
			return;
		}
		if (rec_expired(r, now)) {
			if (sc->expired < 0)
				sc->expired = (int)i;
		} else if (sc->victim < 0 || r->val.expires < victim_exp) {
			sc->victim = (int)i;
			victim_exp = r->val.expires;
		}
	}
}

int bolt_cache_insert(struct bolt_cache *c, const struct bolt_cache_key *k,
                      const struct bolt_cache_val *val, const uint16_t *ttl_off,
                      const uint8_t *sections)
{
	if (c == NULL || k == NULL || val == NULL || !key_ok(k))
		return -EINVAL;
	if ((val->len && sections == NULL) || (val->nttl && ttl_off == NULL))
		return -EINVAL;
	if (val->len > MAX_SECTIONS)
		return BOLT_ETOOBIG;
	uint64_t size = rec_bytes(val->len, val->nttl, k->name_len);
	if (size > c->arena_size / 2)
		return BOLT_ETOOBIG;

	uint32_t now = bolt_now();
	uint32_t sidx = hash_shard(c, k->hash);
	uint8_t *sbase = shard_base(c, sidx);
	struct shard *sh = (struct shard *)sbase;
	uint8_t *arena = arena_of(c, sbase);

	shard_lock(c, sbase);

	/* reclaiming at the tail may change our bucket, so allocate first */
	uint64_t off = log_alloc(c, sbase, size, now);
	struct rec h;
	memset(&h, 0, sizeof(h));
	h.hash = k->hash;
	h.size = (uint32_t)size;
	h.qtype = k->qtype;
	h.qclass = k->qclass;
	h.do_bit = key_do_cd(k->do_bit);
	h.name_len = k->name_len;
	h.val = *val;
	if (h.val.inserted == 0)
		h.val.inserted = now;
	/* The status and policy bytes are kept (both were reserved, always
	 * 0: old entries read as unchecked and made by no policy). */
	/* the bytes are unreachable until linked below: no version needed */
	uint8_t *p = arena + off;
	shm_write(p, &h, sizeof(h));
	p += sizeof(h);
	if (val->nttl)
		shm_write(p, ttl_off, 2u * val->nttl);
	p += 2u * val->nttl;
	shm_write(p, k->name, k->name_len);
	p += k->name_len;
	if (val->len)
		shm_write(p, sections, val->len);

	/* choose the slot: same key (home or partner) > empty home > expired
	 * home > empty partner > expired partner > home entry expiring soonest */
	uint32_t hi = hash_bucket(c, k->hash);
	uint32_t pi = partner_of(c, hi);
	struct bucket *hb = bucket_at(c, sbase, hi);
	struct scan sc_home, sc_part;
	scan_bucket(c, arena, hb, k, now, &sc_home);
	bool part_scanned = false;
	if (sc_home.same < 0 &&
	    (atomic_load_explicit(&hb->spill, memory_order_relaxed) > 0 || sc_home.empty < 0)) {
		scan_bucket(c, arena, bucket_at(c, sbase, pi), k, now, &sc_part);
		part_scanned = true;
	}
	uint32_t bi = hi;
	int pick;
	_Atomic uint64_t *why = NULL;
	if (sc_home.same >= 0) {
		pick = sc_home.same;
		why = &sh->replaces;
	} else if (part_scanned && sc_part.same >= 0) {
		bi = pi;
		pick = sc_part.same;
		why = &sh->replaces;
	} else if (sc_home.empty >= 0) {
		pick = sc_home.empty;
	} else if (sc_home.expired >= 0) {
		pick = sc_home.expired;
		why = &sh->expirations;
	} else if (part_scanned && sc_part.empty >= 0) {
		bi = pi;
		pick = sc_part.empty;
	} else if (part_scanned && sc_part.expired >= 0) {
		bi = pi;
		pick = sc_part.expired;
		why = &sh->expirations;
	} else {
		pick = sc_home.victim;
		why = &sh->evictions;
	}
	struct bucket *b = bucket_at(c, sbase, bi);
	/* an empty slot may still point at garbage (corruption): count it out */
	if (why != NULL || slot_ref(b, (unsigned)pick) != 0)
		account_drop(c, sbase, bi, (unsigned)pick, why);
	/* whatever left the slot was counted out of its own home's spill (a
	 * replaced spilled entry included): count the new one in */
	if (bi != hi)
		atomic_store_explicit(&hb->spill,
		                      atomic_load_explicit(&hb->spill, memory_order_relaxed) + 1,
		                      memory_order_relaxed);

	/* the old entry leaves and the new one arrives in one bucket change, so
	 * a reader sees one or the other, never a miss in between */
	uint32_t s = write_begin(b);
	slot_set(b, (unsigned)pick, hash_tag(k->hash), rec_lines(off, size),
	         (uint32_t)(off / REC_ALIGN) + 1);
	write_end(b, s);
	cnt_add(&sh->entries, 1);
	cnt_add(&sh->bytes_used, (int64_t)size);
	cnt_add(&sh->inserts, 1);

	shard_unlock(sbase);
	return 0;
}

/* ---- deletion by predicate ---- */

typedef bool (*match_fn)(const struct rec *r, const uint8_t *name, const void *arg);

static int delete_matching(struct bolt_cache *c, match_fn match, const void *arg)
{
	int n = 0;
	for (uint32_t si = 0; si < c->shards; si++) {
		uint8_t *sbase = shard_base(c, si);
		struct shard *sh = (struct shard *)sbase;
		uint8_t *arena = arena_of(c, sbase);
		shard_lock(c, sbase);
		for (uint32_t bi = 0; bi < c->buckets; bi++) {
			struct bucket *b = bucket_at(c, sbase, bi);
			for (unsigned i = 0; i < SLOTS; i++) {
				uint32_t ref = slot_ref(b, i);
				if (ref == 0)
					continue;
				struct rec *r = wrec(c, arena, ref);
				if (r == NULL || !rec_valid(c, arena, r)) {
					unlink_slot(c, sbase, bi, i, NULL);
					continue;
				}
				if (match(r, rec_name(r), arg)) {
					unlink_slot(c, sbase, bi, i, &sh->deletes);
					if (n < INT32_MAX)
						n++;
				}
			}
		}
		shard_unlock(sbase);
	}
	return n;
}

struct name_type {
	const uint8_t *name;
	size_t len;
	uint16_t qtype;
};

static bool match_name_type(const struct rec *r, const uint8_t *name, const void *arg)
{
	const struct name_type *nt = arg;
	return r->name_len == nt->len && (nt->qtype == 0 || r->qtype == nt->qtype) &&
	       memcmp(name, nt->name, nt->len) == 0;
}

/* Is name (wire form) equal to or below zone? Label-boundary aware. */
static bool name_under(const uint8_t *name, size_t len, const uint8_t *zone, size_t zlen)
{
	size_t pos = 0;
	while (pos < len) {
		if (len - pos == zlen && memcmp(name + pos, zone, zlen) == 0)
			return true;
		uint8_t l = name[pos];
		if (l == 0)
			break;
		pos += 1u + l;
	}
	return false;
}

static bool match_zone(const struct rec *r, const uint8_t *name, const void *arg)
{
	const struct name_type *nt = arg;
	return name_under(name, r->name_len, nt->name, nt->len);
}

static bool match_kind(const struct rec *r, const uint8_t *name, const void *arg)
{
	(void)name;
	return r->val.kind == *(const uint8_t *)arg;
}

int bolt_cache_delete(struct bolt_cache *c, const uint8_t *name, size_t name_len, uint16_t qtype)
{
	if (c == NULL || name == NULL || name_len == 0 || name_len > 255)
		return -EINVAL;
	struct name_type nt = { name, name_len, qtype };
	return delete_matching(c, match_name_type, &nt);
}

int bolt_cache_delete_zone(struct bolt_cache *c, const uint8_t *name, size_t name_len)
{
	if (c == NULL || name == NULL || name_len == 0 || name_len > 255)
		return -EINVAL;
	struct name_type nt = { name, name_len, 0 };
	return delete_matching(c, match_zone, &nt);
}

struct pred_arg {
	bolt_cache_pred pred;
	void *arg;
};

static bool match_pred(const struct rec *r, const uint8_t *name, const void *arg)
{
	const struct pred_arg *pa = arg;
	/* rec_valid checked that name and sections lie within the record. */
	return pa->pred(name, r->name_len, r->qtype, &r->val, name + r->name_len, pa->arg);
}

int bolt_cache_delete_if(struct bolt_cache *c, bolt_cache_pred pred, void *arg)
{
	if (c == NULL || pred == NULL)
		return -EINVAL;
	struct pred_arg pa = { pred, arg };
	return delete_matching(c, match_pred, &pa);
}

int bolt_cache_delete_kind(struct bolt_cache *c, uint8_t kind)
{
	if (c == NULL)
		return -EINVAL;
	return delete_matching(c, match_kind, &kind);
}

void bolt_cache_flush(struct bolt_cache *c)
{
	if (c == NULL)
		return;
	for (uint32_t si = 0; si < c->shards; si++) {
		uint8_t *sbase = shard_base(c, si);
		struct shard *sh = (struct shard *)sbase;
		shard_lock(c, sbase);
		cnt_add(&sh->deletes,
		        (int64_t)atomic_load_explicit(&sh->entries, memory_order_relaxed));
		shard_reset(c, sbase);
		shard_unlock(sbase);
	}
}

/* ---- walk ---- */

int bolt_cache_walk(struct bolt_cache *c, bolt_cache_walk_cb cb, void *arg)
{
	if (c == NULL || cb == NULL)
		return -EINVAL;
	/* scratch for one record; the walk is a control-plane operation */
	uint8_t *sections = malloc(MAX_SECTIONS + 1);
	uint16_t *ttl = malloc(sizeof(uint16_t) * 65536);
	if (sections == NULL || ttl == NULL) {
		free(sections);
		free(ttl);
		return -ENOMEM;
	}
	struct bolt_cache_key key;
	struct bolt_cache_out out = { .ttl_off = ttl, .ttl_cap = 65535, .sections = sections,
	                              .cap = MAX_SECTIONS + 1 };
	int ret = 0;

	for (uint32_t si = 0; si < c->shards && ret == 0; si++) {
		uint8_t *sbase = shard_base(c, si);
		const uint8_t *arena = arena_of(c, sbase);
		for (uint32_t bi = 0; bi < c->buckets && ret == 0; bi++) {
			const struct bucket *b = bucket_at(c, sbase, bi);
			for (unsigned i = 0; i < SLOTS && ret == 0; i++) {
				bool got = false;
				for (unsigned tries = 0; tries < READ_TRIES && !got; tries++) {
					uint32_t s1 = atomic_load_explicit(&b->seq,
					                                   memory_order_acquire);
					if (s1 & 1u) {
						cpu_relax();
						continue;
					}
					uint32_t ref = atomic_load_explicit(&b->ref[i],
					                                    memory_order_relaxed);
					uint64_t off = (uint64_t)(ref - 1) * REC_ALIGN;
					bool ok = false;
					if (ref != 0 && off <= c->arena_size - sizeof(struct rec)) {
						struct rec h;
						shm_read(&h, arena + off, sizeof(h));
						uint64_t need = sizeof(h) + 2u * (uint64_t)h.val.nttl +
						                h.name_len + (uint64_t)h.val.len;
						if (h.size <= c->arena_size - off && need <= h.size &&
						    h.val.len <= MAX_SECTIONS) {
							const uint8_t *p = arena + off + sizeof(h);
							shm_read(ttl, p, 2u * h.val.nttl);
							p += 2u * h.val.nttl;
							shm_read(key.name, p, h.name_len);
							p += h.name_len;
							shm_read(sections, p, h.val.len);
							key.hash = h.hash;
							key.qtype = h.qtype;
							key.qclass = h.qclass;
							key.do_bit = h.do_bit;
							key.name_len = h.name_len;
							out.val = h.val;
							ok = true;
						}
					}
					fence_acquire();
					if (atomic_load_explicit(&b->seq,
					                         VERSION_RECHECK_ORDER) != s1)
						continue;
					got = true;
					if (ok)
						ret = cb(&key, &out, arg);
				}
			}
		}
	}
	free(sections);
	free(ttl);
	return ret;
}

/* ---- stats ---- */

void bolt_cache_get_stats(const struct bolt_cache *c, struct bolt_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (c == NULL)
		return;
	for (uint32_t si = 0; si < c->shards; si++) {
		struct shard *sh = shard_at(c, si);
		st->entries += atomic_load_explicit(&sh->entries, memory_order_relaxed);
		st->bytes_used += atomic_load_explicit(&sh->bytes_used, memory_order_relaxed);
		st->inserts += atomic_load_explicit(&sh->inserts, memory_order_relaxed);
		st->replaces += atomic_load_explicit(&sh->replaces, memory_order_relaxed);
		st->evictions += atomic_load_explicit(&sh->evictions, memory_order_relaxed);
		st->expirations += atomic_load_explicit(&sh->expirations, memory_order_relaxed);
		st->deletes += atomic_load_explicit(&sh->deletes, memory_order_relaxed);
		st->steals += atomic_load_explicit(&sh->steals, memory_order_relaxed);
	}
	st->bytes_total = (uint64_t)c->shards * c->arena_size;
	st->shards = c->shards;
	st->buckets = c->buckets;
}

