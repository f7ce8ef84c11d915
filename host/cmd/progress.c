/* SPDX-License-Identifier: MIT */
/*
 * The progress line of #save, #push and #export.  The engines' own
 * progress output is hidden (it is a screenful of "Copying blob" lines);
 * instead the bytes done are read from the size of the file being
 * written, which works the same for every engine and tool.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "progress.h"
#include "util.h"

/* Plain lines are for logs: one every ten seconds is enough. */
#define TTY_EVERY   0.5
#define PLAIN_EVERY 10.0

static double since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - a->tv_sec) +
	       (double)(now.tv_nsec - a->tv_nsec) / 1e9;
}

double progress_elapsed(const struct progress *p)
{
	return since(&p->t0);
}

void progress_init(struct progress *p, struct exec_ctx *c)
{
	const char *nc = getenv("NO_COLOR");

	memset(p, 0, sizeof(*p));
	p->c = c;
	p->tty = isatty(STDOUT_FILENO) && !(nc && *nc);
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
}

static void draw(struct progress *p)
{
	char done[32] = "", total[32] = "", line[160];
	struct stat st;
	int n;

	if (p->watch && stat(p->watch, &st) == 0)
		format_size((double)st.st_size, done, sizeof(done));
	if (p->total)
		format_size((double)p->total, total, sizeof(total));
	n = snprintf(line, sizeof(line), "%s%s%s%s%s  %.0fs", p->phase,
		     *done ? "  " : "", done, *total ? " / " : "", total,
		     progress_elapsed(p));
	if (n < 0)
		return;
	if (p->tty) {
		exec_out(p->c, "\r%s\033[K", line);
		p->drawn = true;
	} else {
		exec_out(p->c, "%s\n", line);
	}
	clock_gettime(CLOCK_MONOTONIC, &p->last);
}

void progress_phase(struct progress *p, const char *phase, const char *watch,
		    uint64_t total)
{
	p->phase = phase;
	p->watch = watch;
	p->total = total;
	draw(p);
}

void progress_tick(void *arg)
{
	struct progress *p = arg;

	if (p->phase && since(&p->last) >= (p->tty ? TTY_EVERY : PLAIN_EVERY))
		draw(p);
}

void progress_clear(struct progress *p)
{
	if (p->drawn)
		exec_out(p->c, "\r\033[K");
	p->drawn = false;
}

void progress_done(struct progress *p, const char *what, uint64_t size)
{
	char sz[32] = "";

	progress_clear(p);
	p->phase = NULL;
	if (size)
		format_size((double)size, sz, sizeof(sz));
	exec_out(p->c, "%s (%s%s%.0fs)\n", what, sz, *sz ? ", " : "",
		 progress_elapsed(p));
}

int progress_run(struct progress *p, char *const argv[], const char *in,
		 bool verbose, char **cause)
{
	struct buf out = {0}, err = {0};
	struct spawn_opts o = {
	    .in = in,
	    .out = verbose ? NULL : &out,
	    .err = verbose ? NULL : &err,
	    .tick = verbose ? NULL : progress_tick,
	    .tick_arg = p,
	};
	int r;

	if (verbose)
		progress_clear(p);
	r = exec_spawn(p->c, argv, &o);
	if (r != 0)
		progress_clear(p);
	if (r < 0)
		*cause = xasprintf("cannot run %s: %s", argv[0], strerror(-r));
	else if (r != 0 && !p->c->cancelled)
		*cause = buf_last_line(&err);
	buf_free(&out);
	buf_free(&err);
	return r;
}
