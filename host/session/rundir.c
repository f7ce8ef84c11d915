/* SPDX-License-Identifier: MIT */
/*
 * The per-session runtime directory, mounted in the container as
 * PAKS_CONTAINER_DIR: a copy of the preload and the launcher, the
 * session's socket until the launcher has connected (server.c); and next
 * to it a record (pid, container, engine) so that the next paks, or
 * `paks gc`, can remove what a killed paks left.
 */
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"
#include "paks-protocol.h"
#include "proc.h"
#include "remote.h"
#include "rundir.h"
#include "session.h"

char *rundir_base(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (x && *x == '/' && stat(x, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == getuid() && access(x, W_OK) == 0)
		return xasprintf("%s/paks", x);
	return xasprintf("/tmp/paks-%u", (unsigned)getuid());
}

/* A copy made by the kernel (no buffer of paks's): the launcher and the
 * preload are copied for every session, and are about a megabyte.  The
 * copy keeps the original's modification time, by which remote.c knows
 * the files without reading them. */
static int copy_file(const char *from, const char *to, mode_t mode)
{
	cleanup_fd int in = open(from, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int fd, r = 0;

	if (in < 0 || fstat(in, &st) < 0)
		return -errno;
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	for (off_t left = st.st_size; r == 0 && left > 0;) {
		ssize_t n = sendfile(fd, in, NULL, (size_t)left);
		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n == 0)
			r = -EIO;
		else if (n > 0)
			left -= n;
	}
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 &&
	    futimens(fd, (struct timespec[2]){st.st_atim, st.st_mtim}) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* The record of a session lives next to its runtime directory, not in it:
 * the container can write to the directory, and what the record holds (an
 * engine command line) is run by the next paks.  Fields end in NUL: the
 * pid of paks, the container name ("" until known), the engine argv. */
static char *record_path(const char *dir)
{
	return xasprintf("%s.session", dir);
}

static bool pid_is_gone(long pid)
{
	return pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static void engine_verb(char **fields, size_t n, const char *verb,
			const char *flag, const char *name)
{
	struct strv argv = {0};

	for (size_t i = 2; i < n; i++)
		strv_push(&argv, fields[i]);
	strv_push(&argv, verb);
	if (flag)
		strv_push(&argv, flag);
	strv_push(&argv, name);
	proc_run_detached(argv.v);
	strv_free(&argv);
}

/* Remove the container a dead session left: kill, then rm (waited for). */
static void remove_container(char **fields, size_t n)
{
	engine_verb(fields, n, "kill", NULL, fields[1]);
	engine_verb(fields, n, "rm", "--force", fields[1]);
}

/* A runtime directory's session id: its name, in lower case (a container
 * name of the session's holds it, and an engine's names are). */
static char *id_of(const char *dir)
{
	char *id = xstrdup(strrchr(dir, '/') + 1);

	for (char *p = id; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	return id;
}

/* The container a remote session fills the engine's volume through, when
 * it died while filling (its files still staged, remote.c). */
static void remove_fill(const char *dir, char **fields, size_t n,
			struct strv *removed)
{
	cleanup_free char *id = id_of(dir);
	cleanup_free char *name = remote_fill_left(dir, id);

	if (!name)
		return;
	engine_verb(fields, n, "rm", "--force", name);
	strv_pushf(removed, "container %s", name);
}

/* Sweep one record: 1 when its session was dead and is now removed. */
static int sweep_record(const char *base, const char *name,
			struct strv *removed)
{
	cleanup_free char *rec = xasprintf("%s/%s", base, name);
	cleanup_free char *dir = xasprintf("%.*s", (int)(strlen(rec) - 8), rec);
	cleanup_free char *txt = NULL;
	char *fields[64];
	size_t len = 0, n = 0;

	if (read_file(rec, 64 << 10, &txt, &len) < 0)
		return 0;
	for (size_t off = 0; off < len && n < 64; n++) {
		fields[n] = txt + off;
		off += strlen(txt + off) + 1;
	}
	if (n < 1 || !pid_is_gone(strtol(fields[0], NULL, 10)))
		return 0;
	if (n >= 3 && *fields[1]) {
		remove_container(fields, n);
		strv_pushf(removed, "container %s", fields[1]);
	}
	if (n >= 3)
		remove_fill(dir, fields, n, removed);
	rm_rf(dir);
	unlink(rec);
	strv_pushf(removed, "runtime directory %s", dir);
	return 1;
}

/* A directory from a paks that kept its pid file inside it. */
static void sweep_legacy(const char *base, const char *name,
			 struct strv *removed)
{
	cleanup_free char *pidfile = xasprintf("%s/%s/pid", base, name);
	cleanup_free char *txt = NULL;

	if (read_file(pidfile, 32, &txt, NULL) < 0 ||
	    !pid_is_gone(strtol(txt, NULL, 10)))
		return;
	{
		cleanup_free char *dir = xasprintf("%s/%s", base, name);
		rm_rf(dir);
		strv_pushf(removed, "runtime directory %s", dir);
	}
}

static int sweep_base(const char *base, struct strv *removed)
{
	DIR *d = opendir(base);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		if (len > 8 && str_eq(e->d_name + len - 8, ".session")) {
			n += sweep_record(base, e->d_name, removed);
		} else {
			cleanup_free char *rec =
			    xasprintf("%s/%s.session", base, e->d_name);
			if (access(rec, F_OK) < 0)
				sweep_legacy(base, e->d_name, removed);
		}
	}
	if (d)
		closedir(d);
	return n;
}

int rundir_sweep(struct strv *removed)
{
	cleanup_free char *base = rundir_base();

	return sweep_base(base, removed);
}

/* Write the record: pid, container, engine argv. */
void rundir_record(struct session *s)
{
	cleanup_free char *rec = record_path(s->runtime_dir);
	struct strv argv = {0};
	struct buf b = {0};

	buf_printf(&b, "%ld", (long)getpid());
	buf_append(&b, "", 1);
	/* A backend without an engine CLI has no container to remove: its
	 * janitor (rootfs.c) ends what a killed paks left. */
	buf_printf(&b, "%s",
		   s->container && !s->eng.engine->ops ? s->container : "");
	buf_append(&b, "", 1);
	if (s->eng.path && !s->eng.engine->ops) {
		engine_argv(&s->eng, &argv);
		for (size_t i = 0; i < argv.n; i++)
			buf_append(&b, argv.v[i], strlen(argv.v[i]) + 1);
	}
	write_file_replace(rec, b.data, b.len, 0600);
	buf_free(&b);
	strv_free(&argv);
}

int rundir_create(struct session *s, char **cause)
{
	cleanup_free char *base = rundir_base();
	cleanup_free char *tmpl = NULL;
	struct stat st;
	int r;

	if (mkdir_p(base, 0700) < 0 || lstat(base, &st) < 0 ||
	    !S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
		*cause = xasprintf("cannot use runtime directory %s", base);
		return -1;
	}
	chmod(base, 0700);
	{
		struct strv removed = {0};
		sweep_base(base, &removed);
		for (size_t i = 0; i < removed.n; i++)
			log_info("removed %s, left by a paks that was killed",
				 removed.v[i]);
		strv_free(&removed);
	}
	tmpl = xasprintf("%s/XXXXXX", base);
	if (!mkdtemp(tmpl)) {
		*cause =
		    xasprintf("cannot create a runtime directory in %s: %s",
			      base, strerror(errno));
		return -1;
	}
	s->runtime_dir = xstrdup(tmpl);
	s->session_id = id_of(tmpl);
	rundir_record(s);
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
	cleanup_free char *rec = NULL;

	if (!s->runtime_dir)
		return;
	rm_rf(s->runtime_dir);
	rec = record_path(s->runtime_dir);
	unlink(rec);
}
