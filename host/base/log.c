/* SPDX-License-Identifier: MIT */
/*
 * Logging for the paks host program.  Errors and warnings go to stderr as
 * one line each; debug lines go only to the file named by PAKS_DEBUG_LOG.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static FILE *debug_file;

void log_init(void)
{
	const char *path = getenv("PAKS_DEBUG_LOG");

	if (path && *path && !debug_file)
		debug_file = fopen(path, "ae");
}

int log_use_color(int fd)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fd) && !(nc && *nc);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *names[] = {"error", "warning", "info", "debug"};

	if (debug_file) {
		va_list cp;
		va_copy(cp, ap);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(debug_file, "%lld.%06ld %d %s: ", (long long)ts.tv_sec,
			ts.tv_nsec / 1000, (int)getpid(), names[level]);
		vfprintf(debug_file, fmt, cp);
		fputc('\n', debug_file);
		fflush(debug_file);
		va_end(cp);
	}
	if (level == LOG_DEBUG)
		return;
	/* On a terminal the prefix is coloured, unless NO_COLOR is set. */
	if (log_use_color(2))
		fputs(level == LOG_ERROR  ? "\033[1;31mpaks:\033[0m "
		      : level == LOG_WARN ? "\033[1;33mpaks: warning:\033[0m "
					  : "\033[1mpaks:\033[0m ",
		      stderr);
	else if (level == LOG_WARN)
		fputs("paks: warning: ", stderr);
	else
		fputs("paks: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
