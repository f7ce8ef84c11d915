/* SPDX-License-Identifier: MIT */
/*
 * The writable directory copy of an image, for the backends that run a
 * directory on the host (struct engine_ops): where it lives, its lock,
 * the list of what it held when it was made (for #diff and #size), the
 * processes of the session, paths resolved inside it, and its removal.
 */
#ifndef PAKS_ROOTFS_H
#define PAKS_ROOTFS_H

#include <stdbool.h>
#include <stdint.h>

struct session;
struct strv;

/* The copy's mount points for the runtime directory and the preload's
 * directory, relative to its root: never saved, exported or diffed. */
extern const char *const rootfs_mountpoints[];

/* Take the copy for KEY in STORE (made if needed, under a lock; a copy
 * in use by another session gets a name of this session's own).  Sets
 * s->rootfs.  1 when an intact copy is there to reuse, 0 when it must be
 * made (at s->rootfs, which does not exist), -1 with *cause. */
int rootfs_claim(struct session *s, const char *store, const char *key,
		 char **cause);
/* The copy was made: add the mount points, record what it holds, and say
 * how big it is.  0, or -1 with *cause. */
int rootfs_made(struct session *s, char **cause);
/* The container has started (its launcher connected): note its mount
 * namespace, whose processes are the session's. */
void rootfs_started(struct session *s);
/* End every process of the session: SIGKILL to each process in its mount
 * namespace. */
void rootfs_stop(struct session *s);
/* Remove the copy unless the user keeps it, and let go of its lock. */
void rootfs_release(struct session *s);
/* The host path of the container path p (absolute, or relative to cwd),
 * resolved inside the copy as the container would (symlinks stay inside
 * it, never reaching a host path).  follow: the last name too.  NULL
 * with *cause set. */
char *rootfs_resolve(const struct session *s, const char *cwd, const char *p,
		     bool follow, char **cause);

/* What changed against the record made with the copy. */
struct rootfs_change {
	char kind; /* 'A', 'C' or 'D' */
	char *path;
	uint64_t size;
};
struct rootfs_diff {
	struct rootfs_change *v;
	size_t n;
	uint64_t total; /* bytes in the copy's files now */
};
int rootfs_diff(const struct session *s, struct rootfs_diff *d, char **cause);
void rootfs_diff_free(struct rootfs_diff *d);

#endif
