/* SPDX-License-Identifier: MIT */
/*
 * #save: commit the running container as an image that carries the
 * original image's config and nothing of paks.  The commit goes to a
 * temporary name first and is tagged only when it succeeded, so a failed
 * save never touches an existing image under the target name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "exec.h"
#include "naming.h"
#include "session.h"

#define SAVE_MARK "paks save"

static int run_quiet(struct exec_ctx *c, struct strv *argv)
{
	struct buf out = {0};
	struct spawn_opts o = {.out = &out};
	int r = exec_engine(c, argv, &o);

	buf_free(&out);
	return r;
}

static int tag_and_drop(struct exec_ctx *c, const char *tmp, const char *target)
{
	struct strv argv = {0};
	int r;

	engine_argv(c->s, &argv);
	strv_push(&argv, "tag");
	strv_push(&argv, "--");
	strv_push(&argv, tmp);
	strv_push(&argv, target);
	r = run_quiet(c, &argv);
	strv_free(&argv);
	engine_argv(c->s, &argv);
	strv_push(&argv, "rmi");
	strv_push(&argv, "--");
	strv_push(&argv, tmp);
	run_quiet(c, &argv);
	strv_free(&argv);
	return r;
}

int exec_save_image(struct exec_ctx *c, const char *target)
{
	struct session *s = c->s;
	/* An image made by #save (its author says so) is squashed when saved
	 * again, so the layer count does not grow with every save. */
	bool squash = s->settings.save_squash ||
		      strstr(s->image_author, SAVE_MARK) != NULL;
	cleanup_free char *tmp = xasprintf("localhost/paks-tmp-%s-%ld:latest",
					   s->session_id, (long)getpid());
	struct strv argv = {0};
	int r;

	exec_out(c, "Saving %s as %s%s...\n", s->container, target,
		 squash ? " (squashed)" : "");
	engine_argv(s, &argv);
	strv_push(&argv, "commit");
	s->engine->commit_flags(s, squash, &argv);
	/* The author field marks a paks save: it is image metadata, not config,
	 * and both engines and both image formats keep it without a warning. */
	strv_pushf(&argv, "--author=%s from %s", SAVE_MARK, s->image);
	engine_config_changes(s->image_config, &argv);
	strv_push(&argv, s->container);
	strv_push(&argv, tmp);
	r = exec_engine(c, &argv, NULL);
	strv_free(&argv);
	if (r != 0 || c->cancelled) {
		if (r > 0 || c->cancelled) {
			engine_argv(s, &argv);
			strv_push(&argv, "rmi");
			strv_push(&argv, "--");
			strv_push(&argv, tmp);
			struct buf junk = {0};
			struct spawn_opts o = {.out = &junk,
					       .quiet_stderr = true};
			exec_spawn(c, argv.v, &o);
			buf_free(&junk);
			strv_free(&argv);
			exec_err(c, "save failed; %s is unchanged", target);
		}
		return c->cancelled ? 130 : 1;
	}
	r = tag_and_drop(c, tmp, target);
	if (r != 0) {
		exec_err(c, "could not tag the saved image as %s", target);
		return 1;
	}
	{
		const char *note = s->engine->commit_note(s);
		if (note)
			exec_err(c, "%s", note);
	}
	return 0;
}

char *exec_save_target(struct exec_ctx *c, const char *arg)
{
	const char *err = NULL;
	char *target = naming_save_target(
	    c->s->image, arg,
	    c->s->settings.save_suffix ? c->s->settings.save_suffix : "-saved",
	    &err);

	if (!target)
		exec_err(c, "%s", err);
	return target;
}

int exec_cmd_save(struct exec_ctx *c, int argc, char **argv)
{
	cleanup_free char *target = NULL;
	int r;

	if (argc > 2)
		return exec_usage(c, "save");
	target = exec_save_target(c, argc == 2 ? argv[1] : NULL);
	if (!target)
		return 2;
	r = exec_save_image(c, target);
	if (r == 0)
		exec_out(c, "Saved %s\n", target);
	return r;
}
