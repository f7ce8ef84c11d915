/* SPDX-License-Identifier: MIT */
/*
 * One ssh connection for a session whose docker engine is reached over
 * ssh (DOCKER_HOST=ssh://..., a context).  The docker CLI runs
 * `ssh ... HOST docker system dial-stdio` for every connection it opens,
 * each a full ssh handshake: `docker run` opens several, and the bridge's
 * exec and each engine call of a # command one more.  For such a session
 * paks puts a directory first in PATH whose `ssh` is paks itself: run so,
 * paks runs the next ssh in PATH with OpenSSH's connection sharing
 * (ControlMaster=auto, a ControlPath in that directory of the session's
 * runtime directory, ControlPersist), so that every ssh of the session
 * after the first rides one connection.  Only the docker CLI's ssh shares
 * (`... docker system dial-stdio`): a hook's own `ssh elsewhere` runs as
 * it would without paks.  The connection ends with the session
 * (ssh_share_stop), or a minute after its last use when paks and its
 * guard were both killed.  The options come before the caller's, and ssh
 * takes the first value of an option: the caller's own ControlPath and
 * ControlMaster give way.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "session.h"
#include "ssh-share.h"
#include "util.h"

#define SHARE_SUBDIR "ssh"

static char *share_dir(const struct session *s)
{
	return xasprintf("%s/%s", s->runtime_dir, SHARE_SUBDIR);
}

int ssh_share_start(struct session *s)
{
	cleanup_free char *dir = share_dir(s);
	cleanup_free char *shim = xasprintf("%s/ssh", dir);
	cleanup_free char *path = NULL;
	cleanup_free char *exe = NULL;
	const char *old = getenv("PATH");

	/* The ControlPath, with ssh's 40 digits of %C, must fit a unix
	 * socket's name, and so must the name the master binds first (a
	 * dot and 16 characters more): ssh fails where it does not. */
	if (s->ssh_share || strlen(dir) + 1 + 40 + 17 >= 108)
		return -1;
	exe = paks_exe_path();
	if (!exe)
		return -1;
	if (mkdir(dir, 0700) < 0 || symlink(exe, shim) < 0) {
		log_debug("no shared ssh connection: %s: %s", dir,
			  strerror(errno));
		return -1;
	}
	/* PATH unset: what the C library would search then. */
	path = xasprintf("%s:%s", dir, old && *old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	setenv(PAKS_SSH_SHARE_ENV, dir, 1);
	s->ssh_share = true;
	log_debug("the session's ssh connections share one (%s)", dir);
	return 0;
}

void ssh_share_stop(const struct session *s)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *needle = NULL;

	if (!s->ssh_share)
		return;
	/* The clients name the directory in their ControlPath option, the
	 * master in the title it takes ("ssh: DIR/HASH [mux]"). */
	dir = share_dir(s);
	needle = xasprintf("%s/", dir);
	proc_signal_matching(needle, SIGTERM);
}

/* The next `ssh` in PATH: an absolute entry's regular, executable file
 * that is not paks (the shim's own, or another session's). */
static char *next_ssh(void)
{
	const char *path = getenv("PATH");
	cleanup_free char *self = paks_exe_path();

	if (!path || !self)
		return NULL;
	while (*path) {
		size_t len = strcspn(path, ":");
		char real[PATH_MAX];
		struct stat st;
		cleanup_free char *cand = xasprintf("%.*s/ssh", (int)len, path);
		bool absolute = *path == '/';
		path += len + (path[len] == ':');
		if (!absolute || !realpath(cand, real) || str_eq(real, self) ||
		    stat(real, &st) < 0 || !S_ISREG(st.st_mode) ||
		    access(real, X_OK) != 0)
			continue;
		return steal_ptr(&cand);
	}
	return NULL;
}

/* docker's connection: `ssh ... HOST docker system dial-stdio`. */
static bool docker_dial(int argc, char **argv)
{
	return argc > 3 && str_eq(argv[argc - 1], "dial-stdio") &&
	       str_eq(argv[argc - 2], "system");
}

int ssh_share_shim(int argc, char **argv)
{
	const char *dir = getenv(PAKS_SSH_SHARE_ENV);
	cleanup_free char *ssh = next_ssh();
	struct strv av = {0};

	if (!ssh) {
		fputs("paks: ssh: no ssh in PATH besides paks's own\n", stderr);
		return 127;
	}
	strv_push(&av, argv[0]);
	if (dir && *dir == '/' && docker_dial(argc, argv)) {
		strv_push(&av, "-o");
		strv_push(&av, "ControlMaster=auto");
		strv_push(&av, "-o");
		strv_pushf(&av, "ControlPath=%s/%%C", dir);
		strv_push(&av, "-o");
		strv_push(&av, "ControlPersist=60");
	}
	for (int i = 1; i < argc; i++)
		strv_push(&av, argv[i]);
	execv(ssh, av.v);
	fprintf(stderr, "paks: ssh: cannot run %s: %s\n", ssh, strerror(errno));
	return 127;
}
