/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the PTY proxy's typed-line record (host/channel/typed-line.c):
 * which screen lines the keys since the last Enter make: typed and edited
 * lines, recall from the lines entered before, Tab completion, and the
 * refusals (keys the model cannot follow, a line the container drew).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "typed-line.h"

static struct tline tl;

static int setup(void **state)
{
	(void)state;
	memset(&tl, 0, sizeof(tl));
	tline_reset(&tl);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tline_free(&tl);
	return 0;
}

static void keys(const char *s)
{
	tline_keys(&tl, s, strlen(s));
}

static bool matches(const char *line)
{
	return tline_matches(&tl, line, strlen(line));
}

/* Enter on a line that matched: remembered, and a new line starts. */
static void enter(const char *line)
{
	assert_true(matches(line));
	tline_remember(&tl, line, strlen(line));
	tline_reset(&tl);
}

static void test_typed(void **state)
{
	(void)state;
	keys("#envhost X");
	assert_true(matches("#envhost X"));
	assert_false(matches("#envhost Y"));
	assert_false(matches("#envhost X Y"));
	assert_false(matches(""));
	keys("  ");
	assert_true(matches("#envhost X")); /* the screen trims blanks */
	char *t = tline_text(&tl);
	assert_string_equal(t, "#envhost X");
	free(t);
}

/* The fake line of issue 20: "echo hi" typed, "#envhost ..." drawn. */
static void test_drawn_line_refused(void **state)
{
	(void)state;
	keys("e");
	keys("cho hi");
	assert_false(matches("#envhost RT3_SECRET"));
	assert_true(matches("echo hi"));
}

static void test_editing(void **state)
{
	(void)state;
	keys("#sabe\x7f\x7f"
	     "ve x");
	assert_true(matches("#save x"));
	tline_reset(&tl);
	/* Left twice, insert, Home, Delete, End */
	keys("x#save ab\x1b[D\x1b[DZ\x1b[H\x1b[3~\x1b[F!");
	assert_true(matches("#save Zab!"));
	tline_reset(&tl);
	/* Ctrl-A Ctrl-K, Ctrl-B/F, SS3 arrows */
	keys("junk\x01\x0b#cp a b\x02\x02\x06\x7f\x1bOD\x1bOC");
	assert_true(matches("#cp ab"));
	tline_reset(&tl);
	/* Ctrl-W: blanks, then the word */
	keys("#envhost A B  \x17"
	     "C");
	assert_true(matches("#envhost A C"));
	tline_reset(&tl);
	/* Ctrl-U at the end clears the line */
	keys("ls -l\x15#save");
	assert_true(matches("#save"));
}

static void test_utf8(void **state)
{
	(void)state;
	keys("#cp h\xc3\xa9llo x\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x7f");
	assert_true(matches("#cp hllo x"));
}

static void test_unsure(void **state)
{
	(void)state;
	/* Ctrl-U in the middle: the shells do not agree */
	keys("#save x\x1b[D\x15");
	assert_false(matches("x"));
	assert_false(matches("#save x"));
	assert_null(tline_text(&tl));
	tline_reset(&tl);
	/* Alt-b, Ctrl-T, Ctrl-Y, a lone ESC then a key */
	keys("#save\x1b"
	     "b");
	assert_false(matches("#save"));
	tline_reset(&tl);
	keys("#save\x14");
	assert_false(matches("#save"));
	tline_reset(&tl);
	keys("#save\x19");
	assert_false(matches("#save"));
	/* Ctrl-C starts over */
	keys("\x03#envhost A");
	assert_true(matches("#envhost A"));
}

/* The terminal's answers to the shell's queries are not keys. */
static void test_terminal_answers(void **state)
{
	(void)state;
	keys("\x1b[12;5R#save\x1b[?1;2c\x1b[I\x1b[O x");
	assert_true(matches("#save x"));
}

static void test_recall(void **state)
{
	(void)state;
	keys("#envhost A");
	enter("#envhost A");
	keys("ls");
	enter("ls");
	/* Up: only a line entered before */
	keys("\x1b[A\x1b[A");
	assert_true(matches("#envhost A"));
	assert_true(matches("ls"));
	assert_false(matches("#envhost RT3_SECRET"));
	tline_reset(&tl);
	/* Ctrl-P, then edits replayed on each line */
	keys("\x10\x7f"
	     "B");
	assert_true(matches("#envhost B"));
	assert_false(matches("#envhost A"));
	tline_reset(&tl);
	/* Recall then Tab: unsure */
	keys("\x1b[A\t");
	assert_false(matches("#envhost A"));
	tline_reset(&tl);
	/* A new recall drops the edits before it */
	keys("\x1b[Axyz\x1b[B\x1b[A");
	assert_true(matches("#envhost A"));
}

static void test_search(void **state)
{
	(void)state;
	keys("#envhost A");
	enter("#envhost A");
	keys("\x12"
	     "env");
	assert_true(matches("#envhost A"));
	assert_false(matches("#envhost Z"));
	/* moving after the search keeps it a history line */
	keys("\x1b[D");
	assert_true(matches("#envhost A"));
	/* an edit after it: the cursor is not known */
	keys("x");
	assert_false(matches("#envhost A"));
	assert_false(matches("#envhost xA"));
}

static void test_completion(void **state)
{
	(void)state;
	keys("#cp da\t");
	assert_true(matches("#cp data.csv"));
	assert_false(matches("#envhost X"));
	keys(" host:");
	assert_true(matches("#cp data.csv host:"));
	assert_false(matches("#cp data.csv host:x"));
	tline_reset(&tl);
	/* the command word must be typed whole */
	keys("#env\t");
	assert_false(matches("#envhost RT3_SECRET"));
	tline_reset(&tl);
	/* Backspace into the shell's text: unsure */
	keys("#cp da\t\x7f");
	assert_false(matches("#cp dat"));
	tline_reset(&tl);
	/* Tab completes one word, and may add the space after it; more
	 * words in the middle were drawn, not completed. */
	keys("#envhost HOM\t");
	assert_true(matches("#envhost HOME"));
	assert_true(matches("#envhost HOME "));
	assert_true(matches("#envhost HOME\\ X"));
	assert_false(matches("#envhost HOME ATTACK_SECRET"));
	assert_false(matches("#envhost HOME\tX"));
	keys(" PATH");
	assert_true(matches("#envhost HOME PATH"));
	assert_false(matches("#envhost HOME X PATH"));
}

static void test_paste(void **state)
{
	(void)state;
	keys("\x1b[200~#envhost A\x1b[201~");
	assert_true(matches("#envhost A"));
	tline_reset(&tl);
	keys("\x1b[200~#envhost A\n#x\x1b[201~");
	assert_false(matches("#envhost A"));
}

static void test_history_bounded(void **state)
{
	(void)state;
	char line[32];
	for (int i = 0; i < TLINE_HISTORY_MAX + 5; i++) {
		int n = snprintf(line, sizeof(line), "#save t%d", i);
		tline_remember(&tl, line, (size_t)n);
		tline_remember(&tl, line, (size_t)n); /* a dupe: once */
	}
	assert_int_equal(tl.nhist, TLINE_HISTORY_MAX);
	keys("\x1b[A");
	assert_false(matches("#save t0"));
	assert_true(matches("#save t5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_typed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drawn_line_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_editing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_utf8, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_terminal_answers, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_recall, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_completion, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_paste, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_history_bounded, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
