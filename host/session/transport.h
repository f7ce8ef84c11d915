/* SPDX-License-Identifier: MIT */
/*
 * The byte stream between paks and the shell's preload: today a unix
 * socket that accepts exactly one connection.
 */
#ifndef PAKS_TRANSPORT_H
#define PAKS_TRANSPORT_H

/* Listen on DIR/PAKS_SOCKET_NAME for the launcher.  The listening fd, or
 * -errno. */
int transport_listen(const char *dir);
/* Take the one connection from the listener, then close the listener and
 * unlink its path: no second process can ever connect.  The connected fd
 * (blocking, close-on-exec), or -errno. */
int transport_accept(int listen_fd, const char *dir);
/* Stop listening without a connection (paks stops serving). */
void transport_unlisten(int listen_fd, const char *dir);

#endif
