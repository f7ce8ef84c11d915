/* SPDX-License-Identifier: MIT */
/*
 * The requests a shell sends on its connection, decoded and queued in
 * order: the bytes are the container's, so this is the host's parser of
 * them (fuzzed by tests/fuzz/fuzz_frames.c).
 */
#ifndef PAKS_REQUESTS_H
#define PAKS_REQUESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paks-protocol.h"

/* A well-behaved shell has at most a few abandoned requests queued. */
#define REQUESTS_MAX 16

struct request {
	char *cwd; /* the latest CWD before it, or NULL */
	char *line;
	size_t len;
	uint32_t kind; /* PAKS_MSG_LINE or PAKS_MSG_COMPLETE */
	bool cancelled;
};

struct requests {
	struct proto_decoder dec;
	char *cwd; /* the latest CWD frame */
	struct request queue[REQUESTS_MAX];
	size_t queued;
	bool cancel_running; /* a CANCEL for the request already started */
};

void requests_init(struct requests *q);
void requests_free(struct requests *q);
/* Feed bytes from the shell and queue what they complete: 0, or -EPROTO /
 * -EMSGSIZE when they are not what a shell sends (drop the connection). */
int requests_feed(struct requests *q, const void *data, size_t len);
/* Take the oldest request into *rq (free it with request_free): false when
 * none is queued. */
bool requests_pop(struct requests *q, struct request *rq);
/* Forget every queued request. */
void requests_clear(struct requests *q);
void request_free(struct request *rq);

#endif
