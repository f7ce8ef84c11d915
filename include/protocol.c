/* SPDX-License-Identifier: MIT */
/*
 * Frame encoding and decoding for the paks wire protocol.  Compiled into
 * both the host program and the preload library, so it uses libc only and
 * never prints.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paks-protocol.h"

int proto_valid_type(uint32_t type)
{
	return (type >= PAKS_MSG_CWD && type <= PAKS_MSG_REPORT) ||
	       (type >= PAKS_MSG_OUT && type <= PAKS_MSG_GO);
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)((v >> 24) & 0xff);
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

void proto_put_i32(unsigned char out[4], int32_t v)
{
	put_u32(out, (uint32_t)v);
}

int32_t proto_get_i32(const unsigned char in[4])
{
	return (int32_t)get_u32(in);
}

void proto_encode_header(unsigned char hdr[PAKS_FRAME_HDR], uint32_t type,
			 uint32_t len)
{
	put_u32(hdr, type);
	put_u32(hdr + 4, len);
}

int proto_decode_header(const unsigned char hdr[PAKS_FRAME_HDR], uint32_t *type,
			uint32_t *len)
{
	*type = get_u32(hdr);
	*len = get_u32(hdr + 4);
	if (!proto_valid_type(*type))
		return -EPROTO;
	if (*len > PAKS_FRAME_MAX)
		return -EMSGSIZE;
	return 0;
}

long proto_encode(uint32_t type, const void *payload, size_t len,
		  unsigned char **out)
{
	unsigned char *buf;

	if (!proto_valid_type(type))
		return -EPROTO;
	if (len > PAKS_FRAME_MAX)
		return -EMSGSIZE;
	buf = malloc(PAKS_FRAME_HDR + len);
	if (!buf)
		return -ENOMEM;
	proto_encode_header(buf, type, (uint32_t)len);
	if (len)
		memcpy(buf + PAKS_FRAME_HDR, payload, len);
	*out = buf;
	return (long)(PAKS_FRAME_HDR + len);
}

/* On a socket, send() with MSG_NOSIGNAL: a peer that has gone away is an
 * error to return, never a SIGPIPE for the writer.  Anything else (a pipe)
 * takes write(). */
static int write_all_fd(int fd, const unsigned char *p, size_t n)
{
	int sock = 1;

	while (n > 0) {
		ssize_t w = sock ? send(fd, p, n, MSG_NOSIGNAL) : -1;
		if (sock && w < 0 && errno == ENOTSOCK) {
			sock = 0;
			continue;
		}
		if (!sock)
			w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int proto_write(int fd, uint32_t type, const void *payload, size_t len)
{
	unsigned char *buf = NULL;
	long n = proto_encode(type, payload, len, &buf);
	int r;

	if (n < 0)
		return (int)n;
	/* One write() call per frame where the stream takes it whole. */
	r = write_all_fd(fd, buf, (size_t)n);
	free(buf);
	return r;
}

void proto_decoder_init(struct proto_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

void proto_decoder_free(struct proto_decoder *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

int proto_decoder_feed(struct proto_decoder *d, const void *data, size_t n)
{
	if (d->off > 0) {
		memmove(d->buf, d->buf + d->off, d->len - d->off);
		d->len -= d->off;
		d->off = 0;
	}
	if (n > PAKS_FRAME_MAX + PAKS_FRAME_HDR ||
	    d->len + n > 2 * (PAKS_FRAME_MAX + PAKS_FRAME_HDR))
		return -EMSGSIZE;
	if (d->len + n > d->cap) {
		size_t cap = d->cap ? d->cap : 4096;
		unsigned char *nb;
		while (cap < d->len + n)
			cap *= 2;
		nb = realloc(d->buf, cap);
		if (!nb)
			return -ENOMEM;
		d->buf = nb;
		d->cap = cap;
	}
	if (n)
		memcpy(d->buf + d->len, data, n);
	d->len += n;
	return 0;
}

int proto_decoder_next(struct proto_decoder *d, uint32_t *type,
		       const unsigned char **payload, uint32_t *len)
{
	size_t avail = d->len - d->off;
	int r;

	if (avail < PAKS_FRAME_HDR)
		return 0;
	r = proto_decode_header(d->buf + d->off, type, len);
	if (r < 0)
		return r;
	if (avail < PAKS_FRAME_HDR + (size_t)*len)
		return 0;
	*payload = d->buf + d->off + PAKS_FRAME_HDR;
	d->off += PAKS_FRAME_HDR + (size_t)*len;
	return 1;
}
