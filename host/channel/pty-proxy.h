/* SPDX-License-Identifier: MIT */
/*
 * The PTY proxy: for shells that cannot host the preload, paks sits between
 * the user's terminal and the engine, and watches what the shell holds when
 * Enter is pressed.
 */
#ifndef PAKS_PTY_H
#define PAKS_PTY_H

struct session;

/* Run argv (the engine's `run -it ...` command) on a new PTY and proxy the
 * user's terminal to it until it exits.  Returns the engine's exit status
 * (128+N when killed by signal N) or -errno when it could not start.  The
 * user's terminal is restored on every path. */
int pty_proxy_run(struct session *s, char *const argv[]);

#endif
