/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for /etc/subuid and /etc/subgid parsing (paks doctor).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "subid.h"

static unsigned long count(const char *text, const char *name, uid_t id)
{
	return subid_count(text, strlen(text), name, id);
}

static void test_by_name(void **state)
{
	(void)state;
	assert_int_equal(count("alice:100000:65536\n", "alice", 1000), 65536);
	assert_int_equal(
	    count("bob:100000:65536\nalice:165536:65536\n", "alice", 1000),
	    65536);
	/* No final newline. */
	assert_int_equal(count("alice:100000:65536", "alice", 1000), 65536);
}

static void test_by_number(void **state)
{
	(void)state;
	assert_int_equal(count("1000:100000:4096\n", "alice", 1000), 4096);
	assert_int_equal(count("1001:100000:4096\n", "alice", 1000), 0);
}

static void test_ranges_add_up(void **state)
{
	(void)state;
	assert_int_equal(
	    count("alice:100000:1000\n1000:200000:24\nalice:300000:12\n",
		  "alice", 1000),
	    1036);
}

static void test_not_theirs(void **state)
{
	(void)state;
	assert_int_equal(count("", "alice", 1000), 0);
	/* A prefix or an extension of the name is another user. */
	assert_int_equal(count("alic:100000:65536\n", "alice", 1000), 0);
	assert_int_equal(count("alice2:100000:65536\n", "alice", 1000), 0);
	assert_int_equal(count("alice:100000:65536\n", NULL, 1000), 0);
}

static void test_malformed(void **state)
{
	(void)state;
	assert_int_equal(count("# alice:1:5\n", "alice", 1000), 0);
	assert_int_equal(count("alice:100000\n", "alice", 1000), 0);
	assert_int_equal(count("alice:x:65536\n", "alice", 1000), 0);
	assert_int_equal(count("alice:100000:65536x\n", "alice", 1000), 0);
	assert_int_equal(count("alice:100000:-5\n", "alice", 1000), 0);
	assert_int_equal(count("alice::65536\n", "alice", 1000), 0);
	assert_int_equal(
	    count("alice:1:99999999999999999999999\n", "alice", 1000), 0);
	/* A bad line does not hide a good one after it. */
	assert_int_equal(count("alice:\n\nalice:100000:10\n", "alice", 1000),
			 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_by_name),
	    cmocka_unit_test(test_by_number),
	    cmocka_unit_test(test_ranges_add_up),
	    cmocka_unit_test(test_not_theirs),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
