/* SPDX-License-Identifier: MIT */
/*
 * #push: save the container as an image (exec-commit.c) and push it to a
 * registry with the engine's own login, behind one progress line.
 */
#include <stdbool.h>

#include "engine.h"
#include "exec.h"
#include "naming.h"
#include "progress.h"
#include "session.h"

/* Where #push REF goes: a tag (":latest" unless given), never a digest. */
static enum exec_status push_target(const char *arg, char **target,
				    char **cause)
{
	struct image_ref ref;
	const char *why = NULL;

	if (naming_parse(arg, &ref, &why) < 0) {
		*cause = xasprintf("invalid reference '%s': %s", arg, why);
		return PAKS_CMD_USAGE;
	}
	if (ref.digest) {
		naming_free(&ref);
		*cause = xstrdup("push to a tag, not a digest");
		return PAKS_CMD_USAGE;
	}
	*target = xasprintf("%s:%s", ref.name, ref.tag ? ref.tag : "latest");
	naming_free(&ref);
	return PAKS_CMD_OK;
}

/* #push [--verbose] REF [tls-verify=false] */
static enum exec_status push_args(const char *usage, int argc, char **argv,
				  bool *verbose, bool *tls_off,
				  const char **ref, char **cause)
{
	int i = 1;

	*verbose = argc > 1 && str_eq(argv[1], "--verbose");
	i += *verbose;
	if (argc - i < 1 || argc - i > 2) {
		*cause = xasprintf("usage: #push %s", usage);
		return PAKS_CMD_USAGE;
	}
	*ref = argv[i];
	*tls_off = argc - i == 2;
	if (*tls_off && !str_eq(argv[i + 1], "tls-verify=false")) {
		*cause = xasprintf("unknown option '%s' (only "
				   "tls-verify=false)",
				   argv[i + 1]);
		return PAKS_CMD_USAGE;
	}
	return PAKS_CMD_OK;
}

/* Push the saved container: the engine's own login supplies credentials;
 * its output ("Copying blob ...") shows only with --verbose, else one
 * progress line. */
enum exec_status exec_cmd_push(struct exec_ctx *c, int argc, char **argv,
			       char **cause)
{
	cleanup_free char *target = NULL;
	cleanup_free char *what = NULL;
	bool tls_off, verbose;
	const char *ref, *note;
	struct strv a = {0};
	struct progress p;
	enum exec_status st;
	int r;

	st = push_args(c->usage, argc, argv, &verbose, &tls_off, &ref, cause);
	if (st == PAKS_CMD_OK)
		st = push_target(ref, &target, cause);
	if (st != PAKS_CMD_OK)
		return st;
	progress_init(&p, c);
	st = exec_save_image(c, target, &p, verbose, cause);
	if (st != PAKS_CMD_OK)
		return st;
	progress_clear(&p);
	exec_out(c, "Pushing %s...\n", target);
	engine_argv(&c->s->eng, &a);
	strv_push(&a, "push");
	note =
	    c->s->eng.engine->registry_flags(&c->s->eng, target, tls_off, &a);
	if (note)
		exec_err(c, "%s", note);
	strv_push(&a, "--");
	strv_push(&a, target);
	progress_phase(&p, "uploading", NULL, 0);
	r = progress_run(&p, a.v, NULL, verbose, cause);
	strv_free(&a);
	if (r != 0 || c->cancelled) {
		exec_cause(cause,
			   "push of %s failed (the image is saved locally)",
			   target);
		return exec_result(c, r);
	}
	what = xasprintf("Pushed %s", target);
	progress_done(&p, what, 0);
	return PAKS_CMD_OK;
}
