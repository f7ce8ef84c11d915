/* SPDX-License-Identifier: MIT */
/*
 * `paks hooks [list | dirs]`: the user-defined '#' commands found, where,
 * and the directories searched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exec.h"
#include "hooks.h"
#include "log.h"
#include "settings.h"
#include "util.h"

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
	struct strv seen; /* names printed so far: later ones are shadowed */
	size_t width, path_width;
	int pass; /* 0: measure, 1: print */
};

static bool seen(const struct list_state *st, const char *name)
{
	for (size_t i = 0; i < st->seen.n; i++) {
		if (str_eq(st->seen.v[i], name))
			return true;
	}
	return false;
}

static void print_hook(void *arg, const char *name, const char *path)
{
	struct list_state *st = arg;
	bool shadowed = seen(st, name);
	cleanup_free char *desc = NULL;
	size_t len = strlen(name);

	if (st->pass == 0) {
		if (len > st->width)
			st->width = len;
		if (strlen(path) > st->path_width)
			st->path_width = strlen(path);
		return;
	}
	/* Built-in commands always win: such a hook can never run. */
	if (exec_find(name))
		desc = xasprintf("(shadowed by the built-in #%s)", name);
	else if (shadowed)
		desc = xstrdup("(shadowed by an earlier directory)");
	else
		desc = hooks_description(path);
	if (desc)
		printf("%-*s  %-*s  %s\n", (int)st->width, name,
		       (int)st->path_width, path, desc);
	else
		printf("%-*s  %s\n", (int)st->width, name, path);
	if (!shadowed)
		strv_push(&st->seen, name);
}

/* The effective settings and the hook directories they give: 0, or the
 * exit status with the one-line error printed. */
static int hooks_settings(struct settings *s, int argc, char ***dirs)
{
	char *cause = NULL;

	if (argc > 1) {
		log_error("usage: paks hooks [list | dirs] (see 'paks hooks "
			  "--help')");
		return EXIT_USAGE;
	}
	if (settings_load_effective(s, NULL, &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		return 1;
	}
	hooks_dirs(s, dirs);
	return 0;
}

static int hooks_cmd_list(int argc, char **argv)
{
	struct list_state st = {0};
	struct settings s;
	char **dirs = NULL;
	int r = hooks_settings(&s, argc, &dirs);

	(void)argv;
	if (r)
		return r;
	for (st.pass = 0; st.pass < 2; st.pass++) {
		for (size_t i = 0; dirs[i]; i++)
			hooks_scan_dir(dirs[i], print_hook, &st);
	}
	if (st.seen.n == 0)
		printf("no hooks found (see 'paks hooks dirs')\n");
	strv_free(&st.seen);
	hooks_dirs_free(dirs);
	settings_free(&s);
	return 0;
}

static int hooks_cmd_dirs(int argc, char **argv)
{
	struct settings s;
	char **dirs = NULL;
	int r = hooks_settings(&s, argc, &dirs);

	(void)argv;
	if (r)
		return r;
	for (size_t i = 0; dirs[i]; i++)
		printf("%s%s\n", dirs[i],
		       path_is_dir(dirs[i]) ? "" : "  (missing)");
	hooks_dirs_free(dirs);
	settings_free(&s);
	return 0;
}

static void usage(FILE *f)
{
	fputs(hooks_usage, f);
}

static const struct cli_cmd hooks_cmds[] = {
    {"list", hooks_cmd_list, NULL, NULL},
    {"dirs", hooks_cmd_dirs, NULL, NULL},
};

static const struct cli_table hooks_table = {
    .name = "paks hooks",
    .noun = "hooks command",
    .cmds = hooks_cmds,
    .ncmds = sizeof(hooks_cmds) / sizeof(hooks_cmds[0]),
    .usage = usage,
    .dflt = "list",
};

int cmd_hooks(int argc, char **argv)
{
	/* --help anywhere, even after list or dirs, is the one text. */
	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	return cli_dispatch(&hooks_table, argc, argv);
}
