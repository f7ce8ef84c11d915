/* SPDX-License-Identifier: MIT */
/*
 * Setting up one `paks run`: find the image and its original config, make
 * the private runtime directory (FIFO, preload, launcher, the shell's
 * environment), decide between preload and PTY mode, and build the engine
 * command line.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"
#include "paks-protocol.h"
#include "session.h"

extern char **environ;

void session_engine_argv(const struct session *s, struct strv *argv)
{
	strv_push(argv, s->engine_path);
	for (size_t i = 0; i < s->engine_args.n; i++)
		strv_push(argv, s->engine_args.v[i]);
}

char *session_find_lib_dir(void)
{
	cleanup_free char *exe = paks_exe_dir();

	if (!exe)
		return NULL;
	/* The build tree keeps everything next to the binary. */
	if (paks_exe_in_build_tree(exe))
		return xstrdup(exe);
	return xasprintf("%s/../lib/paks", exe);
}

static void drain_pipes(int out, int err, struct buf *bo, struct buf *be)
{
	struct pollfd p[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
	char chunk[8192];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t r;
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			r = read(p[i].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			buf_append(i == 0 ? bo : be, chunk, (size_t)r);
		}
	}
}

/* posix_spawnp with the default signal mask and dispositions: a worker
 * ignores SIGINT and blocks others, and an engine command it starts must
 * still be stoppable. */
static int spawn_clean(pid_t *pid, char *const argv[],
		       const posix_spawn_file_actions_t *fa)
{
	posix_spawnattr_t attr;
	int r;

	spawn_attr_init(&attr, false);
	r = posix_spawnp(pid, argv[0], fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	return r;
}

int session_capture(char *const argv[], struct buf *out, struct buf *err)
{
	posix_spawn_file_actions_t fa;
	struct buf dummy = {0};
	int po[2], pe[2] = {-1, -1};
	pid_t pid;
	int r;

	if (pipe2(po, O_CLOEXEC) < 0)
		return -errno;
	if (err && pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return -errno;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	if (err)
		posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	r = spawn_clean(&pid, argv, &fa);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	if (err)
		close(pe[1]);
	if (r != 0) {
		close(po[0]);
		if (err)
			close(pe[0]);
		return -r;
	}
	drain_pipes(po[0], err ? pe[0] : -1, out ? out : &dummy,
		    err ? err : &dummy);
	buf_free(&dummy);
	return wait_exit_code(pid);
}

static char *first_line(const struct buf *b)
{
	const char *s = b->data ? b->data : "";
	const char *nl;

	/* podman prefixes errors with "Error: "; keep the message. */
	while (*s == '\n')
		s++;
	nl = strchr(s, '\n');
	return xasprintf("%.*s", nl ? (int)(nl - s) : (int)strlen(s), s);
}

/* `inspect` the image: 0 with id and config, 1 when it does not exist. */
static int inspect_image(struct session *s, char **err)
{
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	json_error_t je;
	json_t *root;
	int r;

	session_engine_argv(s, &argv);
	strv_push(&argv, "image");
	strv_push(&argv, "inspect");
	strv_push(&argv, "--");
	strv_push(&argv, s->image);
	r = session_capture(argv.v, &out, &eb);
	strv_free(&argv);
	buf_free(&eb);
	if (r != 0) {
		buf_free(&out);
		if (r < 0) {
			*err = xasprintf("cannot run %s: %s", s->engine_path,
					 strerror(-r));
			return -1;
		}
		return 1;
	}
	root = json_loads(out.data ? out.data : "", 0, &je);
	buf_free(&out);
	if (!json_is_array(root) || json_array_size(root) < 1) {
		json_decref(root);
		*err = xasprintf("unexpected output from %s image inspect",
				 s->engine_path);
		return -1;
	}
	{
		json_t *img = json_array_get(root, 0);
		json_t *cfg = json_object_get(img, "Config");
		s->image_id =
		    xstrdup(json_string_value(json_object_get(img, "Id")));
		s->image_config = cfg ? json_incref(cfg) : json_object();
		free(s->image_author);
		s->image_author =
		    xstrdup(json_string_value(json_object_get(img, "Author")));
	}
	json_decref(root);
	return 0;
}

/* A file argument is an archive from #export: load it and run what it
 * holds.  Sets s->image to the loaded reference. */
static int load_archive(struct session *s, char **err)
{
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	char *ref = NULL;
	int r;

	session_engine_argv(s, &argv);
	strv_push(&argv, "load");
	strv_push(&argv, "-i");
	strv_push(&argv, s->image);
	r = session_capture(argv.v, &out, &eb);
	strv_free(&argv);
	if (r != 0) {
		cleanup_free char *why =
		    r < 0 ? xstrdup(strerror(-r)) : first_line(&eb);
		*err = xasprintf("cannot load archive %s: %s", s->image, why);
		buf_free(&out);
		buf_free(&eb);
		return -1;
	}
	/* "Loaded image: REF" (podman prints "Loaded image(s): REF"). */
	for (char *line = out.data; line && *line;) {
		char *nl = strchr(line, '\n');
		char *colon = strstr(line, "Loaded image");
		if (nl)
			*nl = '\0';
		if (colon && (colon = strchr(colon, ':'))) {
			colon++;
			while (*colon == ' ')
				colon++;
			free(ref);
			ref = xstrdup(colon);
			{
				char *comma = strchr(ref, ',');
				if (comma)
					*comma = '\0';
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	buf_free(&out);
	buf_free(&eb);
	if (!ref) {
		*err = xasprintf("%s load did not name the loaded image",
				 s->engine_path);
		return -1;
	}
	free(s->image);
	s->image = ref;
	return 0;
}

/* Run an engine command whose output is progress for the user: both its
 * streams go to our stderr, so the terminal shows it and stdout stays
 * clean.  Returns the exit status or -errno. */
static int run_progress(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	r = spawn_clean(&pid, argv, &fa);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	return wait_exit_code(pid);
}

/* The engine's reason for a failure: its last "Error: ..." line. */
static char *last_error_line(const struct buf *b)
{
	const char *s = b->data ? b->data : "";
	const char *best = NULL, *p;

	for (p = s; (p = strstr(p, "Error")); p++) {
		if (p == s || p[-1] == '\n')
			best = p;
	}
	if (!best)
		return first_line(b);
	if (str_has_prefix(best, "Error: "))
		best += 7;
	return xasprintf("%.*s", (int)strcspn(best, "\n"), best);
}

/* A registry reference that is not here yet: pull it.  On a terminal the
 * engine's progress is shown as it comes; otherwise it is kept, and a
 * failure is one line with the engine's reason.  Loopback registries are
 * reached over plain HTTP (registry_flags), credentials come from the
 * engine's own login. */
static int pull_image(struct session *s, char **err)
{
	struct strv argv = {0};
	struct buf out = {0};
	bool tty = isatty(2);
	int r;

	if (tty)
		log_info("%s is not here; pulling it", s->image);
	session_engine_argv(s, &argv);
	strv_push(&argv, "pull");
	(void)s->engine->registry_flags(s, s->image, false, &argv);
	strv_push(&argv, "--");
	strv_push(&argv, s->image);
	r = tty ? run_progress(argv.v) : session_capture(argv.v, &out, &out);
	strv_free(&argv);
	if (r < 0)
		*err = xasprintf("cannot run %s: %s", s->engine_path,
				 strerror(-r));
	else if (r > 0 && tty)
		*err = xasprintf("image '%s' is not here and could not be "
				 "pulled (%s's message is above)",
				 s->image, s->engine->name);
	else if (r > 0) {
		cleanup_free char *why = last_error_line(&out);
		*err = xasprintf("image '%s' is not here and could not be "
				 "pulled: %s",
				 s->image, why);
	}
	buf_free(&out);
	return r == 0 ? 0 : -1;
}

static int resolve_image(struct session *s, char **err)
{
	struct stat st;
	int r;

	if ((strchr(s->image, '/') || strstr(s->image, ".tar")) &&
	    stat(s->image, &st) == 0 && S_ISREG(st.st_mode)) {
		if (load_archive(s, err) < 0)
			return -1;
	}
	r = inspect_image(s, err);
	if (r <= 0)
		return r;
	if (pull_image(s, err) < 0)
		return -1;
	r = inspect_image(s, err);
	if (r > 0)
		*err = xasprintf("image '%s' not found", s->image);
	return r == 0 ? 0 : -1;
}

static char *runtime_base(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (x && *x == '/' && stat(x, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == getuid() && access(x, W_OK) == 0)
		return xasprintf("%s/paks", x);
	return xasprintf("/tmp/paks-%u", (unsigned)getuid());
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char *data = NULL;
	size_t len = 0;
	int r = read_file(from, 64u << 20, &data, &len);
	int fd;

	if (r < 0)
		return r;
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		free(data);
		return -errno;
	}
	r = write_all(fd, data, len);
	if (fchmod(fd, mode) < 0 && r == 0)
		r = -errno;
	close(fd);
	free(data);
	return r;
}

/* A paks killed with SIGKILL leaves its runtime directory behind; the
 * next session removes those whose owner is gone. */
static void sweep_stale(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		cleanup_free char *pidfile = NULL;
		cleanup_free char *txt = NULL;
		long pid;
		if (e->d_name[0] == '.')
			continue;
		pidfile = xasprintf("%s/%s/pid", base, e->d_name);
		if (read_file(pidfile, 32, &txt, NULL) < 0)
			continue;
		pid = strtol(txt, NULL, 10);
		if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			cleanup_free char *dir =
			    xasprintf("%s/%s", base, e->d_name);
			rm_rf(dir);
		}
	}
	if (d)
		closedir(d);
}

static int make_runtime_dir(struct session *s, char **err)
{
	cleanup_free char *base = runtime_base();
	cleanup_free char *tmpl = NULL;
	struct stat st;
	int r;

	if (mkdir_p(base, 0700) < 0 || lstat(base, &st) < 0 ||
	    !S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
		*err = xasprintf("cannot use runtime directory %s", base);
		return -1;
	}
	chmod(base, 0700);
	sweep_stale(base);
	tmpl = xasprintf("%s/XXXXXX", base);
	if (!mkdtemp(tmpl)) {
		*err = xasprintf("cannot create a runtime directory in %s: %s",
				 base, strerror(errno));
		return -1;
	}
	s->runtime_dir = xstrdup(tmpl);
	s->session_id = xstrdup(strrchr(tmpl, '/') + 1);
	for (char *p = s->session_id; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	{
		cleanup_free char *pidfile =
		    xasprintf("%s/pid", s->runtime_dir);
		cleanup_free char *pid = xasprintf("%ld\n", (long)getpid());
		write_file_atomic(pidfile, pid, strlen(pid), 0600);
	}
	{
		cleanup_free char *fifo =
		    xasprintf("%s/%s", s->runtime_dir, PAKS_FIFO_NAME);
		if (mkfifo(fifo, 0600) < 0) {
			*err = xasprintf("cannot create %s: %s", fifo,
					 strerror(errno));
			return -1;
		}
	}
	{
		const char *files[] = {PAKS_PRELOAD_NAME, "paks-launch"};
		for (int i = 0; i < 2; i++) {
			cleanup_free char *from =
			    xasprintf("%s/%s", s->lib_dir, files[i]);
			cleanup_free char *to =
			    xasprintf("%s/%s", s->runtime_dir, files[i]);
			r = copy_file(from, to, 0755);
			if (r < 0) {
				*err = xasprintf("cannot install %s: %s", from,
						 strerror(-r));
				return -1;
			}
		}
	}
	return 0;
}

void session_cleanup(struct session *s)
{
	if (s->runtime_dir)
		rm_rf(s->runtime_dir);
}

void session_free(struct session *s)
{
	settings_free(&s->settings);
	free(s->engine_path);
	strv_free(&s->engine_args);
	free(s->image);
	free(s->image_id);
	free(s->image_author);
	json_decref(s->image_config);
	free(s->container);
	free(s->session_id);
	free(s->runtime_dir);
	free(s->launch_dir);
	free(s->shell);
	free(s->lib_dir);
	strv_free(&s->user_env);
}

static char *probe_cache_path(const struct session *s, const char *shell_path)
{
	const char *x = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	cleanup_free char *dir = x && *x == '/'
				     ? xasprintf("%s/paks/probe", x)
				     : xasprintf("%s/.cache/paks/probe",
						 home && *home ? home : "/tmp");
	char *shell = xstrdup(shell_path);
	char *path;

	for (char *p = shell; *p; p++) {
		if (*p == '/')
			*p = '_';
	}
	mkdir_p(dir, 0700);
	path = xasprintf("%s/%s-%s", dir, s->image_id, shell);
	free(shell);
	return path;
}

/* Ask the launcher, inside the image, whether its shell can host the
 * preload.  The answer depends only on the image and the shell, so it is
 * cached by image id. */
/* Ask the launcher, inside the image, about SHELL: "preload" (a glibc bash
 * that can host the library), "pty" or "missing".  The answer depends only
 * on the image and the shell, so it is cached by image id. */
static int probe_shell(struct session *s, const char *shell, char **answer,
		       char **err)
{
	cleanup_free char *cache = probe_cache_path(s, shell);
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	int r;

	if (read_file(cache, 64, answer, NULL) == 0 &&
	    (str_has_prefix(*answer, "preload") ||
	     str_has_prefix(*answer, "pty") ||
	     str_has_prefix(*answer, "missing")))
		return 0;
	free(*answer);
	*answer = NULL;
	session_engine_argv(s, &argv);
	strv_push(&argv, "run");
	strv_push(&argv, "--rm");
	s->engine->run_flags(s, &argv);
	strv_pushf(&argv, "--volume=%s:%s", s->runtime_dir, PAKS_CONTAINER_DIR);
	strv_pushf(&argv, "--entrypoint=%s/paks-launch", PAKS_CONTAINER_DIR);
	strv_push(&argv, s->image_id);
	strv_push(&argv, "--probe");
	strv_push(&argv, shell);
	r = session_capture(argv.v, &out, &eb);
	strv_free(&argv);
	if (r != 0 || !out.data) {
		cleanup_free char *why =
		    r < 0 ? xstrdup(strerror(-r)) : first_line(&eb);
		*err = xasprintf("cannot start a container from %s: %s",
				 s->image, why);
		buf_free(&out);
		buf_free(&eb);
		return -1;
	}
	buf_free(&eb);
	write_file_atomic(cache, out.data, out.len, 0600);
	*answer = out.data;
	return 0;
}

/* Decide the mode (when not forced) and make sure the shell exists; an
 * image without the default bash (busybox, alpine) gets /bin/sh. */
static int probe_mode(struct session *s, char **err)
{
	cleanup_free char *answer = NULL;

	if (probe_shell(s, s->shell, &answer, err) < 0)
		return -1;
	if (str_has_prefix(answer, "missing") && s->shell_default) {
		free(answer);
		answer = NULL;
		if (probe_shell(s, "/bin/sh", &answer, err) < 0)
			return -1;
		if (!str_has_prefix(answer, "missing")) {
			log_debug("the image has no %s; using /bin/sh",
				  s->shell);
			free(s->shell);
			s->shell = xstrdup("/bin/sh");
		}
	}
	if (str_has_prefix(answer, "missing")) {
		*err = xasprintf("the image has no shell %s (choose one with "
				 "--shell)",
				 s->shell);
		return -1;
	}
	if (s->mode == MODE_AUTO)
		s->mode =
		    str_has_prefix(answer, "preload") ? MODE_PRELOAD : MODE_PTY;
	return 0;
}

/* The user the shell runs as: the one asked for, else the image's own. */
static const char *run_user(const struct session *s)
{
	const char *img =
	    json_string_value(json_object_get(s->image_config, "User"));

	if (s->settings.user && *s->settings.user)
		return s->settings.user;
	return img && *img ? img : NULL;
}

static void env_record(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "%s=%s", name, value);
	buf_append(b, "", 1);
}

/* The shell's environment: the image's variables, what a shell needs, the
 * user's -e values, and the paks variables. */
static int write_launch_env(struct session *s, char **err)
{
	json_t *env = json_object_get(s->image_config, "Env");
	const char *term = getenv("TERM");
	cleanup_free char *path = xasprintf("%s/launch.env", s->runtime_dir);
	struct buf b = {0};
	bool has_path = false;
	size_t i;
	json_t *v;
	int r;

	json_array_foreach(env, i, v)
	{
		const char *kv = json_string_value(v);
		if (!kv || !strchr(kv, '='))
			continue;
		has_path |= str_has_prefix(kv, "PATH=");
		buf_append(&b, kv, strlen(kv) + 1);
	}
	if (!has_path)
		env_record(&b, "PATH",
			   "/usr/local/sbin:/usr/local/bin:"
			   "/usr/sbin:/usr/bin:/sbin:/bin");
	env_record(&b, "TERM", term && *term ? term : "xterm");
	for (i = 0; i < s->user_env.n; i++)
		buf_append(&b, s->user_env.v[i], strlen(s->user_env.v[i]) + 1);
	env_record(&b, PAKS_ENV_DIR, PAKS_CONTAINER_DIR);
	env_record(&b, "PAKS_SESSION", s->session_id);
	if (run_user(s))
		env_record(&b, "PAKS_USER", run_user(s));
	if (s->mode == MODE_PRELOAD)
		env_record(&b, "LD_PRELOAD",
			   PAKS_CONTAINER_DIR "/" PAKS_PRELOAD_NAME);
	r = write_file_atomic(path, b.data, b.len, 0600);
	buf_free(&b);
	if (r < 0) {
		*err = xasprintf("cannot write %s: %s", path, strerror(-r));
		return -1;
	}
	return 0;
}

int session_prepare(struct session *s, char **err)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd))) {
		*err = xasprintf("cannot read the current directory: %s",
				 strerror(errno));
		return -1;
	}
	s->launch_dir = xstrdup(cwd);
	s->lib_dir = session_find_lib_dir();
	if (!s->lib_dir) {
		*err = xstrdup("cannot find the paks library directory");
		return -1;
	}
	if (resolve_image(s, err) < 0)
		return -1;
	if (make_runtime_dir(s, err) < 0)
		return -1;
	if (!s->container)
		s->container = xasprintf("paks-%s", s->session_id);
	if (probe_mode(s, err) < 0)
		return -1;
	return write_launch_env(s, err);
}

void session_run_argv(struct session *s, const struct strv *passthrough,
		      struct strv *argv)
{
	session_engine_argv(s, argv);
	strv_push(argv, "run");
	strv_push(argv, "--rm");
	strv_push(argv, "--interactive");
	if (isatty(0) || s->mode == MODE_PTY)
		strv_push(argv, "--tty");
	strv_pushf(argv, "--name=%s", s->container);
	s->engine->run_flags(s, argv);
	strv_pushf(argv, "--volume=%s:%s", s->runtime_dir, PAKS_CONTAINER_DIR);
	strv_pushf(argv, "--entrypoint=%s/paks-launch", PAKS_CONTAINER_DIR);
	/* The launcher starts as root and becomes the user itself (see
	 * host/launch.c); an image with a User of its own needs the override,
	 * which #save undoes with --change USER. */
	{
		const char *img =
		    json_string_value(json_object_get(s->image_config, "User"));
		if (img && *img)
			strv_push(argv, "--user=0:0");
	}
	for (size_t i = 0; passthrough && i < passthrough->n; i++)
		strv_push(argv, passthrough->v[i]);
	strv_push(argv, s->image_id);
}
