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

/* Receives PAKS_MSG_OUT, _ERR, _SETVAR (name '\0' value), _CANDIDATE. */
typedef int (*exec_emit_fn)(struct exec_ctx *c, uint32_t type, const void *data,
			    size_t len);
/* Called when cancel_fd is readable; returns 1 when the user cancelled. */
typedef int (*exec_cancel_fn)(struct exec_ctx *c);

struct exec_ctx {
	struct session *s;
	char *cwd; /* the shell's current directory in the container */
	exec_emit_fn emit;
	void *emit_arg;
	int cancel_fd; /* -1 when there is nothing to watch */
	exec_cancel_fn check_cancel;
	void *cancel_arg;
	bool cancelled;
};

struct exec_cmd {
	const char *name;
	const char *usage; /* arguments, e.g. "[suffix=SUFFIX | NAME[:TAG]]" */
	const char *summary;
	int (*run)(struct exec_ctx *c, int argc, char **argv);
};

/* Run one command line; returns the exit status to report. */
int exec_line(struct exec_ctx *c, const char *line, size_t len);
/* Emit CANDIDATE frames for the line up to the cursor. */
int exec_complete(struct exec_ctx *c, const char *line, size_t len);
const struct exec_cmd *exec_find(const char *name);
extern const struct exec_cmd exec_commands[];

void exec_write(struct exec_ctx *c, uint32_t type, const void *d, size_t n);
void exec_out(struct exec_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* One "paks: ..." line on the error stream. */
void exec_err(struct exec_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void exec_setvar(struct exec_ctx *c, const char *name, const char *value);

struct spawn_opts {
	char *const *envp; /* NULL: the host environment */
	const char *dir;   /* NULL: the launch directory */
	struct buf *out;   /* non-NULL: collect stdout instead of streaming */
	struct buf *fd3;   /* non-NULL: give the child fd 3, collect it */
	bool quiet_stderr; /* drop the child's stderr */
	bool stdin_null;   /* default: /dev/null anyway; kept for clarity */
};
/* Run argv (never through a shell), streaming its stdout/stderr as
 * OUT/ERR while watching for cancel, which kills its process group.
 * Returns the exit status (128+signal when killed) or -errno when it could
 * not be started (-ENOENT: no such program). */
int exec_spawn(struct exec_ctx *c, char *const argv[],
	       const struct spawn_opts *o);
/* Convenience: run an engine command for the session. */
int exec_engine(struct exec_ctx *c, struct strv *argv,
		const struct spawn_opts *o);

/* Per-command entry points (exec-*.c). */
int exec_cmd_help(struct exec_ctx *c, int argc, char **argv);

#endif

/* Commit the container to `target` atomically (temporary name, then
 * tag), with the image's original config.  0 or an exit status. */
int exec_save_image(struct exec_ctx *c, const char *target);
/* The target of `#save [ARG]` (arg NULL: the image's name plus the
 * save_suffix setting); NULL with the error emitted. */
char *exec_save_target(struct exec_ctx *c, const char *arg);
/* One "paks: usage: #NAME ARGS" line from the command table; returns 2. */
int exec_usage(struct exec_ctx *c, const char *name);
int exec_cmd_save(struct exec_ctx *c, int argc, char **argv);
int exec_cmd_push(struct exec_ctx *c, int argc, char **argv);
int exec_cmd_export(struct exec_ctx *c, int argc, char **argv);
/* A host path for #cp/#export: relative to the launch directory and
 * confined to it unless cp_unconfined.  NULL (error emitted) when refused. */
char *exec_host_path(struct exec_ctx *c, const char *p, bool must_exist);
