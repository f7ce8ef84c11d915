/* SPDX-License-Identifier: MIT */
/*
 * Exporting an image to a file whose name picks the format: *.tar a
 * docker-archive, *.oci.tar an OCI archive, *.sqfs a SquashFS of the
 * flattened filesystem, *.rootfs.tar that filesystem as a plain tarball.
 */
#ifndef PAKS_EXPORT_H
#define PAKS_EXPORT_H

#include <stdbool.h>

#include <jansson.h>

struct engine_handle;
struct progress;

enum export_format {
	EXPORT_NONE,
	EXPORT_DOCKER,
	EXPORT_OCI,
	EXPORT_SQFS,
	EXPORT_ROOTFS,
};

/* The format a file name asks for; EXPORT_NONE for any other name. */
enum export_format export_format_of(const char *name);
/* Before any long work: 0 when path may be written, else -1 with *cause
 * set (a directory, a FIFO or other non-file, an existing file without
 * force, an unknown suffix).  shown is the name as typed. */
int export_check(const char *path, const char *shown, bool force, char **cause);
/* A temporary file beside path; NULL with *cause set when that directory
 * cannot be written. */
char *export_tmp(const char *path, char **cause);
/* Write image (whose Config object is config), through the engine h, to
 * tmp in the format of path, then rename tmp to path.  On failure or cancel
 * nothing is left under either name.  0, 130 when cancelled, else another exit
 * status (or -1 when a step could not run) with *cause set. */
int export_write(struct progress *p, const struct engine_handle *h,
		 const char *image, json_t *config, const char *tmp,
		 const char *path, bool verbose, char **cause);

#endif
