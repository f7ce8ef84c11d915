/* SPDX-License-Identifier: MIT */
/*
 * The per-session runtime directory, mounted in the container as
 * PAKS_CONTAINER_DIR: a copy of the preload and the launcher, the
 * session's socket until the launcher has connected (server.c), and a pid file
 * so that the next paks can sweep directories whose owner was killed.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paks-protocol.h"
#include "rundir.h"
#include "session.h"

static char *runtime_base(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (x && *x == '/' && stat(x, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == getuid() && access(x, W_OK) == 0)
		return xasprintf("%s/paks", x);
	return xasprintf("/tmp/paks-%u", (unsigned)getuid());
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char *data = NULL;
	size_t len = 0;
	int r = read_file(from, 64u << 20, &data, &len);
	int fd;

	if (r < 0)
		return r;
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		free(data);
		return -errno;
	}
	r = write_all(fd, data, len);
	if (fchmod(fd, mode) < 0 && r == 0)
		r = -errno;
	close(fd);
	free(data);
	return r;
}

/* A paks killed with SIGKILL leaves its runtime directory behind; the
 * next session removes those whose owner is gone. */
static void sweep_stale(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		cleanup_free char *pidfile = NULL;
		cleanup_free char *txt = NULL;
		long pid;
		if (e->d_name[0] == '.')
			continue;
		pidfile = xasprintf("%s/%s/pid", base, e->d_name);
		if (read_file(pidfile, 32, &txt, NULL) < 0)
			continue;
		pid = strtol(txt, NULL, 10);
		if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			cleanup_free char *dir =
			    xasprintf("%s/%s", base, e->d_name);
			rm_rf(dir);
		}
	}
	if (d)
		closedir(d);
}

int rundir_create(struct session *s, char **cause)
{
	cleanup_free char *base = runtime_base();
	cleanup_free char *tmpl = NULL;
	struct stat st;
	int r;

	if (mkdir_p(base, 0700) < 0 || lstat(base, &st) < 0 ||
	    !S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
		*cause = xasprintf("cannot use runtime directory %s", base);
		return -1;
	}
	chmod(base, 0700);
	sweep_stale(base);
	tmpl = xasprintf("%s/XXXXXX", base);
	if (!mkdtemp(tmpl)) {
		*cause =
		    xasprintf("cannot create a runtime directory in %s: %s",
			      base, strerror(errno));
		return -1;
	}
	s->runtime_dir = xstrdup(tmpl);
	s->session_id = xstrdup(strrchr(tmpl, '/') + 1);
	for (char *p = s->session_id; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	{
		cleanup_free char *pidfile =
		    xasprintf("%s/pid", s->runtime_dir);
		cleanup_free char *pid = xasprintf("%ld\n", (long)getpid());
		write_file_atomic(pidfile, pid, strlen(pid), 0600);
	}
	{
		/* The preload in a directory any user may read (see
		 * PAKS_LIB_DIR_CTR), the launcher next to the channel. */
		cleanup_free char *libdir =
		    xasprintf("%s/%s", s->runtime_dir, PAKS_LIB_SUBDIR);
		const char *files[] = {PAKS_PRELOAD_NAME, "paks-launch"};
		const char *dirs[] = {libdir, s->runtime_dir};
		if (mkdir(libdir, 0755) < 0 || chmod(libdir, 0755) < 0) {
			*cause = xasprintf("cannot create %s: %s", libdir,
					   strerror(errno));
			return -1;
		}
		for (int i = 0; i < 2; i++) {
			cleanup_free char *from =
			    xasprintf("%s/%s", s->lib_dir, files[i]);
			cleanup_free char *to =
			    xasprintf("%s/%s", dirs[i], files[i]);
			r = copy_file(from, to, 0755);
			if (r < 0) {
				*cause = xasprintf("cannot install %s: %s",
						   from, strerror(-r));
				return -1;
			}
		}
	}
	return 0;
}

void rundir_remove(struct session *s)
{
	if (s->runtime_dir)
		rm_rf(s->runtime_dir);
}
