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

/* true when s[0..n) is a variable bash keeps read-only for itself
 * (BASHOPTS, BASH_VERSINFO, EUID, PPID, SHELLOPTS, UID): an export of it
 * fails in the shell, so paks refuses it before it saves or sends it. */
bool varname_shell_readonly(const char *s, size_t n);

/* The longest NAME=VALUE an exported variable may be: Linux refuses an
 * execve whose environment holds a longer string (MAX_ARG_STRLEN, 32
 * pages, NUL included), so a longer exported variable would make every
 * command the shell runs fail with "Argument list too long".  paks
 * refuses such a value rather than cut it. */
#define VARNAME_EXPORT_MAX (32 * 4096 - 1)
/* true when NAME=VALUE of these lengths can be exported. */
bool varname_export_fits(size_t name_len, size_t value_len);

#endif
