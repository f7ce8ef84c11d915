/* SPDX-License-Identifier: MIT */
/*
 * #cp [host:]SRC [host:]DEST: copy files between the host and the
 * container.  Exactly one side is on the host, confined by exec_host_path.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "exec.h"
#include "session.h"

/* Relative container paths are relative to the shell's directory. */
static char *container_path(struct exec_ctx *c, const char *p)
{
	if (p[0] == '/')
		return xasprintf("%s:%s", c->s->container, p);
	return xasprintf("%s:%s%s%s", c->s->container, c->cwd,
			 str_eq(c->cwd, "/") ? "" : "/", *p ? p : ".");
}

static char *side(struct exec_ctx *c, const char *arg, bool src, char **cause)
{
	if (str_has_prefix(arg, "host:"))
		return exec_host_path(c->s, arg + 5, src, cause);
	return container_path(c, arg);
}

enum exec_status exec_cmd_cp(struct exec_ctx *c, int argc, char **argv,
			     char **cause)
{
	cleanup_free char *src = NULL;
	cleanup_free char *dst = NULL;
	struct strv a = {0};
	int r;

	(void)argc;
	if (str_has_prefix(argv[1], "host:") ==
	    str_has_prefix(argv[2], "host:")) {
		*cause = xstrdup("exactly one side of #cp is on the host, "
				 "written host:PATH");
		return PAKS_CMD_USAGE;
	}
	src = side(c, argv[1], true, cause);
	if (src)
		dst = side(c, argv[2], false, cause);
	if (!src || !dst)
		return PAKS_CMD_FAIL;
	engine_argv(c->s, &a);
	strv_push(&a, "cp");
	strv_push(&a, src);
	strv_push(&a, dst);
	r = exec_engine(c, &a, NULL, cause);
	strv_free(&a);
	if (r == 0)
		exec_out(c, "copied %s to %s\n", argv[1], argv[2]);
	return exec_result(c, r);
}
