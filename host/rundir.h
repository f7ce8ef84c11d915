/* SPDX-License-Identifier: MIT */
/*
 * The per-session runtime directory.
 */
#ifndef PAKS_RUNDIR_H
#define PAKS_RUNDIR_H

struct session;

/* Create s->runtime_dir (and s->session_id from its name) with the
 * preload and the launcher from s->lib_dir.  0, or -1 with *cause. */
int rundir_create(struct session *s, char **cause);
/* Remove s->runtime_dir and everything in it. */
void rundir_remove(struct session *s);

#endif
