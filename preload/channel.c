/* SPDX-License-Identifier: MIT */
/*
 * One request from the shell to the paks host.  The client makes a private
 * FIFO pair "<id>.q" / "<id>.a" in the runtime directory, names it in a
 * HELLO on the session FIFO, sends CWD and LINE (or COMPLETE) on .q and
 * reads answer frames from .a until EXIT.  Ctrl-C reaches us as EINTR from
 * poll() with readline's caught signal set; we turn it into a CANCEL frame.
 * Every fd is closed and both FIFOs are unlinked before returning: the
 * library is a guest in the shell and keeps nothing open.  SIGPIPE is
 * blocked while we write, since bash would die of it if the host vanished.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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

#define OPEN_TIMEOUT_MS	    2000 /* host picks up the HELLO */
#define CANCEL_TIMEOUT_MS   3000 /* host answers a CANCEL */
#define LOST_TIMEOUT_MS	    1000 /* .q lost its reader, wait for .a */
#define COMPLETE_TIMEOUT_MS 3000 /* a whole Tab request */
#define TICK_MS		    200

struct chan {
	char id[PAKS_CHANNEL_ID_MAX + 1];
	char qpath[PATH_MAX];
	char apath[PATH_MAX];
	int qfd;
	int afd;
	int flags;
	struct proto_decoder dec;
	channel_frame_fn *on_frame;
	void *arg;
	int status;
	bool exited;
	bool ready;
	bool cancel_sent;
	long long deadline; /* 0: none */
};

static unsigned int chan_seq;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void channel_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			struct pollfd pfd = {fd, POLLOUT, 0};
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN || poll(&pfd, 1, 1000) <= 0)
				return;
			continue;
		}
		p += w;
		len -= (size_t)w;
	}
}

void channel_message(const char *msg)
{
	channel_write_all(2, msg, strlen(msg));
}

static void random_chars(char *out, size_t n)
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned char raw[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t got = -1;

	if (fd >= 0) {
		got = read(fd, raw, n);
		close(fd);
	}
	if (got != (ssize_t)n) {
		unsigned long long x =
		    (unsigned long long)now_ms() * 2654435761u;
		for (size_t i = 0; i < n;
		     i++, x = x * 6364136223846793005ull + 1)
			raw[i] = (unsigned char)(x >> 33);
	}
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	out[n] = '\0';
}

/* "<pid>-<seq>-<rand>" and both paths; -ENAMETOOLONG if they don't fit. */
static int chan_name(struct chan *c)
{
	char rnd[9];
	int n;

	random_chars(rnd, 8);
	n = snprintf(c->id, sizeof(c->id), "%ld-%u-%s", (long)getpid(),
		     ++chan_seq, rnd);
	if (n < 0 || (size_t)n >= sizeof(c->id))
		return -ENAMETOOLONG;
	n = snprintf(c->qpath, sizeof(c->qpath), "%s/%s.q", readline_dir(),
		     c->id);
	if (n < 0 || (size_t)n >= sizeof(c->qpath))
		return -ENAMETOOLONG;
	snprintf(c->apath, sizeof(c->apath), "%s/%s.a", readline_dir(), c->id);
	return 0;
}

static int chan_make_fifos(struct chan *c)
{
	int r = -EEXIST;

	for (int tries = 0; tries < 5 && r == -EEXIST; tries++) {
		r = chan_name(c);
		if (r < 0)
			break;
		if (mkfifo(c->qpath, 0600) < 0) {
			r = -errno;
			continue;
		}
		if (mkfifo(c->apath, 0600) < 0) {
			r = -errno;
			unlink(c->qpath);
			continue;
		}
		return 0;
	}
	/* Nothing of ours exists: never unlink a name someone else has. */
	c->id[0] = '\0';
	return r;
}

static void chan_close(struct chan *c)
{
	if (c->qfd >= 0)
		close(c->qfd);
	if (c->afd >= 0)
		close(c->afd);
	c->qfd = c->afd = -1;
	if (c->id[0]) {
		unlink(c->qpath);
		unlink(c->apath);
	}
	proto_decoder_free(&c->dec);
}

/* Ctrl-C sends CANCEL once and keeps waiting for EXIT; a second one, or
 * SIGHUP/SIGTERM, gives up.  Completion leaves the signal to readline. */
static int chan_check_signal(struct chan *c)
{
	int sig = readline_pending_signal();

	if (sig == SIGHUP || sig == SIGTERM)
		return -ECANCELED;
	if (sig != SIGINT)
		return 0;
	if (c->flags & CHANNEL_QUIET)
		return -ECANCELED;
	if (c->cancel_sent)
		return readline_consume_signal() ? -ECANCELED : 0;
	readline_consume_signal();
	c->cancel_sent = true;
	c->deadline = now_ms() + CANCEL_TIMEOUT_MS;
	if (c->qfd < 0)
		return -ECANCELED;
	/* Eight bytes fit in any FIFO that is not full; if it is, the host
	 * also sees Ctrl-C when we close .q. */
	if (proto_write(c->qfd, PAKS_MSG_CANCEL, NULL, 0) < 0)
		return -ECANCELED;
	return 0;
}

static int chan_hello(struct chan *c)
{
	char path[PATH_MAX];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", readline_dir(), PAKS_FIFO_NAME);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENXIO || errno == ENOENT || errno == ENOTDIR
			   ? -ENXIO
			   : -errno;
	r = chan_make_fifos(c);
	if (r == 0) {
		/* The client opens its read end first: with no writer yet a
		 * FIFO polls neither readable nor hung up. */
		c->afd = open(c->apath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (c->afd < 0)
			r = -errno;
	}
	if (r == 0)
		r = proto_write(fd, PAKS_MSG_HELLO, c->id, strlen(c->id));
	close(fd);
	if (r == -EPIPE)
		r = -ENXIO;
	else if (r == -EAGAIN)
		r = -ETIMEDOUT;
	return r;
}

/* Ctrl-C (or the terminal going away) before the request is complete:
 * give up; closing .q tells a host that already started to stop. */
static int interrupted(void)
{
	int sig = readline_pending_signal();

	return sig == SIGINT || sig == SIGHUP || sig == SIGTERM;
}

static int chan_read(struct chan *c);

/* The host's worker opens .q for reading when it takes the HELLO and then
 * says READY on .a: wait for that in poll(), so the request goes out the
 * moment the worker can take it. */
static int chan_open_q(struct chan *c)
{
	long long end = now_ms() + OPEN_TIMEOUT_MS;

	while (!c->ready) {
		struct pollfd p = {c->afd, POLLIN, 0};
		int r;
		if (interrupted())
			return -ECANCELED;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		r = poll(&p, 1, TICK_MS);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		r = chan_read(c);
		if (r < 0)
			return r;
		if (r == 0)
			return -EPIPE; /* EXIT before the request was sent */
	}
	c->qfd = open(c->qpath, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	return c->qfd < 0 ? -errno : 0;
}

/* Write a whole frame to the nonblocking .q, waiting for room. */
static int chan_send(struct chan *c, uint32_t type, const void *data,
		     size_t len)
{
	unsigned char *buf = NULL;
	long n = proto_encode(type, data, len, &buf);
	size_t off = 0;
	int r = 0;

	if (n < 0)
		return (int)n;
	while (off < (size_t)n) {
		struct pollfd p = {c->qfd, POLLOUT, 0};
		ssize_t w = write(c->qfd, buf + off, (size_t)n - off);
		if (w >= 0) {
			off += (size_t)w;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR) {
			r = -errno;
			break;
		}
		if (interrupted()) {
			r = -ECANCELED;
			break;
		}
		if (poll(&p, 1, TICK_MS) > 0 && (p.revents & POLLERR)) {
			r = -EPIPE;
			break;
		}
	}
	free(buf);
	return r;
}

static int chan_take_frames(struct chan *c)
{
	const unsigned char *p;
	uint32_t type, len;
	int r;

	while ((r = proto_decoder_next(&c->dec, &type, &p, &len)) == 1) {
		if (type == PAKS_MSG_EXIT) {
			c->status = len == 4 ? proto_get_i32(p) : 1;
			c->exited = true;
			return 0;
		}
		if (type == PAKS_MSG_READY)
			c->ready = true;
		if (type >= PAKS_MSG_OUT)
			c->on_frame(c->arg, type, p, len);
	}
	return r < 0 ? -EPIPE : 1;
}

/* 1: keep going, 0: EXIT seen, <0: error. */
static int chan_read(struct chan *c)
{
	unsigned char chunk[65536];
	ssize_t n = read(c->afd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : -errno;
	if (n == 0)
		return -EPIPE;
	if (proto_decoder_feed(&c->dec, chunk, (size_t)n) < 0)
		return -EPIPE;
	return chan_take_frames(c);
}

static int chan_wait(struct chan *c)
{
	for (;;) {
		struct pollfd p[2] = {{c->afd, POLLIN, 0}, {c->qfd, 0, 0}};
		int r = chan_check_signal(c);
		if (r < 0)
			return r;
		if (c->deadline && now_ms() >= c->deadline)
			return c->cancel_sent ? -ECANCELED : -ETIMEDOUT;
		r = poll(p, c->qfd >= 0 ? 2 : 1, TICK_MS);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		if (p[0].revents) {
			r = chan_read(c);
			if (r <= 0)
				return r;
		}
		/* The worker closed .q: if it died before opening .a, .a
		 * would never hang up, so allow a moment, then give up. */
		if (c->qfd >= 0 && (p[1].revents & (POLLERR | POLLHUP))) {
			close(c->qfd);
			c->qfd = -1;
			if (!c->deadline)
				c->deadline = now_ms() + LOST_TIMEOUT_MS;
		}
	}
}

static int chan_run(struct chan *c, uint32_t kind, const char *line, size_t len)
{
	char cwd[PATH_MAX];
	int r = chan_hello(c);

	if (r == 0)
		r = chan_open_q(c);
	if (r == 0 && getcwd(cwd, sizeof(cwd)))
		r = chan_send(c, PAKS_MSG_CWD, cwd, strlen(cwd));
	if (r == 0)
		r = chan_send(c, kind, line, len);
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

int channel_request(uint32_t kind, const char *line, size_t len, int flags,
		    channel_frame_fn *on_frame, void *arg)
{
	struct chan c;
	sigset_t old;
	int was_pending, r;

	if (!readline_dir()[0])
		return -ENXIO;
	if (len > PAKS_FRAME_MAX)
		return -E2BIG;
	memset(&c, 0, sizeof(c));
	c.qfd = c.afd = -1;
	c.flags = flags;
	c.on_frame = on_frame;
	c.arg = arg;
	proto_decoder_init(&c.dec);
	if (flags & CHANNEL_QUIET)
		c.deadline = now_ms() + COMPLETE_TIMEOUT_MS;
	pipe_block(&old, &was_pending);
	r = chan_run(&c, kind, line, len);
	chan_close(&c);
	/* We acted on that Ctrl-C: the line stays accepted, with status
	 * 130, instead of readline discarding it afterwards. */
	if (r == -ECANCELED && !(flags & CHANNEL_QUIET) &&
	    readline_pending_signal() == SIGINT)
		readline_consume_signal();
	pipe_restore(&old, was_pending);
	if (r < 0 && !(flags & CHANNEL_QUIET))
		chan_report(r);
	return r;
}
