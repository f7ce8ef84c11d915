/* SPDX-License-Identifier: MIT */
/*
 * The subordinate id files /etc/subuid and /etc/subgid, read for
 * `paks doctor`: rootless podman maps a container's ids onto the ranges
 * they give the user.
 */
#ifndef PAKS_SUBID_H
#define PAKS_SUBID_H

#include <sys/types.h>

#include <stddef.h>

/* How many subordinate ids text (the file's contents) gives the user
 * named name with id id: the sum of the counts on the lines whose first
 * field is the name or the number.  Malformed lines, comments and blank
 * lines count nothing, as shadow's own reader skips them. */
unsigned long subid_count(const char *text, size_t len, const char *name,
			  uid_t id);

#endif
