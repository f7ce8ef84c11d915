/* SPDX-License-Identifier: MIT */
/*
 * #envload, #envsave and #envhost: variables for the shell from a named
 * environment (paks env) or from the host.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "envstore.h"
#include "exec.h"
#include "varname.h"

/* The names bash keeps read-only: one line naming them all, and WHAT
 * ("nothing saved") is what did not happen. */
static bool check_shell_names(const struct envset *set, const char *what,
			      char **cause)
{
	struct buf names = {0};
	size_t k = 0;

	for (size_t i = 0; i < set->n; i++) {
		const char *n = set->vars[i].name;
		if (varname_shell_readonly(n, strlen(n)))
			buf_printf(&names, "%s%s", k++ ? " " : "", n);
	}
	if (k > 0)
		*cause = xasprintf("%s: read-only in the shell; %s", names.data,
				   what);
	buf_free(&names);
	return k == 0;
}

/* All or nothing: a value too long to export is refused, never cut, and
 * so is a name the shell keeps read-only. */
static bool export_set(struct exec_ctx *c, const struct envset *set,
		       char **cause)
{
	if (envset_check_sizes(set, cause) < 0 ||
	    (c->vars_fit && !c->vars_fit(c, set, cause))) {
		exec_cause(cause, "nothing exported");
		return false;
	}
	if (!check_shell_names(set, "nothing exported", cause))
		return false;
	for (size_t i = 0; i < set->n; i++)
		exec_setvar(c, set->vars[i].name, set->vars[i].value);
	return true;
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

static bool check_env_name(const char *name, char **cause)
{
	return envstore_check_name(name, cause) == 0;
}

enum exec_status exec_cmd_envload(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	struct envset set = {0};
	char *why = NULL;
	int r;

	(void)argc;
	if (!check_env_name(argv[1], cause))
		return PAKS_CMD_USAGE;
	r = envstore_load(argv[1], &set, &why);
	if (r == -ENOENT) {
		free(why);
		*cause = xasprintf("no environment named '%s' (paks env list)",
				   argv[1]);
		return PAKS_CMD_FAIL;
	}
	if (r < 0) {
		*cause = why;
		return PAKS_CMD_FAIL;
	}
	if (!export_set(c, &set, cause)) {
		envset_free(&set);
		return PAKS_CMD_FAIL;
	}
	cleanup_free char *where = xasprintf("from %s", argv[1]);
	say_names(c, "loaded", &set, where);
	envset_free(&set);
	return PAKS_CMD_OK;
}

/* Parse VAR=VALUE arguments; nothing is changed when one is bad. */
static bool parse_assignments(int argc, char **argv, struct envset *out,
			      char **cause)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq) {
			*cause = xasprintf("'%s' is not VAR=VALUE", argv[i]);
			return false;
		}
		if (!varname_valid(argv[i], (size_t)(eq - argv[i]))) {
			*cause = xasprintf("invalid variable name '%.*s'",
					   (int)(eq - argv[i]), argv[i]);
			return false;
		}
		cleanup_free char *name =
		    xasprintf("%.*s", (int)(eq - argv[i]), argv[i]);
		envset_put(out, name, eq + 1);
	}
	return true;
}

/* Add to the environment's file what it does not have yet. */
static int merge_save(const char *name, const struct envset *add, char **cause)
{
	struct envset set = {0};
	/* Under the lock: #envsave in two sessions at once loses nothing. */
	cleanup_fd int lock = envstore_lock(cause);
	int r = lock < 0 ? lock : envstore_load(name, &set, cause);

	if (r == -ENOENT) {
		free(*cause);
		*cause = NULL;
		r = 0;
	}
	for (size_t i = 0; r == 0 && i < add->n; i++)
		envset_put(&set, add->vars[i].name, add->vars[i].value);
	if (r == 0)
		r = envstore_save(name, &set, cause);
	envset_free(&set);
	return r;
}

enum exec_status exec_cmd_envsave(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	struct envset add = {0};
	enum exec_status st = PAKS_CMD_USAGE;

	if (!check_env_name(argv[1], cause) ||
	    !parse_assignments(argc - 2, argv + 2, &add, cause))
		goto out;
	st = PAKS_CMD_FAIL;
	/* Refused before anything is saved: the shell could not take it. */
	if (!check_shell_names(&add, "nothing saved", cause) ||
	    merge_save(argv[1], &add, cause) < 0 || !export_set(c, &add, cause))
		goto out;
	{
		cleanup_free char *where = xasprintf("to %s", argv[1]);
		say_names(c, "saved", &add, where);
	}
	st = PAKS_CMD_OK;
out:
	envset_free(&add);
	return st;
}

enum exec_status exec_cmd_envhost(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	struct envset set = {0};
	enum exec_status st = PAKS_CMD_OK;

	for (int i = 1; i < argc && st == PAKS_CMD_OK; i++) {
		const char *v = getenv(argv[i]);
		if (!varname_valid(argv[i], strlen(argv[i]))) {
			*cause =
			    xasprintf("invalid variable name '%s'", argv[i]);
			st = PAKS_CMD_USAGE;
		} else if (!v) {
			*cause =
			    xasprintf("'%s' is not set on the host", argv[i]);
			st = PAKS_CMD_FAIL;
		} else {
			envset_put(&set, argv[i], v);
		}
	}
	if (st == PAKS_CMD_OK && !export_set(c, &set, cause))
		st = PAKS_CMD_FAIL;
	if (st == PAKS_CMD_OK)
		say_names(c, "copied", &set, "from the host");
	envset_free(&set);
	return st;
}
