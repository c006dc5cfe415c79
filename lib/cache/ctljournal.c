/*
 * The control journal (boltdns/ctljournal.h): a ring of fixed slots, each
 * under its own sequence number, written by one process and read by any.
 * The writer clears a slot's seq before touching it and stores the new
 * number after (release); a reader checks the number before and after
 * copying (acquire), like a seqlock whose "odd" state is 0.
 */
#include <errno.h>
#include <string.h>

#include "boltdns/ctljournal.h"
#include "boltdns/errcode.h"

int64_t bolt_journal_append(struct bolt_ctl_journal *j, uint64_t gen, int64_t now,
                            unsigned argc, const char *const *argv)
{
	if (argc == 0 || argc > BOLT_JOURNAL_ARGS)
		return -ERANGE;
	size_t len = 0;
	for (unsigned i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len > BOLT_JOURNAL_TEXT)
		return -ERANGE;
	uint64_t seq = atomic_load_explicit(&j->seq, memory_order_relaxed) + 1;
	struct bolt_journal_slot *s = &j->slot[seq % BOLT_JOURNAL_SLOTS];
	atomic_store_explicit(&s->seq, 0, memory_order_relaxed);
	/* the clear is visible before any byte of the new change */
	atomic_thread_fence(memory_order_release);
	s->gen = gen;
	s->time = now;
	s->argc = argc;
	s->len = (uint32_t)len;
	size_t off = 0;
	for (unsigned i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(s->text + off, argv[i], n);
		off += n;
	}
	atomic_store_explicit(&s->seq, seq, memory_order_release);
	if (seq == 1 || gen != j->gen_last)
		atomic_store_explicit(&j->gen_first, seq, memory_order_relaxed);
	j->gen_last = gen;
	atomic_store_explicit(&j->seq, seq, memory_order_release);
	return (int64_t)seq;
}

uint64_t bolt_journal_last(const struct bolt_ctl_journal *j)
{
	return atomic_load_explicit(&j->seq, memory_order_acquire);
}

uint64_t bolt_journal_start(const struct bolt_ctl_journal *j, uint64_t gen, uint64_t *lost)
{
	*lost = 0;
	uint64_t last = bolt_journal_last(j);
	uint64_t first = atomic_load_explicit(&j->gen_first, memory_order_relaxed);
	if (last == 0 || first == 0 || first > last)
		return last;
	/* the last change's generation tells whether first belongs to gen */
	const struct bolt_journal_slot *s = &j->slot[last % BOLT_JOURNAL_SLOTS];
	uint64_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
	uint64_t g = s->gen;
	atomic_thread_fence(memory_order_acquire);
	if (s1 != last || atomic_load_explicit(&s->seq, memory_order_relaxed) != last || g != gen)
		return last;
	uint64_t oldest = last >= BOLT_JOURNAL_SLOTS ? last - BOLT_JOURNAL_SLOTS + 1 : 1;
	if (first < oldest) {
		*lost = oldest - first;
		return oldest - 1;
	}
	return first - 1;
}

int bolt_journal_read(const struct bolt_ctl_journal *j, uint64_t seq,
                      struct bolt_journal_change *out)
{
	uint64_t last = bolt_journal_last(j);
	if (seq == 0 || seq > last)
		return -EAGAIN;
	if (last - seq >= BOLT_JOURNAL_SLOTS)
		return -ESTALE;
	const struct bolt_journal_slot *s = &j->slot[seq % BOLT_JOURNAL_SLOTS];
	if (atomic_load_explicit(&s->seq, memory_order_acquire) != seq)
		return -ESTALE;
	out->seq = seq;
	out->gen = s->gen;
	out->time = s->time;
	uint32_t argc = s->argc, len = s->len;
	if (argc == 0 || argc > BOLT_JOURNAL_ARGS || len == 0 || len > BOLT_JOURNAL_TEXT)
		return -ESTALE;
	memcpy(out->text, s->text, len);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&s->seq, memory_order_relaxed) != seq)
		return -ESTALE;
	/* the words, from a copy that is now known whole */
	out->text[len - 1] = '\0';
	size_t off = 0;
	unsigned n = 0;
	while (n < argc && off < len) {
		out->argv[n++] = out->text + off;
		off += strlen(out->text + off) + 1;
	}
	if (n != argc)
		return -ESTALE;
	out->argc = argc;
	return 0;
}
