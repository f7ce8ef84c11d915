/* SPDX-License-Identifier: MIT */
/*
 * Running the shell from the launcher: finding a program on PATH, putting
 * the connection where the shell takes it, the report to paks on it, and
 * the exec itself; and the one way the launcher opens the image's files.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "paks-protocol.h"

int launch_exec(char **argv)
{
	const char *path = launch_find_in_path(argv[0]);

	if (path)
		execv(path, argv);
	fprintf(stderr, "paks: cannot run %s in the container: %s\n", argv[0],
		path ? strerror(errno) : "not found");
	return 127;
}

/* Put the connection on PAKS_CHANNEL_FD for the shell, named in
 * PAKS_ENV_CHANNEL with the pid that execs it. */
int launch_hand_channel(int fd)
{
	char hint[64];

	if (fd != PAKS_CHANNEL_FD) {
		/* dup2 clears close-on-exec on the copy: the shell gets it. */
		if (dup2(fd, PAKS_CHANNEL_FD) < 0)
			return -1;
		close(fd);
	} else {
		fcntl(fd, F_SETFD, 0);
	}
	snprintf(hint, sizeof(hint), "%d:%ld", PAKS_CHANNEL_FD, (long)getpid());
	setenv(PAKS_ENV_CHANNEL, hint, 1);
	return 0;
}

const char *launch_find_in_path(const char *name)
{
	static char buf[PATH_MAX];
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	if (strchr(name, '/'))
		return name;
	copy = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", d, name);
		if (access(buf, X_OK) == 0) {
			free(copy);
			return buf;
		}
	}
	free(copy);
	return NULL;
}

int launch_open_regular(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

FILE *launch_fopen_regular(const char *path)
{
	int fd = launch_open_regular(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "re");

	if (fd >= 0 && !f)
		close(fd);
	return f;
}

/* Tell paks the verdict and the shell user's ids, in one frame. */
int launch_send_report(int fd, const char *verdict, const struct user *u)
{
	char rep[PAKS_REPORT_MAX];
	int n = 0;

	rep[0] = '\0';
	if (*verdict)
		n += snprintf(rep + n, sizeof(rep) - (size_t)n, "%s=%s",
			      PAKS_REP_VERDICT, verdict) +
		     1;
	if (u && u->uid > 0 && n < (int)sizeof(rep))
		n += snprintf(rep + n, sizeof(rep) - (size_t)n, "%s=%ld:%ld",
			      PAKS_REP_IDS, u->uid, u->gid) +
		     1;
	if (n > (int)sizeof(rep))
		n = (int)sizeof(rep);
	return proto_write(fd, PAKS_MSG_REPORT, rep, (size_t)n);
}
