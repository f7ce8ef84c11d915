/* SPDX-License-Identifier: MIT */
/*
 * The session's container: where paks's files appear in it, its first
 * process, and ending it.
 */
#ifndef PAKS_CONTAINER_H
#define PAKS_CONTAINER_H

struct session;

/* Where the runtime directory and the preload's directory are in the
 * container. */
const char *container_dir(const struct session *s);
const char *container_lib(const struct session *s);
/* The container's first process as the host sees it, 0 when unknown
 * (a remote engine, or not running). */
long container_pid(struct session *s);
/* Kill the container, so that --rm removes it. */
void container_kill(struct session *s);
/* Kill and remove the container, waiting for both: for a session that
 * ends by a signal, when the engine client may not have removed it. */
void container_remove(struct session *s);

#endif
