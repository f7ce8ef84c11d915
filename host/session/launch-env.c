/* SPDX-License-Identifier: MIT */
/*
 * The launch handshake, paks's side (paks-protocol.h has the contract,
 * preload/launch.c the launcher's side).  Each start gets a fresh socket in
 * the runtime directory; the launcher connects while it is the container's
 * only process.  Once the start stands (launch_go), paks accepts that one
 * connection, removes the socket, sends the shell's environment (the
 * image's variables, what a shell needs, the user's -e values and the paks
 * variables) and the launcher's controls, and reads its report: the verdict
 * on the shell and the ids of the shell's user.  Nothing of this is a file
 * the container could write, replace or read later.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "container.h"
#include "engine.h"
#include "engine-err.h"
#include "launch-env.h"
#include "log.h"
#include "paks-protocol.h"
#include "remote.h"
#include "session.h"
#include "rootfs.h"
#include "transport.h"

extern char **environ;

/* The user the shell runs as: the one asked for, else the image's own. */
static const char *run_user(const struct session *s)
{
	const char *img =
	    json_string_value(json_object_get(s->image_config, "User"));

	if (s->settings.user && *s->settings.user)
		return s->settings.user;
	return img && *img ? img : NULL;
}

static void record(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "%s=%s", name, value);
	buf_append(b, "", 1);
}

/* The host's environment, as ch-run passes it on (a Slurm job's SLURM_*
 * among it), but for paks's own variables and the host's preload. */
static void host_records(struct buf *b)
{
	for (char **e = environ; *e; e++) {
		if (str_has_prefix(*e, "PAKS_") ||
		    str_has_prefix(*e, "LD_PRELOAD=") || !strchr(*e, '='))
			continue;
		buf_append(b, *e, strlen(*e) + 1);
	}
}

/* The shell's environment: the image's variables, what a shell needs, the
 * user's -e values, and the paks variables. */
static void env_records(const struct session *s, struct buf *b)
{
	json_t *env = json_object_get(s->image_config, "Env");
	const char *term = getenv("TERM");
	bool has_path = false;
	size_t i;
	json_t *v;

	if (s->eng.engine->host_env)
		host_records(b);
	json_array_foreach(env, i, v)
	{
		const char *kv = json_string_value(v);
		if (!kv || !strchr(kv, '='))
			continue;
		has_path |= str_has_prefix(kv, "PATH=");
		buf_append(b, kv, strlen(kv) + 1);
	}
	if (!has_path)
		record(b, "PATH",
		       "/usr/local/sbin:/usr/local/bin:"
		       "/usr/sbin:/usr/bin:/sbin:/bin");
	record(b, "TERM", term && *term ? term : "xterm");
	for (i = 0; i < s->user_env.n; i++)
		buf_append(b, s->user_env.v[i], strlen(s->user_env.v[i]) + 1);
	record(b, PAKS_ENV_DIR, container_dir(s));
	record(b, "PAKS_SESSION", s->session_id);
	if (s->mode == MODE_PRELOAD) {
		cleanup_free char *pre =
		    xasprintf("%s/%s", container_lib(s), PAKS_PRELOAD_NAME);
		record(b, "LD_PRELOAD", pre);
	}
}

/* The launcher's controls: from paks alone, never from a variable. */
static void ctl_records(const struct session *s, struct buf *b)
{
	if (run_user(s))
		record(b, PAKS_CTL_USER, run_user(s));
	if (s->mode == MODE_PRELOAD)
		record(b, PAKS_CTL_CHANNEL, "1");
	if (s->entrypoint_words > 0) {
		char n[16];
		snprintf(n, sizeof(n), "%d", s->entrypoint_words);
		record(b, PAKS_CTL_ENTRYPOINT, n);
	}
	if (s->check_shell) {
		record(b, PAKS_CTL_CHECK, s->shell);
		if (s->shell_default)
			record(b, PAKS_CTL_FALLBACK, "1");
		/* Without a terminal the mode makes no difference (the
		 * engine runs as in preload mode): never start again. */
		if (s->mode_auto && isatty(0))
			record(b, PAKS_CTL_AUTO, "1");
	}
}

int launch_open(struct session *s, char **cause)
{
	int fd;

	/* A fresh socket for every start: nothing of an earlier one
	 * stays. */
	launch_close(s);
	fd = transport_listen(s->runtime_dir);
	if (fd < 0) {
		*cause = xasprintf("cannot listen in %s: %s", s->runtime_dir,
				   strerror(-fd));
		return -1;
	}
	s->launch_fd = fd;
	s->launch_go = false;
	remote_new_start(s);
	return 0;
}

void launch_go(struct session *s)
{
	s->launch_go = s->launch_fd >= 0;
}

void launch_close(struct session *s)
{
	if (s->launch_fd >= 0)
		transport_unlisten(s->launch_fd, s->runtime_dir);
	s->launch_fd = -1;
	s->launch_go = false;
}

int launch_report_parse(const char *p, size_t len, char **verdict, char **ids)
{
	*verdict = *ids = NULL;
	if (len > PAKS_REPORT_MAX)
		return -1;
	for (size_t i = 0; i < len;) {
		const char *rec = p + i;
		size_t n = strnlen(rec, len - i);
		char **slot = NULL;
		size_t klen = 0;
		if (n == len - i)
			break; /* unterminated: ignore */
		if (str_has_prefix(rec, PAKS_REP_VERDICT "="))
			slot = verdict, klen = strlen(PAKS_REP_VERDICT) + 1;
		else if (str_has_prefix(rec, PAKS_REP_IDS "="))
			slot = ids, klen = strlen(PAKS_REP_IDS) + 1;
		if (slot && !*slot)
			*slot = xstrdup(rec + klen);
		i += n + 1;
	}
	/* Ids are numbers, UID:GID. */
	if (*ids) {
		size_t n = strspn(*ids, "0123456789");
		if (n == 0 || (*ids)[n] != ':' ||
		    strspn(*ids + n + 1, "0123456789") == 0 ||
		    (*ids)[n + 1 + strspn(*ids + n + 1, "0123456789")]) {
			free(*ids);
			*ids = NULL;
		}
	}
	return 0;
}

#define FAST_WORDS_MAX (64u << 10)

/* Each of B's NUL-ended records as a word, after PREFIX. */
static void push_records(struct strv *argv, const char *prefix,
			 const struct buf *b)
{
	for (size_t i = 0; i < b->len; i += strlen(b->data + i) + 1)
		strv_pushf(argv, "%s%s", prefix, b->data + i);
}

bool launch_fast_argv(const struct session *s, struct strv *argv)
{
	struct buf env = {0}, ctl = {0};
	bool fast = s->remote && !s->check_shell && s->entrypoint_words == 0 &&
		    s->user_env.n == 0;

	if (!fast)
		return false;
	env_records(s, &env);
	ctl_records(s, &ctl);
	/* Each word counts twice against the engine's exec limits (as
	 * argument here, in the environment there): a big one waits. */
	fast = env.len + ctl.len <= FAST_WORDS_MAX;
	if (fast) {
		strv_push(argv, PAKS_LAUNCH_FAST);
		push_records(argv, "e:", &env);
		push_records(argv, "c:", &ctl);
		strv_push(argv, "--");
	}
	buf_free(&env);
	buf_free(&ctl);
	return fast;
}

/* Send the environment (in frames of at most PAKS_FRAME_MAX) and GO. */
static int send_launch(const struct session *s, int conn)
{
	struct buf env = {0}, ctl = {0};
	size_t off = 0;
	int r = 0;

	env_records(s, &env);
	ctl_records(s, &ctl);
	while (r == 0 && off < env.len) {
		size_t n = env.len - off > PAKS_FRAME_MAX ? PAKS_FRAME_MAX
							  : env.len - off;
		r = proto_write(conn, PAKS_MSG_ENV, env.data + off, n);
		off += n;
	}
	if (r == 0)
		r = proto_write(conn, PAKS_MSG_GO, ctl.data, ctl.len);
	buf_free(&env);
	buf_free(&ctl);
	return r;
}

/* Has the engine ended (without reaping it), or did TERM or HUP come? */
bool launch_engine_gone(pid_t engine)
{
	siginfo_t si = {0};
	sigset_t pending;

	if (waitid(P_PID, (id_t)engine, &si, WEXITED | WNOHANG | WNOWAIT) ==
		0 &&
	    si.si_pid == engine)
		return true;
	return sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) ||
					     sigismember(&pending, SIGHUP));
}

/* Read exactly N bytes from the launcher, for as long as the engine is
 * there.  0, or -1. */
static int read_exact(int fd, void *buf, size_t n, pid_t engine)
{
	char *p = buf;

	while (n > 0) {
		struct pollfd pf = {fd, POLLIN, 0};
		ssize_t r;
		if (poll(&pf, 1, 100) == 0) {
			if (launch_engine_gone(engine))
				return -1;
			continue;
		}
		r = recv(fd, p, n, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read the launcher's REPORT: exactly its frame, nothing after it (the
 * shell's requests follow on the same connection).  0, or -1. */
static int read_report(struct session *s, int conn, pid_t engine)
{
	unsigned char hdr[PAKS_FRAME_HDR];
	cleanup_free char *p = NULL;
	uint32_t type, len;

	if (read_exact(conn, hdr, sizeof(hdr), engine) < 0 ||
	    proto_decode_header(hdr, &type, &len) < 0 ||
	    type != PAKS_MSG_REPORT || len > PAKS_REPORT_MAX)
		return -1;
	p = xmalloc(len + 1);
	if (read_exact(conn, p, len, engine) < 0)
		return -1;
	free(s->verdict);
	free(s->shell_ids);
	return launch_report_parse(p, len, &s->verdict, &s->shell_ids);
}

int launch_connect_late(struct session *s, int *conn)
{
	int fd = -1;

	if (remote_bridge(s, s->engine_pid, launch_engine_gone, &fd) < 0)
		return -1;
	if (read_report(s, fd, s->engine_pid) < 0) {
		log_debug("the keeper ended before its report");
		close(fd);
		return -1;
	}
	*conn = fd;
	return 0;
}

int launch_handshake(struct session *s, pid_t engine, int *conn)
{
	int fd = -1;

	*conn = -1;
	if (!s->launch_go) {
		/* A fast start's shell runs already: a void one is stopped. */
		if (s->fast_start)
			container_kill(s);
		return -1;
	}
	if (s->fast_start) {
		s->launch_go = false;
		s->engine_pid = engine;
		return 0;
	}
	if (s->remote && remote_bridge(s, engine, launch_engine_gone, &fd) < 0)
		fd = -2;
	/* The launcher connects when the container has started.  While
	 * waiting, look now and then whether the engine is still there:
	 * its end, or paks's own, ends the wait. */
	while (fd == -1) {
		struct pollfd p = {s->launch_fd, POLLIN, 0};
		bool gone = launch_engine_gone(engine);
		if (poll(&p, 1, gone ? 0 : 50) < 0 && errno != EINTR)
			break;
		if (p.revents & POLLIN) {
			fd = transport_accept(s->launch_fd, s->runtime_dir);
			if (fd == -EAGAIN || fd == -EINTR)
				fd = -1;
			else if (fd < 0)
				break;
			else
				s->launch_fd = -1;
		}
		if (fd < 0 && gone)
			break;
	}
	if (fd < 0) {
		launch_close(s);
		return -1;
	}
	s->launch_go = false;
	s->engine_pid = engine;
	if (s->rootfs)
		rootfs_started(s);
	if (send_launch(s, fd) < 0 || read_report(s, fd, engine) < 0) {
		log_debug("the launcher ended before its report");
		close(fd);
		return -1;
	}
	*conn = fd;
	/* The engine sees this machine: the start counts. */
	if (s->probing) {
		s->probing = false;
		engine_err_show(s);
	}
	return 0;
}
