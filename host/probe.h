/* SPDX-License-Identifier: MIT */
/*
 * The shell probe and its cache.
 */
#ifndef PAKS_PROBE_H
#define PAKS_PROBE_H

struct session;

/* Decide s->mode (when not forced) and make sure s->shell exists in the
 * image; a default bash that is missing falls back to /bin/sh.  Needs the
 * runtime directory.  0, or -1 with *cause set. */
int probe_mode(struct session *s, char **cause);

#endif
