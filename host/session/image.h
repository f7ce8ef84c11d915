/* SPDX-License-Identifier: MIT */
/*
 * The image a session runs: load, pull and inspect.
 */
#ifndef PAKS_IMAGE_H
#define PAKS_IMAGE_H

#include <sys/types.h>

#include <stdbool.h>

#include <jansson.h>

struct engine_handle;
struct session;

/* Make s->image available (loading an archive file, pulling a missing
 * reference) and fill s->image_id, image_author and image_config.  With
 * use_cache, a name seen before is taken from the image cache at once and
 * checked beside the container's start (s->run_by_name; see
 * image_verify_finish).  0, or -1 with *cause set. */
int image_resolve(struct session *s, bool use_cache, char **cause);
/* Wait for the check of a cached name: 0 when the name still means the
 * image the cache said (or there was nothing to check); 1 when it means
 * another image, now in s (inspected and cached again), or none (then
 * s->image_id is NULL and image_resolve must find it).  The check is a
 * whole `image inspect`, so a changed image costs no second one. */
int image_verify_finish(struct session *s);
/* Stop a check still running (a session that ends early). */
void image_verify_stop(struct session *s);
/* The id REF names now (malloc'd, without "sha256:"), or NULL. */
char *image_id_of(const struct session *s, const char *ref);
/* ID without its "sha256:" (docker's ids have it, podman's do not). */
const char *image_bare_id(const char *id);
/* `image inspect REF` through h: 0 with *img the image's object (a new
 * reference), 1 when there is no such image, -1 with *cause set. */
int image_inspect_ref(const struct engine_handle *h, const char *ref,
		      json_t **img, char **cause);
/* `inspect` s->image: 0 with image_id, image_config and image_author set,
 * 1 when there is no such image, -1 with *cause set. */
int image_inspect(struct session *s, char **cause);
/* image-sqfs.c: import the SquashFS file s->image as an image, its config
 * from /ch; s->image becomes its name.  0, or -1 with *cause. */
int image_import_sqfs(struct session *s, char **cause);

#endif
