/* SPDX-License-Identifier: MIT */
/*
 * PTY output fed to the screen model (host/channel/vscreen.c, libvterm behind
 * its guard), in pieces, with the proxy's reads in between: mark the input,
 * read the line at Enter, read a row, resize.
 *
 * Input: rows, cols, then records of one length byte (the low 6 bits: a
 * piece of up to 63 bytes; the high 2 bits: what to do after it) and the
 * piece.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vscreen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vscreen *v;
	size_t off = 2;
	int rows, cols;

	if (size < 2)
		return 0;
	rows = 2 + data[0] % 60;
	cols = 2 + data[1] % 200;
	v = vscreen_new(rows, cols);
	while (off < size) {
		unsigned op = data[off] >> 6;
		size_t n = data[off] & 0x3f;
		char *line = NULL;
		size_t len;
		int row, col;

		off++;
		if (n > size - off)
			n = size - off;
		vscreen_feed(v, (const char *)data + off, n);
		off += n;
		switch (op) {
		case 0:
			vscreen_sync(v);
			break;
		case 1:
			vscreen_mark_input(v);
			(void)strlen(vscreen_prompt(v));
			break;
		case 2:
			if (vscreen_input_line(v, &line, &len) &&
			    len != strlen(line))
				abort();
			free(line);
			break;
		case 3:
			vscreen_cursor(v, &row, &col);
			if (row < 0 || col < 0)
				abort();
			line = vscreen_row_text(v, row);
			free(line);
			if (n > 0 && data[off - 1] % 8 == 0)
				vscreen_resize(v, 2 + (int)(n % 40),
					       2 + (int)data[off - 1] % 120);
			break;
		}
		(void)vscreen_altscreen(v);
	}
	vscreen_free(v);
	return 0;
}
