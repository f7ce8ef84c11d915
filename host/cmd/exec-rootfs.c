/* SPDX-License-Identifier: MIT */
/*
 * The `#` commands of a session that runs a writable directory on the
 * host (struct engine_ops, rootfs.c): #save and #export write a SquashFS
 * file (or a tarball) of the directory straight from the host, without
 * the runtime directory's mount points; #inspect, #size and #diff read
 * the directory and the record made with it; #cp copies with paths
 * resolved inside the directory.  The image's runtime files (/ch,
 * /.singularity.d) are in the directory already and travel with it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "engine.h"
#include "exec.h"
#include "export.h"
#include "progress.h"
#include "rootfs.h"
#include "session.h"

/* The file's mode as the user's umask says, as for any new file (the
 * temporary file was made 0600). */
static void umask_mode(const char *path)
{
	mode_t m = umask(022);

	umask(m);
	chmod(path, 0666 & ~m);
}

/* Write the directory to tmp: SquashFS as ch-convert writes it (files
 * owned by root, 64 KiB blocks), or a tarball owned by root. */
static int write_image(struct progress *p, const char *tmp, bool sqfs,
		       bool verbose, char **cause)
{
	struct session *s = p->c->s;
	struct strv a = {0};
	int r;

	if (sqfs) {
		strv_push(&a, "mksquashfs");
		strv_push(&a, s->rootfs);
		strv_push(&a, tmp);
		strv_push(&a, "-b");
		strv_push(&a, "65536");
		strv_push(&a, "-noappend");
		strv_push(&a, "-all-root");
		strv_push(&a, "-no-progress");
		strv_push(&a, "-quiet");
		/* -e takes the rest of the command line. */
		strv_push(&a, "-e");
		for (int i = 0; rootfs_mountpoints[i]; i++)
			strv_pushf(&a, "%s/%s", s->rootfs,
				   rootfs_mountpoints[i]);
	} else {
		strv_push(&a, "tar");
		strv_push(&a, "--create");
		strv_pushf(&a, "--file=%s", tmp);
		strv_pushf(&a, "--directory=%s", s->rootfs);
		strv_push(&a, "--numeric-owner");
		strv_push(&a, "--owner=0");
		strv_push(&a, "--group=0");
		for (int i = 0; rootfs_mountpoints[i]; i++)
			strv_pushf(&a, "--exclude=./%s", rootfs_mountpoints[i]);
		strv_push(&a, ".");
	}
	progress_phase(p, sqfs ? "squashing" : "writing", tmp, 0);
	r = progress_run(p, a.v, NULL, verbose, cause);
	strv_free(&a);
	return r;
}

/* tmp (made beside path) becomes path once written whole. */
static enum exec_status write_file(struct exec_ctx *c, const char *path,
				   bool sqfs, bool verbose, const char *verb,
				   char **cause)
{
	cleanup_free char *tmp = export_tmp(path, cause);
	cleanup_free char *what = NULL;
	struct progress p;
	struct stat sb;
	int r;

	if (!tmp)
		return PAKS_CMD_FAIL;
	progress_init(&p, c);
	r = write_image(&p, tmp, sqfs, verbose, cause);
	if (r == 0 && c->cancelled)
		r = 130;
	if (r == 0) {
		umask_mode(tmp);
		if (rename(tmp, path) < 0) {
			*cause = xasprintf("cannot rename to %s: %s", path,
					   strerror(errno));
			r = 1;
		}
	}
	if (r != 0) {
		unlink(tmp);
		progress_clear(&p);
		exec_cause(cause, "%s %s; nothing was written to %s", verb,
			   r == 130 ? "cancelled" : "failed", path);
		return exec_result(c, r);
	}
	what = xasprintf(
	    "%s %s", str_eq(verb, "save") ? "Saved to" : "Exported to", path);
	progress_done(&p, what,
		      stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0);
	return PAKS_CMD_OK;
}

/* STEM-saved.sqfs for the image file STEM.sqfs (or directory STEM). */
static char *default_save_name(const struct session *s)
{
	cleanup_free char *src = xstrdup(s->rootfs_source);
	char *base = basename(src);
	size_t n = strlen(base);

	if (n > 5 && str_eq(base + n - 5, ".sqfs"))
		base[n - 5] = '\0';
	return xasprintf("%s-saved.sqfs", base);
}

enum exec_status exec_rootfs_save(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	cleanup_free char *name =
	    argc == 2 ? xstrdup(argv[1]) : default_save_name(c->s);
	cleanup_free char *path = NULL;
	size_t n = strlen(name);

	if (n <= 5 || !str_eq(name + n - 5, ".sqfs")) {
		*cause = xasprintf("#save writes a SquashFS file: name it "
				   "FILE.sqfs ('%s' is not)",
				   name);
		return PAKS_CMD_USAGE;
	}
	path = exec_host_path(c->s, name, false, cause);
	if (!path)
		return PAKS_CMD_USAGE;
	if (str_eq(path, c->s->rootfs_source)) {
		*cause = xasprintf("%s is the image this session started from, "
				   "which paks never changes; name another "
				   "file",
				   name);
		return PAKS_CMD_USAGE;
	}
	return write_file(c, path, true, false, "save", cause);
}

enum exec_status exec_rootfs_export(struct exec_ctx *c, int argc, char **argv,
				    char **cause)
{
	cleanup_free char *path = NULL;
	const char *file = NULL;
	bool force = false, verbose = false;
	enum export_format f;

	for (int i = 1; i < argc; i++) {
		if (str_eq(argv[i], "--force"))
			force = true;
		else if (str_eq(argv[i], "--verbose"))
			verbose = true;
		else if (!file)
			file = argv[i];
	}
	if (!file) {
		*cause = xstrdup("name the file: #export FILE.sqfs or "
				 "#export FILE.rootfs.tar");
		return PAKS_CMD_USAGE;
	}
	f = export_format_of(file);
	if (f == EXPORT_DOCKER || f == EXPORT_OCI) {
		*cause = xasprintf("%s: an image archive needs podman or "
				   "docker to write it; here #export writes "
				   "FILE.sqfs or FILE.rootfs.tar",
				   file);
		return PAKS_CMD_USAGE;
	}
	path = exec_host_path(c->s, file, false, cause);
	if (!path || export_check(path, file, force, cause) < 0)
		return PAKS_CMD_USAGE;
	return write_file(c, path, f == EXPORT_SQFS, verbose, "export", cause);
}

enum exec_status exec_rootfs_push(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	(void)c;
	(void)argc;
	(void)argv;
	*cause = xstrdup("#push needs a registry client, and this session "
			 "has none (Charliecloud's ch-image push sends only "
			 "images in its own storage); #save FILE.sqfs, then "
			 "paks run FILE.sqfs where podman or docker can push");
	return PAKS_CMD_FAIL;
}

static json_t *inspect_obj(const struct session *s)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:O}", "Backend",
			 s->eng.engine->name, "Image", s->rootfs_source,
			 "Rootfs", s->rootfs, "Session", s->session_id,
			 "Config",
			 s->image_config ? s->image_config : json_null());
}

enum exec_status exec_rootfs_inspect(struct exec_ctx *c, int argc, char **argv,
				     char **cause)
{
	json_t *obj = inspect_obj(c->s);
	char *txt;

	for (int i = 1; i < argc; i++) {
		if (!json_object_get(obj, argv[i])) {
			*cause = xasprintf("no section '%s' (Backend, Image, "
					   "Rootfs, Session, Config)",
					   argv[i]);
			json_decref(obj);
			return PAKS_CMD_USAGE;
		}
	}
	for (int i = argc > 1 ? 1 : 0; i < argc || i == 0; i++) {
		json_t *v = argc > 1 ? json_object_get(obj, argv[i]) : obj;
		txt = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
		exec_out(c, "%s\n", txt ? txt : "null");
		free(txt);
		if (argc <= 1)
			break;
	}
	json_decref(obj);
	return PAKS_CMD_OK;
}

enum exec_status exec_rootfs_size(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	struct rootfs_diff d;
	uint64_t changed = 0;
	char a[32], b[32];

	(void)argc;
	(void)argv;
	if (rootfs_diff(c->s, &d, cause) < 0)
		return PAKS_CMD_FAIL;
	for (size_t i = 0; i < d.n; i++)
		changed += d.v[i].size;
	format_size((double)changed, a, sizeof(a));
	format_size((double)d.total, b, sizeof(b));
	exec_out(c,
		 "changes: %s (%zu paths)\nimage:   %s (the writable copy)\n",
		 a, d.n, b);
	rootfs_diff_free(&d);
	return PAKS_CMD_OK;
}

enum exec_status exec_rootfs_diff(struct exec_ctx *c, int argc, char **argv,
				  char **cause)
{
	struct rootfs_diff d;

	(void)argc;
	(void)argv;
	if (rootfs_diff(c->s, &d, cause) < 0)
		return PAKS_CMD_FAIL;
	for (size_t i = 0; i < d.n; i++) {
		cleanup_free char *p =
		    str_printable(d.v[i].path, strlen(d.v[i].path), 4096);
		exec_out(c, "%c %s\n", d.v[i].kind, p);
	}
	rootfs_diff_free(&d);
	return PAKS_CMD_OK;
}

/* #cp for such a session (cmd-cp.c decides the sides and the
 * confinement): "CTR:PATH" is resolved inside the directory, the copy is
 * cp's, as the invoking user, who is the container's user too. */
int exec_rootfs_cp(struct exec_ctx *c, const char *from, const char *to,
		   char **cause)
{
	bool from_ctr = str_has_prefix(from, c->s->container) &&
			from[strlen(c->s->container)] == ':';
	const char *cpath = strchr(from_ctr ? from : to, ':') + 1;
	cleanup_free char *host = NULL;
	struct strv a = {0};
	struct buf err = {0};
	struct spawn_opts o = {.err = &err};
	int r;

	if (from_ctr) {
		host = rootfs_resolve(c->s, "/", cpath, true, cause);
	} else {
		/* The destination may not exist yet: its directory must. */
		cleanup_free char *dir = xstrdup(cpath);
		cleanup_free char *base = xstrdup(cpath);
		cleanup_free char *d =
		    rootfs_resolve(c->s, "/", dirname(dir), true, cause);
		if (d)
			host = xasprintf("%s/%s", d, basename(base));
	}
	if (!host)
		return -1;
	strv_push(&a, "cp");
	strv_push(&a, "-R");
	strv_push(&a, "--preserve=mode,timestamps");
	strv_push(&a, "--");
	strv_push(&a, from_ctr ? host : from);
	strv_push(&a, from_ctr ? to : host);
	r = exec_spawn(c, a.v, &o);
	strv_free(&a);
	if (r != 0 && !c->cancelled)
		*cause = r < 0 ? xasprintf("cannot run cp: %s", strerror(-r))
			       : buf_last_line(&err);
	buf_free(&err);
	return r == 0 ? 0 : -1;
}

const struct exec_cmd exec_rootfs_commands[] = {
    {"save", 0, 1, NULL, NULL, exec_rootfs_save},
    {"push", 0, -1, NULL, NULL, exec_rootfs_push},
    {"export", 0, 3, NULL, NULL, exec_rootfs_export},
    {"inspect", 0, -1, NULL, NULL, exec_rootfs_inspect},
    {"size", 0, 0, NULL, NULL, exec_rootfs_size},
    {"diff", 0, 0, NULL, NULL, exec_rootfs_diff},
    {NULL, 0, 0, NULL, NULL, NULL},
};
