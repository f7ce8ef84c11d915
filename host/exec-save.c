/* SPDX-License-Identifier: MIT */
/*
 * #save [suffix=SUFFIX | NAME[:TAG]]: commit this container as an image.
 */
#include <stdlib.h>

#include "exec.h"

enum exec_status exec_cmd_save(struct exec_ctx *c, int argc, char **argv,
			       char **cause)
{
	cleanup_free char *target = NULL;
	enum exec_status st;

	target = exec_save_target(c, argc == 2 ? argv[1] : NULL, cause);
	if (!target)
		return PAKS_CMD_USAGE;
	st = exec_save_image(c, target, cause);
	if (st == PAKS_CMD_OK)
		exec_out(c, "Saved %s\n", target);
	return st;
}
