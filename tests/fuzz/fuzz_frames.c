/* SPDX-License-Identifier: MIT */
/*
 * The host side of the shell's connection: the frame decoder
 * (include/protocol.c) and the request queue (host/channel/requests.c) fed the
 * bytes in pieces of every size, with requests taken off the queue as the
 * server does between reads.
 *
 * Input: one byte choosing the piece size (1..256), then the bytes the
 * container writes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "requests.h"

static void check(const struct request *rq)
{
	/* A run of refused requests carries nothing but its count. */
	if (rq->refused) {
		if (rq->line || rq->cwd)
			abort();
		return;
	}
	if (rq->kind != PAKS_MSG_LINE && rq->kind != PAKS_MSG_COMPLETE)
		abort();
	if (rq->len > PAKS_FRAME_MAX || rq->line[rq->len])
		abort();
	if (rq->cwd)
		(void)strlen(rq->cwd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct requests q;
	struct request rq;
	size_t piece;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	requests_init(&q);
	for (size_t off = 0; off < size; off += piece) {
		size_t n = size - off < piece ? size - off : piece;

		if (requests_feed(&q, data + off, n) < 0)
			break;
		if (q.queued > REQUESTS_ENTRIES || q.waiting > REQUESTS_MAX)
			abort();
		/* The server takes one request between reads. */
		if (requests_pop(&q, &rq)) {
			check(&rq);
			request_free(&rq);
		}
	}
	while (requests_pop(&q, &rq)) {
		check(&rq);
		request_free(&rq);
	}
	requests_free(&q);
	return 0;
}
