/* SPDX-License-Identifier: MIT */
/*
 * The executor core: the command table, which declares each built-in's
 * argument counts and usage; the dispatcher, which splits a line, checks
 * the counts, runs the built-in or hook and turns its result into an exit
 * status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "exec.h"
#include "hooks.h"
#include "log.h"
#include "session.h"
#include "words.h"

extern char **environ;

static enum exec_status exec_cmd_help(struct exec_ctx *c, int argc, char **argv,
				      char **cause);

const struct exec_cmd exec_commands[] = {
    {"help", 0, 0, "", "list the paks commands", exec_cmd_help},
    {"save", 0, 1, "[suffix=SUFFIX | NAME[:TAG]]",
     "save this container as an image", exec_cmd_save},
    {"push", 1, 3, "[--verbose] REF [tls-verify=false]",
     "save this container and push it to a registry", exec_cmd_push},
    {"export", 0, 3, "[--force] [--verbose] [FILE]",
     "save this container as an archive in the launch directory",
     exec_cmd_export},
    {"inspect", 0, -1, "[SECTION...]", "show the container's JSON, or sections",
     exec_cmd_inspect},
    {"size", 0, 0, "", "show the size of the changes and the image",
     exec_cmd_size},
    {"diff", 0, 0, "", "list what changed in the container", exec_cmd_diff},
    {"cp", 2, 2, "[host:]SRC [host:]DEST",
     "copy files between the host and the container", exec_cmd_cp},
    {"envload", 1, 1, "NAME", "export a named environment here",
     exec_cmd_envload},
    {"envsave", 2, -1, "NAME VAR=VALUE...",
     "save variables to a named environment and export them", exec_cmd_envsave},
    {"envhost", 1, -1, "VAR...", "copy variables from the host",
     exec_cmd_envhost},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct exec_cmd *exec_find(const char *name)
{
	for (const struct exec_cmd *e = exec_commands; e->name; e++) {
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

static enum exec_status exec_cmd_help(struct exec_ctx *c, int argc, char **argv,
				      char **cause)
{
	struct hook_list hl = {0};

	(void)argc;
	(void)argv;
	(void)cause;
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
	return PAKS_CMD_OK;
}

int exec_exit_status(const struct exec_ctx *c, enum exec_status st)
{
	switch (st) {
	case PAKS_CMD_OK:
		return 0;
	case PAKS_CMD_FAIL:
		return 1;
	case PAKS_CMD_USAGE:
		return 2;
	case PAKS_CMD_NOEXEC:
		return 126;
	case PAKS_CMD_NOTFOUND:
		return 127;
	case PAKS_CMD_CANCELLED:
		return 130;
	case PAKS_CMD_EXITED:
		return c->status;
	}
	return 1;
}

static enum exec_status run_builtin(struct exec_ctx *c,
				    const struct exec_cmd *cmd, int argc,
				    char **argv, char **cause)
{
	int n = argc - 1;

	if (n < cmd->args_min || (cmd->args_max >= 0 && n > cmd->args_max)) {
		*cause = xasprintf("usage: #%s %s", cmd->name, cmd->usage);
		return PAKS_CMD_USAGE;
	}
	c->usage = cmd->usage;
	/* A backend without an engine CLI runs some commands its own way. */
	for (const struct exec_cmd *o =
		 c->s->eng.engine && c->s->eng.engine->ops &&
			 c->s->eng.engine->ops->rootfs_commands
		     ? exec_rootfs_commands
		     : NULL;
	     o && o->name; o++) {
		if (str_eq(o->name, cmd->name))
			return o->run(c, argc, argv, cause);
	}
	return cmd->run(c, argc, argv, cause);
}

static enum exec_status run_words(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	const struct exec_cmd *cmd = exec_find(argv[0]);
	cleanup_free char *hook = NULL;
	enum exec_status st;

	if (cmd)
		return run_builtin(c, cmd, argc, argv, cause);
	st = hooks_find(&c->s->settings, argv[0], &hook, cause);
	if (st != PAKS_CMD_OK)
		return st;
	return hooks_run(c, hook, argc, argv, cause);
}

int exec_line(struct exec_ctx *c, const char *line, size_t len)
{
	struct words w;
	const char *why = NULL;
	char *cause = NULL;
	enum exec_status st;

	if (!words_is_command(line, len)) {
		cause = xstrdup("not a paks command (they start with '#' and "
				"a letter; see #help)");
		st = PAKS_CMD_USAGE;
	} else if (words_split(line + 1, len - 1, &w, &why) < 0) {
		cause = xstrdup(why);
		st = PAKS_CMD_USAGE;
	} else {
		st = run_words(c, w.argc, w.argv, &cause);
		words_free(&w);
	}
	if (cause) {
		exec_err(c, "%s", cause);
		free(cause);
	}
	return exec_exit_status(c, st);
}
