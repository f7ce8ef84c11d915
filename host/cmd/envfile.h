/* SPDX-License-Identifier: MIT */
/*
 * The GitHub Actions env-file format ($GITHUB_ENV), as a hook may write it
 * on fd 3: NAME=VALUE lines and NAME<<DELIMITER heredocs.
 */
#ifndef PAKS_ENVFILE_H
#define PAKS_ENVFILE_H

#include <stddef.h>

struct envfile_pair {
	char *name;
	char *value;
};

struct envfile {
	struct envfile_pair *pairs; /* the good records, in order */
	size_t n;
	size_t bad;  /* bad records skipped */
	char *cause; /* one printable line about the first bad record */
};

/* Parse data[0..len).  Always fills *out (free with envfile_free); returns
 * 0, or -EINVAL when out->bad > 0.  No I/O: bytes in, pairs out. */
int envfile_parse(const char *data, size_t len, struct envfile *out);
void envfile_free(struct envfile *f);

#endif
