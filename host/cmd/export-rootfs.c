/* SPDX-License-Identifier: MIT */
/*
 * The flattened filesystem of an export, made ready for HPC runtimes.
 * The engine's `export` writes the container's filesystem as a tar
 * archive; this file copies it entry by entry, drops whatever the
 * runtime files below replace (an image converted before may carry
 * them), and appends the image's config the way each runtime reads it:
 *
 * Charliecloud (hpc/charliecloud): ch-run --set-env with no argument
 * reads /ch/environment, NAME=VALUE lines, strips one pair of single
 * quotes around a value (bin/ch_misc.c env_var_parse); ch-image keeps
 * /ch/metadata.json (lib/image.py metadata_save: arch, arg, cwd, env,
 * history, labels, shell, volumes, indented with sorted keys) and the
 * pulled config, which holds Cmd and Entrypoint, as
 * /ch/config.pulled.json (lib/image.py metadata_replace).
 *
 * Apptainer (apptainer/apptainer): an image from OCI gets
 * /.singularity.d/env/10-docker2singularity.sh and a runscript from
 * ENTRYPOINT and CMD (internal/pkg/build/sources/conveyorPacker_oci.go
 * insertEnv, insertRunScript), plus the base env files 90-environment.sh
 * and 99-base.sh (base_environment.go); its action script sources
 * every /.singularity.d/env script and then runs /.singularity.d/runscript
 * (internal/pkg/util/fs/files/action_script.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "export-rootfs.h"
#include "util.h"

#define BLOCK 512

/* What we write, so an older copy in the image is dropped. */
static const char *const ours[] = {
    "ch",
    "ch/environment",
    "ch/metadata.json",
    "ch/config.pulled.json",
    ".singularity.d",
    ".singularity.d/env",
    ".singularity.d/actions",
    ".singularity.d/libs",
    ".singularity.d/env/10-docker2singularity.sh",
    ".singularity.d/env/90-environment.sh",
    ".singularity.d/env/99-base.sh",
    ".singularity.d/runscript",
    ".singularity.d/labels.json",
    NULL,
};

static bool is_ours(const char *name)
{
	for (size_t i = 0; ours[i]; i++)
		if (str_eq(ours[i], name))
			return true;
	return false;
}

/* "./a/b/", "/a/b" and "a/b" are the same entry. */
static char *norm_name(const char *n, size_t len)
{
	char *s;
	size_t l;

	while (len && (*n == '/' || (len >= 2 && n[0] == '.' && n[1] == '/'))) {
		size_t skip = *n == '/' ? 1 : 2;
		n += skip;
		len -= skip;
	}
	s = xmalloc(len + 1);
	memcpy(s, n, len);
	s[len] = '\0';
	l = strlen(s);
	while (l && s[l - 1] == '/')
		s[--l] = '\0';
	return s;
}

static uint64_t tar_num(const unsigned char *f, size_t len)
{
	uint64_t v = 0;

	if (f[0] & 0x80) { /* GNU base-256 */
		for (size_t i = 1; i < len; i++)
			v = (v << 8) | f[i];
		return v;
	}
	for (size_t i = 0; i < len && f[i]; i++) {
		if (f[i] == ' ')
			continue;
		if (f[i] < '0' || f[i] > '7')
			break;
		v = v * 8 + (uint64_t)(f[i] - '0');
	}
	return v;
}

static char *hdr_name(const unsigned char *h)
{
	char full[256 + 2];
	size_t pl = strnlen((const char *)h + 345, 155);
	size_t nl = strnlen((const char *)h, 100);

	if (memcmp(h + 257, "ustar", 5) == 0 && pl) {
		memcpy(full, h + 345, pl);
		full[pl] = '/';
		memcpy(full + pl + 1, h, nl);
		return norm_name(full, pl + 1 + nl);
	}
	return norm_name((const char *)h, nl);
}

/* The path= record of a PAX extended header, if any. */
static char *pax_path(const char *d, size_t len)
{
	size_t i = 0;

	while (i < len) {
		char *end;
		unsigned long rl = strtoul(d + i, &end, 10);
		const char *kv;
		if (rl == 0 || i + rl > len || end >= d + len || *end != ' ')
			return NULL;
		kv = end + 1;
		if ((size_t)(d + i + rl - kv) > 5 &&
		    memcmp(kv, "path=", 5) == 0)
			return norm_name(kv + 5, (size_t)(d + i + rl - kv) - 6);
		i += rl;
	}
	return NULL;
}

static int read_full(int fd, void *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)b + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return got ? -EIO : 0;
		got += (size_t)r;
	}
	return 1;
}

/* Copy (or skip) len bytes of entry data, padded to whole blocks. */
static int pass_data(int in, int out, uint64_t len, bool keep)
{
	char b[64 * 1024];
	uint64_t left = (len + BLOCK - 1) / BLOCK * BLOCK;

	while (left) {
		size_t n = left > sizeof(b) ? sizeof(b) : (size_t)left;
		int r = read_full(in, b, n);
		if (r <= 0)
			return r < 0 ? r : -EIO;
		if (keep && write_all(out, b, n) < 0)
			return -errno;
		left -= n;
	}
	return 0;
}

/* Read a metadata entry's data (PAX 'x', GNU 'L') into the held buffer. */
static int hold_meta(int in, struct buf *held, const unsigned char *h,
		     uint64_t size, char **name)
{
	uint64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;
	cleanup_free char *d = NULL;
	int r;

	if (size > 1 << 20)
		return -EFBIG;
	d = xmalloc((size_t)padded + 1);
	r = read_full(in, d, (size_t)padded);
	if (r <= 0)
		return r < 0 ? r : -EIO;
	buf_append(held, h, BLOCK);
	buf_append(held, d, (size_t)padded);
	free(*name);
	if (h[156] == 'x')
		*name = pax_path(d, (size_t)size);
	else
		*name = norm_name(d, strnlen(d, (size_t)size));
	return 0;
}

static int copy_entries(int in, int out)
{
	unsigned char h[BLOCK];
	struct buf held = {0};
	cleanup_free char *long_name = NULL;
	int r;

	for (;;) {
		uint64_t size;
		bool keep;
		char *name;

		r = read_full(in, h, BLOCK);
		if (r <= 0)
			break;
		if (h[0] == '\0') /* end of archive */
			break;
		size = tar_num(h + 124, 12);
		if (h[156] == 'x' || h[156] == 'L') {
			r = hold_meta(in, &held, h, size, &long_name);
			if (r < 0)
				break;
			continue;
		}
		name = long_name ? steal_pointer(&long_name) : hdr_name(h);
		keep = !is_ours(name);
		free(name);
		r = 0;
		if (keep &&
		    ((held.len && write_all(out, held.data, held.len) < 0) ||
		     write_all(out, h, BLOCK) < 0))
			r = -errno;
		held.len = 0;
		if (r == 0)
			r = pass_data(in, out, size, keep);
		if (r < 0)
			break;
	}
	buf_free(&held);
	return r < 0 ? r : 0;
}

static void put_oct(unsigned char *f, size_t len, uint64_t v)
{
	f[len - 1] = '\0';
	for (size_t i = len - 1; i-- > 0; v >>= 3)
		f[i] = (unsigned char)('0' + (v & 7));
}

static int put_entry(int out, const char *name, char type, unsigned mode,
		     const char *data, const char *link)
{
	unsigned char h[BLOCK] = {0};
	size_t len = data ? strlen(data) : 0;
	unsigned sum = 0;
	static const char zeros[BLOCK];

	snprintf((char *)h, 100, "%s", name);
	put_oct(h + 100, 8, mode);
	put_oct(h + 108, 8, 0);
	put_oct(h + 116, 8, 0);
	put_oct(h + 124, 12, len);
	put_oct(h + 136, 12, (uint64_t)time(NULL));
	memset(h + 148, ' ', 8);
	h[156] = (unsigned char)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 5);
	memcpy(h + 297, "root", 5);
	for (size_t i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	if (write_all(out, h, BLOCK) < 0 ||
	    (len && write_all(out, data, len) < 0))
		return -errno;
	if (len % BLOCK && write_all(out, zeros, BLOCK - len % BLOCK) < 0)
		return -errno;
	return 0;
}

static json_t *cfg(json_t *config, const char *key)
{
	return config ? json_object_get(config, key) : NULL;
}

/* Each "NAME=VALUE" of Env, as name and value (NULL when not one). */
static bool env_split(json_t *e, char **name, const char **value)
{
	const char *s = json_string_value(e);
	const char *eq = s ? strchr(s, '=') : NULL;

	if (!eq || eq == s)
		return false;
	*name = xmalloc((size_t)(eq - s) + 1);
	memcpy(*name, s, (size_t)(eq - s));
	(*name)[eq - s] = '\0';
	*value = eq + 1;
	return true;
}

char *export_ch_environment(json_t *config)
{
	struct buf b = {0};
	json_t *e;
	size_t i;

	json_array_foreach(cfg(config, "Env"), i, e)
	{
		cleanup_free char *name = NULL;
		const char *v;
		size_t vl;
		if (!env_split(e, &name, &v) || strchr(v, '\n'))
			continue; /* a newline cannot be said in this file */
		vl = strlen(v);
		/* ch-run strips one pair of quotes around the value: add a
		 * pair when the value itself has them. */
		if (vl >= 2 && v[0] == '\'' && v[vl - 1] == '\'')
			buf_printf(&b, "%s='%s'\n", name, v);
		else
			buf_printf(&b, "%s=%s\n", name, v);
	}
	buf_append(&b, "", 1);
	return b.data;
}

static json_t *ch_metadata(json_t *config, const char *arch)
{
	json_t *m = json_object(), *env = json_object(), *vols = json_array();
	json_t *e, *v;
	const char *k;
	size_t i;

	json_array_foreach(cfg(config, "Env"), i, e)
	{
		cleanup_free char *name = NULL;
		const char *val;
		if (env_split(e, &name, &val))
			json_object_set_new(env, name, json_string(val));
	}
	json_object_foreach(cfg(config, "Volumes"), k, v)
	    json_array_append_new(vols, json_string(k));
	json_object_set_new(m, "arch", json_string(arch));
	json_object_set_new(m, "arg", json_object());
	v = cfg(config, "WorkingDir");
	json_object_set_new(
	    m, "cwd",
	    json_string(json_string_length(v) ? json_string_value(v) : "/"));
	json_object_set_new(m, "env", env);
	json_object_set_new(m, "history", json_array());
	v = cfg(config, "Labels");
	json_object_set_new(m, "labels",
			    json_is_object(v) ? json_incref(v) : json_object());
	v = cfg(config, "Shell");
	json_object_set_new(m, "shell",
			    json_array_size(v)
				? json_incref(v)
				: json_pack("[ss]", "/bin/sh", "-c"));
	json_object_set_new(m, "volumes", vols);
	return m;
}

/* Apptainer's shell.Escape, for text inside double quotes. */
static void sh_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\\"`$", *s))
			buf_append(b, "\\", 1);
		buf_append(b, s, 1);
	}
}

/* Apptainer's shell.EscapeSingleQuotes, for text inside single quotes. */
static void sq_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			buf_printf(b, "'\"'\"'");
		else
			buf_append(b, s, 1);
	}
}

char *export_sif_env(json_t *config)
{
	struct buf b = {0};
	regex_t re;
	json_t *e;
	size_t i;

	regcomp(&re, "^[a-zA-Z_][a-zA-Z0-9_]*$", REG_EXTENDED | REG_NOSUB);
	buf_printf(&b, "#!/bin/sh\n");
	json_array_foreach(cfg(config, "Env"), i, e)
	{
		cleanup_free char *name = NULL;
		const char *v;
		if (!env_split(e, &name, &v) || regexec(&re, name, 0, NULL, 0))
			continue;
		if (str_eq(name, "PATH")) {
			buf_printf(&b, "export PATH=\"");
		} else {
			buf_printf(&b, "export %s=\"${%s:-\"", name, name);
		}
		sh_escape(&b, v);
		buf_printf(&b, str_eq(name, "PATH") ? "\"\n" : "\"}\"\n");
	}
	regfree(&re);
	buf_append(&b, "", 1);
	return b.data;
}

/* OCI_NAME='"a" "b"': ArgsQuoted, then EscapeSingleQuotes. */
static void oci_var(struct buf *b, const char *var, json_t *arr)
{
	struct buf q = {0};
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
	{
		if (i)
			buf_append(&q, " ", 1);
		buf_append(&q, "\"", 1);
		sh_escape(&q, json_string_value(e) ? json_string_value(e) : "");
		buf_append(&q, "\"", 1);
	}
	buf_append(&q, "", 1);
	buf_printf(b, "%s='", var);
	sq_escape(b, q.data);
	buf_printf(b, "'\n");
	buf_free(&q);
}

/* `set -- 'ARG' "$@"` for each element, last first. */
static void prepend(struct buf *b, json_t *arr)
{
	for (size_t i = json_array_size(arr); i-- > 0;) {
		const char *s = json_string_value(json_array_get(arr, i));
		buf_printf(b, "    set -- '");
		sq_escape(b, s ? s : "");
		buf_printf(b, "' \"$@\"\n");
	}
}

static void runscript_no_eval(struct buf *b, json_t *ep, json_t *cmd)
{
	buf_printf(b, "if [ -n \"$SINGULARITY_NO_EVAL\" ]; then\n"
		      "  if [ -z \"$OCI_CMD\" ] && [ -n \"$OCI_ENTRYPOINT\" ]; "
		      "then\n");
	prepend(b, ep);
	buf_printf(b, "    exec \"$@\"\n  fi\n"
		      "  if [ -n \"$OCI_CMD\" ] && [ -z \"$OCI_ENTRYPOINT\" ]; "
		      "then\n    if [ $# -eq 0 ]; then :\n");
	prepend(b, cmd);
	buf_printf(b, "    fi\n    exec \"$@\"\n  fi\n");
	if (json_array_size(ep)) {
		buf_printf(b, "  if [ $# -gt 0 ]; then :\n");
		prepend(b, ep);
		buf_printf(b, "  else :\n");
		prepend(b, cmd);
		prepend(b, ep);
		buf_printf(b, "  fi\n");
	} else if (json_array_size(cmd)) {
		buf_printf(b, "  if [ $# -eq 0 ]; then :\n");
		prepend(b, cmd);
		buf_printf(b, "  fi\n");
	}
	buf_printf(b, "  exec \"$@\"\nfi\n");
}

static const char runscript_eval[] =
    "CMDLINE_ARGS=\"\"\n"
    "for arg in \"$@\"; do\n"
    "    CMDLINE_ARGS=\"${CMDLINE_ARGS} \\\"$arg\\\"\"\n"
    "done\n"
    "if [ -z \"$OCI_CMD\" ] && [ -n \"$OCI_ENTRYPOINT\" ]; then\n"
    "    if [ $# -gt 0 ]; then\n"
    "        SINGULARITY_OCI_RUN=\"${OCI_ENTRYPOINT} ${CMDLINE_ARGS}\"\n"
    "    else\n"
    "        SINGULARITY_OCI_RUN=\"${OCI_ENTRYPOINT}\"\n"
    "    fi\n"
    "fi\n"
    "if [ -n \"$OCI_CMD\" ] && [ -z \"$OCI_ENTRYPOINT\" ]; then\n"
    "    if [ $# -gt 0 ]; then\n"
    "        SINGULARITY_OCI_RUN=\"${CMDLINE_ARGS}\"\n"
    "    else\n"
    "        SINGULARITY_OCI_RUN=\"${OCI_CMD}\"\n"
    "    fi\n"
    "fi\n"
    "if [ $# -gt 0 ]; then\n"
    "    SINGULARITY_OCI_RUN=\"${OCI_ENTRYPOINT} ${CMDLINE_ARGS}\"\n"
    "else\n"
    "    SINGULARITY_OCI_RUN=\"${OCI_ENTRYPOINT} ${OCI_CMD}\"\n"
    "fi\n"
    "eval \"set ${SINGULARITY_OCI_RUN}\"\n"
    "exec \"$@\"\n";

char *export_sif_runscript(json_t *config)
{
	struct buf b = {0};
	json_t *ep = cfg(config, "Entrypoint"), *cmd = cfg(config, "Cmd");
	const char *wd = json_string_value(cfg(config, "WorkingDir"));

	buf_printf(&b, "#!/bin/sh\n");
	oci_var(&b, "OCI_ENTRYPOINT", ep);
	oci_var(&b, "OCI_CMD", cmd);
	/* Apptainer starts in the caller's directory; the image's WORKDIR is
	 * where its CMD expects to run, as under podman and docker. */
	if (wd && *wd) {
		buf_printf(&b, "cd '");
		sq_escape(&b, wd);
		buf_printf(&b, "' 2>/dev/null || :\n");
	}
	runscript_no_eval(&b, ep, cmd);
	buf_printf(&b, "%s", runscript_eval);
	buf_append(&b, "", 1);
	return b.data;
}

static const char sif_90_env[] =
    "#!/bin/sh\n# Custom environment shell code should follow\n";
static const char sif_99_base[] =
    "#!/bin/sh\n"
    "if [ -z \"${LD_LIBRARY_PATH:-}\" ]; then\n"
    "    LD_LIBRARY_PATH=\"/.singularity.d/libs\"\n"
    "else\n"
    "    LD_LIBRARY_PATH=\"$LD_LIBRARY_PATH:/.singularity.d/libs\"\n"
    "fi\n"
    "if [ -z \"${PS1:-}\" ]; then\n"
    "    PS1=\"Apptainer> \"\n"
    "fi\n"
    "export LD_LIBRARY_PATH PS1\n";

static char *dump(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *r = xasprintf("%s\n", s ? s : "{}");

	free(s);
	json_decref(j);
	return r;
}

static int put_runtime_files(int out, json_t *config, const char *arch)
{
	cleanup_free char *ch_env = export_ch_environment(config);
	cleanup_free char *ch_meta = dump(ch_metadata(config, arch));
	cleanup_free char *ch_pulled = dump(json_pack(
	    "{s:s, s:s, s:O, s:[]}", "architecture", arch, "os", "linux",
	    "config", config ? config : json_object(), "history"));
	cleanup_free char *sif_env = export_sif_env(config);
	cleanup_free char *sif_run = export_sif_runscript(config);
	json_t *labels = cfg(config, "Labels");
	cleanup_free char *sif_labels =
	    dump(json_is_object(labels) ? json_incref(labels) : json_object());
	const struct {
		const char *name;
		char type;
		unsigned mode;
		const char *data;
	} e[] = {
	    {"ch/", '5', 0755, NULL},
	    {"ch/environment", '0', 0644, ch_env},
	    {"ch/metadata.json", '0', 0644, ch_meta},
	    {"ch/config.pulled.json", '0', 0644, ch_pulled},
	    {".singularity.d/", '5', 0755, NULL},
	    {".singularity.d/env/", '5', 0755, NULL},
	    {".singularity.d/actions/", '5', 0755, NULL},
	    {".singularity.d/libs/", '5', 0755, NULL},
	    {".singularity.d/env/10-docker2singularity.sh", '0', 0755, sif_env},
	    {".singularity.d/env/90-environment.sh", '0', 0755, sif_90_env},
	    {".singularity.d/env/99-base.sh", '0', 0755, sif_99_base},
	    {".singularity.d/runscript", '0', 0755, sif_run},
	    {".singularity.d/labels.json", '0', 0644, sif_labels},
	};

	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		int r = put_entry(out, e[i].name, e[i].type, e[i].mode,
				  e[i].data, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

int export_rootfs_tar(const char *in, const char *out, json_t *config,
		      const char *arch, char **cause)
{
	cleanup_fd int ifd = open(in, O_RDONLY | O_CLOEXEC);
	cleanup_fd int ofd = -1;
	static const char zeros[2 * BLOCK];
	int r;

	if (ifd < 0) {
		*cause = xasprintf("cannot read %s: %s", in, strerror(errno));
		return -errno;
	}
	ofd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (ofd < 0) {
		*cause = xasprintf("cannot write %s: %s", out, strerror(errno));
		return -errno;
	}
	r = copy_entries(ifd, ofd);
	if (r == 0)
		r = put_runtime_files(ofd, config, arch ? arch : "amd64");
	if (r == 0 && write_all(ofd, zeros, sizeof(zeros)) < 0)
		r = -errno;
	if (r == 0 && fsync(ofd) < 0)
		r = -errno;
	if (r < 0)
		*cause = xasprintf("cannot write the filesystem tarball: %s",
				   strerror(-r));
	return r;
}
