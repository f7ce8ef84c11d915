/* SPDX-License-Identifier: MIT */
/*
 * An engine that cannot see this machine's files: docker over tcp or ssh,
 * a docker context elsewhere, podman remote, an engine in a VM.  Nothing
 * may depend on a bind mount of a host path or a host socket there.
 *
 * The launcher and the preload travel in a volume of the engine's own,
 * made for the session: paks copies them into it through the engine's
 * copy API (a created, never started container that mounts it), and the
 * session's container mounts it read-only where a local session mounts
 * the runtime directory.  A volume is never part of the container's layer,
 * so nothing of paks reaches a saved image.  It is removed when the
 * session ends.
 *
 * The session's bytes travel through the engine's exec API: paks runs
 * `ENGINE exec -i CONTAINER /dev/.paks/paks-launch --paks-bridge` with
 * one end of a socketpair as its stdin and stdout, and keeps the other
 * end, which from then on is the session's connection exactly as the
 * accepted socket of a local session (preload/launch-bridge.c has the
 * container's side).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "engine.h"
#include "image-cache.h"
#include "log.h"
#include "paks-protocol.h"
#include "proc.h"
#include "remote.h"
#include "session.h"

/* Run ENGINE ARGS... quietly: 0, or -1 with *cause the engine's reason. */
static int engine_do(const struct session *s, const char *const *args,
		     char **cause)
{
	struct strv argv = {0};
	struct buf out = {0}, err = {0};
	int r;

	engine_argv(&s->eng, &argv);
	for (; *args; args++)
		strv_push(&argv, *args);
	r = proc_capture(argv.v, &out, &err);
	if (r != 0 && cause) {
		char *why = engine_unreachable(&err);
		*cause = why ? why : engine_error_line(&err);
	}
	strv_free(&argv);
	buf_free(&out);
	buf_free(&err);
	return r == 0 ? 0 : -1;
}

#define SECCOMP_NAME "seccomp.json"

/* The engine reads the seccomp profile on its own machine: it goes in
 * the volume, whose path there the engine tells. */
static bool seccomp_in_volume(const struct session *s)
{
	return s->seccomp_profile && s->eng.engine->seccomp_path_on_engine;
}

/* The volume's files, staged in the runtime directory: the launcher, the
 * preload and the mark that tells the launcher to wait for the bridge. */
static int stage(const struct session *s, char **dir, char **cause)
{
	const char *files[] = {"paks-launch",
			       PAKS_LIB_SUBDIR "/" PAKS_PRELOAD_NAME};
	const char *names[] = {"paks-launch", PAKS_PRELOAD_NAME};

	*dir = xasprintf("%s/volume", s->runtime_dir);
	if (mkdir(*dir, 0755) < 0)
		goto fail;
	for (int i = 0; i < 2; i++) {
		cleanup_free char *from =
		    xasprintf("%s/%s", s->runtime_dir, files[i]);
		cleanup_free char *to = xasprintf("%s/%s", *dir, names[i]);
		if (link(from, to) < 0)
			goto fail;
	}
	{
		cleanup_free char *mark =
		    xasprintf("%s/%s", *dir, PAKS_BRIDGE_MARK);
		if (write_file_replace(mark, "", 0, 0644) < 0)
			goto fail;
	}
	if (seccomp_in_volume(s)) {
		cleanup_free char *to = xasprintf("%s/%s", *dir, SECCOMP_NAME);
		cleanup_free char *text = NULL;
		size_t len = 0;
		int r = read_file(s->seccomp_profile, 16u << 20, &text, &len);
		if (r < 0 || write_file_replace(to, text, len, 0644) < 0) {
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

/* Create the volume and copy the staged files into it: through a
 * container that mounts it, created and never started. */
static int fill_volume(const struct session *s, const char *dir, char **cause)
{
	cleanup_free char *fill = xasprintf("%s-fill", s->volume);
	cleanup_free char *mnt = xasprintf("--volume=%s:/paks", s->volume);
	cleanup_free char *from = xasprintf("%s/.", dir);
	cleanup_free char *to = xasprintf("%s:/paks", fill);
	const char *img = s->image_id ? s->image_id : s->image;
	const char *ctr[] = {"create",	   "--name",
			     fill,	   "--network=none",
			     "--user=0:0", "--entrypoint=/paks/paks-launch",
			     mnt,	   img,
			     NULL};
	const char *cp[] = {"cp", from, to, NULL};
	const char *rm[] = {"rm", "--force", fill, NULL};
	int r;

	/* The create makes the named volume. */
	if (engine_do(s, ctr, cause) < 0)
		return -1;
	r = engine_do(s, cp, cause);
	(void)engine_do(s, rm, NULL);
	return r;
}

/* Where the engine finds the profile in the volume, on its machine. */
static int seccomp_where(struct session *s, char **cause)
{
	struct strv argv = {0};
	struct buf out = {0}, err = {0};
	int r;

	if (!seccomp_in_volume(s))
		return 0;
	engine_argv(&s->eng, &argv);
	strv_push(&argv, "volume");
	strv_push(&argv, "inspect");
	strv_push(&argv, "--format={{.Mountpoint}}");
	strv_push(&argv, s->volume);
	r = proc_capture(argv.v, &out, &err);
	if (r == 0 && out.len > 0 && out.data[0] == '/') {
		free(s->seccomp_profile);
		s->seccomp_profile =
		    xasprintf("%.*s/%s", (int)strcspn(out.data, "\r\n"),
			      out.data, SECCOMP_NAME);
	} else {
		*cause = engine_error_line(&err);
		r = -1;
	}
	strv_free(&argv);
	buf_free(&out);
	buf_free(&err);
	return r == 0 ? 0 : -1;
}

/* The session's volume: named as its container is by default. */
static char *volume_name(const char *id)
{
	return xasprintf("paks-%s", id);
}

int remote_prepare(struct session *s, char **cause)
{
	cleanup_free char *dir = NULL;
	char *why = NULL;

	if (!s->remote)
		return 0;
	s->volume = volume_name(s->session_id);
	if (stage(s, &dir, cause) < 0)
		return -1;
	if (fill_volume(s, dir, &why) == 0 && seccomp_where(s, &why) == 0)
		return 0;
	*cause = xasprintf("cannot put paks's launcher in a volume of the "
			   "%s engine: %s",
			   s->eng.engine->name, why ? why : "it failed");
	free(why);
	remote_remove(s);
	return -1;
}

void remote_run_argv(const struct session *s, struct strv *argv)
{
	strv_pushf(argv, "--volume=%s:%s:ro", s->volume, PAKS_CONTAINER_DIR);
	strv_pushf(argv, "--volume=%s:%s:ro", s->volume, PAKS_LIB_DIR_CTR);
}

static int volume_rm(const struct session *s)
{
	struct strv argv = {0};
	int r;

	engine_argv(&s->eng, &argv);
	strv_push(&argv, "volume");
	strv_push(&argv, "rm");
	strv_push(&argv, "--force");
	strv_push(&argv, s->volume);
	r = proc_run_detached(argv.v);
	strv_free(&argv);
	return r;
}

char *remote_staged_volume(const char *runtime_dir, const char *id)
{
	cleanup_free char *staged = xasprintf("%s/volume", runtime_dir);
	struct stat st;

	if (lstat(staged, &st) < 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return volume_name(id);
}

void remote_remove(struct session *s)
{
	/* A copy of the session made before paks found the engine remote
	 * (the guard's) knows it by the staged files. */
	if (!s->volume && s->runtime_dir)
		s->volume = remote_staged_volume(s->runtime_dir, s->session_id);
	if (!s->volume)
		return;
	/* A volume in use stays: when the engine client could not remove
	 * the container, paks does, and tries again. */
	if (volume_rm(s) != 0 && s->container) {
		container_remove(s);
		volume_rm(s);
	}
	free(s->volume);
	s->volume = NULL;
}

/* Start one bridge: its pid, with *mine paks's end of its stream. */
static pid_t bridge_start(const struct session *s, int *mine)
{
	struct strv argv = {0};
	struct proc p;
	struct proc_opts o = {
	    .own_group = true, .out = PROC_FD, .err = PROC_NULL};
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	engine_argv(&s->eng, &argv);
	strv_push(&argv, "exec");
	strv_push(&argv, "--interactive");
	strv_push(&argv, "--user=0:0");
	strv_push(&argv, s->container);
	strv_pushf(&argv, "%s/paks-launch", PAKS_CONTAINER_DIR);
	strv_push(&argv, "--paks-bridge");
	o.in_fd = o.out_fd = sv[1];
	r = proc_start(&p, argv.v, &o);
	strv_free(&argv);
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		return -1;
	}
	*mine = sv[0];
	return p.pid;
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

int remote_bridge(struct session *s, pid_t engine, bool (*gone)(pid_t),
		  int *conn)
{
	struct timespec pause = {0, 10 * 1000 * 1000};

	*conn = -1;
	while (!gone(engine)) {
		int fd, r;
		pid_t pid = bridge_start(s, &fd);
		if (pid < 0)
			return -1;
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
