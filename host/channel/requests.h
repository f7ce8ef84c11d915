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

/* A well-behaved shell has at most a few abandoned requests queued.
 * Requests beyond that are refused, not dropped: each still gets its
 * answer (an ERR line and EXIT), in order.  Refused requests that come one
 * after another share one entry, so the queue has room for REQUESTS_MAX
 * requests and a run of refused ones around each: it never grows with
 * what the container sends. */
#define REQUESTS_MAX	 16
#define REQUESTS_ENTRIES (2 * REQUESTS_MAX + 1)

struct request {
	char *cwd; /* the latest CWD before it, or NULL */
	char *line;
	size_t len;
	uint32_t kind; /* PAKS_MSG_LINE or PAKS_MSG_COMPLETE */
	bool cancelled;
	/* Not 0: this entry stands for that many refused requests, which
	 * have neither line nor cwd. */
	uint64_t refused;
};

struct requests {
	struct proto_decoder dec;
	char *cwd; /* the latest CWD frame */
	struct request queue[REQUESTS_ENTRIES];
	size_t queued;	     /* entries */
	size_t waiting;	     /* requests to run in them, at most REQUESTS_MAX */
	bool cancel_running; /* a CANCEL for the request already started */
};

void requests_init(struct requests *q);
void requests_free(struct requests *q);
/* Feed bytes from the shell and queue what they complete: 0, or -EPROTO /
 * -EMSGSIZE when they are not what a shell sends (a frame type it never
 * sends, a frame too long: stop serving the connection).  Too many
 * requests at once are not an error: they are queued as refused. */
int requests_feed(struct requests *q, const void *data, size_t len);
/* Take the oldest entry into *rq (free it with request_free): false when
 * none is queued.  rq->refused says it is a run of refused requests. */
bool requests_pop(struct requests *q, struct request *rq);
/* Forget every queued request. */
void requests_clear(struct requests *q);
void request_free(struct request *rq);

#endif
