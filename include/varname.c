/* SPDX-License-Identifier: MIT */
/*
 * The shell variable name rule.  Dependency-free: it is compiled into the
 * preload as well as the host.
 */
#include <string.h>

#include "varname.h"

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool varname_valid(const char *s, size_t n)
{
	if (!s || n == 0 || !is_alpha(s[0]))
		return false;
	for (size_t i = 1; i < n; i++) {
		if (!is_alpha(s[i]) && !(s[i] >= '0' && s[i] <= '9'))
			return false;
	}
	return true;
}

bool varname_export_fits(size_t name_len, size_t value_len)
{
	return name_len < VARNAME_EXPORT_MAX &&
	       value_len <= VARNAME_EXPORT_MAX - name_len - 1;
}

bool varname_shell_readonly(const char *s, size_t n)
{
	static const char *const names[] = {"BASHOPTS", "BASH_VERSINFO", "EUID",
					    "PPID",	"SHELLOPTS",	 "UID"};

	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == n && memcmp(s, names[i], n) == 0)
			return true;
	}
	return false;
}
