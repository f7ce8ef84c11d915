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

struct vscreen {
	VTerm *vt;
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
	if (rows < 2 || cols < 2 || (rows == v->rows && cols == v->cols))
		return;
	vscreen_sync(v);
	vterm_set_size(v->vt, rows, cols);
	v->rows = rows;
	v->cols = cols;
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
			vterm_input_write(
			    v->vt,
			    v->alt_dropped ? "\x1b[?1049h" : "\x1b[?1049l", 8);
		v->alt_dropped = -1;
	}
	if (v->backlog.len == 0)
		return;
	vterm_input_write(v->vt, v->backlog.data, v->backlog.len);
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
