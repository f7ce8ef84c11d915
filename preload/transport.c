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
 * `exec bash` at the prompt replaces the trusted shell with itself: our
 * execve passes the fd and its name on to exactly that exec.  We call the
 * system call directly, since dlsym would tie us to a newer glibc.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
		}
	}
	drop_hint();
}

int transport_fd(void)
{
	struct stat st;

	if (chan_fd < 0 || getpid() != owner)
		return lost ? -ENXIO : -ENOTCONN;
	/* The user may have reused the number (`exec 100>file`). */
	if (stat_fd(chan_fd, &st) < 0 || st.st_dev != chan_dev ||
	    st.st_ino != chan_ino) {
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

/* Only the trusted shell replacing itself by bash keeps the channel. */
static int keeps_channel(const char *path)
{
	const char *base;

	if (chan_fd < 0 || getpid() != owner)
		return 0;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strcmp(base, "bash") == 0;
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
	int e;

	if (!keeps_channel(path))
		return (int)syscall(SYS_execve, path, argv, envp);
	snprintf(hint, sizeof(hint), "%s=%d:%ld", PAKS_ENV_CHANNEL, chan_fd,
		 (long)owner);
	env = env_with_hint(envp, hint);
	if (!env)
		return (int)syscall(SYS_execve, path, argv, envp);
	fcntl(chan_fd, F_SETFD, 0);
	r = syscall(SYS_execve, path, argv, env);
	e = errno;
	fcntl(chan_fd, F_SETFD, FD_CLOEXEC);
	free(env);
	errno = e;
	return (int)r;
}
