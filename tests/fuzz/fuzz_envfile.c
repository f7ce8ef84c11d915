/* SPDX-License-Identifier: MIT */
/*
 * A hook's fd-3 stream in the GitHub Actions env-file format, parsed by
 * envfile_parse in host/cmd/envfile.c: the bytes are the hook's, and a hook may
 * run container output through to them.
 */
#include <stdlib.h>
#include <string.h>

#include "envfile.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envfile f;
	int r = envfile_parse((const char *)data, size, &f);

	for (size_t i = 0; i < f.n; i++) {
		if (!f.pairs[i].name[0])
			abort();
		(void)strlen(f.pairs[i].value);
	}
	if ((r < 0) != (f.bad > 0) || (f.bad > 0 && !f.cause))
		abort();
	envfile_free(&f);
	return 0;
}
