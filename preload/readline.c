/* SPDX-License-Identifier: MIT */
/*
 * The preload's entry point.  A constructor that only checks: PAKS_DIR is
 * set and this process is a bash whose readline symbols are reachable; then
 * it takes the shell's connection to paks if it is the shell paks started
 * (transport.c) and chains readline's rl_startup_hook.  On the first prompt of
 * an interactive shell (readline initialised, the user's inputrc and .bashrc
 * bindings read) it wraps accept-line and operate-and-get-next in every keymap
 * and in readline's function map, so a '#command' line is first accepted
 * exactly as bash would (history, display) and then run on the host.
 * Child programs inherit LD_PRELOAD and stay untouched: they have no bash
 * symbols, or are not interactive, or never call readline.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "paks-protocol.h"
#include "preload.h"
#include "words.h"

static rl_hook_func_t *prev_startup;
static rl_command_func_t *orig_accept_line;
static rl_command_func_t *orig_operate;
static int patched;
static int busy;

static int is_paks_line(void)
{
	if (!rl_line_buffer || rl_end < 0)
		return 0;
	return words_is_command(rl_line_buffer, (size_t)rl_end) &&
	       bashstate_at_primary_prompt();
}

struct answer {
	struct shellvar_script vars;
};

static int on_answer(void *arg, uint32_t type, const unsigned char *p,
		     uint32_t len)
{
	struct answer *a = arg;

	if (type == PAKS_MSG_OUT)
		channel_write_all(1, p, len);
	else if (type == PAKS_MSG_ERR)
		channel_write_all(2, p, len);
	else if (type == PAKS_MSG_SETVAR)
		return shellvar_add(&a->vars, p, len);
	return 0;
}

static int run_line(const char *line, size_t len)
{
	struct answer a = {{0}};
	int status;

	if (len > PAKS_FRAME_MAX) {
		channel_message("paks: command line too long\n");
		return 2;
	}
	status = channel_request(PAKS_MSG_LINE, line, len, 0, on_answer, &a);
	if (status == -ECANCELED)
		status = 128 + SIGINT;
	else if (status < 0)
		status = 1;
	/* Variables only after the channel is closed: if bash jumps out of
	 * parse_and_execute, nothing of ours is left open. */
	if (shellvar_run(&a.vars) > 0 && status == 0)
		status = 1;
	return status;
}

/* The common body of both wrappers: let readline accept the line as usual
 * (bash then sees a comment, adds it to history and does nothing), then
 * run it on the host. */
static int accept_and_run(rl_command_func_t *orig, int count, int key)
{
	int saved_errno = errno;
	char *line;
	size_t len;
	int r, status;

	if (busy || !is_paks_line())
		return orig(count, key);
	len = (size_t)rl_end;
	line = malloc(len + 1);
	if (!line)
		return orig(count, key);
	memcpy(line, rl_line_buffer, len);
	line[len] = '\0';
	r = orig(count, key);
	busy = 1;
	status = run_line(line, len);
	free(line);
	shellvar_set_status(status);
	busy = 0;
	errno = saved_errno;
	return r;
}

static int wrap_accept_line(int count, int key)
{
	return accept_and_run(orig_accept_line, count, key);
}

static int wrap_operate(int count, int key)
{
	return accept_and_run(orig_operate, count, key);
}

static void patch_keymap(struct rl_keymap_entry *map, int depth)
{
	if (!map || depth > 16)
		return;
	for (int i = 0; i < RL_KEYMAP_SIZE; i++) {
		struct rl_keymap_entry *e = &map[i];
		if (e->type == RL_ISKMAP) {
			struct rl_keymap_entry *sub;
			memcpy(&sub, &e->function, sizeof(sub));
			patch_keymap(sub, depth + 1);
		} else if (e->type == RL_ISFUNC && e->function) {
			if (e->function == orig_accept_line)
				e->function = wrap_accept_line;
			else if (orig_operate && e->function == orig_operate)
				e->function = wrap_operate;
		}
	}
}

/* So that a later `bind '"\C-j": accept-line'` binds the wrapper too. */
static void patch_funmap(void)
{
	for (int i = 0; funmap && funmap[i]; i++) {
		struct rl_funmap *f = funmap[i];
		if (f->function == orig_accept_line)
			f->function = wrap_accept_line;
		else if (orig_operate && f->function == orig_operate)
			f->function = wrap_operate;
	}
}

static void patch_all(void)
{
	patched = 1;
	orig_accept_line = rl_named_function("accept-line");
	orig_operate = rl_named_function("operate-and-get-next");
	if (!orig_accept_line || orig_accept_line == wrap_accept_line)
		return;
	if (orig_operate == wrap_operate)
		orig_operate = NULL;
	patch_keymap(emacs_standard_keymap, 0);
	patch_keymap(emacs_meta_keymap, 0);
	patch_keymap(emacs_ctlx_keymap, 0);
	patch_keymap(vi_insertion_keymap, 0);
	patch_keymap(vi_movement_keymap, 0);
	patch_funmap();
}

/* readline calls this at the start of every readline(), after its own
 * initialisation and the inputrc.  bash itself only borrows rl_startup_hook
 * for re-editing a line (bash_re_edit saves and restores it), so the chained
 * value is normally NULL. */
static int on_startup(void)
{
	int saved_errno = errno;

	if (interactive_shell && !busy) {
		if (!patched)
			patch_all();
		complete_install();
	}
	errno = saved_errno;
	return prev_startup ? prev_startup() : 0;
}

static int bash_with_readline(void)
{
	return &interactive_shell && &executing_builtin && parse_and_execute &&
	       &last_command_exit_value && &rl_startup_hook &&
	       rl_named_function && &rl_line_buffer && &rl_end && &funmap &&
	       emacs_standard_keymap && &rl_attempted_completion_function &&
	       rl_completion_matches;
}

__attribute__((constructor)) static void readline_init(void)
{
	int saved_errno = errno;
	const char *dir = getenv(PAKS_ENV_DIR);

	if (!dir || dir[0] != '/' || !bash_with_readline())
		goto out;
	/* Before bash imports its environment: the channel's name must not
	 * reach a child.  A bash without the channel (nested, or started by
	 * `podman exec`) keeps the hooks, to say where #commands work. */
	transport_take();
	prev_startup = rl_startup_hook;
	rl_startup_hook = on_startup;
out:
	errno = saved_errno;
}
