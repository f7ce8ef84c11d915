/* SPDX-License-Identifier: MIT */
/*
 * #save [suffix=SUFFIX | NAME[:TAG]]: commit this container as an image.
 * A NAME that already names an image is moved to the saved one, and paks
 * says so: above all when it named the image this session started from.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "exec.h"
#include "progress.h"
#include "session.h"

static const char *bare_id(const char *id)
{
	return id && str_has_prefix(id, "sha256:") ? id + 7 : id;
}

/* The id that ref names now (malloc'd, bare), or NULL. */
static char *id_of(struct exec_ctx *c, const char *ref)
{
	struct strv argv = {0};
	struct buf out = {0};
	struct spawn_opts o = {.out = &out, .quiet_stderr = true};
	char *id = NULL;

	engine_argv(c->s, &argv);
	strv_push(&argv, "image");
	strv_push(&argv, "inspect");
	strv_push(&argv, "--format={{.Id}}");
	strv_push(&argv, "--");
	strv_push(&argv, ref);
	if (exec_spawn(c, argv.v, &o) == 0 && out.data) {
		const char *p = bare_id(out.data);
		id = xasprintf("%.*s", (int)strcspn(p, "\r\n"), p);
	}
	strv_free(&argv);
	buf_free(&out);
	return id;
}

static void say_replaced(struct exec_ctx *c, const char *target,
			 const char *before)
{
	if (str_eq(before, bare_id(c->s->image_id)))
		exec_out(c,
			 "Note: %s named the image this session started "
			 "from; that image is kept as %.12s\n",
			 target, before);
	else
		exec_out(c,
			 "Note: %s named another image before; it is kept "
			 "as %.12s\n",
			 target, before);
}

enum exec_status exec_cmd_save(struct exec_ctx *c, int argc, char **argv,
			       char **cause)
{
	cleanup_free char *target = NULL;
	cleanup_free char *before = NULL;
	cleanup_free char *what = NULL;
	struct progress p;
	enum exec_status st;

	target = exec_save_target(c, argc == 2 ? argv[1] : NULL, cause);
	if (!target)
		return PAKS_CMD_USAGE;
	before = id_of(c, target);
	progress_init(&p, c);
	st = exec_save_image(c, target, &p, false, cause);
	if (st != PAKS_CMD_OK)
		return st;
	what = xasprintf("Saved %s", target);
	progress_done(&p, what, 0);
	if (before)
		say_replaced(c, target, before);
	return PAKS_CMD_OK;
}
