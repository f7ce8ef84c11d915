/* SPDX-License-Identifier: MIT */
/*
 * Choosing the engine backend for a run: the container_tech setting, or
 * the first of podman and docker found in PATH.  Kept apart from engine.c,
 * whose helpers the backends use, so that no backend links back to the
 * code that picks it.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-choose.h"
#include "engine.h"
#include "util.h"

static const struct engine *engine_by_name(const char *name)
{
	if (str_eq(name, "podman"))
		return &engine_podman;
	if (str_eq(name, "docker"))
		return &engine_docker;
	return NULL;
}

/* prog is found in PATH (or is an executable path). */
static bool engine_in_path(const char *prog)
{
	cleanup_free char *path = path_lookup(prog);

	return path != NULL;
}

const struct engine *engine_choose(const char *tech, char **cause)
{
	const struct engine *e;

	if (!tech || str_eq(tech, "auto")) {
		if (engine_in_path("podman"))
			return &engine_podman;
		if (engine_in_path("docker"))
			return &engine_docker;
		*cause = xstrdup("neither podman nor docker was found in PATH; "
				 "install one of them (see 'paks doctor')");
		return NULL;
	}
	e = engine_by_name(tech);
	if (!e) {
		*cause = xasprintf("unknown container tech '%s' (use podman, "
				   "docker or auto)",
				   tech);
		return NULL;
	}
	if (!engine_in_path(e->name)) {
		*cause = xasprintf("%s was not found in PATH (see 'paks "
				   "doctor')",
				   e->name);
		return NULL;
	}
	return e;
}
