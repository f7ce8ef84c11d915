/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the wire protocol shared by the preload and the host
 * (include/protocol.c): header encoding, type and size checks, the
 * incremental decoder fed in every way a FIFO can deliver bytes, channel id
 * validation and the 32-bit integers of EXIT frames.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "paks-protocol.h"

static const uint32_t all_types[] = {
    PAKS_MSG_CWD,    PAKS_MSG_LINE,	 PAKS_MSG_COMPLETE,
    PAKS_MSG_CANCEL, PAKS_MSG_OUT,	 PAKS_MSG_ERR,
    PAKS_MSG_SETVAR, PAKS_MSG_CANDIDATE, PAKS_MSG_EXIT,
};

static void test_header_little_endian(void **state)
{
	unsigned char hdr[PAKS_FRAME_HDR];
	static const unsigned char want[PAKS_FRAME_HDR] = {
	    0x10, 0, 0, 0, 0x04, 0x03, 0x02, 0x00,
	};

	(void)state;
	proto_encode_header(hdr, PAKS_MSG_OUT, 0x020304);
	assert_memory_equal(hdr, want, sizeof(want));
}

static void test_header_round_trip(void **state)
{
	static const uint32_t lens[] = {0, 1, 255, 256, 65536, PAKS_FRAME_MAX};
	unsigned char hdr[PAKS_FRAME_HDR];
	uint32_t type, len;

	(void)state;
	for (size_t t = 0; t < sizeof(all_types) / sizeof(all_types[0]); t++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			proto_encode_header(hdr, all_types[t], lens[l]);
			assert_int_equal(proto_decode_header(hdr, &type, &len),
					 0);
			assert_int_equal(type, all_types[t]);
			assert_int_equal(len, lens[l]);
		}
	}
}

static void test_bad_types(void **state)
{
	static const uint32_t bad[] = {0,  1,	7,	 15,
				       23, 255, 0x10000, UINT32_MAX};
	unsigned char hdr[PAKS_FRAME_HDR];
	unsigned char *buf = NULL;
	uint32_t type, len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(proto_valid_type(bad[i]));
		proto_encode_header(hdr, bad[i], 0);
		assert_int_equal(proto_decode_header(hdr, &type, &len),
				 -EPROTO);
		assert_int_equal(proto_encode(bad[i], "x", 1, &buf), -EPROTO);
		assert_null(buf);
	}
	for (size_t t = 0; t < sizeof(all_types) / sizeof(all_types[0]); t++)
		assert_true(proto_valid_type(all_types[t]));
}

static void test_oversized_length(void **state)
{
	unsigned char hdr[PAKS_FRAME_HDR];
	unsigned char *buf = NULL;
	uint32_t type, len;

	(void)state;
	proto_encode_header(hdr, PAKS_MSG_OUT, PAKS_FRAME_MAX + 1);
	assert_int_equal(proto_decode_header(hdr, &type, &len), -EMSGSIZE);
	proto_encode_header(hdr, PAKS_MSG_OUT, UINT32_MAX);
	assert_int_equal(proto_decode_header(hdr, &type, &len), -EMSGSIZE);
	/* The payload pointer is never read when the size is refused. */
	assert_int_equal(
	    proto_encode(PAKS_MSG_OUT, NULL, PAKS_FRAME_MAX + 1, &buf),
	    -EMSGSIZE);
	assert_null(buf);
}

static void test_encode_frame(void **state)
{
	unsigned char *buf = NULL;
	long n;

	(void)state;
	n = proto_encode(PAKS_MSG_LINE, "#save", 5, &buf);
	assert_int_equal(n, PAKS_FRAME_HDR + 5);
	assert_memory_equal(buf, "\x03\0\0\0\x05\0\0\0#save", (size_t)n);
	free(buf);

	n = proto_encode(PAKS_MSG_CANCEL, NULL, 0, &buf);
	assert_int_equal(n, PAKS_FRAME_HDR);
	assert_memory_equal(buf, "\x05\0\0\0\0\0\0\0", PAKS_FRAME_HDR);
	free(buf);
}

/* Several frames, back to back, as one byte stream. */
static size_t build_stream(unsigned char *out, size_t cap)
{
	static const struct {
		uint32_t type;
		const char *payload;
		size_t len;
	} frames[] = {
	    {PAKS_MSG_CWD, "/root", 5},
	    {PAKS_MSG_LINE, "#save suffix=x", 14},
	    {PAKS_MSG_CANCEL, "", 0},
	    {PAKS_MSG_SETVAR, "A\0b c", 5},
	    {PAKS_MSG_EXIT, "\x07\0\0\0", 4},
	};
	size_t off = 0;

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		unsigned char *buf = NULL;
		long n = proto_encode(frames[i].type, frames[i].payload,
				      frames[i].len, &buf);
		assert_true(n > 0);
		assert_true(off + (size_t)n <= cap);
		memcpy(out + off, buf, (size_t)n);
		off += (size_t)n;
		free(buf);
	}
	return off;
}

static void expect_frame(struct proto_decoder *d, uint32_t want_type,
			 const char *want, uint32_t want_len)
{
	const unsigned char *payload = NULL;
	uint32_t type = 0, len = 0;

	assert_int_equal(proto_decoder_next(d, &type, &payload, &len), 1);
	assert_int_equal(type, want_type);
	assert_int_equal(len, want_len);
	if (want_len)
		assert_memory_equal(payload, want, want_len);
}

static void expect_stream_frames(struct proto_decoder *d)
{
	expect_frame(d, PAKS_MSG_CWD, "/root", 5);
	expect_frame(d, PAKS_MSG_LINE, "#save suffix=x", 14);
	expect_frame(d, PAKS_MSG_CANCEL, "", 0);
	expect_frame(d, PAKS_MSG_SETVAR, "A\0b c", 5);
	expect_frame(d, PAKS_MSG_EXIT, "\x07\0\0\0", 4);
}

static void expect_need_more(struct proto_decoder *d)
{
	const unsigned char *payload;
	uint32_t type, len;

	assert_int_equal(proto_decoder_next(d, &type, &payload, &len), 0);
}

static void test_decoder_whole_stream(void **state)
{
	unsigned char stream[256];
	size_t n = build_stream(stream, sizeof(stream));
	struct proto_decoder d;

	(void)state;
	proto_decoder_init(&d);
	expect_need_more(&d);
	assert_int_equal(proto_decoder_feed(&d, stream, n), 0);
	expect_stream_frames(&d);
	expect_need_more(&d);
	proto_decoder_free(&d);
}

/* A FIFO may deliver any split: feed one byte at a time, and check that a
 * frame appears exactly when its last byte arrives. */
static void test_decoder_byte_at_a_time(void **state)
{
	unsigned char stream[256];
	size_t n = build_stream(stream, sizeof(stream));
	struct proto_decoder d;
	const unsigned char *payload;
	uint32_t type, len;
	int frames = 0;
	size_t frame_end = 0;

	(void)state;
	proto_decoder_init(&d);
	for (size_t i = 0; i < n; i++) {
		int r;

		assert_int_equal(proto_decoder_feed(&d, stream + i, 1), 0);
		if (i + 1 < frame_end + PAKS_FRAME_HDR) {
			expect_need_more(&d);
			continue;
		}
		r = proto_decoder_next(&d, &type, &payload, &len);
		assert_true(r >= 0);
		if (r == 1) {
			frames++;
			assert_int_equal(i + 1,
					 frame_end + PAKS_FRAME_HDR + len);
			frame_end = i + 1;
			expect_need_more(&d);
		}
	}
	assert_int_equal(frames, 5);
	assert_int_equal(frame_end, n);
	proto_decoder_free(&d);
}

/* Odd chunk sizes: frames straddle feeds and the buffer is compacted. */
static void test_decoder_chunks(void **state)
{
	unsigned char stream[256];
	size_t n = build_stream(stream, sizeof(stream));

	(void)state;
	for (size_t chunk = 2; chunk <= 13; chunk++) {
		struct proto_decoder d;
		const unsigned char *payload;
		uint32_t type, len;
		uint32_t types[8];
		int got = 0;

		proto_decoder_init(&d);
		for (size_t off = 0; off < n; off += chunk) {
			size_t c = n - off < chunk ? n - off : chunk;
			assert_int_equal(
			    proto_decoder_feed(&d, stream + off, c), 0);
			while (proto_decoder_next(&d, &type, &payload, &len) ==
			       1) {
				assert_true(got < 8);
				types[got++] = type;
			}
		}
		assert_int_equal(got, 5);
		assert_int_equal(types[0], PAKS_MSG_CWD);
		assert_int_equal(types[4], PAKS_MSG_EXIT);
		proto_decoder_free(&d);
	}
}

static void test_decoder_garbage(void **state)
{
	static const unsigned char junk[] = "GET / HTTP/1.1\r\n\r\n";
	struct proto_decoder d;
	const unsigned char *payload;
	uint32_t type, len;

	(void)state;
	proto_decoder_init(&d);
	assert_int_equal(proto_decoder_feed(&d, junk, sizeof(junk) - 1), 0);
	assert_int_equal(proto_decoder_next(&d, &type, &payload, &len),
			 -EPROTO);
	/* It stays broken: the caller drops the channel. */
	assert_int_equal(proto_decoder_next(&d, &type, &payload, &len),
			 -EPROTO);
	proto_decoder_free(&d);
}

/* A good frame, then garbage: the good one is delivered first. */
static void test_decoder_garbage_after_frame(void **state)
{
	unsigned char stream[64];
	unsigned char *buf = NULL;
	long n = proto_encode(PAKS_MSG_OUT, "hi", 2, &buf);
	struct proto_decoder d;
	const unsigned char *payload;
	uint32_t type, len;

	(void)state;
	assert_int_equal(n, PAKS_FRAME_HDR + 2);
	memcpy(stream, buf, (size_t)n);
	free(buf);
	memset(stream + n, 0xff, PAKS_FRAME_HDR);
	proto_decoder_init(&d);
	assert_int_equal(
	    proto_decoder_feed(&d, stream, (size_t)n + PAKS_FRAME_HDR), 0);
	expect_frame(&d, PAKS_MSG_OUT, "hi", 2);
	assert_int_equal(proto_decoder_next(&d, &type, &payload, &len),
			 -EPROTO);
	proto_decoder_free(&d);
}

static void test_decoder_oversized(void **state)
{
	unsigned char hdr[PAKS_FRAME_HDR];
	struct proto_decoder d;
	const unsigned char *payload;
	uint32_t type, len;
	unsigned char *big;

	(void)state;
	proto_encode_header(hdr, PAKS_MSG_OUT, PAKS_FRAME_MAX + 1);
	proto_decoder_init(&d);
	assert_int_equal(proto_decoder_feed(&d, hdr, sizeof(hdr)), 0);
	assert_int_equal(proto_decoder_next(&d, &type, &payload, &len),
			 -EMSGSIZE);
	proto_decoder_free(&d);

	/* One feed larger than any frame is refused too. */
	big = calloc(1, PAKS_FRAME_MAX + PAKS_FRAME_HDR + 1);
	assert_non_null(big);
	proto_decoder_init(&d);
	assert_int_equal(
	    proto_decoder_feed(&d, big, PAKS_FRAME_MAX + PAKS_FRAME_HDR + 1),
	    -EMSGSIZE);
	proto_decoder_free(&d);
	free(big);
}

/* The largest frame passes, in pieces the size of a pipe buffer. */
static void test_decoder_max_frame(void **state)
{
	unsigned char *payload_in = malloc(PAKS_FRAME_MAX);
	unsigned char *frame = NULL;
	long n;
	struct proto_decoder d;
	const unsigned char *payload;
	uint32_t type, len;
	int r = 0;

	(void)state;
	assert_non_null(payload_in);
	for (size_t i = 0; i < PAKS_FRAME_MAX; i++)
		payload_in[i] = (unsigned char)(i * 7);
	n = proto_encode(PAKS_MSG_OUT, payload_in, PAKS_FRAME_MAX, &frame);
	assert_int_equal(n, PAKS_FRAME_HDR + PAKS_FRAME_MAX);
	proto_decoder_init(&d);
	for (long off = 0; off < n; off += 65536) {
		size_t c = (size_t)(n - off < 65536 ? n - off : 65536);
		assert_int_equal(r, 0);
		assert_int_equal(proto_decoder_feed(&d, frame + off, c), 0);
		r = proto_decoder_next(&d, &type, &payload, &len);
	}
	assert_int_equal(r, 1);
	assert_int_equal(type, PAKS_MSG_OUT);
	assert_int_equal(len, PAKS_FRAME_MAX);
	assert_memory_equal(payload, payload_in, PAKS_FRAME_MAX);
	proto_decoder_free(&d);
	free(frame);
	free(payload_in);
}

/* proto_write then a decoder on the other end of a real pipe. */
static void test_write_pipe(void **state)
{
	int fds[2];
	unsigned char buf[128];
	ssize_t n;
	struct proto_decoder d;

	(void)state;
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	assert_int_equal(proto_write(fds[1], PAKS_MSG_ERR, "oops\n", 5), 0);
	assert_int_equal(proto_write(fds[1], PAKS_MSG_EXIT, "\1\0\0\0", 4), 0);
	assert_int_equal(proto_write(fds[1], 99, "x", 1), -EPROTO);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf));
	assert_int_equal(n, 2 * PAKS_FRAME_HDR + 9);
	close(fds[0]);
	proto_decoder_init(&d);
	assert_int_equal(proto_decoder_feed(&d, buf, (size_t)n), 0);
	expect_frame(&d, PAKS_MSG_ERR, "oops\n", 5);
	expect_frame(&d, PAKS_MSG_EXIT, "\1\0\0\0", 4);
	expect_need_more(&d);
	proto_decoder_free(&d);
}

static void test_write_bad_fd(void **state)
{
	(void)state;
	assert_int_equal(proto_write(-1, PAKS_MSG_OUT, "x", 1), -EBADF);
}

static void test_i32_round_trip(void **state)
{
	static const int32_t values[] = {
	    0,	  1,	 -1,	 127,	    128,       255,	   256,
	    -129, 65535, -65536, INT32_MAX, INT32_MIN, 0x12345678, -0x12345678,
	};
	unsigned char b[4];

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		proto_put_i32(b, values[i]);
		assert_int_equal(proto_get_i32(b), values[i]);
	}
	proto_put_i32(b, -2);
	assert_memory_equal(b, "\xfe\xff\xff\xff", 4);
	proto_put_i32(b, 258);
	assert_memory_equal(b, "\x02\x01\0\0", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_little_endian),
	    cmocka_unit_test(test_header_round_trip),
	    cmocka_unit_test(test_bad_types),
	    cmocka_unit_test(test_oversized_length),
	    cmocka_unit_test(test_encode_frame),
	    cmocka_unit_test(test_decoder_whole_stream),
	    cmocka_unit_test(test_decoder_byte_at_a_time),
	    cmocka_unit_test(test_decoder_chunks),
	    cmocka_unit_test(test_decoder_garbage),
	    cmocka_unit_test(test_decoder_garbage_after_frame),
	    cmocka_unit_test(test_decoder_oversized),
	    cmocka_unit_test(test_decoder_max_frame),
	    cmocka_unit_test(test_write_pipe),
	    cmocka_unit_test(test_write_bad_fd),
	    cmocka_unit_test(test_i32_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
