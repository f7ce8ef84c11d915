/* SPDX-License-Identifier: MIT */
/*
 * #cp [host:]SRC [host:]DEST: copy files between the host and the
 * container.  Exactly one side is on the host, confined by exec_host_path.
 * A copy to the host goes to a temporary name in the destination's
 * directory first and is renamed into place, so a failed copy (a full
 * disk) leaves nothing half-written.  The engine's failure is one line.
 */
#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "exec.h"
#include "paks-protocol.h"
#include "session.h"

/* Relative container paths are relative to the shell's directory. */
static char *container_path(struct exec_ctx *c, const char *p)
{
	if (p[0] == '/')
		return xasprintf("%s:%s", c->s->container, p);
	return xasprintf("%s:%s%s%s", c->s->container, c->cwd,
			 str_eq(c->cwd, "/") ? "" : "/", *p ? p : ".");
}

/* The container path p as the shell means it, absolute, with "." and
 * ".." taken out as the kernel would (symlinks in the container are not
 * followed: only names are judged here). */
static char *container_abs(struct exec_ctx *c, const char *p)
{
	cleanup_free char *full =
	    p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", c->cwd, p);
	char *out = xcalloc(strlen(full) + 2, 1);
	size_t n = 0;

	for (char *sp, *w = strtok_r(full, "/", &sp); w;
	     w = strtok_r(NULL, "/", &sp)) {
		if (str_eq(w, "."))
			continue;
		if (str_eq(w, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			out[n] = '\0';
			continue;
		}
		n += (size_t)sprintf(out + n, "/%s", w);
	}
	if (n == 0)
		strcpy(out, "/");
	return out;
}

static bool in_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (!path[n] || path[n] == '/');
}

/* Where the container keeps no files the engines can copy: its devices
 * and the mounts the engine made there (/dev), and the kernel's /proc and
 * /sys, whose files are made as they are read.  podman's cp overwrites a
 * device such as /dev/null with a plain file and cannot see /proc at all
 * ("could not be found"); docker's writes "into" /proc and /dev/shm
 * where the container never sees it.  NULL when path is elsewhere, else
 * a one-line reason. */
static char *container_special(const char *path)
{
	const char *dir = in_dir(path, "/proc")	 ? "/proc"
			  : in_dir(path, "/sys") ? "/sys"
			  : in_dir(path, "/dev") ? "/dev"
						 : NULL;
	cleanup_free char *where = NULL;

	if (!dir)
		return NULL;
	where = str_eq(path, dir) ? xstrdup(dir)
				  : xasprintf("%s is in %s, which", path, dir);
	if (!str_eq(dir, "/dev"))
		return xasprintf("%s holds files the kernel makes as they are "
				 "read; the engine's cp cannot copy them (copy "
				 "what you need to a file in the container "
				 "first)",
				 where);
	return xasprintf("%s holds the container's devices and mounts, not "
			 "files the engine's cp can copy; #cp copies files "
			 "and directories elsewhere",
			 where);
}

/* The container side of a #cp, refused when it is a device or a file of
 * the kernel's.  As a destination, what a copy into it makes is judged
 * too (`#cp host:dev /` would write /dev). */
static int container_side_ok(struct exec_ctx *c, const char *arg,
			     const char *host_src, char **cause)
{
	cleanup_free char *abs = container_abs(c, arg);
	cleanup_free char *into = NULL;

	*cause = container_special(abs);
	if (!*cause && host_src) {
		cleanup_free char *s = xstrdup(host_src);
		size_t n = strlen(s);
		char *base;
		while (n > 1 && s[n - 1] == '/')
			s[--n] = '\0';
		base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
		if (*base && !str_eq(base, ".") && !str_eq(base, "..")) {
			into = xasprintf("%s%s%s", abs,
					 str_eq(abs, "/") ? "" : "/", base);
			*cause = container_special(into);
		}
	}
	return *cause ? -1 : 0;
}

static char *side(struct exec_ctx *c, const char *arg, bool src, char **cause)
{
	if (str_has_prefix(arg, "host:"))
		return exec_host_path(c->s, arg + 5, src, cause);
	return container_path(c, arg);
}

/* "UID:GID" of the shell's user as the launcher resolved it (its report),
 * NULL for root (or when unknown: the engine's copy is root's already). */
static char *shell_ids(struct exec_ctx *c)
{
	const char *ids = c->s->shell_ids;

	return ids && !str_has_prefix(ids, "0:") ? xstrdup(ids) : NULL;
}

/* Run argv in the container as root, quietly: 0 when it succeeded. */
static int exec_as_root(struct exec_ctx *c, const char *const *args,
			char **cause)
{
	struct strv a = {0};
	struct buf junk = {0};
	struct spawn_opts o = {.out = &junk, .quiet_stderr = true};
	int r;

	engine_argv(&c->s->eng, &a);
	strv_push(&a, "exec");
	strv_push(&a, "--user=0:0");
	/* An image without PATH in its Env (an imported rootfs) leaves exec
	 * nothing to look chown up in. */
	strv_push(&a, "--env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
		      "/usr/bin:/sbin:/bin");
	strv_push(&a, c->s->container);
	for (; *args; args++)
		strv_push(&a, *args);
	r = exec_engine(c, &a, &o, cause);
	strv_free(&a);
	buf_free(&junk);
	return r;
}

/* The engines copy in as the container's user, which is root (the
 * launcher drops to the shell's user itself): give what came in to the
 * shell's user.  DST is "CTR:PATH"; into a directory, the copy is
 * PATH/basename(SRC), as the engines' cp does. */
static int chown_copied(struct exec_ctx *c, const char *src, const char *dst,
			char **cause)
{
	cleanup_free char *ids = shell_ids(c);
	cleanup_free char *target = NULL;
	const char *path = strchr(dst, ':') + 1;
	const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	const char *test[] = {"test", "-d", path, NULL};
	size_t len = strlen(path);

	if (!ids)
		return 0;
	if ((len > 0 && path[len - 1] == '/') ||
	    (*base && !str_eq(base, ".") && exec_as_root(c, test, cause) == 0))
		target = xasprintf("%s%s%s", path,
				   path[len - 1] == '/' ? "" : "/", base);
	else
		target = xstrdup(path);
	{
		const char *chown[] = {"chown", "-R", ids, "--", target, NULL};
		if (exec_as_root(c, chown, cause) != 0) {
			exec_cause(cause,
				   "copied, but could not give %s to "
				   "the shell's user %s",
				   target, ids);
			return -1;
		}
	}
	return 0;
}

/* `ENGINE cp FROM TO`: 0, or -1 with *cause (one line) on failure. */
static int engine_cp(struct exec_ctx *c, const char *from, const char *to,
		     char **cause)
{
	struct strv a = {0};
	struct buf err = {0};
	struct spawn_opts o = {.err = &err};
	int r;

	if (c->s->rootfs)
		return exec_rootfs_cp(c, from, to, cause);
	engine_argv(&c->s->eng, &a);
	strv_push(&a, "cp");
	strv_push(&a, from);
	strv_push(&a, to);
	r = exec_engine(c, &a, &o, cause);
	strv_free(&a);
	if (r > 0 && !c->cancelled) {
		cleanup_free char *why = engine_error_line(&err);
		/* podman's copier skips what is not a file, directory or
		 * symlink, and then says only this. */
		if (strstr(why, "copied no items"))
			*cause = xasprintf(
			    "%s is not a file or a directory (a "
			    "FIFO, socket or device?); #cp "
			    "copies files and directories",
			    strchr(from, ':') ? strchr(from, ':') + 1 : from);
		else
			*cause = xstrdup(*why ? why : "the engine's cp failed");
		r = -1;
	}
	buf_free(&err);
	return r;
}

/* The name the copy gets on the host: into dst when it is a directory. */
static char *host_final(const char *dst, const char *src)
{
	cleanup_free char *s = xstrdup(src);
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	if (!path_is_dir(dst))
		return xstrdup(dst);
	return xasprintf("%s/%s", dst, basename(strchr(s, ':') + 1));
}

static int special_seen(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	return !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) &&
	       !S_ISLNK(st->st_mode);
}

/* A FIFO, socket or device node from the container has no place on the
 * host (a device node would give access to a host device). */
static bool has_special(const char *path)
{
	return nftw(path, special_seen, 16, FTW_PHYS) != 0;
}

/* Container to host: copy into a temporary directory next to the final
 * name, then rename.  A directory copied over an existing one merges, as
 * the engine does, and is not atomic. */
static int copy_to_host(struct exec_ctx *c, const char *src, const char *dst,
			char **cause)
{
	cleanup_free char *final = host_final(dst, src);
	cleanup_free char *parent = xstrdup(final);
	cleanup_free char *tmpdir = NULL;
	cleanup_free char *tmp = NULL;
	struct stat st;
	bool exists = lstat(final, &st) == 0;
	int r;

	if (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		*cause = xstrdup("the host path is not a regular file or a "
				 "directory");
		return -1;
	}
	tmpdir = xasprintf("%s/.paks-cp-XXXXXX", dirname(parent));
	if (!mkdtemp(tmpdir)) {
		*cause = xasprintf("cannot create a temporary directory: %s",
				   strerror(errno));
		return -1;
	}
	tmp = xasprintf("%s/copy", tmpdir);
	r = engine_cp(c, src, tmp, cause);
	if (r == 0 && has_special(tmp)) {
		*cause = xstrdup("it holds a FIFO, socket or device; #cp "
				 "copies files and directories");
		r = -1;
	}
	if (r == 0 && exists && S_ISDIR(st.st_mode)) {
		/* Into an existing directory: merge, as the engine does. */
		rm_rf(tmpdir);
		return engine_cp(c, src, dst, cause);
	}
	if (r == 0 && rename(tmp, final) < 0) {
		*cause = xasprintf("cannot move the copy into place: %s",
				   strerror(errno));
		r = -1;
	}
	rm_rf(tmpdir);
	return r;
}

enum exec_status exec_cmd_cp(struct exec_ctx *c, int argc, char **argv,
			     char **cause)
{
	cleanup_free char *src = NULL;
	cleanup_free char *dst = NULL;
	int r;

	(void)argc;
	if (str_has_prefix(argv[1], "host:") ==
	    str_has_prefix(argv[2], "host:")) {
		*cause = xstrdup("exactly one side of #cp is on the host, "
				 "written host:PATH");
		return PAKS_CMD_USAGE;
	}
	if (str_has_prefix(argv[1], "host:")
		? container_side_ok(c, argv[2], argv[1] + 5, cause) < 0
		: container_side_ok(c, argv[1], NULL, cause) < 0) {
		exec_cause(cause, "#cp %s %s", argv[1], argv[2]);
		return PAKS_CMD_FAIL;
	}
	src = side(c, argv[1], true, cause);
	if (src)
		dst = side(c, argv[2], false, cause);
	if (!src || !dst)
		return PAKS_CMD_FAIL;
	if (str_has_prefix(argv[2], "host:")) {
		r = copy_to_host(c, src, dst, cause);
	} else {
		r = engine_cp(c, src, dst, cause);
		if (r == 0 && chown_copied(c, src, dst, cause) < 0)
			return PAKS_CMD_FAIL;
	}
	if (r == 0) {
		exec_out(c, "copied %s to %s\n", argv[1], argv[2]);
		return PAKS_CMD_OK;
	}
	if (c->cancelled)
		return PAKS_CMD_CANCELLED;
	exec_cause(cause, "#cp %s %s", argv[1], argv[2]);
	return PAKS_CMD_FAIL;
}
