/* SPDX-License-Identifier: MIT */
/*
 * The container engine backends.  Everything that differs between podman
 * and docker sits behind this small interface, one file per engine.
 */
#ifndef PAKS_ENGINE_H
#define PAKS_ENGINE_H

#include <stdbool.h>

#include <jansson.h>

#include "util.h"

struct session;
struct engine;

/* What talks to one engine: its backend, the program as found in PATH
 * and the global flags (--root, --url, -H).  An engine command needs this
 * and nothing of a session: `paks export` has one and no session. */
struct engine_handle {
	const struct engine *engine;
	char *path;	  /* "podman" or "docker" as found in PATH */
	struct strv args; /* global flags, e.g. --root, --url */
};

/* A backend that runs the image from a writable directory on the host,
 * with no engine CLI to ask (Charliecloud's ch-run; Apptainer's
 * `--writable` sandbox would be one more of these): the things the
 * CLI-shaped hooks below cannot say.  The directory itself is rootfs.c's. */
struct engine_ops {
	/* Find IMAGE, make or reuse its writable copy, and read the image's
	 * config into s (replaces image_resolve).  0, or -1 with *cause. */
	int (*prepare)(struct session *s, char **cause);
	/* The whole command line of the interactive start. */
	void (*run_argv)(struct session *s, const struct strv *passthrough,
			 struct strv *argv);
	/* The `#` commands that differ run on the writable copy
	 * (exec_rootfs_commands, host/cmd/exec-rootfs.c), not through an
	 * engine CLI. */
	bool rootfs_commands;
};

struct engine {
	const char *name; /* "podman" or "docker": also the program name */
	/* NULL for the engine CLIs; see struct engine_ops. */
	const struct engine_ops *ops;
	/* The program, when it is not name (ch-run). */
	const char *program;
	/* Where the runtime directory and the preload's directory appear in
	 * the container (NULL: PAKS_CONTAINER_DIR and PAKS_LIB_DIR_CTR). */
	const char *ctr_dir, *ctr_lib;
	/* The shell gets the host's environment under the image's, as
	 * ch-run gives it (a Slurm job's SLURM_* among them). */
	bool host_env;
	/* The client takes the terminal's mode and size from its stdin, so
	 * its output may go through a pipe instead of the PTY (podman; the
	 * docker CLI reads the size from stdout). */
	bool tty_from_stdin;
	/* The launcher goes at the head of the command, with an empty
	 * --entrypoint, instead of being the entrypoint (dockerd's commit
	 * cannot clear an Entrypoint). */
	bool launcher_in_cmd;
	/* A squashed save is `export | import` with the whole config given
	 * again (the docker CLI has no commit --squash). */
	bool squash_by_import;
	/* The commit runs in a daemon, which may finish it after its CLI is
	 * gone: it goes to a temporary name first (exec-commit.c). */
	bool commit_in_daemon;
	/* --change values are Dockerfile words (quoted, $ expanded). */
	bool change_words;
	/* --security-opt seccomp=PATH is read by the engine on its own
	 * machine (podman remote), not by the CLI on this one (docker). */
	bool seccomp_path_on_engine;
	/* Flags for `run` that keep the engine's own variables out of the
	 * container's config (podman: --unsetenv-all). */
	void (*run_flags)(const struct session *s, struct strv *argv);
	/* Where the engine's default seccomp profile comes from: 0 with
	 * *path its file, or NULL for moby's default, which paks ships
	 * (dockerd's builtin); 1 when the engine's configuration turns
	 * seccomp off (*path names that configuration file).  deps gets
	 * every host file or directory the answer was read from or looked
	 * for, so that a change to any of them is noticed. */
	int (*seccomp_default)(const struct engine_handle *h, struct strv *deps,
			       char **path);
	/* Flags for `commit` beyond the --change list (e.g. --squash). */
	void (*commit_flags)(const struct engine_handle *h, bool squash,
			     struct strv *argv);
	/* Flags for `pull`/`push` to reach REF: plain HTTP on loopback, TLS
	 * elsewhere unless tls_verify_off.  Returns NULL, or a one-line note
	 * for the user when the engine cannot do what was asked from its
	 * command line (docker leaves TLS to the daemon). */
	const char *(*registry_flags)(const struct engine_handle *h,
				      const char *ref, bool tls_verify_off,
				      struct strv *argv);
	/* Read "size of changes" and "virtual size" out of `inspect --size`. */
	int (*sizes)(json_t *container, double *rw, double *rootfs);
	/* Flags for `save` producing an archive both engines can load. */
	void (*save_flags)(const struct engine_handle *h, struct strv *argv);
	/* The whole command line that writes IMAGE as an OCI archive at
	 * out. */
	void (*oci_save_argv)(const struct engine_handle *h, const char *image,
			      const char *out, struct strv *argv);
	/* NULL, or a one-line note on what a commit through this engine
	 * records beyond the original config and cannot be removed (docker
	 * CLI talking to podman's Docker API service). */
	const char *(*commit_note)(const struct engine_handle *h);
	/* 1 when the engine the session talks to is at another machine's
	 * address (then *where names its endpoint, malloc'd), 0 when it may
	 * be on this one (a socket, loopback): the first start probes. */
	int (*is_remote)(const struct engine_handle *h, char **where);
	/* NULL, or `image inspect REF` asked of the engine's API without
	 * starting its CLI, and without waiting for the answer: the
	 * connection, whose answer api_image_answer reads, or -1 when the
	 * API cannot answer here (then the CLI is asked). */
	int (*api_image_ask)(const struct engine_handle *h, const char *ref);
	/* That answer within timeout_ms: 0 with the image's JSON object (one
	 * element of the CLI's array) in *json_out, 1 when there is no such
	 * image, -1 when the API cannot answer (then the CLI is asked). */
	int (*api_image_answer)(int fd, int timeout_ms, struct buf *json_out);
	/* NULL, or `exec -i --user=USER CONTAINER CMD...` through the
	 * engine's API without starting its CLI, its stdin and stdout
	 * carried to and from the socket local by a child (*pid): 0 when
	 * started, 1 when the container is not running yet, -1 when the API
	 * cannot do it here (then the CLI is asked). */
	int (*api_exec)(const struct engine_handle *h, const char *container,
			const char *user, char *const cmd[], int local,
			pid_t *pid);
};

/* The program a backend runs: its name, or ch-run for Charliecloud. */
const char *engine_program(const struct engine *e);
/* Start an engine command line: the program, its global flags. */
void engine_argv(const struct engine_handle *h, struct strv *argv);
/* Free what h holds. */
void engine_handle_free(struct engine_handle *h);
/* The first non-empty line of an engine's message, malloc'd. */
char *engine_first_line(const struct buf *b);
/* The engine's reason for a failure: its last "Error: ..." line, without
 * the prefix (else its first line), malloc'd. */
char *engine_error_line(const struct buf *b);
/* When an engine's message b says its daemon cannot be reached: a
 * one-line explanation naming where it looked (malloc'd); else NULL. */
char *engine_unreachable(const struct buf *b);
/* The --change instructions that restore an image config (CMD, ENTRYPOINT,
 * ENV, WORKDIR, USER) on commit; words: ENV values as quoted Dockerfile
 * words (dockerd), else literal (podman). */
void engine_config_changes(json_t *config, bool words, struct strv *argv);
/* The --change instructions for an image's Labels (LABEL), which an
 * import does not keep by itself as a commit does. */
void engine_label_changes(json_t *config, struct strv *argv);
/* 1 when REF's registry is on a loopback address (plain HTTP). */
int engine_ref_is_loopback(const char *ref);
/* 1 when HOST[:PORT][/...] names this machine: localhost, 127.0.0.0/8 or
 * [::1]. */
int engine_host_is_loopback(const char *host);

#endif
