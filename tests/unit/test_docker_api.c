/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for host/session/docker-api.c: the response parser
 * (Content-Length, chunked, read to the end, incomplete and malformed input),
 * and the client against a small server on a unix socket in a child process
 * (the request it sends, 200, 404 and other statuses, no daemon, a daemon that
 * never answers, one that keeps the connection open, one that answers too
 * much); the answer to an upgrade and an exec's framed output
 * (docker-exec.c's stream), and the exec's create as docker-exec.c asks it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "docker-api.h"
#include "docker-exec.h"
#include "util.h"

/* ---- the parser ---- */

static int parse_str(const char *s, bool eof, struct docker_api_response *r)
{
	return docker_api_parse_response(s, strlen(s), eof, r);
}

/* s parses whole (eof or not) to status and body. */
static void expect_whole(const char *s, bool eof, int status, const char *body)
{
	struct docker_api_response r;

	assert_int_equal(parse_str(s, eof, &r), 1);
	assert_int_equal(r.status, status);
	assert_int_equal(r.body.len, strlen(body));
	assert_memory_equal(r.body.len ? r.body.data : "", body, strlen(body));
	docker_api_response_free(&r);
}

static void expect_code(const char *s, bool eof, int want)
{
	struct docker_api_response r;

	assert_int_equal(parse_str(s, eof, &r), want);
	if (want == 1)
		docker_api_response_free(&r);
}

static void test_content_length(void **state)
{
	static const char full[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Type: application/json\r\n"
				   "content-length:  7 \r\n"
				   "\r\n"
				   "{\"a\":1}";

	(void)state;
	expect_whole(full, false, 200, "{\"a\":1}");
	/* Every shorter prefix needs more, and is malformed at the end. */
	for (size_t n = 0; n < sizeof(full) - 1; n++) {
		struct docker_api_response r;
		assert_int_equal(docker_api_parse_response(full, n, false, &r),
				 0);
		assert_int_equal(docker_api_parse_response(full, n, true, &r),
				 -1);
	}
	/* Bytes past the length are not the body. */
	expect_whole("HTTP/1.0 404 Not Found\r\nContent-Length: 2\r\n\r\n"
		     "{}junk",
		     false, 404, "{}");
	expect_whole("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, 200,
		     "");
	/* The same length twice is fine. */
	expect_whole("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
		     "Content-Length: 1\r\n\r\nx",
		     false, 200, "x");
}

static void test_chunked(void **state)
{
	static const char full[] = "HTTP/1.1 200 OK\r\n"
				   "Transfer-Encoding: Chunked\r\n"
				   "\r\n"
				   "4\r\n{\"Id\r\n"
				   "B;name=value\r\n\":\"sha256\"}\r\n"
				   "0\r\n"
				   "X-Trailer: 1\r\n"
				   "\r\n";

	(void)state;
	expect_whole(full, false, 200, "{\"Id\":\"sha256\"}");
	for (size_t n = 0; n < sizeof(full) - 1; n++) {
		struct docker_api_response r;
		assert_int_equal(docker_api_parse_response(full, n, false, &r),
				 0);
		assert_int_equal(docker_api_parse_response(full, n, true, &r),
				 -1);
	}
	/* Transfer-Encoding wins over Content-Length. */
	expect_whole("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
		     false, 200, "x");
	expect_whole("HTTP/1.1 500 Internal Server Error\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		     false, 500, "");
}

static void test_read_to_end(void **state)
{
	static const char resp[] = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n{}";

	(void)state;
	expect_code(resp, false, 0);
	expect_whole(resp, true, 200, "{}");
	/* No body at all for 204 and 304. */
	expect_whole("HTTP/1.1 204 No Content\r\n\r\n", false, 204, "");
	expect_whole("HTTP/1.1 304 Not Modified\r\n\r\n", false, 304, "");
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
	    "HTTP/2 200 OK\r\n\r\n",
	    "HTTP/1.1 2000 OK\r\n\r\n",
	    "HTTP/1.1 20x OK\r\n\r\n",
	    "HTTP/1.1  200 OK\r\n\r\n",
	    "HTTP/1.1 100 Continue\r\n\r\n",
	    "HTTP/1.1 600 Odd\r\n\r\n",
	    "ICY 200 OK\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
	    "\r\nxx",
	    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx",
	    "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n"
	    "\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1x\r\nx\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1\r\nxy\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1\r\nxyz0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "FFFFFFFFFFFFFFFFF\r\n",
	    NULL};

	(void)state;
	for (int i = 0; bad[i]; i++) {
		struct docker_api_response r;
		int c = parse_str(bad[i], false, &r);
		if (c != -1)
			fail_msg("case %d parsed as %d: %s", i, c, bad[i]);
	}
}

static void test_limits(void **state)
{
	struct buf b = {0};
	struct docker_api_response r;

	(void)state;
	/* Headers that never end within 64 KiB. */
	buf_printf(&b, "HTTP/1.1 200 OK\r\n");
	while (b.len < (64u << 10))
		buf_printf(&b, "X-Filler: %0100d\r\n", 0);
	assert_int_equal(docker_api_parse_response(b.data, b.len, false, &r),
			 -1);
	buf_free(&b);
	/* A length past the cap can never be read. */
	buf_printf(&b, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n",
		   DOCKER_API_MAX + 1);
	assert_int_equal(docker_api_parse_response(b.data, b.len, false, &r),
			 -1);
	buf_free(&b);
	/* An endless chunk-size line. */
	buf_printf(&b, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		       "\r\n1;");
	while (b.len < 8192)
		buf_printf(&b, "x");
	assert_int_equal(docker_api_parse_response(b.data, b.len, false, &r),
			 -1);
	buf_free(&b);
}

/* ---- the answer to an upgrade, and the exec's frames ---- */

#define UPGRADED                                                               \
	"HTTP/1.1 101 UPGRADED\r\n"                                            \
	"Content-Type: application/vnd.docker.multiplexed-stream\r\n"          \
	"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"

static void test_upgrade_head(void **state)
{
	static const char *const refused[] = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 409 Conflict\r\n\r\n",
	    "HTTP/1.1 100 Continue\r\n\r\n",
	    "HTTP/1.1 101 UPGRADED\r\nno colon\r\n\r\n",
	    "HTTP/2 101\r\n\r\n",
	    NULL};
	const char *whole = UPGRADED "\x01\0\0\0";
	size_t head = strlen(UPGRADED);

	(void)state;
	assert_int_equal(docker_api_parse_upgrade(whole, head + 4), (int)head);
	assert_int_equal(docker_api_parse_upgrade(whole, head), (int)head);
	for (size_t n = 0; n < head; n++)
		assert_int_equal(docker_api_parse_upgrade(whole, n), 0);
	for (int i = 0; refused[i]; i++)
		assert_int_equal(
		    docker_api_parse_upgrade(refused[i], strlen(refused[i])),
		    -1);
}

/* Feed s in pieces of step bytes. */
static int feed_steps(const char *s, size_t n, size_t step, struct buf *out)
{
	struct docker_mux m = {0};

	for (size_t i = 0; i < n; i += step) {
		size_t k = n - i < step ? n - i : step;
		if (docker_mux_feed(&m, s + i, k, out) < 0)
			return -1;
	}
	return 0;
}

static void test_mux(void **state)
{
	static const char stream[] = "\x01\0\0\0\0\0\0\x05hello"
				     "\x02\0\0\0\0\0\0\x03"
				     "err"
				     "\x01\0\0\0\0\0\0\0"
				     "\x03\0\0\0\0\0\0\x02no"
				     "\x01\0\0\0\0\0\x01\x00";
	size_t n = sizeof(stream) - 1;
	struct buf big = {0};

	(void)state;
	/* The last frame says 256 bytes and brings them. */
	buf_append(&big, stream, n);
	for (int i = 0; i < 256; i++)
		buf_append(&big, "z", 1);
	for (size_t step = 1; step <= big.len; step++) {
		struct buf out = {0};
		assert_int_equal(feed_steps(big.data, big.len, step, &out), 0);
		assert_int_equal(out.len, 5 + 256);
		assert_memory_equal(out.data, "hello", 5);
		assert_int_equal(out.data[5], 'z');
		buf_free(&out);
	}
	buf_free(&big);
	{
		struct buf out = {0};
		assert_int_equal(
		    feed_steps("\x04\0\0\0\0\0\0\x01x", 9, 9, &out), -1);
		assert_int_equal(
		    feed_steps("\x01\0\x01\0\0\0\0\x01x", 9, 1, &out), -1);
		/* A header cut short is not an error: more may come. */
		assert_int_equal(feed_steps("\x01\0\0", 3, 1, &out), 0);
		assert_int_equal(out.len, 0);
		buf_free(&out);
	}
}

/* ---- the client, against a server in a child ---- */

static char tmpdir[] = "/tmp/paks-test-dapi-XXXXXX";

struct server {
	pid_t pid;
	char *sock;	/* the unix socket's path, or NULL */
	char *endpoint; /* what the client is given */
};

/* What the child does with its one connection. */
enum script {
	ANSWER,	 /* send resp, then close */
	ECHO,	 /* 200 with the request's first line as body */
	HOLD,	 /* send resp, keep the connection open */
	SILENT,	 /* read the request, answer nothing */
	BIG,	 /* 200 read to the end, over DOCKER_API_MAX */
	TRICKLE, /* send resp one byte at a time */
	UPGRADE, /* 101, then resp and the request's head as the stream */
	GATED,	 /* read the request, send resp once gate is written */
};

/* GATED's gate: the child answers when a byte comes on gate[0]. */
static int gate[2] = {-1, -1};

static void child_read_request(int c, struct buf *req)
{
	char ch;

	while (!req->data || !strstr(req->data, "\r\n\r\n")) {
		if (read(c, &ch, 1) != 1)
			break;
		buf_append(req, &ch, 1);
	}
}

static void child_serve(int l, enum script what, const char *resp)
{
	struct buf req = {0}, out = {0};
	int c = accept(l, NULL, NULL);

	if (c < 0)
		_exit(1);
	child_read_request(c, &req);
	switch (what) {
	case ECHO: {
		size_t n = req.data ? strcspn(req.data, "\r") : 0;
		buf_printf(&out,
			   "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n"
			   "%.*s",
			   n, (int)n, req.data ? req.data : "");
		(void)!write_all(c, out.data, out.len);
		break;
	}
	case ANSWER:
	case HOLD:
		(void)!write_all(c, resp, strlen(resp));
		if (what == HOLD)
			sleep(5);
		break;
	case TRICKLE:
		for (size_t i = 0; resp[i]; i++)
			(void)!write_all(c, resp + i, 1);
		break;
	case SILENT:
		sleep(5);
		break;
	case GATED: {
		struct pollfd p = {gate[0], POLLIN, 0};
		if (poll(&p, 1, 5000) == 1)
			(void)!write_all(c, resp, strlen(resp));
		break;
	}
	case UPGRADE:
		/* One write: the stream's first bytes come with the
		 * answer. */
		buf_printf(&out, "%s%s", UPGRADED, resp);
		(void)!write_all(c, out.data, out.len);
		(void)!write_all(c, req.data, req.len);
		sleep(5);
		break;
	case BIG: {
		static char block[65536];
		memset(block, 'x', sizeof(block));
		(void)!write_all(c, "HTTP/1.0 200 OK\r\n\r\n", 19);
		for (size_t n = 0; n <= DOCKER_API_MAX; n += sizeof(block))
			if (write_all(c, block, sizeof(block)) < 0)
				break;
		break;
	}
	}
	close(c);
	_exit(0);
}

static struct server serve_on(int l, struct server s, enum script what,
			      const char *resp)
{
	assert_int_equal(listen(l, 1), 0);
	s.pid = fork();
	assert_true(s.pid >= 0);
	if (s.pid == 0)
		child_serve(l, what, resp);
	close(l);
	return s;
}

static struct server serve(enum script what, const char *resp)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct server s = {0};
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(l >= 0);
	s.sock = xasprintf("%s/d.sock", tmpdir);
	s.endpoint = xasprintf("unix://%s", s.sock);
	unlink(s.sock);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", s.sock);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	return serve_on(l, s, what, resp);
}

/* The same on TCP, 127.0.0.1 and a port the kernel picks; the endpoint
 * is written as FORMAT with the port. */
static struct server serve_tcp(enum script what, const char *resp,
			       const char *format)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	struct server s = {0};
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	s.endpoint = xasprintf(format, ntohs(a.sin_port));
	return serve_on(l, s, what, resp);
}

static void server_end(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	if (s->sock)
		unlink(s->sock);
	free(s->sock);
	free(s->endpoint);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The image inspect the way paks makes it: asked, then answered. */
static int inspect(const char *endpoint, const char *ref, struct buf *out)
{
	int fd = docker_api_image_ask(endpoint, ref);
	int r;

	if (fd < 0)
		return -1;
	r = docker_api_image_answer(fd, 5000, out);
	close(fd);
	return r;
}

static void test_request_line(void **state)
{
	struct server s = serve(ECHO, NULL);
	struct buf out = {0};

	(void)state;
	assert_int_equal(
	    inspect(s.endpoint, "localhost/a b?c#d%e:tag@sha256", &out), 0);
	assert_string_equal(out.data, "GET /images/localhost/a%20b%3Fc%23d%25e:"
				      "tag@sha256/json HTTP/1.1");
	buf_free(&out);
	server_end(&s);
}

/* The question goes out without waiting for its answer: the daemon
 * answers only once the asker has its connection back. */
static void test_ask_then_answer(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n"
				 "\r\n{\"Id\":2}";
	struct server s;
	struct buf out = {0};
	int fd;

	(void)state;
	assert_int_equal(pipe2(gate, O_CLOEXEC), 0);
	s = serve(GATED, ok);
	fd = docker_api_image_ask(s.endpoint, "x");
	assert_true(fd >= 0);
	assert_int_equal(write(gate[1], "g", 1), 1);
	assert_int_equal(docker_api_image_answer(fd, 5000, &out), 0);
	assert_string_equal(out.data, "{\"Id\":2}");
	close(fd);
	buf_free(&out);
	server_end(&s);
	close(gate[0]);
	close(gate[1]);
}

static void test_inspect_statuses(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n"
				 "3\r\n{\"I\r\n5\r\nd\":1}\r\n0\r\n\r\n";
	struct server s;
	struct buf out = {0};

	(void)state;
	s = serve(TRICKLE, ok);
	assert_int_equal(inspect(s.endpoint, "x", &out), 0);
	assert_string_equal(out.data, "{\"Id\":1}");
	buf_free(&out);
	server_end(&s);

	s = serve(ANSWER, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n"
			  "\r\n{}");
	assert_int_equal(inspect(s.endpoint, "x", &out), 1);
	assert_int_equal(out.len, 0);
	server_end(&s);

	s = serve(ANSWER, "HTTP/1.1 500 Internal Server Error\r\n"
			  "Content-Length: 2\r\n\r\n{}");
	assert_int_equal(inspect(s.endpoint, "x", &out), -1);
	server_end(&s);

	s = serve(ANSWER, "garbage\r\n\r\n");
	assert_int_equal(inspect(s.endpoint, "x", &out), -1);
	server_end(&s);

	/* Closed before the whole body. */
	s = serve(ANSWER, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}");
	assert_int_equal(inspect(s.endpoint, "x", &out), -1);
	server_end(&s);
	assert_int_equal(out.len, 0);
}

static void test_no_daemon(void **state)
{
	cleanup_free char *sock = xasprintf("unix://%s/none.sock", tmpdir);
	struct buf out = {0};

	(void)state;
	assert_int_equal(inspect(sock, "x", &out), -1);
	assert_int_equal(inspect("", "x", &out), -1);
	/* A path without its scheme is not an endpoint. */
	assert_int_equal(inspect(sock + 7, "x", &out), -1);
	assert_int_equal(inspect("tcp://127.0.0.1:1", "x", &out), -1);
}

/* Over TCP, to an address written as numbers (or localhost); a name, a
 * path after the port or a bad port is left to the CLI. */
static void test_tcp(void **state)
{
	static const char *const refused[] = {
	    "tcp://docker.invalid:%d", "tcp://127.0.0.1:%d/v1", "tcp://:%d",
	    "tcp://127.0.0.1:%dx",     "tcp://[127.0.0.1:%d",	NULL};
	struct server s;
	struct buf out = {0};

	(void)state;
	s = serve_tcp(ECHO, NULL, "tcp://127.0.0.1:%d");
	assert_int_equal(inspect(s.endpoint, "a/b", &out), 0);
	assert_string_equal(out.data, "GET /images/a/b/json HTTP/1.1");
	buf_free(&out);
	server_end(&s);

	s = serve_tcp(ECHO, NULL, "tcp://localhost:%d");
	assert_int_equal(inspect(s.endpoint, "c", &out), 0);
	assert_string_equal(out.data, "GET /images/c/json HTTP/1.1");
	buf_free(&out);
	server_end(&s);

	for (int i = 0; refused[i]; i++) {
		s = serve_tcp(ECHO, NULL, refused[i]);
		assert_int_equal(inspect(s.endpoint, "c", &out), -1);
		assert_int_equal(out.len, 0);
		server_end(&s);
	}
}

static void test_upgrade(void **state)
{
	struct server s = serve(UPGRADE, "early");
	struct buf early = {0}, rest = {0};
	char chunk[4096];
	int fd;

	(void)state;
	fd = docker_api_upgrade(s.endpoint, "/exec/ab/start", "{}", 5000,
				&early);
	assert_true(fd >= 0);
	/* The stream's bytes that came with the answer, then the rest. */
	buf_append(&rest, early.data, early.len);
	buf_append(&rest, "", 1);
	rest.len--;
	while (!strstr(rest.data, "\r\n\r\n")) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;
		assert_int_equal(poll(&p, 1, 5000), 1);
		n = read(fd, chunk, sizeof(chunk) - 1);
		assert_true(n > 0);
		buf_append(&rest, chunk, (size_t)n);
		buf_append(&rest, "", 1);
		rest.len--;
	}
	assert_true(
	    str_has_prefix(rest.data, "earlyPOST /exec/ab/start HTTP/1.1\r\n"));
	assert_non_null(strstr(rest.data, "\r\nConnection: Upgrade\r\n"));
	assert_non_null(strstr(rest.data, "\r\nUpgrade: tcp\r\n"));
	assert_non_null(
	    strstr(rest.data, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(rest.data, "\r\nContent-Length: 2\r\n"));
	close(fd);
	buf_free(&early);
	buf_free(&rest);
	server_end(&s);

	/* On TCP, a frame at a time goes out at once (no Nagle). */
	s = serve_tcp(UPGRADE, "", "tcp://127.0.0.1:%d");
	fd = docker_api_upgrade(s.endpoint, "/exec/ab/start", "{}", 5000,
				&early);
	assert_true(fd >= 0);
	{
		int on = 0;
		socklen_t len = sizeof(on);
		assert_int_equal(
		    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0);
		assert_int_equal(on, 1);
	}
	close(fd);
	buf_free(&early);
	server_end(&s);

	/* Any other answer: no stream. */
	s = serve(ANSWER, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(docker_api_upgrade(s.endpoint, "/exec/ab/start", "{}",
					    5000, &early),
			 -1);
	assert_int_equal(early.len, 0);
	server_end(&s);
}

/* The exec's create, as the daemon answers it. */
static void test_exec_create(void **state)
{
	static const struct {
		const char *resp;
		int want;
	} cases[] = {
	    {"HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\n\r\n{}", 1},
	    {"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}", -1},
	    {"HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\n{}", -1},
	    {"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", -1},
	    {"HTTP/1.1 201 Created\r\nContent-Length: 14\r\n\r\n"
	     "{\"Id\":\"../x\"}",
	     -1},
	};
	char *cmd[] = {"/bin/true", NULL};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct server s = serve(ANSWER, cases[i].resp);
		pid_t pid = 0;
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		assert_int_equal(
		    docker_exec_start(s.endpoint, "c", "1:1", cmd, sv[1], &pid),
		    cases[i].want);
		assert_int_equal(pid, 0);
		close(sv[0]);
		close(sv[1]);
		server_end(&s);
	}
}

static void test_deadline(void **state)
{
	struct server s = serve(SILENT, NULL);
	struct docker_api_response r;
	struct timespec t0;
	long ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(docker_api_get(s.endpoint, "/x", 200, &r), -1);
	ms = ms_since(&t0);
	assert_true(ms >= 190 && ms < 2000);
	server_end(&s);
}

/* A whole response is taken without waiting for the server to close. */
static void test_open_connection(void **state)
{
	struct server s =
	    serve(HOLD, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
	struct docker_api_response r;
	struct timespec t0;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(docker_api_get(s.endpoint, "/x", 3000, &r), 0);
	assert_true(ms_since(&t0) < 2000);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "{}");
	docker_api_response_free(&r);
	server_end(&s);
}

static void test_too_big(void **state)
{
	struct server s = serve(BIG, NULL);
	struct docker_api_response r;

	(void)state;
	assert_int_equal(docker_api_get(s.endpoint, "/x", 10000, &r), -1);
	server_end(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_content_length),
	    cmocka_unit_test(test_chunked),
	    cmocka_unit_test(test_read_to_end),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_upgrade_head),
	    cmocka_unit_test(test_mux),
	    cmocka_unit_test(test_request_line),
	    cmocka_unit_test(test_ask_then_answer),
	    cmocka_unit_test(test_inspect_statuses),
	    cmocka_unit_test(test_tcp),
	    cmocka_unit_test(test_upgrade),
	    cmocka_unit_test(test_exec_create),
	    cmocka_unit_test(test_no_daemon),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_open_connection),
	    cmocka_unit_test(test_too_big),
	};
	int r;

	if (!mkdtemp(tmpdir))
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	rm_rf(tmpdir);
	return r;
}
