/* SPDX-License-Identifier: MIT */
/*
 * Named environments: one file per name in $XDG_CONFIG_HOME/paks/envs/
 * (directory 0700, files 0600).  Values round-trip exactly, newlines too.
 */
#ifndef PAKS_ENVSTORE_H
#define PAKS_ENVSTORE_H

#include <stdbool.h>
#include <stddef.h>

/* The most a set of variables may take: a named environment's file, and
 * what a hook hands back on fd 3.  Values can be certificates or keys, but
 * not gigabytes. */
#define ENVSTORE_MAX_SIZE (16 * 1024 * 1024)

struct envvar {
	char *name;
	char *value;
};

struct envset {
	struct envvar *vars;
	size_t n;
};

bool envstore_valid_name(const char *name);
/* 0 when name is valid, else -EINVAL with *cause saying what a name may
 * hold. */
int envstore_check_name(const char *name, char **cause);
char *envstore_dir(void);
/* Load NAME; -ENOENT when it does not exist. cause as in settings. */
int envstore_load(const char *name, struct envset *out, char **cause);
/* Write NAME atomically (creates the directory 0700, file 0600); a value
 * too long to export is refused, never cut. */
int envstore_save(const char *name, const struct envset *set, char **cause);
/* Lock the environments for a read-modify-write (envs/.lock; created
 * with the directory): load, change and save under it, so concurrent
 * writers (#envsave in two sessions) lose nothing.  Returns the fd to
 * close to unlock, or -errno with *cause set. */
int envstore_lock(char **cause);
/* -ENOENT without the environment, -ENODATA without the variable. */
int envstore_remove_var(const char *name, const char *var, char **cause);
/* Remove the whole environment; -ENOENT when it does not exist. */
int envstore_remove(const char *name, char **cause);
/* The file of NAME (malloc'd; the name is not checked). */
char *envstore_path(const char *name);
/* Create the directory 0700 (tightening a looser existing one). */
int envstore_prepare_dir(char **cause);
/* List environment names, sorted.  NULL-terminated, malloc'd. */
int envstore_list(char ***names);
/* 0, or -E2BIG with *cause naming the first variable too long to export
 * (varname_export_fits). */
int envset_check_sizes(const struct envset *set, char **cause);
/* Set (replace or append) one variable in set. */
void envset_put(struct envset *set, const char *name, const char *value);
/* Remove one variable; false when it was not there. */
bool envset_remove(struct envset *set, const char *name);
void envset_free(struct envset *set);
/* Parse the file format / produce it (exposed for unit tests).  Parse
 * errors read "line N: ...". */
int envstore_parse(const char *text, size_t len, struct envset *out,
		   char **cause);
char *envstore_format(const struct envset *set);
/* Check an edited file's text: it parses (errors read "where:N: ...")
 * and every value can be exported. */
int envstore_check_text(const char *text, size_t len, const char *where,
			char **cause);

#endif
