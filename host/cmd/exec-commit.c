/* SPDX-License-Identifier: MIT */
/*
 * Committing the running container as an image that carries the original
 * image's config and nothing of paks, for #save, #push and #export.  A
 * failed or cancelled save never touches an existing image under the
 * target name.  podman's commit names its image only once the image is
 * whole, and dies with its CLI, so it goes to the target at once.  A
 * docker commit runs in the daemon, which may finish it after the CLI was
 * cancelled, and the docker squash (export piped into import) would name a
 * truncated image if the export failed: those go to a temporary name that
 * is tagged only when they succeeded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "exec.h"
#include "naming.h"
#include "progress.h"
#include "session.h"

#define SAVE_MARK "paks save"

static int run_quiet(struct exec_ctx *c, struct strv *argv, char **cause)
{
	struct buf out = {0};
	struct spawn_opts o = {.out = &out};
	int r = exec_engine(c, argv, &o, cause);

	buf_free(&out);
	return r;
}

/* Remove the temporary image; what goes wrong here is not the user's. */
static void drop_tmp(struct exec_ctx *c, const char *tmp)
{
	struct strv argv = {0};
	struct buf junk = {0};
	struct spawn_opts o = {.out = &junk, .quiet_stderr = true};

	engine_argv(&c->s->eng, &argv);
	strv_push(&argv, "rmi");
	strv_push(&argv, "--");
	strv_push(&argv, tmp);
	exec_spawn(c, argv.v, &o);
	buf_free(&junk);
	strv_free(&argv);
}

static int tag_and_drop(struct exec_ctx *c, const char *tmp, const char *target,
			char **cause)
{
	struct strv argv = {0};
	char *ignored = NULL;
	int r;

	engine_argv(&c->s->eng, &argv);
	strv_push(&argv, "tag");
	strv_push(&argv, "--");
	strv_push(&argv, tmp);
	strv_push(&argv, target);
	r = run_quiet(c, &argv, cause);
	strv_free(&argv);
	engine_argv(&c->s->eng, &argv);
	strv_push(&argv, "rmi");
	strv_push(&argv, "--");
	strv_push(&argv, tmp);
	run_quiet(c, &argv, &ignored);
	free(ignored);
	strv_free(&argv);
	return r;
}

static void commit_argv(struct session *s, bool squash, const char *name,
			struct strv *argv)
{
	engine_argv(&s->eng, argv);
	strv_push(argv, "commit");
	s->eng.engine->commit_flags(&s->eng, squash, argv);
	/* The author field marks a paks save: it is image metadata, not config,
	 * and both engines and both image formats keep it without a warning. */
	strv_pushf(argv, "--author=%s from %s", SAVE_MARK, s->image);
	engine_config_changes(s->image_config, s->eng.engine->change_words,
			      argv);
	strv_push(argv, s->container);
	strv_push(argv, name);
}

/* docker cannot squash a commit: `export CTR | import - TMP` makes one
 * layer, with the original config (labels too) given again. */
static int squash_by_import(struct exec_ctx *c, const char *tmp, char **cause)
{
	struct session *s = c->s;
	struct strv ex = {0}, im = {0};
	int r;

	engine_argv(&s->eng, &ex);
	strv_push(&ex, "export");
	strv_push(&ex, s->container);
	engine_argv(&s->eng, &im);
	strv_push(&im, "import");
	strv_pushf(&im, "--message=%s from %s", SAVE_MARK, s->image);
	engine_config_changes(s->image_config, s->eng.engine->change_words,
			      &im);
	engine_label_changes(s->image_config, &im);
	strv_push(&im, "-");
	strv_push(&im, tmp);
	r = exec_spawn_pipe(c, ex.v, im.v);
	if (r < 0)
		*cause = xasprintf("cannot run %s: %s", ex.v[0], strerror(-r));
	strv_free(&ex);
	strv_free(&im);
	return r;
}

enum exec_status exec_save_image(struct exec_ctx *c, const char *target,
				 struct progress *p, bool verbose, char **cause)
{
	struct session *s = c->s;
	/* An image made by #save (its author says so) is squashed when saved
	 * again, so the layer count does not grow with every save. */
	bool squash = s->settings.save_squash ||
		      strstr(s->image_author, SAVE_MARK) != NULL;
	bool by_import = squash && s->eng.engine->squash_by_import;
	bool via_tmp = by_import || s->eng.engine->commit_in_daemon;
	cleanup_free char *tmp = xasprintf("localhost/paks-tmp-%s-%ld:latest",
					   s->session_id, (long)getpid());
	struct strv argv = {0};
	const char *note;
	int r;

	exec_out(c, "Saving %s as %s%s...\n", s->container, target,
		 squash ? " (squashed)" : "");
	if (by_import) {
		progress_phase(p, "squashing", NULL, 0);
		r = squash_by_import(c, tmp, cause);
	} else {
		commit_argv(s, squash, via_tmp ? tmp : target, &argv);
		progress_phase(p, "committing", NULL, 0);
		r = progress_run(p, argv.v, NULL, verbose, cause);
		strv_free(&argv);
	}
	if (r != 0 || c->cancelled) {
		if (r > 0 || c->cancelled) {
			if (via_tmp)
				drop_tmp(c, tmp);
			exec_cause(cause, "save failed; %s is unchanged",
				   target);
		}
		return c->cancelled ? PAKS_CMD_CANCELLED : PAKS_CMD_FAIL;
	}
	if (via_tmp && tag_and_drop(c, tmp, target, cause) != 0) {
		exec_cause(cause, "could not tag the saved image as %s",
			   target);
		return PAKS_CMD_FAIL;
	}
	note = s->eng.engine->commit_note(&s->eng);
	if (note) {
		progress_clear(p);
		exec_err(c, "%s", note);
	}
	return PAKS_CMD_OK;
}

char *exec_save_target(struct exec_ctx *c, const char *arg, char **cause)
{
	const char *why = NULL;
	char *target = naming_save_target(
	    c->s->image, arg,
	    c->s->settings.save_suffix ? c->s->settings.save_suffix : "-saved",
	    &why);

	if (!target)
		*cause = xstrdup(why);
	return target;
}
