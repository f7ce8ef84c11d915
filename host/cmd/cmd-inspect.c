/* SPDX-License-Identifier: MIT */
/*
 * #inspect [SECTION...], #size and #diff: what the engine says about the
 * running container.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine.h"
#include "exec.h"
#include "session.h"

/* Run `ENGINE container inspect [--size] CTR` and parse it. */
static json_t *inspect_container(struct exec_ctx *c, bool size, char **cause)
{
	struct strv argv = {0};
	struct buf out = {0};
	struct spawn_opts o = {.out = &out};
	json_error_t je;
	json_t *root, *obj = NULL;
	int r;

	engine_argv(&c->s->eng, &argv);
	strv_push(&argv, "container");
	strv_push(&argv, "inspect");
	if (size)
		strv_push(&argv, "--size");
	strv_push(&argv, c->s->container);
	r = exec_engine(c, &argv, &o, cause);
	strv_free(&argv);
	if (r == 0) {
		root = json_loads(out.data ? out.data : "", 0, &je);
		if (json_is_array(root))
			obj = json_incref(json_array_get(root, 0));
		json_decref(root);
	}
	buf_free(&out);
	if (r > 0)
		*cause =
		    xasprintf("container inspect exited with status %d", r);
	else if (r == 0 && !obj)
		*cause = xstrdup("could not read the container's JSON");
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

/* A missing section is named with the ones there are. */
static char *no_section(json_t *obj, const char *name)
{
	struct buf keys = {0};
	const char *k;
	json_t *x;
	char *msg;

	json_object_foreach(obj, k, x)
	{
		buf_printf(&keys, "%s%s", keys.len ? ", " : "", k);
	}
	msg = xasprintf("no section '%s' (sections: %s)", name,
			keys.data ? keys.data : "");
	buf_free(&keys);
	return msg;
}

enum exec_status exec_cmd_inspect(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	json_t *obj = inspect_container(c, false, cause);
	enum exec_status st = PAKS_CMD_OK;

	if (!obj)
		return PAKS_CMD_FAIL;
	if (argc == 1)
		dump_json(c, obj);
	for (int i = 1; i < argc; i++) {
		json_t *v = find_path(obj, argv[i]);
		if (!v) {
			/* The others are still shown; the last miss is the
			 * cause, earlier ones are reported as they come. */
			if (*cause)
				exec_err(c, "%s", *cause);
			free(*cause);
			*cause = no_section(obj, argv[i]);
			st = PAKS_CMD_FAIL;
			continue;
		}
		if (argc > 2)
			exec_out(c, "%s:\n", argv[i]);
		dump_json(c, v);
	}
	json_decref(obj);
	return st;
}

enum exec_status exec_cmd_size(struct exec_ctx *c, int argc, char **argv,
			       char **cause)
{
	json_t *obj;
	double rw = 0, rootfs = 0;
	char a[32], b[32];

	(void)argc;
	(void)argv;
	obj = inspect_container(c, true, cause);
	if (!obj)
		return PAKS_CMD_FAIL;
	if (c->s->eng.engine->sizes(obj, &rw, &rootfs) < 0) {
		json_decref(obj);
		*cause = xstrdup("the engine did not report sizes");
		return PAKS_CMD_FAIL;
	}
	json_decref(obj);
	format_size(rw, a, sizeof(a));
	format_size(rootfs, b, sizeof(b));
	exec_out(c, "changes: %s\nvirtual: %s (image plus changes)\n", a, b);
	return PAKS_CMD_OK;
}

enum exec_status exec_cmd_diff(struct exec_ctx *c, int argc, char **argv,
			       char **cause)
{
	struct strv a = {0};
	int r;

	(void)argc;
	(void)argv;
	engine_argv(&c->s->eng, &a);
	strv_push(&a, "diff");
	strv_push(&a, c->s->container);
	r = exec_engine(c, &a, NULL, cause);
	strv_free(&a);
	return exec_result(c, r);
}
