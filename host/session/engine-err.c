/* SPDX-License-Identifier: MIT */
/*
 * A container started by a name from the image cache starts before the
 * name is checked (image.c).  When the name is gone (`podman rmi`), that
 * start is void and the engine says so at once, raw ("Error: NAME: image
 * not known"), before paks has looked: paks then says in its own words
 * what it does about it.  So during such a start the engine's stderr goes
 * to a memory file, shown once the start is known to count (at the check,
 * then the rest when the engine exits) and dropped when it is void.  The
 * engine's terminal output (stdout, the container's) is not touched.
 */
#include <sys/mman.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "engine-err.h"
#include "session.h"
#include "util.h"

void engine_err_hold(struct session *s)
{
	engine_err_end(s, true);
	if (!s->run_by_name && !s->probing)
		return;
	s->err_fd = memfd_create("paks-engine-stderr", MFD_CLOEXEC);
	s->err_shown = 0;
	s->err_held = s->err_fd >= 0;
}

int engine_err_fd(const struct session *s)
{
	return s->err_held ? s->err_fd : -1;
}

void engine_err_show(struct session *s)
{
	char b[4096];
	ssize_t n;

	/* A start that may be the wrong one (the engine may not see the
	 * runtime directory) counts only once its launcher has come. */
	if (!s->err_held || s->probing)
		return;
	while ((n = pread(s->err_fd, b, sizeof(b), s->err_shown)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(2, b, (size_t)n) < 0)
			break;
		s->err_shown += n;
	}
}

void engine_err_end(struct session *s, bool show)
{
	if (!s->err_held)
		return;
	if (show)
		engine_err_show(s);
	close(s->err_fd);
	s->err_fd = -1;
	s->err_held = false;
}

bool engine_err_says(const struct session *s, const char *text)
{
	char b[8192];
	ssize_t n;

	if (!s->err_held)
		return false;
	n = pread(s->err_fd, b, sizeof(b) - 1, 0);
	if (n <= 0)
		return false;
	b[n] = '\0';
	return strstr(b, text) != NULL;
}
