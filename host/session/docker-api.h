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

/* GET path from the daemon at endpoint (unix:///PATH, or tcp://HOST:PORT
 * with HOST as numbers or localhost), giving up after timeout_ms in all.
 * 0 with *r filled, or -1 (cannot connect, no whole response in time,
 * larger than DOCKER_API_MAX, malformed). */
int docker_api_get(const char *endpoint, const char *path, int timeout_ms,
		   struct docker_api_response *r);

/* `docker image inspect REF` asked of the daemon at endpoint: 0 with the
 * image's JSON object in *json_out, 1 when the daemon has no such image
 * (404), -1 for any other answer or failure (then ask the CLI). */
int docker_api_image_inspect(const char *endpoint, const char *ref,
			     struct buf *json_out);

#endif
