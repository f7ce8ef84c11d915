/* SPDX-License-Identifier: MIT */
/*
 * Which daemon the docker CLI will talk to, decided without starting it:
 * `docker context inspect` costs a Go program's start on every `paks run`.
 * The CLI picks its context as docker/cli's resolveContextName does
 * (cli/command/cli.go, the same in 20.10 and 28): --context, then -H
 * (the default context), then a non-empty DOCKER_HOST (default context),
 * then DOCKER_CONTEXT, then currentContext in config.json, then the
 * default context, whose endpoint is ParseHost(DOCKER_HOST) (opts/hosts.go)
 * or /var/run/docker.sock.  Only the cases that read the same in every
 * CLI version are decided here; the rest is left to the CLI.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "docker-endpoint.h"
#include "util.h"

#define DEFAULT_SOCKET "unix:///var/run/docker.sock"
#define CONFIG_MAX     (1u << 20)

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v;
}

/* DOCKER_HOST as the CLI's ParseHost returns it, for a unix socket path
 * written plainly; anything else (tcp, ssh, no scheme, blanks the CLI
 * trims) it normalises by rules of its own: NULL. */
static char *host_unix(const char *dh)
{
	const char *path = dh + 7;

	if (!str_has_prefix(dh, "unix://") || path[0] != '/' ||
	    strstr(path, "://") || strpbrk(dh, " \t\n\v\f\r"))
		return NULL;
	return xstrdup(dh);
}

/* DOCKER_HOST as tcp://HOST[:PORT], without TLS (docker_endpoint has
 * made sure of both): as it is, for docker-api.c, which takes only the
 * forms it can reach itself and leaves the rest to the CLI. */
static char *host_tcp(const char *dh)
{
	if (strpbrk(dh, " \t\n\v\f\r"))
		return NULL;
	return xstrdup(dh);
}

/* The CLI's config directory: DOCKER_CONFIG, else ~/.docker. */
static char *config_path(void)
{
	const char *dir = getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");

	if (dir && *dir)
		return xasprintf("%s/config.json", dir);
	/* Without HOME, 20.10 asks the user database: leave it to the CLI. */
	if (!home || !*home)
		return NULL;
	return xasprintf("%s/.docker/config.json", home);
}

/* 1 when config.json names no context but the default one, 0 when it
 * names another, -1 when it cannot be read the way the CLI reads it. */
static int config_default_context(void)
{
	cleanup_free char *path = config_path();
	cleanup_free char *data = NULL;
	json_t *root, *cur;
	size_t len;
	int r;

	if (!path)
		return -1;
	r = read_file(path, CONFIG_MAX, &data, &len);
	if (r == -ENOENT)
		return 1;
	if (r < 0)
		return -1;
	root = json_loadb(data, len, 0, NULL);
	cur = json_object_get(root, "currentContext");
	if (!json_is_object(root) || (cur && !json_is_string(cur)))
		r = -1;
	else
		r = !cur || !*json_string_value(cur) ||
		    str_eq(json_string_value(cur), "default");
	json_decref(root);
	return r;
}

char *docker_endpoint(const struct strv *engine_args)
{
	const char *dh = getenv("DOCKER_HOST");
	const char *ctx = getenv("DOCKER_CONTEXT");

	/* Global flags can name a host, a context or a config directory,
	 * also in short and joined forms (-Hunix://..., -c=x): any flag at
	 * all leaves it to the CLI.  TLS makes the default host
	 * tcp://localhost:2376, and is spoken on a unix socket too. */
	if (engine_args->n > 0 || env_set("DOCKER_TLS_VERIFY") ||
	    env_set("DOCKER_TLS"))
		return NULL;
	/* A DOCKER_HOST that is set but empty selects the default context
	 * in 20.10 and is ignored in 28: host_unix leaves it to the CLI. */
	if (dh)
		return str_has_prefix(dh, "tcp://") ? host_tcp(dh)
						    : host_unix(dh);
	/* An empty DOCKER_CONTEXT is a context named "" in 20.10. */
	if (ctx)
		return str_eq(ctx, "default") ? xstrdup(DEFAULT_SOCKET) : NULL;
	return config_default_context() == 1 ? xstrdup(DEFAULT_SOCKET) : NULL;
}
