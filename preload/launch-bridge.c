/* SPDX-License-Identifier: MIT */
/*
 * The launcher's bridge, for an engine that cannot see this machine's
 * files (docker over tcp or ssh, a context, podman remote): there is no
 * host socket to connect to.  Instead the launcher, while it is still the
 * container's only process, listens on a rendezvous of its own: a unix
 * socket in a directory it makes, 0711 (the socket 0666, for the bridge's
 * user), in the container's /dev (a tmpfs of the container, never in its
 * layer), reachable only inside the container.  paks then starts
 *
 *   ENGINE exec -i --user=65534:65534 CONTAINER /dev/.paks/paks-launch \
 *       --paks-bridge
 *
 * through the engine's own exec API, which crosses tcp and ssh.  The
 * bridge connects to the rendezvous, says so with one byte on its stdout,
 * and from then on copies bytes between its stdin and stdout (paks) and
 * that connection (the launcher).  The launcher accepts exactly one
 * bridge, then removes the socket and its directory before it reads a
 * byte: the launch handshake and the shell's connection are then the same
 * as on a local engine.  Only the engine's owner can start an exec, but
 * the engine itself may start one (an image's HEALTHCHECK), so a peer
 * counts as the bridge only when its parent is outside the container's
 * pid namespace (an exec; anything the container starts descends from its
 * first process) and it runs as PAKS_BRIDGE_UID.
 *
 * A fast start (PAKS_LAUNCH_FAST) does not wait: the shell runs while a
 * keeper the launcher forked holds the rendezvous, so a process of the
 * container may reach it.  The keeper takes the bridge by the same test,
 * sends the report, and copies bytes between the bridge and the shell's
 * end of a socket pair.  The bridge, in turn, talks only to a rendezvous
 * the container's first process made (SO_PEERCRED): a socket put in its
 * place by another process is closed before a byte crosses.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
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

int launch_rendezvous_listen(void)
{
	struct sockaddr_un sa;
	int lfd;

	rendezvous_addr(&sa);
	/* A fresh directory: /dev is the container's own tmpfs, made for
	 * this start; anything already there is not ours.  The bridge runs
	 * as PAKS_BRIDGE_UID: it may pass and connect, not list or write. */
	if (mkdir(PAKS_BRIDGE_DIR_CTR, 0711) < 0 ||
	    chmod(PAKS_BRIDGE_DIR_CTR, 0711) < 0)
		return -1;
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sa.sun_path, 0666) < 0 || listen(lfd, 4) < 0) {
		if (lfd >= 0)
			close(lfd);
		rendezvous_remove();
		return -1;
	}
	return lfd;
}

/* Is the peer on FD the bridge: started from outside the container (the
 * engine's exec, whose parent is not in the container's pid namespace: its
 * PPid reads 0; every process the container starts descends from its
 * first one, and an orphan goes to that one, never to 0), as
 * PAKS_BRIDGE_UID (what the engine starts of its own, a HEALTHCHECK, runs
 * as root)? */
static int from_outside(int fd)
{
	struct ucred uc;
	socklen_t n = sizeof(uc);
	char path[64], line[256];
	FILE *f;
	int ok = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &n) < 0 ||
	    uc.pid <= 1 || uc.uid != PAKS_BRIDGE_UID)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)uc.pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "PPid:", 5) == 0) {
			ok = strtol(line + 5, NULL, 10) == 0;
			break;
		}
	}
	fclose(f);
	return ok;
}

/* Wait on LFD for the bridge, at most PAKS_BRIDGE_WAIT_MS: the connection
 * (close-on-exec), or -1.  A connection from anything but a bridge is
 * closed, and the wait goes on: in a fast start the shell runs already,
 * and in any start an image's HEALTHCHECK is an exec too, though as the
 * image's user.  The rendezvous is gone when this returns. */
static int wait_bridge(int lfd)
{
	struct pollfd p = {lfd, POLLIN, 0};
	int conn = -1;

	while (conn < 0) {
		int r = poll(&p, 1, PAKS_BRIDGE_WAIT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0 && errno != EINTR && errno != ECONNABORTED)
			break;
		if (conn >= 0 && !from_outside(conn)) {
			close(conn);
			conn = -1;
		}
	}
	/* Exactly one connection: nothing is left to connect to. */
	close(lfd);
	rendezvous_remove();
	return conn;
}

int launch_rendezvous(void)
{
	int lfd = launch_rendezvous_listen();

	return lfd < 0 ? -1 : wait_bridge(lfd);
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

/* Copy bytes both ways between A and B until both have ended; a side
 * that ended has the other's write side shut.  0, or 1 on an error. */
static int join(int a, int b)
{
	struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (int i = 0; i < 2; i++) {
			int from = i == 0 ? a : b, to = i == 0 ? b : a;
			if (p[i].fd >= 0 && p[i].revents &&
			    pass(from, to) < 0) {
				shutdown(to, SHUT_WR);
				p[i].fd = -1;
			}
		}
	}
	return 0;
}

int launch_keep(int lfd, int shell_end, const struct user *u)
{
	int conn;

	prctl(PR_SET_NAME, "paks-keep", 0, 0, 0);
	/* Out of the shell's session and process group: a Ctrl-C at the
	 * prompt is the shell's, not the keeper's. */
	setsid();
	conn = wait_bridge(lfd);
	/* No bridge: the shell's end reads the end of the session. */
	if (conn < 0 || launch_send_report(conn, "", u) < 0)
		return 1;
	return join(conn, shell_end);
}

/* Is the rendezvous on FD the container's first process's (the
 * launcher's)?  In a fast start it stays while the shell runs, and another
 * process of the container could put a socket of its own in its place. */
static int first_process(int fd)
{
	struct ucred uc;
	socklen_t n = sizeof(uc);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &n) == 0 &&
	       uc.pid == 1;
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
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			if (first_process(fd))
				return fd;
			close(fd);
			return -1;
		}
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
