/* SPDX-License-Identifier: MIT */
/*
 * The bridge's exec stream from the docker daemon (host/session/docker-exec.c):
 * the answer to the upgrade (docker_api_parse_upgrade), then the exec's output
 * in frames (docker_mux_feed).  The bytes are the daemon's, and the frames'
 * payload the container's.  The first input byte sets the size of the pieces
 * the rest is fed in: the stdout bytes and the verdict must not depend on
 * where the reads split, nothing may be read past the input, and no more
 * can come out than went in.
 */
#include <stdlib.h>
#include <string.h>

#include "docker-api.h"
#include "fuzz.h"

static int feed(const char *d, size_t n, size_t step, struct buf *out)
{
	struct docker_mux m = {0};

	for (size_t i = 0; i < n; i += step) {
		size_t k = n - i < step ? n - i : step;
		if (docker_mux_feed(&m, d + i, k, out) < 0)
			return -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data + 1;
	struct buf whole = {0}, pieces = {0};
	size_t n, step;
	int h, a, b;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	n = size - 1;
	h = docker_api_parse_upgrade(d, n);
	if (h < -1 || (size_t)(h > 0 ? h : 0) > n)
		abort();
	if (h > 0) {
		d += h;
		n -= (size_t)h;
	}
	a = feed(d, n, n ? n : 1, &whole);
	b = feed(d, n, step, &pieces);
	if (a != b || whole.len > n)
		abort();
	if (a == 0 &&
	    (whole.len != pieces.len ||
	     (whole.len && memcmp(whole.data, pieces.data, whole.len))))
		abort();
	buf_free(&whole);
	buf_free(&pieces);
	return 0;
}
