/* SPDX-License-Identifier: MIT */
/*
 * paks: develop in a container here, move it over there.  This file holds
 * the table of the subcommands, each in its own cli-*.c; cli.c dispatches.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "ssh-share.h"
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

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static const struct cli_cmd paks_cmds[] = {
    {"run", cmd_run, NULL, NULL},	{"env", cmd_env, NULL, NULL},
    {"config", cmd_config, NULL, NULL}, {"hooks", cmd_hooks, NULL, NULL},
    {"path", cmd_path, NULL, NULL},	{"export", cmd_export, NULL, NULL},
    {"gc", cmd_gc, NULL, NULL},		{"doctor", cmd_doctor, NULL, NULL},
};

static const struct cli_table paks_table = {
    .name = "paks",
    .noun = "command",
    .cmds = paks_cmds,
    .ncmds = sizeof(paks_cmds) / sizeof(paks_cmds[0]),
    .usage = usage,
    .terse = true,
};

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;

	/* A session's ssh, sharing one connection (ssh-share.c). */
	if (argc > 0 && str_eq(base ? base + 1 : argv[0], "ssh"))
		return ssh_share_shim(argc, argv);
	log_init();
	if (argc > 1 &&
	    (str_eq(argv[1], "-V") || str_eq(argv[1], "--version"))) {
		printf("paks %s\n", PAKS_VERSION);
		return 0;
	}
	/* Only here: a subcommand's table calls -x an unknown command. */
	if (argc > 1 && argv[1][0] == '-' && !str_eq(argv[1], "-h") &&
	    !str_eq(argv[1], "--help")) {
		log_error("unknown option '%s' (see 'paks --help')", argv[1]);
		return EXIT_USAGE;
	}
	return cli_dispatch(&paks_table, argc, argv);
}
