/* SPDX-License-Identifier: MIT */
/*
 * One `paks run` from start to end: prepare it (the image, the runtime
 * directory, the mode and the shell's environment, each in its own file),
 * build the engine command line for the interactive container, reach the
 * running container, and clean up.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-err.h"
#include "engine.h"
#include "image.h"
#include "launch-env.h"
#include "log.h"
#include "paks-protocol.h"
#include "probe.h"
#include "proc.h"
#include "rootfs.h"
#include "remote.h"
#include "rundir.h"
#include "seccomp.h"
#include "session.h"
#include "ssh-share.h"

/* The directory holding the paks helper files next to the executable. */
static char *find_lib_dir(void)
{
	cleanup_free char *exe = paks_exe_dir();

	if (!exe)
		return NULL;
	/* The build tree keeps everything next to the binary. */
	if (paks_exe_in_build_tree(exe))
		return xstrdup(exe);
	return xasprintf("%s/../lib/paks", exe);
}

void session_cleanup(struct session *s)
{
	image_verify_stop(s);
	engine_err_end(s, true);
	launch_close(s);
	if (s->rootfs)
		rootfs_stop(s);
	rootfs_release(s);
	ssh_share_stop(s);
	rundir_remove(s);
}

void session_free(struct session *s)
{
	settings_free(&s->settings);
	engine_handle_free(&s->eng);
	free(s->image);
	free(s->image_id);
	free(s->image_author);
	json_decref(s->image_config);
	free(s->container);
	free(s->session_id);
	free(s->runtime_dir);
	free(s->volume);
	free(s->seccomp_on_engine);
	free(s->cidfile);
	free(s->launch_dir);
	free(s->shell);
	free(s->lib_dir);
	free(s->verdict);
	free(s->shell_ids);
	free(s->seccomp_profile);
	strv_free(&s->user_env);
	strv_free(&s->engine_env);
	strv_free(&s->rw_binds);
	free(s->rootfs);
	free(s->rootfs_source);
	free(s->ctr_mntns);
}

/* Where the kernel lets any process that shares the shell's terminal
 * type into it (TIOCSTI), the container gets a profile that refuses it;
 * when it cannot, paks says so once. */
static void session_seccomp(struct session *s)
{
	char *why = NULL;

	if (!seccomp_tiocsti_open())
		return;
	if (s->eng.engine->ops)
		why = xasprintf("%s gives the container no seccomp filter",
				engine_program(s->eng.engine));
	else if (seccomp_profile(s, &s->seccomp_profile, &why) == 0)
		return;
	log_warn("programs in the container can type into this shell with "
		 "TIOCSTI: %s; the host's kernel setting "
		 "dev.tty.legacy_tiocsti=0 closes this",
		 why);
	free(why);
}

int session_prepare(struct session *s, char **cause)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd))) {
		*cause = xasprintf("cannot read the current directory: %s",
				   strerror(errno));
		return -1;
	}
	s->launch_dir = xstrdup(cwd);
	s->lib_dir = find_lib_dir();
	if (!s->lib_dir) {
		*cause = xstrdup("cannot find the paks library directory");
		return -1;
	}
	s->launch_fd = -1;
	session_seccomp(s);
	/* A backend with engine ops names its copy by the session. */
	if (s->eng.engine->ops) {
		if (rundir_create(s, cause) < 0 ||
		    s->eng.engine->ops->prepare(s, cause) < 0)
			return -1;
	} else if (image_resolve(s, true, cause) < 0 ||
		   rundir_create(s, cause) < 0) {
		return -1;
	}
	if (!s->container)
		s->container = xasprintf("paks-%s", s->session_id);
	rundir_record(s);
	if (remote_prepare(s, cause) < 0)
		return -1;
	if (probe_mode(s, cause) < 0)
		return -1;
	return launch_open(s, cause);
}

/* The mode and shell for the image now in s, from the user's choice and
 * the cached verdict for its id. */
static int choose_mode_again(struct session *s, char **cause)
{
	if (s->mode_auto)
		s->mode = MODE_AUTO;
	free(s->shell);
	s->shell = xstrdup(s->settings.container_shell);
	return probe_mode(s, cause);
}

void session_go(struct session *s)
{
	struct strv before = {0}, after = {0};
	enum session_mode mode = s->mode;
	cleanup_free char *shell = xstrdup(s->shell);
	char *why = NULL;
	bool fits;

	session_run_argv(s, NULL, &before);
	if (image_verify_finish(s) == 0) {
		strv_free(&before);
		launch_go(s);
		/* Checked: a later start (a first run's second) runs the id. */
		s->run_by_name = false;
		engine_err_show(s);
		return;
	}
	/* The name means another image now.  The container already
	 * starting runs it (by name): it may go on when its command line,
	 * mode and shell are what that image needs too, which is the rule
	 * for an image rebuilt under its name. */
	fits = s->image_id && choose_mode_again(s, &why) == 0;
	if (fits) {
		session_run_argv(s, NULL, &after);
		fits = before.n == after.n && s->mode == mode &&
		       str_eq(s->shell, shell);
		for (size_t i = 0; fits && i < before.n; i++)
			fits = str_eq(before.v[i], after.v[i]);
	}
	if (fits) {
		launch_go(s);
		s->run_by_name = false;
	} else {
		log_debug("starting again for the image %s names now%s%s",
			  s->image, why ? ": " : "", why ? why : "");
		s->image_restart = true;
		launch_close(s);
	}
	/* A start that goes on says what its engine said; a void one's
	 * engine spoke of the start paks makes again. */
	if (!s->image_restart)
		engine_err_show(s);
	free(why);
	strv_free(&before);
	strv_free(&after);
}

int session_restart(struct session *s, int status, char **cause)
{
	char *ignored = NULL;
	int r;

	if (s->image_restart) {
		s->image_restart = false;
		/* Never once the user ended it (TERM, HUP, Ctrl-C).  A void
		 * start may end otherwise than by the launcher's 121: an
		 * image that now has a User, run without --user=0:0, cannot
		 * even start the launcher. */
		if (s->stop_signal || status == 128 + SIGINT)
			return 0;
		if (!s->image_id && image_resolve(s, false, cause) < 0)
			return -1;
		s->run_by_name = false;
		if (choose_mode_again(s, cause) < 0 ||
		    launch_open(s, cause) < 0)
			return -1;
		return 1;
	}

	/* The verdict is cached whatever the status: a shell that hosts the
	 * preload ran on, and its verdict is worth keeping too. */
	if (status != PAKS_EXIT_RESTART) {
		probe_take_verdict(s, &ignored);
		free(ignored);
		return 0;
	}
	r = probe_take_verdict(s, cause);
	if (r <= 0)
		return r;
	if (launch_open(s, cause) < 0)
		return -1;
	return 1;
}

/* The runtime directory and the preload's, read-only.  --mount, unlike
 * --volume, fails at create time when the source is not on the engine's
 * machine (docker's -v would make an empty directory there): that is the
 * probe (s->probing).  The directory's name is unique to this session, so
 * no other machine has it by chance. */
static void local_mounts(const struct session *s, struct strv *argv)
{
	if (strchr(s->runtime_dir, ',')) {
		strv_pushf(argv, "--volume=%s:%s:ro", s->runtime_dir,
			   PAKS_CONTAINER_DIR);
		strv_pushf(argv, "--volume=%s/%s:%s:ro", s->runtime_dir,
			   PAKS_LIB_SUBDIR, PAKS_LIB_DIR_CTR);
		return;
	}
	strv_pushf(argv, "--mount=type=bind,source=%s,target=%s,readonly",
		   s->runtime_dir, PAKS_CONTAINER_DIR);
	strv_pushf(argv, "--mount=type=bind,source=%s/%s,target=%s,readonly",
		   s->runtime_dir, PAKS_LIB_SUBDIR, PAKS_LIB_DIR_CTR);
}

/* A void start (s->probing) that failed because the engine cannot see
 * the runtime directory, or has lost the volume of paks's files an
 * earlier session filled: on with paks's files in that volume, filled
 * now.  1 when the session starts again that way, 0 when the failure was
 * another, -1 with *cause. */
int session_try_remote(struct session *s, char **cause)
{
	bool probing = s->probing;

	/* A start void because the name meant another image tells nothing:
	 * the next start probes again (session_restart). */
	if (s->image_restart)
		return 0;
	s->probing = false;
	if (!probing)
		return 0;
	if (s->remote) {
		if (!remote_files_lost(s))
			return 0;
		log_debug("the %s engine lost the volume %s: paks fills it "
			  "again",
			  s->eng.engine->name, s->volume);
		remote_forget_files(s);
	} else {
		/* podman reads the seccomp profile on its machine too. */
		if (!engine_err_says(s, s->runtime_dir) &&
		    !(s->seccomp_profile &&
		      s->eng.engine->seccomp_path_on_engine &&
		      engine_err_says(s, s->seccomp_profile)))
			return 0;
		log_debug("the %s engine cannot see %s: paks's files go in a "
			  "volume, the session through the engine's exec",
			  s->eng.engine->name, s->runtime_dir);
		s->remote = true;
		remote_remember(s);
	}
	engine_err_end(s, false);
	if (remote_prepare(s, cause) < 0 || launch_open(s, cause) < 0)
		return -1;
	return 1;
}

bool session_run_argv(struct session *s, const struct strv *passthrough,
		      struct strv *argv)
{
	if (s->eng.engine->ops) {
		s->eng.engine->ops->run_argv(s, passthrough, argv);
		return false;
	}
	engine_argv(&s->eng, argv);
	strv_push(argv, "run");
	strv_push(argv, "--rm");
	strv_push(argv, "--interactive");
	/* Without a terminal the shell reads a script: no --tty, so that
	 * it gets neither CR line ends nor a terminal's queries. */
	if (isatty(0))
		strv_push(argv, "--tty");
	strv_pushf(argv, "--name=%s", s->container);
	s->eng.engine->run_flags(s, argv);
	/* Not recorded by a commit: a saved image's config stays clean. */
	if (s->seccomp_profile)
		strv_pushf(argv, "--security-opt=seccomp=%s",
			   s->seccomp_on_engine ? s->seccomp_on_engine
						: s->seccomp_profile);
	/* Read-only: nothing in the container may write, create or
	 * replace what paks reads, runs or mounts. */
	if (s->remote)
		remote_run_argv(s, argv);
	else
		local_mounts(s, argv);
	/* dockerd's commit keeps the container's Entrypoint even when
	 * --change asks to clear it: on docker the container has none, and
	 * the launcher heads the command, which --change CMD replaces. */
	if (s->eng.engine->launcher_in_cmd)
		strv_push(argv, "--entrypoint=");
	else
		strv_pushf(argv, "--entrypoint=%s/paks-launch",
			   PAKS_CONTAINER_DIR);
	/* The launcher starts as root and becomes the user itself (see
	 * preload/launch.c); an image with a User of its own needs the
	 * override, which #save undoes with --change USER. */
	{
		const char *img =
		    json_string_value(json_object_get(s->image_config, "User"));
		if (img && *img)
			strv_push(argv, "--user=0:0");
	}
	for (size_t i = 0; passthrough && i < passthrough->n; i++)
		strv_push(argv, passthrough->v[i]);
	/* A name from the image cache runs as the name: if it means another
	 * image by now, that one starts, and session_go decides whether the
	 * start stands.  Never a pull here: image_resolve does those. */
	if (s->run_by_name) {
		strv_push(argv, "--pull=never");
		strv_push(argv, "--");
		strv_push(argv, s->image);
	} else {
		strv_push(argv, s->image_id);
	}
	if (s->eng.engine->launcher_in_cmd)
		strv_pushf(argv, "%s/paks-launch", PAKS_CONTAINER_DIR);
	return launch_fast_argv(s, argv);
}
