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

/* Make a fresh gate (PAKS_GATE_NAME) for the next start: its launcher
 * waits there until launch_gate_go.  0, or -1 with *cause set. */
int launch_gate_open(struct session *s, char **cause);
/* Let the launcher of this start read launch.env and go on. */
void launch_gate_go(struct session *s);
/* Let go of the gate: a launcher that has not been let through exits
 * before the shell runs (this start is void). */
void launch_gate_close(struct session *s);

#endif
