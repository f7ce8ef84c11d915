/* SPDX-License-Identifier: MIT */
/*
 * The executor core: split a command line, find the built-in or hook, and
 * run host programs with an argv while their output streams back and
 * Ctrl-C can cancel them.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "hooks.h"
#include "log.h"
#include "session.h"
#include "words.h"

extern char **environ;

void exec_write(struct exec_ctx *c, uint32_t type, const void *d, size_t n)
{
	if (c->emit)
		c->emit(c, type, d, n);
}

static void exec_vwrite(struct exec_ctx *c, uint32_t type, const char *pfx,
			const char *fmt, va_list ap)
{
	char *s;
	int n = vasprintf(&s, fmt, ap);

	if (n < 0)
		return;
	if (pfx) {
		char *t = xasprintf("%s%s\n", pfx, s);
		exec_write(c, type, t, strlen(t));
		free(t);
	} else {
		exec_write(c, type, s, (size_t)n);
	}
	free(s);
}

void exec_out(struct exec_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	exec_vwrite(c, PAKS_MSG_OUT, NULL, fmt, ap);
	va_end(ap);
}

void exec_err(struct exec_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	exec_vwrite(c, PAKS_MSG_ERR, "paks: ", fmt, ap);
	va_end(ap);
}

void exec_setvar(struct exec_ctx *c, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *rec = xmalloc(nl + vl + 1);

	memcpy(rec, name, nl);
	rec[nl] = '\0';
	memcpy(rec + nl + 1, value, vl);
	exec_write(c, PAKS_MSG_SETVAR, rec, nl + 1 + vl);
	free(rec);
}

const struct exec_cmd *exec_find(const char *name)
{
	for (const struct exec_cmd *e = exec_commands; e->name; e++) {
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

int exec_line(struct exec_ctx *c, const char *line, size_t len)
{
	struct words w;
	const char *err = NULL;
	const struct exec_cmd *cmd;
	cleanup_free char *hook = NULL;
	int r;

	if (!words_is_command(line, len)) {
		exec_err(c, "not a paks command (they start with '#' and a "
			    "letter; see #help)");
		return 2;
	}
	r = words_split(line + 1, len - 1, &w, &err);
	if (r < 0) {
		exec_err(c, "%s", err);
		return 2;
	}
	cmd = exec_find(w.argv[0]);
	if (cmd) {
		r = cmd->run(c, w.argc, w.argv);
	} else {
		r = hooks_find(&c->s->settings, w.argv[0], &hook);
		if (r == 0) {
			r = hooks_run(c, hook, w.argc, w.argv);
		} else if (r == -EINVAL) {
			exec_err(c, "invalid command name '%s'", w.argv[0]);
			r = 2;
		} else if (r == -EACCES) {
			exec_err(c, "hook '%s' is not executable (chmod +x it)",
				 w.argv[0]);
			r = 126;
		} else {
			exec_err(c, "unknown command '#%s' (see #help)",
				 w.argv[0]);
			r = 127;
		}
	}
	words_free(&w);
	return r;
}

static void set_fl(int fd, int flags)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | flags);
}

static void kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0)
		kill(pid, sig);
}

struct spawn_pipes {
	int fd[3]; /* stdout, stderr, fd 3 */
};

static void spawn_io_setup(posix_spawn_file_actions_t *fa,
			   const struct spawn_opts *o, int out[2], int err[2],
			   int f3[2])
{
	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(fa, out[1], 1);
	if (o && o->quiet_stderr)
		posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY,
						 0);
	else
		posix_spawn_file_actions_adddup2(fa, err[1], 2);
	if (f3[1] >= 0)
		posix_spawn_file_actions_adddup2(fa, f3[1], 3);
}

static pid_t spawn_child(char *const argv[], const struct spawn_opts *o,
			 const char *dir, int out[2], int err[2], int f3[2])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	pid_t pid;
	int r;

	spawn_io_setup(&fa, o, out, err, f3);
	if (dir)
		posix_spawn_file_actions_addchdir_np(&fa, dir);
	spawn_attr_init(&attr, true);
	r = posix_spawnp(&pid, argv[0], &fa, &attr, argv,
			 o && o->envp ? o->envp : environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	return pid;
}

static void relay(struct exec_ctx *c, const struct spawn_opts *o, int which,
		  const char *data, size_t n)
{
	if (which == 0 && o && o->out)
		buf_append(o->out, data, n);
	else if (which == 2)
		buf_append(o->fd3, data, n);
	else
		exec_write(c, which == 0 ? PAKS_MSG_OUT : PAKS_MSG_ERR, data,
			   n);
}

/* Pump the child's pipes until they close; on cancel, TERM then KILL its
 * process group. */
static void pump(struct exec_ctx *c, const struct spawn_opts *o, pid_t pid,
		 int fds[3])
{
	struct pollfd p[4];
	char chunk[16384];
	time_t killed_at = 0;

	for (;;) {
		int open_fds = 0;
		for (int i = 0; i < 3; i++) {
			p[i].fd = fds[i];
			p[i].events = POLLIN;
			open_fds += fds[i] >= 0;
		}
		if (!open_fds)
			break;
		p[3].fd = c->cancelled ? -1 : c->cancel_fd;
		p[3].events = POLLIN;
		if (poll(p, 4, killed_at ? 500 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[3].fd >= 0 && p[3].revents && c->check_cancel &&
		    c->check_cancel(c)) {
			c->cancelled = true;
			kill_group(pid, SIGTERM);
			killed_at = time(NULL);
		}
		if (killed_at && time(NULL) - killed_at >= 3)
			kill_group(pid, SIGKILL);
		for (int i = 0; i < 3; i++) {
			ssize_t n;
			if (fds[i] < 0 || !p[i].revents)
				continue;
			n = read(fds[i], chunk, sizeof(chunk));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				close(fds[i]);
				fds[i] = -1;
				continue;
			}
			relay(c, o, i, chunk, (size_t)n);
		}
	}
}

int exec_spawn(struct exec_ctx *c, char *const argv[],
	       const struct spawn_opts *o)
{
	int out[2], err[2], f3[2] = {-1, -1};
	int fds[3];
	pid_t pid;
	int st;

	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	if (o && o->fd3 && pipe2(f3, O_CLOEXEC) < 0)
		f3[0] = f3[1] = -1;
	pid = spawn_child(argv, o, o && o->dir ? o->dir : c->s->launch_dir, out,
			  err, f3);
	close(out[1]);
	close(err[1]);
	if (f3[1] >= 0)
		close(f3[1]);
	fds[0] = out[0];
	fds[1] = err[0];
	fds[2] = f3[0];
	if (pid < 0) {
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return (int)pid;
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			set_fl(fds[i], O_NONBLOCK);
	pump(c, o, pid, fds);
	st = wait_exit_code(pid);
	if (c->cancelled && st >= 0)
		return 130;
	return st;
}

int exec_engine(struct exec_ctx *c, struct strv *argv,
		const struct spawn_opts *o)
{
	int r = exec_spawn(c, argv->v, o);

	if (r < 0)
		exec_err(c, "cannot run %s: %s", argv->v[0], strerror(-r));
	return r;
}
