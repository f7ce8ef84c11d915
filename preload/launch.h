/* SPDX-License-Identifier: MIT */
/*
 * What the launcher's two files share: paks's launch message, the shell's
 * user, and the relay that keeps the connection out of an entrypoint.
 */
#ifndef PAKS_LAUNCH_H
#define PAKS_LAUNCH_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* The first argument of the launcher started by an entrypoint's
 * `exec "$@"`: it takes the connection from the relay (launch-relay.c). */
#define PAKS_LAUNCH_TAKE "--paks-take"
/* The launcher started by paks through the engine's exec, to carry the
 * session when the engine cannot see this machine (launch-bridge.c). */
#define PAKS_LAUNCH_BRIDGE "--paks-bridge"

/* paks's launch message: the shell's environment and the controls, each
 * NUL-terminated records. */
struct launch {
	char *env;
	size_t env_len;
	char *ctl;
	size_t ctl_len;
};

struct user {
	char name[256];
	char home[PATH_MAX];
	long uid, gid;
};

/* The value of control KEY, or NULL. */
const char *launch_ctl(const struct launch *l, const char *key);
/* USER[:GROUP] in the image's own files.  0, or -1 after saying why. */
int launch_resolve_user(const char *spec, struct user *u);
/* Drop to the user.  0, or -1 after saying why. */
int launch_become_user(const struct user *u);
/* Put the connection where the shell takes it (PAKS_CHANNEL_FD, named with
 * this pid in PAKS_ENV_CHANNEL).  0 or -1. */
int launch_hand_channel(int fd);
/* NAME on PATH (NAME itself when it has a slash), or NULL. */
const char *launch_find_in_path(const char *name);

/* A regular file of the image, opened without waiting: a FIFO, a device
 * or a socket there would hang the launcher, and paks with it, before the
 * report.  -1 (NULL) for anything else. */
int launch_open_regular(const char *path);
FILE *launch_fopen_regular(const char *path);

/* Exec ARGV[0] found on PATH; returns 127 after saying why it could not. */
int launch_exec(char **argv);

/* With an entrypoint: run it in a child while this process keeps the
 * connection, and hand the connection only to the process the entrypoint
 * execs into.  Returns the exit status for the container. */
int launch_relay(int conn, const struct user *u, int argc, char **argv,
		 int first);
/* The launcher as started by the entrypoint: take the connection and exec
 * the shell.  Returns only on failure. */
int launch_take(int argc, char **argv);

/* Where the shell loads the preload from: the volume's own copy when
 * PAKS_CONTAINER_DIR is an engine's volume (its mark, which no process of
 * the container can make in a read-only mount, says so), else
 * PAKS_LIB_DIR_CTR. */
const char *launch_preload_path(void);
/* With the launcher and preload in a volume (PAKS_BRIDGE_MARK): wait for
 * the bridge on the rendezvous.  The connection, or -1. */
int launch_rendezvous(void);
/* The rendezvous, listening: its fd, or -1. */
int launch_rendezvous_listen(void);
/* The fast start's keeper (PAKS_LAUNCH_FAST): wait on LFD for the bridge,
 * then join it to SHELL_END.  Its exit status. */
int launch_keep(int lfd, int shell_end, const struct user *u);
/* paks-launch --paks-bridge.  Its exit status. */
int launch_bridge(void);
/* The report to paks (the verdict, the shell user's ids) on FD. */
int launch_send_report(int fd, const char *verdict, const struct user *u);

#endif
