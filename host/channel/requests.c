/* SPDX-License-Identifier: MIT */
/*
 * Decoding and queueing the shell's requests (see requests.h).  CWD frames
 * set the directory for the requests after them; LINE and COMPLETE queue a
 * request; CANCEL marks the latest queued request, or else the running
 * one.  Any other type is not what a shell sends.  More than REQUESTS_MAX
 * waiting requests are queued as refused (see requests.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "requests.h"
#include "util.h"

void requests_init(struct requests *q)
{
	memset(q, 0, sizeof(*q));
	proto_decoder_init(&q->dec);
}

void request_free(struct request *rq)
{
	free(rq->cwd);
	free(rq->line);
	memset(rq, 0, sizeof(*rq));
}

void requests_clear(struct requests *q)
{
	while (q->queued > 0)
		request_free(&q->queue[--q->queued]);
	q->waiting = 0;
	q->cancel_running = false;
}

void requests_free(struct requests *q)
{
	requests_clear(q);
	free(q->cwd);
	q->cwd = NULL;
	proto_decoder_free(&q->dec);
}

/* A refused request is answered anyway: a CANCEL for it changes nothing. */
static void on_cancel(struct requests *q)
{
	if (q->queued > 0)
		q->queue[q->queued - 1].cancelled = true;
	else
		q->cancel_running = true;
}

/* One more refused request: it joins the run of refused ones at the end,
 * or starts one.  No two runs are next to each other, so REQUESTS_MAX
 * requests leave room for a run before, between and after them. */
static void on_refused(struct requests *q)
{
	struct request *last = q->queued ? &q->queue[q->queued - 1] : NULL;

	if (last && last->refused) {
		if (last->refused < UINT64_MAX)
			last->refused++;
		return;
	}
	memset(&q->queue[q->queued], 0, sizeof(q->queue[0]));
	q->queue[q->queued++].refused = 1;
}

static int on_request(struct requests *q, uint32_t type, const unsigned char *p,
		      uint32_t len)
{
	struct request *rq;

	if (q->waiting == REQUESTS_MAX) {
		on_refused(q);
		return 0;
	}
	q->waiting++;
	rq = &q->queue[q->queued++];
	rq->kind = type;
	rq->cwd = q->cwd ? xstrdup(q->cwd) : NULL;
	rq->line = xmalloc(len + 1);
	memcpy(rq->line, p, len);
	rq->line[len] = '\0';
	rq->len = len;
	rq->cancelled = false;
	rq->refused = 0;
	return 0;
}

int requests_feed(struct requests *q, const void *data, size_t len)
{
	const unsigned char *p;
	uint32_t type, n;
	int r = proto_decoder_feed(&q->dec, data, len);

	if (r < 0)
		return r;
	while ((r = proto_decoder_next(&q->dec, &type, &p, &n)) == 1) {
		if (type == PAKS_MSG_CWD) {
			free(q->cwd);
			q->cwd = xasprintf("%.*s", (int)n, (const char *)p);
		} else if (type == PAKS_MSG_CANCEL) {
			on_cancel(q);
		} else if (type == PAKS_MSG_LINE || type == PAKS_MSG_COMPLETE) {
			r = on_request(q, type, p, n);
			if (r < 0)
				return r;
		} else {
			return -EPROTO;
		}
	}
	return r;
}

bool requests_pop(struct requests *q, struct request *rq)
{
	if (q->queued == 0)
		return false;
	*rq = q->queue[0];
	if (!rq->refused)
		q->waiting--;
	memmove(q->queue, q->queue + 1, (q->queued - 1) * sizeof(*rq));
	q->queued--;
	memset(&q->queue[q->queued], 0, sizeof(*rq));
	return true;
}
