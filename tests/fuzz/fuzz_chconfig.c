/* SPDX-License-Identifier: MIT */
/*
 * The files Charliecloud keeps in an image's /ch (config.pulled.json,
 * metadata.json, environment), read by charliecloud_config in
 * host/session/engine-charliecloud.c: a kept writable copy holds what the
 * container wrote there, and a .sqfs file is whatever its maker put in
 * it.  The input is the three texts, split at NUL bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine-choose.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 3);
	char *part[3];
	json_t *c, *env, *v;
	size_t i, n = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = buf[size + 2] = '\0';
	part[0] = buf;
	for (i = 0; i < size + 2 && n < 2; i++) {
		if (!buf[i])
			part[++n] = buf + i + 1;
	}
	while (n < 2)
		part[++n] = buf + size + 2;
	c = charliecloud_config(part[0], part[1], part[2]);
	env = json_object_get(c, "Env");
	if (!json_is_object(c) || !json_is_array(env) ||
	    !json_is_string(json_object_get(c, "WorkingDir")))
		abort();
	json_array_foreach(env, i, v)
	{
		const char *kv = json_string_value(v);
		if (!kv || !strchr(kv, '=') || kv[0] == '=')
			abort();
	}
	json_decref(c);
	free(buf);
	return 0;
}
