/* SPDX-License-Identifier: MIT */
/*
 * An exec into a running container through dockerd's API (docker-exec.c).
 */
#ifndef PAKS_DOCKER_EXEC_H
#define PAKS_DOCKER_EXEC_H

#include <sys/types.h>

/* Run cmd as user in container through the daemon at endpoint (as
 * docker_api_get takes it), its stdin and stdout carried to and from the
 * socket local by a child process (*pid), which ends when the exec's
 * output does.  0 when started, 1 when the container is not running
 * (yet), -1 when the API cannot do it here (then the CLI can). */
int docker_exec_start(const char *endpoint, const char *container,
		      const char *user, char *const cmd[], int local,
		      pid_t *pid);

#endif
