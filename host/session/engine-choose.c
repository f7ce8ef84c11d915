/* SPDX-License-Identifier: MIT */
/*
 * Choosing the engine backend for a run: the container_tech setting, or
 * the first of podman and docker found in PATH, or Charliecloud for a
 * .sqfs file or directory image when neither is installed.  Kept apart from
 * engine.c, whose helpers the backends use, so that no backend links back to
 * the code that picks it.
 */

#include <sys/stat.h>

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
	if (str_eq(name, "charliecloud"))
		return &engine_charliecloud;
	return NULL;
}

/* A file or directory only Charliecloud runs: a SquashFS file (*.sqfs)
 * or a directory image (a directory with /bin or /usr in it). */
static bool charliecloud_image(const char *image)
{
	struct stat st;
	size_t n = image ? strlen(image) : 0;

	if (!image || stat(image, &st) < 0)
		return false;
	if (S_ISREG(st.st_mode))
		return n > 5 && str_eq(image + n - 5, ".sqfs");
	if (!S_ISDIR(st.st_mode))
		return false;
	{
		cleanup_free char *bin = xasprintf("%s/bin", image);
		cleanup_free char *usr = xasprintf("%s/usr", image);
		return path_is_dir(bin) || path_is_dir(usr);
	}
}

/* prog is found in PATH (or is an executable path). */
static bool engine_in_path(const char *prog)
{
	cleanup_free char *path = path_lookup(prog);

	return path != NULL;
}

const struct engine *engine_choose(const char *tech, const char *image,
				   char **note, char **cause)
{
	const struct engine *e;

	if (!tech || str_eq(tech, "auto")) {
		if (engine_in_path("podman"))
			return &engine_podman;
		if (engine_in_path("docker"))
			return &engine_docker;
		if (charliecloud_image(image) && engine_in_path("ch-run")) {
			if (note)
				*note = xasprintf(
				    "neither podman nor docker is installed: "
				    "running %s with Charliecloud (ch-run)",
				    image);
			return &engine_charliecloud;
		}
		*cause = xstrdup("neither podman nor docker was found in PATH; "
				 "install one of them (see 'paks doctor')");
		return NULL;
	}
	e = engine_by_name(tech);
	if (!e) {
		*cause = xasprintf("unknown container tech '%s' (use podman, "
				   "docker, charliecloud or auto)",
				   tech);
		return NULL;
	}
	if (!engine_in_path(engine_program(e))) {
		*cause = xasprintf("%s was not found in PATH (see 'paks "
				   "doctor')",
				   engine_program(e));
		return NULL;
	}
	return e;
}
