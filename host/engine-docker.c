/* SPDX-License-Identifier: MIT */
/*
 * The docker backend: the docker CLI, honouring DOCKER_HOST.
 */
#include <string.h>

#include "engine.h"
#include "session.h"

/* docker keeps its runtime additions (TERM, HOSTNAME, PATH) out of the
 * container's Config, so nothing is needed here. */
static void docker_run_flags(const struct session *s, struct strv *argv)
{
	(void)s;
	(void)argv;
}

/* The docker CLI has no squash on commit. */
static void docker_commit_flags(const struct session *s, bool squash,
				struct strv *argv)
{
	(void)s;
	(void)squash;
	(void)argv;
}

/* docker decides TLS by itself: loopback registries are insecure by
 * default, others need daemon configuration. */
static void docker_registry_flags(const struct session *s, const char *ref,
				  bool tls_off, struct strv *argv)
{
	(void)s;
	(void)ref;
	(void)tls_off;
	(void)argv;
}

static int docker_sizes(json_t *c, double *rw, double *rootfs)
{
	json_t *a = json_object_get(c, "SizeRw");
	json_t *b = json_object_get(c, "SizeRootFs");

	*rw = json_is_number(a) ? json_number_value(a) : 0;
	if (!json_is_number(b))
		return -1;
	*rootfs = json_number_value(b);
	return 0;
}

static void docker_save_flags(const struct session *s, struct strv *argv)
{
	(void)s;
	(void)argv;
}

const struct engine engine_docker = {
	.name = "docker",
	.run_flags = docker_run_flags,
	.commit_flags = docker_commit_flags,
	.registry_flags = docker_registry_flags,
	.sizes = docker_sizes,
	.save_flags = docker_save_flags,
};
