/* SPDX-License-Identifier: MIT */
/*
 * The variables a hook hands back: NAME=VALUE records, each ended by a NUL,
 * written to fd 3.  The bytes come from a program the user ran but may
 * carry anything, so bad records are counted and skipped, never trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hook-records.h"
#include "util.h"
#include "varname.h"

static void record_fail(struct hook_record_error *e, const char *reason,
			const char *rec, size_t n)
{
	if (e->bad++ == 0) {
		e->reason = reason;
		e->rec = rec;
		e->rec_len = n;
	}
}

/* One record rec[0..n) (without its NUL).  Bad records are counted and
 * skipped; the callback's own failure stops the parse. */
static int parse_one(const char *rec, size_t n, int terminated,
		     int (*cb)(void *, const char *, const char *), void *arg,
		     struct hook_record_error *e)
{
	const char *eq = memchr(rec, '=', n);
	cleanup_free char *name = NULL;
	cleanup_free char *value = NULL;

	if (!terminated) {
		record_fail(e, "last record is not NUL-terminated", rec, n);
		return 0;
	}
	if (!eq) {
		record_fail(e, "record without '='", rec, n);
		return 0;
	}
	if (!varname_valid(rec, (size_t)(eq - rec))) {
		record_fail(e, "invalid variable name", rec, n);
		return 0;
	}
	if (!varname_export_fits((size_t)(eq - rec),
				 n - (size_t)(eq - rec) - 1)) {
		record_fail(e, "value too long to export", rec, n);
		return 0;
	}
	name = strndup(rec, (size_t)(eq - rec));
	value = strndup(eq + 1, n - (size_t)(eq - rec) - 1);
	if (!name || !value)
		return -ENOMEM;
	return cb(arg, name, value);
}

int hook_records_parse(const char *data, size_t len,
		       int (*cb)(void *arg, const char *name,
				 const char *value),
		       void *arg, struct hook_record_error *e)
{
	size_t pos = 0;

	memset(e, 0, sizeof(*e));
	while (pos < len) {
		const char *nul = memchr(data + pos, '\0', len - pos);
		size_t n = nul ? (size_t)(nul - (data + pos)) : len - pos;
		int r;

		/* Empty records (a stray extra NUL) carry nothing: skip. */
		if (n > 0) {
			r = parse_one(data + pos, n, nul != NULL, cb, arg, e);
			if (r < 0)
				return r;
		}
		pos += n + 1;
	}
	return e->bad ? -EINVAL : 0;
}

char *hook_records_excerpt(const struct hook_record_error *e)
{
	size_t n = e->rec_len;
	const char *eq = memchr(e->rec, '=', n);
	char *s;

	if (eq)
		n = (size_t)(eq - e->rec);
	s = str_printable(e->rec, n > 40 ? 40 : n, 40);
	return s ? s : xstrdup("");
}
