/* SPDX-License-Identifier: MIT */
/*
 * An exec into a running container through dockerd's API, without the
 * docker CLI: create it (POST /containers/NAME/exec), start it with the
 * connection upgraded to a raw stream (POST /exec/ID/start), and carry
 * bytes between that stream and a local socket in a child process, as
 * `docker exec -i` would between its stdin and stdout.  The exec has no
 * TTY, so what comes back is in frames (docker_mux_feed); what goes in
 * is raw.  The CLI is a Go program that takes some 20 ms of CPU to
 * start; on an engine that shares this machine's CPUs (a VM, the tests'
 * remote dockerd) that is time taken from the container's own start.
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "docker-api.h"
#include "docker-exec.h"
#include "proc.h"
#include "util.h"

#define EXEC_TIMEOUT_MS 10000
/* Bytes held for a side that does not read: then the other is not read
 * either. */
#define PENDING_MAX (256u << 10)

/* POST /containers/NAME/exec: 0 with *id, 1 when the container is not
 * running (yet), -1 for anything else. */
static int exec_create(const char *endpoint, const char *container,
		       const char *user, char *const cmd[], char **id)
{
	json_t *req = json_pack(
	    "{s:b, s:b, s:b, s:b, s:s, s:[]}", "AttachStdin", 1, "AttachStdout",
	    1, "AttachStderr", 1, "Tty", 0, "User", user, "Cmd");
	json_t *arr = req ? json_object_get(req, "Cmd") : NULL;
	struct docker_api_response r;
	struct buf path = {0};
	char *body = NULL;
	int ret = -1;

	for (size_t i = 0; arr && cmd[i]; i++)
		json_array_append_new(arr, json_string(cmd[i]));
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	buf_printf(&path, "/containers/%s/exec", container);
	if (body && docker_api_post(endpoint, path.data, body, EXEC_TIMEOUT_MS,
				    &r) == 0) {
		json_t *ans = r.status == 201
				  ? json_loadb(r.body.data, r.body.len, 0, NULL)
				  : NULL;
		const char *v = json_string_value(json_object_get(ans, "Id"));
		if (v && *v && strspn(v, "0123456789abcdef") == strlen(v)) {
			*id = xstrdup(v);
			ret = 0;
		} else if (r.status == 409) {
			ret = 1;
		}
		json_decref(ans);
		docker_api_response_free(&r);
	}
	free(body);
	buf_free(&path);
	return ret;
}

/* One direction's bytes not yet written. */
struct pending {
	struct buf b;
	size_t off;
};

static size_t pending_len(const struct pending *p)
{
	return p->b.len - p->off;
}

/* Write what is pending to fd: 0, or -1 when fd is gone. */
static int pending_flush(struct pending *p, int fd)
{
	while (pending_len(p) > 0) {
		ssize_t w = send(fd, p->b.data + p->off, pending_len(p),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w < 0)
			return -1;
		p->off += (size_t)w;
	}
	buf_free(&p->b);
	p->off = 0;
	return 0;
}

/* The child, as the CLI it stands for: dies with paks, in a process
 * group of its own, which signals to paks's do not reach, and SIGTERM
 * ends it. */
static void relay_setup(pid_t parent)
{
	if (proc_die_with_parent(parent) < 0)
		_exit(1);
	prctl(PR_SET_NAME, "paks-exec", 0, 0, 0);
	setpgid(0, 0);
	proc_default_signals();
	signal(SIGPIPE, SIG_IGN);
}

/* The child: stream <-> local until either ends. */
static void __attribute__((noreturn))
relay(int stream, int local, struct buf *early, pid_t parent)
{
	struct pending to_local = {0}, to_stream = {0};
	struct docker_mux mux = {0};
	bool local_open = true;
	char chunk[16384];

	relay_setup(parent);
	if (docker_mux_feed(&mux, early->data, early->len, &to_local.b) < 0)
		_exit(1);
	for (;;) {
		/* A local end that has hung up would wake poll for ever. */
		struct pollfd p[2] = {
		    {stream, 0, 0},
		    {local_open || pending_len(&to_local) ? local : -1, 0, 0}};
		if (pending_len(&to_local) < PENDING_MAX)
			p[0].events |= POLLIN;
		if (pending_len(&to_stream) > 0)
			p[0].events |= POLLOUT;
		if (local_open && pending_len(&to_stream) < PENDING_MAX)
			p[1].events |= POLLIN;
		if (pending_len(&to_local) > 0)
			p[1].events |= POLLOUT;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(stream, chunk, sizeof(chunk));
			if (n == 0 ||
			    (n < 0 && errno != EINTR && errno != EAGAIN))
				break;
			if (n > 0 && docker_mux_feed(&mux, chunk, (size_t)n,
						     &to_local.b) < 0)
				_exit(1);
		}
		if (local_open && (p[1].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(local, chunk, sizeof(chunk));
			if (n > 0) {
				buf_append(&to_stream.b, chunk, (size_t)n);
			} else if (n == 0 ||
				   (errno != EINTR && errno != EAGAIN)) {
				/* paks has hung up: the exec's stdin
				 * ends (below, once what is pending is
				 * written), its output is still read. */
				local_open = false;
			}
		}
		if (pending_flush(&to_stream, stream) < 0 ||
		    pending_flush(&to_local, local) < 0)
			break;
		if (!local_open && pending_len(&to_stream) == 0)
			shutdown(stream, SHUT_WR);
	}
	/* What the exec said last still reaches paks. */
	(void)fcntl(local, F_SETFL, fcntl(local, F_GETFL) & ~O_NONBLOCK);
	if (pending_len(&to_local) > 0)
		(void)write_all(local, to_local.b.data + to_local.off,
				pending_len(&to_local));
	_exit(0);
}

int docker_exec_start(const char *endpoint, const char *container,
		      const char *user, char *const cmd[], int local,
		      pid_t *pid)
{
	struct buf path = {0}, early = {0};
	char *id = NULL;
	pid_t parent = getpid();
	int r = exec_create(endpoint, container, user, cmd, &id);
	int stream;

	if (r != 0)
		return r;
	buf_printf(&path, "/exec/%s/start", id);
	free(id);
	stream = docker_api_upgrade(endpoint, path.data,
				    "{\"Detach\":false,\"Tty\":false}",
				    EXEC_TIMEOUT_MS, &early);
	buf_free(&path);
	if (stream < 0) {
		buf_free(&early);
		return -1;
	}
	*pid = fork();
	if (*pid == 0) {
		/* Nothing of paks's but the two ends stays open. */
		proc_keep_fds(stream, local);
		relay(stream, local, &early, parent);
	}
	close(stream);
	buf_free(&early);
	return *pid < 0 ? -1 : 0;
}
