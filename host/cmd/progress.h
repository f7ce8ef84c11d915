/* SPDX-License-Identifier: MIT */
/*
 * One progress line for the long commands (#save, #push, #export): a
 * phase, bytes done (and the total when known), elapsed time, redrawn in
 * place on a terminal and printed as plain lines otherwise.
 */
#ifndef PAKS_PROGRESS_H
#define PAKS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct exec_ctx;

struct progress {
	struct exec_ctx *c;
	bool tty;	    /* redraw in place (a terminal, and no NO_COLOR) */
	const char *phase;  /* "committing", "writing", "squashing", ... */
	const char *watch;  /* a file whose size is the bytes done, or NULL */
	uint64_t total;	    /* 0: unknown */
	struct timespec t0; /* start of the whole command */
	struct timespec last;
	bool drawn; /* a line is on screen without its newline */
};

void progress_init(struct progress *p, struct exec_ctx *c);
/* Start a phase; watch (may be NULL) is read for the bytes done. */
void progress_phase(struct progress *p, const char *phase, const char *watch,
		    uint64_t total);
/* Redraw when due; fits spawn_opts.tick. */
void progress_tick(void *p);
/* Clear the line and print the summary: "WHAT (SIZE, TIME)", size
 * left out when 0. */
void progress_done(struct progress *p, const char *what, uint64_t size);
/* Clear a half-drawn line before an error is printed. */
void progress_clear(struct progress *p);
/* Run an engine step (argv, stdin from the file in when non-NULL) under
 * the line: its output is hidden unless verbose.  Returns the exit
 * status (130 when cancelled) or -errno; on failure the line is cleared
 * and *cause says why (the step's last error line, or that it could not
 * be started). */
int progress_run(struct progress *p, char *const argv[], const char *in,
		 bool verbose, char **cause);
/* Seconds since progress_init. */
double progress_elapsed(const struct progress *p);

#endif
