/* SPDX-License-Identifier: MIT */
/*
 * The typed-line record (PTY mode): the proxy sees every key the user
 * sends, and plays it on a small model of a line editor, the subset on
 * which busybox ash, readline, zsh's ZLE and the kernel's canonical mode
 * agree: printable keys, Backspace, Delete, cursor moves, Ctrl-U at the end
 * of the line, Ctrl-K, Ctrl-W.  History keys make the line "recalled": it
 * must then be one of the lines the user entered in this session, edited
 * by the keys after the recall; Tab makes it "completed": the typed prefix
 * (which holds the whole command word), then the shell's text, then what
 * was typed after.  Any other key makes the line unsure, and an unsure
 * line never matches: the proxy refuses rather than guesses.
 */
#include <stdlib.h>
#include <string.h>

#include "typed-line.h"

enum key {
	K_NONE, /* inside an escape sequence */
	K_CHAR,
	K_BS,
	K_DEL,
	K_LEFT,
	K_RIGHT,
	K_HOME,
	K_END,
	K_KILL_BACK,
	K_KILL_FWD,
	K_WORD_BACK,
	K_TAB,
	K_RECALL,
	K_SEARCH,
	K_CANCEL,
	K_NOOP,
	K_PASTE_START,
	K_PASTE_END,
	K_OTHER,
};

static enum key key_csi(const char *s, size_t n)
{
	static const struct {
		const char *seq;
		enum key k;
	} map[] = {
	    {"[A", K_RECALL},  {"[B", K_RECALL},	 {"[C", K_RIGHT},
	    {"[D", K_LEFT},    {"[H", K_HOME},		 {"[F", K_END},
	    {"OA", K_RECALL},  {"OB", K_RECALL},	 {"OC", K_RIGHT},
	    {"OD", K_LEFT},    {"OH", K_HOME},		 {"OF", K_END},
	    {"[1~", K_HOME},   {"[7~", K_HOME},		 {"[4~", K_END},
	    {"[8~", K_END},    {"[3~", K_DEL},		 {"[5~", K_RECALL},
	    {"[6~", K_RECALL}, {"[200~", K_PASTE_START}, {"[201~", K_PASTE_END},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].seq) == n && memcmp(map[i].seq, s, n) == 0)
			return map[i].k;
	/* The terminal's answers, not keys: a cursor position report
	 * (busybox asks for one at every prompt), device attributes, focus
	 * in and out. */
	if (s[0] == '[' && n >= 2 &&
	    (s[n - 1] == 'R' || s[n - 1] == 'I' || s[n - 1] == 'O' ||
	     (s[n - 1] == 'c' && (s[1] == '?' || s[1] == '>'))))
		return K_NOOP;
	return K_OTHER;
}

static enum key key_ctl(unsigned char c)
{
	switch (c) {
	case 0x01:
		return K_HOME;
	case 0x02:
		return K_LEFT;
	case 0x03:
		return K_CANCEL;
	case 0x04:
		return K_DEL;
	case 0x05:
		return K_END;
	case 0x06:
		return K_RIGHT;
	case 0x08:
	case 0x7f:
		return K_BS;
	case 0x09:
		return K_TAB;
	case 0x0b:
		return K_KILL_FWD;
	case 0x0c:
		return K_NOOP;
	case 0x0e:
	case 0x10:
		return K_RECALL;
	case 0x12:
	case 0x13:
		return K_SEARCH;
	case 0x15:
		return K_KILL_BACK;
	case 0x17:
		return K_WORD_BACK;
	default:
		return K_OTHER;
	}
}

/* One byte in; a key out once it is complete (K_NONE before). */
static enum key key_next(struct tline *t, unsigned char c)
{
	if (t->esc_len > 0) {
		if (t->esc_len >= sizeof(t->esc)) {
			t->esc_len = 0;
			return K_OTHER;
		}
		t->esc[t->esc_len++] = (char)c;
		if (t->esc_len == 2 && c != '[' && c != 'O') {
			t->esc_len = 0;
			return K_OTHER; /* Alt-key */
		}
		if (t->esc_len == 2)
			return K_NONE;
		if (t->esc[1] == 'O' || (c >= 0x40 && c <= 0x7e)) {
			enum key k = key_csi(t->esc + 1, t->esc_len - 1);
			t->esc_len = 0;
			return k;
		}
		return K_NONE;
	}
	if (c == 0x1b) {
		t->esc[0] = (char)c;
		t->esc_len = 1;
		return K_NONE;
	}
	if (c >= 0x20 && c != 0x7f)
		return K_CHAR;
	return key_ctl(c);
}

/* ---- the model of a line editor ---- */

static bool is_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

static void text_delete(struct buf *b, size_t from, size_t to)
{
	memmove(b->data + from, b->data + to, b->len - to);
	b->len -= to - from;
}

static size_t char_before(const struct buf *b, size_t cur)
{
	if (cur == 0)
		return 0;
	cur--;
	while (cur > 0 && is_cont(b->data[cur]))
		cur--;
	return cur;
}

static size_t char_after(const struct buf *b, size_t cur)
{
	if (cur >= b->len)
		return b->len;
	cur++;
	while (cur < b->len && is_cont(b->data[cur]))
		cur++;
	return cur;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void insert_char(struct buf *b, size_t *cur, char c)
{
	buf_append(b, &c, 1);
	memmove(b->data + *cur + 1, b->data + *cur, b->len - 1 - *cur);
	b->data[*cur] = c;
	(*cur)++;
}

/* Apply one key to a line; false when the shells would not agree on what
 * it does. */
static bool apply_key(struct buf *b, size_t *cur, enum key k, char c)
{
	size_t p;

	switch (k) {
	case K_CHAR:
		insert_char(b, cur, c);
		return true;
	case K_BS:
		p = char_before(b, *cur);
		text_delete(b, p, *cur);
		*cur = p;
		return true;
	case K_DEL:
		text_delete(b, *cur, char_after(b, *cur));
		return true;
	case K_LEFT:
		*cur = char_before(b, *cur);
		return true;
	case K_RIGHT:
		*cur = char_after(b, *cur);
		return true;
	case K_HOME:
		*cur = 0;
		return true;
	case K_END:
		*cur = b->len;
		return true;
	case K_KILL_BACK:
		/* Before the cursor (ash, readline) or the whole line
		 * (zsh, the kernel): the same only at the end. */
		if (*cur != b->len)
			return false;
		b->len = 0;
		*cur = 0;
		return true;
	case K_KILL_FWD:
		b->len = *cur;
		return true;
	case K_WORD_BACK:
		p = *cur;
		while (p > 0 && is_blank(b->data[p - 1]))
			p--;
		while (p > 0 && !is_blank(b->data[p - 1]))
			p--;
		text_delete(b, p, *cur);
		*cur = p;
		return true;
	case K_NOOP:
		return true;
	default:
		return false;
	}
}

/* ---- the record ---- */

static void set_unsure(struct tline *t)
{
	t->kind = TLINE_UNSURE;
	t->edits.len = 0;
	t->suffix.len = 0;
	t->searching = false;
}

void tline_reset(struct tline *t)
{
	t->kind = TLINE_TYPED;
	t->text.len = 0;
	t->cursor = 0;
	t->edits.len = 0;
	t->suffix.len = 0;
	t->searching = false;
	t->search_edited = false;
	t->paste = false;
	t->esc_len = 0;
}

static void start_recall(struct tline *t, bool search)
{
	t->kind = TLINE_RECALLED;
	t->edits.len = 0;
	t->searching = search;
	t->search_edited = search;
}

static void key_typed(struct tline *t, enum key k, char c)
{
	if (k == K_TAB) {
		/* The whole command word must be typed before a Tab. */
		if (t->cursor != t->text.len) {
			set_unsure(t);
			return;
		}
		t->kind = TLINE_COMPLETED;
		t->suffix.len = 0;
		return;
	}
	if (!apply_key(&t->text, &t->cursor, k, c))
		set_unsure(t);
}

static void key_completed(struct tline *t, enum key k, char c)
{
	if (k == K_CHAR) {
		buf_append(&t->suffix, &c, 1);
	} else if (k == K_BS && t->suffix.len > 0) {
		t->suffix.len = char_before(&t->suffix, t->suffix.len);
	} else if (k == K_TAB) {
		t->suffix.len = 0; /* what came after is the shell's too */
	} else if (k != K_NOOP) {
		set_unsure(t);
	}
}

static void key_recalled(struct tline *t, enum key k, char c)
{
	if (t->searching) {
		/* Ctrl-R: keys make the search string, not the line. */
		if (k == K_CHAR || k == K_BS || k == K_SEARCH || k == K_NOOP)
			return;
		t->searching = false;
	}
	if (t->search_edited) {
		/* After a search the cursor is where the match was: only
		 * moves keep the line one of history's. */
		if (k == K_LEFT || k == K_RIGHT || k == K_HOME || k == K_END ||
		    k == K_NOOP)
			return;
		set_unsure(t);
		return;
	}
	if (k == K_TAB || k == K_OTHER || t->edits.len + 2 > TLINE_KEYS_MAX) {
		set_unsure(t);
		return;
	}
	char e[2] = {(char)k, c};
	buf_append(&t->edits, e, 2);
}

static void key_in(struct tline *t, enum key k, char c)
{
	if (t->paste) {
		if (k == K_PASTE_END)
			t->paste = false;
		else if (k == K_NOOP)
			return;
		else if (k != K_CHAR)
			set_unsure(t);
		else if (t->kind == TLINE_TYPED)
			key_typed(t, k, c);
		else if (t->kind == TLINE_COMPLETED)
			key_completed(t, k, c);
		else if (t->kind == TLINE_RECALLED)
			key_recalled(t, k, c);
		return;
	}
	if (k == K_CANCEL) {
		tline_reset(t);
		return;
	}
	if (k == K_PASTE_START) {
		t->paste = true;
		return;
	}
	if (t->kind == TLINE_UNSURE)
		return;
	if (k == K_RECALL || k == K_SEARCH) {
		start_recall(t, k == K_SEARCH);
		return;
	}
	if (t->kind == TLINE_TYPED)
		key_typed(t, k, c);
	else if (t->kind == TLINE_COMPLETED)
		key_completed(t, k, c);
	else
		key_recalled(t, k, c);
}

void tline_keys(struct tline *t, const char *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum key k = key_next(t, (unsigned char)d[i]);
		if (k == K_NONE)
			continue;
		if (t->text.len + t->suffix.len >= TLINE_KEYS_MAX)
			set_unsure(t);
		key_in(t, k, d[i]);
	}
}

/* ---- matching ---- */

static size_t trimmed(const char *s, size_t n)
{
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	return n;
}

static bool same(const char *a, size_t an, const char *b, size_t bn)
{
	an = trimmed(a, an);
	bn = trimmed(b, bn);
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static bool replay_matches(const struct tline *t, const char *h,
			   const char *line, size_t len)
{
	struct buf b = {0};
	size_t cur;
	bool ok = true;

	buf_append(&b, h, strlen(h));
	cur = b.len;
	for (size_t i = 0; ok && i + 1 < t->edits.len; i += 2)
		ok = apply_key(&b, &cur, (enum key)t->edits.data[i],
			       t->edits.data[i + 1]);
	ok = ok && same(b.data, b.len, line, len);
	buf_free(&b);
	return ok;
}

/* What Tab put in, m[0..n): the rest of the one word under the cursor,
 * and at most the space a shell adds after a whole word.  Anything can
 * draw on the screen, so a middle that holds more words (a job drawing
 * "HOME SECRET" after the "HOM" you typed) is not a completion. */
static bool one_word(const char *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i] == '\\')
			i++;
		else if ((m[i] == ' ' || m[i] == '\t') && i + 1 < n)
			return false;
	}
	return true;
}

static bool completed_matches(const struct tline *t, const char *line,
			      size_t len)
{
	size_t pn = t->text.len, sn = trimmed(t->suffix.data, t->suffix.len);

	if (!memchr(t->text.data ? t->text.data : "", ' ', pn))
		return false;
	len = trimmed(line, len);
	return len >= pn + sn && memcmp(line, t->text.data, pn) == 0 &&
	       (sn == 0 || memcmp(line + len - sn, t->suffix.data, sn) == 0) &&
	       one_word(line + pn, len - sn - pn);
}

bool tline_matches(const struct tline *t, const char *line, size_t len)
{
	switch (t->kind) {
	case TLINE_TYPED:
		return !t->paste && same(t->text.data, t->text.len, line, len);
	case TLINE_COMPLETED:
		return !t->paste && completed_matches(t, line, len);
	case TLINE_RECALLED:
		for (size_t i = t->nhist; i > 0; i--)
			if (replay_matches(t, t->hist[i - 1], line, len))
				return true;
		return false;
	default:
		return false;
	}
}

char *tline_text(const struct tline *t)
{
	size_t n;
	char *s;

	if (t->kind != TLINE_TYPED)
		return NULL;
	n = trimmed(t->text.data, t->text.len);
	s = xmalloc(n + 1);
	if (n)
		memcpy(s, t->text.data, n);
	s[n] = '\0';
	return s;
}

void tline_remember(struct tline *t, const char *line, size_t len)
{
	len = trimmed(line, len);
	if (len == 0 || memchr(line, '\0', len))
		return;
	if (t->nhist > 0 && strlen(t->hist[t->nhist - 1]) == len &&
	    memcmp(t->hist[t->nhist - 1], line, len) == 0)
		return;
	if (t->nhist == TLINE_HISTORY_MAX) {
		free(t->hist[0]);
		memmove(t->hist, t->hist + 1,
			(t->nhist - 1) * sizeof(t->hist[0]));
		t->nhist--;
	}
	t->hist = xrealloc(t->hist, (t->nhist + 1) * sizeof(t->hist[0]));
	t->hist[t->nhist] = xmalloc(len + 1);
	memcpy(t->hist[t->nhist], line, len);
	t->hist[t->nhist][len] = '\0';
	t->nhist++;
}

void tline_free(struct tline *t)
{
	for (size_t i = 0; i < t->nhist; i++)
		free(t->hist[i]);
	free(t->hist);
	buf_free(&t->text);
	buf_free(&t->edits);
	buf_free(&t->suffix);
	memset(t, 0, sizeof(*t));
}
