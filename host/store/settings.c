/* SPDX-License-Identifier: MIT */
/*
 * User settings: a table-driven set of keys, so every key has one
 * definition (type, default, validation) shared by the settings file
 * (settings-yaml.c), by `paks run -s KEY=VALUE` and by `paks config set`.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "util.h"

static const char *const tech_choices[] = {"auto", "podman", "docker",
					   "charliecloud", NULL};
static const char *const mode_choices[] = {"auto", "preload", "pty", NULL};

#define OFF(f) offsetof(struct settings, f)
static const struct setting_def defs[] = {
    {"container_tech", KIND_ENUM, OFF(container_tech), tech_choices, "auto",
     "auto (podman if installed, else docker), podman or docker"},
    {"container_shell", KIND_STRING, OFF(container_shell), NULL, "/bin/bash",
     "the shell started in the container"},
    {"user", KIND_STRING, OFF(user), NULL, NULL,
     "user inside the container (unset: the image's user)"},
    {"config_editor", KIND_STRING, OFF(config_editor), NULL, NULL,
     "editor for `paks config edit`/`paks env edit` "
     "(unset: $VISUAL, $EDITOR, vi)"},
    {"hooks_path", KIND_LIST, OFF(hooks_path), NULL, NULL,
     "more directories with '#' commands (absolute or ~/...)"},
    {"mode", KIND_ENUM, OFF(mode), mode_choices, "auto",
     "auto, preload (readline hook in bash) or pty (any shell)"},
    {"cp_unconfined", KIND_BOOL, OFF(cp_unconfined), NULL, NULL,
     "true lets #cp reach outside the directory paks was started in"},
    {"save_suffix", KIND_STRING, OFF(save_suffix), NULL, "-saved",
     "#save names IMAGE as IMAGE<suffix> (lowercase, digits, . _ -)"},
    {"save_squash", KIND_BOOL, OFF(save_squash), NULL, NULL,
     "true squashes the image into one layer on every #save"},
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static char **str_field(struct settings *s, const struct setting_def *d)
{
	return (char **)((char *)s + d->offset);
}

const char *settings_field(const struct settings *s,
			   const struct setting_def *d)
{
	return *(char *const *)((const char *)s + d->offset);
}

static bool *bool_field(struct settings *s, const struct setting_def *d)
{
	return (bool *)((char *)s + d->offset);
}

const struct setting_def *settings_defs(size_t *n)
{
	*n = NDEFS;
	return defs;
}

const struct setting_def *settings_def_find(const char *key)
{
	for (size_t i = 0; i < NDEFS; i++) {
		if (strcmp(defs[i].key, key) == 0)
			return &defs[i];
	}
	return NULL;
}

const char *const *settings_keys(void)
{
	static const char *keys[NDEFS + 1];

	for (size_t i = 0; i < NDEFS; i++)
		keys[i] = defs[i].key;
	keys[NDEFS] = NULL;
	return keys;
}

bool settings_known_key(const char *key)
{
	return settings_def_find(key) != NULL;
}

static void list_free(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

void settings_set_list(struct settings *s, char **items)
{
	list_free(s->hooks_path);
	s->hooks_path = items;
}

static char **list_dup(char *const *l)
{
	size_t n = 0;
	char **v;

	if (!l)
		return NULL;
	while (l[n])
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(l[i]);
	return v;
}

void settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < NDEFS; i++) {
		if (defs[i].dflt)
			*str_field(s, &defs[i]) = xstrdup(defs[i].dflt);
	}
}

void settings_free(struct settings *s)
{
	for (size_t i = 0; i < NDEFS; i++) {
		if (defs[i].kind == KIND_STRING || defs[i].kind == KIND_ENUM)
			free(*str_field(s, &defs[i]));
	}
	list_free(s->hooks_path);
	memset(s, 0, sizeof(*s));
}

void settings_copy(struct settings *dst, const struct settings *src)
{
	*dst = *src;
	for (size_t i = 0; i < NDEFS; i++) {
		if (defs[i].kind == KIND_STRING || defs[i].kind == KIND_ENUM) {
			const char *v = settings_field(src, &defs[i]);
			*str_field(dst, &defs[i]) = v ? xstrdup(v) : NULL;
		}
	}
	dst->hooks_path = list_dup(src->hooks_path);
}

char *settings_path(void)
{
	cleanup_free char *dir = paks_config_dir();

	return xasprintf("%s/settings.yml", dir);
}

const char *settings_editor(const struct settings *s)
{
	const char *e;

	if (s && s->config_editor && *s->config_editor)
		return s->config_editor;
	e = getenv("VISUAL");
	if (e && *e)
		return e;
	e = getenv("EDITOR");
	if (e && *e)
		return e;
	return "vi";
}

/* ---- Values ---------------------------------------------------------- */

static bool has_control(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *yes[] = {"true", "yes", "on", "1"};
	static const char *no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (str_ieq(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (str_ieq(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static char *choices_text(const char *const *c)
{
	struct buf b = {0};

	for (size_t i = 0; c[i]; i++)
		buf_printf(&b, "%s%s",
			   i == 0     ? ""
			   : c[i + 1] ? ", "
				      : " or ",
			   c[i]);
	return b.data;
}

/* One part of USER[:GROUP]: a name or a number as the engines take it
 * (useradd's portable name characters), at most 32 characters. */
static bool user_part_valid(const char *p, size_t n)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

	if (n == 0 || n > 32 || p[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!strchr(ok, p[i]))
			return false;
	}
	return true;
}

/* USER, USER:GROUP, UID or UID:GID: checked when set, not only when the
 * engine refuses it at `paks run`. */
static bool user_valid(const char *v)
{
	const char *colon = strchr(v, ':');

	if (!colon)
		return user_part_valid(v, strlen(v));
	return user_part_valid(v, (size_t)(colon - v)) &&
	       user_part_valid(colon + 1, strlen(colon + 1));
}

static int check_string(const struct setting_def *d, const char *v,
			char **cause)
{
	if (has_control(v)) {
		*cause = xasprintf("control characters are not allowed in '%s'",
				   d->key);
		return -EINVAL;
	}
	if (strcmp(d->key, "container_shell") == 0 && v[0] != '/') {
		*cause =
		    xasprintf("invalid value '%s' for 'container_shell' (an "
			      "absolute path in the container, e.g. "
			      "/bin/bash)",
			      v);
		return -EINVAL;
	}
	if (strcmp(d->key, "user") == 0 && *v && !user_valid(v)) {
		*cause =
		    xasprintf("invalid value '%s' for 'user' (USER[:GROUP] "
			      "or UID[:GID]: letters, digits, '.', '_' "
			      "and '-', not starting with '-')",
			      v);
		return -EINVAL;
	}
	if (strcmp(d->key, "save_suffix") == 0) {
		size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789._-");
		if (!*v || v[n] || n > 64) {
			*cause =
			    xasprintf("invalid value '%s' for 'save_suffix' "
				      "(1 to 64 lowercase letters, digits, "
				      "'.', '_' or '-')",
				      v);
			return -EINVAL;
		}
	}
	return 0;
}

int settings_check_dir_entry(const char *v, char **cause)
{
	if (has_control(v)) {
		*cause = xstrdup("control characters are not allowed in "
				 "'hooks_path'");
		return -EINVAL;
	}
	if (v[0] == '/' || (v[0] == '~' && (v[1] == '/' || v[1] == '\0')))
		return 0;
	*cause = xasprintf("'hooks_path' entry '%s' must be an absolute path "
			   "or start with ~/",
			   v);
	return -EINVAL;
}

/* Set a scalar (or a one-entry list) from a string.  is_null resets the key
 * to its default.  *cause gets an error without location. */
int settings_set_scalar(struct settings *s, const struct setting_def *d,
			const char *v, bool is_null, char **cause)
{
	char **f;

	if (is_null) {
		if (d->kind == KIND_BOOL)
			*bool_field(s, d) = false;
		else if (d->kind == KIND_LIST) {
			list_free(s->hooks_path);
			s->hooks_path = NULL;
		} else {
			f = str_field(s, d);
			free(*f);
			*f = d->dflt ? xstrdup(d->dflt) : NULL;
		}
		return 0;
	}
	switch (d->kind) {
	case KIND_BOOL:
		if (parse_bool(v, bool_field(s, d)) < 0) {
			*cause = xasprintf("invalid value '%s' for '%s' "
					   "(expected true or false)",
					   v, d->key);
			return -EINVAL;
		}
		return 0;
	case KIND_ENUM:
		for (size_t i = 0; d->choices[i]; i++) {
			if (str_ieq(v, d->choices[i])) {
				f = str_field(s, d);
				free(*f);
				*f = xstrdup(d->choices[i]);
				return 0;
			}
		}
		{
			cleanup_free char *c = choices_text(d->choices);
			*cause = xasprintf("invalid value '%s' for '%s' "
					   "(expected %s)",
					   v, d->key, c);
		}
		return -EINVAL;
	case KIND_LIST: {
		char *one[] = {(char *)v, NULL};
		if (settings_check_dir_entry(v, cause) < 0)
			return -EINVAL;
		list_free(s->hooks_path);
		s->hooks_path = list_dup(one);
		return 0;
	}
	case KIND_STRING:
		if (check_string(d, v, cause) < 0)
			return -EINVAL;
		f = str_field(s, d);
		free(*f);
		/* An empty user or editor means "unset", as if absent. */
		*f = *v || d->dflt ? xstrdup(v) : NULL;
		return 0;
	}
	return -EINVAL;
}

/* hooks_path from the command line: a colon-separated list, as $PATH. */
static int set_list_text(struct settings *s, const char *v, char **cause)
{
	struct strv items = {0};
	cleanup_free char *copy = xstrdup(v);
	char *save = NULL;

	for (char *t = strtok_r(copy, ":", &save); t;
	     t = strtok_r(NULL, ":", &save)) {
		if (settings_check_dir_entry(t, cause) < 0) {
			strv_free(&items);
			return -EINVAL;
		}
		strv_push(&items, t);
	}
	list_free(s->hooks_path);
	s->hooks_path = items.v;
	return 0;
}

static char *unknown_key_msg(const char *key)
{
	cleanup_free char *known = NULL;
	struct buf b = {0};

	for (size_t i = 0; i < NDEFS; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", defs[i].key);
	known = b.data;
	return xasprintf("unknown key '%s' (known keys: %s)", key, known);
}

int settings_apply(struct settings *s, const char *kv, char **cause)
{
	const char *eq = strchr(kv, '=');
	cleanup_free char *key = NULL;
	const struct setting_def *d;
	struct settings tmp;
	int r;

	if (!eq || eq == kv) {
		*cause = xasprintf("expected KEY=VALUE, not '%s'", kv);
		return -EINVAL;
	}
	key = xasprintf("%.*s", (int)(eq - kv), kv);
	d = settings_def_find(key);
	if (!d) {
		*cause = unknown_key_msg(key);
		return -EINVAL;
	}
	settings_copy(&tmp, s);
	if (d->kind == KIND_LIST)
		r = set_list_text(&tmp, eq + 1, cause);
	else
		r = settings_set_scalar(&tmp, d, eq + 1, false, cause);
	if (r < 0) {
		settings_free(&tmp);
		return r;
	}
	settings_free(s);
	*s = tmp;
	return 0;
}

int settings_get(const struct settings *s, const char *key, struct strv *out)
{
	const struct setting_def *d = settings_def_find(key);
	const char *v;

	if (!d)
		return -ENOENT;
	switch (d->kind) {
	case KIND_BOOL:
		strv_push(out, *(const bool *)((const char *)s + d->offset)
				   ? "true"
				   : "false");
		break;
	case KIND_LIST:
		for (size_t i = 0; s->hooks_path && s->hooks_path[i]; i++)
			strv_push(out, s->hooks_path[i]);
		break;
	default:
		v = strcmp(key, "config_editor") == 0 ? settings_editor(s)
						      : settings_field(s, d);
		if (v)
			strv_push(out, v);
		break;
	}
	return 0;
}
