/* SPDX-License-Identifier: MIT */
/*
 * Choosing the engine backend for a run.
 */
#ifndef PAKS_ENGINE_CHOOSE_H
#define PAKS_ENGINE_CHOOSE_H

#include <jansson.h>

struct engine;

/* The backends (engine-podman.c, engine-docker.c). */
extern const struct engine engine_podman;
extern const struct engine engine_docker;
extern const struct engine engine_charliecloud;

/* Resolve container_tech ("auto", "podman", "docker", "charliecloud") to
 * a backend whose program is in PATH; on failure *cause says why.  IMAGE
 * (or NULL) is what the run is for: "auto" picks Charliecloud for a
 * .sqfs file or directory image when neither podman nor docker is
 * installed, and then sets *note (when note is not NULL) to the line
 * that says so. */
const struct engine *engine_choose(const char *tech, const char *image,
				   char **note, char **cause);

/* An image's config from the files Charliecloud keeps in /ch (each NULL
 * when missing): the Config object of config.pulled.json, Env from
 * environment (its text is changed), WorkingDir from metadata.json's
 * cwd.  engine-charliecloud.c; a new reference. */
json_t *charliecloud_config(const char *pulled_txt, const char *meta_txt,
			    char *env_txt);

#endif
