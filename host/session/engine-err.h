/* SPDX-License-Identifier: MIT */
/*
 * The interactive engine client's stderr, held back while its start may
 * still turn out void.
 */
#ifndef PAKS_ENGINE_ERR_H
#define PAKS_ENGINE_ERR_H

#include <stdbool.h>

struct session;

/* Before a start by a cached name (s->run_by_name), or one that probes
 * whether the engine sees this machine's files (s->probing): hold what the
 * engine says on stderr instead of giving it the terminal. */
void engine_err_hold(struct session *s);
/* The fd to give the engine as its stderr, -1 to give it paks's own. */
int engine_err_fd(const struct session *s);
/* The start counts: show what the engine has said so far. */
void engine_err_show(struct session *s);
/* The engine has exited: show the rest when show, then stop holding. */
void engine_err_end(struct session *s, bool show);

/* Whether what the engine said so far, held, holds TEXT. */
bool engine_err_says(const struct session *s, const char *text);

#endif
