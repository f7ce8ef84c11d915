/* SPDX-License-Identifier: MIT */
/*
 * User settings: $XDG_CONFIG_HOME/paks/settings.yml, read with libyaml.
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

/* Fill s with the defaults. */
void settings_defaults(struct settings *s);
void settings_free(struct settings *s);
/* The settings file path (malloc'd). */
char *settings_path(void);
/* Load path into s (missing file = defaults).  On error returns -errno or
 * -EINVAL and sets *err to a malloc'd one-line message naming file, line
 * and key, e.g. "settings.yml:3: unknown key 'colour'". */
int settings_load(struct settings *s, const char *path, char **err);
/* The settings as they take effect: defaults, then the file at path (NULL:
 * settings_path()).  On error it leaves s empty, sets *cause to the
 * one-line message and returns -EINVAL. */
int settings_load_effective(struct settings *s, const char *path, char **cause);
/* Apply "key=value" to s (for `paks run -s`).  Same error contract. */
int settings_apply(struct settings *s, const char *kv, char **err);
/* The effective editor command. */
const char *settings_editor(const struct settings *s);
/* NULL-terminated list of known keys, for `config show` and completion. */
const char *const *settings_keys(void);

/* Parse YAML text (name is used in messages) onto s, as settings_load. */
int settings_parse(struct settings *s, const char *text, size_t len,
		   const char *name, char **err);
bool settings_known_key(const char *key);
/* key's value as YAML ("[a, b]" for lists, quoted when needed, "" when
 * unset); malloc'd, NULL for an unknown key. */
char *settings_value_yaml(const struct settings *s, const char *key);
/* key's value as lines for `config get` (one per list entry, none when
 * unset; config_editor is the effective editor).  -ENOENT if unknown. */
struct strv;
int settings_get(const struct settings *s, const char *key, struct strv *out);
/* The commented default file written by `config init`. */
char *settings_template(void);
/* Replace key's "key: value" in YAML text by line (NULL removes it), or
 * add line when key is absent.  Everything else is kept byte for byte. */
int settings_edit_text(const char *text, size_t len, const char *key,
		       const char *line, char **out, char **err);

/* Run editor (split on blanks, no shell) on file and wait: 0, or -errno /
 * -ECHILD with *err set when it cannot start or does not exit 0. */
int config_run_editor(const char *editor, const char *file, char **err);
/* The effective editor from the settings file (malloc'd). */
char *config_editor_command(void);

/* `paks config ...` */
int cmd_config(int argc, char **argv);

#endif
