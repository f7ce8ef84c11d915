/* SPDX-License-Identifier: MIT */
/*
 * A few requests to dockerd's HTTP API over its unix socket or plain TCP,
 * without the docker CLI.
 */
#ifndef PAKS_DOCKER_API_H
#define PAKS_DOCKER_API_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Longest response paks reads (headers and body). */
#define DOCKER_API_MAX (4u << 20)

struct docker_api_response {
	int status;	 /* 200..599 */
	struct buf body; /* decoded (chunked undone), NUL-terminated */
};

/* Parse the HTTP/1.x response in data[0..len): 1 when it is whole (*r
 * filled; free it with docker_api_response_free), 0 when more bytes are
 * needed, -1 when it is malformed or not a final response.  eof: the
 * server has closed, so a body delimited by neither Content-Length nor
 * chunked coding ends here, and a short one is malformed. */
int docker_api_parse_response(const char *data, size_t len, bool eof,
			      struct docker_api_response *r);
void docker_api_response_free(struct docker_api_response *r);

/* The answer to an upgrade, in data[0..len): the length of its head
 * (status line and headers, up to the blank line), after which the raw
 * stream starts, when it is a whole "101 Switching Protocols"; 0 when
 * more bytes are needed; -1 when it is malformed or another status. */
int docker_api_parse_upgrade(const char *data, size_t len);

/* An exec's output when it has no TTY: frames of STREAM 0 0 0 SIZE (four
 * bytes, big-endian) and SIZE bytes.  Feed it the bytes as they come. */
struct docker_mux {
	unsigned char hdr[8];
	size_t have;   /* bytes of hdr read */
	uint32_t left; /* of the current frame's payload */
	unsigned char stream;
};
/* Append what in[0..n) carries for stdout to *out (stderr and the
 * daemon's own stream are dropped): 0, or -1 when a header is not one. */
int docker_mux_feed(struct docker_mux *m, const char *in, size_t n,
		    struct buf *out);

/* GET path from the daemon at endpoint (unix:///PATH, or tcp://HOST:PORT
 * with HOST as numbers or localhost), giving up after timeout_ms in all.
 * 0 with *r filled, or -1 (cannot connect, no whole response in time,
 * larger than DOCKER_API_MAX, malformed). */
int docker_api_get(const char *endpoint, const char *path, int timeout_ms,
		   struct docker_api_response *r);
/* The same with POST and a JSON body (NULL: a GET). */
int docker_api_post(const char *endpoint, const char *path, const char *body,
		    int timeout_ms, struct docker_api_response *r);
/* POST body to path asking to upgrade the connection to a raw stream (an
 * exec's start): the connected, non-blocking socket once the daemon has
 * said 101, with any stream bytes that came with its answer appended to
 * *early; -1 on any failure. */
int docker_api_upgrade(const char *endpoint, const char *path, const char *body,
		       int timeout_ms, struct buf *early);

/* `docker image inspect REF` asked of the daemon at endpoint, without
 * waiting for its answer: the connection, the request sent, or -1. */
int docker_api_image_ask(const char *endpoint, const char *ref);
/* The answer on fd (from docker_api_image_ask), within timeout_ms: 0 with
 * the image's JSON object in *json_out, 1 when the daemon has no such
 * image (404), -1 for any other answer or failure (then ask the CLI). */
int docker_api_image_answer(int fd, int timeout_ms, struct buf *json_out);

#endif
