/* SPDX-License-Identifier: MIT */
/*
 * The environment the launcher gives the shell.
 */
#ifndef PAKS_LAUNCH_ENV_H
#define PAKS_LAUNCH_ENV_H

struct session;

/* Write RUNTIME_DIR/launch.env for s (after the mode is known).  0, or -1
 * with *cause set. */
int launch_env_write(struct session *s, char **cause);

#endif
