/* SPDX-License-Identifier: MIT */
/*
 * Host processes: every program paks runs on the host (engine commands,
 * hooks, the editor, the interactive engine client) is started here, with
 * an argv and posix_spawn (fork only where a PTY must become the
 * controlling terminal), and waited for here.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

extern char **environ;

/* An empty signal mask and default dispositions (paks blocks signals for
 * its signalfd and ignores some), and optionally a process group of its
 * own so that cancel can kill it all. */
static void attr_init(posix_spawnattr_t *attr, bool own_group, pid_t pgroup)
{
	sigset_t none, def;

	sigemptyset(&none);
	sigfillset(&def);
	sigdelset(&def, SIGKILL);
	sigdelset(&def, SIGSTOP);
	posix_spawnattr_init(attr);
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &def);
	if (own_group)
		posix_spawnattr_setpgroup(attr, pgroup);
	posix_spawnattr_setflags(
	    attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
		      (own_group ? POSIX_SPAWN_SETPGROUP : 0));
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

static void stream_action(posix_spawn_file_actions_t *fa, int fd,
			  enum proc_stream how, int pipe_w, int own_fd)
{
	if (how == PROC_FD)
		posix_spawn_file_actions_adddup2(fa, own_fd, fd);
	if (how == PROC_NULL)
		posix_spawn_file_actions_addopen(fa, fd, "/dev/null", O_WRONLY,
						 0);
	else if (how == PROC_PIPE)
		posix_spawn_file_actions_adddup2(fa, pipe_w, fd);
	else if (how == PROC_STDERR)
		posix_spawn_file_actions_adddup2(fa, 2, fd);
}

int proc_start(struct proc *p, char *const argv[], const struct proc_opts *o)
{
	static const struct proc_opts none = {0};
	int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int r = 0;

	if (!o)
		o = &none;
	if ((o->out == PROC_PIPE && pipe2(pipes[0], O_CLOEXEC) < 0) ||
	    (o->err == PROC_PIPE && pipe2(pipes[1], O_CLOEXEC) < 0))
		r = -errno;
	/* Without fd 3 a hook still runs; it only cannot set variables. */
	if (r == 0 && o->fd3 && pipe2(pipes[2], O_CLOEXEC) < 0)
		pipes[2][0] = pipes[2][1] = -1;
	if (r < 0) {
		for (int i = 0; i < 3; i++)
			close_pair(pipes[i]);
		return r;
	}
	posix_spawn_file_actions_init(&fa);
	if (o->in_fd > 0)
		posix_spawn_file_actions_adddup2(&fa, o->in_fd, 0);
	else if (!o->stdin_inherit)
		posix_spawn_file_actions_addopen(
		    &fa, 0, o->in ? o->in : "/dev/null", O_RDONLY, 0);
	stream_action(&fa, 1, o->out, pipes[0][1], o->out_fd);
	stream_action(&fa, 2, o->err, pipes[1][1], o->err_fd);
	if (pipes[2][1] >= 0)
		posix_spawn_file_actions_adddup2(&fa, pipes[2][1], 3);
	if (o->dir)
		posix_spawn_file_actions_addchdir_np(&fa, o->dir);
	attr_init(&attr, o->own_group, o->pgroup);
	r = -posix_spawnp(&p->pid, argv[0], &fa, &attr, argv,
			  o->envp ? o->envp : environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 3; i++) {
		if (pipes[i][1] >= 0)
			close(pipes[i][1]);
		p->fd[i] = pipes[i][0];
		if (r < 0 && p->fd[i] >= 0) {
			close(p->fd[i]);
			p->fd[i] = -1;
		}
		if (p->fd[i] >= 0)
			fcntl(p->fd[i], F_SETFL,
			      fcntl(p->fd[i], F_GETFL) | O_NONBLOCK);
	}
	return r;
}

int proc_start_pipe(struct proc *p, pid_t *b_pid, char *const a[],
		    char *const b[], const struct proc_opts *o)
{
	int link[2], err[2] = {-1, -1};
	struct proc pa, pb;
	struct proc_opts oa = {.envp = o->envp,
			       .dir = o->dir,
			       .own_group = true,
			       .out = PROC_FD,
			       .err = o->err};
	struct proc_opts ob = *o;
	int r;

	if (pipe2(link, O_CLOEXEC) < 0)
		return -errno;
	if (o->err == PROC_PIPE && pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		close_pair(link);
		return r;
	}
	if (o->err == PROC_PIPE)
		oa.err = ob.err = PROC_FD;
	oa.out_fd = link[1];
	oa.err_fd = ob.err_fd = err[1];
	r = proc_start(&pa, a, &oa);
	close(link[1]);
	if (r < 0) {
		close(link[0]);
		close_pair(err);
		return r;
	}
	ob.own_group = true;
	ob.pgroup = pa.pid;
	ob.in_fd = link[0];
	r = proc_start(&pb, b, &ob);
	close(link[0]);
	if (err[1] >= 0)
		close(err[1]);
	if (r < 0) {
		proc_kill(pa.pid, SIGKILL);
		proc_wait(pa.pid);
		if (err[0] >= 0)
			close(err[0]);
		return r;
	}
	*p = pb;
	p->pid = pa.pid;
	*b_pid = pb.pid;
	if (err[0] >= 0) {
		fcntl(err[0], F_SETFL, fcntl(err[0], F_GETFL) | O_NONBLOCK);
		p->fd[1] = err[0];
	}
	return 0;
}

void proc_kill(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0)
		kill(pid, sig);
}

void proc_signal_matching(const char *needle, int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		cleanup_free char *path = NULL;
		cleanup_free char *cmd = NULL;
		struct stat st;
		size_t len = 0;

		if (*end || pid <= 1 || pid == getpid())
			continue;
		path = xasprintf("/proc/%ld/cmdline", pid);
		if (stat(path, &st) < 0 || st.st_uid != geteuid() ||
		    read_file(path, 64u << 10, &cmd, &len) < 0)
			continue;
		for (size_t i = 0; i < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		if (len > 0 && strstr(cmd, needle))
			kill((pid_t)pid, sig);
	}
	if (d)
		closedir(d);
}

static void pump_close(struct proc *p, int i)
{
	if (p->fd[i] >= 0)
		close(p->fd[i]);
	p->fd[i] = -1;
}

static void pump_read(struct proc *p, struct proc_sink *sink, int i)
{
	char chunk[16384];
	ssize_t n = read(p->fd[i], chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		pump_close(p, i);
		return;
	}
	sink->data(sink->arg, i, chunk, (size_t)n);
}

/* Read what pipe i holds now, and no more (a child left holding its write
 * end may go on writing), then close it. */
static void pump_drain(struct proc *p, struct proc_sink *sink, int i)
{
	char chunk[16384];
	int avail = 0;

	if (ioctl(p->fd[i], FIONREAD, &avail) < 0)
		avail = 0;
	while (avail > 0 && !sink->stop) {
		size_t want = (size_t)avail < sizeof(chunk) ? (size_t)avail
							    : sizeof(chunk);
		ssize_t n = read(p->fd[i], chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sink->data(sink->arg, i, chunk, (size_t)n);
		avail -= (int)n;
	}
	pump_close(p, i);
}

/* Whether pid has exited, without reaping it: the caller waits for it.
 * One that is not there to wait for (ECHILD) is not waited for here
 * either. */
static bool pump_exited(pid_t pid)
{
	siginfo_t si;
	int r;

	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
	return r == 0 ? si.si_pid == pid : errno == ECHILD;
}

/* After the reads of one round: 1 when the pump is done. */
static int pump_settle(struct proc *p, struct proc_sink *sink)
{
	if (sink->stop) {
		proc_kill(p->pid, SIGKILL);
		for (int i = 0; i < 3; i++)
			pump_close(p, i);
		return 1;
	}
	if (sink->until_exit && pump_exited(p->pid)) {
		for (int i = 0; i < 3; i++) {
			if (p->fd[i] >= 0)
				pump_drain(p, sink, i);
		}
		if (sink->stop)
			proc_kill(p->pid, SIGKILL);
		return 1;
	}
	return p->fd[0] < 0 && p->fd[1] < 0 && p->fd[2] < 0;
}

/* The cancel: TERM at once, KILL 3 s later. */
static void pump_cancel(struct proc *p, struct proc_sink *sink,
			struct pollfd *cancel, time_t *killed_at)
{
	if (cancel->fd >= 0 && cancel->revents && sink->check_cancel &&
	    sink->check_cancel(sink->arg)) {
		sink->cancelled = true;
		proc_kill(p->pid, SIGTERM);
		*killed_at = time(NULL);
	}
	if (*killed_at && time(NULL) - *killed_at >= 3)
		proc_kill(p->pid, SIGKILL);
}

void proc_pump(struct proc *p, struct proc_sink *sink)
{
	/* Readable when p->pid has exited; without it (an old kernel) the
	 * pump looks four times a second. */
	int pidfd =
	    sink->until_exit ? (int)syscall(SYS_pidfd_open, p->pid, 0) : -1;
	struct pollfd pf[5];
	time_t killed_at = 0;

	while (!pump_settle(p, sink)) {
		int ms = killed_at || sink->tick ? 500 : -1;
		for (int i = 0; i < 3; i++) {
			pf[i].fd = p->fd[i];
			pf[i].events = POLLIN;
		}
		pf[3].fd = sink->cancelled ? -1 : sink->cancel_fd;
		pf[3].events = POLLIN;
		pf[4].fd = pidfd;
		pf[4].events = POLLIN;
		if (sink->until_exit && pidfd < 0)
			ms = 250;
		if (sink->tick)
			sink->tick(sink->arg);
		if (poll(pf, 5, ms) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		pump_cancel(p, sink, &pf[3], &killed_at);
		for (int i = 0; i < 3 && !sink->stop; i++) {
			if (p->fd[i] >= 0 && pf[i].revents)
				pump_read(p, sink, i);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
}

int proc_status_code(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

int proc_wait_status(pid_t pid, int *wstatus)
{
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int proc_wait(pid_t pid)
{
	int st;
	int r = proc_wait_status(pid, &st);

	return r < 0 ? r : proc_status_code(st);
}

int proc_reap(pid_t pid, bool block, int *code)
{
	int st;
	pid_t r;

	do
		r = waitpid(pid, &st, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r != pid)
		return 0;
	*code = proc_status_code(st);
	return 1;
}

int proc_reap_within(pid_t pid, int ms, int *code)
{
	uint64_t until = monotonic_ms() + (uint64_t)(ms > 0 ? ms : 0);
	int st;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			*code = proc_status_code(st);
			return 1;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (monotonic_ms() >= until)
			return 0;
		poll(NULL, 0, 10);
	}
}

/* The one stop-wait-kill: the signal, the grace, then KILL.  Only pid is
 * signalled: the servers and engine clients it stops are not group
 * leaders of anything paks means to kill with them. */
int proc_stop(pid_t pid, int sig, int grace_ms)
{
	int code, r;

	if (pid <= 0)
		return -ECHILD;
	if (sig)
		kill(pid, sig);
	r = proc_reap_within(pid, grace_ms, &code);
	if (r != 0) /* ended, or not ours to kill (a pid may be reused) */
		return r > 0 ? code : r;
	kill(pid, SIGKILL);
	return proc_wait(pid);
}

pid_t proc_reap_any(int *code)
{
	int st;
	pid_t pid = waitpid(-1, &st, WNOHANG);

	if (pid > 0)
		*code = proc_status_code(st);
	return pid;
}

struct capture {
	struct buf *b[2];
};

static void capture_data(void *arg, int which, const char *data, size_t len)
{
	struct capture *cap = arg;

	if (which < 2 && cap->b[which])
		buf_append(cap->b[which], data, len);
}

int proc_capture(char *const argv[], struct buf *out, struct buf *err)
{
	struct proc_opts o = {.out = PROC_PIPE,
			      .err = err ? PROC_PIPE : PROC_INHERIT};
	struct capture cap = {{out, err}};
	struct proc_sink sink = {
	    .data = capture_data, .cancel_fd = -1, .arg = &cap};
	struct proc p;
	int r = proc_start(&p, argv, &o);

	if (r < 0)
		return r;
	proc_pump(&p, &sink);
	return proc_wait(p.pid);
}

int proc_run_progress(char *const argv[])
{
	struct proc_opts o = {.out = PROC_STDERR};
	struct proc p;
	int r = proc_start(&p, argv, &o);

	return r < 0 ? r : proc_wait(p.pid);
}

int proc_run_foreground(char *const argv[], int *wstatus)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	posix_spawnattr_t attr;
	sigset_t dflt;
	pid_t pid;
	int r;

	/* As in a shell's foreground job: ^C belongs to the program while it
	 * runs, and paks ignores it until the program is gone. */
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGQUIT);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	r = -posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
	if (r == 0)
		r = proc_wait_status(pid, wstatus);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	posix_spawnattr_destroy(&attr);
	return r;
}

int proc_run_detached(char *const argv[])
{
	struct proc_opts o = {
	    .own_group = true, .out = PROC_NULL, .err = PROC_NULL};
	struct proc p;
	int r = proc_start(&p, argv, &o);

	return r < 0 ? r : proc_wait(p.pid);
}

int proc_die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -1;
	/* paks may have died before the prctl. */
	return getppid() == parent ? 0 : -1;
}

/* Report an exec failure through the close-on-exec pipe, which closes
 * unread when exec succeeds. */
static void __attribute__((noreturn))
exec_or_report(char *const argv[], char *const env_add[], int report)
{
	int err;

	/* The child's own copy of the environment: paks's is unchanged. */
	for (size_t i = 0; env_add && env_add[i]; i++)
		putenv(env_add[i]);
	execvp(argv[0], argv);
	err = errno;
	(void)!write(report, &err, sizeof(err));
	_exit(127);
}

/* Wait for a forked child's exec: 0, or -errno when it failed. */
static int exec_result(pid_t pid, int pfd[2])
{
	int err = pid < 0 ? -errno : 0;
	ssize_t r;

	close(pfd[1]);
	if (pid > 0) {
		do
			r = read(pfd[0], &err, sizeof(err));
		while (r < 0 && errno == EINTR);
		if (r == (ssize_t)sizeof(err)) {
			proc_wait(pid);
			err = -err;
		} else {
			err = 0;
		}
	}
	close(pfd[0]);
	return err;
}

void proc_default_signals(void)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void proc_keep_fds(int a, int b)
{
	unsigned lo = (unsigned)(a < b ? a : b), hi = (unsigned)(a < b ? b : a);

	if (lo > 3)
		close_range(3, lo - 1, 0);
	if (hi > lo + 1 && hi > 3)
		close_range(lo + 1 > 3 ? lo + 1 : 3, hi - 1, 0);
	close_range(hi + 1 > 3 ? hi + 1 : 3, ~0U, 0);
}

static void __attribute__((noreturn))
tied_child(char *const argv[], char *const env_add[], int err_fd, pid_t parent,
	   int report)
{
	if (proc_die_with_parent(parent) < 0)
		_exit(127);
	proc_default_signals();
	if (err_fd >= 0)
		dup2(err_fd, 2);
	exec_or_report(argv, env_add, report);
}

int proc_start_tied(char *const argv[], char *const env_add[], int err_fd,
		    pid_t *pid)
{
	pid_t parent = getpid();
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	*pid = fork();
	if (*pid == 0)
		tied_child(argv, env_add, err_fd, parent, pfd[1]);
	return exec_result(*pid, pfd);
}

/* The child side of proc_start_pty: an exec failure is reported through
 * the close-on-exec pipe, which closes unread when exec succeeds. */
static void __attribute__((noreturn))
pty_child(char *const argv[], char *const env_add[], int slave, int out_fd,
	  int err_fd, const sigset_t *mask, pid_t parent, int report)
{
	/* The engine client sits in a session of its own, so a hangup or a
	 * kill of paks's group does not reach it: it dies with paks. */
	if (proc_die_with_parent(parent) < 0)
		_exit(127);
	sigprocmask(SIG_SETMASK, mask, NULL);
	setsid();
	ioctl(slave, TIOCSCTTY, 0);
	dup2(slave, 0);
	dup2(out_fd >= 0 ? out_fd : slave, 1);
	dup2(err_fd >= 0 ? err_fd : out_fd >= 0 ? out_fd : slave, 2);
	exec_or_report(argv, env_add, report);
}

int proc_start_pty(char *const argv[], char *const env_add[], int slave,
		   int out_fd, int err_fd, const sigset_t *mask, pid_t *pid)
{
	pid_t parent = getpid();
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	*pid = fork();
	if (*pid == 0)
		pty_child(argv, env_add, slave, out_fd, err_fd, mask, parent,
			  pfd[1]);
	return exec_result(*pid, pfd);
}
