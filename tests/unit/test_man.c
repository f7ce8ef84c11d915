/* SPDX-License-Identifier: MIT */
/*
 * paks(1) cannot drift from the '#' command table: every entry of
 * exec_commands, with its usage exactly as the dispatcher prints it, and
 * every command #help lists, appear in the built page (PAKS_MAN_PAGE, set
 * by the Makefile, which builds the page first).  The CLI's commands and
 * options are checked against the program's --help by tests/man/test_man.sh.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exec.h"
#include "session.h"
#include "util.h"

#ifndef PAKS_MAN_PAGE
#error "PAKS_MAN_PAGE: the path of the built paks.1 (see the Makefile)"
#endif

/* The running text of a roff page as scdoc writes it: requests (lines
 * starting with '.') dropped, font changes and the zero-width \& removed,
 * \\ and \- unescaped, and every run of blanks and newlines one space, so
 * that a usage wrapped over two lines still matches. */
static char *page_text(const char *roff, size_t len)
{
	char *out = malloc(len + 2);
	size_t o = 0;
	int bol = 1, skip = 0;

	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		char ch = roff[i];
		if (bol)
			skip = ch == '.' || ch == '\'';
		bol = ch == '\n';
		if (skip)
			continue;
		if (ch == '\\' && i + 1 < len) {
			char e = roff[++i];
			if (e == 'f' && i + 1 < len) {
				i++; /* \fB \fI \fR \fP */
				continue;
			}
			if (e == '&')
				continue;
			ch = e == 'e' ? '\\' : e; /* \\ \- \e */
		}
		if (isspace((unsigned char)ch)) {
			if (o && out[o - 1] == ' ')
				continue;
			ch = ' ';
		}
		out[o++] = ch;
	}
	out[o] = '\0';
	return out;
}

static char *load_page(void)
{
	char *roff = NULL, *text;
	size_t len = 0;
	int r = read_file(PAKS_MAN_PAGE, 1 << 20, &roff, &len);

	if (r < 0)
		fail_msg("%s: %s (make man builds it)", PAKS_MAN_PAGE,
			 strerror(-r));
	text = page_text(roff, len);
	free(roff);
	return text;
}

/* Collapse blanks in s the way page_text does. */
static char *squeeze(const char *s)
{
	char *out = xstrdup(s);
	size_t o = 0;

	for (size_t i = 0; out[i]; i++) {
		if (out[i] == ' ' && o && out[o - 1] == ' ')
			continue;
		out[o++] = out[i];
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return out;
}

static void test_table_in_page(void **state)
{
	cleanup_free char *text = load_page();
	struct buf missing = {0};
	size_t n = 0;

	(void)state;
	for (const struct exec_cmd *e = exec_commands; e->name; e++, n++) {
		cleanup_free char *line =
		    xasprintf("#%s %s", e->name, e->usage);
		cleanup_free char *want = squeeze(line);
		if (!strstr(text, want))
			buf_printf(&missing, " '%s'", want);
	}
	assert_true(n >= 10);
	if (missing.len) {
		buf_append(&missing, "", 1);
		fail_msg("paks(1) (%s) does not name:%s", PAKS_MAN_PAGE,
			 missing.data);
	}
	buf_free(&missing);
}

static int record(struct exec_ctx *c, uint32_t type, const void *data,
		  size_t len)
{
	if (type == PAKS_MSG_OUT)
		buf_append(c->emit_arg, data, len);
	return 0;
}

/* What #help prints, through the real dispatcher (no hooks: the hook
 * directories do not exist). */
static void run_help(struct buf *out)
{
	static struct session s;
	struct exec_ctx c = {0};

	setenv("XDG_CONFIG_HOME", "/nonexistent/xdg", 1);
	s.launch_dir = (char *)"/nonexistent";
	c.s = &s;
	c.cwd = (char *)"/";
	c.emit = record;
	c.emit_arg = out;
	c.cancel_fd = -1;
	assert_int_equal(exec_line(&c, "#help", 5), 0);
	buf_append(out, "", 1);
}

static void test_help_in_page(void **state)
{
	cleanup_free char *text = load_page();
	struct buf help = {0}, missing = {0};
	size_t n = 0;

	(void)state;
	run_help(&help);
	/* "  #save [suffix=...]   save this container..." */
	for (char *p = help.data; (p = strstr(p, "\n  #")); n++) {
		p += 3;
		size_t w = strcspn(p, " \n");
		cleanup_free char *name = xasprintf("%.*s ", (int)w, p);
		if (!strstr(text, name))
			buf_printf(&missing, " '%.*s'", (int)w, p);
	}
	assert_true(n >= 10);
	if (missing.len) {
		buf_append(&missing, "", 1);
		fail_msg("#help lists commands paks(1) does not name:%s",
			 missing.data);
	}
	buf_free(&help);
	buf_free(&missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_in_page),
	    cmocka_unit_test(test_help_in_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
