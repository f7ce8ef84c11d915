/* SPDX-License-Identifier: MIT */
/*
 * A hook's fd-3 records (NAME=VALUE, NUL-terminated), parsed by
 * hook_records_parse in host/cmd/hook-records.c: the bytes are the hook's, and
 * a hook may run container output through to them.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hook-records.h"

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
	struct hook_record_error e = {0};
	size_t n = 0;

	if (hook_records_parse((const char *)data, size, record, &n, &e) < 0) {
		char *what = hook_records_excerpt(&e);
		(void)strlen(what);
		free(what);
	}
	return 0;
}
