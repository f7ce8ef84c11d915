/* SPDX-License-Identifier: MIT */
/*
 * The podman backend: the podman CLI, local or remote (CONTAINER_HOST,
 * --url, --connection).  podman can do all paks needs from its command
 * line: unset its default variables, squash, disable the detach keys and
 * TLS per command.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-choose.h"
#include "engine.h"
#include "proc.h"
#include "session.h"

/* podman adds TERM, container=podman and a default PATH to the container,
 * and `commit` records them; --unsetenv-all keeps the config clean (the
 * launcher sets the shell's real environment). */
static void podman_run_flags(const struct session *s, struct strv *argv)
{
	strv_push(argv, "--unsetenv-all");
	/* ...then the image's own variables again, in order: the container
	 * (and `podman exec` in it) sees the image's PATH, and a commit
	 * records exactly the image's Env. */
	{
		json_t *env = json_object_get(s->image_config, "Env");
		size_t i;
		json_t *v;
		json_array_foreach(env, i, v)
		{
			if (json_is_string(v) &&
			    strchr(json_string_value(v), '='))
				strv_pushf(argv, "--env=%s",
					   json_string_value(v));
		}
	}
	/* The default detach keys swallow Ctrl-P, bash's previous-history;
	 * an empty value switches them off.  podman remote refuses an empty
	 * value: there, a sequence nobody types, as on docker. */
	strv_push(argv, s->remote ? "--detach-keys=ctrl-^,ctrl-\\"
				  : "--detach-keys=");
}

/* podman commit --squash makes the whole image one layer. */
static void podman_commit_flags(const struct engine_handle *h, bool squash,
				struct strv *argv)
{
	(void)h;
	if (squash)
		strv_push(argv, "--squash");
}

/* Credentials come from `podman login` (auth.json), never from here. */
static const char *podman_registry_flags(const struct engine_handle *h,
					 const char *ref, bool tls_off,
					 struct strv *argv)
{
	(void)h;
	if (tls_off || engine_ref_is_loopback(ref))
		strv_push(argv, "--tls-verify=false");
	return NULL;
}

static int podman_sizes(json_t *c, double *rw, double *rootfs)
{
	json_t *a = json_object_get(c, "SizeRw");
	json_t *b = json_object_get(c, "SizeRootFs");

	if (!json_is_number(a) || !json_is_number(b))
		return -1;
	*rw = json_number_value(a);
	*rootfs = json_number_value(b);
	return 0;
}

static void podman_save_flags(const struct engine_handle *h, struct strv *argv)
{
	(void)h;
	/* docker-archive is what both `podman load` and `docker load` take,
	 * and what apptainer builds from (docker-archive://x.tar). */
	strv_push(argv, "--format=docker-archive");
}

static void podman_oci_save_argv(const struct engine_handle *h,
				 const char *image, const char *out,
				 struct strv *argv)
{
	engine_argv(h, argv);
	strv_push(argv, "save");
	strv_push(argv, "--format=oci-archive");
	strv_pushf(argv, "--output=%s", out);
	strv_push(argv, "--");
	strv_push(argv, image);
}

static const char *podman_commit_note(const struct engine_handle *h)
{
	(void)h;
	return NULL;
}

/* The value of global option NAME ("--url") in the engine arguments,
 * written as NAME=VALUE or NAME VALUE; SHORT is its one-letter form. */
static const char *engine_arg(const struct engine_handle *h, const char *name,
			      const char *shrt)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < h->args.n; i++) {
		const char *a = h->args.v[i];
		if (str_has_prefix(a, name) && a[n] == '=')
			return a + n + 1;
		if ((str_eq(a, name) || (shrt && str_eq(a, shrt))) &&
		    i + 1 < h->args.n)
			return h->args.v[i + 1];
	}
	return NULL;
}

/* The URI of a named connection (`podman system connection`), or of the
 * default one when name is NULL. */
static char *connection_uri(const struct engine_handle *h, const char *name)
{
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	char *uri = NULL, *save = NULL;

	strv_push(&argv, h->path);
	strv_push(&argv, "system");
	strv_push(&argv, "connection");
	strv_push(&argv, "list");
	strv_push(&argv, "--format={{.Name}} {{.URI}} {{.Default}}");
	if (proc_capture(argv.v, &out, &eb) == 0 && out.data) {
		for (char *l = strtok_r(out.data, "\n", &save); l && !uri;
		     l = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(l, ' ');
			char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
			if (!sp2)
				continue;
			*sp = *sp2 = '\0';
			if (name ? str_eq(l, name) : str_eq(sp2 + 1, "true"))
				uri = xstrdup(sp + 1);
		}
	}
	strv_free(&argv);
	buf_free(&out);
	buf_free(&eb);
	return uri;
}

/* podman is local unless told to use a service elsewhere: --url or
 * CONTAINER_HOST, or a connection (--connection, CONTAINER_CONNECTION,
 * or the default one with --remote) whose URI is not a local socket. */
static int podman_is_remote(const struct engine_handle *h, char **where)
{
	const char *url = engine_arg(h, "--url", NULL);
	const char *conn = engine_arg(h, "--connection", "-c");
	bool remote = false;
	cleanup_free char *uri = NULL;

	for (size_t i = 0; i < h->args.n; i++) {
		const char *a = h->args.v[i];
		remote |= str_eq(a, "--remote") || str_eq(a, "-r") ||
			  str_eq(a, "--remote=true");
	}
	if (!url && !conn)
		url = getenv("CONTAINER_HOST");
	if (!url && !conn)
		conn = getenv("CONTAINER_CONNECTION");
	if ((!url || !*url) && ((conn && *conn) || remote))
		url = uri = connection_uri(h, conn && *conn ? conn : NULL);
	/* A socket or loopback may be this machine: the first start probes
	 * it (session.c). */
	if (!url || !*url || str_has_prefix(url, "unix:") ||
	    (str_has_prefix(url, "tcp://") && engine_host_is_loopback(url + 6)))
		return 0;
	*where = xstrdup(url);
	return 1;
}

/* The "*.conf" files of directory DIR, in name order (a missing
 * directory has none); DIR and they go to deps. */
static void conf_dir_files(const char *dir, struct strv *files,
			   struct strv *deps)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);

	strv_push(deps, dir);
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		size_t len = strlen(nm);
		if (nm[0] != '.' && len > 5 && str_eq(nm + len - 5, ".conf")) {
			strv_pushf(files, "%s/%s", dir, nm);
			strv_pushf(deps, "%s/%s", dir, nm);
		}
		free(names[i]);
	}
	free(names);
}

/* The containers.conf files podman reads, in order (containers/common's
 * pkg/config): CONTAINERS_CONF alone when it is set; else the one under
 * /usr/share, the one under /etc and its .d directory, and a rootless
 * user's own and its .d; then CONTAINERS_CONF_OVERRIDE.  Every path
 * looked at goes to deps. */
static void containers_conf_files(struct strv *files, struct strv *deps)
{
	const char *env = getenv("CONTAINERS_CONF");
	const char *over = getenv("CONTAINERS_CONF_OVERRIDE");

	if (env && *env) {
		strv_push(files, env);
		strv_push(deps, env);
	} else {
		strv_push(files, "/usr/share/containers/containers.conf");
		strv_push(files, "/etc/containers/containers.conf");
		for (size_t i = 0; i < files->n; i++)
			strv_push(deps, files->v[i]);
		conf_dir_files("/etc/containers/containers.conf.d", files,
			       deps);
		if (geteuid() != 0) {
			const char *x = getenv("XDG_CONFIG_HOME");
			const char *home = getenv("HOME");
			cleanup_free char *user =
			    x && *x
				? xasprintf("%s/containers/containers.conf", x)
				: xasprintf("%s/.config/containers/"
					    "containers.conf",
					    home ? home : "");
			cleanup_free char *d = xasprintf("%s.d", user);
			strv_push(files, user);
			strv_push(deps, user);
			conf_dir_files(d, files, deps);
		}
	}
	if (over && *over) {
		strv_push(files, over);
		strv_push(deps, over);
	}
}

/* The string value of KEY in TABLE of a TOML text, NULL when it is not
 * set there: enough of TOML for containers.conf's one-line strings. */
static char *toml_string(const char *text, const char *table, const char *key)
{
	size_t tn = strlen(table), kn = strlen(key);
	char *val = NULL;
	bool in = false;

	for (const char *l = text; l && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = l + strspn(l, " \t");
		if (*p == '[') {
			p += 1 + strspn(p + 1, " \t");
			in = strncmp(p, table, tn) == 0 &&
			     p[tn + strspn(p + tn, " \t")] == ']';
			continue;
		}
		if (!in || strncmp(p, key, kn) != 0)
			continue;
		p += kn + strspn(p + kn, " \t");
		if (*p != '=')
			continue;
		p += 1 + strspn(p + 1, " \t");
		if ((*p == '"' || *p == '\'') && strchr(p + 1, *p) &&
		    strchr(p + 1, *p) < p + strcspn(p, "\n")) {
			free(val);
			val = xasprintf(
			    "%.*s", (int)(strchr(p + 1, *p) - p - 1), p + 1);
		}
	}
	return val;
}

/* containers.conf's seccomp_profile, else podman's default file: the one
 * under /etc when it is there, else the one under /usr/share. */
static int podman_seccomp_default(const struct engine_handle *h,
				  struct strv *deps, char **path)
{
	static const char etc[] = "/etc/containers/seccomp.json";
	struct strv files = {0};
	char *set = NULL, *setter = NULL;

	(void)h;
	containers_conf_files(&files, deps);
	for (size_t i = 0; i < files.n; i++) {
		cleanup_free char *text = NULL;
		char *v;
		if (read_file(files.v[i], 1 << 20, &text, NULL) < 0)
			continue;
		v = toml_string(text, "containers", "seccomp_profile");
		if (!v)
			continue;
		free(set);
		free(setter);
		set = v;
		setter = xstrdup(files.v[i]);
	}
	strv_free(&files);
	if (set && str_eq(set, "unconfined")) {
		free(set);
		*path = setter;
		return 1;
	}
	free(setter);
	if (set && *set) {
		*path = set;
		return 0;
	}
	free(set);
	strv_push(deps, etc);
	*path = xstrdup(access(etc, F_OK) == 0
			    ? etc
			    : "/usr/share/containers/seccomp.json");
	return 0;
}

const struct engine engine_podman = {
    .name = "podman",
    .tty_from_stdin = true,
    .run_flags = podman_run_flags,
    .seccomp_default = podman_seccomp_default,
    .seccomp_path_on_engine = true,
    .commit_flags = podman_commit_flags,
    .registry_flags = podman_registry_flags,
    .sizes = podman_sizes,
    .save_flags = podman_save_flags,
    .oci_save_argv = podman_oci_save_argv,
    .commit_note = podman_commit_note,
    .is_remote = podman_is_remote,
};
