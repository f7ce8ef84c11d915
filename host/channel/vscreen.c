/* SPDX-License-Identifier: MIT */
/*
 * The PTY proxy's model of the user's screen (see vscreen.h).  libvterm
 * does the terminal emulation; this file adds what paks needs on top: the
 * alternate-screen flag, a mark where the user started typing (the prompt
 * is the text left of it), and reading back the edited line at Enter.
 *
 * Why the screen and not the keystrokes: busybox ash redraws the whole
 * line ("\r" + prompt + text + "\e[J") on history recall, Tab and Ctrl-U,
 * and moves the cursor with "\b" and CSI sequences; dash has no line
 * editor at all and the kernel's canonical mode echoes Backspace as
 * "\b \b".  Both end with the screen showing exactly the line the shell
 * holds, so reading the screen works for both without knowing either.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "util.h"
#include "vscreen.h"

/* libvterm 0.1 manages about 15 MB/s of long lines and well under 1 MB/s
 * of short ones (every scroll moves the whole screen), far slower than an
 * engine streams output.  So output is only queued when it arrives and fed
 * when someone looks at the screen; a queue grown past BACKLOG_MAX keeps
 * only what can still be visible: its last `rows` lines, at most TAIL_MAX
 * bytes.  Reading the line at Enter needs only the bottom of the screen,
 * and the alternate-screen switches in what is dropped are kept. */
#define BACKLOG_MAX (64u * 1024u)
#define TAIL_MAX    (16u * 1024u)

struct vt_guard {
	int state;
	int seps;   /* separators in this CSI so far */
	long param; /* value of the parameter being read */
	bool skip;  /* this CSI or DCS was cancelled: drop the rest of it */
	unsigned char u8[4]; /* the UTF-8 character being read */
	int u8len, u8need;   /* its bytes so far, and still to come */
};

/* What the guard gives libvterm, gathered and written in chunks. */
struct vt_out {
	VTerm *vt;
	size_t len;
	char data[4096];
};

struct vscreen {
	VTerm *vt;
	struct vt_guard guard;
	VTermScreen *screen;
	struct buf backlog; /* output not yet fed to libvterm */
	bool dropped;	    /* part of the backlog was thrown away */
	int alt_dropped;    /* last switch in what was dropped: -1 none */
	int rows, cols;
	bool altscreen;
	bool marked;
	int mark_row; /* follows scrolling; may go negative */
	int mark_col;
	int max_row; /* lowest row the cursor reached since the mark */
	char *prompt;
};

/* libvterm 0.1.4 (Debian 12) keeps a CSI sequence's parameters in
 * `long args[16]` and stores one at every ';' or ':' without a bounds
 * check: the 16th separator writes past the array, over the parser's
 * callback pointers, and the next callback crashes.  Truecolour SGR
 * ("\e[38:2:R:G:B;48:2:R:G:B;...m") reaches that in everyday output.  A
 * parameter is also a count libvterm loops over, and its digits
 * accumulate in a long without a limit.  So every byte passes through a
 * copy of libvterm's parser states first (kept across writes: a sequence
 * can arrive in pieces), and a CSI that would get its 16th separator or a
 * parameter above CSI_PARAM_MAX is cancelled with CAN and the rest of it
 * dropped.  Controls inside it still pass, as libvterm acts on them
 * inside a CSI too.
 *
 * DCS strings are dropped whole (CAN instead of the 'P'): in libvterm
 * they only ask for answers, which are the real terminal's job, and
 * 0.1.4 answers an unknown DECRQSS ("\eP$qzm\e\\") with
 * printf("%.s", (int)len, str), taking the length for the string pointer.
 * OSC strings pass: libvterm truncates them to its buffer.
 *
 * REP ("\e[Nb", repeat the last character) is cancelled too: libvterm
 * 0.1.4 loops forever on it when nothing was printed before it ("\e[b"
 * on a fresh screen).  Shells do not print it; a full-screen program that
 * does runs on the alternate screen, which paks does not read.
 *
 * Text reaches libvterm only as whole, valid UTF-8 characters.  0.1.4
 * decodes a C1 control sent as UTF-8 (U+0080..U+009F) as a character of
 * width -1 (its wcwidth): each one moves the cursor a column left, past
 * column 0, and the next character in insert mode (IRM, "\e[4h") shifts
 * the row from column -1 with a negative memmove.  Its decoders also keep
 * a partial character across controls and across writes, in one of five
 * decoder states depending on the byte a run of text starts with.  So
 * the guard holds a character back until it is complete, drops C1
 * controls, and gives U+FFFD for anything that is not UTF-8 (RFC 3629:
 * no overlong forms, surrogates or code points above U+10FFFF), as
 * libvterm shows it. */
#define CSI_SEPS_MAX  15
#define CSI_PARAM_MAX 65535L

enum {
	G_NORMAL,
	G_ESC,
	G_CSI_LEADER,
	G_CSI_ARGS,
	G_CSI_INTERMED,
	G_STRING,
	G_ESC_IN_STRING,
};

static void out_flush(struct vt_out *o)
{
	if (o->len > 0)
		vterm_input_write(o->vt, o->data, o->len);
	o->len = 0;
}

static void out_put(struct vt_out *o, const char *p, size_t n)
{
	if (o->len + n > sizeof(o->data))
		out_flush(o);
	memcpy(o->data + o->len, p, n);
	o->len += n;
}

static void out_byte(struct vt_out *o, unsigned char c)
{
	char b = (char)c;

	out_put(o, &b, 1);
}

#define UTF8_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* The range the byte after a UTF-8 lead byte must be in; after \xc2 the
 * C1 controls (\x80..\x9f) are handled by the caller. */
static void utf8_second(unsigned char lead, unsigned char *lo,
			unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (lead == 0xe0)
		*lo = 0xa0;
	else if (lead == 0xed)
		*hi = 0x9f;
	else if (lead == 0xf0)
		*lo = 0x90;
	else if (lead == 0xf4)
		*hi = 0x8f;
}

/* A character left incomplete: U+FFFD in its place. */
static void utf8_abandon(struct vt_guard *g, struct vt_out *o)
{
	if (g->u8len == 0)
		return;
	out_put(o, UTF8_REPLACEMENT, 3);
	g->u8len = 0;
	g->u8need = 0;
}

/* A text byte (>= 0x20, outside any sequence): libvterm gets only whole,
 * valid UTF-8 characters, never a C1 control (see above). */
static void guard_text(struct vt_guard *g, unsigned char c, struct vt_out *o)
{
	unsigned char lo, hi;

	if (g->u8len > 0) {
		utf8_second(g->u8[0], &lo, &hi);
		if (g->u8len > 1) {
			lo = 0x80;
			hi = 0xbf;
		}
		if (g->u8len == 1 && g->u8[0] == 0xc2 && c >= 0x80 &&
		    c < 0xa0) { /* a C1 control: dropped whole */
			g->u8len = 0;
			g->u8need = 0;
			return;
		}
		if (c < lo || c > hi) {
			utf8_abandon(g, o);
		} else {
			g->u8[g->u8len++] = c;
			if (--g->u8need == 0) {
				out_put(o, (const char *)g->u8,
					(size_t)g->u8len);
				g->u8len = 0;
			}
			return;
		}
	}
	if (c < 0x80) {
		out_byte(o, c);
	} else if (c >= 0xc2 && c <= 0xf4) {
		g->u8[0] = c;
		g->u8len = 1;
		g->u8need = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
	} else {
		out_put(o, UTF8_REPLACEMENT, 3);
	}
}

/* A C0 control or DEL outside text: true when c was one (and is dealt
 * with), false for a printable byte or one >= 0x80. */
static bool guard_control(struct vt_guard *g, unsigned char c, struct vt_out *o)
{
	if (c == 0x00 || c == 0x7f) {
		out_byte(o, c);
		return true;
	}
	if (c == 0x18 || c == 0x1a) { /* CAN, SUB: back to ground */
		g->state = G_NORMAL;
		g->skip = false;
		out_byte(o, c);
		return true;
	}
	if (c == 0x1b) {
		g->state = g->state == G_STRING ? G_ESC_IN_STRING : G_ESC;
		g->skip = false;
		out_byte(o, c);
		return true;
	}
	if (c == 0x07 && g->state == G_STRING) {
		if (!g->skip)
			out_byte(o, c);
		g->state = G_NORMAL;
		g->skip = false;
		return true;
	}
	if (c < 0x20) { /* other C0: acted on, state kept */
		out_byte(o, c);
		return true;
	}
	return false;
}

/* The byte after ESC (also inside a string, where ESC \ ends it). */
static void guard_esc(struct vt_guard *g, unsigned char c, struct vt_out *o)
{
	if (g->state == G_ESC_IN_STRING) {
		if (c == '\\') {
			g->state = G_NORMAL;
			out_byte(o, c);
			return;
		}
		g->state = G_ESC;
	}
	if (c == '[') {
		g->state = G_CSI_LEADER;
		g->seps = 0;
		g->param = 0;
	} else if (c == 'P') {
		g->state = G_STRING;
		g->skip = true;
		out_byte(o, 0x18);
		return;
	} else if (c == ']') {
		g->state = G_STRING;
	} else if (c >= 0x30 && c <= 0x7e) {
		g->state = G_NORMAL;
	}
	/* intermediates and bytes >= 0x80 stay in ESC, as there */
	out_byte(o, c);
}

/* A CSI parameter byte (digit, ':' or ';'): passed on while the count of
 * separators and the value stay in bounds, else the CSI is cancelled and
 * the rest of it skipped. */
static void guard_csi_param(struct vt_guard *g, unsigned char c,
			    struct vt_out *o)
{
	if (g->skip)
		return;
	if (c == ':' || c == ';') {
		g->param = 0;
		if (++g->seps <= CSI_SEPS_MAX) {
			out_byte(o, c);
			return;
		}
	} else {
		g->param = g->param * 10 + (c - '0');
		if (g->param <= CSI_PARAM_MAX) {
			out_byte(o, c);
			return;
		}
	}
	g->skip = true;
	out_byte(o, 0x18);
}

/* A byte of a CSI: private leader, parameters, intermediates, final. */
static void guard_csi(struct vt_guard *g, unsigned char c, struct vt_out *o)
{
	if (g->state == G_CSI_LEADER) {
		if (c >= 0x3c && c <= 0x3f) {
			out_byte(o, c);
			return;
		}
		g->state = G_CSI_ARGS;
	}
	if (g->state == G_CSI_ARGS) {
		if ((c >= '0' && c <= '9') || c == ':' || c == ';') {
			guard_csi_param(g, c, o);
			return;
		}
		g->state = G_CSI_INTERMED;
	}
	if (c >= 0x20 && c <= 0x2f) {
		if (!g->skip)
			out_byte(o, c);
		return;
	}
	/* the final byte, or an invalid one: the CSI ends */
	g->state = G_NORMAL;
	if (g->skip) {
		g->skip = false;
		return;
	}
	if (c == 'b') { /* REP: see above */
		out_byte(o, 0x18);
		return;
	}
	out_byte(o, c);
}

/* One byte through the guard: what libvterm gets goes to o (the byte,
 * nothing, or a CAN or a replacement before it). */
static void guard_byte(struct vt_guard *g, unsigned char c, struct vt_out *o)
{
	if (g->state == G_NORMAL && c >= 0x20 && c != 0x7f) {
		guard_text(g, c, o);
		return;
	}
	/* A control ends a character in progress (libvterm would keep it
	 * across the control and complete it with the bytes after). */
	utf8_abandon(g, o);
	if (guard_control(g, c, o))
		return;

	switch (g->state) {
	case G_STRING:
		if (!g->skip)
			out_byte(o, c);
		return;
	case G_ESC_IN_STRING:
	case G_ESC:
		guard_esc(g, c, o);
		return;
	case G_CSI_LEADER:
	case G_CSI_ARGS:
	case G_CSI_INTERMED:
		guard_csi(g, c, o);
		return;
	}
}

/* Move libvterm's cursor to pos (0-based) with a CUP.  Only between
 * sequences: the guard starts over. */
static void move_cursor(struct vscreen *v, VTermPos pos)
{
	char cup[32];
	int n;

	n = snprintf(cup, sizeof(cup), "\x1b[%d;%dH", pos.row + 1, pos.col + 1);
	vterm_input_write(v->vt, cup, (size_t)n);
	memset(&v->guard, 0, sizeof(v->guard));
}

/* libvterm 0.1.4 moves the cursor up with the lines a shorter screen
 * pushes into the scrollback, past row 0 when the cursor was near the
 * top, and the next character is written outside the screen (vim#6141,
 * fixed in libvterm 0.2).  Column -1 came from C1 controls sent as
 * UTF-8 (tests/fuzz/corpus/vscreen/crash-negative-column), which the
 * guard now drops; the cursor is still checked after every write.  Put it
 * back with a cursor move. */
static void put_cursor_on_screen(struct vscreen *v)
{
	VTermPos pos, on;

	vterm_state_get_cursorpos(vterm_obtain_state(v->vt), &pos);
	on.row = pos.row < 0 ? 0 : pos.row >= v->rows ? v->rows - 1 : pos.row;
	on.col = pos.col < 0 ? 0 : pos.col >= v->cols ? v->cols - 1 : pos.col;
	if (on.row != pos.row || on.col != pos.col)
		move_cursor(v, on);
}

/* vterm_input_write through the guard. */
static void vt_write(struct vscreen *v, const char *data, size_t len)
{
	struct vt_out o = {.vt = v->vt};

	for (size_t i = 0; i < len; i++)
		guard_byte(&v->guard, (unsigned char)data[i], &o);
	out_flush(&o);
	put_cursor_on_screen(v);
}

static int cb_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct vscreen *v = user;

	if (prop == VTERM_PROP_ALTSCREEN)
		v->altscreen = val->boolean;
	return 1;
}

/* A line left the top of the screen: everything we remember moves up. */
static int cb_pushline(int cols, const VTermScreenCell *cells, void *user)
{
	struct vscreen *v = user;

	(void)cols;
	(void)cells;
	if (v->marked) {
		v->mark_row--;
		v->max_row--;
	}
	return 1;
}

static const VTermScreenCallbacks screen_cbs = {
    .settermprop = cb_settermprop,
    .sb_pushline = cb_pushline,
};

/* Answers to queries (cursor position reports, device attributes) are the
 * real terminal's job: drop libvterm's. */
static void discard_output(const char *s, size_t len, void *user)
{
	(void)s;
	(void)len;
	(void)user;
}

struct vscreen *vscreen_new(int rows, int cols)
{
	struct vscreen *v = xcalloc(1, sizeof(*v));

	if (rows < 2)
		rows = 24;
	if (cols < 2)
		cols = 80;
	v->rows = rows;
	v->cols = cols;
	v->vt = vterm_new(rows, cols);
	vterm_set_utf8(v->vt, 1);
	vterm_output_set_callback(v->vt, discard_output, NULL);
	v->screen = vterm_obtain_screen(v->vt);
	vterm_screen_set_callbacks(v->screen, &screen_cbs, v);
	vterm_screen_enable_altscreen(v->screen, 1);
	/* Nobody listens to damage: let libvterm merge it all. */
	vterm_screen_set_damage_merge(v->screen, VTERM_DAMAGE_SCROLL);
	vterm_screen_reset(v->screen, 1);
	v->prompt = xstrdup("");
	v->alt_dropped = -1;
	return v;
}

void vscreen_free(struct vscreen *v)
{
	if (!v)
		return;
	vterm_free(v->vt);
	buf_free(&v->backlog);
	free(v->prompt);
	free(v);
}

void vscreen_resize(struct vscreen *v, int rows, int cols)
{
	VTermState *st;
	VTermPos pos;

	if (rows < 2 || cols < 2 || (rows == v->rows && cols == v->cols))
		return;
	vscreen_sync(v);
	st = vterm_obtain_state(v->vt);
	/* libvterm 0.1.4 keeps what the program set inside the old screen
	 * across a resize that leaves it outside the new one.  A scroll
	 * region (DECSTBM) is then scrolled with a negative memmove
	 * (tests/fuzz/corpus/vscreen/crash-resize-scroll-region), left and
	 * right margins (DECSLRM) stop the screen from scrolling, and a saved
	 * cursor (DECSC) is restored (DECRC) below the last row, where a line
	 * attribute (DECDHL) writes past the rows
	 * (tests/fuzz/corpus/vscreen/crash-resize-saved-cursor).  So the
	 * margins are reset before (both sequences home the cursor: it is put
	 * back), and after, the saved cursor is restored, moved onto the
	 * screen and saved again (its pen comes along: paks reads only
	 * text), and the cursor put back. */
	vterm_state_get_cursorpos(st, &pos);
	vterm_input_write(v->vt, "\x1b[r\x1b[s", 6);
	move_cursor(v, pos);
	vterm_set_size(v->vt, rows, cols);
	v->rows = rows;
	v->cols = cols;
	put_cursor_on_screen(v);
	vterm_state_get_cursorpos(st, &pos);
	vterm_input_write(v->vt,
			  "\x1b"
			  "8",
			  2);
	put_cursor_on_screen(v);
	vterm_input_write(v->vt,
			  "\x1b"
			  "7",
			  2);
	move_cursor(v, pos);
}

static void cursor_pos(struct vscreen *v, int *row, int *col)
{
	VTermPos pos;

	vterm_state_get_cursorpos(vterm_obtain_state(v->vt), &pos);
	*row = pos.row;
	*col = pos.col;
}

/* The last "\e[?1049h", "\e[?1047h" or "\e[?47h" (or ...l) in [d, d+n):
 * 1 enter, 0 leave, -1 none. */
static int last_alt_switch(const char *d, size_t n)
{
	static const char *const seqs[] = {"\x1b[?1049", "\x1b[?1047",
					   "\x1b[?47"};
	const char *end = d + n, *p = d;
	int last = -1;

	while ((p = memchr(p, '\x1b', (size_t)(end - p))) != NULL) {
		for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
			size_t k = strlen(seqs[i]);
			if ((size_t)(end - p) > k &&
			    memcmp(p, seqs[i], k) == 0 &&
			    (p[k] == 'h' || p[k] == 'l'))
				last = p[k] == 'h';
		}
		p++;
	}
	return last;
}

/* Keep the last `rows` lines of the backlog, at most TAIL_MAX bytes. */
static void trim_backlog(struct vscreen *v)
{
	const char *d = v->backlog.data;
	size_t n = v->backlog.len, keep, floor = n - TAIL_MAX;
	const char *p = d + n;
	int lines = 0, alt;

	while (lines <= v->rows && p > d + floor) {
		const char *nl =
		    memrchr(d + floor, '\n', (size_t)(p - d - floor));
		if (!nl)
			break;
		p = nl;
		lines++;
	}
	/* Complete lines when there are any, else just the last bytes. */
	keep = lines > 0 ? (size_t)(d + n - (p + 1)) : TAIL_MAX;
	alt = last_alt_switch(d, n - keep);
	if (alt >= 0)
		v->alt_dropped = alt;
	memmove(v->backlog.data, d + n - keep, keep);
	v->backlog.len = keep;
	v->dropped = true;
}

void vscreen_sync(struct vscreen *v)
{
	int row, col;

	if (v->dropped) {
		/* The line being typed, if any, went with what was dropped. */
		v->marked = false;
		v->dropped = false;
		if (v->alt_dropped >= 0)
			vt_write(v,
				 v->alt_dropped ? "\x1b[?1049h" : "\x1b[?1049l",
				 8);
		v->alt_dropped = -1;
	}
	if (v->backlog.len == 0)
		return;
	vt_write(v, v->backlog.data, v->backlog.len);
	v->backlog.len = 0;
	if (v->marked) {
		cursor_pos(v, &row, &col);
		if (row > v->max_row)
			v->max_row = row;
	}
}

void vscreen_cursor(struct vscreen *v, int *row, int *col)
{
	vscreen_sync(v);
	cursor_pos(v, row, col);
}

void vscreen_feed(struct vscreen *v, const char *data, size_t len)
{
	if (len == 0)
		return;
	buf_append(&v->backlog, data, len);
	if (v->backlog.len > BACKLOG_MAX)
		trim_backlog(v);
}

bool vscreen_altscreen(struct vscreen *v)
{
	vscreen_sync(v);
	return v->altscreen;
}

static void put_utf8(struct buf *b, uint32_t c)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	buf_append(b, u, n);
}

/* Append the text of cells [from, to) of row; blank cells become spaces,
 * the right half of a wide character adds nothing. */
static void row_append(const struct vscreen *v, int row, int from, int to,
		       struct buf *b)
{
	VTermScreenCell cell;

	for (int col = from; col < to; col++) {
		VTermPos pos = {.row = row, .col = col};

		if (!vterm_screen_get_cell(v->screen, pos, &cell))
			continue;
		if (cell.chars[0] == (uint32_t)-1)
			continue;
		if (cell.chars[0] == 0) {
			buf_append(b, " ", 1);
			continue;
		}
		for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i];
		     i++)
			put_utf8(b, cell.chars[i]);
	}
}

static char *buf_steal_string(struct buf *b, size_t *len)
{
	buf_append(b, "", 1);
	if (len)
		*len = b->len - 1;
	return b->data;
}

static void trim_trailing_blanks(struct buf *b)
{
	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->len--;
}

char *vscreen_row_text(struct vscreen *v, int row)
{
	struct buf b = {0};

	vscreen_sync(v);
	if (row >= 0 && row < v->rows)
		row_append(v, row, 0, v->cols, &b);
	trim_trailing_blanks(&b);
	return buf_steal_string(&b, NULL);
}

void vscreen_mark_input(struct vscreen *v)
{
	struct buf b = {0};
	int row, col;

	vscreen_cursor(v, &row, &col);
	row_append(v, row, 0, col, &b);
	free(v->prompt);
	v->prompt = buf_steal_string(&b, NULL);
	v->marked = true;
	v->mark_row = row;
	v->mark_col = col;
	v->max_row = row;
}

void vscreen_clear_mark(struct vscreen *v)
{
	v->marked = false;
}

bool vscreen_marked(struct vscreen *v)
{
	vscreen_sync(v);
	return v->marked;
}

const char *vscreen_prompt(const struct vscreen *v)
{
	return v->prompt;
}

static bool row_starts_with_prompt(const struct vscreen *v, int row)
{
	struct buf b = {0};
	bool same;

	row_append(v, row, 0, v->mark_col, &b);
	same = b.len == strlen(v->prompt) &&
	       memcmp(b.data ? b.data : "", v->prompt, b.len) == 0;
	buf_free(&b);
	return same;
}

/* The last cell holds something: the shell's text ran on to the next row
 * (ash wraps with an explicit "\r\n", the kernel echo by autowrap; either
 * way the row is full). */
static bool row_full(const struct vscreen *v, int row)
{
	VTermScreenCell cell;
	VTermPos pos = {.row = row, .col = v->cols - 1};

	if (!vterm_screen_get_cell(v->screen, pos, &cell))
		return false;
	if (cell.chars[0] != 0)
		return true;
	pos.col--;
	return vterm_screen_get_cell(v->screen, pos, &cell) &&
	       cell.chars[0] != 0 && cell.width == 2;
}

static bool prompt_blank(const char *p)
{
	return p[strspn(p, " ")] == '\0';
}

/* The row the line starts on: the nearest row at or above the cursor that
 * begins with the prompt and is not itself the tail of a wrapped row.
 * Searching instead of trusting the mark's row handles the shell
 * reprinting its prompt lower down (ash after Ctrl-C or an ambiguous Tab)
 * or at the top (Ctrl-L). */
static int find_start_row(const struct vscreen *v, int cur)
{
	int lo = 0;

	if (v->mark_row >= 0 && v->mark_row <= cur)
		lo = v->mark_row;
	if (prompt_blank(v->prompt))
		return v->mark_row >= 0 && v->mark_row <= cur ? v->mark_row
							      : -1;
	for (int r = cur; r >= lo; r--) {
		if (!row_starts_with_prompt(v, r))
			continue;
		if (r > lo && row_full(v, r - 1))
			continue;
		return r;
	}
	return -1;
}

int vscreen_input_line(struct vscreen *v, char **line, size_t *len)
{
	struct buf b = {0};
	int cur, col, start, end;

	*line = NULL;
	vscreen_cursor(v, &cur, &col);
	if (!v->marked)
		return 0;
	start = find_start_row(v, cur);
	if (start < 0)
		return 0;
	end = cur > v->max_row ? cur : v->max_row;
	if (end >= v->rows)
		end = v->rows - 1;
	row_append(v, start, v->mark_col, v->cols, &b);
	for (int r = start; r < end && row_full(v, r); r++)
		row_append(v, r + 1, 0, v->cols, &b);
	trim_trailing_blanks(&b);
	*line = buf_steal_string(&b, len);
	return 1;
}
