/* SPDX-License-Identifier: MIT */
/*
 * The GitHub Actions env-file format, read by the rules of actions/runner
 * (src/Runner.Worker/FileCommandManager.cs, SetEnvFileCommand): split on LF,
 * skip empty lines; whichever of the first '=' and the first "<<" comes
 * first decides between NAME=VALUE and NAME<<DELIMITER; values are literal;
 * a heredoc value is every line up to one exactly equal to the delimiter,
 * without the newline before it.  paks adds one rule: a name must be a shell
 * variable name.  The runner stops at the first bad line; paks skips it and
 * goes on, as for NUL records, except where the rest of the stream cannot be
 * told apart from a value (an empty delimiter, an unterminated heredoc).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"
#include "util.h"
#include "varname.h"

#define EXCERPT_MAX 40

struct line {
	const char *s;
	size_t n;
	bool has_nl; /* ended by LF, not by the end of the data */
};

struct reader {
	const char *data;
	size_t len, pos;
};

/* The next line without its LF; false at the end of the data. */
static bool next_line(struct reader *r, struct line *l)
{
	const char *nl;

	if (r->pos >= r->len)
		return false;
	l->s = r->data + r->pos;
	nl = memchr(l->s, '\n', r->len - r->pos);
	l->n = nl ? (size_t)(nl - l->s) : r->len - r->pos;
	l->has_nl = nl != NULL;
	r->pos += l->n + (nl ? 1 : 0);
	return true;
}

/* A printable, bounded rendering of untrusted bytes for the cause line. */
static char *excerpt(const char *s, size_t n)
{
	struct buf b = {0};
	size_t m = n > EXCERPT_MAX ? EXCERPT_MAX : n;

	for (size_t i = 0; i < m; i++) {
		unsigned char ch = (unsigned char)s[i];
		char out = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
		buf_append(&b, &out, 1);
	}
	if (m < n)
		buf_append(&b, "...", 3);
	buf_append(&b, "", 1);
	return b.data;
}

static void fail(struct envfile *f, const char *what, const struct line *l)
{
	if (f->bad++ == 0) {
		cleanup_free char *e = excerpt(l->s, l->n);
		f->cause = xasprintf("%s: '%s'", what, e);
	}
}

static void add(struct envfile *f, const char *name, size_t nn,
		const char *value, size_t vn)
{
	f->pairs = xrealloc(f->pairs, (f->n + 1) * sizeof(*f->pairs));
	f->pairs[f->n].name = xmalloc(nn + 1);
	memcpy(f->pairs[f->n].name, name, nn);
	f->pairs[f->n].name[nn] = '\0';
	f->pairs[f->n].value = xmalloc(vn + 1);
	memcpy(f->pairs[f->n].value, value, vn);
	f->pairs[f->n].value[vn] = '\0';
	f->n++;
}

static void simple(struct envfile *f, const struct line *l, const char *eq)
{
	size_t nn = (size_t)(eq - l->s);

	if (!varname_valid(l->s, nn)) {
		fail(f, "invalid variable name", l);
		return;
	}
	add(f, l->s, nn, eq + 1, l->n - nn - 1);
}

/* NAME<<DELIMITER: false when the rest of the data cannot be parsed. */
static bool heredoc(struct envfile *f, struct reader *r, const struct line *l,
		    const char *lt)
{
	size_t nn = (size_t)(lt - l->s);
	const char *delim = lt + 2;
	size_t dn = l->n - nn - 2;
	size_t start = r->pos, end = r->pos;
	struct line v;

	if (dn == 0) {
		fail(f, "heredoc without a delimiter", l);
		return false;
	}
	for (;;) {
		if (!next_line(r, &v)) {
			fail(f, "matching delimiter not found", l);
			return false;
		}
		if (v.n == dn && memcmp(v.s, delim, dn) == 0)
			break;
		if (!v.has_nl) {
			fail(f, "EOF marker missing new line", l);
			return false;
		}
		end = r->pos - 1;
	}
	if (!varname_valid(l->s, nn)) {
		fail(f, "invalid variable name", l);
		return true;
	}
	add(f, l->s, nn, r->data + start, end > start ? end - start : 0);
	return true;
}

int envfile_parse(const char *data, size_t len, struct envfile *out)
{
	struct reader r = {data, len, 0};
	struct line l;

	memset(out, 0, sizeof(*out));
	/* The runner reads the file as text: a UTF-8 byte order mark is not
	 * part of the first name. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r.pos = 3;
	while (next_line(&r, &l)) {
		const char *eq, *lt;

		if (l.n == 0)
			continue;
		eq = memchr(l.s, '=', l.n);
		lt = memmem(l.s, l.n, "<<", 2);
		if (eq && (!lt || eq < lt))
			simple(out, &l, eq);
		else if (lt) {
			if (!heredoc(out, &r, &l, lt))
				break;
		} else
			fail(out, "invalid format", &l);
	}
	return out->bad ? -EINVAL : 0;
}

void envfile_free(struct envfile *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->pairs[i].name);
		free(f->pairs[i].value);
	}
	free(f->pairs);
	free(f->cause);
	memset(f, 0, sizeof(*f));
}
