/* SPDX-License-Identifier: MIT */
/*
 * One ssh connection for a session whose docker engine is reached over
 * ssh, shared by every ssh the session runs.
 */
#ifndef PAKS_SSH_SHARE_H
#define PAKS_SSH_SHARE_H

struct session;

/* The variable that names the directory of the session's shared
 * connections; set for the session's children with the shim first in
 * PATH. */
#define PAKS_SSH_SHARE_ENV "PAKS_SSH_SHARE"

/* For a session on docker over ssh: put paks first in PATH as `ssh`, for
 * paks's children, with sharing in a directory of the runtime directory.
 * 0, or -1 (the session goes on without sharing). */
int ssh_share_start(struct session *s);
/* End the session's shared connections. */
void ssh_share_stop(const struct session *s);
/* paks run as `ssh` (argv[0]): the next ssh in PATH, sharing. */
int ssh_share_shim(int argc, char **argv);

#endif
