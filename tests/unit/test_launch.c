/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the launcher's REPORT as paks reads it
 * (launch_report_parse in host/session/launch-env.c): the bytes come from the
 * container, so only well-formed records count, the first of each kind
 * wins, and ids are numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "launch-env.h"
#include "paks-protocol.h"

#define REP(s) (s), sizeof(s) - 1

static void test_both(void **state)
{
	char *v, *ids;

	(void)state;
	assert_int_equal(launch_report_parse(REP("verdict=pty /bin/sh\0"
						 "ids=1000:100\0"),
					     &v, &ids),
			 0);
	assert_string_equal(v, "pty /bin/sh");
	assert_string_equal(ids, "1000:100");
	free(v);
	free(ids);
}

static void test_first_wins(void **state)
{
	char *v, *ids;

	(void)state;
	assert_int_equal(launch_report_parse(REP("verdict=preload /bin/bash\0"
						 "verdict=pty /evil\0"
						 "ids=5:5\0ids=0:0\0"),
					     &v, &ids),
			 0);
	assert_string_equal(v, "preload /bin/bash");
	assert_string_equal(ids, "5:5");
	free(v);
	free(ids);
}

static void test_bad_ids(void **state)
{
	const char *bad[] = {"ids=1000:\0", "ids=:5\0",	  "ids=1:2:3\0",
			     "ids=x\0",	    "ids=-1:2\0", "ids=1 :2\0"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *v, *ids;
		assert_int_equal(
		    launch_report_parse(bad[i], strlen(bad[i]) + 1, &v, &ids),
		    0);
		assert_null(ids);
		assert_null(v);
	}
}

static void test_unterminated_and_long(void **state)
{
	char *v, *ids, *big = malloc(PAKS_REPORT_MAX + 2);

	(void)state;
	assert_int_equal(
	    launch_report_parse(REP("verdict=pty /bin/sh"), &v, &ids), 0);
	assert_null(v);
	memset(big, 'x', PAKS_REPORT_MAX + 1);
	big[PAKS_REPORT_MAX + 1] = '\0';
	assert_int_equal(
	    launch_report_parse(big, PAKS_REPORT_MAX + 2, &v, &ids), -1);
	assert_null(v);
	assert_null(ids);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_both),
	    cmocka_unit_test(test_first_wins),
	    cmocka_unit_test(test_bad_ids),
	    cmocka_unit_test(test_unterminated_and_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
