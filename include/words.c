/* SPDX-License-Identifier: MIT */
/*
 * Shell-like word splitting for paks command lines.  Quotes group words but
 * nothing is ever expanded or executed, so '#save suffix=$(touch x)' is only
 * text.  Shared by host and preload.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "paks-protocol.h"
#include "words.h"

int words_is_command(const char *line, size_t len)
{
	char c;

	if (len < 2 || line[0] != '#')
		return 0;
	c = line[1];
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int words_valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		unsigned int cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + n >= len)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and values past U+10FFFF */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

struct wbuf {
	char *s;
	size_t len;
	size_t cap;
};

static int wbuf_put(struct wbuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *n = realloc(b->s, cap);
		if (!n)
			return -ENOMEM;
		b->s = n;
		b->cap = cap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
	return 0;
}

/* Make sure the word exists even when it is empty, as in '' or "". */
static int wbuf_start(struct wbuf *b)
{
	if (b->s)
		return 0;
	b->s = calloc(1, 32);
	if (!b->s)
		return -ENOMEM;
	b->cap = 32;
	return 0;
}

static int words_push(struct words *w, struct wbuf *b)
{
	char **n = realloc(w->argv, sizeof(char *) * (size_t)(w->argc + 2));

	if (!n)
		return -ENOMEM;
	w->argv = n;
	if (wbuf_start(b))
		return -ENOMEM;
	w->argv[w->argc++] = b->s;
	w->argv[w->argc] = NULL;
	memset(b, 0, sizeof(*b));
	return 0;
}

void words_free(struct words *w)
{
	for (int i = 0; i < w->argc; i++)
		free(w->argv[i]);
	free(w->argv);
	w->argv = NULL;
	w->argc = 0;
}

static int check_bytes(const char *line, size_t len, const char **cause)
{
	if (len > PAKS_LINE_MAX) {
		*cause = "command line too long";
		return -E2BIG;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*cause = "control character in command line";
			return -EINVAL;
		}
	}
	if (!words_valid_utf8(line, len)) {
		*cause = "invalid UTF-8 in command line";
		return -EINVAL;
	}
	return 0;
}

/* The splitter's state machine: outside a word, in a bare word, in '...',
 * in "...". */
enum wstate { W_BLANK, W_WORD, W_SQ, W_DQ };

static int split_loop(const char *line, size_t len, struct words *out,
		      struct wbuf *b, const char **cause)
{
	enum wstate st = W_BLANK;
	int r = 0;

	for (size_t i = 0; i < len && r == 0; i++) {
		char c = line[i];
		switch (st) {
		case W_BLANK:
		case W_WORD:
			if (c == ' ' || c == '\t') {
				if (st == W_WORD)
					r = words_push(out, b);
				st = W_BLANK;
			} else if (c == '\'') {
				st = W_SQ;
				r = wbuf_start(b);
			} else if (c == '"') {
				st = W_DQ;
				r = wbuf_start(b);
			} else if (c == '\\') {
				if (i + 1 >= len) {
					*cause = "trailing backslash";
					return -EINVAL;
				}
				r = wbuf_put(b, line[++i]);
				st = W_WORD;
			} else {
				r = wbuf_put(b, c);
				st = W_WORD;
			}
			break;
		case W_SQ:
			if (c == '\'')
				st = W_WORD;
			else
				r = wbuf_put(b, c);
			break;
		case W_DQ:
			if (c == '"') {
				st = W_WORD;
			} else if (c == '\\' && i + 1 < len &&
				   strchr("\\\"$`", line[i + 1])) {
				r = wbuf_put(b, line[++i]);
			} else {
				r = wbuf_put(b, c);
			}
			break;
		}
	}
	if (r)
		return r;
	if (st == W_SQ || st == W_DQ) {
		*cause = st == W_SQ ? "unbalanced single quote"
				    : "unbalanced double quote";
		return -EINVAL;
	}
	return st == W_WORD ? words_push(out, b) : 0;
}

int words_split(const char *line, size_t len, struct words *out,
		const char **cause)
{
	struct wbuf b = {0};
	int r;

	out->argc = 0;
	out->argv = NULL;
	*cause = "out of memory";
	r = check_bytes(line, len, cause);
	if (r)
		return r;
	r = split_loop(line, len, out, &b, cause);
	free(b.s);
	if (r) {
		words_free(out);
		return r;
	}
	if (!out->argv) {
		out->argv = calloc(1, sizeof(char *));
		if (!out->argv)
			return -ENOMEM;
	}
	return 0;
}
