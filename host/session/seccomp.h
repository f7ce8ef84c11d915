/* SPDX-License-Identifier: MIT */
/*
 * The seccomp profile that keeps container processes from typing into the
 * shell's terminal (TIOCSTI, TIOCLINUX): the engine's own default profile
 * with those ioctls refused, derived once and cached under
 * $XDG_CACHE_HOME/paks/seccomp.
 */
#ifndef PAKS_SECCOMP_H
#define PAKS_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

struct session;

/* true when the kernel lets a process type into a terminal it shares:
 * dev.tty.legacy_tiocsti is 1, or absent (kernels before 6.2). */
bool seccomp_tiocsti_open(void);
/* moby's default profile as paks ships it (contrib/seccomp), built in. */
const char *seccomp_moby_default(size_t *len);
/* PROFILE (LEN bytes, the engines' JSON profile format) with TIOCSTI and
 * TIOCLINUX refused (EPERM) and every other ioctl as before: 0 with *out
 * (malloc'd JSON), or -1 with *cause.  A profile paks derived already comes
 * back unchanged. */
int seccomp_derive(const char *profile, size_t len, char **out, char **cause);
/* The profile for s's container: 0 with *path (malloc'd, in paks's cache,
 * a host-only path), or 1 with *cause when there is none to give (the
 * engine's configuration turns seccomp off, its profile cannot be read or
 * derived, the kernel has no seccomp). */
int seccomp_profile(const struct session *s, char **path, char **cause);

#endif
