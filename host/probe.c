/* SPDX-License-Identifier: MIT */
/*
 * The shell probe: a throw-away container runs the launcher with --probe
 * to learn whether the image's shell can host the preload (a glibc bash),
 * needs the PTY proxy, or is missing.  Answers are cached per image id
 * and shell under $XDG_CACHE_HOME/paks/probe.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "paks-protocol.h"
#include "probe.h"
#include "proc.h"
#include "session.h"

static char *probe_cache_path(const struct session *s, const char *shell_path)
{
	const char *x = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	cleanup_free char *dir = x && *x == '/'
				     ? xasprintf("%s/paks/probe", x)
				     : xasprintf("%s/.cache/paks/probe",
						 home && *home ? home : "/tmp");
	char *shell = xstrdup(shell_path);
	char *path;

	for (char *p = shell; *p; p++) {
		if (*p == '/')
			*p = '_';
	}
	mkdir_p(dir, 0700);
	path = xasprintf("%s/%s-%s", dir, s->image_id, shell);
	free(shell);
	return path;
}

/* Ask the launcher, inside the image, about SHELL: "preload" (a glibc bash
 * that can host the library), "pty" or "missing".  The answer depends only
 * on the image and the shell, so it is cached by image id. */
static int probe_shell(struct session *s, const char *shell, char **answer,
		       char **cause)
{
	cleanup_free char *cache = probe_cache_path(s, shell);
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	int r;

	if (read_file(cache, 64, answer, NULL) == 0 &&
	    (str_has_prefix(*answer, "preload") ||
	     str_has_prefix(*answer, "pty") ||
	     str_has_prefix(*answer, "missing")))
		return 0;
	free(*answer);
	*answer = NULL;
	engine_argv(s, &argv);
	strv_push(&argv, "run");
	strv_push(&argv, "--rm");
	s->engine->run_flags(s, &argv);
	strv_pushf(&argv, "--volume=%s:%s", s->runtime_dir, PAKS_CONTAINER_DIR);
	strv_pushf(&argv, "--entrypoint=%s/paks-launch", PAKS_CONTAINER_DIR);
	strv_push(&argv, s->image_id);
	strv_push(&argv, "--probe");
	strv_push(&argv, shell);
	r = proc_capture(argv.v, &out, &eb);
	strv_free(&argv);
	if (r != 0 || !out.data) {
		cleanup_free char *why =
		    r < 0 ? xstrdup(strerror(-r)) : engine_first_line(&eb);
		*cause = xasprintf("cannot start a container from %s: %s",
				   s->image, why);
		buf_free(&out);
		buf_free(&eb);
		return -1;
	}
	buf_free(&eb);
	write_file_atomic(cache, out.data, out.len, 0600);
	*answer = out.data;
	return 0;
}

/* Decide the mode (when not forced) and make sure the shell exists; an
 * image without the default bash (busybox, alpine) gets /bin/sh. */
int probe_mode(struct session *s, char **cause)
{
	cleanup_free char *answer = NULL;

	if (probe_shell(s, s->shell, &answer, cause) < 0)
		return -1;
	if (str_has_prefix(answer, "missing") && s->shell_default) {
		free(answer);
		answer = NULL;
		if (probe_shell(s, "/bin/sh", &answer, cause) < 0)
			return -1;
		if (!str_has_prefix(answer, "missing")) {
			log_debug("the image has no %s; using /bin/sh",
				  s->shell);
			free(s->shell);
			s->shell = xstrdup("/bin/sh");
		}
	}
	if (str_has_prefix(answer, "missing")) {
		*cause = xasprintf("the image has no shell %s (choose one with "
				   "--shell)",
				   s->shell);
		return -1;
	}
	if (s->mode == MODE_AUTO)
		s->mode =
		    str_has_prefix(answer, "preload") ? MODE_PRELOAD : MODE_PTY;
	return 0;
}
