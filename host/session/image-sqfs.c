/* SPDX-License-Identifier: MIT */
/*
 * `paks run FILE.sqfs` on podman or docker: the trip back from
 * Charliecloud.  The SquashFS file becomes an image as an archive from
 * #export is loaded: its files as one layer (sqfs2tar, then the engine's
 * `import`), its config from the files Charliecloud keeps in /ch (ENV,
 * WORKDIR, Cmd and the rest of a config #export or #save carried), read
 * with rdsquashfs without unpacking.  The image is named after the file:
 * dev-saved.sqfs becomes localhost/dev-saved:latest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "engine-choose.h"
#include "engine.h"
#include "image.h"
#include "proc.h"
#include "session.h"

/* The text of PATH inside the SquashFS file, or NULL. */
static char *sqfs_cat(const char *file, const char *path)
{
	const char *argv[] = {"rdsquashfs", "-c", path, "--", file, NULL};
	struct buf out = {0}, err = {0};
	int r = proc_capture((char *const *)argv, &out, &err);

	buf_free(&err);
	if (r != 0 || !out.data) {
		buf_free(&out);
		return NULL;
	}
	buf_append(&out, "", 1);
	return out.data;
}

/* localhost/STEM:latest, STEM the file's name without .sqfs, in the
 * characters a repository name may hold. */
static char *sqfs_ref(const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t n = strlen(base) - 5;
	char *ref = xasprintf("localhost/%.*s:latest", (int)n, base);

	for (char *p = ref + 10; *p && *p != ':'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') ||
			   (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			   *p == '.'))
			*p = '-';
	}
	return ref;
}

/* sqfs2tar FILE > tar: 0, or -1 with *cause. */
static int sqfs_to_tar(const char *file, const char *tar, char **cause)
{
	const char *argv[] = {"sqfs2tar", "--", file, NULL};
	struct proc_opts o = {.out = PROC_FD, .err = PROC_PIPE};
	struct proc p;
	cleanup_fd int fd = open(tar, O_WRONLY | O_TRUNC | O_CLOEXEC);
	struct buf err = {0};
	int r;

	if (fd < 0) {
		*cause = xasprintf("cannot write %s: %s", tar, strerror(errno));
		return -1;
	}
	o.out_fd = fd;
	r = proc_start(&p, (char *const *)argv, &o);
	if (r == 0) {
		(void)read_all_fd(p.fd[1], 64 << 10, &err.data, &err.len);
		close(p.fd[1]);
		r = proc_wait(p.pid);
	}
	if (r != 0)
		*cause =
		    xasprintf("cannot read %s: %s", file,
			      r < 0 ? strerror(-r)
				    : (err.data ? buf_last_line(&err)
						: xstrdup("sqfs2tar failed")));
	buf_free(&err);
	return r == 0 ? 0 : -1;
}

static int import_tar(struct session *s, const char *tar, json_t *config,
		      const char *ref, char **cause)
{
	struct strv argv = {0};
	struct buf out = {0}, err = {0};
	int r;

	engine_argv(&s->eng, &argv);
	strv_push(&argv, "import");
	strv_pushf(&argv, "--message=paks run %s", s->image);
	engine_config_changes(config, s->eng.engine->change_words, &argv);
	engine_label_changes(config, &argv);
	strv_push(&argv, tar);
	strv_push(&argv, ref);
	r = proc_capture(argv.v, &out, &err);
	strv_free(&argv);
	if (r != 0)
		*cause =
		    xasprintf("cannot import %s: %s", s->image,
			      r < 0 ? strerror(-r) : engine_error_line(&err));
	buf_free(&out);
	buf_free(&err);
	return r == 0 ? 0 : -1;
}

int image_import_sqfs(struct session *s, char **cause)
{
	cleanup_free char *pulled =
	    sqfs_cat(s->image, "/ch/config.pulled.json");
	cleanup_free char *meta = sqfs_cat(s->image, "/ch/metadata.json");
	cleanup_free char *env = sqfs_cat(s->image, "/ch/environment");
	cleanup_free char *tar = xstrdup("/var/tmp/paks-sqfs-XXXXXX.tar");
	cleanup_free char *ref = sqfs_ref(s->image);
	json_t *config = charliecloud_config(pulled, meta, env);
	int fd = mkstemps(tar, 4), r = -1;

	if (fd < 0) {
		*cause =
		    xasprintf("cannot write in /var/tmp: %s", strerror(errno));
	} else {
		close(fd);
		r = sqfs_to_tar(s->image, tar, cause);
		if (r == 0)
			r = import_tar(s, tar, config, ref, cause);
		unlink(tar);
	}
	json_decref(config);
	if (r == 0) {
		free(s->image);
		s->image = steal_ptr(&ref);
	}
	return r;
}
