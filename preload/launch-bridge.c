/* SPDX-License-Identifier: MIT */
/*
 * The launcher's bridge, for an engine that cannot see this machine's
 * files (docker over tcp or ssh, a context, podman remote): there is no
 * host socket to connect to.  Instead the launcher, while it is still the
 * container's only process, listens on a rendezvous of its own: a unix
 * socket in a directory it makes, 0700, in the container's /dev (a tmpfs
 * of the container, never in its layer), reachable only inside the
 * container.  paks then starts
 *
 *   ENGINE exec -i --user=0:0 CONTAINER /dev/.paks/paks-launch --paks-bridge
 *
 * through the engine's own exec API, which crosses tcp and ssh.  The
 * bridge connects to the rendezvous, says so with one byte on its stdout,
 * and from then on copies bytes between its stdin and stdout (paks) and
 * that connection (the launcher).  The launcher accepts exactly one
 * connection, then removes the socket and its directory before it reads a
 * byte: the launch handshake and the shell's connection are then the same
 * as on a local engine.  Nothing else runs in the container while the
 * rendezvous exists, and only the engine's owner can start an exec.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "paks-protocol.h"

static int rendezvous_addr(struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s",
		 PAKS_BRIDGE_DIR_CTR, PAKS_SOCKET_NAME);
	return 0;
}

static void rendezvous_remove(void)
{
	struct sockaddr_un sa;

	rendezvous_addr(&sa);
	unlink(sa.sun_path);
	rmdir(PAKS_BRIDGE_DIR_CTR);
}

/* Wait for the bridge, at most PAKS_BRIDGE_WAIT_MS: the connection
 * (close-on-exec), or -1.  The rendezvous is gone when this returns. */
int launch_rendezvous(void)
{
	struct sockaddr_un sa;
	struct pollfd p;
	int lfd, conn = -1;

	rendezvous_addr(&sa);
	/* A fresh directory: /dev is the container's own tmpfs, made for
	 * this start; anything already there is not ours. */
	if (mkdir(PAKS_BRIDGE_DIR_CTR, 0700) < 0)
		return -1;
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1) < 0) {
		if (lfd >= 0)
			close(lfd);
		rendezvous_remove();
		return -1;
	}
	p.fd = lfd;
	p.events = POLLIN;
	while (conn < 0) {
		int r = poll(&p, 1, PAKS_BRIDGE_WAIT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0 && errno != EINTR && errno != ECONNABORTED)
			break;
	}
	/* Exactly one connection: nothing is left to connect to. */
	close(lfd);
	rendezvous_remove();
	return conn;
}

/* Copy what is readable on FROM to TO: 0, or -1 at the end of FROM or on
 * an error. */
static int pass(int from, int to)
{
	char b[65536];
	ssize_t n = read(from, b, sizeof(b));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = send(to, b + off, (size_t)(n - off), MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = write(to, b + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += w;
	}
	return 0;
}

static int connect_rendezvous(void)
{
	struct sockaddr_un sa;
	struct timespec pause = {0, 10 * 1000 * 1000};

	rendezvous_addr(&sa);
	/* The container may have started a moment before its launcher
	 * listens. */
	for (int i = 0; i < PAKS_BRIDGE_WAIT_MS / 10; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		nanosleep(&pause, NULL);
	}
	return -1;
}

/* paks-launch --paks-bridge: paks's end of the session, carried over the
 * engine's exec stream. */
int launch_bridge(void)
{
	struct pollfd p[2];
	int sock;
	char hello = PAKS_BRIDGE_HELLO;

	/* What this process holds is the session's: nothing in the container
	 * may read or take it. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	sock = connect_rendezvous();
	if (sock < 0 || write(1, &hello, 1) != 1)
		return 1;
	p[0].fd = 0;
	p[1].fd = sock;
	p[0].events = p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[1].revents && pass(sock, 1) < 0)
			return 0;
		if (p[0].fd >= 0 && p[0].revents && pass(0, sock) < 0) {
			/* paks is done writing; the launcher's end may
			 * still have something to say. */
			shutdown(sock, SHUT_WR);
			p[0].fd = -1;
		}
	}
}
