/* SPDX-License-Identifier: MIT */
/*
 * The shell's mode per image: whether the image's shell can host the
 * preload (a glibc bash), needs the PTY proxy, or is missing.  There is no
 * probe container: the first start of an image is the user's own container,
 * started in preload mode; the launcher looks at the shell and reports its
 * verdict in the launch handshake (launch-env.c), and when that start was
 * the wrong one it exits before the shell runs (PAKS_EXIT_RESTART), and
 * paks starts again.  Verdicts are cached per image id and shell under
 * $XDG_CACHE_HOME/paks/probe, so later runs start once.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "paks-protocol.h"
#include "probe.h"
#include "session.h"

static char *probe_cache_path(const struct session *s, const char *shell_path)
{
	cleanup_free char *dir = paks_cache_dir("probe");
	char *shell = xstrdup(shell_path);
	char *path;

	for (char *p = shell; *p; p++) {
		if (*p == '/')
			*p = '_';
	}
	path = xasprintf("%s/%s-%s", dir, s->image_id, shell);
	free(shell);
	return path;
}

/* "MODE [SHELL]" into a mode and a shell (SHELL defaults to the one asked
 * about); -1 when TXT is not a verdict. */
static int parse_verdict(const char *txt, const char *asked,
			 enum session_mode *mode, char **shell)
{
	size_t n = strcspn(txt, " \n");
	const char *sh = txt[n] == ' ' ? txt + n + 1 : "";
	size_t shlen = strcspn(sh, "\n");

	if (n == 7 && str_has_prefix(txt, "preload"))
		*mode = MODE_PRELOAD;
	else if (n == 3 && str_has_prefix(txt, "pty"))
		*mode = MODE_PTY;
	else if (n == 7 && str_has_prefix(txt, "missing"))
		*mode = MODE_AUTO; /* no shell */
	else
		return -1;
	if (shlen > 0 && sh[0] != '/')
		return -1;
	*shell = shlen ? xasprintf("%.*s", (int)shlen, sh) : xstrdup(asked);
	return 0;
}

/* Take a verdict: the shell it names, and the mode unless the user chose
 * one.  -1 with *cause when the image has no shell. */
static int apply_verdict(struct session *s, enum session_mode mode, char *shell,
			 char **cause)
{
	if (mode == MODE_AUTO) {
		*cause = xasprintf("the image has no shell %s (choose one with "
				   "--shell)",
				   s->shell);
		free(shell);
		return -1;
	}
	if (!str_eq(shell, s->shell))
		log_debug("the image has no %s; using %s", s->shell, shell);
	free(s->shell);
	s->shell = shell;
	if (s->mode_auto)
		s->mode = mode;
	return 0;
}

int probe_mode(struct session *s, char **cause)
{
	cleanup_free char *cache = probe_cache_path(s, s->shell);
	cleanup_free char *txt = NULL;
	enum session_mode mode;
	char *shell;

	s->mode_auto = s->mode == MODE_AUTO;
	s->check_shell = false;
	if (read_file(cache, 4096, &txt, NULL) == 0 &&
	    parse_verdict(txt, s->shell, &mode, &shell) == 0 &&
	    mode != MODE_AUTO)
		return apply_verdict(s, mode, shell, cause);
	/* Not seen yet: start as if the shell could host the preload and let
	 * the launcher say otherwise. */
	s->check_shell = true;
	if (s->mode_auto)
		s->mode = MODE_PRELOAD;
	return 0;
}

int probe_take_verdict(struct session *s, char **cause)
{
	cleanup_free char *txt = s->verdict;
	cleanup_free char *cache = NULL;
	enum session_mode mode;
	enum session_mode was = s->mode;
	char *shell;
	bool same;

	s->verdict = NULL;
	if (!s->check_shell || !txt)
		return 0;
	s->check_shell = false;
	if (parse_verdict(txt, s->shell, &mode, &shell) < 0)
		return 0;
	cache = probe_cache_path(s, s->shell);
	if (mode != MODE_AUTO)
		write_file_atomic(cache, txt, strlen(txt), 0600);
	same = str_eq(shell, s->shell);
	if (apply_verdict(s, mode, shell, cause) < 0)
		return -1;
	return !same || s->mode != was;
}
