/* SPDX-License-Identifier: MIT */
/*
 * User settings: $XDG_CONFIG_HOME/paks/settings.yml, read with libyaml.
 */
#ifndef PAKS_SETTINGS_H
#define PAKS_SETTINGS_H

#include <stdbool.h>

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
/* Apply "key=value" to s (for `paks run -s`).  Same error contract. */
int settings_apply(struct settings *s, const char *kv, char **err);
/* The effective editor command. */
const char *settings_editor(const struct settings *s);
/* NULL-terminated list of known keys, for `config show` and completion. */
const char *const *settings_keys(void);

/* `paks config ...` */
int cmd_config(int argc, char **argv);

#endif
