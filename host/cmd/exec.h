/* SPDX-License-Identifier: MIT */
/*
 * The executor: runs one paks command line on the host for a shell in the
 * container.  Output, variables and the exit status go to an emitter, which
 * is the shell's connection in preload mode and the terminal in PTY mode.
 */
#ifndef PAKS_EXEC_H
#define PAKS_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paks-protocol.h"
#include "util.h"

struct session;
struct exec_ctx;
struct envset;

/* Receives PAKS_MSG_OUT, _ERR, _SETVAR (name '\0' value), _CANDIDATE. */
typedef int (*exec_emit_fn)(struct exec_ctx *c, uint32_t type, const void *data,
			    size_t len);
/* Called when cancel_fd is readable; returns 1 when the user cancelled. */
typedef int (*exec_cancel_fn)(struct exec_ctx *c);

struct exec_ctx {
	struct session *s; /* NULL for `paks export`, which has none */
	char *cwd;	   /* the shell's current directory in the container */
	exec_emit_fn emit;
	void *emit_arg;
	int cancel_fd; /* -1 when there is nothing to watch */
	exec_cancel_fn check_cancel;
	void *cancel_arg;
	bool cancelled;
	int status;	   /* with PAKS_CMD_EXITED: the program's exit status */
	const char *usage; /* the running built-in's usage, from the table */
	/* NULL, or whether the shell can take these variables on top of
	 * those already sent (*cause set when not): asked before any is
	 * sent, so that a command either sets them all or says why not. */
	bool (*vars_fit)(struct exec_ctx *c, const struct envset *set,
			 char **cause);
};

/* What a command did, as tmux's enum cmd_retval; exec_line maps it to the
 * exit status the shell sees, in one place. */
enum exec_status {
	PAKS_CMD_OK,	    /* 0 */
	PAKS_CMD_FAIL,	    /* 1 */
	PAKS_CMD_USAGE,	    /* 2: bad arguments */
	PAKS_CMD_NOEXEC,    /* 126: found but cannot be run */
	PAKS_CMD_NOTFOUND,  /* 127: no such command */
	PAKS_CMD_CANCELLED, /* 130: the user pressed Ctrl-C */
	PAKS_CMD_EXITED,    /* a program's own status, in exec_ctx.status */
};

/* A command.  On PAKS_CMD_FAIL, _USAGE, _NOEXEC and _NOTFOUND *cause is
 * set (malloc'd, no "paks: " prefix); exec_line prints it once.  Commands
 * take between args_min and args_max arguments (-1: no limit), checked
 * before run is called. */
struct exec_cmd {
	const char *name;
	int args_min, args_max;
	const char *usage; /* arguments, e.g. "[suffix=SUFFIX | NAME[:TAG]]" */
	const char *summary;
	enum exec_status (*run)(struct exec_ctx *c, int argc, char **argv,
				char **cause);
};

/* exec.c: the command table and the dispatcher. */
extern const struct exec_cmd exec_commands[];
/* Run one command line; returns the exit status to report. */
int exec_line(struct exec_ctx *c, const char *line, size_t len);
const struct exec_cmd *exec_find(const char *name);
/* The one place a command's result becomes the shell's $?. */
int exec_exit_status(const struct exec_ctx *c, enum exec_status st);

struct spawn_opts {
	char *const *envp; /* NULL: the host environment */
	const char *dir;   /* NULL: the launch directory */
	struct buf *out;   /* non-NULL: collect stdout instead of streaming */
	struct buf *fd3;   /* non-NULL: give the child fd 3, collect it */
	size_t fd3_max;	   /* with fd3: at most this many bytes */
	bool quiet_stderr; /* drop the child's stderr */
	bool stdin_null;   /* default: /dev/null anyway; kept for clarity */
	const char *in;	   /* non-NULL: a file to read stdin from */
	struct buf *err;   /* non-NULL: collect stderr instead of streaming */
	/* Called about twice a second while the child runs (progress). */
	void (*tick)(void *arg);
	void *tick_arg;
};
/* Run argv (never through a shell), streaming its stdout/stderr as
 * OUT/ERR while watching for cancel, which kills its process group, until
 * it has exited (a child it left holding its streams is not waited for).
 * Returns the exit status (128+signal when killed) or -errno when it could
 * not be started (-ENOENT: no such program), or -EFBIG when fd 3 brought
 * more than fd3_max bytes (then its process group was KILLed at once). */
int exec_spawn(struct exec_ctx *c, char *const argv[],
	       const struct spawn_opts *o);
/* Run `a | b` the same way (one process group, both stderrs streamed):
 * b's status, else a's, or -errno when they could not be started. */
int exec_spawn_pipe(struct exec_ctx *c, char *const a[], char *const b[]);
/* Convenience: run an engine command for the session.  When it cannot be
 * started, returns -errno with *cause set. */
int exec_engine(struct exec_ctx *c, struct strv *argv,
		const struct spawn_opts *o, char **cause);

/* exec-out.c: what a command sends back to the shell. */
void exec_write(struct exec_ctx *c, uint32_t type, const void *d, size_t n);
void exec_out(struct exec_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* One "paks: ..." line on the error stream. */
void exec_err(struct exec_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void exec_setvar(struct exec_ctx *c, const char *name, const char *value);
/* Set *cause to the message, followed by ": " and the old cause if there
 * was one: the caller's context in front of the callee's reason. */
void exec_cause(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* What running a program (exec_spawn's result r) means for the command:
 * CANCELLED when the user cancelled, FAIL when it did not start (r < 0),
 * OK, or EXITED with r kept in c->status. */
enum exec_status exec_result(struct exec_ctx *c, int r);

/* exec-path.c: host paths for #cp, #export and `paks path`. */
/* The one confinement check: p, relative to the launch directory ld, is
 * resolved (symlinks and "..", as the kernel does) and must stay inside
 * ld; anything outside gets one answer whether it exists or not.
 * must_exist: else only the parent must exist (a dangling symlink counts
 * as outside).  Returns the resolved path, or NULL with *cause set. */
char *exec_path_confine(const char *ld, const char *p, bool must_exist,
			char **cause);
/* The path for the engine: exec_path_confine's check unless cp_unconfined,
 * then the path as typed under the launch directory.  NULL with *cause
 * set when refused. */
char *exec_host_path(const struct session *s, const char *p, bool must_exist,
		     char **cause);

/* exec-commit.c: committing the container, for #save, #push, #export. */
/* The target of `#save [ARG]` (arg NULL: the image's name plus the
 * save_suffix setting); NULL with *cause set. */
char *exec_save_target(struct exec_ctx *c, const char *arg, char **cause);
struct progress;
/* Commit the container to `target` atomically (temporary name, then
 * tag), with the image's original config, as the "committing" phase of
 * p; the engine's output only when verbose. */
enum exec_status exec_save_image(struct exec_ctx *c, const char *target,
				 struct progress *p, bool verbose,
				 char **cause);

/* exec-complete.c */
/* Emit CANDIDATE frames for the line up to the cursor. */
int exec_complete(struct exec_ctx *c, const char *line, size_t len);

/* The commands (cmd-*.c), referenced by the table in exec.c. */
enum exec_status exec_cmd_save(struct exec_ctx *c, int argc, char **argv,
			       char **cause);
enum exec_status exec_cmd_push(struct exec_ctx *c, int argc, char **argv,
			       char **cause);
enum exec_status exec_cmd_export(struct exec_ctx *c, int argc, char **argv,
				 char **cause);
enum exec_status exec_cmd_inspect(struct exec_ctx *c, int argc, char **argv,
				  char **cause);
enum exec_status exec_cmd_size(struct exec_ctx *c, int argc, char **argv,
			       char **cause);
enum exec_status exec_cmd_diff(struct exec_ctx *c, int argc, char **argv,
			       char **cause);
enum exec_status exec_cmd_cp(struct exec_ctx *c, int argc, char **argv,
			     char **cause);
enum exec_status exec_cmd_envload(struct exec_ctx *c, int argc, char **argv,
				  char **cause);
enum exec_status exec_cmd_envsave(struct exec_ctx *c, int argc, char **argv,
				  char **cause);
enum exec_status exec_cmd_envhost(struct exec_ctx *c, int argc, char **argv,
				  char **cause);

/* exec-rootfs.c: the commands of a backend that runs a directory on the
 * host (struct engine_ops), and its #cp (FROM and TO as cmd-cp.c makes
 * them, "CTR:PATH" on the container's side). */
/* exec-rootfs.c: the commands that run their own way on a writable
 * copy (same names, counts and usage as exec_commands; only run is
 * used), ended by a NULL name. */
extern const struct exec_cmd exec_rootfs_commands[];
enum exec_status exec_rootfs_save(struct exec_ctx *c, int argc, char **argv,
				  char **cause);
enum exec_status exec_rootfs_push(struct exec_ctx *c, int argc, char **argv,
				  char **cause);
enum exec_status exec_rootfs_export(struct exec_ctx *c, int argc, char **argv,
				    char **cause);
enum exec_status exec_rootfs_inspect(struct exec_ctx *c, int argc, char **argv,
				     char **cause);
enum exec_status exec_rootfs_size(struct exec_ctx *c, int argc, char **argv,
				  char **cause);
enum exec_status exec_rootfs_diff(struct exec_ctx *c, int argc, char **argv,
				  char **cause);
int exec_rootfs_cp(struct exec_ctx *c, const char *from, const char *to,
		   char **cause);

#endif
