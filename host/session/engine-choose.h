/* SPDX-License-Identifier: MIT */
/*
 * Choosing the engine backend for a run.
 */
#ifndef PAKS_ENGINE_CHOOSE_H
#define PAKS_ENGINE_CHOOSE_H

struct engine;

/* The backends (engine-podman.c, engine-docker.c). */
extern const struct engine engine_podman;
extern const struct engine engine_docker;

/* Resolve container_tech ("auto", "podman", "docker") to a backend whose
 * program is in PATH; on failure *cause says why. */
const struct engine *engine_choose(const char *tech, char **cause);

#endif
