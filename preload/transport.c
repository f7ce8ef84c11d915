/* SPDX-License-Identifier: MIT */
/*
 * The shell's end of its one connection to paks (host/transport.c has the
 * other).  The launcher connects while it is the container's only process
 * and execs the shell with the socket on PAKS_CHANNEL_FD, naming it and
 * its own pid (the shell's, after exec) in PAKS_ENV_CHANNEL.  Only that
 * process takes it: a nested shell or a program started from the shell
 * never sees the variable (we unset it before bash reads its environment)
 * and never inherits the fd (close-on-exec).  The shell turns
 * non-dumpable, so /proc/PID/mem, ptrace and pidfd_getfd need
 * CAP_SYS_PTRACE, which the engines do not give a container; a socket
 * cannot be opened through /proc/PID/fd at all (ENXIO).
 *
 * A child the shell forks (a subshell, `foo &`, `$(...)`) inherits every
 * fd, close-on-exec or not: a pthread_atfork child handler closes the
 * connection there, so only the shell process itself ever holds it.
 *
 * `exec bash` at the prompt replaces the trusted shell with itself, and
 * only then does our execve pass the fd and its name on: the file the exec
 * would run must be the very file this shell runs (/proc/self/exe, same
 * device and inode, recorded when the channel was taken), and its
 * environment must load this preload (LD_PRELOAD exactly as it was).  A
 * `bash` planted first on PATH, a script with #!, or an exec that drops
 * the preload gets no channel.  We open the target once and exec through
 * that fd (execveat), so what was checked is what runs, whatever is
 * renamed over the path meanwhile.  System calls directly: dlsym would tie
 * us to a newer glibc, and fexecve would want /proc.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paks-protocol.h"
#include "preload.h"

#define PRELOAD_PUBLIC __attribute__((visibility("default")))

extern char **environ;

static int chan_fd = -1;
static pid_t owner;
static int lost;
static dev_t chan_dev;
static ino_t chan_ino;
/* The shell's own program and LD_PRELOAD: what `exec bash` must keep. */
static dev_t exe_dev;
static ino_t exe_ino;
static char *preload_env;
static int atfork_done;

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* fstat() is a GLIBC_2.33 symbol (before, __fxstat): the system call
 * itself loads on any glibc. */
static int stat_fd(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

/* "FD:PID" naming a socket this very process holds. */
static int parse_hint(const char *hint, int *fd)
{
	char *end;
	long n, pid;

	n = strtol(hint, &end, 10);
	if (end == hint || *end != ':' || n < 0 || n > 65535)
		return -1;
	pid = strtol(end + 1, &end, 10);
	if (*end || pid != (long)getpid())
		return -1;
	*fd = (int)n;
	return 0;
}

/* Not unsetenv(): bash exports its own, which before the shell's
 * variables exist does nothing, and bash imports environ right after. */
static void drop_hint(void)
{
	size_t plen = strlen(PAKS_ENV_CHANNEL), k = 0;

	for (size_t i = 0; environ && environ[i]; i++) {
		if (strncmp(environ[i], PAKS_ENV_CHANNEL, plen) == 0 &&
		    environ[i][plen] == '=')
			continue;
		environ[k++] = environ[i];
	}
	if (environ)
		environ[k] = NULL;
}

/* The device and inode of the file at PATH (or of /proc/self/exe),
 * through an O_PATH fd that is kept open in *fdp when fdp is not NULL. */
static int file_identity(const char *path, dev_t *dev, ino_t *ino, int *fdp)
{
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (stat_fd(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return 0;
}

/* fd chan_fd is still our socket (the user may have reused the number). */
static int chan_is_ours(void)
{
	struct stat st;

	return stat_fd(chan_fd, &st) == 0 && st.st_dev == chan_dev &&
	       st.st_ino == chan_ino;
}

/* In every child of a fork: the connection is the shell's alone. */
static void on_fork_child(void)
{
	int e = errno;

	if (chan_fd >= 0 && chan_is_ours())
		close(chan_fd);
	chan_fd = -1;
	errno = e;
}

/* Remember what `exec bash` must keep; without it no exec keeps the
 * channel. */
static void record_shell(void)
{
	const char *pre = getenv("LD_PRELOAD");

	if (file_identity("/proc/self/exe", &exe_dev, &exe_ino, NULL) < 0)
		return;
	free(preload_env);
	preload_env = pre ? strdup(pre) : NULL;
}

void transport_take(void)
{
	const char *hint = getenv(PAKS_ENV_CHANNEL);
	struct stat st;
	int fd, moved;

	if (!hint)
		return;
	if (parse_hint(hint, &fd) == 0 && stat_fd(fd, &st) == 0 &&
	    S_ISSOCK(st.st_mode)) {
		moved = fd >= PAKS_CHANNEL_FD_MIN
			    ? fd
			    : fcntl(fd, F_DUPFD_CLOEXEC, PAKS_CHANNEL_FD_MIN);
		if (moved >= 0) {
			if (moved != fd)
				close(fd);
			fcntl(moved, F_SETFD, FD_CLOEXEC);
			prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
			chan_fd = moved;
			owner = getpid();
			chan_dev = st.st_dev;
			chan_ino = st.st_ino;
			record_shell();
			/* pthread_atfork is libc_nonshared's stub for
			 * __register_atfork (GLIBC_2.3.2): any glibc. */
			if (!atfork_done &&
			    pthread_atfork(NULL, NULL, on_fork_child) == 0)
				atfork_done = 1;
			/* No way to close it in children: nobody holds it. */
			if (!atfork_done)
				transport_lost();
		}
	}
	drop_hint();
}

int transport_fd(void)
{
	if (chan_fd < 0 || getpid() != owner)
		return lost ? -ENXIO : -ENOTCONN;
	/* The user may have reused the number (`exec 100>file`). */
	if (!chan_is_ours()) {
		chan_fd = -1;
		lost = 1;
		return -ENXIO;
	}
	return chan_fd;
}

void transport_lost(void)
{
	if (chan_fd >= 0 && getpid() == owner)
		close(chan_fd);
	chan_fd = -1;
	lost = 1;
}

int transport_send(const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = send(chan_fd, p, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

long transport_recv(void *buf, size_t len)
{
	ssize_t n = recv(chan_fd, buf, len, MSG_DONTWAIT);

	return n < 0 ? -errno : n;
}

/* The trusted shell replacing itself by the same program, which loads
 * this preload again: 1, and *fdp is an O_PATH fd of the file checked. */
static int keeps_channel(const char *path, char *const envp[], int *fdp)
{
	size_t plen = strlen("LD_PRELOAD=");
	const char *pre = NULL;
	dev_t dev;
	ino_t ino;

	if (chan_fd < 0 || getpid() != owner || !preload_env || !path)
		return 0;
	for (size_t i = 0; envp && envp[i]; i++) {
		if (strncmp(envp[i], "LD_PRELOAD=", plen) == 0)
			pre = envp[i] + plen;
	}
	if (!pre || strcmp(pre, preload_env) != 0)
		return 0;
	if (file_identity(path, &dev, &ino, fdp) < 0)
		return 0;
	if (dev == exe_dev && ino == exe_ino)
		return 1;
	close(*fdp);
	return 0;
}

static char **env_with_hint(char *const envp[], char *hint)
{
	size_t n = 0, k = 0, plen = strlen(PAKS_ENV_CHANNEL);
	char **env;

	while (envp && envp[n])
		n++;
	env = malloc((n + 2) * sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(envp[i], PAKS_ENV_CHANNEL, plen) == 0 &&
		    envp[i][plen] == '=')
			continue;
		env[k++] = envp[i];
	}
	env[k++] = hint;
	env[k] = NULL;
	return env;
}

PRELOAD_PUBLIC int execve(const char *path, char *const argv[],
			  char *const envp[])
{
	char hint[64];
	char **env;
	long r;
	int e, exe_fd = -1;

	if (!keeps_channel(path, envp, &exe_fd))
		return (int)syscall(SYS_execve, path, argv, envp);
	snprintf(hint, sizeof(hint), "%s=%d:%ld", PAKS_ENV_CHANNEL, chan_fd,
		 (long)owner);
	env = env_with_hint(envp, hint);
	if (!env) {
		close(exe_fd);
		return (int)syscall(SYS_execve, path, argv, envp);
	}
	fcntl(chan_fd, F_SETFD, 0);
	r = syscall(SYS_execveat, exe_fd, "", argv, env, AT_EMPTY_PATH);
	e = errno;
	fcntl(chan_fd, F_SETFD, FD_CLOEXEC);
	free(env);
	close(exe_fd);
	/* A kernel before 3.19, or a filter that refuses execveat: the
	 * shell still execs, without the channel. */
	if (r < 0 && (e == ENOSYS || e == EPERM))
		return (int)syscall(SYS_execve, path, argv, envp);
	errno = e;
	return (int)r;
}
