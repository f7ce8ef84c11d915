/* SPDX-License-Identifier: MIT */
/*
 * paks: develop in a container here, move it over there.  This file only
 * dispatches to the subcommands; each lives in its own cmd-*.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "util.h"

static const char usage_text[] =
    "Usage: paks [--help] [--version] COMMAND [ARGS...]\n"
    "\n"
    "Run an interactive shell in a podman or docker container where lines\n"
    "starting with '#' are paks commands run on the host (#help lists\n"
    "them): save the container as an image, copy files, load named\n"
    "environments, push or export the result.\n"
    "\n"
    "Commands:\n"
    "  run IMAGE       start a shell in a new container from IMAGE\n"
    "  env             manage named environments (#envload NAME)\n"
    "  config          show or change settings\n"
    "  hooks           list user-defined '#' commands\n"
    "  path PATH       check a path against the launch directory (for hooks)\n"
    "  export IMAGE FILE  write IMAGE as an archive, SquashFS or tarball\n"
    "  gc              remove what a killed paks left behind\n"
    "  doctor          check this machine's setup for paks\n"
    "\n"
    "Run 'paks COMMAND --help' for a command's options.\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"run", cmd_run},	    {"env", cmd_env},
	    {"config", cmd_config}, {"hooks", cmd_hooks},
	    {"path", cmd_path},	    {"export", cmd_export},
	    {"gc", cmd_gc},	    {"doctor", cmd_doctor},
	};

	log_init();
	if (argc < 2) {
		log_error("missing command: run, env, config, hooks, path, "
			  "export, gc or doctor (see 'paks --help')");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("paks %s\n", PAKS_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	}
	if (argv[1][0] == '-')
		log_error("unknown option '%s' (see 'paks --help')", argv[1]);
	else
		log_error("unknown command '%s' (see 'paks --help')", argv[1]);
	return EXIT_USAGE;
}
