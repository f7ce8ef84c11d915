/* SPDX-License-Identifier: MIT */
/*
 * The session's guard: a process beside paks that outlives a `kill -9` of
 * paks and cleans up after it.
 */
#ifndef PAKS_GUARD_H
#define PAKS_GUARD_H

#include <sys/types.h>

#include <termios.h>

struct session;

struct guard {
	pid_t pid; /* 0: none runs */
	int fd;	   /* paks's end of the socket the guard watches */
};

/* Start the guard for s (its container and runtime directory named by
 * now) and tio, the terminal's settings before the session (NULL: stdin is
 * no terminal).  When paks dies without guard_end (SIGKILL), the guard
 * puts the terminal back as tio when it is still raw (no ISIG: the engine
 * client or the PTY proxy made it so, and a killed program cannot restore
 * it), then removes the container and the runtime directory.  Without a
 * guard (fork failed) the session runs on, as before. */
void guard_start(struct session *s, const struct termios *tio, struct guard *g);
/* paks ends the session its own way: the guard exits, doing nothing. */
void guard_end(struct guard *g);

#endif
