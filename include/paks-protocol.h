/* SPDX-License-Identifier: MIT */
/*
 * The wire protocol between the preload (inside the container's bash) and
 * the paks host process.  Both sides compile against this one header.
 *
 * The session FIFO ("req" in the runtime directory) only ever carries one
 * small HELLO frame per request, naming a private channel: two FIFOs
 * "<id>.q" (client -> host) and "<id>.a" (host -> client) that the client
 * created beforehand.  HELLO frames are far below PIPE_BUF, so writes from
 * several shells at once never interleave; everything that can be large
 * travels on the private pair, so two shells never cross.
 *
 * A frame is an 8-byte header, type then payload length, both 32-bit
 * little-endian, followed by the payload.
 *
 * Client -> host on <id>.q:  CWD, then LINE (run it) or COMPLETE (candidates
 * for Tab); then at any time CANCEL (Ctrl-C).  Closing <id>.q also cancels.
 * Host -> client on <id>.a:  OUT / ERR chunks as they are produced, SETVAR
 * records, CANDIDATE records, and finally exactly one EXIT.
 */
#ifndef PAKS_PROTOCOL_H
#define PAKS_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define PAKS_PROTOCOL_VERSION 1

/* Where the runtime directory appears inside the container.  /dev is a
 * tmpfs that the runtime creates for every container, so the mountpoint is
 * never part of the writable layer and never reaches a saved image. */
#define PAKS_CONTAINER_DIR "/dev/.paks"
#define PAKS_FIFO_NAME	   "req"
#define PAKS_PRELOAD_NAME  "libpaks-preload.so"

/* Environment of the shell inside the container. */
#define PAKS_ENV_DIR "PAKS_DIR"

#define PAKS_FRAME_HDR 8u
#define PAKS_FRAME_MAX (1u << 20)
/* A paks command line longer than this is refused with a clear error. */
#define PAKS_LINE_MAX	    (32u * 1024u)
#define PAKS_CHANNEL_ID_MAX 48u

enum paks_msg {
	PAKS_MSG_HELLO = 1,    /* payload: channel id "<pid>-<seq>-<rand>" */
	PAKS_MSG_CWD = 2,      /* payload: the shell's current directory */
	PAKS_MSG_LINE = 3,     /* payload: the command line, run it */
	PAKS_MSG_COMPLETE = 4, /* payload: the line up to the cursor */
	PAKS_MSG_CANCEL = 5,   /* no payload */

	PAKS_MSG_OUT = 16,	 /* payload: bytes for stdout */
	PAKS_MSG_ERR = 17,	 /* payload: bytes for stderr */
	PAKS_MSG_SETVAR = 18,	 /* payload: NAME '\0' VALUE (exported) */
	PAKS_MSG_CANDIDATE = 19, /* payload: one completion candidate */
	PAKS_MSG_EXIT = 20,	 /* payload: 4-byte little-endian status */
	/* No payload, first on .a: the worker holds .q open for reading, so
	 * the client's open of .q succeeds at once.  The client waits for
	 * it in poll() instead of retrying the open on a timer. */
	PAKS_MSG_READY = 21,
};

/* Incremental decoder for a byte stream of frames. */
struct proto_decoder {
	unsigned char *buf;
	size_t len;
	size_t cap;
	size_t off; /* start of the next undelivered frame */
};

int proto_valid_type(uint32_t type);
void proto_encode_header(unsigned char hdr[PAKS_FRAME_HDR], uint32_t type,
			 uint32_t len);
int proto_decode_header(const unsigned char hdr[PAKS_FRAME_HDR], uint32_t *type,
			uint32_t *len);
/* Encode a whole frame into a malloc'd buffer; returns its size or -errno. */
long proto_encode(uint32_t type, const void *payload, size_t len,
		  unsigned char **out);
/* Write one frame, retrying short writes and EINTR.  0 or -errno. */
int proto_write(int fd, uint32_t type, const void *payload, size_t len);

void proto_decoder_init(struct proto_decoder *d);
void proto_decoder_free(struct proto_decoder *d);
int proto_decoder_feed(struct proto_decoder *d, const void *data, size_t n);
/* 1 and a frame (payload points into the decoder, valid until the next
 * feed), 0 when more bytes are needed, -EPROTO or -EMSGSIZE on garbage. */
int proto_decoder_next(struct proto_decoder *d, uint32_t *type,
		       const unsigned char **payload, uint32_t *len);

/* Channel ids name files in the runtime directory: [0-9a-z-] only. */
int proto_valid_channel_id(const char *id, size_t len);

/* 4-byte little-endian integers for EXIT. */
void proto_put_i32(unsigned char out[4], int32_t v);
int32_t proto_get_i32(const unsigned char in[4]);

#endif
