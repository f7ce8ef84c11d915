/* SPDX-License-Identifier: MIT */
/*
 * Moving the work to another machine: #push to a registry and #export to
 * a file whose name picks the format (export.c): an archive the engines
 * and Apptainer load, or a SquashFS or tarball that Charliecloud runs.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "exec.h"
#include "export.h"
#include "naming.h"
#include "progress.h"
#include "session.h"

/* Where #push REF goes: a tag (":latest" unless given), never a digest. */
static enum exec_status push_target(const char *arg, char **target,
				    char **cause)
{
	struct image_ref ref;
	const char *err = NULL;

	if (naming_parse(arg, &ref, &err) < 0) {
		*cause = xasprintf("invalid reference '%s': %s", arg, err);
		return PAKS_CMD_USAGE;
	}
	if (ref.digest) {
		naming_free(&ref);
		*cause = xstrdup("push to a tag, not a digest");
		return PAKS_CMD_USAGE;
	}
	*target = xasprintf("%s:%s", ref.name, ref.tag ? ref.tag : "latest");
	naming_free(&ref);
	return PAKS_CMD_OK;
}

/* #push [--verbose] REF [tls-verify=false] */
static enum exec_status push_args(const char *usage, int argc, char **argv,
				  bool *verbose, bool *tls_off,
				  const char **ref, char **cause)
{
	int i = 1;

	*verbose = argc > 1 && str_eq(argv[1], "--verbose");
	i += *verbose;
	if (argc - i < 1 || argc - i > 2) {
		*cause = xasprintf("usage: #push %s", usage);
		return PAKS_CMD_USAGE;
	}
	*ref = argv[i];
	*tls_off = argc - i == 2;
	if (*tls_off && !str_eq(argv[i + 1], "tls-verify=false")) {
		*cause = xasprintf("unknown option '%s' (only "
				   "tls-verify=false)",
				   argv[i + 1]);
		return PAKS_CMD_USAGE;
	}
	return PAKS_CMD_OK;
}

/* Push the saved container: the engine's own login supplies credentials;
 * its output ("Copying blob ...") shows only with --verbose, else one
 * progress line. */
enum exec_status exec_cmd_push(struct exec_ctx *c, int argc, char **argv,
			       char **cause)
{
	cleanup_free char *target = NULL;
	cleanup_free char *what = NULL;
	bool tls_off, verbose;
	const char *ref, *note;
	struct strv a = {0};
	struct progress p;
	enum exec_status st;
	int r;

	st = push_args(c->usage, argc, argv, &verbose, &tls_off, &ref, cause);
	if (st == PAKS_CMD_OK)
		st = push_target(ref, &target, cause);
	if (st != PAKS_CMD_OK)
		return st;
	progress_init(&p, c);
	st = exec_save_image(c, target, &p, verbose, cause);
	if (st != PAKS_CMD_OK)
		return st;
	progress_clear(&p);
	exec_out(c, "Pushing %s...\n", target);
	engine_argv(c->s, &a);
	strv_push(&a, "push");
	note = c->s->engine->registry_flags(c->s, target, tls_off, &a);
	if (note)
		exec_err(c, "%s", note);
	strv_push(&a, "--");
	strv_push(&a, target);
	progress_phase(&p, "uploading", NULL, 0);
	r = progress_run(&p, a.v, NULL, verbose, cause);
	strv_free(&a);
	if (r != 0 || c->cancelled) {
		exec_cause(cause,
			   "push of %s failed (the image is saved locally)",
			   target);
		return exec_result(c, r);
	}
	what = xasprintf("Pushed %s", target);
	progress_done(&p, what, 0);
	return PAKS_CMD_OK;
}

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
	r = export_write(&p, target, c->s->image_config, tmp, path, verbose,
			 cause);
	if (r != 0)
		return exec_result(c, r);
	what = xasprintf("Exported %s to %s", target, path);
	progress_done(&p, what,
		      stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0);
	return PAKS_CMD_OK;
}
