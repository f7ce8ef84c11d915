/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the host modules: cleanup attributes, I/O loops,
 * atomic file writes, string building.
 */
#ifndef PAKS_UTIL_H
#define PAKS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

static inline void cleanup_freep(void *p)
{
	extern void free(void *);
	free(*(void **)p);
}
void cleanup_closep(int *fd);
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_fd   __attribute__((cleanup(cleanup_closep)))

static inline void *steal_ptr(void *pp)
{
	void **p = (void **)pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) steal_ptr(pp)
static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

/* Exit statuses of the paks program. */
#define EXIT_USAGE 2

int write_all(int fd, const void *buf, size_t len);
/* Read a whole file (at most max bytes).  0 or -errno; *out is NUL-ended. */
int read_file(const char *path, size_t max, char **out, size_t *len);
/* Read everything from fd until EOF. */
int read_all_fd(int fd, size_t max, char **out, size_t *len);
/* Write path atomically: a temporary file in the same directory, fsync,
 * then rename.  The file gets `mode`. */
int write_file_atomic(const char *path, const void *data, size_t len,
		      mode_t mode);
/* The same without the fsync: for the runtime directory's files, which
 * readers must never see half written but which need not outlive a crash
 * of the machine. */
int write_file_replace(const char *path, const void *data, size_t len,
		       mode_t mode);
/* Take an exclusive flock on path (created 0600), waiting for it: the
 * read-modify-write of a file that two paks processes may change at once
 * (named environments, settings) happens under it.  Returns the fd to
 * close to unlock, or -errno. */
int lock_file(const char *path);
/* mkdir -p with mode for the directories it creates. */
int mkdir_p(const char *path, mode_t mode);
/* Remove a directory tree (no symlinks followed). */
int rm_rf(const char *path);

char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xstrdup(const char *s);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);

bool str_has_prefix(const char *s, const char *prefix);
bool str_eq(const char *a, const char *b);
/* FNV-1a, 64 bits, of DATA[0..N) on from H (FNV1A_INIT to begin): names
 * for cache entries and kept files, never a defence against anyone. */
#define FNV1A_INIT UINT64_C(0xcbf29ce484222325)
uint64_t fnv1a(uint64_t h, const void *data, size_t n);
/* The same of S and its terminating NUL ("" for NULL), so that "ab" + "c"
 * is not "a" + "bc". */
uint64_t fnv1a_str(uint64_t h, const char *s);
/* Milliseconds on the monotonic clock. */
uint64_t monotonic_ms(void);
/* The value of a hexadecimal digit, or -1. */
int hex_digit(char c);
/* Case-insensitive ASCII equality. */
bool str_ieq(const char *a, const char *b);
/* s[0..n) without leading and trailing blanks, control characters turned
 * into spaces, at most max bytes (malloc'd); NULL when nothing is left. */
char *str_printable(const char *s, size_t n, size_t max);

/* A growable byte buffer. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_append(struct buf *b, const void *data, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);
/* Append s with C-like escapes, as both the named environments and the
 * settings file (a YAML double-quoted scalar) read them back: \\, \n,
 * \r, \t, other control bytes as \xHH, and each byte of quote as a
 * backslash and itself. */
void buf_escape(struct buf *b, const char *s, const char *quote);
/* The last non-empty line of b (malloc'd), or NULL: an engine's error
 * message on its stderr, the id a commit prints.  Ends b with a NUL. */
char *buf_last_line(struct buf *b);

/* A NULL-terminated, growable argv. */
struct strv {
	char **v;
	size_t n;
	size_t cap;
};
void strv_push(struct strv *s, const char *str);
void strv_pushf(struct strv *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strv_free(struct strv *s);

/* The running paks executable, as the kernel names it: absolute, with no
 * symlink (malloc'd), or NULL. */
char *paks_exe_path(void);
/* The directory of the running paks executable (malloc'd), or NULL. */
char *paks_exe_dir(void);
/* 1 when paks runs from its build tree: the preload library sits next to
 * the executable (installed, it lives in PREFIX/lib/paks). */
bool paks_exe_in_build_tree(const char *exe_dir);

/* XDG directories: $XDG_CONFIG_HOME/paks (default ~/.config/paks). */
char *paks_config_dir(void);
/* $XDG_CACHE_HOME/paks (default ~/.cache/paks), not created. */
char *paks_cache_root(void);
/* $XDG_CACHE_HOME/paks/SUB (default ~/.cache/paks/SUB), created 0700. */
char *paks_cache_dir(const char *sub);
/* prog's path as execvp would find it in PATH (malloc'd), or NULL. */
char *path_lookup(const char *prog);

/* "1.5 GB" style sizes (SI units, as podman prints them). */
void format_size(double bytes, char *out, size_t outlen);

/* 1 when the resolved path is dir or below it. */
bool path_is_within(const char *path, const char *dir);
/* true when path is a directory (following symlinks). */
bool path_is_dir(const char *path);

/* 1 when an argument before "--" is -h or --help. */
int cli_wants_help(int argc, char **argv);

#endif
