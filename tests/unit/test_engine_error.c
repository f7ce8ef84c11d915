/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for engine_error_line in host/session/engine.c: an engine's
 * failure becomes the one line that says what failed.  podman's "2 errors
 * occurred:" says nothing by itself; the first of the errors listed below
 * it is the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "util.h"

static void expect_line(const char *msg, const char *want)
{
	struct buf b = {0};
	char *got;

	buf_printf(&b, "%s", msg);
	got = engine_error_line(&b);
	if (strcmp(got, want) != 0)
		fail_msg("for [%s]: got [%s], want [%s]", msg, got, want);
	free(got);
	buf_free(&b);
}

static void test_plain(void **state)
{
	(void)state;
	expect_line("Error: \"/x\" could not be found on container c: no such "
		    "file or directory\n",
		    "\"/x\" could not be found on container c: no such file or "
		    "directory");
	expect_line("Error response from daemon: Could not find the file /x "
		    "in container c\n",
		    "Error response from daemon: Could not find the file /x in "
		    "container c");
	expect_line("destination \"c:/dev/null\" must be a directory or a "
		    "regular file: got a device\n",
		    "destination \"c:/dev/null\" must be a directory or a "
		    "regular file: got a device");
	expect_line("", "");
	/* The docker CLI may log a consequence before the reason. */
	expect_line("time=\"2026-12-07T03:05:40Z\" level=error msg=\"Can't "
		    "add file /l/data.txt to tar: io: read/write on closed "
		    "pipe\"\nno such directory\n",
		    "no such directory");
	expect_line("time=\"x\" level=error msg=\"only this\"\n",
		    "time=\"x\" level=error msg=\"only this\"");
}

static void test_many(void **state)
{
	(void)state;
	expect_line("Error: 2 errors occurred:\n"
		    "\t* copying to container: copier: put: /etc/hostname "
		    "(/etc/hostname): exists but is not a directory\n"
		    "\t* copying from host: copier: get: \"/l/data.txt\": "
		    "io: read/write on closed pipe\n\n",
		    "copying to container: copier: put: /etc/hostname "
		    "(/etc/hostname): exists but is not a directory");
	expect_line("Error: 1 error occurred:\n"
		    "\t* copying from container: copier: get: copied no items: "
		    "no such file or directory\n",
		    "copying from container: copier: get: copied no items: no "
		    "such file or directory");
	/* Without the list, the line is all there is. */
	expect_line("Error: 3 errors occurred:\n", "3 errors occurred:");
	expect_line("Error: 12 apples occurred:\n\t* x\n",
		    "12 apples occurred:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
