/* SPDX-License-Identifier: MIT */
/*
 * `paks env edit` and `paks config edit` as visudo and crontab -e do it:
 * the editor gets a copy next to the file, the copy is checked, and only
 * a copy that parses replaces the file (by rename, so atomically).  When
 * the editor fails, the file stays as it was; when the edit does not
 * parse, a terminal is offered to edit it again, and otherwise the file
 * stays as it was and the rejected copy is kept for the user.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define EDIT_MAX_SIZE (16 * 1024 * 1024)

/* Split the editor setting on blanks: "code --wait" -> {code, --wait}. */
static void editor_argv(const char *editor, const char *file, struct strv *v)
{
	cleanup_free char *copy = xstrdup(editor);
	char *save = NULL;

	for (char *t = strtok_r(copy, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save))
		strv_push(v, t);
	if (v->n == 0)
		strv_push(v, "vi");
	strv_push(v, file);
}

int edit_run_editor(const char *editor, const char *file, char **cause)
{
	struct strv argv = {0};
	int status = 0, r;

	editor_argv(editor, file, &argv);
	r = proc_run_foreground(argv.v, &status);
	if (r < 0)
		*cause = xasprintf("cannot run editor '%s': %s", argv.v[0],
				   strerror(-r));
	else if (WIFSIGNALED(status))
		*cause = xasprintf("editor '%s' was killed by signal %d",
				   argv.v[0], WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		*cause = xasprintf("editor '%s' exited with status %d",
				   argv.v[0], WEXITSTATUS(status));
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = -ECHILD;
	strv_free(&argv);
	return r;
}

/* A copy of text in the file's directory, hidden, 0600. */
static char *make_copy(const char *target, const char *text, char **cause)
{
	cleanup_free char *d = xstrdup(target);
	cleanup_free char *b = xstrdup(target);
	char *copy = xasprintf("%s/.%s.edit-XXXXXX", dirname(d), basename(b));
	int fd = mkostemp(copy, O_CLOEXEC);
	int r = fd < 0 ? -errno : write_all(fd, text, strlen(text));

	if (fd >= 0 && r == 0 && fchmod(fd, 0600) < 0)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		*cause = xasprintf("%s: %s", copy, strerror(-r));
		if (fd >= 0)
			unlink(copy);
		free(copy);
		return NULL;
	}
	return copy;
}

/* On a terminal: "(e)dit again, (k)eep the original?"; true for 'e'. */
static bool ask_again(void)
{
	char line[16];

	fputs("paks: (e)dit again, (k)eep the original? ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'e' || line[0] == 'E';
}

/* Install copy over target with mode; 0 or -errno. */
static int install(const char *copy, const char *target, mode_t mode)
{
	if (chmod(copy, mode) < 0 || rename(copy, target) < 0)
		return -errno;
	return 0;
}

static int edit_loop(const char *editor, const char *path, const char *target,
		     const char *copy, const char *old, mode_t mode,
		     const struct cli_edit_check *chk)
{
	for (;;) {
		cleanup_free char *text = NULL;
		char *cause = NULL;
		size_t len = 0;
		int r;

		if (edit_run_editor(editor, copy, &cause) < 0) {
			log_error("%s; %s is unchanged", cause, path);
			free(cause);
			unlink(copy);
			return 1;
		}
		r = read_file(copy, EDIT_MAX_SIZE, &text, &len);
		if (r < 0) {
			log_error("%s: %s; %s is unchanged", copy, strerror(-r),
				  path);
			return 1;
		}
		if (strlen(text) == len && strcmp(text, old) == 0) {
			unlink(copy);
			if (access(target, F_OK) < 0)
				log_info("no changes: %s not created", path);
			return 0;
		}
		if (chk->fn(text, len, path, chk->arg, &cause) == 0) {
			r = install(copy, target, mode);
			if (r < 0) {
				log_error("%s: %s; your edit is in %s", target,
					  strerror(-r), copy);
				return 1;
			}
			return 0;
		}
		if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
			log_error("%s", cause);
			free(cause);
			if (ask_again())
				continue;
			log_error("%s is unchanged; the rejected edit is in %s",
				  path, copy);
			return 1;
		}
		/* No one to ask: one line, and the file as it was. */
		log_error("%s (%s is unchanged; the rejected edit is in %s)",
			  cause, path, copy);
		free(cause);
		return 1;
	}
}

int cli_edit_file(const char *editor, const char *path, const char *initial,
		  mode_t mode, const struct cli_edit_check *chk)
{
	char *real = realpath(path, NULL);
	cleanup_free char *target = real ? real : xstrdup(path);
	cleanup_free char *old = NULL;
	cleanup_free char *copy = NULL;
	char *cause = NULL;
	struct stat st;
	size_t len = 0;
	int r = read_file(target, EDIT_MAX_SIZE, &old, &len);

	if (r == -ENOENT) {
		old = xstrdup(initial);
	} else if (r < 0) {
		log_error("%s: %s", path, strerror(-r));
		return 1;
	} else if (strlen(old) != len) {
		log_error("%s: contains a NUL byte", path);
		return 1;
	} else if (stat(target, &st) == 0) {
		mode = st.st_mode & 07777; /* keep what the user chose */
	}
	copy = make_copy(target, old, &cause);
	if (!copy) {
		log_error("%s", cause);
		free(cause);
		return 1;
	}
	return edit_loop(editor, path, target, copy, old, mode, chk);
}
