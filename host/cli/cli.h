/* SPDX-License-Identifier: MIT */
/*
 * Subcommands of the paks program.  Each returns the process exit status
 * (0, 1 for failures, EXIT_USAGE for usage errors) and prints its own
 * errors as one "paks: ..." line.
 */
#ifndef PAKS_CLI_H
#define PAKS_CLI_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* cli.c: one command of a table.  fn gets argv[0] = the command's name. */
struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args; /* the synopsis after the name, "" for none */
	/* The text of 'paks ... NAME --help' after its Usage line; NULL:
	 * fn answers --help itself. */
	const char *help;
};

/* cli.c: a command table, `paks` or one command's subcommands. */
struct cli_table {
	const char *name; /* "paks config": Usage lines and error hints */
	const char *noun; /* "config command": "unknown config command 'x'" */
	const struct cli_cmd *cmds;
	size_t ncmds;
	void (*usage)(FILE *f); /* the table's --help text */
	const char *dflt;	/* run when no command is given; NULL: error */
	bool terse; /* no command: one line naming them, not the usage */
};
/* Run the command argv[1] of t (argv[0] is the table's own name); returns
 * the exit status.  -h, --help or help print t's usage. */
int cli_dispatch(const struct cli_table *t, int argc, char **argv);

int cmd_run(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_config(int argc, char **argv);
/* cli-edit.c, for both editors: run editor (split on blanks, no
 * shell) on file and wait: 0, or -errno / -ECHILD with *cause set when it
 * cannot start or does not exit 0. */
int edit_run_editor(const char *editor, const char *file, char **cause);
/* The effective editor from the settings file (malloc'd). */
char *config_editor_command(void);
int cmd_hooks(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* cli-edit.c: edit a copy of path and install it only when chk accepts
 * it (visudo): the editor failing or a rejected edit leave path as it
 * was.  initial: the text of a new file (left unchanged, none is
 * created).  mode: for a new file.  Returns the exit status; errors are
 * printed. */
struct cli_edit_check {
	/* 0, or -errno with *cause naming where (where:LINE: ...). */
	int (*fn)(const char *text, size_t len, const char *where, void *arg,
		  char **cause);
	void *arg;
};
int cli_edit_file(const char *editor, const char *path, const char *initial,
		  mode_t mode, const struct cli_edit_check *chk);
int cmd_path(int argc, char **argv);

#endif
