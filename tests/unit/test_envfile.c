/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for host/cmd/envfile.c.  The first group ports actions/runner's
 * src/Test/L0/Worker/SetEnvFileCommandL0.cs case by case: the same input
 * (lines joined with "\n" after a UTF-8 BOM, as its WriteContent does) gives
 * the same variables or the same error.  The rest cover what paks adds:
 * shell variable names, and going on after a bad line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "envfile.h"
#include "util.h"

/* The runner's WriteContent: BOM, then the lines joined by sep. */
static char *content(const char *sep, const char *const *lines, size_t *len)
{
	struct buf b = {0};

	buf_append(&b, "\xef\xbb\xbf", 3);
	for (size_t i = 0; lines[i]; i++) {
		if (i)
			buf_append(&b, sep, strlen(sep));
		buf_append(&b, lines[i], strlen(lines[i]));
	}
	*len = b.len;
	buf_append(&b, "", 1);
	return b.data;
}

static int parse_lines(const char *sep, const char *const *lines,
		       struct envfile *f)
{
	size_t len;
	cleanup_free char *data = content(sep, lines, &len);

	return envfile_parse(data, len, f);
}

static const char *get(const struct envfile *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->pairs[i].name, name) == 0)
			return f->pairs[i].value;
	}
	return NULL;
}

/* ---- SetEnvFileCommandL0 ---- */

static void test_l0_empty_file(void **state)
{
	static const char *const lines[] = {NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(f.bad, 0);
	envfile_free(&f);
	/* And no bytes at all (a hook that wrote nothing). */
	assert_int_equal(envfile_parse("", 0, &f), 0);
	assert_int_equal(f.n, 0);
	envfile_free(&f);
}

static void test_l0_simple(void **state)
{
	static const char *const lines[] = {"MY_ENV=MY VALUE", NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(get(&f, "MY_ENV"), "MY VALUE");
	envfile_free(&f);
}

static void test_l0_simple_skip_empty_lines(void **state)
{
	static const char *const lines[] = {
	    "", "MY_ENV=my value", "", "MY_ENV_2=my second value", "", NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(get(&f, "MY_ENV"), "my value");
	assert_string_equal(get(&f, "MY_ENV_2"), "my second value");
	envfile_free(&f);
}

static void test_l0_simple_empty_value(void **state)
{
	static const char *const lines[] = {"MY_ENV=", NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(get(&f, "MY_ENV"), "");
	envfile_free(&f);
}

static void test_l0_simple_multiple_values(void **state)
{
	static const char *const lines[] = {
	    "MY_ENV=my value", "MY_ENV_2=", "MY_ENV_3=my third value", NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 3);
	assert_string_equal(get(&f, "MY_ENV"), "my value");
	assert_string_equal(get(&f, "MY_ENV_2"), "");
	assert_string_equal(get(&f, "MY_ENV_3"), "my third value");
	envfile_free(&f);
}

static void test_l0_simple_special_characters(void **state)
{
	static const char *const lines[] = {"MY_ENV==abc", "MY_ENV_2=def=ghi",
					    "MY_ENV_3=jkl=", NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 3);
	assert_string_equal(get(&f, "MY_ENV"), "=abc");
	assert_string_equal(get(&f, "MY_ENV_2"), "def=ghi");
	assert_string_equal(get(&f, "MY_ENV_3"), "jkl=");
	envfile_free(&f);
}

static void test_l0_heredoc(void **state)
{
	static const char *const lines[] = {
	    "MY_ENV<<EOF", "line one", "line two", "line three", "EOF", NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(get(&f, "MY_ENV"),
			    "line one\nline two\nline three");
	envfile_free(&f);
}

static void test_l0_heredoc_empty_value(void **state)
{
	static const char *const lines[] = {"MY_ENV<<EOF", "EOF", NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(get(&f, "MY_ENV"), "");
	envfile_free(&f);
}

static void test_l0_heredoc_skip_empty_lines(void **state)
{
	static const char *const lines[] = {"",
					    "MY_ENV<<EOF",
					    "hello",
					    "world",
					    "EOF",
					    "",
					    "MY_ENV_2<<EOF",
					    "HELLO",
					    "AGAIN",
					    "EOF",
					    "",
					    NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(get(&f, "MY_ENV"), "hello\nworld");
	assert_string_equal(get(&f, "MY_ENV_2"), "HELLO\nAGAIN");
	envfile_free(&f);
}

static void test_l0_heredoc_special_characters(void **state)
{
	static const char *const lines[] = {"MY_ENV<<=EOF",
					    "hello",
					    "one",
					    "=EOF",
					    "MY_ENV_2<<<EOF",
					    "hello",
					    "two",
					    "<EOF",
					    "MY_ENV_3<<EOF",
					    "hello",
					    "",
					    "three",
					    "",
					    "EOF",
					    "MY_ENV_4<<EOF",
					    "hello=four",
					    "EOF",
					    "MY_ENV_5<<EOF",
					    " EOF",
					    "EOF",
					    NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines("\n", lines, &f), 0);
	assert_int_equal(f.n, 5);
	assert_string_equal(get(&f, "MY_ENV"), "hello\none");
	assert_string_equal(get(&f, "MY_ENV_2"), "hello\ntwo");
	assert_string_equal(get(&f, "MY_ENV_3"), "hello\n\nthree\n");
	assert_string_equal(get(&f, "MY_ENV_4"), "hello=four");
	assert_string_equal(get(&f, "MY_ENV_5"), " EOF");
	envfile_free(&f);
}

static void test_l0_heredoc_missing_new_line(void **state)
{
	static const char *const lines[] = {
	    "MY_ENV<<EOF", "line one", "line two", "line three", "EOF", NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines(" ", lines, &f), -EINVAL);
	assert_int_equal(f.n, 0);
	assert_int_equal(f.bad, 1);
	assert_non_null(strstr(f.cause, "matching delimiter not found"));
	envfile_free(&f);
}

static void test_l0_heredoc_missing_new_line_multiple_lines(void **state)
{
	static const char *const lines[] = {"MY_ENV<<EOF",
					    "line one\n"
					    "                    line two\n"
					    "                    line three",
					    "EOF", NULL};
	struct envfile f;

	(void)state;
	assert_int_equal(parse_lines(" ", lines, &f), -EINVAL);
	assert_int_equal(f.n, 0);
	assert_non_null(strstr(f.cause, "EOF marker missing new line"));
	envfile_free(&f);
}

/* ---- what paks adds ---- */

static void test_no_bom_no_final_newline(void **state)
{
	static const char data[] = "A=1\nB<<X\nx\nX";
	struct envfile f;

	(void)state;
	assert_int_equal(envfile_parse(data, sizeof(data) - 1, &f), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(get(&f, "A"), "1");
	assert_string_equal(get(&f, "B"), "x");
	envfile_free(&f);
}

static void test_values_literal(void **state)
{
	static const char data[] = "Q= \"a b\" 'c' $HOME \\n \r\n";
	struct envfile f;

	(void)state;
	assert_int_equal(envfile_parse(data, sizeof(data) - 1, &f), 0);
	assert_string_equal(get(&f, "Q"), " \"a b\" 'c' $HOME \\n \r");
	envfile_free(&f);
}

/* A bad line is skipped and named; the good ones around it still count. */
static void test_bad_lines_skipped(void **state)
{
	static const char data[] = "A=1\nnot a record\nmy-var=x\n1X=y\n"
				   "B=2\n=empty\n";
	struct envfile f;

	(void)state;
	assert_int_equal(envfile_parse(data, sizeof(data) - 1, &f), -EINVAL);
	assert_int_equal(f.n, 2);
	assert_string_equal(get(&f, "A"), "1");
	assert_string_equal(get(&f, "B"), "2");
	assert_int_equal(f.bad, 4);
	assert_string_equal(f.cause, "invalid format: 'not a record'");
	envfile_free(&f);
}

/* A heredoc under a bad name is still consumed whole: its body must not be
 * read as records. */
static void test_bad_heredoc_name_consumes_body(void **state)
{
	static const char data[] = "bad-name<<E\nPATH=/evil\nE\nOK=1\n";
	struct envfile f;

	(void)state;
	assert_int_equal(envfile_parse(data, sizeof(data) - 1, &f), -EINVAL);
	assert_int_equal(f.n, 1);
	assert_string_equal(get(&f, "OK"), "1");
	assert_null(get(&f, "PATH"));
	assert_string_equal(f.cause, "invalid variable name: 'bad-name<<E'");
	envfile_free(&f);
}

/* Without a delimiter, or without its closing line, the rest of the stream
 * cannot be told from a value: stop, keep what came before. */
static void test_unparseable_rest_stops(void **state)
{
	static const char empty_delim[] = "A=1\nB<<\nPATH=/evil\n";
	static const char unclosed[] = "A=1\nB<<END\nPATH=/evil\n";
	struct envfile f;

	(void)state;
	assert_int_equal(
	    envfile_parse(empty_delim, sizeof(empty_delim) - 1, &f), -EINVAL);
	assert_int_equal(f.n, 1);
	assert_null(get(&f, "PATH"));
	envfile_free(&f);
	assert_int_equal(envfile_parse(unclosed, sizeof(unclosed) - 1, &f),
			 -EINVAL);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.cause, "matching delimiter not found: 'B<<END'");
	envfile_free(&f);
}

/* The cause is one printable line, bounded, whatever the bytes. */
static void test_cause_printable(void **state)
{
	char data[200];
	struct envfile f;

	(void)state;
	memset(data, '\x1b', sizeof(data));
	assert_int_equal(envfile_parse(data, sizeof(data), &f), -EINVAL);
	assert_null(strchr(f.cause, '\x1b'));
	assert_true(strlen(f.cause) < 80);
	envfile_free(&f);
	/* A NUL inside a name is not a name. */
	assert_int_equal(envfile_parse("A\0B=1", 5, &f), -EINVAL);
	assert_int_equal(f.n, 0);
	envfile_free(&f);
}

/* Random streams over the bytes that matter (a small fuzz run under the
 * unit build): the result is always consistent, every name is a shell
 * name, and the cause is set exactly when something was bad. */
static void test_random_streams(void **state)
{
	static const char alphabet[] = "AB_1=<\n\nE\r \xef\xbb\xbf";
	unsigned int seed = 16;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		char data[64];
		size_t len = (size_t)(rand_r(&seed) % sizeof(data));
		struct envfile f;
		int r;

		for (size_t i = 0; i < len; i++)
			data[i] =
			    alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		r = envfile_parse(data, len, &f);
		assert_int_equal(r == 0, f.bad == 0);
		assert_int_equal(f.cause == NULL, f.bad == 0);
		for (size_t i = 0; i < f.n; i++) {
			const char *n = f.pairs[i].name;
			assert_true(n[0] && strspn(n, "AB_1E") == strlen(n) &&
				    n[0] != '1');
		}
		envfile_free(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_l0_empty_file),
	    cmocka_unit_test(test_l0_simple),
	    cmocka_unit_test(test_l0_simple_skip_empty_lines),
	    cmocka_unit_test(test_l0_simple_empty_value),
	    cmocka_unit_test(test_l0_simple_multiple_values),
	    cmocka_unit_test(test_l0_simple_special_characters),
	    cmocka_unit_test(test_l0_heredoc),
	    cmocka_unit_test(test_l0_heredoc_empty_value),
	    cmocka_unit_test(test_l0_heredoc_skip_empty_lines),
	    cmocka_unit_test(test_l0_heredoc_special_characters),
	    cmocka_unit_test(test_l0_heredoc_missing_new_line),
	    cmocka_unit_test(test_l0_heredoc_missing_new_line_multiple_lines),
	    cmocka_unit_test(test_no_bom_no_final_newline),
	    cmocka_unit_test(test_values_literal),
	    cmocka_unit_test(test_bad_lines_skipped),
	    cmocka_unit_test(test_bad_heredoc_name_consumes_body),
	    cmocka_unit_test(test_unparseable_rest_stops),
	    cmocka_unit_test(test_cause_printable),
	    cmocka_unit_test(test_random_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
