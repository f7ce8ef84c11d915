/* SPDX-License-Identifier: MIT */
/*
 * Subcommands of the paks program.  Each returns the process exit status
 * (0, 1 for failures, EXIT_USAGE for usage errors) and prints its own
 * errors as one "paks: ..." line.
 */
#ifndef PAKS_CLI_H
#define PAKS_CLI_H

int cmd_run(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_config(int argc, char **argv);
/* cmd-config.c, also for `paks env edit`: run editor (split on blanks, no
 * shell) on file and wait: 0, or -errno / -ECHILD with *err set when it
 * cannot start or does not exit 0. */
int config_run_editor(const char *editor, const char *file, char **err);
/* The effective editor from the settings file (malloc'd). */
char *config_editor_command(void);
int cmd_hooks(int argc, char **argv);
int cmd_gc(int argc, char **argv);

#endif
