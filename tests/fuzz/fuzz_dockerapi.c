/* SPDX-License-Identifier: MIT */
/*
 * A response from the docker daemon's socket, parsed by
 * docker_api_parse_response in host/session/docker-api.c: the bytes are
 * whatever listens there.  The parser must never read past them, never claim
 * more bytes are needed once the server has closed, and give the same answer at
 * the end of the stream as before it for a response that is whole.
 */
#include <stdlib.h>
#include <string.h>

#include "docker-api.h"
#include "fuzz.h"

static void check_whole(const struct docker_api_response *r, size_t size)
{
	if (r->status < 200 || r->status > 599 || r->body.len > size ||
	    (r->body.data && r->body.data[r->body.len] != '\0'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	struct docker_api_response live, closed;
	int a = docker_api_parse_response(d, size, false, &live);
	int b = docker_api_parse_response(d, size, true, &closed);

	if (a < -1 || a > 1 || (b != 1 && b != -1))
		abort();
	if (b == 1)
		check_whole(&closed, size);
	if (a == 1) {
		check_whole(&live, size);
		if (b != 1 || live.status != closed.status ||
		    live.body.len != closed.body.len ||
		    (live.body.len &&
		     memcmp(live.body.data, closed.body.data, live.body.len)))
			abort();
		docker_api_response_free(&live);
	}
	if (b == 1)
		docker_api_response_free(&closed);
	return 0;
}
