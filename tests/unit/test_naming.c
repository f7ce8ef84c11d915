/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for image naming: #save targets, reference checks, archive
 * names, loopback registries and the config --change list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "naming.h"
#include "util.h"

static void expect_target(const char *image, const char *arg, const char *want)
{
	const char *err = NULL;
	char *t = naming_save_target(image, arg, "-saved", &err);

	if (!t)
		fail_msg("%s %s: %s", image, arg ? arg : "(none)", err);
	assert_string_equal(t, want);
	free(t);
}

static void expect_refused(const char *image, const char *arg)
{
	const char *err = NULL;
	char *t = naming_save_target(image, arg, "-saved", &err);

	if (t)
		fail_msg("%s %s: accepted as %s", image, arg ? arg : "", t);
	assert_non_null(err);
}

static void test_default_targets(void **state)
{
	(void)state;
	expect_target("debian:bookworm", NULL, "debian-saved:bookworm");
	expect_target("ubuntu", NULL, "ubuntu-saved:latest");
	expect_target("localhost/paks-test/bookworm", NULL,
		      "localhost/paks-test/bookworm-saved:latest");
	expect_target("127.0.0.1:5000/team/app:v1", NULL,
		      "127.0.0.1:5000/team/app-saved:v1");
	expect_target(
	    "debian@sha256:"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    NULL, "debian-saved:latest");
}

static void test_suffix_and_name(void **state)
{
	(void)state;
	expect_target("debian:bookworm", "suffix=-x", "debian-x:bookworm");
	expect_target("debian:bookworm", "suffix=.v2", "debian.v2:bookworm");
	expect_target("debian:bookworm", "mine/dev:today", "mine/dev:today");
	expect_target("debian:bookworm", "mine", "mine:latest");
	expect_target("debian", "localhost:5000/a/b:c", "localhost:5000/a/b:c");
}

static void test_refused(void **state)
{
	(void)state;
	expect_refused("debian", "suffix=");
	expect_refused("debian", "suffix=$(touch /tmp/x)");
	expect_refused("debian", "suffix=UPPER");
	expect_refused("debian", "Bad/Name");
	expect_refused("debian", "name:bad tag");
	expect_refused("debian", "name:");
	expect_refused("debian", "a//b");
	expect_refused("debian", "tag=x");
	expect_refused("debian", "-leading");
	expect_refused("debian", "x@sha256:00");
	/* Never an option to the engine. */
	expect_refused("debian", "-h.x/y");
	expect_refused("debian", "-h");
	expect_refused("debian", "--help:1");
	/* An image given by id has no name to derive from. */
	expect_refused("0123456789ab", NULL);
	expect_target("0123456789ab", "named:1", "named:1");
}

static void test_parse(void **state)
{
	struct image_ref r;
	const char *err;

	(void)state;
	assert_int_equal(naming_parse("localhost:5000/x/y:z", &r, &err), 0);
	assert_string_equal(r.name, "localhost:5000/x/y");
	assert_string_equal(r.tag, "z");
	naming_free(&r);
	assert_int_equal(naming_parse("localhost:5000/x", &r, &err), 0);
	assert_string_equal(r.name, "localhost:5000/x");
	assert_null(r.tag);
	naming_free(&r);
	assert_true(naming_parse("", &r, &err) < 0);
	assert_true(naming_is_id("0123456789abcdef"));
	assert_false(naming_is_id("debian"));
	assert_false(naming_is_id("0123456789AB"));
}

static void test_archive_name(void **state)
{
	char *s;

	(void)state;
	s = naming_archive_name("localhost/paks-test/bookworm-saved:latest");
	assert_string_equal(s, "bookworm-saved_latest.tar");
	free(s);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(engine_ref_is_loopback("127.0.0.1:5000/a:b"));
	assert_true(engine_ref_is_loopback("127.1.2.3/a"));
	assert_true(engine_ref_is_loopback("localhost:5000/a"));
	assert_true(engine_ref_is_loopback("[::1]:5000/a"));
	assert_false(engine_ref_is_loopback("registry.example.com/a"));
	assert_false(engine_ref_is_loopback("127.0.0.1.example.com/a"));
	assert_false(engine_ref_is_loopback("localhost"));
	assert_false(engine_ref_is_loopback("docker.io/localhost/a"));
}

static void test_config_changes(void **state)
{
	json_error_t je;
	json_t *cfg = json_loads(
	    "{\"Env\":[\"PATH=/bin\",\"Q=\\\"quoted\\\"\",\"S=a b\"],"
	    "\"Cmd\":[\"/bin/bash\"],\"WorkingDir\":\"\",\"User\":\"app\"}",
	    0, &je);
	struct strv a = {0};

	(void)state;
	assert_non_null(cfg);
	engine_config_changes(cfg, false, &a);
	assert_int_equal(a.n, 7);
	assert_string_equal(a.v[0], "--change=CMD [\"/bin/bash\"]");
	assert_string_equal(a.v[1], "--change=ENTRYPOINT []");
	assert_string_equal(a.v[2], "--change=ENV PATH=/bin");
	/* A value wholly in double quotes is wrapped once more. */
	assert_string_equal(a.v[3], "--change=ENV Q=\"\"quoted\"\"");
	assert_string_equal(a.v[4], "--change=ENV S=a b");
	assert_string_equal(a.v[5], "--change=WORKDIR /");
	assert_string_equal(a.v[6], "--change=USER app");
	strv_free(&a);
	json_decref(cfg);
}

/* dockerd reads a change as a Dockerfile line: quoted words, $ escaped. */
static void test_config_changes_words(void **state)
{
	json_error_t je;
	json_t *cfg = json_loads("{\"Env\":[\"S=a b 'q' $x \\\"y\\\" \\\\\"],"
				 "\"Labels\":{\"k k\":\"v$\"}}",
				 0, &je);
	struct strv a = {0};

	(void)state;
	assert_non_null(cfg);
	engine_config_changes(cfg, true, &a);
	assert_int_equal(a.n, 4);
	assert_string_equal(a.v[2],
			    "--change=ENV S=\"a b 'q' \\$x \\\"y\\\" \\\\\"");
	engine_label_changes(cfg, &a);
	assert_int_equal(a.n, 5);
	assert_string_equal(a.v[4], "--change=LABEL \"k k\"=\"v\\$\"");
	strv_free(&a);
	json_decref(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_targets),
	    cmocka_unit_test(test_suffix_and_name),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_archive_name),
	    cmocka_unit_test(test_loopback),
	    cmocka_unit_test(test_config_changes),
	    cmocka_unit_test(test_config_changes_words),
	};
	return cmocka_run_group_tests_name("naming", tests, NULL, NULL);
}
