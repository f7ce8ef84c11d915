/* SPDX-License-Identifier: MIT */
/*
 * The Charliecloud backend: IMAGE is a SquashFS file or a directory image,
 * run as the invoking user in ch-run's unprivileged user namespace, with
 * no root, setuid or daemon.  The session runs a writable copy of it
 * (rootfs.c) with `ch-run -w`, made once with unsquashfs as ch-convert
 * does (a directory is copied), in $CH_IMAGE_STORAGE/paks or
 * $XDG_CACHE_HOME/paks/ch; the original is never changed.  The image's config
 * is what ch-run reads: /ch/environment (as --set-env), /ch/metadata.json's cwd
 * (as --cd), and the Cmd of /ch/config.pulled.json.
 *
 * ch-run binds host /dev into the container, so the runtime directory
 * goes to mount points at the copy's root (rootfs_mountpoints), which
 * #save and #export leave out.  ch-run can bind only read-write, and the
 * container is the invoking user: what protects the session is that paks
 * reads no file from the runtime directory (the launch handshake is on
 * the socket) and accepts one connection, from the launcher.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "container.h"
#include "engine-choose.h"
#include "engine.h"
#include "log.h"
#include "paks-protocol.h"
#include "proc.h"
#include "rootfs.h"
#include "session.h"

/* Where the copies live: Charliecloud's storage directory when one is
 * set, else paks's cache. */
static char *ch_store(void)
{
	const char *st = getenv("CH_IMAGE_STORAGE");

	if (st && *st == '/')
		return xasprintf("%s/paks", st);
	return paks_cache_dir("ch");
}

/* The identity of the image file or directory: the copy is made once per
 * image, and made again when the file changes. */
static char *ch_key(const char *real, const struct stat *st)
{
	uint64_t h = 1469598103934665603ull;
	cleanup_free char *id =
	    xasprintf("%s %llu %llu %lld %lld.%09ld", real,
		      (unsigned long long)st->st_dev,
		      (unsigned long long)st->st_ino, (long long)st->st_size,
		      (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	const char *base = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
	char name[40];
	size_t n = 0;

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (const char *p = base; *p && n < sizeof(name) - 1; p++)
		name[n++] =
		    (*p == '.' || *p == '-' || *p == '_' ||
		     (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9'))
			? *p
			: '_';
	name[n] = '\0';
	return xasprintf("%s-%016llx", name, (unsigned long long)h);
}

/* Unpack (a .sqfs) or copy (a directory) the image to s->rootfs. */
static int ch_unpack(struct session *s, bool sqfs, char **cause)
{
	struct strv a = {0};
	struct buf out = {0}, err = {0};
	int r;

	/* unsquashfs as ch-convert runs it, but without /dev's device
	 * nodes, which only root can make (an image flattened from a
	 * rootfs tarball has them); ch-run mounts the host's /dev there. */
	if (sqfs) {
		strv_push(&a, "unsquashfs");
		strv_push(&a, "-quiet");
		strv_push(&a, "-no-progress");
		strv_push(&a, "-user-xattrs");
		strv_push(&a, "-d");
		strv_push(&a, s->rootfs);
		/* The source is an absolute path (realpath): never an
		 * option.  unsquashfs takes no "--". */
		strv_push(&a, "-excludes");
		strv_push(&a, s->rootfs_source);
		strv_push(&a, "dev/*");
	} else {
		strv_push(&a, "cp");
		strv_push(&a, "-a");
		strv_push(&a, "--");
		strv_push(&a, s->rootfs_source);
		strv_push(&a, s->rootfs);
	}
	r = proc_capture(a.v, &out, &err);
	strv_free(&a);
	if (r != 0) {
		cleanup_free char *why =
		    r < 0 ? xstrdup(strerror(-r)) : buf_last_line(&err);
		*cause =
		    xasprintf("cannot unpack %s into %s: %s", s->rootfs_source,
			      s->rootfs, why && *why ? why : "failed");
		rm_rf(s->rootfs);
	}
	buf_free(&out);
	buf_free(&err);
	return r == 0 ? 0 : -1;
}

/* What ch-run mounts over, as ch-convert's mount_points_ensure makes it
 * (bin, usr and the rest are the image's own). */
static int ch_mount_points(struct session *s, char **cause)
{
	static const char *const dirs[] = {"dev", "proc", "sys", "tmp",
					   "mnt", "etc",  NULL};
	static const char *const files[] = {"etc/hosts", "etc/resolv.conf",
					    NULL};

	for (int i = 0; dirs[i]; i++) {
		cleanup_free char *p = xasprintf("%s/%s", s->rootfs, dirs[i]);
		struct stat st;
		if (lstat(p, &st) < 0 && mkdir(p, 0755) < 0) {
			*cause = xasprintf("cannot create %s: %s", p,
					   strerror(errno));
			return -1;
		}
	}
	for (int i = 0; files[i]; i++) {
		cleanup_free char *p = xasprintf("%s/%s", s->rootfs, files[i]);
		struct stat st;
		int fd;
		if (lstat(p, &st) == 0)
			continue;
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* The copy's own /tmp is the container's (ch-run binds it there): a
 * directory, never what a session of a kept copy may have left in its
 * place (a symlink there would bind a host path of its choosing). */
static int ch_tmp(struct session *s, char **cause)
{
	cleanup_free char *p = xasprintf("%s/tmp", s->rootfs);
	struct stat st;

	if (lstat(p, &st) == 0 && !S_ISDIR(st.st_mode) && unlink(p) < 0)
		goto fail;
	if (mkdir(p, 01777) < 0 && errno != EEXIST)
		goto fail;
	if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	return 0;
fail:
	*cause =
	    xasprintf("cannot make %s a directory: %s", p, strerror(errno));
	return -1;
}

/* /ch/environment: NAME=VALUE lines, one pair of single quotes around a
 * value taken off, as ch-run --set-env reads them. */
static json_t *ch_env(char *txt)
{
	json_t *env = json_array();

	for (char *sp, *line = txt ? strtok_r(txt, "\n", &sp) : NULL; line;
	     line = strtok_r(NULL, "\n", &sp)) {
		char *eq = strchr(line, '=');
		size_t vl;
		if (!eq || eq == line)
			continue;
		vl = strlen(eq + 1);
		if (vl >= 2 && eq[1] == '\'' && eq[vl] == '\'') {
			eq[vl] = '\0';
			memmove(eq + 1, eq + 2, vl - 1);
		}
		json_array_append_new(env, json_string(line));
	}
	return env;
}

json_t *charliecloud_config(const char *pulled_txt, const char *meta_txt,
			    char *env_txt)
{
	json_t *pulled = pulled_txt ? json_loads(pulled_txt, 0, NULL) : NULL;
	json_t *meta = meta_txt ? json_loads(meta_txt, 0, NULL) : NULL;
	json_t *cfg = json_object_get(pulled, "config");
	json_t *c = json_is_object(cfg) ? json_deep_copy(cfg) : json_object();
	const char *cwd = json_string_value(json_object_get(meta, "cwd"));

	json_object_set_new(c, "Env", ch_env(env_txt));
	json_object_set_new(c, "WorkingDir", json_string(cwd ? cwd : "/"));
	json_decref(pulled);
	json_decref(meta);
	return c;
}

static char *read_in(const char *root, const char *name)
{
	cleanup_free char *path = xasprintf("%s/%s", root, name);
	char *txt = NULL;

	if (read_file(path, 4 << 20, &txt, NULL) < 0)
		return NULL;
	return txt;
}

/* The image's config as ch-run applies it.  No User: ch-run runs as the
 * invoking user. */
static void ch_config(struct session *s)
{
	cleanup_free char *pulled = read_in(s->rootfs, "ch/config.pulled.json");
	cleanup_free char *meta = read_in(s->rootfs, "ch/metadata.json");
	cleanup_free char *env = read_in(s->rootfs, "ch/environment");

	json_decref(s->image_config);
	s->image_config = charliecloud_config(pulled, meta, env);
	json_object_del(s->image_config, "User");
}

/* The file starts with SquashFS's magic, "hsqs". */
static bool is_squashfs(const char *path)
{
	cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC);
	char magic[4];

	return fd >= 0 && read(fd, magic, 4) == 4 &&
	       memcmp(magic, "hsqs", 4) == 0;
}

static int ch_prepare(struct session *s, char **cause)
{
	char real[PATH_MAX];
	struct stat st;
	cleanup_free char *store = ch_store();
	cleanup_free char *key = NULL;
	bool sqfs;
	int r;

	if (!realpath(s->image, real) || stat(real, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		*cause = xasprintf("charliecloud runs a .sqfs file or a "
				   "directory image; '%s' is neither",
				   s->image);
		return -1;
	}
	sqfs = S_ISREG(st.st_mode);
	if (sqfs && !is_squashfs(real)) {
		*cause = xasprintf("'%s' is not a SquashFS file", s->image);
		return -1;
	}
	s->rootfs_source = xstrdup(real);
	key = ch_key(real, &st);
	s->image_id = xasprintf("ch-%s", key);
	s->image_author = xstrdup("");
	s->container = xasprintf("paks-%s", s->session_id);
	r = rootfs_claim(s, store, key, cause);
	if (r < 0)
		return -1;
	if (r == 0 &&
	    (ch_unpack(s, sqfs, cause) < 0 || ch_mount_points(s, cause) < 0 ||
	     rootfs_made(s, cause) < 0))
		return -1;
	if (r == 1)
		log_info("using the kept writable copy %s", s->rootfs);
	if (ch_tmp(s, cause) < 0)
		return -1;
	ch_config(s);
	return 0;
}

/* -v SRC:DST and -w DIR, as ch-run says them. */
static void ch_passthrough(const struct strv *pt, struct strv *argv,
			   const char **cd)
{
	for (size_t i = 0; pt && i < pt->n; i++) {
		if (str_has_prefix(pt->v[i], "--volume="))
			strv_pushf(argv, "--bind=%s", pt->v[i] + 9);
		else if (str_has_prefix(pt->v[i], "--workdir="))
			*cd = pt->v[i] + 10;
	}
}

static void ch_run_argv(struct session *s, const struct strv *passthrough,
			struct strv *argv)
{
	const char *cd =
	    json_string_value(json_object_get(s->image_config, "WorkingDir"));

	/* A /tmp of its own: the host's /tmp holds the user's sockets (an
	 * ssh agent's, say) and would be the container's to write.  The
	 * copy's own, not a tmpfs (--private-tmp), so that #cp and #save see
	 * it as the shell does, as on podman: ch-run binds $TMPDIR there
	 * (after any --bind) and unsets it in the container.  Set for
	 * ch-run alone, not through env(1): one exec less before the
	 * prompt. */
	strv_free(&s->engine_env);
	strv_pushf(&s->engine_env, "TMPDIR=%s/tmp", s->rootfs);
	strv_push(argv, s->eng.path);
	strv_push(argv, "--write");
	strv_pushf(argv, "--bind=%s:%s", s->runtime_dir, container_dir(s));
	strv_pushf(argv, "--bind=%s/%s:%s", s->runtime_dir, PAKS_LIB_SUBDIR,
		   container_lib(s));
	ch_passthrough(passthrough, argv, &cd);
	strv_pushf(argv, "--cd=%s", cd && *cd ? cd : "/");
	strv_push(argv, s->rootfs);
	strv_push(argv, "--");
	strv_pushf(argv, "%s/paks-launch", container_dir(s));
}

static const struct engine_ops ch_ops = {
    .prepare = ch_prepare,
    .run_argv = ch_run_argv,
    .rootfs_commands = true,
};

const struct engine engine_charliecloud = {
    .name = "charliecloud",
    .program = "ch-run",
    .ops = &ch_ops,
    .ctr_dir = "/.paks",
    .ctr_lib = "/.paks-lib",
    .host_env = true,
};
