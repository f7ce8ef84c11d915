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
int cmd_hooks(int argc, char **argv);

#endif
