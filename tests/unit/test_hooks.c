/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for host/cmd/hooks.c and hook-records.c: hook name validation, the
 * fd-3 NAME=VALUE\0 record format, "# paks:" descriptions, the lookup order
 * over the hook directories, and running a real hook through the executor's
 * spawn.
 */
#include <sys/stat.h>

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

#include "exec.h"
#include "hook-records.h"
#include "hooks.h"
#include "session.h"
#include "settings.h"
#include "util.h"

/* ---- helpers ---- */

struct vars {
	char *name[16];
	char *value[16];
	size_t n;
};

static int collect_cb(void *arg, const char *name, const char *value)
{
	struct vars *v = arg;

	assert_true(v->n < 16);
	v->name[v->n] = xstrdup(name);
	v->value[v->n] = xstrdup(value);
	v->n++;
	return 0;
}

static void vars_free(struct vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->name[i]);
		free(v->value[i]);
	}
	v->n = 0;
}

static int parse(const char *data, size_t len, struct vars *v, const char **err)
{
	struct hook_record_error e;
	int r;

	memset(v, 0, sizeof(*v));
	r = hook_records_parse(data, len, collect_cb, v, &e);
	*err = e.bad ? e.reason : NULL;
	return r;
}

/* A temp tree per test; XDG_CONFIG_HOME and HOME point into it. */
static char tmp[64];

static int tree_setup(void **state)
{
	char *xdg;

	(void)state;
	strcpy(tmp, "/tmp/paks-test-hooks-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	xdg = xasprintf("%s/xdg", tmp);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	free(xdg);
	setenv("HOME", tmp, 1);
	return 0;
}

static int tree_teardown(void **state)
{
	(void)state;
	rm_rf(tmp);
	return 0;
}

static void put(const char *rel, const char *text, mode_t mode)
{
	char *p = xasprintf("%s/%s", tmp, rel);
	char *dir = xstrdup(p);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir_p(dir, 0755), 0);
	free(dir);
	assert_int_equal(write_file_atomic(p, text, strlen(text), mode), 0);
	free(p);
}

static char *tpath(const char *rel)
{
	return xasprintf("%s/%s", tmp, rel);
}

static void expect_find(const struct settings *s, const char *name,
			const char *rel)
{
	char *path = NULL;
	char *want = tpath(rel);

	char *cause = NULL;

	assert_int_equal(hooks_find(s, name, &path, &cause), PAKS_CMD_OK);
	assert_null(cause);
	assert_string_equal(path, want);
	free(path);
	free(want);
}

/* hooks_find's status for a name that is not found; its cause must say
 * what is wrong. */
static enum exec_status find_fails(const struct settings *s, const char *name,
				   const char *cause_has)
{
	char *path = (char *)"untouched";
	char *cause = NULL;
	enum exec_status st = hooks_find(s, name, &path, &cause);

	assert_null(path);
	assert_non_null(cause);
	assert_non_null(strstr(cause, cause_has));
	free(cause);
	return st;
}

/* ---- names ---- */

static void test_valid_names(void **state)
{
	char long_name[80];

	(void)state;
	assert_true(hooks_valid_name("pkgdiff"));
	assert_true(hooks_valid_name("a-b_c9"));
	assert_true(hooks_valid_name("X"));
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	assert_true(hooks_valid_name(long_name));
	long_name[64] = 'a';
	long_name[65] = '\0';
	assert_false(hooks_valid_name(long_name));
	assert_false(hooks_valid_name(NULL));
	assert_false(hooks_valid_name(""));
	assert_false(hooks_valid_name("../x"));
	assert_false(hooks_valid_name(".."));
	assert_false(hooks_valid_name("a/b"));
	assert_false(hooks_valid_name("/bin/sh"));
	assert_false(hooks_valid_name(".hidden"));
	assert_false(hooks_valid_name("-rf"));
	assert_false(hooks_valid_name("a b"));
	assert_false(hooks_valid_name("a.sh"));
	assert_false(hooks_valid_name("a$b"));
	assert_false(hooks_valid_name("caf\xc3\xa9"));
}

/* ---- fd-3 records ---- */

static void test_records_good(void **state)
{
	static const char data[] = "A=1\0"
				   "NL=two\nlines\n\0"
				   "Q=it's \"quoted\" $HOME `x`\0"
				   "EQ=a=b==c\0"
				   "EMPTY=\0"
				   "_x9=last\0";
	struct vars v;
	const char *err;

	(void)state;
	assert_int_equal(parse(data, sizeof(data) - 1, &v, &err), 0);
	assert_null(err);
	assert_int_equal(v.n, 6);
	assert_string_equal(v.name[0], "A");
	assert_string_equal(v.value[0], "1");
	assert_string_equal(v.name[1], "NL");
	assert_string_equal(v.value[1], "two\nlines\n");
	assert_string_equal(v.value[2], "it's \"quoted\" $HOME `x`");
	assert_string_equal(v.name[3], "EQ");
	assert_string_equal(v.value[3], "a=b==c");
	assert_string_equal(v.name[4], "EMPTY");
	assert_string_equal(v.value[4], "");
	assert_string_equal(v.name[5], "_x9");
	vars_free(&v);
}

static void test_records_empty(void **state)
{
	static const char stray[] = "\0\0A=1\0\0";
	struct vars v;
	const char *err;

	(void)state;
	assert_int_equal(parse("", 0, &v, &err), 0);
	assert_int_equal(v.n, 0);
	/* Extra NULs are empty records and carry nothing. */
	assert_int_equal(parse(stray, sizeof(stray) - 1, &v, &err), 0);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.value[0], "1");
	vars_free(&v);
}

static void test_records_missing_eq(void **state)
{
	static const char data[] = "NOEQUALS\0A=1\0";
	struct vars v;
	const char *err;

	(void)state;
	assert_int_equal(parse(data, sizeof(data) - 1, &v, &err), -EINVAL);
	assert_non_null(err);
	assert_non_null(strstr(err, "'='"));
	/* The good record after the bad one is still exported. */
	assert_int_equal(v.n, 1);
	assert_string_equal(v.name[0], "A");
	vars_free(&v);
}

static void test_records_bad_names(void **state)
{
	static const char *const bad[] = {"1A=x",  "A B=x",	    "=x",
					  "A-B=x", "caf\xc3\xa9=x", "A.B=x"};
	struct vars v;
	const char *err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *rec = xasprintf("%s%cOK=1%c", bad[i], 0, 0);
		size_t len = strlen(bad[i]) + 1 + 5;
		assert_int_equal(parse(rec, len, &v, &err), -EINVAL);
		assert_non_null(strstr(err, "invalid variable name"));
		assert_int_equal(v.n, 1);
		assert_string_equal(v.name[0], "OK");
		vars_free(&v);
		free(rec);
	}
}

static void test_records_unterminated(void **state)
{
	static const char data[] = "A=1\0B=2\n";
	struct vars v;
	const char *err;

	(void)state;
	/* `echo B=2 >&3` is the usual mistake: refused, not B="2\n". */
	assert_int_equal(parse(data, sizeof(data) - 1, &v, &err), -EINVAL);
	assert_non_null(strstr(err, "NUL-terminated"));
	assert_int_equal(v.n, 1);
	assert_string_equal(v.name[0], "A");
	vars_free(&v);
}

static int failing_cb(void *arg, const char *name, const char *value)
{
	int *calls = arg;

	(void)name;
	(void)value;
	(*calls)++;
	return -EIO;
}

static void test_records_cb_error_stops(void **state)
{
	static const char data[] = "A=1\0B=2\0";
	struct hook_record_error e;
	int calls = 0;

	(void)state;
	assert_int_equal(
	    hook_records_parse(data, sizeof(data) - 1, failing_cb, &calls, &e),
	    -EIO);
	assert_int_equal(calls, 1);
}

/* ---- descriptions and listing ---- */

static struct hook *find_in(struct hook_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->hooks[i].name, name) == 0)
			return &l->hooks[i];
	}
	return NULL;
}

static void test_descriptions(void **state)
{
	struct settings s = {0};
	struct hook_list l;
	struct hook *h;
	/* A description line, but the file is binary (NUL bytes). */
	static const char binary[] = "# paks: not this\n\x7f"
				     "ELF\0\0\1";
	char *p;

	(void)state;
	put("xdg/paks/hooks/plain", "#!/bin/sh\n# paks:  Say hello  \nexit 0\n",
	    0755);
	put("xdg/paks/hooks/indented",
	    "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n"
	    "  #paks: tab\there\n",
	    0755);
	put("xdg/paks/hooks/late",
	    "#!/bin/sh\n\n\n\n\n\n\n\n\n\n# paks: line eleven\n", 0755);
	put("xdg/paks/hooks/nodesc", "#!/bin/sh\necho hi\n", 0755);
	put("xdg/paks/hooks/prose", "#!/bin/sh\n# this paks: is prose\n", 0755);
	p = tpath("xdg/paks/hooks/bin");
	assert_int_equal(write_file_atomic(p, binary, sizeof(binary) - 1, 0755),
			 0);
	free(p);
	/* Not hooks: not executable, hidden, bad name, a directory. */
	put("xdg/paks/hooks/noexec", "#!/bin/sh\n", 0644);
	put("xdg/paks/hooks/.hidden", "#!/bin/sh\n", 0755);
	put("xdg/paks/hooks/bad.name", "#!/bin/sh\n", 0755);
	put("xdg/paks/hooks/subdir/x", "#!/bin/sh\n", 0755);

	hooks_list(&s, &l);
	assert_int_equal(l.n, 6);
	/* Sorted by name. */
	assert_string_equal(l.hooks[0].name, "bin");
	assert_string_equal(l.hooks[5].name, "prose");
	h = find_in(&l, "plain");
	assert_non_null(h);
	assert_string_equal(h->description, "Say hello");
	p = tpath("xdg/paks/hooks/plain");
	assert_string_equal(h->path, p);
	free(p);
	assert_string_equal(find_in(&l, "indented")->description, "tab here");
	assert_null(find_in(&l, "late")->description);
	assert_null(find_in(&l, "nodesc")->description);
	assert_null(find_in(&l, "prose")->description);
	assert_null(find_in(&l, "bin")->description);
	assert_null(find_in(&l, "noexec"));
	hooks_list_free(&l);
}

/* ---- lookup order ---- */

static void test_dirs_order(void **state)
{
	char *path_list[] = {"/abs/one", "~/two", "relative/ignored",
			     "/abs/one", NULL};
	struct settings s = {.hooks_path = path_list};
	char **dirs = NULL;
	char *want;
	size_t n;

	(void)state;
	hooks_dirs(&s, &dirs);
	for (n = 0; dirs[n]; n++)
		;
	want = tpath("xdg/paks/hooks");
	assert_string_equal(dirs[0], want);
	free(want);
	/* [1] is the shipped directory (next to this test binary). */
	assert_int_equal(n, 4);
	assert_non_null(strstr(dirs[1], "share/paks/hooks"));
	assert_string_equal(dirs[2], "/abs/one");
	want = tpath("two");
	assert_string_equal(dirs[3], want);
	free(want);
	for (size_t i = 0; dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
}

static void test_find_order(void **state)
{
	char *p1 = tpath("p1"), *p2 = tpath("p2");
	char *path_list[] = {p1, p2, NULL};
	struct settings s = {.hooks_path = path_list};
	struct hook_list l;

	(void)state;
	put("xdg/paks/hooks/a", "#!/bin/sh\n# paks: xdg a\n", 0755);
	put("p1/a", "#!/bin/sh\n# paks: p1 a\n", 0755);
	put("p1/b", "#!/bin/sh\n# paks: p1 b\n", 0755);
	put("p2/b", "#!/bin/sh\n", 0755);
	put("p2/c", "#!/bin/sh\n", 0755);
	put("xdg/paks/hooks/e", "#!/bin/sh\n", 0644);
	put("p2/e", "#!/bin/sh\n", 0755);
	put("p1/f", "#!/bin/sh\n", 0644);

	expect_find(&s, "a", "xdg/paks/hooks/a");
	expect_find(&s, "b", "p1/b");
	expect_find(&s, "c", "p2/c");
	/* A non-executable file does not hide a later executable one... */
	expect_find(&s, "e", "p2/e");
	/* ...but alone it is reported as such, not as missing. */
	assert_int_equal(find_fails(&s, "f", "hook 'f' is not executable"),
			 PAKS_CMD_NOEXEC);
	assert_int_equal(find_fails(&s, "nope", "unknown command '#nope'"),
			 PAKS_CMD_NOTFOUND);
	assert_int_equal(
	    find_fails(&s, "../p1/a", "invalid command name '../p1/a'"),
	    PAKS_CMD_USAGE);
	assert_int_equal(find_fails(&s, ".", "invalid command name '.'"),
			 PAKS_CMD_USAGE);

	hooks_list(&s, &l);
	assert_int_equal(l.n, 4); /* a b c e */
	assert_string_equal(find_in(&l, "a")->description, "xdg a");
	assert_string_equal(find_in(&l, "b")->description, "p1 b");
	assert_non_null(find_in(&l, "e"));
	hooks_list_free(&l);
	free(p1);
	free(p2);
}

/* ---- running a hook ---- */

struct emitted {
	struct buf out, err;
	struct vars vars;
};

static int record_emit(struct exec_ctx *c, uint32_t type, const void *data,
		       size_t len)
{
	struct emitted *e = c->emit_arg;
	const char *d = data;

	if (type == PAKS_MSG_OUT)
		buf_append(&e->out, data, len);
	else if (type == PAKS_MSG_ERR)
		buf_append(&e->err, data, len);
	else if (type == PAKS_MSG_SETVAR) {
		size_t nl = strlen(d);
		char *value = strndup(d + nl + 1, len - nl - 1);
		collect_cb(&e->vars, d, value);
		free(value);
	}
	return 0;
}

static int run_hook(const char *script, int argc, char **argv,
		    struct emitted *e)
{
	struct session s = {0};
	struct exec_ctx c = {0};
	char *path = tpath("run/hook");
	char *cause = NULL;
	enum exec_status st;
	int r;

	put("run/hook", script, 0755);
	memset(e, 0, sizeof(*e));
	s.eng.path = (char *)"podman";
	s.container = (char *)"paks-test1";
	s.image = (char *)"localhost/img:1";
	s.image_id = (char *)"abc123";
	s.launch_dir = tpath("launch");
	strv_push(&s.eng.args, "--root");
	strv_push(&s.eng.args, "/a b");
	assert_int_equal(mkdir_p(s.launch_dir, 0755), 0);
	c.s = &s;
	c.cwd = (char *)"/root/src";
	c.emit = record_emit;
	c.emit_arg = e;
	c.cancel_fd = -1;
	setenv("PAKS_IMAGE", "stale-value-from-the-host", 1);
	/* As exec_line does: the cause printed once, the status mapped. */
	st = hooks_run(&c, path, argc, argv, &cause);
	if (cause)
		exec_err(&c, "%s", cause);
	free(cause);
	r = exec_exit_status(&c, st);
	strv_free(&s.eng.args);
	free(s.launch_dir);
	free(path);
	return r;
}

static void emitted_free(struct emitted *e)
{
	buf_free(&e->out);
	buf_free(&e->err);
	vars_free(&e->vars);
}

static void test_run_env_and_args(void **state)
{
	static const char script[] =
	    "#!/bin/sh\n"
	    "printf '%s|' \"$PAKS_ENGINE\" \"$PAKS_CONTAINER\" "
	    "\"$PAKS_IMAGE\" \"$PAKS_IMAGE_ID\" \"$PAKS_LAUNCH_DIR\" "
	    "\"$PAKS_SHELL_CWD\" \"$(pwd)\" \"$#\" \"$1\" \"$2\" "
	    "\"$PAKS_TEST_USER_VAR\" \"$PAKS_ENGINE_ARGS\"\n"
	    "printf 'V=a\\nb \"c\"\\0W=\\0' >&3\n";
	char *argv[] = {"myhook", "one arg", "$two", NULL};
	struct emitted e;
	char *want;

	(void)state;
	setenv("PAKS_TEST_USER_VAR", "kept", 1);
	assert_int_equal(run_hook(script, 3, argv, &e), 0);
	want =
	    xasprintf("podman|paks-test1|localhost/img:1|abc123|%s/launch|"
		      "/root/src|%s/launch|2|one arg|$two|kept|--root\n/a b|",
		      tmp, tmp);
	assert_string_equal(e.out.data, want);
	free(want);
	assert_null(e.err.data);
	assert_int_equal(e.vars.n, 2);
	assert_string_equal(e.vars.name[0], "V");
	assert_string_equal(e.vars.value[0], "a\nb \"c\"");
	assert_string_equal(e.vars.name[1], "W");
	assert_string_equal(e.vars.value[1], "");
	emitted_free(&e);
}

static void test_run_failure(void **state)
{
	static const char script[] = "#!/bin/sh\necho oops >&2\n"
				     "printf 'V=1\\0' >&3\nexit 3\n";
	char *argv[] = {"bad", NULL};
	struct emitted e;

	(void)state;
	assert_int_equal(run_hook(script, 1, argv, &e), 3);
	assert_non_null(strstr(e.err.data, "oops\n"));
	assert_non_null(strstr(e.err.data, "paks: hook 'bad' exited with "
					   "status 3"));
	/* A failed hook's variables are not exported. */
	assert_int_equal(e.vars.n, 0);
	emitted_free(&e);
}

static void test_run_bad_records(void **state)
{
	static const char script[] = "#!/bin/sh\nprintf 'OK=1\\0' >&3\n"
				     "echo 'NOT=terminated' >&3\n";
	char *argv[] = {"recs", NULL};
	struct emitted e;

	(void)state;
	assert_int_equal(run_hook(script, 1, argv, &e), 1);
	assert_int_equal(e.vars.n, 1);
	assert_string_equal(e.vars.name[0], "OK");
	assert_non_null(strstr(e.err.data, "paks: hook 'recs': skipped 1 bad "
					   "variable record"));
	assert_non_null(strstr(e.err.data, "'NOT'"));
	emitted_free(&e);
}

static void test_run_not_startable(void **state)
{
	static const char script[] = "#!/nonexistent/interpreter\n";
	char *argv[] = {"broken", NULL};
	struct emitted e;

	(void)state;
	assert_int_equal(run_hook(script, 1, argv, &e), 127);
	assert_non_null(strstr(e.err.data, "paks: hook 'broken' could not "
					   "be started"));
	emitted_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_names),
	    cmocka_unit_test(test_records_good),
	    cmocka_unit_test(test_records_empty),
	    cmocka_unit_test(test_records_missing_eq),
	    cmocka_unit_test(test_records_bad_names),
	    cmocka_unit_test(test_records_unterminated),
	    cmocka_unit_test(test_records_cb_error_stops),
	    cmocka_unit_test_setup_teardown(test_descriptions, tree_setup,
					    tree_teardown),
	    cmocka_unit_test_setup_teardown(test_dirs_order, tree_setup,
					    tree_teardown),
	    cmocka_unit_test_setup_teardown(test_find_order, tree_setup,
					    tree_teardown),
	    cmocka_unit_test_setup_teardown(test_run_env_and_args, tree_setup,
					    tree_teardown),
	    cmocka_unit_test_setup_teardown(test_run_failure, tree_setup,
					    tree_teardown),
	    cmocka_unit_test_setup_teardown(test_run_bad_records, tree_setup,
					    tree_teardown),
	    cmocka_unit_test_setup_teardown(test_run_not_startable, tree_setup,
					    tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
