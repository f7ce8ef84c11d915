/* SPDX-License-Identifier: MIT */
/*
 * What both engine backends share: the engine command line of a session,
 * the engine's one-line messages, loopback registries, and turning an
 * image's original config into the --change list that a commit needs so
 * the saved image carries nothing of paks.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "session.h"
#include "util.h"

const char *engine_program(const struct engine *e)
{
	return e->program ? e->program : e->name;
}

void engine_argv(const struct engine_handle *h, struct strv *argv)
{
	strv_push(argv, h->path);
	for (size_t i = 0; i < h->args.n; i++)
		strv_push(argv, h->args.v[i]);
}

void engine_handle_free(struct engine_handle *h)
{
	free(h->path);
	h->path = NULL;
	strv_free(&h->args);
}

char *engine_first_line(const struct buf *b)
{
	const char *s = b->data ? b->data : "";
	const char *nl;

	/* podman prefixes errors with "Error: "; keep the message. */
	while (*s == '\n')
		s++;
	nl = strchr(s, '\n');
	return xasprintf("%.*s", nl ? (int)(nl - s) : (int)strlen(s), s);
}

/* The first non-empty line that is not a log record: the docker CLI may
 * log a consequence first (time="..." level=error msg="Can't add file
 * ... to tar: io: read/write on closed pipe") and give the reason after
 * it. */
static char *first_not_log(const char *s)
{
	const char *first = NULL;

	for (const char *p = s; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		size_t n = strcspn(p, "\n");
		if (n == 0)
			continue;
		if (!first)
			first = p;
		if (!(str_has_prefix(p, "time=\"") &&
		      memmem(p, n, " level=", 7)))
			return xasprintf("%.*s", (int)n, p);
	}
	return xasprintf("%.*s", first ? (int)strcspn(first, "\n") : 0,
			 first ? first : "");
}

/* podman (through Go's multierror) says "2 errors occurred:" and gives
 * the errors on the lines after it as "\t* REASON": the first of them
 * is what failed, the others follow from it. */
static const char *first_of_many(const char *line)
{
	size_t n = strspn(line, "0123456789");
	const char *item;

	if (n == 0 || (!str_has_prefix(line + n, " error occurred:") &&
		       !str_has_prefix(line + n, " errors occurred:")))
		return line;
	item = strchr(line, '\n');
	if (!item)
		return line;
	item += 1 + strspn(item + 1, " \t");
	if (!str_has_prefix(item, "* "))
		return line;
	return item + 2;
}

char *engine_error_line(const struct buf *b)
{
	const char *s = b->data ? b->data : "";
	const char *best = NULL, *p;

	for (p = s; (p = strstr(p, "Error")); p++) {
		if (p == s || p[-1] == '\n')
			best = p;
	}
	if (!best)
		return first_not_log(s);
	if (str_has_prefix(best, "Error: "))
		best += 7;
	best = first_of_many(best);
	return xasprintf("%.*s", (int)strcspn(best, "\n"), best);
}

/* Where the docker CLI looked for ADDR, as the user chose it. */
static char *docker_source(const char *addr)
{
	const char *dh = getenv("DOCKER_HOST");
	const char *ctx = getenv("DOCKER_CONTEXT");

	if (dh && *dh)
		return xstrdup("from DOCKER_HOST");
	if (ctx && *ctx && !str_eq(ctx, "default"))
		return xasprintf("from the docker context %s", ctx);
	if (addr && str_eq(addr, "unix:///var/run/docker.sock"))
		return xstrdup("the default socket; DOCKER_HOST is not set");
	return xstrdup("from the current docker context");
}

/* B from MARK on: to the end of its line, or (all) to the end of B;
 * malloc'd, NULL when MARK is not there. */
static char *text_from(const struct buf *b, const char *mark, bool all)
{
	const char *p =
	    b->data ? memmem(b->data, b->len, mark, strlen(mark)) : NULL;
	const char *end = b->data + b->len, *nl;

	if (!p)
		return NULL;
	nl = all ? NULL : memchr(p, '\n', (size_t)(end - p));
	return xasprintf("%.*s", (int)((nl ? nl : end) - p), p);
}

/* Why a connection failed, from the engine's words: the last line ssh
 * wrote (after "stderr="), or the dial error; NULL when neither is
 * there. */
static char *connect_reason(const struct buf *b)
{
	char *r = text_from(b, "stderr=", true);
	char *last;
	size_t n;

	if (!r) {
		r = text_from(b, "dial ", false);
		return r ? r : text_from(b, "ssh: ", false);
	}
	n = strlen(r);
	while (n > 0 && strchr("\r\n ", r[n - 1]))
		r[--n] = '\0';
	last = strrchr(r, '\n');
	last = xstrdup(last ? last + 1 : r + 7);
	free(r);
	/* A terminal's line ends, and nothing that moves the cursor. */
	for (char *p = last; *p; p++) {
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	}
	return last;
}

/* The docker CLI's "Cannot connect to the Docker daemon at ADDR." */
static char *docker_refused(const struct buf *b)
{
	static const char mark[] = "Cannot connect to the Docker daemon at ";
	cleanup_free char *line = text_from(b, mark, false);
	cleanup_free char *src = NULL;
	char *addr;
	size_t n;

	if (!line)
		return NULL;
	addr = line + sizeof(mark) - 1;
	/* "ADDRESS. Is the docker daemon running?" */
	n = strcspn(addr, " ");
	if (n > 0 && addr[n - 1] == '.')
		n--;
	addr[n] = '\0';
	src = docker_source(addr);
	return xasprintf("the docker daemon is not reachable at %s (%s); "
			 "is dockerd running?",
			 addr, src);
}

char *engine_unreachable(const struct buf *b)
{
	const char *dh = getenv("DOCKER_HOST");
	const char *ch = getenv("CONTAINER_HOST");
	cleanup_free char *why = NULL;
	char *msg = docker_refused(b);

	if (msg)
		return msg;
	why = connect_reason(b);
	if (b->data && memmem(b->data, b->len, "error during connect", 20)) {
		cleanup_free char *src = docker_source(NULL);
		return xasprintf("the docker daemon is not reachable at %s "
				 "(%s)%s%s",
				 dh && *dh ? dh : "its endpoint", src,
				 why ? ": " : "", why ? why : "");
	}
	if (b->data &&
	    (memmem(b->data, b->len, "Cannot connect to Podman", 23) ||
	     memmem(b->data, b->len, "unable to connect to Podman", 27) ||
	     memmem(b->data, b->len, "failed to connect: ", 19)))
		return xasprintf(
		    "the podman service is not reachable at %s%s%s",
		    ch && *ch ? ch : "its connection's address",
		    why ? ": " : "", why ? why : "");
	return NULL;
}

static void json_array_change(struct strv *argv, const char *what, json_t *v)
{
	char *dump;

	if (!json_is_array(v) || json_array_size(v) == 0) {
		strv_pushf(argv, "--change=%s []", what);
		return;
	}
	dump = json_dumps(v, JSON_COMPACT);
	strv_pushf(argv, "--change=%s %s", what, dump);
	free(dump);
}

/* A Dockerfile word in double quotes: backslash before '"', '\\' and '$'
 * (the change parser expands variables in LABEL). */
static void quoted(struct buf *b, const char *v)
{
	buf_append(b, "\"", 1);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\' || *v == '$')
			buf_append(b, "\\", 1);
		buf_append(b, v, 1);
	}
	buf_append(b, "\"", 1);
}

/* podman takes ENV values literally, except that a value wholly wrapped
 * in double quotes loses them; wrap such a value once more. */
static void env_change(struct strv *argv, const char *kv, bool words)
{
	const char *eq = strchr(kv, '=');
	size_t vlen = eq ? strlen(eq + 1) : 0;

	if (!eq)
		return;
	/* dockerd parses a change as a Dockerfile line: a value with a
	 * blank must be quoted, and $ expands. */
	if (words) {
		struct buf b = {0};
		buf_printf(&b, "--change=ENV %.*s=", (int)(eq - kv), kv);
		quoted(&b, eq + 1);
		buf_append(&b, "", 1);
		strv_push(argv, b.data);
		buf_free(&b);
		return;
	}
	if (vlen >= 2 && eq[1] == '"' && eq[vlen] == '"')
		strv_pushf(argv, "--change=ENV %.*s=\"%s\"", (int)(eq - kv), kv,
			   eq + 1);
	else
		strv_pushf(argv, "--change=ENV %s", kv);
}

void engine_config_changes(json_t *config, bool words, struct strv *argv)
{
	json_t *env = json_object_get(config, "Env");
	const char *wd =
	    json_string_value(json_object_get(config, "WorkingDir"));
	const char *user = json_string_value(json_object_get(config, "User"));
	size_t i;
	json_t *v;

	json_array_change(argv, "CMD", json_object_get(config, "Cmd"));
	json_array_change(argv, "ENTRYPOINT",
			  json_object_get(config, "Entrypoint"));
	json_array_foreach(env, i, v)
	{
		if (json_is_string(v))
			env_change(argv, json_string_value(v), words);
	}
	/* An empty WorkingDir means "/"; the engines always record one. */
	strv_pushf(argv, "--change=WORKDIR %s", wd && *wd ? wd : "/");
	if (user && *user)
		strv_pushf(argv, "--change=USER %s", user);
}

void engine_label_changes(json_t *config, struct strv *argv)
{
	json_t *labels = json_object_get(config, "Labels");
	const char *k;
	json_t *v;

	json_object_foreach(labels, k, v)
	{
		struct buf b = {0};
		if (!json_is_string(v))
			continue;
		buf_printf(&b, "--change=LABEL ");
		quoted(&b, k);
		buf_append(&b, "=", 1);
		quoted(&b, json_string_value(v));
		buf_append(&b, "", 1);
		strv_push(argv, b.data);
		buf_free(&b);
	}
}

/* 127.x.y.z, written as a dotted quad: 127.0.0.1.example.com is not. */
static bool is_ipv4_loopback(const char *h)
{
	int parts = 0;

	if (!str_has_prefix(h, "127."))
		return false;
	for (const char *p = h; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 0 || v > 255)
			return false;
		parts++;
		if (*end == '\0')
			break;
		if (*end != '.')
			return false;
		p = end + 1;
	}
	return parts == 4;
}

int engine_host_is_loopback(const char *host)
{
	size_t n = strcspn(host, "/");
	char h[256];

	if (n >= sizeof(h))
		return 0;
	memcpy(h, host, n);
	h[n] = '\0';
	if (h[0] == '[') /* [::1]:5000 */
		return str_has_prefix(h, "[::1]") &&
		       (h[5] == '\0' || h[5] == ':');
	h[strcspn(h, ":")] = '\0';
	return str_eq(h, "localhost") || is_ipv4_loopback(h);
}

/* Only the first component of a reference names a registry, and only when
 * it has a dot, a colon or is localhost (the engines' rule); loopback ones
 * always have a port or are localhost. */
int engine_ref_is_loopback(const char *ref)
{
	if (!strchr(ref, '/'))
		return 0;
	return engine_host_is_loopback(ref);
}
