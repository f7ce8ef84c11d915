/* SPDX-License-Identifier: MIT */
/*
 * What a '#' command sends back to the shell: output, "paks: " error lines
 * and variables, through the context's emitter; and the error cause that
 * exec_line prints once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

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

void exec_cause(char **cause, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	if (*cause) {
		char *both = xasprintf("%s: %s", s, *cause);
		free(s);
		free(*cause);
		s = both;
	}
	*cause = s;
}

enum exec_status exec_result(struct exec_ctx *c, int r)
{
	if (c->cancelled)
		return PAKS_CMD_CANCELLED;
	if (r < 0)
		return PAKS_CMD_FAIL;
	if (r == 0)
		return PAKS_CMD_OK;
	c->status = r;
	return PAKS_CMD_EXITED;
}
