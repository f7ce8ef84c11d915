/* SPDX-License-Identifier: MIT */
/*
 * Named environments: one file per name in $XDG_CONFIG_HOME/paks/envs/.
 * The directory is kept 0700 and the files 0600 because values are often
 * tokens.  A file holds one NAME=VALUE per line; VALUE escapes backslash,
 * newline, CR, tab and other control bytes so any value round-trips, and
 * '#' lines and blank lines are comments.  Saving merges into the existing
 * file so a user's comments and the order of the lines survive `env add`.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envstore.h"
#include "util.h"
#include "varname.h"

#define ENV_NAME_MAX 64

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool envstore_valid_name(const char *name)
{
	size_t n;

	if (!name || !(is_alpha(*name) || is_digit(*name)))
		return false;
	n = strlen(name);
	if (n > ENV_NAME_MAX)
		return false;
	for (const char *c = name + 1; *c; c++) {
		if (!(is_alpha(*c) || is_digit(*c) || strchr("._-", *c)))
			return false;
	}
	return true;
}

char *envstore_dir(void)
{
	cleanup_free char *conf = paks_config_dir();

	return xasprintf("%s/envs", conf);
}

char *envstore_path(const char *name)
{
	cleanup_free char *dir = envstore_dir();

	return xasprintf("%s/%s", dir, name);
}

/* ---- envset ---------------------------------------------------------- */

static struct envvar *envset_find(const struct envset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->vars[i].name, name) == 0)
			return &set->vars[i];
	}
	return NULL;
}

void envset_put(struct envset *set, const char *name, const char *value)
{
	struct envvar *v = envset_find(set, name);

	if (v) {
		free(v->value);
		v->value = xstrdup(value);
		return;
	}
	set->vars = xrealloc(set->vars, (set->n + 1) * sizeof(*set->vars));
	set->vars[set->n].name = xstrdup(name);
	set->vars[set->n].value = xstrdup(value);
	set->n++;
}

bool envset_remove(struct envset *set, const char *name)
{
	struct envvar *v = envset_find(set, name);
	size_t i;

	if (!v)
		return false;
	i = (size_t)(v - set->vars);
	free(v->name);
	free(v->value);
	memmove(v, v + 1, (set->n - i - 1) * sizeof(*v));
	set->n--;
	return true;
}

int envset_check_sizes(const struct envset *set, char **cause)
{
	for (size_t i = 0; i < set->n; i++) {
		size_t nl = strlen(set->vars[i].name);
		size_t vl = strlen(set->vars[i].value);
		if (!varname_export_fits(nl, vl)) {
			*cause = xasprintf("variable %s is %zu bytes long; an "
					   "exported NAME=VALUE can be at most "
					   "%d bytes",
					   set->vars[i].name, nl + 1 + vl,
					   VARNAME_EXPORT_MAX);
			return -E2BIG;
		}
	}
	return 0;
}

void envset_free(struct envset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->vars[i].name);
		free(set->vars[i].value);
	}
	free(set->vars);
	memset(set, 0, sizeof(*set));
}

/* ---- The file format ------------------------------------------------- */

static int unescape(const char *s, size_t n, struct buf *out, char **cause)
{
	buf_append(out, "", 0);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int hi, lo;
		if (c != '\\') {
			buf_append(out, &c, 1);
			continue;
		}
		if (++i >= n) {
			*cause =
			    xstrdup("a backslash ends the line (write \\\\ "
				    "for a backslash)");
			return -EINVAL;
		}
		switch (s[i]) {
		case '\\':
			c = '\\';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'x':
			hi = i + 1 < n ? hex_digit(s[i + 1]) : -1;
			lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*cause = xstrdup("\\x needs two hex digits");
				return -EINVAL;
			}
			if (hi == 0 && lo == 0) {
				*cause = xstrdup("\\x00 (NUL) cannot be in a "
						 "variable");
				return -EINVAL;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
			break;
		default:
			*cause = xasprintf("unknown escape '\\%c' (known: \\\\ "
					   "\\n \\r \\t \\xHH)",
					   s[i]);
			return -EINVAL;
		}
		buf_append(out, &c, 1);
	}
	return 0;
}

/* One line without its newline: 1 for a comment or blank line, 0 for a
 * variable (*name and *value malloc'd), -EINVAL with *cause. */
static int parse_line(const char *s, size_t n, char **name, char **value,
		      char **cause)
{
	const char *eq;
	size_t sp = 0;
	struct buf v = {0};

	if (n > 0 && s[n - 1] == '\r') /* CRLF from another editor */
		n--;
	while (sp < n && (s[sp] == ' ' || s[sp] == '\t'))
		sp++;
	if (sp == n || s[sp] == '#')
		return 1;
	if (memchr(s, '\0', n)) {
		*cause = xstrdup("NUL byte in the line");
		return -EINVAL;
	}
	eq = memchr(s, '=', n);
	if (!eq) {
		*cause = xstrdup("expected VAR=VALUE");
		return -EINVAL;
	}
	*name = xasprintf("%.*s", (int)(eq - s), s);
	if (!varname_valid(*name, strlen(*name))) {
		*cause =
		    xasprintf("invalid variable name '%s' (letters, digits "
			      "and '_', not starting with a digit)",
			      *name);
		free(*name);
		*name = NULL;
		return -EINVAL;
	}
	if (unescape(eq + 1, n - (size_t)(eq + 1 - s), &v, cause) < 0) {
		free(*name);
		*name = NULL;
		buf_free(&v);
		return -EINVAL;
	}
	*value = v.data;
	return 0;
}

struct line_iter {
	const char *text;
	size_t len, pos, lineno;
	const char *line;
	size_t n; /* without the newline */
};

static bool next_line(struct line_iter *it)
{
	const char *nl;

	if (it->pos >= it->len)
		return false;
	it->line = it->text + it->pos;
	nl = memchr(it->line, '\n', it->len - it->pos);
	it->n = nl ? (size_t)(nl - it->line) : it->len - it->pos;
	it->pos += it->n + (nl ? 1 : 0);
	it->lineno++;
	return true;
}

static char *where_msg(const char *where, size_t line, char *why)
{
	char *m = where ? xasprintf("%s:%zu: %s", where, line, why)
			: xasprintf("line %zu: %s", line, why);
	free(why);
	return m;
}

static int parse_text(const char *text, size_t len, const char *where,
		      struct envset *out, char **cause)
{
	struct line_iter it = {.text = text, .len = len};
	struct envset set = {0};
	size_t *lines = NULL;

	while (next_line(&it)) {
		char *name = NULL, *value = NULL, *why = NULL;
		int r = parse_line(it.line, it.n, &name, &value, &why);
		if (r == 1)
			continue;
		if (r == 0 && envset_find(&set, name)) {
			size_t first =
			    lines[envset_find(&set, name) - set.vars];
			why =
			    xasprintf("duplicate variable '%s' (first on line "
				      "%zu)",
				      name, first);
			r = -EINVAL;
		}
		if (r < 0) {
			*cause = where_msg(where, it.lineno, why);
			free(name);
			free(value);
			free(lines);
			envset_free(&set);
			return -EINVAL;
		}
		envset_put(&set, name, value);
		lines = xrealloc(lines, set.n * sizeof(*lines));
		lines[set.n - 1] = it.lineno;
		free(name);
		free(value);
	}
	free(lines);
	envset_free(out);
	*out = set;
	return 0;
}

int envstore_parse(const char *text, size_t len, struct envset *out,
		   char **cause)
{
	return parse_text(text, len, NULL, out, cause);
}

int envstore_check_text(const char *text, size_t len, const char *where,
			char **cause)
{
	struct envset set = {0};
	int r = parse_text(text, len, where, &set, cause);

	if (r == 0 && envset_check_sizes(&set, cause) < 0) {
		r = -E2BIG;
	}
	envset_free(&set);
	return r;
}

static void format_var(struct buf *b, const struct envvar *v)
{
	buf_printf(b, "%s=", v->name);
	buf_escape(b, v->value, "");
	buf_append(b, "\n", 1);
}

char *envstore_format(const struct envset *set)
{
	struct buf b = {0};

	buf_append(&b, "", 0);
	for (size_t i = 0; i < set->n; i++)
		format_var(&b, &set->vars[i]);
	return b.data;
}

/* set written over the text of the existing file: comments, blank lines
 * and the order of the variables are kept, removed variables dropped and
 * new ones appended. */
static char *merge_format(const char *old, size_t len, const struct envset *set)
{
	struct line_iter it = {.text = old, .len = len};
	bool *done = xcalloc(set->n ? set->n : 1, sizeof(bool));
	struct buf b = {0};

	buf_append(&b, "", 0);
	while (next_line(&it)) {
		char *name = NULL, *value = NULL, *why = NULL;
		int r = parse_line(it.line, it.n, &name, &value, &why);
		struct envvar *v = r == 0 ? envset_find(set, name) : NULL;
		if (r == 1) {
			buf_append(&b, it.line, it.n);
			buf_append(&b, "\n", 1);
		} else if (v && !done[v - set->vars]) {
			format_var(&b, v);
			done[v - set->vars] = true;
		}
		free(name);
		free(value);
		free(why);
	}
	for (size_t i = 0; i < set->n; i++) {
		if (!done[i])
			format_var(&b, &set->vars[i]);
	}
	free(done);
	return b.data;
}

/* ---- Files ----------------------------------------------------------- */

int envstore_check_name(const char *name, char **cause)
{
	if (envstore_valid_name(name))
		return 0;
	*cause = xasprintf("invalid environment name '%s' (letters, digits, "
			   "'.', '_' and '-', starting with a letter or digit, "
			   "at most %d characters)",
			   name, ENV_NAME_MAX);
	return -EINVAL;
}

static int read_env_file(const char *name, char **text, size_t *len,
			 char **cause)
{
	cleanup_free char *path = envstore_path(name);
	int r = read_file(path, ENVSTORE_MAX_SIZE, text, len);

	if (r == -ENOENT)
		*cause = xasprintf("no environment named '%s'", name);
	else if (r == -EFBIG)
		*cause = xasprintf("%s: too large (over %d bytes)", path,
				   ENVSTORE_MAX_SIZE);
	else if (r < 0)
		*cause = xasprintf("%s: %s", path, strerror(-r));
	return r;
}

int envstore_load(const char *name, struct envset *out, char **cause)
{
	cleanup_free char *text = NULL;
	cleanup_free char *path = NULL;
	size_t len = 0;
	int r;

	if (envstore_check_name(name, cause) < 0)
		return -EINVAL;
	r = read_env_file(name, &text, &len, cause);
	if (r < 0)
		return r;
	path = envstore_path(name);
	return parse_text(text, len, path, out, cause);
}

/* Create the directory 0700, and tighten it if someone loosened it: the
 * files in it are secrets. */
int envstore_prepare_dir(char **cause)
{
	cleanup_free char *dir = envstore_dir();
	struct stat st;
	int r = mkdir_p(dir, 0700);

	if (r == 0 && stat(dir, &st) < 0)
		r = -errno;
	if (r == 0 && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	if (r == 0 && (st.st_mode & 077) && chmod(dir, 0700) < 0)
		r = -errno;
	if (r < 0)
		*cause = xasprintf("%s: %s", dir, strerror(-r));
	return r;
}

int envstore_lock(char **cause)
{
	cleanup_free char *dir = envstore_dir();
	cleanup_free char *path = xasprintf("%s/.lock", dir);
	int r = envstore_prepare_dir(cause);

	if (r < 0)
		return r;
	r = lock_file(path);
	if (r < 0)
		*cause = xasprintf("%s: %s", path, strerror(-r));
	return r;
}

int envstore_save(const char *name, const struct envset *set, char **cause)
{
	cleanup_free char *path = NULL;
	cleanup_free char *old = NULL;
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r;

	if (envstore_check_name(name, cause) < 0)
		return -EINVAL;
	for (size_t i = 0; i < set->n; i++) {
		if (!varname_valid(set->vars[i].name,
				   strlen(set->vars[i].name))) {
			*cause = xasprintf("invalid variable name '%s'",
					   set->vars[i].name);
			return -EINVAL;
		}
	}
	r = envset_check_sizes(set, cause);
	if (r == 0)
		r = envstore_prepare_dir(cause);
	if (r < 0)
		return r;
	path = envstore_path(name);
	if (read_file(path, ENVSTORE_MAX_SIZE, &old, &len) == 0)
		text = merge_format(old, len, set);
	else
		text = envstore_format(set);
	r = write_file_atomic(path, text, strlen(text), 0600);
	if (r < 0)
		*cause = xasprintf("%s: %s", path, strerror(-r));
	return r;
}

int envstore_remove_var(const char *name, const char *var, char **cause)
{
	struct envset set = {0};
	cleanup_fd int lock = envstore_lock(cause);
	int r = lock < 0 ? lock : envstore_load(name, &set, cause);

	if (r < 0)
		return r;
	if (!envset_remove(&set, var)) {
		*cause = xasprintf("no variable '%s' in environment '%s'", var,
				   name);
		envset_free(&set);
		return -ENODATA;
	}
	r = envstore_save(name, &set, cause);
	envset_free(&set);
	return r;
}

int envstore_remove(const char *name, char **cause)
{
	cleanup_free char *path = NULL;

	if (envstore_check_name(name, cause) < 0)
		return -EINVAL;
	path = envstore_path(name);
	if (unlink(path) < 0) {
		int r = -errno;
		if (r == -ENOENT)
			*cause = xasprintf("no environment named '%s'", name);
		else
			*cause = xasprintf("%s: %s", path, strerror(-r));
		return r;
	}
	return 0;
}

/* write_file_atomic's leftovers ("NAME.tmp.XXXXXX") are not environments. */
static bool is_temp_name(const char *n)
{
	const char *t = strstr(n, ".tmp.");

	return t && strlen(t + 5) == 6 && !strchr(t + 5, '.');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int envstore_list(char ***names)
{
	cleanup_free char *dir = envstore_dir();
	struct strv v = {0};
	DIR *d = opendir(dir);
	struct dirent *e;

	*names = NULL;
	if (!d) {
		if (errno != ENOENT)
			return -errno;
		*names = xcalloc(1, sizeof(char *));
		return 0;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (!envstore_valid_name(e->d_name) || is_temp_name(e->d_name))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		strv_push(&v, e->d_name);
	}
	closedir(d);
	if (v.n)
		qsort(v.v, v.n, sizeof(char *), cmp_str);
	*names = v.v ? v.v : xcalloc(1, sizeof(char *));
	return 0;
}
