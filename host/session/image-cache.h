/* SPDX-License-Identifier: MIT */
/*
 * What `image inspect` said about an image name, kept per engine and name,
 * so that a run of a name seen before starts the container at once while
 * the name is checked beside it (image.c).
 */
#ifndef PAKS_IMAGE_CACHE_H
#define PAKS_IMAGE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

struct session;

/* Fill s's image id, config and author from the entry for s->image: true
 * on a hit. */
bool image_cache_load(struct session *s);
/* Remember s's image id, config and author for s->image. */
void image_cache_store(const struct session *s);
/* Forget the entry for s->image. */
void image_cache_drop(const struct session *s);
/* The entry's file name for a scope (engine and where it keeps its
 * images) and a name: 16 hex digits of their FNV-1a hash.  OUT holds 17
 * bytes. */
void image_cache_key(const char *scope, const char *ref, char out[17]);
/* The scope itself: the engine, its global flags, the variables that
 * point it elsewhere, and the user (malloc'd). */
char *image_cache_scope(const struct session *s);

#endif
