/* SPDX-License-Identifier: MIT */
/*
 * The session's container: where paks's files appear in it, its first
 * process, and ending it.  Apart from session.c, which starts it, so
 * that the files below the session (the backends, the launch, the
 * remote volume, the guard) end or name it without calling up into the
 * session.
 */
#include <stdlib.h>

#include "container.h"
#include "engine.h"
#include "paks-protocol.h"
#include "proc.h"
#include "rootfs.h"
#include "session.h"
#include "util.h"

const char *container_dir(const struct session *s)
{
	return s->eng.engine && s->eng.engine->ctr_dir ? s->eng.engine->ctr_dir
						       : PAKS_CONTAINER_DIR;
}

const char *container_lib(const struct session *s)
{
	if (s->remote)
		return container_dir(s);
	return s->eng.engine && s->eng.engine->ctr_lib ? s->eng.engine->ctr_lib
						       : PAKS_LIB_DIR_CTR;
}

long container_pid(struct session *s)
{
	struct strv argv = {0};
	struct buf out = {0}, err = {0};
	long pid = 0;

	if (s->rootfs)
		return s->engine_pid;
	if (!s->container || !s->eng.path || s->remote)
		return 0;
	engine_argv(&s->eng, &argv);
	strv_push(&argv, "inspect");
	strv_push(&argv, "--format={{.State.Pid}}");
	strv_push(&argv, s->container);
	if (proc_capture(argv.v, &out, &err) == 0 && out.data) {
		buf_append(&out, "", 1);
		pid = strtol(out.data, NULL, 10);
	}
	strv_free(&argv);
	buf_free(&out);
	buf_free(&err);
	return pid > 0 ? pid : 0;
}

/* Whether s has a container an engine CLI can name; a writable copy's
 * processes are ended here instead (rootfs.c). */
static bool engine_container(struct session *s)
{
	if (s->rootfs) {
		rootfs_stop(s);
		return false;
	}
	return s->container && s->eng.path;
}

/* ENGINE VERB [FLAG] CONTAINER, waited for, detached from paks's process
 * group: a closing terminal signals that group, and this must still
 * finish. */
static void container_verb(struct session *s, const char *verb,
			   const char *flag)
{
	struct strv argv = {0};

	engine_argv(&s->eng, &argv);
	strv_push(&argv, verb);
	if (flag)
		strv_push(&argv, flag);
	strv_push(&argv, s->container);
	proc_run_detached(argv.v);
	strv_free(&argv);
}

/* The shell is the container's PID 1, which ignores TERM and HUP, and
 * killing only the engine client would leave the container running.  Once
 * it is dead, --rm removes it. */
void container_kill(struct session *s)
{
	if (engine_container(s))
		container_verb(s, "kill", NULL);
}

/* --rm is done by the engine client, which may have been killed before it
 * got to it (a closed terminal signals it too): remove the container
 * ourselves, and wait until it is gone. */
void container_remove(struct session *s)
{
	if (!engine_container(s))
		return;
	container_verb(s, "kill", NULL);
	container_verb(s, "rm", "--force");
}
