/* SPDX-License-Identifier: MIT */
/*
 * What bash and its readline are doing right now, read from their own
 * variables (the weak references in preload.h): the signal readline
 * caught while the preload was busy, and whether the line being edited is
 * at the primary prompt.  It sits below everything else in the preload:
 * readline.c, channel.c and complete.c all ask it, and it asks nothing of
 * them, so the objects link without a cycle
 * (tests/lint/test_preload_cycles.sh).
 */
#include "preload.h"

int bashstate_pending_signal(void)
{
	if (rl_pending_signal)
		return rl_pending_signal();
	if (&_rl_caught_signal)
		return _rl_caught_signal;
	return 0;
}

int bashstate_consume_signal(void)
{
	if (!&_rl_caught_signal)
		return 0;
	_rl_caught_signal = 0;
	return 1;
}

/* A paks command only at the primary prompt: the same text on a PS2
 * continuation line (a here-document's "#include", a quoted string) or in
 * `read -e` belongs to the shell. */
int bashstate_at_primary_prompt(void)
{
	if (&executing_builtin && executing_builtin)
		return 0;
	if (&current_prompt_string && &ps1_prompt && &ps2_prompt &&
	    ps1_prompt != ps2_prompt && current_prompt_string == ps2_prompt)
		return 0;
	return 1;
}
