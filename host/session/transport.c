/* SPDX-License-Identifier: MIT */
/*
 * The session's one connection.  paks listens on a unix socket in the
 * runtime directory before it starts the engine; the container's first
 * process, the launcher, connects while it is the only process in the
 * container, and paks accepts that single connection and removes the
 * socket.  Whatever runs in the container later finds no socket to
 * connect to, and a socket fd cannot be opened through /proc/PID/fd
 * (ENXIO).  An engine that cannot see this machine's files gets the same
 * kind of connection another way: the bridge through its exec (remote.c).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "paks-protocol.h"
#include "transport.h"

static int socket_path(const char *dir, struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir,
		     PAKS_SOCKET_NAME);
	return n < 0 || (size_t)n >= sizeof(sa->sun_path) ? -ENAMETOOLONG : 0;
}

int transport_listen(const char *dir)
{
	struct sockaddr_un sa;
	int fd, r = socket_path(dir, &sa);

	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* 0600: the container's root is paks's user (rootless) or root
	 * itself; nobody else on the host may connect either. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sa.sun_path, 0600) < 0 || listen(fd, 1) < 0) {
		r = -errno;
		close(fd);
		unlink(sa.sun_path);
		return r;
	}
	return fd;
}

void transport_unlisten(int listen_fd, const char *dir)
{
	struct sockaddr_un sa;

	if (listen_fd >= 0)
		close(listen_fd);
	if (socket_path(dir, &sa) == 0)
		unlink(sa.sun_path);
}

int transport_accept(int listen_fd, const char *dir)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	int r = fd < 0 ? -errno : fd;

	if (r == -EAGAIN || r == -EINTR)
		return r;
	transport_unlisten(listen_fd, dir);
	return r;
}
