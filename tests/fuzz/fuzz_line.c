/* SPDX-License-Identifier: MIT */
/*
 * A '#' line as the shell sends it: the check that it is a paks command,
 * the word splitter (include/words.c) and the dispatch that exec_line
 * does before running anything: the built-in command table, else a hook
 * name, looked up in the shipped hook directory (no user configuration).
 * Nothing is run.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "fuzz.h"
#include "hooks.h"
#include "settings.h"
#include "words.h"

static struct settings settings;

static void setup(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	/* No user configuration: hooks are looked up where there are none. */
	setenv("XDG_CONFIG_HOME", "/nonexistent/paks-fuzz", 1);
	setenv("HOME", "/nonexistent/paks-fuzz", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	const char *err = NULL;
	struct words w;
	char *hook = NULL;
	char *cause = NULL;
	enum exec_status st;

	setup();
	(void)words_valid_utf8(line, size);
	if (!words_is_command(line, size))
		return 0;
	if (words_split(line + 1, size - 1, &w, &err) < 0) {
		if (!err)
			abort();
		return 0;
	}
	if (w.argc < 1 || !w.argv[0] || w.argv[w.argc])
		abort();
	for (int i = 0; i < w.argc; i++)
		(void)strlen(w.argv[i]);
	if (!exec_find(w.argv[0])) {
		st = hooks_find(&settings, w.argv[0], &hook, &cause);
		/* Always a cause on failure, never one on success. */
		if ((st == PAKS_CMD_OK) != (cause == NULL))
			abort();
		free(cause);
		free(hook);
	}
	words_free(&w);
	return 0;
}
