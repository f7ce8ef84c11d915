/* SPDX-License-Identifier: MIT */
/*
 * User settings: $XDG_CONFIG_HOME/paks/settings.yml.  The file is read with
 * libyaml's event parser into a table-driven set of keys, so every key has
 * one definition (type, default, validation) shared by the file, by
 * `paks run -s KEY=VALUE` and by `paks config set`.  Loading works on a copy
 * and only replaces the caller's settings when the whole file is valid.
 * Also here: the YAML-aware text edit behind `config set`, which replaces
 * only the bytes of one key so the user's other keys and comments survive.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "settings.h"
#include "util.h"

/* A settings file larger than this is not a settings file. */
#define SETTINGS_MAX_SIZE (1024 * 1024)

enum setting_kind { KIND_STRING, KIND_ENUM, KIND_BOOL, KIND_LIST };

struct setting_def {
	const char *key;
	enum setting_kind kind;
	size_t offset;
	const char *const *choices; /* KIND_ENUM */
	const char *dflt;	    /* KIND_STRING/ENUM; NULL = unset */
	const char *help;	    /* one line for the template */
};

static const char *const tech_choices[] = {"auto", "podman", "docker", NULL};
static const char *const mode_choices[] = {"auto", "preload", "pty", NULL};

#define OFF(f) offsetof(struct settings, f)
static const struct setting_def defs[] = {
    {"container_tech", KIND_ENUM, OFF(container_tech), tech_choices, "auto",
     "auto (podman if installed, else docker), podman or docker"},
    {"container_shell", KIND_STRING, OFF(container_shell), NULL, "/bin/bash",
     "the shell started in the container"},
    {"user", KIND_STRING, OFF(user), NULL, NULL,
     "user inside the container (unset: the image's user)"},
    {"config_editor", KIND_STRING, OFF(config_editor), NULL, NULL,
     "editor for `paks config edit`/`paks env edit` "
     "(unset: $VISUAL, $EDITOR, vi)"},
    {"hooks_path", KIND_LIST, OFF(hooks_path), NULL, NULL,
     "more directories with '#' commands (absolute or ~/...)"},
    {"mode", KIND_ENUM, OFF(mode), mode_choices, "auto",
     "auto, preload (readline hook in bash) or pty (any shell)"},
    {"cp_unconfined", KIND_BOOL, OFF(cp_unconfined), NULL, NULL,
     "true lets #cp reach outside the directory paks was started in"},
    {"save_suffix", KIND_STRING, OFF(save_suffix), NULL, "-saved",
     "#save names IMAGE as IMAGE<suffix> (lowercase, digits, . _ -)"},
    {"save_squash", KIND_BOOL, OFF(save_squash), NULL, NULL,
     "true squashes the image into one layer on every #save"},
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static char **str_field(struct settings *s, const struct setting_def *d)
{
	return (char **)((char *)s + d->offset);
}

static const char *cstr_field(const struct settings *s,
			      const struct setting_def *d)
{
	return *(char *const *)((const char *)s + d->offset);
}

static bool *bool_field(struct settings *s, const struct setting_def *d)
{
	return (bool *)((char *)s + d->offset);
}

static const struct setting_def *def_find(const char *key)
{
	for (size_t i = 0; i < NDEFS; i++) {
		if (strcmp(defs[i].key, key) == 0)
			return &defs[i];
	}
	return NULL;
}

const char *const *settings_keys(void)
{
	static const char *keys[NDEFS + 1];

	for (size_t i = 0; i < NDEFS; i++)
		keys[i] = defs[i].key;
	keys[NDEFS] = NULL;
	return keys;
}

bool settings_known_key(const char *key)
{
	return def_find(key) != NULL;
}

static void list_free(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

static char **list_dup(char *const *l)
{
	size_t n = 0;
	char **v;

	if (!l)
		return NULL;
	while (l[n])
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(l[i]);
	return v;
}

void settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < NDEFS; i++) {
		if (defs[i].dflt)
			*str_field(s, &defs[i]) = xstrdup(defs[i].dflt);
	}
}

void settings_free(struct settings *s)
{
	for (size_t i = 0; i < NDEFS; i++) {
		if (defs[i].kind == KIND_STRING || defs[i].kind == KIND_ENUM)
			free(*str_field(s, &defs[i]));
	}
	list_free(s->hooks_path);
	memset(s, 0, sizeof(*s));
}

static void settings_copy(struct settings *dst, const struct settings *src)
{
	*dst = *src;
	for (size_t i = 0; i < NDEFS; i++) {
		if (defs[i].kind == KIND_STRING || defs[i].kind == KIND_ENUM) {
			const char *v = cstr_field(src, &defs[i]);
			*str_field(dst, &defs[i]) = v ? xstrdup(v) : NULL;
		}
	}
	dst->hooks_path = list_dup(src->hooks_path);
}

char *settings_path(void)
{
	cleanup_free char *dir = paks_config_dir();

	return xasprintf("%s/settings.yml", dir);
}

const char *settings_editor(const struct settings *s)
{
	const char *e;

	if (s && s->config_editor && *s->config_editor)
		return s->config_editor;
	e = getenv("VISUAL");
	if (e && *e)
		return e;
	e = getenv("EDITOR");
	if (e && *e)
		return e;
	return "vi";
}

/* ---- Values ---------------------------------------------------------- */

static bool has_control(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *yes[] = {"true", "yes", "on", "1"};
	static const char *no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (str_ieq(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (str_ieq(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static char *choices_text(const char *const *c)
{
	struct buf b = {0};

	for (size_t i = 0; c[i]; i++)
		buf_printf(&b, "%s%s",
			   i == 0     ? ""
			   : c[i + 1] ? ", "
				      : " or ",
			   c[i]);
	return b.data;
}

static int check_string(const struct setting_def *d, const char *v, char **msg)
{
	if (has_control(v)) {
		*msg = xasprintf("control characters are not allowed in '%s'",
				 d->key);
		return -EINVAL;
	}
	if (strcmp(d->key, "container_shell") == 0 && !*v) {
		*msg = xstrdup("'container_shell' must not be empty");
		return -EINVAL;
	}
	if (strcmp(d->key, "save_suffix") == 0) {
		size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789._-");
		if (!*v || v[n] || n > 64) {
			*msg = xasprintf("invalid value '%s' for 'save_suffix' "
					 "(1 to 64 lowercase letters, digits, "
					 "'.', '_' or '-')",
					 v);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_dir_entry(const char *v, char **msg)
{
	if (has_control(v)) {
		*msg = xstrdup("control characters are not allowed in "
			       "'hooks_path'");
		return -EINVAL;
	}
	if (v[0] == '/' || (v[0] == '~' && (v[1] == '/' || v[1] == '\0')))
		return 0;
	*msg = xasprintf("'hooks_path' entry '%s' must be an absolute path "
			 "or start with ~/",
			 v);
	return -EINVAL;
}

/* Set a scalar (or a one-entry list) from a string.  is_null resets the key
 * to its default.  *msg gets an error without location. */
static int set_scalar(struct settings *s, const struct setting_def *d,
		      const char *v, bool is_null, char **msg)
{
	char **f;

	if (is_null) {
		if (d->kind == KIND_BOOL)
			*bool_field(s, d) = false;
		else if (d->kind == KIND_LIST) {
			list_free(s->hooks_path);
			s->hooks_path = NULL;
		} else {
			f = str_field(s, d);
			free(*f);
			*f = d->dflt ? xstrdup(d->dflt) : NULL;
		}
		return 0;
	}
	switch (d->kind) {
	case KIND_BOOL:
		if (parse_bool(v, bool_field(s, d)) < 0) {
			*msg = xasprintf("invalid value '%s' for '%s' "
					 "(expected true or false)",
					 v, d->key);
			return -EINVAL;
		}
		return 0;
	case KIND_ENUM:
		for (size_t i = 0; d->choices[i]; i++) {
			if (str_ieq(v, d->choices[i])) {
				f = str_field(s, d);
				free(*f);
				*f = xstrdup(d->choices[i]);
				return 0;
			}
		}
		{
			cleanup_free char *c = choices_text(d->choices);
			*msg = xasprintf("invalid value '%s' for '%s' "
					 "(expected %s)",
					 v, d->key, c);
		}
		return -EINVAL;
	case KIND_LIST: {
		char *one[] = {(char *)v, NULL};
		if (check_dir_entry(v, msg) < 0)
			return -EINVAL;
		list_free(s->hooks_path);
		s->hooks_path = list_dup(one);
		return 0;
	}
	case KIND_STRING:
		if (check_string(d, v, msg) < 0)
			return -EINVAL;
		f = str_field(s, d);
		free(*f);
		/* An empty user or editor means "unset", as if absent. */
		*f = *v || d->dflt ? xstrdup(v) : NULL;
		return 0;
	}
	return -EINVAL;
}

/* hooks_path from the command line: a colon-separated list, as $PATH. */
static int set_list_text(struct settings *s, const char *v, char **msg)
{
	struct strv items = {0};
	cleanup_free char *copy = xstrdup(v);
	char *save = NULL;

	for (char *t = strtok_r(copy, ":", &save); t;
	     t = strtok_r(NULL, ":", &save)) {
		if (check_dir_entry(t, msg) < 0) {
			strv_free(&items);
			return -EINVAL;
		}
		strv_push(&items, t);
	}
	list_free(s->hooks_path);
	s->hooks_path = items.v;
	return 0;
}

static char *unknown_key_msg(const char *key)
{
	cleanup_free char *known = NULL;
	struct buf b = {0};

	for (size_t i = 0; i < NDEFS; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", defs[i].key);
	known = b.data;
	return xasprintf("unknown key '%s' (known keys: %s)", key, known);
}

int settings_apply(struct settings *s, const char *kv, char **err)
{
	const char *eq = strchr(kv, '=');
	cleanup_free char *key = NULL;
	char *msg = NULL;
	const struct setting_def *d;
	struct settings tmp;
	int r;

	if (!eq || eq == kv) {
		*err = xasprintf("expected KEY=VALUE, not '%s'", kv);
		return -EINVAL;
	}
	key = xasprintf("%.*s", (int)(eq - kv), kv);
	d = def_find(key);
	if (!d) {
		*err = unknown_key_msg(key);
		return -EINVAL;
	}
	settings_copy(&tmp, s);
	if (d->kind == KIND_LIST)
		r = set_list_text(&tmp, eq + 1, &msg);
	else
		r = set_scalar(&tmp, d, eq + 1, false, &msg);
	if (r < 0) {
		settings_free(&tmp);
		*err = msg;
		return r;
	}
	settings_free(s);
	*s = tmp;
	return 0;
}

/* ---- Reading the file ------------------------------------------------ */

struct yparse {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	const char *name; /* file name for messages */
	const char *text;
	size_t len;
	char *err;
};

static size_t line_of_offset(const struct yparse *p, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off && i < p->len; i++)
		line += p->text[i] == '\n';
	return line;
}

static int fail_at(struct yparse *p, size_t line, char *msg)
{
	p->err = xasprintf("%s:%zu: %s", p->name, line, msg);
	free(msg);
	return -EINVAL;
}

static int yaml_fail(struct yparse *p)
{
	yaml_parser_t *y = &p->parser;
	const char *problem = y->problem ? y->problem : "parse error";
	size_t line;

	if (y->error == YAML_READER_ERROR)
		line = line_of_offset(p, y->problem_offset);
	else
		line = y->problem_mark.line + 1;
	return fail_at(p, line, xasprintf("malformed YAML: %s", problem));
}

static int next_event(struct yparse *p)
{
	if (p->have_ev)
		yaml_event_delete(&p->ev);
	p->have_ev = false;
	if (!yaml_parser_parse(&p->parser, &p->ev))
		return yaml_fail(p);
	p->have_ev = true;
	return 0;
}

static size_t ev_line(const struct yparse *p)
{
	return p->ev.start_mark.line + 1;
}

static bool ev_is_null(const yaml_event_t *e)
{
	const char *v = (const char *)e->data.scalar.value;

	if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static const char *ev_kind_name(yaml_event_type_t t)
{
	switch (t) {
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias";
	default:
		return "something else";
	}
}

static int wrong_type(struct yparse *p, const struct setting_def *d)
{
	if (p->ev.type == YAML_ALIAS_EVENT)
		return fail_at(
		    p, ev_line(p),
		    xasprintf("aliases are not supported (key '%s')", d->key));
	return fail_at(
	    p, ev_line(p),
	    xasprintf("'%s' must be %s, not %s", d->key,
		      d->kind == KIND_BOOL ? "true or false" : "a string",
		      ev_kind_name(p->ev.type)));
}

static int read_list(struct yparse *p, struct settings *s,
		     const struct setting_def *d)
{
	struct strv items = {0};
	char *msg = NULL;
	int r;

	while ((r = next_event(p)) == 0 &&
	       p->ev.type != YAML_SEQUENCE_END_EVENT) {
		const char *v = (const char *)p->ev.data.scalar.value;
		if (p->ev.type != YAML_SCALAR_EVENT || ev_is_null(&p->ev)) {
			r = fail_at(
			    p, ev_line(p),
			    xasprintf("'%s' entries must be strings", d->key));
			break;
		}
		if (check_dir_entry(v, &msg) < 0) {
			r = fail_at(p, ev_line(p), msg);
			break;
		}
		strv_push(&items, v);
	}
	if (r < 0) {
		strv_free(&items);
		return r;
	}
	list_free(s->hooks_path);
	s->hooks_path = items.v;
	return 0;
}

static int read_value(struct yparse *p, struct settings *s,
		      const struct setting_def *d)
{
	char *msg = NULL;
	int r = next_event(p);

	if (r < 0)
		return r;
	if (p->ev.type == YAML_SEQUENCE_START_EVENT && d->kind == KIND_LIST)
		return read_list(p, s, d);
	if (p->ev.type != YAML_SCALAR_EVENT) {
		if (d->kind == KIND_LIST && p->ev.type != YAML_ALIAS_EVENT)
			return fail_at(p, ev_line(p),
				       xasprintf("'%s' must be a list of "
						 "directories, not %s",
						 d->key,
						 ev_kind_name(p->ev.type)));
		return wrong_type(p, d);
	}
	if (set_scalar(s, d, (const char *)p->ev.data.scalar.value,
		       ev_is_null(&p->ev), &msg) < 0)
		return fail_at(p, ev_line(p), msg);
	return 0;
}

static int read_mapping(struct yparse *p, struct settings *s)
{
	size_t seen[NDEFS] = {0};
	int r;

	while ((r = next_event(p)) == 0 &&
	       p->ev.type != YAML_MAPPING_END_EVENT) {
		const struct setting_def *d;
		const char *key = (const char *)p->ev.data.scalar.value;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return fail_at(p, ev_line(p),
				       xasprintf("keys must be plain words, "
						 "not %s",
						 ev_kind_name(p->ev.type)));
		d = def_find(key);
		if (!d)
			return fail_at(p, ev_line(p),
				       xasprintf("unknown key '%s'", key));
		if (seen[d - defs])
			return fail_at(p, ev_line(p),
				       xasprintf("duplicate key '%s' (first on "
						 "line %zu)",
						 key, seen[d - defs]));
		seen[d - defs] = ev_line(p);
		r = read_value(p, s, d);
		if (r < 0)
			return r;
	}
	return r;
}

/* The document's root: a mapping, or nothing at all (an empty file). */
static int read_root(struct yparse *p, struct settings *s)
{
	int r = next_event(p);

	if (r < 0)
		return r;
	if (p->ev.type == YAML_MAPPING_START_EVENT)
		return read_mapping(p, s);
	if (p->ev.type == YAML_SCALAR_EVENT && ev_is_null(&p->ev))
		return 0;
	return fail_at(p, ev_line(p),
		       xasprintf("expected a mapping of 'key: value' lines, "
				 "found %s",
				 p->ev.type == YAML_SCALAR_EVENT
				     ? "a plain value"
				     : ev_kind_name(p->ev.type)));
}

static int read_stream(struct yparse *p, struct settings *s)
{
	int r = next_event(p); /* STREAM-START */
	int docs = 0;

	while (r == 0 && (r = next_event(p)) == 0 &&
	       p->ev.type == YAML_DOCUMENT_START_EVENT) {
		if (++docs > 1)
			return fail_at(p, ev_line(p),
				       xstrdup("more than one YAML document"));
		r = read_root(p, s);
		if (r == 0)
			r = next_event(p); /* DOCUMENT-END */
	}
	return r;
}

int settings_parse(struct settings *s, const char *text, size_t len,
		   const char *name, char **err)
{
	struct yparse p = {.name = name, .text = text, .len = len};
	struct settings tmp;
	int r;

	if (!yaml_parser_initialize(&p.parser)) {
		*err = xasprintf("%s: cannot initialise the YAML parser", name);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)text,
				     len);
	settings_copy(&tmp, s);
	r = read_stream(&p, &tmp);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.parser);
	if (r < 0) {
		settings_free(&tmp);
		*err = p.err ? p.err : xasprintf("%s: invalid settings", name);
		return r;
	}
	settings_free(s);
	*s = tmp;
	return 0;
}

int settings_load(struct settings *s, const char *path, char **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = read_file(path, SETTINGS_MAX_SIZE, &text, &len);

	if (r == -ENOENT)
		return 0;
	if (r == -EFBIG) {
		*err = xasprintf("%s: too large for a settings file (over "
				 "%d bytes)",
				 path, SETTINGS_MAX_SIZE);
		return r;
	}
	if (r < 0) {
		*err = xasprintf("%s: %s", path, strerror(-r));
		return r;
	}
	return settings_parse(s, text, len, path, err);
}

/* ---- Showing values -------------------------------------------------- */

static bool is_null_word(const char *v)
{
	static const char *words[] = {"~",  "null", "true", "false", "yes",
				      "no", "on",   "off",  "y",     "n"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (str_ieq(v, words[i]))
			return true;
	}
	return false;
}

/* True when v reads back as the same string written plain in YAML,
 * inside a flow list too. */
static bool plain_ok(const char *v)
{
	size_t n = strlen(v);

	if (!n || v[0] == ' ' || v[n - 1] == ' ' || is_null_word(v))
		return false;
	if (v[0] == '-' && (v[1] == '\0' || v[1] == ' '))
		return false;
	if (!strchr("/._~+-", v[0]) &&
	    !((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z') ||
	      (v[0] >= '0' && v[0] <= '9')))
		return false;
	for (const char *c = v; *c; c++) {
		if ((unsigned char)*c >= 0x80 || *c < 0x20 ||
		    strchr(":#,[]{}\"'\\&*!|>%@`\x7f", *c))
			return false;
	}
	return true;
}

static void yaml_quote(struct buf *b, const char *v)
{
	if (plain_ok(v)) {
		buf_append(b, v, strlen(v));
		return;
	}
	buf_append(b, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
		if (*c == '"' || *c == '\\')
			buf_printf(b, "\\%c", *c);
		else if (*c == '\n')
			buf_append(b, "\\n", 2);
		else if (*c == '\t')
			buf_append(b, "\\t", 2);
		else if (*c < 0x20 || *c == 0x7f)
			buf_printf(b, "\\x%02x", *c);
		else
			buf_append(b, c, 1);
	}
	buf_append(b, "\"", 1);
}

char *settings_value_yaml(const struct settings *s, const char *key)
{
	const struct setting_def *d = def_find(key);
	struct buf b = {0};
	const char *v;

	if (!d)
		return NULL;
	buf_append(&b, "", 0);
	switch (d->kind) {
	case KIND_BOOL:
		buf_printf(&b, "%s",
			   *(const bool *)((const char *)s + d->offset)
			       ? "true"
			       : "false");
		break;
	case KIND_LIST:
		buf_append(&b, "[", 1);
		for (size_t i = 0; s->hooks_path && s->hooks_path[i]; i++) {
			if (i)
				buf_append(&b, ", ", 2);
			yaml_quote(&b, s->hooks_path[i]);
		}
		buf_append(&b, "]", 1);
		break;
	default:
		v = cstr_field(s, d);
		if (v)
			yaml_quote(&b, v);
		break;
	}
	return b.data;
}

int settings_get(const struct settings *s, const char *key, struct strv *out)
{
	const struct setting_def *d = def_find(key);
	const char *v;

	if (!d)
		return -ENOENT;
	switch (d->kind) {
	case KIND_BOOL:
		strv_push(out, *(const bool *)((const char *)s + d->offset)
				   ? "true"
				   : "false");
		break;
	case KIND_LIST:
		for (size_t i = 0; s->hooks_path && s->hooks_path[i]; i++)
			strv_push(out, s->hooks_path[i]);
		break;
	default:
		v = strcmp(key, "config_editor") == 0 ? settings_editor(s)
						      : cstr_field(s, d);
		if (v)
			strv_push(out, v);
		break;
	}
	return 0;
}

char *settings_template(void)
{
	struct settings s;
	struct buf b = {0};

	settings_defaults(&s);
	buf_printf(&b, "# paks settings (YAML).  Remove the '#' in front of a "
		       "key to change it;\n"
		       "# `paks config set KEY=VALUE` does the same from the "
		       "command line.\n");
	for (size_t i = 0; i < NDEFS; i++) {
		cleanup_free char *v = settings_value_yaml(&s, defs[i].key);
		buf_printf(&b, "\n# %s\n# %s:%s%s\n", defs[i].help, defs[i].key,
			   *v ? " " : "", v);
	}
	settings_free(&s);
	return b.data;
}

/* ---- Changing one key in the file's text ----------------------------- */

struct key_span {
	size_t start, end; /* bytes of "key: value" */
	bool found;
};

static void value_end(struct yparse *p, size_t *end)
{
	/* Block collections end where the next token starts; scalars and
	 * flow collections end at their last character. */
	if (p->ev.type == YAML_SCALAR_EVENT || p->ev.type == YAML_ALIAS_EVENT ||
	    ((p->ev.type == YAML_SEQUENCE_END_EVENT ||
	      p->ev.type == YAML_MAPPING_END_EVENT) &&
	     p->ev.end_mark.index > 0 &&
	     strchr("]}", p->text[p->ev.end_mark.index - 1])))
		*end = p->ev.end_mark.index;
}

static int skip_value(struct yparse *p, size_t *end)
{
	int depth = 0;
	int r;

	do {
		r = next_event(p);
		if (r < 0)
			return r;
		if (p->ev.type == YAML_SEQUENCE_START_EVENT ||
		    p->ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (p->ev.type == YAML_SEQUENCE_END_EVENT ||
			 p->ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		value_end(p, end);
	} while (depth > 0);
	return 0;
}

static int find_key(struct yparse *p, const char *key, struct key_span *sp)
{
	int r;

	while ((r = next_event(p)) == 0 &&
	       p->ev.type != YAML_STREAM_END_EVENT) {
		if (p->ev.type != YAML_MAPPING_START_EVENT)
			continue;
		while ((r = next_event(p)) == 0 &&
		       p->ev.type == YAML_SCALAR_EVENT) {
			bool hit = strcmp((const char *)p->ev.data.scalar.value,
					  key) == 0;
			size_t start = p->ev.start_mark.index, end = 0;
			if ((r = skip_value(p, &end)) < 0)
				return r;
			if (hit) {
				sp->start = start;
				sp->end = end;
				sp->found = true;
				return 0;
			}
		}
		return r;
	}
	return r;
}

/* Where a new key goes: after its "# key: default" line from the
 * template, else at the end. */
static size_t insert_point(const char *text, size_t len, const char *key)
{
	cleanup_free char *pat = xasprintf("# %s:", key);

	for (size_t i = 0; i < len; i = i + 1) {
		if ((i == 0 || text[i - 1] == '\n') &&
		    strncmp(text + i, pat, strlen(pat)) == 0) {
			const char *nl = memchr(text + i, '\n', len - i);
			return nl ? (size_t)(nl - text) + 1 : len;
		}
	}
	return len;
}

int settings_edit_text(const char *text, size_t len, const char *key,
		       const char *line, char **out, char **err)
{
	struct yparse p = {.name = "settings", .text = text, .len = len};
	struct key_span sp = {0};
	struct buf b = {0};
	int r;

	if (!yaml_parser_initialize(&p.parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)text,
				     len);
	r = find_key(&p, key, &sp);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.parser);
	if (r < 0) {
		*err = p.err;
		return r;
	}
	if (sp.found) {
		/* Removing drops the rest of the line too. */
		if (!line) {
			while (sp.end < len && text[sp.end] != '\n')
				sp.end++;
			if (sp.end < len)
				sp.end++;
		}
		buf_append(&b, text, sp.start);
		if (line)
			buf_append(&b, line, strlen(line));
		buf_append(&b, text + sp.end, len - sp.end);
	} else {
		size_t at = insert_point(text, len, key);
		buf_append(&b, text, at);
		if (line) {
			if (at > 0 && text[at - 1] != '\n')
				buf_append(&b, "\n", 1);
			buf_printf(&b, "%s\n", line);
		}
		buf_append(&b, text + at, len - at);
	}
	buf_append(&b, "", 0);
	*out = b.data;
	return 0;
}

int settings_load_effective(struct settings *s, const char *path, char **cause)
{
	cleanup_free char *own = path ? NULL : settings_path();
	char *err = NULL;

	settings_defaults(s);
	if (settings_load(s, path ? path : own, &err) < 0) {
		*cause = err ? err : xstrdup("cannot read the settings");
		settings_free(s);
		return -EINVAL;
	}
	return 0;
}
