/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for image code that runs in a paks session on an engine
 * elsewhere before paks's bridge has come (the shell's rc file starts it):
 * in a fast start the launcher's keeper holds the rendezvous
 * (/dev/.paks-bridge/sock) while the shell runs.  Built static by the
 * tests, so it runs in any image.
 *
 *   early connect OUT VAR   connect to the rendezvous as soon as it is
 *                           there and ask for host variable VAR: the keeper
 *                           must close the connection unanswered, so that
 *                           the bridge still gets through;
 *   early replace OUT VAR   put a socket of its own in the rendezvous's
 *                           place, and ask whatever connects to it for VAR:
 *                           the bridge must not carry that to paks;
 *   early hijack OUT VAR    move the rendezvous away, so that paks starts
 *                           bridge after bridge, and for each try to open
 *                           its stdout (its stream to paks) through /proc
 *                           the moment it exists, before the bridge can
 *                           make itself non-dumpable; kill it and wait for
 *                           the next, for about 15 s: "early hijack:
 *                           opened" when one could be opened.
 *
 * What each saw goes to OUT: "early connect: N bytes" (the keeper's
 * answer), "early replace: listening", "early replace: connected, N bytes"
 * and the bytes, "early hijack: started" and "early hijack: denied N",
 * then "early done".
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RENDEZVOUS "/dev/.paks-bridge/sock"

static void frame(int fd, uint32_t type, const void *p, uint32_t len)
{
	unsigned char h[8];

	for (int i = 0; i < 4; i++) {
		h[i] = (unsigned char)(type >> (8 * i));
		h[4 + i] = (unsigned char)(len >> (8 * i));
	}
	(void)!write(fd, h, sizeof(h));
	(void)!write(fd, p, len);
}

/* Ask FD for VAR as a shell's preload would (the report a keeper sends
 * first, then the current directory and the line), and log the answer. */
static void ask(int fd, const char *what, const char *var, FILE *out)
{
	char line[256], buf[4096];
	struct pollfd p = {fd, POLLIN, 0};
	size_t total = 0;
	ssize_t n;

	snprintf(line, sizeof(line), "#envhost %s", var);
	frame(fd, 6, "", 0);
	frame(fd, 2, "/", 1);
	frame(fd, 3, line, (uint32_t)strlen(line));
	while (poll(&p, 1, 3000) > 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, out);
		total += (size_t)n;
	}
	fprintf(out, "\nearly %s: %zu bytes\n", what, total);
	fflush(out);
}

/* Does process PID run the bridge? */
static int is_bridge(int pid)
{
	char path[64], cmd[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, cmd, sizeof(cmd));
	close(fd);
	return n > 0 && memmem(cmd, (size_t)n, "--paks-bridge", 13) != NULL;
}

static int highest_pid(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int max = 0;

	while (d && (e = readdir(d)))
		if (atoi(e->d_name) > max)
			max = atoi(e->d_name);
	if (d)
		closedir(d);
	return max;
}

/* Try to open PID's stdout, if PID is a bridge: 1 when it opened, 0
 * when it was denied (the bridge is killed: paks starts the next), -1
 * when PID is no bridge. */
static int try_open(int pid)
{
	char path[64];
	int fd, bridge;

	snprintf(path, sizeof(path), "/proc/%d/fd/1", pid);
	fd = open(path, O_WRONLY | O_NONBLOCK);
	bridge = is_bridge(pid);
	if (fd >= 0)
		close(fd);
	if (!bridge)
		return -1;
	if (fd >= 0)
		return 1;
	kill(pid, SIGKILL);
	return 0;
}

static void hijack(FILE *out)
{
	time_t end = time(NULL) + 15;
	int denied = 0, opened = 0, base = 0;

	rename(RENDEZVOUS, RENDEZVOUS ".away");
	fprintf(out, "early hijack: started\n");
	fflush(out);
	for (long round = 0; !opened && time(NULL) < end; round++) {
		/* Now and then every process; in between, spin on the next
		 * few pids, where the next bridge will be. */
		int from = round % 200 == 0 ? 2 : base + 1;
		int to = round % 200 == 0 ? highest_pid() : base + 8;
		for (int pid = from; pid <= to && !opened; pid++) {
			int r = try_open(pid);
			opened = r == 1;
			denied += r == 0;
		}
		if (round % 200 == 0)
			base = highest_pid();
	}
	if (opened)
		fprintf(out, "early hijack: opened\n");
	fprintf(out, "early hijack: denied %d\n", denied);
}

static int wait_rendezvous(void)
{
	for (int i = 0; i < 1000; i++) {
		if (access(RENDEZVOUS, F_OK) == 0)
			return 0;
		usleep(5000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	FILE *out;
	int s;

	if (argc != 4)
		return 2;
	/* A peer that closes at once must not end this program unheard. */
	signal(SIGPIPE, SIG_IGN);
	out = fopen(argv[2], "a");
	if (!out)
		return 1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", RENDEZVOUS);
	if (wait_rendezvous() < 0) {
		fprintf(out, "early: no rendezvous\n");
	} else if (strcmp(argv[1], "hijack") == 0) {
		hijack(out);
	} else if (strcmp(argv[1], "connect") == 0) {
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			ask(s, "connect", argv[3], out);
		else
			fprintf(out, "early connect: cannot connect\n");
	} else {
		struct pollfd p;
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		unlink(RENDEZVOUS);
		/* Open to any user, as the launcher's is. */
		if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    chmod(RENDEZVOUS, 0666) < 0 || listen(s, 4) < 0) {
			fprintf(out, "early replace: cannot listen\n");
		} else {
			fprintf(out, "early replace: listening\n");
			fflush(out);
			p.fd = s;
			p.events = POLLIN;
			if (poll(&p, 1, 60000) > 0) {
				int c = accept(s, NULL, NULL);
				fprintf(out, "early replace: connected\n");
				ask(c, "replace", argv[3], out);
			}
		}
	}
	fprintf(out, "early done\n");
	fclose(out);
	return 0;
}
