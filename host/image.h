/* SPDX-License-Identifier: MIT */
/*
 * The image a session runs: load, pull and inspect.
 */
#ifndef PAKS_IMAGE_H
#define PAKS_IMAGE_H

struct session;

/* Make s->image available (loading an archive file, pulling a missing
 * reference) and fill s->image_id, image_author and image_config.  0, or
 * -1 with *cause set. */
int image_resolve(struct session *s, char **cause);
/* `inspect` s->image: 0 with image_id, image_config and image_author set,
 * 1 when there is no such image, -1 with *cause set. */
int image_inspect(struct session *s, char **cause);

#endif
