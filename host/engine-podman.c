/* SPDX-License-Identifier: MIT */
/*
 * The podman backend.
 */
#include <string.h>

#include "engine.h"
#include "session.h"

/* podman adds TERM, container=podman and a default PATH to the container,
 * and `commit` records them; --unsetenv-all keeps the config clean (the
 * launcher sets the shell's real environment). */
static void podman_run_flags(const struct session *s, struct strv *argv)
{
	(void)s;
	strv_push(argv, "--unsetenv-all");
}

/* podman commit --squash makes the whole image one layer. */
static void podman_commit_flags(const struct session *s, bool squash,
				struct strv *argv)
{
	(void)s;
	if (squash)
		strv_push(argv, "--squash");
}

static void podman_registry_flags(const struct session *s, const char *ref,
				  bool tls_off, struct strv *argv)
{
	(void)s;
	if (tls_off || engine_ref_is_loopback(ref))
		strv_push(argv, "--tls-verify=false");
}

static int podman_sizes(json_t *c, double *rw, double *rootfs)
{
	json_t *a = json_object_get(c, "SizeRw");
	json_t *b = json_object_get(c, "SizeRootFs");

	if (!json_is_number(a) || !json_is_number(b))
		return -1;
	*rw = json_number_value(a);
	*rootfs = json_number_value(b);
	return 0;
}

static void podman_save_flags(const struct session *s, struct strv *argv)
{
	(void)s;
	/* docker-archive is what both `podman load` and `docker load` take,
	 * and what apptainer builds from (docker-archive://x.tar). */
	strv_push(argv, "--format=docker-archive");
}

const struct engine engine_podman = {
	.name = "podman",
	.run_flags = podman_run_flags,
	.commit_flags = podman_commit_flags,
	.registry_flags = podman_registry_flags,
	.sizes = podman_sizes,
	.save_flags = podman_save_flags,
};
