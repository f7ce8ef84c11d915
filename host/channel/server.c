/* SPDX-License-Identifier: MIT */
/*
 * Preload mode.  The engine runs in the foreground on the user's terminal,
 * so paks is never in the keystroke path.  Two processes: paks itself
 * starts the engine, settles the image (session_go), waits for the engine
 * and ends the session on TERM or HUP; the server, a process of its own beside
 * it ("paks-serve"), holds the shell's one connection (see transport.c)
 * and answers it.  Whatever goes wrong in the server, even its death,
 * leaves the engine and the shell running: the shell says that #commands
 * are gone and goes on.  Requests come one after another, and each runs
 * in a worker the server forks, which writes its answer frames and EXIT,
 * while the server alone reads the connection and passes a CANCEL on to
 * the worker.  Requests that arrive while one runs (the shell gave up
 * waiting) queue behind it; beyond what a shell ever queues they are
 * refused, each with an ERR line and EXIT in its turn, written without
 * blocking so the server goes on reading whatever the shell writes.  The
 * server never closes the connection while the shell may still write to
 * it: bash dies of SIGPIPE when a builtin writes to a closed socket.  Bytes
 * that are not what a shell sends end the service with a message, and the
 * server then reads and drops what follows until the shell closes it.
 */
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "engine-err.h"
#include "exec.h"
#include "image.h"
#include "launch-env.h"
#include "log.h"
#include "paks-protocol.h"
#include "proc.h"
#include "requests.h"
#include "server.h"
#include "session.h"
#include "transport.h"

struct server {
	struct session *s;
	int conn, sig_fd;
	pid_t worker;
	int cancel_fd; /* write end of the running worker's cancel pipe */
	struct requests req;
	uint64_t owed;	 /* refused requests not answered yet */
	size_t owed_off; /* bytes of the current answer already sent */
	bool draining;	 /* no more service: read and drop until the end */
};

#define REFUSED_MSG "paks: too many #commands at once; this one was refused\n"

/* The answer to a refused request: ERR with REFUSED_MSG, then EXIT 1. */
static size_t refused_answer(unsigned char *out)
{
	size_t n = sizeof(REFUSED_MSG) - 1;

	proto_encode_header(out, PAKS_MSG_ERR, (uint32_t)n);
	memcpy(out + PAKS_FRAME_HDR, REFUSED_MSG, n);
	proto_encode_header(out + PAKS_FRAME_HDR + n, PAKS_MSG_EXIT, 4);
	proto_put_i32(out + 2 * PAKS_FRAME_HDR + n, 1);
	return 2 * PAKS_FRAME_HDR + n + 4;
}

static int emit_frame(struct exec_ctx *c, uint32_t type, const void *data,
		      size_t len)
{
	int fd = *(int *)c->emit_arg;
	const char *p = data;

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

/* In the worker: a byte on the pipe, or paks closing it, is Ctrl-C. */
static int check_cancel(struct exec_ctx *c)
{
	char b[64];
	ssize_t n = read(c->cancel_fd, b, sizeof(b));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : 1;
	return 1;
}

static void worker_serve(struct session *s, struct request *rq, int conn,
			 int cancel_fd)
{
	struct exec_ctx c = {0};
	unsigned char st[4];
	int status;

	c.s = s;
	c.cwd = rq->cwd ? rq->cwd : xstrdup("/");
	rq->cwd = NULL;
	c.emit = emit_frame;
	c.emit_arg = &conn;
	c.cancel_fd = cancel_fd;
	c.check_cancel = check_cancel;
	log_debug("request: %s", rq->line);
	if (rq->kind == PAKS_MSG_COMPLETE)
		status = exec_complete(&c, rq->line, rq->len);
	else
		status = exec_line(&c, rq->line, rq->len);
	proto_put_i32(st, status);
	if (proto_write(conn, PAKS_MSG_EXIT, st, 4) < 0)
		_exit(1);
}

static void send_exit(struct server *sv, int status)
{
	unsigned char st[4];

	proto_put_i32(st, status);
	if (sv->conn >= 0 && proto_write(sv->conn, PAKS_MSG_EXIT, st, 4) < 0)
		log_debug("cannot answer the shell: %s", strerror(errno));
}

/* Fork the worker for RQ.  It exits 0 once its EXIT frame is written. */
static void start_worker(struct server *sv, struct request *rq)
{
	pid_t parent = getpid();
	sigset_t none;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		log_warn("cannot start a worker: %s", strerror(errno));
		send_exit(sv, 1);
		return;
	}
	if (pid == 0) {
		/* A worker of a killed paks must not go on answering into a
		 * terminal that the user's shell has taken back. */
		if (proc_die_with_parent(parent) < 0)
			_exit(0);
		close(p[1]);
		close(sv->sig_fd);
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		signal(SIGPIPE, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		worker_serve(sv->s, rq, sv->conn, p[0]);
		_exit(0);
	}
	close(p[0]);
	sv->worker = pid;
	sv->cancel_fd = p[1];
}

static void drop_conn(struct server *sv);

/* Answer refused requests as far as the shell takes the bytes now; the
 * rest when the connection is writable again (POLLOUT). */
static void flush_owed(struct server *sv)
{
	unsigned char ans[2 * PAKS_FRAME_HDR + sizeof(REFUSED_MSG) + 4];
	size_t n = refused_answer(ans);

	while (sv->owed > 0 && sv->conn >= 0) {
		ssize_t w = send(sv->conn, ans + sv->owed_off, n - sv->owed_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w < 0) {
			drop_conn(sv);
			return;
		}
		sv->owed_off += (size_t)w;
		if (sv->owed_off == n) {
			sv->owed_off = 0;
			sv->owed--;
		}
	}
}

/* Run queued requests in order, while no worker runs and no refused
 * request waits for its answer; a request the shell cancelled before it
 * started gets its EXIT at once. */
static void run_queue(struct server *sv)
{
	struct request rq;

	while (!sv->worker && sv->owed == 0 && requests_pop(&sv->req, &rq)) {
		if (rq.refused) {
			sv->owed = rq.refused;
			flush_owed(sv);
		} else if (rq.cancelled)
			send_exit(sv, 128 + SIGINT);
		else if (sv->conn >= 0)
			start_worker(sv, &rq);
		request_free(&rq);
	}
}

static void cancel_worker(struct server *sv)
{
	if (sv->cancel_fd >= 0) {
		close(sv->cancel_fd);
		sv->cancel_fd = -1;
	}
}

/* The shell went away: stop serving it. */
static void drop_conn(struct server *sv)
{
	if (sv->conn >= 0)
		close(sv->conn);
	sv->conn = -1;
	sv->owed = 0;
	sv->owed_off = 0;
	cancel_worker(sv);
	requests_clear(&sv->req);
}

/* The shell sent what no shell sends (a frame type it never sends, a frame
 * too long).  Say so, then send nothing more: the shell's next #command
 * reads the end of the stream and closes its end.  Until then we read and
 * drop, so that a write to the socket never meets a closed peer. */
static void end_service(struct server *sv)
{
	static const char msg[] = "paks: this shell's connection sent what "
				  "no shell sends; #commands end here\n";

	log_debug("the shell's connection sent a malformed frame");
	cancel_worker(sv);
	requests_clear(&sv->req);
	sv->owed = 0;
	/* In the middle of a refused answer the stream is cut anyway. */
	if (sv->owed_off == 0 && !sv->worker)
		(void)proto_write(sv->conn, PAKS_MSG_ERR, msg, sizeof(msg) - 1);
	sv->owed_off = 0;
	shutdown(sv->conn, SHUT_WR);
	sv->draining = true;
}

static void on_conn(struct server *sv)
{
	char chunk[8192];
	ssize_t n = read(sv->conn, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		log_debug("the shell's connection ended");
		drop_conn(sv);
		return;
	}
	if (sv->draining)
		return;
	if (requests_feed(&sv->req, chunk, (size_t)n) < 0) {
		end_service(sv);
		return;
	}
	/* CANCEL means the latest request: queued, or else the running one. */
	if (sv->req.cancel_running) {
		sv->req.cancel_running = false;
		cancel_worker(sv);
	}
	run_queue(sv);
}

/* Stop answering the shell. */
static void stop_serving(struct server *sv)
{
	drop_conn(sv);
}

/* In the server: reap workers; 1 when it must stop (TERM or HUP: paks
 * ends the session, or the terminal is gone).  A worker that died without
 * its EXIT frame gets one from us, so the shell never waits. */
static int on_signal(struct server *sv)
{
	struct signalfd_siginfo si;
	pid_t pid;
	int code;

	if (read(sv->sig_fd, &si, sizeof(si)) == sizeof(si) &&
	    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP))
		return 1;
	while ((pid = proc_reap_any(&code)) > 0) {
		if (pid == sv->worker) {
			sv->worker = 0;
			cancel_worker(sv);
			if (code != 0)
				send_exit(sv, 1);
		}
	}
	run_queue(sv);
	return 0;
}

static void serve_loop(struct server *sv)
{
	for (;;) {
		short ev = POLLIN | (sv->owed > 0 ? POLLOUT : 0);
		struct pollfd p[2] = {{sv->sig_fd, POLLIN, 0},
				      {sv->conn, ev, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents && on_signal(sv))
			break;
		if (sv->conn >= 0 && (p[1].revents & POLLOUT)) {
			flush_owed(sv);
			run_queue(sv);
		}
		if (sv->conn >= 0 && (p[1].revents & ~POLLOUT))
			on_conn(sv);
	}
}

/* The server process: serve until paks says stop, and die with paks. */
static void __attribute__((noreturn))
serve(struct session *s, int conn, int sig_fd, pid_t parent)
{
	struct server sv = {
	    .s = s, .conn = conn, .sig_fd = sig_fd, .cancel_fd = -1};
	int code;

	if (proc_die_with_parent(parent) < 0)
		_exit(0);
	prctl(PR_SET_NAME, "paks-serve", 0, 0, 0);
	/* A shell that hung up must not take the server with it. */
	signal(SIGPIPE, SIG_IGN);
	/* The launch socket is paks's (it is settled by now; its fd is not
	 * ours to keep). */
	if (s->launch_fd >= 0)
		close(s->launch_fd);
	s->launch_fd = -1;
	/* A fast start: the shell runs already; its connection comes
	 * through the bridge now.  Without it the keeper gives up, and the
	 * shell says that # commands are unavailable. */
	if (sv.conn < 0 && launch_connect_late(s, &sv.conn) < 0) {
		log_debug("no bridge for the fast start");
		_exit(0);
	}
	requests_init(&sv.req);
	serve_loop(&sv);
	stop_serving(&sv);
	while (proc_reap_any(&code) > 0)
		;
	requests_free(&sv.req);
	_exit(0);
}

/* Start the server beside paks: its pid, or -1 (the shell then says that
 * #commands are unavailable, and runs on). */
static pid_t start_server(struct session *s, int conn, int sig_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0)
		serve(s, conn, sig_fd, parent);
	if (pid < 0)
		log_warn("cannot start the paks server: %s", strerror(errno));
	return pid;
}

struct supervisor {
	struct session *s;
	int sig_fd;
	pid_t engine, server;
	int status;
};

/* TERM, and KILL when it has not ended within a second: a server stuck
 * writing to a shell that never reads must not hold paks up. */
static void stop_server(struct supervisor *sp)
{
	if (sp->server <= 0)
		return;
	proc_stop(sp->server, SIGTERM, 1000);
	sp->server = 0;
}

/* TERM or HUP (the terminal is gone): end the session as the PTY mode
 * does.  Stop the container first (the shell is its PID 1 and ignores
 * both), then wait for the engine client; cmd-run removes the container
 * if the client could not. */
static int stop_session(struct supervisor *sp, int sig)
{
	log_debug("preload: signal %d, stopping the container", sig);
	/* The shell's prompt may be on the last line: end it. */
	if (isatty(2))
		(void)!write(2, "\r\n", 2);
	container_kill(sp->s);
	stop_server(sp);
	proc_stop(sp->engine, 0, 5000);
	return 128 + sig;
}

/* paks's own loop: wait for the engine, and for TERM or HUP. */
static void supervise(struct supervisor *sp)
{
	for (;;) {
		struct pollfd p = {sp->sig_fd, POLLIN, 0};
		struct signalfd_siginfo si;
		pid_t pid;
		int code;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return;
		if (read(sp->sig_fd, &si, sizeof(si)) == sizeof(si) &&
		    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP)) {
			sp->s->stop_signal = (int)si.ssi_signo;
			sp->status = stop_session(sp, sp->s->stop_signal);
			return;
		}
		while ((pid = proc_reap_any(&code)) > 0) {
			if (pid == sp->engine) {
				sp->status = code;
				return;
			}
			if (pid == sp->server) {
				log_debug("the paks server ended (status %d); "
					  "the shell runs on",
					  code);
				sp->server = 0;
			}
		}
	}
}

/* The engine stays in paks's process group: it is the terminal's
 * foreground job, as it would be when started by the user's shell.  It
 * dies with paks: after a `kill -9` of paks the user's shell takes the
 * terminal back, and the engine must not go on reading from it. */
static int spawn_engine(struct session *s, char *const argv[], pid_t *pid)
{
	return proc_start_tied(argv, s->engine_env.v, engine_err_fd(s), pid);
}

int server_run(struct session *s, char *const argv[])
{
	struct supervisor sp = {.s = s, .status = 1};
	sigset_t mask, old;
	int r, code, conn = -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sp.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	r = spawn_engine(s, argv, &sp.engine);
	if (r == 0) {
		/* The server starts once the image is settled and the
		 * launcher has been let through: it works with what
		 * session_go found and the launcher reported. */
		session_go(s);
		if (launch_handshake(s, sp.engine, &conn) == 0)
			sp.server = start_server(s, conn, sp.sig_fd);
		if (conn >= 0)
			close(conn);
	}
	launch_close(s);
	if (r == 0)
		supervise(&sp);
	else
		image_verify_stop(s);
	stop_server(&sp);
	/* A closing terminal sends HUP more than once (the shell forwards
	 * it, the kernel sends it when the shell exits): the cleanup that
	 * follows must not be cut short by the next one. */
	if (s->stop_signal) {
		signal(SIGHUP, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
	}
	while (proc_reap_any(&code) > 0)
		;
	close(sp.sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r < 0 ? r : sp.status;
}
