/* SPDX-License-Identifier: MIT */
/*
 * The wire protocol between the preload (inside the container's bash) and
 * the paks host process.  Both sides compile against this one header.
 *
 * One connection per session carries every request.  The host listens on
 * a unix socket in the runtime directory only until the container's first
 * process, the launcher, has connected (it is then the only process in the
 * container); the host accepts that one connection, closes the listener
 * and unlinks the socket, so there is nothing left to open, read or
 * replay.  The launcher hands the connected fd to the shell across exec and
 * names it in PAKS_ENV_CHANNEL ("FD:PID": the fd number and the pid of the
 * one process allowed to take it; neither is secret).  Requests are
 * serial: one shell, one request at a time.
 *
 * A frame is an 8-byte header, type then payload length, both 32-bit
 * little-endian, followed by the payload.
 *
 * Client -> host:  CWD, then LINE (run it) or COMPLETE (candidates for
 * Tab); then at any time CANCEL (Ctrl-C), which applies to the latest
 * request.  Host -> client:  OUT / ERR chunks as they are produced, SETVAR
 * records, CANDIDATE records, and finally exactly one EXIT per request, in
 * the order the requests came; a client that gave up on a request skips
 * frames up to that request's EXIT.
 */
#ifndef PAKS_PROTOCOL_H
#define PAKS_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define PAKS_PROTOCOL_VERSION 1

/* Where the runtime directory appears inside the container.  /dev is a
 * tmpfs that the runtime creates for every container, so the mountpoint is
 * never part of the writable layer and never reaches a saved image. */
#define PAKS_CONTAINER_DIR "/dev/.paks"
#define PAKS_SOCKET_NAME   "sock"
#define PAKS_PRELOAD_NAME  "libpaks-preload.so"

/* The preload's own directory (PAKS_LIB_SUBDIR of the runtime directory,
 * 0755, read-only in the container): a shell running as any user loads the
 * library without entering the private runtime directory (under rootless
 * podman that user is a sub-uid, which cannot).  A mount of its own, as
 * the /dev tmpfs is noexec and the library could not be mapped from it. */
#define PAKS_LIB_DIR_CTR "/dev/.paks-lib"
#define PAKS_LIB_SUBDIR	 "lib"

/* An engine that cannot see this machine's files (preload/launch-bridge.c,
 * host/session/remote.c): the launcher and the preload come in a volume of the
 * engine's, mounted read-only once, at PAKS_CONTAINER_DIR (the shell loads
 * the preload from there: a volume is not on the noexec /dev), and holding
 * the file PAKS_BRIDGE_MARK.  The launcher then listens on a socket in
 * PAKS_BRIDGE_DIR_CTR (0700, in the container's /dev) for at most
 * PAKS_BRIDGE_WAIT_MS, and accepts exactly one connection: the bridge,
 * `paks-launch --paks-bridge` started by paks through the engine's exec,
 * which says PAKS_BRIDGE_HELLO on its stdout once connected and then
 * carries the session's bytes between its stdin and stdout and the
 * launcher. */
#define PAKS_BRIDGE_MARK "bridge"
/* The bridge runs as this uid and gid, and its program (the launcher in
 * the volume) is execute-only (0711): the kernel makes a process that
 * runs a program it cannot read non-dumpable from its exec on, so no
 * process of the container can open the bridge's stdin or stdout through
 * /proc, even in the moment before the bridge could say so itself.  The
 * rendezvous (0711, its socket 0666) lets it in; a fast start's keeper
 * takes only this uid.  Processes the engine starts in the container of
 * its own (an image's HEALTHCHECK) run as the container's user, which
 * paks keeps at root. */
#define PAKS_BRIDGE_UID 65534
/* The fast start on such an engine (host/session/launch-env.c): the shell's
 * environment and the launcher's controls, which then hold nothing of the
 * user's (no -e values), come as the launcher's arguments, PAKS_LAUNCH_FAST
 * then "e:NAME=VALUE" and "c:KEY=VALUE" words up to "--".  The shell starts
 * at once, with its end of a socket pair as its connection; a keeper the
 * launcher forks first (still the container's only process) holds the
 * rendezvous and the other end until the bridge comes, checks that the
 * bridge was started from outside the container (its parent is not in the
 * container's pid namespace), sends the report, and copies bytes.  The
 * bridge checks that the rendezvous is the container's first process's. */
#define PAKS_LAUNCH_FAST    "--paks-start"
#define PAKS_BRIDGE_DIR_CTR "/dev/.paks-bridge"
#define PAKS_BRIDGE_HELLO   'P'
#define PAKS_BRIDGE_WAIT_MS 60000

/* The launch handshake, on the session's one connection, before the shell
 * runs (host/session/launch-env.c and preload/launch.c).  The launcher connects
 * while it is the container's only process and waits.  paks sends the
 * shell's environment in ENV frames (NUL-terminated NAME=VALUE records, cut
 * anywhere between frames) and then one GO frame whose payload is the
 * launcher's controls (NUL-terminated KEY=VALUE records, PAKS_CTL_*).  The
 * controls come from paks alone: the launcher never reads a control from
 * the environment, so a variable of the image or of `-e` is only ever the
 * user's variable.  The launcher answers with one REPORT frame (records
 * PAKS_REP_*) and then runs the shell (with the connection in preload
 * mode, without it in PTY mode) or exits with PAKS_EXIT_RESTART.  The
 * connection ending before GO means this start is void: the launcher exits
 * with PAKS_EXIT_RESTART before anything else runs.  paks may start the
 * container before it has checked the image it named, and sends GO once
 * the start stands.  Nothing of this is a file: the runtime directory is
 * read-only in the container.
 *
 * The first start of an image whose mode is not cached is also the look at
 * its shell: PAKS_CTL_CHECK names the shell, PAKS_CTL_FALLBACK says that a
 * missing default bash may fall back to /bin/sh, and PAKS_CTL_AUTO that
 * paks chose the mode itself.  The verdict is "MODE SHELL" (MODE: preload,
 * pty or missing); when the container must start again with another mode
 * or shell, the launcher exits before the shell ever runs. */
#define PAKS_CTL_USER	    "user"     /* USER[:GROUP] the shell runs as */
#define PAKS_CTL_CHECK	    "check"    /* the shell to look at */
#define PAKS_CTL_FALLBACK   "fallback" /* "1" */
#define PAKS_CTL_AUTO	    "auto"     /* "1" */
#define PAKS_CTL_CHANNEL    "channel"  /* "1": the shell keeps the connection */
#define PAKS_CTL_ENTRYPOINT "entrypoint" /* N: argv[1..N] run the shell */
#define PAKS_REP_VERDICT    "verdict"	 /* "MODE SHELL" */
#define PAKS_REP_IDS	    "ids" /* "UID:GID" of a non-root shell user */
#define PAKS_REPORT_MAX	    4096u
#define PAKS_EXIT_RESTART   121

/* Environment of the shell inside the container. */
#define PAKS_ENV_DIR	 "PAKS_DIR"
#define PAKS_ENV_CHANNEL "PAKS_CHANNEL"
/* The fd the launcher puts the connection on; the preload moves it up to
 * PAKS_CHANNEL_FD_MIN or above, out of the way of the user's `exec 3>`. */
#define PAKS_CHANNEL_FD	    3
#define PAKS_CHANNEL_FD_MIN 100

#define PAKS_FRAME_HDR 8u
#define PAKS_FRAME_MAX (1u << 20)
/* A paks command line longer than this is refused with a clear error. */
#define PAKS_LINE_MAX (32u * 1024u)

enum paks_msg {
	/* 1 was HELLO, when each request named a FIFO pair. */
	PAKS_MSG_CWD = 2,      /* payload: the shell's current directory */
	PAKS_MSG_LINE = 3,     /* payload: the command line, run it */
	PAKS_MSG_COMPLETE = 4, /* payload: the line up to the cursor */
	PAKS_MSG_CANCEL = 5,   /* no payload */
	PAKS_MSG_REPORT = 6,   /* the launcher's report (launch handshake) */

	PAKS_MSG_OUT = 16,	 /* payload: bytes for stdout */
	PAKS_MSG_ERR = 17,	 /* payload: bytes for stderr */
	PAKS_MSG_SETVAR = 18,	 /* payload: NAME '\0' VALUE (exported) */
	PAKS_MSG_CANDIDATE = 19, /* payload: one completion candidate */
	PAKS_MSG_EXIT = 20,	 /* payload: 4-byte little-endian status */
	PAKS_MSG_ENV = 21,	 /* launch handshake: environment records */
	PAKS_MSG_GO = 22, /* launch handshake: controls; the start stands */
};

/* Incremental decoder for a byte stream of frames. */
struct proto_decoder {
	unsigned char *buf;
	size_t len;
	size_t cap;
	size_t off; /* start of the next undelivered frame */
};

int proto_valid_type(uint32_t type);
void proto_encode_header(unsigned char hdr[PAKS_FRAME_HDR], uint32_t type,
			 uint32_t len);
int proto_decode_header(const unsigned char hdr[PAKS_FRAME_HDR], uint32_t *type,
			uint32_t *len);
/* Encode a whole frame into a malloc'd buffer; returns its size or -errno. */
long proto_encode(uint32_t type, const void *payload, size_t len,
		  unsigned char **out);
/* Write one frame, retrying short writes and EINTR; on a socket without
 * SIGPIPE (a gone peer is -EPIPE).  0 or -errno. */
int proto_write(int fd, uint32_t type, const void *payload, size_t len);

void proto_decoder_init(struct proto_decoder *d);
void proto_decoder_free(struct proto_decoder *d);
int proto_decoder_feed(struct proto_decoder *d, const void *data, size_t n);
/* 1 and a frame (payload points into the decoder, valid until the next
 * feed), 0 when more bytes are needed, -EPROTO or -EMSGSIZE on garbage. */
int proto_decoder_next(struct proto_decoder *d, uint32_t *type,
		       const unsigned char **payload, uint32_t *len);

/* 4-byte little-endian integers for EXIT. */
void proto_put_i32(unsigned char out[4], int32_t v);
int32_t proto_get_i32(const unsigned char in[4]);

#endif
