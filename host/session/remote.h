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

/* paks's files on an engine: one volume, named by their content and kept
 * between sessions. */
#define PAKS_FILES_VOLUME_PREFIX "paks-files-"
/* The container the session with id SESSION_ID and runtime directory
 * RUNTIME_DIR fills that volume through, when a fill was under way there
 * (its files staged; malloc'd), else NULL. */
char *remote_fill_left(const char *runtime_dir, const char *session_id);
/* Remove the session's, if a fill was under way (its files staged). */
void remote_fill_remove(const struct session *s);

/* For a remote session (s->remote): the volume with the launcher and the
 * preload, filled now or by an earlier session (then s->probing: the
 * start tells whether it is still there).  0, or -1 with *cause set. */
int remote_prepare(struct session *s, char **cause);
/* The void start's engine said the volume's files are not there. */
bool remote_files_lost(const struct session *s);
/* Forget that the volume was filled: the next remote_prepare fills it. */
void remote_forget_files(struct session *s);
/* The run flags that mount the volume where the launcher and the preload
 * are looked for. */
void remote_run_argv(const struct session *s, struct strv *argv);
/* A new start of a remote session: a cidfile of its own (the engine
 * refuses one that exists). */
void remote_new_start(struct session *s);
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
