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
#include "image.h"
#include "progress.h"
#include "session.h"

static void say_replaced(struct exec_ctx *c, const char *target,
			 const char *before)
{
	if (str_eq(before, image_bare_id(c->s->image_id)))
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
	/* Asked before the commit moves the name: asked beside it, the
	 * engine's storage locks often hold the answer back until the name
	 * has moved. */
	before = image_id_of(c->s, target);
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
