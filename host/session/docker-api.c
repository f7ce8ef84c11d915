/* SPDX-License-Identifier: MIT */
/*
 * dockerd's HTTP API over its unix socket, or over plain TCP (no TLS),
 * for the one question paks asks on every `paks run` (does the image
 * exist, and what is its config): answering it here saves starting the
 * docker CLI.  One request per connection (Connection: close), a size
 * cap and a deadline; the response parser is a pure function of the
 * bytes, fuzzed in tests/fuzz.  libcurl would do this too, but linking it
 * adds some thirty shared libraries to every start of paks.  Any failure
 * leaves the question to the CLI.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker-api.h"
#include "util.h"

#define HEADERS_MAX    (64u << 10)
#define CHUNK_LINE_MAX 4096u
#define ASK_TIMEOUT_MS 10000 /* to connect and send a question */

/* ---- the response parser ---- */

static int more(bool eof)
{
	return eof ? -1 : 0;
}

/* "HTTP/1.x NNN[ reason]": the status, or -1.  1xx responses are interim:
 * paks asks only for 101 (Switching Protocols), as the answer to an
 * upgrade (docker_api_parse_upgrade). */
static int parse_status(const char *l, size_t n, bool upgrade)
{
	int st = 0;

	if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 ||
	    (l[7] != '0' && l[7] != '1') || l[8] != ' ' ||
	    (n > 12 && l[12] != ' '))
		return -1;
	for (int i = 9; i < 12; i++) {
		if (l[i] < '0' || l[i] > '9')
			return -1;
		st = st * 10 + (l[i] - '0');
	}
	if (upgrade)
		return st == 101 ? st : -1;
	return st >= 200 && st <= 599 ? st : -1;
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* v[0..n) without surrounding blanks: *n updated, start returned. */
static const char *trim(const char *v, size_t *n)
{
	while (*n > 0 && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		(*n)--;
	}
	while (*n > 0 && (v[*n - 1] == ' ' || v[*n - 1] == '\t'))
		(*n)--;
	return v;
}

struct framing {
	bool chunked;
	bool has_length;
	size_t length;
};

/* One "Name: value" line into f: 0, or -1 when malformed (a line that
 * starts with a blank, obsolete folding, has no name) or when it frames
 * the body in a way paks does not read. */
static int parse_header(const char *l, size_t n, struct framing *f)
{
	const char *colon = memchr(l, ':', n);
	const char *v;
	size_t name_len, vn, len = 0;

	if (!colon || colon == l || memchr(l, '\r', n) || memchr(l, '\n', n))
		return -1;
	name_len = (size_t)(colon - l);
	for (size_t i = 0; i < name_len; i++) {
		if (!is_tchar(l[i]))
			return -1;
	}
	vn = n - name_len - 1;
	v = trim(colon + 1, &vn);
	if (name_len == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0) {
		if (f->chunked || vn != 7 || strncasecmp(v, "chunked", 7) != 0)
			return -1;
		f->chunked = true;
	} else if (name_len == 14 &&
		   strncasecmp(l, "Content-Length", 14) == 0) {
		if (vn == 0)
			return -1;
		for (size_t i = 0; i < vn; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			len = len * 10 + (size_t)(v[i] - '0');
			if (len > DOCKER_API_MAX)
				return -1;
		}
		if (f->has_length && f->length != len)
			return -1;
		f->has_length = true;
		f->length = len;
	}
	return 0;
}

/* The chunked body d[0..len): 1 when the last chunk and the trailers are
 * all there (the data appended to out, when not NULL), 0 when more is
 * needed, -1 when malformed. */
static int chunked_body(const char *d, size_t len, bool eof, struct buf *out)
{
	size_t i = 0;
	const char *eol;

	for (;;) {
		size_t size = 0, j = i, end;
		int h;

		eol = memmem(d + i, len - i, "\r\n", 2);
		if (!eol)
			return len - i > CHUNK_LINE_MAX ? -1 : more(eof);
		end = (size_t)(eol - d);
		for (; j < end && (h = hex_digit(d[j])) >= 0; j++) {
			size = size * 16 + (size_t)h;
			if (size > DOCKER_API_MAX)
				return -1;
		}
		/* digits, then nothing or a chunk extension */
		if (j == i ||
		    (j < end && d[j] != ';' && d[j] != ' ' && d[j] != '\t'))
			return -1;
		i = end + 2;
		if (size == 0)
			break;
		if (len - i < size + 2)
			return more(eof);
		if (d[i + size] != '\r' || d[i + size + 1] != '\n')
			return -1;
		if (out)
			buf_append(out, d + i, size);
		i += size + 2;
	}
	/* Trailer fields, up to an empty line. */
	for (;;) {
		eol = memmem(d + i, len - i, "\r\n", 2);
		if (!eol)
			return len - i > CHUNK_LINE_MAX ? -1 : more(eof);
		if (eol == d + i)
			return 1;
		i = (size_t)(eol - d) + 2;
	}
}

/* The body at d[0..len) as f frames it, into r->body: 1, 0 or -1 as
 * docker_api_parse_response. */
static int parse_body(const char *d, size_t len, bool eof,
		      const struct framing *f, struct docker_api_response *r)
{
	int c;

	if (r->status == 204 || r->status == 304)
		return 1;
	if (f->chunked) {
		/* Walk first, copy once: the reader calls this after every
		 * read until the response is whole. */
		c = chunked_body(d, len, eof, NULL);
		if (c == 1)
			chunked_body(d, len, eof, &r->body);
		return c;
	}
	if (f->has_length) {
		if (len < f->length)
			return more(eof);
		buf_append(&r->body, d, f->length);
		return 1;
	}
	if (!eof)
		return 0;
	buf_append(&r->body, d, len);
	return 1;
}

/* The status line and the headers in data[0..len): the length of the
 * head up to its blank line, with *status and *f; 0 when the blank line
 * has not come yet; -1 when malformed or (parse_status) not wanted. */
static int parse_head(const char *data, size_t len, bool upgrade, int *status,
		      struct framing *f)
{
	const char *end, *l, *eol;

	end =
	    memmem(data, len < HEADERS_MAX ? len : HEADERS_MAX, "\r\n\r\n", 4);
	if (!end)
		return len >= HEADERS_MAX ? -1 : 0;
	eol = memmem(data, (size_t)(end - data) + 2, "\r\n", 2);
	*status = parse_status(data, (size_t)(eol - data), upgrade);
	if (*status < 0)
		return -1;
	for (l = eol + 2; l < end + 2; l = eol + 2) {
		eol = memmem(l, (size_t)(end + 2 - l), "\r\n", 2);
		if (parse_header(l, (size_t)(eol - l), f) < 0)
			return -1;
	}
	return (int)(end + 4 - data);
}

int docker_api_parse_response(const char *data, size_t len, bool eof,
			      struct docker_api_response *r)
{
	struct framing f = {0};
	int h, c;

	*r = (struct docker_api_response){0};
	h = parse_head(data, len, false, &r->status, &f);
	if (h <= 0)
		return h == 0 ? more(eof) : -1;
	c = parse_body(data + h, len - (size_t)h, eof, &f, r);
	if (c != 1)
		docker_api_response_free(r);
	return c;
}

void docker_api_response_free(struct docker_api_response *r)
{
	buf_free(&r->body);
	r->status = 0;
}

int docker_api_parse_upgrade(const char *data, size_t len)
{
	struct framing f = {0};
	int status;

	return parse_head(data, len, true, &status, &f);
}

/* ---- the exec stream ---- */

int docker_mux_feed(struct docker_mux *m, const char *in, size_t n,
		    struct buf *out)
{
	while (n > 0) {
		size_t take;

		if (m->left == 0) {
			m->hdr[m->have++] = (unsigned char)*in++;
			n--;
			if (m->have < sizeof(m->hdr))
				continue;
			/* STREAM 0 0 0 SIZE(4, big-endian); the stream is
			 * stdin (0), stdout (1), stderr (2) or the daemon's
			 * own error (3). */
			if (m->hdr[0] > 3 || m->hdr[1] || m->hdr[2] ||
			    m->hdr[3])
				return -1;
			m->stream = m->hdr[0];
			m->left = (uint32_t)m->hdr[4] << 24 |
				  (uint32_t)m->hdr[5] << 16 |
				  (uint32_t)m->hdr[6] << 8 | m->hdr[7];
			m->have = 0;
			continue;
		}
		take = n < m->left ? n : m->left;
		if (m->stream == 1)
			buf_append(out, in, take);
		in += take;
		n -= take;
		m->left -= (uint32_t)take;
	}
	return 0;
}

/* ---- the client ---- */

/* 1 when fd is ready for events (or has an error to report), 0 when the
 * deadline passed, -1 on error. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		uint64_t now = monotonic_ms();
		int r;

		if (now >= deadline)
			return 0;
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r > 0;
	}
}

/* A connected, non-blocking socket, or -1.  A full listen backlog is an
 * error here (EAGAIN), not a wait: the CLI can still try. */
static int connect_unix(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	int fd;

	if (n == 0 || n >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* HOST:PORT of a tcp:// endpoint, split; the port is 2375 when absent, as
 * in the CLI.  Only an address written as numbers or "localhost": a name
 * would be looked up with no deadline, so that is left to the CLI, as is
 * an endpoint with a path.  false when it is not one of these. */
static bool split_tcp(const char *hp, char *host, size_t hn, char *port,
		      size_t pn)
{
	const char *end, *colon;

	if (hp[0] == '[') {
		end = strchr(hp, ']');
		if (!end || (end[1] != ':' && end[1] != '\0'))
			return false;
		colon = end + 1;
		hp++;
	} else {
		end = hp + strcspn(hp, ":");
		colon = end;
	}
	if ((size_t)(end - hp) >= hn || end == hp)
		return false;
	memcpy(host, hp, (size_t)(end - hp));
	host[end - hp] = '\0';
	snprintf(port, pn, "%s", *colon ? colon + 1 : "2375");
	return port[0] && strspn(port, "0123456789") == strlen(port) &&
	       strlen(port) <= 5;
}

/* A connected, non-blocking TCP socket to the endpoint's HOST:PORT by the
 * deadline, or -1. */
static int connect_tcp(const char *hp, uint64_t deadline)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char host[256], port[8];
	int fd = -1, one = 1;

	if (!split_tcp(hp, host, sizeof(host), port, sizeof(port)))
		return -1;
	if (!str_eq(host, "localhost"))
		hints.ai_flags |= AI_NUMERICHOST;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		int err = 0;
		socklen_t el = sizeof(err);
		fd = socket(a->ai_family,
			    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		/* Small writes go at once (an exec's stream carries a
		 * frame at a time): Nagle's wait for an ACK, which the peer
		 * delays, would add some 40 ms to each. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof(one));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS &&
		    wait_fd(fd, POLLOUT, deadline) > 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
		    err == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int connect_endpoint(const char *endpoint, uint64_t deadline)
{
	if (str_has_prefix(endpoint, "unix://"))
		return connect_unix(endpoint + 7);
	if (str_has_prefix(endpoint, "tcp://"))
		return connect_tcp(endpoint + 6, deadline);
	return -1;
}

/* MSG_NOSIGNAL: a daemon that hangs up must not kill paks with SIGPIPE. */
static int send_all(int fd, const char *p, size_t len, uint64_t deadline)
{
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline) <= 0)
				return -1;
			continue;
		}
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read until the response is whole (or the server closes): 1 with *r,
 * else -1. */
static int read_response(int fd, uint64_t deadline,
			 struct docker_api_response *r)
{
	struct buf b = {0};
	char chunk[16384];
	int c = 0;

	while (c == 0) {
		ssize_t n;

		if (wait_fd(fd, POLLIN, deadline) <= 0) {
			c = -1;
			break;
		}
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 || b.len + (size_t)n > DOCKER_API_MAX) {
			c = -1;
			break;
		}
		buf_append(&b, chunk, (size_t)n);
		c = docker_api_parse_response(b.data, b.len, n == 0, r);
	}
	buf_free(&b);
	return c;
}

static uint64_t deadline_in(int timeout_ms)
{
	return monotonic_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
}

/* Connect and send one request: a GET (body NULL) or a POST of a JSON
 * body, with Connection: close or, when upgrade, the upgrade to a raw
 * stream.  The connected socket, or -1. */
static int send_request(const char *endpoint, const char *path,
			const char *body, bool upgrade, uint64_t deadline)
{
	int fd = connect_endpoint(endpoint, deadline);
	struct buf req = {0};
	int r;

	if (fd < 0)
		return -1;
	buf_printf(&req,
		   "%s %s HTTP/1.1\r\n"
		   "Host: docker\r\n"
		   "User-Agent: paks/" PAKS_VERSION "\r\n",
		   body ? "POST" : "GET", path);
	if (upgrade)
		buf_printf(&req, "Connection: Upgrade\r\nUpgrade: tcp\r\n");
	else
		buf_printf(&req, "Connection: close\r\n");
	if (body)
		buf_printf(&req,
			   "Content-Type: application/json\r\n"
			   "Content-Length: %zu\r\n",
			   strlen(body));
	buf_printf(&req, "\r\n%s", body ? body : "");
	r = send_all(fd, req.data, req.len, deadline);
	buf_free(&req);
	if (r < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int docker_api_get(const char *endpoint, const char *path, int timeout_ms,
		   struct docker_api_response *r)
{
	return docker_api_post(endpoint, path, NULL, timeout_ms, r);
}

int docker_api_post(const char *endpoint, const char *path, const char *body,
		    int timeout_ms, struct docker_api_response *r)
{
	uint64_t deadline = deadline_in(timeout_ms);
	cleanup_fd int fd = send_request(endpoint, path, body, false, deadline);

	if (fd < 0)
		return -1;
	return read_response(fd, deadline, r) == 1 ? 0 : -1;
}

int docker_api_upgrade(const char *endpoint, const char *path, const char *body,
		       int timeout_ms, struct buf *early)
{
	uint64_t deadline = deadline_in(timeout_ms);
	int fd = send_request(endpoint, path, body, true, deadline);
	struct buf b = {0};
	char chunk[4096];
	int h = 0;

	/* Byte by byte up to the blank line would cost a read each; the
	 * stream's first bytes may come in the same read, and go to *early. */
	while (fd >= 0 && h == 0) {
		ssize_t n;

		if (wait_fd(fd, POLLIN, deadline) <= 0)
			break;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		buf_append(&b, chunk, (size_t)n);
		h = docker_api_parse_upgrade(b.data, b.len);
	}
	if (h > 0)
		buf_append(early, b.data + h, b.len - (size_t)h);
	buf_free(&b);
	if (h <= 0 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* ref as one path segment of the URL: what is not unreserved is
 * percent-escaped, except '/', ':' and '@', which a reference is made of
 * and which Go's client leaves as they are too. */
static void escape_ref(struct buf *b, const char *ref)
{
	for (const char *p = ref; *p; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~/:@", c))
			buf_append(b, p, 1);
		else
			buf_printf(b, "%%%02X", (unsigned char)c);
	}
}

int docker_api_image_ask(const char *endpoint, const char *ref)
{
	struct buf path = {0};
	int fd;

	/* Unversioned: the daemon's own API version, which is also what the
	 * CLI negotiates when it is at least as new as the daemon; every
	 * dockerd (and podman's Docker API service) serves it. */
	buf_printf(&path, "/images/");
	escape_ref(&path, ref);
	buf_printf(&path, "/json");
	fd = send_request(endpoint, path.data, NULL, false,
			  deadline_in(ASK_TIMEOUT_MS));
	buf_free(&path);
	return fd;
}

int docker_api_image_answer(int fd, int timeout_ms, struct buf *json_out)
{
	struct docker_api_response r;
	int ret = -1;

	if (read_response(fd, deadline_in(timeout_ms), &r) != 1)
		return -1;
	if (r.status == 200) {
		buf_append(json_out, r.body.data, r.body.len);
		ret = 0;
	} else if (r.status == 404) {
		ret = 1;
	}
	docker_api_response_free(&r);
	return ret;
}
