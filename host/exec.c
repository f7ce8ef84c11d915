/* SPDX-License-Identifier: MIT */
/*
 * The executor core: the command table, which declares each built-in's
 * argument counts and usage; the dispatcher, which splits a line, checks
 * the counts, runs the built-in or hook and turns its result into an exit
 * status; and running host programs with an argv while their output
 * streams back and Ctrl-C can cancel them.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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

static enum exec_status exec_cmd_help(struct exec_ctx *c, int argc, char **argv,
				      char **cause);

const struct exec_cmd exec_commands[] = {
    {"help", 0, 0, "", "list the paks commands", exec_cmd_help},
    {"save", 0, 1, "[suffix=SUFFIX | NAME[:TAG]]",
     "save this container as an image", exec_cmd_save},
    {"push", 1, 2, "REF [tls-verify=false]",
     "save this container and push it to a registry", exec_cmd_push},
    {"export", 0, 1, "[FILE]",
     "save this container as an archive in the launch directory",
     exec_cmd_export},
    {"inspect", 0, -1, "[SECTION...]", "show the container's JSON, or sections",
     exec_cmd_inspect},
    {"size", 0, 0, "", "show the size of the changes and the image",
     exec_cmd_size},
    {"diff", 0, 0, "", "list what changed in the container", exec_cmd_diff},
    {"cp", 2, 2, "[host:]SRC [host:]DEST",
     "copy files between the host and the container", exec_cmd_cp},
    {"envload", 1, 1, "NAME", "export a named environment here",
     exec_cmd_envload},
    {"envsave", 2, -1, "NAME VAR=VALUE...",
     "save variables to a named environment and export them", exec_cmd_envsave},
    {"envhost", 1, -1, "VAR...", "copy variables from the host",
     exec_cmd_envhost},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct exec_cmd *exec_find(const char *name)
{
	for (const struct exec_cmd *e = exec_commands; e->name; e++) {
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

static enum exec_status exec_cmd_help(struct exec_ctx *c, int argc, char **argv,
				      char **cause)
{
	struct hook_list hl = {0};

	(void)argc;
	(void)argv;
	(void)cause;
	exec_out(c, "paks commands (run on the host):\n");
	for (const struct exec_cmd *e = exec_commands; e->name; e++) {
		cleanup_free char *left =
		    xasprintf("#%s %s", e->name, e->usage);
		exec_out(c, "  %-40s %s\n", left, e->summary);
	}
	hooks_list(&c->s->settings, &hl);
	for (size_t i = 0, shown = 0; i < hl.n; i++) {
		if (exec_find(hl.hooks[i].name))
			continue; /* a built-in always wins */
		if (!shown++)
			exec_out(c, "hooks:\n");
		cleanup_free char *left = xasprintf("#%s", hl.hooks[i].name);
		exec_out(c, "  %-40s %s\n", left,
			 hl.hooks[i].description ? hl.hooks[i].description
						 : "(hook)");
	}
	hooks_list_free(&hl);
	exec_out(c, "Lines starting with '# ' or '#!' stay ordinary "
		    "comments.\n");
	return PAKS_CMD_OK;
}

int exec_exit_status(const struct exec_ctx *c, enum exec_status st)
{
	switch (st) {
	case PAKS_CMD_OK:
		return 0;
	case PAKS_CMD_FAIL:
		return 1;
	case PAKS_CMD_USAGE:
		return 2;
	case PAKS_CMD_NOEXEC:
		return 126;
	case PAKS_CMD_NOTFOUND:
		return 127;
	case PAKS_CMD_CANCELLED:
		return 130;
	case PAKS_CMD_EXITED:
		return c->status;
	}
	return 1;
}

static enum exec_status run_builtin(struct exec_ctx *c,
				    const struct exec_cmd *cmd, int argc,
				    char **argv, char **cause)
{
	int n = argc - 1;

	if (n < cmd->args_min || (cmd->args_max >= 0 && n > cmd->args_max)) {
		*cause = xasprintf("usage: #%s %s", cmd->name, cmd->usage);
		return PAKS_CMD_USAGE;
	}
	return cmd->run(c, argc, argv, cause);
}

static enum exec_status run_words(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	const struct exec_cmd *cmd = exec_find(argv[0]);
	cleanup_free char *hook = NULL;
	enum exec_status st;

	if (cmd)
		return run_builtin(c, cmd, argc, argv, cause);
	st = hooks_find(&c->s->settings, argv[0], &hook, cause);
	if (st != PAKS_CMD_OK)
		return st;
	return hooks_run(c, hook, argc, argv, cause);
}

int exec_line(struct exec_ctx *c, const char *line, size_t len)
{
	struct words w;
	const char *err = NULL;
	char *cause = NULL;
	enum exec_status st;

	if (!words_is_command(line, len)) {
		cause = xstrdup("not a paks command (they start with '#' and "
				"a letter; see #help)");
		st = PAKS_CMD_USAGE;
	} else if (words_split(line + 1, len - 1, &w, &err) < 0) {
		cause = xstrdup(err);
		st = PAKS_CMD_USAGE;
	} else {
		st = run_words(c, w.argc, w.argv, &cause);
		words_free(&w);
	}
	if (cause) {
		exec_err(c, "%s", cause);
		free(cause);
	}
	return exec_exit_status(c, st);
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
		const struct spawn_opts *o, char **cause)
{
	int r = exec_spawn(c, argv->v, o);

	if (r < 0)
		*cause =
		    xasprintf("cannot run %s: %s", argv->v[0], strerror(-r));
	return r;
}
