/* SPDX-License-Identifier: MIT */
/*
 * The daemon the docker CLI will talk to, worked out without running it.
 */
#ifndef PAKS_DOCKER_ENDPOINT_H
#define PAKS_DOCKER_ENDPOINT_H

#include "util.h"

/* The endpoint ("unix:///var/run/docker.sock", or DOCKER_HOST as
 * "tcp://HOST:PORT" when TLS is off) that `docker` with the
 * global flags engine_args would use, malloc'd, when the environment and
 * the CLI's config make it certain; NULL when only the CLI can tell
 * (`docker context inspect`). */
char *docker_endpoint(const struct strv *engine_args);

#endif
