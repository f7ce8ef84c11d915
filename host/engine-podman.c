/* SPDX-License-Identifier: MIT */
/*
 * The podman backend: the podman CLI, local or remote (CONTAINER_HOST,
 * --url, --connection).  podman can do all paks needs from its command
 * line: unset its default variables, squash, disable the detach keys and
 * TLS per command.
 */
#include <stdlib.h>
#include <string.h>

#include "engine-choose.h"
#include "engine.h"
#include "proc.h"
#include "session.h"

/* podman adds TERM, container=podman and a default PATH to the container,
 * and `commit` records them; --unsetenv-all keeps the config clean (the
 * launcher sets the shell's real environment). */
static void podman_run_flags(const struct session *s, struct strv *argv)
{
	strv_push(argv, "--unsetenv-all");
	/* ...then the image's own variables again, in order: the container
	 * (and `podman exec` in it) sees the image's PATH, and a commit
	 * records exactly the image's Env. */
	{
		json_t *env = json_object_get(s->image_config, "Env");
		size_t i;
		json_t *v;
		json_array_foreach(env, i, v)
		{
			if (json_is_string(v) &&
			    strchr(json_string_value(v), '='))
				strv_pushf(argv, "--env=%s",
					   json_string_value(v));
		}
	}
	/* The default detach keys swallow Ctrl-P, bash's previous-history;
	 * an empty value switches them off. */
	strv_push(argv, "--detach-keys=");
}

/* podman commit --squash makes the whole image one layer. */
static void podman_commit_flags(const struct session *s, bool squash,
				struct strv *argv)
{
	(void)s;
	if (squash)
		strv_push(argv, "--squash");
}

/* Credentials come from `podman login` (auth.json), never from here. */
static const char *podman_registry_flags(const struct session *s,
					 const char *ref, bool tls_off,
					 struct strv *argv)
{
	(void)s;
	if (tls_off || engine_ref_is_loopback(ref))
		strv_push(argv, "--tls-verify=false");
	return NULL;
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

static void podman_oci_save_argv(const struct session *s, const char *image,
				 const char *out, struct strv *argv)
{
	engine_argv(s, argv);
	strv_push(argv, "save");
	strv_push(argv, "--format=oci-archive");
	strv_pushf(argv, "--output=%s", out);
	strv_push(argv, "--");
	strv_push(argv, image);
}

static const char *podman_commit_note(const struct session *s)
{
	(void)s;
	return NULL;
}

/* The value of global option NAME ("--url") in the engine arguments,
 * written as NAME=VALUE or NAME VALUE; SHORT is its one-letter form. */
static const char *engine_arg(const struct session *s, const char *name,
			      const char *shrt)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < s->engine_args.n; i++) {
		const char *a = s->engine_args.v[i];
		if (str_has_prefix(a, name) && a[n] == '=')
			return a + n + 1;
		if ((str_eq(a, name) || (shrt && str_eq(a, shrt))) &&
		    i + 1 < s->engine_args.n)
			return s->engine_args.v[i + 1];
	}
	return NULL;
}

/* The URI of a named connection (`podman system connection`), or of the
 * default one when name is NULL. */
static char *connection_uri(const struct session *s, const char *name)
{
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	char *uri = NULL, *save = NULL;

	strv_push(&argv, s->engine_path);
	strv_push(&argv, "system");
	strv_push(&argv, "connection");
	strv_push(&argv, "list");
	strv_push(&argv, "--format={{.Name}} {{.URI}} {{.Default}}");
	if (proc_capture(argv.v, &out, &eb) == 0 && out.data) {
		for (char *l = strtok_r(out.data, "\n", &save); l && !uri;
		     l = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(l, ' ');
			char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
			if (!sp2)
				continue;
			*sp = *sp2 = '\0';
			if (name ? str_eq(l, name) : str_eq(sp2 + 1, "true"))
				uri = xstrdup(sp + 1);
		}
	}
	strv_free(&argv);
	buf_free(&out);
	buf_free(&eb);
	return uri;
}

/* podman is local unless told to use a service elsewhere: --url or
 * CONTAINER_HOST, or a connection (--connection, CONTAINER_CONNECTION,
 * or the default one with --remote) whose URI is not a local socket. */
static int podman_is_remote(const struct session *s, char **where)
{
	const char *url = engine_arg(s, "--url", NULL);
	const char *conn = engine_arg(s, "--connection", "-c");
	bool remote = false;
	cleanup_free char *uri = NULL;

	for (size_t i = 0; i < s->engine_args.n; i++) {
		const char *a = s->engine_args.v[i];
		remote |= str_eq(a, "--remote") || str_eq(a, "-r") ||
			  str_eq(a, "--remote=true");
	}
	if (!url && !conn)
		url = getenv("CONTAINER_HOST");
	if (!url && !conn)
		conn = getenv("CONTAINER_CONNECTION");
	if ((!url || !*url) && ((conn && *conn) || remote))
		url = uri = connection_uri(s, conn && *conn ? conn : NULL);
	if (!url || !*url || str_has_prefix(url, "unix:") ||
	    (str_has_prefix(url, "tcp://") && engine_host_is_loopback(url + 6)))
		return 0;
	*where = xstrdup(url);
	return 1;
}

const struct engine engine_podman = {
    .name = "podman",
    .tty_from_stdin = true,
    .run_flags = podman_run_flags,
    .commit_flags = podman_commit_flags,
    .registry_flags = podman_registry_flags,
    .sizes = podman_sizes,
    .save_flags = podman_save_flags,
    .oci_save_argv = podman_oci_save_argv,
    .commit_note = podman_commit_note,
    .is_remote = podman_is_remote,
};
