/* SPDX-License-Identifier: MIT */
/*
 * The one rule for a shell variable name, shared by the host and the
 * preload: [A-Za-z_][A-Za-z0-9_]*, as POSIX sh names.
 */
#ifndef PAKS_VARNAME_H
#define PAKS_VARNAME_H

#include <stdbool.h>
#include <stddef.h>

/* true when s[0..n) is a shell variable name. */
bool varname_valid(const char *s, size_t n);

#endif
