/* SPDX-License-Identifier: MIT */
/*
 * Host paths named by #cp, #export and the shipped hooks (through
 * `paks path`).  They are relative to the launch directory and confined to
 * it unless the cp_unconfined setting says otherwise: this is the boundary
 * between what the user typed in the container and the host's files.
 *
 * The path is resolved first, as the kernel will resolve it ("sub/../x"
 * is fine when it stays inside), and only then judged.  Everything that
 * resolves outside gets the same answer, whether it exists or not, so the
 * check never tells what exists outside the launch directory.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "session.h"

/* Strip the last component of full (in place); false when none is left. */
static bool strip_last(char *full, size_t keep)
{
	char *slash = strrchr(full, '/');

	if (!slash || (size_t)(slash - full) < keep)
		return false;
	*slash = '\0';
	return true;
}

/* The longest prefix of full that resolves, into real; *rest points into
 * full at what is left ("" when all of it resolved).  full is modified. */
static int resolve_prefix(char *full, size_t keep, char *real,
			  const char **rest, int *err)
{
	char *end = full + strlen(full);

	*err = 0;
	*rest = end;
	while (!realpath(full, real)) {
		if (!*err)
			*err = errno;
		if (!strip_last(full, keep))
			return -1;
		*rest = full + strlen(full) + 1;
	}
	/* Put the slashes back so rest and full read as one path again. */
	for (char *q = full; q < end; q++)
		if (!*q)
			*q = '/';
	return 0;
}

/* A missing rest is one plain name (a new file in an existing directory)
 * only when it has no '/' and is not "." or "..". */
static bool is_new_name(const char *rest)
{
	return !strchr(rest, '/') && !str_eq(rest, ".") && !str_eq(rest, "..");
}

static char *outside(const char *p, const char *ld, char **cause)
{
	*cause = xasprintf("host path '%s' leads outside the launch directory "
			   "%s (setting cp_unconfined allows it)",
			   p, ld);
	return NULL;
}

char *exec_path_confine(const char *ld, const char *p, bool must_exist,
			char **cause)
{
	cleanup_free char *full = NULL;
	char real[PATH_MAX];
	const char *rest;
	struct stat st;
	int err;

	if (!*p)
		p = ".";
	if (p[0] == '/') {
		*cause = xasprintf("host path '%s' is absolute; host paths are "
				   "relative to %s",
				   p, ld);
		return NULL;
	}
	full = xasprintf("%s/%s", ld, p);
	if (resolve_prefix(full, strlen(ld), real, &rest, &err) < 0 ||
	    !path_is_within(real, ld))
		return outside(p, ld, cause);
	if (!*rest)
		return xstrdup(real);
	/* What is left does not resolve.  A dangling symlink may point
	 * anywhere: it is outside as far as the check can tell. */
	if (is_new_name(rest) && lstat(full, &st) == 0)
		return outside(p, ld, cause);
	if (must_exist || !is_new_name(rest) || err != ENOENT) {
		*cause = xasprintf("host path '%s': %s", p, strerror(err));
		return NULL;
	}
	return xasprintf("%s%s%s", real, str_eq(real, "/") ? "" : "/", rest);
}

/* path with its longest existing prefix resolved (malloc'd). */
static char *real_of(const char *path)
{
	cleanup_free char *full = xstrdup(path);
	char real[PATH_MAX];
	const char *rest;
	int err;

	if (resolve_prefix(full, 1, real, &rest, &err) < 0)
		return xstrdup(path);
	if (!*rest)
		return xstrdup(real);
	return xasprintf("%s%s%s", real, str_eq(real, "/") ? "" : "/", rest);
}

/* A path in a directory the container can write (a -v mount without
 * "ro"), or one holding such a directory, can be turned elsewhere by a
 * process in the container between paks's check and the engine's use of
 * it (a symlink swapped in): refused, whatever cp_unconfined says. */
static bool in_rw_bind(const struct session *s, const char *p, const char *real,
		       char **cause)
{
	for (size_t i = 0; i < s->rw_binds.n; i++) {
		const char *b = s->rw_binds.v[i];

		if (path_is_within(real, b) || path_is_within(b, real)) {
			*cause = xasprintf(
			    "host path '%s' is in %s, which the container "
			    "can write (-v): something in the container could "
			    "turn the copy elsewhere; copy it inside the "
			    "container instead, or mount it with :ro",
			    p, b);
			return true;
		}
	}
	return false;
}

char *exec_host_path(const struct session *s, const char *p, bool must_exist,
		     char **cause)
{
	cleanup_free char *real = NULL;
	cleanup_free char *r = NULL;
	char *path;

	if (!s->settings.cp_unconfined && p[0] == '/')
		return exec_path_confine(s->launch_dir, p, must_exist, cause);
	path = p[0] == '/' ? xstrdup(p)
			   : xasprintf("%s/%s", s->launch_dir, *p ? p : ".");
	/* First where the name is now, dangling or not: a name the
	 * container can swap is refused as such, whatever the swap made of
	 * it at this instant (a symlink to a path only the container has). */
	r = real_of(path);
	if (in_rw_bind(s, p, r, cause))
		goto refused;
	if (s->settings.cp_unconfined)
		return path;
	real = exec_path_confine(s->launch_dir, p, must_exist, cause);
	if (!real || in_rw_bind(s, p, real, cause))
		goto refused;
	/* The engine gets the path as typed (so a copy keeps the name the
	 * user gave it), now known to resolve inside. */
	return path;
refused:
	free(path);
	return NULL;
}
