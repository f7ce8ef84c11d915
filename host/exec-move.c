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

/* Push the saved container: the engine's own login supplies credentials
 * and its progress goes to the shell as it comes. */
int exec_cmd_push(struct exec_ctx *c, int argc, char **argv)
{
	struct image_ref ref;
	const char *err = NULL;
	cleanup_free char *target = NULL;
	bool tls_off = false;
	struct strv a = {0};
	const char *note;
	int r;

	if (argc < 2 || argc > 3)
		return exec_usage(c, "push");
	if (argc == 3) {
		if (!str_eq(argv[2], "tls-verify=false")) {
			exec_err(c,
				 "unknown option '%s' (only "
				 "tls-verify=false)",
				 argv[2]);
			return 2;
		}
		tls_off = true;
	}
	if (naming_parse(argv[1], &ref, &err) < 0) {
		exec_err(c, "invalid reference '%s': %s", argv[1], err);
		return 2;
	}
	if (ref.digest) {
		naming_free(&ref);
		exec_err(c, "push to a tag, not a digest");
		return 2;
	}
	target = xasprintf("%s:%s", ref.name, ref.tag ? ref.tag : "latest");
	naming_free(&ref);
	r = exec_save_image(c, target);
	if (r != 0)
		return r;
	exec_out(c, "Pushing %s...\n", target);
	session_engine_argv(c->s, &a);
	strv_push(&a, "push");
	note = c->s->engine->registry_flags(c->s, target, tls_off, &a);
	if (note)
		exec_err(c, "%s", note);
	strv_push(&a, "--");
	strv_push(&a, target);
	r = exec_engine(c, &a, NULL);
	strv_free(&a);
	if (r != 0 || c->cancelled) {
		exec_err(c, "push of %s failed (the image is saved locally)",
			 target);
		return c->cancelled ? 130 : (r < 0 ? 1 : r);
	}
	exec_out(c, "Pushed %s\n", target);
	return 0;
}

/* A temporary file next to the final one, so the rename is atomic; made
 * before anything is committed, so an unwritable place fails first. */
static char *archive_tmp(struct exec_ctx *c, const char *final)
{
	cleanup_free char *dir = xstrdup(final);
	char *tmp;
	int fd;

	*strrchr(dir, '/') = '\0';
	tmp = xasprintf("%s/.paks-export-XXXXXX", *dir ? dir : "");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		exec_err(c, "cannot write in %s: %s", *dir ? dir : "/",
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
static int save_archive(struct exec_ctx *c, const char *image, const char *tmp,
			const char *final)
{
	struct strv a = {0};
	int r;

	/* podman refuses to write over an existing file. */
	unlink(tmp);
	session_engine_argv(c->s, &a);
	strv_push(&a, "save");
	c->s->engine->save_flags(c->s, &a);
	strv_pushf(&a, "--output=%s", tmp);
	strv_push(&a, "--");
	strv_push(&a, image);
	r = exec_engine(c, &a, NULL);
	strv_free(&a);
	if (r == 0 && !c->cancelled) {
		archive_mode(tmp);
		if (rename(tmp, final) == 0)
			return 0;
		exec_err(c, "cannot rename to %s: %s", final, strerror(errno));
		r = 1;
	}
	unlink(tmp);
	exec_err(c, "export failed; nothing was written to %s", final);
	return c->cancelled ? 130 : (r < 0 ? 1 : r);
}

int exec_cmd_export(struct exec_ctx *c, int argc, char **argv)
{
	cleanup_free char *target = NULL;
	cleanup_free char *file = NULL;
	cleanup_free char *path = NULL;
	cleanup_free char *tmp = NULL;
	int r;

	if (argc > 2)
		return exec_usage(c, "export");
	target = exec_save_target(c, NULL);
	if (!target)
		return 2;
	file = argc == 2 ? xstrdup(argv[1]) : naming_archive_name(target);
	path = exec_host_path(c, file, false);
	if (!path)
		return 2;
	tmp = archive_tmp(c, path);
	if (!tmp)
		return 1;
	r = exec_save_image(c, target);
	if (r != 0) {
		unlink(tmp);
		return r;
	}
	exec_out(c, "Writing %s...\n", file);
	r = save_archive(c, target, tmp, path);
	if (r == 0)
		exec_out(c, "Exported %s to %s (load it with: %s load -i %s)\n",
			 target, path, c->s->engine->name, file);
	return r;
}
