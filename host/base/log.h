/* SPDX-License-Identifier: MIT */
/*
 * The one logger: one line per message on stderr, prefixed "paks:", and a
 * debug log written to a file only when PAKS_DEBUG_LOG names one.
 */
#ifndef PAKS_LOG_H
#define PAKS_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(void);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* 1 when colour may be used on fd (a terminal and NO_COLOR unset). */
int log_use_color(int fd);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
