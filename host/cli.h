/* SPDX-License-Identifier: MIT */
/*
 * Subcommands of the paks program.  Each returns the process exit status
 * (0, 1 for failures, EXIT_USAGE for usage errors) and prints its own
 * errors as one "paks: ..." line.
 */
#ifndef PAKS_CLI_H
#define PAKS_CLI_H

#include <sys/types.h>

#include <stddef.h>

int cmd_run(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_config(int argc, char **argv);
/* cmd-edit.c, for both editors: run editor (split on blanks, no
 * shell) on file and wait: 0, or -errno / -ECHILD with *err set when it
 * cannot start or does not exit 0. */
int edit_run_editor(const char *editor, const char *file, char **err);
/* The effective editor from the settings file (malloc'd). */
char *config_editor_command(void);
int cmd_hooks(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* cmd-edit.c: edit a copy of path and install it only when chk accepts
 * it (visudo): the editor failing or a rejected edit leave path as it
 * was.  initial: the text of a new file (left unchanged, none is
 * created).  mode: for a new file.  Returns the exit status; errors are
 * printed. */
struct cli_edit_check {
	/* 0, or -errno with *err naming where (where:LINE: ...). */
	int (*fn)(const char *text, size_t len, const char *where, void *arg,
		  char **err);
	void *arg;
};
int cli_edit_file(const char *editor, const char *path, const char *initial,
		  mode_t mode, const struct cli_edit_check *chk);
int cmd_path(int argc, char **argv);

#endif
