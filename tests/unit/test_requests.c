/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for host/channel/requests.c: the shell's requests decoded from a
 * byte stream that arrives in pieces, queued in order, and cancelled.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "requests.h"
#include "util.h"

/* A frame as the bytes on the wire: any type, even one no side sends. */
static void put(struct buf *b, uint32_t type, const char *payload)
{
	unsigned char hdr[PAKS_FRAME_HDR];

	proto_encode_header(hdr, type, (uint32_t)strlen(payload));
	buf_append(b, hdr, sizeof(hdr));
	buf_append(b, payload, strlen(payload));
}

/* Every split of the stream gives the same requests, each with the CWD
 * sent before it. */
static void test_pieces(void **state)
{
	struct buf b = {0};

	(void)state;
	put(&b, PAKS_MSG_CWD, "/root");
	put(&b, PAKS_MSG_LINE, "#envhost HOME");
	put(&b, PAKS_MSG_CWD, "/tmp");
	put(&b, PAKS_MSG_COMPLETE, "#cp host:");
	for (size_t piece = 1; piece <= b.len; piece++) {
		struct requests q;
		struct request rq;

		requests_init(&q);
		for (size_t off = 0; off < b.len; off += piece) {
			size_t n = b.len - off < piece ? b.len - off : piece;
			assert_int_equal(requests_feed(&q, b.data + off, n), 0);
		}
		assert_true(requests_pop(&q, &rq));
		assert_int_equal(rq.kind, PAKS_MSG_LINE);
		assert_string_equal(rq.line, "#envhost HOME");
		assert_string_equal(rq.cwd, "/root");
		request_free(&rq);
		assert_true(requests_pop(&q, &rq));
		assert_int_equal(rq.kind, PAKS_MSG_COMPLETE);
		assert_string_equal(rq.cwd, "/tmp");
		request_free(&rq);
		assert_false(requests_pop(&q, &rq));
		requests_free(&q);
	}
	buf_free(&b);
}

/* CANCEL marks the latest queued request; with none queued, the one that
 * runs. */
static void test_cancel(void **state)
{
	struct buf b = {0};
	struct requests q;
	struct request rq;

	(void)state;
	requests_init(&q);
	put(&b, PAKS_MSG_CANCEL, "");
	assert_int_equal(requests_feed(&q, b.data, b.len), 0);
	assert_true(q.cancel_running);
	assert_int_equal(q.queued, 0);
	q.cancel_running = false;
	b.len = 0;
	put(&b, PAKS_MSG_LINE, "#save");
	put(&b, PAKS_MSG_LINE, "#help");
	put(&b, PAKS_MSG_CANCEL, "");
	assert_int_equal(requests_feed(&q, b.data, b.len), 0);
	assert_false(q.cancel_running);
	assert_true(requests_pop(&q, &rq));
	assert_false(rq.cancelled);
	request_free(&rq);
	assert_true(requests_pop(&q, &rq));
	assert_true(rq.cancelled);
	request_free(&rq);
	requests_free(&q);
	buf_free(&b);
}

/* What no shell sends: an unknown type, or a frame type only the host
 * sends. */
static void test_refused(void **state)
{
	static const uint32_t bad[] = {1, 16, 20, 99};
	struct buf b = {0};
	struct requests q;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b.len = 0;
		put(&b, bad[i], "x");
		requests_init(&q);
		if (requests_feed(&q, b.data, b.len) >= 0)
			fail_msg("frame type %u accepted", bad[i]);
		requests_free(&q);
	}
	buf_free(&b);
}

/* More waiting requests than a shell has are refused, not an error: a run
 * of them takes one entry, answered in its turn, and what comes after it
 * queues behind it. */
static void test_flood(void **state)
{
	struct buf b = {0};
	struct request rq;
	struct requests q;

	(void)state;
	for (int i = 0; i < REQUESTS_MAX + 4; i++)
		put(&b, PAKS_MSG_LINE, "#help");
	put(&b, PAKS_MSG_CANCEL, "");
	requests_init(&q);
	assert_int_equal(requests_feed(&q, b.data, b.len), 0);
	assert_int_equal(q.queued, REQUESTS_MAX + 1);
	assert_int_equal(q.waiting, REQUESTS_MAX);
	assert_int_equal(q.queue[REQUESTS_MAX].refused, 4);
	/* The server takes one; the next request is queued, after the run. */
	assert_true(requests_pop(&q, &rq));
	assert_int_equal(rq.refused, 0);
	assert_string_equal(rq.line, "#help");
	request_free(&rq);
	b.len = 0;
	put(&b, PAKS_MSG_LINE, "#envhost HOME");
	put(&b, PAKS_MSG_LINE, "#late");
	assert_int_equal(requests_feed(&q, b.data, b.len), 0);
	assert_int_equal(q.queued, REQUESTS_MAX + 2);
	for (int i = 1; i < REQUESTS_MAX; i++) {
		assert_true(requests_pop(&q, &rq));
		assert_string_equal(rq.line, "#help");
		request_free(&rq);
	}
	assert_true(requests_pop(&q, &rq));
	assert_int_equal(rq.refused, 4);
	assert_null(rq.line);
	request_free(&rq);
	assert_true(requests_pop(&q, &rq));
	assert_string_equal(rq.line, "#envhost HOME");
	request_free(&rq);
	assert_true(requests_pop(&q, &rq));
	assert_int_equal(rq.refused, 1);
	request_free(&rq);
	assert_false(requests_pop(&q, &rq));
	requests_free(&q);
	buf_free(&b);
}

/* However many requests come, the queue never outgrows its entries. */
static void test_flood_bounded(void **state)
{
	struct buf b = {0};
	struct request rq;
	struct requests q;

	(void)state;
	requests_init(&q);
	for (int round = 0; round < 200; round++) {
		b.len = 0;
		for (int i = 0; i < 3; i++)
			put(&b, PAKS_MSG_LINE, "#x");
		assert_int_equal(requests_feed(&q, b.data, b.len), 0);
		assert_true(q.queued <= REQUESTS_ENTRIES);
		assert_true(q.waiting <= REQUESTS_MAX);
		/* Every other round the server finishes one. */
		if (round % 2 && requests_pop(&q, &rq))
			request_free(&rq);
	}
	requests_free(&q);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pieces),	  cmocka_unit_test(test_flood),
	    cmocka_unit_test(test_flood_bounded), cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
