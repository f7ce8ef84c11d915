/* SPDX-License-Identifier: MIT */
/*
 * Recognising paks command lines and splitting them into words.  Shared by
 * the host, the preload and the PTY proxy; libc only.
 */
#ifndef PAKS_WORDS_H
#define PAKS_WORDS_H

#include <stddef.h>

struct words {
	int argc;
	char **argv; /* NULL-terminated, each malloc'd */
};

/* 1 when the line is a paks command ('#' then a letter), else 0.  '# text',
 * '#!...' and a lone '#' stay ordinary comments. */
int words_is_command(const char *line, size_t len);

/* Split like shell words: blanks separate, '...' is literal, "..." honours
 * \\ \" \$ and \`, a backslash outside quotes escapes the next byte.  A
 * line is one line: a newline is a control byte and refused, so there is
 * no \newline continuation.  Nothing is expanded: '$(...)' is just text.
 * On error returns -EINVAL (unbalanced quote, control byte, invalid UTF-8)
 * or -E2BIG (line longer than PAKS_LINE_MAX) and sets *cause to a static
 * message. */
int words_split(const char *line, size_t len, struct words *out,
		const char **cause);
void words_free(struct words *w);

/* 1 when [s, s+len) is valid UTF-8. */
int words_valid_utf8(const char *s, size_t len);

#endif
