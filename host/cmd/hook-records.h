/* SPDX-License-Identifier: MIT */
/*
 * The fd-3 NAME=VALUE\0 records a hook hands back to the shell.
 */
#ifndef PAKS_HOOK_RECORDS_H
#define PAKS_HOOK_RECORDS_H

#include <stddef.h>

struct hook_record_error {
	const char *reason; /* of the first bad record */
	const char *rec;    /* its start in the data */
	size_t rec_len;
	size_t bad; /* how many were skipped */
};

/* Call cb for each good record.  Bad ones are skipped and counted in *e:
 * -EINVAL when there was one; cb's own failure stops the parse and is
 * returned. */
int hook_records_parse(const char *data, size_t len,
		       int (*cb)(void *arg, const char *name,
				 const char *value),
		       void *arg, struct hook_record_error *e);
/* The first bad record's name, short and printable, for the message. */
char *hook_records_excerpt(const struct hook_record_error *e);

#endif
