/* SPDX-License-Identifier: MIT */
/*
 * The one dispatcher of the paks program's command tables: `paks COMMAND`
 * and the subcommands of env, config and hooks all go through
 * cli_dispatch, as the '#' commands go through exec_line.  It answers
 * --help for the table and, when the table has the texts, for each
 * command; picks the command; and reports a missing or unknown one.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "util.h"

static bool cli_is_help_word(const char *arg)
{
	return str_eq(arg, "-h") || str_eq(arg, "--help") ||
	       str_eq(arg, "help");
}

static const struct cli_cmd *cli_find(const struct cli_table *t,
				      const char *name)
{
	for (size_t i = 0; i < t->ncmds; i++) {
		if (str_eq(t->cmds[i].name, name))
			return &t->cmds[i];
	}
	return NULL;
}

/* "missing command: run, env or doctor (see 'paks --help')". */
static void cli_missing(const struct cli_table *t)
{
	struct buf b = {0};

	for (size_t i = 0; i < t->ncmds; i++) {
		buf_printf(&b, "%s%s",
			   i == 0	       ? ""
			   : i + 1 == t->ncmds ? " or "
					       : ", ",
			   t->cmds[i].name);
	}
	log_error("missing %s: %s (see '%s --help')", t->noun,
		  b.data ? b.data : "", t->name);
	buf_free(&b);
}

int cli_dispatch(const struct cli_table *t, int argc, char **argv)
{
	char *dflt[] = {argv[0], (char *)t->dflt, NULL};
	const struct cli_cmd *c;

	if (argc < 2 && t->dflt) {
		argc = 2;
		argv = dflt;
	}
	if (argc < 2) {
		if (t->terse)
			cli_missing(t);
		else
			t->usage(stderr);
		return EXIT_USAGE;
	}
	if (cli_is_help_word(argv[1])) {
		t->usage(stdout);
		return 0;
	}
	c = cli_find(t, argv[1]);
	if (!c) {
		log_error("unknown %s '%s' (see '%s --help')", t->noun, argv[1],
			  t->name);
		return EXIT_USAGE;
	}
	if (c->help && cli_wants_help(argc - 1, argv + 1)) {
		printf("Usage: %s %s%s%s\n\n%s", t->name, c->name,
		       *c->args ? " " : "", c->args, c->help);
		return 0;
	}
	return c->fn(argc - 1, argv + 1);
}
