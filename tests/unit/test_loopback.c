/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the loopback check in host/session/engine.c.  A registry on a
 * loopback address is reached over plain HTTP; anything that only looks
 * like one (127.0.0.1.example.com, a path component named localhost) must
 * not be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

static void test_hosts(void **state)
{
	static const char *const yes[] = {
	    "localhost",     "localhost:5000",
	    "127.0.0.1",     "127.0.0.1:5000",
	    "127.1.2.3:80",  "[::1]",
	    "[::1]:5000",    "localhost/img",
	    "127.0.0.1/a/b", NULL,
	};
	static const char *const no[] = {
	    "",
	    "example.com",
	    "localhost.example.com",
	    "127.0.0.1.example.com",
	    "127.0.0",
	    "127.0.0.256",
	    "127.0.0.1.5",
	    "127.0.0.-1",
	    "128.0.0.1",
	    "10.0.0.1",
	    "[::1]x",
	    "[::2]:5000",
	    "[::ffff:127.0.0.1]",
	    "mylocalhost:5000",
	    NULL,
	};

	(void)state;
	for (size_t i = 0; yes[i]; i++) {
		if (!engine_host_is_loopback(yes[i]))
			fail_msg("'%s' not taken as loopback", yes[i]);
	}
	for (size_t i = 0; no[i]; i++) {
		if (engine_host_is_loopback(no[i]))
			fail_msg("'%s' taken as loopback", no[i]);
	}
}

/* A host name longer than any buffer is not loopback, and is not read
 * past. */
static void test_long_host(void **state)
{
	char h[600];

	(void)state;
	memset(h, 'a', sizeof(h) - 1);
	h[sizeof(h) - 1] = '\0';
	memcpy(h, "localhost", 9);
	assert_false(engine_host_is_loopback(h));
}

static void test_refs(void **state)
{
	static const char *const yes[] = {
	    "localhost:5000/img:1",
	    "localhost/img",
	    "127.0.0.1:5000/a/b:t",
	    "[::1]:5000/img",
	    NULL,
	};
	static const char *const no[] = {
	    /* No registry component: an image on the default registry. */
	    "localhost",
	    "img:1",
	    "library/img",
	    "docker.io/library/img",
	    "example.com/localhost/img",
	    "quay.io/127.0.0.1/img",
	    "127.0.0.1.nip.io/img",
	    NULL,
	};

	(void)state;
	for (size_t i = 0; yes[i]; i++) {
		if (!engine_ref_is_loopback(yes[i]))
			fail_msg("'%s' not taken as loopback", yes[i]);
	}
	for (size_t i = 0; no[i]; i++) {
		if (engine_ref_is_loopback(no[i]))
			fail_msg("'%s' taken as loopback", no[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_long_host),
	    cmocka_unit_test(test_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
