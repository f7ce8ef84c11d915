/* SPDX-License-Identifier: MIT */
/*
 * The built-in '#' commands other than #save, and the command table.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "envstore.h"
#include "exec.h"
#include "hooks.h"
#include "session.h"
#include "words.h"

static int exec_cmd_inspect(struct exec_ctx *c, int argc, char **argv);
static int exec_cmd_size(struct exec_ctx *c, int argc, char **argv);
static int exec_cmd_diff(struct exec_ctx *c, int argc, char **argv);
static int exec_cmd_cp(struct exec_ctx *c, int argc, char **argv);
static int exec_cmd_envload(struct exec_ctx *c, int argc, char **argv);
static int exec_cmd_envsave(struct exec_ctx *c, int argc, char **argv);
static int exec_cmd_envhost(struct exec_ctx *c, int argc, char **argv);

const struct exec_cmd exec_commands[] = {
    {"help", "", "list the paks commands", exec_cmd_help},
    {"save", "[suffix=SUFFIX | NAME[:TAG]]", "save this container as an image",
     exec_cmd_save},
    {"push", "REF [tls-verify=false]",
     "save this container and push it to a registry", exec_cmd_push},
    {"export", "[FILE]",
     "save this container as an archive in the launch directory",
     exec_cmd_export},
    {"inspect", "[SECTION...]", "show the container's JSON, or sections",
     exec_cmd_inspect},
    {"size", "", "show the size of the changes and the image", exec_cmd_size},
    {"diff", "", "list what changed in the container", exec_cmd_diff},
    {"cp", "[host:]SRC [host:]DEST",
     "copy files between the host and the container", exec_cmd_cp},
    {"envload", "NAME", "export a named environment here", exec_cmd_envload},
    {"envsave", "NAME VAR=VALUE...",
     "save variables to a named environment and export them", exec_cmd_envsave},
    {"envhost", "VAR...", "copy variables from the host", exec_cmd_envhost},
    {NULL, NULL, NULL, NULL},
};

int exec_usage(struct exec_ctx *c, const char *name)
{
	const struct exec_cmd *e = exec_find(name);

	exec_err(c, "usage: #%s %s", name, e ? e->usage : "");
	return 2;
}

int exec_cmd_help(struct exec_ctx *c, int argc, char **argv)
{
	struct hook_list hl = {0};

	(void)argv;
	if (argc > 1)
		return exec_usage(c, "help");
	exec_out(c, "paks commands (run on the host):\n");
	for (const struct exec_cmd *e = exec_commands; e->name; e++) {
		cleanup_free char *left =
		    xasprintf("#%s %s", e->name, e->usage);
		exec_out(c, "  %-40s %s\n", left, e->summary);
	}
	hooks_list(&c->s->settings, &hl);
	for (size_t i = 0, shown = 0; i < hl.n; i++) {
		if (exec_find(hl.hooks[i].name))
			continue; /* a built-in always wins */
		if (!shown++)
			exec_out(c, "hooks:\n");
		cleanup_free char *left = xasprintf("#%s", hl.hooks[i].name);
		exec_out(c, "  %-40s %s\n", left,
			 hl.hooks[i].description ? hl.hooks[i].description
						 : "(hook)");
	}
	hooks_list_free(&hl);
	exec_out(c, "Lines starting with '# ' or '#!' stay ordinary "
		    "comments.\n");
	return 0;
}

/* Run `ENGINE container inspect [--size] CTR` and parse it. */
static json_t *inspect_container(struct exec_ctx *c, bool size)
{
	struct strv argv = {0};
	struct buf out = {0};
	struct spawn_opts o = {.out = &out};
	json_error_t je;
	json_t *root, *obj = NULL;
	int r;

	engine_argv(c->s, &argv);
	strv_push(&argv, "container");
	strv_push(&argv, "inspect");
	if (size)
		strv_push(&argv, "--size");
	strv_push(&argv, c->s->container);
	r = exec_engine(c, &argv, &o);
	strv_free(&argv);
	if (r == 0) {
		root = json_loads(out.data ? out.data : "", 0, &je);
		if (json_is_array(root))
			obj = json_incref(json_array_get(root, 0));
		json_decref(root);
	}
	buf_free(&out);
	if (r == 0 && !obj)
		exec_err(c, "could not read the container's JSON");
	return obj;
}

static json_t *find_ci(json_t *obj, const char *key)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
	{
		if (str_ieq(k, key))
			return v;
	}
	return NULL;
}

/* "Config.Env" style paths, each step case-insensitive. */
static json_t *find_path(json_t *obj, const char *path)
{
	cleanup_free char *copy = xstrdup(path);
	char *save = NULL;

	for (char *p = strtok_r(copy, ".", &save); p && obj;
	     p = strtok_r(NULL, ".", &save))
		obj = json_is_object(obj) ? find_ci(obj, p) : NULL;
	return obj;
}

static void dump_json(struct exec_ctx *c, json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);

	if (s) {
		exec_out(c, "%s\n", s);
		free(s);
	}
}

static int exec_cmd_inspect(struct exec_ctx *c, int argc, char **argv)
{
	json_t *obj = inspect_container(c, false);
	int r = 0;

	if (!obj)
		return 1;
	if (argc == 1)
		dump_json(c, obj);
	for (int i = 1; i < argc; i++) {
		json_t *v = find_path(obj, argv[i]);
		if (!v) {
			struct buf keys = {0};
			const char *k;
			json_t *x;
			json_object_foreach(obj, k, x)
			{
				buf_printf(&keys, "%s%s", keys.len ? ", " : "",
					   k);
			}
			exec_err(c, "no section '%s' (sections: %s)", argv[i],
				 keys.data ? keys.data : "");
			buf_free(&keys);
			r = 1;
			continue;
		}
		if (argc > 2)
			exec_out(c, "%s:\n", argv[i]);
		dump_json(c, v);
	}
	json_decref(obj);
	return r;
}

static int exec_cmd_size(struct exec_ctx *c, int argc, char **argv)
{
	json_t *obj;
	double rw = 0, rootfs = 0;
	char a[32], b[32];

	(void)argv;
	if (argc > 1)
		return exec_usage(c, "size");
	obj = inspect_container(c, true);
	if (!obj)
		return 1;
	if (c->s->engine->sizes(obj, &rw, &rootfs) < 0) {
		json_decref(obj);
		exec_err(c, "the engine did not report sizes");
		return 1;
	}
	json_decref(obj);
	format_size(rw, a, sizeof(a));
	format_size(rootfs, b, sizeof(b));
	exec_out(c, "changes: %s\nvirtual: %s (image plus changes)\n", a, b);
	return 0;
}

static int exec_cmd_diff(struct exec_ctx *c, int argc, char **argv)
{
	struct strv a = {0};
	int r;

	(void)argv;
	if (argc > 1)
		return exec_usage(c, "diff");
	engine_argv(c->s, &a);
	strv_push(&a, "diff");
	strv_push(&a, c->s->container);
	r = exec_engine(c, &a, NULL);
	strv_free(&a);
	return r < 0 ? 1 : r;
}

/* Host side of #cp: relative to the launch directory and confined to it
 * unless cp_unconfined is set.  An existing path (or the parent of a new
 * one) must resolve inside, so symlinks cannot lead out either. */
char *exec_host_path(struct exec_ctx *c, const char *p, bool must_exist)
{
	const char *ld = c->s->launch_dir;
	bool confined = !c->s->settings.cp_unconfined;
	char *full, real[PATH_MAX];
	cleanup_free char *parent = NULL;

	if (!*p)
		p = ".";
	if (confined && p[0] == '/') {
		exec_err(c,
			 "host path '%s' is absolute; host paths are "
			 "relative to %s",
			 p, ld);
		return NULL;
	}
	if (confined &&
	    (str_eq(p, "..") || str_has_prefix(p, "../") || strstr(p, "/../") ||
	     (strlen(p) >= 3 && str_eq(p + strlen(p) - 3, "/.."))))
		goto escape;
	full = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", ld, p);
	if (!confined)
		return full;
	if (realpath(full, real)) {
		/* fine */
	} else if (!must_exist && errno == ENOENT) {
		char *slash;
		parent = xstrdup(full);
		slash = strrchr(parent, '/');
		*slash = '\0';
		if (!realpath(*parent ? parent : "/", real)) {
			free(full);
			exec_err(c, "host path '%s': %s", p, strerror(errno));
			return NULL;
		}
	} else {
		exec_err(c, "host path '%s': %s", p, strerror(errno));
		free(full);
		return NULL;
	}
	if (path_is_within(real, ld))
		return full;
	free(full);
escape:
	exec_err(c,
		 "host path '%s' leads outside the launch directory %s "
		 "(setting cp_unconfined allows it)",
		 p, ld);
	return NULL;
}

static char *container_path(struct exec_ctx *c, const char *p)
{
	if (p[0] == '/')
		return xasprintf("%s:%s", c->s->container, p);
	return xasprintf("%s:%s%s%s", c->s->container, c->cwd,
			 str_eq(c->cwd, "/") ? "" : "/", *p ? p : ".");
}

static int exec_cmd_cp(struct exec_ctx *c, int argc, char **argv)
{
	bool src_host, dst_host;
	cleanup_free char *src = NULL;
	cleanup_free char *dst = NULL;
	struct strv a = {0};
	int r;

	if (argc != 3)
		return exec_usage(c, "cp");
	src_host = str_has_prefix(argv[1], "host:");
	dst_host = str_has_prefix(argv[2], "host:");
	if (src_host == dst_host) {
		exec_err(c, "exactly one side of #cp is on the host, written "
			    "host:PATH");
		return 2;
	}
	src = src_host ? exec_host_path(c, argv[1] + 5, true)
		       : container_path(c, argv[1]);
	dst = dst_host ? exec_host_path(c, argv[2] + 5, false)
		       : container_path(c, argv[2]);
	if (!src || !dst)
		return 1;
	engine_argv(c->s, &a);
	strv_push(&a, "cp");
	strv_push(&a, src);
	strv_push(&a, dst);
	r = exec_engine(c, &a, NULL);
	strv_free(&a);
	if (r == 0)
		exec_out(c, "copied %s to %s\n", argv[1], argv[2]);
	return r < 0 ? 1 : r;
}

static void export_set(struct exec_ctx *c, const struct envset *set)
{
	for (size_t i = 0; i < set->n; i++)
		exec_setvar(c, set->vars[i].name, set->vars[i].value);
}

static void say_names(struct exec_ctx *c, const char *verb,
		      const struct envset *set, const char *where)
{
	struct buf names = {0};

	for (size_t i = 0; i < set->n; i++)
		buf_printf(&names, "%s%s", i ? " " : "", set->vars[i].name);
	exec_out(c, "%s %zu variable%s%s%s: %s\n", verb, set->n,
		 set->n == 1 ? "" : "s", where ? " " : "", where ? where : "",
		 names.data ? names.data : "");
	buf_free(&names);
}

static int exec_cmd_envload(struct exec_ctx *c, int argc, char **argv)
{
	struct envset set = {0};
	char *err = NULL;
	int r;

	if (argc != 2)
		return exec_usage(c, "envload");
	if (!envstore_valid_name(argv[1])) {
		exec_err(c, "invalid environment name '%s'", argv[1]);
		return 2;
	}
	r = envstore_load(argv[1], &set, &err);
	if (r == -ENOENT) {
		exec_err(c, "no environment named '%s' (paks env list)",
			 argv[1]);
		free(err);
		return 1;
	}
	if (r < 0) {
		exec_err(c, "%s", err ? err : strerror(-r));
		free(err);
		return 1;
	}
	export_set(c, &set);
	cleanup_free char *where = xasprintf("from %s", argv[1]);
	say_names(c, "loaded", &set, where);
	envset_free(&set);
	return 0;
}

/* Parse VAR=VALUE arguments; nothing is changed when one is bad. */
static int parse_assignments(struct exec_ctx *c, int argc, char **argv,
			     struct envset *out)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		cleanup_free char *name = NULL;
		if (!eq) {
			exec_err(c, "'%s' is not VAR=VALUE", argv[i]);
			return -EINVAL;
		}
		name = xasprintf("%.*s", (int)(eq - argv[i]), argv[i]);
		if (!env_valid_var_name(name)) {
			exec_err(c, "invalid variable name '%s'", name);
			return -EINVAL;
		}
		envset_put(out, name, eq + 1);
	}
	return 0;
}

static int exec_cmd_envsave(struct exec_ctx *c, int argc, char **argv)
{
	struct envset add = {0}, set = {0};
	char *err = NULL;
	int r;

	if (argc < 3)
		return exec_usage(c, "envsave");
	if (!envstore_valid_name(argv[1])) {
		exec_err(c, "invalid environment name '%s'", argv[1]);
		return 2;
	}
	if (parse_assignments(c, argc - 2, argv + 2, &add) < 0) {
		envset_free(&add);
		return 2;
	}
	r = envstore_load(argv[1], &set, &err);
	if (r < 0 && r != -ENOENT) {
		exec_err(c, "%s", err ? err : strerror(-r));
		goto out;
	}
	free(err);
	err = NULL;
	for (size_t i = 0; i < add.n; i++)
		envset_put(&set, add.vars[i].name, add.vars[i].value);
	r = envstore_save(argv[1], &set, &err);
	if (r < 0) {
		exec_err(c, "%s", err ? err : strerror(-r));
		goto out;
	}
	export_set(c, &add);
	{
		cleanup_free char *where = xasprintf("to %s", argv[1]);
		say_names(c, "saved", &add, where);
	}
out:
	free(err);
	envset_free(&add);
	envset_free(&set);
	return r < 0 ? 1 : 0;
}

static int exec_cmd_envhost(struct exec_ctx *c, int argc, char **argv)
{
	struct envset set = {0};

	if (argc < 2)
		return exec_usage(c, "envhost");
	for (int i = 1; i < argc; i++) {
		const char *v = getenv(argv[i]);
		if (!env_valid_var_name(argv[i])) {
			exec_err(c, "invalid variable name '%s'", argv[i]);
			envset_free(&set);
			return 2;
		}
		if (!v) {
			exec_err(c, "'%s' is not set on the host", argv[i]);
			envset_free(&set);
			return 1;
		}
		envset_put(&set, argv[i], v);
	}
	export_set(c, &set);
	say_names(c, "copied", &set, "from the host");
	envset_free(&set);
	return 0;
}
