/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for recognising and splitting paks command lines
 * (include/words.c): which lines are commands, shell-like quoting without
 * any expansion, and the refusals (unbalanced quotes, over-long lines,
 * control bytes, invalid UTF-8) with their messages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "paks-protocol.h"
#include "words.h"

static int is_cmd(const char *s)
{
	return words_is_command(s, strlen(s));
}

static void test_is_command(void **state)
{
	(void)state;
	assert_true(is_cmd("#save"));
	assert_true(is_cmd("#save suffix=x"));
	assert_true(is_cmd("#Save"));
	assert_true(is_cmd("#cp a b"));
	assert_true(is_cmd("#envload NAME"));
	assert_false(is_cmd("# comment"));
	assert_false(is_cmd("#!"));
	assert_false(is_cmd("#!/bin/bash"));
	assert_false(is_cmd("#"));
	assert_false(is_cmd(""));
	assert_false(is_cmd("##save"));
	assert_false(is_cmd("#1"));
	assert_false(is_cmd("#-x"));
	assert_false(is_cmd("echo #save"));
	assert_false(is_cmd("save"));
	/* The length is honoured, not the NUL. */
	assert_false(words_is_command("#save", 1));
	assert_true(words_is_command("#save", 2));
}

/* Split s and compare with the NULL-terminated list of expected words. */
static void expect_words(const char *s, ...)
{
	struct words w;
	const char *err = NULL;
	const char *want;
	va_list ap;
	int i = 0;

	assert_int_equal(words_split(s, strlen(s), &w, &err), 0);
	assert_non_null(w.argv);
	va_start(ap, s);
	while ((want = va_arg(ap, const char *)) != NULL) {
		assert_true(i < w.argc);
		assert_string_equal(w.argv[i], want);
		i++;
	}
	va_end(ap);
	assert_int_equal(w.argc, i);
	assert_null(w.argv[w.argc]);
	words_free(&w);
	assert_int_equal(w.argc, 0);
	assert_null(w.argv);
}

static void expect_error(const char *s, size_t len, int want_rc,
			 const char *want_err)
{
	struct words w;
	const char *err = NULL;

	assert_int_equal(words_split(s, len, &w, &err), want_rc);
	assert_non_null(err);
	if (want_err)
		assert_string_equal(err, want_err);
	/* Nothing is left allocated on failure. */
	assert_int_equal(w.argc, 0);
	assert_null(w.argv);
}

static void test_split_blanks(void **state)
{
	(void)state;
	expect_words("#save", "#save", NULL);
	expect_words("#cp a b", "#cp", "a", "b", NULL);
	expect_words("  #cp \t a\t\tb  ", "#cp", "a", "b", NULL);
	expect_words("", NULL);
	expect_words("   ", NULL);
}

static void test_split_quotes(void **state)
{
	(void)state;
	expect_words("#cp 'a b' \"c d\"", "#cp", "a b", "c d", NULL);
	expect_words("'a'\"b\"c", "abc", NULL);
	expect_words("x='1 2'y", "x=1 2y", NULL);
	/* Single quotes are literal, backslash included. */
	expect_words("'a\\b' '\"'", "a\\b", "\"", NULL);
	/* Double quotes keep single quotes and blanks. */
	expect_words("\"it's  here\"", "it's  here", NULL);
}

static void test_split_empty_words(void **state)
{
	(void)state;
	expect_words("#envset A ''", "#envset", "A", "", NULL);
	expect_words("'' \"\" x", "", "", "x", NULL);
	expect_words("''", "", NULL);
}

static void test_split_escapes(void **state)
{
	(void)state;
	expect_words("a\\ b c", "a b", "c", NULL);
	expect_words("\\'x\\\"", "'x\"", NULL);
	expect_words("a\\\\b", "a\\b", NULL);
	/* In double quotes only \\ \" \$ \` are escapes. */
	expect_words("\"a\\\"b\"", "a\"b", NULL);
	expect_words("\"\\$HOME \\` \\\\\"", "$HOME ` \\", NULL);
	expect_words("\"a\\nb\"", "a\\nb", NULL);
	expect_error("abc\\", 4, -EINVAL, "trailing backslash");
}

/* Nothing is expanded: command substitution and variables are just text,
 * split at blanks like any other text. */
static void test_split_no_expansion(void **state)
{
	(void)state;
	expect_words("#save suffix=$(touch /tmp/x)", "#save", "suffix=$(touch",
		     "/tmp/x)", NULL);
	expect_words("#save `id` $HOME ~ *", "#save", "`id`", "$HOME", "~", "*",
		     NULL);
	expect_words("a;b|c&d>e", "a;b|c&d>e", NULL);
	expect_words("\"$(rm -rf /)\"", "$(rm -rf /)", NULL);
}

static void test_split_unbalanced(void **state)
{
	(void)state;
	expect_error("#save 'abc", 10, -EINVAL, "unbalanced single quote");
	expect_error("#save \"abc", 10, -EINVAL, "unbalanced double quote");
	expect_error("'", 1, -EINVAL, "unbalanced single quote");
	expect_error("a \"b\\\"", 6, -EINVAL, "unbalanced double quote");
	/* Words already split before the error are freed too. */
	expect_error("a b c 'd", 8, -EINVAL, "unbalanced single quote");
}

static void test_split_too_long(void **state)
{
	size_t big = 64 * 1024;
	char *line = malloc(big + 1);
	struct words w;
	const char *err;

	(void)state;
	assert_non_null(line);
	memset(line, 'a', big);
	line[big] = '\0';
	expect_error(line, big, -E2BIG, "command line too long");
	expect_error(line, PAKS_LINE_MAX + 1, -E2BIG, "command line too long");
	/* Exactly the limit is still fine. */
	assert_int_equal(words_split(line, PAKS_LINE_MAX, &w, &err), 0);
	assert_int_equal(w.argc, 1);
	assert_int_equal(strlen(w.argv[0]), PAKS_LINE_MAX);
	words_free(&w);
	free(line);
}

static void test_split_control_bytes(void **state)
{
	static const char *bad[] = {
	    "#save\n", "a\rb", "a\x1b[31mb", "a\x7f", "\x01", "a\vb",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i], strlen(bad[i]), -EINVAL,
			     "control character in command line");
	/* An embedded NUL counts too: the length is the truth. */
	expect_error("a\0b", 3, -EINVAL, "control character in command line");
	/* Control bytes are refused inside quotes as well. */
	expect_error("'a\nb'", 5, -EINVAL, "control character in command line");
	/* A tab is a blank. */
	expect_words("a\tb", "a", "b", NULL);
}

static void test_split_invalid_utf8(void **state)
{
	static const char *bad[] = {
	    "\xc0\xaf",		    /* overlong '/' */
	    "\xc1\xbf",		    /* overlong, 2 bytes */
	    "\xe0\x80\xaf",	    /* overlong, 3 bytes */
	    "\xf0\x80\x80\xaf",	    /* overlong, 4 bytes */
	    "\xed\xa0\x80",	    /* surrogate U+D800 */
	    "\xed\xbf\xbf",	    /* surrogate U+DFFF */
	    "\xf4\x90\x80\x80",	    /* past U+10FFFF */
	    "\xf8\x88\x80\x80\x80", /* 5-byte form */
	    "\xff",
	    "\x80",	   /* lone continuation */
	    "abc\xe2\x82", /* truncated at the end */
	    "\xe2\x82 x",  /* truncated in the middle */
	    "\xc3",	   /* truncated, 2 bytes */
	    "'caf\xc3'",   /* inside quotes */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(words_valid_utf8(bad[i], strlen(bad[i])));
		expect_error(bad[i], strlen(bad[i]), -EINVAL,
			     "invalid UTF-8 in command line");
	}
}

static void test_split_valid_utf8(void **state)
{
	(void)state;
	expect_words("#save caf\xc3\xa9", "#save", "caf\xc3\xa9", NULL);
	expect_words("'\xe2\x82\xac 5' \xf0\x9f\x98\x80", "\xe2\x82\xac 5",
		     "\xf0\x9f\x98\x80", NULL);
	/* Edges: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000,
	 * U+10FFFF. */
	static const char *good[] = {
	    "\xc2\x80",		"\xdf\xbf",	    "\xe0\xa0\x80",
	    "\xed\x9f\xbf",	"\xee\x80\x80",	    "\xef\xbf\xbf",
	    "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(words_valid_utf8(good[i], strlen(good[i])));
		expect_words(good[i], good[i], NULL);
	}
	assert_true(words_valid_utf8("", 0));
	/* A sequence cut by the length, even with its tail in memory. */
	assert_false(words_valid_utf8("\xe2\x82\xac", 2));
	assert_false(words_valid_utf8("\xf0\x9f\x98\x80", 3));
	assert_false(words_valid_utf8("\xc3\xa9", 1));
	assert_true(words_valid_utf8("\xe2\x82\xac", 3));
	assert_true(words_valid_utf8("plain ascii", 11));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_is_command),
	    cmocka_unit_test(test_split_blanks),
	    cmocka_unit_test(test_split_quotes),
	    cmocka_unit_test(test_split_empty_words),
	    cmocka_unit_test(test_split_escapes),
	    cmocka_unit_test(test_split_no_expansion),
	    cmocka_unit_test(test_split_unbalanced),
	    cmocka_unit_test(test_split_too_long),
	    cmocka_unit_test(test_split_control_bytes),
	    cmocka_unit_test(test_split_invalid_utf8),
	    cmocka_unit_test(test_split_valid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
