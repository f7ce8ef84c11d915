/* SPDX-License-Identifier: MIT */
/*
 * User-defined '#' commands: any executable in the hook directories.
 */
#ifndef PAKS_HOOKS_H
#define PAKS_HOOKS_H

#include <stddef.h>

#include "exec.h"

struct settings;

struct hook {
	char *name;
	char *path;	   /* absolute path of the executable */
	char *description; /* from "# paks: ..." near the top, or NULL */
};

struct hook_list {
	struct hook *hooks;
	size_t n;
};

/* 1 when name is a plain word usable as a hook name. */
int hooks_valid_name(const char *name);
/* Directories searched, in order: $XDG_CONFIG_HOME/paks/hooks, the installed
 * share/paks/hooks (relative to the executable), then hooks_path. */
void hooks_dirs(const struct settings *s, char ***dirs);
/* Find hook `name`: PAKS_CMD_OK and *path (malloc'd); else *cause and
 * USAGE for a bad name, NOEXEC for a file that is not executable, or
 * NOTFOUND. */
enum exec_status hooks_find(const struct settings *s, const char *name,
			    char **path, char **cause);
/* Every hook found, first directory wins for a name; sorted by name. */
void hooks_list(const struct settings *s, struct hook_list *out);
void hooks_list_free(struct hook_list *l);
void hooks_dirs_free(char **dirs);
/* Call fn for every valid, executable hook in dir, in directory order. */
void hooks_scan_dir(const char *dir,
		    void (*fn)(void *arg, const char *name, const char *path),
		    void *arg);
/* The "# paks: TEXT" description near the top of a hook (malloc'd), or
 * NULL. */
char *hooks_description(const char *path);
/* Run a hook for the executor: argv[0] is the hook name.  A non-zero exit
 * is PAKS_CMD_EXITED with the status in c->status, and *cause. */
enum exec_status hooks_run(struct exec_ctx *c, const char *path, int argc,
			   char **argv, char **cause);
#endif
