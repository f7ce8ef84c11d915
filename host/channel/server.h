/* SPDX-License-Identifier: MIT */
/*
 * Preload mode: run the engine on the user's terminal and serve the
 * requests that the shell sends over its one connection (transport.c).
 */
#ifndef PAKS_SERVER_H
#define PAKS_SERVER_H

struct session;

/* Returns the engine's exit status, or -errno when it could not start. */
int server_run(struct session *s, char *const argv[]);

#endif
