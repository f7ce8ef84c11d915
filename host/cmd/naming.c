/* SPDX-License-Identifier: MIT */
/*
 * Image reference handling for #save, #push and #export.  The grammar is
 * the one the engines accept (distribution/reference): lowercase path
 * components, an optional registry host[:port], a tag of word characters.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "naming.h"
#include "util.h"

static bool is_component_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A path component: [a-z0-9]+ with single '.', '_', '__' or '-'+ between. */
static bool valid_component(const char *s, size_t n)
{
	if (n == 0 || !is_component_char(s[0]) || !is_component_char(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (is_component_char(c) || c == '-')
			continue;
		if (c == '.' || c == '_') {
			if (!is_component_char(s[i + 1]) &&
			    !(c == '_' && s[i + 1] == '_'))
				return false;
			continue;
		}
		return false;
	}
	return true;
}

static bool valid_host(const char *s, size_t n)
{
	/* Never an option to the engine: a host starts with a letter, a digit
	 * or '[' (IPv6). */
	if (n == 0 || !(isalnum((unsigned char)s[0]) || s[0] == '['))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!(isalnum((unsigned char)c) || c == '.' || c == '-' ||
		      c == ':' || c == '[' || c == ']'))
			return false;
	}
	return true;
}

static bool valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!(isalnum((unsigned char)t[i]) || t[i] == '_' ||
		      t[i] == '.' || t[i] == '-'))
			return false;
	}
	return true;
}

/* The first component is a registry host when it has '.', ':' or is
 * "localhost", as the engines decide. */
static bool first_is_host(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) ||
	       (n == 9 && memcmp(s, "localhost", 9) == 0);
}

static int check_name(const char *name, const char **cause)
{
	const char *p = name;
	bool first = true;

	if (!*name || strlen(name) > 255) {
		*cause = "image name is empty or too long";
		return -EINVAL;
	}
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		bool ok = (first && slash && first_is_host(p, n))
			      ? valid_host(p, n)
			      : valid_component(p, n);
		if (!ok) {
			*cause = "invalid image name (use lowercase letters, "
				 "digits and . _ - separated by /)";
			return -EINVAL;
		}
		if (!slash)
			return 0;
		p = slash + 1;
		first = false;
	}
}

void naming_free(struct image_ref *r)
{
	free(r->name);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

int naming_parse(const char *ref, struct image_ref *out, const char **cause)
{
	cleanup_free char *s = xstrdup(ref);
	char *at = strchr(s, '@');
	char *slash, *colon;

	memset(out, 0, sizeof(*out));
	if (at) {
		*at = '\0';
		if (!str_has_prefix(at + 1, "sha256:")) {
			*cause = "invalid digest (expected @sha256:...)";
			return -EINVAL;
		}
		out->digest = xstrdup(at + 1);
	}
	slash = strrchr(s, '/');
	colon = strrchr(s, ':');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		if (!valid_tag(colon + 1)) {
			*cause = "invalid tag (letters, digits, _ . -; at most "
				 "128)";
			naming_free(out);
			return -EINVAL;
		}
		out->tag = xstrdup(colon + 1);
	}
	if (check_name(s, cause) < 0) {
		naming_free(out);
		return -EINVAL;
	}
	out->name = xstrdup(s);
	return 0;
}

bool naming_is_id(const char *s)
{
	size_t n = strlen(s);

	if (str_has_prefix(s, "sha256:")) {
		s += 7;
		n -= 7;
	}
	if (n < 12 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return false;
	}
	return true;
}

static bool valid_suffix(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++) {
		if (!(is_component_char(*s) || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	}
	return true;
}

static char *derived_target(const char *image, const char *suffix,
			    const char **cause)
{
	struct image_ref r;
	char *out, *name;

	if (naming_is_id(image)) {
		*cause = "the image was given by id; name the target: "
			 "#save NAME[:TAG]";
		return NULL;
	}
	if (naming_parse(image, &r, cause) < 0)
		return NULL;
	name = xasprintf("%s%s", r.name, suffix);
	if (check_name(name, cause) < 0) {
		*cause = "the suffix does not make a valid image name";
		free(name);
		naming_free(&r);
		return NULL;
	}
	out = xasprintf("%s:%s", name, r.tag ? r.tag : "latest");
	free(name);
	naming_free(&r);
	return out;
}

char *naming_save_target(const char *image, const char *arg,
			 const char *default_suffix, const char **cause)
{
	struct image_ref r;
	char *out;

	if (!arg)
		return derived_target(image, default_suffix, cause);
	if (str_has_prefix(arg, "suffix=")) {
		if (!valid_suffix(arg + 7)) {
			*cause =
			    "invalid suffix (non-empty; lowercase letters, "
			    "digits, . _ -)";
			return NULL;
		}
		return derived_target(image, arg + 7, cause);
	}
	if (strchr(arg, '=')) {
		*cause =
		    "unknown option (expected suffix=SUFFIX or NAME[:TAG])";
		return NULL;
	}
	if (naming_parse(arg, &r, cause) < 0)
		return NULL;
	if (r.digest) {
		*cause = "a save target cannot have a digest";
		naming_free(&r);
		return NULL;
	}
	out = xasprintf("%s:%s", r.name, r.tag ? r.tag : "latest");
	naming_free(&r);
	return out;
}

char *naming_archive_name(const char *ref)
{
	const char *base = strrchr(ref, '/');
	char *s = xasprintf("%s.tar", base ? base + 1 : ref);

	for (char *p = s; *p; p++) {
		if (*p == ':')
			*p = '_';
	}
	return s;
}
