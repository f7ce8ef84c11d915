/* SPDX-License-Identifier: MIT */
/*
 * The shell's environment, written to launch.env in the runtime directory
 * for the launcher: the image's variables, what a shell needs, the user's
 * -e values and the paks variables; and the gate that tells the launcher
 * when launch.env is right for its start.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "launch-env.h"
#include "paks-protocol.h"
#include "session.h"

/* The user the shell runs as: the one asked for, else the image's own. */
static const char *run_user(const struct session *s)
{
	const char *img =
	    json_string_value(json_object_get(s->image_config, "User"));

	if (s->settings.user && *s->settings.user)
		return s->settings.user;
	return img && *img ? img : NULL;
}

static void env_record(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "%s=%s", name, value);
	buf_append(b, "", 1);
}

/* The shell's environment: the image's variables, what a shell needs, the
 * user's -e values, and the paks variables. */
int launch_env_write(struct session *s, char **cause)
{
	json_t *env = json_object_get(s->image_config, "Env");
	const char *term = getenv("TERM");
	cleanup_free char *path = xasprintf("%s/launch.env", s->runtime_dir);
	struct buf b = {0};
	bool has_path = false;
	size_t i;
	json_t *v;
	int r;

	json_array_foreach(env, i, v)
	{
		const char *kv = json_string_value(v);
		if (!kv || !strchr(kv, '='))
			continue;
		has_path |= str_has_prefix(kv, "PATH=");
		buf_append(&b, kv, strlen(kv) + 1);
	}
	if (!has_path)
		env_record(&b, "PATH",
			   "/usr/local/sbin:/usr/local/bin:"
			   "/usr/sbin:/usr/bin:/sbin:/bin");
	env_record(&b, "TERM", term && *term ? term : "xterm");
	for (i = 0; i < s->user_env.n; i++)
		buf_append(&b, s->user_env.v[i], strlen(s->user_env.v[i]) + 1);
	env_record(&b, PAKS_ENV_DIR, PAKS_CONTAINER_DIR);
	env_record(&b, "PAKS_SESSION", s->session_id);
	if (run_user(s))
		env_record(&b, "PAKS_USER", run_user(s));
	if (s->mode == MODE_PRELOAD)
		env_record(&b, "LD_PRELOAD",
			   PAKS_LIB_DIR_CTR "/" PAKS_PRELOAD_NAME);
	if (s->check_shell) {
		env_record(&b, PAKS_CHECK_SHELL, s->shell);
		if (s->shell_default)
			env_record(&b, PAKS_CHECK_FALLBACK, "1");
		/* Without a terminal the mode makes no difference (the
		 * engine runs as in preload mode): never start again. */
		if (s->mode_auto && isatty(0))
			env_record(&b, PAKS_CHECK_AUTO, "1");
	}
	r = write_file_replace(path, b.data, b.len, 0600);
	buf_free(&b);
	if (r < 0) {
		*cause = xasprintf("cannot write %s: %s", path, strerror(-r));
		return -1;
	}
	return 0;
}

int launch_gate_open(struct session *s, char **cause)
{
	cleanup_free char *path =
	    xasprintf("%s/%s", s->runtime_dir, PAKS_GATE_NAME);

	/* A fresh FIFO for every start: nothing of an earlier one stays. */
	launch_gate_close(s);
	unlink(path);
	if (mkfifo(path, 0600) < 0) {
		*cause =
		    xasprintf("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	/* Held open for reading and writing: the launcher's open never
	 * blocks, and it reads end of file only once paks has let go. */
	s->gate_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (s->gate_fd < 0) {
		*cause = xasprintf("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	s->gate_open = true;
	return 0;
}

void launch_gate_go(struct session *s)
{
	char go = PAKS_GATE_GO;

	if (s->gate_open && write(s->gate_fd, &go, 1) != 1)
		launch_gate_close(s);
}

void launch_gate_close(struct session *s)
{
	if (s->gate_open)
		close(s->gate_fd);
	s->gate_open = false;
	s->gate_fd = -1;
}
