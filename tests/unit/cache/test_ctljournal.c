/*
 * The control journal (boltdns/ctljournal.h): changes read back in order
 * with their words, generation and time; a reader that fell more than
 * BOLT_JOURNAL_SLOTS behind is told (-ESTALE), never given a reused slot;
 * bolt_journal_start finds the first change of a generation, and counts
 * what of it was overwritten; words that do not fit are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boltdns/ctljournal.h"

static struct bolt_ctl_journal *fresh(void)
{
	struct bolt_ctl_journal *j = calloc(1, sizeof(*j));
	assert_non_null(j);
	return j;
}

static void add(struct bolt_ctl_journal *j, uint64_t gen, const char *a, const char *b)
{
	const char *w[2] = { a, b };
	assert_true(bolt_journal_append(j, gen, 1000, b ? 2 : 1, w) > 0);
}

static void test_in_order(void **state)
{
	(void)state;
	struct bolt_ctl_journal *j = fresh();
	static struct bolt_journal_change c;
	assert_int_equal(bolt_journal_last(j), 0);
	assert_int_equal(bolt_journal_read(j, 1, &c), -EAGAIN);
	add(j, 3, "local_data", "add");
	const char *w3[3] = { "local_data", "add", "x.test 300 A 10.0.0.1" };
	assert_int_equal(bolt_journal_append(j, 3, 1767225600, 3, w3), 2);
	assert_int_equal(bolt_journal_last(j), 2);
	assert_int_equal(bolt_journal_read(j, 2, &c), 0);
	assert_int_equal(c.seq, 2);
	assert_int_equal(c.gen, 3);
	/* the time it was made, for a reader repeating it later (an NTA's
	 * lifetime counts from then) */
	assert_int_equal(c.time, 1767225600);
	assert_int_equal(c.argc, 3);
	assert_string_equal(c.argv[0], "local_data");
	assert_string_equal(c.argv[2], "x.test 300 A 10.0.0.1");
	assert_int_equal(bolt_journal_read(j, 3, &c), -EAGAIN);
	assert_int_equal(bolt_journal_read(j, 0, &c), -EAGAIN);
	free(j);
}

static void test_overrun(void **state)
{
	(void)state;
	struct bolt_ctl_journal *j = fresh();
	static struct bolt_journal_change c;
	char word[32];
	for (unsigned i = 1; i <= BOLT_JOURNAL_SLOTS + 10; i++) {
		snprintf(word, sizeof(word), "n%u", i);
		add(j, 1, "flush", word);
	}
	/* the oldest 10 slots were reused */
	assert_int_equal(bolt_journal_read(j, 10, &c), -ESTALE);
	assert_int_equal(bolt_journal_read(j, 11, &c), 0);
	assert_string_equal(c.argv[1], "n11");
	assert_int_equal(bolt_journal_read(j, BOLT_JOURNAL_SLOTS + 10, &c), 0);
	uint64_t lost = 0;
	/* every change is of generation 1: 10 of them are gone */
	assert_int_equal(bolt_journal_start(j, 1, &lost), 10);
	assert_int_equal(lost, 10);
	free(j);
}

static void test_start(void **state)
{
	(void)state;
	struct bolt_ctl_journal *j = fresh();
	uint64_t lost = 9;
	assert_int_equal(bolt_journal_start(j, 0, &lost), 0);
	assert_int_equal(lost, 0);
	add(j, 1, "flush_all", NULL);
	add(j, 1, "flush_all", NULL);
	add(j, 2, "nta", "add");
	add(j, 2, "nta", "remove");
	/* a worker of generation 2 repeats changes 3 and 4 */
	assert_int_equal(bolt_journal_start(j, 2, &lost), 2);
	assert_int_equal(lost, 0);
	/* a reload since the last change: nothing of generation 3 to repeat */
	assert_int_equal(bolt_journal_start(j, 3, &lost), 4);
	free(j);
}

static void test_too_long(void **state)
{
	(void)state;
	struct bolt_ctl_journal *j = fresh();
	char *big = malloc(BOLT_JOURNAL_TEXT + 1);
	assert_non_null(big);
	memset(big, 'a', BOLT_JOURNAL_TEXT);
	big[BOLT_JOURNAL_TEXT] = '\0';
	const char *w[2] = { "local_data", big };
	assert_int_equal(bolt_journal_append(j, 1, 0, 2, w), -ERANGE);
	assert_int_equal(bolt_journal_append(j, 1, 0, 0, w), -ERANGE);
	assert_int_equal(bolt_journal_last(j), 0);
	free(big);
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_overrun),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
