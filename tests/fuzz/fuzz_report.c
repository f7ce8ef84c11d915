/* SPDX-License-Identifier: MIT */
/*
 * The launcher's REPORT payload (NUL-terminated KEY=VALUE records), parsed
 * by launch_report_parse in host/session/launch-env.c: the launcher runs in the
 * container, and the bytes are the container's.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "launch-env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *verdict = NULL, *ids = NULL;

	if (launch_report_parse((const char *)data, size, &verdict, &ids) ==
	    0) {
		if (verdict)
			(void)strlen(verdict);
		if (ids && strspn(ids, "0123456789:") != strlen(ids))
			abort();
	}
	free(verdict);
	free(ids);
	return 0;
}
