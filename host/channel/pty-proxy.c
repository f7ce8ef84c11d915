/* SPDX-License-Identifier: MIT */
/*
 * The PTY proxy (PTY mode): for shells that cannot host the
 * preload (busybox ash, dash, musl images), paks runs the engine on a PTY
 * of its own and copies bytes between it and the user's terminal in one
 * ppoll loop.  Everything shown to the user is also fed to a virtual
 * screen (vscreen.c); when Enter is pressed the proxy reads the line the
 * shell holds from that screen, and only when it is a paks command ('#'
 * then a letter) runs it on the host.  The line still reaches the shell as
 * a comment, so the shell's history keeps it.  Variables (and with them
 * the command's exit status) are typed into the shell, hidden from the
 * screen: a short line that reads the assignments from the terminal with
 * `read`, so they never reach a file, the command line or its history.
 */
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "engine-err.h"
#include "engine.h"
#include "exec.h"
#include "launch-env.h"
#include "log.h"
#include "proc.h"
#include "pty-proxy.h"
#include "envstore.h"
#include "session.h"
#include "typed-line.h"
#include "util.h"
#include "varname.h"
#include "vscreen.h"
#include "words.h"

#define IOBUF_SIZE 65536
/* After Enter, typed-ahead keys wait until the shell has printed its next
 * prompt (output went quiet), so the next line's prompt is on screen when
 * its first key is seen; never longer than HOLD_MAX_MS. */
#define QUIET_MS    30
#define HOLD_MAX_MS 250
/* Keys typed before the shell printed anything wait for its first prompt
 * (the engine may take seconds to start the container). */
#define STARTUP_HOLD_MAX_MS 10000
/* Enter waits for the echo of the keys before it (a paste or tmux
 * send-keys delivers "#save\r" in one read).  When only plain characters
 * were typed since the mark, it waits until the line on the screen ends
 * with them (the docker CLI's echo can lag far behind under load), at most
 * SETTLE_ECHO_MAX_MS; after editing keys, whose effect on the line cannot
 * be predicted, until the output has been quiet for SETTLE_QUIET_MS, at
 * most SETTLE_MAX_MS. */
#define SETTLE_QUIET_MS	   10
#define SETTLE_MAX_MS	   500
#define SETTLE_ECHO_MAX_MS 3000
#define TYPED_MAX	   4096
#define NEWLINE_MAX_MS	   1000
#define PROMPT_MAX_MS	   1000
#define HIDE_MAX_MS	   2000
/* The assignments go to `read` as one line: a terminal in canonical mode
 * takes 4095 bytes a line, and the line also carries paks's own code. */
#define VARS_MAX      3700
#define KILL_GRACE_MS 3000

extern char **environ;

struct iobuf {
	char data[IOBUF_SIZE];
	size_t off, len;
};

enum proxy_state {
	PX_NORMAL,
	PX_SETTLE,    /* Enter held until the echo before it arrived */
	PX_WAIT_NL,   /* a command's Enter sent: wait for the shell's newline */
	PX_RUN,	      /* run the command now */
	PX_WAIT_IDLE, /* command done: wait (hidden) for the next prompt */
	PX_HIDE,      /* the injected line is sent: hide its echo, then
		       * send the assignments and hide theirs */
	PX_SCRUB,     /* busybox: wait for the prompt after the injection */
	PX_SCRUB_HIDE, /* ...then put the user's line in its history slot,
			* hidden, until the bell that ends it */
};

/* The shell behind the prompt, for taking the injected line out of its
 * history. */
enum shell_kind {
	SH_UNKNOWN,
	SH_OTHER, /* dash (no history), zsh (keeps none of it) */
	SH_BUSYBOX,
	SH_BASH,
};

struct proxy {
	struct session *s;
	int in_fd, out_fd, master, sigfd;
	pid_t child;
	int status;
	bool child_done, master_eof, in_eof, in_tty;
	int out_pipe;	 /* the engine's stdout, when not the PTY */
	bool master_hup; /* with out_pipe: the PTY side is closed */
	struct termios saved_tio;
	bool tio_saved;
	int in_flags, out_flags;
	sigset_t old_mask;

	struct iobuf to_master, to_term, pending_in, held_out;
	struct vscreen *vs;

	enum proxy_state st;
	uint64_t st_since;
	uint64_t last_out;
	bool fwd_since_out; /* keys sent since the last output */
	struct buf typed;   /* plain keys forwarded since the mark */
	bool typed_plain;   /* ...and nothing else since the mark */
	bool hold;	    /* after Enter: wait for the next prompt */
	uint64_t hold_since;
	bool out_since_hold;
	bool any_output; /* the shell has printed something */

	char *line;	 /* the paks command being run */
	bool refuse;	 /* ...or the line to refuse: not what was typed */
	char *last_line; /* the last command, for busybox's history */
	struct tline tl; /* what the user typed since the last Enter */
	enum shell_kind shell;
	char enter;
	struct buf vars;   /* `export NAME=VALUE;` from SETVAR records */
	struct buf inject; /* the line that reads them */
	struct buf feed;   /* the lines it reads, sent after its echo */
	char mark[24];	   /* ends the echo that is hidden now */
	char end_mark[24]; /* printed after the feed: ends what is hidden */
	bool term_col0;
	int shutdown_sig;
	long shell_pid; /* host pid of the container's first process */
};

/* ---- bounded buffers ---- */

static size_t iobuf_space(struct iobuf *b)
{
	if (b->off > 0 && b->off + b->len == IOBUF_SIZE) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	if (b->len == 0)
		b->off = 0;
	return IOBUF_SIZE - b->off - b->len;
}

static char *iobuf_tail(struct iobuf *b)
{
	return b->data + b->off + b->len;
}

static char *iobuf_head(struct iobuf *b)
{
	return b->data + b->off;
}

/* Append what fits; returns how much did. */
static size_t iobuf_put(struct iobuf *b, const void *d, size_t n)
{
	size_t space;

	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	space = IOBUF_SIZE - b->len;
	if (n > space)
		n = space;
	memcpy(b->data + b->len, d, n);
	b->len += n;
	return n;
}

static void iobuf_drop(struct iobuf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
}

/* ---- the user's terminal ---- */

static void set_nonblock(int fd, int *saved)
{
	*saved = fcntl(fd, F_GETFL);
	if (*saved >= 0)
		fcntl(fd, F_SETFL, *saved | O_NONBLOCK);
}

static void terminal_restore(struct proxy *px)
{
	if (px->tio_saved) {
		/* TCSANOW: after a hangup TCSADRAIN could wait forever. */
		tcsetattr(px->in_fd, TCSANOW, &px->saved_tio);
		px->tio_saved = false;
	}
	if (px->out_flags >= 0) {
		fcntl(px->out_fd, F_SETFL, px->out_flags);
		px->out_flags = -1;
	}
	if (px->in_flags >= 0) {
		fcntl(px->in_fd, F_SETFL, px->in_flags);
		px->in_flags = -1;
	}
}

static void terminal_setup(struct proxy *px)
{
	struct termios raw;

	px->in_tty = isatty(px->in_fd);
	if (px->in_tty && tcgetattr(px->in_fd, &px->saved_tio) == 0) {
		px->tio_saved = true;
		raw = px->saved_tio;
		cfmakeraw(&raw);
		tcsetattr(px->in_fd, TCSADRAIN, &raw);
	}
	set_nonblock(px->in_fd, &px->in_flags);
	set_nonblock(px->out_fd, &px->out_flags);
}

static void get_winsize(struct proxy *px, struct winsize *ws)
{
	memset(ws, 0, sizeof(*ws));
	if (ioctl(px->out_fd, TIOCGWINSZ, ws) < 0 || ws->ws_row == 0)
		if (ioctl(px->in_fd, TIOCGWINSZ, ws) < 0 || ws->ws_row == 0) {
			ws->ws_row = 24;
			ws->ws_col = 80;
		}
}

static void apply_winsize(struct proxy *px)
{
	struct winsize ws;

	get_winsize(px, &ws);
	ioctl(px->master, TIOCSWINSZ, &ws);
	vscreen_resize(px->vs, ws.ws_row, ws.ws_col);
}

/* Blocking write to the terminal (used around commands, and at the end). */
static void term_write_all(struct proxy *px, const char *d, size_t n)
{
	while (n > 0) {
		ssize_t w = write(px->out_fd, d, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = px->out_fd, .events = POLLOUT};
			poll(&p, 1, 1000);
			continue;
		}
		if (w <= 0)
			return; /* the terminal is gone */
		d += w;
		n -= (size_t)w;
	}
}

static void flush_to_term(struct proxy *px)
{
	term_write_all(px, iobuf_head(&px->to_term), px->to_term.len);
	iobuf_drop(&px->to_term, px->to_term.len);
}

/* Bytes for the user: the virtual screen sees exactly what they see. */
static void show(struct proxy *px, const char *d, size_t n)
{
	vscreen_feed(px->vs, d, n);
	if (iobuf_put(&px->to_term, d, n) < n) {
		flush_to_term(px);
		iobuf_put(&px->to_term, d, n);
	}
}

static void release_held(struct proxy *px)
{
	show(px, iobuf_head(&px->held_out), px->held_out.len);
	iobuf_drop(&px->held_out, px->held_out.len);
}

static void set_state(struct proxy *px, enum proxy_state st)
{
	px->st = st;
	px->st_since = monotonic_ms();
}

static void start_hold(struct proxy *px)
{
	px->hold = true;
	px->hold_since = monotonic_ms();
	px->out_since_hold = false;
}

/* ---- the engine's side ---- */

static int spawn_engine(struct proxy *px, char *const argv[],
			const struct winsize *ws)
{
	char name[128];
	int slave, err, opipe[2] = {-1, -1};

	px->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (px->master < 0)
		return -errno;
	if (grantpt(px->master) < 0 || unlockpt(px->master) < 0 ||
	    ptsname_r(px->master, name, sizeof(name)) != 0)
		return -errno;
	ioctl(px->master, TIOCSWINSZ, ws);
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return -errno;
	if (px->tio_saved)
		tcsetattr(slave, TCSANOW, &px->saved_tio);
	/* An engine client that takes the terminal's mode and size from its
	 * stdin (podman) can send its output through a pipe: a stream then
	 * skips the kernel's tty layer, which costs more than the rest of the
	 * proxy together.  The docker CLI reads the size from stdout: it
	 * keeps the PTY. */
	if (px->s && px->s->eng.engine && px->s->eng.engine->tty_from_stdin &&
	    pipe2(opipe, O_CLOEXEC) < 0)
		opipe[0] = opipe[1] = -1;
	err = proc_start_pty(argv, px->s ? px->s->engine_env.v : NULL, slave,
			     opipe[1], px->s ? engine_err_fd(px->s) : -1,
			     &px->old_mask, &px->child);
	close(slave);
	if (opipe[1] >= 0)
		close(opipe[1]);
	px->out_pipe = opipe[0];
	if (err == 0)
		fcntl(px->master, F_SETFL,
		      fcntl(px->master, F_GETFL) | O_NONBLOCK);
	if (err == 0 && px->out_pipe >= 0)
		fcntl(px->out_pipe, F_SETFL,
		      fcntl(px->out_pipe, F_GETFL) | O_NONBLOCK);
	return err;
}

static void reap(struct proxy *px, bool block)
{
	if (!px->child_done && proc_reap(px->child, block, &px->status))
		px->child_done = true;
}

/* ---- paks commands ---- */

/* Prompts of things that are not the shell waiting for a command: nothing
 * at all (cat, read), or only '>' and '.' (PS2 "> ", Python ">>> " and
 * "... "): a '#' line there is data or a comment, not for paks. */
static bool prompt_is_shell(const char *p)
{
	return p[strspn(p, " ")] != '\0' && p[strspn(p, " >.")] != '\0';
}

/* VALUE as sh words on one line of printable characters: runs in single
 * quotes, ' as \', a newline as "$__paks_n" and other control bytes with
 * printf, since the terminal would act on them (^C, ^U, Tab, DEL). */
static void quote_value(struct buf *b, const char *v, const char *end)
{
	bool open = false;

	if (v == end)
		buf_append(b, "''", 2);
	while (v < end) {
		unsigned char c = (unsigned char)*v;
		bool ctl = c < 0x20 || c == 0x7f;
		if ((ctl || c == '\'') && open) {
			buf_append(b, "'", 1);
			open = false;
		}
		if (c == '\n') {
			buf_append(b, "\"$__paks_n\"", 11);
		} else if (ctl) {
			buf_append(b, "\"$(printf '", 11);
			for (; v < end && *v != '\n' &&
			       ((unsigned char)*v < 0x20 || *v == 0x7f);
			     v++)
				buf_printf(b, "\\%03o", (unsigned char)*v);
			buf_append(b, "')\"", 3);
			continue;
		} else if (c == '\'') {
			buf_append(b, "\\'", 2);
		} else {
			if (!open)
				buf_append(b, "'", 1);
			open = true;
			buf_append(b, v, 1);
		}
		v++;
	}
	if (open)
		buf_append(b, "'", 1);
}

static void add_var(struct proxy *px, const char *d, size_t n)
{
	const char *name = d, *nul = memchr(d, '\0', n);

	if (!nul || !varname_valid(name, strlen(name))) {
		log_debug("pty: bad SETVAR record ignored");
		return;
	}
	buf_printf(&px->vars, "export %s=", name);
	quote_value(&px->vars, nul + 1, d + n);
	buf_append(&px->vars, ";", 1);
}

/* The terminal is raw: a lone "\n" would not return to column 0. */
static void emit_text(struct proxy *px, const char *d, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(d, '\n', n);
		size_t k = nl ? (size_t)(nl - d) : n;

		vscreen_feed(px->vs, d, k);
		term_write_all(px, d, k);
		if (nl) {
			vscreen_feed(px->vs, "\r\n", 2);
			term_write_all(px, "\r\n", 2);
			k++;
		}
		px->term_col0 = d[k - 1] == '\n';
		d += k;
		n -= k;
	}
}

static int emit(struct exec_ctx *c, uint32_t type, const void *data, size_t len)
{
	struct proxy *px = c->emit_arg;

	if ((type == PAKS_MSG_OUT || type == PAKS_MSG_ERR) && len > 0)
		emit_text(px, data, len);
	else if (type == PAKS_MSG_SETVAR)
		add_var(px, data, len);
	return 0;
}

static void handle_signal(struct proxy *px, int sig)
{
	if (sig == SIGWINCH)
		apply_winsize(px);
	else if (sig == SIGCHLD)
		reap(px, false);
	else if (!px->shutdown_sig)
		px->shutdown_sig = sig;
}

static void read_signals(struct proxy *px)
{
	struct signalfd_siginfo si;

	while (read(px->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		handle_signal(px, (int)si.ssi_signo);
}

/* While a command runs: Ctrl-C cancels it, other keys wait for the shell,
 * TERM/HUP/INT sent to paks cancel it and end the session. */
static int check_cancel(struct exec_ctx *c)
{
	struct proxy *px = c->cancel_arg;
	int epfd = c->cancel_fd, cancel = 0;
	char b[512];
	ssize_t n;

	while (!px->in_eof) {
		n = read(px->in_fd, b, sizeof(b));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN)
				px->in_eof = true;
			if (n == 0 && !px->in_tty)
				iobuf_put(&px->pending_in, "\x04", 1);
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (b[i] == 0x03)
				cancel = 1;
			else
				iobuf_put(&px->pending_in, b + i, 1);
		}
	}
	if (px->in_eof)
		epoll_ctl(epfd, EPOLL_CTL_DEL, px->in_fd, NULL);
	read_signals(px);
	return cancel || px->shutdown_sig;
}

static int cancel_epoll(struct proxy *px)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};

	if (epfd < 0)
		return -1;
	ev.data.fd = px->sigfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, px->sigfd, &ev);
	ev.data.fd = px->in_fd;
	/* A regular file cannot be watched: then only signals cancel. */
	if (!px->in_eof)
		epoll_ctl(epfd, EPOLL_CTL_ADD, px->in_fd, &ev);
	return epfd;
}

/* Variables and the exit status reach the shell by typing, not through a
 * file that any process in the container could read: a short line with no
 * values in it reads one line from the terminal with `read` and evals it;
 * that line, the assignments, is sent once the first one's echo shows, so
 * it goes to `read` and not to the line editor or its history.  The first
 * line ends in a random comment that marks the end of its echo, the
 * second prints a random mark; what comes before each is hidden.  The
 * first line is short, so that the shell does not wrap it in the middle
 * of its mark (zsh does).  The first line is then taken out of the
 * shell's history (bash here, busybox in scrub_busybox). */
static int build_injection(struct proxy *px, int status)
{
	unsigned char rnd[4] = {0};
	char r[9];

	if (px->vars.len > VARS_MAX)
		return -E2BIG;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd[0] = (unsigned char)monotonic_ms();
	snprintf(r, sizeof(r), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		 rnd[3]);
	snprintf(px->mark, sizeof(px->mark), "#m%.6s", r);
	snprintf(px->end_mark, sizeof(px->end_mark), "#e%s", r);
	buf_free(&px->inject);
	buf_free(&px->feed);
	buf_printf(
	    &px->inject,
	    " read -r __paks;eval \"$__paks\";unset __paks;(exit %d)%s\r",
	    status & 0xff, px->mark);
	buf_printf(&px->feed,
		   "__paks_n=$(printf '\\n_'); __paks_n=${__paks_n%%_}; ");
	/* bash keeps the injected line in its history unless HISTCONTROL
	 * says otherwise: delete it when it is the last entry. */
	if (px->shell == SH_BASH)
		buf_printf(&px->feed,
			   "__paks_h=$(HISTTIMEFORMAT= builtin history 1);"
			   "case $__paks_h in *'%s') "
			   "__paks_h=${__paks_h#\"${__paks_h%%%%[! ]*}\"};"
			   "builtin history -d \"${__paks_h%%%% *}\";; esac;"
			   "unset __paks_h; ",
			   px->mark);
	buf_append(&px->feed, px->vars.data, px->vars.len);
	/* The mark is printed, not echoed: the feed may reach the terminal
	 * before the line editor has given back canonical mode (busybox),
	 * and then nothing echoes it.  The format keeps the mark itself out
	 * of the echo, when there is one. */
	buf_printf(&px->feed, " unset __paks_n; printf '#%%s%%s\\n' e %s\r", r);
	return 0;
}

/* The container's first process as the host sees it (0 when unknown):
 * asked once, it does not change. */
static long shell_pid(struct proxy *px)
{
	if (px->shell_pid == 0)
		px->shell_pid = px->s ? container_pid(px->s) : 0;
	if (px->shell_pid == 0)
		px->shell_pid = -1;
	return px->shell_pid > 0 ? px->shell_pid : 0;
}

/* The terminal's foreground process group in the container, as a host
 * pid: at a prompt that is the shell reading the line (a nested shell
 * too, when job control made it the foreground). */
static long foreground_pid(long pid)
{
	cleanup_free char *path = xasprintf("/proc/%ld/stat", pid);
	cleanup_free char *stat = NULL;
	const char *p;
	long f[6];

	if (read_file(path, 4096, &stat, NULL) < 0)
		return pid;
	p = strrchr(stat, ')');
	/* ") state ppid pgrp session tty_nr tpgid" */
	if (!p ||
	    sscanf(p + 1, " %*c %ld %ld %ld %ld %ld", &f[0], &f[1], &f[2],
		   &f[3], &f[4]) != 5 ||
	    f[4] <= 0)
		return pid;
	return f[4];
}

/* The shell's current directory inside the container: PTY mode has no
 * preload to tell it, but the kernel shows it in the container's own
 * terms (readlink of /proc/PID/cwd is relative to its root). */
static char *shell_cwd(struct proxy *px)
{
	char link[4096];
	long pid = shell_pid(px);
	cleanup_free char *path = NULL;
	ssize_t n;

	if (pid <= 0)
		return xstrdup("/");
	path = xasprintf("/proc/%ld/cwd", foreground_pid(pid));
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0 || link[0] != '/')
		return xstrdup("/");
	link[n] = '\0';
	return xstrdup(link);
}

/* Which shell reads the line now: the program of the terminal's
 * foreground process, as the host sees it. */
static enum shell_kind shell_kind(struct proxy *px)
{
	char link[4096];
	long pid = shell_pid(px);
	cleanup_free char *path = NULL;
	const char *base;
	ssize_t n;

	if (pid <= 0)
		return SH_UNKNOWN;
	path = xasprintf("/proc/%ld/exe", foreground_pid(pid));
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return SH_UNKNOWN;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strcmp(base, "busybox") == 0)
		return SH_BUSYBOX;
	if (strcmp(base, "bash") == 0)
		return SH_BASH;
	return SH_OTHER;
}

/* All of a command's variables are typed on one line: a command that
 * would need more says so and sets none. */
static bool vars_fit(struct exec_ctx *c, const struct envset *set, char **cause)
{
	struct proxy *px = c->emit_arg;
	struct buf b = {0};
	size_t total;

	for (size_t i = 0; i < set->n; i++) {
		const char *v = set->vars[i].value;
		buf_printf(&b, "export %s=", set->vars[i].name);
		quote_value(&b, v, v + strlen(v));
		buf_append(&b, ";", 1);
	}
	total = px->vars.len + b.len;
	buf_free(&b);
	if (total <= VARS_MAX)
		return true;
	*cause = xasprintf("the variables take %zu bytes to type into this "
			   "shell, and at most %d fit on its line",
			   total, VARS_MAX);
	return false;
}

static int exec_for_shell(struct proxy *px)
{
	struct exec_ctx c = {0};
	int status;

	c.s = px->s;
	c.cwd = shell_cwd(px);
	c.emit = emit;
	c.emit_arg = px;
	c.cancel_fd = cancel_epoll(px);
	c.check_cancel = check_cancel;
	c.cancel_arg = px;
	c.vars_fit = vars_fit;
	log_debug("pty: running '%s'", px->line);
	status = exec_line(&c, px->line, strlen(px->line));
	if (c.cancel_fd >= 0)
		close(c.cancel_fd);
	free(c.cwd);
	return status;
}

/* A '#' line on the screen that the keys did not make: the container may
 * have drawn it.  One line, and nothing runs. */
static const char refused[] =
    "paks: not run: the line on the screen is not the one you typed (the "
    "container may have drawn it); type it again\n";

static void run_command(struct proxy *px)
{
	static const char too_long[] =
	    "paks: nothing set: the variables are too long to type into this "
	    "shell\n";
	int status = 0;

	flush_to_term(px);
	px->term_col0 = true;
	buf_free(&px->vars);
	if (px->refuse) {
		log_debug("pty: refused a line the keys did not make");
		emit_text(px, refused, sizeof(refused) - 1);
	} else {
		status = exec_for_shell(px);
	}
	if (!px->term_col0)
		emit_text(px, "\n", 1);
	free(px->last_line);
	px->last_line = px->line;
	px->line = NULL;
	/* A hook's variables checked only once they all came. */
	if (px->vars.len > VARS_MAX) {
		emit_text(px, too_long, sizeof(too_long) - 1);
		buf_free(&px->vars);
		if (status == 0)
			status = 1;
	}
	/* The status is typed in with the variables; a refused line leaves
	 * the shell alone. */
	if ((px->vars.len || status != 0) && !px->refuse && !px->shutdown_sig) {
		px->shell = shell_kind(px);
		build_injection(px, status);
		set_state(px, PX_WAIT_IDLE);
	} else {
		set_state(px, PX_NORMAL);
		release_held(px);
		start_hold(px);
	}
	buf_free(&px->vars);
}

/* ---- Enter ---- */

static void forward(struct proxy *px, const char *d, size_t n)
{
	iobuf_put(&px->to_master, d, n);
	px->fwd_since_out = true;
}

/* Whether the keys since the last Enter make a paks command by
 * themselves (no recall, no Tab). */
static bool typed_command(struct proxy *px)
{
	cleanup_free char *typed = tline_text(&px->tl);

	return typed && words_is_command(typed, strlen(typed));
}

/* Enter: the line on the screen runs only when it is a paks command at a
 * shell's prompt and the keys the user sent make it (typed-line.c); a
 * paks command on the screen or in the keys that the other does not
 * agree with is refused. */
static void decide_enter(struct proxy *px)
{
	char *line = NULL;
	size_t len = 0;
	bool alt = vscreen_altscreen(px->vs), cmd = false, match = false;
	bool shell = !alt && prompt_is_shell(vscreen_prompt(px->vs));
	bool typed_cmd = shell && typed_command(px);

	px->enter = *iobuf_head(&px->pending_in);
	iobuf_drop(&px->pending_in, 1);
	if (!alt && vscreen_input_line(px->vs, &line, &len) == 1) {
		cmd = shell && words_is_command(line, len);
		match = tline_matches(&px->tl, line, len);
		if (match)
			tline_remember(&px->tl, line, len);
		log_debug("pty: line '%s' prompt '%s'%s%s", line,
			  vscreen_prompt(px->vs), cmd ? " (paks command)" : "",
			  match ? "" : " (not what was typed)");
	}
	tline_reset(&px->tl);
	vscreen_clear_mark(px->vs);
	forward(px, &px->enter, 1);
	px->refuse = !match && (cmd || typed_cmd);
	if ((cmd && match) || px->refuse) {
		px->line = px->refuse ? NULL : line;
		if (px->refuse)
			free(line);
		set_state(px, PX_WAIT_NL);
		return;
	}
	free(line);
	set_state(px, PX_NORMAL);
	start_hold(px);
}

/* Keep the plain characters forwarded since the mark, to know when their
 * echo is on the screen; any other key makes the line unpredictable. */
static void note_typed(struct proxy *px, const char *d, size_t n)
{
	for (size_t i = 0; i < n && px->typed_plain; i++) {
		unsigned char ch = (unsigned char)d[i];
		if (ch < 0x20 || ch == 0x7f || px->typed.len >= TYPED_MAX)
			px->typed_plain = false;
		else
			buf_append(&px->typed, d + i, 1);
	}
}

/* The input line on the screen ends with every key typed since the mark
 * (trailing blanks aside: the screen model trims them). */
static bool echo_complete(struct proxy *px)
{
	char *line = NULL;
	size_t len = 0, n = px->typed.len;
	bool done;

	while (n > 0 && px->typed.data[n - 1] == ' ')
		n--;
	if (vscreen_input_line(px->vs, &line, &len) != 1)
		return false;
	done = len >= n && memcmp(line + len - n, px->typed.data, n) == 0;
	free(line);
	return done;
}

/* Whether Enter may go: see SETTLE_ECHO_MAX_MS. */
static bool settled(struct proxy *px, uint64_t now, uint64_t in_state)
{
	if (px->typed_plain && px->typed.len > 0 && vscreen_marked(px->vs))
		return echo_complete(px) || in_state >= SETTLE_ECHO_MAX_MS;
	return (!px->fwd_since_out && now - px->last_out >= SETTLE_QUIET_MS) ||
	       in_state >= SETTLE_MAX_MS;
}

/* Keys go to the shell as they come, except Enter, which waits until the
 * screen shows what came before it. */
static void process_input(struct proxy *px)
{
	uint64_t now = monotonic_ms();

	while (px->st == PX_NORMAL && px->pending_in.len > 0) {
		char *h = iobuf_head(&px->pending_in);
		size_t n = px->pending_in.len, k;

		if (px->hold) {
			uint64_t max =
			    px->any_output ? HOLD_MAX_MS : STARTUP_HOLD_MAX_MS;
			if (!(px->out_since_hold &&
			      now - px->last_out >= QUIET_MS) &&
			    now - px->hold_since < max)
				return;
			px->hold = false;
		}
		if (vscreen_altscreen(px->vs)) {
			k = iobuf_put(&px->to_master, h, n);
			iobuf_drop(&px->pending_in, k);
			if (k < n)
				return;
			continue;
		}
		for (k = 0; k < n && h[k] != '\r' && h[k] != '\n'; k++)
			;
		if (k > 0) {
			if (!vscreen_marked(px->vs)) {
				vscreen_mark_input(px->vs);
				px->typed.len = 0;
				px->typed_plain = true;
			}
			k = iobuf_put(&px->to_master, h, k);
			note_typed(px, h, k);
			tline_keys(&px->tl, h, k);
			px->fwd_since_out = true;
			iobuf_drop(&px->pending_in, k);
			continue;
		}
		set_state(px, PX_SETTLE);
	}
}

/* ---- time-driven steps ---- */

static bool held_has_echo(struct proxy *px, size_t *end)
{
	const char *h = iobuf_head(&px->held_out), *m, *nl;
	size_t n = px->held_out.len, k = strlen(px->mark);

	/* The mark alone: a long prompt may make the shell wrap the echo
	 * somewhere before it. */
	m = memmem(h, n, px->mark, k);
	if (!m)
		return false;
	m += k;
	nl = memchr(m, '\n', (size_t)(h + n - m));
	if (!nl)
		return false;
	*end = (size_t)(nl + 1 - h);
	return true;
}

/* The bell busybox rings at the end of its history ends the keys sent
 * by scrub_busybox. */
static bool held_has_bell(struct proxy *px, size_t *end)
{
	const char *h = iobuf_head(&px->held_out);
	const char *b = memchr(h, '\a', px->held_out.len);

	if (!b)
		return false;
	*end = (size_t)(b + 1 - h);
	return true;
}

/* busybox ash keeps every non-empty line in its history, the injected
 * one too, and has no way to delete an entry; but a history line edited
 * and left with Ctrl-N is stored edited.  So, at the prompt after the
 * injection: Ctrl-P (the injected line), Ctrl-U, the user's command,
 * Ctrl-N (stores it in that slot), Ctrl-A Ctrl-K (the line is empty even
 * if there was no history to move in), and one more Ctrl-N, which rings
 * the bell that ends the echo hidden from the user.  Up then recalls the
 * user's command (twice), never paks's line. */
static void scrub_busybox(struct proxy *px)
{
	release_held(px);
	forward(px, "\x10\x15", 2);
	forward(px, px->last_line, strlen(px->last_line));
	forward(px, "\x0e\x01\x0b\x0e", 4);
	set_state(px, PX_SCRUB_HIDE);
}

/* PX_HIDE: the hidden line's echo (or the end mark of what `read` took)
 * is dropped once seen, or given up on; then the feed for `read`, or
 * busybox's scrub, or back to normal. */
static void step_hide(struct proxy *px, uint64_t in_state)
{
	size_t end;

	if (held_has_echo(px, &end)) {
		iobuf_drop(&px->held_out, end);
	} else if (in_state < HIDE_MAX_MS && iobuf_space(&px->held_out) > 0 &&
		   !px->master_eof) {
		return;
	} else {
		log_debug("pty: the echo of %s was not seen", px->mark);
	}
	/* `read` runs now: the feed goes to it, not to the line
	 * editor, and stays out of history.  Sent even when the echo
	 * was missed, or `read` would take the user's next line. */
	if (px->feed.len) {
		forward(px, px->feed.data, px->feed.len);
		buf_free(&px->feed);
		snprintf(px->mark, sizeof(px->mark), "%s", px->end_mark);
		set_state(px, PX_HIDE);
		return;
	}
	buf_free(&px->feed);
	buf_free(&px->inject);
	if (px->shell == SH_BUSYBOX && px->last_line && !px->master_eof) {
		set_state(px, PX_SCRUB);
		return;
	}
	set_state(px, PX_NORMAL);
	release_held(px);
	start_hold(px);
}

/* PX_SCRUB_HIDE: drop busybox's echo up to the bell, or give up. */
static void step_scrub_hide(struct proxy *px, uint64_t in_state)
{
	size_t end;

	if (held_has_bell(px, &end)) {
		iobuf_drop(&px->held_out, end);
	} else if (in_state < HIDE_MAX_MS && iobuf_space(&px->held_out) > 0 &&
		   !px->master_eof) {
		return;
	} else {
		log_debug("pty: busybox's history was not seen");
	}
	set_state(px, PX_NORMAL);
	release_held(px);
	start_hold(px);
}

static void step(struct proxy *px)
{
	uint64_t now = monotonic_ms(), in_state = now - px->st_since;

	switch (px->st) {
	case PX_SETTLE:
		if (settled(px, now, in_state))
			decide_enter(px);
		break;
	case PX_WAIT_NL:
		if (in_state >= NEWLINE_MAX_MS)
			set_state(px, PX_RUN);
		break;
	case PX_WAIT_IDLE:
		if ((px->held_out.len > 0 && now - px->last_out >= QUIET_MS) ||
		    in_state >= PROMPT_MAX_MS || px->master_eof) {
			forward(px, px->inject.data, px->inject.len);
			set_state(px, PX_HIDE);
		}
		break;
	case PX_HIDE:
		step_hide(px, in_state);
		break;
	case PX_SCRUB:
		if ((px->held_out.len > 0 && now - px->last_out >= QUIET_MS) ||
		    in_state >= PROMPT_MAX_MS || px->master_eof)
			scrub_busybox(px);
		break;
	case PX_SCRUB_HIDE:
		step_scrub_hide(px, in_state);
		break;
	default:
		break;
	}
	if (px->st == PX_RUN)
		run_command(px);
	process_input(px);
}

static int step_timeout(struct proxy *px)
{
	int t = -1;

	switch (px->st) {
	case PX_SETTLE:
		t = SETTLE_QUIET_MS;
		break;
	case PX_WAIT_NL:
	case PX_WAIT_IDLE:
	case PX_HIDE:
	case PX_SCRUB:
	case PX_SCRUB_HIDE:
		t = QUIET_MS;
		break;
	default:
		if (px->hold && px->pending_in.len > 0)
			t = QUIET_MS;
		break;
	}
	return t;
}

/* ---- I/O events ---- */

static void on_output(struct proxy *px, const char *d, size_t n)
{
	const char *nl;
	size_t k;

	px->last_out = monotonic_ms();
	px->fwd_since_out = false;
	px->out_since_hold = true;
	px->any_output = true;
	switch (px->st) {
	case PX_WAIT_NL:
		nl = memchr(d, '\n', n);
		k = nl ? (size_t)(nl + 1 - d) : n;
		show(px, d, k);
		iobuf_put(&px->held_out, d + k, n - k);
		if (nl)
			set_state(px, PX_RUN);
		break;
	case PX_WAIT_IDLE:
	case PX_HIDE:
	case PX_SCRUB:
	case PX_SCRUB_HIDE:
		iobuf_put(&px->held_out, d, n);
		break;
	default:
		show(px, d, n);
		break;
	}
}

static size_t master_room(struct proxy *px)
{
	if (px->st == PX_NORMAL || px->st == PX_SETTLE)
		return iobuf_space(&px->to_term);
	return iobuf_space(&px->held_out);
}

/* A PTY master hands out at most 4095 bytes a read: gather several before
 * passing them on, so a stream costs fewer writes and loop turns. */
static void read_output(struct proxy *px, int fd, bool *eof)
{
	char buf[IOBUF_SIZE];
	size_t room = master_room(px), got = 0;
	ssize_t n = 0;

	if (room > sizeof(buf))
		room = sizeof(buf);
	while (got < room) {
		n = read(fd, buf + got, room - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got > 0)
		on_output(px, buf, got);
	if (n == 0 || (n < 0 && errno != EAGAIN))
		*eof = true; /* EIO on a master: every slave fd is closed */
}

/* The engine's output: from the pipe when there is one (then the PTY
 * master only carries what the tty itself echoes, normally nothing). */
static void read_master(struct proxy *px)
{
	if (px->out_pipe >= 0)
		read_output(px, px->out_pipe, &px->master_eof);
	else
		read_output(px, px->master, &px->master_eof);
}

static void read_tty_side(struct proxy *px)
{
	if (px->out_pipe >= 0 && !px->master_hup)
		read_output(px, px->master, &px->master_hup);
}

static void read_input(struct proxy *px)
{
	ssize_t n;

	do
		n = read(px->in_fd, iobuf_tail(&px->pending_in),
			 iobuf_space(&px->pending_in));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		px->pending_in.len += (size_t)n;
	} else if (n == 0 || errno != EAGAIN) {
		px->in_eof = true;
		/* No more input: Ctrl-D at the shell's prompt ends it.  On
		 * a terminal, EOF or EIO means it is gone, as with SIGHUP,
		 * which may come later or not at all. */
		if (!px->in_tty)
			iobuf_put(&px->pending_in, "\x04", 1);
		else if (!px->shutdown_sig)
			px->shutdown_sig = SIGHUP;
	}
}

static void write_side(int fd, struct iobuf *b, bool *gone)
{
	ssize_t n;

	do
		n = write(fd, iobuf_head(b), b->len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		iobuf_drop(b, (size_t)n);
	else if (n < 0 && errno != EAGAIN && gone)
		*gone = true;
}

static int loop_once(struct proxy *px)
{
	struct pollfd p[5];
	int timeout = step_timeout(px), r;
	struct timespec ts, *tsp = NULL;
	bool term_gone = false;

	p[0] = (struct pollfd){.fd = px->sigfd, .events = POLLIN};
	p[1] = (struct pollfd){.fd = -1};
	if (!px->in_eof && iobuf_space(&px->pending_in) > 0)
		p[1] = (struct pollfd){.fd = px->in_fd, .events = POLLIN};
	p[2] = (struct pollfd){.fd = px->master};
	if (!px->master_eof && !px->master_hup && master_room(px) > 0)
		p[2].events |= POLLIN;
	if (px->to_master.len > 0 && !px->master_eof && !px->master_hup)
		p[2].events |= POLLOUT;
	p[4] = (struct pollfd){.fd = -1};
	if (px->out_pipe >= 0 && !px->master_eof && master_room(px) > 0)
		p[4] = (struct pollfd){.fd = px->out_pipe, .events = POLLIN};
	p[3] = (struct pollfd){.fd = -1};
	if (px->to_term.len > 0)
		p[3] = (struct pollfd){.fd = px->out_fd, .events = POLLOUT};
	if (timeout >= 0) {
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
		tsp = &ts;
	}
	r = ppoll(p, 5, tsp, NULL);
	if (r < 0 && errno != EINTR)
		return -errno;
	if (r > 0) {
		if (p[0].revents)
			read_signals(px);
		if (p[4].revents)
			read_master(px);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (px->out_pipe >= 0)
				read_tty_side(px);
			else
				read_master(px);
		}
		if (p[1].revents)
			read_input(px);
	}
	step(px);
	/* Write what is pending at once (the fds are nonblocking); ppoll
	 * waits for writability only for what is left over. */
	if (px->to_master.len > 0 && !px->master_eof && !px->master_hup)
		write_side(px->master, &px->to_master, NULL);
	if (px->to_term.len > 0)
		write_side(px->out_fd, &px->to_term, &term_gone);
	if (term_gone)
		iobuf_drop(&px->to_term, px->to_term.len);
	return 0;
}

/* ---- ending ---- */

static void kill_container(struct proxy *px)
{
	if (px->s)
		container_kill(px->s);
}

/* TERM, HUP or INT sent to paks: give the terminal back first (on a line
 * of its own), then stop the container, then the engine client. */
static void shutdown_engine(struct proxy *px)
{
	int row, col;

	log_debug("pty: signal %d, stopping the engine", px->shutdown_sig);
	flush_to_term(px);
	vscreen_cursor(px->vs, &row, &col);
	if (col > 0)
		term_write_all(px, "\r\n", 2);
	terminal_restore(px);
	kill_container(px);
	if (!px->child_done &&
	    proc_reap_within(px->child, KILL_GRACE_MS, &px->status) != 0)
		px->child_done = true;
	close(px->master);
	px->master = -1;
	if (!px->child_done) {
		px->status = proc_stop(px->child, SIGTERM, KILL_GRACE_MS);
		px->child_done = true;
	}
	/* Read the signals that came meanwhile, as the main loop would: none
	 * is left pending for the restored mask. */
	read_signals(px);
	px->status = 128 + px->shutdown_sig;
	if (px->s)
		px->s->stop_signal = px->shutdown_sig;
	/* More HUPs follow a closing terminal: the cleanup after this must
	 * not be cut short when the signal mask is restored. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
}

static void drain_master(struct proxy *px)
{
	while (!px->master_eof) {
		size_t before = px->to_term.len + px->held_out.len;
		if (px->st != PX_NORMAL && px->st != PX_SETTLE) {
			release_held(px);
			set_state(px, PX_NORMAL);
		}
		flush_to_term(px);
		read_master(px);
		if (px->to_term.len + px->held_out.len == before)
			break; /* EAGAIN: nothing left */
	}
	release_held(px);
	flush_to_term(px);
}

static int proxy_loop(struct proxy *px)
{
	int r = 0;

	while (!px->shutdown_sig) {
		r = loop_once(px);
		if (r < 0)
			break;
		if (px->master_eof || px->child_done) {
			drain_master(px);
			terminal_restore(px);
			reap(px, true);
			return px->status;
		}
	}
	if (px->shutdown_sig) {
		shutdown_engine(px);
		return px->status;
	}
	return r;
}

static int signals_setup(struct proxy *px)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, &px->old_mask) < 0)
		return -errno;
	px->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return px->sigfd < 0 ? -errno : 0;
}

static void proxy_free(struct proxy *px)
{
	terminal_restore(px);
	if (px->master >= 0)
		close(px->master);
	if (px->out_pipe >= 0)
		close(px->out_pipe);
	if (px->sigfd >= 0)
		close(px->sigfd);
	sigprocmask(SIG_SETMASK, &px->old_mask, NULL);
	vscreen_free(px->vs);
	buf_free(&px->vars);
	buf_free(&px->typed);
	tline_free(&px->tl);
	free(px->last_line);
	buf_free(&px->inject);
	buf_free(&px->feed);
	free(px->line);
	free(px);
}

int pty_proxy_run(struct session *s, char *const argv[])
{
	struct proxy *px = xcalloc(1, sizeof(*px));
	struct winsize ws;
	int r;

	px->s = s;
	px->in_fd = 0;
	px->out_fd = 1;
	px->master = px->sigfd = px->out_pipe = -1;
	px->in_flags = px->out_flags = -1;
	px->term_col0 = true;
	r = signals_setup(px);
	if (r == 0) {
		terminal_setup(px);
		get_winsize(px, &ws);
		px->vs = vscreen_new(ws.ws_row, ws.ws_col);
		r = spawn_engine(px, argv, &ws);
	}
	if (r == 0) {
		int conn;
		session_go(s);
		/* The launcher closes its end in PTY mode: this one only
		 * carries the launch handshake. */
		if (launch_handshake(s, px->child, &conn) == 0 && conn >= 0)
			close(conn);
		launch_close(s);
		start_hold(px);
		r = proxy_loop(px);
	}
	proxy_free(px);
	return r;
}
