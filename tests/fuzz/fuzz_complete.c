/* SPDX-License-Identifier: MIT */
/*
 * A completion request (host/cmd/exec-complete.c): the line up to the cursor
 * as the shell sends it.  It completes against a launch directory made
 * for the run (a file, a directory, a dot file, a symlink out of it) and
 * an empty configuration; candidates are counted, not sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "fuzz.h"
#include "session.h"

static struct session session;
static size_t candidates;

static int emit(struct exec_ctx *c, uint32_t type, const void *data, size_t len)
{
	(void)c;
	(void)data;
	if (type != PAKS_MSG_CANDIDATE || len == 0)
		abort();
	candidates++;
	return 0;
}

static void touch(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

static void remove_dir(void)
{
	static const char *const files[] = {"sub/inner", "sub",	    "out",
					    "file.txt",	 ".hidden", ""};
	char path[4096];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", session.launch_dir,
			 files[i]);
		if (unlink(path) < 0)
			rmdir(path);
	}
}

static void setup(void)
{
	static char dir[] = "/tmp/paks-fuzz-complete-XXXXXX";
	char path[4096];

	if (session.launch_dir)
		return;
	if (!mkdtemp(dir))
		abort();
	touch(dir, "file.txt");
	touch(dir, ".hidden");
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0700);
	touch(path, "inner");
	snprintf(path, sizeof(path), "%s/out", dir);
	if (symlink("/", path) < 0)
		abort();
	session.launch_dir = dir;
	atexit(remove_dir);
	/* No user configuration, so no stored environments or hooks. */
	setenv("XDG_CONFIG_HOME", "/nonexistent/paks-fuzz", 1);
	setenv("HOME", "/nonexistent/paks-fuzz", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exec_ctx c = {0};

	setup();
	c.s = &session;
	c.cwd = "/";
	c.emit = emit;
	c.cancel_fd = -1;
	exec_complete(&c, (const char *)data, size);
	return 0;
}
