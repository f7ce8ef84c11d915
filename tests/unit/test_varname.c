/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for include/varname.c: the one shell variable name rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "varname.h"

static bool valid(const char *s)
{
	return varname_valid(s, strlen(s));
}

static void test_var_names(void **state)
{
	static const char *good[] = {"A", "_", "a_b", "PATH", "x9", "_1"};
	static const char *bad[] = {"",	 "9a",	"a-b", "a b", "a=b",
				    "é", "a.b", "$A",  " A",  "A\n"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (valid(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_false(varname_valid(NULL, 0));
}

/* Only the first n bytes count: "NAME=value" records are checked in
 * place. */
static void test_prefix(void **state)
{
	(void)state;
	assert_true(varname_valid("NAME=value", 4));
	assert_false(varname_valid("NAME=value", 5));
	assert_false(varname_valid("NAME", 0));
}

/* The names bash keeps read-only, matched whole and by case. */
static void test_shell_readonly(void **state)
{
	static const char *const ro[] = {"BASHOPTS", "BASH_VERSINFO", "EUID",
					 "PPID",     "SHELLOPTS",     "UID"};
	static const char *const rw[] = {"uid",		 "UIDX", "EUI",	 "BASH",
					 "BASH_VERSION", "PATH", "HOME", ""};

	(void)state;
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		assert_true(varname_shell_readonly(ro[i], strlen(ro[i])));
	for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++)
		assert_false(varname_shell_readonly(rw[i], strlen(rw[i])));
	assert_false(varname_shell_readonly("UIDX", 4));
	assert_true(varname_shell_readonly("UIDX", 3));
	assert_false(varname_shell_readonly(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_var_names),
	    cmocka_unit_test(test_prefix),
	    cmocka_unit_test(test_shell_readonly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
