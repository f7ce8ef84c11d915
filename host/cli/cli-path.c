/* SPDX-License-Identifier: MIT */
/*
 * `paks path [--read | --write] PATH`: the confinement of #cp for hooks.
 * A hook that writes (or reads) a file the user named calls this and uses
 * the path it prints; a path outside the launch directory is refused with
 * one line, by the same check (exec_path_confine) that #cp and #export use.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exec.h"
#include "log.h"
#include "util.h"

static const char path_usage[] =
    "Usage: paks path [--read | --write] PATH\n"
    "\n"
    "Resolve PATH, relative to the launch directory ($PAKS_LAUNCH_DIR, else\n"
    "the current directory), and print it when it stays inside, as #cp\n"
    "does.  --read (default): PATH must exist.  --write: its directory\n"
    "must exist.  Anything outside is refused, unless PAKS_CP_UNCONFINED\n"
    "is 1 (paks sets it for hooks when the cp_unconfined setting is on).\n";

/* The launch directory, canonical as session_prepare makes it. */
static char *launch_dir(char **cause)
{
	const char *env = getenv("PAKS_LAUNCH_DIR");
	char real[PATH_MAX];

	if (!realpath(env && *env ? env : ".", real)) {
		*cause = xasprintf("launch directory '%s': %s",
				   env && *env ? env : ".", strerror(errno));
		return NULL;
	}
	return xstrdup(real);
}

static char *unconfined(const char *ld, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	return xasprintf("%s/%s", ld, *p ? p : ".");
}

int cmd_path(int argc, char **argv)
{
	cleanup_free char *ld = NULL;
	cleanup_free char *out = NULL;
	cleanup_free char *cause = NULL;
	const char *free_env = getenv("PAKS_CP_UNCONFINED");
	bool must_exist = true;
	int i = 1;

	if (argc == 2 && (str_eq(argv[1], "-h") || str_eq(argv[1], "--help"))) {
		fputs(path_usage, stdout);
		return 0;
	}
	if (argc == 3 &&
	    (str_eq(argv[1], "--write") || str_eq(argv[1], "--read"))) {
		must_exist = str_eq(argv[1], "--read");
		i = 2;
	}
	if (argc != i + 1 || (i == 1 && argv[1][0] == '-' && argv[1][1])) {
		log_error("usage: paks path [--read | --write] PATH");
		return EXIT_USAGE;
	}
	ld = launch_dir(&cause);
	if (ld && free_env && str_eq(free_env, "1"))
		out = unconfined(ld, argv[i]);
	else if (ld)
		out = exec_path_confine(ld, argv[i], must_exist, &cause);
	if (!out) {
		log_error("%s", cause);
		return 1;
	}
	printf("%s\n", out);
	return 0;
}
