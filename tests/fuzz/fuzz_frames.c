/* SPDX-License-Identifier: MIT */
/*
 * The host side of the request channel: the frame decoder
 * (include/protocol.c) fed in pieces of every size, the session FIFO's
 * HELLO check, and a worker taking its CWD, LINE, COMPLETE and CANCEL
 * frames (server_take_frames in host/server.c).
 *
 * Input: one byte choosing the piece size (1..256), then the bytes the
 * container writes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "paks-protocol.h"
#include "server.h"

/* The session FIFO: only HELLO frames with a valid channel id count;
 * garbage drops what is buffered, as server.c does. */
static void hellos(const uint8_t *data, size_t size, size_t piece)
{
	struct proto_decoder d;

	proto_decoder_init(&d);
	for (size_t off = 0; off < size; off += piece) {
		size_t n = size - off < piece ? size - off : piece;
		const unsigned char *p;
		uint32_t type, len;
		int r;

		if (proto_decoder_feed(&d, data + off, n) < 0)
			continue;
		while ((r = proto_decoder_next(&d, &type, &p, &len)) == 1) {
			char id[PAKS_CHANNEL_ID_MAX + 1];

			if (len > PAKS_FRAME_MAX)
				abort();
			if (type != PAKS_MSG_HELLO ||
			    !proto_valid_channel_id((const char *)p, len))
				continue;
			if (len > PAKS_CHANNEL_ID_MAX)
				abort();
			memcpy(id, p, len);
			id[len] = '\0';
		}
		if (r < 0) {
			proto_decoder_free(&d);
			proto_decoder_init(&d);
		}
	}
	proto_decoder_free(&d);
}

/* A worker's request: read until LINE/COMPLETE or a bad frame, then keep
 * reading (for CANCEL) as the worker does while the command runs. */
static void request(const uint8_t *data, size_t size, size_t piece)
{
	struct worker_req w = {0};
	bool have = false;

	proto_decoder_init(&w.dec);
	for (size_t off = 0; off < size; off += piece) {
		size_t n = size - off < piece ? size - off : piece;
		int r;

		if (proto_decoder_feed(&w.dec, data + off, n) < 0)
			break;
		r = server_take_frames(&w);
		if (r < 0 && !have)
			break;
		if (r == 1)
			have = true;
	}
	if (w.line && (w.line_len > PAKS_FRAME_MAX || w.line[w.line_len]))
		abort();
	if (w.cwd)
		(void)strlen(w.cwd);
	free(w.cwd);
	free(w.line);
	proto_decoder_free(&w.dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t piece;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1;
	hellos(data + 1, size - 1, piece);
	request(data + 1, size - 1, piece);
	return 0;
}
