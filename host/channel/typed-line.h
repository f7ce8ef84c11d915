/* SPDX-License-Identifier: MIT */
/*
 * The PTY proxy's own record of the line the user is typing: every key the
 * user sends since the last Enter, played on a small model of a line
 * editor, and the lines the user entered before (for recall).  A '#' line
 * read from the screen runs only when this record agrees with it, so that
 * nothing the container prints becomes a command.
 */
#ifndef PAKS_TYPED_LINE_H
#define PAKS_TYPED_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum tline_kind {
	TLINE_TYPED,	 /* text is exactly what the keys made */
	TLINE_RECALLED,	 /* a line from history, then the keys in edits */
	TLINE_COMPLETED, /* typed prefix, Tab's text, typed suffix */
	TLINE_UNSURE,	 /* keys the model cannot follow */
};

#define TLINE_HISTORY_MAX 1000
#define TLINE_KEYS_MAX	  8192

struct tline {
	enum tline_kind kind;
	struct buf text; /* TYPED: the line; COMPLETED: the typed prefix */
	size_t cursor;
	struct buf edits;  /* RECALLED: keys after the recall */
	struct buf suffix; /* COMPLETED: typed after the last Tab */
	bool searching;	   /* RECALLED: in Ctrl-R's search */
	bool search_edited;
	bool paste; /* inside a bracketed paste */
	char esc[16];
	size_t esc_len;
	char **hist; /* lines entered before, oldest first */
	size_t nhist;
};

/* Start a new line (Enter, Ctrl-C); history is kept. */
void tline_reset(struct tline *t);
/* Keys the user sent to the shell. */
void tline_keys(struct tline *t, const char *d, size_t n);
/* Whether LINE (the screen's, trailing blanks trimmed) is what the keys
 * since the last Enter make. */
bool tline_matches(const struct tline *t, const char *line, size_t len);
/* The line as typed, when the keys alone say what it is (malloc'd, trailing
 * blanks trimmed), else NULL. */
char *tline_text(const struct tline *t);
/* LINE was entered and verified: it may be recalled later. */
void tline_remember(struct tline *t, const char *line, size_t len);
void tline_free(struct tline *t);

#endif
