/* SPDX-License-Identifier: MIT */
/*
 * Host processes: the one place paks starts a program (always an argv,
 * never a shell), collects its output, waits for it and kills it.
 */
#ifndef PAKS_PROC_H
#define PAKS_PROC_H

#include <sys/types.h>

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Where one of the child's standard streams goes. */
enum proc_stream {
	PROC_INHERIT, /* paks's own */
	PROC_NULL,    /* /dev/null */
	PROC_PIPE,    /* a pipe paks reads (struct proc.fd) */
	PROC_STDERR,  /* paks's stderr (for stdout: progress output) */
	PROC_FD,      /* proc_opts.out_fd or .err_fd */
};

struct proc_opts {
	char *const *envp;	   /* NULL: the host environment */
	const char *dir;	   /* NULL: paks's current directory */
	bool own_group;		   /* a process group of its own (proc_kill) */
	bool stdin_inherit;	   /* default: stdin is /dev/null */
	const char *in;		   /* non-NULL: stdin read from this file */
	enum proc_stream out, err; /* stdout and stderr */
	bool fd3;		   /* a pipe on the child's fd 3 */
	int in_fd;		   /* > 0: the child's stdin */
	int out_fd, err_fd;	   /* with PROC_FD */
	pid_t pgroup;		   /* own_group: join this group (0: new) */
};

struct proc {
	pid_t pid;
	int fd[3]; /* read ends for stdout, stderr, fd 3; -1 when not piped */
};

/* Receives a started process's piped output and watches for cancel. */
struct proc_sink {
	/* which: 0 stdout, 1 stderr, 2 fd 3. */
	void (*data)(void *arg, int which, const char *data, size_t len);
	int cancel_fd; /* -1 when there is nothing to watch */
	/* Called when cancel_fd is readable; 1 when the user cancelled. */
	int (*check_cancel)(void *arg);
	bool cancelled; /* set once cancelled; then cancel_fd is left alone */
	/* NULL, or called about twice a second while the pipes are open
	 * (a progress line). */
	void (*tick)(void *arg);
	void *arg;
	/* Set by data when it will take no more: proc_pump stops reading,
	 * KILLs p's process group and closes the pipes. */
	bool stop;
	/* Stop once p->pid has exited: what the pipes hold then is read and
	 * they are closed, so a child it left running with one of them is
	 * not waited for (what it writes later is not the program's). */
	bool until_exit;
};

/* Start argv (looked up in PATH) with the default signal mask and
 * dispositions: paks blocks signals for its signalfd and a worker ignores
 * SIGINT, and a program it starts must still be stoppable.  0 or -errno
 * (-ENOENT: no such program). */
int proc_start(struct proc *p, char *const argv[], const struct proc_opts *o);
/* Start `a | b`: a's stdout feeds b's stdin, both in one process group
 * (a's), both stderrs into one pipe.  *p gets a's pid (the group to kill)
 * and b's stdout and stderr pipes as o->out and o->err say (o->in_fd,
 * .in, .out_fd and .pgroup are not used); *b_pid is b's.  0 or -errno
 * (then nothing runs). */
int proc_start_pipe(struct proc *p, pid_t *b_pid, char *const a[],
		    char *const b[], const struct proc_opts *o);
/* Start argv on paks's terminal with env_add (NAME=VALUE, NULL-terminated;
 * may be NULL) added to its environment (all streams inherited but stderr when
 * err_fd >= 0, paks's process group, default signals), tied to paks: the kernel
 * kills it when paks dies, so a `kill -9` of paks never leaves it reading the
 * terminal the user's shell has taken back.  0 with *pid, or -errno, also when
 * the program could not be executed. */
int proc_start_tied(char *const argv[], char *const env_add[], int err_fd,
		    pid_t *pid);
/* Read p's pipes until they close (or, with sink->until_exit, until p->pid
 * has exited), handing the data to sink and calling its tick; on cancel,
 * TERM then (3 s later) KILL p's process group.  Closes the pipes; p->pid
 * is left for the caller to reap. */
void proc_pump(struct proc *p, struct proc_sink *sink);
/* Wait for pid, retrying EINTR: 0 with the raw wait() status, or -errno. */
int proc_wait_status(pid_t pid, int *wstatus);
/* Wait for pid: its exit code (128+signal when killed), or -errno. */
int proc_wait(pid_t pid);
/* Reap pid if it has exited: 1 with *code (as proc_wait), 0 when it is
 * still running (or block is true and waiting failed). */
int proc_reap(pid_t pid, bool block, int *code);
/* Reap pid once it has exited, waiting ms at most: 1 with *code (as
 * proc_wait), 0 when it is still running after ms, -errno when it
 * cannot be waited for (-ECHILD: not a child of paks). */
int proc_reap_within(pid_t pid, int ms, int *code);
/* Stop pid, the one way paks does it: send it sig (0: none, it has been
 * told to end another way, e.g. its container was killed), wait up to
 * grace_ms for it to end, then KILL it and reap it.  Its exit code as
 * proc_wait gives it (128+9 when it had to be killed), or -errno when it
 * cannot be reaped (-ECHILD: not a child of paks, or pid <= 0). */
int proc_stop(pid_t pid, int sig, int grace_ms);
/* Reap any exited child without blocking: its pid with *code, or <= 0
 * when there is none. */
pid_t proc_reap_any(int *code);
/* Signal pid's process group, or pid alone when it has none. */
void proc_kill(pid_t pid, int sig);
/* Send sig to every process of paks's user (but paks) whose command line,
 * its arguments joined by spaces, holds needle: for programs that leave
 * their own processes behind (ssh's shared connections). */
void proc_signal_matching(const char *needle, int sig);
/* A wait() status as a shell reports it: the exit code, or 128+signal. */
int proc_status_code(int wstatus);

/* Run argv with stdin /dev/null, collecting stdout into out (may be NULL:
 * dropped) and stderr into err (NULL: it goes to paks's stderr).  out and
 * err may be the same buffer.  The exit status or -errno. */
int proc_capture(char *const argv[], struct buf *out, struct buf *err);
/* Run argv whose output is progress for the user: stdin /dev/null, both
 * its streams on paks's stderr so stdout stays clean.  The exit status or
 * -errno. */
int proc_run_progress(char *const argv[]);
/* Run argv in the foreground on paks's terminal, as an interactive shell
 * runs a command but with no shell at all: INT and QUIT go to it while
 * paks waits.  0 with the raw wait()
 * status, or -errno. */
int proc_run_foreground(char *const argv[], int *wstatus);
/* Start argv in a session of its own with the PTY slave as its controlling
 * terminal and stdin; stdout and stderr go to out_fd when >= 0, else to
 * the slave, but stderr to err_fd when that is >= 0.  The child gets the signal
 * mask *mask and env_add (as proc_start_tied).  0 with *pid, or -errno, also
 * when the program could not be executed. */
int proc_start_pty(char *const argv[], char *const env_add[], int slave,
		   int out_fd, int err_fd, const sigset_t *mask, pid_t *pid);
/* Run argv detached from paks's process group, with no input or output,
 * and wait for it: for cleanup that must finish even when the terminal's
 * hangup signals paks's group.  The exit status or -errno. */
int proc_run_detached(char *const argv[]);
/* In a process paks forked (a worker, a child about to exec): die with
 * paks.  parent is paks's pid before the fork; -1 when paks is already
 * gone. */
int proc_die_with_parent(pid_t parent);
/* In a forked child: every signal's default action, none blocked. */
void proc_default_signals(void);
/* In a forked child: close every fd above 2 but a and b (b may be a). */
void proc_keep_fds(int a, int b);

#endif
