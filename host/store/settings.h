/* SPDX-License-Identifier: MIT */
/*
 * User settings: the schema and values (settings.c) and the file
 * $XDG_CONFIG_HOME/paks/settings.yml in YAML (settings-yaml.c).
 */
#ifndef PAKS_SETTINGS_H
#define PAKS_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

struct settings {
	char *container_tech;  /* "auto", "podman" or "docker" */
	char *container_shell; /* default "/bin/bash" */
	char *user;	       /* user inside the container, NULL = image's */
	char *config_editor;   /* NULL = $VISUAL, $EDITOR, vi */
	char **hooks_path;     /* NULL-terminated list of directories */
	char *mode;	       /* "auto", "preload" or "pty" */
	bool cp_unconfined;    /* #cp may reach outside the launch dir */
	char *save_suffix;     /* default "-saved" */
	bool save_squash;      /* squash on every #save (default false) */
};

/* settings.c: the schema and the values. */
enum setting_kind { KIND_STRING, KIND_ENUM, KIND_BOOL, KIND_LIST };

struct setting_def {
	const char *key;
	enum setting_kind kind;
	size_t offset;
	const char *const *choices; /* KIND_ENUM */
	const char *dflt;	    /* KIND_STRING/ENUM; NULL = unset */
	const char *help;	    /* one line for the template */
};

/* Fill s with the defaults. */
void settings_defaults(struct settings *s);
void settings_free(struct settings *s);
void settings_copy(struct settings *dst, const struct settings *src);
/* The settings file path (malloc'd). */
char *settings_path(void);
/* Apply "key=value" to s (for `paks run -s`): 0, or -EINVAL with *cause set
 * to a malloc'd one-line message. */
int settings_apply(struct settings *s, const char *kv, char **cause);
/* The effective editor command. */
const char *settings_editor(const struct settings *s);
/* NULL-terminated list of known keys, for `config show` and completion. */
const char *const *settings_keys(void);
bool settings_known_key(const char *key);
/* key's value as lines for `config get` (one per list entry, none when
 * unset; config_editor is the effective editor).  -ENOENT if unknown. */
struct strv;
int settings_get(const struct settings *s, const char *key, struct strv *out);
/* The definitions, for the file's reader and writer. */
const struct setting_def *settings_defs(size_t *n);
const struct setting_def *settings_def_find(const char *key);
/* A string or enum key's value (NULL when unset). */
const char *settings_field(const struct settings *s,
			   const struct setting_def *d);
/* Set a scalar (or a one-entry list) from text; is_null resets the key to
 * its default.  0, or -EINVAL with *cause (no location). */
int settings_set_scalar(struct settings *s, const struct setting_def *d,
			const char *v, bool is_null, char **cause);
/* 0 when v is a valid hooks_path entry, else -EINVAL with *cause. */
int settings_check_dir_entry(const char *v, char **cause);
/* Replace hooks_path by items (NULL-terminated, taken over). */
void settings_set_list(struct settings *s, char **items);

/* settings-yaml.c: the settings file. */
/* Load path into s (missing file = defaults).  On error returns -errno or
 * -EINVAL and sets *cause to a malloc'd one-line message naming file, line
 * and key, e.g. "settings.yml:3: unknown key 'colour'". */
int settings_load(struct settings *s, const char *path, char **cause);
/* The settings as they take effect: defaults, then the file at path (NULL:
 * settings_path()).  On error s is left empty, with *cause as above. */
int settings_load_effective(struct settings *s, const char *path, char **cause);
/* Parse YAML text (name is used in messages) onto s, as settings_load. */
int settings_parse(struct settings *s, const char *text, size_t len,
		   const char *name, char **cause);
/* key's value as YAML ("[a, b]" for lists, quoted when needed, "" when
 * unset); malloc'd, NULL for an unknown key. */
char *settings_value_yaml(const struct settings *s, const char *key);
/* The commented default file written by `config init`. */
char *settings_template(void);
/* Replace key's "key: value" in YAML text by line (NULL removes it), or
 * add line when key is absent.  Everything else is kept byte for byte. */
int settings_edit_text(const char *text, size_t len, const char *key,
		       const char *line, char **out, char **cause);

#endif
