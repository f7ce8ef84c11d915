/* SPDX-License-Identifier: MIT */
/*
 * The launch handshake: the socket each start's launcher connects to, the
 * shell's environment and the launcher's controls paks sends on it, and
 * the launcher's report (see paks-protocol.h).
 */
#ifndef PAKS_LAUNCH_ENV_H
#define PAKS_LAUNCH_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct session;
struct strv;

/* A fresh socket for the next start's launcher (before the engine
 * starts).  0, or -1 with *cause set. */
int launch_open(struct session *s, char **cause);
/* This start stands: launch_handshake may let its launcher go on. */
void launch_go(struct session *s);
/* Let go of the socket: a launcher that has not been let through exits
 * before the shell runs (this start is void). */
void launch_close(struct session *s);
/* Wait for this start's launcher (until it connects, or the engine ENGINE
 * ends, or TERM or HUP is pending), send it the environment and the
 * controls, and take its report into s (verdict, shell_ids).  0 with *conn
 * the connection (the launcher has passed it on to the shell, or closed it
 * in PTY mode), or -1.  A fast start has nothing to wait for: 0 with *conn
 * -1 (the server connects later, launch_connect_late). */
int launch_handshake(struct session *s, pid_t engine, int *conn);
/* A start on a remote engine that needs no look at the shell, no
 * entrypoint and no -e value (nothing of the user's): the fast start
 * (PAKS_LAUNCH_FAST), whose words session_run_argv appends here after the
 * launcher.  true when this is one (the words are appended). */
bool launch_fast_argv(const struct session *s, struct strv *argv);
/* The fast start's connection, in the server: the bridge, and the
 * keeper's report into s.  0 with *conn, or -1. */
int launch_connect_late(struct session *s, int *conn);
/* A REPORT payload: the verdict and the ids (NULL when absent; ids only
 * when well formed), malloc'd.  0, or -1 when it is too long. */
int launch_report_parse(const char *p, size_t len, char **verdict, char **ids);

/* Has the engine ENGINE ended (it is not reaped), or is TERM or HUP
 * pending? */
bool launch_engine_gone(pid_t engine);

#endif
