/* SPDX-License-Identifier: MIT */
/*
 * `paks gc`: remove what sessions whose paks was killed (kill -9, a killed
 * process group) left behind: their container and runtime directory.
 * `paks run` does the same sweep before it starts.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "rundir.h"
#include "util.h"

static const char gc_usage[] =
    "Usage: paks gc\n"
    "\n"
    "Remove what sessions whose paks process was killed left behind: the\n"
    "container (killed and removed) and the runtime directory.  Sessions\n"
    "whose paks still runs are left alone.  'paks run' does this too before\n"
    "it starts.\n"
    "\n"
    "Options:\n"
    "  -h, --help   show this help\n";

int cmd_gc(int argc, char **argv)
{
	struct strv removed = {0};

	if (cli_wants_help(argc, argv)) {
		fputs(gc_usage, stdout);
		return 0;
	}
	if (argc > 1) {
		log_error("unexpected argument '%s' (usage: paks gc)", argv[1]);
		return EXIT_USAGE;
	}
	rundir_sweep(&removed);
	for (size_t i = 0; i < removed.n; i++)
		printf("removed %s\n", removed.v[i]);
	if (removed.n == 0)
		printf("nothing to remove\n");
	strv_free(&removed);
	return 0;
}
