/* SPDX-License-Identifier: MIT */
/*
 * #export: save the container as an image (exec-commit.c) and write it to
 * a file whose name picks the format (export.c): an archive the engines
 * and Apptainer load, or a SquashFS or tarball that Charliecloud runs.
 */
#include <sys/stat.h>

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "exec.h"
#include "export.h"
#include "naming.h"
#include "progress.h"
#include "session.h"

/* #export [--force] [--verbose] [FILE] */
static enum exec_status export_args(const char *usage, int argc, char **argv,
				    bool *force, bool *verbose,
				    const char **file, char **cause)
{
	int i;

	*force = *verbose = false;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (str_eq(argv[i], "--force")) {
			*force = true;
		} else if (str_eq(argv[i], "--verbose")) {
			*verbose = true;
		} else {
			*cause = xasprintf("unknown option '%s' (usage: "
					   "#export %s)",
					   argv[i], usage);
			return PAKS_CMD_USAGE;
		}
	}
	if (argc - i > 1) {
		*cause = xasprintf("usage: #export %s", usage);
		return PAKS_CMD_USAGE;
	}
	*file = i < argc ? argv[i] : NULL;
	return PAKS_CMD_OK;
}

/* The target is checked and a temporary file made beside it before
 * anything is committed, so a refused or unwritable place fails first;
 * export_write renames only what was written whole. */
enum exec_status exec_cmd_export(struct exec_ctx *c, int argc, char **argv,
				 char **cause)
{
	cleanup_free char *target = NULL;
	cleanup_free char *file = NULL;
	cleanup_free char *path = NULL;
	cleanup_free char *tmp = NULL;
	cleanup_free char *what = NULL;
	bool force, verbose;
	const char *arg;
	struct progress p;
	enum exec_status st;
	struct stat sb;
	int r;

	st = export_args(c->usage, argc, argv, &force, &verbose, &arg, cause);
	if (st != PAKS_CMD_OK)
		return st;
	target = exec_save_target(c, NULL, cause);
	if (!target)
		return PAKS_CMD_USAGE;
	file = arg ? xstrdup(arg) : naming_archive_name(target);
	path = exec_host_path(c->s, file, false, cause);
	if (!path || export_check(path, file, force, cause) < 0)
		return PAKS_CMD_USAGE;
	tmp = export_tmp(path, cause);
	if (!tmp)
		return PAKS_CMD_FAIL;
	progress_init(&p, c);
	st = exec_save_image(c, target, &p, verbose, cause);
	if (st != PAKS_CMD_OK) {
		unlink(tmp);
		return st;
	}
	r = export_write(&p, &c->s->eng, target, c->s->image_config, tmp, path,
			 verbose, cause);
	if (r != 0)
		return exec_result(c, r);
	what = xasprintf("Exported %s to %s", target, path);
	progress_done(&p, what,
		      stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0);
	return PAKS_CMD_OK;
}
