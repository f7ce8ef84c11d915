/* SPDX-License-Identifier: MIT */
/*
 * #save [suffix=SUFFIX | NAME[:TAG]]: commit this container as an image.
 */
#include <stdlib.h>

#include "exec.h"
#include "progress.h"

enum exec_status exec_cmd_save(struct exec_ctx *c, int argc, char **argv,
			       char **cause)
{
	cleanup_free char *target = NULL;
	cleanup_free char *what = NULL;
	struct progress p;
	enum exec_status st;

	target = exec_save_target(c, argc == 2 ? argv[1] : NULL, cause);
	if (!target)
		return PAKS_CMD_USAGE;
	progress_init(&p, c);
	st = exec_save_image(c, target, &p, false, cause);
	if (st != PAKS_CMD_OK)
		return st;
	what = xasprintf("Saved %s", target);
	progress_done(&p, what, 0);
	return PAKS_CMD_OK;
}
