/* SPDX-License-Identifier: MIT */
/*
 * Running a host program for a '#' command: started by proc.c with an
 * argv, its output streamed back to the shell as it comes (or collected),
 * fd 3 collected for hooks (up to a limit), and Ctrl-C from the shell
 * cancelling it.  A command is over when its program has exited: what it
 * left in its pipes is read then, and a child it left running with one of
 * them is not waited for.
 */
#include <errno.h>
#include <string.h>

#include "exec.h"
#include "proc.h"
#include "session.h"

struct relay {
	struct exec_ctx *c;
	const struct spawn_opts *o;
	struct proc_sink *sink;
	bool fd3_over; /* fd 3 brought more than o->fd3_max */
};

/* stdout to o->out and stderr to o->err when collecting, fd 3 to o->fd3,
 * the rest streamed. */
static void relay(void *arg, int which, const char *data, size_t n)
{
	struct relay *rl = arg;

	if (which == 0 && rl->o && rl->o->out)
		buf_append(rl->o->out, data, n);
	else if (which == 1 && rl->o && rl->o->err)
		buf_append(rl->o->err, data, n);
	else if (which == 2 && n > rl->o->fd3_max - rl->o->fd3->len) {
		rl->fd3_over = true;
		rl->sink->stop = true;
	} else if (which == 2)
		buf_append(rl->o->fd3, data, n);
	else
		exec_write(rl->c, which == 0 ? PAKS_MSG_OUT : PAKS_MSG_ERR,
			   data, n);
}

static void relay_tick(void *arg)
{
	struct relay *rl = arg;

	rl->o->tick(rl->o->tick_arg);
}

static int relay_cancel(void *arg)
{
	struct relay *rl = arg;

	return rl->c->check_cancel && rl->c->check_cancel(rl->c);
}

/* Where a program runs: the session's launch directory, or the current
 * one for a command without a session (`paks export`). */
static const char *exec_dir(const struct exec_ctx *c)
{
	return c->s ? c->s->launch_dir : NULL;
}

int exec_spawn(struct exec_ctx *c, char *const argv[],
	       const struct spawn_opts *o)
{
	struct proc_opts po = {
	    .envp = o ? o->envp : NULL,
	    .dir = o && o->dir ? o->dir : exec_dir(c),
	    .own_group = true,
	    .out = PROC_PIPE,
	    .err = o && o->quiet_stderr ? PROC_NULL : PROC_PIPE,
	    .fd3 = o && o->fd3,
	    .in = o ? o->in : NULL,
	};
	struct proc_sink sink = {.data = relay,
				 .cancel_fd = c->cancel_fd,
				 .check_cancel = relay_cancel,
				 .cancelled = c->cancelled,
				 .tick = o && o->tick ? relay_tick : NULL,
				 .until_exit = true};
	struct relay rl = {c, o, &sink, false};
	struct proc p;
	int st = proc_start(&p, argv, &po);

	if (st < 0)
		return st;
	sink.arg = &rl;
	proc_pump(&p, &sink);
	c->cancelled = sink.cancelled;
	st = proc_wait(p.pid);
	if (c->cancelled && st >= 0)
		return 130;
	return rl.fd3_over ? -EFBIG : st;
}

int exec_engine(struct exec_ctx *c, struct strv *argv,
		const struct spawn_opts *o, char **cause)
{
	int r = exec_spawn(c, argv->v, o);

	if (r < 0)
		*cause =
		    xasprintf("cannot run %s: %s", argv->v[0], strerror(-r));
	return r;
}

int exec_spawn_pipe(struct exec_ctx *c, char *const a[], char *const b[])
{
	struct proc_opts po = {
	    .dir = exec_dir(c), .out = PROC_PIPE, .err = PROC_PIPE};
	struct proc_sink sink = {.data = relay,
				 .cancel_fd = c->cancel_fd,
				 .check_cancel = relay_cancel,
				 .cancelled = c->cancelled};
	struct relay rl = {c, NULL, &sink, false};
	struct proc p;
	pid_t b_pid;
	int st, sa;

	st = proc_start_pipe(&p, &b_pid, a, b, &po);
	if (st < 0)
		return st;
	sink.arg = &rl;
	proc_pump(&p, &sink);
	c->cancelled = sink.cancelled;
	sa = proc_wait(p.pid);
	st = proc_wait(b_pid);
	if (c->cancelled)
		return 130;
	return st != 0 ? st : sa;
}
