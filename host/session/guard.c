/* SPDX-License-Identifier: MIT */
/*
 * The session's guard.  A `kill -9` of paks kills the engine client and the
 * server with it (they die with paks, so that nothing goes on reading the
 * terminal the user's shell takes back), and nothing of paks is left to
 * put the terminal back or remove the container (and the one a remote
 * session fills the engine's volume through): the guard is.  It is a
 * fork of paks that waits on a socket whose other end only paks holds
 * (and its forks, which die with it; close-on-exec keeps it from the
 * programs paks starts): a byte means the session ended as paks meant,
 * EOF that paks died.  A socket, not a pipe: paks's byte to a guard that
 * someone killed must not raise SIGPIPE.
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "guard.h"
#include "log.h"
#include "proc.h"
#include "remote.h"
#include "ssh-share.h"
#include "rundir.h"
#include "session.h"

static void __attribute__((noreturn))
guard_run(struct session *s, const struct termios *tio, int rfd)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	static const int ignored[] = {SIGHUP,  SIGINT,	SIGQUIT, SIGTSTP,
				      SIGTTIN, SIGTTOU, SIGPIPE};
	struct termios cur;
	sigset_t none;
	char b;
	ssize_t n;

	prctl(PR_SET_NAME, "paks-guard", 0, 0, 0);
	/* Out of paks's process group, which the terminal signals; and
	 * tcsetattr from the background must not stop it (TTOU). */
	setpgid(0, 0);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(*ignored); i++)
		sigaction(ignored[i], &ign, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Nothing of paks's but the terminal and the socket stays open. */
	proc_keep_fds(rfd, rfd);
	do
		n = read(rfd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);
	/* paks is gone: a raw terminal is the engine client's or the
	 * proxy's; a cooked one the user's shell has already put back. */
	if (tio && tcgetattr(0, &cur) == 0 && !(cur.c_lflag & ISIG))
		tcsetattr(0, TCSANOW, tio);
	container_remove(s);
	remote_fill_remove(s);
	ssh_share_stop(s);
	rundir_remove(s);
	_exit(0);
}

void guard_start(struct session *s, const struct termios *tio, struct guard *g)
{
	int p[2];

	g->pid = 0;
	g->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) {
		log_debug("no guard: %s", strerror(errno));
		return;
	}
	g->pid = fork();
	if (g->pid == 0) {
		close(p[1]);
		guard_run(s, tio, p[0]);
	}
	close(p[0]);
	if (g->pid < 0) {
		log_debug("no guard: %s", strerror(errno));
		g->pid = 0;
		close(p[1]);
		return;
	}
	g->fd = p[1];
}

void guard_end(struct guard *g)
{
	if (g->pid <= 0)
		return;
	(void)!send(g->fd, "x", 1, MSG_NOSIGNAL);
	close(g->fd);
	proc_wait(g->pid);
	g->pid = 0;
	g->fd = -1;
}
