/* SPDX-License-Identifier: MIT */
/*
 * One `paks run`: the engine, the image and its original config, the
 * container, the per-session runtime directory and the launch directory.
 */
#ifndef PAKS_SESSION_H
#define PAKS_SESSION_H

#include <stdbool.h>

#include <jansson.h>

#include "engine.h"
#include "settings.h"
#include "util.h"

enum session_mode { MODE_AUTO, MODE_PRELOAD, MODE_PTY };

struct session {
	struct settings settings;
	struct engine_handle eng; /* the engine, as found, and its flags */
	char *image;		  /* as the user named it */
	char *image_id;		  /* resolved id */
	char *image_author;	  /* the image's Author and Comment, or "" */
	json_t *image_config;	  /* the image's original Config object */
	char *container;	  /* container name, "paks-<id>" */
	char *session_id;
	char *runtime_dir;  /* host side of PAKS_CONTAINER_DIR */
	char *launch_dir;   /* where `paks run` was started */
	char *shell;	    /* shell path inside the container */
	bool shell_default; /* not chosen by the user: may fall back to sh */
	char *lib_dir;	    /* where libpaks-preload.so and paks-launch are */
	/* The seccomp profile that refuses TIOCSTI (a host-only path), or
	 * NULL: the engine's default. */
	char *seccomp_profile;
	enum session_mode mode;
	bool mode_auto;	      /* paks chooses the mode (no --mode) */
	bool check_shell;     /* the launcher looks at the shell (not cached) */
	struct strv user_env; /* NAME=VALUE from -e, applied by the launcher */
	/* NAME=VALUE for the engine client alone (run_argv sets it). */
	struct strv engine_env;
	/* The real host paths of the -v mounts the container can write: a
	 * process in the container can change what a path there leads to
	 * while paks uses it, so #cp and #export stay out of them. */
	struct strv rw_binds;
	bool remote; /* the engine cannot see this machine's files */
	/* remote: this start's launcher takes its words as arguments and the
	 * shell starts at once; the bridge comes later (launch-env.c).  Set
	 * by the start, from session_run_argv. */
	bool fast_start;
	char *volume; /* remote: the engine's volume with paks's files */
	char *seccomp_on_engine; /* remote: the profile's path there */
	char *cidfile; /* remote: where this start's engine writes the id */
	bool bridge_by_cli; /* remote: the engine's API cannot start a bridge */
	unsigned starts;    /* remote: the starts so far, for cidfile's name */
	bool files_lost;    /* remote: the engine lost the volume: fill it */
	bool over_ssh;	/* docker reached over ssh (DOCKER_HOST, a context) */
	bool ssh_share; /* its ssh connections share one (ssh-share.c) */
	/* A start that may be void, its engine's errors held until the
	 * launcher came (session_try_remote): the engine may be on this
	 * machine, and the start bind-mounts the runtime directory, which
	 * fails at once where the engine cannot see it; or the engine's
	 * volume of paks's files, filled by an earlier session, may be
	 * gone. */
	bool probing;
	int stop_signal; /* TERM or HUP that ended the session, or 0 */
	/* The image as the image cache remembers it: the container runs
	 * the name (not the id), while `image inspect` checks the name
	 * beside its start: a question to the engine's API (verify_by_api,
	 * its answer on verify_fd), or the CLI (verify_pid, its output on
	 * verify_fd). */
	bool run_by_name;
	bool verify_by_api;
	pid_t verify_pid;
	int verify_fd;
	bool image_restart; /* the name meant another image: start again */
	/* The launch handshake (launch-env.h): this start's socket, and
	 * whether the start stands; what the launcher reported. */
	int launch_fd;
	bool launch_go;
	char *verdict;	      /* "MODE SHELL" when it looked at the shell */
	char *shell_ids;      /* "UID:GID" of a shell user who is not root */
	int entrypoint_words; /* --entrypoint's words in front of the shell */
	/* The engine's stderr held during such a start (engine-err.c). */
	bool err_held;
	int err_fd;
	off_t err_shown;
	/* A backend with engine ops (rootfs.c): the writable directory the
	 * container runs, made from rootfs_source (never changed). */
	char *rootfs;
	char *rootfs_source;
	bool rootfs_keep; /* --keep: the copy outlives the session */
	int rootfs_lock;  /* > 0: the lock held while the copy is in use */
	/* The started engine's pid (ch-run execs the launcher), and its
	 * mount namespace once the launcher has connected: the processes
	 * to end at the session's end, as there is no pid namespace. */
	pid_t engine_pid;
	char *ctr_mntns;
	int janitor_fd; /* > 0: 1 + the pipe to rootfs.c's janitor */
};

/* Prepare the session (engine, image, runtime dir, mode) and run it.  0,
 * or -1 with *cause set. */
int session_prepare(struct session *s, char **cause);
/* After the container exited with STATUS: 1 when it must start again
 * (the launcher found that the image's shell needs another mode or shell
 * on a first start; s now says which), 0 when the session
 * is over, -1 with *cause set. */
int session_restart(struct session *s, int status, char **cause);
/* After a start that failed: 1 when it failed because the engine cannot
 * see this machine's files, and the session is now set to start again
 * with them in a volume of the engine's (remote.c); 0 otherwise; -1 with
 * *cause. */
int session_try_remote(struct session *s, char **cause);
/* The engine has been started: let its launcher go on once the image it
 * runs is known to be the one the environment was made for.  When it is
 * not, the start is void (the launcher exits before the shell runs) and
 * session_restart starts again. */
void session_go(struct session *s);
/* The full engine command line for the interactive container: true when
 * it is a fast start (launch_fast_argv), which the start keeps in
 * s->fast_start. */
bool session_run_argv(struct session *s, const struct strv *passthrough,
		      struct strv *argv);
/* Remove the runtime directory. */
void session_cleanup(struct session *s);
void session_free(struct session *s);

#endif
