/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for host/cmd/exec-path.c: the confinement of #cp and #export host
 * paths to the launch directory.  It is a security boundary: what the user
 * typed in the container must not reach other host files, by absolute
 * paths, "..", or symlinks leading out.
 */
#include <sys/stat.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "exec.h"
#include "session.h"
#include "util.h"

static char root[PATH_MAX]; /* the temporary tree */
static char *launch;	    /* root/launch, the launch directory */
static struct session s;

static void touch(const char *rel)
{
	cleanup_free char *p = xasprintf("%s/%s", root, rel);

	assert_int_equal(write_file_atomic(p, "x", 1, 0644), 0);
}

static void link_to(const char *target, const char *rel)
{
	cleanup_free char *p = xasprintf("%s/%s", root, rel);

	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/paks-test-path-XXXXXX";
	cleanup_free char *dir = NULL;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	/* The launch directory is canonical, as session_prepare makes it. */
	assert_non_null(realpath(tmpl, root));
	launch = xasprintf("%s/launch", root);
	dir = xasprintf("%s/sub", launch);
	assert_int_equal(mkdir_p(dir, 0755), 0);
	touch("launch/a.txt");
	touch("launch/sub/b.txt");
	touch("secret");
	link_to("..", "launch/up");
	link_to("../secret", "launch/secret-link");
	link_to("sub", "launch/in");
	link_to("/", "launch/slash");
	memset(&s, 0, sizeof(s));
	s.launch_dir = launch;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(root);
	free(launch);
	return 0;
}

/* The path exec_host_path gives for p, or NULL; the cause when refused
 * must contain cause_has. */
static char *host_path(const char *p, bool must_exist, const char *cause_has)
{
	char *cause = NULL;
	char *r = exec_host_path(&s, p, must_exist, &cause);

	if (r) {
		assert_null(cause);
		return r;
	}
	assert_non_null(cause);
	if (!strstr(cause, cause_has))
		fail_msg("cause '%s' does not say '%s'", cause, cause_has);
	free(cause);
	return NULL;
}

static void expect_ok(const char *p, bool must_exist, const char *rel)
{
	cleanup_free char *want = xasprintf("%s/%s", launch, rel);
	cleanup_free char *got = host_path(p, must_exist, "");

	if (!got)
		fail_msg("'%s' refused", p);
	assert_string_equal(got, want);
}

static void expect_refused(const char *p, bool must_exist, const char *why)
{
	cleanup_free char *got = host_path(p, must_exist, why);

	if (got)
		fail_msg("'%s' accepted as %s", p, got);
}

static void test_inside(void **state)
{
	(void)state;
	expect_ok("a.txt", true, "a.txt");
	expect_ok("sub/b.txt", true, "sub/b.txt");
	expect_ok("", true, ".");
	expect_ok(".", true, ".");
	/* A symlink that stays inside is fine. */
	expect_ok("in/b.txt", true, "in/b.txt");
	/* New files: only the parent has to exist. */
	expect_ok("new.txt", false, "new.txt");
	expect_ok("sub/new.txt", false, "sub/new.txt");
}

static void test_absolute(void **state)
{
	(void)state;
	expect_refused("/etc/passwd", true, "is absolute");
	expect_refused("/etc/new", false, "is absolute");
	/* Even the launch directory itself, written absolute. */
	expect_refused(launch, true, "is absolute");
}

static void test_dotdot(void **state)
{
	static const char *const bad[] = {
	    "..",
	    "../secret",
	    "sub/../../secret",
	    "../missing",
	    "sub/../../missing",
	    "../nodir/missing",
	    "in/../../secret",
	    NULL,
	};

	(void)state;
	for (size_t i = 0; bad[i]; i++) {
		expect_refused(bad[i], true, "leads outside the launch");
		expect_refused(bad[i], false, "leads outside the launch");
	}
}

/* ".." that stays inside is resolved first, then judged (issue 13.5). */
static void test_dotdot_inside(void **state)
{
	cleanup_free char *r = NULL;
	char *cause = NULL;

	(void)state;
	expect_ok("sub/../a.txt", true, "sub/../a.txt");
	expect_ok("sub/..", true, "sub/..");
	expect_ok("in/../a.txt", true, "in/../a.txt");
	expect_ok("sub/../new.txt", false, "sub/../new.txt");
	/* The resolved form is what `paks path` prints. */
	r = exec_path_confine(launch, "sub/../sub/./b.txt", true, &cause);
	assert_null(cause);
	assert_non_null(r);
	cleanup_free char *want = xasprintf("%s/sub/b.txt", launch);
	assert_string_equal(r, want);
	/* A missing directory inside is just missing. */
	expect_refused("a/../b", true, "No such");
}

/* Outside, existing or not, is one answer: no "No such file" that would
 * tell what exists outside the launch directory. */
static void test_one_answer_outside(void **state)
{
	static const char *const pairs[][2] = {
	    {"../secret", "../missing"},
	    {"up/secret", "up/missing"},
	    {"slash/etc/passwd", "slash/etc/no-such-file"},
	    {"slash/etc", "slash/no-such-dir/x"},
	};
	char *a = NULL, *b = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		for (int must = 0; must < 2; must++) {
			assert_null(
			    exec_path_confine(launch, pairs[i][0], must, &a));
			assert_null(
			    exec_path_confine(launch, pairs[i][1], must, &b));
			if (!strstr(a, "leads outside") ||
			    !strstr(b, "leads outside"))
				fail_msg("'%s' / '%s': '%s' vs '%s'",
					 pairs[i][0], pairs[i][1], a, b);
			free(a);
			free(b);
		}
	}
}

/* A dangling symlink as a new file would be written through: refused. */
static void test_dangling_link(void **state)
{
	(void)state;
	link_to("../nowhere", "launch/dangling");
	expect_refused("dangling", false, "leads outside the launch");
	expect_refused("dangling", true, "leads outside the launch");
}

static void test_symlinks_out(void **state)
{
	(void)state;
	expect_refused("up", true, "leads outside the launch");
	expect_refused("up/secret", true, "leads outside the launch");
	expect_refused("secret-link", true, "leads outside the launch");
	expect_refused("slash/etc/passwd", true, "leads outside the launch");
	/* A new file through a symlink: its parent resolves outside. */
	expect_refused("up/new.txt", false, "leads outside the launch");
	expect_refused("slash/tmp/new.txt", false, "leads outside the launch");
}

static void test_must_exist(void **state)
{
	(void)state;
	expect_refused("missing.txt", true, "host path 'missing.txt': No such");
	expect_refused("nodir/new.txt", false,
		       "host path 'nodir/new.txt': No such");
	expect_refused("sub/missing/x", true, "No such");
}

static void test_unconfined(void **state)
{
	cleanup_free char *got = NULL;

	(void)state;
	s.settings.cp_unconfined = true;
	got = host_path("/etc/passwd", true, "");
	assert_non_null(got);
	assert_string_equal(got, "/etc/passwd");
	expect_ok("../secret", true, "../secret");
	expect_ok("up/secret", true, "up/secret");
	s.settings.cp_unconfined = false;
}

/* A -v mount the container can write: nothing in it or holding it, and
 * the refusal names the mount even when what is there now is a symlink
 * the container made to a path only it has (dangling on the host). */
static void test_rw_bind(void **state)
{
	cleanup_free char *sub = xasprintf("%s/sub", launch);

	(void)state;
	strv_push(&s.rw_binds, sub);
	link_to("/only/in/the/container", "launch/sub/swapped");
	expect_refused("sub/b.txt", true, "which the container can write");
	expect_refused("sub/swapped/", false, "which the container can write");
	expect_refused("sub/swapped", true, "which the container can write");
	expect_refused("sub/new.txt", false, "which the container can write");
	expect_refused(".", true, "which the container can write");
	expect_refused("in/b.txt", true, "which the container can write");
	expect_ok("a.txt", true, "a.txt");
	s.settings.cp_unconfined = true;
	expect_refused("sub/swapped/", false, "which the container can write");
	expect_ok("a.txt", true, "a.txt");
	s.settings.cp_unconfined = false;
	strv_free(&s.rw_binds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inside),
	    cmocka_unit_test(test_absolute),
	    cmocka_unit_test(test_dotdot),
	    cmocka_unit_test(test_dotdot_inside),
	    cmocka_unit_test(test_one_answer_outside),
	    cmocka_unit_test(test_dangling_link),
	    cmocka_unit_test(test_symlinks_out),
	    cmocka_unit_test(test_must_exist),
	    cmocka_unit_test(test_unconfined),
	    cmocka_unit_test(test_rw_bind),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
