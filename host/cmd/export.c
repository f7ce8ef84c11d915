/* SPDX-License-Identifier: MIT */
/*
 * #export and `paks export`: the engine writes the image (save) or the
 * flattened filesystem of a container made from it (create + export);
 * paks adds the runtime files (export-rootfs.c) and, for .sqfs, turns
 * the tarball into SquashFS with tar2sqfs, which keeps the owners and
 * modes from the tar headers, so a rootless export is right too.  Every
 * step writes beside the target and the last one renames.
 */
#include <sys/stat.h>
#include <sys/utsname.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "exec.h"
#include "export-rootfs.h"
#include "export.h"
#include "progress.h"
#include "engine.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), n = strlen(suffix);

	return l > n && str_eq(s + l - n, suffix);
}

enum export_format export_format_of(const char *name)
{
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	if (ends_with(base, ".oci.tar"))
		return EXPORT_OCI;
	if (ends_with(base, ".rootfs.tar"))
		return EXPORT_ROOTFS;
	if (ends_with(base, ".sqfs"))
		return EXPORT_SQFS;
	if (ends_with(base, ".tar"))
		return EXPORT_DOCKER;
	return EXPORT_NONE;
}

int export_check(const char *path, const char *shown, bool force, char **cause)
{
	struct stat st;

	if (export_format_of(path) == EXPORT_NONE) {
		*cause = xasprintf("cannot tell the format of '%s': name it "
				   "*.tar, *.oci.tar, *.sqfs or *.rootfs.tar",
				   shown);
		return -1;
	}
	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISREG(st.st_mode)) {
		*cause =
		    xasprintf("'%s' exists and is not a regular file", shown);
		return -1;
	}
	if (!force) {
		*cause =
		    xasprintf("'%s' exists (use --force to replace it)", shown);
		return -1;
	}
	return 0;
}

static char *tmp_beside(const char *path, int *err)
{
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	char *tmp;
	int fd;

	if (slash)
		*slash = '\0';
	tmp = xasprintf("%s/.paks-export-XXXXXX",
			slash ? (*dir ? dir : "") : ".");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		free(tmp);
		return NULL;
	}
	close(fd);
	return tmp;
}

char *export_tmp(const char *path, char **cause)
{
	int err = 0;
	char *tmp = tmp_beside(path, &err);

	if (!tmp) {
		cleanup_free char *dir = xstrdup(path);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		*cause =
		    xasprintf("cannot write in %s: %s",
			      slash ? (*dir ? dir : "/") : ".", strerror(err));
	}
	return tmp;
}

/* The engines write archives 0600 (docker) or 0644 (podman); give the
 * file what the user's umask says, as any new file. */
static void umask_mode(const char *path)
{
	mode_t mask = umask(0);

	umask(mask);
	chmod(path, 0666 & ~mask);
}

static const char *host_arch(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "amd64";
	if (str_eq(u.machine, "x86_64"))
		return "amd64";
	if (str_eq(u.machine, "aarch64"))
		return "arm64";
	return u.machine;
}

static long nproc(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

static int run(struct progress *p, struct strv *a, const char *in, bool verbose,
	       char **cause)
{
	int r = progress_run(p, a->v, in, verbose, cause);

	strv_free(a);
	if (p->c->cancelled)
		return 130;
	return r < 0 ? -1 : r;
}

static int save_archive(struct progress *p, const struct engine_handle *h,
			const char *image, bool oci, const char *tmp,
			bool verbose, char **cause)
{
	struct strv a = {0};

	/* podman refuses to write over an existing file. */
	unlink(tmp);
	progress_phase(p, "writing", tmp, 0);
	if (oci) {
		h->engine->oci_save_argv(h, image, tmp, &a);
	} else {
		engine_argv(h, &a);
		strv_push(&a, "save");
		h->engine->save_flags(h, &a);
		strv_pushf(&a, "--output=%s", tmp);
		strv_push(&a, "--");
		strv_push(&a, image);
	}
	return run(p, &a, NULL, verbose, cause);
}

/* Remove the container flatten made.  It must go even after Ctrl-C, and
 * a second Ctrl-C must not stop it, so cancel is not watched; what goes
 * wrong here is not the user's. */
static void remove_container(struct exec_ctx *c, const struct engine_handle *h,
			     const char *name)
{
	struct strv a = {0};
	struct buf junk = {0};
	struct spawn_opts o = {.out = &junk, .quiet_stderr = true};
	int cancel_fd = c->cancel_fd;
	bool cancelled = c->cancelled;

	engine_argv(h, &a);
	strv_push(&a, "rm");
	strv_push(&a, "--force");
	strv_push(&a, "--");
	strv_push(&a, name);
	c->cancel_fd = -1;
	c->cancelled = false;
	exec_spawn(c, a.v, &o);
	c->cancel_fd = cancel_fd;
	c->cancelled = cancelled;
	buf_free(&junk);
	strv_free(&a);
}

/* The engine's `export` of a container created (never started) from
 * image: its filesystem with every layer applied.  The container is
 * removed whatever happened, also when create itself was cancelled (the
 * engine may have made it before it was stopped). */
static int flatten(struct progress *p, const struct engine_handle *h,
		   const char *image, const char *out, bool verbose,
		   char **cause)
{
	cleanup_free char *name =
	    xasprintf("paks-export-%ld-%ld", (long)getpid(), (long)time(NULL));
	struct strv a = {0};
	int r;

	engine_argv(h, &a);
	strv_push(&a, "create");
	strv_pushf(&a, "--name=%s", name);
	strv_push(&a, "--");
	strv_push(&a, image);
	/* Never run: only there because an image may have no CMD. */
	strv_push(&a, "/bin/true");
	r = run(p, &a, NULL, verbose, cause);
	if (r == 0) {
		progress_phase(p, "writing", out, 0);
		engine_argv(h, &a);
		strv_push(&a, "export");
		strv_pushf(&a, "--output=%s", out);
		strv_push(&a, "--");
		strv_push(&a, name);
		r = run(p, &a, NULL, verbose, cause);
	}
	if (r >= 0)
		remove_container(p->c, h, name);
	return p->c->cancelled ? 130 : r;
}

static int rootfs(struct progress *p, const struct engine_handle *h,
		  const char *image, json_t *config, const char *tmp, bool sqfs,
		  bool verbose, char **cause)
{
	int e = 0;
	cleanup_free char *flat = tmp_beside(tmp, &e);
	cleanup_free char *ready = NULL;
	struct strv a = {0};
	int r;

	if (!flat) {
		*cause =
		    xasprintf("cannot write beside %s: %s", tmp, strerror(e));
		return 1;
	}
	r = flatten(p, h, image, flat, verbose, cause);
	if (r == 0 && sqfs)
		ready = tmp_beside(tmp, &e);
	if (r == 0 && export_rootfs_tar(flat, ready ? ready : tmp, config,
					host_arch(), cause) < 0)
		r = 1;
	unlink(flat);
	if (r == 0 && sqfs) {
		progress_phase(p, "squashing", tmp, 0);
		strv_push(&a, "tar2sqfs");
		strv_push(&a, "--quiet");
		strv_push(&a, "--force");
		/* gzip is what mksquashfs (and so ch-convert) writes by
		 * default and what every squashfuse and kernel reads. */
		strv_push(&a, "--compressor=gzip");
		strv_pushf(&a, "--num-jobs=%ld", nproc());
		strv_push(&a, "--");
		strv_push(&a, tmp);
		r = run(p, &a, ready, verbose, cause);
	}
	if (ready)
		unlink(ready);
	return r;
}

int export_write(struct progress *p, const struct engine_handle *h,
		 const char *image, json_t *config, const char *tmp,
		 const char *path, bool verbose, char **cause)
{
	enum export_format f = export_format_of(path);
	int r;

	if (f == EXPORT_DOCKER || f == EXPORT_OCI)
		r = save_archive(p, h, image, f == EXPORT_OCI, tmp, verbose,
				 cause);
	else
		r = rootfs(p, h, image, config, tmp, f == EXPORT_SQFS, verbose,
			   cause);
	if (r == 0 && p->c->cancelled)
		r = 130;
	if (r == 0) {
		umask_mode(tmp);
		if (rename(tmp, path) == 0)
			return 0;
		*cause =
		    xasprintf("cannot rename to %s: %s", path, strerror(errno));
		r = 1;
	}
	unlink(tmp);
	progress_clear(p);
	exec_cause(cause, "export %s; nothing was written to %s",
		   r == 130 ? "cancelled" : "failed", path);
	return r;
}
