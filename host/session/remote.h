/* SPDX-License-Identifier: MIT */
/*
 * An engine that cannot see this machine's files: paks's files in a volume
 * of the engine's, and the session's connection through its exec API.
 */
#ifndef PAKS_REMOTE_H
#define PAKS_REMOTE_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

struct session;

/* For a remote session (s->remote): the volume with the launcher and the
 * preload, filled.  0, or -1 with *cause set (nothing is left). */
int remote_prepare(struct session *s, char **cause);
/* The run flags that mount the volume where the launcher and the preload
 * are looked for. */
void remote_run_argv(const struct session *s, struct strv *argv);
/* Remove the session's container, if still there, and its volume. */
void remote_remove(struct session *s);
/* The volume of the session with runtime directory RUNTIME_DIR and id ID
 * when its files were staged for one (malloc'd), else NULL. */
char *remote_staged_volume(const char *runtime_dir, const char *id);
/* Start the bridge in the container the engine ENGINE is starting and wait
 * for it (until the engine is gone, as GONE says): 0 with *conn paks's end
 * of the session's stream, or -1. */
int remote_bridge(struct session *s, pid_t engine, bool (*gone)(pid_t),
		  int *conn);

/* The engine the session points at was found not to see this machine's
 * files before (cached): no need to probe it again.  The remote way works
 * on any engine, so a stale mark costs speed, never a session. */
bool remote_known(const struct session *s);
/* Remember that it does not. */
void remote_remember(const struct session *s);

#endif
