/* SPDX-License-Identifier: MIT */
/*
 * The launcher's relay, for a container started with an entrypoint
 * (`paks run --entrypoint CMD`).  An entrypoint is image code that runs
 * before the shell, often a wrapper such as `daemon & exec "$@"`: whatever
 * it starts would inherit a connection passed through it.  So the launcher
 * never lets the connection cross the entrypoint.  It stays as the
 * container's first process, holding the connection (close-on-exec,
 * non-dumpable), and forks a child that runs the entrypoint with
 *
 *   ENTRYPOINT... paks-launch --paks-take NAME SHELL [ARGS...]
 *
 * When the entrypoint execs into the launcher again, the take stage execs
 * the shell, naming NAME; the shell's preload, once it is non-dumpable,
 * asks the relay on the socket NAME, and the relay hands the connection
 * over (SCM_RIGHTS) only when the asking process is its child itself: the
 * pid the entrypoint was started as, and so the process it exec'd into,
 * never a process it started.  The relay stays to forward signals, reap
 * what the container leaves, and exit with the shell's status.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "paks-protocol.h"

static const int forwarded[] = {SIGTERM, SIGHUP,  SIGINT,
				SIGQUIT, SIGUSR1, SIGUSR2};

/* An abstract socket (it leaves no file behind): NAME without its leading
 * NUL into NAME_OUT. */
static int relay_listen(char *name_out, size_t len, struct sockaddr_un *sa,
			socklen_t *salen)
{
	struct timespec ts;
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(name_out, len, "paks-take-%ld-%ld", (long)getpid(),
		 (long)ts.tv_nsec);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path + 1, name_out, strlen(name_out));
	*salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			     strlen(name_out));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)sa, *salen) < 0 || listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One byte with room for one fd beside it. */
struct fd_msg {
	char byte;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m;
};

static void fd_msg_init(struct fd_msg *f)
{
	memset(f, 0, sizeof(*f));
	f->byte = 'c';
	f->iov.iov_base = &f->byte;
	f->iov.iov_len = 1;
	f->m.msg_iov = &f->iov;
	f->m.msg_iovlen = 1;
	f->m.msg_control = f->u.buf;
	f->m.msg_controllen = sizeof(f->u.buf);
}

static int send_fd(int sock, int fd)
{
	struct fd_msg f;
	struct cmsghdr *c;

	fd_msg_init(&f);
	c = CMSG_FIRSTHDR(&f.m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &f.m, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* One process asks: hand it the connection if it is the child.  1 when
 * handed over. */
static int answer(int lfd, int conn, pid_t child)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	int done = 0;

	if (s < 0)
		return 0;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
	    cr.pid == child)
		done = send_fd(s, conn) == 0;
	close(s);
	return done;
}

/* The child: the entrypoint, with the take stage in front of the shell. */
static void __attribute__((noreturn))
run_entrypoint(const struct user *u, int argc, char **argv, int first,
	       const char *name, const sigset_t *old)
{
	char **av = calloc((size_t)argc + 3, sizeof(*av));
	int n = 0;

	sigprocmask(SIG_SETMASK, old, NULL);
	if (!av)
		_exit(126);
	for (int i = 1; i < first; i++)
		av[n++] = argv[i];
	av[n++] = argv[0];
	av[n++] = (char *)PAKS_LAUNCH_TAKE;
	av[n++] = (char *)name;
	for (int i = first; i < argc; i++)
		av[n++] = argv[i];
	if (u && launch_become_user(u) < 0)
		_exit(126);
	_exit(launch_exec(av));
}

/* Reap; the child's status as a shell reports it, or -1 while it runs. */
static int reap(pid_t child)
{
	int st, code = -1;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid != child)
			continue;
		code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	return code;
}

int launch_relay(int conn, const struct user *u, int argc, char **argv,
		 int first)
{
	struct sockaddr_un sa;
	socklen_t salen;
	char name[64];
	sigset_t mask, old;
	int lfd, sfd, code = -1;
	pid_t child;

	lfd = relay_listen(name, sizeof(name), &sa, &salen);
	if (lfd < 0) {
		fprintf(stderr, "paks: cannot start the entrypoint: %s\n",
			strerror(errno));
		return 126;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(*forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	child = fork();
	if (child == 0)
		run_entrypoint(u, argc, argv, first, name, &old);
	if (child < 0 || sfd < 0) {
		fprintf(stderr, "paks: cannot start the entrypoint: %s\n",
			strerror(errno));
		return 126;
	}
	while (code < 0) {
		struct pollfd p[2] = {{sfd, POLLIN, 0}, {lfd, POLLIN, 0}};
		struct signalfd_siginfo si;
		if (poll(p, lfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGCHLD)
				kill(child, (int)si.ssi_signo);
		}
		code = reap(child);
		if (lfd >= 0 && (p[1].revents & POLLIN) &&
		    answer(lfd, conn, child)) {
			/* Handed over: nothing of it stays here. */
			close(lfd);
			close(conn);
			lfd = conn = -1;
		}
	}
	return code < 0 ? 1 : code;
}

/* paks-launch --paks-take NAME SHELL [ARGS...] */
int launch_take(int argc, char **argv)
{
	char hint[160];

	if (argc < 4) {
		fputs("paks-launch: usage: paks-launch " PAKS_LAUNCH_TAKE
		      " NAME SHELL [ARGS...]\n",
		      stderr);
		return 127;
	}
	/* The connection never crosses an exec: right after one a process is
	 * dumpable, and another process of its user could take an fd it
	 * holds (pidfd_getfd).  The shell's preload, once non-dumpable, asks
	 * the relay itself, from this pid.  The entrypoint may have changed
	 * the environment: the shell loads paks's preload and nothing in
	 * front of it. */
	snprintf(hint, sizeof(hint), "@%s:%ld", argv[2], (long)getpid());
	setenv(PAKS_ENV_CHANNEL, hint, 1);
	setenv("LD_PRELOAD", launch_preload_path(), 1);
	return launch_exec(argv + 3);
}
