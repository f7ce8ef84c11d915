/* SPDX-License-Identifier: MIT */
/*
 * The per-session runtime directory.
 */
#ifndef PAKS_RUNDIR_H
#define PAKS_RUNDIR_H

struct session;
struct strv;

/* Where the runtime directories go (malloc'd): $XDG_RUNTIME_DIR/paks
 * when that is a directory of the user's, else /tmp/paks-UID. */
char *rundir_base(void);
/* Create s->runtime_dir (and s->session_id from its name) with the
 * preload and the launcher from s->lib_dir.  0, or -1 with *cause. */
int rundir_create(struct session *s, char **cause);
/* Record s's pid, container and engine next to its runtime directory, so
 * that a sweep can remove them when this paks is killed. */
void rundir_record(struct session *s);
/* Remove what sessions whose paks is gone left: their container (killed,
 * removed, waited for) and runtime directory.  Adds one line per removed
 * thing to *removed; returns the number of sessions swept. */
int rundir_sweep(struct strv *removed);
/* Remove s->runtime_dir and everything in it. */
void rundir_remove(struct session *s);

#endif
