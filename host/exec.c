/* SPDX-License-Identifier: MIT */
/*
 * The executor core: split a command line, find the built-in or hook, and
 * run host programs with an argv while their output streams back and
 * Ctrl-C can cancel them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "hooks.h"
#include "log.h"
#include "proc.h"
#include "session.h"
#include "words.h"

void exec_write(struct exec_ctx *c, uint32_t type, const void *d, size_t n)
{
	if (c->emit)
		c->emit(c, type, d, n);
}

static void exec_vwrite(struct exec_ctx *c, uint32_t type, const char *pfx,
			const char *fmt, va_list ap)
{
	char *s;
	int n = vasprintf(&s, fmt, ap);

	if (n < 0)
		return;
	if (pfx) {
		char *t = xasprintf("%s%s\n", pfx, s);
		exec_write(c, type, t, strlen(t));
		free(t);
	} else {
		exec_write(c, type, s, (size_t)n);
	}
	free(s);
}

void exec_out(struct exec_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	exec_vwrite(c, PAKS_MSG_OUT, NULL, fmt, ap);
	va_end(ap);
}

void exec_err(struct exec_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	exec_vwrite(c, PAKS_MSG_ERR, "paks: ", fmt, ap);
	va_end(ap);
}

void exec_setvar(struct exec_ctx *c, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *rec = xmalloc(nl + vl + 1);

	memcpy(rec, name, nl);
	rec[nl] = '\0';
	memcpy(rec + nl + 1, value, vl);
	exec_write(c, PAKS_MSG_SETVAR, rec, nl + 1 + vl);
	free(rec);
}

const struct exec_cmd *exec_find(const char *name)
{
	for (const struct exec_cmd *e = exec_commands; e->name; e++) {
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

int exec_line(struct exec_ctx *c, const char *line, size_t len)
{
	struct words w;
	const char *err = NULL;
	const struct exec_cmd *cmd;
	cleanup_free char *hook = NULL;
	int r;

	if (!words_is_command(line, len)) {
		exec_err(c, "not a paks command (they start with '#' and a "
			    "letter; see #help)");
		return 2;
	}
	r = words_split(line + 1, len - 1, &w, &err);
	if (r < 0) {
		exec_err(c, "%s", err);
		return 2;
	}
	cmd = exec_find(w.argv[0]);
	if (cmd) {
		r = cmd->run(c, w.argc, w.argv);
	} else {
		r = hooks_find(&c->s->settings, w.argv[0], &hook);
		if (r == 0) {
			r = hooks_run(c, hook, w.argc, w.argv);
		} else if (r == -EINVAL) {
			exec_err(c, "invalid command name '%s'", w.argv[0]);
			r = 2;
		} else if (r == -EACCES) {
			exec_err(c, "hook '%s' is not executable (chmod +x it)",
				 w.argv[0]);
			r = 126;
		} else {
			exec_err(c, "unknown command '#%s' (see #help)",
				 w.argv[0]);
			r = 127;
		}
	}
	words_free(&w);
	return r;
}

struct relay {
	struct exec_ctx *c;
	const struct spawn_opts *o;
};

/* stdout to o->out when collecting, fd 3 to o->fd3, the rest streamed. */
static void relay(void *arg, int which, const char *data, size_t n)
{
	struct relay *rl = arg;

	if (which == 0 && rl->o && rl->o->out)
		buf_append(rl->o->out, data, n);
	else if (which == 2)
		buf_append(rl->o->fd3, data, n);
	else
		exec_write(rl->c, which == 0 ? PAKS_MSG_OUT : PAKS_MSG_ERR,
			   data, n);
}

static int relay_cancel(void *arg)
{
	struct relay *rl = arg;

	return rl->c->check_cancel && rl->c->check_cancel(rl->c);
}

int exec_spawn(struct exec_ctx *c, char *const argv[],
	       const struct spawn_opts *o)
{
	struct proc_opts po = {
	    .envp = o ? o->envp : NULL,
	    .dir = o && o->dir ? o->dir : c->s->launch_dir,
	    .own_group = true,
	    .out = PROC_PIPE,
	    .err = o && o->quiet_stderr ? PROC_NULL : PROC_PIPE,
	    .fd3 = o && o->fd3,
	};
	struct relay rl = {c, o};
	struct proc_sink sink = {.data = relay,
				 .cancel_fd = c->cancel_fd,
				 .check_cancel = relay_cancel,
				 .cancelled = c->cancelled,
				 .arg = &rl};
	struct proc p;
	int st = proc_start(&p, argv, &po);

	if (st < 0)
		return st;
	proc_pump(&p, &sink);
	c->cancelled = sink.cancelled;
	st = proc_wait(p.pid);
	if (c->cancelled && st >= 0)
		return 130;
	return st;
}

int exec_engine(struct exec_ctx *c, struct strv *argv,
		const struct spawn_opts *o)
{
	int r = exec_spawn(c, argv->v, o);

	if (r < 0)
		exec_err(c, "cannot run %s: %s", argv->v[0], strerror(-r));
	return r;
}
