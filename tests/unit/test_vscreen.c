/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the PTY proxy's screen model: feed it what busybox ash
 * and the kernel's canonical echo (dash) really print while a line is
 * edited, and check the line read back at Enter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vscreen.h"

static void feed(struct vscreen *v, const char *s)
{
	vscreen_feed(v, s, strlen(s));
}

static void assert_line(struct vscreen *v, const char *want)
{
	char *line = NULL;
	size_t len = 0;

	assert_int_equal(vscreen_input_line(v, &line, &len), 1);
	assert_string_equal(line, want);
	assert_int_equal(len, strlen(want));
	free(line);
}

/* The prompt as ash prints it, the mark at the first keystroke. */
static struct vscreen *ash_prompt(int rows, int cols)
{
	struct vscreen *v = vscreen_new(rows, cols);

	feed(v, "\r\nBusyBox v1.35.0 built-in shell (ash)\r\n\r\n");
	feed(v, "/ # \x1b[6n");
	vscreen_mark_input(v);
	return v;
}

static void test_no_mark(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);
	char *line;
	size_t len;

	(void)state;
	feed(v, "$ #save");
	assert_int_equal(vscreen_input_line(v, &line, &len), 0);
	assert_null(line);
	vscreen_free(v);
}

static void test_ash_backspace(void **state)
{
	struct vscreen *v = ash_prompt(24, 80);

	(void)state;
	assert_string_equal(vscreen_prompt(v), "/ # ");
	/* "#sabe", two Backspaces, "ve": ash erases with "\b\e[J". */
	feed(v, "#sabe\b\x1b[J\b\x1b[Jve");
	assert_line(v, "#save");
	vscreen_free(v);
}

static void test_ash_history_and_insert(void **state)
{
	struct vscreen *v = ash_prompt(24, 80);

	(void)state;
	feed(v, "echo hi");
	/* Up: ash returns to column 0 and redraws prompt and line. */
	feed(v, "\r/ # #save old\x1b[J");
	/* Left x3, then 'X' inserted: the tail is reprinted and the cursor
	 * moved back. */
	feed(v, "\b\b\b");
	feed(v, "Xold\b\b\b");
	assert_line(v, "#save Xold");
	vscreen_free(v);
}

static void test_ash_ctrl_u_and_tab(void **state)
{
	struct vscreen *v = ash_prompt(24, 80);

	(void)state;
	feed(v, "ls /b");
	feed(v, "\r/ # \x1b[J"); /* Ctrl-U */
	feed(v, "#sa");
	feed(v, "\r/ # #save \x1b[J"); /* Tab completed it */
	assert_line(v, "#save");
	vscreen_free(v);
}

static void test_ash_ctrl_c_new_prompt(void **state)
{
	struct vscreen *v = ash_prompt(24, 80);

	(void)state;
	feed(v, "#abc^C\r\n/ # \x1b[6n");
	feed(v, "#save x");
	assert_line(v, "#save x");
	vscreen_free(v);
}

static void test_ash_ambiguous_tab_list(void **state)
{
	struct vscreen *v = ash_prompt(24, 80);

	(void)state;
	feed(v, "#sa");
	/* Several matches: ash lists them and redraws below. */
	feed(v, "\r\nsave   saveas\r\n/ # #sa");
	feed(v, "ve");
	assert_line(v, "#save");
	vscreen_free(v);
}

static void test_ash_clear_screen(void **state)
{
	struct vscreen *v = ash_prompt(24, 80);

	(void)state;
	feed(v, "\r\n\r\n\r\n#x");
	feed(v, "\x1b[H\x1b[J/ # #save"); /* Ctrl-L */
	assert_line(v, "#save");
	vscreen_free(v);
}

static void test_ash_wrapped_line(void **state)
{
	struct vscreen *v = ash_prompt(24, 20);

	(void)state;
	/* 16 cells fill the row after "/ # "; ash moves on with "\r\r\n". */
	feed(v, "#save 0123456789\r\r\nabcdef");
	assert_line(v, "#save 0123456789abcdef");
	/* Cursor moved back up onto the first row: still the whole line. */
	feed(v, "\x1b[A\x1b[5C");
	assert_line(v, "#save 0123456789abcdef");
	vscreen_free(v);
}

static void test_wrap_and_scroll(void **state)
{
	struct vscreen *v = vscreen_new(4, 20);

	(void)state;
	feed(v, "one\r\ntwo\r\nthree\r\n$ ");
	vscreen_mark_input(v);
	/* Kernel echo relies on autowrap; the screen scrolls twice. */
	feed(v, "#save aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaz");
	assert_line(v, "#save aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaz");
	vscreen_free(v);
}

static void test_dash_canonical_echo(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);

	(void)state;
	feed(v, "$ ");
	vscreen_mark_input(v);
	/* ECHOE: Backspace is echoed as "\b \b". */
	feed(v, "#sabe\b \b\b \bve");
	assert_line(v, "#save");
	/* Ctrl-U with ECHOKE erases char by char; Ctrl-W likewise. */
	feed(v, "\b \b\b \b\b \b\b \b\b \becho x");
	assert_line(v, "echo x");
	vscreen_free(v);
}

static void test_nearest_prompt_wins(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);

	(void)state;
	feed(v, "$ ");
	vscreen_mark_input(v);
	feed(v, "sleep 1\r\n$ #save");
	assert_line(v, "#save");
	vscreen_free(v);
}

static void test_utf8_and_wide(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);

	(void)state;
	feed(v, "\xc3\xa9t\xc3\xa9 $ ");
	vscreen_mark_input(v);
	assert_string_equal(vscreen_prompt(v), "\xc3\xa9t\xc3\xa9 $ ");
	feed(v, "#cp \xe6\x97\xa5\xe6\x9c\xac x");
	assert_line(v, "#cp \xe6\x97\xa5\xe6\x9c\xac x");
	vscreen_free(v);
}

static void test_altscreen(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);

	(void)state;
	assert_false(vscreen_altscreen(v));
	feed(v, "\x1b[?1049h\x1b[H\x1b[2J~\r\n~");
	assert_true(vscreen_altscreen(v));
	feed(v, "\x1b[?1049l");
	assert_false(vscreen_altscreen(v));
	vscreen_free(v);
}

static void test_resize_keeps_line(void **state)
{
	struct vscreen *v = ash_prompt(24, 80);

	(void)state;
	feed(v, "#save");
	vscreen_resize(v, 30, 100);
	assert_line(v, "#save");
	vscreen_free(v);
}

/* A flood of short lines (only its tail is ever emulated), then a prompt:
 * the line typed after it still reads back. */
static void test_flood_then_prompt(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);
	char *row;

	(void)state;
	for (int i = 0; i < 200000; i++)
		feed(v, i % 1000 == 0 ? "y\x1b[1m\r\n" : "y\r\n");
	feed(v, "last output line\r\n/ # ");
	vscreen_mark_input(v);
	assert_string_equal(vscreen_prompt(v), "/ # ");
	feed(v, "#sabe\b\x1b[J\b\x1b[Jve");
	assert_line(v, "#save");
	vscreen_cursor(v, &(int){0}, &(int){0});
	row = vscreen_row_text(v, 22);
	assert_string_equal(row, "last output line");
	free(row);
	vscreen_free(v);
}

/* One endless line without a newline: the tail is kept by bytes. */
static void test_flood_long_line(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);
	char chunk[4096];

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 100; i++)
		vscreen_feed(v, chunk, sizeof(chunk));
	feed(v, "\r\n$ ");
	vscreen_mark_input(v);
	feed(v, "#save");
	assert_line(v, "#save");
	vscreen_free(v);
}

/* A switch to the alternate screen inside the dropped part still counts,
 * and so does the switch back. */
static void test_flood_keeps_altscreen(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);

	(void)state;
	feed(v, "\x1b[?1049h");
	for (int i = 0; i < 100000; i++)
		feed(v, "some text\r\n");
	assert_true(vscreen_altscreen(v));
	feed(v, "\x1b[?1049l");
	for (int i = 0; i < 100000; i++)
		feed(v, "more text\r\n");
	assert_false(vscreen_altscreen(v));
	vscreen_free(v);
}

/* Typing was under way when output flooded in: the line is unknown
 * rather than wrong (here the rows even look like prompts with commands). */
static void test_flood_after_mark_forgets_line(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);
	char *line;
	size_t len;

	(void)state;
	feed(v, "$ ");
	vscreen_mark_input(v);
	feed(v, "#sa");
	for (int i = 0; i < 100000; i++)
		feed(v, "$ #noise\r\n");
	feed(v, "ve");
	assert_int_equal(vscreen_input_line(v, &line, &len), 0);
	vscreen_free(v);
}

/* Feed s in two writes split at `at`, each reaching libvterm on its own
 * (a CSI sequence can be split across reads from the PTY). */
static struct vscreen *feed_split(const char *s, size_t at)
{
	struct vscreen *v = vscreen_new(24, 80);
	int row, col;

	vscreen_feed(v, s, at);
	vscreen_cursor(v, &row, &col);
	vscreen_feed(v, s + at, strlen(s) - at);
	vscreen_cursor(v, &row, &col);
	return v;
}

static void assert_survives(const char *s, const char *text)
{
	for (size_t at = 0; at <= strlen(s); at++) {
		struct vscreen *v = feed_split(s, at);
		char *row;

		/* The screen still works after it. */
		feed(v, "\r\nafter");
		row = vscreen_row_text(v, 0);
		assert_string_equal(row, text);
		free(row);
		row = vscreen_row_text(v, 1);
		assert_string_equal(row, "after");
		free(row);
		vscreen_free(v);
	}
}

/* libvterm 0.1.4 keeps 16 CSI parameters and writes past them at the
 * 16th ';' or ':'. */
static void test_csi_too_many_params(void **state)
{
	(void)state;
	assert_survives("\x1b[;;;;;;;;;;;;;;;;mX", "X");
	assert_survives("\x1b[38:2:59:66:97;48:2:36:40:59;58:2:224:175:104;"
			"4:3mCOLOR\x1b[0m",
			"COLOR");
	assert_survives("\x1b[?1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;"
			"19;20;21;22;23;24;25;26;27;28;29;30hA",
			"A");
}

/* Up to 16 parameters still reach libvterm: 15 separators draw red. */
static void test_csi_params_at_limit(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);
	char *row;

	(void)state;
	feed(v, "\x1b[0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;4CX");
	row = vscreen_row_text(v, 0);
	/* CUF takes its first parameter (0 = 1): one column right. */
	assert_string_equal(row, " X");
	free(row);
	vscreen_free(v);
}

/* A parameter too large to be a count is dropped with its sequence
 * (a count near 2^31 keeps libvterm busy). */
static void test_csi_huge_param(void **state)
{
	(void)state;
	assert_survives("A\x1b[99999999999999999999999999bB", "AB");
	assert_survives("A\x1b[2147483647bB", "AB");
}

/* DCS strings never reach libvterm: 0.1.4 crashes answering an unknown
 * DECRQSS (seen under ASan).  The text around them is drawn, and a
 * control inside one still acts. */
static void test_dcs_dropped(void **state)
{
	(void)state;
	assert_survives("A\x1bP$qzm\x1b\\B", "AB");
	assert_survives("A\x1bP$qm\x07"
			"B\x1bP+q544e\x1b\\C",
			"ABC");
	assert_survives("A\x1bP$q\x1b[1mB", "AB");
	assert_survives("A\x1bPxx\x18"
			"B",
			"AB");
	assert_survives("XY\x1bP$q\rA\x1b\\B", "BY");
}

/* libvterm 0.1.4 moves the cursor up with the lines a shorter screen
 * pushes off the top, to a negative row when it was near the top, and
 * writes there next (vim#6141).  Found by make fuzz. */
static void test_resize_shorter_cursor_at_top(void **state)
{
	struct vscreen *v = vscreen_new(25, 80);
	char *row;
	int r, c;

	(void)state;
	feed(v, "\x1b[24HLine 24\r\nLine 25\x1b[H");
	vscreen_resize(v, 20, 80);
	vscreen_cursor(v, &r, &c);
	assert_int_equal(r, 0);
	assert_int_equal(c, 0);
	feed(v, "X");
	row = vscreen_row_text(v, 0);
	assert_string_equal(row, "X");
	free(row);
	row = vscreen_row_text(v, 19);
	assert_string_equal(row, "Line 25");
	free(row);
	vscreen_free(v);
}

/* REP never reaches libvterm: 0.1.4 loops forever on it with no
 * character before it.  Found by make fuzz. */
static void test_rep_dropped(void **state)
{
	(void)state;
	assert_survives("\x1b[bA", "A");
	assert_survives("\x1b[5bA", "A");
	assert_survives("A\x1b[3bB", "AB");
}

/* A sequence too long is cancelled; what follows it is drawn, and a
 * control inside it still acts, as it would inside any CSI. */
static void test_csi_cancel_recovers(void **state)
{
	char s[4096];
	struct vscreen *v;
	char *row;
	size_t n = 0;

	(void)state;
	s[n++] = '\x1b';
	s[n++] = '[';
	for (int i = 0; i < 1000; i++)
		s[n++] = i % 3 ? ';' : ':';
	strcpy(s + n, "1mok");
	assert_survives(s, "ok");

	strcpy(s + n, "1\r\n\x1b[1mok");
	v = vscreen_new(24, 80);
	feed(v, s);
	row = vscreen_row_text(v, 1);
	assert_string_equal(row, "ok");
	free(row);
	vscreen_free(v);
}

/* A C1 control sent as UTF-8 (U+0080..U+009F, "\xc2\x80".."\xc2\x9f")
 * has width -1 in libvterm 0.1.4: each one moves the cursor a column
 * left, to column -1 from column 0, and in insert mode (IRM) the next
 * character shifts the row from there with a negative memmove.  They are
 * dropped; what is not valid UTF-8 becomes U+FFFD, as libvterm shows it.
 * Found by make fuzz. */
static void test_c1_as_utf8(void **state)
{
	(void)state;
	assert_survives("\x1b[4h\xc2\x81x\x1b[4l", "x");
	assert_survives("ab\xc2\x81\xc2\x9f\xc2\x80"
			"c",
			"abc");
	/* libvterm would complete a character across a control: here both
	 * halves are invalid on their own. */
	assert_survives("\x1b[4h\xc2\r\x81x\x1b[4l",
			"\xef\xbf\xbdx\xef\xbf\xbd");
	assert_survives("\xc2\x1b[m\x81\x1b[4hx\x1b[4l",
			"\xef\xbf\xbd\xef\xbf\xbdx");
	/* Insert mode itself still works. */
	assert_survives("bc\r\x1b[4ha\xc3\xa9\x1b[4l", "a\xc3\xa9"
						       "bc");
}

/* Bytes that are not UTF-8 show as U+FFFD; valid characters pass whole,
 * even when a read splits them. */
static void test_invalid_utf8(void **state)
{
	(void)state;
	assert_survives("a\xff"
			"b",
			"a\xef\xbf\xbd"
			"b");
	assert_survives("a\x81"
			"b",
			"a\xef\xbf\xbd"
			"b");
	assert_survives("a\xc3(b", "a\xef\xbf\xbd(b");
	assert_survives("a\xe6\x97\xa5\xf0\x9f\x98\x80\xc2\xa0"
			"b",
			"a\xe6\x97\xa5\xf0\x9f\x98\x80\xc2\xa0"
			"b");
	assert_survives("a\xe0\x80\x80"
			"b",
			"a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			"b");
}

/* libvterm 0.1.4 keeps a saved cursor (DECSC) across a resize that
 * leaves it outside the screen; restoring it (DECRC) puts the cursor
 * there, and the next line attribute (DECDHL) writes past the rows.
 * Found by make fuzz. */
static void test_resize_saved_cursor(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);
	char *row;
	int r, c;

	(void)state;
	feed(v, "\x1b[20;70H\x1b"
		"7");
	vscreen_resize(v, 5, 40);
	feed(v, "\x1b"
		"8\x1b#3X");
	vscreen_cursor(v, &r, &c);
	assert_int_equal(r, 4);
	feed(v, "\r\nafter");
	row = vscreen_row_text(v, 4);
	assert_string_equal(row, "after");
	free(row);
	vscreen_free(v);
}

/* A resize keeps the position the program saved when it still fits. */
static void test_resize_keeps_saved_cursor(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);
	char *row;

	(void)state;
	feed(v, "\x1b[3;5H\x1b"
		"7\x1b[10;1Habc");
	vscreen_resize(v, 20, 60);
	feed(v, "\x1b"
		"8X");
	row = vscreen_row_text(v, 2);
	assert_string_equal(row, "    X");
	free(row);
	vscreen_free(v);
}

/* Left and right margins (DECLRMM, DECSLRM) set on a wide screen are
 * reset before it gets narrower, as the top and bottom ones are: kept,
 * the left one would lie right of the right one, and the screen would no
 * longer scroll. */
static void test_resize_margins(void **state)
{
	struct vscreen *v = vscreen_new(24, 80);
	char *row;

	(void)state;
	feed(v, "\x1b[?69h\x1b[50;70s");
	vscreen_resize(v, 4, 20);
	feed(v, "\x1b[4Hone\r\ntwo");
	row = vscreen_row_text(v, 2);
	assert_string_equal(row, "one");
	free(row);
	row = vscreen_row_text(v, 3);
	assert_string_equal(row, "two");
	free(row);
	vscreen_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_mark),
	    cmocka_unit_test(test_ash_backspace),
	    cmocka_unit_test(test_ash_history_and_insert),
	    cmocka_unit_test(test_ash_ctrl_u_and_tab),
	    cmocka_unit_test(test_ash_ctrl_c_new_prompt),
	    cmocka_unit_test(test_ash_ambiguous_tab_list),
	    cmocka_unit_test(test_ash_clear_screen),
	    cmocka_unit_test(test_ash_wrapped_line),
	    cmocka_unit_test(test_wrap_and_scroll),
	    cmocka_unit_test(test_dash_canonical_echo),
	    cmocka_unit_test(test_nearest_prompt_wins),
	    cmocka_unit_test(test_utf8_and_wide),
	    cmocka_unit_test(test_altscreen),
	    cmocka_unit_test(test_resize_keeps_line),
	    cmocka_unit_test(test_flood_then_prompt),
	    cmocka_unit_test(test_flood_long_line),
	    cmocka_unit_test(test_flood_keeps_altscreen),
	    cmocka_unit_test(test_flood_after_mark_forgets_line),
	    cmocka_unit_test(test_csi_too_many_params),
	    cmocka_unit_test(test_csi_params_at_limit),
	    cmocka_unit_test(test_csi_huge_param),
	    cmocka_unit_test(test_csi_cancel_recovers),
	    cmocka_unit_test(test_dcs_dropped),
	    cmocka_unit_test(test_rep_dropped),
	    cmocka_unit_test(test_resize_shorter_cursor_at_top),
	    cmocka_unit_test(test_c1_as_utf8),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_resize_saved_cursor),
	    cmocka_unit_test(test_resize_keeps_saved_cursor),
	    cmocka_unit_test(test_resize_margins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
