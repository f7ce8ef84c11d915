/* SPDX-License-Identifier: MIT */
/*
 * Host paths named by #cp and #export.  They are relative to the launch
 * directory and confined to it unless the cp_unconfined setting says
 * otherwise: this is the boundary between what the user typed in the
 * container and the host's files.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "session.h"

static bool has_dotdot(const char *p)
{
	size_t n = strlen(p);

	return str_eq(p, "..") || str_has_prefix(p, "../") ||
	       strstr(p, "/../") || (n >= 3 && str_eq(p + n - 3, "/.."));
}

/* Resolve full, or for a new path (!must_exist) its parent, into real. */
static int resolve(const char *full, bool must_exist, char *real)
{
	cleanup_free char *parent = NULL;
	char *slash;

	if (realpath(full, real))
		return 0;
	if (must_exist || errno != ENOENT)
		return -errno;
	parent = xstrdup(full);
	slash = strrchr(parent, '/');
	*slash = '\0';
	if (!realpath(*parent ? parent : "/", real))
		return -errno;
	return 0;
}

/* An existing path (or the parent of a new one) must resolve inside, so
 * symlinks cannot lead out either. */
char *exec_host_path(const struct session *s, const char *p, bool must_exist,
		     char **cause)
{
	const char *ld = s->launch_dir;
	bool confined = !s->settings.cp_unconfined;
	cleanup_free char *full = NULL;
	char real[PATH_MAX];
	int r;

	if (!*p)
		p = ".";
	if (confined && p[0] == '/') {
		*cause = xasprintf("host path '%s' is absolute; host paths are "
				   "relative to %s",
				   p, ld);
		return NULL;
	}
	if (confined && has_dotdot(p))
		goto escape;
	full = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", ld, p);
	if (!confined)
		return steal_pointer(&full);
	r = resolve(full, must_exist, real);
	if (r < 0) {
		*cause = xasprintf("host path '%s': %s", p, strerror(-r));
		return NULL;
	}
	if (path_is_within(real, ld))
		return steal_pointer(&full);
escape:
	*cause = xasprintf("host path '%s' leads outside the launch directory "
			   "%s (setting cp_unconfined allows it)",
			   p, ld);
	return NULL;
}
