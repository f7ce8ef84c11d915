/* SPDX-License-Identifier: MIT */
/*
 * Moving the work to another machine: #push to a registry and #export to
 * an archive that `podman load`, `docker load` and apptainer accept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "exec.h"
#include "naming.h"
#include "session.h"

int exec_cmd_push(struct exec_ctx *c, int argc, char **argv)
{
	struct image_ref ref;
	const char *err = NULL;
	cleanup_free char *target = NULL;
	bool tls_off = false;
	struct strv a = {0};
	int r;

	if (argc < 2 || argc > 3) {
		exec_err(c, "usage: #push REF [tls-verify=false]");
		return 2;
	}
	if (argc == 3) {
		if (!str_eq(argv[2], "tls-verify=false")) {
			exec_err(c, "unknown option '%s' (only "
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
	c->s->engine->registry_flags(c->s, target, tls_off, &a);
	strv_push(&a, target);
	r = exec_engine(c, &a, NULL);
	strv_free(&a);
	if (r != 0) {
		exec_err(c, "push of %s failed (the image is saved locally)",
			 target);
		return r < 0 ? 1 : r;
	}
	exec_out(c, "Pushed %s\n", target);
	return 0;
}

/* Write the archive under a temporary name next to the final one and
 * rename it only when the engine succeeded. */
static int save_archive(struct exec_ctx *c, const char *image,
			const char *final)
{
	cleanup_free char *dir = xstrdup(final);
	cleanup_free char *tmp = NULL;
	char *slash = strrchr(dir, '/');
	struct strv a = {0};
	int fd, r;

	*slash = '\0';
	tmp = xasprintf("%s/.paks-export-XXXXXX", dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		exec_err(c, "cannot write in %s: %s", dir, strerror(errno));
		return 1;
	}
	close(fd);
	/* The engines refuse to write over an existing file. */
	unlink(tmp);
	session_engine_argv(c->s, &a);
	strv_push(&a, "save");
	c->s->engine->save_flags(c->s, &a);
	strv_pushf(&a, "--output=%s", tmp);
	strv_push(&a, image);
	r = exec_engine(c, &a, NULL);
	strv_free(&a);
	if (r == 0 && !c->cancelled && rename(tmp, final) < 0) {
		exec_err(c, "cannot rename to %s: %s", final, strerror(errno));
		r = 1;
	}
	if (r != 0 || c->cancelled) {
		unlink(tmp);
		exec_err(c, "export failed; nothing was written to %s", final);
		return c->cancelled ? 130 : (r < 0 ? 1 : r);
	}
	return 0;
}

int exec_cmd_export(struct exec_ctx *c, int argc, char **argv)
{
	cleanup_free char *target = NULL;
	cleanup_free char *file = NULL;
	cleanup_free char *path = NULL;
	const char *err = NULL;
	int r;

	if (argc > 2) {
		exec_err(c, "usage: #export [FILE]");
		return 2;
	}
	target = naming_save_target(c->s->image, NULL,
				    c->s->settings.save_suffix
					    ? c->s->settings.save_suffix
					    : "-saved",
				    &err);
	if (!target) {
		exec_err(c, "%s", err);
		return 2;
	}
	file = argc == 2 ? xstrdup(argv[1]) : naming_archive_name(target);
	path = exec_host_path(c, file, false);
	if (!path)
		return 2;
	r = exec_save_image(c, target);
	if (r != 0)
		return r;
	exec_out(c, "Writing %s...\n", file);
	r = save_archive(c, target, path);
	if (r == 0)
		exec_out(c, "Exported %s to %s (load it with: podman load -i "
			    "%s)\n",
			 target, path, file);
	return r;
}
