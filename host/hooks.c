/* SPDX-License-Identifier: MIT */
/*
 * User-defined '#' commands.  A '#name' that is not built in runs the
 * executable `name` found first in $XDG_CONFIG_HOME/paks/hooks, the shipped
 * share/paks/hooks next to the paks executable (the source tree's hooks/
 * when running from a build tree), then the `hooks_path` setting.  Hooks run
 * on the host with an argv, in the launch directory, with PAKS_* variables
 * describing the session; they hand variables back to the shell on fd 3,
 * as NAME=VALUE\0 records or, when the stream holds no NUL byte, in the
 * GitHub Actions env-file format (envfile.c).  Also `paks hooks list|dirs`.
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

#include "cli.h"
#include "envfile.h"
#include "exec.h"
#include "hooks.h"
#include "log.h"
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
    "PAKS_ENGINE",    "PAKS_ENGINE_ARGS", "PAKS_CONTAINER",
    "PAKS_IMAGE",     "PAKS_IMAGE_ID",	  "PAKS_LAUNCH_DIR",
    "PAKS_SHELL_CWD", "PAKS_HOOK_NAME",	  NULL,
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

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
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
	if (is_dir(PAKS_SOURCE_DIR "/hooks")) {
		dirs_push(v, xstrdup(PAKS_SOURCE_DIR "/hooks"));
		return;
	}
#endif
	{
		cleanup_free char *src = xasprintf("%s/../hooks", exe);
		char *real = is_dir(src) ? realpath(src, NULL) : NULL;
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

static void dirs_free(char **dirs)
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

int hooks_find(const struct settings *s, const char *name, char **path)
{
	char **dirs = NULL;
	int r = -ENOENT;

	*path = NULL;
	if (!hooks_valid_name(name))
		return -EINVAL;
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
	dirs_free(dirs);
	return r;
}

/* Trim and sanitise a description: printable ASCII/UTF-8 only, bounded. */
static char *clean_description(const char *s, size_t n)
{
	struct buf b = {0};

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return NULL;
	if (n > DESC_MAX_LEN)
		n = DESC_MAX_LEN;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char out = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
		buf_append(&b, &out, 1);
	}
	return b.data;
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
	return clean_description(line + i, n - i);
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

static char *file_description(const char *path)
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

/* Call fn for every valid, executable hook in dir, in directory order. */
static void scan_dir(const char *dir,
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
	h->description = file_description(path);
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
		scan_dir(dirs[i], list_add_first, out);
	dirs_free(dirs);
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

/* ---- fd 3 records ---- */

/* The same rule as shell variables: [A-Za-z_][A-Za-z0-9_]*. */
static int valid_var_name(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return 0;
	}
	return 1;
}

struct record_error {
	const char *reason; /* of the first bad record */
	const char *rec;    /* its start in the data */
	size_t rec_len;
	size_t bad;
};

static void record_fail(struct record_error *e, const char *reason,
			const char *rec, size_t n)
{
	if (e->bad++ == 0) {
		e->reason = reason;
		e->rec = rec;
		e->rec_len = n;
	}
}

/* One record rec[0..n) (without its NUL).  Bad records are counted and
 * skipped; the callback's own failure stops the parse. */
static int parse_one(const char *rec, size_t n, int terminated,
		     int (*cb)(void *, const char *, const char *), void *arg,
		     struct record_error *e)
{
	const char *eq = memchr(rec, '=', n);
	cleanup_free char *name = NULL;
	cleanup_free char *value = NULL;

	if (!terminated) {
		record_fail(e, "last record is not NUL-terminated", rec, n);
		return 0;
	}
	if (!eq) {
		record_fail(e, "record without '='", rec, n);
		return 0;
	}
	if (!valid_var_name(rec, (size_t)(eq - rec))) {
		record_fail(e, "invalid variable name", rec, n);
		return 0;
	}
	name = strndup(rec, (size_t)(eq - rec));
	value = strndup(eq + 1, n - (size_t)(eq - rec) - 1);
	if (!name || !value)
		return -ENOMEM;
	return cb(arg, name, value);
}

static int parse_records(const char *data, size_t len,
			 int (*cb)(void *, const char *, const char *),
			 void *arg, struct record_error *e)
{
	size_t pos = 0;

	memset(e, 0, sizeof(*e));
	while (pos < len) {
		const char *nul = memchr(data + pos, '\0', len - pos);
		size_t n = nul ? (size_t)(nul - (data + pos)) : len - pos;
		int r;

		/* Empty records (a stray extra NUL) carry nothing: skip. */
		if (n > 0) {
			r = parse_one(data + pos, n, nul != NULL, cb, arg, e);
			if (r < 0)
				return r;
		}
		pos += n + 1;
	}
	return e->bad ? -EINVAL : 0;
}

int hooks_parse_records(const char *data, size_t len,
			int (*cb)(void *arg, const char *name,
				  const char *value),
			void *arg, const char **err)
{
	struct record_error e;
	int r = parse_records(data, len, cb, arg, &e);

	if (err)
		*err = e.bad ? e.reason : NULL;
	return r;
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

	/* The engine's global flags (--root, --url, ...), one per line, so a
	 * hook reaches the same storage as paks. */
	buf_printf(&args, "PAKS_ENGINE_ARGS=");
	for (size_t i = 0; i < s->engine_args.n; i++)
		buf_printf(&args, "%s%s", i ? "\n" : "", s->engine_args.v[i]);
	for (char **e = environ; e && *e; e++) {
		if (!is_hook_env(*e))
			strv_push(env, *e);
	}
	strv_pushf(env, "PAKS_ENGINE=%s", s->engine_path ? s->engine_path : "");
	strv_push(env, args.data);
	strv_pushf(env, "PAKS_CONTAINER=%s", s->container ? s->container : "");
	strv_pushf(env, "PAKS_IMAGE=%s", s->image ? s->image : "");
	strv_pushf(env, "PAKS_IMAGE_ID=%s", s->image_id ? s->image_id : "");
	strv_pushf(env, "PAKS_LAUNCH_DIR=%s",
		   s->launch_dir ? s->launch_dir : "");
	strv_pushf(env, "PAKS_SHELL_CWD=%s", c->cwd ? c->cwd : "");
	strv_pushf(env, "PAKS_HOOK_NAME=%s", name);
	buf_free(&args);
}

static int setvar_cb(void *arg, const char *name, const char *value)
{
	exec_setvar(arg, name, value);
	return 0;
}

/* A short, printable rendering of a bad record's start for the error. */
static char *record_excerpt(const struct record_error *e)
{
	size_t n = e->rec_len;
	const char *eq = memchr(e->rec, '=', n);
	char *s;

	if (eq)
		n = (size_t)(eq - e->rec);
	s = clean_description(e->rec, n > 40 ? 40 : n);
	return s ? s : xstrdup("");
}

/* The same report as for NUL records: good pairs are exported, the first
 * bad one is named, status 1. */
static int export_envfile(struct exec_ctx *c, const char *name,
			  const struct buf *fd3)
{
	struct envfile f;
	int r = envfile_parse(fd3->data, fd3->len, &f);

	for (size_t i = 0; i < f.n; i++)
		exec_setvar(c, f.pairs[i].name, f.pairs[i].value);
	if (r < 0)
		exec_err(c,
			 "hook '%s': skipped %zu bad variable record%s on fd 3 "
			 "(%s)",
			 name, f.bad, f.bad == 1 ? "" : "s", f.cause);
	envfile_free(&f);
	return r < 0 ? 1 : 0;
}

static int export_records(struct exec_ctx *c, const char *name,
			  const struct buf *fd3)
{
	struct record_error e;
	cleanup_free char *what = NULL;
	int r;

	if (!fd3->len)
		return 0;
	if (!memchr(fd3->data, '\0', fd3->len))
		return export_envfile(c, name, fd3);
	r = parse_records(fd3->data, fd3->len, setvar_cb, c, &e);
	if (r == 0)
		return 0;
	if (r != -EINVAL) {
		exec_err(c, "hook '%s': %s", name, strerror(-r));
		return 1;
	}
	what = record_excerpt(&e);
	exec_err(c,
		 "hook '%s': skipped %zu bad variable record%s on fd 3 (%s: "
		 "'%s')",
		 name, e.bad, e.bad == 1 ? "" : "s", e.reason, what);
	return 1;
}

int hooks_run(struct exec_ctx *c, const char *path, int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : path;
	struct strv av = {0}, env = {0};
	struct buf fd3 = {0};
	struct spawn_opts o = {0};
	int r;

	strv_push(&av, path);
	for (int i = 1; i < argc; i++)
		strv_push(&av, argv[i]);
	hook_env(c, name, &env);
	o.envp = env.v;
	o.dir = c->s->launch_dir;
	o.fd3 = &fd3;
	r = exec_spawn(c, av.v, &o);
	if (r < 0) {
		exec_err(c, "hook '%s' could not be started: %s", name,
			 strerror(-r));
		r = r == -ENOENT ? 127 : 126;
	} else if (c->cancelled) {
		/* Interrupted: nothing it wrote on fd 3 is trusted. */
	} else if (r != 0) {
		exec_err(c, "hook '%s' exited with status %d%s", name, r,
			 fd3.len ? " (variables not exported)" : "");
	} else {
		r = export_records(c, name, &fd3);
	}
	buf_free(&fd3);
	strv_free(&env);
	strv_free(&av);
	return r;
}

/* ---- paks hooks ---- */

static const char hooks_usage[] =
    "Usage: paks hooks [list | dirs]\n"
    "\n"
    "User-defined '#' commands.  Typing '#NAME ARGS...' in a paks shell\n"
    "runs the executable NAME from the first hook directory that has it\n"
    "(built-in commands win).  A hook runs on the host, in the directory\n"
    "where 'paks run' was started, with PAKS_ENGINE, PAKS_CONTAINER,\n"
    "PAKS_IMAGE, PAKS_IMAGE_ID, PAKS_LAUNCH_DIR and PAKS_SHELL_CWD set.\n"
    "It exports variables to the shell on file descriptor 3: NAME=VALUE\\0\n"
    "records, or (when it writes no NUL byte) GitHub Actions env-file\n"
    "lines, NAME=VALUE and NAME<<DELIM ... DELIM.  A '# paks: TEXT' line\n"
    "near its top describes it.\n"
    "\n"
    "Commands:\n"
    "  list    show the hooks found, where, and their descriptions (default)\n"
    "  dirs    print the directories searched, in order\n";

struct list_state {
	struct hook_list seen;
	size_t width, path_width;
	int pass; /* 0: measure, 1: print */
};

static void print_hook(void *arg, const char *name, const char *path)
{
	struct list_state *st = arg;
	int shadowed = list_lookup(&st->seen, name) != NULL;
	cleanup_free char *desc = NULL;
	size_t len = strlen(name);

	if (st->pass == 0) {
		if (len > st->width)
			st->width = len;
		if (strlen(path) > st->path_width)
			st->path_width = strlen(path);
		return;
	}
	desc = shadowed ? xstrdup("(shadowed by an earlier directory)")
			: file_description(path);
	if (desc)
		printf("%-*s  %-*s  %s\n", (int)st->width, name,
		       (int)st->path_width, path, desc);
	else
		printf("%-*s  %s\n", (int)st->width, name, path);
	if (!shadowed)
		list_add(&st->seen, name, path);
}

static int hooks_cmd_list(const struct settings *s)
{
	struct list_state st = {0};
	char **dirs = NULL;

	hooks_dirs(s, &dirs);
	for (st.pass = 0; st.pass < 2; st.pass++) {
		for (size_t i = 0; dirs[i]; i++)
			scan_dir(dirs[i], print_hook, &st);
	}
	if (st.seen.n == 0)
		printf("no hooks found (see 'paks hooks dirs')\n");
	hooks_list_free(&st.seen);
	dirs_free(dirs);
	return 0;
}

static int hooks_cmd_dirs(const struct settings *s)
{
	char **dirs = NULL;

	hooks_dirs(s, &dirs);
	for (size_t i = 0; dirs[i]; i++)
		printf("%s%s\n", dirs[i], is_dir(dirs[i]) ? "" : "  (missing)");
	dirs_free(dirs);
	return 0;
}

int cmd_hooks(int argc, char **argv)
{
	struct settings s;
	const char *sub = argc > 1 ? argv[1] : "list";
	int r;

	if (cli_wants_help(argc, argv)) {
		fputs(hooks_usage, stdout);
		return 0;
	}
	if (argc > 2 || (strcmp(sub, "list") && strcmp(sub, "dirs"))) {
		log_error("usage: paks hooks [list | dirs] (see 'paks hooks "
			  "--help')");
		return EXIT_USAGE;
	}
	if (settings_load_effective(&s, NULL) < 0) {
		settings_free(&s);
		return 1;
	}
	r = strcmp(sub, "dirs") == 0 ? hooks_cmd_dirs(&s) : hooks_cmd_list(&s);
	settings_free(&s);
	return r;
}
