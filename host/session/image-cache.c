/* SPDX-License-Identifier: MIT */
/*
 * The image cache: one small JSON file per engine scope and image name
 * under $XDG_CACHE_HOME/paks/images, holding the name's id, config and
 * author as `image inspect` last reported them.  An entry is only ever a
 * guess: image.c checks the name beside the container's start, and takes
 * the engine's answer when they differ.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "image-cache.h"
#include "session.h"

/* What decides which images a name can mean: the engine, its global
 * flags, the variables that point it elsewhere, and the user. */
char *image_cache_scope(const struct session *s)
{
	static const char *vars[] = {"DOCKER_HOST",
				     "DOCKER_CONTEXT",
				     "DOCKER_CONFIG",
				     "CONTAINER_HOST",
				     "CONTAINER_CONNECTION",
				     "CONTAINERS_CONF",
				     "CONTAINERS_STORAGE_CONF",
				     "CONTAINERS_REGISTRIES_CONF"};
	struct buf b = {0};
	char *out;

	buf_printf(&b, "%s uid=%ld", s->eng.path, (long)geteuid());
	for (size_t i = 0; i < s->eng.args.n; i++)
		buf_printf(&b, " arg=%s", s->eng.args.v[i]);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		if (v)
			buf_printf(&b, " %s=%s", vars[i], v);
	}
	buf_append(&b, "", 1);
	out = xstrdup(b.data);
	buf_free(&b);
	return out;
}

void image_cache_key(const char *scope, const char *ref, char out[17])
{
	uint64_t h = fnv1a_str(fnv1a_str(FNV1A_INIT, scope), ref);

	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static char *cache_path(const struct session *s, const char *scope)
{
	cleanup_free char *dir = paks_cache_dir("images");
	char key[17];

	image_cache_key(scope, s->image, key);
	return xasprintf("%s/%s", dir, key);
}

bool image_cache_load(struct session *s)
{
	cleanup_free char *scope = image_cache_scope(s);
	cleanup_free char *path = cache_path(s, scope);
	cleanup_free char *txt = NULL;
	size_t len = 0;
	json_t *root, *cfg;
	const char *id, *author;
	bool hit = false;

	if (read_file(path, 1 << 20, &txt, &len) < 0)
		return false;
	root = json_loadb(txt, len, 0, NULL);
	id = json_string_value(json_object_get(root, "Id"));
	author = json_string_value(json_object_get(root, "Author"));
	cfg = json_object_get(root, "Config");
	if (id && *id && author && json_is_object(cfg) &&
	    str_eq(json_string_value(json_object_get(root, "scope")), scope) &&
	    str_eq(json_string_value(json_object_get(root, "ref")), s->image)) {
		s->image_id = xstrdup(id);
		s->image_author = xstrdup(author);
		s->image_config = json_incref(cfg);
		hit = true;
	}
	json_decref(root);
	return hit;
}

void image_cache_store(const struct session *s)
{
	cleanup_free char *scope = image_cache_scope(s);
	cleanup_free char *path = cache_path(s, scope);
	json_t *root;
	char *txt;

	if (!s->image_id || !s->image_config)
		return;
	root = json_pack("{s:s, s:s, s:s, s:s, s:O}", "scope", scope, "ref",
			 s->image, "Id", s->image_id, "Author",
			 s->image_author ? s->image_author : "", "Config",
			 s->image_config);
	txt = root ? json_dumps(root, JSON_COMPACT) : NULL;
	if (txt)
		write_file_replace(path, txt, strlen(txt), 0600);
	free(txt);
	json_decref(root);
}

void image_cache_drop(const struct session *s)
{
	cleanup_free char *scope = image_cache_scope(s);
	cleanup_free char *path = cache_path(s, scope);

	unlink(path);
}
