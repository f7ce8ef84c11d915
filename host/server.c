/* SPDX-License-Identifier: MIT */
/*
 * Preload mode.  The engine runs in the foreground on the user's terminal,
 * so paks is never in the keystroke path and the shell survives if paks
 * dies.  paks waits on the session FIFO: each HELLO names a private FIFO
 * pair, and a forked worker serves that one request, so a slow #save in one
 * shell never blocks another shell, and Ctrl-C kills only that worker's
 * command.
 */
#include <sys/signalfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "log.h"
#include "paks-protocol.h"
#include "proc.h"
#include "server.h"
#include "session.h"

#define WORKER_OPEN_TIMEOUT_MS 5000

static int emit_frame(struct exec_ctx *c, uint32_t type, const void *data,
		      size_t len)
{
	int fd = *(int *)c->emit_arg;
	const char *p = data;

	/* Only output may be split over frames: a variable split in two
	 * would be cut (the executor refuses one that long before). */
	if (type != PAKS_MSG_OUT && type != PAKS_MSG_ERR &&
	    len > PAKS_FRAME_MAX)
		return -EMSGSIZE;
	do {
		size_t n = len > PAKS_FRAME_MAX ? PAKS_FRAME_MAX : len;
		int r = proto_write(fd, type, p, n);
		if (r < 0)
			return r;
		p += n;
		len -= n;
	} while (len > 0);
	return 0;
}

/* Consume decoded frames; 1 when LINE/COMPLETE arrived. */
int server_take_frames(struct worker_req *w)
{
	const unsigned char *p;
	uint32_t type, len;
	int r;

	while ((r = proto_decoder_next(&w->dec, &type, &p, &len)) == 1) {
		if (type == PAKS_MSG_CWD) {
			free(w->cwd);
			w->cwd = xasprintf("%.*s", (int)len, (const char *)p);
		} else if (type == PAKS_MSG_CANCEL) {
			w->cancelled = true;
		} else if ((type == PAKS_MSG_LINE ||
			    type == PAKS_MSG_COMPLETE) &&
			   !w->kind) {
			w->kind = type;
			w->line = xmalloc(len + 1);
			memcpy(w->line, p, len);
			w->line[len] = '\0';
			w->line_len = len;
		}
	}
	if (r < 0)
		return r;
	return w->kind != 0;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Wait in poll() for the whole request.  The worker opened .q before the
 * client, so the FIFO does not report a hangup until a writer has come and
 * gone: end of file means the client gave up. */
static int read_request(int qfd, struct worker_req *w)
{
	long long end = now_us() + WORKER_OPEN_TIMEOUT_MS * 1000LL;
	char chunk[8192];

	for (;;) {
		struct pollfd p = {qfd, POLLIN, 0};
		long long left = end - now_us();
		ssize_t n;
		int r;
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)((left + 999) / 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		n = read(qfd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		if (proto_decoder_feed(&w->dec, chunk, (size_t)n) < 0)
			return -EPROTO;
		r = server_take_frames(w);
		if (r != 0)
			return r < 0 ? r : 0;
	}
}

/* The container can write to the runtime directory: never follow a link
 * it planted there, and talk only to FIFOs. */
static int open_channel(const char *path, int flags)
{
	struct stat st;
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* The client opened its read end of .a before sending HELLO, so this
 * open does not wait; ENXIO means the client is already gone. */
static int open_answer(const char *apath)
{
	int fd = open_channel(apath, O_WRONLY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* While a command runs: a CANCEL frame, or the client closing its end,
 * means Ctrl-C. */
static int check_cancel(struct exec_ctx *c)
{
	struct worker_req *w = c->cancel_arg;
	char chunk[4096];
	ssize_t n = read(c->cancel_fd, chunk, sizeof(chunk));

	if (n == 0)
		return 1;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : 1;
	if (proto_decoder_feed(&w->dec, chunk, (size_t)n) < 0)
		return 1;
	server_take_frames(w);
	return w->cancelled;
}

static void worker_serve(struct session *s, const char *id)
{
	cleanup_free char *qpath = xasprintf("%s/%s.q", s->runtime_dir, id);
	cleanup_free char *apath = xasprintf("%s/%s.a", s->runtime_dir, id);
	struct worker_req w = {0};
	struct exec_ctx c = {0};
	unsigned char st[4];
	long long t0 = now_us();
	int qfd, afd, status;

	qfd = open_channel(qpath, O_RDONLY | O_NONBLOCK);
	if (qfd < 0)
		return;
	afd = open_answer(apath);
	if (afd < 0 || proto_write(afd, PAKS_MSG_READY, NULL, 0) < 0)
		return;
	proto_decoder_init(&w.dec);
	if (read_request(qfd, &w) < 0)
		return;
	c.s = s;
	c.cwd = w.cwd ? w.cwd : xstrdup("/");
	c.emit = emit_frame;
	c.emit_arg = &afd;
	c.cancel_fd = qfd;
	c.check_cancel = check_cancel;
	c.cancel_arg = &w;
	c.cancelled = w.cancelled;
	if (w.kind == PAKS_MSG_COMPLETE)
		status = exec_complete(&c, w.line, w.line_len);
	else
		status = exec_line(&c, w.line, w.line_len);
	proto_put_i32(st, status);
	proto_write(afd, PAKS_MSG_EXIT, st, 4);
	/* From the HELLO to the EXIT frame: the host's share of a round trip,
	 * for PAKS_DEBUG_LOG readers chasing a slow '#' command. */
	log_debug("request %s %s: status %d in %.3f ms", id, w.line, status,
		  (double)(now_us() - t0) / 1000.0);
	close(afd);
	close(qfd);
}

static pid_t start_worker(struct session *s, const char *id, int fifo_fd,
			  int sig_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	sigset_t none;

	if (pid != 0)
		return pid;
	/* A worker of a killed paks must not go on answering into a
	 * terminal that the user's shell has taken back. */
	if (proc_die_with_parent(parent) < 0)
		_exit(0);
	close(fifo_fd);
	close(sig_fd);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	worker_serve(s, id);
	_exit(0);
}

static void handle_hellos(struct session *s, struct proto_decoder *d,
			  int fifo_fd, int sig_fd)
{
	const unsigned char *p;
	uint32_t type, len;
	int r;

	while ((r = proto_decoder_next(d, &type, &p, &len)) == 1) {
		char id[PAKS_CHANNEL_ID_MAX + 1];
		if (type != PAKS_MSG_HELLO ||
		    !proto_valid_channel_id((const char *)p, len)) {
			log_debug("ignoring a bad frame on the session FIFO");
			continue;
		}
		memcpy(id, p, len);
		id[len] = '\0';
		if (start_worker(s, id, fifo_fd, sig_fd) < 0)
			log_warn("cannot start a worker: %s", strerror(errno));
	}
	if (r < 0) {
		/* Garbage on the FIFO: drop what is buffered and resync. */
		proto_decoder_free(d);
		proto_decoder_init(d);
	}
}

/* The engine stays in paks's process group: it is the terminal's
 * foreground job, as it would be when started by the user's shell.  It
 * dies with paks: after a `kill -9` of paks the user's shell takes the
 * terminal back, and the engine must not go on reading from it. */
static int spawn_engine(char *const argv[], pid_t *pid)
{
	return proc_start_tied(argv, pid);
}

/* TERM or HUP (the terminal is gone): end the session as the PTY mode
 * does.  Stop the container first (the shell is its PID 1 and ignores
 * both), then wait for the engine client; cmd-run removes the container
 * if the client could not. */
static int stop_session(struct session *s, pid_t engine, int sig)
{
	int status;

	log_debug("preload: signal %d, stopping the container", sig);
	/* The shell's prompt may be on the last line: end it. */
	if (isatty(2))
		(void)!write(2, "\r\n", 2);
	session_kill_container(s);
	for (int i = 0; i < 50; i++) {
		if (proc_reap(engine, false, &status))
			return 128 + sig;
		poll(NULL, 0, 100);
	}
	kill(engine, SIGKILL);
	proc_reap(engine, true, &status);
	return 128 + sig;
}

/* Reap children; returns 1 when the engine has exited. */
static int reap(pid_t engine, int *status)
{
	pid_t pid;
	int code, done = 0;

	while ((pid = proc_reap_any(&code)) > 0) {
		if (pid == engine) {
			*status = code;
			done = 1;
		}
	}
	return done;
}

static int serve_loop(struct session *s, pid_t engine, int fifo_fd, int sig_fd)
{
	struct proto_decoder d;
	cleanup_free char *fifo =
	    xasprintf("%s/%s", s->runtime_dir, PAKS_FIFO_NAME);
	int status = 1;

	proto_decoder_init(&d);
	for (;;) {
		struct pollfd p[2] = {{fifo_fd, POLLIN, 0},
				      {sig_fd, POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;
			if (read(sig_fd, &si, sizeof(si)) == sizeof(si) &&
			    (si.ssi_signo == SIGTERM ||
			     si.ssi_signo == SIGHUP)) {
				unlink(fifo);
				s->stop_signal = (int)si.ssi_signo;
				status =
				    stop_session(s, engine, s->stop_signal);
				break;
			}
			if (reap(engine, &status))
				break;
		}
		if (p[0].revents & POLLIN) {
			char chunk[4096];
			ssize_t n = read(fifo_fd, chunk, sizeof(chunk));
			if (n > 0 &&
			    proto_decoder_feed(&d, chunk, (size_t)n) == 0)
				handle_hellos(s, &d, fifo_fd, sig_fd);
		}
	}
	proto_decoder_free(&d);
	return status;
}

int server_run(struct session *s, char *const argv[])
{
	cleanup_free char *fifo =
	    xasprintf("%s/%s", s->runtime_dir, PAKS_FIFO_NAME);
	sigset_t mask, old;
	int fifo_fd, sig_fd, status, r;
	pid_t engine;

	/* O_RDWR: the FIFO never reports EOF when a client closes it. */
	fifo_fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fifo_fd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	r = spawn_engine(argv, &engine);
	if (r < 0) {
		close(fifo_fd);
		close(sig_fd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	status = serve_loop(s, engine, fifo_fd, sig_fd);
	/* A closing terminal sends HUP more than once (the shell forwards
	 * it, the kernel sends it when the shell exits): the cleanup that
	 * follows must not be cut short by the next one. */
	if (s->stop_signal) {
		signal(SIGHUP, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
	}
	while (proc_reap_any(&r) > 0)
		;
	close(fifo_fd);
	close(sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
