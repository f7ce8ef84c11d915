/* SPDX-License-Identifier: MIT */
/*
 * The writable directory copy of an image (rootfs.h).  It lives in a
 * store directory as KEY (the image file's identity), beside KEY.lock,
 * which the session holds, and KEY.list, written last when the copy is
 * made: the record of every entry it held then (type, size, mtime,
 * path), which #diff and #size compare with; KEY.keep marks a copy kept
 * with --keep, the only kind that is used again.  Any other copy found
 * (partial, or left by a killed paks) is made again.
 *
 * There is no pid namespace (ch-run makes none): the session's processes
 * are those in the container's mount namespace, read from the launcher
 * when it connects.  paks is the owner of the container's user namespace,
 * so it may read even a non-dumpable process's namespace links.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rootfs.h"
#include "rundir.h"
#include "session.h"
#include "util.h"

const char *const rootfs_mountpoints[] = {".paks", ".paks-lib", NULL};

#define LIST_MAX (256u << 20)

struct entry {
	char type; /* f d l o */
	uint64_t size;
	int64_t mtime_ns;
	char *path; /* "/usr/bin/bash" */
};

struct entries {
	struct entry *v;
	size_t n, cap;
	size_t root_len;
	uint64_t total;
};

static struct entries *walking;

static bool is_mountpoint(const char *rel)
{
	for (int i = 0; rootfs_mountpoints[i]; i++) {
		size_t n = strlen(rootfs_mountpoints[i]);
		if (rel[0] == '/' &&
		    strncmp(rel + 1, rootfs_mountpoints[i], n) == 0 &&
		    (!rel[n + 1] || rel[n + 1] == '/'))
			return true;
	}
	return false;
}

static int walk_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	struct entries *e = walking;
	const char *rel = path + e->root_len;
	struct entry *x;

	(void)flag;
	(void)ftw;
	if (!*rel || is_mountpoint(rel))
		return 0;
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 4096;
		e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	x = &e->v[e->n++];
	x->type = S_ISREG(st->st_mode)	 ? 'f'
		  : S_ISDIR(st->st_mode) ? 'd'
		  : S_ISLNK(st->st_mode) ? 'l'
					 : 'o';
	x->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
	x->mtime_ns =
	    (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	x->path = xstrdup(rel);
	e->total += x->size;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path,
		      ((const struct entry *)b)->path);
}

static void entries_free(struct entries *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].path);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* Every entry of the copy, sorted by path. */
static int walk(const char *root, struct entries *e)
{
	int r;

	memset(e, 0, sizeof(*e));
	e->root_len = strlen(root);
	walking = e;
	r = nftw(root, walk_one, 64, FTW_PHYS | FTW_MOUNT);
	walking = NULL;
	if (r != 0)
		return -errno ? -errno : -EIO;
	qsort(e->v, e->n, sizeof(*e->v), by_path);
	return 0;
}

static char *list_path(const struct session *s)
{
	return xasprintf("%s.list", s->rootfs);
}

static int write_list(const struct session *s, const struct entries *e)
{
	cleanup_free char *path = list_path(s);
	struct buf b = {0};
	int r;

	for (size_t i = 0; i < e->n; i++) {
		buf_printf(&b, "%c %" PRIu64 " %" PRId64 " %s", e->v[i].type,
			   e->v[i].size, e->v[i].mtime_ns, e->v[i].path);
		buf_append(&b, "", 1);
	}
	r = write_file_atomic(path, b.data ? b.data : "", b.len, 0600);
	buf_free(&b);
	return r;
}

/* The list written when the copy was made; bounded, and a record that is
 * not one is skipped. */
static int read_list(const struct session *s, struct entries *e)
{
	cleanup_free char *path = list_path(s);
	cleanup_free char *txt = NULL;
	size_t len = 0;

	memset(e, 0, sizeof(*e));
	if (read_file(path, LIST_MAX, &txt, &len) < 0)
		return -ENOENT;
	for (size_t off = 0; off < len;) {
		const char *rec = txt + off;
		size_t n = strnlen(rec, len - off);
		struct entry x = {0};
		int used = 0;
		off += n + 1;
		if (n == len - (off - n - 1) ||
		    sscanf(rec, "%c %" SCNu64 " %" SCNd64 " %n", &x.type,
			   &x.size, &x.mtime_ns, &used) != 3 ||
		    used <= 0 || rec[used] != '/')
			continue;
		if (e->n == e->cap) {
			e->cap = e->cap ? 2 * e->cap : 4096;
			e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
		}
		x.path = xstrdup(rec + used);
		e->v[e->n++] = x;
	}
	qsort(e->v, e->n, sizeof(*e->v), by_path);
	return 0;
}

static void add_change(struct rootfs_diff *d, char kind, const struct entry *x)
{
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n].kind = kind;
	d->v[d->n].path = xstrdup(x->path);
	d->v[d->n].size = kind == 'D' ? 0 : x->size;
	d->n++;
}

static void compare(const struct entries *was, const struct entries *now,
		    struct rootfs_diff *d)
{
	size_t i = 0, j = 0;

	while (i < was->n || j < now->n) {
		int c = i >= was->n   ? 1
			: j >= now->n ? -1
				      : strcmp(was->v[i].path, now->v[j].path);
		if (c < 0) {
			add_change(d, 'D', &was->v[i++]);
		} else if (c > 0) {
			add_change(d, 'A', &now->v[j++]);
		} else {
			const struct entry *a = &was->v[i++], *b = &now->v[j++];
			if (a->type != b->type || a->size != b->size ||
			    a->mtime_ns != b->mtime_ns)
				add_change(d, 'C', b);
		}
	}
}

int rootfs_diff(const struct session *s, struct rootfs_diff *d, char **cause)
{
	struct entries was, now;
	int r;

	memset(d, 0, sizeof(*d));
	if (read_list(s, &was) < 0) {
		*cause = xasprintf("the record of what %s held when it was "
				   "made is missing",
				   s->rootfs);
		return -1;
	}
	r = walk(s->rootfs, &now);
	if (r < 0) {
		entries_free(&was);
		*cause =
		    xasprintf("cannot read %s: %s", s->rootfs, strerror(-r));
		return -1;
	}
	compare(&was, &now, d);
	d->total = now.total;
	entries_free(&was);
	entries_free(&now);
	return 0;
}

void rootfs_diff_free(struct rootfs_diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].path);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static void start_janitor(struct session *s);

/* Lock KEY.lock in store: the fd, or -1 when another session holds it. */
static int take_lock(const char *store, const char *name)
{
	cleanup_free char *path = xasprintf("%s/%s.lock", store, name);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int rootfs_claim(struct session *s, const char *store, const char *key,
		 char **cause)
{
	cleanup_free char *name = xstrdup(key);
	cleanup_free char *list = NULL;
	cleanup_free char *keep = NULL;
	int fd;

	if (mkdir_p(store, 0700) < 0) {
		*cause =
		    xasprintf("cannot create %s: %s", store, strerror(errno));
		return -1;
	}
	fd = take_lock(store, name);
	if (fd < 0) {
		/* Another session runs this image: a copy of this one's own,
		 * never kept. */
		free(name);
		name = xasprintf("%s-%s", key, s->session_id);
		fd = take_lock(store, name);
		s->rootfs_keep = false;
	}
	if (fd < 0) {
		*cause = xasprintf("cannot lock %s/%s.lock", store, name);
		return -1;
	}
	s->rootfs_lock = fd;
	s->rootfs = xasprintf("%s/%s", store, name);
	start_janitor(s);
	list = list_path(s);
	keep = xasprintf("%s.keep", s->rootfs);
	/* Only a copy kept with --keep is used again: any other one was
	 * left by a paks killed before its janitor ran. */
	if (access(list, F_OK) == 0 && access(keep, F_OK) == 0 &&
	    path_is_dir(s->rootfs))
		return 1;
	/* A copy cut short (paks killed while it was made): again. */
	unlink(list);
	unlink(keep);
	rm_rf(s->rootfs);
	return 0;
}

int rootfs_made(struct session *s, char **cause)
{
	struct entries e;
	char size[32];
	int r;

	for (int i = 0; rootfs_mountpoints[i]; i++) {
		cleanup_free char *mp =
		    xasprintf("%s/%s", s->rootfs, rootfs_mountpoints[i]);
		if (mkdir(mp, 0755) < 0 && errno != EEXIST) {
			*cause = xasprintf("cannot create %s: %s", mp,
					   strerror(errno));
			return -1;
		}
	}
	r = walk(s->rootfs, &e);
	if (r == 0)
		r = write_list(s, &e);
	if (r < 0) {
		entries_free(&e);
		*cause = xasprintf("cannot record what %s holds: %s", s->rootfs,
				   strerror(-r));
		return -1;
	}
	format_size((double)e.total, size, sizeof(size));
	log_info("made a writable copy of %s in %s (%s)%s", s->rootfs_source,
		 s->rootfs, size,
		 s->rootfs_keep ? "; --keep: it stays after the session"
				: "; it is removed when the session ends");
	entries_free(&e);
	return 0;
}

/* The janitor: a process of its own that outlives a `kill -9` of paks.
 * It waits on a pipe only paks writes to: a byte means paks cleaned up
 * itself; end of file without one means paks is gone, and the janitor
 * ends the session's processes and removes the copy.  It shares the
 * copy's lock, so no other session takes the copy before it is done. */
/* Read what paks tells the janitor: each start's mount namespace, one
 * line each (the latest counts), or "D" when paks has cleaned up.  1
 * when paks is gone without cleaning up. */
static int janitor_wait(struct session *s, int rfd)
{
	char buf[256];
	size_t have = 0;

	for (;;) {
		ssize_t n = read(rfd, buf + have, sizeof(buf) - 1 - have);
		char *nl;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		have += (size_t)n;
		buf[have] = '\0';
		if (memchr(buf, 'D', have))
			return 0;
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			free(s->ctr_mntns);
			s->ctr_mntns = xstrdup(buf);
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1)
			have = 0;
	}
}

static void __attribute__((noreturn)) janitor(struct session *s, int rfd)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	setsid();
	for (int fd = 0; fd < 1024; fd++) {
		if (fd != rfd && fd != s->rootfs_lock)
			close(fd);
	}
	if (janitor_wait(s, rfd)) {
		s->engine_pid = 0;
		rootfs_stop(s);
		rootfs_release(s);
		rundir_remove(s);
	}
	_exit(0);
}

static void start_janitor(struct session *s)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		janitor(s, p[0]);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return;
	}
	s->janitor_fd = p[1] + 1;
}

void rootfs_started(struct session *s)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", (long)s->engine_pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	free(s->ctr_mntns);
	s->ctr_mntns = xstrdup(link);
	if (!s->janitor_fd)
		start_janitor(s);
	if (s->janitor_fd > 0) {
		cleanup_free char *line = xasprintf("%s\n", link);
		(void)!write(s->janitor_fd - 1, line, strlen(line));
	}
}

/* 1 when process pid is in the session's mount namespace. */
static bool in_session(const struct session *s, const char *pid)
{
	char path[300], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/ns/mnt", pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return str_eq(link, s->ctr_mntns);
}

/* One pass over /proc: the number of processes killed. */
static int kill_pass(const struct session *s)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || pid == (long)getpid())
			continue;
		if (in_session(s, e->d_name) && kill((pid_t)pid, SIGKILL) == 0)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

void rootfs_stop(struct session *s)
{
	if (s->engine_pid > 0)
		kill(s->engine_pid, SIGKILL);
	if (!s->ctr_mntns)
		return;
	/* A process may fork while the pass runs: pass again until one
	 * finds none (bounded). */
	for (int i = 0; i < 16 && kill_pass(s) > 0; i++)
		;
}

void rootfs_release(struct session *s)
{
	cleanup_free char *keep =
	    s->rootfs ? xasprintf("%s.keep", s->rootfs) : NULL;

	if (s->rootfs && !s->rootfs_keep) {
		cleanup_free char *list = list_path(s);
		unlink(keep);
		unlink(list);
		rm_rf(s->rootfs);
	} else if (s->rootfs) {
		int fd = open(keep, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	if (s->rootfs_lock > 0) {
		/* A copy of this session's own: its lock file goes too. */
		if (s->rootfs && !s->rootfs_keep) {
			cleanup_free char *lock =
			    xasprintf("%s.lock", s->rootfs);
			unlink(lock);
		}
		close(s->rootfs_lock);
		s->rootfs_lock = 0;
	}
	if (s->janitor_fd > 0) {
		/* Done here: the janitor has nothing to do. */
		(void)!write(s->janitor_fd - 1, "D", 1);
		close(s->janitor_fd - 1);
		s->janitor_fd = 0;
	}
}

char *rootfs_resolve(const struct session *s, const char *cwd, const char *p,
		     bool follow, char **cause)
{
	cleanup_free char *rel = NULL;
	cleanup_fd int root = -1;
	cleanup_fd int fd = -1;
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char link[64], out[PATH_MAX];
	ssize_t n;

	rel = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", cwd, p);
	root = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0)
		fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	if (fd < 0) {
		*cause = xasprintf("%s: %s", p, strerror(errno));
		return NULL;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, sizeof(out) - 1);
	if (n <= 0) {
		*cause = xasprintf("%s: %s", p, strerror(errno));
		return NULL;
	}
	out[n] = '\0';
	if (!path_is_within(out, s->rootfs)) {
		*cause = xasprintf("%s is not in the container", p);
		return NULL;
	}
	return xstrdup(out);
}
