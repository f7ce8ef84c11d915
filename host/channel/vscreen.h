/* SPDX-License-Identifier: MIT */
/*
 * A virtual copy of the user's screen, kept by the PTY proxy: every byte
 * the proxy shows the user is fed to a libvterm screen of the same size, so
 * that when Enter is pressed the proxy can read the line the shell really
 * holds (after its own history recall, editing and completion, or after
 * the kernel's canonical editing for shells without line editing) instead
 * of guessing it from keystrokes.
 */
#ifndef PAKS_VSCREEN_H
#define PAKS_VSCREEN_H

#include <stdbool.h>
#include <stddef.h>

struct vscreen;

struct vscreen *vscreen_new(int rows, int cols);
void vscreen_free(struct vscreen *v);
void vscreen_resize(struct vscreen *v, int rows, int cols);
/* Queue output; it reaches libvterm when the screen is next looked at. */
void vscreen_feed(struct vscreen *v, const char *data, size_t len);
/* Feed what is queued (every function below does this first). */
void vscreen_sync(struct vscreen *v);

/* True while a full-screen program (vi, less, top) has switched to the
 * alternate screen: the proxy must not interpret anything then. */
bool vscreen_altscreen(struct vscreen *v);
void vscreen_cursor(struct vscreen *v, int *row, int *col);

/* The user started typing a line: remember where the cursor is.  The text
 * left of it on its row is taken as the prompt. */
void vscreen_mark_input(struct vscreen *v);
void vscreen_clear_mark(struct vscreen *v);
bool vscreen_marked(struct vscreen *v);
/* The prompt text recorded by the last mark ("" when none). */
const char *vscreen_prompt(const struct vscreen *v);

/* The line being edited, prompt stripped, trailing blanks trimmed: the
 * nearest row at or above the cursor that starts with the prompt, plus the
 * rows it wraps onto.  Returns 1 and a malloc'd NUL-terminated string, 0
 * when no line can be found (no mark, the prompt scrolled away, or a
 * flood of output since the mark was only partly kept). */
int vscreen_input_line(struct vscreen *v, char **line, size_t *len);

/* One row's text (UTF-8, trailing blanks trimmed), malloc'd. */
char *vscreen_row_text(struct vscreen *v, int row);

#endif
