/* SPDX-License-Identifier: MIT */
/*
 * The settings file in YAML: reading it with libyaml's event parser onto
 * the schema in settings.c, writing values and the commented template, and
 * the YAML-aware text edit behind `config set`, which replaces only the
 * bytes of one key so the user's other keys and comments survive.  Loading
 * works on a copy and only replaces the caller's settings when the whole
 * file is valid.
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

/* ---- Reading the file ------------------------------------------------ */

struct yparse {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	const char *name; /* file name for messages */
	const char *text;
	size_t len;
	char *cause;
};

static size_t line_of_offset(const struct yparse *p, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off && i < p->len; i++)
		line += p->text[i] == '\n';
	return line;
}

static int fail_at(struct yparse *p, size_t line, char *why)
{
	p->cause = xasprintf("%s:%zu: %s", p->name, line, why);
	free(why);
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
	char *why = NULL;
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
		if (settings_check_dir_entry(v, &why) < 0) {
			r = fail_at(p, ev_line(p), why);
			break;
		}
		strv_push(&items, v);
	}
	if (r < 0) {
		strv_free(&items);
		return r;
	}
	settings_set_list(s, items.v);
	return 0;
}

static int read_value(struct yparse *p, struct settings *s,
		      const struct setting_def *d)
{
	char *why = NULL;
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
	if (settings_set_scalar(s, d, (const char *)p->ev.data.scalar.value,
				ev_is_null(&p->ev), &why) < 0)
		return fail_at(p, ev_line(p), why);
	return 0;
}

static int read_mapping(struct yparse *p, struct settings *s)
{
	size_t ndefs;
	const struct setting_def *defs = settings_defs(&ndefs);
	cleanup_free size_t *seen = xcalloc(ndefs, sizeof(*seen));
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
		d = settings_def_find(key);
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
		   const char *name, char **cause)
{
	struct yparse p = {.name = name, .text = text, .len = len};
	struct settings tmp;
	int r;

	if (!yaml_parser_initialize(&p.parser)) {
		*cause =
		    xasprintf("%s: cannot initialise the YAML parser", name);
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
		*cause =
		    p.cause ? p.cause : xasprintf("%s: invalid settings", name);
		return r;
	}
	settings_free(s);
	*s = tmp;
	return 0;
}

int settings_load(struct settings *s, const char *path, char **cause)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = read_file(path, SETTINGS_MAX_SIZE, &text, &len);

	if (r == -ENOENT)
		return 0;
	if (r == -EFBIG) {
		*cause = xasprintf("%s: too large for a settings file (over "
				   "%d bytes)",
				   path, SETTINGS_MAX_SIZE);
		return r;
	}
	if (r < 0) {
		*cause = xasprintf("%s: %s", path, strerror(-r));
		return r;
	}
	return settings_parse(s, text, len, path, cause);
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
	buf_escape(b, v, "\"");
	buf_append(b, "\"", 1);
}

char *settings_value_yaml(const struct settings *s, const char *key)
{
	const struct setting_def *d = settings_def_find(key);
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
		v = settings_field(s, d);
		if (v)
			yaml_quote(&b, v);
		break;
	}
	return b.data;
}

char *settings_template(void)
{
	struct settings s;
	struct buf b = {0};
	size_t ndefs;
	const struct setting_def *defs = settings_defs(&ndefs);

	settings_defaults(&s);
	buf_printf(&b, "# paks settings (YAML).  Remove the '#' in front of a "
		       "key to change it;\n"
		       "# `paks config set KEY=VALUE` does the same from the "
		       "command line.\n");
	for (size_t i = 0; i < ndefs; i++) {
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
		       const char *line, char **out, char **cause)
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
		*cause = p.cause;
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

	settings_defaults(s);
	if (settings_load(s, path ? path : own, cause) < 0) {
		settings_free(s);
		return -EINVAL;
	}
	return 0;
}
