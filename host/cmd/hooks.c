/* SPDX-License-Identifier: MIT */
/*
 * User-defined '#' commands.  A '#name' that is not built in runs the
 * executable `name` found first in $XDG_CONFIG_HOME/paks/hooks, the shipped
 * share/paks/hooks next to the paks executable (the source tree's hooks/
 * when running from a build tree), then the `hooks_path` setting.  Hooks run
 * on the host with an argv, in the launch directory, with PAKS_* variables
 * describing the session; they hand variables back to the shell on fd 3,
 * as NAME=VALUE\0 records (hook-records.c) or, when the stream holds no NUL
 * byte, in the GitHub Actions env-file format (envfile.c).  `paks hooks` is
 * in cli-hooks.c.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envfile.h"
#include "envstore.h"
#include "exec.h"
#include "hook-records.h"
#include "hooks.h"
#include "session.h"
#include "settings.h"
#include "util.h"

extern char **environ;

#define HOOK_NAME_MAX 64
/* Where a "# paks: ..." description may sit: the first lines of the file. */
#define DESC_MAX_BYTES 4096
#define DESC_MAX_LINES 10
#define DESC_MAX_LEN   200

static const char *const hook_env_names[] = {
    "PAKS_ENGINE",   "PAKS_ENGINE_ARGS",   "PAKS_CONTAINER", "PAKS_IMAGE",
    "PAKS_IMAGE_ID", "PAKS_LAUNCH_DIR",	   "PAKS_SHELL_CWD", "PAKS_HOOK_NAME",
    "PAKS_PROGRAM",  "PAKS_CP_UNCONFINED", "PAKS_ROOTFS",    NULL,
};

int hooks_valid_name(const char *name)
{
	size_t n;

	if (!name || !*name)
		return 0;
	/* No leading dot or dash: no hidden files, nothing that reads as an
	 * option when the name is echoed back into a command line. */
	if (name[0] == '.' || name[0] == '-')
		return 0;
	for (n = 0; name[n]; n++) {
		char ch = name[n];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	return n <= HOOK_NAME_MAX;
}

static void dirs_push(struct strv *v, char *dir)
{
	for (size_t i = 0; i < v->n; i++) {
		if (strcmp(v->v[i], dir) == 0) {
			free(dir);
			return;
		}
	}
	strv_push(v, dir);
	free(dir);
}

/* The shipped hooks.  Installed: <prefix>/bin/paks finds
 * <prefix>/share/paks/hooks.  In a build tree (the preload library sits
 * next to the executable) the source tree's hooks/ is used instead: the
 * compile-time PAKS_SOURCE_DIR for out-of-tree builds (make O=...), or
 * <exe dir>/../hooks for the in-tree build/paks. */
static void shipped_dirs(struct strv *v)
{
	cleanup_free char *exe = paks_exe_dir();

	if (!exe)
		return;
	if (!paks_exe_in_build_tree(exe)) {
		/* exe is already canonical: its parent is the prefix. */
		char *slash = strrchr(exe, '/');
		*slash = '\0';
		dirs_push(v, xasprintf("%s/share/paks/hooks", exe));
		return;
	}
#ifdef PAKS_SOURCE_DIR
	if (path_is_dir(PAKS_SOURCE_DIR "/hooks")) {
		dirs_push(v, xstrdup(PAKS_SOURCE_DIR "/hooks"));
		return;
	}
#endif
	{
		cleanup_free char *src = xasprintf("%s/../hooks", exe);
		char *real = path_is_dir(src) ? realpath(src, NULL) : NULL;
		if (real)
			dirs_push(v, real);
	}
}

/* A hooks_path entry: absolute, or "~/..." under $HOME.  Relative entries
 * are ignored: relative to what would be a guess. */
static char *expand_path_entry(const char *e)
{
	const char *home = getenv("HOME");

	if (e[0] == '/')
		return xstrdup(e);
	if (e[0] == '~' && (e[1] == '/' || e[1] == '\0') && home && *home)
		return xasprintf("%s%s", home, e + 1);
	return NULL;
}

void hooks_dirs(const struct settings *s, char ***dirs)
{
	struct strv v = {0};
	cleanup_free char *conf = paks_config_dir();

	dirs_push(&v, xasprintf("%s/hooks", conf));
	shipped_dirs(&v);
	for (size_t i = 0; s && s->hooks_path && s->hooks_path[i]; i++) {
		char *d = expand_path_entry(s->hooks_path[i]);
		if (d)
			dirs_push(&v, d);
	}
	*dirs = v.v;
}

void hooks_dirs_free(char **dirs)
{
	for (size_t i = 0; dirs && dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
}

/* 0 when dir/name is a regular file we may execute, else -errno. */
static int check_hook_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOENT;
	if (access(path, X_OK) < 0)
		return -EACCES;
	return 0;
}

/* The hook file for name in the hook directories: 0 and *path, -EACCES
 * when one is there but not executable, or -ENOENT. */
static int find_in_dirs(const struct settings *s, const char *name, char **path)
{
	char **dirs = NULL;
	int r = -ENOENT;

	hooks_dirs(s, &dirs);
	for (size_t i = 0; dirs[i]; i++) {
		cleanup_free char *p = xasprintf("%s/%s", dirs[i], name);
		int c = check_hook_file(p);

		if (c == 0) {
			*path = steal_pointer(&p);
			r = 0;
			break;
		}
		/* Remember a file that is there but not executable, so the
		 * user hears "not executable" instead of "unknown command". */
		if (c == -EACCES)
			r = -EACCES;
	}
	hooks_dirs_free(dirs);
	return r;
}

enum exec_status hooks_find(const struct settings *s, const char *name,
			    char **path, char **cause)
{
	int r;

	*path = NULL;
	if (!hooks_valid_name(name)) {
		*cause = xasprintf("invalid command name '%s'", name);
		return PAKS_CMD_USAGE;
	}
	r = find_in_dirs(s, name, path);
	if (r == 0)
		return PAKS_CMD_OK;
	if (r == -EACCES) {
		*cause = xasprintf("hook '%s' is not executable (chmod +x it)",
				   name);
		return PAKS_CMD_NOEXEC;
	}
	*cause = xasprintf("unknown command '#%s' (see #help)", name);
	return PAKS_CMD_NOTFOUND;
}

/* Look for "# paks: TEXT" at the start of one line (leading blanks allowed). */
static char *line_description(const char *line, size_t n)
{
	static const char tag[] = "paks:";
	size_t i = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= n || line[i] != '#')
		return NULL;
	i++;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (n - i < sizeof(tag) - 1 || memcmp(line + i, tag, sizeof(tag) - 1))
		return NULL;
	i += sizeof(tag) - 1;
	return str_printable(line + i, n - i, DESC_MAX_LEN);
}

/* The description in the first lines of a file's text; NULL for none or for
 * binary data (a NUL byte). */
static char *text_description(const char *data, size_t len)
{
	size_t pos = 0;

	if (len > DESC_MAX_BYTES)
		len = DESC_MAX_BYTES;
	if (memchr(data, '\0', len))
		return NULL;
	for (int line = 0; line < DESC_MAX_LINES && pos < len; line++) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
		char *d = line_description(data + pos, n);
		if (d)
			return d;
		pos += n + 1;
	}
	return NULL;
}

char *hooks_description(const char *path)
{
	cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	char data[DESC_MAX_BYTES];
	size_t len = 0;

	if (fd < 0)
		return NULL;
	while (len < sizeof(data)) {
		ssize_t n = read(fd, data + len, sizeof(data) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	return text_description(data, len);
}

void hooks_scan_dir(const char *dir,
		    void (*fn)(void *arg, const char *name, const char *path),
		    void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		cleanup_free char *p = NULL;

		if (!hooks_valid_name(e->d_name))
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (check_hook_file(p) == 0)
			fn(arg, e->d_name, p);
	}
	closedir(d);
}

static struct hook *list_lookup(struct hook_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->hooks[i].name, name) == 0)
			return &l->hooks[i];
	}
	return NULL;
}

static void list_add(struct hook_list *l, const char *name, const char *path)
{
	struct hook *h;

	l->hooks = xrealloc(l->hooks, (l->n + 1) * sizeof(*l->hooks));
	h = &l->hooks[l->n++];
	h->name = xstrdup(name);
	h->path = xstrdup(path);
	h->description = hooks_description(path);
}

static void list_add_first(void *arg, const char *name, const char *path)
{
	struct hook_list *l = arg;

	if (!list_lookup(l, name))
		list_add(l, name, path);
}

static int hook_cmp(const void *a, const void *b)
{
	const struct hook *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void hooks_list(const struct settings *s, struct hook_list *out)
{
	char **dirs = NULL;

	memset(out, 0, sizeof(*out));
	hooks_dirs(s, &dirs);
	for (size_t i = 0; dirs[i]; i++)
		hooks_scan_dir(dirs[i], list_add_first, out);
	hooks_dirs_free(dirs);
	if (out->n > 1)
		qsort(out->hooks, out->n, sizeof(*out->hooks), hook_cmp);
}

void hooks_list_free(struct hook_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->hooks[i].name);
		free(l->hooks[i].path);
		free(l->hooks[i].description);
	}
	free(l->hooks);
	memset(l, 0, sizeof(*l));
}

/* ---- running ---- */

static int is_hook_env(const char *entry)
{
	for (size_t i = 0; hook_env_names[i]; i++) {
		size_t n = strlen(hook_env_names[i]);
		if (strncmp(entry, hook_env_names[i], n) == 0 &&
		    entry[n] == '=')
			return 1;
	}
	return 0;
}

static void hook_env(const struct exec_ctx *c, const char *name,
		     struct strv *env)
{
	const struct session *s = c->s;
	struct buf args = {0};
	cleanup_free char *exe = paks_exe_path();

	/* The engine's global flags (--root, --url, ...), one per line, so a
	 * hook reaches the same storage as paks. */
	buf_printf(&args, "PAKS_ENGINE_ARGS=");
	for (size_t i = 0; i < s->eng.args.n; i++)
		buf_printf(&args, "%s%s", i ? "\n" : "", s->eng.args.v[i]);
	for (char **e = environ; e && *e; e++) {
		if (!is_hook_env(*e))
			strv_push(env, *e);
	}
	strv_pushf(env, "PAKS_ENGINE=%s", s->eng.path ? s->eng.path : "");
	strv_push(env, args.data);
	strv_pushf(env, "PAKS_CONTAINER=%s", s->container ? s->container : "");
	strv_pushf(env, "PAKS_IMAGE=%s", s->image ? s->image : "");
	strv_pushf(env, "PAKS_IMAGE_ID=%s", s->image_id ? s->image_id : "");
	strv_pushf(env, "PAKS_LAUNCH_DIR=%s",
		   s->launch_dir ? s->launch_dir : "");
	strv_pushf(env, "PAKS_SHELL_CWD=%s", c->cwd ? c->cwd : "");
	strv_pushf(env, "PAKS_HOOK_NAME=%s", name);
	/* Hooks confine the paths they write with `"$PAKS_PROGRAM" path`. */
	strv_pushf(env, "PAKS_PROGRAM=%s", exe ? exe : "paks");
	strv_pushf(env, "PAKS_CP_UNCONFINED=%d", s->settings.cp_unconfined);
	/* A backend without an engine CLI (Charliecloud): the container's
	 * files are this directory on the host. */
	strv_pushf(env, "PAKS_ROOTFS=%s", s->rootfs ? s->rootfs : "");
	buf_free(&args);
}

static int setvar_cb(void *arg, const char *name, const char *value)
{
	exec_setvar(arg, name, value);
	return 0;
}

/* The same report as for NUL records: good pairs are exported, the first
 * bad one is named, status 1. */
static enum exec_status export_envfile(struct exec_ctx *c, const char *name,
				       const struct buf *fd3, char **cause)
{
	struct envfile f;
	int r = envfile_parse(fd3->data, fd3->len, &f);

	for (size_t i = 0; i < f.n; i++)
		exec_setvar(c, f.pairs[i].name, f.pairs[i].value);
	if (r < 0)
		*cause = xasprintf("hook '%s': skipped %zu bad variable "
				   "record%s on fd 3 (%s)",
				   name, f.bad, f.bad == 1 ? "" : "s", f.cause);
	envfile_free(&f);
	return r < 0 ? PAKS_CMD_FAIL : PAKS_CMD_OK;
}

static enum exec_status export_records(struct exec_ctx *c, const char *name,
				       const struct buf *fd3, char **cause)
{
	struct hook_record_error e;
	cleanup_free char *what = NULL;
	int r;

	if (!fd3->len)
		return PAKS_CMD_OK;
	if (!memchr(fd3->data, '\0', fd3->len))
		return export_envfile(c, name, fd3, cause);
	r = hook_records_parse(fd3->data, fd3->len, setvar_cb, c, &e);
	if (r == 0)
		return PAKS_CMD_OK;
	if (r != -EINVAL) {
		*cause = xasprintf("hook '%s': %s", name, strerror(-r));
		return PAKS_CMD_FAIL;
	}
	what = hook_records_excerpt(&e);
	*cause = xasprintf("hook '%s': skipped %zu bad variable record%s on "
			   "fd 3 (%s: '%s')",
			   name, e.bad, e.bad == 1 ? "" : "s", e.reason, what);
	return PAKS_CMD_FAIL;
}

enum exec_status hooks_run(struct exec_ctx *c, const char *path, int argc,
			   char **argv, char **cause)
{
	const char *name = argc > 0 ? argv[0] : path;
	struct strv av = {0}, env = {0};
	struct buf fd3 = {0};
	struct spawn_opts o = {0};
	enum exec_status st;
	int r;

	strv_push(&av, path);
	for (int i = 1; i < argc; i++)
		strv_push(&av, argv[i]);
	hook_env(c, name, &env);
	o.envp = env.v;
	o.dir = c->s->launch_dir;
	o.fd3 = &fd3;
	o.fd3_max = ENVSTORE_MAX_SIZE;
	r = exec_spawn(c, av.v, &o);
	st = exec_result(c, r);
	if (r == -EFBIG) {
		*cause =
		    xasprintf("hook '%s' wrote more than %d bytes on fd 3; "
			      "it was stopped and no variable is set",
			      name, ENVSTORE_MAX_SIZE);
	} else if (r < 0) {
		*cause = xasprintf("hook '%s' could not be started: %s", name,
				   strerror(-r));
		st = r == -ENOENT ? PAKS_CMD_NOTFOUND : PAKS_CMD_NOEXEC;
	} else if (st == PAKS_CMD_EXITED) {
		*cause = xasprintf("hook '%s' exited with status %d%s", name, r,
				   fd3.len ? " (variables not exported)" : "");
	} else if (st == PAKS_CMD_OK) {
		/* Cancelled: nothing it wrote on fd 3 is trusted. */
		st = export_records(c, name, &fd3, cause);
	}
	buf_free(&fd3);
	strv_free(&env);
	strv_free(&av);
	return st;
}
