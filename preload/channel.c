/* SPDX-License-Identifier: MIT */
/*
 * One request from the shell to the paks host over the shell's connection
 * (transport.c): CWD and LINE (or COMPLETE) go out, answer frames come
 * back until EXIT.  Requests are serial; one we gave up on (a second
 * Ctrl-C, a slow Tab) still gets its EXIT later, so the next request first
 * skips frames up to that many EXITs.  Ctrl-C reaches us as EINTR from
 * poll() with readline's caught signal set; we turn it into a CANCEL
 * frame.  Nothing we write may kill the shell with SIGPIPE: the connection
 * is written with MSG_NOSIGNAL (transport.c), and SIGPIPE is blocked
 * around every write to stdout and stderr.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "paks-protocol.h"
#include "preload.h"

#define CANCEL_TIMEOUT_MS   3000 /* host answers a CANCEL */
#define COMPLETE_TIMEOUT_MS 3000 /* a whole Tab request */
/* poll() wakes at once for answers; the tick only catches a signal that
 * came between our check and poll(). */
#define TICK_MS 200

struct chan {
	int fd;
	int flags;
	struct proto_decoder dec;
	channel_frame_fn *on_frame;
	void *arg;
	int status;
	bool exited;
	bool got_frame;
	bool cancel_sent;
	long long deadline; /* 0: none */
};

/* EXITs still owed for requests we gave up on. */
static unsigned int abandoned;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Block SIGPIPE; afterwards drop one that we caused, keep one that was
 * already pending. */
static void pipe_block(sigset_t *old, int *was_pending)
{
	sigset_t set, pend;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pend);
	sigpending(&pend);
	*was_pending = sigismember(&pend, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void pipe_restore(const sigset_t *old, int was_pending)
{
	sigset_t set, pend;
	struct timespec zero = {0, 0};

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pend);
	sigpending(&pend);
	if (!was_pending && sigismember(&pend, SIGPIPE) &&
	    !sigismember(old, SIGPIPE))
		sigtimedwait(&set, NULL, &zero);
	sigprocmask(SIG_SETMASK, old, NULL);
}

void channel_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	sigset_t old;
	int was_pending;

	/* stdout or stderr may be a pipe whose reader is gone. */
	pipe_block(&old, &was_pending);
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			struct pollfd pfd = {fd, POLLOUT, 0};
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN || poll(&pfd, 1, 1000) <= 0)
				break;
			continue;
		}
		p += w;
		len -= (size_t)w;
	}
	pipe_restore(&old, was_pending);
}

void channel_message(const char *msg)
{
	channel_write_all(2, msg, strlen(msg));
}

static int chan_send(uint32_t type, const void *data, size_t len)
{
	unsigned char *buf = NULL;
	long n = proto_encode(type, data, len, &buf);
	int r;

	if (n < 0)
		return (int)n;
	r = transport_send(buf, (size_t)n);
	free(buf);
	return r;
}

/* Ctrl-C sends CANCEL once and keeps waiting for EXIT; a second one, or
 * SIGHUP/SIGTERM, gives up.  Completion leaves the signal to readline. */
static int chan_check_signal(struct chan *c)
{
	int sig = bashstate_pending_signal();

	if (sig == SIGHUP || sig == SIGTERM)
		return -ECANCELED;
	if (sig != SIGINT)
		return 0;
	if (c->flags & CHANNEL_QUIET)
		return -ECANCELED;
	if (c->cancel_sent)
		return bashstate_consume_signal() ? -ECANCELED : 0;
	bashstate_consume_signal();
	c->cancel_sent = true;
	c->deadline = now_ms() + CANCEL_TIMEOUT_MS;
	return chan_send(PAKS_MSG_CANCEL, NULL, 0) < 0 ? -ECANCELED : 0;
}

static int chan_take_frames(struct chan *c)
{
	const unsigned char *p;
	uint32_t type, len;
	int r;

	while ((r = proto_decoder_next(&c->dec, &type, &p, &len)) == 1) {
		c->got_frame = true;
		if (abandoned > 0) {
			/* The tail of a request we gave up on. */
			if (type == PAKS_MSG_EXIT)
				abandoned--;
			continue;
		}
		if (type == PAKS_MSG_EXIT) {
			c->status = len == 4 ? proto_get_i32(p) : 1;
			c->exited = true;
			return 0;
		}
		if (type >= PAKS_MSG_OUT)
			c->on_frame(c->arg, type, p, len);
	}
	return r < 0 ? -EPROTO : 1;
}

/* 1: keep going, 0: EXIT seen, <0: error. */
static int chan_read(struct chan *c)
{
	unsigned char chunk[65536];
	long n = transport_recv(chunk, sizeof(chunk));

	if (n == -EAGAIN || n == -EINTR)
		return 1;
	if (n < 0)
		return (int)n;
	if (n == 0)
		return c->got_frame ? -EPIPE : -ENXIO;
	if (proto_decoder_feed(&c->dec, chunk, (size_t)n) < 0)
		return -EPROTO;
	return chan_take_frames(c);
}

static int chan_wait(struct chan *c)
{
	for (;;) {
		struct pollfd p = {c->fd, POLLIN, 0};
		int r = chan_check_signal(c);
		if (r < 0)
			return r;
		if (c->deadline && now_ms() >= c->deadline)
			return c->cancel_sent ? -ECANCELED : -ETIMEDOUT;
		r = poll(&p, 1, TICK_MS);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && (r = chan_read(c)) <= 0)
			return r;
	}
}

static int chan_run(struct chan *c, uint32_t kind, const char *line, size_t len)
{
	char cwd[PATH_MAX];
	int r = 0;

	if (getcwd(cwd, sizeof(cwd)))
		r = chan_send(PAKS_MSG_CWD, cwd, strlen(cwd));
	if (r == 0)
		r = chan_send(kind, line, len);
	if (r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN)
		r = -ENXIO;
	if (r == 0)
		r = chan_wait(c);
	return r < 0 ? r : c->status;
}

static void chan_report(int r)
{
	char buf[256];

	switch (r) {
	case -ECANCELED:
		return;
	case -ENOTCONN:
		channel_message("paks: #commands work only in the shell that "
				"paks started\n");
		return;
	case -ENXIO:
		channel_message("paks: the paks host process is not running; "
				"this shell keeps working, but #commands are "
				"unavailable\n");
		return;
	case -ETIMEDOUT:
		channel_message("paks: the paks host did not answer\n");
		return;
	case -EPIPE:
		channel_message("paks: lost the connection to the host\n");
		return;
	default:
		snprintf(buf, sizeof(buf), "paks: cannot reach the host: %s\n",
			 strerror(-r));
		channel_message(buf);
	}
}

int channel_request(uint32_t kind, const char *line, size_t len, int flags,
		    channel_frame_fn *on_frame, void *arg)
{
	struct chan c;
	sigset_t old;
	int was_pending, r;

	if (len > PAKS_FRAME_MAX)
		return -E2BIG;
	memset(&c, 0, sizeof(c));
	c.fd = transport_fd();
	c.flags = flags;
	c.on_frame = on_frame;
	c.arg = arg;
	if (c.fd < 0) {
		if (!(flags & CHANNEL_QUIET))
			chan_report(c.fd);
		return c.fd;
	}
	proto_decoder_init(&c.dec);
	if (flags & CHANNEL_QUIET)
		c.deadline = now_ms() + COMPLETE_TIMEOUT_MS;
	pipe_block(&old, &was_pending);
	r = chan_run(&c, kind, line, len);
	proto_decoder_free(&c.dec);
	if (r == -ECANCELED || r == -ETIMEDOUT)
		abandoned++;
	else if (r < 0)
		transport_lost();
	/* We acted on that Ctrl-C: the line stays accepted, with status
	 * 130, instead of readline discarding it afterwards. */
	if (r == -ECANCELED && !(flags & CHANNEL_QUIET) &&
	    bashstate_pending_signal() == SIGINT)
		bashstate_consume_signal();
	pipe_restore(&old, was_pending);
	if (r < 0 && !(flags & CHANNEL_QUIET))
		chan_report(r);
	return r;
}
