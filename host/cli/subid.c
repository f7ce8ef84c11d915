/* SPDX-License-Identifier: MIT */
/*
 * /etc/subuid and /etc/subgid: "NAME:START:COUNT" lines, where NAME may
 * also be the numeric id (shadow's subordinateio.c accepts both).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "subid.h"

/* A decimal number that is the whole of [s, s + n): true with *v. */
static bool parse_ulong(const char *s, size_t n, unsigned long *v)
{
	char tmp[24], *end;

	if (n == 0 || n >= sizeof(tmp) || s[0] < '0' || s[0] > '9')
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*v = strtoul(tmp, &end, 10);
	return errno == 0 && *end == '\0';
}

/* The count one line gives the user, 0 when it is not theirs or malformed. */
static unsigned long line_count(const char *line, size_t n, const char *name,
				uid_t id)
{
	const char *c1 = memchr(line, ':', n), *c2;
	unsigned long start, count, owner;
	size_t flen;

	if (!c1)
		return 0;
	flen = (size_t)(c1 - line);
	c2 = memchr(c1 + 1, ':', n - flen - 1);
	if (!c2 || !parse_ulong(c1 + 1, (size_t)(c2 - c1 - 1), &start) ||
	    !parse_ulong(c2 + 1, n - (size_t)(c2 + 1 - line), &count))
		return 0;
	if (name && flen == strlen(name) && memcmp(line, name, flen) == 0)
		return count;
	if (parse_ulong(line, flen, &owner) && owner == (unsigned long)id)
		return count;
	return 0;
}

unsigned long subid_count(const char *text, size_t len, const char *name,
			  uid_t id)
{
	unsigned long total = 0;
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		if (n > 0 && text[i] != '#')
			total += line_count(text + i, n, name, id);
		i += n + 1;
	}
	return total;
}
