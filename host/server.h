/* SPDX-License-Identifier: MIT */
/*
 * Preload mode: run the engine on the user's terminal and serve the
 * requests that the preload sends over the session FIFO.
 */
#ifndef PAKS_SERVER_H
#define PAKS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paks-protocol.h"

struct session;

/* One request on a worker's channel, as its frames arrive. */
struct worker_req {
	struct proto_decoder dec;
	char *cwd;
	char *line;
	size_t line_len;
	uint32_t kind; /* PAKS_MSG_LINE or PAKS_MSG_COMPLETE */
	bool cancelled;
};

/* Take the frames decoded so far into w: 1 when its LINE or COMPLETE has
 * arrived, 0 when more is needed, < 0 on a malformed frame.  (The bytes
 * come from the container: tests/fuzz/fuzz_request.c.) */
int server_take_frames(struct worker_req *w);

/* Returns the engine's exit status, or -errno when it could not start. */
int server_run(struct session *s, char *const argv[]);

#endif
