/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for host/cli/run-check.c: the syntax of paks run's --name, -p
 * and -v, checked before anything starts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run-check.h"
#include "util.h"

static void test_names(void **state)
{
	static const char *good[] = {"a", "paks-1", "A.b_c-d", "9x"};
	static const char *bad[] = {"",	  "bad name", "-x",  ".x",
				    "_x", "a/b",      "a:b", "é"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(run_check_name(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (run_check_name(bad[i]))
			fail_msg("name '%s' accepted", bad[i]);
	}
}

static void test_publish(void **state)
{
	static const char *good[] = {"80",
				     "8080:80",
				     "127.0.0.1:8080:80",
				     "127.0.0.1::80",
				     "8000-8010:80-90",
				     "80/udp",
				     "[::1]:80:80",
				     "1:65535/sctp"};
	static const char *bad[] = {
	    "",	   "notaport", "0",   "65536",	 "80/icmp",   "a:80",
	    ":80", "80:",      "9-1", "1:2:3:4", "8080:99999"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!run_check_publish(good[i]))
			fail_msg("-p '%s' refused", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (run_check_publish(bad[i]))
			fail_msg("-p '%s' accepted", bad[i]);
	}
}

static void test_volume(void **state)
{
	char *cause = NULL;

	(void)state;
	assert_int_equal(run_check_volume("/tmp:/x", &cause), 0);
	assert_int_equal(run_check_volume("/tmp:/x:ro,z", &cause), 0);
	assert_int_equal(run_check_volume("named:/data", &cause), 0);
	assert_int_equal(run_check_volume("/nonexistent-paks:/x", &cause), 1);
	assert_non_null(strstr(cause, "does not exist"));
	free(cause);
	cause = NULL;
	assert_int_equal(run_check_volume("/tmp", &cause), EXIT_USAGE);
	free(cause);
	cause = NULL;
	assert_int_equal(run_check_volume("/tmp:rel", &cause), EXIT_USAGE);
	free(cause);
}

/* The mounts the container can write: host paths without "ro", by
 * their real path; named volumes and read-only mounts are not. */
static void test_rw_bind(void **state)
{
	struct strv b = {0};

	(void)state;
	run_volume_rw_bind("/tmp:/x", &b);
	run_volume_rw_bind("/tmp/:/y:rw,z", &b);
	run_volume_rw_bind("/tmp:/x:ro", &b);
	run_volume_rw_bind("/tmp:/x:z,ro", &b);
	run_volume_rw_bind("/tmp:/x:readonly", &b);
	run_volume_rw_bind("named:/data", &b);
	run_volume_rw_bind("/nonexistent-paks:/x", &b);
	run_volume_rw_bind("/tmp", &b);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.v[0], "/tmp");
	assert_string_equal(b.v[1], "/tmp");
	strv_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_publish),
	    cmocka_unit_test(test_volume),
	    cmocka_unit_test(test_rw_bind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
