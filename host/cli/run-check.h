/* SPDX-License-Identifier: MIT */
/*
 * Checks of `paks run`'s engine options, made before anything starts so
 * that a bad one is a one-line paks error, not the engine's.
 */
#ifndef PAKS_RUN_CHECK_H
#define PAKS_RUN_CHECK_H

#include <stdbool.h>

struct session;
struct strv;

/* A container name both engines accept: [A-Za-z0-9][A-Za-z0-9_.-]*. */
bool run_check_name(const char *name);
/* -p [[IP:][HOSTPORT]:]PORT[/PROTO], PORT and HOSTPORT a number or a
 * range (N-M) in 1..65535, PROTO tcp, udp or sctp. */
bool run_check_publish(const char *spec);
/* -v SRC:DST[:OPTS]: 0, or EXIT_USAGE / 1 with *cause (a host path SRC
 * that does not exist is a failure, a bad form a usage error). */
int run_check_volume(const char *spec, char **cause);
/* When the -v spec mounts a host path the container can write (no "ro"
 * option), push that path's real path to rw_binds. */
void run_volume_rw_bind(const char *spec, struct strv *rw_binds);
/* What only the engine knows: a container with that name already there,
 * a network that does not exist.  0, or 1 with *cause. */
int run_check_engine(struct session *s, const char *network, char **cause);

#endif
