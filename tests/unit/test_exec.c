/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the dispatcher in host/cmd/exec.c: argument counts checked
 * once from the command table, the cause printed once as a "paks: " line,
 * and each status mapped to the exit status the shell sees.  Only
 * commands that need no engine are run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exec.h"
#include "session.h"
#include "util.h"

struct emitted {
	struct buf out, err, vars;
};

static int record(struct exec_ctx *c, uint32_t type, const void *data,
		  size_t len)
{
	struct emitted *e = c->emit_arg;

	if (type == PAKS_MSG_OUT)
		buf_append(&e->out, data, len);
	else if (type == PAKS_MSG_ERR)
		buf_append(&e->err, data, len);
	else if (type == PAKS_MSG_SETVAR) {
		buf_append(&e->vars, data, len);
		buf_append(&e->vars, "\n", 1);
	}
	return 0;
}

/* Run line; its exit status, with what it wrote in *e (NUL-ended). */
static int run(const char *line, struct emitted *e)
{
	static struct session s;
	struct exec_ctx c = {0};
	int r;

	memset(e, 0, sizeof(*e));
	s.launch_dir = (char *)"/nonexistent";
	c.s = &s;
	c.cwd = (char *)"/";
	c.emit = record;
	c.emit_arg = e;
	c.cancel_fd = -1;
	r = exec_line(&c, line, strlen(line));
	buf_append(&e->out, "", 1);
	buf_append(&e->err, "", 1);
	buf_append(&e->vars, "", 1);
	return r;
}

static void emitted_free(struct emitted *e)
{
	buf_free(&e->out);
	buf_free(&e->err);
	buf_free(&e->vars);
}

static void expect(const char *line, int status, const char *err)
{
	struct emitted e;
	int r = run(line, &e);

	if (r != status || strcmp(e.err.data, err) != 0)
		fail_msg("%s: status %d, error '%s' (want %d, '%s')", line, r,
			 e.err.data, status, err);
	emitted_free(&e);
}

static int setup(void **state)
{
	(void)state;
	/* No user hooks: the lookup sees only directories that do not
	 * exist. */
	setenv("XDG_CONFIG_HOME", "/nonexistent/xdg", 1);
	setenv("PAKS_TEST_HOST_VAR", "from the host", 1);
	unsetenv("PAKS_TEST_UNSET_VAR");
	return 0;
}

static void test_arg_counts(void **state)
{
	(void)state;
	expect("#cp a", 2, "paks: usage: #cp [host:]SRC [host:]DEST\n");
	expect("#cp a b c", 2, "paks: usage: #cp [host:]SRC [host:]DEST\n");
	expect("#size x", 2, "paks: usage: #size \n");
	expect("#diff x", 2, "paks: usage: #diff \n");
	expect("#help x", 2, "paks: usage: #help \n");
	expect("#save a b", 2,
	       "paks: usage: #save [suffix=SUFFIX | NAME[:TAG]]\n");
	expect("#push", 2,
	       "paks: usage: #push [--verbose] REF [tls-verify=false]\n");
	expect("#push a b c", 2,
	       "paks: usage: #push [--verbose] REF [tls-verify=false]\n");
	expect("#push --verbose", 2,
	       "paks: usage: #push [--verbose] REF [tls-verify=false]\n");
	expect("#push a tls-verify=true", 2,
	       "paks: unknown option 'tls-verify=true' (only "
	       "tls-verify=false)\n");
	expect("#export a b", 2,
	       "paks: usage: #export [--force] [--verbose] [FILE]\n");
	expect("#export --force a b", 2,
	       "paks: usage: #export [--force] [--verbose] [FILE]\n");
	expect("#export --quiet a", 2,
	       "paks: unknown option '--quiet' (usage: #export [--force] "
	       "[--verbose] [FILE])\n");
	expect("#envload", 2, "paks: usage: #envload NAME\n");
	expect("#envload a b", 2, "paks: usage: #envload NAME\n");
	expect("#envsave NAME", 2, "paks: usage: #envsave NAME VAR=VALUE...\n");
	expect("#envhost", 2, "paks: usage: #envhost VAR...\n");
}

static void test_not_commands(void **state)
{
	(void)state;
	expect("# a comment", 2,
	       "paks: not a paks command (they start with '#' and a letter; "
	       "see #help)\n");
	expect("#nosuch arg", 127,
	       "paks: unknown command '#nosuch' (see "
	       "#help)\n");
	expect("#a.b", 2, "paks: invalid command name 'a.b'\n");
}

static void test_causes(void **state)
{
	(void)state;
	expect("#cp a b", 2,
	       "paks: exactly one side of #cp is on the host, written "
	       "host:PATH\n");
	expect("#envhost 1BAD", 2, "paks: invalid variable name '1BAD'\n");
	expect("#envhost PAKS_TEST_UNSET_VAR", 1,
	       "paks: 'PAKS_TEST_UNSET_VAR' is not set on the host\n");
	expect("#envsave bad/name A=1", 2,
	       "paks: invalid environment name 'bad/name' (letters, digits, "
	       "'.', '_' and '-', starting with a letter or digit, at most 64 "
	       "characters)\n");
	expect("#envsave ok A", 2, "paks: 'A' is not VAR=VALUE\n");
	expect("#envsave ok 1A=x", 2, "paks: invalid variable name '1A'\n");
}

static void test_ok(void **state)
{
	struct emitted e;

	(void)state;
	assert_int_equal(run("#envhost PAKS_TEST_HOST_VAR", &e), 0);
	assert_string_equal(e.err.data, "");
	assert_string_equal(e.vars.data, "PAKS_TEST_HOST_VAR\0from the host\n");
	assert_non_null(strstr(e.out.data, "copied 1 variable from the host: "
					   "PAKS_TEST_HOST_VAR"));
	emitted_free(&e);
	assert_int_equal(run("#help", &e), 0);
	assert_string_equal(e.err.data, "");
	assert_non_null(strstr(e.out.data, "#cp [host:]SRC [host:]DEST"));
	emitted_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arg_counts),
	    cmocka_unit_test(test_not_commands),
	    cmocka_unit_test(test_causes),
	    cmocka_unit_test(test_ok),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
