/* SPDX-License-Identifier: MIT */
/*
 * The shell's end of its one connection to paks (host/session/transport.c has
 * the other).  The launcher connects while it is the container's only process
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
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>
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
/* Set while forking the keeper of `exec bash`, which keeps the channel. */
static int keeping;

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

	if (keeping)
		return;
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

/* The abstract socket NAME (no leading NUL) in *SA. */
static socklen_t abstract_addr(struct sockaddr_un *sa, const char *name)
{
	size_t n = strnlen(name, sizeof(sa->sun_path) - 1);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* "@NAME:PID": the connection waits with a holder (the launcher's relay,
 * or the keeper of `exec bash`) on the abstract socket NAME, for pid PID
 * alone.  A process is dumpable right after exec, so that another process
 * of the same user could take an fd it inherited (pidfd_getfd, ptrace):
 * the connection therefore never crosses an exec, and is taken only once
 * this process is non-dumpable.  The fd (close-on-exec), or -1. */
static int take_from_holder(const char *hint)
{
	struct sockaddr_un sa;
	char name[sizeof(sa.sun_path)], b;
	const char *colon = strrchr(hint, ':');
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {&b, 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	char *end;
	long pid;
	int s, fd = -1;

	if (hint[0] != '@' || !colon ||
	    (size_t)(colon - hint - 1) >= sizeof(name))
		return -1;
	pid = strtol(colon + 1, &end, 10);
	if (*end || pid != (long)getpid())
		return -1;
	memcpy(name, hint + 1, (size_t)(colon - hint - 1));
	name[colon - hint - 1] = '\0';
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&sa, abstract_addr(&sa, name)) == 0 &&
	    recvmsg(s, &m, MSG_CMSG_CLOEXEC) == 1) {
		c = CMSG_FIRSTHDR(&m);
		if (c && c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	}
	close(s);
	return fd;
}

void transport_take(void)
{
	const char *hint = getenv(PAKS_ENV_CHANNEL);
	struct stat st;
	int fd, moved;

	if (!hint)
		return;
	if (hint[0] == '@')
		fd = take_from_holder(hint);
	else if (parse_hint(hint, &fd) < 0)
		fd = -1;
	if (fd >= 0 && stat_fd(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
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

/* The keeper of `exec bash`: a child forked before the exec, as
 * non-dumpable as the shell, that holds the channel and hands it
 * (SCM_RIGHTS) only to the shell's pid once the new program's preload has
 * made it non-dumpable and asks (take_from_holder); then it ends.  Its
 * pid, and the hint naming it in HINT, or -1. */
static pid_t start_keeper(char *hint, size_t len)
{
	struct sockaddr_un sa;
	struct timespec ts;
	char name[64];
	socklen_t salen;
	pid_t pid;
	int lfd;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(name, sizeof(name), "paks-keep-%ld-%ld", (long)owner,
		 (long)ts.tv_nsec);
	salen = abstract_addr(&sa, name);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -1;
	if (bind(lfd, (struct sockaddr *)&sa, salen) < 0 ||
	    listen(lfd, 4) < 0) {
		close(lfd);
		return -1;
	}
	keeping = 1;
	pid = fork();
	keeping = 0;
	if (pid == 0) {
		struct pollfd p = {lfd, POLLIN, 0};
		/* Long enough for any shell to start; then it ends. */
		while (poll(&p, 1, 30000) > 0) {
			struct ucred cr;
			socklen_t crlen = sizeof(cr);
			int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			char b = 'c';
			struct iovec iov = {&b, 1};
			union {
				char buf[CMSG_SPACE(sizeof(int))];
				struct cmsghdr align;
			} u;
			struct msghdr m = {.msg_iov = &iov,
					   .msg_iovlen = 1,
					   .msg_control = u.buf,
					   .msg_controllen = sizeof(u.buf)};
			struct cmsghdr *c = CMSG_FIRSTHDR(&m);
			if (s < 0)
				continue;
			if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr,
				       &crlen) == 0 &&
			    cr.pid == owner) {
				c->cmsg_level = SOL_SOCKET;
				c->cmsg_type = SCM_RIGHTS;
				c->cmsg_len = CMSG_LEN(sizeof(int));
				memcpy(CMSG_DATA(c), &chan_fd, sizeof(int));
				sendmsg(s, &m, MSG_NOSIGNAL);
				_exit(0);
			}
			close(s);
		}
		_exit(0);
	}
	close(lfd);
	if (pid > 0)
		snprintf(hint, len, "%s=@%s:%ld", PAKS_ENV_CHANNEL, name,
			 (long)owner);
	return pid;
}

PRELOAD_PUBLIC int execve(const char *path, char *const argv[],
			  char *const envp[])
{
	char hint[128];
	char **env;
	long r;
	int e, exe_fd = -1;
	pid_t keeper;

	if (!keeps_channel(path, envp, &exe_fd))
		return (int)syscall(SYS_execve, path, argv, envp);
	keeper = start_keeper(hint, sizeof(hint));
	env = keeper > 0 ? env_with_hint(envp, hint) : NULL;
	if (!env) {
		if (keeper > 0) {
			kill(keeper, SIGKILL);
			waitpid(keeper, NULL, 0);
		}
		close(exe_fd);
		return (int)syscall(SYS_execve, path, argv, envp);
	}
	/* The channel stays close-on-exec: the keeper hands it over. */
	r = syscall(SYS_execveat, exe_fd, "", argv, env, AT_EMPTY_PATH);
	e = errno;
	free(env);
	close(exe_fd);
	kill(keeper, SIGKILL);
	waitpid(keeper, NULL, 0);
	/* A kernel before 3.19, or a filter that refuses execveat: the
	 * shell still execs, without the channel. */
	if (r < 0 && (e == ENOSYS || e == EPERM))
		return (int)syscall(SYS_execve, path, argv, envp);
	errno = e;
	return (int)r;
}
