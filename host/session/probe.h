/* SPDX-License-Identifier: MIT */
/*
 * The shell's mode per image: the cache, and the launcher's verdict on a
 * first start.
 */
#ifndef PAKS_PROBE_H
#define PAKS_PROBE_H

struct session;

/* Decide s->mode (when not forced) and s->shell from the cache; for an
 * image not seen yet, start in preload mode and ask the launcher to look
 * (s->check_shell).  0, or -1 with *cause set. */
int probe_mode(struct session *s, char **cause);
/* After the container exited with PAKS_EXIT_RESTART: read and cache the
 * launcher's verdict.  1 when the container must start again with the
 * mode and shell now in s, 0 when not, -1 with *cause when the image has
 * no shell. */
int probe_take_verdict(struct session *s, char **cause);

#endif
