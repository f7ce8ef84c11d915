/* SPDX-License-Identifier: MIT */
/*
 * Moving the work to another machine: #push to a registry and #export to
 * an archive that `podman load`, `docker load` and apptainer accept.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "exec.h"
#include "naming.h"
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

/* Push the saved container: the engine's own login supplies credentials
 * and its progress goes to the shell as it comes. */
enum exec_status exec_cmd_push(struct exec_ctx *c, int argc, char **argv,
			       char **cause)
{
	cleanup_free char *target = NULL;
	bool tls_off = argc == 3;
	struct strv a = {0};
	enum exec_status st;
	const char *note;
	int r;

	if (tls_off && !str_eq(argv[2], "tls-verify=false")) {
		*cause = xasprintf("unknown option '%s' (only "
				   "tls-verify=false)",
				   argv[2]);
		return PAKS_CMD_USAGE;
	}
	st = push_target(argv[1], &target, cause);
	if (st == PAKS_CMD_OK)
		st = exec_save_image(c, target, cause);
	if (st != PAKS_CMD_OK)
		return st;
	exec_out(c, "Pushing %s...\n", target);
	engine_argv(c->s, &a);
	strv_push(&a, "push");
	note = c->s->engine->registry_flags(c->s, target, tls_off, &a);
	if (note)
		exec_err(c, "%s", note);
	strv_push(&a, "--");
	strv_push(&a, target);
	r = exec_engine(c, &a, NULL, cause);
	strv_free(&a);
	if (r != 0 || c->cancelled) {
		exec_cause(cause,
			   "push of %s failed (the image is saved locally)",
			   target);
		return exec_result(c, r);
	}
	exec_out(c, "Pushed %s\n", target);
	return PAKS_CMD_OK;
}

/* A temporary file next to the final one, so the rename is atomic; made
 * before anything is committed, so an unwritable place fails first. */
static char *archive_tmp(const char *final, char **cause)
{
	cleanup_free char *dir = xstrdup(final);
	char *tmp;
	int fd;

	*strrchr(dir, '/') = '\0';
	tmp = xasprintf("%s/.paks-export-XXXXXX", *dir ? dir : "");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		*cause = xasprintf("cannot write in %s: %s", *dir ? dir : "/",
				   strerror(errno));
		free(tmp);
		return NULL;
	}
	close(fd);
	return tmp;
}

/* The engines write archives 0600 (docker) or 0644 (podman); give the
 * file what the user's umask says, as any new file. */
static void archive_mode(const char *path)
{
	mode_t mask = umask(0);

	umask(mask);
	chmod(path, 0666 & ~mask);
}

/* Let the engine write the archive under tmp and rename it only when it
 * succeeded: a failed export leaves nothing under the final name. */
static enum exec_status save_archive(struct exec_ctx *c, const char *image,
				     const char *tmp, const char *final,
				     char **cause)
{
	struct strv a = {0};
	int r;

	/* podman refuses to write over an existing file. */
	unlink(tmp);
	engine_argv(c->s, &a);
	strv_push(&a, "save");
	c->s->engine->save_flags(c->s, &a);
	strv_pushf(&a, "--output=%s", tmp);
	strv_push(&a, "--");
	strv_push(&a, image);
	r = exec_engine(c, &a, NULL, cause);
	strv_free(&a);
	if (r == 0 && !c->cancelled) {
		archive_mode(tmp);
		if (rename(tmp, final) == 0)
			return PAKS_CMD_OK;
		*cause = xasprintf("cannot rename to %s: %s", final,
				   strerror(errno));
		r = -1;
	}
	unlink(tmp);
	exec_cause(cause, "export failed; nothing was written to %s", final);
	return exec_result(c, r);
}

enum exec_status exec_cmd_export(struct exec_ctx *c, int argc, char **argv,
				 char **cause)
{
	cleanup_free char *target = NULL;
	cleanup_free char *file = NULL;
	cleanup_free char *path = NULL;
	cleanup_free char *tmp = NULL;
	enum exec_status st;

	target = exec_save_target(c, NULL, cause);
	if (!target)
		return PAKS_CMD_USAGE;
	file = argc == 2 ? xstrdup(argv[1]) : naming_archive_name(target);
	path = exec_host_path(c->s, file, false, cause);
	if (!path)
		return PAKS_CMD_USAGE;
	tmp = archive_tmp(path, cause);
	if (!tmp)
		return PAKS_CMD_FAIL;
	st = exec_save_image(c, target, cause);
	if (st != PAKS_CMD_OK) {
		unlink(tmp);
		return st;
	}
	exec_out(c, "Writing %s...\n", file);
	st = save_archive(c, target, tmp, path, cause);
	if (st == PAKS_CMD_OK)
		exec_out(c, "Exported %s to %s (load it with: %s load -i %s)\n",
			 target, path, c->s->engine->name, file);
	return st;
}
