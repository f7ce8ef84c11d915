/* SPDX-License-Identifier: MIT */
/*
 * The image a session runs: load it from an #export archive, pull it when
 * it is not here, and inspect it for its id, author and original config.
 */
#include <sys/stat.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "engine.h"
#include "image.h"
#include "log.h"
#include "proc.h"
#include "session.h"

/* Take the id, config, author and comment from one image object of
 * `inspect`. */
static void image_take(struct session *s, json_t *img)
{
	json_t *cfg = json_object_get(img, "Config");
	const char *author = json_string_value(json_object_get(img, "Author"));
	const char *comment =
	    json_string_value(json_object_get(img, "Comment"));

	s->image_id = xstrdup(json_string_value(json_object_get(img, "Id")));
	s->image_config = cfg ? json_incref(cfg) : json_object();
	free(s->image_author);
	/* A squashed docker save is an import, which has a comment but no
	 * author: both carry the paks save mark. */
	s->image_author =
	    xasprintf("%s%s%s", author ? author : "",
		      comment && *comment ? "\n" : "", comment ? comment : "");
}

/* Ask the engine's API, when it has one: 0 with the image taken, 1 when
 * there is no such image, -1 when only the CLI can tell. */
static int image_inspect_api(struct session *s)
{
	struct buf body = {0};
	json_t *img = NULL;
	int r = -1;

	if (s->engine->api_image_inspect)
		r = s->engine->api_image_inspect(s, s->image, &body);
	if (r == 0) {
		img = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
		if (json_is_object(img))
			image_take(s, img);
		else
			r = -1;
	}
	json_decref(img);
	buf_free(&body);
	return r;
}

int image_inspect(struct session *s, char **cause)
{
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	json_error_t je;
	json_t *root;
	int r;

	r = image_inspect_api(s);
	if (r >= 0)
		return r;
	engine_argv(s, &argv);
	strv_push(&argv, "image");
	strv_push(&argv, "inspect");
	strv_push(&argv, "--");
	strv_push(&argv, s->image);
	r = proc_capture(argv.v, &out, &eb);
	strv_free(&argv);
	if (r > 0 && (*cause = engine_unreachable(&eb))) {
		buf_free(&eb);
		buf_free(&out);
		return -1;
	}
	buf_free(&eb);
	if (r != 0) {
		buf_free(&out);
		if (r < 0) {
			*cause = xasprintf("cannot run %s: %s", s->engine_path,
					   strerror(-r));
			return -1;
		}
		return 1;
	}
	root = json_loads(out.data ? out.data : "", 0, &je);
	buf_free(&out);
	if (!json_is_array(root) || json_array_size(root) < 1) {
		json_decref(root);
		*cause = xasprintf("unexpected output from %s image inspect",
				   s->engine_path);
		return -1;
	}
	image_take(s, json_array_get(root, 0));
	json_decref(root);
	return 0;
}

/* The id REF names now (malloc'd, without "sha256:"), or NULL. */
static char *image_id_of(struct session *s, const char *ref)
{
	struct strv argv = {0};
	struct buf out = {0};
	char *id = NULL;

	engine_argv(s, &argv);
	strv_push(&argv, "image");
	strv_push(&argv, "inspect");
	strv_push(&argv, "--format={{.Id}}");
	strv_push(&argv, "--");
	strv_push(&argv, ref);
	if (proc_capture(argv.v, &out, NULL) == 0 && out.data) {
		const char *p = out.data;
		if (str_has_prefix(p, "sha256:"))
			p += 7;
		id = xasprintf("%.*s", (int)strcspn(p, "\r\n"), p);
	}
	strv_free(&argv);
	buf_free(&out);
	return id;
}

/* The names an archive (docker-archive, as #export writes) will tag on
 * load, from its manifest.json, into *tags. */
static void archive_tags(const char *path, struct strv *tags)
{
	char *const argv[] = {"tar", "-xOf", (char *)path, "manifest.json",
			      NULL};
	struct buf out = {0}, junk = {0};
	json_t *root = NULL, *m;
	size_t i, j;

	if (proc_capture(argv, &out, &junk) == 0 && out.data)
		root = json_loadb(out.data, out.len, 0, NULL);
	json_array_foreach(root, i, m)
	{
		json_t *t;
		json_array_foreach(json_object_get(m, "RepoTags"), j, t)
		{
			if (json_is_string(t))
				strv_push(tags, json_string_value(t));
		}
	}
	json_decref(root);
	buf_free(&out);
	buf_free(&junk);
}

/* Loading moves the archive's names onto its image: say which names
 * pointed at another image before, and how to put them back. */
static void say_replaced(struct session *s, const struct strv *tags,
			 char **before)
{
	for (size_t i = 0; i < tags->n; i++) {
		cleanup_free char *now = NULL;
		if (!before[i])
			continue;
		now = image_id_of(s, tags->v[i]);
		if (now && !str_eq(now, before[i]))
			log_warn("%s now names the image from %s; the image it "
				 "named before is kept as %.12s (%s tag %.12s "
				 "%s puts the name back)",
				 tags->v[i], s->image, before[i],
				 s->engine->name, before[i], tags->v[i]);
	}
}

/* A file argument is an archive from #export: load it and run what it
 * holds.  Sets s->image to the loaded reference. */
static int load_archive(struct session *s, char **cause)
{
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	struct strv tags = {0};
	char **before;
	char *ref = NULL;
	int r;

	archive_tags(s->image, &tags);
	before = xcalloc(tags.n + 1, sizeof(*before));
	for (size_t i = 0; i < tags.n; i++)
		before[i] = image_id_of(s, tags.v[i]);
	engine_argv(s, &argv);
	strv_push(&argv, "load");
	strv_push(&argv, "-i");
	strv_push(&argv, s->image);
	r = proc_capture(argv.v, &out, &eb);
	strv_free(&argv);
	if (r == 0)
		say_replaced(s, &tags, before);
	for (size_t i = 0; i < tags.n; i++)
		free(before[i]);
	free(before);
	strv_free(&tags);
	if (r != 0) {
		cleanup_free char *why =
		    r < 0 ? xstrdup(strerror(-r)) : engine_first_line(&eb);
		*cause = xasprintf("cannot load archive %s: %s", s->image, why);
		buf_free(&out);
		buf_free(&eb);
		return -1;
	}
	/* "Loaded image: REF" (podman prints "Loaded image(s): REF"). */
	for (char *line = out.data; line && *line;) {
		char *nl = strchr(line, '\n');
		char *colon = strstr(line, "Loaded image");
		if (nl)
			*nl = '\0';
		if (colon && (colon = strchr(colon, ':'))) {
			colon++;
			while (*colon == ' ')
				colon++;
			free(ref);
			ref = xstrdup(colon);
			{
				char *comma = strchr(ref, ',');
				if (comma)
					*comma = '\0';
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	buf_free(&out);
	buf_free(&eb);
	if (!ref) {
		*cause = xasprintf("%s load did not name the loaded image",
				   s->engine_path);
		return -1;
	}
	free(s->image);
	s->image = ref;
	return 0;
}

/* A registry reference that is not here yet: pull it.  On a terminal the
 * engine's progress is shown as it comes; otherwise it is kept, and a
 * failure is one line with the engine's reason.  Loopback registries are
 * reached over plain HTTP (registry_flags), credentials come from the
 * engine's own login. */
static int pull_image(struct session *s, char **cause)
{
	struct strv argv = {0};
	struct buf out = {0};
	bool tty = isatty(2);
	int r;

	if (tty)
		log_info("%s is not here; pulling it", s->image);
	engine_argv(s, &argv);
	strv_push(&argv, "pull");
	(void)s->engine->registry_flags(s, s->image, false, &argv);
	strv_push(&argv, "--");
	strv_push(&argv, s->image);
	r = tty ? proc_run_progress(argv.v) : proc_capture(argv.v, &out, &out);
	strv_free(&argv);
	if (r < 0)
		*cause = xasprintf("cannot run %s: %s", s->engine_path,
				   strerror(-r));
	else if (r > 0 && tty)
		*cause = xasprintf("image '%s' is not here and could not be "
				   "pulled (%s's message is above)",
				   s->image, s->engine->name);
	else if (r > 0) {
		cleanup_free char *why = engine_error_line(&out);
		*cause = xasprintf("image '%s' is not here and could not be "
				   "pulled: %s",
				   s->image, why);
	}
	buf_free(&out);
	return r == 0 ? 0 : -1;
}

int image_resolve(struct session *s, char **cause)
{
	struct stat st;
	int r;

	if ((strchr(s->image, '/') || strstr(s->image, ".tar")) &&
	    stat(s->image, &st) == 0 && S_ISREG(st.st_mode)) {
		if (load_archive(s, cause) < 0)
			return -1;
	}
	r = image_inspect(s, cause);
	if (r <= 0)
		return r;
	if (pull_image(s, cause) < 0)
		return -1;
	r = image_inspect(s, cause);
	if (r > 0)
		*cause = xasprintf("image '%s' not found", s->image);
	return r == 0 ? 0 : -1;
}
