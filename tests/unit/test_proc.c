/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the process module (host/base/proc.c): capture of stdout and
 * stderr, exit codes and signals, a missing program, stdin, directory,
 * environment, fd 3, and cancel killing the child's process group.  The
 * children are ordinary coreutils programs started with an argv.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"
#include "util.h"

static size_t sink_total;

static char *text(struct buf *b)
{
	buf_append(b, "", 1);
	return b->data;
}

static void test_capture_streams(void **state)
{
	char *argv[] = {"ls", "/no/such/path/for/paks", NULL};
	char *pargv[] = {"printf", "a b\n", NULL};
	struct buf out = {0}, err = {0};

	(void)state;
	assert_int_equal(proc_capture(pargv, &out, &err), 0);
	assert_string_equal(text(&out), "a b\n");
	assert_int_equal(err.len, 0);
	buf_free(&out);
	assert_int_equal(proc_capture(argv, &out, &err), 2);
	assert_int_equal(out.len, 0);
	assert_non_null(strstr(text(&err), "/no/such/path/for/paks"));
	buf_free(&out);
	buf_free(&err);
}

static void test_capture_merged(void **state)
{
	char *argv[] = {"ls", "/", "/no/such/path/for/paks", NULL};
	struct buf both = {0};

	(void)state;
	assert_int_equal(proc_capture(argv, &both, &both), 2);
	assert_non_null(strstr(text(&both), "/no/such/path/for/paks"));
	assert_non_null(strstr(both.data, "proc"));
	buf_free(&both);
}

static void test_missing_program(void **state)
{
	char *argv[] = {"paks-no-such-program", NULL};
	struct buf out = {0};

	(void)state;
	assert_int_equal(proc_capture(argv, &out, &out), -ENOENT);
	buf_free(&out);
}

static void test_exit_code(void **state)
{
	char *argv[] = {"false", NULL};

	(void)state;
	assert_int_equal(proc_capture(argv, NULL, NULL), 1);
	assert_int_equal(proc_run_progress(argv), 1);
}

static void test_stdin_is_null(void **state)
{
	char *argv[] = {"cat", NULL};
	struct buf out = {0};

	(void)state;
	assert_int_equal(proc_capture(argv, &out, NULL), 0);
	assert_int_equal(out.len, 0);
}

static void sink_data(void *arg, int which, const char *data, size_t len)
{
	struct buf *b = arg;

	buf_append(&b[which], data, len);
}

static void test_dir_env_fd3(void **state)
{
	char *env[] = {"PAKS_TEST=1", NULL};
	char *pwd[] = {"pwd", NULL};
	char *envv[] = {"env", NULL};
	char *dd[] = {"dd",	     "if=/proc/self/cmdline", "of=/dev/fd/3",
		      "status=none", "conv=notrunc",	      NULL};
	struct proc_opts o = {.dir = "/", .out = PROC_PIPE, .err = PROC_PIPE};
	struct buf b[3] = {{0}};
	struct proc_sink sink = {.data = sink_data, .cancel_fd = -1, .arg = b};
	struct proc p;

	(void)state;
	assert_int_equal(proc_start(&p, pwd, &o), 0);
	proc_pump(&p, &sink);
	assert_int_equal(proc_wait(p.pid), 0);
	assert_string_equal(text(&b[0]), "/\n");
	buf_free(&b[0]);

	o.envp = env;
	assert_int_equal(proc_start(&p, envv, &o), 0);
	proc_pump(&p, &sink);
	assert_int_equal(proc_wait(p.pid), 0);
	assert_string_equal(text(&b[0]), "PAKS_TEST=1\n");
	buf_free(&b[0]);

	o.envp = NULL;
	o.fd3 = true;
	assert_int_equal(proc_start(&p, dd, &o), 0);
	proc_pump(&p, &sink);
	assert_int_equal(proc_wait(p.pid), 0);
	/* dd's own command line, NUL-separated, came through fd 3. */
	assert_true(b[2].len > 2);
	assert_string_equal(b[2].data, "dd");
	assert_int_equal(b[0].len, 0);
	assert_int_equal(b[1].len, 0);
	for (int i = 0; i < 3; i++)
		buf_free(&b[i]);
}

static void count_tick(void *arg)
{
	struct buf *b = arg;

	buf_append(&b[2], "t", 1);
}

/* stdin from a file; the tick runs while the child is quiet, because the
 * poll then wakes every half second (sleep 1 outlasts one wakeup however
 * slow the machine). */
static void test_stdin_file_and_tick(void **state)
{
	char path[] = "/tmp/paks-test-proc-XXXXXX";
	char *cat[] = {"cat", NULL};
	char *sleep1[] = {"sleep", "1", NULL};
	struct proc_opts o = {.out = PROC_PIPE, .err = PROC_PIPE, .in = path};
	struct buf b[3] = {{0}};
	struct proc_sink sink = {.data = sink_data, .cancel_fd = -1, .arg = b};
	struct proc p;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "from a file\n", 12), 12);
	close(fd);
	assert_int_equal(proc_start(&p, cat, &o), 0);
	proc_pump(&p, &sink);
	assert_int_equal(proc_wait(p.pid), 0);
	assert_string_equal(text(&b[0]), "from a file\n");
	unlink(path);
	assert_true(proc_start(&p, cat, &o) < 0);

	/* One pipe: without the timeout its end is the only wakeup. */
	o.in = NULL;
	o.err = PROC_NULL;
	sink.tick = count_tick;
	assert_int_equal(proc_start(&p, sleep1, &o), 0);
	proc_pump(&p, &sink);
	assert_int_equal(proc_wait(p.pid), 0);
	assert_true(b[2].len >= 2);
	for (int i = 0; i < 3; i++)
		buf_free(&b[i]);
}

static int always_cancel(void *arg)
{
	(void)arg;
	return 1;
}

static void test_cancel_kills_group(void **state)
{
	char *argv[] = {"sleep", "100", NULL};
	struct proc_opts o = {
	    .own_group = true, .out = PROC_PIPE, .err = PROC_PIPE};
	struct buf b[3] = {{0}};
	int cancel[2];
	struct proc_sink sink = {
	    .data = sink_data, .check_cancel = always_cancel, .arg = b};
	struct proc p;

	(void)state;
	assert_int_equal(pipe(cancel), 0);
	assert_int_equal(write(cancel[1], "x", 1), 1);
	sink.cancel_fd = cancel[0];
	assert_int_equal(proc_start(&p, argv, &o), 0);
	proc_pump(&p, &sink);
	assert_true(sink.cancelled);
	assert_int_equal(proc_wait(p.pid), 128 + SIGTERM);
	close(cancel[0]);
	close(cancel[1]);
}

/* until_exit: the program's exit ends the pump, with all it wrote (more
 * than a pipe holds), though a child it left holds its stdout and fd 3. */
static void test_until_exit(void **state)
{
	char *argv[] = {"sh", "-c",
			"seq 1 100000; printf 'V=1\\0' >&3; "
			"setsid sleep 300 & echo $! >&2; echo last",
			NULL};
	struct proc_opts o = {
	    .own_group = true, .out = PROC_PIPE, .err = PROC_PIPE, .fd3 = true};
	struct buf b[3] = {{0}};
	struct proc_sink sink = {
	    .data = sink_data, .cancel_fd = -1, .arg = b, .until_exit = true};
	struct proc p;
	char *out;

	(void)state;
	assert_int_equal(proc_start(&p, argv, &o), 0);
	proc_pump(&p, &sink);
	assert_int_equal(proc_wait(p.pid), 0);
	out = text(&b[0]);
	assert_non_null(strstr(out, "\n99999\n100000\nlast\n"));
	assert_int_equal(b[2].len, 4);
	assert_memory_equal(b[2].data, "V=1", 4);
	assert_true(atoi(text(&b[1])) > 0);
	kill(atoi(text(&b[1])), SIGKILL);
	for (int i = 0; i < 3; i++)
		buf_free(&b[i]);
}

/* stop: the sink takes no more; the pump KILLs the group and returns. */
static void stop_after_mb(void *arg, int which, const char *data, size_t len)
{
	struct proc_sink *sink = arg;

	(void)which;
	(void)data;
	sink_total += len;
	if (sink_total > (1u << 20))
		sink->stop = true;
}

static void test_stop_kills_group(void **state)
{
	char *argv[] = {"sh", "-c", "yes & yes", NULL};
	struct proc_opts o = {
	    .own_group = true, .out = PROC_PIPE, .err = PROC_PIPE};
	struct proc_sink sink = {.data = stop_after_mb, .cancel_fd = -1};
	struct proc p;

	(void)state;
	sink.arg = &sink;
	sink_total = 0;
	assert_int_equal(proc_start(&p, argv, &o), 0);
	proc_pump(&p, &sink);
	assert_int_equal(proc_wait(p.pid), 128 + SIGKILL);
	assert_true(sink_total > (1u << 20));
	assert_true(sink_total < (1u << 20) + 16384 + 1);
}

static void test_kill_and_reap(void **state)
{
	char *argv[] = {"sleep", "100", NULL};
	struct proc_opts o = {.own_group = true};
	struct proc p;
	int code = -1;

	(void)state;
	assert_int_equal(proc_start(&p, argv, &o), 0);
	assert_int_equal(proc_reap(p.pid, false, &code), 0);
	proc_kill(p.pid, SIGKILL);
	assert_int_equal(proc_reap(p.pid, true, &code), 1);
	assert_int_equal(code, 128 + SIGKILL);
}

/* proc_stop: TERM ends sleep at once; a child that ignores TERM is
 * KILLed after the grace; sig 0 only waits; a stranger is -ECHILD. */
static void test_stop(void **state)
{
	char *sleep_argv[] = {"sleep", "100", NULL};
	char *deaf_argv[] = {"sh", "-c", "trap '' TERM; sleep 100", NULL};
	char *quick_argv[] = {"true", NULL};
	struct proc_opts o = {0};
	struct proc p;
	uint64_t t0;

	(void)state;
	assert_int_equal(proc_start(&p, sleep_argv, &o), 0);
	t0 = monotonic_ms();
	assert_int_equal(proc_stop(p.pid, SIGTERM, 5000), 128 + SIGTERM);
	assert_true(monotonic_ms() - t0 < 2000);

	assert_int_equal(proc_start(&p, deaf_argv, &o), 0);
	poll(NULL, 0, 100); /* let sh set its trap */
	t0 = monotonic_ms();
	assert_int_equal(proc_stop(p.pid, SIGTERM, 300), 128 + SIGKILL);
	assert_true(monotonic_ms() - t0 >= 300);

	assert_int_equal(proc_start(&p, quick_argv, &o), 0);
	assert_int_equal(proc_stop(p.pid, 0, 5000), 0);
	assert_int_equal(proc_stop(p.pid, SIGTERM, 10), -ECHILD);
}

/* A child keeps 0-2 and the two fds it names, in either order, and
 * closes every other one. */
static void test_keep_fds(void **state)
{
	int fds[6], st;

	(void)state;
	for (int i = 0; i < 6; i++)
		fds[i] = open("/dev/null", O_RDONLY);
	for (int order = 0; order < 2; order++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int bad = 0;
			if (order)
				proc_keep_fds(fds[4], fds[1]);
			else
				proc_keep_fds(fds[1], fds[4]);
			for (int fd = 0; fd < 3; fd++)
				bad |= fcntl(fd, F_GETFD) < 0;
			for (int i = 0; i < 6; i++) {
				bool open_now = fcntl(fds[i], F_GETFD) >= 0;
				bad |= open_now != (i == 1 || i == 4);
			}
			_exit(bad);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	for (int i = 0; i < 6; i++)
		close(fds[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capture_streams),
	    cmocka_unit_test(test_keep_fds),
	    cmocka_unit_test(test_capture_merged),
	    cmocka_unit_test(test_missing_program),
	    cmocka_unit_test(test_exit_code),
	    cmocka_unit_test(test_stdin_is_null),
	    cmocka_unit_test(test_dir_env_fd3),
	    cmocka_unit_test(test_stdin_file_and_tick),
	    cmocka_unit_test(test_cancel_kills_group),
	    cmocka_unit_test(test_until_exit),
	    cmocka_unit_test(test_stop_kills_group),
	    cmocka_unit_test(test_kill_and_reap),
	    cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
