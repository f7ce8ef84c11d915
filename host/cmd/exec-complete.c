/* SPDX-License-Identifier: MIT */
/*
 * Tab completion for '#' lines: command names, environment names for
 * #envload/#envsave, and host: paths for #cp.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envstore.h"
#include "exec.h"
#include "hooks.h"
#include "session.h"

static void candidate(struct exec_ctx *c, const char *prefix, const char *s)
{
	if (str_has_prefix(s, prefix))
		exec_write(c, PAKS_MSG_CANDIDATE, s, strlen(s));
}

static void complete_commands(struct exec_ctx *c, const char *word)
{
	struct hook_list hl = {0};

	for (const struct exec_cmd *e = exec_commands; e->name; e++) {
		cleanup_free char *s = xasprintf("#%s", e->name);
		candidate(c, word, s);
	}
	hooks_list(&c->s->settings, &hl);
	for (size_t i = 0; i < hl.n; i++) {
		cleanup_free char *s = NULL;
		if (exec_find(hl.hooks[i].name))
			continue;
		s = xasprintf("#%s", hl.hooks[i].name);
		candidate(c, word, s);
	}
	hooks_list_free(&hl);
}

static void complete_envs(struct exec_ctx *c, const char *word)
{
	char **names = NULL;

	if (envstore_list(&names) < 0)
		return;
	for (char **n = names; n && *n; n++) {
		candidate(c, word, *n);
		free(*n);
	}
	free(names);
}

/* host:DIR/PREFIX -> entries of DIR below the launch directory. */
static void complete_host(struct exec_ctx *c, const char *word)
{
	const char *rel = word + 5;
	const char *slash = strrchr(rel, '/');
	cleanup_free char *dirpart =
	    slash ? xasprintf("%.*s", (int)(slash - rel + 1), rel)
		  : xstrdup("");
	cleanup_free char *dir = NULL;
	char *cause = NULL;
	DIR *d;
	struct dirent *e;

	if (rel[0] == '/')
		return;
	/* The check of #cp itself: nothing is listed through ".." or a
	 * symlink that leads out of the launch directory. */
	dir = exec_host_path(c->s, dirpart, true, &cause);
	if (!dir) {
		free(cause);
		return;
	}
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		cleanup_free char *full = NULL;
		cleanup_free char *cand = NULL;
		if (e->d_name[0] == '.' && (slash ? slash[1] : rel[0]) != '.')
			continue;
		full = xasprintf("%s/%s", dir, e->d_name);
		cand = xasprintf(
		    "host:%s%s%s", dirpart, e->d_name,
		    stat(full, &st) == 0 && S_ISDIR(st.st_mode) ? "/" : "");
		candidate(c, word, cand);
	}
	closedir(d);
}

int exec_complete(struct exec_ctx *c, const char *line, size_t len)
{
	cleanup_free char *copy = xasprintf("%.*s", (int)len, line);
	char *word = strrchr(copy, ' ');
	char *first_end = strchr(copy, ' ');

	if (!word) {
		complete_commands(c, copy);
		return 0;
	}
	word++;
	*first_end = '\0';
	if (str_eq(copy, "#envload") || str_eq(copy, "#envsave")) {
		if (word - copy == (long)strlen(copy) + 1)
			complete_envs(c, word);
	} else if (str_eq(copy, "#cp")) {
		if (str_has_prefix(word, "host:"))
			complete_host(c, word);
		else if (str_has_prefix("host:", word) && *word)
			candidate(c, word, "host:");
	}
	return 0;
}
