/* SPDX-License-Identifier: MIT */
/*
 * Image references: splitting them, checking them, and naming what #save
 * produces (debian:bookworm -> debian-saved:bookworm).
 */
#ifndef PAKS_NAMING_H
#define PAKS_NAMING_H

#include <stdbool.h>

struct image_ref {
	char *name;   /* everything before the tag: [registry/]path/name */
	char *tag;    /* NULL when absent */
	char *digest; /* "sha256:..." when given with '@' */
};

/* Split and validate a reference.  0 or -EINVAL with *cause set. */
int naming_parse(const char *ref, struct image_ref *out, const char **cause);
void naming_free(struct image_ref *r);
/* 1 when s looks like an image id (hex, 12..64 chars). */
bool naming_is_id(const char *s);
/* The target of `#save [ARG]` for the image the session runs.  arg is
 * NULL, "suffix=SUFFIX" or "NAME[:TAG]".  Returns a malloc'd reference or
 * NULL with *cause set. */
char *naming_save_target(const char *image, const char *arg,
			 const char *default_suffix, const char **cause);
/* A file name for `#export` of ref: "debian-saved_bookworm.tar". */
char *naming_archive_name(const char *ref);

#endif
