/* SPDX-License-Identifier: MIT */
/*
 * Checks of `paks run`'s engine options before anything starts: the
 * syntax of --name, -p, -v and -w here, and what only the engine knows (a
 * name in use, a network that does not exist) with one engine command
 * each, only when the option was given.  Otherwise the engine would fail
 * after paks had set the session up, with a raw multi-line message.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "proc.h"
#include "run-check.h"
#include "session.h"

bool run_check_name(const char *name)
{
	if (!isalnum((unsigned char)name[0]))
		return false;
	for (const char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	}
	return strlen(name) <= 253;
}

/* N or N-M, 1..65535, over [s, end). */
static bool port_range(const char *s, const char *end)
{
	long lo = 0, hi;
	char *e;

	if (s == end || !isdigit((unsigned char)*s))
		return false;
	lo = strtol(s, &e, 10);
	hi = lo;
	if (e < end && *e == '-') {
		if (!isdigit((unsigned char)e[1]))
			return false;
		hi = strtol(e + 1, &e, 10);
	}
	return e == end && lo >= 1 && hi <= 65535 && lo <= hi;
}

/* The last ':' in [s, end), or NULL. */
static const char *last_colon(const char *s, const char *end)
{
	while (end > s && end[-1] != ':')
		end--;
	return end > s ? end - 1 : NULL;
}

bool run_check_publish(const char *spec)
{
	const char *slash = strchr(spec, '/');
	const char *end = slash ? slash : spec + strlen(spec);
	const char *c, *ip;

	if (slash && !str_eq(slash + 1, "tcp") && !str_eq(slash + 1, "udp") &&
	    !str_eq(slash + 1, "sctp"))
		return false;
	c = last_colon(spec, end);
	if (!c)
		return port_range(spec, end);
	if (!port_range(c + 1, end))
		return false;
	/* HOSTPORT, or IP:HOSTPORT with HOSTPORT possibly empty. */
	ip = last_colon(spec, c);
	if (!ip)
		return port_range(spec, c);
	/* The IP: IPv4 or a name, or [IPv6]. */
	if (ip == spec)
		return false;
	if (spec[0] == '[' ? ip[-1] != ']'
			   : memchr(spec, ':', (size_t)(ip - spec)) != NULL)
		return false;
	return ip + 1 == c || port_range(ip + 1, c);
}

/* true when a -v spec's options (after DST) hold "ro". */
static bool volume_read_only(const char *dst)
{
	const char *opts = strchr(dst, ':');
	cleanup_free char *o = NULL;
	char *save = NULL;

	if (!opts)
		return false;
	o = xstrdup(opts + 1);
	for (char *t = strtok_r(o, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		if (str_eq(t, "ro") || str_eq(t, "readonly"))
			return true;
	return false;
}

void run_volume_rw_bind(const char *spec, struct strv *rw_binds)
{
	const char *colon = strchr(spec, ':');
	cleanup_free char *src = NULL;
	char real[PATH_MAX];

	if (!colon || volume_read_only(colon + 1))
		return;
	src = xasprintf("%.*s", (int)(colon - spec), spec);
	if ((src[0] == '/' || src[0] == '.') && realpath(src, real))
		strv_push(rw_binds, real);
}

int run_check_volume(const char *spec, char **cause)
{
	const char *colon = strchr(spec, ':');
	struct stat st;
	cleanup_free char *src = NULL;

	if (!colon || colon == spec || colon[1] != '/') {
		*cause = xasprintf("-v '%s': use SRC:DST with an absolute DST",
				   spec);
		return EXIT_USAGE;
	}
	src = xasprintf("%.*s", (int)(colon - spec), spec);
	/* A name without '/' is a named volume, which the engine makes. */
	if ((src[0] == '/' || src[0] == '.') && stat(src, &st) < 0) {
		*cause = xasprintf("-v '%s': %s does not exist on the host",
				   spec, src);
		return 1;
	}
	return 0;
}

/* Run `ENGINE WORDS... ARG` quietly: 1 when it succeeds. */
static int engine_knows(struct session *s, const char *what, const char *verb,
			const char *arg)
{
	struct strv argv = {0};
	struct buf out = {0};
	int r;

	engine_argv(&s->eng, &argv);
	strv_push(&argv, what);
	strv_push(&argv, verb);
	strv_push(&argv, arg);
	r = proc_capture(argv.v, &out, &out);
	buf_free(&out);
	strv_free(&argv);
	return r == 0;
}

/* Networks the engines know without a definition. */
static bool builtin_network(const char *net)
{
	static const char *const names[] = {"host",	   "none",    "bridge",
					    "default",	   "private", "pasta",
					    "slirp4netns", NULL};

	if (strchr(net, ':'))
		return true; /* container:ID, ns:PATH, slirp4netns:OPTS */
	for (int i = 0; names[i]; i++) {
		if (str_eq(net, names[i]))
			return true;
	}
	return false;
}

int run_check_engine(struct session *s, const char *network, char **cause)
{
	if (s->container &&
	    engine_knows(s, "container", "inspect", s->container)) {
		*cause = xasprintf("a container named '%s' already exists "
				   "(choose another --name)",
				   s->container);
		return 1;
	}
	if (network && !builtin_network(network) &&
	    !engine_knows(s, "network", "inspect", network)) {
		*cause = xasprintf("no network named '%s' (%s network ls "
				   "lists them)",
				   network, s->eng.engine->name);
		return 1;
	}
	return 0;
}
