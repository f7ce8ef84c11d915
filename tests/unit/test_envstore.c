/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for envstore.c: name rules, the VAR=VALUE file format (every
 * awkward value must round-trip exactly), parse errors with line numbers,
 * and the files themselves under a temporary XDG_CONFIG_HOME: 0700/0600
 * permissions, comment-keeping saves, removal and listing.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "envstore.h"
#include "util.h"
#include "varname.h"

static void test_env_names(void **state)
{
	static const char *good[] = {"a",   "Dev", "prod.eu-1",
				     "x_y", "9",   "a.."};
	static const char *bad[] = {"",	   ".hidden", "-x", "_x",  "a/b", "..",
				    "a b", "a:b",     "é",  "a\n", "/abs"};
	char name[80];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(envstore_valid_name(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (envstore_valid_name(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	}
	memset(name, 'a', 64);
	name[64] = '\0';
	assert_true(envstore_valid_name(name));
	name[64] = 'a';
	name[65] = '\0';
	assert_false(envstore_valid_name(name));
	assert_false(envstore_valid_name(NULL));
}

static const char *tricky[] = {
    "plain",
    "with spaces  ",
    "  leading",
    "\"double\" and 'single' quotes",
    "$HOME ${X} $(rm -rf /) `id`",
    "a=b=c",
    "=",
    "line1\nline2\n",
    "\n",
    "back\\slash\\n not a newline \\\\",
    "\\",
    "tab\there",
    "cr\rlf\r\n",
    "ctl \x01\x1b[31m\x7f",
    "UTF-8: é ü 日本 🐧",
    "# not a comment",
    "",
    "\\x41 stays literal",
};

static void test_round_trip(void **state)
{
	struct envset set = {0}, back = {0};
	char *text, *err = NULL;
	char name[16];

	(void)state;
	for (size_t i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
		snprintf(name, sizeof(name), "V%zu", i);
		envset_put(&set, name, tricky[i]);
	}
	text = envstore_format(&set);
	/* One line per variable: nothing raw can break a line. */
	{
		size_t lines = 0;
		for (char *c = text; *c; c++)
			lines += *c == '\n';
		assert_int_equal(lines, set.n);
	}
	assert_int_equal(envstore_parse(text, strlen(text), &back, &err), 0);
	assert_int_equal(back.n, set.n);
	for (size_t i = 0; i < set.n; i++) {
		assert_string_equal(back.vars[i].name, set.vars[i].name);
		if (strcmp(back.vars[i].value, set.vars[i].value) != 0)
			fail_msg("%s: '%s' came back as '%s'", set.vars[i].name,
				 set.vars[i].value, back.vars[i].value);
	}
	free(text);
	envset_free(&set);
	envset_free(&back);
}

static void test_format_escapes(void **state)
{
	struct envset set = {0};
	char *text;

	(void)state;
	envset_put(&set, "A", "x\\y\nz\r\t\x01 \"$=");
	text = envstore_format(&set);
	assert_string_equal(text, "A=x\\\\y\\nz\\r\\t\\x01 \"$=\n");
	free(text);
	envset_free(&set);
}

static void test_parse_comments(void **state)
{
	static const char text[] = "# comment\n"
				   "\n"
				   "   \n"
				   "  # indented comment\n"
				   "A=1\r\n"
				   "B= spaced \n"
				   "C=\\x41\\x62";
	struct envset set = {0};
	char *err = NULL;

	(void)state;
	assert_int_equal(envstore_parse(text, sizeof(text) - 1, &set, &err), 0);
	assert_int_equal(set.n, 3);
	assert_string_equal(set.vars[0].value, "1");
	assert_string_equal(set.vars[1].value, " spaced ");
	assert_string_equal(set.vars[2].value, "Ab");
	envset_free(&set);
}

static void expect_parse_error(const char *text, size_t len, const char *want)
{
	struct envset set = {0};
	char *err = NULL;

	envset_put(&set, "KEEP", "me");
	assert_int_equal(envstore_parse(text, len, &set, &err), -EINVAL);
	assert_non_null(err);
	if (strcmp(err, want) != 0)
		fail_msg("error '%s', wanted '%s'", err, want);
	/* The output is untouched on failure. */
	assert_int_equal(set.n, 1);
	free(err);
	envset_free(&set);
}

#define PARSE_ERROR(text, want) expect_parse_error(text, sizeof(text) - 1, want)

static void test_parse_errors(void **state)
{
	(void)state;
	PARSE_ERROR("A=1\nnot an assignment\n", "line 2: expected VAR=VALUE");
	PARSE_ERROR("\n\n1A=x\n",
		    "line 3: invalid variable name '1A' (letters, digits and "
		    "'_', not starting with a digit)");
	PARSE_ERROR("A B=x\n", "line 1: invalid variable name 'A B' (letters, "
			       "digits and '_', not starting with a digit)");
	PARSE_ERROR("=x\n", "line 1: invalid variable name '' (letters, "
			    "digits and '_', not starting with a digit)");
	PARSE_ERROR("A=x\\q\n", "line 1: unknown escape '\\q' (known: \\\\ "
				"\\n \\r \\t \\xHH)");
	PARSE_ERROR("A=x\\\n", "line 1: a backslash ends the line (write \\\\ "
			       "for a backslash)");
	PARSE_ERROR("A=\\x4\n", "line 1: \\x needs two hex digits");
	PARSE_ERROR("A=\\xZZ\n", "line 1: \\x needs two hex digits");
	PARSE_ERROR("A=\\x00\n", "line 1: \\x00 (NUL) cannot be in a variable");
	PARSE_ERROR("A=1\n\nB=2\nA=3\n",
		    "line 4: duplicate variable 'A' (first on line 1)");
	PARSE_ERROR("A=1\nB=a\0b\n", "line 2: NUL byte in the line");
}

static void test_put_replace_keeps_order(void **state)
{
	struct envset set = {0};

	(void)state;
	envset_put(&set, "A", "1");
	envset_put(&set, "B", "2");
	envset_put(&set, "A", "3");
	assert_int_equal(set.n, 2);
	assert_string_equal(set.vars[0].name, "A");
	assert_string_equal(set.vars[0].value, "3");
	assert_true(envset_remove(&set, "A"));
	assert_false(envset_remove(&set, "A"));
	assert_int_equal(set.n, 1);
	assert_string_equal(set.vars[0].name, "B");
	envset_free(&set);
}

/* ---- Files under a temporary XDG_CONFIG_HOME ----------------------- */

static char tmpdir[64];

static int setup_home(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/paks-test-env-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	return 0;
}

static int teardown_home(void **state)
{
	(void)state;
	rm_rf(tmpdir);
	return 0;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_save_load_perms(void **state)
{
	struct envset set = {0}, back = {0};
	char *err = NULL;
	cleanup_free char *dir = envstore_dir();
	cleanup_free char *path = envstore_path("dev");

	(void)state;
	assert_int_equal(envstore_load("dev", &back, &err), -ENOENT);
	assert_string_equal(err, "no environment named 'dev'");
	free(err);
	err = NULL;
	for (size_t i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
		char name[16];
		snprintf(name, sizeof(name), "V%zu", i);
		envset_put(&set, name, tricky[i]);
	}
	assert_int_equal(envstore_save("dev", &set, &err), 0);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(envstore_load("dev", &back, &err), 0);
	assert_int_equal(back.n, set.n);
	for (size_t i = 0; i < set.n; i++)
		assert_string_equal(back.vars[i].value, set.vars[i].value);
	envset_free(&set);
	envset_free(&back);
}

static void test_loose_dir_tightened(void **state)
{
	struct envset set = {0};
	char *err = NULL;
	cleanup_free char *dir = envstore_dir();

	(void)state;
	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	envset_put(&set, "A", "1");
	assert_int_equal(envstore_save("loose", &set, &err), 0);
	assert_int_equal(mode_of(dir), 0700);
	envset_free(&set);
}

static void test_save_keeps_comments(void **state)
{
	static const char before[] = "# my tokens\n"
				     "A=1\n"
				     "\n"
				     "# the B one\n"
				     "B=2\n"
				     "C=3\n";
	cleanup_free char *path = envstore_path("keep");
	cleanup_free char *text = NULL;
	struct envset set = {0};
	char *err = NULL;

	(void)state;
	assert_int_equal(envstore_prepare_dir(&err), 0);
	assert_int_equal(
	    write_file_atomic(path, before, sizeof(before) - 1, 0600), 0);
	assert_int_equal(envstore_load("keep", &set, &err), 0);
	envset_put(&set, "B", "two\nlines");
	envset_put(&set, "D", "4");
	assert_true(envset_remove(&set, "C"));
	assert_int_equal(envstore_save("keep", &set, &err), 0);
	assert_int_equal(read_file(path, 4096, &text, NULL), 0);
	assert_string_equal(text, "# my tokens\n"
				  "A=1\n"
				  "\n"
				  "# the B one\n"
				  "B=two\\nlines\n"
				  "D=4\n");
	envset_free(&set);
}

static void test_remove(void **state)
{
	struct envset set = {0};
	char *err = NULL;

	(void)state;
	envset_put(&set, "A", "1");
	envset_put(&set, "B", "2");
	assert_int_equal(envstore_save("rm", &set, &err), 0);
	envset_free(&set);
	assert_int_equal(envstore_remove_var("rm", "Z", &err), -ENODATA);
	assert_string_equal(err, "no variable 'Z' in environment 'rm'");
	free(err);
	assert_int_equal(envstore_remove_var("rm", "A", &err), 0);
	assert_int_equal(envstore_load("rm", &set, &err), 0);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.vars[0].name, "B");
	envset_free(&set);
	assert_int_equal(envstore_remove_var("nope", "A", &err), -ENOENT);
	free(err);
	assert_int_equal(envstore_remove("rm", &err), 0);
	assert_int_equal(envstore_remove("rm", &err), -ENOENT);
	assert_string_equal(err, "no environment named 'rm'");
	free(err);
}

static void test_bad_names_refused(void **state)
{
	struct envset set = {0};
	char *err = NULL;

	(void)state;
	envset_put(&set, "A", "1");
	assert_int_equal(envstore_save("../evil", &set, &err), -EINVAL);
	assert_non_null(strstr(err, "invalid environment name '../evil'"));
	free(err);
	assert_int_equal(envstore_load(".hidden", &set, &err), -EINVAL);
	free(err);
	envset_put(&set, "9bad", "x");
	assert_int_equal(envstore_save("ok", &set, &err), -EINVAL);
	assert_string_equal(err, "invalid variable name '9bad'");
	free(err);
	envset_free(&set);
}

static void test_load_error_names_file(void **state)
{
	static const char bad[] = "A=1\nB\n";
	cleanup_free char *path = envstore_path("broken");
	cleanup_free char *want = NULL;
	struct envset set = {0};
	char *err = NULL;

	(void)state;
	assert_int_equal(envstore_prepare_dir(&err), 0);
	assert_int_equal(write_file_atomic(path, bad, sizeof(bad) - 1, 0600),
			 0);
	assert_int_equal(envstore_load("broken", &set, &err), -EINVAL);
	want = xasprintf("%s:2: expected VAR=VALUE", path);
	assert_string_equal(err, want);
	free(err);
	unlink(path);
}

static void test_list(void **state)
{
	cleanup_free char *dir = envstore_dir();
	struct envset set = {0};
	char **names = NULL;
	char *err = NULL;
	size_t n = 0;

	(void)state;
	envset_put(&set, "A", "1");
	assert_int_equal(envstore_save("zeta", &set, &err), 0);
	assert_int_equal(envstore_save("Alpha", &set, &err), 0);
	assert_int_equal(envstore_save("mid.1", &set, &err), 0);
	envset_free(&set);
	/* Not environments: a hidden file, a leftover temporary file and a
	 * directory. */
	{
		cleanup_free char *p1 = xasprintf("%s/.hidden", dir);
		cleanup_free char *p2 = xasprintf("%s/zeta.tmp.AbC123", dir);
		cleanup_free char *p3 = xasprintf("%s/subdir", dir);
		assert_int_equal(write_file_atomic(p1, "A=1\n", 4, 0600), 0);
		assert_int_equal(write_file_atomic(p2, "A=1\n", 4, 0600), 0);
		assert_int_equal(mkdir(p3, 0700), 0);
	}
	assert_int_equal(envstore_list(&names), 0);
	for (n = 0; names[n]; n++)
		;
	/* Earlier tests left dev, keep, loose. */
	{
		static const char *want[] = {"Alpha", "dev",   "keep",
					     "loose", "mid.1", "zeta"};
		assert_int_equal(n, 6);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(names[i], want[i]);
	}
	for (size_t i = 0; names[i]; i++)
		free(names[i]);
	free(names);
}

static void test_list_without_dir(void **state)
{
	char **names = NULL;

	(void)state;
	setenv("XDG_CONFIG_HOME", "/nonexistent/paks-test", 1);
	assert_int_equal(envstore_list(&names), 0);
	assert_null(names[0]);
	free(names);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
}

/* A value too long to export is refused whole, never cut (issue 13.8);
 * the longest one that can be exported round-trips exactly. */
static void test_too_long_refused(void **state)
{
	struct envset set = {0}, back = {0};
	size_t max = VARNAME_EXPORT_MAX - 2; /* "B=" + value */
	char *big = xmalloc(2 * 1024 * 1024 + 1);
	cleanup_free char *path = envstore_path("big");
	char *err = NULL;

	(void)state;
	memset(big, 'x', 2 * 1024 * 1024);
	big[2 * 1024 * 1024] = '\0';
	envset_put(&set, "BIG", big);
	assert_int_equal(envstore_save("big", &set, &err), -E2BIG);
	assert_non_null(strstr(err, "BIG is 2097156 bytes long"));
	free(err);
	err = NULL;
	assert_int_not_equal(access(path, F_OK), 0);
	envset_free(&set);
	big[max + 1] = '\0';
	envset_put(&set, "B", big);
	assert_int_equal(envstore_save("big", &set, &err), -E2BIG);
	free(err);
	err = NULL;
	envset_free(&set);
	big[max] = '\0';
	envset_put(&set, "B", big);
	assert_int_equal(envstore_save("big", &set, &err), 0);
	assert_int_equal(envstore_load("big", &back, &err), 0);
	assert_int_equal(strlen(back.vars[0].value), max);
	envset_free(&set);
	envset_free(&back);
	free(big);
}

/* Twenty processes adding one variable each to one environment at once,
 * each a load-change-save under envstore_lock: all twenty are kept
 * (issue 13.6). */
static void test_concurrent_writers(void **state)
{
	struct envset back = {0};
	pid_t pids[20];
	char *err = NULL;

	(void)state;
	for (int i = 0; i < 20; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct envset set = {0};
			char name[8], *e = NULL;
			int fd = envstore_lock(&e);
			if (fd < 0)
				_exit(1);
			/* The first writer finds no file: start empty. */
			envstore_load("race", &set, &e);
			free(e);
			e = NULL;
			snprintf(name, sizeof(name), "V%d", i);
			envset_put(&set, name, "1");
			_exit(envstore_save("race", &set, &e) < 0);
		}
	}
	for (int i = 0; i < 20; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(envstore_load("race", &back, &err), 0);
	assert_int_equal(back.n, 20);
	envset_free(&back);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_env_names),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_format_escapes),
	    cmocka_unit_test(test_parse_comments),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_put_replace_keeps_order),
	};
	const struct CMUnitTest files[] = {
	    cmocka_unit_test(test_save_load_perms),
	    cmocka_unit_test(test_loose_dir_tightened),
	    cmocka_unit_test(test_save_keeps_comments),
	    cmocka_unit_test(test_remove),
	    cmocka_unit_test(test_bad_names_refused),
	    cmocka_unit_test(test_load_error_names_file),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_list_without_dir),
	    cmocka_unit_test(test_too_long_refused),
	    cmocka_unit_test(test_concurrent_writers),
	};
	int failed =
	    cmocka_run_group_tests_name("envstore format", pure, NULL, NULL);

	failed += cmocka_run_group_tests_name("envstore files", files,
					      setup_home, teardown_home);
	return failed ? 1 : 0;
}
