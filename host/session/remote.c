/* SPDX-License-Identifier: MIT */
/*
 * An engine that cannot see this machine's files: docker over tcp or ssh,
 * a docker context elsewhere, podman remote, an engine in a VM.  Nothing
 * may depend on a bind mount of a host path or a host socket there.
 *
 * The launcher and the preload travel in a volume of the engine's own,
 * paks-files-HASH, named by their content and kept between sessions: the
 * first session on an engine fills it through the engine's copy API (a
 * container of its own, created and never started, that mounts it), and
 * the session's container mounts it read-only where a local session
 * mounts the runtime directory.  Every mount of it says nocopy: an empty
 * volume never takes an image's files.  A volume is never part of the
 * container's layer, so nothing of paks reaches a saved image.
 *
 * The session's bytes travel through the engine's exec API: paks runs
 * `ENGINE exec -i CONTAINER /dev/.paks/paks-launch --paks-bridge` with
 * one end of a socketpair as its stdin and stdout, and keeps the other
 * end, which from then on is the session's connection exactly as the
 * accepted socket of a local session (preload/launch-bridge.c has the
 * container's side).
 *
 * Once the engine's volume is known, a start with nothing of the user's
 * in its launch words is a fast one (launch-env.c): the shell does not
 * wait for the bridge, which the server starts beside it.  The exec (some
 * 60 ms on a dockerd) is then off the way to the prompt.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "engine-err.h"
#include "engine.h"
#include "image-cache.h"
#include "log.h"
#include "paks-protocol.h"
#include "proc.h"
#include "remote.h"
#include "session.h"
#include "ssh-share.h"

/* Run ENGINE ARGS... quietly: 0, or -1 with *cause the engine's reason. */
static int engine_do(const struct session *s, const char *const *args,
		     struct buf *out, char **cause)
{
	struct strv argv = {0};
	struct buf err = {0};
	int r;

	engine_argv(&s->eng, &argv);
	for (; *args; args++)
		strv_push(&argv, *args);
	r = proc_capture(argv.v, out, &err);
	if (r != 0 && cause) {
		char *why = engine_unreachable(&err);
		*cause = why ? why : engine_error_line(&err);
	}
	strv_free(&argv);
	buf_free(&err);
	return r == 0 ? 0 : -1;
}

#define SECCOMP_NAME "seccomp.json"
/* Changed when what goes in the volume's name changes. */
#define VOLUME_SEED "paks-files 2"
/* The last file a fill copies: the volume is whole. */
#define STAMP ".paks-files-whole"

/* The engine reads the seccomp profile on its own machine: it goes in
 * the volume, whose path there the engine tells. */
static bool seccomp_in_volume(const struct session *s)
{
	return s->seccomp_profile && s->eng.engine->seccomp_path_on_engine;
}

/* The volume's files: the launcher, the preload, the mark that tells the
 * launcher to wait for the bridge, and the seccomp profile when the
 * engine reads it there.  Their paths here (NULL for the empty mark). */
struct vol_file {
	const char *name;
	char *from;
	mode_t mode;
};

static size_t vol_files(const struct session *s, struct vol_file f[4])
{
	size_t n = 0;

	f[n].name = "paks-launch";
	f[n].from = xasprintf("%s/paks-launch", s->runtime_dir);
	/* Execute-only: see PAKS_BRIDGE_UID. */
	f[n++].mode = 0711;
	f[n].name = PAKS_PRELOAD_NAME;
	f[n].from = xasprintf("%s/%s/%s", s->runtime_dir, PAKS_LIB_SUBDIR,
			      PAKS_PRELOAD_NAME);
	f[n++].mode = 0755;
	f[n].name = PAKS_BRIDGE_MARK;
	f[n].from = NULL;
	f[n++].mode = 0644;
	if (seccomp_in_volume(s)) {
		f[n].name = SECCOMP_NAME;
		f[n].from = xstrdup(s->seccomp_profile);
		f[n++].mode = 0644;
	}
	return n;
}

static void vol_files_free(struct vol_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].from);
}

/* The volume's name, from its files' names and bytes: paks-files-HASH. */
static char *volume_hash(const struct vol_file *f, size_t n, char **cause)
{
	uint64_t h = fnv1a_str(FNV1A_INIT, VOLUME_SEED);

	for (size_t i = 0; i < n; i++) {
		cleanup_free char *text = NULL;
		size_t len = 0;
		int r = f[i].from ? read_file(f[i].from, 64u << 20, &text, &len)
				  : 0;
		if (r < 0) {
			*cause = xasprintf("cannot read %s: %s", f[i].from,
					   strerror(-r));
			return NULL;
		}
		h = fnv1a_str(h, f[i].name);
		h = fnv1a(h, &f[i].mode, sizeof(f[i].mode));
		h = fnv1a(h, &len, sizeof(len));
		h = fnv1a(h, text, len);
	}
	return xasprintf("%s%016llx", PAKS_FILES_VOLUME_PREFIX,
			 (unsigned long long)h);
}

/* What a stat tells of the files (size and modification time; the runtime
 * directory's copies keep their originals' times), one line each: a new
 * build or an upgrade changes it.  false when one cannot be stat'ed. */
static bool volume_key(const struct vol_file *f, size_t n, struct buf *key)
{
	buf_printf(key, "%s\n", VOLUME_SEED);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		buf_printf(key, "%s\t%o", f[i].name, (unsigned)f[i].mode);
		if (!f[i].from) {
			buf_printf(key, "\t-\n");
			continue;
		}
		if (stat(f[i].from, &st) < 0)
			return false;
		buf_printf(key, "\t%lld\t%lld.%09ld\n", (long long)st.st_size,
			   (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	}
	return true;
}

/* The volume's name.  Reading and hashing the files (about 1 MB) takes
 * some 2 ms of every start, so the name is kept in the cache, under the
 * key of the files it was computed from. */
static char *volume_name(const struct vol_file *f, size_t n, char **cause)
{
	struct buf key = {0};
	cleanup_free char *dir = paks_cache_dir("remote");
	cleanup_free char *path = NULL;
	cleanup_free char *text = NULL;
	char *name = NULL;
	size_t name_len = strlen(PAKS_FILES_VOLUME_PREFIX) + 16;

	if (!volume_key(f, n, &key)) {
		buf_free(&key);
		return volume_hash(f, n, cause);
	}
	path =
	    xasprintf("%s/volume-%016llx", dir,
		      (unsigned long long)fnv1a(FNV1A_INIT, key.data, key.len));
	/* The key, then the name and a newline. */
	if (read_file(path, 1 << 16, &text, NULL) == 0 &&
	    strlen(text) == key.len + name_len + 1 &&
	    memcmp(text, key.data, key.len) == 0 &&
	    str_has_prefix(text + key.len, PAKS_FILES_VOLUME_PREFIX) &&
	    text[key.len + name_len] == '\n') {
		name = xasprintf("%.*s", (int)name_len, text + key.len);
	} else {
		name = volume_hash(f, n, cause);
		if (name) {
			buf_printf(&key, "%s\n", name);
			(void)write_file_atomic(path, key.data, key.len, 0600);
		}
	}
	buf_free(&key);
	return name;
}

/* Where a fill stages the files in the runtime directory; there while the
 * fill is under way. */
static char *staged_dir(const char *runtime_dir)
{
	return xasprintf("%s/volume", runtime_dir);
}

/* Beside the staged files, the stamp, copied after them. */
static char *stamp_dir(const char *staged)
{
	return xasprintf("%s.stamp", staged);
}

/* The files, staged in the runtime directory for the engine's copy. */
static int stage(const struct session *s, const struct vol_file *f, size_t n,
		 char **dir, char **cause)
{
	*dir = staged_dir(s->runtime_dir);
	if (mkdir(*dir, 0755) < 0)
		goto fail;
	{
		cleanup_free char *sdir = stamp_dir(*dir);
		cleanup_free char *st = xasprintf("%s/%s", sdir, STAMP);
		if (mkdir(sdir, 0755) < 0 ||
		    write_file_replace(st, "", 0, 0644) < 0)
			goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *to = xasprintf("%s/%s", *dir, f[i].name);
		cleanup_free char *text = NULL;
		size_t len = 0;
		int r = f[i].from ? read_file(f[i].from, 64u << 20, &text, &len)
				  : 0;
		if (r < 0 || write_file_replace(to, text ? text : "", len,
						f[i].mode) < 0) {
			errno = r < 0 ? -r : errno;
			goto fail;
		}
	}
	return 0;
fail:
	*cause = xasprintf("cannot stage paks's files in %s: %s", *dir,
			   strerror(errno));
	return -1;
}

/* The container the session SESSION_ID fills the volume through. */
static char *fill_name(const char *session_id)
{
	return xasprintf("paks-fill-%s", session_id);
}

char *remote_fill_left(const char *runtime_dir, const char *session_id)
{
	cleanup_free char *staged = staged_dir(runtime_dir);

	return path_is_dir(staged) ? fill_name(session_id) : NULL;
}

/* Fill the volume (the engine makes it when first named) with the staged
 * files: through a container of the session's that mounts it, created
 * and never started.  The stamp goes last, in a copy of its own: a volume
 * that has it is whole and is left as it is, since sessions of other
 * users or machines may be running from it. */
static int fill_volume(const struct session *s, const char *dir, char **cause)
{
	cleanup_free char *fill = fill_name(s->session_id);
	cleanup_free char *mnt =
	    xasprintf("--volume=%s:/paks:nocopy", s->volume);
	cleanup_free char *from = xasprintf("%s/.", dir);
	cleanup_free char *to = xasprintf("%s:/paks", fill);
	cleanup_free char *sdir = stamp_dir(dir);
	cleanup_free char *stamp_from = xasprintf("%s/%s", sdir, STAMP);
	cleanup_free char *stamp_at = xasprintf("%s:/paks/%s", fill, STAMP);
	const char *img = s->image_id ? s->image_id : s->image;
	const char *ctr[] = {"create",	   "--name",
			     fill,	   "--network=none",
			     "--user=0:0", "--entrypoint=/paks/paks-launch",
			     mnt,	   img,
			     NULL};
	const char *has[] = {"cp", stamp_at, "-", NULL};
	const char *cp[] = {"cp", from, to, NULL};
	const char *cp_stamp[] = {"cp", stamp_from, to, NULL};
	const char *rm[] = {"rm", "--force", fill, NULL};
	int r;

	if (engine_do(s, ctr, NULL, cause) < 0)
		return -1;
	r = engine_do(s, has, NULL, NULL);
	if (r == 0)
		log_debug("the volume %s is whole already", s->volume);
	else
		r = engine_do(s, cp, NULL, cause) < 0 ||
			    engine_do(s, cp_stamp, NULL, cause) < 0
			? -1
			: 0;
	(void)engine_do(s, rm, NULL, NULL);
	return r;
}

void remote_fill_remove(const struct session *s)
{
	cleanup_free char *fill = NULL;
	struct strv argv = {0};

	if (!s->runtime_dir || !s->eng.engine->is_remote)
		return;
	fill = remote_fill_left(s->runtime_dir, s->session_id);
	if (!fill)
		return;
	engine_argv(&s->eng, &argv);
	strv_push(&argv, "rm");
	strv_push(&argv, "--force");
	strv_push(&argv, fill);
	(void)proc_run_detached(argv.v);
	strv_free(&argv);
}

/* Where the engine finds the volume on its machine (malloc'd), or NULL
 * with *cause. */
static char *volume_path(const struct session *s, char **cause)
{
	const char *args[] = {"volume", "inspect", "--format={{.Mountpoint}}",
			      s->volume, NULL};
	struct buf out = {0};
	char *path = NULL;

	if (engine_do(s, args, &out, cause) == 0) {
		if (out.len > 0 && out.data[0] == '/')
			path = xasprintf("%.*s", (int)strcspn(out.data, "\r\n"),
					 out.data);
		else
			*cause = xstrdup("the engine gave no path");
	}
	buf_free(&out);
	return path;
}

/* The mark of a filled volume on the engine the session points at; it
 * holds the seccomp profile's path there. */
static char *filled_path(const struct session *s)
{
	cleanup_free char *dir = paks_cache_dir("remote");
	cleanup_free char *scope = image_cache_scope(s);
	char key[17];

	image_cache_key(scope, s->volume, key);
	return xasprintf("%s/%s", dir, key);
}

/* The volume was filled by an earlier session: 1 (with the profile's
 * path on the engine), else 0. */
static int filled_load(struct session *s)
{
	cleanup_free char *path = filled_path(s);
	cleanup_free char *text = NULL;
	size_t len = 0;

	if (read_file(path, PATH_MAX, &text, &len) < 0)
		return 0;
	if (seccomp_in_volume(s)) {
		if (len == 0 || text[0] != '/' || memchr(text, '\0', len))
			return 0;
		free(s->seccomp_on_engine);
		s->seccomp_on_engine = steal_ptr(&text);
	}
	return 1;
}

static void filled_save(const struct session *s)
{
	cleanup_free char *path = filled_path(s);
	cleanup_free char *dir = paks_cache_dir("remote");
	const char *p = s->seccomp_on_engine ? s->seccomp_on_engine : "";

	if (mkdir_p(dir, 0700) == 0)
		(void)write_file_atomic(path, p, strlen(p), 0600);
}

/* The volumes of paks's files that other builds of paks filled on the
 * engine, removed once this one's is filled, so that upgrades and
 * rebuilds do not pile them up.  The engine keeps one that a container
 * still mounts; a session that starts on one removed finds its files
 * lost and fills it again (remote_files_lost). */
static void drop_other_volumes(const struct session *s)
{
	const char *ls[] = {"volume",
			    "ls",
			    "--quiet",
			    "--filter",
			    "name=" PAKS_FILES_VOLUME_PREFIX,
			    NULL};
	struct buf out = {0};
	char *save = NULL;

	if (engine_do(s, ls, &out, NULL) < 0 || !out.data) {
		buf_free(&out);
		return;
	}
	for (char *v = strtok_r(out.data, "\r\n", &save); v;
	     v = strtok_r(NULL, "\r\n", &save)) {
		const char *rm[] = {"volume", "rm", v, NULL};
		if (!str_has_prefix(v, PAKS_FILES_VOLUME_PREFIX) ||
		    str_eq(v, s->volume))
			continue;
		if (engine_do(s, rm, NULL, NULL) == 0)
			log_debug("removed %s, another paks's files", v);
	}
	buf_free(&out);
}

static int fill(struct session *s, const struct vol_file *f, size_t n,
		char **cause)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *vol = NULL;

	if (stage(s, f, n, &dir, cause) < 0)
		return -1;
	if (fill_volume(s, dir, cause) < 0)
		return -1;
	(void)rm_rf(dir);
	{
		cleanup_free char *sdir = stamp_dir(dir);
		(void)rm_rf(sdir);
	}
	if (seccomp_in_volume(s)) {
		vol = volume_path(s, cause);
		if (!vol)
			return -1;
		free(s->seccomp_on_engine);
		s->seccomp_on_engine = xasprintf("%s/%s", vol, SECCOMP_NAME);
	}
	filled_save(s);
	drop_other_volumes(s);
	return 0;
}

int remote_prepare(struct session *s, char **cause)
{
	struct vol_file f[4];
	size_t n;
	char *why = NULL;
	int r = 0;

	if (!s->remote)
		return 0;
	if (s->over_ssh)
		(void)ssh_share_start(s);
	n = vol_files(s, f);
	free(s->volume);
	s->volume = volume_name(f, n, &why);
	if (!s->volume) {
		r = -1;
	} else if (!s->files_lost && filled_load(s)) {
		/* The engine may have lost it since: the start tells
		 * (session_try_remote). */
		s->probing = true;
	} else {
		r = fill(s, f, n, &why);
	}
	vol_files_free(f, n);
	if (r == 0)
		return 0;
	*cause = xasprintf("cannot put paks's launcher in a volume of the "
			   "%s engine: %s",
			   s->eng.engine->name, why ? why : "it failed");
	free(why);
	return -1;
}

bool remote_files_lost(const struct session *s)
{
	cleanup_free char *launcher =
	    xasprintf("%s/paks-launch", PAKS_CONTAINER_DIR);

	/* Not found, as runc and crun say it: not an exec format error. */
	return (engine_err_says(s, launcher) &&
		engine_err_says(s, "such file or directory")) ||
	       (s->seccomp_on_engine &&
		engine_err_says(s, s->seccomp_on_engine));
}

void remote_forget_files(struct session *s)
{
	cleanup_free char *path = NULL;

	if (!s->volume)
		return;
	/* The next fill does not trust the mark, even one it cannot
	 * remove. */
	s->files_lost = true;
	path = filled_path(s);
	(void)unlink(path);
}

void remote_new_start(struct session *s)
{
	if (!s->remote)
		return;
	free(s->cidfile);
	s->cidfile = xasprintf("%s/cid-%u", s->runtime_dir, ++s->starts);
}

void remote_run_argv(const struct session *s, struct strv *argv)
{
	/* The engine client writes it once the container exists: the
	 * bridge's first exec waits for that, not for a failed one. */
	if (s->cidfile)
		strv_pushf(argv, "--cidfile=%s", s->cidfile);
	/* One mount: the shell loads the preload from it too
	 * (container_lib), as the volume is not on the noexec /dev and its
	 * root is open to every user. */
	strv_pushf(argv, "--volume=%s:%s:ro,nocopy", s->volume,
		   PAKS_CONTAINER_DIR);
}

#define BRIDGE_USER STR(PAKS_BRIDGE_UID) ":" STR(PAKS_BRIDGE_UID)
#define STR(x)	    STR_(x)
#define STR_(x)	    #x

/* What the bridge runs, as the user above. */
static char *const bridge_cmd[] = {PAKS_CONTAINER_DIR "/paks-launch",
				   "--paks-bridge", NULL};

/* Start one bridge through the engine's API, which needs no CLI (some
 * 20 ms of CPU beside the container's start): its pid, 0 when the
 * container is not running yet, -1 when the API cannot (then the CLI is
 * used from now on). */
static pid_t bridge_by_api(struct session *s, int local)
{
	pid_t pid;
	int r;

	if (!s->eng.engine->api_exec)
		s->bridge_by_cli = true;
	if (s->bridge_by_cli)
		return -1;
	log_debug("starting a bridge through the engine's API");
	r = s->eng.engine->api_exec(&s->eng, s->container, BRIDGE_USER,
				    bridge_cmd, local, &pid);
	if (r < 0) {
		log_debug("the engine's API cannot start the bridge: its CLI "
			  "does");
		s->bridge_by_cli = true;
	}
	return r == 0 ? pid : r == 1 ? 0 : -1;
}

/* The same through the engine's CLI, `exec --interactive`. */
static pid_t bridge_by_cli(const struct session *s, int local)
{
	struct strv argv = {0};
	struct proc p;
	struct proc_opts o = {.own_group = true,
			      .in_fd = local,
			      .out = PROC_FD,
			      .out_fd = local,
			      .err = PROC_NULL};
	int r;

	engine_argv(&s->eng, &argv);
	strv_push(&argv, "exec");
	strv_push(&argv, "--interactive");
	strv_push(&argv, "--user=" BRIDGE_USER);
	strv_push(&argv, s->container);
	for (size_t i = 0; bridge_cmd[i]; i++)
		strv_push(&argv, bridge_cmd[i]);
	log_debug("starting a bridge");
	r = proc_start(&p, argv.v, &o);
	strv_free(&argv);
	return r < 0 ? -1 : p.pid;
}

/* Start one bridge: its pid, with *mine paks's end of its stream; 0 when
 * the container is not running yet; -1. */
static pid_t bridge_start(struct session *s, int *mine)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = bridge_by_api(s, sv[1]);
	if (pid < 0 && s->bridge_by_cli)
		pid = bridge_by_cli(s, sv[1]);
	close(sv[1]);
	if (pid <= 0) {
		close(sv[0]);
		return pid;
	}
	*mine = sv[0];
	return pid;
}

/* Wait for the bridge's hello: 1 when it came, 0 when the bridge ended
 * without it (the container was not running yet), -1 when the engine is
 * gone. */
static int bridge_hello(int fd, pid_t engine, bool (*gone)(pid_t))
{
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		char c;
		ssize_t n;
		if (poll(&p, 1, 100) == 0) {
			if (gone(engine))
				return -1;
			continue;
		}
		n = recv(fd, &c, 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n == 1 && c == PAKS_BRIDGE_HELLO ? 1 : 0;
	}
}

/* Wait until the engine client has written the container's id: 0, or -1
 * when the engine is gone first. */
static int container_made(const struct session *s, pid_t engine,
			  bool (*gone)(pid_t))
{
	struct timespec pause = {0, 5 * 1000 * 1000};
	struct stat st;

	while (s->cidfile && (stat(s->cidfile, &st) < 0 || st.st_size == 0)) {
		if (gone(engine))
			return -1;
		nanosleep(&pause, NULL);
	}
	return 0;
}

int remote_bridge(struct session *s, pid_t engine, bool (*gone)(pid_t),
		  int *conn)
{
	struct timespec pause = {0, 10 * 1000 * 1000};
	uint64_t end = monotonic_ms() + PAKS_BRIDGE_WAIT_MS;

	*conn = -1;
	if (container_made(s, engine, gone) < 0)
		return -1;
	/* A bridge ends before its hello when the container has not started
	 * yet, or when the rendezvous is not the launcher's (in a fast
	 * start, a process of the container may have put its own there):
	 * not for longer than the launcher waits for it. */
	while (!gone(engine) && monotonic_ms() < end) {
		int fd, r;
		pid_t pid = bridge_start(s, &fd);
		if (pid < 0)
			return -1;
		if (pid == 0) {
			nanosleep(&pause, NULL);
			continue;
		}
		r = bridge_hello(fd, engine, gone);
		log_debug("the bridge %s", r == 1 ? "is up"
					   : r == 0
					       ? "ended before its hello"
					       : "stops: the engine ended");
		if (r == 1) {
			*conn = fd;
			return 0;
		}
		close(fd);
		proc_stop(pid, SIGTERM, 1000);
		if (r < 0)
			break;
		nanosleep(&pause, NULL);
	}
	return -1;
}

/* The mark of an engine, as the user points at it, that could not see
 * this machine's files. */
static char *known_path(const struct session *s)
{
	cleanup_free char *dir = paks_cache_dir("remote");
	cleanup_free char *scope = image_cache_scope(s);
	char key[17];

	image_cache_key(scope, "remote", key);
	return xasprintf("%s/%s", dir, key);
}

bool remote_known(const struct session *s)
{
	cleanup_free char *path = known_path(s);

	return access(path, F_OK) == 0;
}

void remote_remember(const struct session *s)
{
	cleanup_free char *path = known_path(s);
	cleanup_free char *dir = paks_cache_dir("remote");

	if (mkdir_p(dir, 0700) == 0)
		(void)write_file_atomic(path, "", 0, 0600);
}
