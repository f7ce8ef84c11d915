/* SPDX-License-Identifier: MIT */
/*
 * A hook's fd-3 records (NAME=VALUE, NUL-terminated), parsed by
 * hooks_parse_records in host/hooks.c: the bytes are the hook's, and a
 * hook may run container output through to them.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hooks.h"

static int record(void *arg, const char *name, const char *value)
{
	size_t *n = arg;

	if (!*name)
		abort();
	(void)strlen(value);
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *err = NULL;
	size_t n = 0;

	(void)hooks_parse_records((const char *)data, size, record, &n, &err);
	if (err)
		(void)strlen(err);
	return 0;
}
