/* SPDX-License-Identifier: MIT */
/*
 * `paks env ...`: add, rm, show, list, edit and path for the named
 * environments that `#envload NAME` exports into a paks shell.  Every
 * argument is checked before anything is written, so a bad name changes
 * nothing; the storage itself is envstore.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "envstore.h"
#include "log.h"
#include "settings.h"
#include "util.h"
#include "varname.h"

/* Options are only -h/--help, handled before; anything else that looks
 * like one is a mistake rather than a name.  "--" ends options. */
static int strip_options(int *argc, char **argv, const char *sub)
{
	int out = 1;
	bool opts = true;

	for (int i = 1; i < *argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = false;
			continue;
		}
		if (opts && argv[i][0] == '-' && argv[i][1] &&
		    !strchr(argv[i], '=')) {
			log_error("unknown option '%s' (see 'paks env %s "
				  "--help')",
				  argv[i], sub);
			return -EINVAL;
		}
		argv[out++] = argv[i];
	}
	*argc = out;
	return 0;
}

static int check_env_name(const char *name)
{
	char *cause = NULL;

	if (envstore_check_name(name, &cause) == 0)
		return 0;
	log_error("%s", cause);
	free(cause);
	return -EINVAL;
}

static int check_var_name(const char *name)
{
	if (varname_valid(name, strlen(name)))
		return 0;
	log_error("invalid variable name '%s' (letters, digits and '_', not "
		  "starting with a digit)",
		  name);
	return -EINVAL;
}

/* Lock the environments for a change; -errno when it fails (reported). */
static int lock_envs(void)
{
	char *cause = NULL;
	int fd = envstore_lock(&cause);

	if (fd < 0) {
		log_error("%s", cause);
		free(cause);
	}
	return fd;
}

/* Load NAME for a change: a missing one is empty when may_create. */
static int load_for(const char *name, struct envset *set, bool may_create)
{
	char *cause = NULL;
	int r = envstore_load(name, set, &cause);

	if (r == -ENOENT && may_create) {
		free(cause);
		return 0;
	}
	if (r < 0) {
		log_error("%s", cause);
		free(cause);
	}
	return r;
}

static int save(const char *name, const struct envset *set)
{
	char *cause = NULL;
	int r = envstore_save(name, set, &cause);

	if (r < 0) {
		log_error("%s", cause);
		free(cause);
	}
	return r;
}

/* NAME VAR=VALUE... or, as the original tool had it, VAR=VALUE... NAME:
 * the assignments are the arguments with '='. */
static int parse_add_args(int argc, char **argv, const char **name,
			  struct envset *add)
{
	*name = NULL;
	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		cleanup_free char *var = NULL;
		if (!eq) {
			if (*name) {
				log_error("more than one NAME ('%s' and '%s'); "
					  "variables are VAR=VALUE",
					  *name, argv[i]);
				return -EINVAL;
			}
			*name = argv[i];
			continue;
		}
		var = xasprintf("%.*s", (int)(eq - argv[i]), argv[i]);
		if (check_var_name(var) < 0)
			return -EINVAL;
		envset_put(add, var, eq + 1);
	}
	if (!*name || add->n == 0) {
		log_error("usage: paks env add NAME VAR=VALUE...");
		return -EINVAL;
	}
	return check_env_name(*name);
}

static int env_add(int argc, char **argv)
{
	struct envset add = {0}, set = {0};
	cleanup_fd int lock = -1;
	const char *name;
	int r;

	if (strip_options(&argc, argv, "add") < 0 ||
	    parse_add_args(argc, argv, &name, &add) < 0) {
		envset_free(&add);
		return EXIT_USAGE;
	}
	/* Load, change and save under the lock: nothing another paks
	 * writes meanwhile is lost. */
	lock = r = lock_envs();
	if (r >= 0)
		r = load_for(name, &set, true);
	for (size_t i = 0; r == 0 && i < add.n; i++)
		envset_put(&set, add.vars[i].name, add.vars[i].value);
	if (r == 0)
		r = save(name, &set);
	envset_free(&add);
	envset_free(&set);
	return r < 0 ? 1 : 0;
}

static int remove_whole(const char *name)
{
	char *cause = NULL;

	if (envstore_remove(name, &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		return 1;
	}
	return 0;
}

static int env_rm(int argc, char **argv)
{
	struct envset set = {0};
	cleanup_fd int lock = -1;
	int r;

	if (strip_options(&argc, argv, "rm") < 0)
		return EXIT_USAGE;
	if (argc < 2) {
		log_error("usage: paks env rm NAME [VAR...]");
		return EXIT_USAGE;
	}
	if (check_env_name(argv[1]) < 0)
		return EXIT_USAGE;
	for (int i = 2; i < argc; i++) {
		if (check_var_name(argv[i]) < 0)
			return EXIT_USAGE;
	}
	if (argc == 2)
		return remove_whole(argv[1]);
	lock = lock_envs();
	if (lock < 0 || load_for(argv[1], &set, false) < 0)
		return 1;
	for (int i = 2; i < argc; i++) {
		if (!envset_remove(&set, argv[i])) {
			log_error("no variable '%s' in environment '%s'",
				  argv[i], argv[1]);
			envset_free(&set);
			return 1;
		}
	}
	r = save(argv[1], &set);
	envset_free(&set);
	return r < 0 ? 1 : 0;
}

static int env_show(int argc, char **argv)
{
	struct envset set = {0};
	cleanup_free char *text = NULL;

	if (strip_options(&argc, argv, "show") < 0)
		return EXIT_USAGE;
	if (argc != 2) {
		log_error("usage: paks env show NAME");
		return EXIT_USAGE;
	}
	if (check_env_name(argv[1]) < 0)
		return EXIT_USAGE;
	if (load_for(argv[1], &set, false) < 0)
		return 1;
	text = envstore_format(&set);
	fputs(text, stdout);
	envset_free(&set);
	return 0;
}

static int env_list(int argc, char **argv)
{
	char **names = NULL;
	int r;

	if (strip_options(&argc, argv, "list") < 0)
		return EXIT_USAGE;
	if (argc != 1) {
		log_error("unexpected argument '%s' (usage: paks env list)",
			  argv[1]);
		return EXIT_USAGE;
	}
	r = envstore_list(&names);
	if (r < 0) {
		cleanup_free char *dir = envstore_dir();
		log_error("%s: %s", dir, strerror(-r));
		return 1;
	}
	for (size_t i = 0; names[i]; i++) {
		printf("%s\n", names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

static char *env_template(const char *name)
{
	return xasprintf(
	    "# paks environment '%s': one VAR=VALUE per line, exported by\n"
	    "# '#envload %s'.  In VALUE write \\\\ for a backslash, \\n "
	    "for a newline,\n"
	    "# \\t tab, \\r carriage return, \\xHH other control bytes; "
	    "everything\n"
	    "# else (spaces, quotes, $, =) is taken as is.  Lines "
	    "starting with '#'\n"
	    "# are comments.\n",
	    name, name);
}

static int check_env_text(const char *text, size_t len, const char *where,
			  void *arg, char **cause)
{
	(void)arg;
	return envstore_check_text(text, len, where, cause);
}

static int env_edit(int argc, char **argv)
{
	static const struct cli_edit_check chk = {check_env_text, NULL};
	cleanup_free char *path = NULL;
	cleanup_free char *tmpl = NULL;
	cleanup_free char *editor = NULL;
	char *cause = NULL;

	if (strip_options(&argc, argv, "edit") < 0)
		return EXIT_USAGE;
	if (argc != 2) {
		log_error("usage: paks env edit NAME");
		return EXIT_USAGE;
	}
	if (check_env_name(argv[1]) < 0)
		return EXIT_USAGE;
	path = envstore_path(argv[1]);
	if (envstore_prepare_dir(&cause) < 0) {
		log_error("%s", cause);
		free(cause);
		return 1;
	}
	tmpl = env_template(argv[1]);
	editor = config_editor_command();
	return cli_edit_file(editor, path, tmpl, 0600, &chk);
}

static int env_path(int argc, char **argv)
{
	cleanup_free char *p = NULL;

	if (strip_options(&argc, argv, "path") < 0)
		return EXIT_USAGE;
	if (argc > 2) {
		log_error("usage: paks env path [NAME]");
		return EXIT_USAGE;
	}
	if (argc == 2 && check_env_name(argv[1]) < 0)
		return EXIT_USAGE;
	p = argc == 2 ? envstore_path(argv[1]) : envstore_dir();
	printf("%s\n", p);
	return 0;
}

static const struct cli_cmd env_cmds[] = {
    {"add", env_add, "NAME VAR=VALUE...",
     "Set variables in environment NAME, creating it if needed.  A VAR\n"
     "that is already there gets the new value; the other variables,\n"
     "comments and order in the file are kept.  VALUE is stored exactly\n"
     "(spaces, quotes, $, = and newlines included).  The original tool's\n"
     "order 'paks env add VAR=VALUE... NAME' works too: the arguments\n"
     "with '=' are the variables.  Use '--' before a value-less argument\n"
     "that starts with '-'.\n"},
    {"rm", env_rm, "NAME [VAR...]",
     "Remove the variables VAR... from environment NAME.  With no VAR,\n"
     "remove the whole environment NAME.  Nothing changes if NAME or a\n"
     "VAR does not exist (exit status 1).\n"},
    {"show", env_show, "NAME",
     "Print the variables of NAME, one VAR=VALUE per line in the file\n"
     "format (\\\\, \\n, \\r, \\t and \\xHH escapes in VALUE).\n"},
    {"list", env_list, "", "Print the names of the environments, sorted.\n"},
    {"edit", env_edit, "NAME",
     "Open NAME's file in the editor (config_editor, else $VISUAL, else\n"
     "$EDITOR, else vi; split on blanks and run without a shell), then\n"
     "check it.  A missing NAME is created; left unchanged, it is not.\n"
     "Exit status 1 when the editor fails or the file is invalid.\n"},
    {"path", env_path, "[NAME]",
     "Print the directory of the environments, or NAME's file.\n"},
};

static void usage(FILE *f)
{
	cleanup_free char *dir = envstore_dir();

	fprintf(f,
		"Usage: paks env COMMAND [ARGS...]\n"
		"\n"
		"Named environments: sets of variables kept on the host and\n"
		"exported into a paks shell with '#envload NAME'.\n"
		"\n"
		"Commands:\n"
		"  add NAME VAR=VALUE...  set variables (creates NAME)\n"
		"  rm NAME [VAR...]       remove variables, or all of NAME\n"
		"  show NAME              print NAME's variables\n"
		"  list                   list the environments\n"
		"  edit NAME              edit NAME in the editor, then check "
		"it\n"
		"  path [NAME]            print the directory or NAME's file\n"
		"\n"
		"One file per environment in %s\n"
		"(directory 0700, files 0600), one VAR=VALUE per line; VALUE "
		"escapes\n"
		"\\\\ backslash, \\n newline, \\r, \\t and \\xHH for "
		"other control bytes.\n"
		"Lines starting with '#' are comments.\n"
		"NAME: letters, digits, '.', '_', '-', starting with a letter "
		"or digit,\n"
		"at most 64 characters.  VAR: letters, digits and '_', not "
		"starting\n"
		"with a digit.\n"
		"\n"
		"Exit status: 0 done, 1 failed (e.g. no such environment), 2 "
		"bad\n"
		"arguments (nothing was changed).\n"
		"Run 'paks env COMMAND --help' for a command's details.\n",
		dir);
}

static const struct cli_table env_table = {
    .name = "paks env",
    .noun = "env command",
    .cmds = env_cmds,
    .ncmds = sizeof(env_cmds) / sizeof(env_cmds[0]),
    .usage = usage,
};

int cmd_env(int argc, char **argv)
{
	return cli_dispatch(&env_table, argc, argv);
}
