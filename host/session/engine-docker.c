/* SPDX-License-Identifier: MIT */
/*
 * The docker backend: the docker CLI, honouring DOCKER_HOST and docker
 * contexts.  What differs from podman: the CLI cannot disable the detach
 * keys, has no squash on commit, leaves TLS decisions to the daemon, and
 * when the daemon is really podman's Docker API service, a commit records
 * the variables that service adds to every container.
 */
#include <stdlib.h>
#include <string.h>

#include "docker-api.h"
#include "docker-endpoint.h"
#include "docker-exec.h"
#include "engine-choose.h"
#include "engine.h"
#include "proc.h"
#include "session.h"

/* The docker CLI sends no detach keys when --detach-keys is empty, and the
 * daemon then falls back to ctrl-p,ctrl-q, holding back every Ctrl-P
 * (bash's previous-history) until the next key.  Nothing disables them, so
 * pick a pair nobody types: both keys are unbound in bash and readline. */
static void docker_run_flags(const struct session *s, struct strv *argv)
{
	(void)s;
	strv_push(argv, "--detach-keys=ctrl-^,ctrl-\\");
}

/* dockerd's builtin default is moby's profile, which paks ships; the
 * CLI sends the profile's text to the daemon, so the file may stay on
 * the host. */
static int docker_seccomp_default(const struct engine_handle *h,
				  struct strv *deps, char **path)
{
	(void)h;
	(void)deps;
	*path = NULL;
	return 0;
}

/* The docker CLI has no squash on commit. */
static void docker_commit_flags(const struct engine_handle *h, bool squash,
				struct strv *argv)
{
	(void)h;
	(void)squash;
	(void)argv;
}

/* dockerd decides TLS by itself: registries on 127.0.0.0/8 are insecure by
 * default, any other needs the daemon's insecure-registries setting; the
 * CLI has no per-command switch.  Credentials come from `docker login`. */
static const char *docker_registry_flags(const struct engine_handle *h,
					 const char *ref, bool tls_off,
					 struct strv *argv)
{
	(void)h;
	(void)argv;
	if (tls_off && !engine_ref_is_loopback(ref))
		return "docker cannot turn TLS off for one push: the daemon "
		       "uses plain HTTP only for registries listed in "
		       "insecure-registries (/etc/docker/daemon.json)";
	return NULL;
}

static int docker_sizes(json_t *c, double *rw, double *rootfs)
{
	json_t *a = json_object_get(c, "SizeRw");
	json_t *b = json_object_get(c, "SizeRootFs");

	/* dockerd leaves SizeRw out when the layer is empty. */
	*rw = json_is_number(a) ? json_number_value(a) : 0;
	if (!json_is_number(b))
		return -1;
	*rootfs = json_number_value(b);
	return 0;
}

/* `docker save` writes a docker-archive (plus an OCI layout since Docker
 * 25), which both engines and apptainer load. */
static void docker_save_flags(const struct engine_handle *h, struct strv *argv)
{
	(void)h;
	(void)argv;
}

/* `docker save` of docker 20.10 writes no OCI archive; skopeo reads the
 * daemon (at DOCKER_HOST, like the CLI) and writes one. */
static void docker_oci_save_argv(const struct engine_handle *h,
				 const char *image, const char *out,
				 struct strv *argv)
{
	(void)h;
	strv_push(argv, "skopeo");
	strv_push(argv, "copy");
	strv_push(argv, "--");
	strv_pushf(argv, "docker-daemon:%s", image);
	strv_pushf(argv, "oci-archive:%s", out);
}

/* 1 when the daemon at a local socket says it is podman, 0 when it says
 * otherwise, -1 when only the CLI can tell. */
static int api_server_is_podman(const struct engine_handle *h)
{
	cleanup_free char *host = docker_endpoint(&h->args);
	struct docker_api_response r;
	int is = -1;

	if (!host || docker_api_get(host, "/version", 10000, &r) < 0)
		return -1;
	if (r.status == 200 && r.body.data)
		is = strstr(r.body.data, "Podman") != NULL;
	docker_api_response_free(&r);
	return is;
}

/* Ask which server the CLI talks to (its API, else the CLI); cached, it
 * cannot change. */
static bool server_is_podman(const struct engine_handle *h)
{
	static int cached = -1;
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};

	if (cached >= 0)
		return cached;
	cached = api_server_is_podman(h);
	if (cached >= 0)
		return cached;
	engine_argv(h, &argv);
	strv_push(&argv, "version");
	strv_push(&argv, "--format={{range .Server.Components}}{{.Name}} "
			 "{{end}}");
	cached = proc_capture(argv.v, &out, &eb) == 0 && out.data &&
		 strstr(out.data, "Podman") != NULL;
	strv_free(&argv);
	buf_free(&out);
	buf_free(&eb);
	return cached;
}

/* podman's Docker API service adds PATH, TERM and container=podman to
 * every container it creates (its compat API has no --unsetenv-all), and
 * its commit records them; `--change` can set variables but not remove
 * them.  dockerd keeps such additions out of the container's Config. */
static const char *docker_commit_note(const struct engine_handle *h)
{
	if (!server_is_podman(h))
		return NULL;
	return "note: the Docker API server is podman, which records TERM, "
	       "container and PATH in a committed image's Env; "
	       "--container-tech podman saves the exact original config";
}

/* A unix socket or TCP on loopback may be a daemon on this machine, or a
 * tunnel to another (ssh -L, a VM's socket): the first start probes it
 * (session.c).  Any other address is another machine. */
static bool endpoint_is_local(const char *host)
{
	if (str_has_prefix(host, "unix://") || str_has_prefix(host, "npipe://"))
		return true;
	return str_has_prefix(host, "tcp://") &&
	       engine_host_is_loopback(host + 6);
}

/* `docker context inspect` reports the endpoint the CLI really uses:
 * DOCKER_HOST, -H, --context, DOCKER_CONTEXT and the current context.
 * Malloc'd, or NULL. */
static char *context_host(const struct engine_handle *h)
{
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	const char *dh = getenv("DOCKER_HOST");
	char *host = NULL;
	int r;

	engine_argv(h, &argv);
	strv_push(&argv, "context");
	strv_push(&argv, "inspect");
	strv_push(&argv, "--format={{.Endpoints.docker.Host}}");
	r = proc_capture(argv.v, &out, &eb);
	strv_free(&argv);
	buf_free(&eb);
	if (r == 0 && out.data) {
		out.data[strcspn(out.data, "\r\n")] = '\0';
		host = xstrdup(out.data);
	} else if (dh && *dh) {
		host = xstrdup(dh); /* a CLI without contexts */
	}
	buf_free(&out);
	return host;
}

/* Without starting the CLI when the environment makes its endpoint
 * certain (the common case: DOCKER_HOST or the default socket). */
static int docker_is_remote(const struct engine_handle *h, char **where)
{
	const char *dh = getenv("DOCKER_HOST");
	char *host = docker_endpoint(&h->args);

	/* tcp:// and ssh:// are what they say, without asking the CLI. */
	if (!host && h->args.n == 0 && dh &&
	    (str_has_prefix(dh, "tcp://") || str_has_prefix(dh, "ssh://")))
		host = xstrdup(dh);
	if (!host)
		host = context_host(h);
	if (!host || !*host || endpoint_is_local(host)) {
		free(host);
		return 0;
	}
	*where = host;
	return 1;
}

/* `image inspect` straight from dockerd when the CLI would talk to a
 * unix socket or to plain TCP: one connection instead of one more CLI
 * start. */
static int docker_api_ask(const struct engine_handle *h, const char *ref)
{
	cleanup_free char *host = docker_endpoint(&h->args);

	if (!host)
		return -1;
	return docker_api_image_ask(host, ref);
}

/* The bridge's exec, the same way. */
static int docker_api_exec(const struct engine_handle *h, const char *container,
			   const char *user, char *const cmd[], int local,
			   pid_t *pid)
{
	cleanup_free char *host = docker_endpoint(&h->args);

	if (!host)
		return -1;
	return docker_exec_start(host, container, user, cmd, local, pid);
}

const struct engine engine_docker = {
    .name = "docker",
    .launcher_in_cmd = true,
    .squash_by_import = true,
    .commit_in_daemon = true,
    .change_words = true,
    .run_flags = docker_run_flags,
    .seccomp_default = docker_seccomp_default,
    .commit_flags = docker_commit_flags,
    .registry_flags = docker_registry_flags,
    .sizes = docker_sizes,
    .save_flags = docker_save_flags,
    .oci_save_argv = docker_oci_save_argv,
    .commit_note = docker_commit_note,
    .is_remote = docker_is_remote,
    .api_image_ask = docker_api_ask,
    .api_image_answer = docker_api_image_answer,
    .api_exec = docker_api_exec,
};
