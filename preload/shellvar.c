/* SPDX-License-Identifier: MIT */
/*
 * Variables set by a paks command (SETVAR) become exported shell variables
 * of the very bash that asked.  bash exports parse_and_execute() for
 * loadable builtins and `bind -x`; we run `export` through it the way
 * bash_execute_unix_command does: parser state saved and restored,
 * SEVAL_NOHIST so nothing reaches history.  The value is single-quoted, so
 * nothing in it is expanded, and set -x / set -v are off meanwhile, so it
 * is never echoed.  Each variable is its own export, its error output
 * dropped: one the shell refuses (a name the user made readonly) is named
 * in one paks line, and the command's status is then not 0.  Also sets $?
 * to the command's exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload.h"
#include "varname.h"

/* bash's builtins/common.h, unchanged from 4.x to 5.3 */
#define SEVAL_NOHIST 0x004

#define EXPORT_CMD "\\builtin export -- "

/* "paks: NAME was not set: the shell refused it" for the command CMD. */
static void report_refused(const char *cmd)
{
	const char *name = cmd + sizeof(EXPORT_CMD) - 1;
	size_t n = strcspn(name, "=");
	char msg[160];

	snprintf(msg, sizeof(msg),
		 "paks: %.*s was not set: the shell refused it (read-only?)\n",
		 (int)(n > 100 ? 100 : n), name);
	channel_message(msg);
}

/* Run one export; 0 when the shell took it. */
static int run_one(const char *cmd)
{
	char *copy = strdup(cmd);

	/* parse_and_execute frees the (malloc'd) string itself. */
	return copy ? parse_and_execute(copy, "paks", SEVAL_NOHIST) : 1;
}

static int sc_put(struct shellvar_script *sc, const char *s, size_t n)
{
	if (sc->len + n + 1 > sc->cap) {
		size_t cap = sc->cap ? sc->cap : 256;
		char *ns;
		while (cap < sc->len + n + 1)
			cap *= 2;
		ns = realloc(sc->s, cap);
		if (!ns)
			return -ENOMEM;
		sc->s = ns;
		sc->cap = cap;
	}
	memcpy(sc->s + sc->len, s, n);
	sc->len += n;
	sc->s[sc->len] = '\0';
	return 0;
}

/* 'value' with each ' written as '\'' ; newlines stay literal. */
static int sc_put_quoted(struct shellvar_script *sc, const char *v, size_t n)
{
	int r = sc_put(sc, "'", 1);

	for (size_t i = 0; i < n && r == 0; i++) {
		if (v[i] == '\'')
			r = sc_put(sc, "'\\''", 4);
		else
			r = sc_put(sc, &v[i], 1);
	}
	return r ? r : sc_put(sc, "'", 1);
}

int shellvar_add(struct shellvar_script *sc, const unsigned char *payload,
		 uint32_t len)
{
	const char *p = (const char *)payload;
	const char *nul = memchr(p, '\0', len);
	size_t nlen, vlen;
	int r;

	if (!nul || !varname_valid(p, (size_t)(nul - p))) {
		channel_message("paks: ignoring a variable with an invalid "
				"name\n");
		return -EINVAL;
	}
	nlen = (size_t)(nul - p);
	vlen = len - nlen - 1;
	if (memchr(nul + 1, '\0', vlen)) {
		channel_message("paks: ignoring a variable whose value "
				"contains a NUL byte\n");
		return -EINVAL;
	}
	/* \builtin: no alias or function named export can see the value.
	 * The trailing NAME leaves $_ as the name, not NAME=value. */
	r = sc_put(sc, EXPORT_CMD, sizeof(EXPORT_CMD) - 1);
	if (!r)
		r = sc_put(sc, p, nlen);
	if (!r)
		r = sc_put(sc, "=", 1);
	if (!r)
		r = sc_put_quoted(sc, nul + 1, vlen);
	if (!r)
		r = sc_put(sc, " ", 1);
	if (!r)
		r = sc_put(sc, p, nlen);
	/* One command per variable, NUL-terminated (no value holds a NUL). */
	if (!r)
		r = sc_put(sc, " 2>/dev/null\n", 14);
	if (!r)
		r = sc_put(sc, "", 1);
	return r;
}

int shellvar_run(struct shellvar_script *sc)
{
	int *xtrace = &echo_command_at_execute; /* NULL when absent */
	int *verbose = &echo_input_at_read;
	int *errexit = &exit_immediately_on_error;
	int old_x = 0, old_v = 0, old_e = 0;
	void *ps = NULL;
	char *script = sc->s;
	size_t len = sc->len;
	int refused = 0;

	memset(sc, 0, sizeof(*sc));
	if (!script || !parse_and_execute)
		goto out;
	if (xtrace) {
		old_x = *xtrace;
		*xtrace = 0;
	}
	if (verbose) {
		old_v = *verbose;
		*verbose = 0;
	}
	/* A failing export (a readonly name) must not end the shell. */
	if (errexit) {
		old_e = *errexit;
		*errexit = 0;
	}
	if (save_parser_state && restore_parser_state)
		ps = save_parser_state(NULL);
	for (size_t off = 0; off < len; off += strlen(script + off) + 1) {
		if (run_one(script + off) != 0) {
			report_refused(script + off);
			refused++;
		}
	}
	if (ps) {
		restore_parser_state(ps);
		free(ps);
	}
	if (xtrace)
		*xtrace = old_x;
	if (verbose)
		*verbose = old_v;
	if (errexit)
		*errexit = old_e;
out:
	free(script);
	return refused;
}

/* A comment line leaves bash's $? alone, so setting it here sticks. */
void shellvar_set_status(int status)
{
	if (&last_command_exit_value)
		last_command_exit_value = status & 0xff;
}
